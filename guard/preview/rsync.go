package preview

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// rsyncOption says what to do with one rsync option in a dry run: keep it
// (it changes what rsync would do, so the dry run must have it) or drop it
// (output, logging, speed, or an effect outside the destination). An
// option not listed means no preview: the dry run is only built from
// options known to be harmless with --dry-run.
type rsyncOption struct {
	arg  bool // takes a value: --opt=V, --opt V, -oV or -o V
	keep bool
}

// rsyncOptions are the options a dry run understands, long by name and
// short by letter; built from lists of names on each use (no package
// state to mutate).
type rsyncOptions struct {
	long  map[string]rsyncOption
	short map[byte]rsyncOption
}

func rsyncTable() rsyncOptions {
	t := rsyncOptions{long: map[string]rsyncOption{}, short: map[byte]rsyncOption{}}
	for _, group := range []struct {
		opt   rsyncOption
		names string
	}{
		{rsyncOption{keep: true}, `archive recursive relative no-implied-dirs backup update inplace append
			append-verify dirs old-dirs old-d mkpath links copy-links copy-unsafe-links safe-links munge-links
			insecure-links copy-dirlinks keep-dirlinks hard-links perms executability acls xattrs owner group
			devices specials drop-D times atimes open-noatime crtimes omit-dir-times omit-link-times super
			fake-super sparse preallocate whole-file one-file-system existing ignore-non-existing
			ignore-existing del delete delete-before delete-during delete-delay delete-after delete-excluded
			ignore-missing-args delete-missing-args ignore-errors force partial delay-updates
			prune-empty-dirs numeric-ids ignore-times size-only fuzzy compress cvs-exclude from0 old-args
			secluded-args protect-args trust-sender blocking-io 8-bit-output checksum inc-recursive i-r
			no-inc-recursive no-i-r no-whole-file no-W write-devices copy-devices ipv4 ipv6 no-motd`},
		{rsyncOption{}, `verbose quiet progress stats human-readable itemize-changes dry-run
			remove-source-files fsync`},
		{rsyncOption{arg: true, keep: true}, `backup-dir suffix chmod max-delete max-size min-size max-alloc
			partial-dir usermap groupmap chown modify-window temp-dir compare-dest copy-dest link-dest
			compress-choice zc compress-level zl compress-threads zt skip-compress filter exclude
			exclude-from include include-from files-from checksum-choice cc iconv checksum-seed copy-as
			confine-root block-size timeout contimeout protocol`},
		{rsyncOption{arg: true}, `info debug stderr out-format log-format log-file log-file-format
			rsh rsync-path password-file early-input write-batch only-write-batch bwlimit stop-after stop-at
			outbuf address port sockopts remote-option`},
	} {
		for _, name := range strings.Fields(group.names) {
			t.long[name] = group.opt
		}
	}
	for _, group := range []struct {
		opt     rsyncOption
		letters string
	}{
		{rsyncOption{keep: true}, "arRbudlLkKHpEAXogDtUNOJSWxcmyCsIz08462F"},
		{rsyncOption{}, "vqniPh"},
		{rsyncOption{arg: true, keep: true}, "BfT@"},
		{rsyncOption{arg: true}, "eM"},
	} {
		for _, c := range []byte(group.letters) {
			t.short[c] = group.opt
		}
	}
	return t
}

// readsStdin: a list or a filter read from standard input, which the dry
// run does not have.
func readsStdin(name, value string) bool {
	switch name {
	case "exclude-from", "include-from", "files-from":
		return value == "-"
	case "filter", "f":
		f := strings.Fields(value)
		return len(f) > 1 && f[len(f)-1] == "-"
	}
	return false
}

// forRsync builds rsync --dry-run --itemize-changes --stats of the same
// sources and destination with the options that shape the transfer.
func forRsync(inv *guard.Invocation) (Preview, bool) {
	table := rsyncTable()
	args := inv.Values()
	var kept, operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			operands = append(operands, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, value, hasValue := strings.Cut(a[2:], "=")
			opt, ok := table.long[name]
			if !ok {
				negated, isNo := strings.CutPrefix(name, "no-")
				if !isNo || !table.negatable(negated) {
					return Preview{}, false
				}
				kept = append(kept, a)
				continue
			}
			if opt.arg && !hasValue {
				if i+1 >= len(args) {
					return Preview{}, false
				}
				i++
				value = args[i]
			}
			if hasValue && !opt.arg || readsStdin(name, value) {
				return Preview{}, false
			}
			if opt.keep {
				kept = append(kept, "--"+name)
				if opt.arg {
					kept[len(kept)-1] += "=" + value
				}
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			var letters []byte
			for j := 1; j < len(a); j++ {
				opt, ok := table.short[a[j]]
				if !ok {
					return Preview{}, false
				}
				if !opt.arg {
					if opt.keep {
						letters = append(letters, a[j])
					}
					continue
				}
				value := a[j+1:]
				if value == "" {
					if i+1 >= len(args) {
						return Preview{}, false
					}
					i++
					value = args[i]
				}
				if readsStdin(string(a[j]), value) {
					return Preview{}, false
				}
				if opt.keep {
					kept = append(kept, "-"+string(a[j]), value)
				}
				break
			}
			if len(letters) > 0 {
				kept = append(kept, "-"+string(letters))
			}
		default:
			operands = append(operands, a)
		}
	}
	if len(operands) < 2 {
		return Preview{}, false // rsync SRC only lists
	}
	for _, o := range operands {
		if remote(o) || (inv.Cwd == "" && !strings.HasPrefix(o, "/")) {
			return Preview{}, false
		}
	}
	dst := operands[len(operands)-1]
	argv := append([]string{"rsync", "--dry-run", "--itemize-changes", "--stats"}, kept...)
	argv = append(append(argv, "--"), operands...)
	dir := inv.Cwd
	if dir == "" {
		dir = "/"
	}
	shown := inv.Path(dst)
	if strings.HasSuffix(dst, "/") {
		shown += "/"
	}
	return Preview{Argv: argv, Dir: dir, digest: func() digest { return &rsyncDigest{dst: shown} }}, true
}

// negatable: --no-OPTION turns off an option implied by another (--no-D
// after -a); it is only kept for options kept anyway.
func (t rsyncOptions) negatable(name string) bool {
	if opt, ok := t.long[name]; ok {
		return opt.keep && !opt.arg
	}
	if len(name) == 1 {
		opt, ok := t.short[name[0]]
		return ok && opt.keep && !opt.arg
	}
	return false
}

// remote: host:path, host::module, rsync://host/; a colon after a slash
// is part of a local name, as rsync reads it.
func remote(operand string) bool {
	if strings.HasPrefix(operand, "rsync://") {
		return true
	}
	colon := strings.IndexByte(operand, ':')
	slash := strings.IndexByte(operand, '/')
	return colon >= 0 && (slash < 0 || colon < slash)
}

// rsyncDigest counts the itemized changes and reads the totals --stats
// prints at the end, which are exact where the itemized lines were cut.
type rsyncDigest struct {
	dst                            string
	deleted, overwritten, created  int
	deletedNames, overwrittenNames sample
	stats                          map[string]int // "deleted files", "created files", "created reg", "regular files transferred"
}

func (d *rsyncDigest) line(s string) {
	if rest, ok := strings.CutPrefix(s, "*deleting "); ok {
		d.deleted++
		d.deletedNames.add(strings.TrimSpace(rest))
		return
	}
	if len(s) > 12 && s[11] == ' ' && strings.ContainsRune("<>ch.", rune(s[0])) && strings.ContainsRune("fdLDS", rune(s[1])) {
		flags, name := s[2:11], s[12:]
		switch {
		case strings.Trim(flags, "+") == "":
			d.created++
		case (s[0] == '<' || s[0] == '>') && s[1] == 'f':
			d.overwritten++
			d.overwrittenNames.add(name)
		}
		return
	}
	if label, value, ok := strings.Cut(s, ": "); ok && strings.HasPrefix(label, "Number of ") {
		if d.stats == nil {
			d.stats = map[string]int{}
		}
		key := strings.TrimPrefix(label, "Number of ")
		total, detail, _ := strings.Cut(value, " ")
		d.stats[key] = number(total)
		if reg, ok := strings.CutPrefix(detail, "(reg: "); ok {
			d.stats[key+" reg"] = number(strings.TrimRight(strings.SplitN(reg, ",", 2)[0], ")"))
		}
	}
}

func number(s string) int {
	n, _ := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	return n
}

func (d *rsyncDigest) summary(done bool) string {
	deleted, overwritten, created := d.deleted, d.overwritten, d.created
	if _, ok := d.stats["regular files transferred"]; ok && done {
		deleted = d.stats["deleted files"]
		created = d.stats["created files"]
		overwritten = d.stats["regular files transferred"] - d.stats["created files reg"]
	}
	more := atLeast(done)
	if deleted == 0 && overwritten == 0 {
		return fmt.Sprintf("rsync --dry-run: nothing in %s would be deleted or overwritten (%s%s new)", d.dst, more, guard.Plural(int64(created), "file"))
	}
	var parts []string
	if deleted > 0 {
		parts = append(parts, fmt.Sprintf("delete %s%s%s", more, guard.Plural(int64(deleted), "file"), examples(d.deletedNames, deleted)))
	}
	if overwritten > 0 {
		parts = append(parts, fmt.Sprintf("overwrite %s%s%s", more, guard.Plural(int64(overwritten), "file"), examples(d.overwrittenNames, overwritten)))
	}
	if created > 0 {
		parts = append(parts, fmt.Sprintf("create %s%s", more, guard.Plural(int64(created), "file")))
	}
	return fmt.Sprintf("rsync --dry-run: in %s it would %s", d.dst, andList(parts))
}
