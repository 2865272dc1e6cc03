// Command guard judges shell lines before they run: allow, warn, confirm
// or block, with the reason and the safer alternative.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	flag "github.com/spf13/pflag"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/policy"
)

// Exit statuses shared by the subcommands.
const (
	exitOK      = 0
	exitUsage   = 2
	exitConfirm = 10
	exitBlock   = 20
)

// app carries what every subcommand needs, so that tests can run the CLI
// in process with their own streams and environment.
type app struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	getenv         func(string) string

	policy      *policy.Policy // loaded once per process
	eng         *guard.Engine
	auditWarned bool // a lost audit channel is reported once
}

func main() {
	a := &app{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, getenv: os.Getenv}
	if isLoginShellName(os.Args[0]) {
		os.Exit(a.loginShell(os.Args[0], os.Args[1:]))
	}
	os.Exit(a.run(os.Args[1:]))
}

const usage = `guard judges shell lines before they run.

Usage:
  guard check [--json] [--cwd DIR] [--shell bash|posix|mksh|zsh] [--] LINE
  guard run [--cwd DIR] [--yes-i-know RULE]... [--no-snapshot] [--] LINE
  guard snapshot list|show|restore|verify|prune|take ...
  guard init bash|zsh [--path GUARD]       (eval "$(guard init bash)" in ~/.bashrc)
  guard shell [-c CMD]                     (also as guard-shell, a login shell)
  guard sudo [sudo options] CMD...         (alias sudo='guard sudo')
  guard hook claude                        (a Claude Code PreToolUse hook)
  guard install claude [--settings FILE] [--remove]
  guard allow RULE...                      (through the shell hook: for the session)
  guard rules [--json]
  guard rules test FILE                    (a policy's own examples)
  guard policy check [--user] [FILE...]
  guard log [--since D] [--rule R] [--decision D] [--json]
  guard explain RULE
  guard version

Exit status of check: 0 allow or warn, 10 confirm, 20 block, 2 usage error.
guard run exits with the command's own status, 20 when blocked, 10 when a
confirmation was not given.
`

// flagError reports a command-line parse error; -h is not an error.
func (a *app) flagError(command string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(a.stderr, "guard %s: %v\n", command, err)
	return exitUsage
}

func (a *app) run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "check":
		return a.check(args[1:])
	case "run":
		return a.runLine(args[1:])
	case "gate":
		return a.gateCmd(args[1:])
	case "shell":
		return a.loginShell("guard-shell", args[1:])
	case "sudo":
		return a.sudo(args[1:])
	case "hook":
		return a.agentHook(args[1:])
	case "install":
		return a.installAgent(args[1:])
	case "init":
		return a.initShell(args[1:])
	case "allow":
		return a.allowRules(args[1:])
	case "snapshot":
		return a.snapshot(args[1:])
	case "rules":
		if len(args) > 1 && args[1] == "test" {
			return a.rulesTest(args[2:])
		}
		return a.rules(args[1:])
	case "policy":
		return a.policyCmd(args[1:])
	case "log":
		return a.logCmd(args[1:])
	case "explain":
		return a.explain(args[1:])
	case "version", "--version":
		fmt.Fprintf(a.stdout, "guard %s\n", version())
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(a.stdout, usage)
		return exitOK
	}
	fmt.Fprintf(a.stderr, "guard: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// printJSON writes v indented on stdout.
func (a *app) printJSON(v any) int {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(a.stderr, "guard: writing JSON: %v\n", err)
		return 1
	}
	return exitOK
}
