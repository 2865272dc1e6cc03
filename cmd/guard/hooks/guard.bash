# guard: judge each line before bash runs it.  eval "$(guard init bash)"
#
# How (bash 4.4 or later, with readline):
# - Enter (C-m, C-j, and C-o) is a readline macro: history-expand-line (the
#   expansion bash would do, !! !$ ^old^new, done first so that what is
#   judged is what runs), then __guard_enter (bind -x), then accept-line.
#   __guard_enter sees the whole editing buffer, so a pasted block is
#   judged whole; it adds the lines bash is still reading the command from
#   (a continuation, a here-document), and hands the text to guard gate on
#   standard input. A refused line never reaches bash: it goes to history
#   (press Up to fix it) and the hook interrupts the read, as Ctrl-C
#   would, so no part of it runs.
# - A DEBUG trap (extdebug: a non-zero return skips the command) is the
#   second line. Its one test, [[ $__guard_ok == 1 || -n ${FUNCNAME-} ]],
#   passes every command of a line Enter judged, and commands inside
#   functions (a function runs only when the command calling it did). PS0,
#   which bash expands after it reads each command and before it runs it,
#   clears __guard_ok unless Enter judged that command: a line that reached
#   bash another way (Enter rebound, no line editing) is judged from
#   history there, or refused with a message.
# - PROMPT_COMMAND's first element and PS0 are put back at every Enter if
#   the user's settings replaced them; the keys are bound again when a
#   line slipped past them.
# - guard serve, started at the first prompt as a coprocess, answers for
#   the lines guard finds nothing in without a process start; any other
#   line it hands back, and guard gate takes it (and every line, when serve
#   is not running).
if [[ $- == *i* && -z ${__guard_loaded-} ]]; then
__guard_loaded=1
__guard_bin=@GUARD@
__guard_functions=(__guard_enter __guard_edit __guard_trap __guard_prompt __guard_judge __guard_gate __guard_bytes __guard_definitions
	__guard_quick __guard_serve __guard_unserve __guard_refuse __guard_failed __guard_one __guard_rearm __guard_bind __guard_bind_expand guard)
__guard_ok=1       # 1: what runs now was judged (or is the shell's own prompt work)
__guard_armed=0    # 1: Enter judged the command bash reads next; PS0 keeps __guard_ok then
__guard_refused=0  # 1: skip every command until the next prompt
__guard_each=0     # 1: judge command by command (fc, edit-and-execute-command)
__guard_multi=0    # 1: the judged text has several commands: bash reads them without a prompt
__guard_pending=   # the lines of the command bash is still reading
__guard_unjudged=  # text guard found incomplete: judged by the trap if bash runs it anyway
__guard_fresh=1    # 1: a prompt was shown: the next Enter starts a new command
__guard_cmdno='\#' # prompt escape: the number of the command bash reads next
__guard_lastno=
__guard_hist=      # HISTCMD at the last prompt: a line saved to history gets it
__guard_defs=
__guard_n=0
__guard_expand=    # how Enter expands history: on, off, or verify (histverify)
__guard_seq=0      # the number of the last question to guard serve
__guard_answer=    # its answer
__guard_starts=0   # how many times guard serve was started since __guard_since
__guard_since=0    # $SECONDS when that count began
__guard_ps0='${__guard_nil[__guard_ok=__guard_armed?__guard_ok:0,__guard_armed=0]-}'

# __guard_enter runs when Enter is pressed, before bash reads the line.
__guard_enter() {
	# bash exports READLINE_LINE to what a key binding runs: past 128 KiB
	# no program could start with it in its environment.
	export -n READLINE_LINE READLINE_POINT READLINE_MARK 2>/dev/null
	# The DEBUG trap need not look at the hook's own commands: functions
	# called from here do not inherit it; and guard runs in the shell's
	# process group, which holds the terminal, without a job of its own
	# (both are back on return).
	local -
	set +T +m
	local line=$READLINE_LINE text status n=${__guard_cmdno@P}
	# A prompt was shown, or bash ran a command since the last Enter: this
	# line starts a new command; otherwise it continues the pending one.
	[[ $__guard_fresh == 1 || $n != "$__guard_lastno" ]] && __guard_pending=
	__guard_fresh=0 __guard_lastno=$n __guard_refused=0 __guard_each=0 __guard_hist=
	__guard_rearm
	local marks=${histchars:-'!^'}
	if [[ $__guard_expand == verify && ($line == *"${marks:0:1}"* || $line == "${marks:1:1}"*) ]]; then
		# histverify: bash shows an expansion to be edited before it runs;
		# if nothing expands, the trap judges the line as it runs.
		__guard_unjudged=$__guard_pending$line __guard_armed=0
		return 0
	fi
	text=$__guard_pending$line
	[[ -z ${text//[[:space:]]/} ]] && return 0 # nothing runs
	__guard_armed=0                            # until guard has answered
	__guard_judge "$text" --incomplete
	status=$?
	case $status in
	0)
		__guard_ok=1 __guard_armed=1 __guard_unjudged=
		__guard_pending=$text$'\n' # in case bash still reads more of it
		[[ $text == *$'\n'* ]] && __guard_multi=1 || __guard_multi=0
		# fc runs other lines: each command it runs is judged on its own
		if [[ $text == *fc* && " $text" =~ [[:space:]\;\&\|\(\{\`]fc([[:space:]]|$) ]]; then
			__guard_each=1 __guard_ok=0
		fi
		;;
	30) # bash will read more lines before it runs any of it
		__guard_pending=$text$'\n' __guard_unjudged=$text
		;;
	*)
		__guard_refuse "$text" "$status" && return 0
		;;
	esac
	return 0
}

# __guard_refuse keeps a refused line from running: it goes to history, and
# the read is interrupted as Ctrl-C would (the partial command too). It
# returns 0 only for a line the operator ran deliberately (GUARD=off while
# guard itself could not judge).
__guard_refuse() {
	local text=$1 status=$2
	if [[ $status != 10 && $status != 20 ]]; then
		__guard_failed "$status" "$text" && { __guard_ok=1 __guard_armed=1; return 0; }
	fi
	__guard_pending= __guard_unjudged= __guard_fresh=1 __guard_ok=1
	builtin history -s -- "$text"
	set -T # the interrupt returns past the local -
	builtin kill -s INT $$
	# Still here: SIGINT is trapped or ignored. The line left is empty, and
	# the trap skips the rest of a command bash was still reading.
	__guard_ok=0 __guard_refused=1
	READLINE_LINE= READLINE_POINT=0
	return 1
}

# __guard_failed says that guard itself could not judge a line (deleted,
# crashed, killed): it does not run, unless it starts with GUARD=off.
__guard_failed() {
	local status=$1 text=$2
	if [[ $text =~ ^[[:space:]]*GUARD=off[[:space:]] ]]; then
		printf 'guard: could not judge this line (guard exit %s); it runs unchecked because of GUARD=off\n' "$status" >&2
		return 0
	fi
	printf 'guard: not run: guard could not judge this line (guard exit %s)\n  to run it anyway, deliberately: put GUARD=off before it\n' "$status" >&2
	return 1
}

# __guard_judge asks guard about a text, with the aliases and functions
# it uses: $1 the text, then gate's flags.
__guard_judge() {
	__guard_definitions "$1"
	__guard_gate "$@"
}

# __guard_gate runs guard gate on a text ($1) with gate's flags, the text
# on standard input (argv carries at most 128 KiB). A here-string is a
# pipe up to 64 KiB and a temporary file past that, which a full disk can
# cut short without a word: gate checks the length (--length), and the
# text goes again through a pipe; a larger one goes through a pipe at
# once. The definitions go the same way on descriptor 3.
__guard_gate() {
	local text=$1 status
	shift
	__guard_bytes "$text"
	if __guard_quick "$text" "$@"; then
		return "$__guard_answer"
	fi
	set -- "$@" --length "$__guard_n"
	status=31
	# (a here-string that cannot be written reports it to /dev/null)
	if [[ -z $__guard_defs ]] && ((__guard_n < 60000)); then
		"$__guard_bin" gate --from bash --cwd "$PWD" "$@" --file - 4>&2 2>/dev/null <<<"$text" 2>&4 4>&-
		status=$?
	elif [[ -n $__guard_defs ]]; then
		set -- "$@" --definitions /dev/fd/3
		if ((__guard_n < 60000 && ${#__guard_defs} < 60000)); then
			"$__guard_bin" gate --from bash --cwd "$PWD" "$@" --file - 4>&2 2>/dev/null <<<"$text" 3<<<"$__guard_defs" 2>&4 4>&-
			status=$?
		fi
	fi
	if ((status == 1 || status == 31)); then
		"$__guard_bin" gate --from bash --cwd "$PWD" "$@" --file - < <(printf '%s\n' "$text") 3< <(printf '%s' "$__guard_defs")
		status=$?
	fi
	return $status
}

# __guard_quick asks guard serve about a text ($1; then gate's flags). It
# returns 0, with the answer in __guard_answer, when serve could decide
# alone: the line runs (0), or bash reads more of it first (30). Otherwise
# (a finding, a question, no serve, no answer in time) guard gate must.
# A line is one request: fields ended by NUL bytes, which no bash string
# holds, the environment as export -p prints it last.
__guard_quick() {
	local text=$1 options= seq status
	[[ " $* " == *" --incomplete "* ]] && options=i
	# serve is alive (a process that ended has no descriptors): bash dies
	# of SIGPIPE writing to a pipe nobody reads.
	[[ -n ${__guard_co[1]-} && -e /proc/${__guard_co_PID-0}/fd/0 ]] || return 1
	((__guard_n + ${#__guard_defs} < 1000000)) || return 1
	# the number carries a nonce: an answer to a request another program
	# wrote into the pipe does not match it
	seq=$((++__guard_seq)).${SRANDOM-$RANDOM}${SRANDOM-$RANDOM}
	{
		builtin printf 'G1\0%s\0%s\0%s\0%s\0%s\0' "$seq" "$options" "$PWD" "$text" "$__guard_defs"
		builtin export -p
		builtin printf '\0'
	} >&"${__guard_co[1]}" 2>/dev/null || { __guard_unserve; return 1; }
	# (an answer to an earlier question that timed out is skipped)
	while builtin read -r -t 10 -u "${__guard_co[0]}" n status 2>/dev/null; do
		[[ $n == "$seq" ]] || continue
		case $status in
		0 | 30) __guard_answer=$status && return 0 ;;
		99) __guard_unserve ;; # serve ended: its program was replaced
		esac
		return 1
	done
	__guard_unserve # no answer in time: not asked again
	return 1
}

# __guard_serve starts guard serve beside this shell, once: at a prompt,
# where job control puts it in a process group of its own (Ctrl-C does
# not reach it); disowned, so that wait and jobs do not see it.
__guard_serve() {
	[[ -n ${__guard_co[1]-} ]] && return 0
	[[ -z ${__guard_co_PID-} ]] || return 0 # (ended; bash has not noticed yet)
	# it keeps ending (5 starts within a minute): guard gate alone for
	# the rest of that minute; an upgrade a day later still gets one
	((SECONDS - __guard_since < 60)) || __guard_since=$SECONDS __guard_starts=0
	((__guard_starts++ < 5)) || return 0
	{ coproc __guard_co { exec "$__guard_bin" serve --from bash 2>/dev/null; }; } 2>/dev/null
	[[ -n ${__guard_co_PID-} ]] && builtin disown "$__guard_co_PID" 2>/dev/null
	return 0
}

# __guard_unserve stops guard serve; the next prompt starts it again.
__guard_unserve() {
	[[ -n ${__guard_co_PID-} ]] && builtin kill "$__guard_co_PID" 2>/dev/null
	return 0
}

# __guard_bytes sets __guard_n to the length of $1 in bytes.
__guard_bytes() {
	local LC_ALL=C
	__guard_n=${#1}
}

# __guard_definitions sets __guard_defs to the aliases and functions of
# this shell that the text may use (and those they use), as shell code.
__guard_definitions() {
	__guard_defs=
	local - name value more words=" ${1//[^[:alnum:]_.:+-]/ } " round=0 IFS=$' \t\n'
	set -f
	local -A sent=()
	# aliases: each name that stands as a word, and those its text uses
	if shopt -q expand_aliases; then
		more=1
		while ((more)); do
			more=0
			for name in "${!BASH_ALIASES[@]}"; do
				[[ -z ${sent[$name]-} && $words == *" $name "* ]] || continue
				sent[$name]=1 more=1
				value=${BASH_ALIASES[$name]}
				__guard_defs+="alias -- ${name@Q}=${value@Q}"$'\n'
				words+=" ${value//[^[:alnum:]_.:+-]/ } "
			done
		done
	fi
	# variables of this shell the text names (x='rm -rf …' on one line, $x
	# on the next); exported ones guard sees in its own environment
	# (their values name the functions the text may call through them:
	# y=f, then $y CMD runs the function f)
	local attrs ref valwords=
	for name in $words; do
		# (a name: globs, as a regular expression costs ten times more)
		[[ $name == [A-Za-z_]* && $name != *[!A-Za-z0-9_]* && -z ${sent[\$$name]-} && $name != __guard* && -n ${!name+set} ]] || continue
		case $name in BASH* | PS[0-4] | PROMPT_COMMAND | HIST* | COMP* | READLINE* | FUNCNAME | PIPESTATUS | RANDOM | SRANDOM | SECONDS | LINENO | EPOCH* | _) continue ;; esac
		attrs=${!name@a}
		[[ $attrs == *A* ]] && continue
		sent[\$$name]=1
		if [[ $attrs == *x* ]]; then
			valwords+=" ${!name}" # (sent in the environment)
			continue
		fi
		if [[ $attrs == *a* ]]; then
			ref="$name[@]"
			__guard_defs+="$name=(${!ref@Q})"$'\n'
			valwords+=" ${!ref}"
		else
			__guard_defs+="$name=${!name@Q}"$'\n'
			valwords+=" ${!name}"
		fi
	done
	# functions: each word that names one, and those their bodies call
	valwords=${valwords//[^[:alnum:]_.:+-]/ }
	local -a check=($words ${valwords:0:4096}) funcs
	while ((${#check[@]} && round++ < 4)); do
		funcs=()
		for name in "${check[@]}"; do
			[[ -z ${sent[$name]-} ]] && declare -F -- "$name" && sent[$name]=1 && funcs+=("$name")
		done >/dev/null 2>&1 # one redirection, not one a word
		((${#funcs[@]})) || break
		value=$(declare -f -- "${funcs[@]}")
		__guard_defs+=$value$'\n'
		check=(${value//[^[:alnum:]_.:+-]/ })
	done
}

# __guard_trap is the DEBUG trap's slow path: the command about to run was
# not covered by a judgement of Enter.
__guard_trap() {
	# guard's own commands, completion and key bindings (bind -x) at the prompt
	[[ $BASH_COMMAND == __guard_* || -n ${COMP_LINE+set} || -n ${READLINE_LINE+set} ]] && return 0
	((__guard_refused)) && return 1
	if ((__guard_each)); then
		__guard_one "$BASH_COMMAND"
		return
	fi
	local text status
	if [[ -n $__guard_unjudged ]]; then
		# guard found the text incomplete, yet bash runs it
		text=$__guard_unjudged
		__guard_unjudged=
	elif ((__guard_multi)); then
		__guard_ok=1 # the next command of a pasted block Enter judged whole
		return 0
	else
		# A line Enter did not see: bind the keys again for the next one.
		__guard_bind
		if [[ -n $__guard_hist && $HISTCMD == "$__guard_hist" ]]; then
			text=$(HISTTIMEFORMAT= builtin history 1)
			[[ $text =~ ^[[:space:]]*[0-9]+\*?[[:space:]]+ ]] && text=${text:${#BASH_REMATCH[0]}}
		else
			printf 'guard: not run: this line did not pass through guard (Enter was not bound to its hook, or line editing is off) and is not in history\n  guard bound Enter again: type the line again; or put GUARD=off before it\n' >&2
			__guard_refused=1
			return 1
		fi
	fi
	__guard_judge "$text"
	status=$?
	if ((status == 0)); then
		__guard_ok=1
		return 0
	fi
	if [[ $status != 10 && $status != 20 ]] && __guard_failed "$status" "$text"; then
		__guard_ok=1
		return 0
	fi
	__guard_refused=1
	return 1
}

# __guard_one judges one command on its own (lines fc runs).
__guard_one() {
	local status
	__guard_judge "$1"
	status=$?
	((status == 0)) && return 0
	[[ $status != 10 && $status != 20 ]] && __guard_failed "$status" "$1" && return 0
	return 1
}

# __guard_edit: edit-and-execute-command (C-x C-e, v in vi mode) runs what
# the editor saves, which Enter never sees: each command is judged.
__guard_edit() {
	__guard_each=1 __guard_ok=0 __guard_armed=0
}

# __guard_prompt is PROMPT_COMMAND's first element: the line is done, the
# prompt's own work may run. It keeps $? for the rest of PROMPT_COMMAND.
__guard_prompt() {
	local status=$?
	shopt -q extdebug || shopt -s extdebug # a line turned it off: the trap could not skip a command
	__guard_ok=1 __guard_refused=0 __guard_each=0 __guard_multi=0 __guard_fresh=1 __guard_unjudged= __guard_hist=$HISTCMD
	set -T # subshells inherit the trap (Ctrl-C in __guard_enter skips its local -)
	__guard_bind_expand
	__guard_serve
	return $status
}

# __guard_rearm puts the hook's prompt command and PS0 back if the user's
# settings replaced them (PROMPT_COMMAND='history -a' in ~/.bashrc after
# /etc/bash.bashrc, or a bash 5.1 array).
__guard_rearm() {
	shopt -q extdebug || shopt -s extdebug # without it the trap cannot skip a command
	if [[ ${PROMPT_COMMAND[0]-} != __guard_prompt* && ${PROMPT_COMMAND@a} != *r* ]]; then
		if [[ ${PROMPT_COMMAND@a} == *a* ]]; then
			PROMPT_COMMAND=(__guard_prompt "${PROMPT_COMMAND[@]}")
		else
			PROMPT_COMMAND=__guard_prompt${PROMPT_COMMAND:+$'\n'$PROMPT_COMMAND}
		fi
	fi
	if [[ ${PS0-} != *"$__guard_ps0"* && ${PS0@a} != *r* ]] && shopt -q promptvars; then
		PS0=${PS0-}$__guard_ps0
	fi
}

# __guard_bind binds Enter (and C-o, C-x C-e, vi's v) to go through
# __guard_enter, in the emacs and both vi keymaps.
__guard_bind() {
	local map
	for map in emacs vi-insert vi-command; do
		builtin bind -m $map -x '"\e[9990~": __guard_enter'
		builtin bind -m $map -x '"\e[9993~": __guard_edit'
		builtin bind -m $map '"\e[9991~": accept-line'
		builtin bind -m $map '"\e[9992~": operate-and-get-next'
		builtin bind -m $map '"\e[9994~": edit-and-execute-command'
		builtin bind -m $map '"\C-m": "\e[9995~\e[9990~\e[9991~"'
		builtin bind -m $map '"\C-j": "\e[9995~\e[9990~\e[9991~"'
	done
	builtin bind -m emacs '"\C-o": "\e[9995~\e[9990~\e[9992~"'
	builtin bind -m emacs '"\C-x\C-e": "\e[9993~\e[9994~"'
	builtin bind -m vi-command '"v": "\e[9993~\e[9994~"'
	__guard_expand=
	__guard_bind_expand
} 2>/dev/null

# __guard_bind_expand makes Enter expand history when bash would (set -H)
# and run it at once (no histverify).
__guard_bind_expand() {
	local want=off map
	if [[ $- == *H* ]]; then
		want=on
		shopt -q histverify && want=verify
	fi
	[[ $want == "$__guard_expand" ]] && return 0
	__guard_expand=$want
	for map in emacs vi-insert vi-command; do
		if [[ $want == on ]]; then
			builtin bind -m $map '"\e[9995~": history-expand-line'
		else
			builtin bind -m $map '"\e[9995~": ""'
		fi
	done
} 2>/dev/null

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
__guard_bind
__guard_rearm
# What the hook runs and how cannot be changed by the lines it judges: a
# line that sets __guard_bin=/bin/true, or defines __guard_judge again,
# would let every later line by. readonly is for the life of the shell
# (not even unset undoes it); guard's own function is left free.
readonly __guard_loaded __guard_bin __guard_functions __guard_ps0 __guard_cmdno
readonly -f "${__guard_functions[@]:0:${#__guard_functions[@]}-1}"
# Keep a DEBUG trap already set (bash-preexec's, say), before ours.
__guard_prior=$(trap -p DEBUG)
__guard_prior=${__guard_prior#"trap -- '"}
__guard_prior=${__guard_prior%"' DEBUG"}
__guard_prior=${__guard_prior//"'\\''"/"'"}
[[ $__guard_prior == *__guard_* ]] && __guard_prior=
trap "${__guard_prior:+$__guard_prior$'\n'}"'[[ $__guard_ok == 1 || -n ${FUNCNAME-} ]] || __guard_trap' DEBUG
unset __guard_prior
fi
