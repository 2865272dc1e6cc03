package guard

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// Bounds on expansion, so that a short line cannot expand into gigabytes.
const (
	// maxBraceFields bounds brace expansion ({1..100000} would otherwise
	// turn one word into a hundred thousand).
	maxBraceFields = 64
	// maxBraceOpen: past this many `{` in one word, brace expansion is not
	// tried (it recurses through nested braces) and the word is unknown.
	maxBraceOpen = 64
	// maxValueBytes bounds one expanded word (x=$x$x doubles it).
	maxValueBytes = 1 << 20
	// maxExpandedBytes bounds every word the line expands, together.
	maxExpandedBytes = 32 << 20
	// maxListElems bounds the elements kept for an array or for $@.
	maxListElems = 1024
	// maxSources bounds the programs recorded as a word's sources.
	maxSources = 16
)

// expandMode says what a word is for, which decides which expansions
// bash applies to it.
type expandMode uint8

const (
	// modeArgs: a command's arguments. Braces, field splitting and
	// patterns; a pattern with matches is kept, marked standIn, in front
	// of them, so that rules still see "empties /etc/nginx" in /etc/nginx/*.
	modeArgs expandMode = iota
	// modeList: array elements, the command word: a pattern is replaced
	// by its matches.
	modeList
	// modeLoop: a for loop's items: as modeList, and the lines a listing
	// may print, some of them, are items too (listing.go); anywhere else
	// such output is unknown.
	modeLoop
	// modeRedir: a redirection target: a pattern with one match is that
	// match.
	modeRedir
	// modeScalar: assignments, case patterns, [[ ]] operands,
	// here-documents: one word, no splitting, no patterns.
	modeScalar
)

// substResult is what a command or process substitution gives its word.
type substResult struct {
	node  syntax.Node
	out   string
	known bool
	// some: out lists the lines the command may print, some of them, in
	// an order guard does not know (see listing.go): usable only as a
	// whole unquoted word of a for loop's list, walked one by one.
	some bool
	// listed: every line is an entry of one folder, whose glob this is
	// (DIR/*): a for loop over them is also judged as over the glob.
	listed string
	progs  []string
	// data: the output is unknown because it is what the terminal gives,
	// or a file guard cannot read ($(head -n1), $(cat /root/.cmd)).
	data bool
	// shape: what an unknown output is known to be ($(date +%F) is one
	// word, a piece of a name, see oneword.go): unquoted, bash does not
	// split it.
	shape wordShape
}

// expandWord expands a word statically into its fields, as bash would for
// mode. Command and process substitutions anywhere inside it (in a
// default value, an index, an arithmetic expansion) are walked first, as
// commands of their own, since the shell runs them.
func (r *resolver) expandWord(w *syntax.Word, sc *scope, mode expandMode) []Arg {
	return r.expandInto(nil, w, sc, mode)
}

// expandInto appends the fields of a word to dst.
func (r *resolver) expandInto(dst []Arg, w *syntax.Word, sc *scope, mode expandMode) []Arg {
	mark := r.prewalk(w, sc)
	defer func() { r.substs = r.substs[:mark] }()
	return r.expandPrewalked(dst, w, sc, mode)
}

// expandPrewalked appends the fields of a word whose substitutions were
// walked to dst.
func (r *resolver) expandPrewalked(dst []Arg, w *syntax.Word, sc *scope, mode expandMode) []Arg {
	text := sc.text(w)
	var words []*syntax.Word // brace expansion's words, when it has some
	braceUnknown := false
	if mode != modeScalar && hasBraceCandidate(w) {
		if strings.Count(text, "{") > maxBraceOpen {
			braceUnknown = true
		} else {
			copied := *w
			copied.Parts = append([]syntax.WordPart(nil), w.Parts...)
			if syntax.SplitBraces(&copied) {
				for bw, err := range expand.BracesSeq(nil, &copied) {
					if err != nil || len(words) == maxBraceFields {
						break
					}
					words = append(words, bw)
				}
			}
		}
	}
	first := len(dst)
	fields := dst
	for i := 0; i == 0 || i < len(words); i++ {
		parts := w.Parts
		if len(words) > 0 {
			parts = words[i].Parts
		}
		b := r.builder(sc, mode, text, fields)
		r.expandParts(parts, sc, false, b, true)
		start := len(fields)
		fields = b.finish()
		r.release(b)
		globbed := false
		for i := start; i < len(fields); i++ {
			f := &fields[i]
			if braceUnknown {
				f.unknown("{…} (too many braces to expand)", false)
			}
			r.expanded += len(f.Value)
			if len(f.Value) > maxValueBytes || r.expanded > maxExpandedBytes {
				f.Value = f.Value[:min(len(f.Value), 256)]
				f.unknown("a value longer than guard follows", false)
				if r.expanded > maxExpandedBytes {
					r.tooComplex(fmt.Sprintf("its words expand to more than %d MB; guard stopped reading there", maxExpandedBytes>>20))
				}
			}
			globbed = globbed || f.Glob
		}
		if globbed && mode != modeScalar {
			words := append([]Arg(nil), fields[start:]...)
			fields = fields[:start]
			for _, f := range words {
				fields = append(fields, r.globField(f, sc, mode)...)
			}
		}
	}
	if mode == modeScalar || mode == modeRedir {
		if len(fields) == first {
			return append(fields, Arg{Text: text, Known: true})
		}
		if len(fields) > first+1 && mode == modeScalar {
			joined := fields[first]
			for _, f := range fields[first+1:] {
				joined.Value += " " + f.Value
				joined.Known = joined.Known && f.Known
				joined.Unknown = append(joined.Unknown, f.Unknown...)
			}
			return append(fields[:first], joined)
		}
	}
	return fields
}

// scalar expands a word as one string, as an assignment does.
func (r *resolver) scalar(w *syntax.Word, sc *scope) Arg {
	if w == nil {
		return Arg{Known: true}
	}
	var one [1]Arg
	return r.expandInto(one[:0], w, sc, modeScalar)[0]
}

// prewalk walks the command and process substitutions inside n, in the
// order the shell runs them, and records what each gives. It returns the
// mark to truncate r.substs back to once n is expanded.
func (r *resolver) prewalk(n syntax.Node, sc *scope) int {
	mark := len(r.substs)
	if n == nil || !mayHoldSubst(n, sc) {
		return mark
	}
	syntax.Walk(n, func(node syntax.Node) bool {
		switch s := node.(type) {
		case *syntax.CmdSubst:
			r.substs = append(r.substs, r.runSubst(s, s.Stmts, sc))
			return false
		case *syntax.ProcSubst:
			res := r.runSubst(s, s.Stmts, sc)
			res.known = false
			r.substs = append(r.substs, res)
			return false
		case *syntax.ExtGlob:
			r.textSubsts(s.Pattern.Value, sc)
		case *syntax.FlagsArithm:
			if w, ok := s.X.(*syntax.Word); ok && len(w.Parts) == 1 {
				if lit, ok := w.Parts[0].(*syntax.Lit); ok {
					r.textSubsts(lit.Value, sc) // a zsh subscript pattern, kept as text
				}
			}
		}
		return true
	})
	return mark
}

// textSubsts walks the substitutions the shell runs inside text the parser
// keeps as plain text: an extglob group (@(a|$(cmd))), a zsh subscript
// pattern.
func (r *resolver) textSubsts(text string, sc *scope) {
	if !strings.ContainsAny(text, "$`") || !r.budgetReparse(text) || tooDeep(text) != "" {
		return
	}
	w, err := syntax.NewParser(syntax.Variant(r.langOr())).Document(strings.NewReader(literalCR(text)))
	if err != nil || w == nil {
		return
	}
	inner := sc.clone()
	inner.src = text
	mark := r.prewalk(w, inner)
	r.substs = r.substs[:mark]
}

// mayHoldSubst is a cheap test that a node holds no substitution: most
// words are literals and plain $var, which need no walk.
func mayHoldSubst(n syntax.Node, sc *scope) bool {
	if w, ok := n.(*syntax.Word); ok {
		return partsMayHoldSubst(w.Parts)
	}
	text := sc.text(n)
	return strings.ContainsAny(text, "$`") || strings.Contains(text, "(")
}

func partsMayHoldSubst(parts []syntax.WordPart) bool {
	for _, part := range parts {
		switch p := part.(type) {
		case *syntax.Lit, *syntax.SglQuoted:
		case *syntax.DblQuoted:
			if partsMayHoldSubst(p.Parts) {
				return true
			}
		case *syntax.ParamExp:
			if p.Exp != nil || p.Index != nil || p.Slice != nil || p.Repl != nil || p.NestedParam != nil {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// runSubst walks the statements of a substitution in a subshell and works
// out its output when that can be known.
func (r *resolver) runSubst(node syntax.Node, stmts []*syntax.Stmt, sc *scope) substResult {
	start, nestedFrom := len(r.invs), len(r.substSpans)
	var inner *scope
	if len(stmts) == 1 {
		inner = r.subshell(stmts[0], sc)
	} else {
		inner = sc.clone()
	}
	r.walkStmts(stmts, inner, stmtCtx{})
	invs := r.invs[start:]
	res := substResult{node: node}
	if file, ok := readsFileOnly(stmts); ok {
		// $(< FILE) is bash's cat FILE, not an empty output
		t := r.fileText(&Invocation{Cwd: inner.cwd, Remote: inner.remote, User: inner.user}, r.scalar(file, inner))
		res.progs = []string{"cat"}
		res.out, res.known = strings.TrimRight(t.value, "\n"), t.known
		return res
	}
	for _, inv := range invs {
		if len(res.progs) == maxSources {
			break
		}
		res.progs = append(res.progs, inv.Program)
	}
	own := ownOutput(r.invs, start, r.substSpans[nestedFrom:])
	if len(own) > 0 && cutsToOneLine(own[len(own)-1]) {
		if len(res.progs) == maxSources {
			res.progs = res.progs[:maxSources-1]
		}
		res.progs = append(res.progs, OneLineSource)
	}
	res.out, res.known = r.outputOf(own)
	if !res.known {
		res.out, res.known, res.some, res.listed = r.pipelineOutput(own)
	}
	if !res.known && len(own) > 0 {
		last := own[len(own)-1]
		t := r.pipedOut(last, 1)
		if t.known && len(last.Stdin) == len(own)-1 {
			// one pipeline of filters guard computes, as it does for
			// code fed to a shell: $(echo … | base64 -d), $(sed … <<< …)
			res.out, res.known = strings.TrimRight(t.value, "\n"), true
			// some lines of a listing stay that, through sudo or ssh too
			res.some = t.some || t.unordered && strings.Contains(res.out, "\n")
			if pattern, ok := r.listingRun(t, strings.Count(res.out, "\n")+1, ""); ok {
				res.listed = pattern
			}
		}
		res.data = !t.known && !t.quiet && (t.tty || t.fromFile)
		if !res.known && len(own) == 1 {
			res.shape = printedShape(last)
		}
	}
	r.substSpans = append(r.substSpans[:nestedFrom], [2]int{start, len(r.invs)})
	return res
}

// ownOutput is the invocations from start whose output the substitution
// takes: not those of the substitutions nested in it, whose output became
// their own words ($(echo $(echo /etc)) prints /etc once) or went to a
// pipe (<(…)).
func ownOutput(invs []*Invocation, start int, nested [][2]int) []*Invocation {
	if len(nested) == 0 {
		return invs[start:]
	}
	var own []*Invocation
	for i := start; i < len(invs); i++ {
		inner := false
		for _, span := range nested {
			inner = inner || i >= span[0] && i < span[1]
		}
		if !inner {
			own = append(own, invs[i])
		}
	}
	return own
}

// readsFileOnly tells $(< FILE): one statement with no command and only
// an input redirection.
func readsFileOnly(stmts []*syntax.Stmt) (*syntax.Word, bool) {
	if len(stmts) != 1 || stmts[0].Cmd != nil || len(stmts[0].Redirs) != 1 {
		return nil, false
	}
	rd := stmts[0].Redirs[0]
	return rd.Word, rd.Op == syntax.RdrIn && rd.Word != nil
}

// substFor returns the recorded result of a substitution, walking it now
// if it was not (which prewalk makes the exception).
func (r *resolver) substFor(n syntax.Node, stmts []*syntax.Stmt, sc *scope) substResult {
	for i := len(r.substs) - 1; i >= 0; i-- {
		if r.substs[i].node == n {
			return r.substs[i]
		}
	}
	return r.runSubst(n, stmts, sc)
}

// fieldBuilder assembles the fields of one word: text from quoted parts
// sticks together, unquoted expansion results split on IFS, and "$@"
// breaks fields between its elements.
type fieldBuilder struct {
	r      *resolver
	sc     *scope
	mode   expandMode
	text   string
	fields []Arg
	cur    Arg
	keep   bool // cur holds a literal or quoted part: kept even when empty
	// ownPattern: cur.pattern is built beside cur.Value; until then the
	// pattern is the value itself, which is the common case.
	ownPattern bool
	// split: zsh's ${=name} splits this one expansion's value into words,
	// as bash would.
	split bool
	// globSubst is zsh's $~x (on) or $~~x (off) being expanded: whether
	// the pattern characters of its value are live, whatever the option.
	globSubst syntax.OptState
}

// builder takes a field builder from the resolver's free list: words are
// expanded by the hundred thousand, and builders nest only as deep as
// expansions do.
func (r *resolver) builder(sc *scope, mode expandMode, text string, fields []Arg) *fieldBuilder {
	var b *fieldBuilder
	if n := len(r.builders); n > 0 {
		b, r.builders = r.builders[n-1], r.builders[:n-1]
	} else {
		b = &fieldBuilder{}
	}
	*b = fieldBuilder{r: r, sc: sc, mode: mode, text: text, fields: fields}
	b.reset()
	return b
}

func (r *resolver) release(b *fieldBuilder) {
	*b = fieldBuilder{}
	r.builders = append(r.builders, b)
}

func (b *fieldBuilder) reset() {
	b.cur = Arg{Text: b.text, Known: true}
	b.keep = false
	b.ownPattern = false
}

// add appends to the current field a value and its reading as a pattern.
func (b *fieldBuilder) add(value, pattern string) {
	if !b.ownPattern && value != pattern {
		b.cur.pattern = b.cur.Value
		b.ownPattern = true
	}
	b.cur.Value += value
	if b.ownPattern {
		b.cur.pattern += pattern
	}
}

// endField closes the current field, dropping it when nothing but empty
// unquoted expansions made it (as $EMPTY vanishes).
func (b *fieldBuilder) endField() {
	if !b.ownPattern {
		b.cur.pattern = b.cur.Value
	}
	if b.keep || b.cur.Value != "" || !b.cur.Known {
		b.fields = append(b.fields, b.cur)
	}
	b.reset()
}

func (b *fieldBuilder) finish() []Arg {
	b.endField()
	return b.fields
}

func (b *fieldBuilder) zsh() bool { return b.sc.opts&optZsh != 0 }

// literal appends unquoted text as written: backslashes escape, pattern
// characters are live.
func (b *fieldBuilder) literal(raw string) {
	value, glob := unescapeUnquoted(raw, b.zsh())
	glob = glob || b.sc.opts&optExtendedGlob != 0 && hasExtendedMeta(raw)
	b.add(value, raw)
	b.cur.Glob = b.cur.Glob || glob
	b.keep = true
}

// quoted appends text that is taken as it is.
func (b *fieldBuilder) quoted(s string) {
	b.add(s, escapeGlob(s))
	b.keep = true
}

// result appends the value of an expansion: quoted, it is taken as it is;
// unquoted, it is split on IFS and its pattern characters are live (zsh
// does neither).
func (b *fieldBuilder) result(s string, quoted bool) {
	if quoted || b.mode == modeScalar {
		b.add(s, escapeGlob(s))
		if quoted {
			b.keep = true
		}
		return
	}
	if b.zsh() && !b.split && b.sc.opts&optShWordSplit == 0 {
		if b.sc.opts&optGlobSubst != 0 && b.globSubst != syntax.OptOff || b.globSubst == syntax.OptOn {
			b.appendRaw(s)
			return
		}
		b.add(s, escapeGlob(s))
		return
	}
	ifs := " \t\n"
	if v, known := b.sc.lookup("IFS"); known && b.sc.isSet("IFS") {
		ifs = v
	}
	if ifs == "" {
		b.appendRaw(s)
		return
	}
	pieces, leading, trailing := splitIFS(s, ifs)
	if leading && (b.cur.Value != "" || b.keep || !b.cur.Known) {
		b.endField()
	}
	for i, p := range pieces {
		if i > 0 {
			b.endField()
		}
		b.appendRaw(p)
		b.keep = true // a field between two delimiters, even if empty
	}
	if trailing && len(pieces) > 0 {
		b.endField()
	}
}

// cutsAt: an unknown part here ends the field, for the cut reading of a
// command word: unquoted, in a shell that splits it.
func (b *fieldBuilder) cutsAt(quoted bool) bool {
	return b.r.cutUnknown && !quoted && b.mode != modeScalar && (!b.zsh() || b.sc.opts&optShWordSplit != 0)
}

// appendRaw appends an unquoted expansion result: its pattern characters
// are live, its backslashes are not escapes.
func (b *fieldBuilder) appendRaw(s string) {
	b.add(s, strings.ReplaceAll(s, `\`, `\\`))
	if strings.ContainsAny(s, "*?[") {
		_, glob := unescapeUnquoted(strings.ReplaceAll(s, `\`, `\\`), false)
		b.cur.Glob = b.cur.Glob || glob
	}
}

// unknown marks the current field as holding a part guard cannot know.
// For the cut reading (resolver.cutUnknown) an unquoted one is a field
// separator instead.
func (b *fieldBuilder) unknown(what string, maybeEmpty, quoted bool) {
	if b.cutsAt(quoted) {
		b.endField()
		return
	}
	b.cur.unknown(what, maybeEmpty)
	if quoted {
		b.keep = true
	}
}

// unknownWord marks the current field as holding a part guard cannot
// know that is one word without a blank (a number, $(date +%F)): split or
// not, it stays in this field.
func (b *fieldBuilder) unknownWord(what string, shape wordShape) {
	if !b.cur.Known {
		shape = min(shape, b.cur.shape)
	}
	b.cur.unknown(what, false)
	b.cur.shape = shape
	b.keep = true
}

// splitsOnBlanksOnly: IFS holds nothing but blanks (its default, or unset
// to it), so a word without a blank is never split.
func (b *fieldBuilder) splitsOnBlanksOnly() bool {
	v, known := b.sc.lookup("IFS")
	if !b.sc.isSet("IFS") {
		return true
	}
	return known && strings.Trim(v, " \t\n") == ""
}

// arg appends a word known as an Arg (a positional parameter, an array
// element): its value, what of it is unknown, and where it comes from.
func (b *fieldBuilder) arg(a Arg, quoted bool) {
	if a.Known && a.standIn && a.Glob {
		// a loop's variable standing for every match of DIR/*: the
		// pattern, live even quoted, so the folder reads as emptied
		b.add(a.Value, a.pattern)
		b.cur.Glob, b.keep = true, true
		return
	}
	if a.Known {
		b.result(a.Value, quoted)
		return
	}
	if b.cutsAt(quoted) && !(a.neverSplits() && b.splitsOnBlanksOnly()) {
		b.endField()
		return
	}
	b.add(a.Value, escapeGlob(a.Value))
	wasKnown := b.cur.Known
	if wasKnown {
		b.cur.shape = a.unknownShape()
	} else {
		b.cur.shape = min(b.cur.shape, a.unknownShape())
	}
	b.cur.Known = false
	b.cur.Unknown = append(b.cur.Unknown, a.Unknown...)
	if wasKnown {
		b.cur.MaybeEmpty = a.MaybeEmpty
	} else {
		b.cur.MaybeEmpty = b.cur.MaybeEmpty && a.MaybeEmpty
	}
	if a.Origin != "" {
		b.cur.Origin = a.Origin
	}
	b.cur.data = b.cur.data || a.data
	b.cur.Sources = appendSources(b.cur.Sources, a.Sources)
	if quoted {
		b.keep = true
	}
}

// list appends the elements of "$@" or "${arr[@]}": quoted, one field per
// element; star joins them with the first character of IFS.
func (b *fieldBuilder) list(elems []Arg, quoted, star bool) {
	if star && quoted {
		sep := " "
		if v, known := b.sc.lookup("IFS"); known && b.sc.isSet("IFS") {
			sep = v[:min(len(v), 1)]
		}
		joined := Arg{Known: true}
		for i, e := range elems {
			if i > 0 {
				joined.Value += sep
			}
			joined.Value += e.Value
			if !e.Known {
				joined.unknown(strings.Join(e.Unknown, ", "), e.MaybeEmpty)
			}
		}
		b.arg(joined, true)
		return
	}
	for i, e := range elems {
		if i > 0 {
			if quoted {
				b.keep = true
			}
			b.endField()
		}
		b.arg(e, quoted)
	}
}

func appendSources(dst, src []string) []string {
	for _, s := range src {
		if len(dst) >= maxSources {
			break
		}
		dst = append(dst, s)
	}
	return dst
}

// splitIFS splits an unquoted expansion result on IFS, as bash does: runs
// of IFS whitespace separate fields and are trimmed at both ends; each
// other IFS character ends a field, so that two in a row make an empty one.
func splitIFS(s, ifs string) (pieces []string, leading, trailing bool) {
	isIFS := func(c byte) bool { return strings.IndexByte(ifs, c) >= 0 }
	isSpace := func(c byte) bool { return isIFS(c) && (c == ' ' || c == '\t' || c == '\n') }
	if s == "" {
		return nil, false, false
	}
	leading, trailing = isIFS(s[0]), isIFS(s[len(s)-1])
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	start := i
	for i < len(s) {
		if !isIFS(s[i]) {
			i++
			continue
		}
		pieces = append(pieces, s[start:i])
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i < len(s) && isIFS(s[i]) && !isSpace(s[i]) {
			for i++; i < len(s) && isSpace(s[i]); i++ {
			}
		}
		start = i
	}
	if start < len(s) {
		pieces = append(pieces, s[start:])
	}
	return pieces, leading, trailing
}

func hasBraceCandidate(w *syntax.Word) bool {
	for _, p := range w.Parts {
		if lit, ok := p.(*syntax.Lit); ok && strings.Contains(lit.Value, "{") {
			return true
		}
	}
	return false
}

// expandParts appends the expansion of parts to b. first is true while the
// parts are at the start of the word, where a tilde expands.
func (r *resolver) expandParts(parts []syntax.WordPart, sc *scope, quoted bool, b *fieldBuilder, first bool) {
	skip := 0 // bytes of the next literal taken as zsh modifiers ($p:h)
	for i, part := range parts {
		switch p := part.(type) {
		case *syntax.Lit:
			value := p.Value[skip:]
			if skip > 0 {
				skip = 0
				if quoted {
					b.quoted(unescapeDouble(value))
				} else {
					b.literal(value)
				}
				continue
			}
			if first && len(parts) == 1 && !quoted && sc.opts&optZsh != 0 && zshEqualsName(value) {
				// zsh's =cmd is cmd's full path: =rm -rf /usr runs /usr/bin/rm
				if found := r.lookPath(value[1:]); found != "" {
					b.quoted(found)
				} else {
					b.quoted(value[1:])
				}
				continue
			}
			if first && i == 0 && !quoted && strings.HasPrefix(value, "~") {
				home, rest := r.expandTilde(value, sc, b)
				b.quoted(home)
				if rest != "" {
					b.literal(rest)
				}
				continue
			}
			if quoted {
				b.quoted(unescapeDouble(value))
			} else {
				b.literal(value)
			}
		case *syntax.SglQuoted:
			if p.Dollar {
				b.quoted(unescapeDollar(p.Value))
			} else {
				b.quoted(p.Value)
			}
		case *syntax.DblQuoted:
			if !isLoneList(p.Parts) {
				b.keep = true // "" is an empty argument
			}
			r.expandParts(p.Parts, sc, true, b, false)
		case *syntax.ParamExp:
			if mods := zshTrailingModifiers(p, parts[i+1:], sc); mods != "" {
				skip = len(mods)
				r.expandModified(p, p.Param.Value, mods, sc, quoted, b)
				break
			}
			r.expandParam(p, sc, quoted, b)
		case *syntax.CmdSubst:
			res := r.substFor(p, p.Stmts, sc)
			b.cur.Sources = appendSources(b.cur.Sources, res.progs)
			if res.known && (!res.some || b.mode == modeLoop && !quoted && len(parts) == 1 && first) {
				if b.mode == modeLoop && !quoted && len(parts) == 1 && first {
					b.r.loopListed = res.listed
				}
				b.result(res.out, quoted) // $(echo rm) is rm
				break
			}
			if res.known && res.some && b.mode == modeArgs && b.wholeWord(p, parts, first, quoted) {
				// some of a listing's lines ($(ls -d build-* | tail -n 1)):
				// every line, each a word, is what the command may get at
				// most, and what is judged; entries of a folder are also
				// judged as its glob, where the operator saw them listed,
				// as a for loop over them is
				b.someLines(res.out, quoted)
				b.cur.Sources = appendSources(b.cur.Sources, res.progs)
				if res.listed != "" {
					b.endField()
					glob := globArg(res.listed, "", "")
					b.add(glob.Value, glob.pattern)
					b.cur.Glob, b.keep = true, true
				}
				break
			}
			if res.shape >= shapeWord && b.splitsOnBlanksOnly() {
				b.unknownWord("$(…)", res.shape)
				break
			}
			b.unknown("$(…)", true, quoted)
			b.cur.data = b.cur.data || res.data
		case *syntax.ProcSubst:
			res := r.substFor(p, p.Stmts, sc)
			b.cur.Sources = appendSources(b.cur.Sources, res.progs)
			b.unknown(p.Op.String()+"…)", false, quoted)
		case *syntax.ArithmExp:
			if v, ok := r.arithValue(p.X, sc); ok {
				b.result(strconv.FormatInt(v, 10), quoted)
				break
			}
			if b.splitsOnBlanksOnly() {
				b.unknownWord("$((…))", shapeName) // a number: nothing to split
				break
			}
			b.unknown("$((…))", false, quoted)
		case *syntax.ExtGlob:
			b.literal(p.Op.String() + p.Pattern.Value + ")")
			b.cur.Glob = true
		default:
			b.unknown(sc.text(part), true, quoted)
		}
	}
}

// wholeWord: the substitution p is the whole word being built, unquoted
// ($(ls …)) or alone in double quotes ("$(ls … | tail -n 1)").
func (b *fieldBuilder) wholeWord(p *syntax.CmdSubst, parts []syntax.WordPart, first, quoted bool) bool {
	if !quoted {
		return len(parts) == 1 && first
	}
	return len(parts) == 1 && b.text == `"`+b.sc.text(p)+`"`
}

// someLines appends the lines of a listing as words of their own: split
// on IFS as bash splits them unquoted; quoted, each line whole, for the
// one line the substitution keeps is one of them.
func (b *fieldBuilder) someLines(out string, quoted bool) {
	if !quoted {
		b.result(out, false)
		return
	}
	for i, line := range strings.Split(out, "\n") {
		if i > 0 {
			b.endField()
		}
		b.quoted(line)
	}
}

// isLoneList: "$@" or "${a[@]}" alone in double quotes, which yields no
// field at all when the list is empty.
func isLoneList(parts []syntax.WordPart) bool {
	if len(parts) != 1 {
		return false
	}
	pe, ok := parts[0].(*syntax.ParamExp)
	if !ok || pe.Param == nil {
		return false
	}
	if pe.Param.Value == "@" && pe.Index == nil {
		return true
	}
	idx, ok := pe.Index.(*syntax.Word)
	return ok && idx.Lit() == "@"
}

// outputOf is what a substitution prints when every command in it prints
// something guard can work out (echo, printf, basename, pwd, mktemp…).
func (r *resolver) outputOf(invs []*Invocation) (string, bool) {
	if len(invs) == 0 || len(invs) > 4 {
		return "", len(invs) == 0
	}
	var out strings.Builder
	for _, inv := range invs {
		if len(inv.Via) > 0 || inv.InPipeline || inv.Function != "" {
			return "", false
		}
		text, ok := r.knownOutput(inv)
		if !ok {
			return "", false
		}
		out.WriteString(text)
	}
	return strings.TrimRight(out.String(), "\n"), true
}

func (a *Arg) unknown(what string, maybeEmpty bool) {
	if a.Known {
		a.MaybeEmpty = true
	}
	a.Known = false
	a.shape = shapeAny // a part that may be anything, unless told otherwise
	a.Unknown = append(a.Unknown, what)
	a.MaybeEmpty = a.MaybeEmpty && maybeEmpty
}

// zshEqualsName: a word zsh's EQUALS option (on by default) replaces by
// a command's path, =NAME with NAME a plain program name.
func zshEqualsName(word string) bool {
	name, ok := strings.CutPrefix(word, "=")
	if !ok || name == "" || name == "." || name == ".." {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_-.+", c)) {
			return false
		}
	}
	return true
}

// expandTilde expands ~, ~/x, ~+, ~- and ~user at the start of a word. It
// returns the folder and the rest of the literal, from its first slash.
func (r *resolver) expandTilde(lit string, sc *scope, b *fieldBuilder) (string, string) {
	name, rest, hasSlash := strings.Cut(lit[1:], "/")
	if hasSlash {
		rest = "/" + rest
	}
	var home string
	switch name {
	case "":
		v, known := sc.lookup("HOME")
		if !known {
			b.unknown("~", sc.mayBeEmpty("HOME"), true)
			return "", rest
		}
		home = v
	case "+":
		if sc.cwd == "" {
			b.unknown("~+", true, true)
			return "", rest
		}
		home = sc.cwd
	case "-":
		if sc.oldpwd == "" {
			b.unknown("~-", true, true)
			return "", rest
		}
		home = sc.oldpwd
	default:
		if sc.remote != "" {
			switch name {
			case "root":
				return "/root", rest
			}
			if syntax.ValidName(name) {
				return "/home/" + name, rest
			}
		}
		home = r.userHome(name)
		if home == "" {
			if strings.ContainsAny(name, "*?[") {
				return "", lit // not a tilde prefix after all
			}
			b.unknown("~"+name, false, true)
			return "", rest
		}
	}
	return home, rest
}

// userHome reads a user's home folder from /etc/passwd, once per line.
func (r *resolver) userHome(user string) string {
	return r.userField(user, 5)
}

// userField is field n (5 the home folder, 6 the login shell) of user's
// line in /etc/passwd, read once per line; "" if absent.
func (r *resolver) userField(user string, n int) string {
	if r.passwd == nil {
		data, err := r.host.ReadFile("/etc/passwd", 4<<20)
		if err != nil {
			data = []byte{}
		}
		r.passwd = data
	}
	for _, line := range bytes.Split(r.passwd, []byte("\n")) {
		fields := strings.Split(string(line), ":")
		if len(fields) > n && fields[0] == user {
			return fields[n]
		}
	}
	return ""
}

// homeIn is user's home folder in the text of /etc/passwd, "" if absent.
func homeIn(passwd []byte, user string) string {
	for _, line := range bytes.Split(passwd, []byte("\n")) {
		fields := strings.Split(string(line), ":")
		if len(fields) >= 6 && fields[0] == user {
			return fields[5]
		}
	}
	return ""
}

// UserHome is user's home folder in the host's /etc/passwd, "" when
// guard cannot tell.
func UserHome(h Host, user string) string {
	data, err := h.ReadFile("/etc/passwd", 4<<20)
	if err != nil {
		return ""
	}
	return homeIn(data, user)
}

// escapeGlob escapes the characters of s that a pattern would read as
// special, so that quoted text matches only itself.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\(|)!@+^#~<>`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`*?[]\(|)!@+^#~<>`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeUnquoted removes backslash escapes from an unquoted literal and
// reports whether it holds pattern characters that were not escaped. In
// zsh, parentheses group alternatives as well.
func unescapeUnquoted(s string, zsh bool) (string, bool) {
	specials := `\*?[`
	if zsh {
		specials += "("
	}
	if !strings.ContainsAny(s, specials) {
		return s, false
	}
	var b strings.Builder
	glob := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] != '\n' {
				b.WriteByte(s[i])
			}
			continue
		case c == '*' || c == '?':
			glob = true
		case c == '[' && strings.Contains(s[i+1:], "]"):
			glob = true
		case zsh && c == '(' && strings.Contains(s[i+1:], ")"):
			glob = true
		}
		b.WriteByte(c)
	}
	return b.String(), glob
}

// unescapeDouble removes the escapes that double quotes honour.
func unescapeDouble(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeDollar interprets the escapes of bash's $'…' quoting: printf's
// (unescapeOne), except that an escape it does not know stands for the
// character itself ($'\q' is q, as \" is ").
func unescapeDollar(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		u, n := unescapeOne(s[i:])
		if n == 2 && u == s[i:i+2] && s[i+1] != 'x' { // \x without digits stays \x
			u = s[i+1 : i+2]
		}
		b.WriteString(u)
		i += n - 1
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// LiteralWord is the value of a word made only of text and quotes, as an
// assignment would store it; ok is false for a word with an expansion.
// With zsh, $'…' also reads zsh's \M-x (x with the top bit set) and \C-x
// (a control character), as its export -p writes bytes it cannot print.
func LiteralWord(w *syntax.Word, zsh bool) (value string, ok bool) {
	var b strings.Builder
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			v, _ := unescapeUnquoted(p.Value, zsh)
			b.WriteString(v)
		case *syntax.SglQuoted:
			switch {
			case !p.Dollar:
				b.WriteString(p.Value)
			case zsh:
				b.WriteString(unescapeDollar(zshMetaEscapes(p.Value)))
			default:
				b.WriteString(unescapeDollar(p.Value))
			}
		case *syntax.DblQuoted:
			for _, in := range p.Parts {
				lit, isLit := in.(*syntax.Lit)
				if !isLit {
					return "", false
				}
				b.WriteString(unescapeDouble(lit.Value))
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// zshMetaEscapes turns zsh's \M-x, \C-x and \M-\C-x into octal escapes:
// the character after them is taken as it is (\C-? is DEL).
func zshMetaEscapes(s string) string {
	if !strings.Contains(s, `\M-`) && !strings.Contains(s, `\C-`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		meta, ctrl := false, false
		j := i
		if strings.HasPrefix(s[j:], `\M-`) {
			meta, j = true, j+3
		}
		if strings.HasPrefix(s[j:], `\C-`) {
			ctrl, j = true, j+3
		}
		if (!meta && !ctrl) || j >= len(s) {
			if s[i] == '\\' && i+1 < len(s) {
				b.WriteByte(s[i]) // an escape of its own (\\M- is text)
				i++
			}
			b.WriteByte(s[i])
			continue
		}
		c := s[j]
		if ctrl {
			if c == '?' {
				c = 0x7f
			} else {
				c &= 0x1f
			}
		}
		if meta {
			c |= 0x80
		}
		fmt.Fprintf(&b, `\%03o`, c)
		i = j
	}
	return b.String()
}
