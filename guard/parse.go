package guard

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"
)

// Bounds on what is handed to the parser. mvdan.cc/sh parses recursively,
// so a line nested many thousands of levels deep would cost gigabytes of
// stack; a single statement of megabytes costs tens of bytes of tree per
// byte. Past these bounds the line is judged word by word, or not further,
// and the verdict says it was too complex.
const (
	// maxParseDepth bounds brackets and compound commands nested in each
	// other (`$(`, `(`, `{`, `${`, `if`, `while`…).
	maxParseDepth = 1000
	// maxChain bounds operators the parser nests instead of looping over
	// (`1**1**…`, `[[ a && b && … ]]`, `time time …`, `f() f() …`).
	maxChain = 10000
	// maxStmtBytes and maxStmtWords bound one top-level statement, the
	// unit the parser hands over whole: a tree costs some hundred bytes
	// per word.
	maxStmtBytes = 1 << 20
	maxStmtWords = 150000
	// maxReparseBytes bounds shell code parsed again inside the line:
	// bash -c, eval, here-documents fed to a shell, arithmetic in values.
	maxReparseBytes = 4 << 20
)

// crStandIn is what guard parses in place of a carriage return. bash and
// zsh take a carriage return as an ordinary character of a word (`rm x\r`
// removes "x\r", and `\` before \r\n escapes the \r, not the newline);
// mvdan.cc/sh takes it as a blank and a backslash before \r\n as a line
// continuation, which would hide the next line inside the previous one's
// words (`: \` CR LF `rm -rf /usr`). The stand-in is a byte the parser keeps
// inside words, one for one, so offsets stay the same.
const crStandIn = "\x01"

// literalCR gives the parser src with each carriage return as crStandIn.
func literalCR(src string) string {
	if !strings.Contains(src, "\r") {
		return src
	}
	return strings.ReplaceAll(src, "\r", crStandIn)
}

var errStmtTooLarge = errors.New("statement too large")

// stmtReader hands the parser its source and fails once one statement has
// taken more than maxStmtBytes or maxStmtWords, so that a giant statement
// costs at most that much tree.
type stmtReader struct {
	src       string
	off       int
	stmtStart int
	words     int // words and operators handed over since stmtStart
	inWord    bool
	quit      <-chan struct{} // closed: the input ends here (parseAhead)
}

func (b *stmtReader) Read(p []byte) (int, error) {
	if b.off >= len(b.src) {
		return 0, io.EOF
	}
	if b.quit != nil {
		select {
		case <-b.quit:
			return 0, io.EOF
		default:
		}
	}
	if b.off-b.stmtStart > maxStmtBytes || b.words > maxStmtWords {
		return 0, errStmtTooLarge
	}
	n := copy(p, b.src[b.off:])
	for _, c := range p[:n] {
		switch c {
		case ' ', '\t', '\n':
			b.inWord = false
		case '|', ';', '&', '(', ')', '<', '>', '\'', '"', '`', '$', '{', '[':
			b.words++
			b.inWord = false
		default:
			if !b.inWord {
				b.words++
			}
			b.inWord = true
		}
	}
	b.off += n
	return n, nil
}

// stop ends the input where it is.
func (b *stmtReader) stop() { b.off = len(b.src) }

// nextStmt starts counting a new statement from offset.
func (b *stmtReader) nextStmt(offset int) {
	b.stmtStart = offset
	b.words = 0
}

// parseEach parses src in the resolver's dialect and calls fn with each
// top-level statement and the text its positions refer to, one statement
// at a time, so that a long script is never held as one tree. A line that
// does not parse (an unterminated quote, an `if` without `fi`, another
// shell's syntax) is still judged: from the statement that fails, it is
// split into words by a tolerant tokenizer, rebuilt as plain commands and
// parsed again. fn returns false to stop.
func (r *resolver) parseEach(src string, fn func(st *syntax.Stmt, src string) bool) {
	src = literalCR(src)
	if why := tooDeep(src); why != "" {
		flat := repair(src, false)
		if tooDeep(flat) != "" {
			flat = repair(src, true) // words nest too (${x:-${x:-…}}): take them literally
		}
		r.streamStmts(flat, syntax.LangBash, fn)
		r.tooComplex(why + ", so guard judged it word by word")
		return
	}
	lastEnd, err := r.streamStmts(src, r.lang, fn)
	parsed := src // the source as last parsed: short loops rewritten
	for rewrites := 0; err != nil && r.truncated == ""; {
		if r.lang == syntax.LangZsh && rewrites < maxShortLoops {
			if loop, ok := zshShortLoop(parsed, err, lastEnd); ok && r.budgetReparse(loop) {
				// for d (a b) cmd: walked as the full loop; go on after it
				rewrites++
				parsed = loop
				var end int
				end, err = r.streamStmts(parsed, r.lang, fn)
				lastEnd = max(end, lastEnd)
				continue
			}
		}
		next, ok := r.anonTail.resume(parsed, err)
		if !ok {
			break
		}
		// () { … } ARGS: the parser stopped at ARGS, which the function
		// took (anonArgs); go on after them
		parsed = blankBefore(parsed, next)
		var end int
		end, err = r.streamStmts(parsed, r.lang, fn)
		lastEnd = max(end, next)
	}
	switch {
	case err == nil || r.truncated != "":
		return
	case errors.Is(err, errStmtTooLarge):
		r.tooComplex(fmt.Sprintf("one statement is longer than %d KB; guard stopped reading there", maxStmtBytes>>10))
		return
	}
	r.notes = append(r.notes, fmt.Sprintf("the line does not parse as %s (%s); guard judged it word by word", langName(r.lang), firstLine(err.Error())))
	if _, err := r.streamStmts(repair(parsed[lastEnd:], false), syntax.LangBash, fn); errors.Is(err, errStmtTooLarge) {
		r.tooComplex(fmt.Sprintf("one statement is longer than %d KB; guard stopped reading there", maxStmtBytes>>10))
	}
}

// streamStmts parses src statement by statement. A statement whose
// here-document bodies are not read yet (`cat <<EOF; echo x` on one line)
// waits until the parser has read them. It returns the offset after the
// last statement handed to fn.
func (r *resolver) streamStmts(src string, lang syntax.LangVariant, fn func(*syntax.Stmt, string) bool) (int, error) {
	lastEnd := 0
	handle := func(st *syntax.Stmt) bool {
		lastEnd = int(st.End().Offset())
		return fn(st, src)
	}
	if len(src) >= r.aheadMin {
		return lastEnd, parseAhead(src, lang, handle)
	}
	return lastEnd, parseStmts(src, lang, &stmtReader{src: src}, handle)
}

// parseStmts parses src, read through reader, and hands fn each top-level
// statement once its here-documents are read, in order. When fn returns
// false it ends the input and hands no more. It returns the parse error,
// nil if fn stopped it first. It reads nothing but its arguments, so it can
// run beside the walk (parseAhead).
func parseStmts(src string, lang syntax.LangVariant, reader *stmtReader, fn func(*syntax.Stmt) bool) error {
	var pending []*syntax.Stmt
	stopped := false
	flush := func(all bool) {
		for len(pending) > 0 && !stopped && (all || !awaitsHeredoc(pending[0], src)) {
			st := pending[0]
			pending = pending[1:]
			if !fn(st) {
				stopped = true
			}
		}
	}
	parser := syntax.NewParser(syntax.Variant(lang))
	var parseErr error
	// The loop never breaks: the parser's iterator may yield its error
	// once more after a break, which Go does not allow. To stop early the
	// reader ends the input instead.
	for st, err := range parser.StmtsSeq(reader) {
		switch {
		case stopped, parseErr != nil && err == nil:
		case err != nil:
			if parseErr == nil {
				parseErr = err
			}
			reader.stop()
		default:
			reader.nextStmt(int(st.End().Offset()))
			pending = append(pending, st)
			flush(false)
			if stopped {
				reader.stop()
			}
		}
	}
	if stopped {
		return nil
	}
	// Statements parsed before an error are judged; the here-documents
	// they wait for will not come.
	flush(true)
	return parseErr
}

// A long source is parsed ahead of the walk, on a goroutine of its own:
// parsing is a third of the work on a script, and the two overlap on a
// machine with more than one processor. The parser runs at most
// parseAheadBytes of source ahead of the walk, so the trees waiting to be
// walked stay bounded as they are in step; a statement is handed over only
// once complete (its here-documents read), after which the parser never
// touches it again.
const (
	parseAheadMin   = 64 << 10
	parseAheadBytes = 256 << 10
)

// parseAhead is parseStmts on a goroutine of its own, fn called on this
// one, in order. When fn stops, or panics, the parser ends at its next
// read; a panic of the parser's is raised again here.
func parseAhead(src string, lang syntax.LangVariant, fn func(*syntax.Stmt) bool) error {
	type parsed struct {
		st       *syntax.Stmt
		size     int // bytes of source it stands for, from the end of the one before
		err      error
		end      bool
		panicked any
	}
	window := newAheadWindow(parseAheadBytes)
	defer window.close()
	items := make(chan parsed, 64)
	send := func(p parsed) bool {
		if !window.take(p.size) {
			return false
		}
		select {
		case items <- p:
			return true
		case <-window.quit:
			return false
		}
	}
	go func() {
		defer close(items)
		defer func() {
			if p := recover(); p != nil {
				send(parsed{panicked: p})
			}
		}()
		lastEnd := 0
		reader := &stmtReader{src: src, quit: window.quit}
		err := parseStmts(src, lang, reader, func(st *syntax.Stmt) bool {
			end := int(st.End().Offset())
			size := max(end-lastEnd, 1)
			lastEnd = end
			return send(parsed{st: st, size: size})
		})
		send(parsed{err: err, end: true})
	}()
	for p := range items {
		window.give(p.size)
		switch {
		case p.panicked != nil:
			panic(p.panicked)
		case p.end:
			return p.err
		case !fn(p.st):
			return nil
		}
	}
	return nil
}

// aheadWindow is how far the parser is ahead of the walk, in bytes of
// source: the parser takes before it hands a statement over and waits
// while the window is full; the walk gives back as it takes each one.
type aheadWindow struct {
	mu     sync.Mutex
	room   *sync.Cond
	ahead  int
	limit  int
	quit   chan struct{} // closed when the walk is done: the parser stops
	closed bool
}

func newAheadWindow(limit int) *aheadWindow {
	w := &aheadWindow{limit: limit, quit: make(chan struct{})}
	w.room = sync.NewCond(&w.mu)
	return w
}

// take makes room for n bytes, false once the walk is done.
func (w *aheadWindow) take(n int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.ahead > 0 && w.ahead+n > w.limit && !w.closed {
		w.room.Wait()
	}
	w.ahead += n
	return !w.closed
}

func (w *aheadWindow) give(n int) {
	w.mu.Lock()
	w.ahead -= n
	w.mu.Unlock()
	w.room.Signal()
}

func (w *aheadWindow) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.quit)
	}
	w.mu.Unlock()
	w.room.Broadcast()
}

// awaitsHeredoc reports whether st has a here-document whose body the
// parser has not read yet.
func awaitsHeredoc(st *syntax.Stmt, src string) bool {
	if !strings.Contains(sliceSrc(src, st.Pos(), st.End()), "<<") {
		return false
	}
	waiting := false
	syntax.Walk(st, func(n syntax.Node) bool {
		if rd, ok := n.(*syntax.Redirect); ok && (rd.Op == syntax.Hdoc || rd.Op == syntax.DashHdoc) && rd.Hdoc == nil {
			waiting = true
		}
		return !waiting
	})
	return waiting
}

func langName(lang syntax.LangVariant) string {
	if lang == 0 {
		return "bash"
	}
	return lang.String()
}

// tooDeep scans src once, without parsing it, for nesting the parser would
// recurse through: brackets of any kind, compound commands, and operators
// the parser nests instead of looping over. It over-counts (quotes are not
// followed), which only ever makes guard more careful. It returns why src
// is too deep, or "".
func tooDeep(src string) string {
	type frame struct {
		chain int  // nesting operators since this frame's last statement end
		expr  bool // arithmetic or [[ ]]: operators nest
	}
	stack := []frame{{}}
	chain := 0 // sum of the frames' chains
	keywords := 0
	wordStart := true
	for i := 0; i < len(src); i++ {
		top := &stack[len(stack)-1]
		if !wordStart && !top.expr {
			for i < len(src) && !endsPlain[src[i]] { // the rest of a plain word
				i++
			}
			if i == len(src) {
				break
			}
		}
		c := src[i]
		startsWord := wordStart
		wordStart = false
		switch c {
		case '(', '{', '[':
			expr := top.expr || (c == '(' || c == '[') && i+1 < len(src) && src[i+1] == c
			if c == '(' && strings.HasPrefix(strings.TrimLeft(src[i+1:], " \t"), ")") {
				top.chain++ // f() f() … nests declarations
				chain++
			}
			stack = append(stack, frame{expr: expr})
			if len(stack)+keywords > maxParseDepth {
				return fmt.Sprintf("it nests more than %d levels deep", maxParseDepth)
			}
			wordStart = true
			continue
		case ')', '}', ']':
			if len(stack) > 1 {
				chain -= top.chain
				stack = stack[:len(stack)-1]
			}
			wordStart = true
			continue
		case '\n', ';':
			if !top.expr {
				chain -= top.chain
				top.chain = 0
			}
			wordStart = true
			continue
		case ' ', '\t', '&', '|', '<', '>':
			wordStart = true
			if !top.expr && c != '&' && c != '|' {
				continue
			}
		case '#':
			if startsWord && !top.expr {
				for i < len(src) && src[i] != '\n' {
					i++
				}
				i--
				continue
			}
		}
		if top.expr && strings.IndexByte("-+!~*?&|=<>,%^/:", c) >= 0 {
			top.chain++
			chain++
		} else if startsWord && !top.expr {
			end := i
			for end < len(src) && end < i+len("function")+1 && !endsWord[src[end]] {
				end++
			}
			word := src[i:end]
			switch word {
			case "if", "while", "until", "for", "select", "case", "function":
				keywords++
			case "fi", "done", "esac":
				keywords = max(keywords-1, 0)
			case "time", "coproc", "!":
				top.chain++
				chain++
			}
			if len(stack)+keywords > maxParseDepth {
				return fmt.Sprintf("it nests more than %d levels deep", maxParseDepth)
			}
		}
		if chain > maxChain {
			return fmt.Sprintf("it chains more than %d operators in one expression", maxChain)
		}
	}
	return ""
}

// endsWord marks the bytes that end a word, for tooDeep's keyword test.
var endsWord = [256]bool{' ': true, '\t': true, '\n': true, ';': true, '&': true, '|': true, '(': true, ')': true, '<': true, '>': true}

// endsPlain marks the bytes that end tooDeep's pass over the rest of a
// word outside arithmetic: those that open, close or end something.
var endsPlain = [256]bool{'(': true, ')': true, '{': true, '}': true, '[': true, ']': true, '\n': true, ';': true, ' ': true, '\t': true, '&': true, '|': true, '<': true, '>': true}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Words that open or close compound commands: in a line that does not
// parse they are dropped so that the commands inside are still seen.
var reservedWords = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "fi": true,
	"do": true, "done": true, "while": true, "until": true, "for": true,
	"case": true, "esac": true, "select": true, "function": true, "time": true,
	"{": true, "}": true, "!": true, "in": true, "[[": true, "]]": true,
}

// repair rebuilds src as simple commands that parse: every word is quoted
// unless it is plain, separators are kept, reserved words at the start of
// a command are dropped, an unterminated quote runs to the end of the line.
// With literal set, every word is quoted, so that the result nests
// nothing, whatever src nested.
func repair(src string, literal bool) string {
	var out strings.Builder
	atStart := true
	eachToken(src, func(tok token) bool {
		switch {
		case tok.op != "":
			if !atStart || tok.op == "\n" {
				out.WriteString(" " + tok.op + " ")
			}
			atStart = tok.op != ">" && tok.op != ">>" && tok.op != "<" && tok.op != "&>"
		case atStart && reservedWords[tok.text] && !tok.quoted:
		case (tok.text == "{" || tok.text == "}") && !tok.quoted:
			// a group's brace: what follows is a command (zsh's
			// repeat 2 { rm … }, () { … } args)
			out.WriteString(" ; ")
			atStart = true
		default:
			out.WriteString(" " + quoteWord(tok, literal))
			atStart = false
		}
		return out.Len() < maxStmtBytes // more than the walk could follow before its bounds
	})
	return out.String()
}

func quoteWord(tok token, literal bool) string {
	if !tok.quoted && tok.text != "" && isPlainWord(tok.text) && (!literal || !strings.ContainsAny(tok.text, "$[{")) {
		return tok.text
	}
	text := strings.ToValidUTF8(strings.ReplaceAll(tok.text, "\x00", ""), "?")
	if text != "" && strings.Trim(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./,:@%+=-") == "" {
		return text
	}
	return "'" + strings.ReplaceAll(text, "'", `'\''`) + "'"
}

// isPlainWord: characters that keep their meaning (variables, globs,
// tildes) and cannot break the rebuilt line.
func isPlainWord(s string) bool {
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("$_{}*?[]~/.-=:,@%+^", c):
		default:
			return false
		}
	}
	return true
}

type token struct {
	text   string
	quoted bool
	op     string // a separator or redirection operator instead of a word
}

// eachToken splits src the way a shell would, but never fails, handing
// each token to fn until fn returns false.
func eachToken(src string, fn func(token) bool) {
	var cur strings.Builder
	inWord, quoted := false, false
	stopped := false
	// A word longer than a statement may be is cut: the parser would not
	// take it whole anyway.
	add := func(s string) {
		if room := maxStmtBytes - cur.Len(); room > 0 {
			cur.WriteString(s[:min(len(s), room)])
		}
	}
	flush := func() {
		if inWord && !stopped {
			stopped = !fn(token{text: cur.String(), quoted: quoted})
		}
		cur.Reset()
		inWord, quoted = false, false
	}
	for i := 0; i < len(src) && !stopped; i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src):
			i++
			if src[i] != '\n' {
				add(src[i : i+1])
				inWord, quoted = true, true
			}
		case c == '\'' || c == '"':
			inWord, quoted = true, true
			end := strings.IndexByte(src[i+1:], c)
			if end < 0 {
				add(src[i+1:])
				i = len(src)
			} else {
				add(src[i+1 : i+1+end])
				i += end + 1
			}
		case c == '#' && !inWord:
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
		case c == ' ' || c == '\t':
			flush()
		case strings.IndexByte(";&|\n()<>", c) >= 0:
			flush()
			op := string(c)
			for _, long := range []string{"&&", "||", ";;", ">>", "&>", "<<<", "<<", "|&"} {
				if strings.HasPrefix(src[i:], long) {
					op = long
					break
				}
			}
			i += len(op) - 1
			switch op {
			case "(", ")", ";;", "<<", "<<<":
				op = ";"
			case "|&":
				op = "|"
			}
			if op == "<<" || op == ";" && c == '<' {
				continue
			}
			stopped = !fn(token{op: op})
		default:
			add(src[i : i+1])
			inWord = true
		}
	}
	flush()
}
