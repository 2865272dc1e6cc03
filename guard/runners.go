package guard

import (
	"path/filepath"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// moreWrappers are programs that run the command given after their
// options, with the options that take a value as their manuals list them
// (util-linux 2.39, systemd 255, strace 6, numactl 2).
var moreWrappers = map[string]wrapperSpec{
	"taskset": {opts: OptSpec{StopAtOperand: true}, skip: 1, noCommand: []string{"p", "pid"}},
	"chrt": {opts: OptSpec{ShortValue: "TPD", LongValue: []string{"sched-runtime", "sched-period", "sched-deadline"}, StopAtOperand: true},
		skip: 1, noCommand: []string{"p", "pid", "m", "max"}},
	"numactl": {opts: OptSpec{ShortValue: "ipmNCPwbu", LongValue: []string{"interleave", "preferred", "preferred-many", "membind", "cpunodebind", "physcpubind", "weighted-interleave", "cpubind"}, StopAtOperand: true},
		noCommand: []string{"s", "show", "H", "hardware"}},
	"systemd-inhibit": {opts: OptSpec{LongValue: []string{"what", "who", "why", "mode"}, StopAtOperand: true}, noCommand: []string{"list"}},
	"strace":          {opts: OptSpec{ShortValue: "abeEIoOpPsSuUX", LongValue: []string{"attach", "output", "user", "env", "trace", "signal", "status", "string-limit", "columns", "summary-sort-by", "trace-path", "const-print-style", "decode-fds", "seccomp-bpf-filter", "absolute-timestamps", "timestamps"}, StopAtOperand: true}},
	"ltrace":          {opts: OptSpec{ShortValue: "aADeFlnopsuwx", LongValue: []string{"align", "demangle", "library", "output", "indent"}, StopAtOperand: true}},
	"setpriv": {opts: OptSpec{LongValue: []string{"ruid", "euid", "rgid", "egid", "reuid", "regid", "groups", "inh-caps", "ambient-caps", "bounding-set", "securebits", "pdeathsig", "selinux-label", "apparmor-profile", "landlock-access", "landlock-rule", "seccomp-filter"}, StopAtOperand: true},
		noCommand: []string{"d", "dump"}},
	"firejail":         {opts: OptSpec{StopAtOperand: true}, noCommand: []string{"list", "tree", "top", "version", "help", "debug-syscalls", "debug-protocols"}},
	"cgexec":           {opts: OptSpec{ShortValue: "g", StopAtOperand: true}},
	"prlimit":          {opts: OptSpec{ShortValue: "po", LongValue: []string{"pid", "output"}, StopAtOperand: true}},
	"linux32":          {opts: OptSpec{StopAtOperand: true}},
	"linux64":          {opts: OptSpec{StopAtOperand: true}},
	"eatmydata":        {opts: OptSpec{StopAtOperand: true}},
	"with-lock-ex":     {opts: OptSpec{StopAtOperand: true}, skip: 1}, // with-lock-ex -w LOCKFILE CMD
	"lckdo":            {opts: OptSpec{StopAtOperand: true}, skip: 1}, // lckdo -q LOCKFILE CMD
	"fakeroot":         {opts: OptSpec{ShortValue: "lisb", LongValue: []string{"lib", "faked"}, StopAtOperand: true}},
	"dbus-run-session": {opts: OptSpec{LongValue: []string{"config-file", "dbus-daemon"}, StopAtOperand: true}},
	"xvfb-run":         {opts: OptSpec{ShortValue: "nsfepw", LongValue: []string{"server-num", "server-args", "auth-file", "error-file", "xauth-protocol", "wait"}, StopAtOperand: true}},
	"catchsegv":        {opts: OptSpec{StopAtOperand: true}},
	"valgrind":         {opts: OptSpec{StopAtOperand: true}},
	"nocache":          {opts: OptSpec{ShortValue: "n", StopAtOperand: true}},
	"trickle":          {opts: OptSpec{ShortValue: "wtlnud", StopAtOperand: true}},
	"sshpass":          {opts: OptSpec{ShortValue: "fdpP", StopAtOperand: true}},
	"ssh-agent":        {opts: OptSpec{ShortValue: "aEtPO", StopAtOperand: true}, noCommand: []string{"k", "c", "s"}},
	"systemd-cat":      {opts: OptSpec{ShortValue: "tp", LongValue: []string{"identifier", "priority", "stderr-priority", "level-prefix", "namespace"}, StopAtOperand: true}},
	"rlwrap":           {opts: OptSpec{ShortValue: "aAbCeDfFgHlmOoPqsSwz", StopAtOperand: true}},
	"faketime":         {opts: OptSpec{ShortValue: "mp", LongValue: []string{"date-prog"}, StopAtOperand: true}, skip: 1},
	"gosu":             {opts: OptSpec{StopAtOperand: true}, skip: 1},
	"su-exec":          {opts: OptSpec{StopAtOperand: true}, skip: 1},
	"setuidgid":        {opts: OptSpec{StopAtOperand: true}, skip: 1},
	"s6-setuidgid":     {opts: OptSpec{StopAtOperand: true}, skip: 1},
	"chpst":            {opts: OptSpec{ShortValue: "uUbe/nlLmdofpcr", StopAtOperand: true}},
	"softlimit":        {opts: OptSpec{ShortValue: "mdsaloprftc", StopAtOperand: true}},
	// init processes of containers, and session and power helpers
	"toybox":       {opts: OptSpec{StopAtOperand: true}},
	"tini":         {opts: OptSpec{ShortValue: "pe", StopAtOperand: true}, noCommand: []string{"h", "version"}},
	"dumb-init":    {opts: OptSpec{ShortValue: "r", LongValue: []string{"rewrite"}, StopAtOperand: true}, noCommand: []string{"h", "help", "V", "version"}},
	"catatonit":    {opts: OptSpec{StopAtOperand: true}},
	"with-contenv": {opts: OptSpec{StopAtOperand: true}},
	"dbus-launch":  {opts: OptSpec{StopAtOperand: true}, noCommand: []string{"version", "help"}},
	"caffeinate":   {opts: OptSpec{ShortValue: "tw", StopAtOperand: true}},
	// logsave LOGFILE CMD…, task spooler, proot (its -r root is not followed)
	// cpulimit [-l N] [--] CMD (-p PID and -e EXE limit a process already
	// running); moreutils' ifne [-n] CMD runs CMD when its input is (not) empty
	"cpulimit": {opts: OptSpec{ShortValue: "lpecm", LongValue: []string{"limit", "pid", "exe", "cpu", "path"}, StopAtOperand: true},
		noCommand: []string{"p", "pid", "e", "exe", "P", "path"}},
	"ifne":    {opts: OptSpec{StopAtOperand: true}},
	"logsave": {opts: OptSpec{StopAtOperand: true}, skip: 1},
	"tsp": {opts: OptSpec{ShortValue: "LDWNEOuirtcpskTw", StopAtOperand: true},
		noCommand: []string{"l", "S", "C", "K", "T", "h", "V", "r", "t", "c", "p", "o", "s", "i", "u", "w", "k", "U"}},
	// flatpak-spawn [--host] CMD: its options take their values after =
	"flatpak-spawn": {opts: OptSpec{StopAtOperand: true}},
	"proot":         {opts: OptSpec{ShortValue: "rbmwqk", LongValue: []string{"rootfs", "bind", "mount", "pwd", "cwd", "qemu", "kernel-release"}, StopAtOperand: true}},
}

// moreWrapperFor returns how to look inside the programs of this file,
// nil for others.
func moreWrapperFor(program string) wrapFunc {
	switch program {
	case "pkexec":
		return wrapPkexec
	case "run0":
		return wrapRun0
	case "systemd-run":
		return wrapSystemdRun
	case "script":
		return wrapScriptCmd
	case "tmux":
		return wrapTmux
	case "screen":
		return wrapScreen
	case "unshare":
		return wrapUnshare
	case "ip":
		return wrapIPNetnsExec
	case "just":
		return wrapJust
	case "task", "go-task":
		return wrapTask
	case "nsenter":
		return wrapNsenter
	case "sg":
		return wrapSg
	case "newgrp":
		return wrapNewgrp
	case "runcon":
		return wrapRuncon
	case "daemonize":
		return wrapDaemonize
	case "entr":
		return wrapEntr
	case "pee", "mispipe":
		return wrapCodeArgs
	case "setarch":
		return wrapSetarch
	case "perf":
		return wrapPerf
	case "start-stop-daemon":
		return wrapStartStopDaemon
	case "bwrap":
		return wrapBwrap
	case "trap":
		return wrapTrap
	case "alias":
		return wrapAlias
	case "bind":
		return wrapBind
	case "complete":
		return wrapComplete
	case "add-zsh-hook", "zle":
		return wrapZshHooks
	case "fc":
		return wrapFc
	case "sched":
		return wrapSched
	case "crontab":
		return wrapCrontab
	case "npm", "yarn", "pnpm":
		return wrapPackageScripts
	case "bun":
		return wrapBun
	case "pdsh", "clush", "pssh", "parallel-ssh", "ansible", "salt", "salt-ssh", "knife", "mussh":
		return wrapFanout
	case "git":
		return wrapGit
	case "k3s", "microk8s", "k0s":
		return wrapBundledTool
	case "emacs", "emacsclient":
		return wrapEmacs
	case "run-parts":
		return wrapRunParts
	}
	if tool, ok := strings.CutPrefix(program, "microk8s."); ok && bundledTools[tool] {
		return wrapDottedTool // microk8s.kubectl, the snap's alias for microk8s kubectl
	}
	if spec, ok := moreWrappers[program]; ok {
		return spec.wrap
	}
	if wrap := devRunnerFor(program); wrap != nil {
		return wrap
	}
	if wrap := containerRunnerFor(program); wrap != nil {
		return wrap
	}
	if isLoader(program) {
		return wrapLoader
	}
	return nil
}

// isLoader tells the dynamic loader, which runs the program it is given:
// /lib64/ld-linux-x86-64.so.2 /bin/rm -rf /usr.
func isLoader(program string) bool {
	return program == "ld.so" || strings.HasPrefix(program, "ld-linux") && strings.Contains(program, ".so") ||
		strings.HasPrefix(program, "ld64.so") || strings.HasPrefix(program, "ld-musl-")
}

func wrapLoader(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{LongValue: []string{"library-path", "inhibit-rpath", "audit", "preload", "argv0", "glibc-hwcaps-prepend", "glibc-hwcaps-mask"}, StopAtOperand: true})
	if p.Has("list", "verify", "help", "version", "list-tunables", "list-diagnostics") {
		return
	}
	r.runInner(outer, append(p.Operands, p.Rest...), sc, outer.Program, nil)
}

// wrapPkexec: pkexec [--user USER] [--keep-cwd] PROGRAM ARGS, as root by
// default, in the target user's home unless --keep-cwd.
func wrapPkexec(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{LongValue: []string{"user"}, StopAtOperand: true})
	r.runInner(outer, append(p.Operands, p.Rest...), sc, "pkexec", func(inner *Invocation, isc *scope) {
		inner.User = "root"
		if u, ok := p.Value("user"); ok {
			inner.User = u.Value
		}
		if !p.Has("keep-cwd") {
			inner.Cwd = ""
		}
		isc.forgetVars()
	})
}

var run0Spec = OptSpec{
	ShortValue:    "ugD",
	LongValue:     []string{"unit", "property", "description", "slice", "user", "group", "nice", "chdir", "setenv", "background", "machine", "shell-prompt-prefix", "lightweight", "area"},
	StopAtOperand: true,
}

// wrapRun0: systemd's sudo. As root unless --user; --machine runs in a
// container.
func wrapRun0(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, run0Spec)
	argv := append(p.Operands, p.Rest...)
	adjust := func(inner *Invocation, isc *scope) {
		inner.User = "root"
		if u, ok := p.Value("u", "user"); ok {
			inner.User = u.Value
		}
		if d, ok := p.Value("D", "chdir"); ok {
			inner.Cwd = ""
			if d.Known {
				inner.Cwd = outer.Path(d.Value)
			}
		}
		isc.forgetVars()
		if m, ok := p.Value("machine"); ok {
			enterBox(inner, isc, m.Value, nil)
		}
	}
	if len(argv) == 0 {
		r.runStdin(outer, sc, "run0", adjust)
		return
	}
	r.runInner(outer, argv, sc, "run0", adjust)
}

var systemdRunSpec = OptSpec{
	ShortValue: "uHMpEC",
	LongValue: []string{"unit", "property", "description", "slice", "uid", "gid", "setenv", "working-directory", "machine", "host",
		"on-active", "on-boot", "on-startup", "on-unit-active", "on-unit-inactive", "on-calendar", "timer-property",
		"path-property", "socket-property", "service-type", "nice", "capsule", "json", "expand-environment"},
	StopAtOperand: true,
}

// wrapSystemdRun: the command runs as a transient service, now or on a
// timer (judged as if now), as root in / unless told otherwise; -H runs
// it on another host and -M in a container.
func wrapSystemdRun(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, systemdRunSpec)
	argv := append(p.Operands, p.Rest...)
	if len(argv) == 0 {
		return // --shell, or a unit with no command
	}
	r.runInner(outer, argv, sc, "systemd-run", func(inner *Invocation, isc *scope) {
		if !p.Has("scope") {
			detach(inner, isc) // a service: --scope runs it here, on this terminal, as a child of systemd-run
		}
		if !p.Has("user") {
			inner.User = "root"
		}
		if u, ok := p.Value("uid"); ok {
			inner.User = u.Value
		}
		switch d, ok := p.Value("working-directory"); {
		case ok:
			inner.Cwd = ""
			if d.Known {
				inner.Cwd = outer.Path(d.Value)
			}
		case p.Has("scope", "d", "same-dir"):
		default:
			inner.Cwd = "/" // a service starts in /
		}
		if h, ok := p.Value("H", "host"); ok {
			host := h.Value
			if _, after, found := strings.Cut(host, "@"); found {
				host = after
			}
			inner.Remote, inner.Cwd = host, "/"
			isc.box = nil
		}
		if m, ok := p.Value("M", "machine"); ok {
			enterBox(inner, isc, m.Value, nil)
		}
		isc.forgetVars()
	})
}

// wrapScriptCmd: script -c CMD runs CMD with the shell; without -c it
// starts an interactive shell.
func wrapScriptCmd(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "IOBTmEoc", LongValue: []string{"log-in", "log-out", "log-io", "log-timing", "logging-format", "echo", "output-limit", "command"}})
	if c, ok := p.Value("c", "command"); ok {
		if c.Known {
			r.runCode(outer, c.Value, sc, "script -c", nil)
		}
		return
	}
	// without -c, script starts the user's shell, which reads its
	// commands from script's input: script -q /dev/null <<< CODE; from
	// the terminal, it is a shell typed into
	r.shellOrStdin(outer, sc, "script", nil)
}

// shellOrStdin: a program that starts the user's shell with no command
// (script, newgrp, unshare, chroot DIR): the shell runs what comes on its
// standard input, or, from the terminal, is a shell typed into.
func (r *resolver) shellOrStdin(outer *Invocation, sc *scope, via string, adjust func(inner *Invocation, isc *scope)) {
	if printsOnly(outer) {
		return
	}
	if t := r.stdinOf(outer, 0); t.tty && len(outer.Stdin) == 0 {
		r.typedShell(outer, sc, via, adjust)
		return
	}
	r.runStdin(outer, sc, via, adjust)
}

// printsOnly: the program is asked for its help or version, and starts
// nothing (script --help, tmux -V).
func printsOnly(inv *Invocation) bool {
	return slices.ContainsFunc(inv.Args, func(a Arg) bool {
		switch a.Value {
		case "--help", "--version", "-V":
			return true
		case "-h":
			return inv.Program != "screen" // screen -h N sets the scrollback
		}
		return false
	})
}

// typedShell: a terminal program started with no command (script, tmux,
// screen) starts the user's shell ($SHELL) in a new terminal the operator
// types into: judged as that shell started here, whose start-up files
// decide whether guard's hook is there (unguarded-shell).
func (r *resolver) typedShell(outer *Invocation, sc *scope, via string, adjust func(inner *Invocation, isc *scope)) {
	if printsOnly(outer) {
		return
	}
	shell, ok := sc.lookup("SHELL")
	if !ok || shell == "" {
		return // a shell guard cannot know: what it runs is typed later
	}
	r.runInner(outer, []Arg{{Text: "$SHELL", Value: shell, Known: true}}, sc, via, adjust)
}

var tmuxGlobalSpec = OptSpec{ShortValue: "cfLST", StopAtOperand: true}

// tmuxShellCommands are the tmux commands that run shell code, with the
// short options of each that take a value.
var tmuxShellCommands = map[string]string{
	"new-session": "cenFfstxy", "new": "cenFfstxy",
	"new-window": "cenFt", "neww": "cenFt",
	"split-window": "celtF", "splitw": "celtF",
	"respawn-pane": "cet", "respawnp": "cet",
	"respawn-window": "cet", "respawnw": "cet",
	"run-shell": "cdt", "run": "cdt",
	"display-popup": "bcdehsStTwxy", "popup": "bcdehsStTwxy",
	"pipe-pane": "t", "pipep": "t",
	"if-shell": "t", "if": "t",
}

// wrapTmux judges what tmux runs: the shell command of new-session,
// new-window, split-window, run-shell…, and the keys typed by send-keys,
// which a shell in that pane reads as a command line. Commands are
// separated by ";" words.
func wrapTmux(r *resolver, outer *Invocation, sc *scope) {
	g := ParseOptions(outer.Args, tmuxGlobalSpec)
	if c, ok := g.Value("c"); ok && c.Known {
		r.runCode(outer, c.Value, sc, "tmux -c", detach)
	}
	args := append(g.Operands, g.Rest...)
	if len(args) == 0 {
		r.typedShell(outer, sc, "tmux", nil) // tmux alone is tmux new-session
		return
	}
	for len(args) > 0 {
		end := len(args)
		for i, a := range args {
			if a.Value == ";" || a.Value == `\;` {
				end = i
				break
			}
		}
		r.tmuxCommand(outer, args[:end], sc)
		if end == len(args) {
			break
		}
		args = args[end+1:]
	}
}

func (r *resolver) tmuxCommand(outer *Invocation, args []Arg, sc *scope) {
	if len(args) == 0 || !args[0].Known {
		return
	}
	name := args[0].Value
	via := "tmux " + name
	if name == "send-keys" || name == "send" {
		p := ParseOptions(args[1:], OptSpec{ShortValue: "cNt"})
		if p.Has("X", "H") {
			return // copy-mode commands, or keys given in hex
		}
		var typed strings.Builder
		for _, k := range p.Operands {
			switch {
			case p.Has("l"):
				typed.WriteString(k.Value)
			case k.Value == "Enter" || k.Value == "C-m" || k.Value == "KPEnter" || k.Value == "C-j" || k.Value == "^M":
				typed.WriteString("\n")
			case k.Value == "Space":
				typed.WriteString(" ")
			case len(k.Value) == 3 && (k.Value[:2] == "C-" || k.Value[:2] == "M-"), k.Value == "Escape", k.Value == "Tab", k.Value == "BSpace":
				// control keys type nothing a shell runs
			default:
				typed.WriteString(k.Value)
			}
		}
		r.runSnippet(outer, typed.String(), sc, via, func(inner *Invocation, isc *scope) {
			inner.Cwd = ""
			detach(inner, isc)
		})
		return
	}
	valued, ok := tmuxShellCommands[name]
	if !ok {
		return
	}
	p := ParseOptions(args[1:], OptSpec{ShortValue: valued, StopAtOperand: true})
	argv := append(p.Operands, p.Rest...)
	if len(argv) == 0 && name != "run-shell" && name != "run" && name != "pipe-pane" && name != "pipep" && name != "respawn-pane" && name != "respawnp" && name != "respawn-window" && name != "respawnw" && !p.Has("d") {
		// a session of the default shell, attached here: typed into
		r.typedShell(outer, sc, via, nil)
		return
	}
	if name == "if-shell" || name == "if" {
		if len(argv) > 0 && !p.Has("F") {
			r.runCode(outer, argv[0].Value, sc, via, detach)
		}
		for _, cmd := range argv[min(1, len(argv)):] {
			// the tmux commands it runs, as one string each
			r.tmuxCommand(outer, splitWords(cmd.Value), sc)
		}
		return
	}
	if len(argv) == 0 {
		return
	}
	adjust := func(inner *Invocation, isc *scope) {
		detach(inner, isc) // run by the tmux server, not this session
		if d, ok := p.Value("c"); ok && name != "display-popup" && name != "popup" {
			inner.Cwd = ""
			if d.Known {
				inner.Cwd = outer.Path(d.Value)
			}
		}
	}
	if len(argv) == 1 {
		r.runCode(outer, argv[0].Value, sc, via, adjust) // run by the shell
		return
	}
	r.runInner(outer, argv, sc, via, adjust)
}

// splitWords splits a string into words at spaces, for commands that
// hold another tool's command line (tmux if-shell).
func splitWords(s string) []Arg {
	var out []Arg
	for _, w := range strings.Fields(s) {
		out = append(out, Arg{Text: w, Value: w, Known: true})
	}
	return out
}

// wrapScreen judges what screen runs: the command of a new session or
// window (screen -dmS name CMD), and with -X the screen command given:
// stuff types text into the window's shell, exec and screen run a
// program.
func wrapScreen(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	xcmd, newSession, attach := false, false, false
	i := 0
options:
	for i < len(args) {
		v := args[i].Value
		if !args[i].Known || !strings.HasPrefix(v, "-") || v == "-" {
			break
		}
		i++
		switch v {
		case "--":
			break options
		case "-ls", "-list", "-wipe", "-version", "-help", "-v":
			return // lists or prints: runs nothing
		case "-Logfile", "-logfile":
			i++
			continue
		case "-fn", "-fa", "-ln":
			continue
		}
		letters := v[1:]
		for j := 0; j < len(letters); j++ {
			switch c := letters[j]; {
			case c == 'X':
				xcmd = true
			case c == 'm':
				newSession = true
			case strings.IndexByte("dDrRx", c) >= 0:
				attach = true
			case strings.IndexByte("cehpsStT", c) >= 0:
				// -S name, or -Sname: the value ends this word
				if j+1 == len(letters) {
					i++
				}
				continue options
			}
		}
	}
	if attach && !newSession && !xcmd {
		return // attaches to a session that already runs
	}
	rest := args[min(i, len(args)):]
	if len(rest) == 0 && !xcmd && !newSession {
		r.typedShell(outer, sc, "screen", nil) // a window of $SHELL, typed into
		return
	}
	if len(rest) == 0 || !rest[0].Known {
		return
	}
	if !xcmd {
		r.runInner(outer, rest, sc, "screen", detach)
		return
	}
	switch rest[0].Value {
	case "stuff":
		var typed strings.Builder
		for _, a := range rest[1:] {
			typed.WriteString(screenUnescape(a.Value))
		}
		r.runSnippet(outer, typed.String(), sc, "screen -X stuff", func(inner *Invocation, isc *scope) {
			inner.Cwd = ""
			detach(inner, isc)
		})
	case "exec", "screen":
		argv := rest[1:]
		for len(argv) > 0 && (strings.HasPrefix(argv[0].Value, "-") || strings.Trim(argv[0].Value, "!.|:") == "") {
			argv = argv[1:] // the options and fd patterns of exec and screen
		}
		r.runInner(outer, argv, sc, "screen -X "+rest[0].Value, detach)
	}
}

// screenUnescape reads the escapes screen's stuff command understands:
// ^M and ^J type Enter, \n, \r and \015 too.
func screenUnescape(s string) string {
	s = strings.NewReplacer("^M", "\n", "^J", "\n", `\r`, "\n", `\n`, "\n", `\015`, "\n", `\012`, "\n", "\r", "\n").Replace(s)
	return s
}

var unshareSpec = OptSpec{
	ShortValue:    "RwSG",
	LongValue:     []string{"root", "wd", "setuid", "setgid", "map-user", "map-group", "map-users", "map-groups", "propagation", "setgroups", "monotonic", "boottime"},
	StopAtOperand: true,
}

// wrapUnshare: new namespaces, same files (unless --root, which is a
// chroot); without a program it starts a shell.
func wrapUnshare(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, unshareSpec)
	via := "unshare"
	if p.Has("n", "net") {
		via = viaNewNetwork
	}
	adjust := func(inner *Invocation, isc *scope) {
		if _, ok := p.Value("R", "root"); ok {
			inner.Cwd = "/"
		}
		if w, ok := p.Value("w", "wd"); ok {
			inner.Cwd = ""
			if w.Known {
				inner.Cwd = outer.Path(w.Value)
			}
		}
	}
	argv := append(p.Operands, p.Rest...)
	if len(argv) == 0 && !p.Has("h", "help", "V", "version") {
		r.shellOrStdin(outer, sc, via, adjust) // unshare alone starts $SHELL
		return
	}
	r.runInner(outer, argv, sc, via, adjust)
}

// The wrappers that run their command in a network namespace of its
// own, as they stand in its Via: what it does to devices, routes and
// firewalls is that namespace's, not the SSH session's.
const (
	viaNetns      = "ip netns exec"
	viaNewNetwork = "unshare -n"
)

// OwnNetwork tells whether the command runs in a network namespace of
// its own (ip netns exec NAME, unshare -n).
func (inv *Invocation) OwnNetwork() bool {
	return slices.Contains(inv.Via, viaNetns) || slices.Contains(inv.Via, viaNewNetwork)
}

// wrapIPNetnsExec: ip [OPTIONS] netns exec NAME CMD (ip -all netns exec
// CMD) runs CMD in another network namespace, on this host's files.
func wrapIPNetnsExec(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	all := false
	for len(args) > 0 && strings.HasPrefix(args[0].Value, "-") {
		switch args[0].Value {
		case "-all", "-a":
			all = true
		case "-n", "-netns", "-b", "-batch", "-rc", "-rcvbuf", "-f", "-family":
			args = args[1:]
		}
		args = args[1:]
	}
	if len(args) < 2 || !strings.HasPrefix("netns", args[0].Value) || args[0].Value == "" || args[1].Value != "exec" {
		return
	}
	args = args[2:]
	if !all {
		if len(args) == 0 {
			return
		}
		args = args[1:] // the namespace's name
	}
	r.runInner(outer, args, sc, viaNetns, nil)
}

var nsenterSpec = OptSpec{ShortValue: "tSGW", LongValue: []string{"target", "setuid", "setgid", "wdns"}, StopAtOperand: true}

// wrapNsenter: with the mount namespace of another process (-m, -a), the
// command sees that process's files: a container, unless the process is
// PID 1, the host's own init.
func wrapNsenter(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, nsenterSpec)
	argv := append(p.Operands, p.Rest...)
	run := r.runInner
	if len(argv) == 0 && !p.Has("h", "help", "V", "version") {
		// nsenter alone starts $SHELL in the namespaces it enters
		run = func(outer *Invocation, _ []Arg, sc *scope, via string, adjust func(*Invocation, *scope)) {
			r.shellOrStdin(outer, sc, via, adjust)
		}
	}
	run(outer, argv, sc, "nsenter", func(inner *Invocation, isc *scope) {
		target, hasTarget := p.Value("t", "target")
		mountNS := p.Has("m", "mount", "a", "all")
		switch {
		case !mountNS:
		case hasTarget && target.Known && target.Value == "1":
			inner.User, inner.Cwd = "root", "" // the host itself, as root
		case hasTarget:
			enterBox(inner, isc, "pid "+target.Value, nil)
		default:
			enterBox(inner, isc, "another mount namespace", nil)
		}
	})
}

// wrapSg: sg GROUP [-c] COMMAND, where COMMAND is one string for sh -c.
func wrapSg(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	if len(args) > 0 && args[0].Value == "-" {
		args = args[1:]
	}
	if len(args) < 2 {
		r.shellOrStdin(outer, sc, "sg", nil) // sg GROUP alone: a shell reads its commands
		return
	}
	rest := args[1:]
	if rest[0].Value == "-c" {
		rest = rest[1:]
	}
	r.runCode(outer, joinCode(rest, r.lineLang()), sc, "sg", nil)
}

// wrapNewgrp: newgrp [-] [GROUP] starts a shell with that group, which
// reads its commands: newgrp adm <<< CODE runs CODE.
func wrapNewgrp(r *resolver, outer *Invocation, sc *scope) {
	r.shellOrStdin(outer, sc, "newgrp", nil)
}

// wrapRuncon: runcon CONTEXT CMD, or runcon [-u -r -t -l VALUE] CMD.
func wrapRuncon(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "urtl", LongValue: []string{"user", "role", "type", "range"}, StopAtOperand: true})
	argv := append(p.Operands, p.Rest...)
	if !p.Has("u", "r", "t", "l", "user", "role", "type", "range") && len(argv) > 0 {
		argv = argv[1:] // the context
	}
	r.runInner(outer, argv, sc, "runcon", nil)
}

// wrapDaemonize: daemonize [-c DIR] [-u USER] … PATH ARGS.
func wrapDaemonize(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "ceEopluU", StopAtOperand: true})
	r.runInner(outer, append(p.Operands, p.Rest...), sc, "daemonize", func(inner *Invocation, isc *scope) {
		detach(inner, isc)
		inner.Cwd = "/"
		if d, ok := p.Value("c"); ok {
			inner.Cwd = ""
			if d.Known {
				inner.Cwd = outer.Path(d.Value)
			}
		}
		if u, ok := p.Value("u"); ok {
			inner.User = u.Value
		}
	})
}

// wrapSetarch: setarch ARCH [options] [PROGRAM [ARGS]]; the options come
// after the architecture.
func wrapSetarch(r *resolver, outer *Invocation, sc *scope) {
	if len(outer.Args) == 0 || outer.Args[0].Value == "--list" {
		return
	}
	p := ParseOptions(outer.Args[1:], OptSpec{StopAtOperand: true})
	r.runInner(outer, append(p.Operands, p.Rest...), sc, "setarch", nil)
}

// wrapEntr: entr runs its utility when files change; with -s it is shell
// code.
func wrapEntr(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{StopAtOperand: true})
	argv := append(p.Operands, p.Rest...)
	if p.Has("s") && len(argv) > 0 {
		r.runCode(outer, argv[0].Value, sc, "entr -s", nil)
		return
	}
	r.runInner(outer, argv, sc, "entr", nil)
}

// perfRuns are the perf subcommands that run the command given after
// their options; perfSpec the options of any of them that take a value
// (perf 6: record, stat, trace, and the record of c2c, mem, lock, sched,
// kmem, kvm, timechart).
var perfRuns = map[string]bool{"record": true, "stat": true, "trace": true, "c2c": true, "mem": true, "lock": true, "sched": true, "kmem": true, "kvm": true, "timechart": true, "ftrace": true}

var perfSpec = OptSpec{
	ShortValue:    "eoptCGcFmrjuxIDkTL",
	LongValue:     []string{"event", "output", "pid", "tid", "cpu", "cgroup", "count", "freq", "mmap-pages", "realtime", "branch-filter", "uid", "field-separator", "interval-print", "delay", "clockid", "call-graph", "filter", "repeat", "duration", "input"},
	StopAtOperand: true,
}

// wrapPerf: perf record|stat|trace [OPTIONS] [--] CMD runs CMD under the
// profiler; perf sched record CMD and the like too.
func wrapPerf(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	for len(args) > 0 && perfRuns[args[0].Value] {
		args = args[1:]
	}
	if len(args) == len(outer.Args) {
		return // perf report, perf top: nothing of the caller's runs
	}
	p := ParseOptions(args, perfSpec)
	argv := append(p.Operands, p.Rest...)
	if len(argv) > 0 && argv[0].Value == "record" {
		argv = argv[1:] // perf sched record CMD, after sched's options
	}
	r.runInner(outer, argv, sc, "perf", nil)
}

var startStopSpec = OptSpec{
	ShortValue: "pxnugcsRarNdPIkO",
	LongValue: []string{"pidfile", "exec", "name", "user", "group", "chuid", "signal", "retry", "startas", "chroot", "chdir",
		"nicelevel", "procsched", "iosched", "umask", "notify-timeout", "output"},
}

// wrapStartStopDaemon: start-stop-daemon --start --exec PROG [--startas
// PATH] -- ARGS runs PATH (or PROG) with ARGS, as --chuid's user, in
// --chdir (or /) under --chroot.
func wrapStartStopDaemon(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, startStopSpec)
	if !p.Has("S", "start") {
		return
	}
	prog, ok := p.Value("a", "startas")
	if !ok {
		if prog, ok = p.Value("x", "exec"); !ok {
			return
		}
	}
	argv := append([]Arg{prog}, p.Operands...)
	r.runInner(outer, argv, sc, "start-stop-daemon", func(inner *Invocation, isc *scope) {
		detach(inner, isc)
		inner.Cwd = "/"
		if d, ok := p.Value("d", "chdir"); ok && d.Known && filepath.IsAbs(d.Value) {
			inner.Cwd = filepath.Clean(d.Value)
		}
		if u, ok := p.Value("c", "chuid", "u", "user"); ok {
			inner.User, _, _ = strings.Cut(u.Value, ":")
			isc.forgetVars()
		}
		if root, ok := p.Value("r", "chroot"); ok && root.Known && filepath.Clean(root.Value) != "/" {
			enterBox(inner, isc, root.Value, []bind{{inside: "/", outside: filepath.Clean(root.Value)}})
		}
	})
}

// bwrapValues counts the values of bubblewrap's options (bwrap 0.8).
var bwrapValues = map[string]int{
	"--bind": 2, "--bind-try": 2, "--dev-bind": 2, "--dev-bind-try": 2, "--ro-bind": 2, "--ro-bind-try": 2,
	"--symlink": 2, "--bind-data": 2, "--ro-bind-data": 2, "--file": 2, "--setenv": 2, "--chmod": 2, "--bind-fd": 2, "--ro-bind-fd": 2,
	"--args": 1, "--argv0": 1, "--userns": 1, "--userns2": 1, "--pidns": 1, "--uid": 1, "--gid": 1, "--hostname": 1,
	"--chdir": 1, "--unsetenv": 1, "--lock-file": 1, "--sync-fd": 1, "--remount-ro": 1, "--exec-label": 1, "--file-label": 1,
	"--proc": 1, "--dev": 1, "--tmpfs": 1, "--mqueue": 1, "--dir": 1, "--seccomp": 1, "--add-seccomp-fd": 1, "--info-fd": 1,
	"--json-status-fd": 1, "--block-fd": 1, "--userns-block-fd": 1, "--cap-add": 1, "--cap-drop": 1, "--perms": 1, "--size": 1,
	"--overlay-src": 1, "--tmp-overlay": 1, "--ro-overlay": 1, "--overlay": 3,
}

// wrapBwrap: bwrap [OPTIONS] CMD runs CMD in a new mount namespace that
// holds only what the options put there: --bind SRC DEST maps the host's
// SRC at DEST, writable (--ro-bind: read only).
func wrapBwrap(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	var binds []bind
	chdir := ""
	i := 0
	for i < len(args) {
		v := args[i].Value
		if v == "--" {
			i++
			break
		}
		if !strings.HasPrefix(v, "--") {
			break
		}
		n := bwrapValues[v]
		if i+n >= len(args) {
			return
		}
		switch v {
		case "--bind", "--bind-try", "--dev-bind", "--dev-bind-try":
			src, dst := args[i+1], args[i+2]
			if host := outer.Path(src.Value); src.Known && dst.Known && host != "" && filepath.IsAbs(dst.Value) {
				binds = append(binds, bind{inside: filepath.Clean(dst.Value), outside: host})
			}
		case "--chdir":
			chdir = args[i+1].Value
		}
		i += n + 1
	}
	r.runInner(outer, args[i:], sc, "bwrap", func(inner *Invocation, isc *scope) {
		name := "a bwrap sandbox"
		enterBox(inner, isc, name, binds)
		if filepath.IsAbs(chdir) {
			inner.Cwd = filepath.Clean(chdir)
		}
	})
}

// wrapBun: bun -e CODE (--eval, -p, --print) runs JavaScript, read as
// node's; otherwise bun runs package.json's scripts as npm does.
func wrapBun(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "ep", LongValue: []string{"eval", "print"}, StopAtOperand: true})
	if code, ok := p.Value("e", "eval", "p", "print"); ok {
		if code.Known {
			r.readCode(codeSite{outer: outer, sc: sc, via: "bun -e", args: knownValues(append(p.Operands, p.Rest...)), fromLine: true}, languages["node"], code.Value)
		}
		return
	}
	wrapPackageScripts(r, outer, sc)
}

// fanout describes a tool that runs one shell command on many hosts:
// which options take a value, and which of them names the hosts.
type fanout struct {
	opts  OptSpec
	hosts []string // options naming the hosts: -w web[1-3], -h hosts.txt
	user  []string // options naming the remote user
}

var fanouts = map[string]fanout{
	"pdsh":         {opts: OptSpec{ShortValue: "wxgXltufRFN", StopAtOperand: true}, hosts: []string{"w", "g", "a"}, user: []string{"l"}},
	"clush":        {opts: OptSpec{ShortValue: "wxgXlftuoOREs", LongValue: []string{"nodes", "exclude", "group", "user", "fanout", "options", "worker", "groupsource"}, StopAtOperand: true}, hosts: []string{"w", "nodes", "g", "group", "a", "all"}, user: []string{"l", "user"}},
	"pssh":         {opts: OptSpec{ShortValue: "hHlpoetOxX", LongValue: []string{"hosts", "host", "user", "par", "outdir", "errdir", "timeout", "option", "extra-args", "extra-arg"}, StopAtOperand: true}, hosts: []string{"h", "hosts", "H", "host"}, user: []string{"l", "user"}},
	"parallel-ssh": {opts: OptSpec{ShortValue: "hHlpoetOxX", LongValue: []string{"hosts", "host", "user", "par", "outdir", "errdir", "timeout", "option", "extra-args", "extra-arg"}, StopAtOperand: true}, hosts: []string{"h", "hosts", "H", "host"}, user: []string{"l", "user"}},
}

// knifeSpec: knife ssh QUERY COMMAND [-x USER] [-a ATTRIBUTE] [-C N]…
var knifeSpec = OptSpec{
	ShortValue: "xaCiPpGcKsuEmF",
	LongValue:  []string{"ssh-user", "attribute", "concurrency", "identity-file", "ssh-password", "ssh-port", "ssh-gateway", "config", "server-url", "user", "key", "environment", "format", "prefix-attribute", "ssh-identity-file"},
}

// musshSpec: mussh [-H FILE] [-h HOST] [-c COMMAND] [-C SCRIPT] [-l LOGIN]…
var musshSpec = OptSpec{ShortValue: "HhcClLmtsiodpJ"}

// ansibleSpec: ansible PATTERN [-m MODULE] [-a ARGS] [-b]…
var ansibleSpec = OptSpec{
	ShortValue: "maiueflMtTBPcQ",
	LongValue: []string{"module-name", "args", "inventory", "inventory-file", "user", "extra-vars", "forks", "limit", "module-path",
		"tree", "timeout", "background", "poll", "connection", "private-key", "key-file", "become-user", "become-method", "vault-id",
		"vault-password-file", "playbook-dir", "ssh-common-args", "sftp-extra-args", "scp-extra-args", "ssh-extra-args", "task-timeout"},
}

// saltSpec: salt [OPTIONS] TARGET FUNCTION ARGS…
var saltSpec = OptSpec{ShortValue: "tcsdr", LongValue: []string{"timeout", "config-dir", "batch-size", "batch", "return", "out", "output", "log-level", "roster", "user", "priv"}}

// ansibleModuleLine is the shell line an ansible module's arguments do
// the same as, for the modules that delete, overwrite, remove or stop:
// -m file -a 'path=/etc state=absent' is rm -rf /etc. Other modules and
// states change nothing guard judges (false).
func ansibleModuleLine(module, args string) (string, bool) {
	kv := map[string]string{}
	for _, field := range strings.Fields(args) {
		if k, v, ok := strings.Cut(field, "="); ok {
			kv[k] = strings.Trim(v, `"'`)
		}
	}
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := kv[k]; v != "" {
				return v
			}
		}
		return ""
	}
	q := func(s string) string {
		quoted, err := syntax.Quote(s, syntax.LangBash)
		if err != nil {
			return "''"
		}
		return quoted
	}
	state := kv["state"]
	switch module {
	case "file":
		if p := first("path", "dest", "name"); p != "" && state == "absent" {
			return "rm -rf -- " + q(p), true
		}
	case "copy", "template":
		if dest := kv["dest"]; dest != "" {
			if src := kv["src"]; src != "" {
				return "cp -- " + q(src) + " " + q(dest), true
			}
			return ": > " + q(dest), true
		}
	case "user":
		if name := kv["name"]; name != "" && state == "absent" {
			if remove := strings.ToLower(kv["remove"]); remove == "yes" || remove == "true" {
				return "userdel -r " + q(name), true // its home and mail spool go too
			}
			return "userdel " + q(name), true
		}
	case "group":
		if name := kv["name"]; name != "" && state == "absent" {
			return "groupdel " + q(name), true
		}
	case "apt", "yum", "dnf", "package", "zypper", "pacman":
		if name := kv["name"]; name != "" && state == "absent" {
			line := "apt-get remove"
			for _, pkg := range strings.Split(name, ",") {
				line += " " + q(pkg)
			}
			return line, true
		}
	case "service", "systemd", "systemd_service":
		if name := kv["name"]; name != "" && (state == "stopped" || state == "restarted") {
			return "systemctl " + strings.TrimSuffix(strings.TrimSuffix(state, "ped"), "ed") + " " + q(name), true
		}
	case "reboot":
		return "reboot", true
	}
	return "", false
}

// saltFunctionLine is the shell line a salt execution function amounts
// to, as ansibleModuleLine is for a module: salt '*' system.reboot is
// reboot on every minion, file.remove PATH is rm -rf PATH.
func saltFunctionLine(function string, args []Arg) (string, bool) {
	var positional []string
	for _, a := range args {
		if !a.Known {
			return "", false
		}
		if !strings.Contains(a.Value, "=") {
			positional = append(positional, shellQuote(a.Value))
		}
	}
	first := func(program string) (string, bool) {
		if len(positional) == 0 {
			return "", false
		}
		return program + " " + positional[0], true
	}
	switch function {
	case "system.reboot":
		return "reboot", true
	case "system.poweroff", "system.shutdown":
		return "poweroff", true
	case "system.halt":
		return "halt", true
	case "file.remove":
		return first("rm -rf")
	case "pkg.remove", "pkg.purge":
		return first("apt-get remove")
	case "service.stop", "service.disable", "service.restart":
		return first("systemctl " + strings.TrimPrefix(function, "service."))
	case "user.delete":
		return first("userdel")
	}
	return "", false
}

// wrapFanout: pdsh, clush, pssh (parallel-ssh), ansible's shell, command
// and raw modules, and salt's cmd.run run a shell command line on each of
// the hosts they are given: it is judged as run there.
func wrapFanout(r *resolver, outer *Invocation, sc *scope) {
	var code, hosts, user string
	var found bool
	switch outer.Program {
	case "ansible":
		p := ParseOptions(outer.Args, ansibleSpec)
		module := "command"
		if m, ok := p.Value("m", "module-name"); ok {
			module = strings.TrimPrefix(strings.TrimPrefix(m.Value, "ansible.builtin."), "ansible.legacy.")
		}
		a, ok := p.Value("a", "args")
		if !ok && module != "reboot" || len(p.Operands) == 0 {
			return
		}
		code = a.Value
		if module != "command" && module != "shell" && module != "raw" {
			if code, ok = ansibleModuleLine(module, a.Value); !ok {
				return
			}
		}
		hosts, found = p.Operands[0].Value, true
		if u, ok := p.Value("u", "user"); ok {
			user = u.Value
		}
		if p.Has("b", "become") {
			user = "root"
			if u, ok := p.Value("become-user"); ok {
				user = u.Value
			}
		}
	case "salt", "salt-ssh":
		p := ParseOptions(outer.Args, saltSpec)
		if len(p.Operands) < 2 {
			return
		}
		if line, ok := saltFunctionLine(p.Operands[1].Value, p.Operands[2:]); ok {
			code, hosts, found = line, p.Operands[0].Value, true
			break
		}
		if len(p.Operands) < 3 || !strings.HasPrefix(p.Operands[1].Value, "cmd.") {
			return
		}
		switch strings.TrimPrefix(p.Operands[1].Value, "cmd.") {
		case "run", "shell", "run_all", "run_stdout", "run_stderr", "run_bg", "retcode", "powershell":
		default:
			return
		}
		code, hosts, found = p.Operands[2].Value, p.Operands[0].Value, true
		for _, o := range p.Operands[3:] {
			if u, ok := strings.CutPrefix(o.Value, "runas="); ok {
				user = u
			}
		}
	case "knife":
		// knife ssh QUERY COMMAND: the command on every node the search finds
		p := ParseOptions(outer.Args, knifeSpec)
		if len(p.Operands) < 3 || p.Operands[0].Value != "ssh" {
			return
		}
		code, hosts, found = joinValues(p.Operands[2:]), p.Operands[1].Value, true
		if u, ok := p.Value("x", "ssh-user"); ok {
			user = u.Value
		}
	case "mussh":
		// mussh -H FILE | -h HOST… -c COMMAND
		p := ParseOptions(outer.Args, musshSpec)
		c, ok := p.Value("c")
		if !ok {
			return
		}
		code, hosts, found = c.Value, "the hosts given", true
		if h, ok := p.Value("H", "h"); ok {
			hosts = h.Value
		}
		if u, ok := p.Value("l", "L"); ok {
			user = u.Value
		}
	default:
		f := fanouts[outer.Program]
		p := ParseOptions(outer.Args, f.opts)
		words := append(p.Operands, p.Rest...)
		if len(words) == 0 {
			return // an interactive session
		}
		code, found = joinValues(words), true
		hosts = "the hosts given"
		if h, ok := p.Value(f.hosts...); ok {
			hosts = h.Value
		} else if p.Has("a", "all") {
			hosts = "all hosts"
		}
		if u, ok := p.Value(f.user...); ok {
			user = u.Value
		}
	}
	if !found {
		return
	}
	r.runCodeWith(outer, code, sc, outer.Program+" "+hosts, codeOpts{adjust: onAnotherHost(hosts, user)})
}

// bundledTools are the client programs k3s, k0s and microk8s carry inside
// them: `k3s kubectl delete ns prod` is kubectl's delete. Their own
// subcommands (k3s server, microk8s enable) are not these.
var bundledTools = map[string]bool{"kubectl": true, "crictl": true, "ctr": true, "helm": true, "helm3": true}

// wrapDottedTool runs microk8s.kubectl ARGS as kubectl ARGS.
func wrapDottedTool(r *resolver, outer *Invocation, sc *scope) {
	_, tool, _ := strings.Cut(outer.Program, ".")
	argv := append([]Arg{{Text: tool, Value: tool, Known: true}}, outer.Args...)
	r.runInner(outer, argv, sc, outer.Program, nil)
}

func wrapBundledTool(r *resolver, outer *Invocation, sc *scope) {
	if len(outer.Args) == 0 || !bundledTools[outer.Args[0].Value] {
		return
	}
	r.runInner(outer, outer.Args, sc, outer.Program, nil)
}
