package guard

import (
	"path/filepath"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Limits that keep a hostile or huge line from costing more than a fraction
// of a second: past them the walk stops and says so.
const (
	maxInvocations = 20000
	maxNesting     = 8 // bash -c 'bash -c …' levels
	maxLoopUnroll  = 16
	maxSteps       = 200000 // statements walked, unrolled loops included
)

// resolver turns a parsed line into invocations.
type resolver struct {
	host      Host
	lang      syntax.LangVariant
	invs      []*Invocation
	funcs     map[string]bool
	passwd    []byte
	truncated bool
	notes     []string // what could not be parsed, for the engine's finding
	steps     int      // statements walked so far
	unrolling bool     // inside an unrolled loop: nested loops are not unrolled
	// defs are the interactive shell's aliases and functions (aliases.go);
	// alias is the alias text being walked, aliasBytes what it added.
	defs       *Definitions
	alias      *aliasFrame
	aliasBytes int
}

// Resolve parses line and returns every command it would run, as seen from
// cwd on host. notes lists parse problems that were worked around. defs,
// if given, are the aliases and functions of the shell it is typed in.
func Resolve(line, cwd string, host Host, lang syntax.LangVariant, defs ...*Definitions) (invs []*Invocation, notes []string, truncated bool) {
	r := &resolver{host: host, lang: lang, funcs: map[string]bool{}}
	sc := &scope{
		cwd:  cwd,
		vars: map[string]shellVar{},
		env:  host.Getenv,
	}
	if v, ok := host.Getenv("OLDPWD"); ok {
		sc.oldpwd = v
	}
	r.useDefinitions(defs)
	r.walkSource(line, sc)
	return r.invs, r.notes, r.truncated
}

// walkSource parses src (the whole line, or shell code handed to another
// shell) and walks it.
func (r *resolver) walkSource(src string, sc *scope) []*Invocation {
	file, note := parse(src, r.lang)
	if note != "" {
		r.notes = append(r.notes, note)
	}
	if file == nil {
		return nil
	}
	sc.src = file.src
	start := len(r.invs)
	r.walkStmts(file.stmts, sc, stmtCtx{})
	return r.invs[start:]
}

// walkNested walks statements run in a substitution and returns the
// programs they run.
func (r *resolver) walkNested(stmts []*syntax.Stmt, sc *scope) []string {
	start := len(r.invs)
	r.walkStmts(stmts, sc, stmtCtx{})
	var progs []string
	for _, inv := range r.invs[start:] {
		progs = append(progs, inv.Program)
	}
	return progs
}

// stmtCtx is what a statement inherits from where it stands.
type stmtCtx struct {
	stdin      []*Invocation
	inPipeline bool
	background bool
}

func (r *resolver) walkStmts(stmts []*syntax.Stmt, sc *scope, ctx stmtCtx) {
	for _, st := range stmts {
		r.walkStmt(st, sc, ctx)
	}
}

func (r *resolver) walkStmt(st *syntax.Stmt, sc *scope, ctx stmtCtx) {
	if st == nil || r.stop() {
		return
	}
	r.steps++
	ctx.background = ctx.background || st.Background || st.Coprocess || st.Disown
	if call, ok := st.Cmd.(*syntax.CallExpr); ok {
		r.walkCall(call, st, sc, ctx)
		return
	}
	if st.Cmd == nil {
		// A bare redirection: `> /etc/passwd` truncates the file.
		r.emitRedirsOnly(st, sc, ctx)
		return
	}
	if len(st.Redirs) > 0 {
		r.emitRedirsOnly(st, sc, ctx)
	}
	switch cmd := st.Cmd.(type) {
	case *syntax.BinaryCmd:
		switch cmd.Op {
		case syntax.AndStmt, syntax.OrStmt:
			r.walkStmt(cmd.X, sc, ctx)
			r.walkStmt(cmd.Y, sc, ctx)
		default: // | and |&: each part runs in a subshell
			start := len(r.invs)
			left := ctx
			left.inPipeline = true
			r.walkStmt(cmd.X, sc.clone(), left)
			right := ctx
			right.inPipeline = true
			right.stdin = append(append([]*Invocation(nil), ctx.stdin...), r.invs[start:]...)
			r.walkStmt(cmd.Y, sc.clone(), right)
		}
	case *syntax.Subshell:
		r.walkStmts(cmd.Stmts, sc.clone(), ctx)
	case *syntax.Block:
		r.walkStmts(cmd.Stmts, sc, ctx)
	case *syntax.IfClause:
		for clause := cmd; clause != nil; clause = clause.Else {
			r.walkStmts(clause.Cond, sc, ctx)
			r.walkStmts(clause.Then, sc, ctx)
		}
	case *syntax.WhileClause:
		r.walkStmts(cmd.Cond, sc, ctx)
		r.walkStmts(cmd.Do, sc, ctx)
	case *syntax.ForClause:
		r.walkFor(cmd, sc, ctx)
	case *syntax.CaseClause:
		r.expandWord(cmd.Word, sc)
		for _, item := range cmd.Items {
			r.walkStmts(item.Stmts, sc.clone(), ctx)
		}
	case *syntax.FuncDecl:
		r.walkFunc(cmd, sc, ctx)
	case *syntax.DeclClause:
		r.walkDecl(cmd, sc)
	case *syntax.TimeClause:
		r.walkStmt(cmd.Stmt, sc, ctx)
	case *syntax.CoprocClause:
		ctx.background = true
		r.walkStmt(cmd.Stmt, sc.clone(), ctx)
	default:
		// let, (( )), [[ ]] and others: only their substitutions run.
		r.walkSubstitutions(cmd, sc)
	}
}

func (r *resolver) stop() bool {
	if len(r.invs) >= maxInvocations || r.steps >= maxSteps {
		r.truncated = true
		return true
	}
	return false
}

// walkSubstitutions walks the command substitutions inside any node.
func (r *resolver) walkSubstitutions(n syntax.Node, sc *scope) {
	syntax.Walk(n, func(n syntax.Node) bool {
		switch s := n.(type) {
		case *syntax.CmdSubst:
			r.walkStmts(s.Stmts, sc.clone(), stmtCtx{})
			return false
		case *syntax.ProcSubst:
			r.walkStmts(s.Stmts, sc.clone(), stmtCtx{})
			return false
		}
		return true
	})
}

func (r *resolver) walkFor(f *syntax.ForClause, sc *scope, ctx stmtCtx) {
	iter, ok := f.Loop.(*syntax.WordIter)
	if !ok {
		r.walkSubstitutions(f.Loop, sc)
		r.walkStmts(f.Do, sc, ctx)
		return
	}
	name := iter.Name.Value
	var items []Arg
	seen := map[string]bool{}
	allKnown := iter.InPos.IsValid()
	anyEmpty := false
	for _, w := range iter.Items {
		for _, a := range r.expandWord(w, sc) {
			allKnown = allKnown && a.Known && !a.Glob
			anyEmpty = anyEmpty || a.Value == ""
			if !seen[a.Value] || !a.Known {
				seen[a.Value] = true
				items = append(items, a)
			}
		}
	}
	// The body is walked once per distinct value while there are few; only
	// the outermost loop, so nested loops cannot multiply the work.
	if allKnown && len(items) > 0 && len(items) <= maxLoopUnroll && !r.unrolling {
		r.unrolling = true
		for _, item := range items {
			sc.assign(name, item)
			r.walkStmts(f.Do, sc, ctx)
		}
		r.unrolling = false
		return
	}
	unknown := Arg{Unknown: []string{"$" + name}, MaybeEmpty: !allKnown || anyEmpty}
	if len(items) == 1 {
		unknown = items[0]
	}
	sc.assign(name, unknown)
	r.walkStmts(f.Do, sc, ctx)
}

func (r *resolver) walkFunc(f *syntax.FuncDecl, sc *scope, ctx stmtCtx) {
	names := f.Names
	if f.Name != nil {
		names = append(names, f.Name)
	}
	for _, n := range names {
		r.funcs[n.Value] = true
	}
	body := sc.clone()
	if len(names) > 0 {
		body.inFunc = names[0].Value
	}
	ctx.stdin = nil
	r.walkStmt(f.Body, body, ctx)
}

func (r *resolver) walkDecl(d *syntax.DeclClause, sc *scope) {
	for _, as := range d.Args {
		if as.Name == nil || as.Naked {
			if as.Value != nil {
				r.expandWord(as.Value, sc)
			}
			continue
		}
		r.assign(as, sc)
	}
}

func (r *resolver) assign(as *syntax.Assign, sc *scope) {
	if as.Name == nil {
		return
	}
	if as.Array != nil && as.Index == nil && !as.Append {
		// arr=(rm -rf /usr): keep the elements while they are known
		var elems []Arg
		known := true
		for _, el := range as.Array.Elems {
			if el.Index != nil || el.Value == nil {
				known = false
				continue
			}
			for _, f := range r.expandWord(el.Value, sc) {
				elems = append(elems, f)
				known = known && f.Known
			}
		}
		v := shellVar{set: true, known: false, maybeEmpty: true}
		if known {
			v.list = elems
		}
		sc.vars[as.Name.Value] = v
		return
	}
	if as.Array != nil || as.Index != nil || as.Append {
		r.walkSubstitutions(as, sc)
		sc.assign(as.Name.Value, Arg{Unknown: []string{"$" + as.Name.Value}})
		return
	}
	value := Arg{Known: true}
	if as.Value != nil {
		if fields := r.expandWord(as.Value, sc); len(fields) > 0 {
			value = fields[0]
			value.Glob = false // no pathname expansion in assignments
		}
	}
	sc.assign(as.Name.Value, value)
}

func (r *resolver) walkCall(call *syntax.CallExpr, st *syntax.Stmt, sc *scope, ctx stmtCtx) {
	if len(call.Args) == 0 {
		for _, as := range call.Assigns {
			r.assign(as, sc)
		}
		if len(st.Redirs) > 0 {
			r.emitRedirsOnly(st, sc, ctx)
		}
		return
	}
	if r.fromShell(call, st, sc, ctx) {
		return // an alias: its text was walked in its place
	}
	// Prefix assignments (VAR=x cmd) apply to cmd only, and are expanded
	// before it; their substitutions still run.
	unguarded := sc.unguarded
	for _, as := range call.Assigns {
		if as.Value != nil {
			v := r.expandWord(as.Value, sc)
			if as.Name != nil && as.Name.Value == "GUARD" && len(v) == 1 && v[0].Known && v[0].Value == "off" {
				unguarded = true
			}
		}
	}
	var words []Arg
	for _, w := range call.Args {
		words = append(words, r.expandWord(w, sc)...)
	}
	if len(words) == 0 {
		return
	}
	inv := &Invocation{
		Command:    words[0],
		Args:       words[1:],
		Redirs:     r.expandRedirs(st.Redirs, sc),
		Cwd:        sc.cwd,
		Via:        sc.via,
		Remote:     sc.remote,
		User:       sc.user,
		Stdin:      ctx.stdin,
		Background: ctx.background,
		InPipeline: ctx.inPipeline,
		Text:       stmtText(st, sc),
		Unguarded:  unguarded,
	}
	inv.Program = programName(inv.Command)
	if unguarded && !sc.unguarded {
		sc = sc.clone()
		sc.unguarded = true
	}
	r.dispatch(inv, sc)
}

// stmtText is the statement as written, without a trailing & or ;.
func stmtText(st *syntax.Stmt, sc *scope) string {
	end := st.End()
	if st.Semicolon.IsValid() && st.Semicolon.Offset() < end.Offset() {
		end = st.Semicolon
	}
	return strings.TrimSpace(sliceSrc(sc.src, st.Pos(), end))
}

func programName(cmd Arg) string {
	if cmd.Value == "" {
		return ""
	}
	return filepath.Base(cmd.Value)
}

func (r *resolver) expandRedirs(redirs []*syntax.Redirect, sc *scope) []Redir {
	if len(redirs) == 0 {
		return nil
	}
	out := make([]Redir, 0, len(redirs))
	for _, rd := range redirs {
		red := Redir{Op: rd.Op.String()}
		if rd.N != nil {
			red.Fd = rd.N.Value
		}
		word := rd.Word
		if rd.Hdoc != nil {
			word = rd.Hdoc
		}
		if word != nil {
			if fields := r.expandWord(word, sc); len(fields) > 0 {
				red.Target = fields[0]
				if rd.Hdoc != nil && !heredocExpands(rd.Word) {
					red.Target = Arg{Text: sc.text(rd.Hdoc), Value: sc.text(rd.Hdoc), Known: true}
				}
			}
		}
		out = append(out, red)
	}
	return out
}

// heredocExpands reports whether a here-document's body is expanded: only
// when no part of its delimiter word is quoted.
func heredocExpands(delim *syntax.Word) bool {
	if delim == nil {
		return true
	}
	for _, p := range delim.Parts {
		if _, ok := p.(*syntax.Lit); !ok {
			return false
		}
		if strings.Contains(p.(*syntax.Lit).Value, `\`) {
			return false
		}
	}
	return true
}

// emitRedirsOnly records the redirections of a statement that runs no
// program of its own (`> file`, `{ …; } > file`), so that rules about
// redirection targets still see them.
func (r *resolver) emitRedirsOnly(st *syntax.Stmt, sc *scope, ctx stmtCtx) {
	redirs := r.expandRedirs(st.Redirs, sc)
	if len(redirs) == 0 {
		return
	}
	r.emit(&Invocation{
		Redirs:     redirs,
		Cwd:        sc.cwd,
		Via:        sc.via,
		Remote:     sc.remote,
		User:       sc.user,
		Background: ctx.background,
		InPipeline: ctx.inPipeline,
		Text:       stmtText(st, sc),
	})
}

func (r *resolver) emit(inv *Invocation) {
	if r.stop() {
		return
	}
	r.invs = append(r.invs, inv)
}

// dispatch records the invocation, then looks through it: the command a
// wrapper runs, the shell code a shell runs, the directory cd changes to.
func (r *resolver) dispatch(inv *Invocation, sc *scope) {
	if r.funcs[inv.Program] && inv.Program == inv.Command.Value {
		inv.Function = inv.Program
		inv.Recursive = sc.inFunc == inv.Program
	}
	r.emit(inv)
	if inv.Function != "" || !inv.Command.Known {
		return
	}
	switch inv.Program {
	case "cd", "pushd":
		r.changeDir(inv, sc)
		return
	case "popd":
		sc.oldpwd, sc.cwd = sc.cwd, ""
		return
	case "unset":
		for _, a := range inv.Args {
			if a.Known && !strings.HasPrefix(a.Value, "-") {
				sc.vars[a.Value] = shellVar{known: true}
			}
		}
		return
	case "read", "mapfile", "readarray":
		for _, a := range inv.Args {
			if a.Known && syntax.ValidName(a.Value) {
				sc.vars[a.Value] = shellVar{set: true}
			}
		}
		return
	case "export", "local", "declare", "typeset", "readonly":
		// Reached only when the parser did not make a DeclClause (posix).
		for _, a := range inv.Args {
			if name, value, ok := strings.Cut(a.Value, "="); ok && syntax.ValidName(name) {
				sc.assign(name, Arg{Value: value, Known: a.Known})
			}
		}
		return
	}
	if sc.depth >= maxNesting {
		return
	}
	if wrap := wrapperFor(inv.Program); wrap != nil {
		wrap(r, inv, sc)
		return
	}
	if isShell(inv.Program) {
		r.enterShell(inv, sc)
	}
}

func (r *resolver) changeDir(inv *Invocation, sc *scope) {
	p := ParseOptions(inv.Args, OptSpec{StopAtOperand: true})
	if len(p.Operands) == 0 {
		home, known := sc.lookup("HOME")
		sc.oldpwd, sc.cwd = sc.cwd, ""
		if known {
			sc.cwd = home
		}
		return
	}
	target := p.Operands[0]
	if target.Value == "-" && target.Known {
		sc.oldpwd, sc.cwd = sc.cwd, sc.oldpwd
		return
	}
	next := ""
	if target.Known {
		next = inv.Path(target.Value)
	}
	if inv.Remote != "" {
		next = ""
	}
	sc.oldpwd, sc.cwd = sc.cwd, next
}
