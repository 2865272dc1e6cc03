package preview

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// gitGlobals are the options before a git subcommand a preview passes on
// (they choose the repository); any other (-c above all, which can set a
// command to run) means no preview.
var gitGlobals = map[string]bool{ // name → takes a value
	"-C": true, "--git-dir": true, "--work-tree": true, "--no-pager": false, "-P": false,
	"--no-replace-objects": false, "--literal-pathspecs": false, "--glob-pathspecs": false,
	"--noglob-pathspecs": false, "--icase-pathspecs": false, "--no-optional-locks": false,
}

// forGit previews what a git command would throw away: git clean
// --dry-run for clean, the stash list for stash clear and drop, and git
// status for the rest (reset --hard, checkout, restore, switch).
func forGit(inv *guard.Invocation, f guard.Finding) (Preview, bool) {
	args := inv.Values()
	globals := []string{"git", "--no-optional-locks", "-c", "core.fsmonitor=false"}
	i := 0
	for ; i < len(args) && strings.HasPrefix(args[i], "-"); i++ {
		name, _, hasValue := strings.Cut(args[i], "=")
		takes, ok := gitGlobals[name]
		if !ok {
			return Preview{}, false
		}
		globals = append(globals, args[i])
		if takes && !hasValue {
			if i+1 >= len(args) {
				return Preview{}, false
			}
			i++
			globals = append(globals, args[i])
		}
	}
	if i >= len(args) {
		return Preview{}, false
	}
	sub, rest := args[i], args[i+1:]
	dir := inv.Cwd
	if dir == "" && f.Backup != nil {
		dir = f.Backup.Dir
	}
	if dir == "" {
		return Preview{}, false
	}
	where := dir
	if f.Backup != nil && f.Backup.Dir != "" {
		where = f.Backup.Dir
	}
	switch sub {
	case "clean":
		flags, ok := cleanFlags(rest)
		if !ok {
			return Preview{}, false
		}
		argv := append(append(globals, "clean", "--dry-run"), flags...)
		return Preview{Argv: argv, Dir: dir, digest: func() digest { return &cleanDigest{where: where} }}, true
	case "stash":
		if len(rest) == 0 || (rest[0] != "clear" && rest[0] != "drop") {
			return Preview{}, false
		}
		drop := ""
		if rest[0] == "drop" {
			drop = "stash@{0}"
			for _, a := range rest[1:] {
				if !strings.HasPrefix(a, "-") {
					drop = a
				}
			}
		}
		argv := append(globals, "stash", "list")
		return Preview{Argv: argv, Dir: dir, digest: func() digest { return &stashDigest{where: where, drop: drop} }}, true
	case "reset", "checkout", "restore", "switch":
		argv := append(globals, "status", "--porcelain")
		if k := slices.Index(rest, "--"); k >= 0 && sub != "reset" {
			argv = append(argv, rest[k:]...)
		}
		return Preview{Argv: argv, Dir: dir, digest: func() digest { return &statusDigest{where: where} }}, true
	}
	return Preview{}, false
}

// cleanFlags keeps what chooses the files (-d, -x, -X, -e, pathspecs)
// and drops -f, -n and -q; -i (interactive) means no preview.
func cleanFlags(args []string) ([]string, bool) {
	var kept []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(kept, args[i:]...), true
		case a == "--force" || a == "--dry-run" || a == "--quiet":
		case a == "--exclude" && i+1 < len(args):
			kept = append(kept, a, args[i+1])
			i++
		case strings.HasPrefix(a, "--exclude="):
			kept = append(kept, a)
		case strings.HasPrefix(a, "--"):
			return nil, false
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'f', 'n', 'q':
				case 'd', 'x', 'X':
					kept = append(kept, "-"+string(a[j]))
				case 'e':
					value := a[j+1:]
					if value == "" {
						if i+1 >= len(args) {
							return nil, false
						}
						i++
						value = args[i]
					}
					kept = append(kept, "-e", value)
					j = len(a)
				default:
					return nil, false
				}
			}
		default:
			kept = append(kept, a) // a pathspec
		}
	}
	return kept, true
}

// cleanDigest reads "Would remove PATH" lines.
type cleanDigest struct {
	where       string
	files, dirs int
	names       sample
}

func (d *cleanDigest) line(s string) {
	p, ok := strings.CutPrefix(s, "Would remove ")
	if !ok {
		return
	}
	if strings.HasSuffix(p, "/") {
		d.dirs++
	} else {
		d.files++
	}
	d.names.add(p)
}

func (d *cleanDigest) summary(done bool) string {
	if d.files+d.dirs == 0 && done {
		return fmt.Sprintf("git clean --dry-run: no untracked file in %s would be deleted", d.where)
	}
	var counts []string
	if d.files > 0 || d.dirs == 0 {
		counts = append(counts, guard.Plural(int64(d.files), "untracked file"))
	}
	if d.dirs > 0 {
		counts = append(counts, guard.Plural(int64(d.dirs), "untracked folder"))
	}
	what := andList(counts)
	return fmt.Sprintf("git clean --dry-run: would delete %s%s in %s%s; git cannot bring them back", atLeast(done), what, d.where, examples(d.names, d.files+d.dirs))
}

// statusDigest reads git status --porcelain: XY PATH.
type statusDigest struct {
	where     string
	changed   int
	untracked int
	names     sample
}

func (d *statusDigest) line(s string) {
	if len(s) < 4 {
		return
	}
	if s[:2] == "??" || s[:2] == "!!" {
		d.untracked++
		return
	}
	d.changed++
	d.names.add(filepath.Clean(s[3:]))
}

func (d *statusDigest) summary(done bool) string {
	if d.changed == 0 && done {
		return fmt.Sprintf("git status: no uncommitted change to tracked files in %s: nothing to lose", d.where)
	}
	return fmt.Sprintf("git status: %s%s in %s with uncommitted changes that would be lost%s",
		atLeast(done), guard.Plural(int64(d.changed), "tracked file"), d.where, examples(d.names, d.changed))
}

// stashDigest reads git stash list.
type stashDigest struct {
	where   string
	drop    string // the entry stash drop deletes; "" for clear
	entries int
	names   sample
	dropped string
}

func (d *stashDigest) line(s string) {
	if strings.TrimSpace(s) == "" {
		return
	}
	d.entries++
	d.names.add(s)
	if d.drop != "" && strings.HasPrefix(s, d.drop+":") {
		d.dropped = s
	}
}

func (d *stashDigest) summary(done bool) string {
	if d.drop != "" {
		if d.dropped == "" {
			return fmt.Sprintf("git stash list: no %s in %s", d.drop, d.where)
		}
		return fmt.Sprintf("git stash list: would delete %s", d.dropped)
	}
	if d.entries == 0 && done {
		return fmt.Sprintf("git stash list: no stash entry in %s: nothing to lose", d.where)
	}
	return fmt.Sprintf("git stash list: would delete %s%s%s", atLeast(done), guard.Plural(int64(d.entries), "stash entry"), examples(d.names, d.entries))
}
