package guard

import (
	"strings"

	"github.com/guard-sh/guard/guard/lazyre"
)

// Tools whose own little languages run shell commands or write files:
// awk (system(), print | "cmd", print > "file"), sed (e, s///e, w FILE),
// expect (spawn, exec, send) and vim/ex (:!cmd, system(), :w FILE).

var awkLang = language{name: "awk"}

var (
	awkSystem   = lazyre.New(`\bsystem\s*\(`)
	awkPipeTo   = lazyre.New(`\b(printf?)\b([^;{}\n|]*?)\|&?\s*("(?:[^"\\]|\\.)*"|[A-Za-z_]\w*)`)
	awkPipeFrom = lazyre.New(`("(?:[^"\\]|\\.)*"|\b[A-Za-z_]\w*)\s*\|\s*getline`)
	awkWriteTo  = lazyre.New(`\bprintf?\b[^;{}\n|>]*?(>>?)\s*("(?:[^"\\]|\\.)*")`)
)

// wrapAwk reads an awk program for the commands it runs and the files it
// writes.
func wrapAwk(r *resolver, outer *Invocation, sc *scope) {
	if writesFiles(outer) {
		r.recordWrites(outer, sc)
	}
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "FvfeiElW", LongValue: []string{"field-separator", "assign", "file", "source", "include", "load", "exec"}})
	var program []string
	for _, f := range p.Values("f", "file", "E", "exec") {
		if t := r.fileText(outer, f); t.known {
			program = append(program, t.value)
		}
	}
	for _, e := range p.Values("e", "source") {
		program = append(program, e.Value)
	}
	if len(program) == 0 && !p.Has("f", "file", "E", "exec") && len(p.Operands) > 0 && p.Operands[0].Known {
		program = append(program, p.Operands[0].Value)
	}
	code := strings.Join(program, "\n")
	if len(code) > maxCodeBytes || !strings.ContainsAny(code, "|>") && !strings.Contains(code, "system") {
		return // no system(), no pipe, no file written
	}
	code = stripComments(code, awkLang)
	via := outer.Program
	lang := awkLang
	lang.bound = awkValues(code, p)
	for _, loc := range awkSystem.FindAllStringIndex(code, maxCodeMatches) {
		args, _ := callArgs(code, loc[1]-1, lang)
		switch {
		case len(args) == 0:
		case args[0].isString():
			r.runPieces(codeSite{outer: outer, sc: sc, via: via + " system()"}, args[0].pieces)
		case strings.TrimSpace(args[0].raw) == "$0":
			// each line awk reads is run as a shell command
			r.awkInputRuns(outer, p, sc, via+" system($0)")
		}
	}
	for _, m := range awkPipeTo.FindAllStringSubmatch(code, maxCodeMatches) {
		cmd := m[3]
		if strings.HasPrefix(cmd, `"`) {
			cmd = awkString(cmd)
		} else if v, ok := lang.known(cmd); ok {
			cmd = v // cmd = "sh"; print … | cmd
		} else {
			continue
		}
		r.runSnippet(outer, cmd, sc, via+" | \""+cmd+"\"", nil)
		fields := strings.Fields(cmd)
		if len(fields) == 0 || !isShell(fields[0]) && !isShell(lastPathPart(fields[0])) {
			continue
		}
		// print … | "sh": what awk prints is the shell's code.
		printed := stringPieces(strings.TrimSpace(m[2]), awkLang)
		if known := (callArg{pieces: printed}); known.literal() && m[1] == "print" {
			r.runSnippet(outer, known.text(), sc, via+" | \""+cmd+"\"", nil)
			continue
		}
		outer.note().Hidden = "the lines awk prints into " + cmd
	}
	for _, m := range awkPipeFrom.FindAllStringSubmatch(code, maxCodeMatches) {
		cmd := m[1]
		if strings.HasPrefix(cmd, `"`) {
			cmd = awkString(cmd)
		} else if v, ok := lang.known(cmd); ok {
			cmd = v // cmd = "…"; cmd | getline
		} else {
			continue
		}
		r.runSnippet(outer, cmd, sc, via+" getline", nil)
	}
	for _, m := range awkWriteTo.FindAllStringSubmatch(code, maxCodeMatches) {
		if path := awkString(m[2]); path != "/dev/stdout" && path != "/dev/stderr" && path != "-" {
			r.emitWrite(codeSite{outer: outer, sc: sc, via: via}, path, m[1] == ">>", "")
		}
	}
}

// awkValues are the names an awk program is known to hold: -v NAME=VALUE,
// NAME=VALUE operands before the files, and names its code assigns once
// to a string.
func awkValues(code string, p Parsed) map[string]codeValue {
	values := codeValues(code, awkLang, nil, false)
	assign := func(a Arg) {
		name, value, ok := strings.Cut(a.Value, "=")
		if ok && a.Known && isIdentWord(name) {
			if values == nil {
				values = map[string]codeValue{}
			}
			values[name] = codeValue{text: value}
		}
	}
	for _, v := range p.Values("v", "assign") {
		assign(v)
	}
	if len(p.Operands) > 1 {
		for _, o := range p.Operands[1:] {
			assign(o)
		}
	}
	return values
}

// awkInputRuns judges the lines an awk program reads as the shell commands
// system($0) runs: its standard input, or the files it is given.
func (r *resolver) awkInputRuns(outer *Invocation, p Parsed, sc *scope, via string) {
	var files []Arg
	if !p.Has("f", "file", "E", "exec", "e", "source") && len(p.Operands) > 0 {
		files = p.Operands[1:]
	} else {
		files = p.Operands
	}
	var inputs []text
	for _, f := range files {
		if !strings.Contains(f.Value, "=") || !f.Known {
			inputs = append(inputs, r.fileText(outer, f))
		}
	}
	if len(inputs) == 0 {
		inputs = append(inputs, r.stdinOf(outer, 0))
	}
	for _, t := range inputs {
		if t.known {
			r.runSnippet(outer, t.value, sc, via, nil)
			continue
		}
		if t.tty && len(outer.Stdin) == 0 || t.download {
			continue // typed on the terminal, as a shell reads it; a download is download-to-shell's
		}
		what := t.from
		if what == "" {
			what = "what is typed next"
		}
		outer.note().Hidden = "awk runs each line it reads as a shell command (system($0)), and they come from " + what
	}
}

// awkString is the value of an awk string literal.
func awkString(lit string) string {
	return piecesText(interpolate(lit[1:len(lit)-1], awkLang, false))
}

func lastPathPart(p string) string { return p[strings.LastIndex(p, "/")+1:] }

// wrapSed judges the sed commands that run shell commands (e CMD, and
// s///e, which runs the pattern space after the substitution) or write
// files (w FILE, s///w FILE).
func wrapSed(r *resolver, outer *Invocation, sc *scope) {
	if writesFiles(outer) {
		r.recordWrites(outer, sc)
	}
	script, files, p, ok := sedScript(r, outer)
	if ok && p.Has("i", "in-place") && emptiesEveryLine(script) {
		// sed -i 's/.*//' FILE, sed -i d FILE: FILE is left empty
		for _, f := range files {
			if f.Known {
				r.emitWrite(codeSite{outer: outer, sc: sc, via: "sed -i"}, f.Value, false, "")
			}
		}
	}
	if !ok || !strings.ContainsAny(script, "ewW") {
		return // no e command or flag, no w: nothing runs, nothing written
	}
	cmds, _ := parseSed(script)
	ere := p.Has("E", "r", "regexp-extended")
	for _, c := range cmds {
		switch {
		case c.name == 'e' && c.arg != "":
			r.runSnippet(outer, c.arg, sc, "sed e", nil)
		case c.name == 'e':
			// each line the command reaches runs as a shell command
			if t := r.inputOf(outer, files, 0); t.known {
				r.runSnippet(outer, t.value, sc, "sed e", nil)
			} else {
				r.hidden(outer, t)
			}
		case c.name == 's' && strings.Contains(c.flags, "e"):
			r.sedExecutes(outer, c, files, ere, sc)
		case (c.name == 'w' || c.name == 'W') && c.arg != "":
			r.sedWrites(outer, c.arg)
		}
		if c.name == 's' && c.wfile != "" {
			r.sedWrites(outer, c.wfile)
		}
	}
}

func (r *resolver) sedWrites(outer *Invocation, file string) {
	if file != "/dev/stdout" && file != "/dev/stderr" {
		r.emitWrite(codeSite{outer: outer, via: "sed w"}, file, false, "")
	}
}

// sedExecutes judges s///e: on known input, the lines it rewrites are the
// commands; otherwise the replacement, with & and \1… unknown.
func (r *resolver) sedExecutes(outer *Invocation, c sedCmd, files []Arg, ere bool, sc *scope) {
	if t := r.inputOf(outer, files, 0); t.known {
		if re, ok := compileRE(c.re, ere, strings.ContainsAny(c.flags, "iI")); ok {
			var run []string
			size, matched, computed := 0, 0, true
			for _, line := range strings.Split(t.value, "\n") {
				replaced, did, n := sedSubstitute(re, line, c.repl, c.flags, maxSedMatches-matched)
				if did {
					run = append(run, replaced)
				}
				matched, size = matched+n, size+len(replaced)
				if matched > maxSedMatches || size > maxFeedBytes {
					computed = false // too much: the replacement alone, below
					break
				}
			}
			if computed {
				r.runSnippet(outer, strings.Join(run, "\n"), sc, "sed s///e", nil)
				return
			}
		}
	}
	var ps pieceBuilder
	for i := 0; i < len(c.repl); i++ {
		switch ch := c.repl[i]; {
		case ch == '&':
			ps.unknown("match")
		case ch == '\\' && i+1 < len(c.repl) && c.repl[i+1] >= '1' && c.repl[i+1] <= '9':
			ps.unknown("group" + string(c.repl[i+1]))
			i++
		case ch == '\\' && i+1 < len(c.repl):
			i++
			ps.text.WriteString(sedUnescape(`\` + string(c.repl[i])))
		default:
			ps.text.WriteByte(ch)
		}
	}
	r.runPieces(codeSite{outer: outer, sc: sc, via: "sed s///e"}, ps.done())
}

// wrapExpect reads an expect script (-c, -f FILE, a file operand) for
// the programs it spawns or executes and the text it types into them.
func wrapExpect(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "cfD", StopAtOperand: true})
	var scripts []string
	for _, c := range p.Values("c") {
		scripts = append(scripts, c.Value)
	}
	file, hasFile := p.Value("f")
	if !hasFile && len(p.Operands) > 0 {
		file, hasFile = p.Operands[0], true
	}
	if hasFile {
		if file.Known && file.Value == "-" {
			if t := r.stdinOf(outer, 0); t.known {
				scripts = append(scripts, t.value)
			}
		} else if content, ok := r.scriptContent(outer, file.Value); ok && file.Known {
			scripts = append(scripts, content)
		}
	}
	if len(scripts) == 0 && !hasFile && len(p.Values("c")) == 0 {
		if t := r.stdinOf(outer, 0); t.known {
			scripts = append(scripts, t.value)
		}
	}
	for _, s := range scripts {
		if len(s) <= maxCodeBytes {
			r.tclScript(outer, s, sc, 0)
		}
	}
}

// maxTclDepth bounds how deep braces and brackets are read as scripts.
const maxTclDepth = 4

// tclScript walks the commands of a Tcl script: spawn and exec run a
// program, system runs a shell line, send types into what was spawned
// (usually a shell). Braced and bracketed words are scripts too.
func (r *resolver) tclScript(outer *Invocation, script string, sc *scope, depth int) {
	if depth > maxTclDepth {
		return
	}
	for _, words := range tclCommands(script) {
		for _, w := range words {
			if w.script != "" {
				r.tclScript(outer, w.script, sc, depth+1)
			}
		}
		if len(words) == 0 || !words[0].literal() {
			continue
		}
		args := words[1:]
		switch words[0].text() {
		case "spawn", "exec":
			for len(args) > 0 && args[0].literal() && strings.HasPrefix(args[0].text(), "-") {
				if args[0].text() == "-ignore" && len(args) > 1 {
					args = args[1:]
				}
				args = args[1:]
			}
			var argv [][]piece
			for _, a := range args {
				if t := a.text(); a.literal() && (t == "|" || strings.HasPrefix(t, ">") || strings.HasPrefix(t, "<") || strings.HasPrefix(t, "2>")) {
					break // exec's redirections and pipes
				}
				argv = append(argv, a.pieces)
			}
			r.runArgv(codeSite{outer: outer, sc: sc, via: "expect " + words[0].text()}, argv, "")
		case "system":
			var line []piece
			for i, a := range args {
				if i > 0 {
					line = append(line, piece{text: " ", known: true})
				}
				line = append(line, a.pieces...)
			}
			r.runPieces(codeSite{outer: outer, sc: sc, via: "expect system"}, line)
		case "file":
			// file delete -force PATH… is rm -rf; file rename and file
			// copy are mv and cp, -force replacing what is there
			if argv := tclFileCommand(args); argv != nil {
				r.runArgv(codeSite{outer: outer, sc: sc, via: "tcl file"}, argv, "")
			}
		case "send", "exp_send":
			for len(args) > 1 && args[0].literal() && strings.HasPrefix(args[0].text(), "-") {
				args = args[1:]
			}
			if len(args) > 0 {
				typed := make([]piece, len(args[len(args)-1].pieces))
				for i, p := range args[len(args)-1].pieces {
					typed[i] = p
					if p.known {
						typed[i].text = strings.ReplaceAll(p.text, "\r", "\n")
					}
				}
				r.runPieces(codeSite{outer: outer, sc: sc, via: "expect send"}, typed)
			}
		}
	}
}

// tclFileCommands are Tcl's file subcommands that change files, as the
// command-line programs that do the same.
var tclFileCommands = map[string]string{"delete": "rm", "rename": "mv", "copy": "cp"}

// tclFileCommand is the argv of the program doing what Tcl's file
// subcommand does, nil for the others.
func tclFileCommand(args []tclWord) [][]piece {
	if len(args) == 0 || !args[0].literal() || tclFileCommands[args[0].text()] == "" {
		return nil
	}
	sub := args[0].text()
	argv := [][]piece{{{text: tclFileCommands[sub], known: true}}}
	rest := args[1:]
	force := false
	for len(rest) > 0 && rest[0].literal() && strings.HasPrefix(rest[0].text(), "-") {
		done := rest[0].text() == "--"
		force = force || rest[0].text() == "-force"
		rest = rest[1:]
		if done {
			break
		}
	}
	switch {
	case sub == "delete" && force:
		argv = append(argv, []piece{{text: "-rf", known: true}}) // a folder and all it holds
	case sub == "delete":
		argv = append(argv, []piece{{text: "-f", known: true}}) // a file, or an empty folder
	case sub == "copy":
		argv = append(argv, []piece{{text: "-r", known: true}})
	}
	argv = append(argv, []piece{{text: "--", known: true}})
	for _, a := range rest {
		argv = append(argv, a.pieces)
	}
	return argv
}

// tclWord is one word of a Tcl command.
type tclWord struct {
	pieces []piece
	script string // the text of a {braced} or [bracketed] part, read as a script
}

func (w tclWord) literal() bool { return (callArg{pieces: w.pieces}).literal() }
func (w tclWord) text() string  { return piecesText(w.pieces) }

// tclCommands splits a Tcl script into commands of words: {…} is
// literal, "…" and bare words substitute $var and […] (unknown here).
func tclCommands(script string) [][]tclWord {
	var cmds [][]tclWord
	var cur []tclWord
	i := 0
	for i < len(script) && len(cmds) < 1000 {
		c := script[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\\' && i+1 < len(script) && script[i+1] == '\n':
			i += 2
		case c == '\n' || c == ';':
			if len(cur) > 0 {
				cmds = append(cmds, cur)
				cur = nil
			}
			i++
		case c == '#' && len(cur) == 0:
			for i < len(script) && script[i] != '\n' {
				i++
			}
		case c == '{':
			end := matchingClose(script, i+1, '{')
			if end < 0 {
				end = len(script)
			}
			body := script[i+1 : end]
			cur = append(cur, tclWord{pieces: []piece{{text: body, known: true}}, script: body})
			i = end + 1
		default:
			w, end := tclWordAt(script, i)
			cur = append(cur, w)
			i = end
		}
	}
	if len(cur) > 0 {
		cmds = append(cmds, cur)
	}
	return cmds
}

// tclWordAt reads a quoted or bare word starting at i.
func tclWordAt(s string, i int) (tclWord, int) {
	var w tclWord
	var word pieceBuilder
	quoted := s[i] == '"'
	if quoted {
		i++
	}
	for i < len(s) {
		c := s[i]
		if quoted && c == '"' {
			i++
			break
		}
		if !quoted && strings.IndexByte(" \t\r\n;", c) >= 0 {
			break
		}
		switch {
		case c == '\\' && i+1 < len(s):
			u, n := unescapeOne(s[i:])
			if n == 2 && u == s[i:i+2] {
				u = s[i+1 : i+2]
			}
			word.text.WriteString(u)
			i += n
		case c == '$' && i+1 < len(s) && (isIdentByte(s[i+1]) || s[i+1] == '{'):
			j := i + 1
			if s[j] == '{' {
				if k := strings.IndexByte(s[j:], '}'); k >= 0 {
					j += k + 1
				} else {
					j = len(s)
				}
			} else {
				for j < len(s) && (isIdentByte(s[j]) || s[j] == ':') {
					j++
				}
			}
			word.unknown(s[i:min(j, len(s))])
			i = j
		case c == '[':
			end := matchingClose(s, i+1, '[')
			if end < 0 {
				end = len(s) // an unclosed bracket runs to the end
			}
			w.script = s[i+1 : end]
			word.unknown("[" + w.script + "]")
			i = end + 1
		default:
			word.text.WriteByte(c)
			i++
		}
	}
	if w.pieces = word.done(); w.pieces == nil {
		w.pieces = []piece{{known: true}}
	}
	return w, i
}

var (
	exRange    = lazyre.New(`^(?:%|[.$]|\d+|'[a-z<>]|/(?:[^/\\]|\\.)*/|\?(?:[^?\\]|\\.)*\?)?(?:[+-]\d*)?(?:[,;](?:[.$]|\d+|'[a-z<>]|/(?:[^/\\]|\\.)*/)?(?:[+-]\d*)?)?`)
	exWrite    = lazyre.New(`^(?:w|write|wq|x|xit|exit|sav|saveas|up|update|wa)(!?)\s+(\S.*)$`)
	exSystemFn = lazyre.New(`\bsystem(?:list)?\s*\(`)
)

// wrapVim reads the ex commands vim, vi, nvim and ex are given (-c CMD,
// --cmd CMD, +CMD, and in ex mode the lines of standard input): :!cmd
// and :r !cmd run a shell line, system() too, and :w FILE writes a file.
func wrapVim(r *resolver, outer *Invocation, sc *scope) {
	exMode := outer.Program == "ex"
	var cmds []string
	args := outer.Args
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		switch {
		case v == "--":
			i = len(args)
		case v == "-c" || v == "--cmd":
			if i+1 < len(args) {
				cmds = append(cmds, args[i+1].Value)
				i++
			}
		case v == "-S":
			if i+1 < len(args) {
				if t := r.fileText(outer, args[i+1]); t.known {
					cmds = append(cmds, strings.Split(t.value, "\n")...)
				}
				i++
			}
		case v == "--remote-send":
			if i+1 < len(args) {
				keys := strings.NewReplacer("<CR>", "\n", "<cr>", "\n", "<Enter>", "\n", "<Esc>", "\n").Replace(args[i+1].Value)
				for _, line := range strings.Split(keys, "\n") {
					if strings.HasPrefix(strings.TrimSpace(line), ":") {
						cmds = append(cmds, line)
					}
				}
				i++
			}
		case v == "-e" || v == "-E" || v == "-es" || v == "-Es" || v == "-se":
			exMode = true
		case v == "-s" && !exMode, v == "-w" || v == "-W" || v == "-T" || v == "-u" || v == "-U" || v == "-i" || v == "-t" || v == "-q" || v == "--servername":
			i++ // an option's value
		case strings.HasPrefix(v, "+") && len(v) > 1 && !isAllDigits(v[1:]) && v[1] != '/':
			cmds = append(cmds, v[1:])
		}
	}
	if exMode {
		if t := r.stdinOf(outer, 0); t.known {
			cmds = append(cmds, strings.Split(t.value, "\n")...)
		}
	}
	for n, c := range cmds {
		if n >= maxCodeMatches {
			break
		}
		r.exCommand(outer, c, sc, 0)
	}
}

// exCommand judges one ex command line.
func (r *resolver) exCommand(outer *Invocation, line string, sc *scope, depth int) {
	if depth > maxCodeDepth {
		return
	}
	cmd := strings.TrimLeft(strings.TrimSpace(line), ": \t")
	for _, prefix := range []string{"silent!", "silent", "sil!", "sil", "keepalt", "noautocmd"} {
		if rest, ok := strings.CutPrefix(cmd, prefix); ok && (rest == "" || rest[0] == ' ' || rest[0] == '!' && prefix[len(prefix)-1] == '!') {
			cmd = strings.TrimSpace(rest)
			break
		}
	}
	cmd = strings.TrimLeft(cmd[len(exRange.FindString(cmd)):], " \t")
	via := outer.Program + " :" + firstWord(cmd)
	switch {
	case cmd == "":
		return
	case strings.HasPrefix(cmd, "!"):
		r.runSnippet(outer, cmd[1:], sc, via, nil)
		return // the rest of the line, | included, is the shell's
	case strings.HasPrefix(cmd, "r !") || strings.HasPrefix(cmd, "r!") || strings.HasPrefix(cmd, "read !") || strings.HasPrefix(cmd, "read!") ||
		strings.HasPrefix(cmd, "w !") || strings.HasPrefix(cmd, "write !"):
		r.runSnippet(outer, cmd[strings.IndexByte(cmd, '!')+1:], sc, via, nil)
		return
	case strings.HasPrefix(cmd, "term ") || strings.HasPrefix(cmd, "terminal "):
		rest := strings.TrimSpace(cmd[strings.IndexByte(cmd, ' '):])
		for strings.HasPrefix(rest, "++") {
			_, rest, _ = strings.Cut(rest, " ")
		}
		r.runSnippet(outer, rest, sc, via, nil)
		return
	case strings.HasPrefix(cmd, "exe ") || strings.HasPrefix(cmd, "execute "):
		expr := strings.TrimSpace(cmd[strings.IndexByte(cmd, ' '):])
		if ps := stringPieces(expr, language{name: "vim"}); ps != nil {
			if a := (callArg{pieces: ps}); a.literal() {
				r.exCommand(outer, a.text(), sc, depth+1)
			}
		}
		return
	}
	if m := exWrite.FindStringSubmatch(cmd); m != nil && !strings.HasPrefix(m[2], "!") {
		r.emitWrite(codeSite{outer: outer, sc: sc, via: via}, strings.TrimSpace(strings.Fields(m[2])[0]), false, "")
	}
	for _, loc := range exSystemFn.FindAllStringIndex(cmd, maxCodeMatches) {
		args, _ := callArgs(cmd, loc[1]-1, language{name: "vim"})
		if len(args) > 0 && args[0].isString() {
			r.runPieces(codeSite{outer: outer, sc: sc, via: via}, args[0].pieces)
		}
	}
	// ex commands separated by |
	if i := strings.IndexByte(cmd, '|'); i >= 0 && !strings.HasPrefix(cmd, "normal") && !strings.HasPrefix(cmd, "norm") {
		r.exCommand(outer, cmd[i+1:], sc, depth+1)
	}
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " !"); i > 0 {
		return s[:i]
	}
	return s
}

// wholeLine are the patterns that match every line whole.
var wholeLine = map[string]bool{".*": true, "^.*$": true, "^.*": true, ".*$": true}

// emptiesEveryLine tells a sed script that leaves nothing of any line:
// d, or s/.*// on every line (and nothing else), which in place empties
// the file.
func emptiesEveryLine(script string) bool {
	cmds, ok := parseSed(script)
	if !ok || len(cmds) == 0 {
		return false
	}
	for _, c := range cmds {
		switch {
		case c.addr != "" && c.addr != "1,$":
			return false
		case c.name == 'd':
		case c.name == 's' && wholeLine[c.re] && c.repl == "" && !strings.ContainsAny(c.flags, "ew"):
		default:
			return false
		}
	}
	return true
}
