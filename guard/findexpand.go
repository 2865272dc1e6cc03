package guard

import (
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Bounds on following what find matches.
const (
	maxFindRuns  = 16 // commands find -exec … \; is followed for, one per match
	maxFindDepth = 8  // levels walked without -maxdepth
)

// runFindMatches runs find's -exec command once per match (or once with
// every match for -exec … {} +) when guard can list the matches: start
// folders and tests it can evaluate on the host (-name, -iname, -path,
// -type, -maxdepth, -mindepth), within its budget. It reports whether it
// did; if not, {} stays unknown. matches lists them, once per find.
func (r *resolver) runFindMatches(outer *Invocation, argv []Arg, action string, plus bool, sc *scope, matches func() ([]string, bool)) bool {
	found, ok := matches()
	if !ok || !plus && len(found) > maxFindRuns {
		return false
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
	return true
}

// findOutput is what find prints when guard can list its matches and it
// only prints them (no action, -print, -print0): what | xargs rm -rf and
// | while read -r d reads.
func (r *resolver) findOutput(inv *Invocation) (string, bool) {
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
	if !ok {
		return "", false
	}
	var out strings.Builder
	for _, m := range matches {
		out.WriteString(m + end)
	}
	return out.String(), true
}

// findMatches evaluates a find command's expression on the host. It fails
// for expressions with operators or tests it does not evaluate, on another
// host, or past its budget. With loose, the tests of findUnread are taken
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
	var tests []findTest
	minDepth, maxDepth := 0, -1
	for ; i < len(args); i++ {
		v := args[i].Value
		switch v {
		case "-maxdepth", "-mindepth", "-name", "-iname", "-path", "-wholename", "-ipath", "-type":
			if i+1 >= len(args) || !args[i+1].Known {
				return nil, false, false
			}
			value := args[i+1].Value
			i++
			switch v {
			case "-maxdepth", "-mindepth":
				n, err := strconv.Atoi(value)
				if err != nil || n < 0 {
					return nil, false, false
				}
				if v == "-maxdepth" {
					maxDepth = n
				} else {
					minDepth = n
				}
			default:
				tests = append(tests, findTest{v, value})
			}
		case "-xdev", "-mount", "-print", "-print0", "-depth", "-d", "-true":
		case "-exec", "-execdir", "-ok", "-okdir":
			for i++; i < len(args) && args[i].Value != ";" && args[i].Value != "+"; i++ {
			}
		default:
			if arity, unread := findUnread[v]; loose && unread && i+arity < len(args) {
				i += arity
				skipped = true
				continue
			}
			return nil, false, false // an operator or a test guard does not evaluate
		}
	}
	if maxDepth < 0 {
		maxDepth = maxFindDepth
	}
	g := &globber{r: r, sc: sc, dotglob: true, complete: true}
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
			if n.depth >= minDepth && findTests(g, n.path, tests) {
				matches = append(matches, n.path)
				if len(matches) > maxGlobMatches {
					return nil, false, false
				}
			}
			if n.depth >= maxDepth || !g.isDir(n.path) {
				continue
			}
			entries, ok := g.list(n.path)
			if !ok {
				return nil, false, false
			}
			for _, e := range entries {
				next = append(next, node{path.Join(n.path, e.Name()), n.depth + 1})
			}
		}
		level = next
	}
	if !g.complete {
		return nil, false, false
	}
	return matches, skipped, true
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
			info, err := g.r.host.Lstat(p)
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
