package snapshot

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guard-sh/guard/guard"
)

// TestUndoRestoresTheNewestDeletion: a real rm -rf in a temporary folder,
// undone from the user's newest snapshot, byte for byte: content, modes,
// times, symbolic links, hard links, extended attributes.
func TestUndoRestoresTheNewestDeletion(t *testing.T) {
	sandbox := t.TempDir()
	tree := filepath.Join(sandbox, "tree")
	buildTree(t, tree)
	before := treeState(t, tree)
	s := &Store{Dir: filepath.Join(sandbox, "store")}
	older, err := s.Take(Request{Line: "an older snapshot", Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: []string{filepath.Join(tree, "a")}}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Take(Request{Line: "rm -rf tree", Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: []string{tree}}}})
	if err != nil {
		t.Fatal(err)
	}
	run(t, sandbox, "rm", "-rf", "tree")
	newest, err := s.Newest(CurrentUser())
	if err != nil || newest.ID != m.ID {
		t.Fatalf("newest is %v (%v), want %s and not %s", newest, err, m.ID, older.ID)
	}
	var out strings.Builder
	if err := s.Restore(newest.ID, RestoreOptions{Out: &out}); err != nil {
		t.Fatal(err)
	}
	compareTrees(t, before, treeState(t, tree))
	if !strings.HasPrefix(out.String(), "restored 4 files (") || !strings.Contains(out.String(), "3 symbolic links and 1 hard link") {
		t.Errorf("restore summary: %q", out.String())
	}
	// Undone twice: everything is there as it was, so nothing is refused
	// and nothing changes.
	if err := s.Restore(newest.ID, RestoreOptions{}); err != nil {
		t.Fatalf("a second undo: %v", err)
	}
	compareTrees(t, before, treeState(t, tree))
}

func TestNewestIsPerUser(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "tree")
	buildTree(t, tree)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := &Store{Dir: filepath.Join(t.TempDir(), "store"), Now: func() time.Time { return now }}
	mine, err := s.Take(Request{Line: "mine", Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: []string{tree}}}})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	theirs, err := s.Take(Request{Line: "theirs", Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: []string{tree}}}})
	if err != nil {
		t.Fatal(err)
	}
	theirs.User = "someone-else"
	if err := s.rewriteManifest(theirs); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Newest(CurrentUser()); err != nil || got.ID != mine.ID {
		t.Errorf("newest of this user: %v %v, want %s", got, err, mine.ID)
	}
	if got, err := s.Newest(""); err != nil || got.ID != theirs.ID {
		t.Errorf("newest of anyone: %v %v, want %s", got, err, theirs.ID)
	}
	if _, err := s.Newest("nobody-here"); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("want ErrNoSnapshot, got %v", err)
	}
	empty := &Store{Dir: filepath.Join(t.TempDir(), "never-created")}
	if _, err := empty.Newest(""); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("an empty store: %v", err)
	}
}

// TestRemoveLeavesNothing: a snapshot taken before a declined prompt is
// removed with the refs it kept in the git work tree.
func TestRemoveLeavesNothing(t *testing.T) {
	repo := t.TempDir()
	run(t, repo, "git", "init", "-q", "-b", "main")
	run(t, repo, "git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "v1")
	os.WriteFile(filepath.Join(repo, "f"), []byte("x"), 0o644)
	run(t, repo, "git", "add", "f")
	run(t, repo, "git", "-c", "user.name=t", "-c", "user.email=t@example.com", "stash", "push", "-q")
	os.WriteFile(filepath.Join(repo, "f"), []byte("changed"), 0o644)
	run(t, repo, "git", "add", "f")
	s := newStore(t)
	m, err := s.Take(Request{Line: "git reset --hard", Backups: []guard.Backup{{Kind: guard.BackupGit, Dir: repo}}})
	if err != nil {
		t.Fatal(err)
	}
	refs, _ := exec.Command("git", "-C", repo, "for-each-ref", "refs/guard/").Output()
	if len(strings.Fields(string(refs))) == 0 {
		t.Fatal("the snapshot kept no refs: the test proves nothing")
	}
	if err := s.Remove(m.ID); err != nil {
		t.Fatal(err)
	}
	assertNoSnapshot(t, s)
	if refs, _ := exec.Command("git", "-C", repo, "for-each-ref", "refs/guard/").Output(); len(refs) > 0 {
		t.Errorf("refs left behind: %s", refs)
	}
}

func TestDiskBackupsAreSkipped(t *testing.T) {
	s := newStore(t)
	_, err := s.Take(Request{Backups: []guard.Backup{{Kind: guard.BackupDisk, Paths: []string{"/dev/sdb"}}}})
	if !errors.Is(err, ErrNothingToSave) {
		t.Fatalf("want ErrNothingToSave, got %v", err)
	}
	assertNoSnapshot(t, s)
	tree := filepath.Join(t.TempDir(), "tree")
	buildTree(t, tree)
	m, err := s.Take(Request{Backups: []guard.Backup{{Kind: guard.BackupDisk, Paths: []string{"/dev/sdb"}}, {Kind: guard.BackupFiles, Paths: []string{tree}}}})
	if err != nil || len(m.Items) == 0 {
		t.Fatalf("the files beside a disk are saved: %v %v", m, err)
	}
}

// TestRestoreKeepsWhatIsStillThere: after a partial deletion, the files
// the command left are the very inodes the snapshot holds; restore puts
// back only what is gone.
func TestRestoreKeepsWhatIsStillThere(t *testing.T) {
	sandbox := t.TempDir()
	tree := filepath.Join(sandbox, "tree")
	buildTree(t, tree)
	before := treeState(t, tree)
	s := newStore(t)
	m := takeTree(t, s, tree, false)
	run(t, sandbox, "find", tree, "-name", "*.bin", "-delete")
	var out strings.Builder
	if err := s.Restore(m.ID, RestoreOptions{Out: &out}); err != nil {
		t.Fatal(err)
	}
	compareTrees(t, before, treeState(t, tree))
	if !strings.HasPrefix(out.String(), "restored 1 file (") || !strings.Contains(out.String(), "4 files were still there unchanged") {
		t.Errorf("summary %q", out.String())
	}
}

// TestVerifyHashesHardLinksOnce: a snapshot of hard links is not hashed
// when taken; the first verify checks sizes and times and records the
// hashes, and later verifies check the bytes.
func TestVerifyHashesHardLinksOnce(t *testing.T) {
	tree := filepath.Join(t.TempDir(), "tree")
	buildTree(t, tree)
	s := &Store{Dir: filepath.Join(filepath.Dir(tree), "store")}
	m := takeTree(t, s, tree, false)
	var linked *Item
	for i, it := range m.Items {
		if it.Method == "hardlink" {
			if it.SHA256 != "" {
				t.Fatalf("%s was hashed when taken", it.Path)
			}
			linked = &m.Items[i]
		}
	}
	if problems, err := s.Verify(m.ID); err != nil || len(problems) > 0 {
		t.Fatalf("first verify: %v %v", problems, err)
	}
	again, _ := s.Load(m.ID)
	for _, it := range again.Items {
		if it.Method == "hardlink" && it.SHA256 == "" {
			t.Fatalf("%s: verify did not record its sha256", it.Path)
		}
	}
	// Same size, same time, other bytes: only the recorded hash sees it.
	stored := filepath.Join(s.Dir, m.ID, linked.Stored)
	data, _ := os.ReadFile(stored)
	data[0] ^= 0xff
	os.WriteFile(stored, data, 0o600)
	os.Chtimes(stored, linked.MTime, linked.MTime)
	if problems, _ := s.Verify(m.ID); len(problems) != 1 || !strings.Contains(problems[0].What, "sha256") {
		t.Errorf("want the changed bytes reported, got %v", problems)
	}
	// A command that wrote into a file instead of deleting it reaches the
	// hard link: its time gives it away before any hash was recorded.
	m2 := takeTree(t, s, tree, false)
	os.WriteFile(filepath.Join(tree, "run.sh"), []byte("#!/bin/sh\necho XX\n"), 0o750)
	problems, _ := s.Verify(m2.ID)
	if len(problems) != 1 || problems[0].Path != filepath.Join(tree, "run.sh") || !strings.Contains(problems[0].What, "modified") {
		t.Errorf("want run.sh reported as modified, got %v", problems)
	}
}
