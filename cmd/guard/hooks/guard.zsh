# guard: judge each line before zsh runs it.  eval "$(guard init zsh)"
#
# How: accept-line is wrapped. The whole buffer (with the lines already
# entered after a continuation) is judged once when Enter is pressed; a
# refused line stays in the buffer to be fixed.
if [[ -o interactive && -z ${__guard_loaded-} ]]; then
typeset -g __guard_loaded=1
typeset -g __guard_bin=@GUARD@

__guard_accept_line() {
	local line="$PREBUFFER$BUFFER"
	if [[ -z ${line//[[:space:]]/} ]]; then
		zle .accept-line
		return
	fi
	# r runs the previous line, with old=new substitutions: judge what it
	# will run. fc opens an editor on it: judge the line it starts from.
	case $line in
	r | r\ *)
		local prev=$(fc -ln -1) w
		for w in ${(z)line}; do
			[[ $w == *=* ]] && prev=${prev/${w%%=*}/${w#*=}}
		done
		line=$prev
		;;
	fc | fc\ *) line="$line; $(fc -ln -1)" ;;
	esac
	# Most lines are allowed: say nothing and redraw nothing for them.
	if [[ $("$__guard_bin" check --json --shell zsh --cwd "$PWD" -- "$line" 2>/dev/null) == '{"decision":"allow",'* ]]; then
		zle .accept-line
		return
	fi
	zle -I
	"$__guard_bin" gate --from zsh --shell zsh --cwd "$PWD" -- "$line" </dev/tty
	local verdict=$?
	if (( verdict != 10 && verdict != 20 )); then
		(( verdict != 0 )) && print -u2 "guard: could not judge this line (exit $verdict); it runs unchecked"
		zle .accept-line
	else
		print -s -- "$line" # in history too, to fix later
	fi
}
zle -N accept-line __guard_accept_line

# guard allow RULE: acknowledge a rule for the rest of this session.
guard() {
	if [[ ${1-} == allow ]]; then
		shift
		"$__guard_bin" allow "$@" && export GUARD_ALLOW="${GUARD_ALLOW:+$GUARD_ALLOW }$*"
	else
		"$__guard_bin" "$@"
	fi
}
fi
