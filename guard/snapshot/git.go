package snapshot

import (
	"fmt"
	"path/filepath"
	"strings"
)

// takeGit saves a work tree's uncommitted changes as a stash-like commit
// (git stash create, which leaves the tree untouched) kept alive by a ref
// under refs/guard/, the stash entries likewise, and copies of the
// untracked and ignored files.
func (s *Store) takeGit(tmp, id, dir string, budget int64) ([]Item, int64, error) {
	if dir == "" {
		return nil, 0, fmt.Errorf("%w: the git work tree is not known", ErrUnknown)
	}
	run := func(args ...string) (string, error) {
		out, err := s.runner().Run(dir, nil, "git", args...)
		return strings.TrimSpace(string(out)), err
	}
	top, err := run("rev-parse", "--show-toplevel")
	if err != nil {
		return nil, 0, fmt.Errorf("saving the git work tree: %w", err)
	}
	item := Item{Kind: "git", Path: top}
	if item.Commit, err = run("stash", "create", "guard snapshot "+id); err != nil {
		return nil, 0, fmt.Errorf("saving the work tree changes: %w", err)
	}
	if item.Commit != "" {
		if _, err := run("update-ref", "refs/guard/"+id, item.Commit); err != nil {
			return nil, 0, err
		}
	}
	stashes, _ := run("stash", "list", "--format=%H")
	for i, sha := range strings.Fields(stashes) {
		if _, err := run("update-ref", fmt.Sprintf("refs/guard/%s-stash-%d", id, i), sha); err != nil {
			return nil, 0, err
		}
		item.Stash = append(item.Stash, sha)
	}
	untracked, err := s.runner().Run(top, nil, "git", "ls-files", "--others", "--directory", "-z")
	if err != nil {
		return nil, 0, fmt.Errorf("listing untracked files: %w", err)
	}
	var paths []string
	for _, rel := range strings.Split(string(untracked), "\x00") {
		if rel != "" {
			paths = append(paths, filepath.Join(top, strings.TrimSuffix(rel, "/")))
		}
	}
	files, size, err := s.takeFiles(tmp, paths, false, budget)
	if err != nil {
		return nil, 0, err
	}
	return append([]Item{item}, files...), size, nil
}

// dropGitRefs deletes the refs a snapshot kept alive in its work trees;
// a work tree that is gone has none left to drop.
func (s *Store) dropGitRefs(m *Manifest) {
	for _, it := range m.Items {
		if it.Kind != "git" {
			continue
		}
		refs := []string{"refs/guard/" + m.ID}
		for i := range it.Stash {
			refs = append(refs, fmt.Sprintf("refs/guard/%s-stash-%d", m.ID, i))
		}
		for _, ref := range refs {
			_, _ = s.runner().Run(it.Path, nil, "git", "update-ref", "-d", ref)
		}
	}
}
