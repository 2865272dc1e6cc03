package guard

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// maxSedCommands bounds the sed scripts guard reads.
const maxSedCommands = 64

// Bounds on what a script's s commands do in all, each over the line the
// one before left (the input is at most maxFeedBytes): the bytes they read
// and the matches they replace.
const (
	maxSedScan    = maxFeedBytes
	maxSedMatches = 1 << 18
)

// sedCmd is one command of a sed script, enough to compute simple edits
// and to find the ones that run or write: s///e, e CMD, w FILE.
type sedCmd struct {
	addr  string // the address as written, "" for every line
	name  byte
	re    string // s: the pattern; y: the source characters
	repl  string // s: the replacement; y: the target characters
	flags string // s: g, p, i, a number, e
	arg   string // e: the command; w, r: the file; a, i, c: the text; b, t: a label
	wfile string // s///w FILE
}

// parseSed splits a sed script into its commands. It reports false for
// what it cannot read, so callers know the script was not understood.
func parseSed(script string) ([]sedCmd, bool) {
	var cmds []sedCmd
	i := 0
	restOfLine := func() string {
		end := strings.IndexByte(script[i:], '\n')
		if end < 0 {
			end = len(script) - i
		}
		s := script[i : i+end]
		i += end
		return strings.TrimSpace(s)
	}
	for i < len(script) {
		if len(cmds) >= maxSedCommands {
			return cmds, false
		}
		for i < len(script) && strings.IndexByte(" \t\n;", script[i]) >= 0 {
			i++
		}
		if i >= len(script) {
			break
		}
		if script[i] == '#' {
			restOfLine()
			continue
		}
		start := i
		for pass := 0; pass < 2 && i < len(script); pass++ {
			switch c := script[i]; {
			case c >= '0' && c <= '9':
				for i < len(script) && (script[i] >= '0' && script[i] <= '9' || script[i] == '~') {
					i++
				}
			case c == '$':
				i++
			case c == '/' || c == '\\':
				delim := c
				if c == '\\' {
					if i+1 >= len(script) {
						return cmds, false
					}
					i++
					delim = script[i]
				}
				end, ok := sedDelimited(script, i+1, delim)
				if !ok {
					return cmds, false
				}
				i = end + 1
				for i < len(script) && (script[i] == 'I' || script[i] == 'M') {
					i++
				}
			case c == '+' && pass == 1:
				i++
				for i < len(script) && script[i] >= '0' && script[i] <= '9' {
					i++
				}
			default:
				pass = 2
				continue
			}
			if pass == 0 && i < len(script) && script[i] == ',' {
				i++
				continue
			}
			break
		}
		addr := strings.TrimSpace(script[start:i])
		for i < len(script) && (script[i] == ' ' || script[i] == '!') {
			i++
		}
		if i >= len(script) {
			return cmds, addr == ""
		}
		cmd := sedCmd{addr: addr, name: script[i]}
		i++
		switch cmd.name {
		case 's', 'y':
			if i >= len(script) {
				return cmds, false
			}
			delim := script[i]
			end, ok := sedDelimited(script, i+1, delim)
			if !ok {
				return cmds, false
			}
			cmd.re = script[i+1 : end]
			end2, ok := sedDelimited(script, end+1, delim)
			if !ok {
				return cmds, false
			}
			cmd.repl = script[end+1 : end2]
			i = end2 + 1
			if cmd.name == 's' {
				for i < len(script) && strings.IndexByte("gpiIme0123456789w", script[i]) >= 0 {
					if script[i] == 'w' {
						i++
						cmd.wfile = restOfLine()
						break
					}
					cmd.flags += string(script[i])
					i++
				}
			}
		case 'e', 'w', 'W', 'r', 'R':
			cmd.arg = restOfLine()
		case 'a', 'i', 'c':
			// GNU's one-line form (1i TEXT, a\TEXT), or the classic a\
			// then text lines, each but the last ending in a backslash
			text := restOfLine()
			if text == "\\" {
				var lines []string
				for i < len(script) {
					i++ // the newline
					end := strings.IndexByte(script[i:], '\n')
					if end < 0 {
						end = len(script) - i
					}
					line := script[i : i+end]
					i += end
					lines = append(lines, strings.TrimSuffix(line, "\\"))
					if !strings.HasSuffix(line, "\\") {
						break
					}
				}
				text = strings.Join(lines, "\n")
			}
			cmd.arg = strings.TrimPrefix(text, "\\")
		case 'b', 't', 'T', ':', 'q', 'Q', 'l', 'L':
			end := strings.IndexAny(script[i:], ";\n")
			if end < 0 {
				end = len(script) - i
			}
			cmd.arg = strings.TrimSpace(script[i : i+end])
			i += end
		case '{', '}', 'd', 'D', 'p', 'P', 'n', 'N', 'g', 'G', 'h', 'H', 'x', 'z', 'F', '=':
		default:
			return cmds, false
		}
		cmds = append(cmds, cmd)
	}
	return cmds, true
}

// sedDelimited returns the index of the delimiter that ends the part of a
// sed command starting at from, skipping escaped delimiters.
func sedDelimited(s string, from int, delim byte) (int, bool) {
	for j := from; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case delim:
			return j, true
		case '\n':
			if delim != '\n' {
				return 0, false
			}
		}
	}
	return 0, false
}

// sedScript gathers the script of a sed invocation: -e and -f values, or
// the first operand. It returns the remaining operands (the input files).
func sedScript(r *resolver, inv *Invocation) (script string, files []Arg, p Parsed, ok bool) {
	p = ParseOptions(inv.Args, OptSpec{ShortValue: "efl", LongValue: []string{"expression", "file", "line-length"}})
	var parts []string
	exprs := p.Values("e", "expression")
	for _, e := range exprs {
		if !e.Known {
			return "", nil, p, false
		}
		parts = append(parts, e.Value)
	}
	for _, f := range p.Values("f", "file") {
		t := r.fileText(inv, f)
		if !t.known {
			return "", nil, p, false
		}
		parts = append(parts, t.value)
	}
	files = p.Operands
	if len(parts) == 0 {
		if len(files) == 0 || !files[0].Known {
			return "", nil, p, false
		}
		parts, files = []string{files[0].Value}, files[1:]
	}
	return strings.Join(parts, "\n"), files, p, true
}

// sedFilter computes sed's output for scripts of s, y, d and p commands
// on every line or on lines chosen by a number, $ or /regexp/.
func sedFilter(r *resolver, inv *Invocation, depth int) text {
	script, files, p, ok := sedScript(r, inv)
	unknown := uncomputed("sed " + joinValues(inv.Args))
	if !ok {
		return unknown
	}
	if p.Has("i", "in-place") {
		return knownText("") // edits the files, prints nothing
	}
	if p.Has("z", "null-data", "s", "separate") {
		return unknown
	}
	t := r.inputOf(inv, files, depth)
	if !t.known {
		return t // nothing to compute the script on
	}
	cmds, ok := parseSed(script)
	if !ok {
		return unknown
	}
	if t.unordered || t.some {
		if !sedPerLine(cmds) {
			return sedOnUnordered(t, cmds)
		}
		t = someLines(t) // each line on its own: some of them, rewritten
	}
	ere := p.Has("E", "r", "regexp-extended")
	prog, ok := compileSed(cmds, ere)
	if !ok {
		return unknown
	}
	out, ok := prog.run(t.value, p.Has("n", "quiet", "silent"))
	if !ok {
		return unknown
	}
	if slices.ContainsFunc(cmds, func(c sedCmd) bool { return c.name == 's' || c.name == 'y' }) {
		return t.rewritten(out, "sed")
	}
	return t.with(out)
}

// sedProgram is a compiled sed script of the commands guard computes.
type sedProgram []sedStep

type sedStep struct {
	cmd   sedCmd
	addr  func(line string, n int, last bool) bool
	re    *regexp.Regexp
	table map[rune]rune
}

func compileSed(cmds []sedCmd, ere bool) (sedProgram, bool) {
	var prog sedProgram
	for _, c := range cmds {
		step := sedStep{cmd: c}
		switch a := c.addr; {
		case a == "":
		case a == "$":
			step.addr = func(_ string, _ int, last bool) bool { return last }
		case isAllDigits(a):
			n, _ := strconv.Atoi(a)
			step.addr = func(_ string, line int, _ bool) bool { return line == n }
		case strings.Count(a, ",") == 1:
			// N,M and N,$: a range of line numbers (sed -i '1,$d' empties a file)
			from, to, _ := strings.Cut(a, ",")
			if !isAllDigits(from) || to != "$" && !isAllDigits(to) {
				return nil, false
			}
			first, _ := strconv.Atoi(from)
			last, _ := strconv.Atoi(to) // 0 for $
			step.addr = func(_ string, line int, _ bool) bool {
				return line >= first && (to == "$" || line <= max(last, first))
			}
		case strings.HasPrefix(a, "/") && strings.HasSuffix(a, "/") && len(a) > 1:
			re, ok := compileRE(a[1:len(a)-1], ere, false)
			if !ok {
				return nil, false
			}
			step.addr = func(line string, _ int, _ bool) bool { return re.MatchString(line) }
		default:
			return nil, false
		}
		switch c.name {
		case 's':
			if strings.ContainsAny(c.flags, "em") || c.wfile != "" {
				return nil, false
			}
			re, ok := compileRE(c.re, ere, strings.ContainsAny(c.flags, "iI"))
			if !ok {
				return nil, false
			}
			step.re = re
		case 'y':
			from, to := []rune(sedUnescape(c.re)), []rune(sedUnescape(c.repl))
			if len(from) != len(to) {
				return nil, false
			}
			step.table = map[rune]rune{}
			for i, f := range from {
				step.table[f] = to[i]
			}
		case 'd', 'p', 'a', 'i':
		case 'c':
			if strings.Contains(c.addr, ",") {
				return nil, false // a range is changed once, at its end
			}
		default:
			return nil, false
		}
		prog = append(prog, step)
	}
	return prog, true
}

func (prog sedProgram) run(input string, quiet bool) (string, bool) {
	var b strings.Builder
	lines := strings.SplitAfter(input, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	scanned, matched := 0, 0 // by the steps so far: each step reads the line again
	for n, raw := range lines {
		line, nl := strings.CutSuffix(raw, "\n")
		deleted := false
		var appended strings.Builder // a TEXT, printed after the line
		for _, step := range prog {
			if step.addr != nil && !step.addr(line, n+1, n == len(lines)-1) {
				continue
			}
			switch step.cmd.name {
			case 's':
				if scanned += len(line); scanned > maxSedScan {
					return "", false // 64 steps over a megabyte
				}
				replaced, did, n := sedSubstitute(step.re, line, step.cmd.repl, step.cmd.flags, maxSedMatches-matched)
				if matched += n; matched > maxSedMatches || b.Len()+len(replaced) > maxFeedBytes {
					return "", false // s/./&&/g a few times over doubles the line each time
				}
				line = replaced
				if did && strings.Contains(step.cmd.flags, "p") {
					b.WriteString(line + "\n")
				}
			case 'y':
				line = strings.Map(func(r rune) rune {
					if t, ok := step.table[r]; ok {
						return t
					}
					return r
				}, line)
			case 'p':
				b.WriteString(line + "\n")
			case 'd':
				deleted = true
			case 'i':
				b.WriteString(step.cmd.arg + "\n")
			case 'a':
				appended.WriteString(step.cmd.arg + "\n")
			case 'c':
				b.WriteString(step.cmd.arg + "\n")
				deleted = true
			}
			if deleted {
				break
			}
		}
		if !deleted && !quiet {
			b.WriteString(line)
			if nl || appended.Len() > 0 {
				b.WriteByte('\n')
			}
		}
		b.WriteString(appended.String())
		if b.Len() > maxFeedBytes {
			return "", false
		}
	}
	return b.String(), true
}

// sedSubstitute applies one s command to a line: & and \1…\9 in the
// replacement, g for every match, a number for the Nth. It finds at most
// budget+1 matches and says how many it found.
func sedSubstitute(re *regexp.Regexp, line, repl, flags string, budget int) (string, bool, int) {
	nth := 1
	if digits := strings.TrimFunc(flags, func(r rune) bool { return r < '0' || r > '9' }); digits != "" {
		nth, _ = strconv.Atoi(digits)
	}
	global := strings.Contains(flags, "g")
	limit := budget + 1
	if !global {
		limit = min(limit, max(nth, 1)) // the Nth match is the last one needed
	}
	matches := re.FindAllStringSubmatchIndex(line, limit)
	var b strings.Builder
	last, did := 0, false
	for k, m := range matches {
		if k+1 < nth || (!global && k+1 > nth) {
			continue
		}
		b.WriteString(line[last:m[0]])
		sedExpand(&b, repl, line, m)
		last, did = m[1], true
	}
	b.WriteString(line[last:])
	return b.String(), did, len(matches)
}

func sedExpand(b *strings.Builder, repl, line string, m []int) {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '&':
			b.WriteString(line[m[0]:m[1]])
		case c == '\\' && i+1 < len(repl):
			i++
			d := repl[i]
			switch {
			case d >= '1' && d <= '9':
				g := int(d - '0')
				if 2*g+1 < len(m) && m[2*g] >= 0 {
					b.WriteString(line[m[2*g]:m[2*g+1]])
				}
			case d == 'n':
				b.WriteByte('\n')
			case d == 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(d)
			}
		default:
			b.WriteByte(c)
		}
	}
}

// sedUnescape undoes the backslashes of a sed replacement or y set taken
// as plain text: \/ is /, \n a newline.
func sedUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// compileRE turns a POSIX basic (or, with ere, extended) regular
// expression into Go's syntax. Back-references, which Go lacks, make it
// fail.
func compileRE(pattern string, ere, fold bool) (*regexp.Regexp, bool) {
	var b strings.Builder
	if fold {
		b.WriteString("(?i)")
	}
	atStart := true
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '[':
			end := bracketEnd(pattern, i)
			if end < 0 {
				return nil, false
			}
			b.WriteString(strings.ReplaceAll(pattern[i:end+1], `\`, `\\`))
			i = end
		case c == '\\' && i+1 < len(pattern):
			i++
			d := pattern[i]
			switch {
			case d >= '1' && d <= '9':
				return nil, false
			case d == '<' || d == '>':
				b.WriteString(`\b`)
			case strings.IndexByte("wWsSbB", d) >= 0:
				b.WriteByte('\\')
				b.WriteByte(d)
			case d == 'n':
				b.WriteString(`\n`)
			case d == 't':
				b.WriteString(`\t`)
			case !ere && strings.IndexByte("(){}+?|", d) >= 0:
				b.WriteByte(d)
			default:
				b.WriteString(regexp.QuoteMeta(string(d)))
			}
		case !ere && strings.IndexByte("(){}+?|", c) >= 0:
			b.WriteString(regexp.QuoteMeta(string(c)))
		case c == '*' && atStart:
			b.WriteString(`\*`)
		default:
			b.WriteByte(c)
		}
		atStart = c == '^' && i == 0 || (!ere && i > 0 && pattern[i-1] == '\\' && c == '(')
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, false
	}
	return re, true
}

// bracketEnd returns the index of the ] that closes the bracket
// expression opening at i, -1 if none.
func bracketEnd(p string, i int) int {
	j := i + 1
	if j < len(p) && p[j] == '^' {
		j++
	}
	if j < len(p) && p[j] == ']' {
		j++
	}
	for ; j < len(p); j++ {
		if p[j] == '[' && j+1 < len(p) && (p[j+1] == ':' || p[j+1] == '=' || p[j+1] == '.') {
			end := strings.Index(p[j+2:], string(p[j+1])+"]")
			if end < 0 {
				return -1
			}
			j += end + 3
			continue
		}
		if p[j] == ']' {
			return j
		}
	}
	return -1
}

// lineMatcher is one grep pattern.
type lineMatcher struct {
	re    *regexp.Regexp
	fixed string
	fold  bool
	whole bool
}

func newLineMatcher(pattern string, ere, fixed, fold, whole, word bool) (*lineMatcher, bool) {
	if fixed && !word {
		return &lineMatcher{fixed: pattern, fold: fold, whole: whole}, true
	}
	if fixed {
		pattern, ere = regexp.QuoteMeta(pattern), true
	}
	var re *regexp.Regexp
	var ok bool
	switch {
	case word:
		re, ok = compileRE(pattern, ere, fold)
		if ok {
			re, ok = regexp.MustCompile(`\b(?:`+re.String()+`)\b`), true
		}
	case whole:
		re, ok = compileRE(pattern, ere, fold)
		if ok {
			re = regexp.MustCompile(`^(?:` + re.String() + `)$`)
		}
	default:
		re, ok = compileRE(pattern, ere, fold)
	}
	return &lineMatcher{re: re}, ok
}

func (m *lineMatcher) match(line string) bool {
	if m.re != nil {
		return m.re.MatchString(line)
	}
	a, b := line, m.fixed
	if m.fold {
		a, b = strings.ToLower(a), strings.ToLower(b)
	}
	if m.whole {
		return a == b
	}
	return strings.Contains(a, b)
}
