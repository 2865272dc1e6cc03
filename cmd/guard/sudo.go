package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/gate"
)

// sudo is guard sudo [sudo options] CMD…: judge what sudo would run (the
// engine reads sudo's options: -u, -i, -s, -D, --), then exec the real
// sudo with exactly the same arguments.
func (a *app) sudo(args []string) int {
	real := a.realSudo()
	if real == "" {
		fmt.Fprintln(a.stderr, "guard sudo: no sudo found on PATH")
		return 127
	}
	words := []string{"sudo"}
	for _, arg := range args {
		q, err := syntax.Quote(arg, syntax.LangBash)
		if err != nil {
			q = gate.Quote(arg)
		}
		words = append(words, q)
	}
	wd, _ := os.Getwd()
	redirect, stdinPath := stdinRedirect()
	host := targetHost{Host: &guard.OSHost{}, user: sudoTarget(args), stdin: stdinPath}
	if u, err := user.Lookup(host.user); err == nil {
		host.home = u.HomeDir
	}
	if _, code := a.gate(strings.Join(words, " ")+redirect, gateOptions{cwd: wd, from: "sudo", shell: "bash", host: host}); code != exitOK {
		return code
	}
	err := syscall.Exec(real, append([]string{"sudo"}, args...), os.Environ())
	fmt.Fprintf(a.stderr, "guard sudo: starting %s: %v\n", real, err)
	return 1
}

// stdinRedirect tells the engine what the command will read on standard
// input, which guard sudo's arguments do not show: sudo bash -s, sudo sh
// /dev/stdin or sudo -s run code from it. A terminal is what the engine
// assumes anyway (what the operator types next); anything else is named
// by guard's own descriptor, so that a script file is read and judged and
// a pipe or socket, whose code guard cannot see, is asked about when a
// shell or interpreter reads it. Commands that read data (tee, tar) are
// not concerned.
//
// It returns the redirection and the path it names.
func stdinRedirect() (redirect, path string) {
	if isTerminal(os.Stdin) {
		return "", ""
	}
	var st unix.Stat_t
	if err := unix.Fstat(0, &st); err != nil {
		return "", "" // no standard input: the command reads nothing
	}
	fd := fmt.Sprintf("/proc/%d/fd/0", os.Getpid())
	// A regular file is named by its path when that is still the same
	// file, for messages that mean something.
	if name, err := os.Readlink(fd); err == nil && filepath.IsAbs(name) {
		var named unix.Stat_t
		if unix.Stat(name, &named) == nil && named.Dev == st.Dev && named.Ino == st.Ino {
			fd = name
		}
	}
	return " < " + gate.Quote(fd), fd
}

// sudoTarget is the user sudo runs the command as: -u USER, else root.
func sudoTarget(args []string) string {
	target := "root"
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--" || !strings.HasPrefix(a, "-"):
			return target
		case a == "-u" || a == "--user":
			if i+1 < len(args) {
				target = args[i+1]
				i++
			}
		case strings.HasPrefix(a, "--user="):
			target = strings.TrimPrefix(a, "--user=")
		case strings.HasPrefix(a, "-u"):
			target = a[2:]
		case len(a) == 2 && strings.Contains("gCDhprtTUR", a[1:]):
			i++ // an option with a value
		}
	}
	return target
}

// targetHost is the host as the command sees it under sudo: the target
// user's HOME, USER and LOGNAME (sudo resets them), so that ~ and $HOME in
// what sudo runs, and the rules that protect a home, are judged for the
// user it runs as.
//
// stdin, when set, is the /proc path of guard's standard input: a pipe or
// a socket is seen as what it is (a link under /proc names none of them by
// a path), so that a shell reading it is known to read code guard cannot.
type targetHost struct {
	guard.Host
	user, home string
	stdin      string
}

func (h targetHost) Lstat(path string) (fs.FileInfo, error) {
	if h.stdin != "" && path == h.stdin {
		return os.Stat(path)
	}
	return h.Host.Lstat(path)
}

func (h targetHost) Getenv(name string) (string, bool) {
	switch name {
	case "HOME":
		return h.home, h.home != ""
	case "USER", "LOGNAME":
		return h.user, true
	}
	return h.Host.Getenv(name)
}

// realSudo finds sudo on PATH, skipping guard itself (a /usr/local/bin/sudo
// shim that is guard).
func (a *app) realSudo() string {
	if s := a.getenv("GUARD_REAL_SUDO"); s != "" {
		return s
	}
	self, _ := os.Executable()
	selfReal, _ := filepath.EvalSymlinks(self)
	for _, dir := range filepath.SplitList(a.getenv("PATH")) {
		candidate := filepath.Join(dir, "sudo")
		resolved, err := filepath.EvalSymlinks(candidate)
		if err != nil || resolved == selfReal {
			continue
		}
		if p, err := exec.LookPath(candidate); err == nil {
			return p
		}
	}
	return ""
}
