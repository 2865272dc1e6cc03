package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/guard-sh/guard/guard"
)

// buildTree makes a tree with nested folders, relative and absolute
// symbolic links, hard links, unusual modes, an extended attribute and old
// timestamps.
func buildTree(t testing.TB, root string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "a/b/c"), 0o755))
	must(os.MkdirAll(filepath.Join(root, "secret"), 0o700))
	must(os.WriteFile(filepath.Join(root, "a/one.txt"), []byte("one\n"), 0o644))
	must(os.WriteFile(filepath.Join(root, "a/b/c/deep.bin"), []byte(strings.Repeat("\x00\x01data", 3000)), 0o600))
	must(os.WriteFile(filepath.Join(root, "secret/key"), []byte("k3y"), 0o400))
	must(os.WriteFile(filepath.Join(root, "run.sh"), []byte("#!/bin/sh\necho hi\n"), 0o750))
	must(os.Link(filepath.Join(root, "a/one.txt"), filepath.Join(root, "a/b/one-hardlink.txt")))
	must(os.Symlink("../one.txt", filepath.Join(root, "a/b/rel-link")))
	must(os.Symlink(filepath.Join(root, "secret"), filepath.Join(root, "abs-link")))
	must(os.Symlink("missing-target", filepath.Join(root, "dangling")))
	must(os.Chmod(filepath.Join(root, "a/b"), 0o2775))
	if err := unix.Setxattr(filepath.Join(root, "a/one.txt"), "user.guard-test", []byte("kept"), 0); err != nil {
		t.Fatalf("this filesystem has no user xattrs (%v): the test needs them", err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	must(filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		return os.Chtimes(p, old, old)
	}))
}

// treeState describes every entry below root, relative to it: type, mode,
// owner, size, content hash, link target, xattrs, mtime of files, and
// which entries share an inode.
func treeState(t testing.TB, root string) map[string]string {
	t.Helper()
	state := map[string]string{}
	inodes := map[uint64][]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		desc := fmt.Sprintf("%v uid=%d gid=%d", info.Mode(), st.Uid, st.Gid)
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		case info.Mode().IsRegular():
			data, _ := os.ReadFile(p)
			sum := sha256.Sum256(data)
			desc += fmt.Sprintf(" size=%d sha=%s mtime=%s", len(data), hex.EncodeToString(sum[:6]), info.ModTime().UTC().Format(time.RFC3339Nano))
			inodes[st.Ino] = append(inodes[st.Ino], rel)
		case info.IsDir() && rel != ".":
			desc += " mtime=" + info.ModTime().UTC().Format(time.RFC3339Nano)
		}
		for _, x := range readXattrs(p) {
			desc += fmt.Sprintf(" xattr:%s=%s", x.Name, x.Value)
		}
		state[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, paths := range inodes {
		if len(paths) > 1 {
			sort.Strings(paths)
			for _, p := range paths {
				state[p] += " same-inode-as:" + strings.Join(paths, ",")
			}
		}
	}
	return state
}

func compareTrees(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, want := range before {
		if got, ok := after[p]; !ok {
			t.Errorf("%s missing after restore", p)
		} else if got != want {
			t.Errorf("%s differs after restore:\n got  %s\n want %s", p, got, want)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared after restore", p)
		}
	}
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed: .ci/run installs it", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func newStore(t testing.TB) *Store {
	return &Store{Dir: filepath.Join(t.TempDir(), "store")}
}

// takeTree snapshots tree, as before a command that deletes it or, with
// overwrite, one that writes over its files; it fails the test otherwise.
func takeTree(tb testing.TB, s *Store, tree string, overwrite bool) *Manifest {
	tb.Helper()
	m, err := s.Take(Request{Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: []string{tree}, Overwrite: overwrite}}})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// TestRoundTripWithRealCommands: snapshot, run the real destructive
// command in a sandbox, restore, compare byte for byte and metadata for
// metadata.
func TestRoundTripWithRealCommands(t *testing.T) {
	tests := []struct {
		name      string
		overwrite bool
		destroy   func(t *testing.T, sandbox, tree string)
	}{
		{"rm -rf link/", false, func(t *testing.T, sandbox, tree string) {
			if err := os.Symlink(tree, filepath.Join(sandbox, "data")); err != nil {
				t.Fatal(err)
			}
			run(t, sandbox, "bash", "-c", "rm -rf data/")
		}},
		{"rsync -a --delete", false, func(t *testing.T, sandbox, tree string) {
			empty := filepath.Join(sandbox, "empty")
			os.Mkdir(empty, 0o755)
			os.WriteFile(filepath.Join(empty, "new.txt"), []byte("new"), 0o644)
			run(t, sandbox, "rsync", "-a", "--delete", empty+"/", tree+"/")
		}},
		{"find -delete", false, func(t *testing.T, sandbox, tree string) {
			run(t, sandbox, "find", tree, "-mindepth", "1", "-delete")
		}},
		{"> file truncation", true, func(t *testing.T, sandbox, tree string) {
			run(t, tree, "bash", "-c", "> a/one.txt; > a/b/c/deep.bin; echo new > run.sh")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sandbox := t.TempDir()
			tree := filepath.Join(sandbox, "tree")
			buildTree(t, tree)
			before := treeState(t, tree)
			s := newStore(t)
			m, err := s.Take(Request{Line: tt.name, Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: []string{tree}, Overwrite: tt.overwrite}}})
			if err != nil {
				t.Fatal(err)
			}
			tt.destroy(t, sandbox, tree)
			if after := treeState(t, tree); fmt.Sprint(after) == fmt.Sprint(before) {
				t.Fatal("the command destroyed nothing: the test would prove nothing")
			}
			if problems, err := s.Verify(m.ID); err != nil || len(problems) > 0 {
				t.Fatalf("the snapshot was damaged by the command: %v %v", problems, err)
			}
			// The rsync case leaves a new file: restore only puts back.
			os.Remove(filepath.Join(tree, "new.txt"))
			if err := s.Restore(m.ID, RestoreOptions{Force: true}); err != nil {
				t.Fatal(err)
			}
			compareTrees(t, before, treeState(t, tree))
		})
	}
}

func TestHardLinkFarmWritesNoBytes(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "tree")
	buildTree(t, tree)
	s := &Store{Dir: filepath.Join(filepath.Dir(tree), "store")}
	m := takeTree(t, s, tree, false)
	if m.Size != 0 {
		t.Errorf("a deletion snapshot on the same filesystem wrote %d bytes, want 0", m.Size)
	}
	for _, it := range m.Items {
		if it.Kind == "file" && it.LinkTo == "" && it.Method != "hardlink" {
			t.Errorf("%s saved by %s, want hardlink", it.Path, it.Method)
		}
	}
	m2 := takeTree(t, s, tree, true)
	if m2.Size == 0 {
		t.Error("an overwrite snapshot must copy (or reflink) the data, not hard-link it")
	}
}

func TestRestoreRefusesNewerFiles(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "tree")
	buildTree(t, tree)
	s := newStore(t)
	m := takeTree(t, s, tree, true)
	edited := filepath.Join(tree, "run.sh")
	os.WriteFile(edited, []byte("edited after the snapshot\n"), 0o750)
	err := s.Restore(m.ID, RestoreOptions{})
	if !errors.Is(err, ErrNewer) || !strings.Contains(err.Error(), edited) {
		t.Fatalf("want a refusal naming %s, got %v", edited, err)
	}
	if data, _ := os.ReadFile(edited); string(data) != "edited after the snapshot\n" {
		t.Fatal("a refused restore changed a file")
	}
	to := t.TempDir()
	if err := s.Restore(m.ID, RestoreOptions{To: to}); err != nil {
		t.Fatalf("restore --to elsewhere: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(to, edited)); string(data) != "#!/bin/sh\necho hi\n" {
		t.Errorf("restore --to wrote %q", data)
	}
	if err := s.Restore(m.ID, RestoreOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(edited); string(data) != "#!/bin/sh\necho hi\n" {
		t.Error("restore --force did not put the old content back")
	}
}

func TestBudgetExceeded(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "tree")
	buildTree(t, tree)
	s := newStore(t)
	s.Budget = 1024
	_, err := s.Take(Request{Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: []string{tree}, Overwrite: true}}})
	if !errors.Is(err, ErrBudget) {
		t.Fatalf("want ErrBudget, got %v", err)
	}
	assertNoSnapshot(t, s)
}

// TestDiskFull fills a real 256 KiB tmpfs: the snapshot fails cleanly.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root; CI runs as root")
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	tree := filepath.Join(t.TempDir(), "tree")
	os.MkdirAll(tree, 0o755)
	os.WriteFile(filepath.Join(tree, "big"), make([]byte, 1<<20), 0o644)
	s := &Store{Dir: filepath.Join(mnt, "store"), Budget: 1 << 30}
	_, err := s.Take(Request{Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: []string{tree}, Overwrite: true}}})
	if err == nil || !strings.Contains(err.Error(), "full") {
		t.Fatalf("want a disk-full error, got %v", err)
	}
	assertNoSnapshot(t, s)
}

func assertNoSnapshot(t *testing.T, s *Store) {
	t.Helper()
	list, errs := s.List()
	if len(list) != 0 || len(errs) != 0 {
		t.Errorf("a failed snapshot left %d snapshots and %v", len(list), errs)
	}
	entries, _ := os.ReadDir(s.Dir)
	for _, e := range entries {
		t.Errorf("a failed snapshot left %s behind", e.Name())
	}
}

func TestCorruptionIsReported(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "tree")
	buildTree(t, tree)
	s := newStore(t)
	m := takeTree(t, s, tree, true)
	if problems, _ := s.Verify(m.ID); len(problems) != 0 {
		t.Fatalf("fresh snapshot reported damaged: %v", problems)
	}
	var stored string
	for _, it := range m.Items {
		if it.Path == filepath.Join(tree, "run.sh") {
			stored = filepath.Join(s.Dir, m.ID, it.Stored)
		}
	}
	f, _ := os.OpenFile(stored, os.O_WRONLY, 0)
	f.WriteAt([]byte("X"), 3)
	f.Close()
	problems, err := s.Verify(m.ID)
	if err != nil || len(problems) != 1 || problems[0].Path != filepath.Join(tree, "run.sh") {
		t.Fatalf("want run.sh reported, got %v %v", problems, err)
	}
	os.WriteFile(filepath.Join(s.Dir, m.ID, "manifest.json"), []byte(`{"id": "`), 0o600)
	if _, err := s.Verify(m.ID); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("a truncated manifest must be reported corrupt, got %v", err)
	}
	if list, errs := s.List(); len(list) != 0 || len(errs) != 1 {
		t.Errorf("list must report the damaged snapshot, got %d and %v", len(list), errs)
	}
}

// TestInterruptedSnapshot kills a real process in the middle of a large
// snapshot: what is left must not look like a snapshot.
func TestInterruptedSnapshot(t *testing.T) {
	if os.Getenv("GUARD_SNAPSHOT_HELPER") != "" {
		s := &Store{Dir: os.Getenv("GUARD_SNAPSHOT_HELPER")}
		_, err := s.Take(Request{Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: []string{os.Getenv("GUARD_SNAPSHOT_TREE")}, Overwrite: true}}})
		fmt.Println("finished", err)
		os.Exit(0)
	}
	tree := filepath.Join(t.TempDir(), "tree")
	os.MkdirAll(tree, 0o755)
	chunk := make([]byte, 1<<20)
	for i := range 300 {
		os.WriteFile(filepath.Join(tree, fmt.Sprintf("f%03d", i)), chunk, 0o644)
	}
	dir := filepath.Join(t.TempDir(), "store")
	cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptedSnapshot$")
	cmd.Env = append(os.Environ(), "GUARD_SNAPSHOT_HELPER="+dir, "GUARD_SNAPSHOT_TREE="+tree)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it has started writing data.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if matches, _ := filepath.Glob(filepath.Join(dir, ".tmp-*", "files", "*", "*")); len(matches) > 3 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	s := &Store{Dir: dir}
	list, errs := s.List()
	if len(list) != 0 || len(errs) != 0 {
		t.Fatalf("an interrupted snapshot shows up: %d listed, %v", len(list), errs)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	if len(leftovers) != 1 {
		t.Fatalf("expected the interrupted snapshot's temporary folder, found %v (was it killed in time?)", leftovers)
	}
	if _, err := os.Stat(filepath.Join(leftovers[0], "manifest.json")); err == nil {
		t.Error("the interrupted snapshot has a manifest")
	}
	// prune removes leftovers older than an hour
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(leftovers[0], old, old)
	if removed, err := s.Prune(DefaultRetention); err != nil || len(removed) != 1 {
		t.Errorf("prune removed %v, %v", removed, err)
	}
}

func TestConcurrentSnapshotsGetUniqueIDs(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "tree")
	buildTree(t, tree)
	fixed := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := &Store{Dir: filepath.Join(t.TempDir(), "store"), Now: func() time.Time { return fixed }}
	const n = 16
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := s.Take(Request{Line: fmt.Sprint(i), Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: []string{tree}}}})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = m.ID
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("id %s given twice", id)
		}
		seen[id] = true
	}
	if list, _ := s.List(); len(list) != n {
		t.Errorf("listed %d snapshots, want %d", len(list), n)
	}
}

func TestListNewestFirstAndPrune(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "tree")
	buildTree(t, tree)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := &Store{Dir: filepath.Join(t.TempDir(), "store"), Now: func() time.Time { return now }}
	for i := range 5 {
		now = now.Add(time.Duration(i+1) * 24 * time.Hour)
		if _, err := s.Take(Request{Line: fmt.Sprint("line ", i), Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: []string{tree}}}}); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := s.List()
	if len(list) != 5 || list[0].Line != "line 4" || list[4].Line != "line 0" {
		t.Fatalf("not newest first: %v", lines(list))
	}
	removed, err := s.Prune(Retention{Keep: 3, MaxAge: 8 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	list, _ = s.List()
	// keep 3 newest (line 4, 3, 2), and line 2 (taken 9 days before now) is too old
	if got := lines(list); fmt.Sprint(got) != "[line 4 line 3]" || len(removed) != 3 {
		t.Errorf("after prune: %v (removed %v)", got, removed)
	}
}

func lines(list []*Manifest) []string {
	var out []string
	for _, m := range list {
		out = append(out, m.Line)
	}
	return out
}

// TestCrontabRoundTrip removes a real crontab of a test user with the
// real crontab -r, then restores it. .ci/run creates the user.
func TestCrontabRoundTrip(t *testing.T) {
	const user = "guardtest"
	if os.Geteuid() != 0 {
		t.Skip("crontab -u needs root; CI runs as root")
	}
	if _, err := exec.Command("id", user).Output(); err != nil {
		t.Fatalf("user %s is missing: .ci/run creates it (useradd -M %s)", user, user)
	}
	spec := filepath.Join(t.TempDir(), "cron")
	os.WriteFile(spec, []byte("# guard test\n17 3 * * * /usr/bin/true backup\n"), 0o644)
	run(t, "/", "crontab", "-u", user, spec)
	t.Cleanup(func() { exec.Command("crontab", "-u", user, "-r").Run() })
	s := newStore(t)
	m, err := s.Take(Request{Line: "crontab -u guardtest -r", Backups: []guard.Backup{{Kind: guard.BackupCrontab, User: user}}})
	if err != nil {
		t.Fatal(err)
	}
	run(t, "/", "crontab", "-u", user, "-r")
	if out, err := exec.Command("crontab", "-u", user, "-l").CombinedOutput(); err == nil {
		t.Fatalf("crontab -r left the crontab: %s", out)
	}
	if err := s.Restore(m.ID, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("crontab", "-u", user, "-l").Output()
	if err != nil || !strings.Contains(string(out), "17 3 * * * /usr/bin/true backup") {
		t.Errorf("crontab after restore: %q %v", out, err)
	}
}

// TestGitRoundTrip: uncommitted changes, untracked and ignored files, and
// stash entries survive git reset --hard, git clean -fdx and git stash clear.
func TestGitRoundTrip(t *testing.T) {
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		run(t, repo, "git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	}
	git("init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(repo, "tracked.txt"), []byte("v1\n"), 0o644)
	os.WriteFile(filepath.Join(repo, ".gitignore"), []byte("*.log\n"), 0o644)
	git("add", ".")
	git("commit", "-qm", "v1")
	os.WriteFile(filepath.Join(repo, "tracked.txt"), []byte("v2 stashed\n"), 0o644)
	git("stash", "push", "-q")
	os.WriteFile(filepath.Join(repo, "tracked.txt"), []byte("v3 uncommitted\n"), 0o644)
	os.MkdirAll(filepath.Join(repo, "new/dir"), 0o755)
	os.WriteFile(filepath.Join(repo, "new/dir/untracked.txt"), []byte("untracked\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "debug.log"), []byte("ignored\n"), 0o644)

	s := newStore(t)
	m, err := s.Take(Request{Line: "git reset --hard", Backups: []guard.Backup{{Kind: guard.BackupGit, Dir: repo}}})
	if err != nil {
		t.Fatal(err)
	}
	git("reset", "-q", "--hard")
	git("clean", "-qfdx")
	git("stash", "clear")
	if data, _ := os.ReadFile(filepath.Join(repo, "tracked.txt")); string(data) != "v1\n" {
		t.Fatal("git reset --hard did not reset: the test proves nothing")
	}
	if err := s.Restore(m.ID, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"tracked.txt": "v3 uncommitted\n", "new/dir/untracked.txt": "untracked\n", "debug.log": "ignored\n"} {
		if data, _ := os.ReadFile(filepath.Join(repo, file)); string(data) != want {
			t.Errorf("%s after restore: %q, want %q", file, data, want)
		}
	}
	out, _ := exec.Command("git", "-C", repo, "stash", "list").Output()
	if !strings.Contains(string(out), "stash@{0}") {
		t.Errorf("the stash entry was not restored: %q", out)
	}
}

// fakeRunner stands in for vgcfgbackup and the firewall dumps, which need
// LVM devices and netfilter privileges that a build machine lacks.
type fakeRunner struct{ calls []string }

func (f *fakeRunner) Run(dir string, stdin []byte, name string, args ...string) ([]byte, error) {
	f.calls = append(f.calls, name+" "+strings.Join(args, " "))
	switch name {
	case "vgcfgbackup":
		return nil, os.WriteFile(args[1], []byte("vg0 { id = \"x\" }\n"), 0o600)
	case "iptables-save":
		return []byte("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"), nil
	}
	return nil, fmt.Errorf("%s: not found", name)
}

func TestLVMAndFirewallArePrintedNotRun(t *testing.T) {
	fake := &fakeRunner{}
	s := newStore(t)
	s.Runner = fake
	m, err := s.Take(Request{Backups: []guard.Backup{{Kind: guard.BackupLVM, VG: "vg0"}, {Kind: guard.BackupFirewall}}})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := s.Restore(m.ID, RestoreOptions{Out: &out}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if !strings.Contains(text, "vgcfgrestore -f "+filepath.Join(s.Dir, m.ID, "lvm/vg0.vg")+" vg0") || !strings.Contains(text, "iptables-restore <") {
		t.Errorf("restore should print the commands, got:\n%s", text)
	}
	for _, c := range fake.calls {
		if strings.HasPrefix(c, "vgcfgrestore") || strings.HasPrefix(c, "iptables-restore") {
			t.Errorf("restore ran %s: it must only print it", c)
		}
	}
	if problems, _ := s.Verify(m.ID); len(problems) != 0 {
		t.Errorf("verify: %v", problems)
	}
}

func TestUnknownTargetsRefuse(t *testing.T) {
	s := newStore(t)
	_, err := s.Take(Request{Backups: []guard.Backup{{Kind: guard.BackupFiles, Unknown: "$DIR is not known"}}})
	if !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), "$DIR") {
		t.Errorf("want ErrUnknown naming $DIR, got %v", err)
	}
	assertNoSnapshot(t, s)
}

// TestReflinkOnXFS: on a filesystem with reflinks (XFS, loop-mounted from
// an image in a temporary folder), an overwrite snapshot clones the files
// instead of copying their bytes, and still survives the overwrite.
func TestReflinkOnXFS(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("loop-mounting an XFS image needs root; CI runs as root")
	}
	if _, err := exec.LookPath("mkfs.xfs"); err != nil {
		t.Fatal("mkfs.xfs is not installed: .ci/run installs xfsprogs")
	}
	img := filepath.Join(t.TempDir(), "xfs.img")
	mnt := t.TempDir()
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 400<<20); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{{"mkfs.xfs", "-q", "-m", "reflink=1", img}, {"mount", "-o", "loop", img, mnt}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", c, err, out)
		}
	}
	t.Cleanup(func() { exec.Command("umount", mnt).Run() })
	tree := filepath.Join(mnt, "tree")
	buildTree(t, tree)
	before := treeState(t, tree)
	s := &Store{Dir: filepath.Join(mnt, "store")}
	m := takeTree(t, s, tree, true)
	for _, it := range m.Items {
		if it.Kind == "file" && it.LinkTo == "" && it.Method != "reflink" {
			t.Errorf("%s saved by %s, want reflink", it.Path, it.Method)
		}
	}
	if m.Size != 0 {
		t.Errorf("reflinks wrote %d bytes, want 0", m.Size)
	}
	run(t, tree, "bash", "-c", "> a/one.txt; echo changed > run.sh")
	if problems, _ := s.Verify(m.ID); len(problems) != 0 {
		t.Fatalf("the overwrite reached the reflinked copies: %v", problems)
	}
	if err := s.Restore(m.ID, RestoreOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	compareTrees(t, before, treeState(t, tree))
}
