package guard

import (
	"errors"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// zshPrecommands are zsh's words that run the command after them:
// noglob (no pattern expansion for its words), nocorrect, `-` (as a login
// shell would), and repeat N (N times).
var zshPrecommands = map[string]wrapperSpec{
	"noglob":    {opts: OptSpec{StopAtOperand: true}},
	"nocorrect": {opts: OptSpec{StopAtOperand: true}},
	"-":         {opts: OptSpec{StopAtOperand: true}},
}

// zshPrecommand returns how to look inside a zsh precommand, nil when the
// program is not one or the line is not zsh.
func zshPrecommand(program string, sc *scope) wrapFunc {
	if sc.opts&optZsh == 0 {
		return nil
	}
	if spec, ok := zshPrecommands[program]; ok {
		return spec.wrap
	}
	switch program {
	case "repeat":
		return wrapRepeat
	case "emulate":
		return wrapEmulate
	case "autoload":
		return wrapAutoload
	}
	return nil
}

// wrapAutoload: inside a function, autoload -X is the body zsh gives a
// function marked for autoloading (autoload -U NAME): called, it loads
// the file NAME from the first folder of $fpath that has one, and runs
// it. A file in a folder of the operator's (fpath=(. $fpath), written a
// line before) is judged as the code it is; the system's functions, under
// /usr, are known by their names.
func wrapAutoload(r *resolver, outer *Invocation, sc *scope) {
	name := sc.inFunc
	loads := false
	for _, a := range outer.Args {
		if a.Known && strings.HasPrefix(a.Value, "-") && strings.Contains(a.Value, "X") {
			loads = true
		}
	}
	if !loads || name == "" || outer.Remote != "" {
		return
	}
	fpath, ok := sc.get("fpath")
	if !ok || fpath.list == nil {
		return // the hook sends $fpath with such a function: not sent, not known
	}
	for _, dir := range fpath.list {
		if !dir.Known {
			outer.note().Hidden = "the code of " + name + " is loaded from a file in $fpath, whose folder " + dir.Text + " guard does not know"
			return
		}
		p := outer.Path(path.Join(dir.Value, name))
		if p == "" {
			continue
		}
		if installedPath(p) {
			if _, err := r.host.Lstat(p); err == nil {
				return // the system's own function
			}
			continue
		}
		content, state, by := r.readFile(p)
		switch state {
		case fileRead:
			r.runCodeWith(outer, content, sc, "autoload "+name, codeOpts{file: p})
			return
		case fileMissing, fileBinary:
			continue
		}
		outer.note().Hidden = unreadReason(p, state, by)
		return
	}
}

// wrapEmulate: emulate [-LR] MODE -c CODE runs CODE in this shell, under
// the other shell's rules (emulate sh -c '…'), as eval would.
func wrapEmulate(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	for i := 0; i+1 < len(args); i++ {
		if !args[i].Known || args[i].Value != "-c" {
			continue
		}
		if !args[i+1].Known {
			return
		}
		own := inInteractiveShell(sc)
		r.runCode(outer, args[i+1].Value, sc, "emulate -c", func(_ *Invocation, isc *scope) {
			isc.params = sc.params // this shell's, as for eval
			if own {
				isc.shellVias = len(isc.via) // its functions apply
			}
		})
		return
	}
}

// wrapRepeat: repeat N COMMAND, and repeat N { LIST }, whose braces the
// parser leaves as words of the command (and the list's first command
// with them).
func wrapRepeat(r *resolver, outer *Invocation, sc *scope) {
	if len(outer.Args) < 2 {
		return
	}
	argv := outer.Args[1:]
	if argv[0].Text == "{" {
		argv = argv[1:]
	}
	if n := len(argv); n > 0 && argv[n-1].Text == "}" {
		argv = argv[:n-1]
	}
	if len(argv) > 0 {
		r.runInner(outer, argv, sc, "repeat", nil)
	}
}

// zshTrailingModifiers returns the modifiers zsh applies to an unbraced
// $name from the literal after it ($p:h/etc is ${p:h}/etc), "" when there
// are none or the line is not zsh.
func zshTrailingModifiers(p *syntax.ParamExp, rest []syntax.WordPart, sc *scope) string {
	if sc.opts&optZsh == 0 || !p.Short || p.Param == nil || len(rest) == 0 {
		return ""
	}
	lit, ok := rest[0].(*syntax.Lit)
	if !ok {
		return ""
	}
	n := 0
	for n+1 < len(lit.Value) && lit.Value[n] == ':' && strings.IndexByte(zshModifierLetters, lit.Value[n+1]) >= 0 {
		n += 2
	}
	return lit.Value[:n]
}

// zshModifierLetters are the modifiers guard applies: head, tail, root,
// extension, lower, upper, absolute (a and A; A would also follow links).
const zshModifierLetters = "htrelaAuU"

// expandModified expands $name with zsh modifiers (":h:t"), or unknown
// when the value or a modifier is not known.
func (r *resolver) expandModified(p *syntax.ParamExp, name, mods string, sc *scope, quoted bool, b *fieldBuilder) {
	val, known := r.paramValue(name, sc)
	if !known {
		b.unknown("$"+name+mods, true, quoted)
		return
	}
	value := val.Value
	for _, m := range strings.Split(strings.TrimPrefix(mods, ":"), ":") {
		switch m {
		case "h":
			if i := strings.LastIndexByte(strings.TrimRight(value, "/"), '/'); i > 0 {
				value = value[:i]
			} else if i == 0 {
				value = "/"
			} else {
				value = "."
			}
		case "t":
			if i := strings.LastIndexByte(value, '/'); i >= 0 {
				value = value[i+1:]
			}
		case "r":
			if i := strings.LastIndexByte(value, '.'); i > strings.LastIndexByte(value, '/') {
				value = value[:i]
			}
		case "e":
			if i := strings.LastIndexByte(value, '.'); i > strings.LastIndexByte(value, '/') {
				value = value[i+1:]
			} else {
				value = ""
			}
		case "l":
			value = strings.ToLower(value)
		case "u", "U":
			value = strings.ToUpper(value)
		case "a", "A":
			if !strings.HasPrefix(value, "/") {
				if sc.cwd == "" {
					b.unknown("$"+name+mods, true, quoted)
					return
				}
				value = sc.cwd + "/" + value
			}
			value = path.Clean(value)
		default:
			b.unknown("$"+name+mods, true, quoted)
			return
		}
	}
	b.result(value, quoted)
}

// zshForeach walks zsh's `foreach NAME (WORDS) COMMAND…; end`, which the
// parser reads as a command named foreach with (WORDS) as one literal
// word, as the for loop it is: `for NAME in WORDS; do COMMAND…; done`, in
// this shell. The commands of a body on the lines after it are walked as
// they come, with NAME as the loop leaves it (its last word). It returns
// false for a foreach it cannot read, walked as written.
func (r *resolver) zshForeach(call *syntax.CallExpr, sc *scope, ctx stmtCtx) bool {
	if sc.opts&optZsh == 0 || len(call.Args) < 3 || call.Args[0].Lit() != "foreach" {
		return false
	}
	name, list := call.Args[1].Lit(), call.Args[2].Lit()
	if !syntax.ValidName(name) || len(list) < 2 || list[0] != '(' || list[len(list)-1] != ')' {
		return false
	}
	body := ":"
	if len(call.Args) > 3 {
		body = sliceSrc(sc.src, call.Args[3].Pos(), call.End())
	}
	code := "for " + name + " in " + list[1:len(list)-1] + "\ndo " + body + "\ndone"
	if !r.budgetReparse(code) {
		return true
	}
	src := sc.src
	r.walkEach(code, sc, ctx, nil)
	sc.src = src
	return true
}

// expandFlagged expands ${(FLAGS)name}, zsh's parameter flags, for the
// flags that split, join or change case: (s:SEP:) and (f) split at SEP
// or at newlines, (z) and (=) at blanks, (j:SEP:) joins, (@) keeps the
// words apart in quotes, (U), (L) change case, (P) takes the value as the
// name of the parameter to read, (e) expands the value again (its
// substitutions are judged; a value that still holds $ is not known). It reports false, having
// expanded nothing, for other flags or a value guard does not know.
func (r *resolver) expandFlagged(flags, name string, sc *scope, quoted bool, b *fieldBuilder) bool {
	words, ok := r.paramList(name, sc)
	if !ok {
		return false
	}
	for _, w := range words {
		if !w.Known {
			return false
		}
	}
	values := make([]string, len(words))
	for i, w := range words {
		values[i] = w.Value
	}
	return r.applyFlags(flags, values, sc, quoted, b)
}

// applyFlags applies zsh's parameter flags to the words values, as
// expandFlagged reads them; the values of ${(FLAGS):-WORD} too, which
// has no name and takes WORD.
func (r *resolver) applyFlags(flags string, values []string, sc *scope, quoted bool, b *fieldBuilder) bool {
	keepApart := false
	for i := 0; i < len(flags); i++ {
		switch c := flags[i]; c {
		case 's', 'j':
			if i+1 >= len(flags) {
				return false
			}
			open := flags[i+1]
			closer := map[byte]byte{'(': ')', '[': ']', '{': '}', '<': '>'}[open]
			if closer == 0 {
				closer = open
			}
			end := strings.IndexByte(flags[i+2:], closer)
			if end < 0 {
				return false
			}
			sep := flags[i+2 : i+2+end]
			i += 2 + end
			if c == 'j' {
				values = []string{strings.Join(values, sep)}
				continue
			}
			values = splitEach(values, func(v string) []string { return strings.Split(v, sep) })
		case 'f':
			values = splitEach(values, func(v string) []string { return strings.Split(v, "\n") })
		case 'z', '=':
			for _, v := range values {
				if c == 'z' && strings.ContainsAny(v, `'"\$`+"`") {
					return false // shell quoting: the words are not plain fields
				}
			}
			values = splitEach(values, strings.Fields)
		case '@':
			keepApart = true
		case 'P':
			// the value names the parameter whose value is taken
			if len(values) != 1 {
				return false
			}
			named, ok := r.paramList(values[0], sc)
			if !ok || !syntax.ValidName(values[0]) {
				return false
			}
			values = values[:0]
			for _, w := range named {
				if !w.Known {
					return false
				}
				values = append(values, w.Value)
			}
		case 'e':
			// the value is expanded again: its $(…) and `…` run
			for _, v := range values {
				r.textSubsts(v, sc)
				if strings.ContainsAny(v, "$`") {
					return false
				}
			}
		case 'Q':
			// one level of quoting removed: 'rm' -rf /etc is rm -rf /etc
			for j, v := range values {
				u, ok := unquoteOnce(v)
				if !ok {
					return false
				}
				values[j] = u
			}
		case 'q':
			// quoted for reuse (q, qq, qqq, q-, q+): one word when read again
			for i+1 < len(flags) && strings.IndexByte("q-+", flags[i+1]) >= 0 {
				i++
			}
			values = mapEach(values, shellQuote)
		case 'U':
			values = mapEach(values, strings.ToUpper)
		case 'L':
			values = mapEach(values, strings.ToLower)
		default:
			return false
		}
	}
	var elems []Arg
	for _, v := range values {
		if v != "" {
			elems = append(elems, Arg{Text: v, Value: v, Known: true})
		}
	}
	b.list(elems, quoted, quoted && !keepApart)
	return true
}

// unquoteOnce removes one level of shell quoting from s, as zsh's (Q)
// does: '…' and "…" (with \\, \", \$ and \` inside) and a backslash
// outside them. ok is false for $'…' and a quote left open.
func unquoteOnce(s string) (string, bool) {
	if strings.Contains(s, "$'") {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return "", false
			}
			b.WriteString(s[i+1 : i+1+end])
			i += 1 + end
		case '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`", s[i+1]) >= 0 {
					i++
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return "", false
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

func splitEach(values []string, split func(string) []string) []string {
	var out []string
	for _, v := range values {
		out = append(out, split(v)...)
	}
	return out
}

func mapEach(values []string, f func(string) string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = f(v)
	}
	return out
}

// anonTail is where an anonymous function's arguments stand: from at to
// end in src.
type anonTail struct {
	src     string
	at, end int
}

// resume tells where parsing src goes on after err, when err is the
// parser stopping at the arguments of the anonymous function walked last.
func (t anonTail) resume(src string, err error) (int, bool) {
	var perr syntax.ParseError
	if t.src == "" || !errors.As(err, &perr) || int(perr.Pos.Offset()) != t.at || len(t.src) != len(src) || t.src != src {
		return 0, false
	}
	return t.end, true
}

// anonArgs are the arguments of zsh's anonymous function fun, written
// after its closing brace on the same line: () { rm -rf $1 } /usr. The
// parser stops there; they are parsed here as the words of a command,
// and parseEach goes on after them (with what a pipe or && joins to
// them). Arguments with a redirection are not read: $1… stay unknown.
func (r *resolver) anonArgs(fun *syntax.FuncDecl, sc *scope) ([]Arg, bool) {
	if sc.opts&optZsh == 0 {
		return nil, false
	}
	end := int(fun.End().Offset())
	if end <= 0 || end >= len(sc.src) {
		return nil, false
	}
	lineEnd := strings.IndexByte(sc.src[end:], '\n')
	if lineEnd < 0 {
		lineEnd = len(sc.src)
	} else {
		lineEnd += end
	}
	rest := strings.TrimLeft(sc.src[end:lineEnd], " \t")
	if rest == "" || strings.ContainsRune(";&|)}#<>", rune(rest[0])) {
		return nil, false // no arguments
	}
	var st *syntax.Stmt
	parser := syntax.NewParser(syntax.Variant(syntax.LangZsh))
	for s, err := range parser.StmtsSeq(strings.NewReader(blankBefore(sc.src[:lineEnd], end))) {
		if st == nil && err == nil {
			st = s
		}
	}
	if st == nil {
		return nil, false
	}
	// ARGS && more, ARGS | more: the arguments are the leftmost
	// command's words, and the walk goes on with what follows them
	resume := int(st.End().Offset())
	for {
		bin, ok := st.Cmd.(*syntax.BinaryCmd)
		if !ok {
			break
		}
		resume, st = int(bin.Y.Pos().Offset()), bin.X
	}
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(call.Assigns) > 0 || len(call.Args) == 0 || len(st.Redirs) > 0 || st.Negated || st.Background {
		return nil, false
	}
	r.anonTail = anonTail{src: sc.src, at: int(call.Pos().Offset()), end: resume}
	var args []Arg
	for _, w := range call.Args {
		args = append(args, r.expandWord(w, sc, modeList)...)
	}
	return args, true
}

// blankBefore is src with its first n bytes blanked (newlines kept), so
// that what is parsed from there has the positions it has in src.
func blankBefore(src string, n int) string {
	n = min(n, len(src))
	if n <= 0 {
		return src
	}
	var b strings.Builder
	b.Grow(len(src))
	for i := 0; i < n; i++ {
		if src[i] == '\n' {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString(src[n:])
	return b.String()
}

// maxShortLoops bounds how many short loops of one line are rewritten.
const maxShortLoops = 32

// zshShortLoop rewrites the zsh short form the parser stopped at (`for
// NAME (WORDS) BODY`, `for NAME in WORDS; BODY`, `select NAME (WORDS)
// BODY`, `if [[ … ]] BODY`, whose body is one command list, which
// mvdan.cc/sh does not read) as the full form (`for NAME in WORDS; do
// BODY; done`), so that its body is walked as what it is; a body that is
// itself a short form is rewritten too (for a (x) for b (/usr) rm -rf
// $b), up to maxShortNesting deep. The text before done (handed to the
// walk already) is blanked. It reports false when err is not such a form.
func zshShortLoop(src string, err error, done int) (string, bool) {
	var perr syntax.ParseError
	if !errors.As(err, &perr) {
		return "", false
	}
	at := int(perr.Pos.Offset())
	if at < done || at >= len(src) {
		return "", false
	}
	// if [[ … ]] BODY: the parser stops at BODY, after the test
	for _, keyword := range []string{"if", "while", "until"} {
		for _, opener := range []string{" [[", " (("} {
			start := strings.LastIndex(src[done:at], keyword+opener)
			if start < 0 {
				continue
			}
			start += done
			if start > 0 && !strings.ContainsRune(" \t\n;&|({", rune(src[start-1])) {
				continue // part of a longer word
			}
			if full, end, ok := zshShortCond(src, start, keyword, at, 0); ok {
				return blankBefore(src[:start], done) + full + src[end:], true
			}
		}
	}
	full, end, ok := zshShortForm(src, at, 0)
	if !ok {
		return "", false
	}
	return blankBefore(src[:at], done) + full + src[end:], true
}

// maxShortNesting bounds how deep short forms in short forms' bodies are
// rewritten.
const maxShortNesting = 8

// zshShortForm reads the short for or select loop at at, or a short if,
// while or until there (inside another's body), and returns its full form
// and where it ends in src.
func zshShortForm(src string, at, depth int) (string, int, bool) {
	for _, keyword := range []string{"if", "while", "until"} {
		if strings.HasPrefix(src[at:], keyword+" ") {
			return zshShortCond(src, at, keyword, -1, depth)
		}
	}
	keyword := ""
	for _, k := range []string{"foreach", "for", "select"} {
		if strings.HasPrefix(src[at:], k) {
			keyword = k
			break
		}
	}
	if keyword == "" || keyword == "foreach" {
		return "", 0, false
	}
	i := skipBlanks(src, at+len(keyword))
	nameStart := i
	for i < len(src) && (src[i] == '_' || src[i] >= 'a' && src[i] <= 'z' || src[i] >= 'A' && src[i] <= 'Z' || src[i] >= '0' && src[i] <= '9') {
		i++
	}
	name := src[nameStart:i]
	if i == nameStart || !syntax.ValidName(name) {
		return "", 0, false
	}
	i = skipBlanks(src, i)
	var words string
	switch {
	case strings.HasPrefix(src[i:], "("):
		end, ok := wordsEnd(src, i+1, true)
		if !ok {
			return "", 0, false
		}
		words, i = src[i+1:end], end+1
	case strings.HasPrefix(src[i:], "in") && i+2 < len(src) && (src[i+2] == ' ' || src[i+2] == '\t'):
		end, ok := wordsEnd(src, i+2, false)
		if !ok {
			return "", 0, false
		}
		words, i = src[i+2:end], end
		if src[end] != '{' {
			i++ // past the ; or newline; a { starts the body
		}
	default:
		return "", 0, false
	}
	body, bodyEnd, ok := zshShortBody(src, skipBlanks(src, i), depth)
	if !ok {
		return "", 0, false
	}
	return keyword + " " + name + " in " + strings.ReplaceAll(words, "\n", " ") + "; do " + body + "\n done", bodyEnd, true
}

// zshShortBody is the body of a short form from i: one statement, or a
// short form itself, rewritten; and where it ends in src.
func zshShortBody(src string, i, depth int) (string, int, bool) {
	if end := firstStmtEnd(src, i); end > i {
		return src[i:end], end, true
	}
	if depth >= maxShortNesting {
		return "", 0, false
	}
	return zshShortForm(src, i, depth+1)
}

// zshShortCond reads zsh's short if, while and until at at (`if [[ -d
// /x ]] BODY`, `while (( n-- )) BODY`), whose condition is a [[ ]] or (( ))
// test and whose body is one command list, and returns the full form and
// where it ends in src. At the top, the parser must have stopped at its
// body (stoppedAt); inside another short form's body, stoppedAt is -1.
func zshShortCond(src string, at int, keyword string, stoppedAt, depth int) (string, int, bool) {
	i := skipBlanks(src, at+len(keyword))
	closing := map[string]string{"[[": "]]", "((": "))"}[src[i:min(i+2, len(src))]]
	if closing == "" {
		return "", 0, false
	}
	end := indexUnquoted(src, i+2, closing)
	if end < 0 {
		return "", 0, false
	}
	condEnd := end + 2
	body := skipBlanks(src, condEnd)
	if stoppedAt >= 0 && body != stoppedAt {
		return "", 0, false // the parser stopped elsewhere
	}
	text, bodyEnd, ok := zshShortBody(src, body, depth)
	if !ok {
		return "", 0, false
	}
	open, close := "then", "fi"
	if keyword != "if" {
		open, close = "do", "done"
	}
	return keyword + " " + src[i:condEnd] + "; " + open + " " + text + "\n " + close, bodyEnd, true
}

// indexUnquoted is the offset of the first sep in src from i that is not
// inside quotes or escaped ([[ $x != ']]' ]]), -1 if none.
func indexUnquoted(src string, i int, sep string) int {
	for ; i < len(src); i++ {
		if next, quoted, ok := pastQuoted(src, i); quoted {
			if !ok {
				return -1
			}
			i = next
			continue
		}
		if strings.HasPrefix(src[i:], sep) {
			return i
		}
	}
	return -1
}

// pastQuoted reads an escape or a quoted string starting at src[i]: the
// offset of its last byte, and whether it is one (quoted) and closed.
func pastQuoted(src string, i int) (last int, quoted, ok bool) {
	switch c := src[i]; c {
	case '\\':
		return i + 1, true, true
	case '\'', '"':
		close := strings.IndexByte(src[i+1:], c)
		return i + close + 1, true, close >= 0
	}
	return i, false, true
}

// firstStmtEnd is where the first statement from i ends (a pipeline or an
// && || list, as zsh reads a short form's body), before the ; that ends
// it; -1 when it does not parse.
func firstStmtEnd(src string, i int) int {
	bodyEnd := -1
	parser := syntax.NewParser(syntax.Variant(syntax.LangZsh))
	for st, perr := range parser.StmtsSeq(strings.NewReader(blankBefore(src, i))) {
		if perr == nil && st != nil {
			bodyEnd = int(st.End().Offset())
			if st.Semicolon.IsValid() {
				bodyEnd = int(st.Semicolon.Offset()) // the ; ends the loop, not the body
			}
		}
		break
	}
	return bodyEnd
}

// skipBlanks is the offset of the first byte at or after i that is not a
// space or a tab.
func skipBlanks(src string, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return i
}

// wordsEnd finds where a short loop's word list ends, from i: at the
// closing parenthesis (paren), or at the ; or newline, outside quotes and
// the parentheses of a glob (/(bin|lib)).
func wordsEnd(src string, i int, paren bool) (int, bool) {
	depth := 0
	for ; i < len(src); i++ {
		if next, quoted, ok := pastQuoted(src, i); quoted {
			if !ok {
				return 0, false
			}
			i = next
			continue
		}
		switch c := src[i]; {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == ')' && paren:
			return i, true
		case (c == ';' || c == '\n') && depth == 0 && !paren:
			return i, true
		case c == '{' && depth == 0 && !paren && (src[i-1] == ' ' || src[i-1] == '\t'):
			return i, true // for d in WORDS { BODY }
		case (c == ';' || c == '&' || c == '|') && depth == 0:
			return 0, false // a list that ends the loop's words: not one zsh reads
		}
	}
	return 0, false
}
