// Command guard judges shell lines before they run: allow, warn, confirm
// or block, with the reason and the safer alternative.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	flag "github.com/spf13/pflag"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/policy"
	"github.com/guard-sh/guard/rules"
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

	// args are this process's own arguments, to tell a guard command the
	// shell's hook has already let through (approvals.go).
	args []string

	// guard serve's apps: the shell's environment (the host's view), and
	// what would have been said on stderr, held back: a line that would
	// have shown something is deferred to guard gate.
	env  map[string]string
	held *bytes.Buffer

	policy      *policy.Policy // loaded once per process
	eng         *guard.Engine
	site        *rules.Site // the catalog, built once: for the policy's check and the engine
	auditWarned bool        // a lost audit channel is reported once
}

func main() {
	a := &app{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, getenv: withHome(os.Getenv), args: os.Args[1:]}
	if isLoginShellName(os.Args[0]) {
		os.Exit(a.loginShell(os.Args[0], os.Args[1:]))
	}
	os.Exit(a.run(os.Args[1:]))
}

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
		writeUsage(a.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "--help":
		writeUsage(a.stdout)
		return exitOK
	case "--version":
		args[0] = "version"
	}
	c, ok := lookupCommand(args[0])
	if !ok {
		fmt.Fprintf(a.stderr, "guard: unknown command %q\n\n", args[0])
		writeUsage(a.stderr)
		return exitUsage
	}
	return c.run(a, args[1:])
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
