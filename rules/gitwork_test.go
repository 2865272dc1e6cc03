package rules_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/guard-sh/guard/guard"
)

// TestWorkTreeOnRealGit judges lines on real repositories, asked through
// the live host: the same delete and discard pass in a clean clone and
// ask in one holding uncommitted work, and ask as before where the .git
// is a plain folder git does not take.
func TestWorkTreeOnRealGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := t.TempDir()
	makeRepo := func(name string, dirty bool) string {
		dir := filepath.Join(root, name)
		run := func(args ...string) {
			cmd := exec.Command("git", args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t", "GIT_CONFIG_NOSYSTEM=1", "HOME="+root)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, out)
			}
		}
		os.MkdirAll(filepath.Join(dir, "src"), 0o755)
		os.WriteFile(filepath.Join(dir, "package.json"), []byte("{}\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "src", "a.ts"), []byte("a\n"), 0o644)
		run("init", "-q", ".")
		run("add", "-A")
		run("commit", "-qm", "init")
		if dirty {
			os.WriteFile(filepath.Join(dir, "src", "a.ts"), []byte("changed\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "src", "new.ts"), []byte("new\n"), 0o644)
		}
		return dir
	}
	clean, dirty := makeRepo("clean", false), makeRepo("dirty", true)
	plain := filepath.Join(root, "plain")
	os.MkdirAll(filepath.Join(plain, ".git"), 0o755)
	os.MkdirAll(filepath.Join(plain, "src"), 0o755)
	os.WriteFile(filepath.Join(plain, "src", "a.ts"), []byte("a\n"), 0o644)

	e := newEngine(t)
	host := &guard.OSHost{Env: map[string]string{"PATH": os.Getenv("PATH"), "HOME": root}}
	for _, c := range []struct {
		dir, line string
		want      guard.Decision
	}{
		{clean, "git reset --hard", guard.Allow},
		{dirty, "git reset --hard", guard.Confirm},
		{plain, "git reset --hard", guard.Confirm},
		{clean, "git clean -fd", guard.Allow},
		{dirty, "git clean -fd", guard.Confirm},
		{clean, "rm -rf src", guard.Allow},
		{dirty, "rm -rf src", guard.Confirm},
		{dirty, "find . -name '*.ts' -delete", guard.Confirm},
		{clean, "cd src && rm -rf *", guard.Allow},
		{dirty, "cd src && rm -rf *", guard.Confirm},
		{plain, "cd src && rm -rf *", guard.Confirm}, // project-wipe, as before
	} {
		v := e.Judge(c.line, host, guard.Options{Cwd: c.dir})
		if v.Decision != c.want {
			t.Errorf("%s in %s: got %v, want %v (%+v)", c.line, filepath.Base(c.dir), v.Decision, c.want, v.Findings)
		}
	}
}
