package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func gitRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "git-discard",
			Programs:   []string{"git"},
			Decision:   guard.Confirm,
			Summary:    "git reset --hard, clean -f, checkout -- ., restore ., switch --discard-changes, read-tree -u --reset, rm -rf ., worktree remove --force, submodule deinit -f, stash clear: uncommitted work is lost; guard asks git status (read-only, bounded) and passes a discard that loses nothing, naming the files one would lose; git stash drop of one entry warns",
			Postmortem: "git reset --hard on a production checkout with hot-fixes that were never committed",
			Machine:    true,
			Match:      matchGitDiscard,
		},
		{
			ID:         "git-force-push-main",
			Programs:   []string{"git"},
			Decision:   guard.Confirm,
			Summary:    "git push --force to main, master or a branch a team integrates on (develop, staging, release/*, hotfix/*); --force-with-lease on a feature branch is fine",
			Postmortem: "force pushes to shared main branches that erased other people's commits",
			Match:      matchGitForcePush,
		},
		{
			ID:         "git-history-purge",
			Programs:   []string{"git"},
			Decision:   guard.Confirm,
			Summary:    "git reflog expire --expire=now, gc or prune with --prune=now, filter-repo, filter-branch --force or --all: the reflog and unreachable commits, git's own way back after a bad reset or rebase, are deleted; a plain filter-branch warns",
			Postmortem: "a common failure mode: the secret-purging recipe (reflog expire --expire=now --all && gc --prune=now) run in the wrong clone, taking the only copy of commits a reset had just dropped",
			Machine:    true,
			Match:      matchGitHistoryPurge,
		},
		{
			ID:         "git-repo-delete",
			Programs:   []string{"rm", "find"},
			Decision:   guard.Confirm,
			Summary:    "rm -r or find -delete of a repository's .git (or its objects or refs), or rm -r of the repository's top with commits, branches or stashes pushed nowhere: they are gone; the message names the branches ahead of their remote-tracking branch when guard can read .git; a .git with no commit yet, a pushed clone or a scratch repository in /tmp passes",
			Postmortem: "rm -rf .git to start the history afresh, in a clone whose feature branch had never been pushed: a week of commits gone",
			Machine:    true,
			Match:      matchGitRepoDelete,
		},
	}
}

// gitExpiresNow: an expiry time that takes everything (now, all, never
// kept), as git's approxidate reads them.
func gitExpiresNow(v string) bool {
	switch strings.ToLower(strings.Trim(v, "\"' ")) {
	case "now", "all", "0", "0.seconds", "0 seconds", "0.days":
		return true
	}
	return false
}

// matchGitHistoryPurge: commits no branch holds any more (after a reset
// --hard, a rebase, a deleted branch) live on through the reflog for 90
// days and as loose objects for two weeks; these commands end both now.
func matchGitHistoryPurge(inv *guard.Invocation, host guard.Host) *guard.Finding {
	sub, args, dir := gitCommand(inv)
	where := "this repository"
	if dir != "" {
		where = "the repository at " + dir
	}
	p := guard.ParseOptions(args, guard.OptSpec{LongValue: []string{"expire", "expire-unreachable", "prune", "path", "path-glob", "path-regex", "replace-text", "refs", "tree-filter", "index-filter", "msg-filter", "env-filter", "commit-filter", "subdirectory-filter", "parent-filter", "tag-name-filter"}})
	if p.Has("n", "dry-run", "h", "help") {
		return nil
	}
	keep := "keep a way back first: git clone --mirror . ../backup.git (or git bundle create ../backup.bundle --all); look at what would go with git fsck --unreachable and git reflog"
	switch sub {
	case "reflog":
		if len(p.Operands) == 0 || p.Operands[0].Value != "expire" {
			return nil
		}
		for _, v := range p.Values("expire", "expire-unreachable") {
			if gitExpiresNow(v.Value) {
				return guard.Found(guard.Confirm, keep,
					"would empty the reflog of %s%s: it is how commits dropped by a reset --hard, a rebase or a deleted branch are found again, and a gc afterwards deletes them for good", allRefs(p), where)
			}
		}
	case "gc", "prune", "repack":
		for _, v := range p.Values("prune", "expire") {
			if gitExpiresNow(v.Value) {
				return guard.Found(guard.Confirm, keep,
					"would delete every unreachable object in %s at once, instead of after two weeks: commits no branch or reflog holds any more cannot be brought back", where)
			}
		}
	case "filter-repo":
		return guard.Found(guard.Confirm, "run it in a fresh clone (git clone --no-local SRC work && cd work), never in the only copy; try it with --dry-run first",
			"would rewrite every commit of %s in place and expire its reflog and old objects: the history as it was is gone from this clone, and every other clone must be re-cloned", where)
	case "filter-branch":
		every := ""
		if p.Has("all") || slices.ContainsFunc(p.Operands, func(a guard.Arg) bool { return a.Value == "--all" }) {
			every = ", every branch and tag at once"
		}
		if every != "" || p.Has("f", "force") {
			// --force replaces refs/original/, the backup an earlier run
			// left; --all rewrites every branch and tag.
			return guard.Found(guard.Confirm, "run it in a fresh clone (git clone --no-local SRC work && cd work), or git filter-repo there; keep a bundle first: git bundle create ../backup.bundle --all",
				"would rewrite the history of %s in place%s: every other clone and open pull request is left on the old commits, and --force replaces refs/original/, the backup an earlier run left", where, every)
		}
		return guard.Found(guard.Warn, "git filter-repo in a fresh clone is the safer tool; refs/original/ keeps the old branches until you delete it",
			"would rewrite the history of %s in place (the old branches stay under refs/original/ until removed)", where)
	}
	return nil
}

func allRefs(p guard.Parsed) string {
	if p.Has("all") {
		return "every branch in "
	}
	return ""
}

var gitGlobalSpec = guard.OptSpec{
	ShortValue:    "Cc",
	LongValue:     []string{"git-dir", "work-tree", "namespace", "exec-path", "config-env", "super-prefix", "list-cmds"},
	StopAtOperand: true,
}

// gitCommand splits `git [global options] SUBCOMMAND ARGS` and returns the
// work tree folder it acts on ("" when unknown).
func gitCommand(inv *guard.Invocation) (sub string, args []guard.Arg, dir string) {
	p := guard.ParseOptions(inv.Args, gitGlobalSpec)
	if len(p.Operands) == 0 {
		return "", nil, ""
	}
	dir = inv.Cwd
	for _, c := range p.Values("C") {
		dir = ""
		if c.Known {
			dir = inv.Path(c.Value)
		}
	}
	if wt, ok := p.Value("work-tree"); ok {
		dir = inv.Path(wt.Value)
	}
	return p.Operands[0].Value, p.Rest, dir
}

func matchGitDiscard(inv *guard.Invocation, host guard.Host) *guard.Finding {
	sub, args, dir := gitCommand(inv)
	p := guard.ParseOptions(args, guard.OptSpec{ShortValue: "emb", LongValue: []string{"exclude", "source", "pathspec-from-file"}})
	where := "the work tree"
	if dir != "" {
		where = dir
	}
	keep := "keep a copy first: git stash push --include-untracked (bring it back with git stash pop); look with git status and git diff"
	switch sub {
	case "reset":
		if p.Has("hard") {
			if f, ok := gitWorkKept(inv, dir, gitTracked); ok {
				return f
			}
			if f, ok := discardJudged(inv, host, dir, false, trackedWork, nil, keep); ok {
				return f
			}
			return guard.Found(guard.Confirm, keep, "would throw away every uncommitted change in %s: work that was never committed cannot be brought back", where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
		}
	case "clean":
		if p.Has("f", "force") {
			need := gitUntracked
			if p.Has("x", "X") {
				need = gitIgnored
			}
			if f, ok := gitWorkKept(inv, dir, need); ok {
				return f
			}
			if f, ok := discardJudged(inv, host, dir, need == gitIgnored, cleanLoses(p), cleanKeeps(guard.ArgValues(p.Values("e", "exclude")), pathspecTakes(dir, guard.ArgValues(p.Operands))), "see what would go first: git clean -n"+strings.Repeat("d", min(p.Count("d"), 1))+strings.Repeat("x", min(p.Count("x"), 1))); ok {
				return f
			}
			if gitIgnoredPaths(inv, host, dir, p.Operands) {
				return nil // build output the project ignores: git clean -fdx build/
			}
			if out := gitOutputPaths(inv, host, dir, p.Operands); out != "" {
				return guard.Found(guard.Warn, "see what would go first: git clean -n"+strings.Repeat("d", min(p.Count("d"), 1))+strings.Repeat("x", min(p.Count("x"), 1))+" "+out,
					"would delete the untracked files in %s, named like build output or caches the project makes again (no .gitignore guard could read says so)", out)
			}
			what := "untracked files"
			if p.Has("d") {
				what = "untracked files and folders"
			}
			if p.Has("x") {
				what += ", ignored ones included (.env, build caches, local configs)"
			}
			return guard.Found(guard.Confirm, "see what would go first: git clean -n"+strings.Repeat("d", min(p.Count("d"), 1))+strings.Repeat("x", min(p.Count("x"), 1)),
				"would delete %s in %s: they are not in git, so git cannot bring them back", what, where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
		}
	case "checkout", "restore":
		if sub == "restore" && p.Has("staged", "S") && !p.Has("worktree", "W") {
			return nil
		}
		for _, o := range p.Operands {
			if o.Value == "." || o.Value == "*" || o.Value == ":/" {
				if f, ok := gitWorkKept(inv, dir, gitTracked); ok {
					return f
				}
				if f, ok := discardJudged(inv, host, dir, false, restoreLoses(sub, p, args), pathspecTakes(dir, []string{o.Value}), keep); ok {
					return f
				}
				return guard.Found(guard.Confirm, keep, "would discard every uncommitted change to tracked files in %s", where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
			}
		}
		if specs := restoredFolders(inv, host, sub, args, p.Operands); len(specs) > 0 && dir != "" {
			if _, ok := gitWorkKept(inv, dir, gitTracked); !ok {
				// a folder or a pattern: what git reports lost asks, and
				// where git cannot tell it passes as it always did
				if f, _ := discardJudged(inv, host, dir, false, restoreLoses(sub, p, args), pathspecTakes(dir, specs), keep); f != nil {
					return f
				}
			}
		}
		if sub == "checkout" && p.Has("f", "force") {
			if f, ok := gitWorkKept(inv, dir, gitTracked); ok {
				return f
			}
			if f, ok := discardJudged(inv, host, dir, false, trackedWork, nil, keep); ok {
				return f
			}
			return guard.Found(guard.Confirm, keep, "would switch branches discarding local changes in %s", where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
		}
	case "switch":
		if p.Has("discard-changes", "f", "force") {
			if f, ok := gitWorkKept(inv, dir, gitTracked); ok {
				return f
			}
			if f, ok := discardJudged(inv, host, dir, false, trackedWork, nil, keep); ok {
				return f
			}
			return guard.Found(guard.Confirm, keep, "would switch branches discarding local changes in %s", where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
		}
	case "read-tree":
		// read-tree -u --reset: checkout -f through the plumbing
		if p.Has("reset") && p.Has("u") {
			if f, ok := gitWorkKept(inv, dir, gitTracked); ok {
				return f
			}
			if f, ok := discardJudged(inv, host, dir, false, trackedWork, nil, keep); ok {
				return f
			}
			return guard.Found(guard.Confirm, keep, "would overwrite every tracked file in %s with the tree it reads, discarding uncommitted changes", where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
		}
	case "rm":
		if !p.Has("f", "force") || p.Has("cached", "n", "dry-run") {
			return nil // without -f git rm refuses a file with changes
		}
		for _, o := range p.Operands {
			if o.Value == "." || o.Value == "*" || o.Value == ":/" {
				return guard.Found(guard.Confirm, keep+"; to stop tracking files but keep them: git rm -r --cached",
					"would delete every tracked file in %s, uncommitted changes to them included: git checkout HEAD -- . brings back what was committed, not the changes", where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
			}
		}
	case "worktree":
		if len(p.Operands) > 1 && p.Operands[0].Value == "remove" && p.Has("f", "force") {
			tree := p.Operands[1].Value
			return guard.Found(guard.Confirm, "look first: git -C "+tree+" status; without --force git refuses a worktree with changes",
				"would delete the worktree %s with its uncommitted changes and untracked files: they are in no commit", tree)
		}
	case "submodule":
		if len(p.Operands) > 0 && p.Operands[0].Value == "deinit" && p.Has("f", "force") {
			return guard.Found(guard.Confirm, "look first: git submodule foreach git status; without --force git refuses a submodule with changes",
				"would remove the work trees of the submodules in %s with their local changes", where)
		}
	case "branch":
		return gitBranchForceDelete(args, where)
	case "update-ref":
		// git branch -D in plumbing: update-ref -d refs/heads/main
		up := guard.ParseOptions(args, guard.OptSpec{ShortValue: "m", LongValue: []string{"create-reflog"}})
		if up.Has("d") && len(up.Operands) > 0 {
			if name, ok := strings.CutPrefix(up.Operands[0].Value, "refs/heads/"); ok {
				return gitBranchForceDelete([]guard.Arg{{Text: "-D", Value: "-D", Known: true}, {Text: up.Operands[0].Text, Value: name, Known: up.Operands[0].Known}}, where)
			}
		}
	case "stash":
		if len(p.Operands) > 0 && p.Operands[0].Value == "clear" {
			return guard.Found(guard.Confirm, "drop one entry at a time after looking at it: git stash list; git stash show -p stash@{N}", "would delete every stash entry in %s", where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
		}
		if len(p.Operands) > 0 && p.Operands[0].Value == "drop" {
			// one entry: its commit stays reachable only by its hash
			// (git fsck --unreachable), which git drop prints once
			entry := "stash@{0}"
			if len(p.Operands) > 1 {
				entry = p.Operands[1].Text
			}
			return guard.Found(guard.Warn, "look at it first: git stash show -p "+entry+"; to bring a dropped one back: git stash apply HASH (the hash git printed when it dropped it)",
				"deletes the stash entry %s in %s: the work kept in it is gone from the list", entry, where)
		}
	}
	return nil
}

// cleanLoses is what git clean loses: untracked files, the ignored ones
// too with -x (but output the project makes again), or those alone with
// -X.
func cleanLoses(p guard.Parsed) func(guard.WorkFile) bool {
	ignored := func(f guard.WorkFile) bool { return f.Ignored && !outputFile(f.Path) }
	switch {
	case p.Has("X"):
		return ignored
	case p.Has("x"):
		return func(f guard.WorkFile) bool { return f.Untracked || ignored(f) }
	}
	return func(f guard.WorkFile) bool { return f.Untracked }
}

// restoreLoses is what git checkout -- PATH or git restore PATH loses:
// the changes not in the index, when it copies from the index; every
// change, when it copies from a commit (checkout TREE -- PATH, restore
// --source, restore --staged --worktree).
func restoreLoses(sub string, p guard.Parsed, args []guard.Arg) func(guard.WorkFile) bool {
	fromCommit := false
	if sub == "restore" {
		_, source := p.Value("s", "source")
		fromCommit = source || p.Has("S", "staged")
	} else if i := slices.IndexFunc(args, func(a guard.Arg) bool { return a.Value == "--" }); i > 0 {
		fromCommit = slices.ContainsFunc(args[:i], func(a guard.Arg) bool { return !strings.HasPrefix(a.Value, "-") })
	}
	if fromCommit {
		return trackedWork
	}
	return unstagedWork
}

// restoredFolders are the pathspecs of a git checkout or restore that name
// a folder or a pattern (src/, 'src/*.ts'), not one file: for checkout
// those after --, or any that is a folder on the host.
func restoredFolders(inv *guard.Invocation, host guard.Host, sub string, args, operands []guard.Arg) []string {
	dashes := slices.IndexFunc(args, func(a guard.Arg) bool { return a.Value == "--" })
	var specs []string
	for _, o := range operands {
		if !o.Known {
			continue
		}
		afterDashes := dashes >= 0 && slices.ContainsFunc(args[dashes+1:], func(a guard.Arg) bool { return a.Text == o.Text && a.Value == o.Value })
		if sub == "checkout" && dashes >= 0 && !afterDashes {
			continue // the commit to copy from
		}
		info, err := host.Lstat(inv.Path(o.Value))
		if strings.ContainsAny(o.Value, "*?[") || err == nil && info.IsDir() {
			specs = append(specs, o.Value)
		}
	}
	return specs
}

// gitWork is how much of a work tree a discard loses, or a keeping
// command keeps: each level holds the ones before it.
type gitWork int

const (
	gitTracked   gitWork = iota + 1 // changes to tracked files
	gitUntracked                    // and files git does not track
	gitIgnored                      // and the ignored ones (.env, caches)
)

// gitWorkKept: an earlier git command of the line that certainly ran
// (guard.Invocation.RanBefore) in the same work tree kept what the discard
// loses, so that nothing uncommitted is lost: git stash (tracked
// changes), git stash -u (untracked files too), git stash -a (ignored
// ones too), git commit -a, or git add -A/. before a git commit (the
// commit a reset then drops stays in the reflog: a warning). Not a stash
// of some paths (-p, --staged, a pathspec), and not when git stash pop,
// apply, drop or clear came after it: the work is back in the tree, or
// the entry is gone. git branch or git tag before a reset keep the
// commits, not the uncommitted work: they do not count. ok is false when
// nothing kept the work; the finding is nil when the discard loses
// nothing at all.
func gitWorkKept(inv *guard.Invocation, dir string, need gitWork) (f *guard.Finding, ok bool) {
	if dir == "" {
		return nil, false // which work tree is not known
	}
	committed := false // a git commit without -a came later on the line
	for b := range inv.SucceededBefore {
		if b.Program != "git" {
			continue
		}
		sub, args, bdir := gitCommand(b)
		if bdir != dir {
			continue // another work tree
		}
		switch sub {
		case "stash":
			kept, broken := gitStashKeeps(args)
			if broken {
				return nil, false
			}
			if kept >= need {
				return nil, true
			}
		case "commit":
			p := guard.ParseOptions(args, guard.OptSpec{ShortValue: "mFCcut", LongValue: []string{"message", "file", "reuse-message", "reedit-message", "fixup", "squash", "author", "date", "template", "cleanup", "trailer", "pathspec-from-file", "untracked-files"}})
			if p.Has("a", "all") && need <= gitTracked {
				return gitCommitKept(dir), true
			}
			committed = committed || len(p.Operands) == 0
		case "add":
			if !committed {
				continue
			}
			p := guard.ParseOptions(args, guard.OptSpec{LongValue: []string{"chmod", "pathspec-from-file"}})
			kept := gitWork(0)
			if p.Has("u", "update") {
				kept = gitTracked
			}
			if p.Has("A", "all") || slices.ContainsFunc(p.Operands, func(o guard.Arg) bool { return o.Value == "." || o.Value == ":/" }) {
				kept = gitUntracked
			}
			if kept >= need {
				return gitCommitKept(dir), true
			}
		}
	}
	return nil, false
}

// gitCommitKept: the work was committed just before a discard; a reset
// to an older commit drops that commit from the branch, and the reflog
// still holds it.
func gitCommitKept(dir string) *guard.Finding {
	return guard.Found(guard.Warn, "to bring it back: git reflog, then git reset --hard HEAD@{N} or git cherry-pick HEAD@{N}",
		"the uncommitted work in %s was committed just before: a reset to an older commit leaves that commit only to the reflog (kept about 30 days)", dir)
}

// gitStashKeeps reads a git stash command: how much of the work tree it
// puts away (0 for a listing, or a stash of some paths only), and broken
// when it brings a stash back into the tree or deletes entries (pop,
// apply, drop, clear, branch), so that an earlier stash keeps nothing.
func gitStashKeeps(args []guard.Arg) (kept gitWork, broken bool) {
	p := guard.ParseOptions(args, guard.OptSpec{ShortValue: "m", LongValue: []string{"message", "pathspec-from-file"}})
	operands := p.Operands
	if len(operands) > 0 {
		switch operands[0].Value {
		case "push":
			operands = operands[1:]
		case "save":
			operands = nil // the rest is the message
		case "pop", "apply", "drop", "clear", "branch":
			return 0, true
		default:
			return 0, false // list, show, create, store
		}
	}
	if len(operands) > 0 || p.Has("p", "patch", "S", "staged", "pathspec-from-file") {
		return 0, false // some paths only
	}
	switch {
	case p.Has("a", "all"):
		return gitIgnored, false
	case p.Has("u", "include-untracked"):
		return gitUntracked, false
	}
	return gitTracked, false
}

// gitBranchForceDelete: git branch -D main deletes the shared branch's
// local copy whether or not it was pushed; its unpushed commits are left
// to the reflog.
func gitBranchForceDelete(args []guard.Arg, where string) *guard.Finding {
	p := guard.ParseOptions(args, guard.OptSpec{ShortValue: "ut", LongValue: []string{"set-upstream-to", "track", "contains", "no-contains", "merged", "no-merged", "points-at", "sort", "format", "color", "column"}})
	force := p.Has("D") || p.Has("d", "delete") && p.Has("f", "force")
	if !force {
		return nil // -d refuses a branch that is not merged
	}
	for _, o := range p.Operands {
		if protectedBranches[o.Value] {
			return guard.Found(guard.Confirm, "see what only it has first: git log --oneline origin/"+o.Value+".."+o.Value+"; git branch -d "+o.Value+" refuses when something is unmerged",
				"would delete the branch %s in %s even if it holds commits pushed nowhere: they are left only to the reflog (git reflog; git branch %s HEAD@{N} brings it back)", o.Value, where, o.Value)
		}
	}
	return nil
}

var gitPushSpec = guard.OptSpec{ShortValue: "o", LongValue: []string{"repo", "receive-pack", "exec", "push-option", "signed"}}

// protectedBranches are the shared branches a force push must not rewrite.
var protectedBranches = map[string]bool{"main": true, "master": true, "trunk": true, "production": true, "prod": true, "release": true}

// sharedBranch: a protected branch, or one a team integrates on
// (develop, staging, release/2.3, hotfix/…), whose history others build on.
func sharedBranch(b string) bool {
	switch {
	case protectedBranches[b], b == "develop", b == "development", b == "dev", b == "staging", b == "stable":
		return true
	}
	for _, prefix := range []string{"release/", "releases/", "hotfix/", "stable/"} {
		if strings.HasPrefix(b, prefix) {
			return true
		}
	}
	return false
}

func matchGitForcePush(inv *guard.Invocation, host guard.Host) *guard.Finding {
	sub, args, dir := gitCommand(inv)
	if sub != "push" {
		return nil
	}
	p := guard.ParseOptions(args, gitPushSpec)
	if f := deletesProtected(inv, p); f != nil {
		return f
	}
	force := p.Has("f", "force", "mirror")
	lease := p.Has("force-with-lease", "force-if-includes")
	var refspecs []string
	for i, o := range p.Operands {
		if i == 0 {
			continue // the remote
		}
		if strings.HasPrefix(o.Value, "+") {
			force = true
		}
		refspecs = append(refspecs, o.Value)
	}
	if !force && !lease {
		return nil
	}
	remote := "the remote"
	if len(p.Operands) > 0 {
		remote = p.Operands[0].Value
	}
	var branches []string
	for _, r := range refspecs {
		_, dst, ok := strings.Cut(strings.TrimPrefix(r, "+"), ":")
		if !ok {
			dst = strings.TrimPrefix(r, "+")
		}
		branches = append(branches, strings.TrimPrefix(dst, "refs/heads/"))
	}
	if len(branches) == 0 && !p.Has("all", "mirror") {
		if b := currentBranch(host, dir); b != "" {
			branches = []string{b}
		}
	}
	for _, b := range branches {
		if b == "HEAD" || b == "@" {
			b = currentBranch(host, dir) // git push origin HEAD --force: the branch checked out
		}
		if !sharedBranch(b) && !p.Has("all", "mirror") {
			continue
		}
		how := "--force"
		if lease && !force {
			how = "--force-with-lease"
		}
		return guard.Found(guard.Confirm,
			"rewrite a feature branch instead (git push --force-with-lease origin BRANCH); on "+b+" undo with git revert, which adds a commit",
			"would rewrite %s on %s with %s: commits others pushed there are lost for everyone who pulls", b, remote, how)
	}
	if p.Has("all", "mirror") && force {
		return guard.Found(guard.Confirm, "push the branches you mean by name", "would force-push every branch to %s, main included", remote)
	}
	return nil
}

// deletesProtected: git push origin :main, git push --delete origin main.
func deletesProtected(inv *guard.Invocation, p guard.Parsed) *guard.Finding {
	if len(p.Operands) == 1 && p.Has("d", "delete") && inv.MoreOperands == "xargs" &&
		slices.ContainsFunc(inv.Stdin, func(up *guard.Invocation) bool { return up.Program == "git" }) {
		remote := p.Operands[0].Value
		merged := slices.ContainsFunc(inv.Stdin, func(up *guard.Invocation) bool {
			return up.Program == "git" && slices.ContainsFunc(up.Args, func(a guard.Arg) bool { return a.Value == "--merged" })
		})
		if merged { // the routine cleanup of merged branches
			return guard.Found(guard.Warn, "git ls-remote --heads "+remote+" shows what is there",
				"deletes on %s every merged branch git lists upstream, for everyone", remote)
		}
		return guard.Found(guard.Confirm, "list them first (git ls-remote --heads "+remote+") and delete the branches you mean by name",
			"would delete on %s every branch git lists upstream, read by xargs, for everyone: main included unless the listing leaves it out", remote)
	}
	if len(p.Operands) < 2 {
		return nil
	}
	remote := p.Operands[0].Value
	for _, o := range p.Operands[1:] {
		if p.Has("d", "delete") && (slices.Contains(o.Sources, "git") || o.Origin == "xargs" && !o.Known) {
			// a list guard read (xargs < branches.txt) is judged by name below
			return guard.Found(guard.Confirm, "list them first (git ls-remote --heads "+remote+") and delete the branches you mean by name",
				"would delete on %s every branch the listing upstream prints (%s), for everyone: main included unless the listing leaves it out", remote, o.Text)
		}
		branch, deleting := strings.CutPrefix(o.Value, ":")
		if p.Has("d", "delete") {
			branch, deleting = o.Value, true
		}
		branch = strings.TrimPrefix(branch, "refs/heads/")
		if deleting && protectedBranches[branch] {
			return guard.Found(guard.Confirm, "check the remote and branch first: git ls-remote "+remote+" "+branch,
				"would delete the branch %s on %s for everyone (open pull requests and CI that track it break)", branch, remote)
		}
	}
	return nil
}

// gitIgnoredPaths tells whether git clean is limited to paths the
// project's top .gitignore ignores whole (build/, dist, node_modules):
// what it deletes there is output the project makes again, never work.
// Only plain paths count, and only when no pattern of the file is negated
// (!keep.me) or spans folders (**): guard reads the file, it does not run
// git.
func gitIgnoredPaths(inv *guard.Invocation, host guard.Host, dir string, pathspecs []guard.Arg) bool {
	if dir == "" || len(pathspecs) == 0 || inv.Remote != "" {
		return false
	}
	top := ""
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := host.Lstat(filepath.Join(d, ".git")); err == nil {
			top = d
			break
		}
		if d == "/" {
			return false
		}
	}
	data, err := host.ReadFile(filepath.Join(top, ".gitignore"), 64<<10)
	if err != nil {
		return false
	}
	var patterns []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "!") || strings.Contains(line, "**") || strings.Contains(line, "\\"):
			return false
		default:
			patterns = append(patterns, line)
		}
	}
	for _, ps := range pathspecs {
		if !ps.Known || ps.Value == "" || strings.HasPrefix(ps.Value, ":") || strings.ContainsAny(ps.Value, "*?[") {
			return false
		}
		rel, err := filepath.Rel(top, inv.Path(ps.Value))
		if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			return false
		}
		if !ignoredByPatterns(host, top, rel, patterns) {
			return false
		}
	}
	return true
}

// outputNames are the folders build tools and test runners make and make
// again; outputFiles the kinds of file a compiler or a run leaves behind.
var (
	outputNames = []string{"build", "dist", "out", "target", "gen", "generated", "node_modules", "__pycache__",
		".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".nox", ".next", ".nuxt", ".parcel-cache",
		".gradle", ".cache", "coverage", "htmlcov", ".coverage", "tmp", "temp", "obj"}
	outputFiles = []string{"*.pyc", "*.pyo", "*.o", "*.obj", "*.class", "*.log", "*.tmp", "*.orig", "*.rej", "*.swp", "*~"}
)

// gitOutputPaths tells, as text for the message, the pathspecs of a git
// clean limited to build output by name (build/, src/gen, '*.pyc') inside
// the folder it runs in, or "" when one of them may hold work: the top of
// the repository, a folder above, any other name or pattern. Such a clean
// deletes at most what rm -rf of the same folder would, and less: only
// what git does not track.
func gitOutputPaths(inv *guard.Invocation, host guard.Host, dir string, pathspecs []guard.Arg) string {
	if dir == "" || len(pathspecs) == 0 || inv.Remote != "" || gitignoreKeeps(host, dir) {
		return ""
	}
	var names []string
	for _, ps := range pathspecs {
		v := ps.Value
		if !ps.Known || v == "" || strings.HasPrefix(v, ":") {
			return "" // a magic pathspec (:/, :(top)) reaches the whole tree
		}
		if strings.ContainsAny(v, "*?[") {
			if !slices.Contains(outputFiles, v) {
				return ""
			}
			names = append(names, v)
			continue
		}
		full := inv.Path(v)
		if !filepath.IsAbs(v) && !strings.HasPrefix(v, "~") {
			full = filepath.Join(dir, v) // git -C DIR takes pathspecs in DIR
		}
		rel, err := filepath.Rel(dir, full)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
			return ""
		}
		if !slices.Contains(outputNames, filepath.Base(rel)) {
			return ""
		}
		names = append(names, v)
	}
	return strings.Join(names, " ")
}

// gitignoreKeeps tells whether the .gitignore at the top of the
// repository around dir keeps some file back from its patterns (!keep.me):
// the project then says that part of what it ignores is work.
func gitignoreKeeps(host guard.Host, dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := host.Lstat(filepath.Join(d, ".git")); err == nil {
			data, err := host.ReadFile(filepath.Join(d, ".gitignore"), 64<<10)
			if err != nil {
				return false
			}
			for _, line := range strings.Split(string(data), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "!") {
					return true
				}
			}
			return false
		}
		if d == "/" || d == "." {
			return false
		}
	}
}

// ignoredByPatterns: rel, or a folder it is in, matches one of the
// .gitignore patterns of top.
func ignoredByPatterns(host guard.Host, top, rel string, patterns []string) bool {
	parts := strings.Split(rel, "/")
	for i := range parts {
		prefix := strings.Join(parts[:i+1], "/")
		for _, pat := range patterns {
			dirOnly := strings.HasSuffix(pat, "/")
			pat = strings.TrimSuffix(pat, "/")
			subject := parts[i]
			if strings.Contains(pat, "/") { // anchored at the top
				pat, subject = strings.TrimPrefix(pat, "/"), prefix
			}
			if ok, _ := filepath.Match(pat, subject); !ok {
				continue
			}
			if dirOnly && i == len(parts)-1 {
				if info, err := host.Lstat(filepath.Join(top, prefix)); err != nil || !info.IsDir() {
					continue
				}
			}
			return true
		}
	}
	return false
}

// currentBranch reads .git/HEAD upward from dir: a file read, no git run.
func currentBranch(host guard.Host, dir string) string {
	for d := dir; d != "" && d != "/"; d = filepath.Dir(d) {
		data, err := host.ReadFile(filepath.Join(d, ".git", "HEAD"), 256)
		if err != nil {
			gitfile, err := host.ReadFile(filepath.Join(d, ".git"), 1024)
			if err != nil {
				continue
			}
			gitdir := strings.TrimSpace(strings.TrimPrefix(string(gitfile), "gitdir:"))
			if !filepath.IsAbs(gitdir) {
				gitdir = filepath.Join(d, gitdir)
			}
			if data, err = host.ReadFile(filepath.Join(gitdir, "HEAD"), 256); err != nil {
				return ""
			}
		}
		ref := strings.TrimSpace(string(data))
		return strings.TrimPrefix(ref, "ref: refs/heads/")
	}
	return ""
}

// matchGitRepoDelete: a repository's .git is its history. The work tree
// survives rm -rf .git, but every commit, branch and stash that no remote
// holds is gone, and git has nothing left to bring them back from.
func matchGitRepoDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	for _, gitDir := range gitDirsDeleted(inv, host) {
		if f := gitRepoLoss(inv, host, gitDir, false); f != nil {
			return f
		}
	}
	for _, gitDir := range reposDeleted(inv, host) {
		if f := gitRepoLoss(inv, host, gitDir, true); f != nil {
			return f
		}
	}
	return nil
}

// reposDeleted lists the .git folders of the repositories rm -r deletes
// whole, work tree and all (rm -rf ~/src/app with ~/src/app/.git): on this
// machine only, where guard can see the .git.
func reposDeleted(inv *guard.Invocation, host guard.Host) []string {
	if inv.Program != "rm" || inv.Remote != "" {
		return nil
	}
	recursive, operands := rmArgs(inv)
	if !recursive {
		return nil
	}
	var found []string
	for _, a := range operands {
		p := inv.Path(a.Value)
		if !a.Known || p == "" || p == "/" || filepath.Base(p) == ".git" {
			continue
		}
		real, _ := guard.ResolvePath(host, p)
		if strings.HasPrefix(real, "/tmp/") || strings.HasPrefix(real, "/var/tmp/") {
			continue // a scratch repository, made to be thrown away
		}
		if info, err := host.Lstat(filepath.Join(real, ".git")); err == nil && info.IsDir() {
			found = append(found, filepath.Join(real, ".git"))
		}
	}
	return found
}

// gitDirsDeleted lists the .git folders the command deletes whole, or
// whose objects or refs it deletes: rm -r of them, or a find -delete (or
// -exec rm) from a repository's top that reaches .git (no test but -type,
// or a name test .git matches). A .git file (a worktree's or a
// submodule's pointer) and a path that does not exist are not history.
func gitDirsDeleted(inv *guard.Invocation, host guard.Host) []string {
	isDir := func(p string) bool {
		if inv.Remote != "" {
			return true // not this machine's: assume it is there
		}
		info, err := host.Lstat(p)
		return err == nil && info.IsDir()
	}
	var found []string
	switch inv.Program {
	case "rm":
		recursive, operands := rmArgs(inv)
		if !recursive {
			return nil // rm refuses a folder
		}
		for _, a := range operands {
			p := inv.Path(a.Value)
			if !a.Known || p == "" {
				continue
			}
			switch {
			case filepath.Base(p) == ".git":
			case (filepath.Base(p) == "objects" || filepath.Base(p) == "refs") && filepath.Base(filepath.Dir(p)) == ".git":
				p = filepath.Dir(p)
			default:
				continue
			}
			if isDir(p) {
				found = append(found, p)
			}
		}
	case "find":
		starts, expr := findStarts(inv)
		e := readFindExpr(expr)
		if !e.deletes {
			return nil
		}
		reaches := !e.narrowed || e.named != "" && (strings.Contains(e.test, "name") && fnmatch(e.named, ".git") || strings.Contains(e.test, "path") && fnmatch(e.named, "./.git"))
		if !reaches {
			return nil
		}
		for _, a := range starts {
			p := filepath.Join(inv.Path(a.Value), ".git")
			if a.Known && inv.Path(a.Value) != "" && isDir(p) {
				found = append(found, p)
			}
		}
	}
	return found
}

// gitRepoLoss says what deleting gitDir loses, from what guard can read
// of it (HEAD, the branches and the remote-tracking branches: files, no
// git run): nil when no commit was ever made.
func gitRepoLoss(inv *guard.Invocation, host guard.Host, gitDir string, whole bool) *guard.Finding {
	hint := "keep the history first: git bundle create ../" + filepath.Base(filepath.Dir(gitDir)) + ".bundle --all (git clone FILE.bundle brings it back), or push the branches you need; to start a fresh history on the same files: git checkout --orphan new-main"
	deletes := "would delete " + gitDir + inv.Where() + ", the repository's history (the files of the work tree stay)"
	if whole {
		hint = "push the branches you need first (git push --all), or keep a copy: git bundle create /tmp/" + filepath.Base(filepath.Dir(gitDir)) + ".bundle --all"
		deletes = "would delete the repository " + filepath.Dir(gitDir) + inv.Where() + ", its history and its work tree"
	}
	if inv.Program == "find" {
		deletes = "would delete " + gitDir + inv.Where() + ", the repository's history, along with what else the find matches"
	}
	if inv.Remote != "" {
		return guard.Found(guard.Confirm, hint, "%s: every commit, branch and stash that was not pushed is gone for good; guard cannot read that machine's .git to tell whether any were", deletes)
	}
	state, err := readGitState(host, gitDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no HEAD: git does not take it for a repository
	}
	if err != nil {
		return guard.Found(guard.Confirm, hint, "%s: every commit, branch and stash that was not pushed is gone for good; guard could not read it to tell whether any were (%v)", deletes, err)
	}
	if len(state.branches) == 0 && !state.detached {
		return nil // git init and nothing committed: nothing to lose
	}
	switch {
	case len(state.remotes) == 0:
		return guard.Found(guard.Confirm, hint, "%s: it has no remote-tracking branch at all, so its commits (%s) are most likely here only and cannot be brought back", deletes, strings.Join(append(state.branches, "HEAD")[:max(len(state.branches), 1)], ", "))
	case len(state.ahead) > 0:
		return guard.Found(guard.Confirm, hint, "%s: %s not where its remote-tracking branch was at the last fetch, so it may hold commits pushed nowhere; they cannot be brought back", deletes, plural(state.ahead))
	case state.stash:
		return guard.Found(guard.Confirm, hint, "%s: every branch matches its remote-tracking branch (as of the last fetch), but the stash entries exist only here", deletes)
	case whole:
		return nil // pushed: deleting a clone is how one is thrown away
	}
	return guard.Found(guard.Confirm, hint, "%s: every branch matches its remote-tracking branch as of the last fetch, so the commits can be cloned again; the reflog, local configuration and hooks cannot", deletes)
}

// plural names the branches in a sentence: "the branch x is", "the
// branches x, y are".
func plural(branches []string) string {
	if len(branches) == 1 {
		return "the branch " + branches[0] + " is"
	}
	return "the branches " + strings.Join(branches, ", ") + " are"
}

// gitState is what guard reads of a .git folder.
type gitState struct {
	branches []string // local branches (short names)
	remotes  []string // remote-tracking branches (origin/main)
	ahead    []string // local branches no remote-tracking branch of the same name points at
	stash    bool
	detached bool // HEAD names a commit, not a branch
}

// gitRefLimit bounds how many refs guard reads of one repository.
const gitRefLimit = 2000

// readGitState reads HEAD, packed-refs and the loose refs under refs/,
// bounded; a repository too large to read is an error (guard says it
// could not tell).
func readGitState(host guard.Host, gitDir string) (gitState, error) {
	var st gitState
	head, err := host.ReadFile(filepath.Join(gitDir, "HEAD"), 256)
	if err != nil {
		return st, fmt.Errorf("reading %s/HEAD: %w", gitDir, err)
	}
	st.detached = !strings.HasPrefix(strings.TrimSpace(string(head)), "ref:")
	refs := map[string]string{}
	if data, err := host.ReadFile(filepath.Join(gitDir, "packed-refs"), 4<<20); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			hash, name, ok := strings.Cut(strings.TrimSpace(line), " ")
			if ok && !strings.HasPrefix(hash, "#") && !strings.HasPrefix(hash, "^") {
				refs[name] = hash
			}
		}
	}
	budget := gitRefLimit
	var walk func(dir, name string, depth int) error
	walk = func(dir, name string, depth int) error {
		entries, complete, err := host.ReadDir(dir, budget)
		if err != nil {
			if depth == 0 {
				return nil // no loose refs
			}
			return fmt.Errorf("listing %s: %w", dir, err)
		}
		if !complete || depth > 8 {
			return fmt.Errorf("%s holds more refs than guard reads (%d)", gitDir, gitRefLimit)
		}
		for _, e := range entries {
			budget--
			if budget <= 0 {
				return fmt.Errorf("%s holds more refs than guard reads (%d)", gitDir, gitRefLimit)
			}
			p, ref := filepath.Join(dir, e.Name()), name+"/"+e.Name()
			if e.IsDir() {
				if err := walk(p, ref, depth+1); err != nil {
					return err
				}
				continue
			}
			data, err := host.ReadFile(p, 128)
			if err != nil {
				return fmt.Errorf("reading %s: %w", p, err)
			}
			refs[ref] = strings.TrimSpace(string(data))
		}
		return nil
	}
	if err := walk(filepath.Join(gitDir, "refs"), "refs", 0); err != nil {
		return st, err
	}
	tracked := map[string]string{} // branch name → hashes of remote-tracking branches of that name
	for name, hash := range refs {
		if rest, ok := strings.CutPrefix(name, "refs/remotes/"); ok && !strings.HasSuffix(rest, "/HEAD") {
			st.remotes = append(st.remotes, rest)
			if _, branch, ok := strings.Cut(rest, "/"); ok {
				tracked[branch] += " " + hash
			}
		}
	}
	for name, hash := range refs {
		switch {
		case name == "refs/stash":
			st.stash = true
		case strings.HasPrefix(name, "refs/heads/"):
			branch := strings.TrimPrefix(name, "refs/heads/")
			st.branches = append(st.branches, branch)
			if !strings.Contains(tracked[branch]+" ", " "+hash+" ") {
				st.ahead = append(st.ahead, branch)
			}
		}
	}
	slices.Sort(st.branches)
	slices.Sort(st.ahead)
	return st, nil
}
