# guard: judge each line before zsh runs it.  eval "$(guard init zsh)"
#
# How: zsh runs preexec for every line it is about to run, however it was
# accepted (Enter, Ctrl-O, Esc-a, accept-search, a user's widget), with the
# line as it will run: history expanded (!!, !$, !-2, ^old^new) and with
# the lines of its here-documents. __guard_preexec hands that line to guard
# gate on standard input, once. A DEBUG trap (ERR_EXIT set in it skips the
# command) skips every command of a refused line, which goes back to the
# editing buffer (print -z) to be fixed. The trap's one test,
# (( __guard_ok )), passes every command of a line that was judged; the
# line editor's line-finish hook clears it for the next line, so a line
# preexec did not see (the hook removed) is judged from history there.
# Commands inside functions pass: the prompt's hooks and widgets, or a
# function a line calls, which runs only when the call itself did.
# guard serve, started at the first prompt as a coprocess, answers for the
# lines guard finds nothing in without a process start; any other line it
# hands back, and guard gate takes it (and every line, when serve is not
# running).
if [[ -o interactive && -z ${__guard_loaded-} ]]; then
typeset -g __guard_loaded=1
typeset -g __guard_bin=@GUARD@
typeset -gi __guard_ok=1      # 1: what runs now was judged
typeset -gi __guard_refused=0 # 1: skip every command until the next prompt
typeset -gi __guard_each=0    # 1: judge command by command (r and fc run other lines)
typeset -g __guard_defs=
typeset -gi __guard_seq=0     # the number of the last question to guard serve
typeset -gi __guard_starts=0  # how many times guard serve was started since __guard_since
typeset -gi __guard_since=0   # $SECONDS when that count began
typeset -gi __guard_srv_pid=0 __guard_srv_in=-1 __guard_srv_out=-1 __guard_rnd=-1
typeset -g __guard_answer=    # its answer

# __guard_preexec judges the line zsh is about to run.
__guard_preexec() {
	emulate -L zsh
	local line=${1:-$3} verdict
	__guard_refused=0 __guard_each=0 __guard_ok=0
	__guard_rearm
	# r and fc run other lines: each command they run is judged on its own
	if [[ " $line" =~ '[[:space:];&|({`](r|fc)([[:space:]]|$)' ]]; then
		__guard_each=1
		return 0
	fi
	__guard_judge "$line"
	verdict=$?
	if (( verdict == 0 )); then
		__guard_ok=1
		return 0
	fi
	if (( verdict != 10 && verdict != 20 )) && __guard_failed $verdict "$line"; then
		__guard_ok=1
		return 0
	fi
	__guard_refused=1
	print -rz -- "$line" # back in the editing buffer, to be fixed
}

# __guard_failed says that guard itself could not judge a line (deleted,
# crashed, killed): it does not run, unless it starts with GUARD=off.
__guard_failed() {
	if [[ $2 =~ '^[[:space:]]*GUARD=off[[:space:]]' ]]; then
		print -u2 "guard: could not judge this line (guard exit $1); it runs unchecked because of GUARD=off"
		return 0
	fi
	print -u2 "guard: not run: guard could not judge this line (guard exit $1)"
	print -u2 "  to run it anyway, deliberately: put GUARD=off before it"
	return 1
}

# __guard_judge asks guard about a line, with the aliases and functions
# it uses, the line on standard input (argv carries at most 128 KiB). zsh
# writes a here-string to a temporary file, which a full disk can cut
# short without a word: gate checks the length (--length), and the line
# goes again through a pipe.
__guard_judge() {
	emulate -L zsh
	setopt no_multios # 2>&4 after 2>/dev/null replaces it: no tee process
	# guard runs in the shell's process group, which holds the terminal,
	# without a job of its own
	setopt no_monitor
	__guard_definitions "$1"
	local REPLY verdict
	__guard_bytes "$1"
	if __guard_quick "$1"; then
		return $__guard_answer
	fi
	local -a flags=(gate --from zsh --shell zsh --cwd "$PWD" --length $REPLY)
	if [[ -n $__guard_defs ]]; then
		flags+=(--definitions /dev/fd/3)
		"$__guard_bin" $flags --file - 4>&2 2>/dev/null <<<"$1" 2>&4 4>&- 3< <(print -rn -- "$__guard_defs")
	else
		"$__guard_bin" $flags --file - 4>&2 2>/dev/null <<<"$1" 2>&4 4>&-
	fi
	verdict=$?
	if (( verdict == 1 || verdict == 31 )); then
		"$__guard_bin" $flags --file - < <(print -r -- "$1") 3< <(print -rn -- "$__guard_defs")
		verdict=$?
	fi
	return $verdict
}

# __guard_quick asks guard serve about a line ($1). It returns 0, with the
# answer in __guard_answer, when serve could decide alone (the line runs);
# otherwise (a finding, a question, no serve, no answer in time) guard
# gate must. A line is one request: fields ended by NUL bytes, the
# environment as export -p prints it last.
__guard_quick() {
	emulate -L zsh
	local n verdict seq nonce c
	(( __guard_srv_in >= 0 && __guard_rnd >= 0 )) && [[ -e /proc/$__guard_srv_pid/fd/0 ]] || return 1
	# a zsh string may hold NUL bytes: its fields could not be told apart
	[[ $1$__guard_defs != *$'\0'* ]] || return 1
	# the number carries a nonce: an answer to a request another program
	# wrote into the pipe does not match it ($RANDOM can be foretold)
	sysread -s 8 -i $__guard_rnd nonce 2>/dev/null && (( ${#nonce} == 8 )) || return 1
	seq=$(( ++__guard_seq )).
	setopt local_options no_multibyte
	for c in ${(s::)nonce}; do seq+=$(( #c )); done
	{
		print -rn -- "G1"$'\0'"$seq"$'\0'$'\0'"$PWD"$'\0'"$1"$'\0'"$__guard_defs"$'\0'
		builtin export -p
		print -rn -- $'\0'
	} >&$__guard_srv_in 2>/dev/null || { __guard_unserve; return 1 }
	# (an answer to an earlier question that timed out is skipped)
	while read -r -t 10 -u $__guard_srv_out n verdict 2>/dev/null; do
		[[ $n == $seq ]] || continue
		case $verdict in
		(0) __guard_answer=0 && return 0 ;;
		(99) __guard_unserve ;; # serve ended: its program was replaced
		esac
		return 1
	done
	__guard_unserve # no answer in time: not asked again
	return 1
}

# __guard_serve starts guard serve beside this shell, once: in the shell's
# process group (no job notice; it ignores the terminal's keys), disowned,
# through descriptors of its own that close on exec, so that no program
# the shell starts inherits them (lvm tools complain of leaked ones).
__guard_serve() {
	emulate -L zsh
	setopt no_monitor
	(( __guard_srv_in >= 0 )) && [[ -e /proc/$__guard_srv_pid/fd/0 ]] && return 0
	__guard_unserve
	# it keeps ending (5 starts within a minute): guard gate alone for
	# the rest of that minute; an upgrade a day later still gets one
	(( SECONDS - __guard_since < 60 )) || { __guard_since=$SECONDS; __guard_starts=0 }
	(( __guard_starts++ < 5 )) || return 0
	zmodload zsh/system 2>/dev/null || return 0
	(( __guard_rnd >= 0 )) || sysopen -r -o cloexec -u __guard_rnd /dev/urandom 2>/dev/null || return 0
	local w r
	coproc "$__guard_bin" serve --from zsh 2>/dev/null
	__guard_srv_pid=$!
	{
		exec {w}>&p {r}<&p
		sysopen -w -o cloexec -u __guard_srv_in /proc/self/fd/$w &&
			sysopen -r -o cloexec -u __guard_srv_out /proc/self/fd/$r
	} 2>/dev/null || __guard_unserve
	[[ -n $w ]] && exec {w}>&-
	[[ -n $r ]] && exec {r}<&-
	disown %% 2>/dev/null
	return 0
}

# __guard_unserve stops guard serve; the next prompt starts it again.
__guard_unserve() {
	(( __guard_srv_in >= 0 )) && exec {__guard_srv_in}>&-
	(( __guard_srv_out >= 0 )) && exec {__guard_srv_out}<&-
	(( __guard_srv_pid > 0 )) && kill $__guard_srv_pid 2>/dev/null
	__guard_srv_in=-1 __guard_srv_out=-1 __guard_srv_pid=0
	return 0
}

# __guard_bytes sets REPLY to the length of $1 in bytes.
__guard_bytes() {
	setopt local_options no_multibyte
	REPLY=${#1}
}

# __guard_definitions sets __guard_defs to the aliases and functions of
# this shell that the line may use (and those they use), as shell code.
__guard_definitions() {
	emulate -L zsh
	__guard_defs=
	local w
	local -A seen
	local -a words
	words=(${=1//[^[:alnum:]_.:+-]/ })
	local -i i=1
	while (( i <= $#words && $#seen < 4096 )); do
		w=$words[i]
		(( i++ ))
		[[ -n $w && -z ${seen[$w]-} ]] || continue
		seen[$w]=1
		if (( ${+aliases[$w]} )); then
			__guard_defs+="alias -- ${(q)w}=${(q)aliases[$w]}"$'\n'
			words+=(${=aliases[$w]//[^[:alnum:]_.:+-]/ })
		fi
		if (( ${+galiases[$w]} )); then
			__guard_defs+="alias -g -- ${(q)w}=${(q)galiases[$w]}"$'\n'
			words+=(${=galiases[$w]//[^[:alnum:]_.:+-]/ })
		fi
		if (( ${+functions[$w]} )) && [[ $w != __guard_* ]]; then
			__guard_defs+="$w() {"$'\n'"$functions[$w]"$'\n}\n'
			words+=(${=functions[$w]//[^[:alnum:]_.:+-]/ })
			# marked for autoloading: called, it loads a file from $fpath
			if [[ $functions[$w] == *'autoload -X'* && -z ${seen[fpath]-} ]]; then
				seen[fpath]=1
				__guard_defs+="fpath=(${(j: :)${(qq@)fpath}})"$'\n'
			fi
		fi
		# a variable of this shell the text names (exported ones guard
		# sees in its own environment)
		if [[ $w == [A-Za-z_]* && $w != *[^A-Za-z0-9_]* && $w != __guard* ]] && (( ${+parameters[$w]} )) &&
			[[ $parameters[$w] != *(export|special|local|association)* ]]; then
			case $parameters[$w] in
			(array*) __guard_defs+="$w=(${(j: :)${(qq@)${(P@)w}}})"$'\n' ;;
			(*) __guard_defs+="$w=${(qq)${(P)w}}"$'\n' ;;
			esac
		fi
		# the functions a variable's value names: y=f, then $y CMD runs f
		if [[ $w == [A-Za-z_]* && $w != *[^A-Za-z0-9_]* && $w != __guard* ]] && (( ${+parameters[$w]} )) &&
			[[ $parameters[$w] == (scalar|array)* && $parameters[$w] != *special* ]]; then
			words+=(${=${(j: :)${(P@)w}}[1,4096]//[^[:alnum:]_.:+-]/ })
		fi
	done
}

# __guard_trap is the DEBUG trap's slow path: the command about to run was
# not covered by a judgement.
__guard_trap() {
	(( __guard_refused )) && return 1
	if (( __guard_each )); then
		__guard_judge "$ZSH_DEBUG_CMD"
		local verdict=$?
		(( verdict == 0 )) && return 0
		(( verdict != 10 && verdict != 20 )) && __guard_failed $verdict "$ZSH_DEBUG_CMD" && return 0
		return 1
	fi
	# A line preexec did not judge: judge it from history, where zsh keeps
	# it while it runs.
	__guard_rearm
	local line=${history[$HISTCMD]-}
	if [[ -z $line ]]; then
		print -u2 "guard: not run: this line did not pass through guard (its preexec hook was removed) and is not in history"
		print -u2 "  guard's hook is back: type the line again; or put GUARD=off before it"
		__guard_refused=1
		return 1
	fi
	__guard_judge "$line"
	local verdict=$?
	if (( verdict == 0 )) || { (( verdict != 10 && verdict != 20 )) && __guard_failed $verdict "$line" }; then
		__guard_ok=1
		return 0
	fi
	__guard_refused=1
	return 1
}

# __guard_precmd: the line is done; the prompt's own work may run.
__guard_precmd() {
	__guard_ok=1 __guard_refused=0 __guard_each=0
	__guard_rearm
	__guard_serve
}

# __guard_line_finish: a line was accepted; preexec judges it next.
__guard_line_finish() {
	__guard_ok=0
}

# __guard_rearm puts the hooks back if the user's settings removed them.
__guard_rearm() {
	[[ -o debug_before_cmd ]] || setopt debug_before_cmd # else the trap cannot skip a command
	(( ${preexec_functions[(Ie)__guard_preexec]} )) || preexec_functions=(__guard_preexec $preexec_functions)
	(( ${precmd_functions[(Ie)__guard_precmd]} )) || precmd_functions=(__guard_precmd $precmd_functions)
	if [[ ${widgets[zle-line-finish]-} != user:azhw:zle-line-finish ]] && (( ${+functions[add-zle-hook-widget]} )); then
		add-zle-hook-widget line-finish __guard_line_finish 2>/dev/null
	fi
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

zmodload zsh/parameter 2>/dev/null
autoload -Uz add-zle-hook-widget 2>/dev/null
__guard_rearm
trap '(( __guard_ok || $#funcstack )) || __guard_trap || setopt err_exit' DEBUG
fi
