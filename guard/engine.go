package guard

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"
)

// MaxLineBytes is the largest line guard reads; past it the line is not
// parsed at all and the verdict is confirm.
const MaxLineBytes = 16 << 20

// Engine judges lines against a catalog of rules.
type Engine struct {
	rules      []*Rule
	specific   []*Rule // the rules about named programs, in catalog order
	byPrefix   []*Rule
	anyCmd     []*Rule
	exceptions []Exception
	// candidates are the programs rules are about, in order: the
	// programs an unknown command word is tried as. Built when first
	// needed, as is forProgram, rulesFor's answer per program: most
	// processes judge one short line, and should not pay for a table of
	// every program.
	candidates func() []string
	mu         sync.Mutex
	forProgram map[string][]*Rule
}

// Exception is a site's exception: an exact line, or an exact simple command
// (optionally only in one directory), that needs no judging.
type Exception struct {
	Line    string
	Command string
	Cwd     string
	Source  string // the policy file it comes from
}

func (a Exception) covers(inv *Invocation) bool {
	return a.Command != "" && a.Command == inv.Text && (a.Cwd == "" || a.Cwd == inv.Cwd)
}

// NewEngine indexes the rules by the programs they are about. It refuses
// incomplete rules and duplicate ids. exceptions are the site's exceptions.
func NewEngine(rules []*Rule, exceptions ...Exception) (*Engine, error) {
	all := append(append(MetaRules(), unknownProgramRule()), rules...)
	e := &Engine{exceptions: exceptions, rules: make([]*Rule, 0, len(all))}
	seen := make(map[string]bool, len(all))
	for _, r := range all {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("rule %q is declared twice", r.ID)
		}
		seen[r.ID] = true
		e.rules = append(e.rules, r)
		if len(r.Programs) == 0 {
			e.anyCmd = append(e.anyCmd, r)
			continue
		}
		named, prefixed := false, false
		for _, p := range r.Programs {
			if strings.HasSuffix(p, "*") {
				prefixed = true
			} else {
				named = true
			}
		}
		if named {
			e.specific = append(e.specific, r)
		}
		if prefixed {
			e.byPrefix = append(e.byPrefix, r)
		}
	}
	e.candidates = sync.OnceValue(func() []string { return candidateOrder(e.specific) })
	e.forProgram = map[string][]*Rule{}
	return e, nil
}

// Rules returns the catalog, engine rules first.
func (e *Engine) Rules() []*Rule { return e.rules }

// Rule returns the rule with the given id.
func (e *Engine) Rule(id string) (*Rule, bool) {
	for _, r := range e.rules {
		if r.ID == id {
			return r, true
		}
	}
	return nil, false
}

// Options say how to read a line.
type Options struct {
	// Cwd is the directory the line is typed in.
	Cwd string
	// Lang is the shell dialect; the zero value is bash.
	Lang syntax.LangVariant
	// Prelude is code the same shell ran before this line (the earlier
	// parts of a script streamed to it): walked for the folder, variables
	// and functions it leaves behind, not judged again.
	Prelude string
	// StdinScript: the line is (part of) a script its shell reads on its
	// standard input, which the script's own commands can read too.
	StdinScript bool
	// Strict: the line comes from a coding agent, which never gets the
	// operator's ways past written into a line (GUARD=off, guard run
	// --yes-i-know): those commands are judged like any other.
	Strict bool
	// Definitions are the aliases and functions of the interactive shell
	// the line is typed in (ParseDefinitions); nil when unknown.
	Definitions *Definitions
}

// Verdict is the answer for a line: the most severe decision of its
// findings, and the findings.
type Verdict struct {
	Decision Decision  `json:"decision"`
	Findings []Finding `json:"findings"`
	// Invocations are the commands the line would run, as resolved.
	Invocations []*Invocation `json:"-"`
}

// Judge reads line as typed in opts.Cwd on host and judges every command
// it would run. It never runs any of them.
func (e *Engine) Judge(line string, host Host, opts Options) (v Verdict) {
	v.Findings = []Finding{}
	defer func() {
		if p := recover(); p != nil {
			v.add(Finding{Rule: InternalID, Decision: Confirm, Command: firstLine(strings.TrimSpace(line)),
				Message: fmt.Sprintf("guard failed while reading this line (%v), so it was not fully checked", p),
				Hint:    "report this with the line; to go ahead, confirm"})
		}
	}()
	if len(line) > MaxLineBytes {
		v.add(Finding{Rule: TooComplexID, Decision: Confirm, Command: line[:40] + "…",
			Message: fmt.Sprintf("the line is %d MB, more than guard reads (%d MB): nothing in it was checked", len(line)>>20, MaxLineBytes>>20),
			Hint:    "put the commands in a script file, read it, and run it with bash FILE"})
		return v
	}
	host = rememberAnswers(host)
	for _, a := range e.exceptions {
		if a.Line != "" && a.Line == strings.TrimSpace(line) && (a.Cwd == "" || a.Cwd == opts.Cwd) {
			return v // allowed as a whole by the site policy
		}
	}
	lang := opts.Lang
	if lang == 0 {
		lang = syntax.LangBash
	}
	invs, notes, truncated := resolveAfter(opts.Prelude, line, opts.Cwd, host, lang, opts.StdinScript, opts.Definitions)
	v.Invocations = invs
	for _, note := range notes {
		v.add(Finding{Rule: UnparsedID, Decision: Warn, Command: firstLine(strings.TrimSpace(line)), Message: note,
			Hint: "check the quoting; guard judged the words it could find"})
	}
	if truncated != "" {
		v.add(Finding{Rule: TooComplexID, Decision: Confirm, Command: firstLine(strings.TrimSpace(line)),
			Message: fmt.Sprintf("guard could not judge all of this line: %s", truncated),
			Hint:    "put the commands in a script file, read it, and run it with bash FILE"})
	}
	found := e.findingsOf(invs, host, opts)
	later := laterNameable(invs)
	trials := 0
	for i, inv := range invs {
		for _, f := range found[i] {
			if inv.Deferred != "" && later && !opts.Strict {
				f = deferred(f, inv.Deferred)
			}
			if inv.Cut != "" {
				f = conjectured(f, inv)
			}
			v.add(f)
		}
		if inv.Unguarded && !opts.Strict || e.allowed(inv) || inv.Cut != "" {
			continue
		}
		if !inv.Command.Known && inv.Command.Text != "" && inv.Function == "" && !knownBase(inv.Command) && inv.Command.Origin == "" {
			if trials++; trials > maxTrials {
				v.add(Finding{Rule: TooComplexID, Decision: Confirm, Command: firstLine(strings.TrimSpace(line)),
					Message: fmt.Sprintf("the line runs more than %d commands whose program guard cannot tell; it did not try them all", maxTrials),
					Hint:    "name the programs the line runs, or put the commands in a script file, read it, and run it with bash FILE"})
				continue
			}
			if f := e.tryPrograms(inv, host); f != nil {
				v.add(*f)
			} else if inv.Command.data && dataMayHoldCommand(inv) {
				v.add(unknownData(inv))
			} else if opts.Strict {
				v.add(unknownForAgent(inv))
			}
		}
	}
	return v
}

// laterNameable: the line runs no command whose program guard cannot
// tell, which could be eval of an alias it defines, so the code in
// those definitions runs only when the name is typed later
// (Invocation.Deferred).
func laterNameable(invs []*Invocation) bool {
	for _, inv := range invs {
		if inv.Deferred == "" && !inv.Command.Known && inv.Command.Text != "" {
			return false
		}
	}
	return true
}

// deferred is finding f about code an alias typed at the prompt holds: nothing runs until its name is typed, and then it is
// judged again with the shell's definitions, so now it warns.
func deferred(f Finding, name string) Finding {
	if f.Decision > Warn {
		f.Decision = Warn
		f.Message = fmt.Sprintf("%s runs this when it is typed: %s; guard asks again then", name, f.Message)
	}
	return f
}

// conjectured is finding f about a reading of a command whose unknown
// parts split it (Invocation.Cut): it asks at most, since whether they
// hold a blank is known only when the line runs.
func conjectured(f Finding, inv *Invocation) Finding {
	if f.Decision > Warn {
		words := []string{inv.Command.Value}
		for _, a := range inv.Args[:min(len(inv.Args), 8)] {
			words = append(words, a.Value)
		}
		f.Decision = Confirm
		f.Message = fmt.Sprintf("if %s holds a blank when the line runs, bash splits the word there and runs %s: it %s",
			inv.Cut, strings.Join(words, " "), strings.TrimPrefix(f.Message, "this "))
		f.Hint = "write the words apart, with plain spaces, so that guard can judge them; " + f.Hint
	}
	return f
}

// findingsOf asks the rules about each invocation: found[i] are inv[i]'s
// findings, in the catalog's order. A long line's commands are shared out
// among the processors: rules only read the invocations and the host, and
// the findings are put back in the line's order, so the verdict is the
// same as asked one by one.
func (e *Engine) findingsOf(invs []*Invocation, host Host, opts Options) [][]Finding {
	found := make([][]Finding, len(invs))
	ask := func(from, to int) {
		for i := from; i < to; i++ {
			found[i] = e.findingsFor(invs[i], host, opts)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), maxRuleWorkers, len(invs)/minInvsPerWorker)
	if workers < 2 {
		ask(0, len(invs))
		return found
	}
	var wg sync.WaitGroup
	var panicked any
	var once sync.Once
	share := (len(invs) + workers - 1) / workers
	for from := 0; from < len(invs); from += share {
		wg.Add(1)
		go func(from, to int) {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					once.Do(func() { panicked = p })
				}
			}()
			ask(from, to)
		}(from, min(from+share, len(invs)))
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked) // Judge's recover turns it into a finding, as in step
	}
	return found
}

// The rules of a line are asked in parallel only for lines of many
// commands, where it pays for the goroutines.
const (
	maxRuleWorkers   = 4
	minInvsPerWorker = 256
)

// findingsFor is what the rules find about one invocation.
func (e *Engine) findingsFor(inv *Invocation, host Host, opts Options) []Finding {
	if inv.Unguarded && !opts.Strict {
		if len(inv.Via) == 0 { // once, on the command as typed
			return []Finding{{Rule: GuardOffID, Decision: Warn, Command: inv.Text,
				Message: "guard is off for this command (GUARD=off): it was not checked",
				Hint:    "this is recorded; drop GUARD=off to have it checked"}}
		}
		return nil
	}
	if e.allowed(inv) {
		return nil
	}
	var found []Finding
	var memo inertMemo
	host = withMadeLinks(host, inv)
	for _, r := range e.rulesFor(inv.Program) {
		if f := e.ask(r, inv, host, &memo); f != nil && (opts.Strict || !slices.Contains(inv.Acknowledged, f.Rule)) {
			found = append(found, *f)
		}
	}
	return found
}

// usualSuspects are the programs an unknown command word is tried as
// first: the words that would do harm with them are the ones people type
// (-rf / reads as rm's, not as btrfsck's), so the message names them.
var usualSuspects = []string{"rm", "dd", "mkfs", "shred", "wipefs", "truncate", "chmod", "chown", "mv", "cp", "rsync", "find", "kill", "systemctl", "crontab"}

// candidateOrder: the usual suspects (some are judged only by the rules
// about every command: dd's of= by disk-overwrite), then every program
// the rules name, in name order.
func candidateOrder(specific []*Rule) []string {
	named := map[string]bool{}
	for _, r := range specific {
		for _, p := range r.Programs {
			if !strings.HasSuffix(p, "*") {
				named[p] = true
			}
		}
	}
	order := append(make([]string, 0, len(named)+len(usualSuspects)), usualSuspects...)
	for _, p := range slices.Sorted(maps.Keys(named)) {
		if !slices.Contains(usualSuspects, p) {
			order = append(order, p)
		}
	}
	return order
}

// allowed: the site allows this command, as typed, where it is typed.
// A command inside a wrapper (sudo, bash -c) is allowed with it.
func (e *Engine) allowed(inv *Invocation) bool {
	for _, a := range e.exceptions {
		if a.covers(inv) {
			return true
		}
	}
	return false
}

func (v *Verdict) add(f Finding) {
	for _, g := range v.Findings {
		if g.Rule == f.Rule && g.Message == f.Message {
			return // the same command seen through two wrappers
		}
	}
	v.Findings = append(v.Findings, f)
	if f.Decision > v.Decision {
		v.Decision = f.Decision
	}
}

// rulesFor returns the rules to ask about a program: those about every
// command, those about it, those about a prefix of it.
func (e *Engine) rulesFor(program string) []*Rule {
	e.mu.Lock()
	defer e.mu.Unlock()
	rules, ok := e.forProgram[program]
	if !ok {
		rules = e.collectRules(program)
		if len(e.forProgram) < maxRememberedPrograms {
			e.forProgram[program] = rules
		}
	}
	return rules
}

// maxRememberedPrograms bounds forProgram: a process that judges a long
// script of made-up command names (the login shell's standard input)
// keeps no more than this many answers; past it they are collected again.
const maxRememberedPrograms = 4096

func (e *Engine) collectRules(program string) []*Rule {
	rules := e.anyCmd
	if program == "" {
		return rules
	}
	var specific []*Rule // looked for once per program (rulesFor keeps it)
	for _, r := range e.specific {
		for _, p := range r.Programs {
			if p == program {
				specific = append(specific, r)
			}
		}
	}
	if len(specific) > 0 {
		rules = append(append([]*Rule(nil), rules...), specific...)
	}
	for _, r := range e.byPrefix {
		for _, p := range r.Programs {
			if strings.HasSuffix(p, "*") && strings.HasPrefix(program, strings.TrimSuffix(p, "*")) {
				rules = append(append([]*Rule(nil), rules...), r)
				break
			}
		}
	}
	return rules
}

// ask is rule r's finding about inv, or about its redirections alone, or
// none when the rule's inert check says inv changes nothing, or when the
// rule is about the machine and inv runs in a throwaway container.
func (e *Engine) ask(r *Rule, inv *Invocation, host Host, memo *inertMemo) *Finding {
	if r.Machine && inv.Throwaway {
		return nil // the container's own machine, gone with it
	}
	subject := memo.subject(r, inv)
	if subject == nil {
		return nil
	}
	return e.match(r, subject, host)
}

// match runs one rule, turning a panic into a finding: a broken rule must
// not take the shell down with it, nor let the line through unseen.
func (e *Engine) match(r *Rule, inv *Invocation, host Host) (f *Finding) {
	defer func() {
		if p := recover(); p != nil {
			f = &Finding{Rule: r.ID, Decision: Confirm, Command: inv.Text,
				Message: fmt.Sprintf("guard's rule %s failed on this command (%v); it could not be checked", r.ID, p),
				Hint:    "report this with the line; to go ahead, confirm"}
		}
	}()
	f = r.Match(inv, host)
	if f == nil {
		return nil
	}
	f.Rule = r.ID
	if f.Command == "" {
		f.Command = inv.Text
	}
	f.Backup = f.Backup.elsewhere(inv)
	return f
}
