# guard: judge each line before bash runs it.  eval "$(guard init bash)"
#
# How: a DEBUG trap with extdebug, so that a refused line is skipped. The
# whole line is judged once, at its first command, from `history 1` (which
# holds the line as typed, !! expanded, continuation lines and here-documents
# joined); its verdict is reused for every later command of the same line,
# so a refused line refuses all of it, and a loop costs no extra guard run.
# When the line was not saved to history (HISTCONTROL=ignorespace…), each
# command is judged on its own instead.
if [[ $- == *i* && -z ${__guard_loaded-} ]]; then
__guard_loaded=1
__guard_bin=@GUARD@
__guard_armed=0
__guard_verdict=0
__guard_each=0
__guard_hcmd=-1
__guard_busy=0

__guard_trap() {
	# Not for guard's own functions, prompt commands or completion.
	[[ $__guard_busy == 1 || ${BASH_COMMAND} == __guard_* || -n ${COMP_LINE-} ]] && return 0
	if [[ $__guard_armed == 1 ]]; then
		__guard_armed=0
		# HISTCMD is the number the line got if it was saved to history.
		if [[ $HISTCMD != "$__guard_hcmd" ]]; then
			__guard_each=1 # not in history: judge command by command
		else
			local entry
			entry=$(HISTTIMEFORMAT= builtin history 1)
			[[ $entry =~ ^[[:space:]]*[0-9]+\*?[[:space:]]+ ]] && entry=${entry:${#BASH_REMATCH[0]}}
			case $entry in fc | fc\ *) __guard_each=1 ;; esac # fc runs other lines
			if [[ $__guard_each == 0 ]]; then
				"$__guard_bin" gate --from bash --cwd "$PWD" -- "$entry"
				__guard_verdict=$?
			fi
		fi
	fi
	if [[ $__guard_each == 1 ]]; then
		"$__guard_bin" gate --from bash --cwd "$PWD" -- "$BASH_COMMAND"
		__guard_verdict=$?
	fi
	case $__guard_verdict in
	0) return 0 ;;
	10 | 20) return 1 ;; # not confirmed, or blocked: skip it
	*) # guard itself failed: never lock the shell
		printf 'guard: could not judge this line (exit %s); it runs unchecked\n' "$__guard_verdict" >&2
		__guard_verdict=0
		return 0 ;;
	esac
}

__guard_prompt_begin() { __guard_busy=1; }
__guard_prompt_end() {
	__guard_busy=0 __guard_armed=1 __guard_verdict=0 __guard_each=0 __guard_hcmd=$HISTCMD
}

# guard allow RULE: acknowledge a rule for the rest of this session.
guard() {
	if [[ ${1-} == allow ]]; then
		shift
		"$__guard_bin" allow "$@" && export GUARD_ALLOW="${GUARD_ALLOW:+$GUARD_ALLOW }$*"
	else
		"$__guard_bin" "$@"
	fi
}

shopt -s extdebug
PROMPT_COMMAND="__guard_prompt_begin${PROMPT_COMMAND:+; $PROMPT_COMMAND}; __guard_prompt_end"
trap '__guard_trap' DEBUG
fi
