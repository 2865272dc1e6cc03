package guard

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/guard-sh/guard/guard/lazyre"
)

// Code that runs later is judged as if it ran now: what at, trap, a cron
// file or a crontab will run is walked like any other code, and a cron
// entry written on the line is also said to run later (scheduled-code).

// wrapAt: at and batch run the shell code they read on standard input or
// from -f FILE, later, in the directory they were given it in.
func wrapAt(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "qft"})
	if p.Has("l", "d", "r", "c", "V") {
		return // lists, deletes or prints jobs
	}
	via := outer.Program
	if len(p.Operands) > 0 {
		via += " " + joinValues(p.Operands)
	}
	adjust := func(inner *Invocation, isc *scope) {
		inner.Stdin = nil
		detach(inner, isc) // atd runs it, not this session
	}
	if f, ok := p.Value("f"); ok {
		t := r.fileText(outer, f)
		if t.known {
			r.runCode(outer, t.value, sc, via, adjust)
			return
		}
		if !t.quiet {
			r.hidden(outer, t)
		}
		return
	}
	r.runStdin(outer, sc, via, adjust)
}

// wrapTrap: trap 'CODE' SIGNAL… runs CODE when the signal comes (EXIT:
// when the shell ends), so CODE is judged now. An EXIT trap the line sets
// on the interactive shell itself runs when that shell ends, after the
// whole line: it is judged then, with what the line leaves (trap 'rm -rf
// "$tmp"' EXIT; tmp=$(mktemp -d) removes the folder made after it).
func wrapTrap(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	if len(args) > 0 && args[0].Known && args[0].Value == "--" {
		args = args[1:]
	}
	onLine := sc == r.lineScope && !r.inPrelude && len(args) >= 1 && onExitOnly(args[1:])
	if onLine && len(args) >= 2 && args[0].Known && (args[0].Value == "-" || args[0].Value == "") {
		r.lineExit = nil // trap - EXIT, trap '' EXIT: nothing runs at the end
		return
	}
	if len(args) < 2 || !args[0].Known || args[0].Value == "-" || strings.HasPrefix(args[0].Value, "-") {
		return // trap -p, trap -l, trap - SIG (reset), trap SIG
	}
	if onLine {
		r.lineExit = outer // a later trap on EXIT replaces it
		return
	}
	ran := r.ran
	r.runLater(outer, args[0].Value, sc, "trap "+joinValues(args[1:]))
	r.ran = ran // the code runs later: nothing after the trap follows it
}

// onExitOnly: every signal named is the shell's end (EXIT, 0).
func onExitOnly(signals []Arg) bool {
	for _, s := range signals {
		if !s.Known || !strings.EqualFold(strings.TrimPrefix(strings.ToUpper(s.Value), "SIG"), "EXIT") && s.Value != "0" {
			return false
		}
	}
	return len(signals) > 0
}

// runLineExit judges the EXIT trap the line left on the interactive
// shell, in the state the line leaves it.
func (r *resolver) runLineExit(sc *scope) {
	outer := r.lineExit
	r.lineExit = nil
	if outer == nil {
		return
	}
	args := outer.Args
	if args[0].Known && args[0].Value == "--" {
		args = args[1:]
	}
	r.runLater(outer, args[0].Value, sc, "trap "+joinValues(args[1:])+" (when the shell ends)")
}

// wrapCrontab: crontab [-u USER] FILE (or - for standard input) installs
// FILE as the user's crontab: its commands are judged, and installing
// them is reported as code that runs later.
func wrapCrontab(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "unsc"})
	if p.Has("l", "r", "e", "V", "T", "c", "s") && len(p.Operands) == 0 || p.Has("l", "e", "r") {
		return
	}
	user := outer.User
	if u, ok := p.Value("u"); ok {
		user = u.Value
	}
	var t text
	source := "the crontab from standard input"
	if len(p.Operands) > 0 && !(p.Operands[0].Known && p.Operands[0].Value == "-") {
		t = r.fileText(outer, p.Operands[0])
		source = p.Operands[0].Value
	} else {
		t = r.stdinOf(outer, 0)
	}
	if !t.known {
		if t.from != "" && !t.quiet {
			outer.note().Scheduled = fmt.Sprintf("a crontab guard cannot read (%s)", t.from)
		}
		if t.partial == "" {
			return
		}
		t.value = t.partial // the jobs guard can read among it: (crontab -l; echo JOB) | crontab -
	}
	r.schedule(outer, parseCrontab(t.value, false, user), sc, "crontab "+source, "")
}

// cronJob is one entry of a crontab.
type cronJob struct {
	when, user, command string
}

var (
	cronAssignment = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*\s*=`)
	cronSpecial    = lazyre.New(`^@(reboot|yearly|annually|monthly|weekly|daily|midnight|hourly)\s+`)
)

// maxCronJobs bounds how many entries of one crontab are judged.
const maxCronJobs = 64

// parseCrontab reads the entries of a crontab: five time fields (or
// @daily…), the user in system tables (/etc/crontab, /etc/cron.d), and
// the command, whose first unescaped % starts its standard input.
func parseCrontab(content string, system bool, user string) []cronJob {
	var jobs []cronJob
	for _, line := range strings.Split(content, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || cronAssignment.MatchString(line) {
			continue
		}
		var job cronJob
		if m := cronSpecial.FindString(line); m != "" {
			job.when, line = strings.TrimSpace(m), line[len(m):]
		} else {
			fields := strings.Fields(line)
			if len(fields) < 6 {
				continue
			}
			job.when = strings.Join(fields[:5], " ")
			line = skipFields(line, 5)
		}
		job.user = user
		if system {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			job.user, line = f[0], skipFields(line, 1)
		}
		job.command = cronCommand(line)
		if job.command != "" {
			jobs = append(jobs, job)
		}
		if len(jobs) == maxCronJobs {
			break
		}
	}
	return jobs
}

// skipFields returns s after its first n fields separated by blanks.
func skipFields(s string, n int) string {
	for ; n > 0; n-- {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		end := strings.IndexFunc(s, unicode.IsSpace)
		if end < 0 {
			return ""
		}
		s = s[end:]
	}
	return strings.TrimLeftFunc(s, unicode.IsSpace)
}

// cronCommand is the command part of an entry: up to the first % that is
// not escaped, with \% read as %.
func cronCommand(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '%':
			b.WriteByte('%')
			i++
		case s[i] == '%':
			return strings.TrimSpace(b.String())
		default:
			b.WriteByte(s[i])
		}
	}
	return strings.TrimSpace(b.String())
}

// schedule judges cron jobs as if they ran now, as their user in their
// home, and says on inv that they will run later.
func (r *resolver) schedule(inv *Invocation, jobs []cronJob, sc *scope, via, file string) {
	var said []string
	for _, job := range jobs {
		user := job.user
		r.runCode(inv, job.command, sc, via, func(inner *Invocation, isc *scope) {
			inner.User, inner.Cwd, inner.Stdin = user, "", nil
			if user != "" {
				inner.Cwd = r.userHome(user)
			}
		})
		if len(said) < 3 {
			as := ""
			if user != "" {
				as = " as " + user
			}
			said = append(said, fmt.Sprintf("%q at %s%s", job.command, job.when, as))
		}
	}
	if len(said) == 0 {
		return
	}
	if len(jobs) > len(said) {
		said = append(said, fmt.Sprintf("and %d more", len(jobs)-len(said)))
	}
	where := ""
	if file != "" {
		where = " (" + file + ")"
	}
	inv.note().Scheduled = strings.Join(said, "; ") + where
}

// cronFile tells what kind of file the cron daemon or a shell runs later:
// a system table with a user field, a user's table, a periodic script, or
// a shell start-up file (judged, not reported as scheduled).
func cronFile(p string) (kind, user string) {
	dir, base := filepath.Dir(p), filepath.Base(p)
	switch {
	case p == "/etc/crontab", dir == "/etc/cron.d":
		return "system", ""
	case dir == "/var/spool/cron/crontabs", dir == "/var/spool/cron/tabs", dir == "/var/spool/cron" && base != "crontabs" && base != "tabs" && base != "atjobs":
		return "user", base
	case dir == "/etc/cron.hourly", dir == "/etc/cron.daily", dir == "/etc/cron.weekly", dir == "/etc/cron.monthly":
		return "periodic", "root"
	case (strings.HasSuffix(dir, "/systemd/system") || strings.HasSuffix(dir, "/systemd/user") || strings.Contains(dir, "/systemd/system/")) &&
		(strings.HasSuffix(base, ".service") || strings.HasSuffix(base, ".conf")):
		return "unit", "root"
	case p == "/etc/profile", p == "/etc/environment", p == "/etc/bash.bashrc", p == "/etc/bashrc", p == "/etc/zsh/zshrc", p == "/etc/zshrc", p == "/etc/rc.local",
		dir == "/etc/profile.d" && strings.HasSuffix(base, ".sh"):
		return "startup", ""
	}
	switch base {
	case ".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshrc", ".zprofile", ".zshenv", ".zlogin", ".kshrc", ".bash_logout":
		return "startup", ""
	}
	if (strings.HasSuffix(dir, "/.git/hooks") || filepath.Base(dir) == ".husky") && gitHookEvent(base) != "" {
		return "githook", ""
	}
	return "", ""
}

// gitHookEvent names the git subcommand that runs the hook name ("commit"
// for pre-commit), "" when git runs no hook of that name.
func gitHookEvent(name string) string {
	for _, sub := range []string{"commit", "merge", "push", "checkout", "rebase", "am", "gc", "reset", "fetch"} {
		if slices.Contains(gitHooks[sub], name) {
			return sub
		}
	}
	return ""
}

// runWrittenHook judges a git hook written on the line as git will run
// it at the next commit, checkout or push: the file, by its first line's
// interpreter, in the work tree's top folder.
func (r *resolver) runWrittenHook(inv *Invocation, p, text string, sc *scope) {
	runner := []Arg{{Text: "sh", Value: "sh", Known: true}}
	if line, found := strings.CutPrefix(text, "#!"); found {
		line, _, _ = strings.Cut(line, "\n")
		if runner = shebang(line); len(runner) == 0 {
			return
		}
	}
	top := filepath.Dir(filepath.Dir(p)) // TOP/.husky/NAME
	if strings.HasSuffix(filepath.Dir(p), "/.git/hooks") {
		top = filepath.Dir(top) // TOP/.git/hooks/NAME
	}
	name := filepath.Base(p)
	argv := append(runner, Arg{Text: p, Value: p, Known: true})
	r.runInner(inv, argv, sc, "git hook "+name, func(inner *Invocation, isc *scope) {
		inner.Cwd, inner.Stdin, inner.Redirs = top, nil, nil // git runs it, not the line's redirection
	})
	if strings.TrimSpace(text) != "" {
		inv.note().Scheduled = fmt.Sprintf("%s runs at the next git %s in %s", p, gitHookEvent(name), top)
	}
}

// scheduleWritten judges what a command writes into a file that runs
// later: a cron table's entries, a periodic script, a start-up file.
func (r *resolver) scheduleWritten(inv *Invocation, p string, w written, sc *scope) {
	kind, user := cronFile(p)
	if kind == "" {
		return
	}
	if !w.known {
		if kind != "startup" {
			inv.note().Scheduled = fmt.Sprintf("%s, with content guard cannot read (written by %s)", p, w.by)
			// a download: code nobody has read; a file of the operator's
			// own that guard could not read, or that is not there, is not
			inv.note().ScheduledUnread = downloaders[w.by] || slices.ContainsFunc(inv.Stdin, func(up *Invocation) bool { return downloaders[up.Program] })
		}
		return
	}
	switch kind {
	case "system", "user":
		r.schedule(inv, parseCrontab(w.text, kind == "system", user), sc, "cron "+p, p)
	case "periodic":
		r.runCode(inv, w.text, sc, "cron "+p, func(inner *Invocation, isc *scope) {
			inner.User, inner.Cwd, inner.Stdin = "root", "/", nil
		})
		if strings.TrimSpace(w.text) != "" {
			inv.note().Scheduled = fmt.Sprintf("%s runs %s as root", p, strings.TrimPrefix(filepath.Base(filepath.Dir(p)), "cron."))
		}
	case "startup":
		var file *scope
		declared := len(r.funcOrder)
		r.runCodeWith(inv, w.text, sc, startupVia+p, codeOpts{
			adjust:  func(inner *Invocation, isc *scope) { inner.Cwd, inner.Stdin = "", nil },
			prepare: func(nsc *scope) { file = nsc },
		})
		var funcs []string
		for _, def := range r.funcOrder[min(declared, len(r.funcOrder)):] {
			if !slices.Contains(funcs, def.name) && len(funcs) < maxExports {
				funcs = append(funcs, def.name)
			}
		}
		if vars := loginVars(file, sc); len(vars) > 0 || len(funcs) > 0 {
			inv.note().Login = &LoginNote{File: p, Vars: vars, Funcs: funcs}
		}
	case "unit":
		r.unitCommands(inv, p, w.text, sc)
	case "githook":
		r.runWrittenHook(inv, p, w.text, sc)
	}
}

// unitCommands judges the commands of a systemd unit written on the line
// (ExecStart= and its kin), as the unit's user in its working directory,
// and reports that they run when the service starts.
func (r *resolver) unitCommands(inv *Invocation, path, content string, sc *scope) {
	user, cwd := "root", "/"
	var cmds []string
	for _, line := range strings.Split(content, "\n") {
		key, value, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		switch key = strings.TrimSpace(key); key {
		case "User":
			user = strings.TrimSpace(value)
		case "WorkingDirectory":
			cwd = strings.TrimLeft(strings.TrimSpace(value), "-")
		case "ExecStart", "ExecStartPre", "ExecStartPost", "ExecStop", "ExecStopPost", "ExecReload", "ExecCondition":
			// @, -, :, +, ! and !! change how it runs, not what
			if cmd := strings.TrimLeft(strings.TrimSpace(value), "@-:+!"); cmd != "" && len(cmds) < maxCronJobs {
				cmds = append(cmds, cmd)
			}
		}
	}
	for _, cmd := range cmds {
		r.runSnippet(inv, cmd, sc, "systemd "+filepath.Base(path), func(inner *Invocation, isc *scope) {
			inner.User, inner.Cwd, inner.Stdin = user, cwd, nil
		})
	}
	if len(cmds) > 0 {
		inv.note().Scheduled = fmt.Sprintf("%s runs %q as %s when the service starts", path, shorten(cmds[0]), user)
	}
}

// startupVia labels the commands of a start-up file written on the line:
// "start-up file /etc/profile" in their Via.
const startupVia = "start-up file "

// StartupFile is the shell start-up file (or /etc/environment) this
// command stands in, written on the line, "" for a command of the line
// itself: it runs at every login that reads the file.
func (inv *Invocation) StartupFile() string {
	for _, via := range slices.Backward(inv.Via) {
		if file, ok := strings.CutPrefix(via, startupVia); ok {
			return file
		}
	}
	return ""
}

// LoginNote is what a start-up file written on the line leaves in the
// shell of every login that reads it.
type LoginNote struct {
	// File is the start-up file.
	File string
	// Vars are the variables it sets to a value other than the one they
	// have now (PATH, LD_PRELOAD), as they stand at its end; an unknown
	// part (a command's output) is unknown in Value; one it unsets is
	// known and empty.
	Vars []EnvVar
	// Funcs are the functions it defines, by name: every login that
	// reads it runs them in place of the program of that name.
	Funcs []string
}

// loginVars are the variables file, the scope a start-up file's code was
// walked in, leaves set otherwise than outer has them; at most
// maxExports of them.
func loginVars(file, outer *scope) []EnvVar {
	if file == nil {
		return nil
	}
	var vars []EnvVar
	for _, nv := range file.own() {
		v := nv.v
		if len(vars) == maxExports {
			break
		}
		if !v.set {
			if was, ok := outer.get(nv.name); ok && was.set || nv.name == "PATH" {
				// unset PATH: the login's shell has none, and finds no program
				vars = append(vars, EnvVar{Name: nv.name, Value: Arg{Known: true}})
			}
			continue
		}
		if len(v.list) > 0 || v.assoc {
			continue
		}
		if was, ok := outer.get(nv.name); ok && was.set && was.known == v.known && was.value == v.value {
			continue
		}
		value := Arg{Text: v.value, Value: v.value, Known: v.known, MaybeEmpty: v.maybeEmpty}
		if !v.known {
			value.Unknown = []string{"$" + nv.name}
		}
		vars = append(vars, EnvVar{Name: nv.name, Value: value})
	}
	return vars
}
