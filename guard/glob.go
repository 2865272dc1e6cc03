package guard

import (
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"mvdan.cc/sh/v3/syntax"
)

// Bounds on pathname expansion: past them a pattern's matches are only
// those read, and the pattern counts as matching more that guard cannot
// name.
const (
	maxGlobEntries = 50000 // folder entries read for patterns, per line
	maxGlobDirs    = 2048  // folders listed for patterns, per line
	maxDirEntries  = 8192  // entries read from one folder
	maxGlobMatches = 1024  // matches kept for one pattern
	maxGlobStar    = 8     // folder levels ** descends
	maxMatchSteps  = 20000 // matcher steps for one name
)

// globField expands an unquoted pattern against the host's files, as bash
// does (dotglob and nullglob off unless set, ** only with globstar or in
// zsh, extglob groups), and returns the fields bash would pass for mode.
func (r *resolver) globField(f Arg, sc *scope, mode expandMode) []Arg {
	if !f.Glob || !f.Known || mode == modeScalar || sc.opts&optNoglob != 0 || sc.remote != "" {
		return []Arg{f}
	}
	pattern, quals := f.pattern, globQuals{}
	var code []string
	if sc.opts&optZsh != 0 {
		if at, c := zshQualifierCode(pattern); c != nil {
			pattern, code = pattern[:at]+"()", c // judged below; () leaves the rest to zshQualifiers
		}
		pattern, quals = zshQualifiers(pattern)
		if cut := len(f.pattern) - len(pattern); cut > 0 && cut <= len(f.Value) {
			f.Value = f.Value[:len(f.Value)-cut] // the qualifiers select, they are not part of a name
		}
	}
	matches, complete, ok := r.glob(pattern, sc, quals)
	if code != nil {
		r.qualifierCode(f, code, matches, complete && ok, sc)
	}
	if !ok {
		return []Arg{f} // relative to a folder guard cannot know
	}
	nullglob := sc.opts&optNullglob != 0 || quals.nullglob
	if len(matches) == 0 && complete {
		if nullglob {
			return nil
		}
		return []Arg{f}
	}
	out := make([]Arg, 0, len(matches)+2)
	switch mode {
	case modeRedir:
		if len(matches) == 1 && complete {
			return []Arg{{Text: f.Text, Value: matches[0], Known: true}}
		}
		return []Arg{f} // bash refuses an ambiguous redirect
	case modeArgs, modeLoop:
		// The pattern itself goes in front of its matches only when it
		// reads as "everything in the folder", for the rules that judge
		// emptying a folder. Any other pattern is only its matches: as a
		// word of its own it would shift the operands after it (ln -sf
		// /dev/null /etc/pas*wd is ln -sf /dev/null /etc/passwd, not a
		// link into the folder /etc/passwd). A loop over DIR/* walks its
		// body once with the pattern too (walkFor).
		if len(matches) == 0 || MatchesAll(path.Base(f.Value)) {
			kept := f
			kept.standIn = len(matches) > 0
			out = append(out, kept)
		} else if dir, ok := r.everyVisibleName(matches, complete, sc); ok {
			// ~/!(.ssh), /srv/^keep, ~/[a-z]*: a pattern that matches every
			// name of its folder but the hidden ones empties the folder as
			// DIR/* does, and stands in as that
			out = append(out, Arg{Text: f.Text, Value: path.Join(dir, "*"), Known: true, Glob: true, pattern: path.Join(escapeGlob(dir), "*"), standIn: true})
		}
	}
	for _, m := range matches {
		out = append(out, Arg{Text: f.Text, Value: m, Known: true})
	}
	if !complete {
		more := Arg{Text: f.Text, Value: f.Value, Glob: true, standIn: true, unread: true}
		more.unknown("more matches of "+f.Value+" than guard read", false)
		out = append(out, more)
	}
	return out
}

// everyVisibleName reports whether matches, two or more, are every name
// not starting with a dot of one folder, and returns that folder as the
// matches write it.
func (r *resolver) everyVisibleName(matches []string, complete bool, sc *scope) (string, bool) {
	if !complete || len(matches) < 2 {
		return "", false
	}
	dir := path.Dir(matches[0])
	for _, m := range matches[1:] {
		if path.Dir(m) != dir {
			return "", false
		}
	}
	abs := dir
	if !path.IsAbs(dir) {
		if sc.cwd == "" {
			return "", false
		}
		abs = path.Join(sc.cwd, dir)
	}
	host, _ := r.hostNow()
	entries, all, err := host.ReadDir(abs, maxGlobMatches)
	if err != nil || !all {
		return "", false
	}
	visible := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			visible++
		}
	}
	return dir, visible > 0 && visible <= len(matches)
}

// MatchesAll reports whether the last component of a pattern reads as
// "every name in the folder": only wildcards, dots and classes that
// exclude the dot (*, .*, ?*, .??*, .[!.]*, *.*). rm -rf DIR/?* empties
// DIR as DIR/* does.
func MatchesAll(base string) bool {
	if !strings.Contains(base, "*") {
		return false
	}
	for _, class := range []string{"[!.]", "[^.]"} {
		base = strings.ReplaceAll(base, class, "")
	}
	return strings.Trim(base, "*?.") == ""
}

// globQuals are zsh glob qualifiers that change what matches.
type globQuals struct {
	nullglob, dotglob bool
	dirsOnly          bool
}

// zshQualifiers splits a trailing (…) without | off a zsh pattern: those
// are glob qualifiers, (N) nullglob, (D) dotglob, (/) folders.
func zshQualifiers(p string) (string, globQuals) {
	var q globQuals
	if !strings.HasSuffix(p, ")") || strings.HasSuffix(p, `\)`) {
		return p, q
	}
	open := strings.LastIndex(p, "(")
	if open < 0 || strings.Contains(p[open:], "|") || open > 0 && p[open-1] == '\\' {
		return p, q
	}
	for _, c := range p[open+1 : len(p)-1] {
		switch c {
		case 'N':
			q.nullglob = true
		case 'D':
			q.dotglob = true
		case '/':
			q.dirsOnly = true
		}
	}
	return p[:open], q
}

// maxQualifierRuns bounds the matches a zsh qualifier's code is judged
// with, each as $REPLY; past them it is judged once with $REPLY unknown.
const maxQualifierRuns = 8

// qualifierCode judges the code zsh glob qualifiers run for each match
// (e:CODE:, +FUNCTION), with $REPLY the match.
func (r *resolver) qualifierCode(f Arg, code, matches []string, complete bool, sc *scope) {
	outer := &Invocation{Text: f.Text, Cwd: sc.cwd, User: sc.user, Remote: sc.remote}
	replies := []shellVar{}
	for i, m := range matches {
		if i == maxQualifierRuns {
			complete = false
			break
		}
		replies = append(replies, shellVar{value: m, known: true, set: true})
	}
	if !complete || len(replies) == 0 {
		replies = append(replies, shellVar{set: true, maybeEmpty: false})
	}
	for _, c := range code {
		for _, reply := range replies {
			r.runCodeWith(outer, c, sc, "a zsh glob qualifier", codeOpts{prepare: func(nsc *scope) { nsc.set("REPLY", reply) }})
		}
	}
}

// zshQualifierCode finds, in a zsh pattern, trailing glob qualifiers that
// run code: e:CODE: (any delimiter, or a bracket pair) and +FUNCTION. It
// returns where the qualifiers start and the code, nil when none runs
// any. Parentheses quoted in the code are escaped in the pattern, so the
// first unescaped ( whose rest reads as qualifiers to the end is theirs.
func zshQualifierCode(p string) (int, []string) {
	if !strings.HasSuffix(p, ")") || strings.HasSuffix(p, `\)`) {
		return 0, nil
	}
	for open := 0; open < len(p)-1; open++ {
		if p[open] == '\\' {
			open++
			continue
		}
		if p[open] != '(' {
			continue
		}
		if code, ok := readQualifiers(p[open+1 : len(p)-1]); ok && len(code) > 0 {
			return open, code
		}
	}
	return 0, nil
}

// readQualifiers reads the text between a qualifier list's parentheses:
// the code of its e and + qualifiers, and whether all of it reads as
// qualifiers.
func readQualifiers(q string) (code []string, ok bool) {
	closing := map[byte]byte{'(': ')', '[': ']', '{': '}', '<': '>'}
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == 'e' && i+1 < len(q):
			open := q[i+1]
			if open == '\\' && i+2 < len(q) {
				i++
				open = q[i+1]
			}
			end, ok := closing[open]
			if !ok {
				end = open
			}
			j := i + 2
			for j < len(q) && q[j] != end {
				if q[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(q) {
				return nil, false
			}
			// the parser leaves the code as written, quotes and all:
			// eval removes them as zsh does before running it
			code = append(code, "eval "+unescapePattern(strings.TrimSuffix(q[i+2:j], `\`)))
			i = j
		case c == '+':
			j := i + 1
			for j < len(q) && (q[j] == '_' || q[j] == ':' || unicode.IsLetter(rune(q[j])) || unicode.IsDigit(rune(q[j]))) {
				j++
			}
			if j == i+1 {
				return nil, false
			}
			code = append(code, q[i+1:j])
			i = j - 1
		case strings.IndexByte("/.@=p*%rwxAIERWXsStfdUGugamcLMTNDnoOY^-[],0123456789 ", c) >= 0:
		default:
			return nil, false
		}
	}
	return code, true
}

// globKey is what a pattern's matches depend on.
type globKey struct {
	pattern, cwd string
	opts         shellOpts
	quals        globQuals
	links        *Invocation // the latest ln before (hostNow)
}

type globResult struct {
	matches      []string
	complete, ok bool
}

// glob returns the matches of pattern, sorted, whether they are all of
// them, and false when the pattern is relative to an unknown folder. A
// pattern met again in the same folder is not matched again.
func (r *resolver) glob(pattern string, sc *scope, quals globQuals) (matches []string, complete, ok bool) {
	_, links := r.hostNow()
	key := globKey{pattern: pattern, cwd: sc.cwd, opts: sc.opts, quals: quals, links: links}
	if res, seen := r.globCache[key]; seen {
		return res.matches, res.complete, res.ok
	}
	matches, complete, ok = r.globUncached(pattern, sc, quals)
	r.globCache[key] = globResult{matches, complete, ok}
	return matches, complete, ok
}

func (r *resolver) globUncached(pattern string, sc *scope, quals globQuals) (matches []string, complete, ok bool) {
	base := sc.cwd
	if strings.HasPrefix(pattern, "/") {
		base = "/"
	}
	if base == "" {
		return nil, false, false
	}
	if sc.opts&optExtendedGlob != 0 {
		if include, exclude, found := cutExclusion(pattern); found {
			return r.globExcluding(include, exclude, sc, quals)
		}
	}
	host, links := r.hostNow()
	g := &globber{r: r, sc: sc, host: host, links: links, dotglob: sc.opts&optDotglob != 0 || quals.dotglob, complete: true,
		globstar: sc.opts&(optGlobstar|optZsh) != 0, zsh: sc.opts&optZsh != 0, nocase: sc.opts&optNocaseglob != 0,
		extended: sc.opts&optExtendedGlob != 0}
	parts := splitPattern(pattern)
	trailingSlash := strings.HasSuffix(pattern, "/") && len(parts) > 0
	if trailingSlash {
		parts = parts[:len(parts)-1]
	}
	start := globPath{fs: base}
	if strings.HasPrefix(pattern, "/") {
		start.shown = "/"
		parts = parts[1:]
	}
	paths := []globPath{start}
	for i, part := range parts {
		last := i == len(parts)-1
		paths = g.step(paths, part, last && !trailingSlash && !quals.dirsOnly)
		if len(paths) == 0 {
			break
		}
	}
	for _, p := range paths {
		if p.shown == "" || p.shown == "/" && len(parts) == 0 {
			continue
		}
		shown := p.shown
		if trailingSlash {
			if !g.isDir(p.fs) {
				continue
			}
			shown += "/"
		} else if !g.exists(p.fs) {
			continue
		}
		matches = append(matches, shown)
		if len(matches) == maxGlobMatches {
			g.complete = false
			break
		}
	}
	sort.Strings(matches)
	return matches, g.complete, true
}

type globPath struct {
	fs    string // absolute path on the host
	shown string // as bash prints it: relative when the pattern was
}

func (p globPath) join(name string) globPath {
	shown := name
	switch {
	case p.shown == "/":
		shown = "/" + name
	case p.shown != "":
		shown = p.shown + "/" + name
	}
	return globPath{fs: path.Join(p.fs, name), shown: shown}
}

type globber struct {
	r  *resolver
	sc *scope
	// host is the host as the command sees it, with the links made
	// earlier on the line (links, their latest ln; nil when none was,
	// and the folders read are kept for the whole line).
	host     Host
	links    *Invocation
	dotglob  bool
	globstar bool
	zsh      bool
	nocase   bool // nocaseglob: a component with pattern characters matches in any case
	extended bool // zsh's extendedglob: ^x and (#i) (zshglob.go)
	complete bool
}

// step matches one component of the pattern in each folder reached so far.
func (g *globber) step(paths []globPath, part string, last bool) []globPath {
	if part == "" {
		return paths // a doubled slash
	}
	nocase := g.nocase
	var toks []globTok
	if g.extended {
		var ok bool
		if toks, nocase, ok = parseExtendedGlob(part, nocase); !ok {
			g.complete = false
			return nil
		}
	}
	if toks == nil && !hasGlobMeta(part, g.zsh) {
		lit := unescapePattern(part)
		next := make([]globPath, 0, len(paths))
		for _, p := range paths {
			q := p.join(lit)
			if lit == "." || lit == ".." {
				q.fs = path.Join(p.fs, lit)
			}
			if last || g.isDir(q.fs) {
				next = append(next, q)
			}
		}
		return next
	}
	if part == "**" && g.globstar {
		return g.descend(paths, last)
	}
	if toks == nil {
		var ok bool
		if toks, ok = parseGlob(part, g.zsh); !ok {
			g.complete = false
			return nil
		}
	}
	var next []globPath
	for _, p := range paths {
		entries, ok := g.list(p.fs)
		if !ok {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if !g.dotglob && strings.HasPrefix(name, ".") && !(len(toks) > 0 && toks[0].kind == tokLit && toks[0].r == '.') {
				continue
			}
			m := matcher{nocase: nocase}
			if !m.match(toks, name) {
				if m.exceeded {
					g.complete = false
				}
				continue
			}
			q := p.join(name)
			if !last && !g.isDir(q.fs) {
				continue
			}
			next = append(next, q)
			if len(next) > maxGlobMatches {
				g.complete = false
				return next
			}
		}
	}
	return next
}

// descend is globstar's **: the folder itself and every folder below it,
// without following symbolic links.
func (g *globber) descend(paths []globPath, last bool) []globPath {
	out := append([]globPath(nil), paths...)
	level := paths
	for depth := 0; depth < maxGlobStar && len(level) > 0; depth++ {
		var next []globPath
		for _, p := range level {
			entries, ok := g.list(p.fs)
			if !ok {
				continue
			}
			for _, e := range entries {
				if !g.dotglob && strings.HasPrefix(e.Name(), ".") {
					continue
				}
				q := p.join(e.Name())
				if e.IsDir() {
					next = append(next, q)
				} else if last {
					out = append(out, q)
				}
			}
		}
		out = append(out, next...)
		if len(out) > maxGlobMatches {
			g.complete = false
			return out[:maxGlobMatches]
		}
		level = next
	}
	if len(level) > 0 {
		g.complete = false
	}
	return out
}

// list reads a folder once per line, within the line's budget.
func (g *globber) list(dir string) ([]fs.DirEntry, bool) {
	r := g.r
	if entries, ok := r.dirCache[dir]; ok && g.links == nil {
		return entries, entries != nil
	}
	if len(r.dirCache) >= maxGlobDirs || r.globRead >= maxGlobEntries {
		g.complete = false
		return nil, false
	}
	real, _ := ResolvePath(g.host, dir)
	entries, complete, err := g.host.ReadDir(real, min(maxDirEntries, maxGlobEntries-r.globRead))
	if err != nil {
		if g.links == nil {
			r.dirCache[dir] = nil
		}
		return nil, false
	}
	if !complete {
		g.complete = false
	}
	r.globRead += len(entries)
	if g.links == nil {
		r.dirCache[dir] = entries
	}
	return entries, true
}

// lstat describes p, following symbolic links in the folders above it
// (a host answering lstat from a table may not).
func (g *globber) lstat(p string) (fs.FileInfo, error) {
	parent, _ := ResolvePath(g.host, path.Dir(p))
	return g.host.Lstat(path.Join(parent, path.Base(p)))
}

func (g *globber) exists(p string) bool {
	_, err := g.lstat(p)
	return err == nil
}

// isDir follows symbolic links, as bash does when it descends.
func (g *globber) isDir(p string) bool {
	info, err := g.lstat(p)
	if err != nil {
		return false
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		real, sure := ResolvePath(g.host, p)
		if !sure {
			return false
		}
		info, err = g.host.Lstat(real)
		if err != nil {
			return false
		}
	}
	return info.IsDir()
}

// splitPattern splits a pattern on the slashes outside brackets and groups.
func splitPattern(p string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth = max(depth-1, 0)
		case '/':
			if depth == 0 {
				parts = append(parts, p[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, p[start:])
}

// hasGlobMeta reports whether a pattern component holds live pattern
// characters.
func hasGlobMeta(p string, zsh bool) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '*', '?':
			return true
		case '[':
			if strings.Contains(p[i+1:], "]") {
				return true
			}
		case '(':
			if zsh || i > 0 && strings.IndexByte("?*+@!", p[i-1]) >= 0 {
				return true
			}
		}
	}
	return false
}

func unescapePattern(p string) string {
	if !strings.Contains(p, `\`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

type tokKind uint8

const (
	tokLit   tokKind = iota
	tokAny           // ?
	tokStar          // *
	tokClass         // […]
	tokGroup         // ?(…) *(…) +(…) @(…) !(…), and zsh's (a|b)
)

type globTok struct {
	kind  tokKind
	r     rune
	class *charClass
	op    byte // for groups: one of ?*+@!
	alts  [][]globTok
}

type charClass struct {
	negate bool
	runes  []rune
	ranges [][2]rune
	named  []string
}

func (c *charClass) matches(r rune) bool {
	in := false
	for _, x := range c.runes {
		in = in || x == r
	}
	for _, rg := range c.ranges {
		in = in || rg[0] <= r && r <= rg[1]
	}
	for _, n := range c.named {
		in = in || namedClass(n, r)
	}
	return in != c.negate
}

func namedClass(name string, r rune) bool {
	switch name {
	case "alpha":
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	case "digit":
		return r >= '0' && r <= '9'
	case "alnum":
		return namedClass("alpha", r) || namedClass("digit", r)
	case "upper":
		return r >= 'A' && r <= 'Z'
	case "lower":
		return r >= 'a' && r <= 'z'
	case "space":
		return strings.ContainsRune(" \t\n\r\v\f", r)
	case "blank":
		return r == ' ' || r == '\t'
	case "punct":
		return r > ' ' && r < 0x7f && !namedClass("alnum", r)
	case "xdigit":
		return namedClass("digit", r) || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
	case "print":
		return r >= ' ' && r != 0x7f
	case "graph":
		return r > ' ' && r != 0x7f
	case "cntrl":
		return r < ' ' || r == 0x7f
	}
	return false
}

// parseGlob reads one pattern component. It fails on a group left open.
func parseGlob(p string, zsh bool) ([]globTok, bool) {
	toks, rest, ok := parseGlobSeq(p, zsh, false)
	return toks, ok && rest == ""
}

// parseGlobSeq reads tokens up to the end, or up to | or ) inside a group.
func parseGlobSeq(p string, zsh, inGroup bool) ([]globTok, string, bool) {
	var toks []globTok
	for p != "" {
		c := p[0]
		switch {
		case inGroup && (c == '|' || c == ')'):
			return toks, p, true
		case c == '\\' && len(p) > 1:
			r, size := utf8.DecodeRuneInString(p[1:])
			toks = append(toks, globTok{kind: tokLit, r: r})
			p = p[1+size:]
			continue
		case strings.IndexByte("?*+@!", c) >= 0 && len(p) > 1 && p[1] == '(':
			alts, rest, ok := parseGlobAlts(p[2:], zsh)
			if !ok {
				return nil, "", false
			}
			toks = append(toks, globTok{kind: tokGroup, op: c, alts: alts})
			p = rest
			continue
		case zsh && c == '(':
			alts, rest, ok := parseGlobAlts(p[1:], zsh)
			if !ok {
				return nil, "", false
			}
			toks = append(toks, globTok{kind: tokGroup, op: '@', alts: alts})
			p = rest
			continue
		case c == '*':
			if len(toks) == 0 || toks[len(toks)-1].kind != tokStar {
				toks = append(toks, globTok{kind: tokStar})
			}
			p = p[1:]
			continue
		case c == '?':
			toks = append(toks, globTok{kind: tokAny})
			p = p[1:]
			continue
		case c == '[':
			if class, rest, ok := parseClass(p[1:]); ok {
				toks = append(toks, globTok{kind: tokClass, class: class})
				p = rest
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(p)
		toks = append(toks, globTok{kind: tokLit, r: r})
		p = p[size:]
	}
	return toks, "", !inGroup
}

// parseGlobAlts reads the alternatives of a group up to its ).
func parseGlobAlts(p string, zsh bool) ([][]globTok, string, bool) {
	var alts [][]globTok
	for {
		seq, rest, ok := parseGlobSeq(p, zsh, true)
		if !ok || rest == "" {
			return nil, "", false
		}
		alts = append(alts, seq)
		if rest[0] == ')' {
			return alts, rest[1:], true
		}
		p = rest[1:]
	}
}

// parseClass reads a bracket expression after its [.
func parseClass(p string) (*charClass, string, bool) {
	c := &charClass{}
	if p != "" && (p[0] == '!' || p[0] == '^') {
		c.negate = true
		p = p[1:]
	}
	first := true
	for p != "" {
		if p[0] == ']' && !first {
			return c, p[1:], true
		}
		first = false
		if strings.HasPrefix(p, "[:") {
			if end := strings.Index(p[2:], ":]"); end >= 0 { // [:] is no class name
				c.named = append(c.named, p[2:2+end])
				p = p[2+end+2:]
				continue
			}
		}
		if p[0] == '\\' && len(p) > 1 {
			p = p[1:]
		}
		r, size := utf8.DecodeRuneInString(p)
		p = p[size:]
		if len(p) > 1 && p[0] == '-' && p[1] != ']' {
			hi, hsize := utf8.DecodeRuneInString(p[1:])
			c.ranges = append(c.ranges, [2]rune{r, hi})
			p = p[1+hsize:]
			continue
		}
		c.runes = append(c.runes, r)
	}
	return nil, "", false
}

// matcher matches names against parsed patterns by backtracking, within a
// step budget: a pattern of nested groups cannot make it run for long.
type matcher struct {
	steps    int
	limit    int // maxMatchSteps when 0
	exceeded bool
	nocase   bool // letters match in either case (nocaseglob)
}

// same reports whether the name's rune r matches the pattern's rune p.
func (m *matcher) same(p, r rune) bool {
	return p == r || m.nocase && unicode.ToLower(p) == unicode.ToLower(r)
}

// inClass reports whether r is in class c, in either case under nocase.
func (m *matcher) inClass(c *charClass, r rune) bool {
	if !m.nocase || c.negate {
		return c.matches(r) && (!m.nocase || c.matches(unicode.ToLower(r)) && c.matches(unicode.ToUpper(r)))
	}
	return c.matches(r) || c.matches(unicode.ToLower(r)) || c.matches(unicode.ToUpper(r))
}

func (m *matcher) match(toks []globTok, s string) bool {
	m.steps++
	if m.steps > maxMatchSteps && m.limit == 0 || m.limit > 0 && m.steps > m.limit {
		m.exceeded = true
		return false
	}
	if len(toks) == 0 {
		return s == ""
	}
	t, rest := toks[0], toks[1:]
	switch t.kind {
	case tokLit, tokAny, tokClass:
		r, size := utf8.DecodeRuneInString(s)
		if size == 0 {
			return false
		}
		if t.kind == tokLit && !m.same(t.r, r) || t.kind == tokClass && !m.inClass(t.class, r) {
			return false
		}
		return m.match(rest, s[size:])
	case tokStar:
		if len(rest) == 0 {
			return true
		}
		for i := 0; i <= len(s); i++ {
			if m.match(rest, s[i:]) {
				return true
			}
			if m.exceeded {
				return false
			}
		}
		return false
	}
	switch t.op {
	case '?', '*':
		if m.match(rest, s) {
			return true
		}
	case '!':
		for i := 0; i <= len(s); i++ {
			if !m.matchAlts(t.alts, s[:i]) && m.match(rest, s[i:]) {
				return true
			}
			if m.exceeded {
				return false
			}
		}
		return false
	}
	first := 1 // a repetition must take something, or * and + would loop
	if t.op == '@' || t.op == '?' {
		first = 0
	}
	for i := first; i <= len(s); i++ {
		if !m.matchAlts(t.alts, s[:i]) {
			continue
		}
		switch t.op {
		case '*', '+':
			// after one repetition, what is left is *(…) again
			again := append([]globTok{{kind: tokGroup, op: '*', alts: t.alts}}, rest...)
			if m.match(again, s[i:]) {
				return true
			}
		default:
			if m.match(rest, s[i:]) {
				return true
			}
		}
		if m.exceeded {
			return false
		}
	}
	return false
}

func (m *matcher) matchAlts(alts [][]globTok, s string) bool {
	for _, alt := range alts {
		if m.match(alt, s) {
			return true
		}
	}
	return false
}

// matchPattern matches s against a pattern written as in a word (with
// backslash escapes).
func matchPattern(pattern, s string) (matched, ok bool) {
	pm, ok := newPatternMatcher(pattern)
	if !ok {
		return false, false
	}
	return pm.match(s)
}

// maxAffixSteps bounds the matching one ${x#pat} or ${x/pat/rep} does
// over all the pieces of x it tries.
const maxAffixSteps = 200000

// patternMatcher matches many strings against one pattern within one
// step budget.
type patternMatcher struct {
	toks []globTok
	m    matcher
}

func newPatternMatcher(pattern string) (*patternMatcher, bool) {
	toks, ok := parseGlob(pattern, false)
	if !ok {
		return nil, false
	}
	return &patternMatcher{toks: toks, m: matcher{limit: maxAffixSteps}}, true
}

func (pm *patternMatcher) match(s string) (matched, ok bool) {
	matched = pm.m.match(pm.toks, s)
	return matched, !pm.m.exceeded
}

// removeAffix applies ${x#pat}, ${x##pat}, ${x%pat}, ${x%%pat}.
func removeAffix(s, pattern string, op syntax.ParExpOperator) (string, bool) {
	pm, ok := newPatternMatcher(pattern)
	if !ok {
		return "", false
	}
	prefix := op == syntax.RemSmallPrefix || op == syntax.RemLargePrefix
	longest := op == syntax.RemLargePrefix || op == syntax.RemLargeSuffix
	cuts := make([]int, 0, len(s)+1)
	for i := 0; i <= len(s); i++ {
		if i == len(s) || utf8.RuneStart(s[i]) {
			cuts = append(cuts, i)
		}
	}
	// The shortest prefix and the longest suffix are found cutting from
	// the start; the others cutting from the end.
	if longest == prefix {
		slices.Reverse(cuts)
	}
	for _, cut := range cuts {
		piece := s[:cut]
		if !prefix {
			piece = s[cut:]
		}
		matched, ok := pm.match(piece)
		if !ok {
			return "", false
		}
		if matched {
			if prefix {
				return s[cut:], true
			}
			return s[:cut], true
		}
	}
	return s, true
}

// replacePattern applies ${x/pat/rep} and ${x//pat/rep} (# and % anchors
// included), taking the longest match at each place.
func replacePattern(s, pattern, with string, all bool) (string, bool) {
	anchorStart, anchorEnd := false, false
	if strings.HasPrefix(pattern, "#") {
		anchorStart, pattern = true, pattern[1:]
	} else if strings.HasPrefix(pattern, "%") {
		anchorEnd, pattern = true, pattern[1:]
	}
	if pattern == "" {
		return s, true
	}
	pm, ok := newPatternMatcher(pattern)
	if !ok {
		return "", false
	}
	var out strings.Builder
	for i := 0; i <= len(s); {
		if anchorStart && i > 0 {
			out.WriteString(s[i:])
			return out.String(), true
		}
		found := -1
		for j := len(s); j > i; j-- {
			if anchorEnd && j != len(s) {
				break
			}
			matched, ok := pm.match(s[i:j])
			if !ok {
				return "", false
			}
			if matched {
				found = j
				break
			}
		}
		if found < 0 {
			if i == len(s) {
				break
			}
			_, size := utf8.DecodeRuneInString(s[i:])
			out.WriteString(s[i : i+size])
			i += size
			continue
		}
		out.WriteString(with)
		if !all {
			out.WriteString(s[found:])
			return out.String(), true
		}
		i = found
	}
	return out.String(), true
}
