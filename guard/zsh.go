package guard

// zshPrecommands are zsh's words that run the command after them:
// noglob (no pattern expansion for its words), nocorrect, `-` (as a login
// shell would), and repeat N (N times).
var zshPrecommands = map[string]wrapperSpec{
	"noglob":    {opts: OptSpec{StopAtOperand: true}},
	"nocorrect": {opts: OptSpec{StopAtOperand: true}},
	"-":         {opts: OptSpec{StopAtOperand: true}},
	"repeat":    {opts: OptSpec{StopAtOperand: true}, skip: 1},
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
	return nil
}
