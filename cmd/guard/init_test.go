package main

import (
	"bytes"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// TestLineIncomplete: the lines after which an interactive shell reads
// more before it runs any of them, and lines it runs as they are.
func TestLineIncomplete(t *testing.T) {
	more := []string{
		"echo start \\", "cat <<EOF", "bash <<'EOF'\nrm -rf data/", "cat <<\"X\"\nbody", "cat <<-EOF\n\tbody",
		"echo 'open", "echo \"open", "for i in 1 2; do", "if true; then", "ls &&", "ls |", "{", "echo $(", "f() {",
	}
	done := []string{
		"ls", "echo start \\\\", "bash <<'EOF'\nrm -rf data/\nEOF", "cat <<-EOF\n\tbody\n\tEOF", "for i in 1; do :; done",
		"done", "echo 'a' \"b\"", "echo a\n", "",
	}
	for _, line := range more {
		if !lineIncomplete(line+"\n", syntax.LangBash) {
			t.Errorf("%q: the shell reads more, guard says it is complete", line)
		}
	}
	for _, line := range done {
		if lineIncomplete(line+"\n", syntax.LangBash) {
			t.Errorf("%q: the shell runs it, guard says it is incomplete", line)
		}
	}
}

// TestGateHookFlags: what guard gate answers the hooks before judging.
func TestGateHookFlags(t *testing.T) {
	cases := []struct {
		stdin string
		args  []string
		want  int
	}{
		{"ls -la\n", []string{"--length", "6"}, exitOK},
		{"ls -la\n", []string{"--length", "60"}, exitShort},     // cut short on the way
		{"ls -l\u00e9\n", []string{"--length", "6"}, exitShort}, // bytes, not characters
		{"echo \\\n", []string{"--incomplete"}, exitIncomplete},
		{"echo \\\n", nil, exitOK},
		{"nuke\n", []string{"--definitions", "testdata-none"}, exitRefused},
	}
	for _, c := range cases {
		var stderr bytes.Buffer
		a := &app{stdout: &bytes.Buffer{}, stderr: &stderr, stdin: strings.NewReader(c.stdin), getenv: func(string) string { return "" }}
		args := append([]string{"--from", "bash", "--cwd", t.TempDir()}, c.args...)
		if got := a.gateCmd(append(args, "--file", "-")); got != c.want {
			t.Errorf("%q %v: exit %d, want %d (%s)", c.stdin, c.args, got, c.want, stderr.String())
		}
	}
}
