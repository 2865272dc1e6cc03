package guard

// zshPrecommands are zsh's words that run the command after them:
// noglob (no pattern expansion for its words), nocorrect, `-` (as a login
// shell would), and repeat N (N times).
var zshPrecommands = map[string]wrapperSpec{
	"noglob":    {opts: OptSpec{StopAtOperand: true}},
	"nocorrect": {opts: OptSpec{StopAtOperand: true}},
	"-":         {opts: OptSpec{StopAtOperand: true}},
}

// zshPrecommand returns how to look inside a zsh precommand, nil when the
// program is not one or the line is not zsh.
func zshPrecommand(program string, sc *scope) wrapFunc {
	if sc.opts&optZsh == 0 {
		return nil
	}
	if spec, ok := zshPrecommands[program]; ok {
		return spec.wrap
	}
	if program == "repeat" {
		return wrapRepeat
	}
	return nil
}

// wrapRepeat: repeat N COMMAND, and repeat N { LIST }, whose braces the
// parser leaves as words of the command (and the list's first command
// with them).
func wrapRepeat(r *resolver, outer *Invocation, sc *scope) {
	if len(outer.Args) < 2 {
		return
	}
	argv := outer.Args[1:]
	if argv[0].Text == "{" {
		argv = argv[1:]
	}
	if n := len(argv); n > 0 && argv[n-1].Text == "}" {
		argv = argv[:n-1]
	}
	if len(argv) > 0 {
		r.runInner(outer, argv, sc, "repeat", nil)
	}
}
