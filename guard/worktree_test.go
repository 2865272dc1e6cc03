package guard

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOSHostWorkTree asks a real git about real work trees: what it
// reports, that it writes nothing (the index keeps its time), that the
// repository's fsmonitor hook and filter do not run, and that a folder
// git does not take is a state guard cannot tell.
func TestOSHostWorkTree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	mark := filepath.Join(dir, "ran")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(repo, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(repo, 0o755)
	git("init", "-q", ".")
	write("src/a.ts", "a\n")
	write("src/b.ts", "b\n")
	write("README.md", "r\n")
	write(".gitignore", "dist/\n.env\n")
	git("add", "-A")
	git("commit", "-qm", "init")
	h := &OSHost{Env: map[string]string{"PATH": os.Getenv("PATH"), "HOME": dir}}

	tree, err := h.WorkTree(filepath.Join(repo, "src"), false)
	if err != nil || len(tree.Files) != 0 || !tree.Complete {
		t.Fatalf("a clean tree: got %+v, %v", tree, err)
	}
	if tree.Top != repo {
		t.Errorf("top: got %q, want %q", tree.Top, repo)
	}

	write("src/a.ts", "changed\n")
	write("README.md", "staged\n")
	git("add", "README.md")
	write("notes.md", "mine\n")
	write("dist/app.js", "built\n")
	write(".env", "KEY=1\n")
	os.Remove(filepath.Join(repo, "src/b.ts"))
	// code the repository configures, which guard must not run
	git("config", "core.fsmonitor", "touch "+mark+"; echo")
	git("config", "filter.evil.clean", "touch "+mark+"; cat")
	write(".gitattributes", "*.ts filter=evil\n")
	index := filepath.Join(repo, ".git", "index")
	before, _ := os.Stat(index)

	tree, err = h.WorkTree(repo, true)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]WorkFile{}
	for _, f := range tree.Files {
		got[f.Path] = f
	}
	want := map[string]WorkFile{
		"src/a.ts":       {Path: "src/a.ts", Unstaged: true},
		"src/b.ts":       {Path: "src/b.ts", Unstaged: true, Gone: true},
		"README.md":      {Path: "README.md", Staged: true},
		"notes.md":       {Path: "notes.md", Untracked: true},
		".gitattributes": {Path: ".gitattributes", Untracked: true},
		"dist/":          {Path: "dist/", Ignored: true},
		".env":           {Path: ".env", Ignored: true},
	}
	for path, w := range want {
		if got[path] != w {
			t.Errorf("%s: got %+v, want %+v", path, got[path], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d files, want %d: %+v", len(got), len(want), tree.Files)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("git status ran the repository's fsmonitor hook or filter")
	}
	if after, _ := os.Stat(index); !after.ModTime().Equal(before.ModTime()) {
		t.Error("git status wrote the index")
	}
	tree, _ = h.WorkTree(repo, false)
	if slices.ContainsFunc(tree.Files, func(f WorkFile) bool { return f.Ignored }) {
		t.Error("ignored files reported without being asked for")
	}

	// a .git that is a plain folder, and a folder in no repository
	plain := filepath.Join(dir, "plain")
	os.MkdirAll(filepath.Join(plain, ".git"), 0o755)
	for _, d := range []string{plain, filepath.Join(dir, "missing")} {
		if _, err := h.WorkTree(d, false); !errors.Is(err, ErrNoWorkTree) {
			t.Errorf("%s: got %v, want ErrNoWorkTree", d, err)
		}
	}
	// a folder with no .git in it or above it is not asked of git at all,
	// and one reached through a link is the repository it leads to
	outside := filepath.Join(dir, "outside")
	os.MkdirAll(outside, 0o755)
	if _, err := h.WorkTree(outside, false); !errors.Is(err, ErrNoWorkTree) || !strings.Contains(err.Error(), "no .git") {
		t.Errorf("a folder in no repository: got %v, want ErrNoWorkTree without running git", err)
	}
	link := filepath.Join(dir, "current")
	os.Symlink(filepath.Join(repo, "src"), link)
	if tree, err := h.WorkTree(link, false); err != nil || tree.Top != repo {
		t.Errorf("through a link: got %+v, %v; want the repository %s", tree, err, repo)
	}
	// no git where guard looks for it
	if _, err := (&OSHost{LvsDirs: []string{dir}}).WorkTree(repo, false); !errors.Is(err, ErrNoWorkTree) {
		t.Errorf("without git: got %v", err)
	}
}

// TestParseStatusCut: an answer cut in the middle of an entry keeps the
// whole entries and says it is not complete.
func TestParseStatusCut(t *testing.T) {
	tree := ParseStatus([]byte(" M a.go\x00?? new.go\x00?? half"))
	if tree.Complete || len(tree.Files) != 2 || !strings.HasSuffix(tree.Files[1].Path, "new.go") {
		t.Errorf("got %+v", tree)
	}
	b := &boundedBuffer{limit: 4}
	b.Write([]byte("abcdef"))
	if b.String() != "abcd" || !b.cut {
		t.Errorf("bounded buffer kept %q", b.String())
	}
}
