package guard

import (
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard/lazyre"
)

// What ls prints, and what find prints when some of its tests cannot be
// evaluated, are names guard can read on the host: the entries of a
// folder. A pipeline that only selects or reorders those lines (head,
// tail, sort, grep, awk 'NR>3'…) prints some of them, and guard cannot
// always tell which (ls -t sorts by a time it does not read). Each line
// is still an entry of that folder, so `ls -t releases | tail -n +4 |
// xargs -I{} rm -rf releases/{}` deletes some of releases/*: judged like
// `rm -rf releases/*`, allowed for a project's releases, caught for /etc
// or a home folder's top, as that glob is.

// lsOutput is what ls prints into a pipe: one name a line. It is unknown
// for the long and column formats, recursion, several listed folders
// (headers) and names ls would quote.
func (r *resolver) lsOutput(inv *Invocation) text {
	if r.host == nil {
		return uncomputed("ls")
	}
	all, almostAll, dirsAsFiles, indicator := false, false, false, ""
	var operands []Arg
	endOfOptions := false
	for _, a := range inv.Args {
		if a.standIn {
			continue // the pattern of ls -d DIR/*: its matches follow
		}
		if !a.Known {
			return text{from: unknownWhat(a)}
		}
		v := a.Value
		switch {
		case endOfOptions || !strings.HasPrefix(v, "-") || v == "-":
			operands = append(operands, a)
		case v == "--":
			endOfOptions = true
		case strings.HasPrefix(v, "--"):
			name, value, _ := strings.Cut(v[2:], "=")
			switch name {
			case "all":
				all = true
			case "almost-all":
				almostAll = true
			case "directory":
				dirsAsFiles = true
			case "sort", "time", "reverse", "group-directories-first", "literal", "human-readable", "si":
			case "color", "colour":
				if value != "never" && value != "no" && value != "none" && value != "auto" && value != "tty" && value != "if-tty" {
					return uncomputed("ls " + v)
				}
			case "indicator-style":
				switch value {
				case "none":
				case "slash":
					indicator = "p"
				case "classify":
					indicator = "F"
				default:
					return uncomputed("ls " + v)
				}
			case "classify":
				indicator = "F"
			default:
				return uncomputed("ls " + v)
			}
		default:
			for _, c := range v[1:] {
				switch c {
				case 'a', 'f':
					all = true
				case 'A':
					almostAll = true
				case 'd':
					dirsAsFiles = true
				case 'p', 'F':
					indicator = string(c)
				case '1', 't', 'r', 'S', 'U', 'c', 'u', 'v', 'X', 'h', 'N', 'q', 'L', 'H':
				default:
					return uncomputed("ls -" + string(c)) // -l, -R, -C, -Q…: not one name a line
				}
			}
		}
	}
	if len(operands) == 0 {
		operands = []Arg{{Text: ".", Value: ".", Known: true}}
	}
	if inv.Remote != "" {
		return remoteListing(inv, operands, dirsAsFiles)
	}
	var lines []string
	listedDir, listedAll := "", true
	for _, a := range operands {
		p := inv.Path(a.Value)
		if p == "" {
			return text{from: "ls " + a.Value + " (in a folder guard cannot know)"}
		}
		info, err := r.host.Lstat(p)
		if err != nil {
			continue // ls complains on standard error
		}
		folder := p
		if info.Mode()&fs.ModeSymlink != 0 && !dirsAsFiles && indicator != "F" {
			// ls follows a link named on its command line to a folder
			// (ls /bin lists /usr/bin on a merged /usr), except with
			// -d, -l or -F.
			if target, sure := ResolvePath(r.host, p); sure {
				if t, err := r.host.Lstat(target); err == nil && t.IsDir() {
					info, folder = t, target
				}
			}
		}
		if dirsAsFiles || !info.IsDir() {
			lines = append(lines, a.Value+lsIndicator(indicator, info.Mode()))
			listedAll = false
			continue
		}
		if len(operands) > 1 {
			return uncomputed("ls of several folders") // "dir:" headers between them
		}
		entries, complete, err := r.host.ReadDir(folder, maxDirEntries)
		if err != nil || !complete {
			return text{from: "the entries of " + p + ", more than guard reads"}
		}
		if all {
			lines = append(lines, "."+lsIndicator(indicator, fs.ModeDir), ".."+lsIndicator(indicator, fs.ModeDir))
			listedAll = false // . and .. are not entries
		}
		for _, e := range entries {
			if !all && !almostAll && strings.HasPrefix(e.Name(), ".") {
				continue
			}
			mode := e.Type()
			if indicator == "F" && mode.IsRegular() {
				if info, err := e.Info(); err == nil {
					mode = info.Mode()
				}
			}
			lines = append(lines, e.Name()+lsIndicator(indicator, mode))
		}
		listedDir = p
	}
	t := knownText(joinLines(lines))
	if len(lines) > 1 {
		t.unordered = true // by the locale's collation, a time or a size
	}
	if listedDir != "" {
		t.listed, t.listedNames = listedDir, true
	} else if dir, ok := commonParent(inv, operands); ok && listedAll {
		t.listed = dir // ls -d releases/*: each line is an entry of releases
	}
	return t
}

// remoteListing is ls of one folder on another host: guard cannot read
// its entries, but each line ls prints is one of them, so what is done
// with some of them is judged as done with the folder's glob (ssh web1
// 'cd /srv/app/releases && ls -t | tail -n +6 | xargs rm -rf' is rm -rf
// /srv/app/releases/* there). No line is known: as code or words of
// their own they stay unknown.
func remoteListing(inv *Invocation, operands []Arg, dirsAsFiles bool) text {
	dir := inv.Path(operands[0].Value)
	if len(operands) > 1 || dirsAsFiles || dir == "" || operands[0].Glob {
		return uncomputed("ls" + inv.Where())
	}
	return text{known: true, some: true, listed: dir, listedNames: true}
}

// lsIndicator is the mark ls -p and -F append to a name.
func lsIndicator(style string, mode fs.FileMode) string {
	switch {
	case style == "":
	case mode.IsDir():
		return "/"
	case style == "p":
	case mode&fs.ModeSymlink != 0:
		return "@"
	case mode&fs.ModeNamedPipe != 0:
		return "|"
	case mode&fs.ModeSocket != 0:
		return "="
	case mode.IsRegular() && mode&0o111 != 0:
		return "*"
	}
	return ""
}

// commonParent is the folder every operand is an entry of, written as
// that folder's path and one name (releases/20240101).
func commonParent(inv *Invocation, operands []Arg) (string, bool) {
	dir := ""
	for _, a := range operands {
		p := inv.Path(a.Value)
		if p == "" || path.Clean(a.Value) != strings.TrimSuffix(a.Value, "/") || strings.Contains(a.Value, "//") {
			return "", false // ./x, a/../b: not what the line shows as a child
		}
		parent := path.Dir(p)
		if dir != "" && parent != dir || parent == p {
			return "", false
		}
		dir = parent
	}
	return dir, dir != ""
}

func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// someLines is t after a filter that keeps some of its lines, which guard
// cannot tell: the lines it may print are all of t's.
func someLines(t text) text {
	t.some = true
	return t
}

// reorderFilter computes sort, uniq and shuf, which only reorder lines
// or drop repeated ones: the lines stay, their order becomes unknown.
func reorderFilter(r *resolver, inv *Invocation, depth int) text {
	spec := OptSpec{ShortValue: "kotTS", LongValue: []string{"key", "output", "field-separator", "temporary-directory", "buffer-size", "skip-fields", "skip-chars", "check-chars", "head-count", "random-source", "parallel", "batch-size", "compress-program", "files0-from", "sort"}}
	switch inv.Program {
	case "uniq":
		spec.ShortValue = "fsw"
	case "shuf":
		spec.ShortValue = "nio"
	}
	p := ParseOptions(inv.Args, spec)
	for _, flag := range []string{"o", "output", "c", "count", "D", "all-repeated", "u", "unique", "d", "repeated", "n", "head-count", "e", "echo", "i", "input-range", "z", "zero-terminated", "files0-from"} {
		if p.Has(flag) && !(flag == "u" && inv.Program == "sort") && !(flag == "n" && inv.Program == "sort") {
			return uncomputed(inv.Program + " -" + flag)
		}
	}
	t := r.inputOf(inv, p.Operands, depth)
	if !t.known {
		return t
	}
	lines := strings.SplitAfter(t.value, "\n")
	if n := len(lines); lines[n-1] == "" {
		lines = lines[:n-1]
	} else {
		lines[n-1] += "\n" // sort ends the last line
	}
	sort.Strings(lines) // one order of many: which one is not known
	uniq := lines[:0]
	for i, l := range lines {
		if i == 0 || l != lines[i-1] {
			uniq = append(uniq, l)
		}
	}
	t.value = strings.Join(uniq, "")
	t.unordered = t.unordered || len(uniq) > 1
	return t
}

// awkSelect is a program that prints some of its input lines as they are
// (NR>3, /re/, !/re/, with or without { print } or { print $0 }), or one
// field of each ({ print $1 }, { print $NF }).
var awkSelect = lazyre.New(`^\s*(?:(?:NR\s*(?:[<>]=?|[!=]=)\s*[0-9]+|!?/[^/]*/)\s*(?:&&\s*(?:NR\s*(?:[<>]=?|[!=]=)\s*[0-9]+|!?/[^/]*/)\s*)*)?(?:\{\s*print\s*(\$(?:0|[1-9][0-9]?|NF))?\s*;?\s*\})?\s*$`)

// awkFilter computes awk programs that select lines or one field: the
// lines it prints are some of its input's (or of their fields).
func awkFilter(r *resolver, inv *Invocation, depth int) text {
	if out, ok := printedOutput(inv); ok {
		return knownText(out) // awk 'BEGIN{print "…"}' reads no input
	}
	p := ParseOptions(inv.Args, OptSpec{ShortValue: "Ffv"})
	if p.Has("f", "v") || len(p.Operands) == 0 || !p.Operands[0].Known {
		return uncomputed("awk")
	}
	prog := p.Operands[0].Value
	m := awkSelect.FindStringSubmatch(prog)
	if m == nil || strings.TrimSpace(prog) == "" {
		return uncomputed("awk " + p.Operands[0].Text)
	}
	t := r.inputOf(inv, p.Operands[1:], depth)
	if !t.known {
		return t
	}
	if m[1] == "" || m[1] == "$0" {
		return someLines(t)
	}
	sep, custom := p.Value("F")
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(t.value, "\n"), "\n") {
		var fields []string
		if custom && sep.Known && len(sep.Value) == 1 {
			fields = strings.Split(l, sep.Value)
		} else if custom {
			return uncomputed("awk -F" + sep.Value)
		} else {
			fields = strings.Fields(l)
		}
		if len(fields) == 1 && fields[0] == l {
			out = append(out, l) // a name without blanks is its own only field
			continue
		}
		out = append(out, fields...) // which one, guard does not count
		t.listed, t.listedNames = "", false
	}
	return someLines(t.rewritten(joinLines(out), "awk"))
}

// sedOnUnordered is sed on lines in an order guard does not know: a
// script that only prints or deletes lines by number (sed -n '4,$p', sed
// 1d) prints some of them; anything else is not computed.
func sedOnUnordered(t text, cmds []sedCmd) text {
	for _, c := range cmds {
		if c.name != 'p' && c.name != 'd' || !sedLineAddr.MatchString(c.addr) {
			return uncomputed("sed on lines in an order guard does not know")
		}
	}
	return someLines(t)
}

// sedPerLine: every command is an s or y on every line, whose output for
// a line does not depend on the lines before it.
func sedPerLine(cmds []sedCmd) bool {
	for _, c := range cmds {
		if c.addr != "" || c.name != 's' && c.name != 'y' || strings.ContainsAny(c.flags, "ew") || c.wfile != "" {
			return false
		}
	}
	return len(cmds) > 0
}

var sedLineAddr = lazyre.New(`^\s*(?:[0-9]+|\$)?\s*(?:,\s*(?:[0-9]+|\$|\+[0-9]+))?\s*$`)

// findFilter is what find prints: its matches when guard can list them,
// the first of them past its budget; when a test needs what guard does
// not read (-mtime, -size, -user…), some of the entries the other tests
// select.
func findFilter(r *resolver, inv *Invocation, depth int) text {
	out, whole := r.findPrinted(inv)
	switch {
	case whole:
		return knownText(out)
	case out != "":
		// more matches than guard lists: the first ones, which a reader
		// taking lines one by one (xargs, while read) gets among the others
		return someLines(knownText(out))
	}
	return r.findLoose(inv)
}

// findUnread are find's tests on what guard does not read (times, sizes,
// owners, permissions), with how many values each takes.
var findUnread = map[string]int{
	"-mtime": 1, "-mmin": 1, "-atime": 1, "-amin": 1, "-ctime": 1, "-cmin": 1, "-newer": 1, "-anewer": 1, "-cnewer": 1,
	"-size": 1, "-user": 1, "-group": 1, "-uid": 1, "-gid": 1, "-perm": 1, "-links": 1, "-inum": 1,
	"-empty": 0, "-nouser": 0, "-nogroup": 0, "-readable": 0, "-writable": 0, "-executable": 0,
}

// findLoose is what find may print when some of its tests need what
// guard does not read: some of the matches of the others.
func (r *resolver) findLoose(inv *Invocation) text {
	unknown := uncomputed("find " + joinValues(inv.Args))
	var starts []string
	minDepth, maxDepth, end := "", "", "\n"
	for i, a := range inv.Args {
		switch v := a.Value; {
		case v == "-print0":
			end = "\x00"
		case findActions[v]:
			return unknown
		case v == "-mindepth" && i+1 < len(inv.Args):
			minDepth = inv.Args[i+1].Value
		case v == "-maxdepth" && i+1 < len(inv.Args):
			maxDepth = inv.Args[i+1].Value
		case i == len(starts) && !strings.HasPrefix(v, "-") && v != "(" && v != "!":
			starts = append(starts, inv.Path(v))
		}
	}
	matches, skipped, ok := r.findMatches(inv, &scope{cwd: inv.Cwd}, true)
	if !ok || !skipped {
		return unknown
	}
	var out strings.Builder
	for _, m := range matches {
		out.WriteString(m + end)
	}
	t := someLines(knownText(out.String()))
	if len(starts) == 1 && starts[0] != "" && minDepth == "1" && maxDepth == "1" {
		t.listed = starts[0]
	}
	return t
}

// pipelineOutput is what a command substitution prints when it is one
// pipeline whose output guard computes (ls, find, and filters after
// them): $(ls -t releases | tail -n +4). some reports that the text
// lists lines it may print, in an order guard does not know; listed is
// the glob of the folder every line is an entry of (listingRun).
func (r *resolver) pipelineOutput(own []*Invocation) (out string, known, some bool, listed string) {
	if len(own) == 0 || len(own) > maxFeedDepth || r.host == nil {
		return "", false, false, ""
	}
	last := own[len(own)-1]
	// one command alone: a listing, or a filter reading a file (head -1
	// FILE, sed -n 2p FILE), whose output is the file's
	if len(last.Stdin) != len(own)-1 || len(own) == 1 && filterFor(last.Program) == nil {
		return "", false, false, ""
	}
	for i, inv := range own {
		if len(inv.Via) > 0 || inv.Function != "" || i < len(own)-1 && last.Stdin[i] != inv {
			return "", false, false, ""
		}
	}
	t := r.pipedOut(last, 1)
	if !t.known || t.rewrittenBy != "" && t.rewrittenBy != "awk" {
		return "", false, false, ""
	}
	out = strings.TrimRight(t.value, "\n")
	some = t.some || t.unordered && strings.Contains(out, "\n")
	if pattern, ok := r.listingRun(t, strings.Count(out, "\n")+1, ""); ok {
		listed = pattern
	}
	return out, true, some, listed
}

// listingRun tells whether what xargs reads is several entries of one
// folder (listing.go's listed): the run then judged is the one with the
// folder's glob, DIR/* or * for names, as `rm -rf DIR/*` is judged.
// Names read in another folder than the one listed (ls / | xargs rm -rf,
// typed anywhere but /) are judged where they were listed: that is what
// the operator saw.
func (r *resolver) listingRun(in text, items int, cwd string) (string, bool) {
	if !in.known || in.listed == "" || !in.some && items < 2 {
		return "", false
	}
	return path.Join(in.listed, "*"), true
}

// replaceWithGlob is argv with repl replaced by the glob of a folder's
// entries: releases/{} → releases/*, expanded as bash would. A word that
// is repl alone takes the folder's path with it.
func (r *resolver) replaceWithGlob(argv []Arg, repl, pattern string, sc *scope) []Arg {
	out := make([]Arg, 0, len(argv)+4)
	for _, a := range argv {
		before, after, found := strings.Cut(a.Value, repl)
		if !found || !a.Known {
			out = append(out, a)
			continue
		}
		glob := "*"
		if before == "" {
			glob = pattern
		}
		f := globArg(glob, before, after)
		f.Text, f.Origin = a.Text, "xargs"
		out = append(out, r.globField(f, sc, modeArgs)...)
	}
	return out
}

// globArg is the word before+glob+after, where only glob's last * is a
// pattern character.
func globArg(glob, before, after string) Arg {
	dir, star := glob[:len(glob)-1], glob[len(glob)-1:]
	value := before + glob + after
	return Arg{Text: value, Value: value, Known: true, Glob: true,
		pattern: escapeGlob(before+dir) + star + escapeGlob(after)}
}

// entryMark stands for one entry of a listed folder in a loop's body
// (walkListed): no name holds it.
const entryMark = "\x00entry\x00"

// walkListed walks the body of a for loop over a folder's entries, $(ls
// DIR) or some of them, once more with the loop's variable standing for
// every entry at once: rm -rf "DIR/$f" is judged as rm -rf DIR/*, as
// the same line through xargs is. Only the commands whose words hold the
// entry are kept from that walk; the others were judged entry by entry.
func (r *resolver) walkListed(body []*syntax.Stmt, name, pattern string, sc *scope, ctx stmtCtx) {
	if r.unrolling() {
		return
	}
	start, spans := len(r.invs), len(r.substSpans)
	inner := sc.clone()
	inner.assign(name, Arg{Text: "$" + name, Value: entryMark, Known: true})
	r.unroll(1, func() { r.walkStmts(body, inner, ctx) })
	kept := r.invs[:start]
	for _, inv := range r.invs[start:] {
		if strings.Contains(inv.Command.Value, entryMark) || !slices.ContainsFunc(inv.Args, holdsEntry) ||
			slices.ContainsFunc(inv.Redirs, func(rd Redir) bool { return holdsEntry(rd.Target) }) {
			continue
		}
		inv.Args = r.replaceWithGlob(inv.Args, entryMark, pattern, inner)
		kept = append(kept, inv)
	}
	r.invs = kept
	r.substSpans = r.substSpans[:spans]
}

func holdsEntry(a Arg) bool { return a.Known && strings.Contains(a.Value, entryMark) }

// readsOneName is the variable a read takes a whole line into (read -r
// f, read with no name: REPLY), "" when it splits the line.
func readsOneName(p Parsed) string {
	switch {
	case p.Has("a"):
		return ""
	case len(p.Operands) == 0:
		return "REPLY"
	case len(p.Operands) == 1 && p.Operands[0].Known:
		return p.Operands[0].Value
	}
	return ""
}
