package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"

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
	host := targetHost{Host: &guard.OSHost{}, user: sudoTarget(args)}
	if u, err := user.Lookup(host.user); err == nil {
		host.home = u.HomeDir
	}
	if _, code := a.gate(strings.Join(words, " "), gateOptions{cwd: wd, from: "sudo", shell: "bash", host: host}); code != exitOK {
		return code
	}
	err := syscall.Exec(real, append([]string{"sudo"}, args...), os.Environ())
	fmt.Fprintf(a.stderr, "guard sudo: starting %s: %v\n", real, err)
	return 1
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
type targetHost struct {
	guard.Host
	user, home string
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
