package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	flag "github.com/spf13/pflag"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/gate"
	"github.com/guard-sh/guard/guard/preview"
)

// exitRefused: a confirm that was not given (declined, no terminal, or the
// snapshot failed). The command did not run.
const exitRefused = exitConfirm

// gateOptions are the flags shared by guard run and guard gate.
type gateOptions struct {
	cwd        string
	yes        []string
	noSnapshot bool
	shell      string
	from       string // the integration: bash, zsh, login, sudo; "" for guard run
	wayPast    string // what to type to run a refused line deliberately
	file       string // --file: read the line from here
	prelude    string // what the same shell was given before the line
	quick      bool   // guard serve: decide only a line nobody needs to see (exitDefer otherwise)
	host       guard.Host
	// wayPastFor, when set, is the deliberate way to run the line once
	// the rules that held it are known (guard sudo's own form).
	wayPastFor func(rules []string) string
	// The shell hooks' own: the shell's definitions, and whether a line
	// still being typed is answered with exitIncomplete (init.go).
	hook hookOptions
}

func (o *gateOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.cwd, "cwd", "", "judge and run the line in `DIR` (default: the current directory)")
	fs.StringSliceVar(&o.yes, "yes-i-know", nil, "confirm these `RULE`s without asking (they are still snapshotted)")
	fs.BoolVar(&o.noSnapshot, "no-snapshot", false, "run a confirmed line without taking a snapshot first")
	fs.StringVar(&o.shell, "shell", "bash", "shell dialect: bash, posix, mksh or zsh")
	fs.StringVar(&o.file, "file", "", "read the line from `PATH`, - for standard input, instead of the arguments")
}

// runFlags are guard run's: stop at the line's first word, so that its
// own options are not read as guard's.
func runFlags(o *gateOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	o.register(fs)
	fs.SetInterspersed(false)
	return fs
}

func gateFlags(o *gateOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("gate", flag.ContinueOnError)
	o.register(fs)
	fs.StringVar(&o.from, "from", "", "the integration calling: bash, zsh, login, sudo")
	o.hook.register(fs)
	fs.SetInterspersed(false)
	return fs
}

// runLine is guard run: the gate, then the line runs in the user's shell.
func (a *app) runLine(args []string) int {
	var o gateOptions
	fs := runFlags(&o)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return a.flagError("run", err)
	}
	line, err := a.lineFrom(o.file, fs.Args())
	if err != nil {
		fmt.Fprintf(a.stderr, "guard run: %v (usage: guard run [--cwd DIR] [--yes-i-know RULE] [--file PATH|-] [--] LINE)\n", err)
		return exitUsage
	}
	dir, code := a.gate(line, o)
	if code != exitOK {
		return code
	}
	return a.execShell(line, dir, o.shell)
}

// gateCmd is guard gate, what the shell hooks call: the same judgement,
// snapshot and question as guard run, but the shell runs the line itself.
// Exit 0: run it; 10: not confirmed; 20: blocked.
func (a *app) gateCmd(args []string) int {
	var o gateOptions
	fs := gateFlags(&o)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		a.flagError("gate", err)
		return exitRefused // a hook that calls guard wrongly must not run the line
	}
	line, err := a.lineFrom(o.file, fs.Args())
	if err != nil {
		// The hook could not hand the line over: it must not run unseen.
		fmt.Fprintf(a.stderr, "guard: not run: %v\n", err)
		return exitRefused
	}
	if code, done := a.hookStep(line, &o); done {
		return code
	}
	_, code := a.gate(line, o)
	return code
}

// newGate is the one gate, set up for this process: the site's engine, the
// live host, the snapshot store, the audit trail and the human report.
// asker says who answers questions at this entry point.
func (a *app) newGate(asker gate.Asker) *gate.Gate {
	g := &gate.Gate{
		Host:         &guard.OSHost{},
		Asker:        asker,
		Audit:        a.auditRecord,
		AuditAllowed: a.loadPolicy().Audit.Allow,
		Report:       func(v guard.Verdict) { a.report(v, len(v.Invocations)) },
		Notice:       a.stderr,
		Preview: func(v *guard.Verdict) []string {
			ctx, cancel := context.WithTimeout(context.Background(), preview.DefaultTimeout)
			defer cancel()
			return preview.Summaries(ctx, v, nil)
		},
	}
	if e, err := a.engine(); err == nil {
		g.Engine = e
	}
	if s, err := a.store(); err != nil {
		g.StoreErr = err
	} else {
		g.Store, g.StoreDir = s, s.Dir
	}
	return g
}

// gate takes a line through the gate with a person at the terminal, as
// guard run and the shells' hooks do, and prints why a line did not run.
func (a *app) gate(line string, o gateOptions) (dir string, code int) {
	lang, err := parseLang(o.shell)
	if err != nil {
		fmt.Fprintf(a.stderr, "guard: %v\n", err)
		return "", exitUsage
	}
	dir, err = workingDir(o.cwd, a.getenv)
	if err != nil || dir == "" {
		fmt.Fprintf(a.stderr, "guard: not run: cannot tell the working directory: %v\n", err)
		return "", exitRefused
	}
	if !fromPrompt(o.from) && len(a.args) > 0 && a.approvedAtPrompt(dir, a.args) {
		// The shell's hook judged the whole line this command is part of,
		// asked, and took the snapshot: not twice.
		a.audit("confirm", line, dir, o.from, nil, "confirmed at the shell's prompt for the line that runs it")
		fmt.Fprintln(a.stderr, "guard: confirmed at the shell's prompt already")
		return dir, exitOK
	}
	req := gate.Request{
		Line: line, Cwd: dir, Lang: lang, From: o.from, NoSnapshot: o.noSnapshot,
		Acknowledged: append(o.yes, strings.Fields(strings.ReplaceAll(a.getenv("GUARD_ALLOW"), ",", " "))...),
		Typed:        fromPrompt(o.from),
		WayPast:      o.wayPast,
		Prelude:      o.prelude,
		StdinScript:  o.from == "stdin",
		Definitions:  o.hook.definitions,
	}
	g := a.newGate(gate.Terminal{})
	if o.host != nil {
		g.Host = o.host
	}
	var out gate.Outcome
	if o.quick {
		ok := a.held.Len() == 0 // loading the policy said nothing
		if ok {
			out, ok = g.Quick(req)
		}
		if !ok {
			return dir, exitDefer
		}
	} else {
		out = g.Decide(req)
	}
	if req.Typed {
		a.noteApprovals(out)
	}
	if out.WayPast != "" && out.Snapshot == nil && !o.noSnapshot && o.wayPastFor != nil && !strings.Contains(out.WayPast, "--no-snapshot") {
		out.WayPast = o.wayPastFor(heldBy(out.Verdict, req.Acknowledged))
	}
	return dir, a.settle(out)
}

// heldBy are the rules that need a deliberate yes for v to run: those that
// confirm or block, less the ones already acknowledged.
func heldBy(v guard.Verdict, acknowledged []string) []string {
	var rules []string
	for _, f := range v.Findings {
		if f.Decision >= guard.Confirm && !slices.Contains(acknowledged, f.Rule) && !slices.Contains(rules, f.Rule) {
			rules = append(rules, f.Rule)
		}
	}
	return rules
}

// fromPrompt: the line comes from a shell's hook, typed at its prompt.
func fromPrompt(from string) bool { return from == "bash" || from == "zsh" }

// settle prints why a line did not run and returns the exit status.
func (a *app) settle(out gate.Outcome) int {
	switch out.Status {
	case gate.Blocked:
		fmt.Fprintln(a.stderr, "guard: not run: the line is blocked (see above)")
	case gate.Refused:
		fmt.Fprintf(a.stderr, "guard: not run: %s\n", out.Reason)
		if out.WayPast != "" {
			fmt.Fprintf(a.stderr, "  to run it anyway, deliberately: %s\n", out.WayPast)
		}
	case gate.Run:
		if out.Snapshot != nil {
			fmt.Fprintf(a.stderr, "guard: to undo it: guard undo (restores snapshot %s)\n", out.Snapshot.ID)
		}
	}
	return out.Status.ExitCode()
}

// execShell replaces guard with the shell of the dialect the line was
// judged in (bash unless --shell says otherwise), running the line, so the
// exit status, signals and descriptors are the command's own. Never
// $SHELL: a line judged as bash must not be run by zsh, or by python3
// that an agent named in SHELL.
func (a *app) execShell(line, dir, dialect string) int {
	shell, err := shellFor(dialect)
	if err != nil {
		fmt.Fprintf(a.stderr, "guard: not run: %v\n", err)
		return exitRefused
	}
	if err := os.Chdir(dir); err != nil {
		fmt.Fprintf(a.stderr, "guard: not run: cannot enter %s: %v\n", dir, err)
		return 1
	}
	err = syscall.Exec(shell, []string{shell, "-c", line}, os.Environ())
	fmt.Fprintf(a.stderr, "guard: not run: starting %s: %v\n", shell, err)
	return 1
}

// shellFor is the system's shell for a dialect guard judges in, from the
// system's own folders.
func shellFor(dialect string) (string, error) {
	names := map[string][]string{
		"": {"bash"}, "bash": {"bash"}, "zsh": {"zsh"},
		"posix": {"sh", "dash"}, "sh": {"sh", "dash"}, "dash": {"dash", "sh"},
		"mksh": {"mksh"}, "ksh": {"mksh", "ksh"},
	}[dialect]
	for _, name := range names {
		for _, dir := range []string{"/bin", "/usr/bin", "/usr/local/bin"} {
			p := filepath.Join(dir, name)
			if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0 {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("no %s shell on this system to run the line the way it was judged", dialect)
}
