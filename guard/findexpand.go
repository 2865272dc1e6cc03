package guard

import (
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Bounds on following what find matches.
const (
	maxFindRuns     = 16  // matches of find -exec … \; for which {} alone is judged
	maxFindRunsLine = 512 // matches of finds guard cannot list whole that -exec is followed for, per line
	maxFindDepth    = 8   // levels walked without -maxdepth
)

// runFindMatches runs find's -exec command once per match (or once with
// every match for -exec … {} +) when guard can list the matches: start
// folders and tests it can evaluate on the host (-name, -iname, -path,
// -type, -maxdepth, -mindepth), within its budget. It reports whether it
// did; if not, {} stays unknown. matches lists them, once per find.
// Past maxFindRuns matches, or past the walk's budget, it still follows
// the command for the first ones (up to the line's budget), nearest the
// start folders first, and reports that {} must also be judged unknown:
// find /etc -type f -exec truncate -s0 {} \; empties /etc/passwd, a match
// at depth one.
func (r *resolver) runFindMatches(outer *Invocation, argv []Arg, action string, plus bool, sc *scope, matches func() ([]string, bool)) bool {
	found, ok := matches()
	if len(found) == 0 {
		// none now (or none listed): the command is judged once with {}
		// unknown, as what find would run for a match. A command that
		// does not use the match (-exec rm -rf / \;, a typo for {}) is
		// not excused by there being no match at this moment.
		return false
	}
	if !ok || !plus && len(found) > maxFindRuns {
		// the first matches, within the line's budget, and {} unknown
		found = found[:min(len(found), max(0, maxFindRunsLine-r.findRuns))]
		r.findRuns += len(found)
		if len(found) == 0 {
			return false
		}
		ok = false
	}
	execdir := action == "-execdir" || action == "-okdir"
	runs := [][]string{found}
	if !plus {
		runs = runs[:0]
		for _, m := range found {
			runs = append(runs, []string{m})
		}
	}
	for _, run := range runs {
		var inner []Arg
		cwd := ""
		for _, a := range argv {
			if !strings.Contains(a.Value, "{}") {
				inner = append(inner, a)
				continue
			}
			for _, m := range run {
				value := m
				if execdir {
					cwd, value = path.Dir(m), "./"+path.Base(m)
				}
				inner = append(inner, Arg{Text: a.Text, Value: strings.ReplaceAll(a.Value, "{}", value), Known: true, Origin: "find"})
				if !plus {
					break
				}
			}
		}
		r.runInner(outer, inner, sc, "find "+action, func(in *Invocation, isc *scope) {
			in.Stdin, in.InPipeline = nil, false
			if execdir {
				in.Cwd = cwd
			}
		})
	}
	return ok
}

// findOutput is what find prints when guard can list its matches and it
// only prints them (no action, -print, -print0): what | xargs rm -rf and
// | while read -r d reads.
func (r *resolver) findOutput(inv *Invocation) (string, bool) {
	out, whole := r.findPrinted(inv)
	if !whole {
		return "", false
	}
	return out, true
}

// findPrinted is what find prints as far as guard lists it: its matches
// nearest the start folders first, and whether that is all of them. It
// is "" when guard cannot list any (an action that runs commands, a test
// it does not evaluate, another host); past the walk's budget it is the
// matches found before: find /etc | xargs rm -f deletes /etc/passwd,
// however many files come after it.
func (r *resolver) findPrinted(inv *Invocation) (out string, whole bool) {
	end := "\n"
	for _, a := range inv.Args {
		switch {
		case a.Value == "-print0":
			end = "\x00"
		case findActions[a.Value]:
			return "", false // it runs commands, and prints only with -print
		}
	}
	matches, _, ok := r.findMatches(inv, &scope{cwd: inv.Cwd}, false)
	var b strings.Builder
	for _, m := range matches {
		b.WriteString(m + end)
	}
	return b.String(), ok
}

// findMatches evaluates a find command's expression on the host. It fails
// for expressions with operators or tests it does not evaluate, on another
// host, or past its budget; past its budget, the matches it found before
// are still returned (nearest the start folders first). With loose, the tests of findUnread are taken
// as true, and skipped reports that some were: the matches are then the
// paths find may print.
func (r *resolver) findMatches(outer *Invocation, sc *scope, loose bool) (matches []string, skipped, ok bool) {
	if outer.Remote != "" {
		return nil, false, false
	}
	args := outer.Args
	i := 0
	for i < len(args) && (args[i].Value == "-H" || args[i].Value == "-L" || args[i].Value == "-P") {
		i++
	}
	var starts []string
	for ; i < len(args) && !strings.HasPrefix(args[i].Value, "-") && args[i].Value != "(" && args[i].Value != "!"; i++ {
		p := outer.Path(args[i].Value)
		if !args[i].Known || p == "" {
			return nil, false, false
		}
		starts = append(starts, p)
	}
	if len(starts) == 0 {
		if outer.Cwd == "" {
			return nil, false, false
		}
		starts = []string{outer.Cwd}
	}
	fp := &findParser{args: args, i: i, loose: loose, maxDepth: -1}
	expr, ok := fp.parseOr()
	if !ok || fp.i < len(args) {
		return nil, false, false // an operator or a test guard does not evaluate
	}
	skipped = fp.skipped
	minDepth, maxDepth := fp.minDepth, fp.maxDepth
	if maxDepth < 0 {
		maxDepth = maxFindDepth
	}
	host, links := r.hostNow()
	g := &globber{r: r, sc: sc, host: host, links: links, dotglob: true, complete: true}
	type node struct {
		path  string
		depth int
	}
	level := make([]node, 0, len(starts))
	for _, s := range starts {
		if !g.exists(s) {
			continue
		}
		level = append(level, node{s, 0})
	}
	for len(level) > 0 {
		var next []node
		for _, n := range level {
			if n.depth >= minDepth && expr.eval(g, n.path) != findFalse {
				matches = append(matches, n.path)
				if len(matches) > maxGlobMatches {
					return matches[:maxGlobMatches], false, false
				}
			}
			if n.depth >= maxDepth || !g.isDir(n.path) {
				continue
			}
			entries, ok := g.list(n.path)
			if !ok {
				// a folder guard may not read: find says so and goes on
				// with the others (past the budget, g.complete says so)
				continue
			}
			for _, e := range entries {
				next = append(next, node{path.Join(n.path, e.Name()), n.depth + 1})
			}
		}
		level = next
	}
	if !g.complete {
		return matches, false, false
	}
	return matches, skipped, true
}

// findParser reads find's expression into a tree of tests: ( ), !,
// -not, -a, -and, and -o or -or inside parentheses. A -o outside them is
// not read: an action after it applies to one branch only.
type findParser struct {
	args               []Arg
	i, parens, nesting int
	loose, skipped     bool
	minDepth, maxDepth int
}

// maxFindNesting bounds how deep find's operators nest when read.
const maxFindNesting = 64

// findNode is a node of find's expression: an operator over its kids, a
// test, or (op "unread") a test guard takes as unknown.
type findNode struct {
	op   string // and, or, not, test, unread
	test findTest
	kids []*findNode
}

// Three-valued results: a path matches unless the expression is false
// for it; a test guard does not read leaves it unknown either way.
const (
	findFalse = iota
	findTrue
	findUnknown
)

func (p *findParser) parseOr() (*findNode, bool) {
	n, ok := p.parseAnd()
	if !ok {
		return nil, false
	}
	kids := []*findNode{n}
	for p.i < len(p.args) && (p.args[p.i].Value == "-o" || p.args[p.i].Value == "-or") {
		if p.parens == 0 {
			return nil, false
		}
		p.i++
		right, ok := p.parseAnd()
		if !ok {
			return nil, false
		}
		kids = append(kids, right)
	}
	if len(kids) == 1 {
		return n, true
	}
	return &findNode{op: "or", kids: kids}, true
}

func (p *findParser) parseAnd() (*findNode, bool) {
	and := &findNode{op: "and"}
	for p.i < len(p.args) {
		switch p.args[p.i].Value {
		case "-o", "-or", ")":
			return and, true
		case "-a", "-and":
			p.i++
			continue
		}
		n, ok := p.parseUnary()
		if !ok {
			return nil, false
		}
		if n != nil {
			and.kids = append(and.kids, n)
		}
	}
	return and, true
}

func (p *findParser) parseUnary() (*findNode, bool) {
	p.nesting++
	defer func() { p.nesting-- }()
	if p.nesting > maxFindNesting {
		return nil, false // bounded: ! ! ! … or ( ( ( … is not read
	}
	switch p.args[p.i].Value {
	case "!", "-not":
		p.i++
		if p.i >= len(p.args) {
			return nil, false
		}
		n, ok := p.parseUnary()
		if !ok || n == nil {
			return nil, false
		}
		return &findNode{op: "not", kids: []*findNode{n}}, true
	case "(":
		p.i++
		p.parens++
		n, ok := p.parseOr()
		if !ok || p.i >= len(p.args) || p.args[p.i].Value != ")" {
			return nil, false
		}
		p.i++
		p.parens--
		return n, true
	}
	return p.parsePrimary()
}

// parsePrimary reads one test, option or action; nil for the ones that
// do not decide what matches (options, -print, the actions).
func (p *findParser) parsePrimary() (*findNode, bool) {
	args := p.args
	v := args[p.i].Value
	p.i++
	switch v {
	case "-maxdepth", "-mindepth", "-name", "-iname", "-path", "-wholename", "-ipath", "-type":
		if p.i >= len(args) || !args[p.i].Known {
			return nil, false
		}
		value := args[p.i].Value
		p.i++
		switch v {
		case "-maxdepth", "-mindepth":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 {
				return nil, false
			}
			if v == "-maxdepth" {
				p.maxDepth = n
			} else {
				p.minDepth = n
			}
			return nil, true
		}
		return &findNode{op: "test", test: findTest{v, value}}, true
	case "-xdev", "-mount", "-print", "-print0", "-depth", "-d", "-true":
		return nil, true
	case "-exec", "-execdir", "-ok", "-okdir":
		for ; p.i < len(args) && args[p.i].Value != ";" && args[p.i].Value != "+"; p.i++ {
		}
		p.i++
		return nil, true
	}
	if arity, unread := findUnread[v]; p.loose && unread && p.i-1+arity < len(args) {
		p.i += arity
		p.skipped = true
		return &findNode{op: "unread"}, true
	}
	return nil, false
}

// eval tells whether the expression holds for the path p.
func (n *findNode) eval(g *globber, p string) int {
	switch n.op {
	case "test":
		if findTests(g, p, []findTest{n.test}) {
			return findTrue
		}
		return findFalse
	case "unread":
		return findUnknown
	case "not":
		switch r := n.kids[0].eval(g, p); r {
		case findTrue:
			return findFalse
		case findFalse:
			return findTrue
		default:
			return r
		}
	case "or":
		result := findFalse
		for _, k := range n.kids {
			switch k.eval(g, p) {
			case findTrue:
				return findTrue
			case findUnknown:
				result = findUnknown
			}
		}
		return result
	}
	result := findTrue // and: an empty one holds
	for _, k := range n.kids {
		switch k.eval(g, p) {
		case findFalse:
			return findFalse
		case findUnknown:
			result = findUnknown
		}
	}
	return result
}

// findTest is one of find's tests: -name PATTERN, -type d…
type findTest struct {
	kind, value string
}

// findTests evaluates find's tests on one path, all of which must hold.
func findTests(g *globber, p string, tests []findTest) bool {
	for _, t := range tests {
		switch t.kind {
		case "-name", "-iname":
			name, pat := path.Base(p), t.value
			if t.kind == "-iname" {
				name, pat = strings.ToLower(name), strings.ToLower(pat)
			}
			if matched, ok := matchPattern(pat, name); !ok || !matched {
				return false
			}
		case "-path", "-wholename", "-ipath":
			name, pat := p, t.value
			if t.kind == "-ipath" {
				name, pat = strings.ToLower(name), strings.ToLower(pat)
			}
			if matched, ok := matchPattern(pat, name); !ok || !matched {
				return false
			}
		case "-type":
			info, err := g.host.Lstat(p)
			if err != nil {
				return false
			}
			kind := "f"
			switch mode := info.Mode(); {
			case mode.IsDir():
				kind = "d"
			case mode&fs.ModeSymlink != 0:
				kind = "l"
			case mode&fs.ModeNamedPipe != 0:
				kind = "p"
			case mode&fs.ModeSocket != 0:
				kind = "s"
			case mode&fs.ModeCharDevice != 0:
				kind = "c"
			case mode&fs.ModeDevice != 0:
				kind = "b"
			}
			if !strings.Contains(t.value, kind) {
				return false
			}
		}
	}
	return true
}
