package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// guardSudo runs guard sudo ARGS in dir with stdin as its standard input,
// without a terminal (setsid), as a script or an agent would.
func guardSudo(t *testing.T, dir string, stdin *os.File, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return guardSudoEnv(t, dir, stdin, nil, args...)
}

// guardSudoEnv is guardSudo with env added to the test environment.
func guardSudoEnv(t *testing.T, dir string, stdin *os.File, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command("setsid", append([]string{builtGuard(t), "sudo"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(testEnv(t), env...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
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
// pipe is read whole (bounded) when a shell or an interpreter runs it,
// judged, and handed to sudo byte for byte; a command that reads data
// from it is not concerned and keeps streaming.
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
		{"a pipe to bash -s", func() *os.File { return pipe("rm -rf data/\n") }, []string{"bash", "-s"}, "rm-symlink-slash"},
		{"a pipe to -u root sh", func() *os.File { return pipe("rm -rf data/\n") }, []string{"-u", "root", "sh"}, "rm-symlink-slash"},
		{"a pipe to sudo -s", func() *os.File { return pipe("echo hi\nrm -rf data/\n") }, []string{"-s"}, "rm-symlink-slash"},
		{"a pipe to sh /dev/stdin", func() *os.File { return pipe("cd " + dir + " && rm -rf data/\n") }, []string{"sh", "/dev/stdin"}, "rm-symlink-slash"},
		{"a pipe to python3", func() *os.File { return pipe("import os\nos.system('rm -rf data/')\n") }, []string{"python3"}, "rm-symlink-slash"},
		{"a pipe that does not end", func() *os.File { return endless(t) }, []string{"bash"}, "more than 1 MB"},
		{"a pipe to xargs -I{} sh -c {}", func() *os.File { return pipe("rm -rf data/\n") }, []string{"xargs", "-I{}", "sh", "-c", "{}"}, "rm-symlink-slash"},
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
	// A pipe that stays open is refused once the wait is over, not waited
	// for: (printf 'rm -rf data/\n'; sleep 1d) | guard sudo bash.
	held, stay, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stay.WriteString("rm -rf data/\n")
	start := time.Now()
	_, errOut, code := guardSudoEnv(t, dir, held, []string{"GUARD_PIPE_WAIT=1s"}, "bash")
	stay.Close()
	held.Close()
	if _, err := os.Stat(sentinel); err != nil {
		t.Fatalf("guard sudo bash ran code from a pipe that did not end (exit %d, stderr %q)", code, errOut)
	}
	if code != exitRefused || !strings.Contains(errOut, "did not end within 1s") || time.Since(start) > 10*time.Second {
		t.Errorf("a pipe that stays open: exit %d after %s, stderr %q", code, time.Since(start), errOut)
	}
	// The way past names guard sudo, not guard's own descriptor.
	if _, errOut, _ := guardSudo(t, dir, pipe("rm -rf data/\n"), "bash"); strings.Contains(errOut, "/proc/") || !strings.Contains(errOut, "GUARD_ALLOW=rm-symlink-slash guard sudo bash") {
		t.Errorf("the way past: %q", errOut)
	}
	// The look-alikes run: a harmless script, the same piped (exactly its
	// bytes reach the shell, which reads them as before), data to tee,
	// nothing.
	if out, errOut, code := guardSudo(t, dir, open(harmless), "bash", "-s"); out != "harmless\n" || code != 0 {
		t.Errorf("a harmless script: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
	piped := "echo harmless\nread -r line\necho data\nprintf '%s|' \"$line\"\nprintf 'binary \\0 ok\\n'\n"
	if out, errOut, code := guardSudo(t, dir, pipe(piped), "bash"); out != "harmless\necho data|binary \x00 ok\n" || code != 0 {
		t.Errorf("a harmless script piped to bash: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
	if out, errOut, code := guardSudo(t, dir, pipe("echo hi\n"), "xargs", "-I{}", "sh", "-c", "{}"); out != "hi\n" || code != 0 {
		t.Errorf("printf 'echo hi\\n' | guard sudo xargs -I{} sh -c {}: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
	if out, errOut, code := guardSudo(t, dir, pipe("echo hi\n"), "sh"); out != "hi\n" || code != 0 {
		t.Errorf("printf 'echo hi\\n' | guard sudo sh: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
	copied := filepath.Join(dir, "copied")
	if _, errOut, code := guardSudo(t, dir, pipe("rm -rf data/\n"), "tee", copied); code != 0 {
		t.Errorf("data piped to tee: exit %d, stderr %q", code, errOut)
	}
	if data, _ := os.ReadFile(copied); string(data) != "rm -rf data/\n" {
		t.Errorf("tee wrote %q", data)
	}
	// tee gets the first line while the pipe is still open: not read whole.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.WriteString("first\n")
	streamed := filepath.Join(dir, "streamed")
	done := make(chan struct{})
	go func() {
		defer close(done)
		guardSudo(t, dir, r, "tee", streamed)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for data, _ := os.ReadFile(streamed); string(data) != "first\n"; data, _ = os.ReadFile(streamed) {
		if time.Now().After(deadline) {
			t.Error("tee did not get the first line before the pipe ended")
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.Close()
	<-done
	if _, errOut, code := guardSudo(t, dir, open(os.DevNull), "true"); code != 0 {
		t.Errorf("sudo true < /dev/null: exit %d, stderr %q", code, errOut)
	}
}

// endless is a pipe that does not end: yes | guard sudo bash.
func endless(t *testing.T) *os.File {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		line := bytes.Repeat([]byte("echo y\n"), 4096)
		for {
			if _, err := w.Write(line); err != nil {
				w.Close()
				return
			}
		}
	}()
	t.Cleanup(func() { r.Close() })
	return r
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
	wipe := "() { rm -rf " + filepath.Join(dir, "data") + "/; }"
	run := func(env []string, args ...string) (string, int) {
		_, errOut, code := guardSudoEnv(t, dir, nil, env, args...)
		return errOut, code
	}
	for _, c := range []struct {
		name string
		env  []string
		args []string
	}{
		{"SHELL names a script, sudo -s CMD", []string{"SHELL=" + script}, []string{"-s", "true"}},
		{"BASH_ENV kept by --preserve-env", []string{"BASH_ENV=" + script}, []string{"--preserve-env=BASH_ENV", "bash", "-c", "true"}},
		{"BASH_ENV given to env", nil, []string{"env", "BASH_ENV=" + script, "bash", "-c", "true"}},
		{"a function kept by --preserve-env", []string{"BASH_FUNC_true%%=" + wipe}, []string{"--preserve-env=HOME", "--preserve-env=BASH_FUNC_true%%", "bash", "-c", "true"}},
		{"a function on sudo's command line", nil, []string{"BASH_FUNC_true%%=" + wipe, "bash", "-c", "true"}},
		{"a function given to env", nil, []string{"env", "BASH_FUNC_true%%=" + wipe, "bash", "-c", "true"}},
		{"PROMPT_COMMAND kept by -E", []string{"PROMPT_COMMAND=rm -rf " + filepath.Join(dir, "data") + "/"}, []string{"-E", "bash", "-i"}},
		{"ENV kept by --preserve-env", []string{"ENV=" + script}, []string{"--preserve-env=ENV", "sh", "-i"}},
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
	// What the environment keeps that is harmless runs: a prompt command,
	// a function, variables that hold no code.
	for _, c := range []struct {
		env  []string
		args []string
	}{
		{[]string{"PROMPT_COMMAND=history -a"}, []string{"-E", "bash", "-i"}},
		{[]string{"BASH_FUNC_ll%%=() { ls -l \"$@\"; }"}, []string{"--preserve-env=BASH_FUNC_ll%%", "bash", "-c", "ll /"}},
		{[]string{"EDITOR=vi"}, []string{"--preserve-env=EDITOR,HOME", "true"}},
	} {
		if errOut, code := run(c.env, c.args...); code != 0 {
			t.Errorf("guard sudo %q with %q: exit %d, stderr %q", c.args, c.env, code, errOut)
		}
	}
	// sudo drops BASH_ENV itself without --preserve-env: nothing to ask
	if errOut, code := run([]string{"BASH_ENV=" + script}, "bash", "-c", "true"); code != 0 {
		t.Errorf("sudo bash -c true with BASH_ENV set: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(sentinel); err != nil {
		t.Fatal("sudo ran BASH_ENV without --preserve-env: the sentinel is gone")
	}
}
