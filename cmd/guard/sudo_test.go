package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// guardSudo runs guard sudo ARGS in dir with stdin as its standard input,
// without a terminal (setsid), as a script or an agent would.
func guardSudo(t *testing.T, dir string, stdin *os.File, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command("setsid", append([]string{builtGuard(t), "sudo"}, args...)...)
	cmd.Dir = dir
	cmd.Env = testEnv(t)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestSudoJudgesItsStandardInput: what sudo runs may read its code from
// standard input (sudo bash -s, sudo sh /dev/stdin, sudo -s), which guard
// sudo's arguments do not show. A script file there is read and judged; a
// pipe, whose code guard cannot see, is asked about (refused here, with
// no terminal); a command that reads data from it is not concerned.
func TestSudoJudgesItsStandardInput(t *testing.T) {
	need(t, "sudo", "setsid")
	if os.Geteuid() != 0 {
		t.Skip("runs the real sudo without a password: root only")
	}
	dir, target := sandboxWithLink(t)
	sentinel := filepath.Join(target, "sub", "precious.txt")
	script := filepath.Join(dir, "fix.sh")
	os.WriteFile(script, []byte("rm -rf "+filepath.Join(dir, "data")+"/\n"), 0o644)
	harmless := filepath.Join(dir, "harmless.sh")
	os.WriteFile(harmless, []byte("echo harmless\n"), 0o644)
	open := func(p string) *os.File {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	pipe := func(text string) *os.File {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		w.WriteString(text)
		w.Close()
		t.Cleanup(func() { r.Close() })
		return r
	}
	for _, c := range []struct {
		name  string
		stdin func() *os.File
		args  []string
		rule  string
	}{
		{"a script file to bash -s", func() *os.File { return open(script) }, []string{"bash", "-s"}, "rm-symlink-slash"},
		{"a script file to sh /dev/stdin", func() *os.File { return open(script) }, []string{"sh", "/dev/stdin"}, "rm-symlink-slash"},
		{"a script file to sudo -s", func() *os.File { return open(script) }, []string{"-s"}, "rm-symlink-slash"},
		{"a pipe to bash -s", func() *os.File { return pipe("rm -rf data/\n") }, []string{"bash", "-s"}, "hidden-code"},
		{"a pipe to -u root sh", func() *os.File { return pipe("rm -rf data/\n") }, []string{"-u", "root", "sh"}, "hidden-code"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, errOut, code := guardSudo(t, dir, c.stdin(), c.args...)
			if _, err := os.Stat(sentinel); err != nil {
				t.Fatalf("guard sudo %q ran code from its standard input unjudged (exit %d, stderr %q)", c.args, code, errOut)
			}
			if code != exitRefused || !strings.Contains(errOut, c.rule) {
				t.Errorf("exit %d, want %d with %s; stderr %q", code, exitRefused, c.rule, errOut)
			}
		})
	}
	// The look-alikes run: a harmless script, data to tee, nothing.
	if out, errOut, code := guardSudo(t, dir, open(harmless), "bash", "-s"); out != "harmless\n" || code != 0 {
		t.Errorf("a harmless script: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
	copied := filepath.Join(dir, "copied")
	if _, errOut, code := guardSudo(t, dir, pipe("rm -rf data/\n"), "tee", copied); code != 0 {
		t.Errorf("data piped to tee: exit %d, stderr %q", code, errOut)
	}
	if data, _ := os.ReadFile(copied); string(data) != "rm -rf data/\n" {
		t.Errorf("tee wrote %q", data)
	}
	if _, errOut, code := guardSudo(t, dir, open(os.DevNull), "true"); code != 0 {
		t.Errorf("sudo true < /dev/null: exit %d, stderr %q", code, errOut)
	}
}

// TestSudoJudgesWhatItsEnvironmentStarts: sudo -s starts the program
// $SHELL names, and a bash sudo starts with --preserve-env=BASH_ENV
// sources the file BASH_ENV names; both come from the environment guard
// sudo is given, not its arguments. Each is judged as what runs as root.
func TestSudoJudgesWhatItsEnvironmentStarts(t *testing.T) {
	need(t, "sudo", "setsid")
	if os.Geteuid() != 0 {
		t.Skip("runs the real sudo without a password: root only")
	}
	dir, target := sandboxWithLink(t)
	sentinel := filepath.Join(target, "sub", "precious.txt")
	script := filepath.Join(dir, "fix.sh")
	os.WriteFile(script, []byte("#!/bin/sh\nrm -rf "+filepath.Join(dir, "data")+"/\n"), 0o755)
	run := func(env []string, args ...string) (string, int) {
		cmd := exec.Command("setsid", append([]string{builtGuard(t), "sudo"}, args...)...)
		cmd.Dir, cmd.Env = dir, append(testEnv(t), env...)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		if exit, ok := err.(*exec.ExitError); ok {
			return errb.String(), exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return errb.String(), 0
	}
	for _, c := range []struct {
		name string
		env  []string
		args []string
	}{
		{"SHELL names a script, sudo -s CMD", []string{"SHELL=" + script}, []string{"-s", "true"}},
		{"BASH_ENV kept by --preserve-env", []string{"BASH_ENV=" + script}, []string{"--preserve-env=BASH_ENV", "bash", "-c", "true"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			errOut, code := run(c.env, c.args...)
			if _, err := os.Stat(sentinel); err != nil {
				t.Fatalf("guard sudo %q ran what its environment names unjudged (exit %d, stderr %q)", c.args, code, errOut)
			}
			if code != exitRefused || !strings.Contains(errOut, "rm-symlink-slash") {
				t.Errorf("exit %d, want %d with rm-symlink-slash; stderr %q", code, exitRefused, errOut)
			}
		})
	}
	// sudo drops BASH_ENV itself without --preserve-env: nothing to ask
	if errOut, code := run([]string{"BASH_ENV=" + script}, "bash", "-c", "true"); code != 0 {
		t.Errorf("sudo bash -c true with BASH_ENV set: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(sentinel); err != nil {
		t.Fatal("sudo ran BASH_ENV without --preserve-env: the sentinel is gone")
	}
}
