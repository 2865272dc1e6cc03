package rules

import (
	"path/filepath"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func gitRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "git-discard",
			Programs:   []string{"git"},
			Decision:   guard.Confirm,
			Summary:    "git reset --hard, clean -f, checkout -- ., restore ., stash clear: uncommitted work is lost",
			Postmortem: "git reset --hard on a production checkout with hot-fixes that were never committed",
			Match:      matchGitDiscard,
		},
		{
			ID:         "git-force-push-main",
			Programs:   []string{"git"},
			Decision:   guard.Confirm,
			Summary:    "git push --force to main or master (--force-with-lease on a feature branch is fine)",
			Postmortem: "force pushes to shared main branches that erased other people's commits",
			Match:      matchGitForcePush,
		},
	}
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
			return guard.Found(guard.Confirm, keep, "would throw away every uncommitted change in %s: work that was never committed cannot be brought back", where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
		}
	case "clean":
		if p.Has("f", "force") {
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
				return guard.Found(guard.Confirm, keep, "would discard every uncommitted change to tracked files in %s", where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
			}
		}
		if sub == "checkout" && p.Has("f", "force") {
			return guard.Found(guard.Confirm, keep, "would switch branches discarding local changes in %s", where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
		}
	case "stash":
		if len(p.Operands) > 0 && p.Operands[0].Value == "clear" {
			return guard.Found(guard.Confirm, "drop one entry at a time after looking at it: git stash list; git stash show -p stash@{N}", "would delete every stash entry in %s", where).Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir})
		}
	}
	return nil
}

var gitPushSpec = guard.OptSpec{ShortValue: "o", LongValue: []string{"repo", "receive-pack", "exec", "push-option", "signed"}}

// protectedBranches are the shared branches a force push must not rewrite.
var protectedBranches = map[string]bool{"main": true, "master": true, "trunk": true, "production": true, "prod": true, "release": true}

func matchGitForcePush(inv *guard.Invocation, host guard.Host) *guard.Finding {
	sub, args, dir := gitCommand(inv)
	if sub != "push" {
		return nil
	}
	p := guard.ParseOptions(args, gitPushSpec)
	if f := deletesProtected(p); f != nil {
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
		if !protectedBranches[b] && !p.Has("all", "mirror") {
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
func deletesProtected(p guard.Parsed) *guard.Finding {
	if len(p.Operands) < 2 {
		return nil
	}
	remote := p.Operands[0].Value
	for _, o := range p.Operands[1:] {
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
