package guard

import (
	"path/filepath"
	"strings"
	"unicode"

	"github.com/guard-sh/guard/guard/lazyre"
)

// make runs the recipe lines of the targets it is asked for, and of their
// prerequisites first, each line with sh -c in the Makefile's folder.
// guard reads the Makefile and the files it includes (bounded), expands
// the variables they define, and judges each recipe line as shell code. A
// variable nobody defines is make's: taken from the environment, else
// empty, which is what makes rm -rf $(BUILD)/ dangerous. When guard could
// not read everything that may define it (an include it cannot read,
// $(eval)), it stays a shell variable ${NAME} that guard does not know.

// Bounds on reading a Makefile.
const (
	maxMakeRules  = 64 // rules walked for one make command
	maxMakeDepth  = 16 // variable expansion and prerequisite depth
	maxMakeRecipe = 256
)

type makefile struct {
	dir   string
	vars  map[string]string
	rules map[string]*makeRule
	first string // the default goal
	// incomplete: some definitions could not be read, so an undefined
	// variable is unknown rather than empty.
	incomplete bool
	env        func(string) (string, bool)
	includes   []string // files to read next, as written
	// immediate are the texts make expands while it reads the Makefile,
	// before any recipe runs, even with -n: the values of := and !=,
	// the conditions of ifeq, a rule's targets and prerequisites, a
	// lone $(…) line. Their $(shell …) run then.
	immediate []string
	// shellCalls collects the commands $(shell …) runs, while set.
	shellCalls *[]string
}

// maxMakeIncludes bounds the files a Makefile includes that are read.
const maxMakeIncludes = 8

type makeRule struct {
	prereqs []string
	recipe  []string
}

var (
	makeAssign = lazyre.New(`^(?:(?:export|override|private)\s+)*([A-Za-z0-9_.\-]+)\s*(::?=|:::=|\?=|\+=|!=|=)\s*(.*)$`)
	makeVarRef = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// wrapMake judges the recipes make would run.
func wrapMake(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "CfIoWE", LongValue: []string{"directory", "file", "makefile", "include-dir", "old-file", "assume-old", "what-if", "new-file", "assume-new", "eval"}})
	if p.Has("v", "version", "h", "help") {
		return // prints, reads no Makefile
	}
	// -n, -q and -t run no recipe, but make still reads the Makefile and
	// runs the $(shell …) found there; -n also expands the recipes it
	// prints, running their $(shell …)
	printOnly := p.Has("n", "just-print", "dry-run", "recon")
	noRecipe := p.Has("q", "question", "t", "touch")
	if outer.Remote != "" {
		return
	}
	dir := outer.Cwd
	for _, c := range p.Values("C", "directory") {
		if !c.Known || dir == "" && !filepath.IsAbs(c.Value) {
			return
		}
		if filepath.IsAbs(c.Value) {
			dir = filepath.Clean(c.Value)
		} else {
			dir = filepath.Join(dir, c.Value)
		}
	}
	if dir == "" {
		return
	}
	var names []string
	var content, makefileName string
	found := false
	for _, f := range p.Values("f", "file", "makefile") {
		if !f.Known || fdPath(f.Value) != "" {
			// make -f <(printf …), make -f /dev/fd/3 3<<<…: the Makefile
			// is what prints it; one guard cannot compute is asked about
			t := r.fileText(outer, f)
			if !t.known {
				if f.Known || len(f.Sources) > 0 {
					r.hidden(outer, t)
				}
				return
			}
			content, makefileName, found = t.value, f.Text, true
			break
		}
		names = append(names, f.Value)
	}
	if len(names) == 0 && !found {
		names = []string{"GNUmakefile", "makefile", "Makefile"}
	}
	for _, name := range names {
		if found {
			break
		}
		if isStdinPath(name) {
			// make -f -: the Makefile comes on standard input
			t := r.stdinOf(outer, 0)
			if !t.known {
				r.hidden(outer, t)
				return
			}
			content, makefileName, found = t.value, "the Makefile on standard input", true
			break
		}
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, name)
		}
		text, state, by := r.readFile(path)
		if state == fileRead {
			content, makefileName, found = text, name, true
			break
		}
		if reason := unreadReason(name, state, by); reason != "" {
			outer.note().Hidden = reason
			return
		}
		if len(p.Values("f", "file", "makefile")) > 0 {
			return
		}
	}
	// --eval=TEXT is read as more of the Makefile, after it
	var evals []string
	for _, e := range p.Values("E", "eval") {
		if e.Known {
			evals = append(evals, e.Value)
		}
	}
	if !found && len(evals) == 0 {
		return
	}
	if !found {
		makefileName = "make --eval"
	}
	// make's variables start from its environment: the host's, the
	// line's exports and VAR=value before make (OUT=/usr make clean)
	mf := &makefile{dir: dir, env: sc.lookup, vars: map[string]string{"CURDIR": dir, "MAKE": "make", "RM": "rm -f", "SHELL": "/bin/sh"}, rules: map[string]*makeRule{}}
	mf.parse(content)
	for _, e := range evals {
		mf.parse(e)
	}
	for n := 0; n < len(mf.includes); n++ {
		if n >= maxMakeIncludes {
			mf.incomplete = true
			break
		}
		for _, inc := range strings.Fields(mf.expand(mf.includes[n], "", &makeRule{}, 0)) {
			path := inc
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			if text, state, _ := r.readFile(path); state == fileRead {
				mf.parse(text)
			} else {
				mf.incomplete = true
			}
		}
	}
	readingCode(r, outer, sc, mf, makefileName)
	if noRecipe {
		return
	}
	if p.Has("e", "environment-overrides") {
		for name := range mf.vars {
			if value, ok := sc.lookup(name); ok && name != "SHELL" {
				mf.vars[name] = value // make -e: the environment wins over the Makefile
			}
		}
	}
	var goals []string
	for _, a := range p.Operands {
		if !a.Known {
			continue
		}
		if name, value, ok := strings.Cut(a.Value, "="); ok && makeVarRef.MatchString(strings.TrimSuffix(name, ":")) {
			mf.vars[strings.TrimSuffix(name, ":")] = value // command-line variables win
			continue
		}
		if isAllDigits(a.Value) {
			continue // the count of -j or -l
		}
		goals = append(goals, a.Value)
	}
	if len(goals) == 0 && mf.first != "" {
		goals = []string{mf.first}
	}
	w := makeWalk{file: makefileName, r: r, outer: outer, sc: sc, mf: mf, seen: map[string]bool{}, printOnly: printOnly}
	for _, g := range goals {
		w.target(g, 0)
	}
}

type makeWalk struct {
	file  string // the Makefile's name, for messages
	r     *resolver
	outer *Invocation
	sc    *scope
	mf    *makefile
	seen  map[string]bool
	rules int
	// printOnly: make -n prints the recipes, expanded, and runs none
	printOnly bool
}

// target judges a target's prerequisites, then its recipe.
func (w *makeWalk) target(name string, depth int) {
	rule, ok := w.mf.rules[name]
	if !ok || w.seen[name] || depth > maxMakeDepth || w.rules >= maxMakeRules {
		return
	}
	w.seen[name] = true
	w.rules++
	for _, pre := range rule.prereqs {
		w.target(pre, depth+1)
	}
	if w.printOnly {
		w.mf.immediate = rule.recipe
		readingCode(w.r, w.outer, w.sc, w.mf, w.file)
		return
	}
	var codes []string
	for _, line := range rule.recipe {
		code := w.mf.expand(line, name, rule, 0)
		codes = append(codes, strings.TrimLeft(code, "@-+ \t"))
	}
	if _, one := w.mf.rules[".ONESHELL"]; one && len(codes) > 0 {
		// .ONESHELL: the recipe is one script for one shell, so a cd on
		// one line holds for the lines after it
		codes = []string{strings.Join(codes, "\n")}
	}
	for _, code := range codes {
		w.r.runCodeWith(w.outer, code, w.sc, "make "+name, codeOpts{file: w.file + " (" + name + ")", adjust: func(inner *Invocation, isc *scope) {
			inner.Cwd, inner.Stdin = w.mf.dir, nil
		}})
	}
}

// parse reads the rules and variables of a Makefile. Conditional
// directives are not evaluated: the lines of every branch are read.
func (mf *makefile) parse(content string) {
	if strings.Contains(content, "$(eval") || strings.Contains(content, "${eval") {
		mf.incomplete = true
	}
	lines := strings.Split(strings.ReplaceAll(content, "\r\n", "\n"), "\n")
	var current []*makeRule
	inDefine := false
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(line, "\t") {
			if len(current) == 0 || inDefine {
				continue
			}
			recipe := line[1:]
			for strings.HasSuffix(recipe, `\`) && i+1 < len(lines) {
				i++
				recipe += "\n" + strings.TrimPrefix(lines[i], "\t")
			}
			for _, rule := range current {
				if len(rule.recipe) < maxMakeRecipe {
					rule.recipe = append(rule.recipe, recipe)
				}
			}
			continue
		}
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(lines[i])
		}
		if c := strings.Index(line, "#"); c >= 0 && (c == 0 || line[c-1] != '\\') {
			line = line[:c]
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			continue
		case strings.HasPrefix(trimmed, "define "):
			inDefine = true
			if f := strings.Fields(trimmed); len(f) > 1 {
				mf.vars[f[1]] = "${make_" + f[1] + "}" // a multi-line value guard does not read
			}
			continue
		case trimmed == "endef":
			inDefine = false
			continue
		case inDefine:
			continue
		}
		first := strings.Fields(trimmed)[0]
		switch first {
		case "include", "-include", "sinclude":
			mf.includes = append(mf.includes, strings.TrimSpace(strings.TrimPrefix(trimmed, first)))
			continue
		case "ifeq", "ifneq", "ifdef", "ifndef", "else", "endif", "vpath", "unexport", "undefine", "export", "override":
			if first == "ifeq" || first == "ifneq" {
				mf.later(trimmed)
			}
			if m := makeAssign.FindStringSubmatch(trimmed); m != nil && (first == "export" || first == "override") {
				mf.assign(m)
			}
			continue
		}
		if (strings.HasPrefix(trimmed, "$(") || strings.HasPrefix(trimmed, "${")) && matchingClose(trimmed, 2, trimmed[1]) == len(trimmed)-1 {
			mf.later(trimmed) // $(shell …), $(info …), $(eval …) alone on a line
			current = nil
			continue
		}
		if m := makeAssign.FindStringSubmatch(trimmed); m != nil {
			mf.assign(m)
			current = nil
			continue
		}
		targets, rest, ok := strings.Cut(line, ":")
		if !ok {
			current = nil
			continue
		}
		rest = strings.TrimPrefix(rest, ":") // double-colon rules
		inline := ""
		if semi := strings.Index(rest, ";"); semi >= 0 {
			rest, inline = rest[:semi], strings.TrimSpace(rest[semi+1:])
		}
		mf.later(targets + " " + rest)
		if strings.Contains(rest, "=") || strings.Contains(rest, ":") {
			current = nil // a target-specific variable, or a static pattern rule
			continue
		}
		current = nil
		for _, t := range strings.Fields(targets) {
			if strings.Contains(t, "%") {
				continue
			}
			rule, exists := mf.rules[t]
			if !exists {
				rule = &makeRule{}
				mf.rules[t] = rule
			}
			rule.prereqs = append(rule.prereqs, strings.Fields(rest)...)
			if inline != "" {
				rule.recipe = append(rule.recipe, inline)
			}
			current = append(current, rule)
			if mf.first == "" && !strings.HasPrefix(t, ".") {
				mf.first = t
			}
		}
	}
}

func (mf *makefile) assign(m []string) {
	name, op, value := m[1], m[2], m[3]
	switch op {
	case "?=":
		if _, ok := mf.vars[name]; ok {
			return
		}
		if mf.env != nil {
			if _, ok := mf.env(name); ok {
				return // set in make's environment: ?= keeps it
			}
		}
	case "+=":
		if old, ok := mf.vars[name]; ok {
			value = old + " " + value
		}
	case "!=":
		value = "$(shell " + value + ")"
		mf.later(value)
	case ":=", "::=", ":::=":
		mf.later(value)
	}
	mf.vars[name] = value
}

// expand expands make's references in s: variables the Makefile defines,
// automatic variables, $(shell …) as a command substitution; the rest
// become shell variables for the shell to look up.
func (mf *makefile) expand(s, target string, rule *makeRule, depth int) string {
	if depth > maxMakeDepth || !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		c := s[i]
		switch c {
		case '$':
			b.WriteByte('$')
			continue
		case '(', '{':
			end := matchingClose(s, i+1, c)
			if end < 0 {
				b.WriteString(s[i-1:])
				return b.String()
			}
			b.WriteString(mf.reference(s[i+1:end], target, rule, depth))
			i = end
		default:
			b.WriteString(mf.reference(string(c), target, rule, depth))
		}
	}
	return b.String()
}

func (mf *makefile) reference(ref, target string, rule *makeRule, depth int) string {
	switch ref {
	case "@":
		return target
	case "<":
		if len(rule.prereqs) > 0 {
			return rule.prereqs[0]
		}
		return ""
	case "^", "+", "?":
		return strings.Join(rule.prereqs, " ")
	case "*":
		return ""
	case "@D":
		return filepath.Dir(target)
	case "@F":
		return filepath.Base(target)
	}
	if fn, args, ok := strings.Cut(ref, " "); ok {
		if fn == "shell" {
			cmd := mf.expand(args, target, rule, depth+1)
			if mf.shellCalls != nil && len(*mf.shellCalls) < maxMakeRecipe {
				*mf.shellCalls = append(*mf.shellCalls, cmd)
			}
			return "$(" + cmd + ")"
		}
		if mf.shellCalls != nil {
			mf.expand(args, target, rule, depth+1) // $(info $(shell …)), $(eval X := $(shell …))
		}
		return "${make_" + strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return '_'
		}, fn) + "}"
	}
	name := mf.expand(ref, target, rule, depth+1)
	if value, ok := mf.vars[name]; ok {
		return mf.expand(value, target, rule, depth+1)
	}
	if mf.env != nil {
		if value, ok := mf.env(name); ok {
			return value
		}
	}
	switch {
	case !mf.incomplete:
		return "" // defined nowhere: empty
	case makeVarRef.MatchString(name):
		return "${" + name + "}"
	}
	return "${make_variable}"
}

// later keeps a text make expands while reading the Makefile.
func (mf *makefile) later(text string) {
	if strings.Contains(text, "$") && len(mf.immediate) < maxMakeRecipe {
		mf.immediate = append(mf.immediate, text)
	}
}

// readingCode judges the $(shell …) make runs while it reads the
// Makefile, in the Makefile's folder.
func readingCode(r *resolver, outer *Invocation, sc *scope, mf *makefile, file string) {
	var calls []string
	mf.shellCalls = &calls
	for _, text := range mf.immediate {
		mf.expand(text, "", &makeRule{}, 0)
	}
	mf.shellCalls = nil
	for _, code := range calls {
		r.runCodeWith(outer, code, sc, "make (reading "+file+")", codeOpts{file: file + " ($(shell …))", adjust: func(inner *Invocation, isc *scope) {
			inner.Cwd, inner.Stdin = mf.dir, nil
		}})
	}
}
