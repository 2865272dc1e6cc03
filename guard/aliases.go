package guard

import (
	"fmt"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// maxAliasBytes bounds the text alias expansion may add to one line: an
// alias used 20,000 times, or aliases that expand to megabytes, end in a
// line-too-complex finding instead of unbounded work.
const maxAliasBytes = 1 << 20

// Definitions are the aliases and functions of the interactive shell a
// line is typed in, as the shell's hook reports them, so that the line is
// judged as that shell runs it: `nuke` is the `rm -rf lib/` it stands for.
type Definitions struct {
	// aliases replace a word in command position (alias NAME=TEXT).
	aliases map[string]string
	// global are zsh's global aliases (alias -g): replaced wherever the
	// word stands.
	global map[string]string
	// funcs are the function definitions by name; a line that calls one
	// is judged as if the definition had been typed before it.
	funcs map[string]*syntax.Stmt
	// vars are the shell's own variables the line names (NAME=VALUE, an
	// array NAME=(…), or declare's output), set before the line is walked.
	vars []*syntax.Stmt
	// src is the text the definitions' positions refer to.
	src string
}

// typedAlias is an alias command found in the line (alias, unalias): the
// shell applies it from the next line it reads, as in a pasted block that
// defines an alias and then uses it. The resolver keeps them, so that
// judging a line never changes the Definitions it is given.
type typedAlias struct {
	text    string
	global  bool
	removed bool
	src     string // the text the alias command stands in
	line    uint   // its line there
}

// ParseDefinitions reads what a shell's hook sends about the shell: alias
// commands (alias NAME=TEXT …, alias -g for zsh's global aliases) and
// function definitions (declare -f's output, or NAME() { BODY }), in lang.
// Anything else in code is ignored: it describes the shell and is never
// judged. It returns nil when code defines nothing.
func ParseDefinitions(code string, lang syntax.LangVariant) *Definitions {
	if strings.TrimSpace(code) == "" {
		return nil
	}
	if lang == 0 {
		lang = syntax.LangBash
	}
	code = literalCR(code)
	d := &Definitions{aliases: map[string]string{}, global: map[string]string{}, funcs: map[string]*syntax.Stmt{}, src: code}
	parser := syntax.NewParser(syntax.Variant(lang))
	file, err := parser.Parse(strings.NewReader(code), "")
	if err != nil {
		// One broken function must not lose the aliases: they are one a
		// line, so read those line by line.
		for _, line := range strings.Split(code, "\n") {
			if f, err := parser.Parse(strings.NewReader(line), ""); err == nil {
				d.addAliases(f.Stmts)
			}
		}
		return d
	}
	d.addAliases(file.Stmts)
	for _, st := range file.Stmts {
		switch cmd := st.Cmd.(type) {
		case *syntax.CallExpr:
			if len(cmd.Args) == 0 && len(cmd.Assigns) > 0 && len(st.Redirs) == 0 {
				d.vars = append(d.vars, st)
			}
		case *syntax.DeclClause:
			d.vars = append(d.vars, st)
		}
		if fn, ok := st.Cmd.(*syntax.FuncDecl); ok {
			for _, name := range append(append([]*syntax.Lit(nil), fn.Names...), fn.Name) {
				if name != nil {
					d.funcs[name.Value] = st
				}
			}
		}
	}
	return d
}

// addAliases records the definitions of the alias commands among stmts.
func (d *Definitions) addAliases(stmts []*syntax.Stmt) {
	for _, st := range stmts {
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 || call.Args[0].Lit() != "alias" {
			continue
		}
		aliasArgs(call.Args[1:], func(name, text string, global bool) {
			if global {
				d.global[name] = text
			} else {
				d.aliases[name] = text
			}
		})
	}
}

// aliasArgs reads the words of an alias command: NAME=TEXT definitions,
// after -g (zsh's global aliases); -s (zsh's suffix aliases, which open
// files) define nothing guard needs. Words it cannot know are skipped.
func aliasArgs(args []*syntax.Word, define func(name, text string, global bool)) {
	global, suffix, options := false, false, true
	for _, w := range args {
		word, ok := wordText(w)
		if !ok {
			continue
		}
		switch {
		case options && word == "--":
			options = false
		case options && strings.HasPrefix(word, "-"):
			global = global || strings.Contains(word, "g")
			suffix = suffix || strings.Contains(word, "s")
		default:
			options = false
			name, text, ok := strings.Cut(word, "=")
			if ok && name != "" && !suffix {
				define(name, text, global)
			}
		}
	}
}

// noteTyped records an alias or unalias command of the line, for the
// lines after it.
func (r *resolver) noteTyped(call *syntax.CallExpr, st *syntax.Stmt, sc *scope) {
	command := call.Args[0].Lit()
	if command != "alias" && command != "unalias" {
		return
	}
	if r.typedAliases == nil {
		r.typedAliases = map[string]typedAlias{}
	}
	typed := r.typedAliases
	at := typedAlias{src: sc.src, line: st.Pos().Line()}
	if command == "alias" {
		aliasArgs(call.Args[1:], func(name, text string, global bool) {
			t := at
			t.text, t.global = text, global
			typed[name] = t
		})
		return
	}
	for _, w := range call.Args[1:] {
		word, ok := wordText(w)
		if !ok {
			continue
		}
		if word == "-a" { // every alias
			if r.defs != nil {
				for name := range r.defs.aliases {
					removed := at
					removed.removed = true
					typed[name] = removed
				}
			}
			for name, t := range typed {
				t.removed, t.src, t.line = true, at.src, at.line
				typed[name] = t
			}
			continue
		}
		removed := at
		removed.removed = true
		typed[word] = removed
	}
}

// aliasText is the text of alias name for a word of st, if it is one:
// candidate says the word may be a regular alias (command position).
func (r *resolver) aliasText(name string, candidate bool, st *syntax.Stmt, sc *scope) (string, bool) {
	if t, ok := r.typedAliases[name]; ok && (t.src != sc.src || st.Pos().Line() > t.line) {
		if t.removed || (!t.global && !candidate) {
			return "", false
		}
		return t.text, true
	}
	d := r.defs
	if d == nil {
		return "", false
	}
	if text, ok := d.aliases[name]; ok && candidate {
		return text, true
	}
	text, ok := d.global[name]
	return text, ok
}

// aliasFrame is the text an alias expanded to, while it is walked.
type aliasFrame struct {
	// src is the statement as rewritten, with the alias's text in place.
	src string
	// chain are the aliases whose text is being read: the shell does not
	// expand them again inside it (alias ls='ls --color' stops).
	chain []string
	// nextAt is the offset in src where the word after an alias ending in
	// a blank stands: that word is an alias candidate too ("sudo " lets
	// the next word expand). -1 when there is none.
	nextAt int
}

// fromShell judges what the interactive shell's own definitions make of a
// simple command. A word that is an alias is replaced by the alias's text,
// as the shell's reader does, and the rewritten statement is walked
// instead: it reports true then. A command that calls one of the shell's
// functions gets the function's definition walked first, as if typed
// before the line, so the engine judges what the call runs.
func (r *resolver) fromShell(call *syntax.CallExpr, st *syntax.Stmt, sc *scope, ctx stmtCtx) bool {
	if !inInteractiveShell(sc) {
		return false
	}
	defer r.noteTyped(call, st, sc) // for the lines after this one
	d := r.defs
	if d == nil && r.typedAliases == nil {
		return false
	}
	if (d == nil || sc.src != d.src) && r.expandAlias(call, st, sc, ctx) {
		return true // a function body was expanded when it was defined
	}
	if d == nil {
		return false
	}
	if name, ok := literalWord(call.Args[0]); ok {
		r.shellFunction(name, sc)
	}
	return false
}

// shellFunction walks the definition of the interactive shell's function
// name, if it has one the line has not defined again, as if typed before
// the line: a call of it then runs its body. A command word computed when
// the line runs ($y after y=f, "${cmd[0]}", $(echo f)) is looked up this
// way once it is known, as the shell looks it up.
func (r *resolver) shellFunction(name string, sc *scope) {
	d := r.defs
	if d == nil || d.funcs[name] == nil || r.funcs[name] != nil || !inInteractiveShell(sc) {
		return
	}
	saved := sc.src
	sc.src = d.src
	r.walkStmt(d.funcs[name], sc, stmtCtx{})
	sc.src = saved
}

// expandAlias walks st with its first alias replaced by the alias's text,
// and reports whether there was one.
func (r *resolver) expandAlias(call *syntax.CallExpr, st *syntax.Stmt, sc *scope, ctx stmtCtx) bool {
	frame := aliasFrame{nextAt: -1}
	if r.alias != nil && r.alias.src == sc.src {
		frame = *r.alias
	}
	nextSeen := false
	for i, w := range call.Args {
		candidate := i == 0
		if !candidate && frame.nextAt >= 0 && !nextSeen && int(w.Pos().Offset()) >= frame.nextAt {
			candidate, nextSeen = true, true
		}
		name, ok := aliasWord(w)
		if !ok || slices.Contains(frame.chain, name) {
			continue
		}
		text, found := r.aliasText(name, candidate, st, sc)
		if !found {
			continue
		}
		r.walkAlias(name, text, w, st, sc, ctx, frame.chain)
		return true
	}
	return false
}

// walkAlias walks the statement st with the word w replaced by an alias's
// text.
func (r *resolver) walkAlias(name, text string, w *syntax.Word, st *syntax.Stmt, sc *scope, ctx stmtCtx, chain []string) {
	end := st.End()
	if st.Semicolon.IsValid() && st.Semicolon.Offset() < end.Offset() {
		end = st.Semicolon
	}
	head := sliceSrc(sc.src, st.Pos(), w.Pos())
	rewritten := head + text + sliceSrc(sc.src, w.End(), end) + heredocBodies(st, sc)
	r.aliasBytes += len(rewritten)
	if r.aliasBytes > maxAliasBytes {
		r.tooComplex(fmt.Sprintf("its aliases expand to more than %d MB; guard stopped reading there", maxAliasBytes>>20))
		return
	}
	frame := &aliasFrame{chain: append(append([]string(nil), chain...), name), nextAt: -1}
	if strings.HasSuffix(text, " ") || strings.HasSuffix(text, "\t") {
		frame.nextAt = len(head) + len(text)
	}
	saved, savedSrc := r.alias, sc.src
	r.alias = frame
	r.parseEach(rewritten, func(st *syntax.Stmt, src string) bool {
		frame.src, sc.src = src, src
		r.walkStmt(st, sc, ctx)
		return r.truncated == ""
	})
	r.alias, sc.src = saved, savedSrc
}

// heredocBodies are the here-documents of st as they follow its line in
// the source (each body with its closing delimiter), for a rewritten
// statement to carry them.
func heredocBodies(st *syntax.Stmt, sc *scope) string {
	var b strings.Builder
	for _, rd := range st.Redirs {
		if rd.Op != syntax.Hdoc && rd.Op != syntax.DashHdoc {
			continue
		}
		b.WriteString("\n")
		if rd.Hdoc != nil && rd.Hdoc.Pos().IsValid() {
			b.WriteString(sc.text(rd.Hdoc)) // the body, through its delimiter
		} else if delim, ok := wordText(rd.Word); ok {
			b.WriteString(delim) // an empty body
		}
	}
	return b.String()
}

// wordText is a word of the definitions with its quotes removed, as the
// shell passes it to alias.
func wordText(w *syntax.Word) (string, bool) {
	fields, err := expand.Fields(nil, w)
	if err != nil || len(fields) != 1 {
		return "", false
	}
	return fields[0], true
}

// aliasWord is the alias name a word may be: an unquoted literal without
// a backslash (the shell does not expand \ls or 'ls').
func aliasWord(w *syntax.Word) (string, bool) {
	if len(w.Parts) != 1 {
		return "", false
	}
	lit, ok := w.Parts[0].(*syntax.Lit)
	if !ok || lit.Value == "" || strings.ContainsAny(lit.Value, `\/$=`+"`") {
		return "", false
	}
	return lit.Value, true
}

// inInteractiveShell: code at this point runs in the interactive shell
// itself (the line, or eval in it), where its aliases and functions apply;
// not in another shell, a remote one or a program a wrapper starts.
func inInteractiveShell(sc *scope) bool {
	for i, via := range sc.via {
		if via != "eval" && i >= sc.shellVias {
			return false
		}
	}
	return sc.remote == ""
}

// useDefinitions makes defs, if any, the interactive shell the line is
// read in.
func (r *resolver) useDefinitions(defs []*Definitions) {
	if len(defs) > 0 {
		r.defs = defs[0]
	}
}

// literalWord is a word without expansions, quotes removed: what the
// shell looks up as a function name ('nuke' and \nuke still call it).
func literalWord(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			b.WriteString(strings.ReplaceAll(p.Value, `\`, ""))
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, inner := range p.Parts {
				lit, ok := inner.(*syntax.Lit)
				if !ok {
					return "", false
				}
				b.WriteString(lit.Value)
			}
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

// wrapAlias: alias NAME='TEXT' on a line runs TEXT each time NAME is
// typed later in this shell. TEXT is judged now, as if it ran; typed at
// the prompt, where the hook sends the alias with every line that uses
// it and TEXT is judged again then, its findings only warn (alias
// dclean='docker system prune -af' is a convenience, not a prune); in a
// script, another shell or over ssh they count in full. An alias that
// stands for the start of a command (alias rmf='rm -rf') is judged
// without the words it will be given, so it passes.
func wrapAlias(r *resolver, outer *Invocation, sc *scope) {
	options := true
	for _, a := range outer.Args {
		if !a.Known {
			continue // a definition guard cannot know is judged where it is used
		}
		if options && strings.HasPrefix(a.Value, "-") {
			if a.Value == "--" || strings.Contains(a.Value, "s") {
				options = false // zsh's suffix aliases (-s) name programs that open files
			}
			continue
		}
		options = false
		name, text, ok := strings.Cut(a.Value, "=")
		if !ok || name == "" {
			continue // alias NAME prints it
		}
		if t := strings.TrimSpace(text); t != "" && strings.ContainsRune("|;&", rune(t[0])) {
			text = ": " + text // a global alias that continues a command: alias -g G='| grep'
		}
		ran := r.ran
		var later func(*Invocation, *scope)
		if r.typedAtPrompt(sc) {
			later = func(_ *Invocation, isc *scope) { isc.deferred = name }
		}
		r.runCode(outer, text, sc, "alias "+name+" (runs when "+name+" is typed)", later)
		r.ran = ran // the text runs later: nothing after the alias follows it
	}
}
