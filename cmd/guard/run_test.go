package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// session runs guard in a new session whose controlling terminal is a pty,
// so that its /dev/tty is that pty: the prompt is answered the way a
// person at a terminal answers it.
type session struct {
	t      *testing.T
	cmd    *exec.Cmd
	tty    *os.File
	screen *bytes.Buffer
	lines  chan string
}

func startSession(t *testing.T, env []string, dir string, args ...string) *session {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	cmd.Dir = dir
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, cmd: cmd, tty: tty, screen: &bytes.Buffer{}, lines: make(chan string, 100)}
	go func() {
		r := bufio.NewReader(io.TeeReader(tty, s.screen))
		for {
			chunk, err := r.ReadString(':')
			if chunk != "" {
				s.lines <- chunk
			}
			if err != nil {
				close(s.lines)
				return
			}
		}
	}()
	return s
}

// waitFor reads the terminal until text shows up.
func (s *session) waitFor(text string) {
	s.t.Helper()
	s.waitForAfter("", text)
}

// waitForAfter waits until text shows up after first: a prompt printed
// after a message, which may come in the same chunk.
func (s *session) waitForAfter(first, text string) {
	s.t.Helper()
	var seen strings.Builder
	timeout := time.After(20 * time.Second)
	for {
		select {
		case chunk, ok := <-s.lines:
			seen.WriteString(chunk)
			if _, after, found := strings.Cut(seen.String(), first); found && strings.Contains(after, text) {
				return
			}
			if !ok {
				s.t.Fatalf("the terminal closed before %q showed up; it showed:\n%s", text, seen.String())
			}
		case <-timeout:
			s.t.Fatalf("%q did not show up; the terminal showed:\n%s", text, seen.String())
		}
	}
}

func (s *session) exitCode() int {
	s.t.Helper()
	for range s.lines {
	}
	err := s.cmd.Wait()
	s.tty.Close()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode()
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return 0
}

func snapshotIDs(t *testing.T, bin string, env []string) []string {
	t.Helper()
	cmd := exec.Command(bin, "snapshot", "list", "--json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var list []struct{ ID string }
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range list {
		ids = append(ids, e.ID)
	}
	return ids
}

func sandboxWithLink(t *testing.T) (dir, target string) {
	dir = t.TempDir()
	target = filepath.Join(dir, "store")
	os.MkdirAll(filepath.Join(target, "sub"), 0o755)
	os.WriteFile(filepath.Join(target, "sub", "precious.txt"), []byte("precious\n"), 0o644)
	if err := os.Symlink(target, filepath.Join(dir, "data")); err != nil {
		t.Fatal(err)
	}
	return dir, target
}

func testEnv(t *testing.T, extra ...string) []string {
	return append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TERM=dumb", "NO_COLOR=1",
		"SHELL=/bin/bash", "GUARD_SNAPSHOTS=" + filepath.Join(t.TempDir(), "snapshots"),
		"GUARD_ETC=" + filepath.Join(t.TempDir(), "etc"), "GUARD_AUDIT_FILE=" + filepath.Join(t.TempDir(), "audit.jsonl"),
		"GUARD_STATE=" + filepath.Join(t.TempDir(), "state"),
	}, extra...)
}

// TestConfirmThroughTerminal: the snapshot exists before the prompt, the
// command runs only after "yes", and the snapshot restores what it deleted.
func TestConfirmThroughTerminal(t *testing.T) {
	bin := builtGuard(t)
	env := testEnv(t)
	dir, target := sandboxWithLink(t)
	s := startSession(t, env, dir, bin, "run", "--", "rm -rf data/")
	s.waitFor("type yes to run it")
	ids := snapshotIDs(t, bin, env)
	if len(ids) != 1 {
		t.Fatalf("want one snapshot taken before the prompt, got %v", ids)
	}
	if _, err := os.Stat(filepath.Join(target, "sub", "precious.txt")); err != nil {
		t.Fatal("the command ran before it was confirmed")
	}
	io.WriteString(s.tty, "yes\n")
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d after yes; screen:\n%s", code, s.screen)
	}
	if _, err := os.Stat(filepath.Join(target, "sub")); err == nil {
		t.Fatal("the confirmed command did not run")
	}
	restore := exec.Command(bin, "snapshot", "restore", ids[0])
	restore.Env = env
	if out, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if data, _ := os.ReadFile(filepath.Join(target, "sub", "precious.txt")); string(data) != "precious\n" {
		t.Errorf("restored content %q", data)
	}
}

func TestDeclineThroughTerminal(t *testing.T) {
	bin := builtGuard(t)
	env := testEnv(t)
	dir, target := sandboxWithLink(t)
	s := startSession(t, env, dir, bin, "run", "--", "rm -rf data/")
	s.waitFor("type yes to run it")
	io.WriteString(s.tty, "y\n") // not "yes"
	if code := s.exitCode(); code != exitRefused {
		t.Errorf("exit %d, want %d", code, exitRefused)
	}
	if _, err := os.Stat(filepath.Join(target, "sub", "precious.txt")); err != nil {
		t.Fatal("a declined command ran")
	}
}

// TestPowerAsksForHostName uses a stand-in reboot first on PATH: the line
// must not reboot this machine even if guard had a bug.
func TestPowerAsksForHostName(t *testing.T) {
	bin := builtGuard(t)
	fakebin := t.TempDir()
	marker := filepath.Join(t.TempDir(), "rebooted")
	os.WriteFile(filepath.Join(fakebin, "reboot"), []byte("#!/bin/sh\ntouch "+marker+"\n"), 0o755)
	host, _ := os.Hostname()
	for _, tt := range []struct {
		answer string
		runs   bool
	}{{"yes", false}, {host, true}} {
		os.Remove(marker)
		env := testEnv(t, "SSH_CONNECTION=203.0.113.7 51234 192.0.2.10 22")
		env[0] = "PATH=" + fakebin + ":/usr/bin:/bin"
		s := startSession(t, env, t.TempDir(), bin, "run", "--", "reboot")
		s.waitFor("type the host name (" + host + ")")
		io.WriteString(s.tty, tt.answer+"\n")
		s.exitCode()
		if _, err := os.Stat(marker); (err == nil) != tt.runs {
			t.Errorf("answer %q: ran=%v, want %v; screen:\n%s", tt.answer, err == nil, tt.runs, s.screen)
		}
	}
}
