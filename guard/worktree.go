package guard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/guard-sh/guard/guard/gitsafe"
)

// WorkTree is what git says of a work tree's files against its last
// commit and its index: the work a discard or a delete there would lose.
type WorkTree struct {
	// Top is the work tree's top folder.
	Top string
	// Files are the files git reports, in git's order.
	Files []WorkFile
	// Complete is false when git's answer was longer than guard reads:
	// Files are then the first ones.
	Complete bool
}

// WorkFile is one file of git status.
type WorkFile struct {
	// Path is relative to the top, with slashes; a folder ends in "/"
	// (an ignored folder, reported whole).
	Path string
	// Staged: the index differs from the last commit (a file added and
	// never committed included).
	Staged bool
	// Unstaged: the file differs from the index (deleted included).
	Unstaged bool
	// Gone: the file is deleted from the work tree already.
	Gone bool
	// Untracked: git does not track it and it is not ignored.
	Untracked bool
	// Ignored: git does not track it and .gitignore says to leave it.
	Ignored bool
}

// Abs is the file's absolute path.
func (f WorkFile) Abs(top string) string { return filepath.Join(top, filepath.FromSlash(f.Path)) }

// ErrNoWorkTree is returned when guard cannot tell a folder's work tree
// state: no git, not in a repository, git failing or too slow.
var ErrNoWorkTree = errors.New("no git work tree state")

// Bounds of the git status guard runs.
const (
	maxStatusBytes = 256 << 10
	gitTimeout     = time.Second
)

// WorkTree runs `git status` in dir, read-only: GIT_OPTIONAL_LOCKS=0 so
// that git does not refresh the index, the repository's fsmonitor, hooks
// and filters switched off (gitsafe), submodules not entered, a second at
// most and 256 KB of answer. ignored adds the files .gitignore covers.
func (h *OSHost) WorkTree(dir string, ignored bool) (WorkTree, error) {
	if !h.underGit(dir) {
		// most folders a long script names are in no repository: no git
		// started for them (three processes, about 2 ms, each time)
		return WorkTree{}, fmt.Errorf("git status in %s: %w (no .git in it or above it)", dir, ErrNoWorkTree)
	}
	git, ok := h.program("git")
	if !ok {
		return WorkTree{}, fmt.Errorf("git status in %s: %w (git not found)", dir, ErrNoWorkTree)
	}
	ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
	defer cancel()
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0"}
	if home, ok := h.Getenv("HOME"); ok {
		env = append(env, "HOME="+home) // the user's global excludes decide what is ignored
	}
	safe := gitsafe.ArgsWith(ctx, git, dir, env)
	run := func(args ...string) ([]byte, bool, error) {
		cmd := exec.CommandContext(ctx, git, append(safe, args...)...)
		cmd.Dir = dir
		cmd.Env = env
		cmd.WaitDelay = 100 * time.Millisecond
		out := &boundedBuffer{limit: maxStatusBytes}
		cmd.Stdout = out
		err := cmd.Run()
		if ctx.Err() != nil {
			return nil, false, fmt.Errorf("git status in %s: timed out after %v: %w", dir, gitTimeout, ErrNoWorkTree)
		}
		if err != nil {
			return nil, false, fmt.Errorf("git %s in %s: %v: %w", args[0], dir, err, ErrNoWorkTree)
		}
		return out.Bytes(), !out.cut, nil
	}
	top, _, err := run("rev-parse", "--show-toplevel")
	if err != nil {
		return WorkTree{}, err
	}
	args := []string{"status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all", "--ignore-submodules=all"}
	if ignored {
		args = append(args, "--ignored=matching")
	}
	out, complete, err := run(args...)
	if err != nil {
		return WorkTree{}, err
	}
	tree := ParseStatus(out)
	tree.Top = strings.TrimSuffix(string(top), "\n")
	tree.Complete = tree.Complete && complete
	return tree, nil
}

// underGit: dir exists and it, or a folder above it, holds a .git (a
// folder, or the file a linked work tree or a submodule has), where git's
// own search for a repository would find one.
func (h *OSHost) underGit(dir string) bool {
	d, _ := ResolvePath(h, filepath.Clean(dir)) // /srv/app/current -> releases/7
	if info, err := h.Lstat(d); err != nil || !info.IsDir() {
		return false
	}
	for {
		if _, err := h.Lstat(filepath.Join(d, ".git")); err == nil {
			return true
		}
		if d == "/" || d == "." {
			return false
		}
		d = filepath.Dir(d)
	}
}

// ParseStatus reads `git status --porcelain=v1 -z --no-renames`: "XY
// PATH" entries ended by NUL. An entry cut short at the end is left out.
func ParseStatus(out []byte) WorkTree {
	tree := WorkTree{Complete: true}
	entries := bytes.Split(out, []byte{0})
	if last := len(entries) - 1; len(entries[last]) != 0 {
		tree.Complete = false // cut in the middle of an entry
	}
	for _, e := range entries[:len(entries)-1] {
		if len(e) < 4 || e[2] != ' ' {
			continue
		}
		x, y := e[0], e[1]
		f := WorkFile{Path: string(e[3:])}
		switch {
		case x == '?':
			f.Untracked = true
		case x == '!':
			f.Ignored = true
		default:
			f.Staged = x != ' '
			f.Unstaged = y != ' '
			f.Gone = y == 'D'
		}
		tree.Files = append(tree.Files, f)
	}
	return tree
}

// boundedBuffer keeps the first limit bytes written to it and throws the
// rest away, so that a program's long answer neither fills memory nor
// stops it on a broken pipe.
type boundedBuffer struct {
	bytes.Buffer
	limit int
	cut   bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.Len(); room < len(p) {
		b.cut = true
		b.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
