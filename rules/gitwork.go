package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// The state of a git work tree, as git status tells it through the host
// (read-only, bounded): which files hold work no commit has. git-discard
// asks it to pass a discard that loses nothing, and to name what it
// loses; git-uncommitted-delete to catch a delete that takes such work
// inside a repository whose .git stays.

func gitWorkRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "git-uncommitted-delete",
		Programs:   []string{"rm", "find"},
		Decision:   guard.Confirm,
		Summary:    "rm -r of a folder, rm of a pattern (src/*.ts, ./*), find -delete or -exec rm, xargs rm of what git ls-files, git diff --name-only, git status or find lists, inside a git work tree, taking files with uncommitted changes or untracked files git does not ignore: git brings back the committed files, not that work; a file named by itself, ignored build output, changes still in the index and a tree git reports clean pass",
		Postmortem: "rm -rf src/* to regenerate the sources from a template, in a checkout holding two days of uncommitted work: git restore . brought back the last commit, not the work",
		Machine:    true,
		Match:      matchGitUncommittedDelete,
	}}
}

// workTreeAt is the state of the work tree dir is in, when guard can tell:
// on this machine, outside a container, and git answering.
func workTreeAt(inv *guard.Invocation, host guard.Host, dir string, ignored bool) (guard.WorkTree, bool) {
	if inv.Remote != "" || inv.Container != "" || dir == "" {
		return guard.WorkTree{}, false
	}
	tree, err := host.WorkTree(dir, ignored)
	return tree, err == nil
}

// lostWork is what a discard or a delete takes of a work tree: the files
// it loses, and whether the list is whole.
type lostWork struct {
	changed, staged, untracked, ignored []string
	complete                            bool
}

func (l lostWork) empty() bool {
	return len(l.changed)+len(l.staged)+len(l.untracked)+len(l.ignored) == 0
}

// String names the lost files for a tired operator: "2 files with
// uncommitted changes (src/a.ts, README.md) and 1 untracked file
// (notes.txt)".
func (l lostWork) String() string {
	var parts []string
	atLeast := ""
	if !l.complete {
		atLeast = "at least "
	}
	for _, group := range []struct {
		files []string
		what  string
	}{
		{l.changed, "with uncommitted changes"}, {l.staged, "with staged changes"},
		{l.untracked, "untracked"}, {l.ignored, "ignored"},
	} {
		if len(group.files) == 0 {
			continue
		}
		n := guard.Plural(int64(len(group.files)), "file")
		if strings.HasPrefix(group.what, "with") {
			n += " " + group.what
		} else {
			n = strings.Replace(n, " file", " "+group.what+" file", 1)
		}
		parts = append(parts, fmt.Sprintf("%s%s (%s)", atLeast, n, listSome(group.files, 3)))
		atLeast = ""
	}
	return strings.Join(parts, " and ")
}

// workLoss sorts the files of tree a command takes (takes, on absolute
// paths) by kind, keeping the kinds it loses (loses).
func workLoss(tree guard.WorkTree, loses func(guard.WorkFile) bool, takes func(abs string) bool) lostWork {
	l := lostWork{complete: tree.Complete}
	for _, f := range tree.Files {
		if !loses(f) || !takes(f.Abs(tree.Top)) {
			continue
		}
		switch {
		case f.Untracked:
			l.untracked = append(l.untracked, f.Path)
		case f.Ignored:
			l.ignored = append(l.ignored, f.Path)
		case f.Unstaged:
			l.changed = append(l.changed, f.Path)
		default:
			l.staged = append(l.staged, f.Path)
		}
	}
	return l
}

// deletedWork is what a delete of the work tree's files loses: changes
// that are in the work tree only, and untracked files. What the index
// holds comes back with git checkout -- PATH, ignored files are output
// the project makes again (or secrets the rules for them guard).
func deletedWork(f guard.WorkFile) bool { return f.Untracked || f.Unstaged && !f.Gone }

// within: path is dir or below it.
func within(path, dir string) bool {
	return path == dir || dir == "/" || strings.HasPrefix(path, dir+"/")
}

func matchGitUncommittedDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Remote != "" || inv.Container != "" {
		return nil // another machine's work trees
	}
	var takes func(string) bool
	var near string // a folder of the work tree the delete is in
	loses := deletedWork
	switch {
	case inv.Program == "find":
		takes, near = findTakes(inv, host, true)
	case inv.MoreOperands == "xargs":
		takes, near, loses = listedTakes(inv, host)
	default:
		takes, near = rmTakes(inv, host)
		if takes == nil {
			takes, near, loses = gitListedOperand(inv)
		}
	}
	if takes == nil {
		return nil
	}
	tree, ok := workTreeAt(inv, host, near, false)
	if !ok {
		return nil // not a work tree guard can read: the other rules judge it
	}
	if _, kept := gitWorkKept(inv, inv.Cwd, gitUntracked); kept {
		return nil // git stash -u (or a commit of everything) ran first
	}
	lost := workLoss(tree, loses, takes)
	if lost.empty() {
		return nil
	}
	return guard.Found(guard.Confirm,
		"commit or stash the work first: git stash push --include-untracked (git stash pop brings it back); see it with git status",
		"would delete %s in the git work tree %s: git brings back committed files, not work that was never committed", lost, tree.Top).
		Saving(guard.Backup{Kind: guard.BackupGit, Dir: tree.Top})
}

// rmTakes: which paths an rm takes. A file named by itself is left to the
// operator who named it; a folder of rm -r, a pattern's matches (and
// what is below them, with -r) and the operands find or xargs supply
// count.
func rmTakes(inv *guard.Invocation, host guard.Host) (func(string) bool, string) {
	recursive, operands := rmArgs(inv)
	var tests []func(string) bool
	near := ""
	for _, a := range operands {
		if !a.Known || refusedByRm(a.Value) {
			continue
		}
		p := inv.Path(a.Value)
		if p == "" {
			continue
		}
		if a.Glob {
			pattern := strings.Split(strings.TrimPrefix(p, "/"), "/")
			tests = append(tests, func(abs string) bool { return globTakes(pattern, abs, recursive) })
			near = firstSet(near, literalDir(p))
			continue
		}
		t := TargetOf(inv, host, a)
		target := firstSet(t.Resolved, t.Path)
		switch {
		case recursive:
			tests = append(tests, func(abs string) bool { return within(abs, target) })
		case a.Origin != "" || strings.ContainsAny(a.Text, "*?["):
			// a match of a pattern, or a file find or xargs hands on
			tests = append(tests, func(abs string) bool { return abs == target })
		default:
			continue // a file named by itself
		}
		near = firstSet(near, filepath.Dir(target))
	}
	if len(tests) == 0 {
		return nil, ""
	}
	return func(abs string) bool {
		for _, t := range tests {
			if t(abs) {
				return true
			}
		}
		return false
	}, near
}

func firstSet(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// literalDir is the folder of a pattern's path before its first pattern
// character: /srv/app/src for /srv/app/src/*.ts.
func literalDir(p string) string {
	i := strings.IndexAny(p, "*?[")
	if i < 0 {
		return filepath.Dir(p)
	}
	return filepath.Dir(p[:i+1])
}

// globTakes: abs is a match of the pattern (split in components), or
// below one when the delete is recursive. A leading dot is matched only
// by a dot, as bash does without dotglob.
func globTakes(pattern []string, abs string, recursive bool) bool {
	parts := strings.Split(strings.TrimPrefix(abs, "/"), "/")
	if len(parts) < len(pattern) || len(parts) > len(pattern) && !recursive {
		return false
	}
	for i, pat := range pattern {
		if strings.HasPrefix(parts[i], ".") && !strings.HasPrefix(pat, ".") {
			return false
		}
		if ok, err := filepath.Match(pat, parts[i]); err != nil || !ok {
			return false
		}
	}
	return true
}

// findTakes: which paths a find that deletes (-delete, -exec rm) takes,
// or one that lists what xargs rm deletes (deletes false),
// below its starting points: all of them, or those its one name test
// matches; nil when another test narrows it in a way guard does not
// follow (-mtime, -size).
func findTakes(inv *guard.Invocation, host guard.Host, deletes bool) (func(string) bool, string) {
	starts, expr := findStarts(inv)
	e := readFindExpr(expr)
	if deletes && !e.deletes || e.narrowed && e.named == "" {
		return nil, ""
	}
	type start struct{ dir, text string }
	var dirs []start
	for _, a := range starts {
		if !a.Known {
			continue
		}
		if t := TargetOf(inv, host, a); t.Resolved != "" {
			dirs = append(dirs, start{t.Resolved, strings.TrimSuffix(a.Value, "/")})
		}
	}
	if len(dirs) == 0 {
		return nil, ""
	}
	test := strings.TrimPrefix(e.test, "-")
	named := e.named
	match := func(s string) bool { return fnmatch(named, s) }
	if strings.HasPrefix(test, "i") {
		named = strings.ToLower(named)
		match = func(s string) bool { return fnmatch(named, strings.ToLower(s)) }
	}
	return func(abs string) bool {
		for _, s := range dirs {
			if !within(abs, s.dir) {
				continue
			}
			switch {
			case e.named == "":
				return true
			case strings.HasSuffix(test, "name"):
				if match(filepath.Base(abs)) {
					return true
				}
			default: // -path, -wholename: the path as find prints it
				if match(s.text + strings.TrimPrefix(abs, s.dir)) {
					return true
				}
			}
		}
		return false
	}, dirs[0].dir
}

// listedTakes: xargs rm fed by git ls-files (the tracked files below the
// folder it runs in, or those its pathspecs name; untracked ones too with
// -o), git diff --name-only or git status (the changed files), or find
// (what its name test matches), whose items guard does not list; through
// the filters between them (awk '{print $2}', grep, cut), which pick some
// of those files and make no others.
func listedTakes(inv *guard.Invocation, host guard.Host) (takes func(string) bool, near string, loses func(guard.WorkFile) bool) {
	for _, in := range listSources(inv.Stdin, 4) {
		switch in.Program {
		case "git":
			sub, args, dir := gitCommand(in)
			if dir == "" {
				continue
			}
			p := guard.ParseOptions(args, guard.OptSpec{ShortValue: "xX", LongValue: []string{"exclude", "exclude-from", "exclude-per-directory", "with-tree", "format", "abbrev"}})
			switch {
			case sub == "ls-files" && p.Has("o", "others"):
				loses = deletedWork
			case sub == "ls-files", sub == "diff":
				loses = func(f guard.WorkFile) bool { return f.Unstaged && !f.Gone }
			case sub == "status":
				loses = deletedWork // the changed files, then the untracked ones
			default:
				continue
			}
			specs := make([]string, 0, len(p.Operands))
			for _, o := range p.Operands {
				if sub != "diff" || strings.ContainsAny(o.Value, "/.*") { // git diff HEAD names a commit
					specs = append(specs, strings.TrimSuffix(strings.TrimPrefix(o.Value, "./"), "/"))
				}
			}
			return func(abs string) bool {
				if !within(abs, dir) {
					return false
				}
				rel := strings.TrimPrefix(strings.TrimPrefix(abs, dir), "/")
				for _, spec := range specs {
					if fnmatch(spec, rel) || within(rel, spec) {
						return true
					}
				}
				return len(specs) == 0
			}, dir, loses
		case "find":
			if takes, near := findTakes(in, host, false); takes != nil {
				return takes, near, deletedWork
			}
		}
	}
	return nil, "", nil
}

// discardJudged judges a git discard by the state of its work tree: nil
// when it loses nothing, a finding naming what it loses otherwise; ok is
// false when guard cannot tell (no git, not a repository, another
// machine), and the caller asks as it always did. loses picks the kinds
// of work the command throws away; takes the files it reaches (nil: the
// whole work tree).
func discardJudged(inv *guard.Invocation, host guard.Host, dir string, ignored bool, loses func(guard.WorkFile) bool, takes func(top, abs string) bool, keep string) (f *guard.Finding, ok bool) {
	tree, ok := workTreeAt(inv, host, dir, ignored)
	if !ok {
		return nil, false
	}
	lost := workLoss(tree, loses, func(abs string) bool { return takes == nil || takes(tree.Top, abs) })
	if lost.empty() {
		return nil, true
	}
	return guard.Found(guard.Confirm, keep,
		"would throw away %s in %s: work that was never committed cannot be brought back", lost, tree.Top).
		Saving(guard.Backup{Kind: guard.BackupGit, Dir: dir}), true
}

// trackedWork is what a reset --hard or a checkout from a commit loses:
// every change to tracked files, staged or not (a file added and never
// committed goes too). A file already deleted comes back.
func trackedWork(f guard.WorkFile) bool {
	return !f.Untracked && !f.Ignored && (f.Staged || f.Unstaged && !f.Gone)
}

// unstagedWork is what a checkout or restore from the index loses: the
// changes git add has not put in the index.
func unstagedWork(f guard.WorkFile) bool { return f.Unstaged && !f.Gone }

// pathspecTakes: the files a command's pathspecs reach, read in the
// folder dir it runs in; none means dir itself (git clean), ":/" the
// whole work tree. Patterns match as git's do, * across slashes.
func pathspecTakes(dir string, specs []string) func(top, abs string) bool {
	if len(specs) == 0 {
		specs = []string{"."}
	}
	return func(top, abs string) bool {
		for _, spec := range specs {
			base := dir
			if rest, ok := strings.CutPrefix(spec, ":/"); ok {
				base, spec = top, rest
			}
			full := filepath.Join(base, spec)
			if within(abs, full) || strings.ContainsAny(spec, "*?[") && fnmatch(full, abs) {
				return true
			}
		}
		return false
	}
}

// cleanKeeps: git clean -e PATTERN leaves the files the pattern names
// (by name, or by path from the top).
func cleanKeeps(excludes []string, takes func(top, abs string) bool) func(top, abs string) bool {
	return func(top, abs string) bool {
		for _, e := range excludes {
			rel := strings.TrimPrefix(abs, top+"/")
			if fnmatch(e, filepath.Base(strings.TrimSuffix(abs, "/"))) || fnmatch(strings.TrimPrefix(e, "/"), rel) || within(rel, strings.Trim(e, "/")) {
				return false
			}
		}
		return takes(top, abs)
	}
}

// outputFile: an ignored file the project makes again: below a folder
// named as build output or a cache, or a log or compiled file.
func outputFile(path string) bool {
	for _, part := range strings.Split(strings.TrimSuffix(path, "/"), "/") {
		if buildOutputNames[part] {
			return true
		}
	}
	switch filepath.Ext(path) {
	case ".log", ".pyc", ".o", ".class", ".tmp":
		return true
	}
	return false
}

// listFilters pass on some of the lines a listing prints.
var listFilters = map[string]bool{"awk": true, "gawk": true, "mawk": true, "cut": true, "grep": true, "egrep": true, "sed": true, "sort": true, "uniq": true, "head": true, "tail": true, "tr": true, "cat": true}

// listSources are the commands whose output reaches a pipe's end, through
// at most depth filters.
func listSources(stdin []*guard.Invocation, depth int) []*guard.Invocation {
	var sources []*guard.Invocation
	for _, in := range stdin {
		sources = append(sources, in)
		if listFilters[in.Program] && depth > 0 {
			sources = append(sources, listSources(in.Stdin, depth-1)...)
		}
	}
	return sources
}

// gitListedOperand: an rm operand that is all git's output (for f in
// $(git ls-files); do rm "$f"; done, a read loop over git diff
// --name-only): which files git lists is not known, and they are files
// of the work tree rm runs in, so its tracked files with changes count.
func gitListedOperand(inv *guard.Invocation) (func(string) bool, string, func(guard.WorkFile) bool) {
	_, operands := rmArgs(inv)
	for _, a := range operands {
		if !a.Known && strings.TrimSpace(a.Value) == "" && slices.Contains(a.Sources, "git") && inv.Cwd != "" {
			return func(string) bool { return true }, inv.Cwd, func(f guard.WorkFile) bool { return f.Unstaged && !f.Gone }
		}
	}
	return nil, "", nil
}
