package guard

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
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
	detaches  bool // the command goes on if the terminal session ends
}

// simpleWrappers is a read-only table, looked up by program name.
var simpleWrappers = map[string]wrapperSpec{
	"doas":        {opts: OptSpec{ShortValue: "uC", StopAtOperand: true}, noCommand: []string{"s", "L"}},
	"nice":        {opts: OptSpec{ShortValue: "n", LongValue: []string{"adjustment"}, StopAtOperand: true, NumericOptions: true}},
	"ionice":      {opts: OptSpec{ShortValue: "cnP", LongValue: []string{"class", "classdata"}, StopAtOperand: true}, noCommand: []string{"p", "pid", "pgid", "u", "uid"}},
	"nohup":       {opts: OptSpec{StopAtOperand: true}, detaches: true},
	"timeout":     {opts: OptSpec{ShortValue: "sk", LongValue: []string{"signal", "kill-after"}, StopAtOperand: true}, skip: 1},
	"stdbuf":      {opts: OptSpec{ShortValue: "ioe", LongValue: []string{"input", "output", "error"}, StopAtOperand: true}},
	"command":     {opts: OptSpec{StopAtOperand: true}, noCommand: []string{"v", "V"}},
	"exec":        {opts: OptSpec{ShortValue: "a", StopAtOperand: true}},
	"builtin":     {opts: OptSpec{StopAtOperand: true}},
	"busybox":     {opts: OptSpec{StopAtOperand: true}},
	"lvm":         {opts: OptSpec{StopAtOperand: true}},
	"time":        {opts: OptSpec{ShortValue: "of", LongValue: []string{"output", "format"}, StopAtOperand: true}},
	"setsid":      {opts: OptSpec{StopAtOperand: true}, detaches: true},
	"chronic":     {opts: OptSpec{StopAtOperand: true}},
	"unbuffer":    {opts: OptSpec{StopAtOperand: true}},
	"torsocks":    {opts: OptSpec{StopAtOperand: true}},
	"proxychains": {opts: OptSpec{ShortValue: "f", StopAtOperand: true}},
	// proxychains-ng's name; -q is a flag
	"proxychains4": {opts: OptSpec{ShortValue: "f", StopAtOperand: true}},
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
	case "source", ".":
		return wrapSource
	case "guard", "guard-shell":
		return wrapGuard
	case "capsh":
		return wrapCapsh
	}
	if spec, ok := simpleWrappers[program]; ok {
		return spec.wrap
	}
	if _, ok := terminals[program]; ok {
		return wrapTerminal
	}
	if wrap := moreWrapperFor(program); wrap != nil {
		return wrap
	}
	if wrap := remoteRunnerFor(program); wrap != nil {
		return wrap
	}
	return codeRunnerFor(program)
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
	if spec.skip > 0 && argv[spec.skip].Value == "--" {
		argv = argv[1:] // chrt -o 0 -- CMD: the -- after the operands skipped
	}
	var adjust func(inner *Invocation, isc *scope)
	if spec.detaches {
		adjust = detach
	}
	r.runInner(outer, argv[spec.skip:], sc, outer.Program, adjust)
}

// detach marks a command, and the code it runs, as run apart from the
// terminal session the line is typed in.
func detach(inner *Invocation, isc *scope) {
	inner.Detached, isc.detached = true, true
}

// maxWrappers bounds the wrappers, shells and runners one command is run
// through (sudo env timeout nice … CMD).
const maxWrappers = 32

// maxInnerArgs bounds the words handed on to the commands wrappers run,
// across the line: each is read again by the rules.
const maxInnerArgs = 20000

// runInner dispatches argv as a command run by outer, letting adjust
// change what the wrapper changes (user, cwd, remote host).
func (r *resolver) runInner(outer *Invocation, argv []Arg, sc *scope, via string, adjust func(inner *Invocation, isc *scope)) {
	if len(argv) == 0 {
		return
	}
	if len(sc.via) >= maxWrappers {
		// each level copies the words after it: timeout 5 × 5000 cost gigabytes
		r.tooComplex(fmt.Sprintf("it runs its command through more than %d wrappers (sudo, env, timeout, …); guard stopped reading there", maxWrappers))
		return
	}
	// the rules read the words of every level again: docker run -v /:/h
	// img × 2000 is 2000 commands of up to 10,000 words each
	r.args += len(argv)
	if r.innerArgs += len(argv); r.args > maxArgs || r.innerArgs > maxInnerArgs {
		r.tooComplex(fmt.Sprintf("it hands more than %d words to commands run by other commands (sudo, env, docker run, …); guard stopped reading there", maxInnerArgs))
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
		Container:    outer.Container,
		User:         outer.User,
		Stdin:        outer.Stdin,
		Background:   outer.Background,
		InPipeline:   outer.InPipeline,
		MoreOperands: outer.MoreOperands,
		Text:         outer.Text,
		Unguarded:    outer.Unguarded,
		Detached:     outer.Detached,
		Env:          outer.Env,
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
	// sudo VAR=value cmd sets VAR for cmd, as env does; code-holding
	// ones (PS4, BASH_ENV…) are judged as env's are.
	argv := dropAssignments(append(p.Operands, p.Rest...))
	r.envWordsCode(append(p.Operands, p.Rest...), sc)
	login := p.Has("i", "login")
	shell := login || p.Has("s", "shell")
	var preserved []string // --preserve-env=LIST
	for _, a := range outer.Args {
		if list, ok := strings.CutPrefix(a.Value, "--preserve-env="); ok && a.Known {
			preserved = append(preserved, strings.Split(list, ",")...)
		}
	}
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
		// sudo drops BASH_ENV and ENV from the environment (-E too)
		// unless --preserve-env names them
		for _, name := range []string{"BASH_ENV", "ENV"} {
			if !slices.Contains(preserved, name) {
				isc.assign(name, Arg{Text: name, Known: true})
			}
		}
	}
	if shell && !login {
		// sudo -s starts the program $SHELL names: one that is not a shell
		// is that program run as root, with -c and the command if any.
		if sh, ok := sc.lookup("SHELL"); ok && sh != "" && !isShell(path.Base(sh)) {
			cmd := []Arg{{Text: "$SHELL", Value: sh, Known: true}}
			if len(argv) > 0 {
				cmd = append(cmd, Arg{Text: "-c", Value: "-c", Known: true}, Arg{Text: "…", Value: sudoShellCommand(argv), Known: true})
			}
			r.runInner(outer, cmd, sc, "sudo -s", adjust)
			return
		}
	}
	switch {
	case shell && len(argv) > 0:
		// sudo -s CMD runs $SHELL -c with the words joined, each special
		// character escaped first: sudo -i bash -c 'rm -rf /usr' runs
		// bash -c rm\ -rf\ /usr. The plain join is judged too, as a
		// sudo that does not escape would run it.
		escaped := sudoShellCommand(argv)
		r.runCode(outer, escaped, sc, "sudo -s", adjust)
		if plain := joinCode(argv, r.lineLang()); plain != escaped {
			r.runCode(outer, plain, sc, "sudo -s", adjust)
		}
	case shell:
		r.runStdin(outer, sc, "sudo -s", adjust) // the shell reads its commands
	default:
		r.runInner(outer, argv, sc, "sudo", adjust)
	}
}

// sudoShellCommand is the command sudo -s and -i hand to the shell: the
// words joined by spaces, a backslash before every character but letters,
// digits, _, - and $ (sudo's parse_args).
func sudoShellCommand(argv []Arg) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		for _, c := range []byte(a.Value) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$') {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
	}
	return b.String()
}

// wrapCapsh: capsh [--caps=… --user=…] -- ARGS runs the shell (bash, or
// the one --shell= names) with ARGS: capsh -- -c 'CMD' is bash -c 'CMD'.
func wrapCapsh(r *resolver, outer *Invocation, sc *scope) {
	shell := "/bin/bash"
	for i, a := range outer.Args {
		if v, ok := strings.CutPrefix(a.Value, "--shell="); ok && a.Known {
			shell = v
		}
		switch a.Value {
		case "==":
			return // runs capsh itself again with what follows
		case "--":
			argv := append([]Arg{{Text: shell, Value: shell, Known: true}}, outer.Args[i+1:]...)
			r.runInner(outer, argv, sc, "capsh", nil)
			return
		}
	}
}

// dropAssignments drops the NAME=VALUE words before a command (env, sudo)
// and env's lone "-".
func dropAssignments(argv []Arg) []Arg {
	for len(argv) > 0 && (argv[0].Value == "-" || strings.Contains(argv[0].Value, "=") && !strings.HasPrefix(argv[0].Value, "=")) {
		argv = argv[1:]
	}
	return argv
}

func wrapEnv(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "uCS", LongValue: []string{"unset", "chdir", "split-string"}, StopAtOperand: true})
	// `env -` is env -i; NAME=VALUE words come before the command.
	argv := dropAssignments(append(p.Operands, p.Rest...))
	r.envWordsCode(append(p.Operands, p.Rest...), sc)
	words := append(p.Operands, p.Rest...)
	adjust := func(inner *Invocation, isc *scope) {
		// NAME=VALUE words are in the command's environment (env
		// GIT_CONFIG_COUNT=1 … git, env HOME=/srv sh -c 'cd; …')
		for _, a := range words[:len(words)-len(argv)] {
			if name, value, ok := strings.Cut(a.Value, "="); ok && a.Known && syntax.ValidName(name) {
				isc.assign(name, Arg{Text: value, Value: value, Known: true})
				inner.Env = append(inner.Env[:len(inner.Env):len(inner.Env)], EnvVar{Name: name, Value: Arg{Text: value, Value: value, Known: true}})
			}
		}
		if d, ok := p.Value("C", "chdir"); ok {
			inner.Cwd = ""
			if d.Known {
				inner.Cwd = outer.Path(d.Value)
			}
		}
	}
	if s, ok := p.Value("S", "split-string"); ok {
		// env puts the words of the string in its place and reads on:
		// env -S 'bash -c' 'rm -rf /usr' and env -S bash -c 'rm -rf
		// /usr' both run bash -c 'rm -rf /usr'
		if before, after, ok := splitStringAt(outer.Args); ok {
			lang := r.langOr()
			words := slices.DeleteFunc([]string{"env", quoteWords(before, lang), s.Value, quoteWords(after, lang)}, func(w string) bool { return w == "" })
			r.runCode(outer, strings.Join(words, " "), sc, "env -S", nil)
			return
		}
		r.runCode(outer, s.Value+" "+quoteWords(argv, r.langOr()), sc, "env -S", adjust)
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
	if len(argv) == 0 {
		return
	}
	root := argv[0].Value
	run := r.runInner
	if len(argv) == 1 {
		// chroot DIR alone runs $SHELL -i there
		run = func(outer *Invocation, _ []Arg, sc *scope, via string, adjust func(*Invocation, *scope)) {
			r.shellOrStdin(outer, sc, via, adjust)
		}
	}
	run(outer, argv[1:], sc, "chroot "+root, func(inner *Invocation, isc *scope) {
		inner.Cwd = "/"
		// In a container, chroot into a host folder mapped in (docker run
		// -v /:/host … chroot /host) makes the host's files the command's.
		if b := isc.box; b != nil && filepath.IsAbs(root) {
			if hostRoot, ok := b.toHost(filepath.Clean(root)); ok {
				isc.box = &box{name: b.name + ", chroot " + root, binds: []bind{{inside: "/", outside: hostRoot}}, remote: b.remote}
				inner.Container = isc.box.name
				inner.Remote = "container " + isc.box.name
			}
		}
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
	in := r.itemsOf(outer, 0)
	if f, ok := p.Value("a", "arg-file"); ok {
		in = r.fileText(outer, f) // xargs -a FILE reads its items there
	}
	known, words := in.known, strings.Fields(in.value)
	if delim, split := xargsDelimiter(p); split {
		words = splitItems(in.value, delim)
	}
	pattern, listed := r.listingRun(in, len(words), outer.Cwd)
	r.runInner(outer, argv, sc, "xargs", func(inner *Invocation, isc *scope) {
		if listed {
			// Some entries of a folder: judged as its glob too.
			inner.Args = append(inner.Args, r.globField(globArg(pattern, "", ""), isc, modeArgs)...)
		}
		if known {
			for _, w := range words {
				inner.Args = append(inner.Args, Arg{Text: w, Value: w, Known: true, Origin: "xargs"})
			}
			return
		}
		inner.MoreOperands = "xargs"
		if isShell(programName(inner.Command)) {
			// sh -c 'rm -rf "$@"' _: the items are the code's $1, $2, …
			inner.Args = append(inner.Args, Arg{Text: "{what xargs reads}", Unknown: []string{"what xargs reads"}})
		}
	})
}

// xargsDelimiter is the byte that ends xargs's items when it is told one
// (-0, --null, -d X), instead of blanks and quotes.
func xargsDelimiter(p Parsed) (string, bool) {
	if p.Has("0", "null") {
		return "\x00", true
	}
	d, ok := p.Value("d", "delimiter")
	if !ok || !d.Known {
		return "", false
	}
	switch d.Value {
	case `\n`:
		return "\n", true
	case `\t`:
		return "\t", true
	case `\0`:
		return "\x00", true
	}
	if len(d.Value) != 1 {
		return "", false
	}
	return d.Value, true
}

// splitItems splits text on delim, without the empty item after a last
// delimiter.
func splitItems(text, delim string) []string {
	items := strings.Split(text, delim)
	if n := len(items); n > 0 && items[n-1] == "" {
		items = items[:n-1]
	}
	return items
}

// findActions are the find primaries that run a command, up to ";" or "+".
var findActions = map[string]bool{"-exec": true, "-execdir": true, "-ok": true, "-okdir": true}

func wrapFind(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	// every action runs on the same matches: the folders are walked once
	// (find / -exec … \; repeated 20,000 times walked them 20,000 times)
	var matches []string
	listed, walked := false, false
	matchesOnce := func() ([]string, bool) {
		if !walked {
			matches, _, listed = r.findMatches(outer, sc, false)
			walked = true
		}
		return matches, listed
	}
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
		if r.runFindMatches(outer, argv, action, plus, sc, matchesOnce) {
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
	adjust := func(inner *Invocation, isc *scope) {
		inner.User = user
		if login {
			inner.Cwd = ""
		}
	}
	if c, ok := p.Value("c", "command", "session-command"); ok {
		r.runCode(outer, c.Value, sc, outer.Program+" -c", adjust)
		return
	}
	r.runStdin(outer, sc, outer.Program, adjust) // su - <<EOF: the shell reads it
}

var sshSpec = OptSpec{ShortValue: "bcDEeFIiJLlmOopQRSWwB", StopAtOperand: true}

func wrapSSH(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, sshSpec)
	if len(p.Operands) == 0 {
		return
	}
	if len(p.Rest) > 0 && !sshOptionsEnded(outer.Args, len(outer.Args)-len(p.Rest)-1) {
		// OpenSSH reads options after the destination too, up to the
		// command or a --: ssh web1 -p 2222 -- rm -rf /
		after := ParseOptions(p.Rest, sshSpec)
		after.Rest = append(after.Operands, after.Rest...)
		after.Operands = p.Operands
		after.flags = append(p.flags, after.flags...)
		after.values = append(p.values, after.values...)
		p = after
	}
	if p.Has("N", "V", "G", "Q") {
		return // no command, a tunnel, or a query of ssh itself
	}
	dest := p.Operands[0].Value
	if !p.Operands[0].Known || dest == "" {
		// a host guard cannot know ($H, a line xargs reads) is still
		// another machine: named as written, never taken for this one
		dest = unknownHost(p.Operands[0])
	}
	dest = strings.TrimPrefix(dest, "ssh://")
	user := ""
	if u, host, ok := strings.Cut(dest, "@"); ok {
		user, dest = u, host
	}
	if host, _, ok := strings.Cut(dest, ":"); ok {
		dest = host
	}
	if u, ok := p.Value("l"); ok {
		user = u.Value
	}
	adjust := onAnotherHost(dest, user)
	if len(p.Rest) == 0 {
		// ssh host <<EOF: the remote login shell reads the commands.
		if !p.Has("n") {
			r.runStdin(outer, sc, "ssh "+dest, adjust)
		}
		return
	}
	// ssh joins its remaining words with spaces; the remote shell parses
	// them, and its commands read what ssh reads (ssh host bash -s < x.sh).
	r.runCodeWith(outer, joinCode(p.Rest, r.lineLang()), sc, "ssh "+dest, codeOpts{adjust: adjust, stdin: feedOf(outer)})
}

// onAnotherHost makes a command run on host, as user ("" for the one
// ssh would pick): in a folder guard does not know (that user's home),
// reading nothing of this line's, with none of this shell's variables.
func onAnotherHost(host, user string) func(inner *Invocation, isc *scope) {
	return func(inner *Invocation, isc *scope) {
		inner.Remote, inner.Cwd, inner.User, inner.Container = host, "", user, ""
		inner.Stdin = nil
		isc.forgetVars()
		isc.box = nil
	}
}

// sshOptionsEnded tells whether a -- came before the destination at
// args[dest], after which ssh reads no more options.
func sshOptionsEnded(args []Arg, dest int) bool {
	return dest > 0 && dest < len(args) && args[dest-1].Value == "--"
}

// feedOf is what a command run by outer reads on its standard input when
// outer passes its own on: its input redirections, or its pipeline.
func feedOf(outer *Invocation) []*Invocation {
	for _, rd := range outer.Redirs {
		if rd.Input() || rd.Op == "<" {
			return []*Invocation{{Program: "cat", Redirs: outer.Redirs, Cwd: outer.Cwd, Remote: outer.Remote, Text: outer.Text}}
		}
	}
	return outer.Stdin
}

func wrapWatch(r *resolver, outer *Invocation, sc *scope) {
	// -d and --differences take their value only attached (-d=permanent):
	// watch -d 'CMD' runs CMD
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "nq", LongValue: []string{"interval", "equexit"}, StopAtOperand: true})
	argv := append(p.Operands, p.Rest...)
	if p.Has("x", "exec") {
		r.runInner(outer, argv, sc, "watch", nil)
		return
	}
	r.runCode(outer, joinCode(argv, r.lineLang()), sc, "watch", nil)
}

func wrapEval(r *resolver, outer *Invocation, sc *scope) {
	sc.envOnly = false // what the code assigns is not followed past it
	if len(outer.Args) == 1 && !outer.Args[0].Known {
		// eval "$(…)": what the substitution prints, when guard can tell;
		// else, printed by code guard cannot see, where it comes from
		if code, ok, _ := r.codeOf(outer, outer.Args[0]); ok {
			r.runCode(outer, code, sc, "eval", nil)
		} else if t, ok := r.wordOutput(outer.Args[0], outer); ok && printsComputedCode(outer.Args[0]) {
			r.hidden(outer, t)
		}
		return
	}
	r.runCode(outer, joinCode(outer.Args, r.lineLang()), sc, "eval", nil)
}

// printsComputedCode tells a substitution whose output is computed by
// code of its own: an interpreter's, a shell's, a filter's (eval "$(python3
// -c …)", eval "$(… | sed …)"). A tool printing its own set-up (eval
// "$(ssh-agent)", "$(minikube docker-env)") is the tool's code, as much as
// the tool itself is, and is not asked about.
func printsComputedCode(a Arg) bool {
	if len(a.Sources) == 0 {
		return false
	}
	// the substitution's first command past its wrappers (sudo, env): the
	// commands after it may be the script it runs (an aws shim is a bash
	// script using sed)
	for _, p := range a.Sources {
		_, isLang := languageOf(p)
		if isLang || isShell(p) || filterFor(p) != nil || codeRunnerFor(p) != nil {
			return true
		}
		if simpleWrappers[p].opts.StopAtOperand || p == "sudo" || p == "env" || p == "doas" {
			continue
		}
		return false
	}
	return false
}

// runCode judges shell code that outer hands to a shell. adjust may change
// what the wrapper changes, and the scope the code runs in (its $0 $1 …).
func (r *resolver) runCode(outer *Invocation, code string, sc *scope, via string, adjust func(inner *Invocation, isc *scope)) {
	r.runCodeWith(outer, code, sc, via, codeOpts{adjust: adjust})
}

// codeOpts say how shell code handed on is run.
type codeOpts struct {
	// adjust changes what the runner changes: user, cwd, host.
	adjust func(inner *Invocation, isc *scope)
	// stdin is what the code's commands read: the commands upstream of
	// what outer hands the code to (ssh host bash -s < x.sh).
	stdin []*Invocation
	// unknown names variables the code uses that stand for values of
	// another language guard cannot know.
	unknown []string
	// file is the file the code comes from, "" for code on the line.
	file string
	// prepare sets up the code's scope: $0, $1… of a script.
	prepare func(nsc *scope)
	// snippet: text that may be shell code or not (a string in Python
	// code, keys typed into a terminal): if it does not parse, that is not
	// worth a warning.
	snippet bool
	// fed: the shell reads the code on its standard input (selfread.go).
	fed bool
	// fresh: a new non-interactive shell of the same user on this host
	// runs the code (freshShell): its variables are its environment.
	fresh bool
}

// runSnippet judges text that is shell code if anything: keys typed into
// a terminal, a command string in another tool's language.
func (r *resolver) runSnippet(outer *Invocation, code string, sc *scope, via string, adjust func(inner *Invocation, isc *scope)) {
	r.runCodeWith(outer, code, sc, via, codeOpts{adjust: adjust, snippet: true})
}

// runCodeWith judges shell code that outer hands to a shell.
func (r *resolver) runCodeWith(outer *Invocation, code string, sc *scope, via string, o codeOpts) {
	if strings.TrimSpace(code) == "" {
		return
	}
	template := &Invocation{Cwd: outer.Cwd, User: outer.User, Remote: outer.Remote, Container: outer.Container, Stdin: outer.Stdin}
	nsc := sc.nested(via)
	if o.adjust != nil {
		o.adjust(template, nsc)
	}
	nsc.unguarded = nsc.unguarded || outer.Unguarded
	nsc.cwd, nsc.user, nsc.remote = template.Cwd, template.User, template.Remote
	if template.Remote != "" || template.User != outer.User {
		nsc.forgetVars()
	}
	if template.Remote != "" {
		nsc.env = nil
	}
	// Only a shell of its own reads nothing but its environment; eval,
	// source with arguments and the rest run in a shell guard knows less of.
	nsc.envOnly = o.fresh && template.Remote == "" && template.User == outer.User && template.Container == outer.Container && nsc.box == nil
	for _, name := range o.unknown {
		nsc.set(name, shellVar{set: true, maybeEmpty: true})
	}
	if o.prepare != nil {
		o.prepare(nsc)
	}
	nsc.fed = nsc.fed || o.fed
	if o.file != "" {
		// variables of another language in a file: that file's own logic
		r.walkFileCode(code, nsc, stmtCtx{stdin: o.stdin}, o.file, outer.Text, o.snippet, o.unknown...)
		return
	}
	r.walkCode(code, nsc, stmtCtx{stdin: o.stdin}, "", o.snippet)
}

// walkFileCode walks code read from a file (a script, a sourced file, a
// Makefile's recipe, code in a Python script): its commands are labelled
// with the file, and what it computes itself is marked as such.
// inside names more variables the file computes itself.
func (r *resolver) walkFileCode(code string, sc *scope, ctx stmtCtx, name, line string, snippet bool, inside ...string) {
	st := r.reached()
	st.inFile++
	start := len(r.invs)
	file := r.walkCode(code, sc, ctx, name, snippet)
	if file != nil {
		r.walkUncalledIn(file.src) // the file's own functions, judged as part of it
	}
	st.inFile--
	if file != nil {
		invs := r.invs[start:]
		offsets := textOffsets(invs, file.src)
		markRunTime(invs, offsets, file, name, inside)
		labelInvocations(invs, offsets, name, file.src, line)
	}
}

// walked is code that was walked: its top-level statements and the text
// their positions refer to.
type walked struct {
	stmts []*syntax.Stmt
	src   string
}

// walkCode parses shell code and walks it with ctx for its top-level
// commands. name, when set, is the file the code comes from: parse
// problems are reported against it rather than against the line, and a
// file that does not parse as the line's dialect is read as POSIX sh or
// mksh when it parses as that. For a snippet, parse problems are not
// reported; nor for code a script builds as it runs (eval "…" in
// configure), which is its own business.
func (r *resolver) walkCode(code string, sc *scope, ctx stmtCtx, name string, snippet bool) *walked {
	if !r.budgetReparse(code) {
		return nil
	}
	if name != "" {
		code = strings.ToValidUTF8(code, "?") // a file in Latin-1 is still a script
	}
	start, notes := len(r.invs), len(r.notes)
	w := r.walkParsed(code, sc, ctx)
	if name != "" && len(r.notes) > notes && tooDeep(code) == "" {
		for _, lang := range []syntax.LangVariant{syntax.LangPOSIX, syntax.LangMirBSDKorn, syntax.LangBash} {
			if lang == r.lang || !parses(code, lang) {
				continue
			}
			r.invs, r.notes = r.invs[:start], r.notes[:notes]
			saved := r.lang
			r.lang = lang
			w = r.walkParsed(code, sc, ctx)
			r.lang = saved
			break
		}
	}
	if snippet && len(r.notes) > notes {
		// Text that does not parse was not shell code after all (a
		// string in Perl that a stray quote ran on): nothing of it is kept.
		r.invs, r.notes = r.invs[:start], r.notes[:notes]
		return nil
	}
	inFile := r.reach != nil && r.reach.inFile > 0
	for i := notes; i < len(r.notes); i++ {
		switch {
		case name == "" && inFile:
			r.notes = r.notes[:notes]
		case name != "":
			r.notes[i] = strings.Replace(r.notes[i], "the line does not parse", name+" does not parse", 1)
		}
	}
	return w
}

// walkParsed walks code statement by statement, as the parser hands them
// over, and keeps them.
func (r *resolver) walkParsed(code string, sc *scope, ctx stmtCtx) *walked {
	w := &walked{src: code}
	r.walkEach(code, sc, ctx, func(st *syntax.Stmt, text string) {
		if len(w.stmts) == 0 || text == w.src {
			w.stmts = append(w.stmts, st)
		}
	})
	return w
}

// parses reports whether code parses as lang, for a file that does not
// parse as the line's dialect (a script for sh that bash reads otherwise).
func parses(code string, lang syntax.LangVariant) bool {
	_, err := syntax.NewParser(syntax.Variant(lang)).Parse(strings.NewReader(literalCR(code)), "")
	return err == nil
}

// runStdin judges what a shell run by outer reads on its standard input
// (sudo -s <<EOF, su - <<EOF, ssh host < x.sh, bash -s): the text when
// guard can compute it, else a finding that says where it comes from.
func (r *resolver) runStdin(outer *Invocation, sc *scope, via string, adjust func(inner *Invocation, isc *scope)) {
	t := r.stdinOf(outer, 0)
	if t.fifo != "" {
		defer r.readFifo(t.fifo, fifoReader{outer: outer, sc: sc.clone(), via: via, adjust: adjust, fed: true})
	}
	if code := t.value; t.known || t.partial != "" {
		if !t.known {
			code = t.partial
		}
		r.runCode(outer, code, sc, via, func(inner *Invocation, isc *scope) {
			if adjust != nil {
				adjust(inner, isc)
			}
			isc.fed = true
			inner.Stdin = nil
		})
	}
	r.hidden(outer, t)
}

// hidden records on outer, which runs the code t, how that code is hidden
// from the line: rewritten by a filter, unknown, or typed later into a
// pipe. A download, a decoder, a file that is not there, or a shell that
// simply reads the terminal is not reported here.
func (r *resolver) hidden(outer *Invocation, t text) {
	inFile := r.reach != nil && r.reach.inFile > 0
	switch {
	case inFile && !t.known && !t.fromFile:
		// a script's own pipelines are its logic: only rewritten code, or
		// a file guard could not read, is reported from inside a file
	case t.download:
	case t.known && t.rewrittenBy != "":
		outer.note().Hidden = fmt.Sprintf("%s rewrites it on its way in; guard computed it as: %s", t.rewrittenBy, shorten(t.value))
	case t.known, t.quiet:
	case t.tty:
		if len(outer.Stdin) > 0 {
			outer.note().Hidden = "it is what you type next, passed on through a pipe: guard will not see it"
		}
	case t.from != "":
		outer.note().Hidden = "it comes from " + t.from
	}
}

// readsTerminal records on inv, which runs the code t as a script (source
// /dev/stdin, bash /dev/stdin), that the code is what the operator types
// next at the terminal: no prompt and no hook sees those lines, so a line
// guard refused runs if it is typed there.
func readsTerminal(inv *Invocation, t text) {
	if t.tty && len(inv.Stdin) == 0 {
		inv.note().Hidden = "it is what you type next at the terminal, read as a script: guard's hook does not see those lines"
	}
}

// shorten keeps messages to one line of reasonable length.
func shorten(code string) string {
	code = strings.Join(strings.Fields(code), " ")
	if len(code) > 80 {
		code = code[:77] + "…"
	}
	return code
}

func joinValues(args []Arg) string {
	values := make([]string, len(args))
	for i, a := range args {
		values[i] = a.Value
	}
	return strings.Join(values, " ")
}

// joinCode is the code words make when a shell joins them (eval, ssh,
// watch, sudo -s): each word's value, or for a word guard cannot compute
// whole, its text with its parameter expansions left for the walk to
// expand (partialCode), so that what is unknown stays unknown instead of
// reading as empty.
func joinCode(args []Arg, lang syntax.LangVariant) string {
	values := make([]string, len(args))
	for i, a := range args {
		values[i] = a.Value
		if !a.Known && !a.data {
			if code, ok := partialCode(a, lang); ok {
				values[i] = code
			}
		}
	}
	return strings.Join(values, " ")
}

// splitStringAt finds env's -S STRING (-SSTRING, --split-string[=]STRING)
// among args: the words before it and after it.
func splitStringAt(args []Arg) (before, after []Arg, ok bool) {
	for i, a := range args {
		switch {
		case !a.Known:
			return nil, nil, false
		case a.Value == "--":
			return nil, nil, false
		case a.Value == "-S" || a.Value == "--split-string":
			if i+1 >= len(args) || !args[i+1].Known {
				return nil, nil, false
			}
			return args[:i], args[i+2:], true
		case strings.HasPrefix(a.Value, "-S") || strings.HasPrefix(a.Value, "--split-string="):
			return args[:i], args[i+1:], true
		case !strings.HasPrefix(a.Value, "-"):
			return nil, nil, false // NAME=VALUE or the command: -S is not env's
		}
	}
	return nil, nil, false
}

// quoteWords writes args as shell code in which each known word stays
// one word; an unknown one is written as joinCode does.
func quoteWords(args []Arg, lang syntax.LangVariant) string {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = joinCode(args[i:i+1], lang)
		if a.Known {
			if q, err := syntax.Quote(a.Value, lang); err == nil {
				words[i] = q
			}
		}
	}
	return strings.Join(words, " ")
}

// shells run -c CODE, a script or their standard input. fish, csh and
// tcsh are not POSIX shells, but their simple commands, quoting and ;
// read as bash's do; code of theirs that does not parse as bash is judged
// word by word, with a warning that says so.
// unknownHost names a destination guard cannot compute by the word as
// written ($H, {}), so that messages say which word picks the host, and
// the name to type at the prompt is that word.
func unknownHost(a Arg) string {
	if t := strings.Trim(strings.TrimSpace(a.Text), `"'`); t != "" {
		return t
	}
	return "UNKNOWN-HOST"
}

var shells = map[string]bool{
	"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "mksh": true,
	"ash": true, "yash": true, "pdksh": true, "ksh93": true, "rbash": true, "lksh": true,
	"fish": true, "csh": true, "tcsh": true,
}

func isShell(program string) bool { return shells[program] }

var shellSpec = OptSpec{ShortValue: "oO", LongValue: []string{"rcfile", "init-file"}, StopAtOperand: true}

// enterShell judges the code a shell would run: its -c argument, the
// script file it is given, or its standard input (a here-document, a
// here-string, a pipeline guard can compute).
func (r *resolver) enterShell(inv *Invocation, sc *scope) {
	p := ParseOptions(dropPlusOptions(inv.Args), shellSpec)
	if p.Has("n", "noexec", "D", "dump-strings", "dump-po-strings", "pretty-print", "help", "version") {
		return // bash -n checks the syntax; these print; nothing runs
	}
	for _, o := range p.Values("o") {
		if o.Value == "noexec" {
			return
		}
	}
	if inv.Program == "bash" && !p.Has("i") {
		if env, ok := sc.get("BASH_ENV"); ok && env.known && isStdinPath(env.value) {
			// a non-interactive bash sources BASH_ENV first: here its own
			// standard input (env BASH_ENV=/dev/stdin bash -c : <<< CODE)
			r.runStdin(inv, sc, "BASH_ENV="+env.value+" bash", nil)
		} else if !ok && !r.envBashEnvRead && (p.Has("c") || len(p.Operands) > 0) {
			// set before the line (the environment guard sudo or a hook
			// is given): the file is sourced all the same, judged once
			if v, known := sc.lookup("BASH_ENV"); known && v != "" {
				r.envBashEnvRead = true
				r.storedCode("BASH_ENV", []Arg{{Text: "$BASH_ENV", Value: v, Known: true}}, sc)
			}
		}
	}
	if p.Has("i") || !p.Has("c") && len(p.Operands) == 0 {
		// an interactive shell reads its start-up file first
		for _, rc := range append(p.Values("rcfile"), p.Values("init-file")...) {
			r.startupFile(inv, rc, sc, inv.Program+" --rcfile "+rc.Text)
		}
	}
	if p.Has("c") {
		if len(p.Operands) == 0 {
			return
		}
		code, ok, partial := r.codeOf(inv, p.Operands[0])
		if !ok {
			if t, ok := r.wordOutput(p.Operands[0], inv); ok && printsComputedCode(p.Operands[0]) {
				r.hidden(inv, t) // bash -c "$(CMD)", as eval "$(CMD)"
			}
			return
		}
		// its commands read what the shell reads: bash -c 'cat > f' <<< …
		// a word guard could not compute whole keeps its expansions, which
		// this shell's scope expands, as the shell typing the line would
		fresh := freshShell(inv, p, sc) && !partial
		r.runCodeWith(inv, code, sc, inv.Program+" -c", codeOpts{adjust: bindShellArgs(append(p.Operands[1:], p.Rest...)), stdin: feedOf(inv), fresh: fresh})
		return
	}
	args := append(p.Operands[:len(p.Operands):len(p.Operands)], p.Rest...)
	if len(p.Operands) > 0 && !p.Has("s") {
		script := p.Operands[0]
		if !script.Known || !isStdinPath(script.Value) {
			r.runScript(inv, script, p.Rest, sc, inv.Program, freshShell(inv, p, sc))
			return
		}
		args = args[1:] // bash /dev/stdin ARGS: the code's $1…
		readsTerminal(inv, r.stdinOf(inv, 0))
	}
	// bash -s ARGS <<< CODE: the words are the code's $1…, $0 the shell
	zero := Arg{Text: inv.Command.Text, Value: inv.Program, Known: true}
	r.runStdin(inv, sc, inv.Program+" <stdin", func(_ *Invocation, isc *scope) {
		bindPositional(isc, zero, bindable(args))
	})
}

// freshShell: inv starts a shell that reads no start-up file, as the same
// user on this host, so that its variables are exactly its environment
// and what its own code assigns: bash or sh neither interactive nor a
// login shell, without BASH_ENV or ENV. zsh reads ~/.zshenv, which may
// set anything; sudo and su change the environment (env_reset, pam_env).
func freshShell(inv *Invocation, p Parsed, sc *scope) bool {
	switch inv.Program {
	case "bash", "sh", "dash":
	default:
		return false
	}
	if p.Has("i", "l", "login") || inv.User != "" || inv.Remote != "" || inv.Container != "" || sc.box != nil || sc.env == nil {
		return false
	}
	for _, name := range []string{"BASH_ENV", "ENV"} {
		if _, set := sc.get(name); set {
			return false
		}
		if _, set := sc.env(name); set {
			return false
		}
	}
	return true
}

// dropPlusOptions drops a shell's +x style options (and +o NAME, +O
// NAME), which ParseOptions would take for operands.
func dropPlusOptions(args []Arg) []Arg {
	var out []Arg
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		if len(v) > 1 && v[0] == '+' && args[i].Known {
			if (v == "+o" || v == "+O") && i+1 < len(args) {
				i++
			}
			continue
		}
		if v == "--" || !strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "+") {
			return append(out, args[i:]...)
		}
		out = append(out, args[i])
	}
	return out
}

func isStdinPath(p string) bool {
	switch p {
	case "-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0":
		return true
	}
	return false
}

// codeOf is the code held by a word handed to a shell: its value when
// known, or what a command substitution in it prints when guard can
// compute that (bash -c "$(echo … | base64 -d)").
func (r *resolver) codeOf(inv *Invocation, a Arg) (code string, ok, partial bool) {
	if a.Known {
		return a.Value, true, false
	}
	if out, ok := r.wordOutput(a, inv); ok && out.known {
		return out.value, true, false
	}
	if a.data {
		inv.note().Hidden = "it is " + strings.Join(a.Unknown, ", ") + ", data read when the line runs (typed at the terminal, or from a file guard cannot read)"
		return "", false, false
	}
	if code, ok := partialCode(a, r.lineLang()); ok {
		return code, true, true
	}
	return "", false, false
}

// partialCode is the code in a word guard cannot compute whole, its
// parameter expansions left in place for the walk to expand where the
// word is: bash -c "rm -rf $DIR/" is judged as rm -rf $DIR/ is, the
// unknown part unknown. Only words of literal text, quotes and parameter
// expansions are read so: a command substitution's output is another
// matter (eval "$(ssh-agent -s)"), and a backslash would need undoing.
func partialCode(a Arg, lang syntax.LangVariant) (string, bool) {
	if len(a.Sources) > 0 || a.Text == "" || strings.Contains(a.Text, "\\") || len(a.Text) > maxPartialCode {
		return "", false
	}
	src := "_ " + a.Text // the word as the second word of a command
	f, err := syntax.NewParser(syntax.Variant(lang)).Parse(strings.NewReader(src), "")
	if err != nil || len(f.Stmts) != 1 {
		return "", false
	}
	call, ok := f.Stmts[0].Cmd.(*syntax.CallExpr)
	if !ok || len(call.Args) != 2 || len(call.Assigns) > 0 || len(f.Stmts[0].Redirs) > 0 {
		return "", false
	}
	w := call.Args[1]
	var sb strings.Builder
	plain := true
	var add func(parts []syntax.WordPart)
	add = func(parts []syntax.WordPart) {
		for _, part := range parts {
			switch x := part.(type) {
			case *syntax.Lit:
				sb.WriteString(x.Value)
			case *syntax.SglQuoted:
				if x.Dollar {
					plain = false
				}
				sb.WriteString(x.Value)
			case *syntax.DblQuoted:
				add(x.Parts)
			case *syntax.ParamExp:
				sb.WriteString(splitInCode(sliceSrc(src, x.Pos(), x.End()), x, lang))
			default:
				plain = false
			}
		}
	}
	add(w.Parts)
	return sb.String(), plain
}

// splitInCode writes a parameter expansion left in code so that the walk
// splits its value into words, as the shell does when it parses the code
// the value is part of. bash splits an unquoted expansion anyway; zsh
// does not, so there it is written ${=NAME…}: eval "${X:-rm -rf /etc}"
// runs rm on /etc in zsh too.
func splitInCode(text string, p *syntax.ParamExp, lang syntax.LangVariant) string {
	if lang != syntax.LangZsh || p.Split != syntax.OptUnset || p.Flags != nil || p.Param == nil {
		return text
	}
	if p.Short {
		return "${=" + strings.TrimPrefix(text, "$") + "}"
	}
	return "${=" + strings.TrimPrefix(text, "${")
}

// maxPartialCode bounds the words read by partialCode.
const maxPartialCode = 64 << 10
