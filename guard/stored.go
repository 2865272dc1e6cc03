package guard

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Code an interactive shell keeps to run later, at every prompt or key:
// PROMPT_COMMAND, the prompts (PS0, PS1, PS2, PS4: bash expands $(…) in
// them each time it prints one), bind -x, complete -C, and the file
// BASH_ENV or ENV names, which the next shell reads before anything else.
// Stored now, it runs with nobody typing it, so it is judged now.

// promptCode says how a variable's value is code bash runs later: as
// commands (PROMPT_COMMAND), as a prompt string whose substitutions it
// runs (PS1…), or as a file it sources (BASH_ENV).
func promptCode(name string) string {
	switch name {
	case "PROMPT_COMMAND":
		return "commands"
	case "PS0", "PS1", "PS2", "PS3", "PS4", "PROMPT", "RPROMPT", "RPS1", "PROMPT2", "PROMPT4":
		return "prompt"
	case "BASH_ENV", "ENV":
		return "file"
	}
	return ""
}

// HoldsCode tells whether a variable of the environment holds code a
// shell runs: commands, a prompt whose substitutions it runs, or a file
// it sources (PROMPT_COMMAND, PS1, BASH_ENV).
func HoldsCode(name string) bool { return promptCode(name) != "" }

// storedCode judges the value just given to a variable that holds code
// the shell runs later.
func (r *resolver) storedCode(name string, values []Arg, sc *scope) {
	kind := promptCode(name)
	if kind == "" {
		return
	}
	at := &Invocation{Cwd: sc.cwd, User: sc.user, Remote: sc.remote, Text: name + "=…", Via: sc.via}
	for _, v := range values {
		if kind == "file" {
			// a file, or what a process substitution prints
			// (BASH_ENV=<(echo …) bash -c …)
			if v.Known && v.Value == "" {
				continue
			}
			if content, file, ok := r.fileCode(at, v); ok {
				r.runCodeWith(at, content, sc, name+" "+file+" (read by the next shell)", codeOpts{file: file})
			} else if !v.Known && v.Text != "" {
				// a file guard cannot know (<(curl …), $ENVFILE): the next
				// shell sources it, judged as `. FILE` is
				r.runCode(at, ". "+v.Text, sc, name+" (read by the next shell)", nil)
			}
			continue
		}
		if !v.Known || v.Value == "" {
			continue
		}
		switch kind {
		case "commands":
			r.runLater(at, v.Value, sc, name+" (run at every prompt)")
		case "prompt":
			r.walkLater(func() { r.textSubsts(v.Value, sc) })
		}
	}
}

// assignCode assigns a value a builtin computed (read, printf -v), and
// judges it when the variable holds code the shell runs later.
func (r *resolver) assignCode(sc *scope, name string, value Arg) {
	sc.assign(name, value)
	r.storedCode(name, []Arg{value}, sc)
}

// assignedValues are the values an assignment gives: one, or an array's.
func (r *resolver) assignedValues(as *syntax.Assign, sc *scope) []Arg {
	if as.Name == nil || promptCode(as.Name.Value) == "" {
		return nil
	}
	if v, ok := sc.get(as.Name.Value); ok {
		if v.list != nil {
			return v.list
		}
		if v.known {
			return []Arg{{Value: v.value, Known: true}}
		}
	}
	if as.Append && as.Value != nil {
		// PROMPT_COMMAND+=';rm -rf ~' onto a value guard does not know:
		// what the line adds runs at every prompt all the same
		if added := r.scalar(as.Value, sc); added.Known {
			return []Arg{{Value: strings.TrimLeft(added.Value, "; \t\n"), Known: true}}
		}
	}
	return nil
}

// wrapBind: bind -x 'KEYS: COMMAND' runs COMMAND when KEYS are typed.
func wrapBind(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.Known || !strings.HasPrefix(a.Value, "-") || !strings.Contains(a.Value, "x") || strings.HasPrefix(a.Value, "--") {
			continue
		}
		if i+1 >= len(args) || !args[i+1].Known {
			return
		}
		i++
		_, code, ok := cutKeySeq(args[i].Value)
		if ok {
			r.runLater(outer, code, sc, "bind -x (run at a key)")
		}
	}
}

// cutKeySeq splits readline's "KEYSEQ": COMMAND; the command may be
// quoted with " as a whole.
func cutKeySeq(binding string) (keys, code string, ok bool) {
	binding = strings.TrimSpace(binding)
	if strings.HasPrefix(binding, `"`) {
		for i := 1; i < len(binding); i++ {
			if binding[i] == '\\' {
				i++
				continue
			}
			if binding[i] == '"' {
				keys, code = binding[:i+1], binding[i+1:]
				break
			}
		}
	} else {
		keys, code, _ = strings.Cut(binding, ":")
		code = ":" + code
	}
	code, ok = strings.CutPrefix(strings.TrimSpace(code), ":")
	code = strings.TrimSpace(code)
	if len(code) >= 2 && code[0] == '"' && code[len(code)-1] == '"' {
		code = code[1 : len(code)-1]
	}
	return keys, code, ok && code != ""
}

// wrapComplete: complete -C COMMAND NAME runs COMMAND at each Tab after
// NAME.
func wrapComplete(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "oAGWFCXPSo"})
	for _, c := range p.Values("C") {
		if c.Known {
			r.runLater(outer, c.Value, sc, "complete -C (run at Tab)")
		}
	}
	for _, f := range p.Values("F") {
		if f.Known && r.knowsFunc(f.Value) {
			// complete -F FUNC: the function runs at Tab
			r.runLater(outer, f.Value, sc, "complete -F (run at Tab)")
		}
	}
}

// knowsFunc: name is a function defined on the line, or one of the
// shell's the hook sent.
func (r *resolver) knowsFunc(name string) bool {
	return r.funcs[name] != nil || r.defs != nil && r.defs.funcs[name] != nil
}

// zshHookFunction: a function zsh calls by its name with no one typing
// it: at a prompt (precmd), before a line (preexec), at cd (chpwd), on a
// signal (TRAPINT…), at exit.
func zshHookFunction(name string) bool {
	switch name {
	case "precmd", "preexec", "chpwd", "periodic", "zshaddhistory", "zshexit":
		return true
	}
	return strings.HasPrefix(name, "TRAP") && len(name) > 4
}

// wrapZshHooks: add-zsh-hook HOOK FUNC and zle -N WIDGET [FUNC] make a
// function run at a prompt, before a line or at a key: it is walked as
// code run later.
func wrapZshHooks(r *resolver, outer *Invocation, sc *scope) {
	if sc.opts&optZsh == 0 {
		return
	}
	values := knownValues(outer.Args)
	var fn, hook string
	switch outer.Program {
	case "add-zsh-hook":
		ops := values[:0:0]
		for _, v := range values {
			if strings.HasPrefix(v, "-") {
				if strings.ContainsAny(v, "dD") {
					return // removes a hook
				}
				continue
			}
			ops = append(ops, v)
		}
		if len(ops) == 2 {
			hook, fn = ops[0], ops[1]
		}
	case "zle":
		if len(values) >= 2 && values[0] == "-N" {
			fn = values[len(values)-1]
		}
	}
	r.zshHooked(outer, hook, fn, sc, outer.Program+" (run at a prompt or a key)")
}

// zshHookArray: precmd_functions=(f …), preexec_functions+=(f) and the
// rest name functions zsh runs at each prompt, line, cd…: each is walked
// as code run later.
func (r *resolver) zshHookArray(as *syntax.Assign, sc *scope) {
	hook, ok := strings.CutSuffix(as.Name.Value, "_functions")
	if !ok || !zshHookFunction(hook) || as.Array == nil {
		return
	}
	at := &Invocation{Cwd: sc.cwd, User: sc.user, Remote: sc.remote, Text: as.Name.Value + "=…", Via: sc.via}
	for _, el := range as.Array.Elems {
		if el.Value == nil {
			continue
		}
		if fn := r.scalar(el.Value, sc); fn.Known {
			r.zshHooked(at, hook, fn.Value, sc, as.Name.Value+" (run at a prompt or a line)")
		}
	}
}

// zshHooked walks the function fn zsh runs at hook (precmd, preexec…) or
// as a widget (hook ""): preexec and zshaddhistory get the line typed
// then as $1 $2 $3, which a widget finds in $BUFFER.
func (r *resolver) zshHooked(outer *Invocation, hook, fn string, sc *scope, via string) {
	if fn == "" || !r.knowsFunc(fn) {
		return
	}
	code := fn
	if hook == "preexec" || hook == "zshaddhistory" {
		code += ` "$BUFFER" "$BUFFER" "$BUFFER"`
	}
	r.runLater(outer, code, sc, via)
}

// wrapFc judges fc -e EDITOR: fc runs the editor as a command on a file
// holding the earlier line, then runs what the file holds.
func wrapFc(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "e"})
	for _, e := range p.Values("e") {
		if e.Known && e.Value != "-" {
			r.runCode(outer, e.Value+" /tmp/bash-fc.edit", sc, "fc -e (the editor it starts)", nil)
		}
	}
}

// wrapSched judges zsh's sched [-o] TIME COMMAND… as if the time had
// come: the shell runs the command then, unattended.
func wrapSched(r *resolver, outer *Invocation, sc *scope) {
	if sc.opts&optZsh == 0 {
		return
	}
	args := outer.Args
	for len(args) > 0 && args[0].Value == "-o" {
		args = args[1:]
	}
	if len(args) < 2 {
		return // lists or removes scheduled commands
	}
	var words []string
	for _, a := range args[1:] {
		if !a.Known {
			return
		}
		words = append(words, a.Value)
	}
	r.runLater(outer, strings.Join(words, " "), sc, "sched (run later by this shell)")
}

// envWordsCode judges the NAME=VALUE words a wrapper puts in the
// environment of the command it runs (env BASH_ENV=<(…) bash -c …) when
// the variable holds code that command runs. A word is read by its value
// when guard knows it: quoting changes nothing for env or sudo, which see
// the same string (guard sudo hands the engine its arguments quoted). A
// BASH_FUNC_NAME%%=() { …; } word is a function the next bash imports
// under that name (env 'BASH_FUNC_ls%%=() { rm -rf ~; }' bash -c ls): its
// body is judged as a function typed at the prompt is.
func (r *resolver) envWordsCode(words []Arg, sc *scope) {
	for _, a := range words {
		word := a.Text
		if a.Known {
			word = a.Value
		}
		name, value, ok := strings.Cut(word, "=")
		if fn, isFunc := ImportedFunction(name, value); ok && a.Known && isFunc {
			at := &Invocation{Cwd: sc.cwd, User: sc.user, Remote: sc.remote, Text: name + "=…", Via: sc.via}
			r.runCode(at, fn+" "+value, sc, name+" (a function the next bash imports)", nil)
			continue
		}
		if !ok || !syntax.ValidName(name) {
			return // the command itself
		}
		if promptCode(name) == "" {
			continue
		}
		v := Arg{Text: value}
		if a.Known {
			v = Arg{Text: value, Value: value, Known: true}
		}
		r.storedCode(name, []Arg{v}, sc)
	}
}

// ImportedFunction tells whether an environment variable is a function
// bash imports (export -f writes BASH_FUNC_NAME%%=() { BODY }), and its
// name.
func ImportedFunction(name, value string) (string, bool) {
	fn, ok := strings.CutPrefix(name, "BASH_FUNC_")
	if fn, ok = strings.CutSuffix(fn, "%%"); !ok || fn == "" || !strings.HasPrefix(value, "() {") {
		return "", false
	}
	return fn, true
}

// startupFile judges a file a shell reads before its own code: --rcfile
// FILE of an interactive bash, BASH_ENV=<(…) of the next one. A file
// guard cannot read is left to the shell, which cannot read it either.
func (r *resolver) startupFile(inv *Invocation, file Arg, sc *scope, label string) {
	t := r.fileText(inv, file)
	if !t.known || t.value == "" {
		return
	}
	r.runCodeWith(inv, t.value, sc, label, codeOpts{file: file.Value})
}
