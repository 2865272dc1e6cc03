package guard

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// builtin follows what a builtin changes in the shell: its folder, its
// variables, its positional parameters, its options. It reports whether
// the command was one of those builtins, which run nothing else.
func (r *resolver) builtin(inv *Invocation, sc *scope) bool {
	args := bindable(inv.Args)
	if assignsUnseen(inv.Program, args) {
		sc.envOnly = false
	}
	if name, ok := unseenName(inv.Program, args); ok {
		sc.forgetValues(name)
	}
	if inv.Program == "exec" && len(args) == 0 {
		sc.execOpens(inv.Redirs) // exec 3<FILE: open for the commands after it
	}
	switch inv.Program {
	case "cd", "pushd":
		r.changeDir(inv, sc)
	case "popd":
		sc.oldpwd, sc.cwd = sc.cwd, ""
	case "unset":
		functions, refs := false, false
		for _, a := range args {
			switch {
			case !a.Known:
			case a.Value == "-f":
				functions = true
			case a.Value == "-n":
				refs = true // unset -n r: the nameref itself, not what it names
			case strings.HasPrefix(a.Value, "-"):
			case functions:
				delete(r.funcs, a.Value)
			default:
				name := r.nameRef(a.Value, sc)
				switch {
				case !syntax.ValidName(name) || strings.Contains(a.Value, "["):
				case refs:
					sc.setOwn(name, shellVar{known: true})
				default:
					sc.set(name, shellVar{known: true})
				}
			}
		}
	case "hash":
		r.hashPath(args, sc)
	case "read":
		r.read(inv, args, sc)
	case "mapfile", "readarray":
		r.mapfile(inv, args, sc)
	case "printf":
		if len(args) >= 2 && args[0].Value == "-v" && args[0].Known {
			name := r.nameRef(args[1].Value, sc)
			value := Arg{Unknown: []string{"$" + name}, MaybeEmpty: true}
			if out, ok := printfText(args[2:]); ok {
				value = Arg{Value: out, Known: true}
			}
			if syntax.ValidName(name) && args[1].Known && !strings.Contains(args[1].Value, "[") {
				r.assignCode(sc, name, value)
			}
		}
		return false // printf is also a program rules may look at
	case "export", "local", "declare", "typeset", "readonly":
		// Reached only when the parser did not make a DeclClause (posix).
		for _, a := range args {
			name, value, ok := strings.Cut(a.Value, "=")
			name = r.nameRef(name, sc)
			if ok && syntax.ValidName(name) {
				sc.assign(name, Arg{Value: value, Known: a.Known})
			}
		}
	case "getopts":
		if len(args) >= 2 {
			if name := r.nameRef(args[1].Value, sc); syntax.ValidName(name) {
				sc.assign(name, Arg{Unknown: []string{"$" + name}, MaybeEmpty: true})
			}
		}
	case "test", "[":
		for i, a := range args {
			if a.Value == "-v" && i+1 < len(args) && args[i+1].Known {
				r.nameRef(args[i+1].Value, sc)
			}
		}
		return false
	case "set":
		r.set(args, sc)
	case "shift":
		n := 1
		if len(args) > 0 {
			if v, err := strconv.Atoi(args[0].Value); err == nil && args[0].Known {
				n = v
			} else {
				sc.params = nil
				break
			}
		}
		if sc.params != nil && n >= 0 && n <= len(sc.params.list) {
			sc.params = &positional{zero: sc.params.zero, list: sc.params.list[n:]}
		}
	case "shopt":
		r.shopt(args, sc)
	case "setopt", "unsetopt":
		zshSetopt(inv.Program == "setopt", args, sc)
	default:
		return false
	}
	return true
}

// assignsUnseen: a builtin that assigns variables whose names guard
// cannot read (read "$name", export "$k=$v"), so that a name the code
// never assigned in view may be set all the same.
func assignsUnseen(program string, args []Arg) bool {
	switch program {
	case "read", "mapfile", "readarray", "getopts", "export", "local", "declare", "typeset", "readonly":
	case "printf":
		if len(args) == 0 || args[0].Value != "-v" {
			return false
		}
	default:
		return false
	}
	for _, a := range args {
		if !a.Known {
			return true
		}
	}
	return false
}

// readNameOptions are the options of read and mapfile that take a word
// which is not a name (read -p PROMPT, mapfile -d DELIM).
var readNameOptions = map[string]string{"read": "dinNptu", "mapfile": "dnOsuCc", "readarray": "dnOsuCc"}

// unseenName is the first word of a builtin that names a variable to set
// and that guard cannot compute (declare "$(cat f)=/", printf -v "$n",
// read "$v"): it may name any variable.
func unseenName(program string, args []Arg) (Arg, bool) {
	switch program {
	case "export", "local", "declare", "typeset", "readonly":
		for _, a := range args {
			if nameUnknown(a) {
				return a, true
			}
		}
	case "printf":
		if len(args) >= 2 && args[0].Known && args[0].Value == "-v" && nameUnknown(args[1]) {
			return args[1], true
		}
	case "read", "mapfile", "readarray":
		takesWord := readNameOptions[program]
		for i := 0; i < len(args); i++ {
			a := args[i]
			if a.Known && strings.HasPrefix(a.Value, "-") && len(a.Value) > 1 {
				// -rp PROMPT: the word after an option that takes one
				if strings.ContainsAny(a.Value[len(a.Value)-1:], takesWord) {
					i++
				}
				continue
			}
			if nameUnknown(a) {
				return a, true
			}
		}
	}
	return Arg{}, false
}

// nameUnknown tells whether a word naming a variable (NAME or NAME=value)
// has a name guard cannot compute: "$k=/x" does, "X=$(cat f)" does not.
func nameUnknown(a Arg) bool {
	if a.Known {
		return false
	}
	name, _, _ := strings.Cut(a.Text, "=")
	return strings.ContainsAny(name, "$`")
}

// set follows `set -- a b` (the positional parameters), `set -f` and
// `set -o noglob`.
func (r *resolver) set(args []Arg, sc *scope) {
	if r.lang != syntax.LangZsh && !validSetOptions(args) {
		return // bash refuses the whole command and changes nothing
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.Known {
			sc.params = nil
			return
		}
		v := a.Value
		switch {
		case v == "--" || v == "-":
			r.setParams(args[i+1:], sc)
			return
		case strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+"):
			if strings.Contains(v, "f") {
				setOpt(sc, optNoglob, v[0] == '-')
			}
			if strings.Contains(v, "o") && i+1 < len(args) {
				// -o NAME, also inside a cluster: set -euo pipefail
				i++
				if args[i].Value == "noglob" {
					setOpt(sc, optNoglob, v[0] == '-')
				}
				zshSetopt(v[0] == '-', args[i:i+1], sc) // zsh: set -o extendedglob
			}
		default:
			r.setParams(args[i:], sc)
			return
		}
	}
}

// validSetOptions reports whether bash would accept set's options: every
// letter of each cluster one it knows, and a known name after -o. An
// unknown value is taken as valid (guard then forgets what it cannot see).
func validSetOptions(args []Arg) bool {
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		if !args[i].Known || v == "--" || v == "-" || !(strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+")) {
			return true
		}
		for _, c := range v[1:] {
			if !strings.ContainsRune("abefhkmnptuvxBCEHPTo", c) {
				return false
			}
		}
		if strings.Contains(v, "o") && i+1 < len(args) {
			i++
			if args[i].Known && !strings.Contains(setOptionNames, " "+args[i].Value+" ") {
				return false
			}
		}
	}
	return true
}

// setOptionNames are the names bash's set -o knows.
const setOptionNames = " allexport braceexpand emacs errexit errtrace functrace hashall histexpand" +
	" history ignoreeof interactive-comments keyword monitor noclobber noexec noglob nolog notify" +
	" nounset onecmd physical pipefail posix privileged verbose vi xtrace "

func (r *resolver) setParams(args []Arg, sc *scope) {
	if len(args) > maxListElems {
		sc.params = nil
		return
	}
	sc.params = &positional{zero: r.zero(sc), list: append([]Arg(nil), args...)}
}

func setOpt(sc *scope, opt shellOpts, on bool) {
	if on {
		sc.opts |= opt
	} else {
		sc.opts &^= opt
	}
}

// shopt follows the options that change pathname expansion.
func (r *resolver) shopt(args []Arg, sc *scope) {
	on := true
	for _, a := range args {
		switch a.Value {
		case "-s":
			on = true
		case "-u":
			on = false
		case "globstar":
			setOpt(sc, optGlobstar, on)
		case "dotglob":
			setOpt(sc, optDotglob, on)
		case "nullglob":
			setOpt(sc, optNullglob, on)
		case "nocaseglob":
			setOpt(sc, optNocaseglob, on)
		}
	}
}

// zshSetopt follows zsh's setopt and unsetopt for the options that change
// how words expand. zsh ignores case and underscores in option names, and
// a leading "no" turns an option the other way.
func zshSetopt(on bool, args []Arg, sc *scope) {
	if sc.opts&optZsh == 0 {
		return
	}
	for _, a := range args {
		name := strings.ToLower(strings.ReplaceAll(a.Value, "_", ""))
		set := on
		if rest, ok := strings.CutPrefix(name, "no"); ok && rest != "tify" {
			name, set = rest, !on
		}
		switch name {
		case "shwordsplit":
			setOpt(sc, optShWordSplit, set)
		case "globsubst":
			setOpt(sc, optGlobSubst, set)
		case "extendedglob":
			setOpt(sc, optExtendedGlob, set)
		case "nullglob":
			setOpt(sc, optNullglob, set)
		case "globdots":
			setOpt(sc, optDotglob, set)
		case "caseglob":
			setOpt(sc, optNocaseglob, !set)
		case "glob":
			setOpt(sc, optNoglob, !set)
		}
	}
}

// read assigns its variables from its standard input when that is known
// (a here-string, a here-document), and unknown values otherwise. Names
// with a subscript have it evaluated, as bash does.
func (r *resolver) read(inv *Invocation, args []Arg, sc *scope) {
	p := ParseOptions(args, readSpec)
	ifs := " \t\n"
	if v, known := sc.lookup("IFS"); known && sc.isSet("IFS") {
		ifs = v
	}
	if r.readIFS != nil {
		ifs = *r.readIFS // IFS=: read …
	}
	r.lastRead = readCall{inv, ifs}
	text, known := "", false
	if !inv.InPipeline && !p.Has("d", "n", "N", "u") {
		text, known = r.stdinText(inv)
		text, _, _ = strings.Cut(text, "\n")
	}
	r.readLine(p, text, known, ifs, sc)
}

// readCall is a read the walk met: the invocation and the IFS it splits
// with.
type readCall struct {
	inv *Invocation
	ifs string
}

// readFields splits a line read into at most n fields on the characters
// of ifs, as read does: blanks of ifs around a field are dropped, and the
// last field keeps the rest of the line.
func readFields(text, ifs string, n int) []string {
	blanks := ""
	for _, c := range " \t\n" {
		if strings.ContainsRune(ifs, c) {
			blanks += string(c)
		}
	}
	text = strings.Trim(text, blanks)
	var fields []string
	for text != "" && ifs != "" && len(fields) < n-1 {
		i := strings.IndexAny(text, ifs)
		if i < 0 {
			break
		}
		fields = append(fields, text[:i])
		text = strings.TrimLeft(text[i+1:], blanks)
	}
	if text != "" {
		fields = append(fields, text)
	}
	return fields
}

var readSpec = OptSpec{ShortValue: "adinNptu"}

// readLine assigns read's variables from one line of input, or unknown
// values when the line is not known.
func (r *resolver) readLine(p Parsed, text string, known bool, ifs string, sc *scope) {
	var names []string
	for _, a := range p.Operands {
		if a.Known {
			names = append(names, r.nameRef(a.Value, sc))
		}
	}
	array := ""
	if a, ok := p.Value("a"); ok && a.Known {
		array = r.nameRef(a.Value, sc)
	}
	if len(names) == 0 && array == "" {
		names = []string{"REPLY"}
	}
	if !p.Has("r") {
		text = strings.ReplaceAll(text, `\`, "")
	}
	fields := readFields(text, ifs, len(names))
	for i, name := range names {
		if !syntax.ValidName(name) {
			continue
		}
		if !known {
			sc.set(name, shellVar{set: true, maybeEmpty: true, data: true})
			continue
		}
		value := ""
		if i < len(fields) {
			value = fields[i] // the last name takes the rest of the line
		}
		r.assignCode(sc, name, Arg{Value: value, Known: true})
	}
	if syntax.ValidName(array) {
		v := shellVar{set: true, maybeEmpty: true, data: !known}
		if known {
			for _, f := range readFields(text, ifs, maxListElems) {
				v.list = append(v.list, Arg{Text: f, Value: f, Known: true})
			}
		}
		sc.set(array, v)
	}
}

// mapfile fills an array with the lines of its standard input.
func (r *resolver) mapfile(inv *Invocation, args []Arg, sc *scope) {
	p := ParseOptions(args, OptSpec{ShortValue: "dnOsuCc"})
	name := "MAPFILE"
	if len(p.Operands) > 0 && p.Operands[0].Known {
		name = r.nameRef(p.Operands[0].Value, sc)
	}
	if !syntax.ValidName(name) {
		return
	}
	if callback, ok := p.Value("C"); ok && callback.Known {
		// mapfile -C CODE runs CODE every -c lines, with the index and the line
		r.runCode(inv, callback.Value+" 0 x", sc, "mapfile -C", nil)
	}
	v := shellVar{set: true, maybeEmpty: true, data: true}
	if text, known := r.stdinText(inv); known && !inv.InPipeline && !p.Has("d", "n", "O", "s", "u", "C") {
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if len(lines) <= maxListElems {
			v.data = false
			for _, l := range lines {
				v.list = append(v.list, Arg{Text: l, Value: l, Known: true})
			}
		}
	}
	sc.set(name, v)
}

// hashPath follows hash -p PATH NAME…: from then on NAME runs PATH, with
// no look-up in $PATH. A path guard cannot know files NAME as unknown.
func (r *resolver) hashPath(args []Arg, sc *scope) {
	var path *Arg
	var names []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a.Known && a.Value == "-p" && i+1 < len(args):
			path = &args[i+1]
			i++
		case a.Known && strings.HasPrefix(a.Value, "-p") && len(a.Value) > 2:
			p := Arg{Value: a.Value[2:], Known: true}
			path = &p
		case a.Known && a.Value == "-r":
			sc.hashed = nil // hash -r forgets every name
		case a.Known && strings.HasPrefix(a.Value, "-"):
		case a.Known:
			names = append(names, a.Value)
		}
	}
	if path == nil || len(names) == 0 {
		return
	}
	value := path.Value
	if !path.Known {
		value = "" // an unknown program: tryPrograms judges its words
	}
	sc.hash(value, names)
}
