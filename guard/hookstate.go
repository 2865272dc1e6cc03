package guard

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// The shell hooks (guard init bash, guard init zsh) keep their state in
// the shell under names that start with __guard: the path of guard they
// run, the functions Enter and preexec call, the pipe to guard serve. A
// line that writes one of those names (__guard_bin=/bin/true,
// __guard_judge() { return 0; }, zsh's functions[__guard_judge]=…,
// coproc __guard_co { … }, for __guard_bin in …) changes what judges the
// lines typed after it. Each such write is emitted as the declare that
// would make it, so that the rule about switching the hook off sees it
// however it is spelled. (bash's hook makes its fixed parts readonly; zsh
// cannot keep a function from being defined again.)

// hookPrefix starts every name of the shell hooks' state.
const hookPrefix = "__guard"

// hookName reports whether name belongs to the shell hooks' state.
func hookName(name string) bool { return strings.HasPrefix(name, hookPrefix) }

// HookBuiltin reports whether name is a builtin the hooks' own functions
// call by name (return, local, printf, emulate…): a function of that name
// runs in its place inside the hook (return() { :; } makes every refusal
// fall through to "run it"), so defining one writes the hooks' state too.
func HookBuiltin(name string) bool { return hookBuiltins[name] }

var hookBuiltins = map[string]bool{
	// both hooks
	"return": true, "local": true, "read": true, "kill": true, "disown": true, "export": true, "trap": true, "exec": true,
	// bash's
	"builtin": true, "command": true, "set": true, "shopt": true, "declare": true, "printf": true, "history": true,
	"bind": true, "readonly": true, "unset": true,
	// zsh's
	"emulate": true, "setopt": true, "print": true, "sysread": true, "sysopen": true, "zmodload": true,
	"typeset": true, "autoload": true, "add-zle-hook-widget": true,
}

// hookWrite emits the declare that writes name (a function with
// function set) where the line writes it in another way; text is how the
// line writes it.
func (r *resolver) hookWrite(name string, function bool, text string, sc *scope) {
	// (zsh: a function named TRAPDEBUG is the DEBUG trap the hook sets)
	if !hookName(name) && !(function && (HookBuiltin(name) || name == "TRAPDEBUG" && sc.opts&optZsh != 0)) {
		return
	}
	word := func(s string) Arg { return Arg{Text: s, Value: s, Known: true} }
	args := []Arg{word(name)}
	if function {
		args = []Arg{word("-f"), word(name)}
	}
	r.emit(&Invocation{
		Program: "declare", Command: word("declare"), Args: args, Text: text,
		Cwd: sc.cwd, Via: sc.via, Remote: sc.remote, User: sc.user,
	})
}

// hookAssign: a plain assignment (NAME=…, a nameref's target, zsh's
// functions[NAME]=…) to the hooks' state.
func (r *resolver) hookAssign(as *syntax.Assign, sc *scope) {
	if as.Name == nil {
		return
	}
	name := as.Name.Value
	if name == "functions" && sc.opts&optZsh != 0 {
		if w, ok := as.Index.(*syntax.Word); ok {
			r.hookWrite(strings.Trim(sc.text(w), `'"`), true, firstLine(sc.text(as)), sc)
		}
		return
	}
	r.hookWrite(sc.target(name), false, firstLine(sc.text(as)), sc)
}
