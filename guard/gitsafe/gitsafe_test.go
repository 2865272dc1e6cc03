package gitsafe

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestRepositoryCodeDoesNotRun: a work tree whose fsmonitor hook and
// content filter leave a mark when they run. git stash create (what a
// snapshot runs) runs them; with Args it runs neither, and still works.
func TestRepositoryCodeDoesNotRun(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	mark := filepath.Join(dir, "marks")
	os.Mkdir(mark, 0o755)
	git := func(args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Dir = filepath.Join(dir, "repo")
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("git %v: %s", args, out)
		}
		return err
	}
	os.Mkdir(filepath.Join(dir, "repo"), 0o755)
	git("init", "-q")
	os.WriteFile(filepath.Join(dir, "repo", ".gitattributes"), []byte("* filter=Evil\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "repo", "f"), []byte("one\n"), 0o644)
	git("-c", "filter.Evil.clean=cat", "add", "-A")
	git("-c", "filter.Evil.clean=cat", "commit", "-qm", "init")
	git("config", "filter.Evil.clean", "touch "+mark+"/filter; cat")
	git("config", "filter.Evil.required", "true")
	git("config", "core.fsmonitor", "touch "+mark+"/fsmonitor; false")
	os.WriteFile(filepath.Join(dir, "repo", "f"), []byte("two\n"), 0o644)

	if err := git(append(Args(filepath.Join(dir, "repo")), "stash", "create", "guard")...); err != nil {
		t.Fatalf("git stash create with Args failed: %v", err)
	}
	if entries, _ := os.ReadDir(mark); len(entries) > 0 {
		t.Fatalf("the repository's code ran through guard's git: %v", entries)
	}
	git("stash", "create", "guard") // the control: without Args it does run
	if entries, _ := os.ReadDir(mark); len(entries) == 0 {
		t.Fatal("the test repository's hooks do not run even without Args: the test proves nothing")
	}
}
