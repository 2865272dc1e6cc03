package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Each entry point that asks on a terminal: the question waits as long as
// the person takes (longer than any limit guard has inside), and Ctrl-C or
// end of input means no. Driven through a pseudo-terminal.
func TestUnansweredConfirmNeverRunsAtAnyEntryPoint(t *testing.T) {
	need(t, "sudo")
	bin := builtGuard(t)
	for _, entry := range []struct {
		name string
		argv func(link string) []string
		end  []byte
	}{
		{"guard sudo", func(link string) []string { return []string{bin, "sudo", "rm", "-rf", link + "/"} }, []byte{3}},
		{"guard shell -c", func(link string) []string { return []string{bin, "shell", "-c", "rm -rf " + link + "/"} }, []byte{4}},
		{"guard run", func(link string) []string { return []string{bin, "run", "--", "rm -rf " + link + "/"} }, []byte{3}},
	} {
		t.Run(entry.name, func(t *testing.T) {
			env := testEnv(t)
			dir, target := sandboxWithLink(t)
			sentinel := filepath.Join(target, "sub", "precious.txt")
			s := startSession(t, env, dir, entry.argv("data")...)
			s.waitFor("type yes to run it")
			time.Sleep(6 * time.Second)
			if _, err := os.Stat(sentinel); err != nil {
				t.Fatal("an unanswered confirmation ran the command")
			}
			s.tty.Write(entry.end)
			if code := s.exitCode(); code != exitRefused {
				t.Errorf("exit %d, want %d; screen:\n%s", code, exitRefused, s.screen)
			}
			if _, err := os.Stat(sentinel); err != nil {
				t.Fatal("the command ran after Ctrl-C or end of input")
			}
			if ids := snapshotIDs(t, bin, env); len(ids) != 0 {
				t.Errorf("a declined prompt left snapshots behind: %v", ids)
			}
		})
	}
}

// TestUserPolicyOnlyRaises: a user's file that sets a rule to confirm does
// not turn a block of that rule into a confirm. dd is a stand-in here.
func TestUserPolicyOnlyRaises(t *testing.T) {
	bin := builtGuard(t)
	device := mountedDevice(t)
	env := testEnv(t)
	home := envValue(env, "HOME")
	fakebin := t.TempDir()
	marker := filepath.Join(t.TempDir(), "dd-ran")
	os.WriteFile(filepath.Join(fakebin, "dd"), []byte("#!/bin/sh\ntouch "+marker+"\n"), 0o755)
	env = append(env, "PATH="+fakebin+":/usr/bin:/bin")
	os.MkdirAll(filepath.Join(home, ".config", "guard"), 0o755)
	os.WriteFile(filepath.Join(home, ".config", "guard", "guard.toml"), []byte("[rules.disk-overwrite]\ndecision = \"confirm\"\n"), 0o644)
	cmd := exec.Command("setsid", bin, "run", "--", "dd if=/dev/zero of="+device+" bs=1M count=1")
	cmd.Env = env
	cmd.Dir = t.TempDir()
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != exitBlock {
		t.Errorf("dd onto %s (mounted) with a user policy saying confirm: exit %d, want %d (block)\n%s", device, cmd.ProcessState.ExitCode(), exitBlock, out)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("dd ran")
	}
}

// mountedDevice is a block device mounted on this machine, as
// /proc/self/mounts says.
func mountedDevice(t *testing.T) string {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 1 && strings.HasPrefix(fields[0], "/dev/") {
			if info, err := os.Stat(fields[0]); err == nil && info.Mode()&os.ModeDevice != 0 {
				return fields[0]
			}
		}
	}
	t.Skip("no block device is mounted here (a container on overlayfs): the rules' own tests cover the floor with an in-memory host")
	return ""
}

func envValue(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v
		}
	}
	return ""
}

// TestStoreIsNeverRelative: with HOME unset the snapshot store comes from
// the passwd entry, never from the current folder, where the command being
// confirmed could delete its own snapshot; if that folder cannot be used,
// the command does not run.
func TestStoreIsNeverRelative(t *testing.T) {
	need(t, "setpriv")
	bin := builtGuard(t)
	if _, err := exec.Command("id", "guardtest").Output(); err != nil {
		t.Fatal("no guardtest user: ./test.sh creates it")
	}
	dir, err := os.MkdirTemp("", "guard-nohome-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	os.MkdirAll(filepath.Join(dir, "store"), 0o777)
	sentinel := filepath.Join(dir, "store", "keep.txt")
	os.WriteFile(sentinel, []byte("keep\n"), 0o666)
	os.Symlink(filepath.Join(dir, "store"), filepath.Join(dir, "data"))
	os.Chmod(bin, 0o755)
	cmd := exec.Command("setpriv", "--reuid=guardtest", "--regid=nogroup", "--clear-groups", "--",
		bin, "run", "--yes-i-know", "rm-symlink-slash", "--", "rm -rf data/")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "NO_COLOR=1", "GUARD_ETC=" + dir + "/etc", "GUARD_AUDIT_FILE=" + dir + "/audit.jsonl"}
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != exitRefused {
		t.Errorf("exit %d, want %d (the snapshot cannot be written where guardtest's passwd home says)\n%s", code, exitRefused, out)
	}
	if _, err := os.Stat(sentinel); err != nil {
		t.Fatal("the command ran without its snapshot")
	}
	for _, name := range []string{".local", "snapshots", "guard"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("guard put its state in the current folder: %s", name)
		}
	}
	if !strings.Contains(string(out), "snapshot") {
		t.Errorf("the refusal does not say it was the snapshot: %s", out)
	}
	// A relative store named on purpose is refused the same way.
	cmd = exec.Command(bin, "run", "--yes-i-know", "rm-symlink-slash", "--", "rm -rf data/")
	cmd.Dir = dir
	cmd.Env = append(testEnv(t), "GUARD_SNAPSHOTS=relative/snaps")
	out, _ = cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != exitRefused || !strings.Contains(string(out), "not an absolute folder") {
		t.Errorf("GUARD_SNAPSHOTS=relative/snaps: exit %d\n%s", code, out)
	}
}

// TestRunShowsDryRunBeforeAsking: guard run on an rsync into a system
// folder (a site protects the sandbox's sys/) shows what rsync itself says
// it would delete and overwrite, and what is at risk, before the question;
// declined, nothing changed and no snapshot is left.
func TestRunShowsDryRunBeforeAsking(t *testing.T) {
	need(t, "rsync")
	bin := builtGuard(t)
	dir := t.TempDir()
	etc := filepath.Join(dir, "etc")
	os.MkdirAll(etc, 0o755)
	os.WriteFile(filepath.Join(etc, "guard.toml"), []byte("protected = [\""+filepath.Join(dir, "sys")+"\"]\n"), 0o644)
	// a folder inside the protected one: emptying the protected folder
	// itself is blocked outright, its children are asked about
	for _, f := range []string{"src/a", "src/b", "src/c", "sys/data/a", "sys/data/old1", "sys/data/old2", "sys/data/old3", "sys/data/old4"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte(f+"\n"), 0o644)
	}
	env := append(testEnv(t), "GUARD_ETC="+etc)
	s := startSession(t, env, dir, bin, "run", "--", "rsync -a --delete src/ sys/data/")
	s.waitFor("type yes to run it")
	screen := s.screen.String()
	for _, want := range []string{"at risk: would overwrite", "dry run: rsync --dry-run: in ", "it would delete 4 files", "copy-into-system"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the question does not show %q:\n%s", want, screen)
		}
	}
	s.tty.Write([]byte("no\r"))
	if code := s.exitCode(); code != exitRefused {
		t.Errorf("exit %d", code)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "sys", "data")); len(entries) != 5 {
		t.Errorf("sys/data/ changed: %d entries", len(entries))
	}
	if ids := snapshotIDs(t, bin, env); len(ids) != 0 {
		t.Errorf("a declined prompt left snapshots behind: %v", ids)
	}
}

// TestHostileStateFilesDoNotHang: a FIFO where the audit file belongs
// (planted by an allowed line) must not stall a refusal: a hook that hangs
// is one some agents give up on and then run the command.
func TestHostileStateFilesDoNotHang(t *testing.T) {
	bin := builtGuard(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "audit.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(testEnv(t), "GUARD_AUDIT_FILE="+fifo)
	for _, tc := range []struct {
		args  []string
		stdin string
		want  int
	}{
		{[]string{"run", "--", "rm -rf /usr"}, "", exitBlock},
		{[]string{"hook", "codex"}, `{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","cwd":"/","tool_input":{"command":"rm -rf /usr"}}`, 0},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, bin, tc.args...)
		cmd.Env, cmd.Dir, cmd.Stdin = env, dir, strings.NewReader(tc.stdin)
		out, _ := cmd.CombinedOutput()
		hung := ctx.Err() != nil
		cancel()
		if hung {
			t.Fatalf("guard %v hung on a FIFO audit file", tc.args)
		}
		if code := cmd.ProcessState.ExitCode(); code != tc.want {
			t.Errorf("guard %v: exit %d, want %d\n%s", tc.args, code, tc.want, out)
		}
		if !strings.Contains(string(out), "could not write the audit record") && !strings.Contains(string(out), "deny") {
			t.Errorf("guard %v did not refuse or report the FIFO:\n%s", tc.args, out)
		}
	}
}
