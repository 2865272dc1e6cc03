package guard

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// A script's words are of two kinds when guard cannot know them: values
// the script computes itself (tmp=$(mktemp -d), a loop variable, what
// read reads), which are its own logic, and values that come from outside
// it (the environment, its arguments), which are what a typed line would
// have. rm -rf "$tmp" in a script is routine; rm -rf "$TARGET/" with
// TARGET from the environment is the same risk typed or in a file. Words
// made only of the first kind are marked with the script as their Origin,
// which the rules read as "supplied at run time, judged where it is
// known", and are not read as possibly empty: so a refused line written
// into a script is refused again, while a script's own bookkeeping is not
// asked about.

// maxTaintNames bounds the variables followed in one file.
const maxTaintNames = 4096

// runTime is what a file computes itself.
type runTime struct {
	inside map[string]bool // variables whose values the file computes
	funcs  [][2]int        // byte ranges of function bodies: $1 there is the function's
}

// insideSpecial are parameters the shell sets: the script's own state.
var insideSpecial = map[string]bool{
	"$": true, "?": true, "!": true, "-": true, "#": true, "0": true, "_": true,
	"RANDOM": true, "LINENO": true, "SECONDS": true, "BASHPID": true, "PPID": true, "EPOCHSECONDS": true,
	"EPOCHREALTIME": true, "PIPESTATUS": true, "BASH_SOURCE": true, "FUNCNAME": true, "REPLY": true, "OPTARG": true, "OPTIND": true,
}

// findRunTime reads the assignments of a file's code: a variable is
// computed inside unless a value assigned to it passes on a value from
// outside as it is (target=$1, dir="${DIR:-}"). A value the script
// composes (tmp="${TMPDIR-/tmp}/job.$$", a command substitution,
// arithmetic) is its own.
func findRunTime(stmts []*syntax.Stmt) runTime {
	rt := runTime{inside: map[string]bool{}}
	for _, st := range stmts {
		syntax.Walk(st, func(n syntax.Node) bool {
			if f, ok := n.(*syntax.FuncDecl); ok && f.Body != nil {
				rt.funcs = append(rt.funcs, [2]int{int(f.Body.Pos().Offset()), int(f.Body.End().Offset())})
			}
			return true
		})
	}
	refs := map[string][]string{}
	assigned := func(name string, value syntax.Node) {
		if len(refs) >= maxTaintNames {
			return
		}
		rs := refs[name]
		if value != nil {
			inFunc := rt.inFunc(int(value.Pos().Offset()))
			for _, ref := range passedOn(value) {
				if !(inFunc && isPositional(ref)) { // a function's arguments are the script's
					rs = append(rs, ref)
				}
			}
		}
		refs[name] = rs
	}
	for _, st := range stmts {
		syntax.Walk(st, func(n syntax.Node) bool {
			switch x := n.(type) {
			case *syntax.Assign:
				if x.Name != nil {
					var value syntax.Node
					if x.Value != nil {
						value = x.Value
					} else if x.Array != nil {
						value = x.Array
					}
					assigned(x.Name.Value, value)
				}
			case *syntax.ForClause:
				if it, ok := x.Loop.(*syntax.WordIter); ok {
					var items []string
					for _, w := range it.Items {
						items = append(items, passedOn(w)...)
					}
					if !it.InPos.IsValid() {
						items = append(items, "@") // for x; do …: the arguments
					}
					refs[it.Name.Value] = append(refs[it.Name.Value], items...)
				}
			case *syntax.CallExpr:
				readNames(x, assigned)
			}
			return true
		})
	}
	for name := range refs {
		rt.inside[name] = true
	}
	// A variable is outside as soon as one of its values refers to one
	// that is; repeat until nothing changes (at most once per name).
	for changed := true; changed; {
		changed = false
		for name, rs := range refs {
			if !rt.inside[name] {
				continue
			}
			for _, ref := range rs {
				if !rt.inside[ref] && !insideSpecial[ref] {
					rt.inside[name] = false
					changed = true
					break
				}
			}
		}
	}
	return rt
}

// isPositional tells $1…, $@ and $*.
func isPositional(name string) bool {
	return name == "@" || name == "*" || name != "" && name[0] >= '1' && name[0] <= '9'
}

// inFunc reports whether a byte offset is inside a function's body.
func (rt runTime) inFunc(at int) bool {
	for _, f := range rt.funcs {
		if at >= f[0] && at < f[1] {
			return true
		}
	}
	return false
}

// passedOn lists the variables whose values a word passes on as they
// are: none when the word adds text of its own, runs a command or
// computes, since then its value is the script's composition.
func passedOn(n syntax.Node) []string {
	var names []string
	composed := false
	syntax.Walk(n, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst, *syntax.ArithmExp, *syntax.ExtGlob:
			composed = true
			return false
		case *syntax.Lit:
			composed = composed || x.Value != ""
		case *syntax.SglQuoted:
			composed = composed || x.Value != ""
		case *syntax.ParamExp:
			if x.Param != nil {
				names = append(names, x.Param.Value)
			}
			if x.Exp != nil && x.Exp.Word != nil && x.Exp.Word.Lit() != "" {
				composed = true // ${X:-/tmp}: never empty
			}
			return false
		}
		return !composed
	})
	if composed {
		return nil
	}
	return names
}

// readNames records the variables read, mapfile, getopts and printf -v
// set: the script's input, its own logic.
func readNames(call *syntax.CallExpr, assigned func(string, syntax.Node)) {
	if len(call.Args) == 0 {
		return
	}
	switch call.Args[0].Lit() {
	case "read", "mapfile", "readarray", "getopts", "printf", "local", "declare", "typeset", "export":
	default:
		return
	}
	for _, w := range call.Args[1:] {
		if lit := w.Lit(); syntax.ValidName(lit) {
			assigned(lit, nil)
		}
	}
}

// markRunTime marks the unknown words of the commands that came from a
// file's code when the file computes them itself.
func markRunTime(invs []*Invocation, offsets []int, file *walked, name string, inside []string) {
	rt := findRunTime(file.stmts)
	for _, v := range inside {
		rt.inside[v] = true
	}
	// After a cd to a folder the script computes, its relative paths are
	// its own logic too; after a cd to one from outside (cd "$1"), they
	// are as unknown as typed.
	cwdFromOutside := false
	for i, inv := range invs {
		at := offsets[i]
		if at < 0 {
			continue // a command from another file, or made by guard
		}
		inFunc := rt.inFunc(at)
		if inv.Program == "cd" || inv.Program == "pushd" {
			cwdFromOutside = false
			for _, a := range inv.Args {
				if !a.Known && !strings.HasPrefix(a.Value, "-") {
					cwdFromOutside = !rt.computes(a.Unknown, inFunc)
				}
			}
		}
		mark := func(a *Arg) {
			if a.Known || a.Origin != "" || !rt.computes(a.Unknown, inFunc) {
				return
			}
			// Its empty reading is not taken either: that is the script's
			// logic failing, not what the line asks for.
			a.Origin, a.MaybeEmpty = name, false
		}
		mark(&inv.Command)
		for i := range inv.Args {
			mark(&inv.Args[i])
			if a := &inv.Args[i]; inv.Cwd == "" && inv.Remote == "" && !cwdFromOutside && a.Known && a.Origin == "" &&
				!strings.HasPrefix(a.Value, "/") && !strings.HasPrefix(a.Value, "-") {
				a.Origin = name // relative to a folder the script chose
			}
		}
		for i := range inv.Redirs {
			mark(&inv.Redirs[i].Target)
		}
	}
}

// computes reports whether every unknown part of a word is computed by
// the file itself.
func (rt runTime) computes(unknown []string, inFunc bool) bool {
	for _, u := range unknown {
		if strings.HasPrefix(u, "$(") || strings.HasPrefix(u, "<(") || strings.HasPrefix(u, ">(") || strings.HasPrefix(u, "`") {
			continue // a command substitution: the script's logic
		}
		name := strings.TrimPrefix(strings.TrimPrefix(u, "$"), "{")
		if end := strings.IndexFunc(name, func(r rune) bool {
			return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		}); end > 0 {
			name = name[:end]
		} else if end == 0 {
			name = name[:1] // $@, $*, $#
		}
		switch {
		case isPositional(name) && inFunc:
		case rt.inside[name], insideSpecial[name]:
		default:
			return false
		}
	}
	return true
}
