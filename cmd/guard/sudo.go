package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"mvdan.cc/sh/v3/syntax"
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
			q = "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
		}
		words = append(words, q)
	}
	wd, _ := os.Getwd()
	if _, code := a.gate(strings.Join(words, " "), gateOptions{cwd: wd, from: "sudo", shell: "bash"}); code != exitOK {
		return code
	}
	err := syscall.Exec(real, append([]string{"sudo"}, args...), os.Environ())
	fmt.Fprintf(a.stderr, "guard sudo: starting %s: %v\n", real, err)
	return 1
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
