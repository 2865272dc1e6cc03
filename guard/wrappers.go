package guard

import (
	"regexp"
	"strings"
)

// A wrapper runs another command: sudo, env, timeout, xargs, find -exec…
// Its function finds the inner command in the outer invocation and
// dispatches it with whatever the wrapper changes (user, cwd, host).
type wrapFunc func(r *resolver, outer *Invocation, sc *scope)

// wrapperSpec describes a wrapper that needs no special handling: options
// to peel, operands to skip before the command (timeout's duration), and
// options after which it runs nothing (command -v, ionice -p).
type wrapperSpec struct {
	opts      OptSpec
	skip      int
	noCommand []string
}

// simpleWrappers is a read-only table, looked up by program name.
var simpleWrappers = map[string]wrapperSpec{
	"doas":        {opts: OptSpec{ShortValue: "uC", StopAtOperand: true}, noCommand: []string{"s", "L"}},
	"nice":        {opts: OptSpec{ShortValue: "n", LongValue: []string{"adjustment"}, StopAtOperand: true, NumericOptions: true}},
	"ionice":      {opts: OptSpec{ShortValue: "cnP", LongValue: []string{"class", "classdata"}, StopAtOperand: true}, noCommand: []string{"p", "pid", "pgid", "u", "uid"}},
	"nohup":       {opts: OptSpec{StopAtOperand: true}},
	"timeout":     {opts: OptSpec{ShortValue: "sk", LongValue: []string{"signal", "kill-after"}, StopAtOperand: true}, skip: 1},
	"stdbuf":      {opts: OptSpec{ShortValue: "ioe", LongValue: []string{"input", "output", "error"}, StopAtOperand: true}},
	"command":     {opts: OptSpec{StopAtOperand: true}, noCommand: []string{"v", "V"}},
	"exec":        {opts: OptSpec{ShortValue: "a", StopAtOperand: true}},
	"builtin":     {opts: OptSpec{StopAtOperand: true}},
	"busybox":     {opts: OptSpec{StopAtOperand: true}},
	"lvm":         {opts: OptSpec{StopAtOperand: true}},
	"time":        {opts: OptSpec{ShortValue: "of", LongValue: []string{"output", "format"}, StopAtOperand: true}},
	"setsid":      {opts: OptSpec{StopAtOperand: true}},
	"taskset":     {opts: OptSpec{StopAtOperand: true}, skip: 1, noCommand: []string{"p", "pid"}},
	"chronic":     {opts: OptSpec{StopAtOperand: true}},
	"unbuffer":    {opts: OptSpec{StopAtOperand: true}},
	"torsocks":    {opts: OptSpec{StopAtOperand: true}},
	"proxychains": {opts: OptSpec{ShortValue: "f", StopAtOperand: true}},
	"systemd-run": {opts: OptSpec{ShortValue: "uHMpEs", LongValue: []string{"unit", "property", "description", "slice", "uid", "gid", "setenv", "working-directory", "machine", "host", "on-calendar", "on-active", "timer-property", "path-property", "socket-property", "service-type", "nice"}, StopAtOperand: true}},
}

// wrapperFor returns how to look inside a wrapper program, nil if the
// program is not one.
func wrapperFor(program string) wrapFunc {
	switch program {
	case "sudo":
		return wrapSudo
	case "env":
		return wrapEnv
	case "flock":
		return wrapFlock
	case "chroot":
		return wrapChroot
	case "xargs":
		return wrapXargs
	case "find":
		return wrapFind
	case "su", "runuser":
		return wrapSu
	case "ssh":
		return wrapSSH
	case "watch":
		return wrapWatch
	case "eval":
		return wrapEval
	case "parallel", "sem":
		return wrapParallel
	case "at", "batch":
		return wrapAt
	case "python", "python2", "python3", "perl", "ruby", "node", "nodejs", "php":
		return wrapInterpreter
	case "guard", "guard-shell":
		return wrapGuard
	}
	if spec, ok := simpleWrappers[program]; ok {
		return spec.wrap
	}
	return nil
}

// wrap peels the options, skips the operands before the command and
// dispatches the rest.
func (spec wrapperSpec) wrap(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, spec.opts)
	if p.Has(spec.noCommand...) {
		return
	}
	argv := append(p.Operands, p.Rest...)
	if len(argv) <= spec.skip {
		return
	}
	r.runInner(outer, argv[spec.skip:], sc, outer.Program, nil)
}

// runInner dispatches argv as a command run by outer, letting adjust
// change what the wrapper changes (user, cwd, remote host).
func (r *resolver) runInner(outer *Invocation, argv []Arg, sc *scope, via string, adjust func(inner *Invocation, isc *scope)) {
	if len(argv) == 0 {
		return
	}
	isc := sc.clone()
	isc.via = append(isc.via, via)
	inner := &Invocation{
		Command:      argv[0],
		Args:         argv[1:],
		Redirs:       outer.Redirs,
		Cwd:          outer.Cwd,
		Remote:       outer.Remote,
		User:         outer.User,
		Stdin:        outer.Stdin,
		Background:   outer.Background,
		InPipeline:   outer.InPipeline,
		MoreOperands: outer.MoreOperands,
		Text:         outer.Text,
		Unguarded:    outer.Unguarded,
	}
	if adjust != nil {
		adjust(inner, isc)
	}
	isc.cwd, isc.user, isc.remote = inner.Cwd, inner.User, inner.Remote
	inner.Via = isc.via
	inner.Program = programName(inner.Command)
	r.dispatch(inner, isc)
}

var sudoSpec = OptSpec{
	ShortValue:    "ugCDhprtTUR",
	LongValue:     []string{"user", "group", "close-from", "chdir", "host", "prompt", "role", "type", "command-timeout", "other-user", "chroot"},
	StopAtOperand: true,
}

func wrapSudo(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, sudoSpec)
	if p.Has("e", "edit", "l", "list", "v", "validate", "k", "K", "reset-timestamp", "remove-timestamp", "V", "version", "h", "help") && len(p.Operands) == 0 {
		return
	}
	argv := append(p.Operands, p.Rest...)
	login := p.Has("i", "login")
	shell := login || p.Has("s", "shell")
	adjust := func(inner *Invocation, isc *scope) {
		if u, ok := p.Value("u", "user"); ok {
			inner.User = u.Value
		} else {
			inner.User = "root"
		}
		if d, ok := p.Value("D", "chdir"); ok {
			inner.Cwd = ""
			if d.Known {
				inner.Cwd = outer.Path(d.Value)
			}
		}
		if login {
			inner.Cwd = "" // the target user's home
		}
		isc.forgetVars()
	}
	if shell && len(argv) > 0 {
		// sudo -s CMD runs $SHELL -c "CMD": judge the joined words as code.
		r.runCode(outer, joinValues(argv), sc, "sudo -s", adjust)
		return
	}
	r.runInner(outer, argv, sc, "sudo", adjust)
}

func wrapEnv(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "uCS", LongValue: []string{"unset", "chdir", "split-string"}, StopAtOperand: true})
	argv := append(p.Operands, p.Rest...)
	// `env -` is env -i; NAME=VALUE words come before the command.
	for len(argv) > 0 && (argv[0].Value == "-" || strings.Contains(argv[0].Value, "=") && !strings.HasPrefix(argv[0].Value, "=")) {
		argv = argv[1:]
	}
	adjust := func(inner *Invocation, isc *scope) {
		if d, ok := p.Value("C", "chdir"); ok {
			inner.Cwd = ""
			if d.Known {
				inner.Cwd = outer.Path(d.Value)
			}
		}
	}
	if s, ok := p.Value("S", "split-string"); ok {
		r.runCode(outer, s.Value+" "+joinValues(argv), sc, "env -S", adjust)
		return
	}
	r.runInner(outer, argv, sc, "env", adjust)
}

// wrapFlock handles `flock [opts] FILE CMD…` and `flock [opts] FILE -c CMD`.
func wrapFlock(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "wEc", LongValue: []string{"timeout", "conflict-exit-code", "command"}, StopAtOperand: true})
	if c, ok := p.Value("c", "command"); ok {
		r.runCode(outer, c.Value, sc, "flock -c", nil)
		return
	}
	rest := p.Rest
	if len(rest) >= 2 && rest[0].Known && (rest[0].Value == "-c" || rest[0].Value == "--command") {
		r.runCode(outer, rest[1].Value, sc, "flock -c", nil)
		return
	}
	r.runInner(outer, rest, sc, "flock", nil)
}

func wrapChroot(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{LongValue: []string{"userspec", "groups"}, StopAtOperand: true})
	argv := append(p.Operands, p.Rest...)
	if len(argv) < 2 {
		return
	}
	root := argv[0].Value
	r.runInner(outer, argv[1:], sc, "chroot "+root, func(inner *Invocation, isc *scope) {
		inner.Cwd = "/"
	})
}

var xargsSpec = OptSpec{
	ShortValue:    "adEILnPs",
	LongValue:     []string{"arg-file", "delimiter", "eof", "replace", "max-lines", "max-args", "max-procs", "max-chars", "process-slot-var"},
	StopAtOperand: true,
}

func wrapXargs(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, xargsSpec)
	argv := append(p.Operands, p.Rest...)
	if len(argv) == 0 {
		argv = []Arg{{Text: "echo", Value: "echo", Known: true}}
	}
	if r.xargsReplace(outer, argv, sc) {
		return
	}
	// What xargs appends comes from its input: known when that is an echo
	// or printf of known words, unknown otherwise.
	words, known := stdinWords(outer)
	r.runInner(outer, argv, sc, "xargs", func(inner *Invocation, isc *scope) {
		if known {
			for _, w := range words {
				inner.Args = append(inner.Args, Arg{Text: w, Value: w, Known: true, Origin: "xargs"})
			}
			return
		}
		inner.MoreOperands = "xargs"
	})
}

// stdinWords returns the words an invocation reads on its standard input
// when they can be known: the output of echo or printf upstream.
func stdinWords(inv *Invocation) ([]string, bool) {
	text, ok := stdinText(inv)
	if !ok {
		return nil, false
	}
	return strings.Fields(text), true
}

// StdinText returns what an invocation reads on standard input when it
// can be known: a here-document, a here-string, or echo/printf upstream.
func StdinText(inv *Invocation) (string, bool) { return stdinText(inv) }

func stdinText(inv *Invocation) (string, bool) {
	for _, rd := range inv.Redirs {
		if rd.Input() {
			body := rd.Target.Value
			if rd.Op == "<<<" {
				body += "\n"
			}
			return body, rd.Target.Known || rd.Target.Value != ""
		}
	}
	if len(inv.Stdin) == 0 {
		return "", false
	}
	last := inv.Stdin[len(inv.Stdin)-1]
	if args, known := realArgs(last.Args); known && last.Program == "printf" {
		if out, ok := printfText(args); ok {
			return out, true
		}
	}
	switch last.Program {
	case "echo", "printf":
		var words []string
		for i, a := range last.Args {
			if i == 0 && strings.HasPrefix(a.Value, "-") && last.Program == "echo" {
				continue
			}
			words = append(words, a.Value)
		}
		text := strings.Join(words, " ")
		if last.Program == "printf" || strings.Contains(text, `\n`) {
			text = strings.ReplaceAll(text, `\n`, "\n")
		}
		return text, true
	case "cat":
		if len(last.Args) == 0 {
			return stdinText(last)
		}
	}
	return "", false
}

// findActions are the find primaries that run a command, up to ";" or "+".
var findActions = map[string]bool{"-exec": true, "-execdir": true, "-ok": true, "-okdir": true}

func wrapFind(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	for i := 0; i < len(args); i++ {
		if !findActions[args[i].Value] {
			continue
		}
		action := args[i].Value
		var argv []Arg
		j := i + 1
		plus := false
		for ; j < len(args); j++ {
			v := args[j].Value
			if v == ";" {
				break
			}
			if v == "+" && j > i+1 && args[j-1].Value == "{}" {
				plus = true
				break
			}
			argv = append(argv, args[j])
		}
		if r.runFindMatches(outer, argv, action, plus, sc) {
			i = j
			continue
		}
		for k, a := range argv {
			if strings.Contains(a.Value, "{}") {
				argv[k] = Arg{Text: a.Text, Value: a.Value, Unknown: []string{"{}"}, Origin: "find"}
			}
		}
		r.runInner(outer, argv, sc, "find "+action, func(inner *Invocation, isc *scope) {
			inner.Stdin, inner.InPipeline = nil, false
			if plus {
				inner.MoreOperands = "find"
			}
			if action == "-execdir" || action == "-okdir" {
				inner.Cwd = ""
			}
		})
		i = j
	}
}

var suSpec = OptSpec{
	ShortValue: "cgGsuw",
	LongValue:  []string{"command", "session-command", "group", "supp-group", "shell", "user", "whitelist-environment"},
}

// wrapSu handles su and runuser: `su [-] [user] -c CMD`, `runuser -u user -- CMD`.
func wrapSu(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, suSpec)
	user := "root"
	operands := p.Operands
	for len(operands) > 0 && operands[0].Value == "-" {
		operands = operands[1:]
	}
	if u, ok := p.Value("u", "user"); ok {
		user = u.Value
		// runuser -u user [--] command args
		r.runInner(outer, operands, sc, outer.Program+" -u", func(inner *Invocation, isc *scope) { inner.User = user })
		return
	}
	if len(operands) > 0 {
		user = operands[0].Value
	}
	login := p.Has("l", "login") || (len(outer.Args) > 0 && outer.Args[0].Value == "-")
	if c, ok := p.Value("c", "command", "session-command"); ok {
		r.runCode(outer, c.Value, sc, outer.Program+" -c", func(inner *Invocation, isc *scope) {
			inner.User = user
			if login {
				inner.Cwd = ""
			}
		})
	}
}

var sshSpec = OptSpec{ShortValue: "bcDEeFIiJLlmOopQRSWwB", StopAtOperand: true}

func wrapSSH(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, sshSpec)
	if len(p.Operands) == 0 || len(p.Rest) == 0 {
		return // an interactive session: nothing to judge here
	}
	dest := p.Operands[0].Value
	dest = strings.TrimPrefix(dest, "ssh://")
	user := ""
	if u, host, ok := strings.Cut(dest, "@"); ok {
		user, dest = u, host
	}
	if host, _, ok := strings.Cut(dest, ":"); ok {
		dest = host
	}
	// ssh joins its remaining words with spaces; the remote shell parses them.
	r.runCode(outer, joinValues(p.Rest), sc, "ssh "+dest, func(inner *Invocation, isc *scope) {
		inner.Remote, inner.Cwd, inner.User = dest, "", user
		inner.Stdin = nil
		isc.forgetVars()
		if u, ok := p.Value("l"); ok {
			inner.User = u.Value
		}
	})
}

func wrapWatch(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "nd", LongValue: []string{"interval", "differences"}, StopAtOperand: true})
	argv := append(p.Operands, p.Rest...)
	if p.Has("x", "exec") {
		r.runInner(outer, argv, sc, "watch", nil)
		return
	}
	r.runCode(outer, joinValues(argv), sc, "watch", nil)
}

func wrapEval(r *resolver, outer *Invocation, sc *scope) {
	r.runCode(outer, joinValues(outer.Args), sc, "eval", nil)
}

// wrapAt: at and batch run the shell code they read on standard input.
func wrapAt(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "qfMmtb"})
	if p.Has("l", "d", "r", "c", "f") {
		return // lists, deletes, or reads a file guard does not open
	}
	if text, ok := stdinText(outer); ok {
		r.runCode(outer, text, sc, outer.Program, func(inner *Invocation, isc *scope) { inner.Stdin = nil })
	}
}

// Shell commands and tree removals inside an interpreter's one-liner:
// system("…"), os.system("…"), subprocess.run("…", shell=True), `…`,
// shutil.rmtree("…"), FileUtils.rm_rf("…"), fs.rmSync("…", {recursive}).
var (
	shellCallPattern = regexp.MustCompile(`(?:\bsystem|\bexec|\bpopen|\bcheck_output|\bcheck_call|\bcall|\brun|\bPopen|\bexecSync|\bspawnSync|\bshell_exec|\bpassthru)\s*\(\s*(?:r|b)?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')`)
	backtickPattern  = regexp.MustCompile("`([^`]+)`")
	rmtreePattern    = regexp.MustCompile(`(?:rmtree|rm_rf|rm_r|remove_dir_all|rmSync|rmdirSync)\s*\(\s*(?:r)?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')`)
)

func wrapInterpreter(r *resolver, outer *Invocation, sc *scope) {
	var code string
	for i, a := range outer.Args {
		switch a.Value {
		case "-c", "-e", "-E", "-r", "--eval", "-p", "--print":
			if i+1 < len(outer.Args) {
				code = outer.Args[i+1].Value
			}
		}
		if code != "" {
			break
		}
	}
	if code == "" {
		return
	}
	via := outer.Program + " " + "-c"
	unquote := func(lit string) string {
		body := lit[1 : len(lit)-1]
		return strings.NewReplacer(`\"`, `"`, `\'`, `'`, `\\`, `\`).Replace(body)
	}
	for _, m := range shellCallPattern.FindAllStringSubmatch(code, 8) {
		r.runCode(outer, unquote(m[1]), sc, via, nil)
	}
	if outer.Program == "perl" || outer.Program == "ruby" || outer.Program == "php" {
		for _, m := range backtickPattern.FindAllStringSubmatch(code, 8) {
			r.runCode(outer, m[1], sc, via, nil)
		}
	}
	for _, m := range rmtreePattern.FindAllStringSubmatch(code, 8) {
		target := unquote(m[1])
		argv := []Arg{{Text: "rm", Value: "rm", Known: true}, {Text: "-rf", Value: "-rf", Known: true}, {Text: m[1], Value: target, Known: true}}
		r.runInner(outer, argv, sc, via, func(inner *Invocation, isc *scope) { inner.Text = outer.Text })
	}
}

// runCode judges shell code that outer hands to a shell. adjust may change
// what the wrapper changes, and the scope the code runs in (its $0 $1 …).
func (r *resolver) runCode(outer *Invocation, code string, sc *scope, via string, adjust func(inner *Invocation, isc *scope)) {
	if strings.TrimSpace(code) == "" {
		return
	}
	template := &Invocation{Cwd: outer.Cwd, User: outer.User, Remote: outer.Remote, Stdin: outer.Stdin}
	nsc := sc.nested(via)
	if adjust != nil {
		adjust(template, nsc)
	}
	nsc.unguarded = nsc.unguarded || outer.Unguarded
	nsc.cwd, nsc.user, nsc.remote = template.Cwd, template.User, template.Remote
	if template.Remote != "" || template.User != outer.User {
		nsc.forgetVars()
	}
	if template.Remote != "" {
		nsc.env = nil
	}
	r.walkSource(code, nsc)
}

func joinValues(args []Arg) string {
	values := make([]string, len(args))
	for i, a := range args {
		values[i] = a.Value
	}
	return strings.Join(values, " ")
}

var shells = map[string]bool{
	"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true,
	"ash": true, "yash": true, "pdksh": true, "ksh93": true, "rbash": true, "lksh": true,
}

func isShell(program string) bool { return shells[program] }

var shellSpec = OptSpec{ShortValue: "oO", LongValue: []string{"rcfile", "init-file"}, StopAtOperand: true}

// enterShell judges the code a shell would run: its -c argument, or its
// standard input when it reads a script from a here-document, a
// here-string, or echo/printf upstream.
func (r *resolver) enterShell(inv *Invocation, sc *scope) {
	p := ParseOptions(inv.Args, shellSpec)
	if p.Has("c") {
		if len(p.Operands) > 0 && p.Operands[0].Known {
			r.runCode(inv, p.Operands[0].Value, sc, inv.Program+" -c", bindShellArgs(append(p.Operands[1:], p.Rest...)))
		}
		return
	}
	if len(p.Operands) > 0 && p.Operands[0].Value != "-" && !p.Has("s") {
		return // runs a script file
	}
	if text, ok := stdinText(inv); ok {
		r.runCode(inv, text, sc, inv.Program+" <stdin", func(inner *Invocation, isc *scope) { inner.Stdin = nil })
	}
}
