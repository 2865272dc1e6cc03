package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	flag "github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/audit"
	"github.com/guard-sh/guard/guard/snapshot"
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
}

func (o *gateOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.cwd, "cwd", "", "judge and run the line in `DIR` (default: the current directory)")
	fs.StringSliceVar(&o.yes, "yes-i-know", nil, "confirm these `RULE`s without asking (they are still snapshotted)")
	fs.BoolVar(&o.noSnapshot, "no-snapshot", false, "run a confirmed line without taking a snapshot first")
	fs.StringVar(&o.shell, "shell", "bash", "shell dialect: bash, posix, mksh or zsh")
}

// runLine is guard run: the gate, then the line runs in the user's shell.
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
	fs.SetInterspersed(false)
	return fs
}

func (a *app) runLine(args []string) int {
	var o gateOptions
	fs := runFlags(&o)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return a.flagError("run", err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(a.stderr, "guard run: missing LINE (usage: guard run [--cwd DIR] [--yes-i-know RULE] -- LINE)")
		return exitUsage
	}
	line := strings.Join(fs.Args(), " ")
	dir, code := a.gate(line, o)
	if code != exitOK {
		return code
	}
	return a.execShell(line, dir)
}

// gateCmd is guard gate, what the shell hooks call: the same judgement,
// snapshot and question as guard run, but the shell runs the line itself.
// Exit 0: run it; 10: not confirmed; 20: blocked.
func (a *app) gateCmd(args []string) int {
	var o gateOptions
	fs := gateFlags(&o)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return a.flagError("gate", err)
	}
	_, code := a.gate(strings.Join(fs.Args(), " "), o)
	return code
}

// gate judges line and decides whether it may run: it prints the
// findings, refuses blocks, and for confirms takes the snapshot and asks.
func (a *app) gate(line string, o gateOptions) (dir string, code int) {
	lang, err := parseLang(o.shell)
	if err != nil {
		fmt.Fprintf(a.stderr, "guard: %v\n", err)
		return "", exitUsage
	}
	dir, err = workingDir(o.cwd, a.getenv)
	if err != nil || dir == "" {
		fmt.Fprintf(a.stderr, "guard: cannot tell the working directory: %v\n", err)
		return "", exitUsage
	}
	engine, err := a.engine()
	if err != nil {
		fmt.Fprintf(a.stderr, "guard: %v\n", err)
		return "", exitUsage
	}
	host := &guard.OSHost{}
	v := engine.Judge(line, host, guard.Options{Cwd: dir, Lang: lang})
	if o.from == "bash" || o.from == "zsh" {
		// The shell reports its own syntax errors; a line still being
		// typed (a continuation) is judged by its words, quietly.
		v = without(v, guard.UnparsedID)
	}
	allowed := append(o.yes, strings.Fields(strings.ReplaceAll(a.getenv("GUARD_ALLOW"), ",", " "))...)
	if len(v.Findings) > 0 {
		a.report(v, len(v.Invocations))
	}
	for _, f := range v.Findings {
		if f.Rule == guard.GuardOffID {
			a.audit("override", line, dir, o.from, []string{f.Rule}, "GUARD=off")
		}
	}
	switch v.Decision {
	case guard.Block:
		var blocking []string
		for _, f := range v.Findings {
			if f.Decision == guard.Block && !slices.Contains(allowed, f.Rule) {
				blocking = append(blocking, f.Rule)
			}
		}
		if len(blocking) > 0 {
			a.audit("block", line, dir, o.from, blocking, "")
			fmt.Fprintln(a.stderr, "guard: not run: the line is blocked (see above)")
			return dir, exitBlock
		}
		fallthrough // every blocking rule was allowed for the session: confirm it
	case guard.Confirm:
		return dir, a.confirm(v, line, dir, host, allowed, o)
	}
	if a.loadPolicy().Audit.Allow {
		a.auditRecord(audit.Record{Event: v.Decision.String(), Line: line, Cwd: dir, Integration: o.from, Rules: ruleIDs(v, guard.Warn)})
	}
	return dir, exitOK
}

func without(v guard.Verdict, rule string) guard.Verdict {
	out := v
	out.Findings, out.Decision = nil, guard.Allow
	for _, f := range v.Findings {
		if f.Rule != rule {
			out.Findings = append(out.Findings, f)
			out.Decision = max(out.Decision, f.Decision)
		}
	}
	return out
}

// confirm takes the snapshot the findings call for, then asks on the
// terminal. It returns exitOK when the line may run.
func (a *app) confirm(v guard.Verdict, line, dir string, host guard.Host, allowed []string, o gateOptions) int {
	var pending, ruleIDs []string
	var backups []guard.Backup
	power := false
	for _, f := range v.Findings {
		if f.Decision < guard.Confirm {
			continue
		}
		ruleIDs = append(ruleIDs, f.Rule)
		if !slices.Contains(allowed, f.Rule) {
			pending = append(pending, f.Rule)
		}
		if f.Backup != nil {
			backups = append(backups, *f.Backup)
		}
		power = power || f.Rule == "ssh-power"
	}
	// Ask for a terminal before spending time on a snapshot that would not
	// be used.
	var tty *os.File
	if len(pending) > 0 {
		var err error
		if tty, err = os.OpenFile("/dev/tty", os.O_RDWR, 0); err != nil {
			a.audit("refused", line, dir, o.from, pending, "no terminal to confirm on")
			fmt.Fprintf(a.stderr, "guard: not run: %s needs confirmation and there is no terminal to ask on (%v)\n  to run it anyway, deliberately: guard run %s-- %s\n",
				strings.Join(pending, ", "), errors.Unwrap(err), yesFlags(pending), quoteLine(line))
			return exitRefused
		}
		defer tty.Close()
	}
	snapshotID := ""
	if len(backups) > 0 && !o.noSnapshot {
		store := a.store()
		m, err := store.Take(snapshot.Request{Line: line, Cwd: dir, Host: host.Hostname(), Rules: ruleIDs, Backups: backups})
		if err != nil {
			a.audit("refused", line, dir, o.from, ruleIDs, "snapshot failed: "+err.Error())
			fmt.Fprintf(a.stderr, "guard: not run: the snapshot failed: %v\n  to run it without a snapshot, deliberately: guard run --no-snapshot %s-- %s\n",
				err, yesFlags(ruleIDs), quoteLine(line))
			return exitRefused
		}
		snapshotID = m.ID
		fmt.Fprintf(a.stderr, "guard: saved snapshot %s (%d items, %s) in %s\n  to put it back: guard snapshot restore %s\n",
			m.ID, len(m.Items), snapshot.HumanBytes(m.Size), store.Dir, m.ID)
	}
	if len(pending) == 0 {
		a.auditRecord(audit.Record{Event: "override", Line: line, Cwd: dir, Integration: o.from, Rules: ruleIDs, Snapshot: snapshotID, Detail: "acknowledged (--yes-i-know or guard allow)"})
		return exitOK
	}
	want, prompt := "yes", "type yes to run it, anything else to cancel: "
	if power {
		want = host.Hostname()
		prompt = fmt.Sprintf("type the host name (%s) to run it, anything else to cancel: ", want)
	}
	answer := askLine(tty, "guard: "+prompt)
	if answer != want {
		a.audit("refused", line, dir, o.from, pending, "declined at the prompt")
		fmt.Fprintln(a.stderr, "guard: not run")
		return exitRefused
	}
	a.auditRecord(audit.Record{Event: "confirm", Line: line, Cwd: dir, Integration: o.from, Rules: ruleIDs, Snapshot: snapshotID, Detail: "confirmed at the prompt"})
	return exitOK
}

// askLine prints prompt on the terminal and reads one answer, with the
// terminal in its normal line mode for the duration (a shell's line
// editor may have left it raw).
func askLine(tty *os.File, prompt string) string {
	fd := int(tty.Fd())
	if saved, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		cooked := *saved
		cooked.Lflag |= unix.ICANON | unix.ECHO | unix.ISIG
		cooked.Iflag |= unix.ICRNL
		_ = unix.IoctlSetTermios(fd, unix.TCSETS, &cooked)
		defer unix.IoctlSetTermios(fd, unix.TCSETS, saved)
	}
	fmt.Fprint(tty, prompt)
	answer, _ := bufio.NewReader(tty).ReadString('\n')
	return strings.TrimSpace(answer)
}

func yesFlags(rules []string) string {
	var b strings.Builder
	for i, r := range rules {
		if slices.Contains(rules[:i], r) {
			continue
		}
		b.WriteString("--yes-i-know " + r + " ")
	}
	return b.String()
}

func quoteLine(line string) string {
	return "'" + strings.ReplaceAll(line, "'", `'\''`) + "'"
}

// execShell replaces guard with the user's shell running the line, so the
// exit status, signals and descriptors are the command's own.
func (a *app) execShell(line, dir string) int {
	shell := userShell(a.getenv("SHELL"))
	if err := os.Chdir(dir); err != nil {
		fmt.Fprintf(a.stderr, "guard: not run: cannot enter %s: %v\n", dir, err)
		return 1
	}
	err := syscall.Exec(shell, []string{shell, "-c", line}, os.Environ())
	fmt.Fprintf(a.stderr, "guard: not run: starting %s: %v\n", shell, err)
	return 1
}

// userShell is $SHELL when it is a real shell (not guard itself, which
// would loop), else bash, else sh.
func userShell(shell string) string {
	if shell != "" && filepath.IsAbs(shell) && !strings.HasPrefix(filepath.Base(shell), "guard") {
		if info, err := os.Stat(shell); err == nil && info.Mode()&0o111 != 0 {
			return shell
		}
	}
	for _, candidate := range []string{"/bin/bash", "/usr/bin/bash", "/bin/sh"} {
		if _, err := os.Stat(candidate); err == nil {
			return candidate
		}
	}
	if p, err := exec.LookPath("sh"); err == nil {
		return p
	}
	return "/bin/sh"
}
