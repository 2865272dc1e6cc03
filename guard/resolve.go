package guard

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Limits that keep a hostile or huge line from costing more than a fraction
// of a second: past them the walk stops and says so.
const (
	maxInvocations = 20000
	maxNesting     = 8 // bash -c 'bash -c …' levels
	maxLoopUnroll  = 64
	maxLoopWork    = 2048   // statements walked to unroll one loop: values × the body's statements
	maxSteps       = 100000 // statements walked, unrolled loops and calls included
	maxCallDepth   = 8      // functions called from functions, each walked with its arguments
	maxArgs        = 300000 // words kept across the line's commands
	maxStdin       = 64     // upstream commands recorded for one command
)

// resolver turns a parsed line into invocations.
type resolver struct {
	line      string // the line typed at the prompt, after any prelude
	host      Host
	lang      syntax.LangVariant
	invs      []*Invocation
	funcs     map[string]*funcDef
	funcOrder []*funcDef
	passwd    []byte
	truncated string   // why the walk stopped early, "" if it did not
	notes     []string // what could not be parsed, for the engine's finding
	steps     int      // statements walked so far
	// rounds is how many times the statements being walked are walked
	// by the unrolled loops around them (0 outside any): a loop inside
	// unrolls only while rounds × its values × its body stays little work.
	rounds int
	// lineScope is the interactive shell's own scope while the line is
	// walked, and lineExit the EXIT trap the line leaves it: that shell
	// outlives the line, so the trap runs after all of it (delayed.go).
	lineScope *scope
	lineExit  *Invocation
	// loopListed is the folder glob of the for loop list word expanded
	// last, when it lists a folder's entries (walkListed).
	loopListed string
	lastRead   readCall // the read builtin walked last, for while read loops
	readIFS    *string  // IFS=… in front of the read being walked
	cdPath     *Arg     // CDPATH=… in front of the cd being walked
	reparsed   int      // bytes of shell code parsed again inside the line
	arithTexts int      // values being evaluated as arithmetic, one inside another
	// envBashEnvRead: the file BASH_ENV names in the environment was
	// judged, as the first non-interactive bash of the line sources it
	envBashEnvRead bool
	expanded       int // bytes of words expanded
	args           int // words kept in invocations
	innerArgs      int // of which handed to commands run by others (runInner)
	globRead       int // folder entries read for patterns
	findRuns       int // matches of finds not listed whole that -exec was followed for
	dirCache       map[string][]fs.DirEntry
	globCache      map[globKey]globResult
	pathCache      map[string]string // program names looked up on PATH: where they are, "" if nowhere
	invBlock       []Invocation      // room for the next invocations (newInvocation)
	argBlock       []Arg             // room for the next word lists (newArgs)
	aheadMin       int               // sources this long are parsed ahead of the walk (parseAhead)
	andNext        bool              // the next command emitted runs only if the one before succeeded (&&)
	// cdFailed is the folder the command just emitted, a cd, tried to
	// change to and certainly could not (cdFails); "" once another runs.
	cdFailed string
	substs   []substResult // substitutions walked for the words being expanded
	// substSpans are the invocations (from, to) of the substitutions
	// walked inside the one being walked, whose output is not its own.
	substSpans [][2]int
	builders   []*fieldBuilder // free field builders
	// defs are the interactive shell's aliases and functions (aliases.go),
	// typedAliases those the line defines or removes itself; alias is the
	// alias text being walked, aliasBytes what it added.
	defs         *Definitions
	typedAliases map[string]typedAlias
	alias        *aliasFrame
	aliasBytes   int
	reach        *reach // scripts read and files written on this line (reach.go)
	// inPrelude: walking what the shell ran before the line, for its
	// state only; selfReadWalks counts second readings of code that reads
	// itself (selfread.go), -1 inside one.
	inPrelude     bool
	preludeSteps  int
	selfReadWalks int
	// ran is the latest command that certainly ran at this point of the
	// walk (Invocation.RanBefore); statements that may not run put back
	// what it was before them.
	ran *Invocation
	// madeLink is the latest command walked so far that makes a link or a
	// bind mount, whether or not it certainly ran: a link made in a
	// subshell, a loop or in the background is there for the commands
	// after it too, and one that failed only makes guard ask more.
	madeLink *Invocation
	// anonTail is where the arguments of the zsh anonymous function walked
	// last stand in its source, which the parser stops at (zsh.go).
	anonTail anonTail
	// cutUnknown: the word being expanded is read a second time, with
	// each unquoted part guard cannot know as a field separator
	// (cutReading).
	cutUnknown bool
}

// funcDef is a shell function declared on the line: its body is judged at
// each call with the call's arguments, and once at the end with unknown
// arguments if nothing called it.
type funcDef struct {
	name   string
	body   *syntax.Stmt
	src    string // the text the body's positions refer to
	sc     *scope // where it was declared
	walked bool
}

// Resolve parses line and returns every command it would run, as seen from
// cwd on host. notes lists parse problems that were worked around;
// tooComplex says why the walk stopped before the end, "" if it did not.
// defs, if given, are the aliases and functions of the shell it is typed in.
func Resolve(line, cwd string, host Host, lang syntax.LangVariant, defs ...*Definitions) (invs []*Invocation, notes []string, tooComplex string) {
	return resolveAfter("", line, cwd, host, lang, false, defs...)
}

// resolveAfter resolves line as run after prelude: code the same shell
// has already been given (the earlier parts of a script streamed to it),
// walked only for what it leaves behind (the folder, variables, functions)
// and not judged again.
func resolveAfter(prelude, line, cwd string, host Host, lang syntax.LangVariant, fed bool, defs ...*Definitions) (invs []*Invocation, notes []string, tooComplex string) {
	return newResolver(host, lang).resolveAfter(prelude, line, cwd, fed, defs...)
}

func (r *resolver) resolveAfter(prelude, line, cwd string, fed bool, defs ...*Definitions) (invs []*Invocation, notes []string, tooComplex string) {
	host, lang := r.host, r.lang
	sc := &scope{cwd: cwd, fed: fed}
	if user, ok := host.Getenv("USER"); ok {
		sc.localUser = user
	} else if user, ok := host.Getenv("LOGNAME"); ok {
		sc.localUser = user
	}
	sc.env = func(name string) (string, bool) {
		v, ok := host.Getenv(name)
		if !ok && name == "SHELL" {
			// bash sets SHELL when it is not in its environment: the
			// user's login shell, /bin/sh when it finds no entry
			// ($SHELL -c CODE runs a shell)
			if v = r.userField(sc.localUser, 6); v == "" {
				v = "/bin/sh"
			}
			ok = true
		}
		return v, ok
	}
	if lang == syntax.LangZsh {
		sc.opts |= optZsh
	}
	if v, ok := host.Getenv("OLDPWD"); ok {
		sc.oldpwd = v
	}
	r.useDefinitions(defs)
	if r.defs != nil && len(r.defs.vars) > 0 {
		// The shell's own variables the line names: their values, never
		// judged (an assignment the hook reports runs nothing).
		r.inPrelude = true
		sc.src = r.defs.src
		r.walkStmts(r.defs.vars, sc, stmtCtx{})
		r.inPrelude = false
		r.invs, r.notes, r.steps, r.truncated = r.invs[:0], nil, 0, ""
		r.ran, r.madeLink = nil, nil
	}
	if prelude != "" {
		r.inPrelude = true
		r.walkSource(prelude, sc)
		r.inPrelude = false
		for _, def := range r.funcOrder {
			def.walked = true // judged when the prelude was the line
		}
		if r.truncated != "" {
			// What the prelude left behind is not known for sure: the
			// folder is not, at least.
			sc.cwd, r.truncated = "", ""
		}
		r.invs, r.notes, r.steps = r.invs[:0], nil, 0
		r.ran, r.madeLink = nil, nil // judged then, with what ran before it
	}
	r.line = line
	r.lineScope = sc
	r.walkSource(line, sc)
	r.lineScope = nil
	r.runLineExit(sc)
	r.walkUncalled()
	return r.invs, r.notes, r.truncated
}

// newResolver is a resolver with nothing walked yet.
func newResolver(host Host, lang syntax.LangVariant) *resolver {
	r := &resolver{host: host, lang: lang, funcs: map[string]*funcDef{}, dirCache: map[string][]fs.DirEntry{}, globCache: map[globKey]globResult{}, pathCache: map[string]string{}, aheadMin: math.MaxInt}
	if runtime.GOMAXPROCS(0) > 1 {
		r.aheadMin = parseAheadMin // with one processor, parsing ahead would only add the hand-over
	}
	return r
}

// forgetPreludeStmt drops what one statement of a prelude produced: only
// the state it leaves matters, so a prelude as long as guard keeps is
// bounded by its statements' total work, not by the commands of one line.
func (r *resolver) forgetPreludeStmt() {
	r.invs = r.invs[:0]
	r.preludeSteps += r.steps
	r.steps = 0
	if r.preludeSteps > maxPreludeSteps {
		r.tooComplex(fmt.Sprintf("what the shell was given before takes more than %d statements to follow; guard stopped reading there", maxPreludeSteps))
	}
}

// maxPreludeSteps bounds the statements walked for a prelude.
const maxPreludeSteps = 10 * maxSteps

// tooComplex stops the walk, keeping the first reason.
func (r *resolver) tooComplex(why string) {
	if r.truncated == "" {
		r.truncated = why
	}
}

// budgetReparse counts shell code parsed again inside the line.
func (r *resolver) budgetReparse(code string) bool {
	r.reparsed += len(code)
	if r.reparsed > maxReparseBytes {
		r.tooComplex(fmt.Sprintf("it hands more than %d MB of code to shells inside it; guard stopped reading there", maxReparseBytes>>20))
		return false
	}
	return true
}

// walkSource parses src (the whole line, or shell code handed to another
// shell) and walks it statement by statement.
func (r *resolver) walkSource(src string, sc *scope) {
	if sc.depth > 0 && !r.budgetReparse(src) {
		return
	}
	r.walkEach(src, sc, stmtCtx{}, nil)
}

// walkEach walks src statement by statement in sc; each, if not nil, is
// told of each statement first. Code a shell reads from its standard
// input is also judged as bash reads it when its own commands read it.
func (r *resolver) walkEach(src string, sc *scope, ctx stmtCtx, each func(st *syntax.Stmt, text string)) {
	var fed *fedScript
	if sc.fed {
		fed = &fedScript{}
		r.startFedSource(src, sc)
	}
	r.parseEach(src, func(st *syntax.Stmt, text string) bool {
		if each != nil {
			each(st, text)
		}
		if fed != nil {
			r.beforeFedStmt(fed, st, text, sc)
		}
		sc.src = text
		first := len(r.invs)
		r.walkStmt(st, sc, ctx)
		if fed != nil {
			sc.src = text
			r.afterFedStmt(fed, st, text, sc, first)
		}
		if r.inPrelude && sc.depth == 0 {
			r.forgetPreludeStmt()
		}
		return r.truncated == ""
	})
	if fed != nil {
		r.endFedSource(fed, sc)
	}
}

// stmtCtx is what a statement inherits from where it stands.
type stmtCtx struct {
	stdin      []*Invocation
	inPipeline bool
	background bool
	// out collects the commands whose output goes down the pipe this
	// statement writes to, when a pipeline part is being walked: every
	// command of a group or subshell, one after the other.
	out *[]*Invocation
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
	ran := r.ran
	if st.Background || st.Coprocess || st.Disown {
		defer func() { r.ran = ran }() // it runs beside what follows, not before it
	}
	ctx.background = ctx.background || st.Background || st.Coprocess || st.Disown
	if ctx.out != nil && stdoutRedirected(st.Redirs) {
		ctx.out = nil // its output goes to a file, not down the pipe
	}
	if call, ok := st.Cmd.(*syntax.CallExpr); ok {
		n := len(r.invs)
		r.walkCall(call, st, sc, ctx)
		if ctx.out != nil && len(r.invs) > n {
			*ctx.out = append(*ctx.out, r.invs[len(r.invs)-1]) // what it runs last: sudo echo prints echo's output
		}
		return
	}
	if st.Cmd == nil {
		// A bare redirection: `> /etc/passwd` truncates the file.
		r.emitRedirsOnly(st, sc, ctx)
		return
	}
	var redirs *Invocation // the compound command's own redirections
	if len(st.Redirs) > 0 {
		n := len(r.invs)
		r.emitRedirsOnly(st, sc, ctx)
		if len(r.invs) > n {
			redirs = r.invs[len(r.invs)-1] // after what its <(…) ran
		}
		if redirs != nil && slices.ContainsFunc(redirs.Redirs, func(rd Redir) bool {
			return (rd.Input() || rd.Op == "<" || rd.Op == "<>") && (rd.Fd == "" || rd.Fd == "0")
		}) {
			// { sh; } <<< CODE: the commands inside read what it reads
			ctx.stdin = []*Invocation{{Program: "cat", Redirs: redirs.Redirs, Cwd: redirs.Cwd, Remote: redirs.Remote, Text: redirs.Text}}
		}
	}
	switch cmd := st.Cmd.(type) {
	case *syntax.BinaryCmd:
		r.walkBinary(cmd, sc, ctx)
	case *syntax.Subshell:
		r.walkStmts(cmd.Stmts, sc.clone(), ctx)
		r.ran = ran // it may have stopped early
	case *syntax.Block:
		r.walkStmts(cmd.Stmts, sc, ctx)
	case *syntax.IfClause:
		// Only the first condition certainly runs; each branch runs
		// after it, or after the conditions that failed.
		afterCond := ran
		for clause := cmd; clause != nil; clause = clause.Else {
			r.ran = afterCond
			r.walkStmts(clause.Cond, sc, ctx)
			if clause == cmd {
				afterCond = r.ran
			}
			r.andNext = plainCondition(clause.Cond) // if a; then b: b runs after a succeeded, as a && b
			r.walkStmts(clause.Then, sc, ctx)
			r.andNext = false
		}
		r.ran = afterCond
	case *syntax.WhileClause:
		n := len(r.invs)
		r.walkWhile(cmd, redirs, sc, ctx)
		r.ran = ran
		if endlessLoop(cmd) && spawnsOnly(cmd.Do) {
			r.markSpawned(n)
		}
	case *syntax.ForClause:
		n := len(r.invs)
		r.walkFor(cmd, sc, ctx)
		r.ran = ran // the body may run no time
		if loop, ok := cmd.Loop.(*syntax.CStyleLoop); ok && loop.Cond == nil && spawnsOnly(cmd.Do) {
			r.markSpawned(n) // for ((;;))
		}
	case *syntax.CaseClause:
		subject := r.scalar(cmd.Word, sc)
		afterWord := r.ran
		expanded := false
		if subject.Known {
			var done bool
			if done, expanded = r.walkCaseKnown(cmd, subject.Value, sc, ctx); done {
				break
			}
		}
		for _, item := range cmd.Items {
			for _, p := range item.Patterns {
				if !expanded {
					r.expandWord(p, sc, modeScalar)
				}
			}
			r.walkStmts(item.Stmts, sc.clone(), ctx)
			r.ran = afterWord
		}
	case *syntax.FuncDecl:
		if cmd.Name == nil && len(cmd.Names) == 0 {
			// zsh's anonymous function, () { … } args, runs where it
			// stands, with its arguments as $1… when guard can read
			// them after the brace (the parser does not take them).
			params := sc.params
			sc.params = nil
			if args, ok := r.anonArgs(cmd, sc); ok {
				sc.params = &positional{zero: r.zero(sc), list: bindable(args)}
			}
			r.walkStmt(cmd.Body, sc, ctx)
			sc.params = params
			break
		}
		r.declareFunc(cmd, sc)
	case *syntax.DeclClause:
		r.walkDecl(cmd, sc)
	case *syntax.TimeClause:
		r.walkStmt(cmd.Stmt, sc, ctx)
	case *syntax.CoprocClause:
		name := "COPROC"
		if cmd.Name != nil {
			r.expandWord(cmd.Name, sc, modeScalar)
			r.hookWrite(cmd.Name.Lit(), false, firstLine(sc.text(cmd)), sc) // its NAME and NAME_PID
			name = cmd.Name.Lit()
		}
		ctx.background = true
		csc := sc.clone()
		stmt := cmd.Stmt
		if syntax.ValidName(name) {
			// its input is what the line writes into ${NAME[1]}
			in := r.startCoproc(name, sc)
			csc.fds = sc.fds
			stmt = withInput(stmt, in.Target.Value)
		}
		r.walkStmt(stmt, csc, ctx)
		r.ran = ran
	case *syntax.ArithmCmd:
		r.arithStmt(cmd.X, sc)
	case *syntax.LetClause:
		for _, x := range cmd.Exprs {
			r.arithStmt(x, sc)
		}
	case *syntax.TestClause:
		r.walkTest(cmd.X, sc)
	case *syntax.TestDecl:
		if cmd.Description != nil {
			r.expandWord(cmd.Description, sc, modeScalar)
		}
		r.walkStmt(cmd.Body, sc.clone(), ctx)
		r.ran = ran
	default:
		// A kind of command this walker does not know: at least the
		// substitutions inside it run.
		r.walkSubstitutions(cmd, sc)
	}
}

// walkBinary walks a && b || c in order and a | b | c as a pipeline,
// without recursing once per operator: a chain of thousands stays flat.
func (r *resolver) walkBinary(cmd *syntax.BinaryCmd, sc *scope, ctx stmtCtx) {
	if cmd.Op == syntax.AndStmt || cmd.Op == syntax.OrStmt {
		r.walkAndOr(cmd, sc, ctx)
		return
	}
	// Each part of a pipeline runs in a subshell and reads what the parts
	// before it print.
	upstream := ctx.stdin[:len(ctx.stdin):len(ctx.stdin)]
	ran := r.ran
	// The parts run side by side, none before another; what follows the
	// pipeline runs after all of them, the last part's commands first in
	// line (… | tee /etc/resolv.conf; systemctl mask systemd-resolved).
	defer func(before *Invocation) {
		if r.ran == nil || r.ran == before {
			r.ran = ran
		}
	}(ran)
	parts := flattenBinary(cmd, func(op syntax.BinCmdOperator) bool {
		return op == syntax.Pipe || op == syntax.PipeAll
	})
	for i, part := range parts {
		r.ran = ran
		start := len(r.invs)
		pctx := ctx
		pctx.inPipeline = true
		pctx.stdin = upstream[max(0, len(upstream)-maxStdin):len(upstream):len(upstream)]
		var out []*Invocation
		if i < len(parts)-1 {
			pctx.out = &out // the last part writes where the pipeline does
		}
		r.walkStmt(part, r.subshell(part, sc), pctx)
		if last := len(r.invs) - 1; i < len(parts)-1 && last >= start && (len(out) != 1 || out[0] != r.invs[last]) {
			r.invs[last].partOut = &out
		}
		upstream = append(upstream, r.invs[start:]...)
	}
}

// stdoutRedirected tells redirections that send standard output to a
// file (or away), not down the pipe.
func stdoutRedirected(redirs []*syntax.Redirect) bool {
	for _, rd := range redirs {
		switch rd.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.RdrAll, syntax.AppAll, syntax.RdrAllClob, syntax.AppClob:
			if rd.N == nil || rd.N.Value == "1" {
				return true
			}
		}
	}
	return false
}

// walkAndOr walks a && b || c in order. What certainly ran before a part
// (RanBefore): the parts before it joined by && back to one that follows
// an ||, which may have been skipped with the status still 0 (in a || b
// && c, c runs after a alone when a succeeds). After the list, only its
// first part certainly ran.
func (r *resolver) walkAndOr(cmd *syntax.BinaryCmd, sc *scope, ctx stmtCtx) {
	ran := r.ran
	var afterFirst *Invocation
	first, sawOr := true, false
	var skipped *scope // after a cd that failed: the scope of what it skips
	for _, part := range flattenAndOr(cmd) {
		if part.op == syntax.OrStmt {
			r.ran = ran
			sawOr = true
		}
		// after a && b the first command of b runs only if a succeeded;
		// once a || came before, what ran last may not be what succeeded.
		// The first part keeps what the list itself runs after (if c;
		// then a && b).
		if !first {
			r.andNext = part.op == syntax.AndStmt && !sawOr
		}
		if skipped != nil && part.op == syntax.AndStmt {
			// after a cd that fails, these never run: judged, as ever, in
			// the folder it named, without changing the shell's state
			r.walkStmt(part.st, skipped, ctx)
			r.andNext = false
			continue
		}
		skipped = nil
		r.walkStmt(part.st, sc, ctx)
		if r.cdFailed != "" && !part.st.Negated {
			skipped = sc.clone()
			skipped.oldpwd, skipped.cwd = skipped.cwd, r.cdFailed
		}
		r.andNext = false
		if part.op == syntax.OrStmt {
			r.ran = ran
		}
		if first {
			afterFirst, first = r.ran, false
		}
	}
	r.ran = afterFirst
}

// andOrPart is a statement of an && || list with the operator before it,
// 0 for the first.
type andOrPart struct {
	st *syntax.Stmt
	op syntax.BinCmdOperator
}

// flattenAndOr is flattenBinary for && and ||, keeping the operators.
func flattenAndOr(cmd *syntax.BinaryCmd) []andOrPart {
	var out []andOrPart
	stack := []andOrPart{{cmd.Y, cmd.Op}, {cmd.X, 0}}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if b, ok := p.st.Cmd.(*syntax.BinaryCmd); ok && (b.Op == syntax.AndStmt || b.Op == syntax.OrStmt) &&
			len(p.st.Redirs) == 0 && !p.st.Negated && !p.st.Background && !p.st.Coprocess && !p.st.Disown {
			stack = append(stack, andOrPart{b.Y, b.Op}, andOrPart{b.X, p.op})
			continue
		}
		out = append(out, p)
	}
	return out
}

// subshell returns the scope a statement runs in when it runs in a
// subshell: a clone, unless the statement cannot change the shell's state
// (a plain command that is not a builtin like cd or read, nor a function),
// which most pipeline parts and substitutions are.
func (r *resolver) subshell(st *syntax.Stmt, sc *scope) *scope {
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(call.Assigns) > 0 || len(call.Args) == 0 {
		return sc.clone()
	}
	name := call.Args[0].Lit()
	if name == "" || stateBuiltins[name] || r.funcs[name] != nil || wrapperFor(name) != nil || isShell(name) || zshPrecommand(name, sc) != nil {
		return sc.clone()
	}
	for _, w := range call.Args {
		if partsMayHoldSubst(w.Parts) {
			return sc.clone() // ${x:=v} and $((x=1)) assign
		}
	}
	return sc
}

// flattenBinary lists the statements joined by operators that same
// accepts, left to right, with an explicit stack.
func flattenBinary(cmd *syntax.BinaryCmd, same func(syntax.BinCmdOperator) bool) []*syntax.Stmt {
	var out []*syntax.Stmt
	stack := []*syntax.Stmt{cmd.Y, cmd.X}
	for len(stack) > 0 {
		st := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if b, ok := st.Cmd.(*syntax.BinaryCmd); ok && same(b.Op) && len(st.Redirs) == 0 && !st.Negated && !st.Background && !st.Coprocess && !st.Disown {
			stack = append(stack, b.Y, b.X)
			continue
		}
		out = append(out, st)
	}
	return out
}

func (r *resolver) stop() bool {
	switch {
	case r.truncated != "":
		return true
	case len(r.invs) >= maxInvocations:
		r.tooComplex(fmt.Sprintf("it runs more than %d commands; guard stopped reading there", maxInvocations))
		return true
	case r.steps >= maxSteps:
		r.tooComplex(fmt.Sprintf("it takes more than %d statements to follow (loops and function calls included); guard stopped reading there", maxSteps))
		return true
	}
	return false
}

// walkSubstitutions walks the command substitutions inside any node.
func (r *resolver) walkSubstitutions(n syntax.Node, sc *scope) {
	mark := r.prewalk(n, sc)
	r.substs = r.substs[:mark]
}

// walkTest walks a [[ ]] expression. Operands of -eq and the other
// arithmetic comparisons are evaluated as arithmetic, so a value holding
// a[$(cmd)] runs cmd; so does the name given to -v.
func (r *resolver) walkTest(x syntax.TestExpr, sc *scope) {
	switch x := x.(type) {
	case *syntax.Word:
		r.expandWord(x, sc, modeScalar)
	case *syntax.ParenTest:
		r.walkTest(x.X, sc)
	case *syntax.UnaryTest:
		if w, ok := x.X.(*syntax.Word); ok && x.Op == syntax.TsVarSet {
			if a := r.expandWord(w, sc, modeScalar)[0]; a.Known {
				r.nameRef(a.Value, sc)
			}
			return
		}
		r.walkTest(x.X, sc)
	case *syntax.BinaryTest:
		switch x.Op {
		case syntax.TsEql, syntax.TsNeq, syntax.TsLeq, syntax.TsGeq, syntax.TsLss, syntax.TsGtr:
			for _, side := range []syntax.TestExpr{x.X, x.Y} {
				w, ok := side.(*syntax.Word)
				if !ok {
					r.walkTest(side, sc)
					continue
				}
				if a := r.expandWord(w, sc, modeScalar)[0]; a.Known {
					r.arithText(a.Value, sc, 1)
				}
			}
			return
		}
		// a && b && … nests to the right: walk the chain without recursing.
		for {
			r.walkTest(x.X, sc)
			next, ok := x.Y.(*syntax.BinaryTest)
			if !ok || next.Op != x.Op || (x.Op != syntax.AndTest && x.Op != syntax.OrTest) {
				r.walkTest(x.Y, sc)
				return
			}
			x = next
		}
	}
}

// walkCaseKnown walks the branches a case whose word guard knows runs:
// the first whose pattern matches, and those ;& and ;;& lead on to, as
// bash does (case "$1" in clean) … ;; esac with $1 known to be up runs
// nothing). The interactive shell may have nocasematch set, unseen, so
// the branches a match without regard to case picks run too. It reports
// false, having walked nothing, when a pattern on the way cannot be known
// or matched (extglob, zsh's own patterns): every branch is then walked.
// expanded tells that the patterns were (their substitutions walked).
func (r *resolver) walkCaseKnown(cmd *syntax.CaseClause, subject string, sc *scope, ctx stmtCtx) (done, expanded bool) {
	if sc.opts&optZsh != 0 {
		return false, false
	}
	for _, item := range cmd.Items {
		for _, p := range item.Patterns {
			if slices.ContainsFunc(p.Parts, func(part syntax.WordPart) bool { _, ok := part.(*syntax.ExtGlob); return ok }) {
				return false, false
			}
		}
	}
	patterns := make([][]string, len(cmd.Items))
	known := true
	for i, item := range cmd.Items {
		for _, p := range item.Patterns {
			pat := r.scalar(p, sc)
			known = known && pat.Known
			patterns[i] = append(patterns[i], pat.pattern)
		}
	}
	if !known {
		return false, true
	}
	exact, ok := caseRuns(cmd.Items, patterns, subject, false)
	if !ok {
		return false, true
	}
	folded, ok := caseRuns(cmd.Items, patterns, subject, true)
	if !ok {
		return false, true
	}
	for i, item := range cmd.Items {
		if exact[i] || folded[i] {
			r.walkStmts(item.Stmts, sc, ctx)
		}
	}
	return true, true
}

// caseRuns tells which items of a case run for subject, by index.
func caseRuns(items []*syntax.CaseItem, patterns [][]string, subject string, fold bool) ([]bool, bool) {
	if fold {
		subject = strings.ToLower(subject)
	}
	runs := make([]bool, len(items))
	fallThrough := false
	for i, item := range items {
		matched := fallThrough
		for _, pat := range patterns[i] {
			if matched {
				break
			}
			if fold {
				pat = strings.ToLower(pat)
			}
			m, ok := matchPattern(pat, subject)
			if !ok {
				return nil, false
			}
			matched = m
		}
		if !matched {
			continue
		}
		runs[i] = true
		fallThrough = item.Op == syntax.Fallthrough // ;&
		if item.Op == syntax.Break {
			break // ;;
		}
	}
	return runs, true
}

// stmtCount is the number of statements in stmts, nested ones included,
// counted up to maxLoopWork.
func stmtCount(stmts []*syntax.Stmt) int {
	n := 0
	for _, st := range stmts {
		syntax.Walk(st, func(node syntax.Node) bool {
			if _, ok := node.(*syntax.Stmt); ok {
				n++
			}
			return n <= maxLoopWork
		})
	}
	return n
}

func (r *resolver) walkFor(f *syntax.ForClause, sc *scope, ctx stmtCtx) {
	iter, ok := f.Loop.(*syntax.WordIter)
	if !ok {
		r.walkCStyle(f, sc, ctx)
		return
	}
	name := iter.Name.Value
	r.hookWrite(sc.target(name), false, firstLine(sc.text(f)), sc)
	var items []Arg
	seen := map[string]bool{}
	allKnown := iter.InPos.IsValid()
	anyEmpty, partial := false, false
	var sources sourceUnion
	if !allKnown && !sc.paramsUnknown() {
		// for x; do … loops over "$@"
		items, allKnown = bindable(sc.params.list), true
	}
	r.loopListed = ""
	for _, w := range iter.Items {
		for _, a := range r.expandWord(w, sc, modeLoop) {
			sources.add(a)
			if a.standIn && !a.Known {
				partial = true // matches past those guard read: walked once more, unknown
				continue
			}
			allKnown = allKnown && a.Known && (!a.Glob || a.standIn) // DIR/* in front of its matches: walked once too, as the pattern
			anyEmpty = anyEmpty || a.Value == ""
			if len(items) <= maxGlobMatches && (!seen[a.Value] || !a.Known) {
				seen[a.Value] = true
				items = append(items, a)
			}
		}
	}
	if listed := r.loopListed; listed != "" && len(iter.Items) == 1 {
		r.walkListed(f.Do, name, listed, sc, ctx)
		if allKnown && len(items) == 0 {
			return // a folder whose entries guard cannot read (another host's): judged as its glob
		}
	}
	// The body is walked once per distinct value while there are few, or
	// while that is little work (a short body over every match of
	// /etc/*); a loop inside an unrolled one only while all the rounds
	// together stay little work, so nested loops cannot multiply it.
	few := len(items) <= maxLoopUnroll || len(items) <= maxGlobMatches && len(items)*stmtCount(f.Do) <= maxLoopWork
	if r.unrolling() {
		few = len(items) <= maxLoopUnroll && r.rounds*len(items)*stmtCount(f.Do) <= maxLoopWork
	}
	if allKnown && len(items) > 0 && few {
		r.unroll(len(items), func() {
			for _, item := range items {
				sc.assign(name, item)
				r.walkStmts(f.Do, sc, ctx)
			}
		})
		if !partial {
			return
		}
	}
	// Walked once with the variable unknown, it keeps where the words came
	// from: for ns in $(kubectl get ns -o name) names what kubectl lists.
	unknown := Arg{Unknown: []string{"$" + name}, MaybeEmpty: !allKnown || anyEmpty, Sources: sources.list()}
	if len(items) == 1 && !partial {
		unknown = items[0]
	}
	sc.assign(name, unknown)
	r.walkStmts(f.Do, sc, ctx)
}

// sourceUnion gathers the Sources of a loop's words that guard could not
// compute. The mark of a listing cut to one line stays only when every
// such word has it: one whole listing among them is every object.
type sourceUnion struct {
	sources        []string
	words, oneLine int
}

func (u *sourceUnion) add(a Arg) {
	if a.Known || len(a.Sources) == 0 {
		return
	}
	u.words++
	if a.FromOneLine() {
		u.oneLine++
	}
	for _, s := range a.Sources {
		if s != OneLineSource && !slices.Contains(u.sources, s) {
			u.sources = append(u.sources, s)
		}
	}
}

func (u *sourceUnion) list() []string {
	if u.words > 0 && u.oneLine == u.words {
		return append(u.sources, OneLineSource)
	}
	return u.sources
}

// walkWhile walks a while or until loop. Two kinds of loop are walked
// round by round, as for loops are, while that is little work: while read
// over input guard knows (each line into the variables), and a loop that
// consumes the positional parameters with shift (while [ $# -gt 0 ]).
// Any other loop is walked once.
func (r *resolver) walkWhile(w *syntax.WhileClause, redirs *Invocation, sc *scope, ctx stmtCtx) {
	if r.walkGetopts(w, sc, ctx) {
		return
	}
	before := r.lastRead.inv
	params := sc.params
	r.walkStmts(w.Cond, sc, ctx)
	read := r.lastRead
	if read.inv == before || w.Until || len(w.Cond) != 1 {
		read.inv = nil
	}
	if read.inv != nil {
		p, lines, listed, ok := r.readLoopLines(read.inv, redirs)
		if name := readsOneName(p); listed != "" && name != "" {
			r.walkListed(w.Do, name, listed, sc, ctx) // ls DIR | while read f: every entry
		}
		if ok && max(r.rounds, 1)*len(lines)*stmtCount(w.Do) <= maxLoopWork {
			r.unroll(len(lines), func() {
				for _, line := range lines {
					r.readLine(p, line, true, read.ifs, sc)
					r.walkStmts(w.Do, sc, ctx)
				}
			})
			return
		}
	}
	r.walkStmts(w.Do, sc, ctx)
	if r.unrolling() || params == nil {
		return
	}
	// shift in the body: again while each round takes parameters away
	r.unroll(maxLoopUnroll, func() {
		for round := 0; round < maxLoopUnroll && sc.params != nil && len(sc.params.list) > 0 && len(sc.params.list) < len(params.list); round++ {
			params = sc.params
			r.walkStmts(w.Cond, sc, ctx)
			r.walkStmts(w.Do, sc, ctx)
		}
	})
}

// maxGetoptsRounds bounds the options a getopts loop is walked for.
const maxGetoptsRounds = 64

// walkGetopts walks while getopts OPTSTRING NAME; do …; done once per
// option the positional parameters hold, when guard knows them and the
// option string: NAME and OPTARG hold each option and its value, and
// OPTIND where the options end (./build.sh -o / runs the branch that
// sets OUT=/). It reports false, having walked nothing, otherwise.
func (r *resolver) walkGetopts(w *syntax.WhileClause, sc *scope, ctx stmtCtx) bool {
	if w.Until || len(w.Cond) != 1 || w.Cond[0].Negated || sc.params == nil || r.unrolling() && r.rounds > 1 {
		return false
	}
	call, ok := w.Cond[0].Cmd.(*syntax.CallExpr)
	if !ok || len(call.Args) != 3 || call.Args[0].Lit() != "getopts" || len(call.Assigns) > 0 {
		return false
	}
	specArg, name := r.scalar(call.Args[1], sc), call.Args[2].Lit()
	spec := specArg.Value
	if !specArg.Known || spec == "" || !syntax.ValidName(name) {
		return false
	}
	var args []Arg
	if !sc.params.none {
		args = sc.params.list
	}
	type round struct {
		opt, arg string
		hasArg   bool
	}
	var rounds []round
	i := 0
	silent := strings.HasPrefix(spec, ":")
	for i < len(args) {
		a := args[i]
		if !a.Known {
			return false
		}
		if a.Value == "--" {
			i++
			break
		}
		if len(a.Value) < 2 || a.Value[0] != '-' {
			break
		}
		i++
		for j := 1; j < len(a.Value); j++ {
			c := a.Value[j : j+1]
			at := strings.Index(strings.TrimPrefix(spec, ":"), c)
			if c == ":" || at < 0 {
				rounds = append(rounds, round{opt: "?", arg: c, hasArg: silent})
				continue
			}
			rest := strings.TrimPrefix(spec, ":")[at+1:]
			if !strings.HasPrefix(rest, ":") {
				rounds = append(rounds, round{opt: c})
				continue
			}
			switch {
			case j+1 < len(a.Value):
				rounds = append(rounds, round{opt: c, arg: a.Value[j+1:], hasArg: true})
			case i < len(args):
				if !args[i].Known {
					return false
				}
				rounds = append(rounds, round{opt: c, arg: args[i].Value, hasArg: true})
				i++
			case silent:
				rounds = append(rounds, round{opt: ":", arg: c, hasArg: true})
			default:
				rounds = append(rounds, round{opt: "?"})
			}
			break
		}
		if len(rounds) > maxGetoptsRounds {
			return false
		}
	}
	if max(r.rounds, 1)*max(len(rounds), 1)*stmtCount(w.Do) > maxLoopWork {
		return false
	}
	r.walkStmts(w.Cond, sc, ctx) // getopts itself, as a command
	r.unroll(len(rounds), func() {
		for _, rd := range rounds {
			sc.assign(name, Arg{Value: rd.opt, Known: true})
			if rd.hasArg {
				sc.assign("OPTARG", Arg{Value: rd.arg, Known: true})
			} else {
				sc.set("OPTARG", shellVar{known: true})
			}
			r.walkStmts(w.Do, sc, ctx)
		}
	})
	sc.assign(name, Arg{Value: "?", Known: true})
	sc.assign("OPTIND", Arg{Value: strconv.Itoa(i + 1), Known: true})
	return true
}

// endlessLoop: while true, while :, until false (and [ 1 ], (( 1 ))):
// a condition that never ends the loop.
func endlessLoop(w *syntax.WhileClause) bool {
	if len(w.Cond) != 1 || w.Cond[0].Negated {
		return false
	}
	switch c := w.Cond[0].Cmd.(type) {
	case *syntax.CallExpr:
		words := make([]string, len(c.Args))
		for i, a := range c.Args {
			words[i] = a.Lit()
		}
		switch strings.Join(words, " ") {
		case "true", ":", "[ 1 ]", "test 1", "[[ 1 ]]":
			return !w.Until
		case "false":
			return w.Until
		}
	case *syntax.ArithmCmd:
		if lit, ok := c.X.(*syntax.Word); ok && lit.Lit() != "" && lit.Lit() != "0" {
			return !w.Until
		}
	}
	return false
}

// spawnsOnly: every statement of a loop's body runs in the background
// (cmd &), and none leaves the loop: each round starts more processes and
// waits for none, so that they pile up until the process table is full.
// A body that also runs something in the foreground (sleep 5, wait) is
// paced by it.
func spawnsOnly(body []*syntax.Stmt) bool {
	if len(body) == 0 {
		return false
	}
	for _, st := range body {
		if !st.Background && !st.Coprocess {
			return false
		}
	}
	leaves := false
	syntax.Walk(&syntax.Block{Stmts: body}, func(n syntax.Node) bool {
		if call, ok := n.(*syntax.CallExpr); ok && len(call.Args) > 0 {
			switch call.Args[0].Lit() {
			case "break", "exit", "return":
				leaves = true
			}
		}
		return !leaves
	})
	return !leaves
}

// markSpawned sets Spawned on the background commands walked since the
// n-th invocation: what an endless loop starts every round.
func (r *resolver) markSpawned(n int) {
	for _, inv := range r.invs[min(n, len(r.invs)):] {
		if inv.Background {
			inv.Spawned = true
		}
	}
}

// unrolling tells whether an unrolled loop is being walked.
func (r *resolver) unrolling() bool { return r.rounds > 0 }

// unroll walks a loop's rounds, n of them at most, counting them in
// r.rounds for the loops inside.
func (r *resolver) unroll(n int, walk func()) {
	outer := r.rounds
	r.rounds = max(outer, 1) * n
	walk()
	r.rounds = outer
}

// readLoopLines are the lines a while read loop's read takes, when guard
// knows its input: a here-string, a file, what a pipeline or done < <(…)
// feeds it. redirs holds the loop's own redirections (done < FILE).
// listed is the glob of the folder whose entries the lines are, if so.
func (r *resolver) readLoopLines(read, redirs *Invocation) (p Parsed, lines []string, listed string, ok bool) {
	p = ParseOptions(read.Args, readSpec)
	if p.Has("n", "N", "u") {
		return p, nil, "", false
	}
	delim := "\n"
	if d, ok := p.Value("d"); ok {
		// read -d '' takes what find -print0 writes, up to each NUL
		if !d.Known {
			return p, nil, "", false
		}
		delim = "\x00"
		if d.Value != "" {
			delim = d.Value[:1]
		}
	}
	from := read
	if redirs != nil && len(read.Stdin) == 0 && !slices.ContainsFunc(read.Redirs, func(rd Redir) bool { return rd.Input() }) {
		from = redirs
	}
	in := r.itemsOf(from, 0) // some of the lines, in any order, are walked as well
	text, known := in.value, in.known
	if !known {
		return p, nil, "", false
	}
	lines = splitItems(text, delim)
	listed, _ = r.listingRun(in, len(lines), "")
	return p, lines, listed, len(lines) <= maxGlobMatches
}

// walkCStyle walks for ((init; cond; post)): the body once, with the
// variables the loop changes unknown, since they differ per round.
func (r *resolver) walkCStyle(f *syntax.ForClause, sc *scope, ctx stmtCtx) {
	loop, ok := f.Loop.(*syntax.CStyleLoop)
	if !ok {
		r.walkSubstitutions(f.Loop, sc)
		r.walkStmts(f.Do, sc, ctx)
		return
	}
	r.arithStmt(loop.Init, sc)
	r.arithStmt(loop.Cond, sc)
	r.arithStmt(loop.Post, sc)
	syntax.Walk(loop, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.BinaryArithm:
			if _, isAssign := assignOps[x.Op]; isAssign {
				r.setArith(wordName(x.X), 0, false, sc)
			}
		case *syntax.UnaryArithm:
			if x.Op == syntax.Inc || x.Op == syntax.Dec {
				r.setArith(wordName(x.X), 0, false, sc)
			}
		}
		return true
	})
	r.walkStmts(f.Do, sc, ctx)
}

func (r *resolver) declareFunc(f *syntax.FuncDecl, sc *scope) {
	names := f.Names
	if f.Name != nil {
		names = append(names, f.Name)
	}
	for _, n := range names {
		r.hookWrite(n.Value, true, firstLine(sc.text(f)), sc)
		def := &funcDef{name: n.Value, body: f.Body, src: sc.src, sc: sc.clone()}
		r.funcs[n.Value] = def
		r.funcOrder = append(r.funcOrder, def)
	}
}

// callFunc walks a function's body for one call, with the call's words as
// $1 $2 …, as bash runs it: in the caller's shell, so that a cd or an
// assignment in it stays after it returns.
func (r *resolver) callFunc(def *funcDef, inv *Invocation, sc *scope) {
	if len(sc.calls) >= maxCallDepth {
		return // judged with unknown arguments at the end, unless called elsewhere
	}
	def.walked = true
	body := sc.clone()
	body.src = def.src
	body.inFunc = def.name
	body.calls = append(body.calls, def.name)
	body.bindFuncName()
	body.params = &positional{zero: r.zero(sc), list: bindable(inv.Args)}
	r.walkStmt(def.body, body, stmtCtx{stdin: inv.Stdin, inPipeline: inv.InPipeline, background: inv.Background})
	if _, sub := def.body.Cmd.(*syntax.Subshell); sub || inv.InPipeline || inv.Background {
		return
	}
	sc.cwd, sc.oldpwd, sc.opts = body.cwd, body.oldpwd, body.opts
	for _, nv := range body.own() {
		if !nv.v.local {
			sc.set(nv.name, nv.v)
		}
	}
}

// bindFuncName sets FUNCNAME inside a function's body as bash does: the
// functions being run, the innermost first, so that "$FUNCNAME"_impl
// names the program it calls. It is local: the caller keeps its own.
func (sc *scope) bindFuncName() {
	names := make([]Arg, 0, len(sc.calls))
	for i := len(sc.calls) - 1; i >= 0; i-- {
		names = append(names, Arg{Value: sc.calls[i], Known: true})
	}
	sc.setOwn("FUNCNAME", shellVar{value: sc.inFunc, known: true, set: true, list: names, local: true})
}

// walkUncalled judges the functions nothing on the line called, with
// unknown arguments: a function may be called later, from elsewhere.
func (r *resolver) walkUncalled() { r.walkUncalledIn("") }

// walkUncalledIn does it for the functions declared in src (a script
// read for the line), or in any source when src is "".
func (r *resolver) walkUncalledIn(src string) {
	for i := 0; i < len(r.funcOrder) && r.truncated == ""; i++ {
		def := r.funcOrder[i]
		if def.walked || r.funcs[def.name] != def || src != "" && def.src != src {
			continue
		}
		def.walked = true
		r.ran = nil // called from elsewhere, after who knows what
		body := def.sc.clone()
		body.src = def.src
		body.inFunc = def.name
		body.calls = []string{def.name}
		body.bindFuncName()
		body.params = nil
		if body.opts&optZsh != 0 && zshHookFunction(def.name) {
			// zsh calls it by its name, at a prompt or a signal; preexec
			// and zshaddhistory get the line typed then
			typedThen(body)
			if def.name == "preexec" || def.name == "zshaddhistory" {
				bindPositional(body, r.zero(body), []Arg{typedLine, typedLine, typedLine})
			}
			r.walkLater(func() { r.walkStmt(def.body, body, stmtCtx{}) })
			continue
		}
		r.walkStmt(def.body, body, stmtCtx{})
	}
}

// typedAtPrompt: sc is the interactive shell's own, at the prompt, in
// the line typed there: not a script, another shell (bash -c), another
// user's (sudo) nor another host's.
func (r *resolver) typedAtPrompt(sc *scope) bool {
	return r.line != "" && sc.src == r.line && sc.depth == 0 && len(sc.via) == 0 && sc.remote == "" && sc.box == nil && !r.inPrelude
}

// zero is $0 as a function sees it: the shell's.
func (r *resolver) zero(sc *scope) Arg {
	if sc.params != nil {
		return sc.params.zero
	}
	return Arg{Text: "$0", Value: "bash", Known: true}
}

// bindable drops the patterns kept for rules beside their matches: bash
// passes only the matches on. It returns args itself when there are none,
// so the result must not be written to.
func bindable(args []Arg) []Arg {
	kept := 0
	for _, a := range args {
		if a.standIn {
			kept++
		}
	}
	if kept == 0 && len(args) <= maxListElems {
		return args
	}
	out := make([]Arg, 0, len(args))
	for _, a := range args {
		if !a.standIn {
			out = append(out, a)
		}
	}
	if len(out) > maxListElems {
		out = out[:maxListElems]
	}
	return out
}

// heredocLit is the body of a here-document with a quoted delimiter as
// the parser read it, when it is one literal.
// heredocPartly is the body of a here-document whose expansions guard
// knows only some of, as the command reading it gets it where guard can
// tell: the variables it knows in their place, those it does not as
// written, for the code reading it (ssh host bash -s <<EOF) to stay
// unsure about them alone. Not done when a command substitution is in it
// (already walked), or a variable whose value is data read at run time.
func (r *resolver) heredocPartly(w *syntax.Word, sc *scope) (string, bool) {
	subst := false
	syntax.Walk(w, func(n syntax.Node) bool {
		switch n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			subst = true
		}
		return !subst
	})
	if subst {
		return "", false
	}
	var b strings.Builder
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			b.WriteString(unescapeHeredoc(p.Value))
		case *syntax.ParamExp:
			v := r.scalar(&syntax.Word{Parts: []syntax.WordPart{p}}, sc)
			switch {
			case v.Known:
				b.WriteString(v.Value)
			case v.data:
				return "", false
			default:
				b.WriteString(sc.text(p))
			}
		case *syntax.ArithmExp:
			if n, ok := r.arithValue(p.X, sc); ok {
				b.WriteString(strconv.FormatInt(n, 10))
			} else {
				b.WriteString(sc.text(p))
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// unescapeHeredoc removes the backslashes an unquoted here-document's
// body drops: before $, `, \ and a newline; others stay.
func unescapeHeredoc(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\\\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func heredocLit(w *syntax.Word) (string, bool) {
	if len(w.Parts) != 1 {
		return "", false
	}
	lit, ok := w.Parts[0].(*syntax.Lit)
	if !ok {
		return "", false
	}
	return lit.Value, true
}

func (r *resolver) walkDecl(d *syntax.DeclClause, sc *scope) {
	variant := ""
	if d.Variant != nil {
		variant = d.Variant.Value
	}
	local := variant == "local" || (variant == "declare" || variant == "typeset") && sc.inFunc != ""
	integer, nameref, assoc, array := false, false, false, false
	exported := variant == "export"
	var names []string // exported once assigned
	defer func() {
		for _, name := range names {
			if exported {
				sc.exportName(name)
			}
		}
	}()
	// The clause is also a command rules see, with its options and the
	// names it declares (readonly __guard_ok): not the values, which are
	// judged as assignments.
	var words []Arg
	defer func() {
		if variant != "" {
			r.emit(&Invocation{Program: variant, Command: Arg{Text: variant, Value: variant, Known: true}, Args: words,
				Cwd: sc.cwd, Via: sc.via, Remote: sc.remote, User: sc.user, Text: strings.TrimSpace(sliceSrc(sc.src, d.Pos(), d.End()))})
		}
	}()
	for _, as := range d.Args {
		if as.Name != nil && len(words) < maxListElems {
			words = append(words, Arg{Text: as.Name.Value, Value: as.Name.Value, Known: true})
		}
		if as.Name != nil {
			names = append(names, as.Name.Value)
		}
		if as.Naked && as.Name == nil && as.Value != nil {
			a := r.expandWord(as.Value, sc, modeScalar)[0]
			if len(words) < maxListElems {
				words = append(words, a)
			}
			switch {
			case strings.HasPrefix(a.Value, "-") || strings.HasPrefix(a.Value, "+"):
				integer = integer || strings.Contains(a.Value, "i") && a.Value[0] == '-'
				nameref = nameref || strings.Contains(a.Value, "n") && a.Value[0] == '-'
				assoc = assoc || strings.Contains(a.Value, "A") && a.Value[0] == '-'
				array = array || strings.ContainsAny(a.Value, "aA") && a.Value[0] == '-'
				exported = exported || strings.Contains(a.Value, "x") && a.Value[0] == '-'
				local = local && !strings.Contains(a.Value, "g")
			case !a.Known:
				sc.envOnly = false // export $(cat .env): names guard cannot see
				if nameUnknown(a) {
					sc.forgetValues(a)
				}
			case a.Known:
				// declare "$name=value" is judged as the assignment it makes
				name, value, hasValue := strings.Cut(a.Value, "=")
				name = r.nameRef(name, sc)
				names = append(names, name)
				if integer && hasValue {
					r.arithText(value, sc, 1)
				}
				if array && hasValue && strings.HasPrefix(value, "(") && strings.HasSuffix(value, ")") {
					// declare -a 'x=(…)' reads its value as an array assignment
					// written on the line: the substitutions in it run
					r.textSubsts(value, sc)
				}
				if nameref && hasValue {
					r.nameRef(value, sc) // every use of the reference evaluates its subscript
				}
				if nameref && syntax.ValidName(name) && syntax.ValidName(value) {
					sc.setOwn(name, shellVar{ref: value, set: true, local: local})
					continue
				}
				if syntax.ValidName(name) && hasValue {
					sc.set(name, shellVar{value: value, known: !nameref, set: true, maybeEmpty: true, local: local, integer: integer})
				}
			}
			continue
		}
		if as.Name == nil {
			continue
		}
		if assoc {
			// declare -A m=([k]=v): the elements are read by key
			sc.set(as.Name.Value, shellVar{assoc: true, keys: map[string]Arg{}, set: true, local: local})
		}
		if as.Naked {
			switch {
			case assoc:
			case local:
				sc.set(as.Name.Value, shellVar{known: true, local: true, integer: integer})
			case integer:
				v, _ := sc.get(as.Name.Value)
				v.integer = true
				sc.set(as.Name.Value, v)
			}
			continue
		}
		r.assign(as, sc)
		if v, ok := sc.get(as.Name.Value); ok {
			if array && v.known && len(v.list) == 0 && strings.HasPrefix(v.value, "(") && strings.HasSuffix(v.value, ")") {
				// declare -a x='(…)' reads the quoted value as an array
				// assignment: the substitutions in it run
				r.textSubsts(v.value, sc)
			}
			if integer && v.known && !v.integer {
				r.arithText(v.value, sc, 1)
			}
			if nameref && v.known {
				r.nameRef(v.value, sc) // every use of the reference evaluates its subscript
				if syntax.ValidName(v.value) && v.value != as.Name.Value {
					sc.setOwn(as.Name.Value, shellVar{ref: v.value, set: true, local: local})
					continue
				}
			}
			v.local = local
			v.known = v.known && !nameref
			v.integer = v.integer || integer
			sc.set(as.Name.Value, v)
		}
	}
}

func (r *resolver) assign(as *syntax.Assign, sc *scope) {
	r.hookAssign(as, sc)
	r.assignValue(as, sc)
	if as.Name != nil && as.Name.Value == "BASH_ARGV0" && sc.params != nil && !as.Append && as.Index == nil {
		// bash 5 sets $0 to what BASH_ARGV0 is given
		if v, ok := sc.get("BASH_ARGV0"); ok {
			sc.params = &positional{zero: Arg{Text: "$0", Value: v.value, Known: v.known}, list: sc.params.list, none: sc.params.none}
		}
	}
	if as.Name != nil && promptCode(as.Name.Value) != "" {
		r.storedCode(as.Name.Value, r.assignedValues(as, sc), sc)
	}
	if as.Name != nil && sc.opts&optZsh != 0 {
		r.zshHookArray(as, sc)
	}
}

// setElement is the array name after a[N]=v, when its elements are all
// known, N is a number written out and v is known: c=(rm); c[1]=-rf is
// (rm -rf), and c[9]=x puts x after the others, at index 9.
// maxArrayIndex bounds the indexes guard follows in an array literal.
const maxArrayIndex = 1 << 20

func setElement(sc *scope, name string, as *syntax.Assign, value Arg) (shellVar, bool) {
	w, ok := as.Index.(*syntax.Word)
	if !ok || as.Append || as.Value == nil || !value.Known {
		return shellVar{}, false
	}
	i, err := strconv.Atoi(w.Lit())
	if err != nil {
		return shellVar{}, false
	}
	old, ok := sc.get(name)
	var elems map[int]Arg
	switch {
	case !ok || !old.set && old.list == nil:
		elems = map[int]Arg{} // unset: a new array
	case old.list == nil && old.known:
		elems = map[int]Arg{0: {Value: old.value, Known: true}} // a scalar is element 0
	case old.list == nil || !knownArgs(old.list):
		return shellVar{}, false
	default:
		elems = old.elements()
	}
	switch {
	case i < 0:
		i += old.end() // c[-1]: the last element
	case sc.opts&optZsh != 0 && i == 0:
		return shellVar{}, false
	case sc.opts&optZsh != 0:
		i-- // zsh counts from 1
	}
	if i < 0 || len(elems) >= maxListElems {
		return shellVar{}, false
	}
	elems[i] = value
	return indexedArray(elems), true
}

func (r *resolver) assignValue(as *syntax.Assign, sc *scope) {
	if as.Name == nil {
		return
	}
	name := as.Name.Value
	if old, ok := sc.get(name); ok && old.assoc && (as.Index != nil || as.Array != nil) {
		r.assignAssoc(as, old, sc)
		return
	}
	if as.Index != nil {
		// a[i]=v: the subscript is arithmetic, and runs what is inside it.
		r.arithStmt(as.Index, sc)
		var value Arg
		if as.Value != nil {
			value = r.expandWord(as.Value, sc, modeScalar)[0]
		}
		if v, ok := setElement(sc, name, as, value); ok {
			sc.set(name, v)
			return
		}
		sc.set(name, shellVar{set: true, maybeEmpty: true})
		return
	}
	if as.Array != nil {
		// arr=(rm -rf /usr), arr=([2]=/usr [0]=rm [1]=-rf): keep the
		// elements by index while they are known
		elems := map[int]Arg{}
		next, known := 0, true
		old, ok := sc.get(name)
		switch {
		case as.Append && ok && old.list != nil:
			elems, next = old.elements(), old.end()
		case as.Append:
			known = !ok
		}
		for _, el := range as.Array.Elems {
			mode := modeList
			if el.Index != nil {
				r.arithStmt(el.Index, sc)
				n, ok := r.arithValue(el.Index, sc)
				if !ok || n < 0 || n > maxArrayIndex {
					known = false
				}
				next, mode = int(n), modeScalar // [i]=word is one word, as in an assignment
				if el.Value == nil {
					elems[next] = Arg{Known: true} // [i]= sets an empty element
					next++
					continue
				}
			}
			if el.Value == nil {
				continue
			}
			for _, f := range r.expandWord(el.Value, sc, mode) {
				if len(elems) < maxListElems {
					elems[next] = f
					next++
				} else {
					known = false
				}
			}
		}
		v := shellVar{set: true, maybeEmpty: true}
		if known {
			v = indexedArray(elems)
		}
		sc.set(name, v)
		return
	}
	value := Arg{Known: true}
	if as.Value != nil {
		value = r.scalar(as.Value, sc)
		value.Glob = false // no pathname expansion in assignments
	}
	if as.Append {
		old, known := sc.lookup(name)
		if !known {
			value.unknown("$"+name, true)
		}
		value.Value = old + value.Value
	}
	if old, ok := sc.get(name); ok && old.integer {
		// declare -i n; n='a[$(…)]': the value is arithmetic, and runs
		// what its subscripts hold.
		if value.Known {
			r.arithText(value.Value, sc, 1)
		}
		sc.assign(name, value)
		v, _ := sc.get(name)
		v.integer = true
		sc.set(name, v)
		return
	}
	sc.assign(name, value)
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
	if r.zshForeach(call, sc, ctx) {
		return
	}
	// Prefix assignments (VAR=x cmd) are expanded before cmd and are in
	// its environment only: what it runs sees them, its words do not.
	unguarded := sc.unguarded
	var env []*syntax.Assign
	var envValues []Arg
	for _, as := range call.Assigns {
		v := r.scalar(as.Value, sc)
		if as.Value == nil {
			v = Arg{Known: true}
		}
		if as.Name != nil && as.Name.Value == "GUARD" && v.Known && v.Value == "off" {
			unguarded = true
		}
		if as.Name != nil && promptCode(as.Name.Value) != "" {
			r.storedCode(as.Name.Value, []Arg{v}, sc) // PS4=… bash -x, BASH_ENV=… bash
		}
		if as.Name != nil && as.Index == nil && as.Array == nil {
			env, envValues = append(env, as), append(envValues, v)
		}
	}
	wsc := sc
	if sc.opts&optZsh != 0 && call.Args[0].Lit() == "noglob" {
		wsc = sc.clone()
		wsc.opts |= optNoglob
	}
	words := r.newArgs(len(call.Args))
	var cut cutReading
	words = r.expandCutting(words, &cut, call.Args[0], sc, modeList)
	for _, w := range call.Args[1:] {
		words = r.expandCutting(words, &cut, w, wsc, modeArgs)
	}
	if len(words) == 0 {
		return
	}
	r.args += len(words)
	if r.args > maxArgs {
		r.tooComplex(fmt.Sprintf("its commands have more than %d words; guard stopped reading there", maxArgs))
		return
	}
	inv := r.newInvocation()
	*inv = Invocation{
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
	inv.Env = sc.exportedEnv() // written before the prefix: VAR=value cmd wins
	for i, as := range env {
		inv.Env = append(inv.Env, EnvVar{Name: as.Name.Value, Value: envValues[i]})
	}
	if cmd := inv.Command; cmd.Known && r.funcs[cmd.Value] == nil {
		if p, ok := sc.hashed[cmd.Value]; ok {
			// hash -p /bin/rm tidy earlier: tidy runs /bin/rm
			inv.Command = Arg{Text: cmd.Text, Value: p, Known: true}
			if p == "" {
				inv.Command = Arg{Text: cmd.Text, Unknown: []string{cmd.Text}}
			}
		}
	}
	inv.Program = programName(inv.Command)
	if target := r.linkedProgram(inv); target != "" {
		inv.Program = target
	}
	dsc := sc
	if len(env) > 0 && !stateBuiltins[inv.Program] {
		dsc = sc.clone()
		for i, as := range env {
			dsc.assign(as.Name.Value, envValues[i])
		}
	}
	if unguarded && !dsc.unguarded {
		if dsc == sc {
			dsc = sc.clone()
		}
		dsc.unguarded = true
	}
	if inv.Command.Known && inv.Command.Value == inv.Program && inv.Command.Text != inv.Program {
		r.shellFunction(inv.Program, sc) // $y CMD after y=f runs the shell's function f
	}
	if def := r.funcs[inv.Program]; def != nil && inv.Command.Known && inv.Command.Value == inv.Program {
		// A function defined on the line: bash runs its body, not a program.
		inv.Function = inv.Program
		inv.Recursive = slices.Contains(sc.calls, inv.Program)
		r.emit(inv)
		if !inv.Recursive {
			r.callFunc(def, inv, dsc)
		}
		return
	}
	if inv.Program == "read" {
		for i, as := range env {
			if as.Name.Value == "IFS" && envValues[i].Known {
				r.readIFS = &envValues[i].Value
			}
		}
		defer func() { r.readIFS = nil }()
	}
	if inv.Program == "cd" || inv.Program == "pushd" {
		for i, as := range env {
			if as.Name.Value == "CDPATH" {
				r.cdPath = &envValues[i]
			}
		}
		defer func() { r.cdPath = nil }()
	}
	r.dispatch(inv, dsc)
	if cut.words != nil {
		r.dispatchCut(inv, cut, dsc)
	}
}

// cutReading is a command's words as they run if the first word whose
// value guard cannot know splits where its unknown parts are: bash splits
// an unquoted expansion on IFS, so rm${SEP}-rf${SEP}/usr is rm -rf /usr
// when $SEP holds a blank (${IFS} itself, $'\x20', a value read at run
// time).
type cutReading struct {
	words   []Arg  // nil when there is no such reading
	unknown string // the parts that would split, for messages
	done    bool   // the first unknown word was met
}

// expandCutting appends the fields of w to words, as expandInto does, and
// builds cut alongside: the first word guard cannot know whose unknown
// parts, read as separators, leave more than one word, starting with a
// known one; the words before and after it as they are.
func (r *resolver) expandCutting(words []Arg, cut *cutReading, w *syntax.Word, sc *scope, mode expandMode) []Arg {
	mark := r.prewalk(w, sc)
	defer func() { r.substs = r.substs[:mark] }()
	start := len(words)
	words = r.expandPrewalked(words, w, sc, mode)
	if cut.words != nil {
		cut.words = append(cut.words, words[start:]...)
		return words
	}
	if _, known := allKnown(words[start:]); cut.done || known {
		return words
	}
	cut.done = true
	r.cutUnknown = true
	pieces := r.expandPrewalked(nil, w, sc, mode)
	r.cutUnknown = false
	if len(pieces) <= len(words)-start || !pieces[0].Known || pieces[0].Value == "" {
		return words // nothing to split, or no word to run
	}
	var names []string
	for _, a := range words[start:] {
		for _, u := range a.Unknown {
			if !slices.Contains(names, u) {
				names = append(names, u)
			}
		}
	}
	cut.unknown = strings.Join(names, ", ")
	cut.words = append(append(make([]Arg, 0, len(words)+len(pieces)), words[:start]...), pieces...)
	return words
}

// dispatchCut walks the cut reading of inv as a command of its own, in a
// scope that marks what it runs as a conjecture (Invocation.Cut): the
// engine asks about what it would refuse, rather than refusing, since
// whether the parts split is known only when the line runs.
func (r *resolver) dispatchCut(inv *Invocation, cut cutReading, sc *scope) {
	alt := r.newInvocation()
	*alt = *inv
	alt.Command, alt.Args = cut.words[0], cut.words[1:]
	alt.Program = programName(alt.Command)
	csc := sc.clone()
	csc.cut = cut.unknown
	ran, andNext := r.ran, r.andNext
	r.dispatch(alt, csc)
	r.ran, r.andNext = ran, andNext // it is the same command, read another way
}

// stateBuiltins change the shell's own state; a prefix assignment does not
// make them run elsewhere.
var stateBuiltins = map[string]bool{
	"cd": true, "pushd": true, "popd": true, "read": true, "mapfile": true, "readarray": true,
	"set": true, "shift": true, "shopt": true, "setopt": true, "unsetopt": true, "unset": true, "export": true, "local": true,
	"declare": true, "typeset": true, "readonly": true, "printf": true, "getopts": true,
}

// stmtText is the statement as written, without a trailing & or ;.
func stmtText(st *syntax.Stmt, sc *scope) string {
	end := st.End()
	if st.Semicolon.IsValid() && st.Semicolon.Offset() < end.Offset() {
		end = st.Semicolon
	}
	return strings.TrimSpace(sliceSrc(sc.src, st.Pos(), end))
}

// knownBase reports whether the last path component of a word is written
// out, so that its program is known even if its folder is not:
// "$APP_HOME"/bin/ctl is ctl. What follows the last slash must be a name:
// in $(ls /usr/bin | head -1) the slash is inside the substitution.
func knownBase(cmd Arg) bool {
	i := strings.LastIndex(cmd.Text, "/")
	if i < 0 || i == len(cmd.Text)-1 {
		return false
	}
	for _, c := range cmd.Text[i+1:] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._+-@:", c)) {
			return false
		}
	}
	return true
}

// linkedProgram: a command run by a path outside the system's folders
// that is a symbolic link to a program of another name (ln -s /bin/rm
// ./del) runs that program. The system's own links (/usr/bin/awk to mawk
// through /etc/alternatives) keep the name they are called by.
func (r *resolver) linkedProgram(inv *Invocation) string {
	cmd := inv.Command
	if !cmd.Known || !strings.Contains(cmd.Value, "/") || inv.Remote != "" || r.host == nil {
		return ""
	}
	p := inv.Path(cmd.Value)
	if p == "" || systemProgramDir(path.Dir(p)) {
		return ""
	}
	if w, ok := r.reached().written[p]; ok && w.program != "" {
		return w.program // cp /bin/rm ./tidy earlier on the line
	}
	if target, ok := ResolvePath(r.host, p); ok {
		p = target
	}
	if base := path.Base(p); base != inv.Program && base != "." && base != "/" {
		return base
	}
	return ""
}

// systemProgramDir: the distribution's folders, and those where the
// system installs programs under other names (alternatives, local builds).
func systemProgramDir(dir string) bool {
	switch dir {
	case "/usr/local/bin", "/usr/local/sbin", "/etc/alternatives", "/usr/libexec":
		return true
	}
	return distroDir(dir)
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
			if name, ok := strings.CutPrefix(red.Fd, "{"); ok && strings.HasSuffix(name, "}") {
				red.Fd = sc.namedFd(strings.TrimSuffix(name, "}")) // exec {fd}<FILE
			}
		}
		switch {
		case rd.Hdoc != nil && !heredocExpands(rd.Word):
			// A quoted delimiter: the body is taken as written, and
			// nothing in it runs.
			body := sc.text(rd.Hdoc)
			if lit, ok := heredocLit(rd.Hdoc); ok {
				body = lit // the source's span can run into the delimiter's line inside ( … )
			}
			red.Target = Arg{Text: body, Value: body, Known: true}
		case rd.Hdoc != nil:
			red.Target = r.expandWord(rd.Hdoc, sc, modeScalar)[0]
			if !red.Target.Known {
				if text, ok := r.heredocPartly(rd.Hdoc, sc); ok {
					red.Target.Text = text
				}
			}
		case rd.Op == syntax.Hdoc || rd.Op == syntax.DashHdoc:
			// an empty body: the parser keeps no word for it (the
			// delimiter in rd.Word is not what the command reads)
			red.Target = Arg{Known: true}
		case rd.Word != nil && rd.Op == syntax.WordHdoc:
			red.Target = r.expandWord(rd.Word, sc, modeScalar)[0]
		case rd.Word != nil:
			if fields := r.expandWord(rd.Word, sc, modeRedir); len(fields) > 0 {
				red.Target = fields[0]
			}
		}
		if dup, ok := dupOf(red, out, sc); ok {
			red = dup // <&3 after exec 3<FILE: FILE
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
		lit, ok := p.(*syntax.Lit)
		if !ok || strings.Contains(lit.Value, `\`) {
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
	inv := &Invocation{
		Redirs:     redirs,
		Cwd:        sc.cwd,
		Via:        sc.via,
		Remote:     sc.remote,
		User:       sc.user,
		Background: ctx.background,
		InPipeline: ctx.inPipeline,
		Text:       stmtText(st, sc),
	}
	r.emit(inv)
	r.observe(inv, sc) // in a container: > /host/etc/passwd through a mapped folder
}

// newInvocation and newArgs hand out the resolver's invocations and word
// lists from blocks: a script makes thousands of each, all kept in the
// verdict, and one allocation a block costs much less than one each.
func (r *resolver) newInvocation() *Invocation {
	if len(r.invBlock) == 0 {
		r.invBlock = make([]Invocation, r.blockFor())
	}
	inv := &r.invBlock[0]
	r.invBlock = r.invBlock[1:]
	return inv
}

// newArgs returns an empty list with room for n words; appending past n
// moves it out of the block, never over a neighbour.
func (r *resolver) newArgs(n int) []Arg {
	if n > blockLen/4 {
		return make([]Arg, 0, n)
	}
	if len(r.argBlock) < n {
		r.argBlock = make([]Arg, max(n, 2*r.blockFor()))
	}
	words := r.argBlock[:0:n]
	r.argBlock = r.argBlock[n:]
	return words
}

const blockLen = 64

// blockFor is how many to make at once: a line of a few commands makes a
// few (a block of 64 would cost a one-line judgment more than the rest of
// it), a script up to blockLen, as many as it has made so far.
func (r *resolver) blockFor() int {
	return min(max(len(r.invs), 4), blockLen)
}

// plainCondition: an if's condition is one simple command, not negated:
// the branch runs only when that command succeeded.
func plainCondition(cond []*syntax.Stmt) bool {
	if len(cond) != 1 || cond[0].Negated || cond[0].Background {
		return false
	}
	call, simple := cond[0].Cmd.(*syntax.CallExpr)
	return simple && len(call.Args) > 0
}

func (r *resolver) emit(inv *Invocation) {
	if r.stop() {
		return
	}
	r.invs = append(r.invs, inv)
	if r.madeLink != inv {
		inv.linkBefore = r.madeLink
		if makesLinks(inv) {
			r.madeLink = inv
		}
	}
	r.cdFailed = ""
	if r.ran != inv {
		inv.before = r.ran
		inv.afterSuccess = r.andNext && inv.before != nil
		r.andNext = false
		if !inv.Background && !inv.Detached {
			r.ran = inv
		}
	}
}

// dispatch records the invocation, then looks through it: the command a
// wrapper runs, the shell code a shell runs, the directory cd changes to,
// the state a builtin changes.
func (r *resolver) dispatch(inv *Invocation, sc *scope) {
	inv.Args = spellOutOptions(inv.Program, inv.Args) // rm --rec --for
	r.emit(inv)
	r.observe(inv, sc) // container binds, files written on this line
	if !inv.Command.Known {
		// An unknown command word may be empty, or a wrapper (sudo, env):
		// the words after it are judged as the command they would be. Not
		// so when only its folder is unknown ("$APP"/bin/ctl).
		if args := bindable(inv.Args); len(args) > 0 && args[0].Known && !knownBase(inv.Command) {
			r.runInner(inv, args, sc, inv.Command.Text, nil)
		}
		return
	}
	r.loadsLibraries(inv, sc) // LD_PRELOAD=/tmp/x.so CMD, enable -f
	if r.builtin(inv, sc) {
		return
	}
	if sc.depth < maxNesting {
		r.commandOptionsOf(inv, sc) // ssh -o ProxyCommand=…, GIT_SSH_COMMAND=… git
		r.remoteCopy(inv, sc)       // scp FILE web1:/etc/passwd: cp there
	}
	if sc.depth >= maxNesting {
		if wrapperFor(inv.Program) != nil || isShell(inv.Program) || zshPrecommand(inv.Program, sc) != nil {
			r.tooComplex(fmt.Sprintf("it runs shells inside shells more than %d deep; guard stopped reading there", maxNesting))
		}
		return
	}
	if wrap := zshPrecommand(inv.Program, sc); wrap != nil {
		wrap(r, inv, sc)
		return
	}
	if wrap := wrapperFor(inv.Program); wrap != nil {
		wrap(r, inv, sc)
		return
	}
	if isShell(inv.Program) {
		r.enterShell(inv, sc)
		return
	}
	r.runProgramFile(inv, sc) // ./x.sh: the script it runs
}

func (r *resolver) changeDir(inv *Invocation, sc *scope) {
	p := ParseOptions(bindable(inv.Args), OptSpec{StopAtOperand: true})
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
	if target.Known && !hasControl(target.Value) {
		// A name with a control character (a carriage return at the end
		// of a line written on Windows) is almost never a real folder: cd
		// fails and the shell stays where it was, or not. Unknown.
		next = r.cdTarget(inv, target.Value, sc)
	}
	if inv.Remote != "" && !filepath.IsAbs(next) {
		// another machine's folder relative to a place guard does not
		// know (its user's home): unknown. A folder named by its full
		// path, or relative to one, is followed there as here: ssh web1
		// 'cd /var/lib && rm -rf mysql' deletes web1's /var/lib/mysql.
		next = ""
	}
	if r.cdFails(inv, next) {
		r.cdFailed = next // the shell stays where it was
		return
	}
	sc.oldpwd, sc.cwd = sc.cwd, next
}

// cdFails: cd to a folder that is not on this host and that nothing run
// before it on the line could have made. The shell stays where it was,
// and what follows after ; or || runs there: cd buidl; rm -rf * empties
// the folder the line was typed in. At the start of the line (only cds
// before it) any missing folder fails; after other commands, one that
// cannot be made: under /proc or /sys, or below a folder that is missing
// too which no earlier command names or could make where it ran (mkdir
// /proc/x; cd /proc/x; rm -rf lib in /usr deletes /usr/lib).
func (r *resolver) cdFails(inv *Invocation, next string) bool {
	if next == "" || inv.Remote != "" || !filepath.IsAbs(next) {
		return false
	}
	host, _ := r.hostNow()
	resolved, ok := ResolvePath(host, next)
	if !ok || !missing(host, resolved) {
		return false
	}
	makers := false // a command before it that could make a folder
	for b, n := inv.before, 0; b != nil && n < maxRanBefore && !makers; b, n = b.before, n+1 {
		makers = !makesNoFolder(b)
	}
	if !makers || pseudoFS(resolved) {
		return true
	}
	top := resolved // the highest folder of the path that is missing
	for parent := filepath.Dir(top); parent != top && missing(host, parent); parent = filepath.Dir(top) {
		top = parent
	}
	if top == resolved {
		return false // one folder: any command before could have made it (git clone URL; cd repo)
	}
	for b, n := inv.before, 0; b != nil && n < maxRanBefore; b, n = b.before, n+1 {
		if b.Program == "cd" || b.Program == "pushd" || b.Remote != inv.Remote || b.Container != inv.Container {
			continue
		}
		if b.Cwd == "" || filepath.Dir(top) == b.Cwd || mayMake(b, top) {
			return false // tar xf app.tgz; cd app/build: made where it ran
		}
	}
	return true
}

// makesNoFolder tells whether inv certainly makes no folder: a cd, or a
// program that only prints or changes the shell's options (true; cd
// /nowhere; rm -rf * runs rm where the line was typed).
func makesNoFolder(inv *Invocation) bool {
	for _, rd := range inv.Redirs {
		if rd.Writes() {
			return false
		}
	}
	switch inv.Program {
	case "cd", "pushd", "popd", "true", "false", ":", "echo", "printf", "pwd", "set", "shopt", "setopt",
		"sleep", "date", "ls", "id", "whoami", "uptime", "hostname", "uname", "df", "free", "test", "[":
		return true
	}
	return false
}

// missing tells whether nothing is at p on the host.
func missing(host Host, p string) bool {
	_, err := host.Lstat(p)
	return errors.Is(err, fs.ErrNotExist)
}

// pseudoFS tells whether p is under /proc or /sys, where no command makes
// a folder.
func pseudoFS(p string) bool {
	return p == "/proc" || p == "/sys" || strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/sys/")
}

// mayMake tells whether inv names top or a path under it, and so may
// make it (mkdir -p top/a/b, git clone URL top/app, install -d top/x); a
// mkdir without -p makes no missing folder above the one it names.
func mayMake(inv *Invocation, top string) bool {
	plainMkdir := inv.Program == "mkdir" && !ParseOptions(inv.Args, OptSpec{ShortValue: "mZ", LongValue: []string{"mode", "context"}}).Has("p", "parents")
	for _, a := range inv.Args {
		if !a.Known {
			return true // a word guard cannot read may name it
		}
		p := inv.Path(strings.TrimPrefix(a.Value, "--target-directory="))
		if p == top || !plainMkdir && strings.HasPrefix(p, top+"/") {
			return true
		}
	}
	return false
}

// hasControl reports whether s holds a control character, a carriage
// return's stand-in among them.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}
