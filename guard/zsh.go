package guard

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

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

// zshTrailingModifiers returns the modifiers zsh applies to an unbraced
// $name from the literal after it ($p:h/etc is ${p:h}/etc), "" when there
// are none or the line is not zsh.
func zshTrailingModifiers(p *syntax.ParamExp, rest []syntax.WordPart, sc *scope) string {
	if sc.opts&optZsh == 0 || !p.Short || p.Param == nil || len(rest) == 0 {
		return ""
	}
	lit, ok := rest[0].(*syntax.Lit)
	if !ok {
		return ""
	}
	n := 0
	for n+1 < len(lit.Value) && lit.Value[n] == ':' && strings.IndexByte(zshModifierLetters, lit.Value[n+1]) >= 0 {
		n += 2
	}
	return lit.Value[:n]
}

// zshModifierLetters are the modifiers guard applies: head, tail, root,
// extension, lower, upper, absolute (a and A; A would also follow links).
const zshModifierLetters = "htrelaAuU"

// expandModified expands $name with zsh modifiers (":h:t"), or unknown
// when the value or a modifier is not known.
func (r *resolver) expandModified(p *syntax.ParamExp, name, mods string, sc *scope, quoted bool, b *fieldBuilder) {
	val, known := r.paramValue(name, sc)
	if !known {
		b.unknown("$"+name+mods, true, quoted)
		return
	}
	value := val.Value
	for _, m := range strings.Split(strings.TrimPrefix(mods, ":"), ":") {
		switch m {
		case "h":
			if i := strings.LastIndexByte(strings.TrimRight(value, "/"), '/'); i > 0 {
				value = value[:i]
			} else if i == 0 {
				value = "/"
			} else {
				value = "."
			}
		case "t":
			if i := strings.LastIndexByte(value, '/'); i >= 0 {
				value = value[i+1:]
			}
		case "r":
			if i := strings.LastIndexByte(value, '.'); i > strings.LastIndexByte(value, '/') {
				value = value[:i]
			}
		case "e":
			if i := strings.LastIndexByte(value, '.'); i > strings.LastIndexByte(value, '/') {
				value = value[i+1:]
			} else {
				value = ""
			}
		case "l":
			value = strings.ToLower(value)
		case "u", "U":
			value = strings.ToUpper(value)
		case "a", "A":
			if !strings.HasPrefix(value, "/") {
				if sc.cwd == "" {
					b.unknown("$"+name+mods, true, quoted)
					return
				}
				value = sc.cwd + "/" + value
			}
			value = path.Clean(value)
		default:
			b.unknown("$"+name+mods, true, quoted)
			return
		}
	}
	b.result(value, quoted)
}

// zshForeach walks zsh's `foreach NAME (WORDS) COMMAND…; end`, which the
// parser reads as a command named foreach with (WORDS) as one literal
// word, as the for loop it is: `for NAME in WORDS; do COMMAND…; done`, in
// this shell. The commands of a body on the lines after it are walked as
// they come, with NAME as the loop leaves it (its last word). It returns
// false for a foreach it cannot read, walked as written.
func (r *resolver) zshForeach(call *syntax.CallExpr, sc *scope, ctx stmtCtx) bool {
	if sc.opts&optZsh == 0 || len(call.Args) < 3 || call.Args[0].Lit() != "foreach" {
		return false
	}
	name, list := call.Args[1].Lit(), call.Args[2].Lit()
	if !syntax.ValidName(name) || len(list) < 2 || list[0] != '(' || list[len(list)-1] != ')' {
		return false
	}
	body := ":"
	if len(call.Args) > 3 {
		body = sliceSrc(sc.src, call.Args[3].Pos(), call.End())
	}
	code := "for " + name + " in " + list[1:len(list)-1] + "\ndo " + body + "\ndone"
	if !r.budgetReparse(code) {
		return true
	}
	src := sc.src
	r.walkEach(code, sc, ctx, nil)
	sc.src = src
	return true
}
