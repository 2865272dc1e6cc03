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

// rmSpec: rm has no option that takes a separate value.
var rmSpec = guard.OptSpec{}

func rmRules(c classifier) []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "rm-symlink-slash",
			Programs:   []string{"rm", "find", "rsync"},
			Decision:   guard.Confirm,
			Summary:    "rm -r name/ (name/., name/*) or find name/ -delete (with no test that narrows it) where name is a symbolic link: the slash (or find -H, -L) makes them empty the link's target; rsync --delete into a link empties its target too",
			Postmortem: "LXC host migration: rm -rf … lib/ in a home folder emptied the real /lib (92-hour outage)",
			Machine:    true,
			Match:      c.matchRmSymlinkSlash,
		},
		{
			ID:         "rm-protected",
			Programs:   []string{"rm"},
			Decision:   guard.Block,
			Summary:    "rm -r of /, /*, a system folder or its direct children, or a home folder",
			Postmortem: "LXC host migration and countless rm -rf / typos",
			Machine:    true,
			Match:      c.matchRmProtected,
		},
		{
			ID:         "rm-unknown-operand",
			Programs:   []string{"rm"},
			Decision:   guard.Confirm,
			Summary:    "rm -r of a path guard cannot know (unset variable, command substitution, unknown folder)",
			Postmortem: `Steam for Linux: rm -rf "$STEAMROOT/"* with STEAMROOT empty deleted users' files`,
			Machine:    true,
			Match:      c.matchRmUnknown,
		},
	}
}

func rmArgs(inv *guard.Invocation) (recursive bool, operands []guard.Arg) {
	p := guard.ParseOptions(inv.Args, rmSpec)
	return p.Has("r", "R", "recursive"), p.Operands
}

func (c classifier) matchRmSymlinkSlash(inv *guard.Invocation, host guard.Host) *guard.Finding {
	recursive, operands := rmArgs(inv)
	follows := false // the link is followed without a slash too
	if inv.Program == "find" {
		var expr []string
		operands, expr = findStarts(inv)
		e := readFindExpr(expr)
		// find LINK/ -name '*.tmp' -delete is a targeted delete the
		// operator meant inside; with no test it empties the target.
		recursive = e.deletes && !e.narrowed
		follows = slices.ContainsFunc(inv.Args[:min(len(inv.Args), 2)], func(a guard.Arg) bool { return a.Value == "-H" || a.Value == "-L" })
	}
	if inv.Program == "rsync" {
		operands, recursive, follows = rsyncDeleteDest(inv)
	}
	if !recursive || inv.Remote != "" {
		return nil // plain rm refuses a folder, link or not
	}
	home := Home(inv, host)
	var worst *guard.Finding
	for _, a := range operands {
		name, how := throughLink(a, follows)
		if name == "" {
			continue
		}
		p := inv.Path(name)
		if p == "" {
			continue
		}
		parent, _ := guard.ResolvePath(host, filepath.Dir(p))
		link := filepath.Join(parent, filepath.Base(p))
		if !guard.IsSymlink(host, link) || a.Glob && guard.LinkMadeByLine(host, link) {
			continue // out/* through a link the line made to empty it: rm-protected judges the path it leads to
		}
		target, _ := guard.ResolvePath(host, link)
		if scratchFolder(target) {
			continue // t -> /tmp: what is in /tmp nobody keeps (rm -rf /tmp/* passes too)
		}
		kind := c.Classify(target, home)
		d := guard.Confirm
		if kind >= UserHome {
			d = guard.Block
		}
		switch {
		case inv.Program == "rsync":
			how = "rsync --delete follows it and deletes there every file the source does not have"
		case follows:
			how = "find -H and -L follow it"
		case how == "":
			how = "the trailing slash makes " + inv.Program + " follow it"
		}
		hint := fmt.Sprintf("to remove the link itself: rm %s", name)
		if inv.Program == "rsync" {
			hint = fmt.Sprintf("if %s is what you mean to make a copy of the source, name it: rsync … %s/, and try it with -n (dry run) first", target, target)
		}
		f := guard.Found(d, hint,
			"would empty %s: %s is a symbolic link to %s, and %s",
			kind.Describe(target), name, target, how).Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{target}})
		if worst == nil || f.Decision > worst.Decision {
			worst = f
		}
	}
	return worst
}

// throughLink returns the name an operand goes through when it reaches
// what a link named so leads to (lib/, lib/., lib/*, lib/.[!.]*), and how
// it does: "" when it names the thing itself. follows: the command
// follows a link it is given by name (find -L, rsync's destination).
func throughLink(a guard.Arg, follows bool) (name, how string) {
	if !a.Known {
		return "", ""
	}
	v := a.Value
	switch dir, base := filepath.Split(v); {
	case a.Glob && (guard.MatchesAll(base) || base == "{*,.*}"):
		v, how = dir, a.Value+" names everything in the folder it leads to"
	case a.Glob:
		return "", ""
	case strings.HasSuffix(strings.TrimRight(v, "/"), "/."):
		v, how = strings.TrimSuffix(strings.TrimRight(v, "/"), "."), "/. names the folder it leads to"
	case !follows && !strings.HasSuffix(v, "/"):
		return "", ""
	}
	return strings.TrimRight(v, "/"), how
}

// scratchFolder: /tmp or /var/tmp themselves. A folder in them is
// somebody's (a project, a build, a sandbox) as much as any other.
func scratchFolder(p string) bool {
	return p == "/tmp" || p == "/var/tmp"
}

// rsyncDeleteDest: rsync -r --delete SRC DEST deletes in DEST every file
// SRC lacks, after following DEST if it is a link (with or without a
// slash). The destination, when it is local and rsync deletes.
func rsyncDeleteDest(inv *guard.Invocation) (dest []guard.Arg, deletes, follows bool) {
	p := guard.ParseOptions(inv.Args, rsyncSpec)
	if len(p.Operands) < 2 || !hasDelete(inv) || !p.Has("r", "a", "recursive", "archive", "d", "dirs") || p.Has("n", "dry-run") {
		return nil, false, false
	}
	d := p.Operands[len(p.Operands)-1]
	if isRemoteSpec(d.Value) {
		return nil, false, false
	}
	return []guard.Arg{d}, true, true
}

func (c classifier) matchRmProtected(inv *guard.Invocation, host guard.Host) *guard.Finding {
	recursive, operands := rmArgs(inv)
	home := Home(inv, host)
	if !recursive {
		return removesLoginKeys(inv, operands, home)
	}
	var worst *guard.Finding
	var worstKind Kind
	for _, a := range operands {
		if !a.Known {
			continue
		}
		t := TargetOf(inv, host, a)
		if t.Path == "" {
			continue
		}
		kind, where := c.Worst(t, home)
		if kind >= Data && madeByLine(inv, host, t) {
			continue // asked only of a path that would be found: it looks back along the line
		}
		var f *guard.Finding
		switch {
		case kind >= TopLevel:
			f = guard.Found(guard.Block, rmHint(where), "would delete %s%s", rmWhat(inv, t, kind, where), cwdNote(inv, a)).
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{rmSaved(t, where)}})
		case kind == Data && !noTopFolder(inv, host, t, where):
			what := where
			if t.Emptied == where {
				what = "everything in " + where
			}
			f = guard.Found(guard.Confirm, "check what is in it first: ls -la "+where+"; stop the service that owns it before deleting",
				"would delete %s: %s%s", what, dataWhy(where), cwdNote(inv, a)).
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{rmSaved(t, where)}})
		case sshKeysOf(where, home) != "":
			f = guard.Found(guard.Confirm, "remove the one key you mean: edit "+sshKeysOf(where, home)+"/.ssh/authorized_keys; keep a copy first",
				"would delete %s: the keys in it are how you log in over SSH, and the next login may be refused", where).
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{where}})
			kind = Data
		default:
			if m, ok := mountBelow(host, t.Resolved); ok && inv.Remote == "" {
				f = guard.Found(guard.Confirm, "unmount it first: umount "+m.Dir,
					"would delete %s, which holds the filesystem mounted on %s (%s): rm crosses into it", t.Path, m.Dir, m.Source).
					Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}})
				kind = Data
			}
		}
		if f != nil && (worst == nil || kind > worstKind) {
			worst, worstKind = f, kind
		}
	}
	return worst
}

// madeByLine: the operand names a path that is not on the host, and an
// earlier command of the line that certainly ran (guard.Invocation.
// RanBefore) made it, a folder inside it or the folder it is in: mkdir,
// install -d, mktemp, the destination of cp, rsync or git clone. rm then takes
// back only what the line made (cp -a /etc/nginx /etc/nginx.bak && rm -rf
// /etc/nginx.bak). Not a pattern, not on another machine, not when a
// mount went onto or under it in between (rm would cross into it).
func madeByLine(inv *guard.Invocation, host guard.Host, t Target) bool {
	if inv.Remote != "" || t.Arg.Glob || t.Emptied != "" || t.Path == "/" {
		return false
	}
	if _, err := host.Lstat(t.Resolved); !errors.Is(err, fs.ErrNotExist) {
		return false // it is there (or guard cannot tell): not the line's own
	}
	related := func(made string) bool {
		return made != "" && (made == t.Path || strings.HasPrefix(made, t.Path+"/") || strings.HasPrefix(t.Path, made+"/"))
	}
	for b := range inv.RanBefore {
		made := madePaths(b)
		if b.Program == "mount" || b.Program == "bindfs" {
			if slices.ContainsFunc(made, related) {
				return false
			}
			continue
		}
		if slices.ContainsFunc(made, related) {
			return true
		}
	}
	return false
}

// madePaths are the paths a command makes (for mount and bindfs: the
// folder it mounts onto), absolute and clean.
func madePaths(b *guard.Invocation) []string {
	var words []guard.Arg
	switch b.Program {
	case "mkdir":
		words = guard.ParseOptions(b.Args, guard.OptSpec{ShortValue: "mZ", LongValue: []string{"mode", "context"}}).Operands
	case "install":
		p := guard.ParseOptions(b.Args, guard.OptSpec{ShortValue: "gmoSt", LongValue: []string{"group", "mode", "owner", "suffix", "target-directory", "context"}})
		if p.Has("d", "directory") {
			words = p.Operands
		}
	case "cp", "rsync", "mount", "bindfs":
		p := guard.ParseOptions(b.Args, guard.OptSpec{ShortValue: "tSeotL", LongValue: []string{"target-directory", "suffix", "exclude", "include", "filter", "rsh", "options", "types", "link-dest", "backup-dir", "chmod", "chown", "rsync-path"}})
		if p.Has("t", "target-directory") || len(p.Operands) < 2 {
			return nil
		}
		words = p.Operands[len(p.Operands)-1:]
	case "mktemp":
		if p := mktempMade(b); p != "" {
			return []string{p}
		}
		return nil
	case "git":
		p := guard.ParseOptions(b.Args, guard.OptSpec{ShortValue: "bCcou", LongValue: []string{"branch", "origin", "depth", "reference", "template", "config", "separate-git-dir", "upload-pack", "filter", "jobs"}})
		if len(p.Operands) == 3 && p.Operands[0].Value == "clone" {
			words = p.Operands[2:]
		}
	}
	var paths []string
	for _, w := range words {
		if w.Known && !w.Glob && !strings.Contains(w.Value, ":") {
			if p := b.Path(w.Value); p != "" {
				paths = append(paths, strings.TrimSuffix(p, "/"))
			}
		}
	}
	return paths
}

// mktempMade is the path mktemp makes, as guard writes its value: the
// template with its random part still XXXXXXXXXX, in the folder of -p,
// --tmpdir or -t (/tmp when none is named), else beside the working
// folder. tmp=$(mktemp -d -p /etc) && rm -rf "$tmp" takes back only the
// new folder. "" for an option guard does not know.
func mktempMade(b *guard.Invocation) string {
	p := guard.ParseOptions(b.Args, guard.OptSpec{ShortValue: "p", LongValue: []string{"suffix", "tmpdir"}})
	if p.Has("u", "dry-run") || len(p.Operands) > 1 {
		return "" // -u makes nothing
	}
	template, inTmp := "tmp.XXXXXXXXXX", true
	if len(p.Operands) == 1 {
		if !p.Operands[0].Known {
			return ""
		}
		template, inTmp = p.Operands[0].Value, p.Has("p", "tmpdir", "t")
	}
	if s, ok := p.Value("suffix"); ok {
		template += s.Value
	}
	if inTmp && !strings.Contains(template, "/") {
		dir := "/tmp"
		if d, ok := p.Value("p", "tmpdir"); ok && d.Known && d.Value != "" {
			dir = d.Value
		}
		template = dir + "/" + template
	}
	return strings.TrimSuffix(b.Path(template), "/")
}

// dataWhy says why a Data path matters.
func dataWhy(where string) string {
	if where == "/opt" {
		return "every application installed there outside the packages (each /opt/NAME), with its programs and often its data"
	}
	if filepath.Dir(where) == "/" {
		return "a folder of its own at the top of the filesystem, usually a disk mounted there or an application's data"
	}
	return "live data under " + filepath.Dir(where)
}

// noTopFolder: a folder at the top that this host does not have (rm -rf
// /.cache from a Makefile with an empty variable, a pattern kept
// literal by noglob) deletes nothing. In a container or on another host
// guard cannot look: removing the folder is asked, and so is emptying it,
// except in a new container (docker run -v "$PWD/build":/out img rm -rf
// /out/*, the usual clean of a mapped folder, is judged again on the
// host's own path); in a running one or over ssh (kubectl exec deploy/api
// -- rm -rf /data/*) it is the data there.
func noTopFolder(inv *guard.Invocation, host guard.Host, t Target, where string) bool {
	if filepath.Dir(where) != "/" {
		return false
	}
	if inv.Remote != "" {
		return t.Emptied == where && slices.ContainsFunc(inv.Via, func(v string) bool { return strings.HasSuffix(v, " run") })
	}
	info, err := host.Lstat(where)
	return err != nil || !info.IsDir()
}

// rmSaved is what to save for an operand: the folder a pattern empties, or
// the path itself.
func rmSaved(t Target, where string) string {
	if t.Emptied != "" {
		return t.Emptied
	}
	return where
}

func rmWhat(inv *guard.Invocation, t Target, kind Kind, where string) string {
	if kind == Root {
		machine := "on this machine"
		switch {
		case inv.Container != "":
			machine = "in " + inv.Remote
		case inv.Remote != "":
			machine = "on " + inv.Remote
		}
		if t.Emptied != "" {
			return "everything in / (every file " + machine + ")"
		}
		return "every file " + machine + " (/)"
	}
	if t.Emptied == where {
		return "everything in " + kind.Describe(where)
	}
	if where != t.Path {
		return kind.Describe(where) + " (" + t.Arg.Value + " leads there)"
	}
	return kind.Describe(where)
}

func rmHint(where string) string {
	if where == "/" {
		return "name the folder you mean by its full path, e.g. rm -r /srv/old-release, after ls -la on it"
	}
	return fmt.Sprintf("delete what you mean inside it, e.g. rm -r %s/NAME, after ls -la %s", strings.TrimSuffix(where, "/"), where)
}

// cwdNote explains a relative operand: the folder it was resolved in.
func cwdNote(inv *guard.Invocation, a guard.Arg) string {
	if filepath.IsAbs(a.Value) || strings.HasPrefix(a.Text, "~") || inv.Cwd == "" {
		return ""
	}
	return fmt.Sprintf(" (%s is taken in the current folder %s)", a.Value, inv.Cwd)
}

// mountBelow returns a mount at or below p, other than p's own filesystem
// root when p is /.
func mountBelow(host guard.Host, p string) (guard.Mount, bool) {
	if p == "" || p == "/" {
		return guard.Mount{}, false
	}
	for _, m := range host.Mounts() {
		if m.Dir == p || strings.HasPrefix(m.Dir, p+"/") {
			return m, true
		}
	}
	return guard.Mount{}, false
}

func (c classifier) matchRmUnknown(inv *guard.Invocation, host guard.Host) *guard.Finding {
	recursive, operands := rmArgs(inv)
	if !recursive {
		return nil
	}
	home := Home(inv, host)
	for _, a := range operands {
		if a.Origin != "" {
			continue // find and xargs supply these; their own rules judge them
		}
		if a.Known {
			// In a folder guard cannot know, a pattern or a dot may be
			// anything, and so may a name that is a system folder's under
			// /, /usr or /var: `cd "$X"; rm -rf usr` with X=/ is rm -rf /usr.
			if inv.Cwd == "" && inv.Remote == "" && !filepath.IsAbs(a.Value) && (a.Glob || a.Value == "." || a.Value == ".." || c.systemNameAnywhere(host, a.Value, home)) {
				return guard.Found(guard.Confirm, "cd to the folder with its full path first, or give rm full paths",
					"would delete %s in a folder guard cannot know (the cd before it goes to an unknown place)", a.Value).
					Saving(guard.Backup{Kind: guard.BackupFiles, Unknown: "the folder the cd goes to is not known before the line runs"})
			}
			continue
		}
		if a.UnreadMatches() && len(a.Unknown) == 1 {
			// more names in the pattern's folder than guard read: what
			// they are is what that folder's children are (/tmp/*)
			if dir := patternFolder(inv.Path(a.Value)); dir != "" && c.Classify(filepath.Join(dir, "child"), home) == Ordinary {
				continue
			}
		}
		if a.UnknownNamePieces() {
			// /tmp/build.$$ is /tmp/build.<pid>, /tmp/bk-$(date +%F) a
			// dated name: a piece of a name adds no folder and no .., so
			// the path read without it is where it is.
			if kind, _ := c.Worst(TargetOf(inv, host, a), home); kind == Ordinary {
				continue
			}
		}
		what := strings.Join(a.Unknown, ", ")
		msg := fmt.Sprintf("cannot tell what %s deletes: %s is not known to guard here", a.Text, what)
		if a.MaybeEmpty {
			t := TargetOf(inv, host, a)
			if kind, where := c.Worst(t, home); kind >= TopLevel {
				msg += fmt.Sprintf("; if it is empty or unset this is rm -r %s, which deletes %s", a.Value, rmWhat(inv, t, kind, where))
			}
		}
		return guard.Found(guard.Confirm,
			"check the value first (echo "+echoable(a.Text)+"), and write ${VAR:?} so the shell stops when a variable is empty",
			"%s", msg).Saving(guard.Backup{Kind: guard.BackupFiles, Unknown: what + " is not known before the line runs"})
	}
	if inv.MoreOperands == "xargs" {
		return guard.Found(guard.Confirm, "look at the list first: run the command before | without xargs; use xargs -p to confirm each",
			"xargs appends paths it reads at run time to rm -r; guard cannot see which").
			Saving(guard.Backup{Kind: guard.BackupFiles, Unknown: "the paths xargs reads are not known before the line runs"})
	}
	return nil
}

// patternFolder is the folder a pattern's matches are in, when only its
// last element is a pattern (/tmp/*, /srv/app/!(keep)); "" otherwise.
func patternFolder(p string) string {
	dir := filepath.Dir(p)
	if p == "" || !filepath.IsAbs(p) || strings.ContainsAny(dir, "*?[") || strings.Contains(dir, "(") {
		return ""
	}
	return dir
}

// systemNameAnywhere: a relative path that names an existing part of the
// system when taken in /, /usr or /var (usr, lib, etc, share, log…).
func (c classifier) systemNameAnywhere(host guard.Host, rel, home string) bool {
	for _, parent := range []string{"/", "/usr", "/var"} {
		p := filepath.Join(parent, rel)
		if c.Classify(p, home) < SystemChild {
			continue
		}
		if _, err := host.Lstat(p); err == nil {
			return true
		}
	}
	return false
}

// sshKeysOf is the home folder whose SSH keys p is (its .ssh folder, or
// the authorized_keys in it): $HOME's, root's, or a home under /home, any
// account's, since sudo rm reaches them all; "" when p is none of those.
func sshKeysOf(p, home string) string {
	owner, rest, ok := strings.Cut(p, "/.ssh")
	if !ok || rest != "" && !strings.HasPrefix(rest, "/authorized_keys") {
		return ""
	}
	if home != "" && owner == home || owner == "/root" || filepath.Dir(owner) == "/home" {
		return owner
	}
	return ""
}

// removesLoginKeys: rm ~/.ssh/authorized_keys, the file that lets you in.
func removesLoginKeys(inv *guard.Invocation, operands []guard.Arg, home string) *guard.Finding {
	for _, a := range operands {
		if p := inv.Path(a.Value); a.Known && sshKeysOf(p, home) != "" && loginKeys(p) {
			return guard.Found(guard.Confirm, "remove the one key you mean: edit "+p+"; keep a copy first",
				"would delete %s: the keys in it are how you log in over SSH, and the next login may be refused", p).
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{p}, Overwrite: true})
		}
	}
	return nil
}

// echoable is a word as written, for echo to print what rm would get:
// in double quotes unless it already has quotes of its own (echo
// "$DIR/x", not echo ""${TMPDIR:-/tmp}/x"").
func echoable(word string) string {
	if strings.ContainsAny(word, `"'`) {
		return word
	}
	return `"` + word + `"`
}
