package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// Commands that switch off guard's own shell hook for the rest of the
// session: the lines typed after them run unchecked, with no record.
func selfguardRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "guard-hook-off",
		Programs:   []string{"trap", "bind", "unset", "unfunction", "readonly", "declare", "typeset", "export", "local", "bindkey", "zle", "add-zsh-hook", "shopt", "read", "mapfile", "readarray", "printf", "getopts", "disable", "hash"},
		Decision:   guard.Confirm,
		Summary:    "switching off guard's shell hook (trap - DEBUG, rebinding Enter, unset -f __guard_…)",
		Postmortem: "guard's own design: two lines typed at a guarded prompt silenced the hook and the third ran unchecked",
		Machine:    true,
		Match:      matchHookOff,
	}, {
		ID:         "guard-snapshot-loss",
		Programs:   []string{"guard"},
		Decision:   guard.Confirm,
		Summary:    "guard snapshot prune, and undo or restore --force: the way back, or newer work, is thrown away",
		Postmortem: "guard's own design: a coding agent refused once pruned the snapshots that would have undone its next command",
		Machine:    true,
		Match:      matchSnapshotLoss,
	}, {
		ID:         "agent-hook-off",
		Programs:   nil, // a redirection can stand on any command
		Decision:   guard.Confirm,
		Summary:    "guard install NAME --remove, a write, move or removal of a coding agent's hook settings (~/.claude/settings.json, ~/.codex/hooks.json, ~/.cursor/hooks.json, Cline's Hooks folder…), or guard's own binary removed or moved away: the agent's next commands run unchecked; guard's memory of the lines it refused (~/.local/state/guard) changed",
		Postmortem: "guard's own design: a coding agent refused once removed the hook from its settings, then ran the refused command again",
		Machine:    true,
		Match:      matchAgentHookOff,
	}, {
		ID:         "unguarded-shell",
		Programs:   []string{"bash", "sh", "dash", "zsh", "ksh", "mksh", "fish", "csh", "tcsh", "ash", "yash", "pdksh", "ksh93", "rbash", "lksh", "sudo", "su"},
		Decision:   guard.Confirm,
		Summary:    "starting an interactive shell whose startup files do not load guard's hook (bash, sudo -i, su -)",
		Postmortem: "guard's own design: at a guarded ssh login, a refused rm -rf ran once the operator typed bash and the same line again",
		Machine:    true,
		Match:      matchUnguardedShell,
	}}
}

// matchUnguardedShell: a shell started to be typed into (no command, no
// script, its input the terminal) runs what is typed there unchecked
// unless its startup files load guard's hook. guard looks at them.
func matchUnguardedShell(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Remote != "" || len(inv.Stdin) > 0 || inv.InPipeline || inv.Background || !keepsTerminal(inv.Via) {
		return nil
	}
	for _, rd := range inv.Redirs {
		if (rd.Fd == "" || rd.Fd == "0") && (rd.Input() || rd.Op == "<" || rd.Op == "<>") {
			return nil
		}
	}
	shell, user := inv.Program, inv.User
	switch inv.Program {
	case "sudo":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "ugCDhprTUc", LongValue: []string{"user", "group", "chdir", "host", "prompt", "role", "type", "close-from", "other-user", "command-timeout"}, StopAtOperand: true})
		if !p.Has("i", "s", "login", "shell") || len(p.Operands) > 0 {
			return nil
		}
		shell, user = "bash", "root"
		if u, ok := p.Value("u", "user"); ok {
			user = u.Value
		}
	case "su":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "cCgGsw", LongValue: []string{"command", "session-command", "group", "supp-group", "shell", "whitelist-environment"}})
		if p.Has("c", "C", "command", "session-command") {
			return nil
		}
		shell, user = "bash", "root"
		for _, o := range p.Operands {
			if o.Known && o.Value != "-" {
				user = o.Value
				break
			}
		}
	default:
		for i := 0; i < len(inv.Args); i++ {
			a := inv.Args[i]
			if !a.Known {
				return nil
			}
			switch {
			case a.Value == "--rcfile" || a.Value == "--init-file" || a.Value == "-o" || a.Value == "+o" || a.Value == "-O" || a.Value == "+O":
				i++ // an option's value, not a script
			case a.Value == "-s":
				// commands on standard input, here the terminal: an
				// interactive shell, the words after it its $1…
				i = len(inv.Args)
			case !strings.HasPrefix(a.Value, "-") && !strings.HasPrefix(a.Value, "+"),
				strings.Contains(a.Value, "c") && !strings.HasPrefix(a.Value, "--"):
				return nil // a script, a command string, or commands on standard input
			case a.Value == "--help", a.Value == "--version", a.Value == "-n", a.Value == "--noexec":
				return nil // prints, or reads without running
			}
		}
	}
	if hookless[shell] {
		return guard.Found(guard.Confirm, "stay in this shell, or run the one command through guard: guard run -- 'COMMAND'",
			"would start a %s shell: guard has no hook for %s, so what is typed there runs unchecked, refused lines included", shell, shell)
	}
	files, skipped := startupFiles(inv, host, shell, user)
	if hookIn(host, files) {
		return nil
	}
	rc := "~/.bashrc"
	if shell == "zsh" {
		rc = "~/.zshrc"
	}
	who := "you"
	if user != "" {
		who = user
	}
	if skipped != "" {
		return guard.Found(guard.Confirm,
			fmt.Sprintf("start it without %s, so that it reads the start-up file that loads guard's hook, or run the one command through guard: guard run -- 'COMMAND'", skipped),
			"would start a %s shell that does not read the start-up files that load guard's hook (%s): what is typed there runs unchecked, refused lines included", shellName(shell), skipped)
	}
	return guard.Found(guard.Confirm,
		fmt.Sprintf("load the hook in that shell first (echo 'eval \"$(guard init %s)\"' >> %s for %s), or run the one command through guard: guard run -- 'COMMAND'", shellName(shell), rc, who),
		"would start a %s shell whose startup files do not load guard's hook: what is typed there runs unchecked, refused lines included", shellName(shell))
}

// startupFiles are the files an interactive shell started as inv reads
// before its first prompt, and the option that makes it skip those that
// would (--norc, zsh -f), if one does. bash reads /etc/bash.bashrc and
// ~/.bashrc, or the --rcfile it is given, or as a login shell the
// profile files; in POSIX mode (--posix, or run as sh) only the file
// $ENV names. zsh reads /etc/zsh/zshrc and ~/.zshrc (in $ZDOTDIR), none
// with -f (NO_RCS), not /etc's with -d (NO_GLOBAL_RCS). HOME and ZDOTDIR
// set on the line count.
func startupFiles(inv *guard.Invocation, host guard.Host, shell, user string) (files []string, skipped string) {
	home := homeOf(host, user)
	if v, ok := inv.Getenv("HOME"); ok && v.Known {
		home = v.Value
	}
	withHome := func(names ...string) []string {
		if home == "" {
			return nil
		}
		var out []string
		for _, n := range names {
			out = append(out, home+"/"+n)
		}
		return out
	}
	values := knownValues(inv.Args)
	option := func(names ...string) string {
		for i, v := range values {
			for _, n := range names {
				if v == n || (n == "norcs" || n == "noglobalrcs" || n == "rcs" || n == "globalrcs") && i > 0 && values[i-1] == "-o" && strings.ReplaceAll(strings.ToLower(v), "_", "") == n {
					return n
				}
			}
		}
		return ""
	}
	if shell == "zsh" {
		if o := option("-f", "--no-rcs", "--norcs", "norcs"); o != "" {
			return nil, o
		}
		zdot := home
		if v, ok := inv.Getenv("ZDOTDIR"); ok && v.Known {
			zdot = v.Value
		} else if v, ok := host.Getenv("ZDOTDIR"); ok && inv.User == "" {
			zdot = v
		}
		if zdot != "" {
			files = append(files, zdot+"/.zshrc")
		}
		if o := option("-d", "--no-global-rcs", "--noglobalrcs", "noglobalrcs"); o != "" {
			return files, o
		}
		return append(files, "/etc/zsh/zshrc", "/etc/zshrc"), ""
	}
	if o := option("--posix"); o != "" || shell == "sh" {
		if o == "" {
			o = "sh: POSIX mode"
		}
		if v, ok := inv.Getenv("ENV"); ok && v.Known {
			return []string{v.Value}, ""
		}
		if v, ok := host.Getenv("ENV"); ok && v != "" {
			return []string{v}, ""
		}
		return nil, o
	}
	login := option("-l", "--login") != ""
	var profiles []string
	if login && option("--noprofile") == "" {
		profiles = append([]string{"/etc/profile"}, withHome(".bash_profile", ".bash_login", ".profile")...)
	}
	for i, v := range values {
		if (v == "--rcfile" || v == "--init-file") && i+1 < len(values) && !login {
			return []string{values[i+1]}, ""
		}
	}
	switch {
	case login && option("--noprofile") != "":
		return nil, "--noprofile"
	case login:
		return profiles, ""
	case option("--norc") != "":
		return nil, "--norc"
	}
	// (sudo -i and su - start a login shell, whose profile often reads
	// ~/.bashrc: any of them counts)
	return append([]string{"/etc/bash.bashrc", "/etc/bashrc", "/etc/profile"}, withHome(".bashrc", ".bash_profile", ".profile")...), ""
}

// hookIn reports whether one of files loads guard's hook (guard init). A
// file it cannot read does not count.
func hookIn(host guard.Host, files []string) bool {
	for _, f := range files {
		data, err := host.ReadFile(f, 256<<10)
		if err == nil && (strings.Contains(string(data), "guard init") || strings.Contains(string(data), "__guard_")) {
			return true
		}
	}
	return false
}

// hookless are the shells guard has no hook for: typed into, nothing is
// checked, whatever their startup files hold.
var hookless = map[string]bool{"fish": true, "csh": true, "tcsh": true, "dash": true, "ksh": true, "mksh": true,
	"ash": true, "yash": true, "pdksh": true, "ksh93": true, "lksh": true}

// keepsTerminal: the command runs inside nothing but wrappers that leave
// it in the foreground on the same terminal: those that change the user
// (sudo bash), the environment or the scheduling (env -i bash, nice
// bash), and exec, which puts the new shell in place of the guarded one
// (exec bash --norc).
func keepsTerminal(via []string) bool {
	for _, v := range via {
		word, _, _ := strings.Cut(v, " ")
		if terminalWrappers[word] {
			continue
		}
		// an interpreter's exec, system() or pty.spawn of a shell: on this
		// terminal, unless the code writes into the shell it starts
		if terminalInterpreters[strings.TrimRight(word, "0123456789.")] && !strings.HasSuffix(v, guard.PipedVia) {
			continue
		}
		return false
	}
	return true
}

var terminalInterpreters = map[string]bool{"python": true, "perl": true, "ruby": true, "node": true, "php": true, "lua": true}

var terminalWrappers = map[string]bool{
	"sudo": true, "doas": true, "su": true, "runuser": true, "exec": true, "env": true, "command": true, "builtin": true,
	"nice": true, "ionice": true, "chrt": true, "taskset": true, "numactl": true, "stdbuf": true, "time": true, "setpriv": true,
	// new namespaces, a new session, a line editor around it: the shell
	// still reads the terminal
	"unshare": true, "setsid": true, "rlwrap": true, "firejail": true,
	// a new pseudo-terminal (script -c, a tmux or screen window) that the
	// operator types into
	"script": true, "tmux": true, "screen": true,
	// a time limit (an interactive shell takes the terminal all the
	// same), busybox's own shell, expect's spawn (with interact)
	"timeout": true, "busybox": true, "expect": true,
	// a new root, namespaces or group, with the shell they start
	"chroot": true, "nsenter": true, "newgrp": true, "sg": true,
	// code the interactive shell runs itself: a trap, the prompt, a key
	"trap": true, "PROMPT_COMMAND": true, "bind": true, "emulate": true,
}

func shellName(shell string) string {
	if shell == "zsh" {
		return "zsh"
	}
	return "bash"
}

// homeOf is user's home folder: $HOME for the user guard runs as, else
// /etc/passwd's.
func homeOf(host guard.Host, user string) string {
	self, _ := host.Getenv("USER")
	if user == "" || user == self {
		if h, ok := host.Getenv("HOME"); ok {
			return h
		}
	}
	if user == "" {
		return ""
	}
	return guard.UserHome(host, user)
}

// agentHookFiles are where the coding agents keep the hooks that run guard
// before their commands (guard install NAME), under the user's home.
var agentHookFiles = []string{
	".claude/settings.json", ".claude/settings.local.json", ".codex/hooks.json", ".gemini/settings.json",
	".cursor/hooks.json", ".copilot/hooks", ".codeium/windsurf/hooks.json", "Documents/Cline/Hooks",
	guardState,
}

// guardState is guard's own state under the home folder: the refusals it
// remembers, which tell an agent that retries a refused line another way
// to stop and ask.
const guardState = ".local/state/guard"

// matchAgentHookOff: an agent refused once can take guard out of its own
// way: remove the hook (guard install NAME --remove) or rewrite the
// settings file that holds it, then run the refused line again.
func matchAgentHookOff(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Remote != "" || inv.Container != "" {
		return nil // another machine's agents
	}
	hint := "change an agent's hooks yourself, in a terminal; to take guard's hook out on purpose: guard install NAME --remove"
	if inv.Program == "guard" {
		values := knownValues(inv.Args)
		if len(values) >= 2 && values[0] == "install" && slices.Contains(values, "--remove") {
			return guard.Found(guard.Confirm, hint, "would remove guard's hook from %s: its commands would run unchecked from then on, refused ones included", values[1])
		}
		return nil
	}
	changed := changedFiles(inv)
	if len(changed) == 0 {
		return nil // most commands: no home to look up
	}
	home := homeOf(host, inv.User)
	for _, target := range changed {
		path := inv.Path(target.Value)
		if filepath.Base(path) == "guard" && guardBinDir(filepath.Dir(path), home) && takesAway(inv, target) {
			return guard.Found(guard.Confirm, "to uninstall guard, take its hooks out first (guard install NAME --remove), in a terminal",
				"would remove guard itself (%s): a hook that runs it then fails, and the agents let the command through", path)
		}
	}
	if home == "" {
		return nil
	}
	for _, target := range changed {
		path := inv.Path(target.Value)
		rel, inHome := strings.CutPrefix(path, home)
		if !inHome || !strings.HasPrefix(rel, "/") {
			continue
		}
		rel = rel[1:]
		for _, f := range agentHookFiles {
			if rel != f && !(strings.HasPrefix(rel, f) && rel[len(f)] == '/') {
				continue
			}
			if f == guardState {
				return guard.Found(guard.Confirm, "leave guard's state to guard; to forget a refusal on purpose, do it yourself, in a terminal",
					"would change %s, guard's memory of the lines it refused: an agent that tries a refused line again another way is no longer told to stop and ask", path)
			}
			return guard.Found(guard.Confirm, hint,
				"would change %s, where a coding agent runs guard before each command: without that hook its commands run unchecked, refused ones included", path)
		}
	}
	return nil
}

// guardBinDir: a folder guard is installed in (install.sh's prefixes, go
// install's, the system's).
func guardBinDir(dir, home string) bool {
	switch dir {
	case "/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/opt/guard/bin":
		return true
	}
	return home != "" && (dir == home+"/.local/bin" || dir == home+"/bin" || dir == home+"/go/bin")
}

// takesAway: the command removes or empties a, or moves it away (mv's
// sources); a file put in its place (cp, install, mv onto it) is an
// upgrade, not this.
func takesAway(inv *guard.Invocation, a guard.Arg) bool {
	for _, rd := range inv.Redirs {
		if rd.Truncates() && rd.Target.Value == a.Value {
			return true
		}
	}
	switch inv.Program {
	case "rm", "unlink", "shred", "truncate":
		return true
	case "mv":
		ops := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "tS", LongValue: []string{"target-directory", "suffix", "backup"}}).Operands
		return len(ops) >= 2 && ops[len(ops)-1].Value != a.Value
	}
	return false
}

// changedFiles are the files a command writes, moves or removes: its
// redirections' targets, and the operands of the programs that change
// the files they are given (sed and perl only with -i).
func changedFiles(inv *guard.Invocation) []guard.Arg {
	var out []guard.Arg
	for _, rd := range inv.Redirs {
		if rd.Writes() && rd.Target.Known {
			out = append(out, rd.Target)
		}
	}
	last, readOnly := false, false
	switch inv.Program {
	case "rm", "unlink", "shred", "truncate", "tee", "sponge", "mv":
	case "cp", "ln", "install":
		last = true
	case "sed", "perl":
		readOnly = true // until -i says otherwise
	default:
		return out // the other programs change no file they are given
	}
	var operands []guard.Arg
	for _, a := range inv.Args {
		switch {
		case !a.Known:
		case strings.HasPrefix(a.Value, "-i") || strings.HasPrefix(a.Value, "--in-place") || a.Value == "-pi":
			readOnly = false // sed -i, perl -pi: the files are rewritten
		case !strings.HasPrefix(a.Value, "-"):
			operands = append(operands, a)
		}
	}
	switch {
	case readOnly:
		return out // sed or perl without -i only reads
	case last && len(operands) > 0:
		return append(out, operands[len(operands)-1])
	case last:
		return out
	}
	return append(out, operands...)
}

func matchSnapshotLoss(inv *guard.Invocation, _ guard.Host) *guard.Finding {
	values := knownValues(inv.Args)
	if len(values) == 0 {
		return nil
	}
	force := slices.Contains(values, "--force") || slices.Contains(values, "--force=true")
	switch {
	case values[0] == "snapshot" && len(values) > 1 && values[1] == "prune":
		return guard.Found(guard.Confirm, "guard snapshot list first; prune only what you will not need: guard snapshot prune --keep N",
			"would delete guard's snapshots: the commands they were taken for can no longer be undone")
	case force && (values[0] == "undo" || values[0] == "snapshot" && len(values) > 1 && values[1] == "restore"):
		return guard.Found(guard.Confirm, "see what it would do first: guard "+values[0]+" --dry-run; without --force, files changed since the snapshot are kept",
			"would overwrite files changed since the snapshot was taken (--force): that newer work is lost")
	}
	return nil
}

// enterKeys are readline's and zle's names for the keys that accept a
// line.
var enterKeys = []string{`\C-m`, `\C-j`, `\r`, `\n`, "RETURN", "Return", "newline", "^M", "^J"}

func matchHookOff(inv *guard.Invocation, host guard.Host) *guard.Finding {
	values := knownValues(inv.Args)
	what := ""
	switch inv.Program {
	case "trap":
		// trap - DEBUG, trap '' DEBUG, trap 'other code' DEBUG: each takes
		// the place of the hook's own trap.
		if len(values) >= 2 && values[0] != "-p" && values[0] != "-l" && slices.Contains(values[1:], "DEBUG") {
			what = "it replaces the DEBUG trap guard's hook checks each command with"
		}
	case "bind", "bindkey":
		for _, v := range values {
			for _, key := range enterKeys {
				if strings.Contains(v, key) {
					what = "it rebinds the Enter key guard's hook checks each line at"
				}
			}
		}
	case "zle":
		if slices.Contains(values, "-N") && (slices.Contains(values, "accept-line") || slices.Contains(values, "zle-line-finish")) {
			what = "it replaces the zsh widget guard's hook checks each line in"
		}
	case "add-zsh-hook":
		if slices.Contains(values, "-d") || slices.Contains(values, "-D") {
			what = "it removes a zsh hook, possibly guard's"
		}
	case "shopt":
		// the hook's trap skips a command only with extdebug; PS0, which
		// tells it a line Enter never saw, is expanded only with promptvars
		if len(inv.Via) == 0 && slices.Contains(values, "-u") {
			for _, v := range values {
				if v == "extdebug" || v == "promptvars" {
					what = "it turns off " + v + ", which guard's hook needs to stop a line that did not pass through Enter"
				}
			}
		}
	case "hash":
		// hash -p FILE NAME: NAME runs FILE from now on, while the hook
		// judges NAME as the program of that name
		// (a name no program has, or the same program's own path, is
		// judged as what it runs: hash -p /bin/ls listing)
		for i, v := range values {
			if v == "-p" && i+2 < len(values) {
				file, name := values[i+1], values[i+2]
				if baseName(file) != name && (programInstalled(host, name) || guard.HookBuiltin(name)) {
					what = "it makes " + name + " run " + file + " from now on, while guard's hook judges " + name + " as the program of that name"
				}
			}
		}
	default: // unset, unfunction, readonly, declare, typeset, export, and the builtins that assign
		frozen := inv.Program == "readonly"
		function := slices.Contains(values, "-f")
		for _, v := range values {
			if strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.Contains(v, "r") {
				frozen = true // declare -r, typeset -gr
			}
		}
		for _, name := range assignedNames(inv.Program, values) {
			switch {
			case strings.HasPrefix(name, "__guard") || name == "preexec_functions":
				what = "it removes, replaces or freezes a part of guard's hook (" + name + ")"
			case function && inv.Program == "declare" && name == "TRAPDEBUG" && !strings.HasPrefix(inv.Text, inv.Command.Text):
				// zsh: a function named TRAPDEBUG is the DEBUG trap
				what = "it defines TRAPDEBUG, which takes the place of the DEBUG trap guard's hook stops refused commands with"
			case function && inv.Program == "declare" && len(inv.Via) == 0 && guard.HookBuiltin(name) && !strings.HasPrefix(inv.Text, inv.Command.Text):
				// a definition the line writes (return() { …; }), which guard
				// reads as declare -f; a typed declare -f NAME only prints it
				what = "it defines a function named " + name + ", a builtin guard's hook calls: the hook would run the function in its place"
			case frozen && (name == "PS0" || name == "PROMPT_COMMAND"):
				what = "it freezes " + name + ", which guard's hook puts back at every Enter to catch a line that did not pass through it"
			case (name == "GUARD" || strings.HasPrefix(name, "GUARD_")) && name != "GUARD_ALLOW" && inv.Program != "unset" && inv.Program != "unfunction":
				// (GUARD_ALLOW is what guard allow RULE sets, the open way to
				// acknowledge a rule for the session)
				what = "it points every later guard at other settings (" + name + ": the site policy, the audit trail or the snapshots it uses)"
			}
		}
	}
	if what == "" {
		return nil
	}
	return guard.Found(guard.Confirm,
		"to run one command unchecked, say so on it: GUARD=off COMMAND (recorded); to leave guard, exit this shell",
		"would switch off guard in this shell: %s, so the lines typed after it run unchecked and unrecorded", what)
}

// assignedNames are the shell names a builtin writes, removes or freezes:
// declare's NAME=… (and, for a nameref, the name it points to), the
// targets of read, mapfile and getopts, printf -v's.
func assignedNames(program string, values []string) []string {
	var out []string
	nameref := false
	for i, v := range values {
		switch program {
		case "printf":
			if v == "-v" && i+1 < len(values) {
				return []string{values[i+1]}
			}
			continue
		case "read", "mapfile", "readarray", "getopts":
			if !strings.HasPrefix(v, "-") {
				out = append(out, v)
			}
			continue
		}
		if strings.HasPrefix(v, "-") && strings.Contains(v, "n") && !strings.HasPrefix(v, "--") {
			nameref = true // declare -n r=__guard_bin: r=… then writes it
		}
		name, value, _ := strings.Cut(v, "=")
		out = append(out, name)
		if nameref {
			out = append(out, value)
		}
	}
	return out
}

func knownValues(args []guard.Arg) []string {
	var out []string
	for _, a := range args {
		if a.Known {
			out = append(out, a.Value)
		}
	}
	return out
}
