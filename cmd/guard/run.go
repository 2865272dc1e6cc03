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

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/snapshot"
	"github.com/guard-sh/guard/rules"
)

// exitRefused: a confirm that was not given (declined, no terminal, or the
// snapshot failed). The command did not run.
const exitRefused = exitConfirm

func (a *app) runLine(args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	cwd := fs.String("cwd", "", "run the line in `DIR` (default: the current directory)")
	yes := fs.StringSlice("yes-i-know", nil, "confirm these `RULE`s without asking (they are still snapshotted)")
	noSnapshot := fs.Bool("no-snapshot", false, "run a confirmed line without taking a snapshot first")
	shellName := fs.String("shell", "bash", "shell dialect to judge with: bash, posix, mksh or zsh")
	fs.SetInterspersed(false)
	if err := fs.Parse(args); err != nil {
		return a.flagError("run", err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(a.stderr, "guard run: missing LINE (usage: guard run [--cwd DIR] [--yes-i-know RULE] -- LINE)")
		return exitUsage
	}
	lang, err := parseLang(*shellName)
	if err != nil {
		fmt.Fprintf(a.stderr, "guard run: %v\n", err)
		return exitUsage
	}
	dir, err := workingDir(*cwd, a.getenv)
	if err != nil || dir == "" {
		fmt.Fprintf(a.stderr, "guard run: cannot tell the working directory: %v\n", err)
		return exitUsage
	}
	engine, err := rules.NewEngine()
	if err != nil {
		fmt.Fprintf(a.stderr, "guard run: %v\n", err)
		return exitUsage
	}
	line := strings.Join(fs.Args(), " ")
	host := &guard.OSHost{}
	v := engine.Judge(line, host, guard.Options{Cwd: dir, Lang: lang})
	if len(v.Findings) > 0 {
		a.report(v, len(v.Invocations))
	}
	switch v.Decision {
	case guard.Block:
		fmt.Fprintln(a.stderr, "guard: not run: the line is blocked (see above)")
		return exitBlock
	case guard.Confirm:
		if code := a.confirm(v, line, dir, host, *yes, *noSnapshot); code != exitOK {
			return code
		}
	}
	return a.execShell(line, dir)
}

// confirm takes the snapshot the findings call for, then asks on the
// terminal. It returns exitOK when the line may run.
func (a *app) confirm(v guard.Verdict, line, dir string, host guard.Host, yes []string, noSnapshot bool) int {
	var pending, ruleIDs []string
	var backups []guard.Backup
	power := false
	for _, f := range v.Findings {
		if f.Decision != guard.Confirm {
			continue
		}
		ruleIDs = append(ruleIDs, f.Rule)
		if !slices.Contains(yes, f.Rule) {
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
			fmt.Fprintf(a.stderr, "guard: not run: %s needs confirmation and there is no terminal to ask on (%v)\n  to run it anyway, deliberately: guard run %s-- %s\n",
				strings.Join(pending, ", "), errors.Unwrap(err), yesFlags(pending), quoteLine(line))
			return exitRefused
		}
		defer tty.Close()
	}
	if len(backups) > 0 && !noSnapshot {
		store := a.store()
		m, err := store.Take(snapshot.Request{Line: line, Cwd: dir, Host: host.Hostname(), Rules: ruleIDs, Backups: backups})
		if err != nil {
			fmt.Fprintf(a.stderr, "guard: not run: the snapshot failed: %v\n  to run it without a snapshot, deliberately: guard run --no-snapshot %s-- %s\n",
				err, yesFlags(ruleIDs), quoteLine(line))
			return exitRefused
		}
		fmt.Fprintf(a.stderr, "guard: saved snapshot %s (%d items, %s) in %s\n  to put it back: guard snapshot restore %s\n",
			m.ID, len(m.Items), snapshot.HumanBytes(m.Size), store.Dir, m.ID)
	}
	if len(pending) == 0 {
		return exitOK
	}
	want, prompt := "yes", "type yes to run it, anything else to cancel: "
	if power {
		want = host.Hostname()
		prompt = fmt.Sprintf("type the host name (%s) to run it, anything else to cancel: ", want)
	}
	fmt.Fprintf(tty, "guard: %s", prompt)
	answer, _ := bufio.NewReader(tty).ReadString('\n')
	if strings.TrimSpace(answer) != want {
		fmt.Fprintln(a.stderr, "guard: not run")
		return exitRefused
	}
	return exitOK
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
