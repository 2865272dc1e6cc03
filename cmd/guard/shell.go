package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/gate"
)

// isLoginShellName tells the names guard answers to as a login shell:
// guard-shell, or -guard-shell as login(1) and sshd start it.
func isLoginShellName(argv0 string) bool {
	return strings.TrimPrefix(filepath.Base(argv0), "-") == "guard-shell" || strings.HasPrefix(argv0, "-guard")
}

// realShell is the shell guard hands lines to: $GUARD_REAL_SHELL, else bash.
func (a *app) realShell() string {
	if s := a.getenv("GUARD_REAL_SHELL"); s != "" {
		return s
	}
	for _, candidate := range []string{"/bin/bash", "/usr/bin/bash"} {
		if _, err := os.Stat(candidate); err == nil {
			return candidate
		}
	}
	return "/bin/sh"
}

// loginShell is guard as a login shell. With -c CMD (ssh host 'cmd', scp,
// rsync, git over ssh) it takes CMD through the gate and then execs the
// real shell with the same arguments, so input, output and exit status are
// the command's. A script on standard input (ssh host < fix.sh) is judged
// before bash reads it. Otherwise it starts an interactive bash with the
// hook installed after the user's own start-up files.
//
// What fails open and what fails shut: the interactive login starts even
// when guard is broken (a locked-out operator cannot fix anything); a
// command guard could not judge is asked about on a terminal and refused
// without one, never run unchecked.
func (a *app) loginShell(argv0 string, args []string) (code int) {
	login := strings.HasPrefix(argv0, "-")
	bash := parseBashArgs(args)
	if bash.invalid != "" {
		// bash itself would refuse and run nothing; guard refuses rather
		// than guess what a shell that reads its options otherwise runs.
		fmt.Fprintf(a.stderr, "guard-shell: %s: invalid option; nothing run\n", bash.invalid)
		return exitUsage
	}
	if bash.hasCommand {
		defer func() {
			if p := recover(); p != nil {
				fmt.Fprintf(a.stderr, "guard: internal error (%v); not run. To run it anyway, deliberately: GUARD=off bash -c %s\n", p, gate.Quote(bash.command))
				a.audit("internal-error", bash.command, "", "login", nil, fmt.Sprint(p))
				code = exitRefused
			}
		}()
		dir, _ := os.Getwd()
		if gateCode := a.gateLogin(a.environmentCode()+bash.command, dir, "login", positional(bash.operands)); gateCode != exitOK {
			return gateCode
		}
		return a.execReal(args, false, "")
	}
	if bash.hasScript {
		// guard-shell FILE ARGS: bash would run the file; judge it as that.
		dir, _ := os.Getwd()
		words := []string{"bash", gate.Quote(bash.script)}
		for _, operand := range bash.operands {
			words = append(words, gate.Quote(operand))
		}
		if gateCode := a.gateLogin(a.environmentCode()+strings.Join(words, " "), dir, "login", ""); gateCode != exitOK {
			return gateCode
		}
		return a.execReal(args, login, "")
	}
	if !bash.forceI && !(isTerminal(os.Stdin) && isTerminal(os.Stderr)) {
		return a.stdinScript(args, login, positional(append([]string{argv0}, bash.operands...)))
	}
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(a.stderr, "guard: internal error (%v); starting the shell without guard\n", p)
			a.audit("internal-error", "", "", "login", nil, fmt.Sprint(p))
			code = a.execReal(args, login, "")
		}
	}()
	self, err := os.Executable()
	if err != nil {
		self = "guard"
	}
	rc := loginRC(self, login)
	return a.execReal([]string{"--noprofile", "-i"}, false, rc)
}

// gateLogin takes a command that arrived through the login shell through
// the gate. guard's own trouble (no working directory, an unreadable
// policy) never waves a command through: the engine's built-in rules still
// apply, and what cannot be judged is asked about.
func (a *app) gateLogin(line, dir, from, prelude string) int {
	o := gateOptions{cwd: dir, from: from, shell: "bash", prelude: prelude}
	o.hook.definitions = exportedFunctions(os.Environ()) + a.startupDefinitions()
	_, code := a.gate(line, o)
	return code
}

// startupDefinitions are the files bash reads before running a command
// sshd hands it (ssh host 'cmd'): /etc/bash.bashrc and ~/.bashrc, whose
// functions and aliases the command may call by name. Each is read as a
// regular file of at most maxStartupFile bytes; one that is not is left
// out (the command is then judged without its definitions).
func (a *app) startupDefinitions() string {
	var b strings.Builder
	for _, p := range []string{"/etc/bash.bashrc", filepath.Join(a.getenv("HOME"), ".bashrc")} {
		if !filepath.IsAbs(p) {
			continue
		}
		if data, err := guard.ReadRegular(p, maxStartupFile); err == nil {
			b.Write(data)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// maxStartupFile bounds what of one startup file guard reads.
const maxStartupFile = 256 << 10

// environmentCode is what a non-interactive bash makes of its environment
// before its command, as code judged with it: the PS4 it expands at every
// command it traces (SHELLOPTS=xtrace turns tracing on; a command can too),
// and the file BASH_ENV names. sshd passes the variables a client sends
// (AcceptEnv), su and cron pass theirs: PS4='$(rm -rf ~)' SHELLOPTS=xtrace
// runs that rm before a harmless command. bash ignores PS4 from the
// environment when it runs as root.
func (a *app) environmentCode() string {
	var b strings.Builder
	if ps4 := a.getenv("PS4"); ps4 != "" && os.Geteuid() != 0 {
		q, err := syntax.Quote(ps4, syntax.LangBash)
		if err != nil {
			q = gate.Quote(ps4)
		}
		b.WriteString("PS4=" + q + "\n")
	}
	if slices.Contains(strings.Split(a.getenv("SHELLOPTS"), ":"), "xtrace") {
		b.WriteString("set -x\n")
	}
	b.WriteString(a.bashEnv())
	return b.String()
}

// exportedFunctions are the functions bash imports from environ (export
// -f writes them as BASH_FUNC_NAME%%=() { BODY }), as definitions the
// command may call by name: env 'BASH_FUNC_ls%%=() { rm -rf ~; }'
// guard-shell -c ls runs that rm.
func exportedFunctions(environ []string) string {
	var b strings.Builder
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		fn, ok := guard.ImportedFunction(name, value)
		if !ok {
			continue // bash imports only a value that is a function
		}
		b.WriteString(fn + " " + value + "\n")
	}
	return b.String()
}

// bashEnv is the code a non-interactive bash runs before its command: the
// file $BASH_ENV names, after parameter expansion, command substitution
// and arithmetic expansion of the value (so a substitution in it runs
// too). It is judged with the command, as a source of that file; "" when
// BASH_ENV is not set.
func (a *app) bashEnv() string {
	value := a.getenv("BASH_ENV")
	if value == "" {
		return ""
	}
	quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(value)
	return ". \"" + quoted + "\"\n"
}

// positional is code that gives the shell the positional parameters it
// is started with (bash -c CMD $0 $1 …), so that the command is judged
// with them: guard-shell -c 'rm -rf "$1"' _ /srv is rm -rf /srv, and
// -c '"$0" -rf /srv' rm is too ($0 through bash 5's BASH_ARGV0).
func positional(operands []string) string {
	if len(operands) == 0 {
		return ""
	}
	words := []string{"set", "--"}
	for _, operand := range operands[1:] {
		words = append(words, gate.Quote(operand))
	}
	return strings.Join(words, " ") + "\nBASH_ARGV0=" + gate.Quote(operands[0]) + "\n"
}

// isTerminal: f is a terminal (a character device such as /dev/null is
// not one).
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// loginRC is the start-up file of the interactive shell: the login files
// first, as bash --login would read them, then guard's hook, so that
// nothing in them can run before the hook or remove it unnoticed.
func loginRC(self string, login bool) string {
	var b strings.Builder
	b.WriteString("# guard login shell start-up\n")
	if login {
		b.WriteString(`[ -r /etc/profile ] && . /etc/profile
for __guard_f in ~/.bash_profile ~/.bash_login ~/.profile; do
	if [ -r "$__guard_f" ]; then . "$__guard_f"; break; fi
done
unset __guard_f
`)
	} else {
		b.WriteString("[ -r /etc/bash.bashrc ] && . /etc/bash.bashrc\n[ -r ~/.bashrc ] && . ~/.bashrc\n")
	}
	b.WriteString(strings.ReplaceAll(bashHook, "@GUARD@", gate.Quote(self)))
	b.WriteString("readonly -f \"${__guard_functions[@]}\" 2>/dev/null\n")
	return b.String()
}

// execReal replaces guard with the real shell. rc, when set, is handed to
// bash as its start-up file through a pipe: nothing is written to disk, so
// it works on a full or read-only one. If the shell cannot start at all
// (its libraries are gone), guard's own rescue shell takes over.
func (a *app) execReal(args []string, login bool, rc string) int {
	shell := a.realShell()
	argv0 := filepath.Base(shell)
	if login {
		argv0 = "-" + argv0
	}
	argv := append([]string{argv0}, args...)
	if rc != "" {
		fd, err := rcPipe(rc)
		if err == nil {
			argv = append([]string{argv0, "--rcfile", fmt.Sprintf("/dev/fd/%d", fd)}, args...)
		} else {
			fmt.Fprintf(a.stderr, "guard: cannot pass the hook to the shell (%v); starting it without guard\n", err)
		}
	}
	err := syscall.Exec(shell, argv, os.Environ())
	fmt.Fprintf(a.stderr, "guard: cannot start %s: %v\n", shell, err)
	return a.rescueShell(args)
}

// rcPipe writes rc into a pipe and returns a descriptor the shell inherits.
func rcPipe(rc string) (int, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	if len(rc) > 60000 {
		return 0, errors.New("start-up file too large for a pipe")
	}
	if _, err := io.WriteString(w, rc); err != nil {
		return 0, err
	}
	w.Close()
	const target = 63
	if err := unix.Dup2(int(r.Fd()), target); err != nil {
		return 0, err
	}
	return target, nil // unix.Dup2 leaves close-on-exec off
}

// rescueShell is a small shell built into guard (mvdan.cc/sh's
// interpreter), for when the real shell cannot start, typically because
// /lib is damaged: guard is static, so this still runs. Builtins work, and
// static programs (busybox, sln, ldconfig) can be run. Every line is still
// judged.
func (a *app) rescueShell(args []string) int {
	fmt.Fprintln(a.stderr, "guard: rescue shell: the real shell does not start. Builtins (cd, echo, read, for, test…) work, and static programs such as busybox or sln; every line is still checked. exit to leave.")
	runner, err := interp.New(interp.StdIO(os.Stdin, a.stdout, a.stderr), interp.Env(expand.ListEnviron(os.Environ()...)), interp.Interactive(true))
	if err != nil {
		fmt.Fprintf(a.stderr, "guard: %v\n", err)
		return 1
	}
	past := &history{start: runner.Dir}
	if bash := parseBashArgs(args); bash.hasCommand {
		return a.rescueRun(runner, past, bash.command)
	}
	in := bufio.NewReader(os.Stdin)
	status := 0
	for {
		fmt.Fprint(a.stderr, "guard-rescue# ")
		line, err := in.ReadString('\n')
		if strings.TrimSpace(line) != "" {
			status = a.rescueRun(runner, past, line)
			if runner.Exited() {
				return status
			}
		}
		if err != nil {
			return status
		}
	}
}

// rescueRun takes a line through the same gate as every other entry
// point, judged in the state the earlier lines left (x='rm -rf …' on one
// line, $x on the next), then runs it in the built-in interpreter.
func (a *app) rescueRun(runner *interp.Runner, past *history, line string) int {
	if _, code := a.gate(line, gateOptions{cwd: past.start, from: "rescue", shell: "bash", prelude: past.prelude()}); code != exitOK {
		return code
	}
	past.add(line)
	file, err := syntax.NewParser().Parse(strings.NewReader(line), "")
	if err != nil {
		fmt.Fprintf(a.stderr, "guard-rescue: %v\n", err)
		return 2
	}
	err = runner.Run(context.Background(), file)
	var status interp.ExitStatus
	if errors.As(err, &status) {
		return int(status)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "guard-rescue: %v\n", err)
		return 1
	}
	return 0
}
