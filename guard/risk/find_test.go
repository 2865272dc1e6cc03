package risk_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/risk"
)

// findTree is a small project: build output, sources, logs, hidden
// files, an empty folder, a link to a folder.
func findTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range []string{"build/a.o", "build/b.o", "build/lib.a", "build/sub/deep.o", "src/x.c", "src/x.h", "src/x.o",
		"logs/A.LOG", "logs/b.log", ".hidden/h.tmp", ".x.o", "keep", "data/[weird].o", "data/space name.o", "data/Ünï.o"} {
		p := filepath.Join(root, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(root, "empty-dir"), 0o755)
	os.MkdirAll(filepath.Join(root, "build/empty"), 0o755)
	os.WriteFile(filepath.Join(root, "zero.o"), nil, 0o644)
	os.Symlink("build", filepath.Join(root, "link"))
	os.Symlink("src/x.o", filepath.Join(root, "x-link.o"))
	return root
}

// findInvocation is a find as the engine resolves it, typed in cwd.
func findInvocation(cwd string, args ...string) *guard.Invocation {
	inv := &guard.Invocation{Program: "find", Cwd: cwd, Text: "find " + strings.Join(args, " ")}
	for _, a := range args {
		inv.Args = append(inv.Args, guard.Arg{Text: a, Value: a, Known: true})
	}
	return inv
}

// realFind runs GNU find with the deleting action replaced by -print (and
// -depth, which -delete implies), in cwd, and counts files and folders.
func realFind(t *testing.T, cwd string, args []string) (files, dirs int64) {
	t.Helper()
	var real []string
	inExpr := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !inExpr && (strings.HasPrefix(a, "-") && a != "-H" && a != "-P" || a == "(" || a == "!") {
			inExpr = true
			if slices.Contains(args, "-delete") {
				real = append(real, "-depth")
			}
		}
		switch {
		case a == "-delete":
			real = append(real, "-print")
		case a == "-exec" && i+1 < len(args) && args[i+1] == "rm":
			for i < len(args) && args[i] != ";" && args[i] != "+" {
				i++
			}
			real = append(real, "-print")
		default:
			real = append(real, a)
		}
	}
	cmd := exec.Command("find", real...)
	cmd.Dir = cwd
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("find %q: %v", real, err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		if line == "" || seen[line] {
			continue // -print -delete prints twice once -delete is -print
		}
		seen[line] = true
		info, err := os.Lstat(filepath.Join(cwd, line))
		if filepath.IsAbs(line) {
			info, err = os.Lstat(line)
		}
		if err != nil {
			t.Fatal(err)
		}
		if info.IsDir() {
			dirs++
		} else {
			files++
		}
	}
	return files, dirs
}

// TestCountFindAgreesWithFind: for each expression, CountFind must count
// exactly what GNU find itself reaches.
func TestCountFindAgreesWithFind(t *testing.T) {
	if _, err := exec.LookPath("find"); err != nil {
		t.Fatal("find is not installed: .ci/run installs findutils")
	}
	root := findTree(t)
	cases := []string{
		". -name *.o -delete",
		". -type f -name *.log -delete",
		". -iname *.log -delete",
		". -path ./build/* -delete",
		". -path */sub/* -delete",
		". -ipath ./LOGS/* -delete",
		". -mindepth 2 -type f -delete",
		". -maxdepth 1 -type f -delete",
		". -maxdepth 1 -mindepth 1 -delete",
		". ( -name *.o -o -name *.a ) -delete",
		". ! -name keep -type f -delete",
		". -not -type d -name .* -delete",
		". -name build -prune -o -name *.o -delete",
		". -empty -delete",
		"build -type d -empty -delete",
		". -name [ab]* -delete",
		". -name *.[ch] -delete",
		". -name [!x]*.o -delete",
		". -name [[]* -delete",
		". -name *\\[* -delete",
		". -name *[[:upper:]]* -type f -delete",
		". -name ?.o -delete",
		". -type l -delete",
		". -type f,l -name *.o -delete",
		". -type f -exec rm -f {} +",
		". -name *.o -exec rm {} ;",
		"build/ -name *.o -delete",
		"build src -name *.o -delete",
		"-H link -name *.o -delete",
		"link -name *.o -delete",
		"link/ -name *.o -delete",
		". -name *.o -print -delete",
		". -name *.o -false -delete",
		". -name *.o -true -delete",
		". -name *.o , -name *.a -delete",
		". -name build -prune -o -name *.o -exec rm {} ;",
		". -name * -type f -delete",
		". -path ./.* -delete",
		". -name *.O -delete",
		". -name *.o -o -name *.a -a -delete",
	}
	for _, c := range cases {
		args := strings.Fields(c)
		for i, a := range args {
			if a == "space" {
				args[i] = "space name"
			}
		}
		r, err := risk.CountFind(findInvocation(root, args...), &guard.OSHost{}, risk.Budget{})
		if err != nil {
			t.Errorf("find %s: %v", c, err)
			continue
		}
		files, dirs := realFind(t, root, args)
		if r.Files != files || r.Dirs != dirs || !r.Complete {
			t.Errorf("find %s: counted %d files, %d folders (complete %v); find reaches %d, %d", c, r.Files, r.Dirs, r.Complete, files, dirs)
		}
	}
}

func TestCountFindMessages(t *testing.T) {
	h := guard.NewMemHost()
	h.AddFileSize("/home/op/proj/build/a.o", 100)
	h.AddFileSize("/home/op/proj/build/b.o", 200)
	h.AddFileSize("/home/op/proj/src/main.c", 200)
	for i := range 1200 {
		h.AddFileSize(fmt.Sprintf("/etc/conf.d/%d/f%d.conf", i%12, i), 10)
	}
	small, err := risk.CountFind(findInvocation("/home/op/proj", "build", "-name", "*.o", "-delete"), h, risk.Budget{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(small.Why, "find matches 2 files in /home/op/proj/build") {
		t.Errorf("got %q", small.Why)
	}
	large, err := risk.CountFind(findInvocation("/", "/etc", "-name", "*.conf", "-delete"), h, risk.Budget{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(large.Why, "find matches 1,200 files in /etc") {
		t.Errorf("got %q", large.Why)
	}
	cut, _ := risk.CountFind(findInvocation("/", "/etc", "-name", "*.conf", "-delete"), h, risk.Budget{Entries: 100})
	if cut.Complete || !strings.Contains(cut.Why, "find matches at least ") {
		t.Errorf("a count cut by the budget must say so: %q", cut.Why)
	}
}

func TestCountFindRefusesWhatItCannotEvaluate(t *testing.T) {
	h := guard.NewMemHost()
	for _, args := range [][]string{
		{"/var/log", "-mtime", "+30", "-delete"},
		{"-L", "/srv", "-name", "*.o", "-delete"},
		{"/srv", "-regex", ".*o", "-delete"},
		{"/srv", "-newer", "stamp", "-delete"},
		{"/srv", "-name", "*.o"},                // deletes nothing
		{"/srv", "-name", "*.o", "-exec", "ls"}, // unterminated
		{"/srv", "(", "-name", "x", "-delete"},  // unbalanced
	} {
		_, err := risk.CountFind(findInvocation("/", args...), h, risk.Budget{})
		if !errors.Is(err, risk.ErrNotCountable) {
			t.Errorf("find %v: want ErrNotCountable, got %v", args, err)
		}
	}
	inv := findInvocation("/", "/srv", "-name", "*.o", "-delete")
	inv.Args[0] = guard.Arg{Text: "$DIR", Known: false, Unknown: []string{"$DIR"}}
	if _, err := risk.CountFind(inv, h, risk.Budget{}); !errors.Is(err, risk.ErrNotCountable) {
		t.Errorf("an unknown start point: %v", err)
	}
}

func TestCountFindStaysOnTheTree(t *testing.T) {
	root := findTree(t)
	outside := t.TempDir()
	for _, n := range []string{"1.o", "2.o", "3.o"} {
		os.WriteFile(filepath.Join(outside, n), nil, 0o644)
	}
	os.Symlink(outside, filepath.Join(root, "out"))
	r, err := risk.CountFind(findInvocation(root, ".", "-name", "*.o", "-delete"), &guard.OSHost{}, risk.Budget{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := realFind(t, root, []string{".", "-name", "*.o", "-delete"})
	if r.Files != files {
		t.Errorf("counted %d, find reaches %d: a link out of the tree is not followed", r.Files, files)
	}
}
