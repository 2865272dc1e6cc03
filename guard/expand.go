package guard

import (
	"bytes"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// maxBraceFields bounds brace expansion ({1..100000} would otherwise turn one
// word into a hundred thousand).
const maxBraceFields = 64

// expandWord expands a word statically into its fields. Command and process
// substitutions inside it are walked as commands of their own, since the
// shell runs them.
func (r *resolver) expandWord(w *syntax.Word, sc *scope) []Arg {
	text := sc.text(w)
	words := []*syntax.Word{w}
	if hasBraceCandidate(w) {
		copied := *w
		copied.Parts = append([]syntax.WordPart(nil), w.Parts...)
		if syntax.SplitBraces(&copied) {
			words = words[:0]
			for bw, err := range expand.BracesSeq(nil, &copied) {
				if err != nil || len(words) == maxBraceFields {
					break
				}
				words = append(words, bw)
			}
			if len(words) == 0 {
				words = []*syntax.Word{w}
			}
		}
	}
	if elems, ok := r.arrayFields(w, sc); ok {
		return elems // "${arr[@]}": one field per element
	}
	fields := make([]Arg, 0, len(words))
	for _, bw := range words {
		a := Arg{Text: text, Known: true}
		r.expandParts(bw.Parts, sc, false, &a, true)
		// An unquoted variable holding spaces splits into several words,
		// which is how `CMD="rm -rf"; $CMD /` runs rm.
		if split := splitUnquotedParam(bw, a); split != nil {
			fields = append(fields, split...)
			continue
		}
		fields = append(fields, a)
	}
	return fields
}

// arrayFields expands a word that is only "${arr[@]}" (or ${arr[*]},
// quoted or not) of a known array.
func (r *resolver) arrayFields(w *syntax.Word, sc *scope) ([]Arg, bool) {
	if len(w.Parts) != 1 {
		return nil, false
	}
	part := w.Parts[0]
	if dq, ok := part.(*syntax.DblQuoted); ok && len(dq.Parts) == 1 {
		part = dq.Parts[0]
	}
	pe, ok := part.(*syntax.ParamExp)
	if !ok || pe.Param == nil || pe.Index == nil || pe.Exp != nil || pe.Slice != nil || pe.Repl != nil || pe.Length || pe.Excl {
		return nil, false
	}
	idx, ok := pe.Index.(*syntax.Word)
	if !ok || (idx.Lit() != "@" && idx.Lit() != "*") {
		return nil, false
	}
	v, ok := sc.vars[pe.Param.Value]
	if !ok || v.list == nil {
		return nil, false
	}
	out := make([]Arg, len(v.list))
	copy(out, v.list)
	return out, true
}

func hasBraceCandidate(w *syntax.Word) bool {
	for _, p := range w.Parts {
		if lit, ok := p.(*syntax.Lit); ok && strings.Contains(lit.Value, "{") {
			return true
		}
	}
	return false
}

func splitUnquotedParam(w *syntax.Word, a Arg) []Arg {
	if len(w.Parts) != 1 || !a.Known {
		return nil
	}
	if _, ok := w.Parts[0].(*syntax.ParamExp); !ok {
		return nil
	}
	fields := strings.Fields(a.Value)
	if len(fields) < 2 {
		return nil
	}
	out := make([]Arg, len(fields))
	for i, f := range fields {
		out[i] = Arg{Text: a.Text, Value: f, Known: true, Glob: strings.ContainsAny(f, "*?[")}
	}
	return out
}

// expandParts appends the expansion of parts to a. first is true while the
// parts are at the start of the word, where a tilde expands.
func (r *resolver) expandParts(parts []syntax.WordPart, sc *scope, quoted bool, a *Arg, first bool) {
	for i, part := range parts {
		switch p := part.(type) {
		case *syntax.Lit:
			value := p.Value
			if first && i == 0 && !quoted && strings.HasPrefix(value, "~") {
				value = r.expandTilde(value, sc, a)
			}
			if quoted {
				a.Value += unescapeDouble(value)
			} else {
				unescaped, glob := unescapeUnquoted(value)
				a.Value += unescaped
				a.Glob = a.Glob || glob
			}
		case *syntax.SglQuoted:
			if p.Dollar {
				a.Value += unescapeDollar(p.Value)
			} else {
				a.Value += p.Value
			}
		case *syntax.DblQuoted:
			r.expandParts(p.Parts, sc, true, a, false)
		case *syntax.ParamExp:
			r.expandParam(p, sc, a)
		case *syntax.CmdSubst:
			start := len(r.invs)
			progs := r.walkNested(p.Stmts, sc.clone())
			if out, ok := echoOutput(r.invs[start:]); ok && len(p.Stmts) == 1 {
				a.Value += out // $(echo rm) is rm
				break
			}
			a.unknown("$(…)", true)
			a.Sources = append(a.Sources, progs...)
		case *syntax.ProcSubst:
			progs := r.walkNested(p.Stmts, sc.clone())
			a.unknown(p.Op.String()+"…)", false)
			a.Sources = append(a.Sources, progs...)
		case *syntax.ArithmExp:
			a.unknown("$((…))", false)
		case *syntax.ExtGlob:
			a.Value += p.Op.String() + p.Pattern.Value + ")"
			a.Glob = true
		default:
			a.unknown(sc.text(part), true)
		}
	}
}

// echoOutput is what a lone echo or printf of known words prints, with
// the trailing newlines a command substitution strips.
func echoOutput(invs []*Invocation) (string, bool) {
	if len(invs) != 1 || len(invs[0].Redirs) > 0 || len(invs[0].Via) > 0 {
		return "", false
	}
	inv := invs[0]
	if inv.Program != "echo" && inv.Program != "printf" {
		return "", false
	}
	var words []string
	for i, arg := range inv.Args {
		if !arg.Known {
			return "", false
		}
		if i == 0 && inv.Program == "echo" && (arg.Value == "-n" || arg.Value == "-e" || arg.Value == "-E") {
			continue
		}
		words = append(words, arg.Value)
	}
	out := strings.Join(words, " ")
	if inv.Program == "printf" {
		if len(words) != 1 || strings.Contains(words[0], "%") {
			return "", false // a format with arguments: not worth guessing
		}
		out = strings.ReplaceAll(out, `\n`, "\n")
	}
	return strings.TrimRight(out, "\n"), true
}

func (a *Arg) unknown(what string, maybeEmpty bool) {
	if a.Known {
		a.MaybeEmpty = true
	}
	a.Known = false
	a.Unknown = append(a.Unknown, what)
	a.MaybeEmpty = a.MaybeEmpty && maybeEmpty
}

// expandTilde expands ~, ~/x, ~+, ~- and ~user at the start of a word.
func (r *resolver) expandTilde(lit string, sc *scope, a *Arg) string {
	name, rest, _ := strings.Cut(lit[1:], "/")
	if rest != "" || strings.Contains(lit, "/") {
		rest = "/" + rest
	}
	var home string
	switch name {
	case "":
		v, known := sc.lookup("HOME")
		if !known {
			a.unknown("~", true)
			return rest
		}
		home = v
	case "+":
		if sc.cwd == "" {
			a.unknown("~+", true)
			return rest
		}
		home = sc.cwd
	case "-":
		if sc.oldpwd == "" {
			a.unknown("~-", true)
			return rest
		}
		home = sc.oldpwd
	default:
		home = r.userHome(name)
		if home == "" {
			a.unknown("~"+name, false)
			return rest
		}
	}
	return home + rest
}

// userHome reads a user's home folder from /etc/passwd, once per line.
func (r *resolver) userHome(user string) string {
	if r.passwd == nil {
		data, err := r.host.ReadFile("/etc/passwd", 4<<20)
		if err != nil {
			data = []byte{}
		}
		r.passwd = data
	}
	for _, line := range bytes.Split(r.passwd, []byte("\n")) {
		fields := strings.Split(string(line), ":")
		if len(fields) >= 6 && fields[0] == user {
			return fields[5]
		}
	}
	return ""
}

func (r *resolver) expandParam(p *syntax.ParamExp, sc *scope, a *Arg) {
	name := ""
	if p.Param != nil {
		name = p.Param.Value
	}
	display := "$" + name
	if !p.Short {
		display = "${" + name + "}"
	}
	if p.Excl || p.Width || p.Index != nil || p.Slice != nil || p.Repl != nil || p.Names != 0 || name == "" {
		a.unknown(display, true)
		return
	}
	value, known := sc.lookup(name)
	if p.Length {
		if !known {
			a.unknown(display, false)
			return
		}
		a.Value += strconv.Itoa(len(value))
		return
	}
	if p.Exp == nil {
		if !known {
			a.unknown(display, sc.mayBeEmpty(name))
			return
		}
		a.Value += value
		return
	}
	set := known // an unknown variable may or may not be set
	switch p.Exp.Op {
	case syntax.DefaultUnset, syntax.DefaultUnsetOrNull, syntax.AssignUnset, syntax.AssignUnsetOrNull:
		useDefault := known && (value == "" && (p.Exp.Op == syntax.DefaultUnsetOrNull || p.Exp.Op == syntax.AssignUnsetOrNull) || !sc.isSet(name))
		if known && !useDefault {
			a.Value += value
			return
		}
		// Unknown: the empty reading is the default word.
		if !known {
			a.unknown(display, true)
		}
		if p.Exp.Word != nil {
			r.expandParts(p.Exp.Word.Parts, sc, true, a, false)
		}
	case syntax.ErrorUnset, syntax.ErrorUnsetOrNull:
		if known && value != "" {
			a.Value += value
			return
		}
		// The shell aborts the command when it is unset, so no empty reading.
		a.unknown(display, false)
	case syntax.AlternateUnset, syntax.AlternateUnsetOrNull:
		if !known {
			a.unknown(display, true)
			return
		}
		if set && (value != "" || p.Exp.Op == syntax.AlternateUnset) && p.Exp.Word != nil {
			r.expandParts(p.Exp.Word.Parts, sc, true, a, false)
		}
	default:
		// Prefix and suffix removal, case changes: literal patterns only.
		if !known || p.Exp.Word == nil || !isPlainLit(p.Exp.Word) {
			a.unknown(display, true)
			return
		}
		pattern := p.Exp.Word.Lit()
		switch p.Exp.Op {
		case syntax.RemSmallPrefix, syntax.RemLargePrefix:
			a.Value += strings.TrimPrefix(value, pattern)
		case syntax.RemSmallSuffix, syntax.RemLargeSuffix:
			a.Value += strings.TrimSuffix(value, pattern)
		default:
			a.unknown(display, true)
		}
	}
}

func isPlainLit(w *syntax.Word) bool {
	lit := w.Lit()
	return lit != "" && !strings.ContainsAny(lit, `*?[\`)
}

// unescapeUnquoted removes backslash escapes from an unquoted literal and
// reports whether it holds pattern characters that were not escaped.
func unescapeUnquoted(s string) (string, bool) {
	if !strings.ContainsAny(s, `\*?[`) {
		return s, false
	}
	var b strings.Builder
	glob := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] != '\n' {
				b.WriteByte(s[i])
			}
			continue
		case c == '*' || c == '?':
			glob = true
		case c == '[' && strings.Contains(s[i+1:], "]"):
			glob = true
		}
		b.WriteByte(c)
	}
	return b.String(), glob
}

// unescapeDouble removes the escapes that double quotes honour.
func unescapeDouble(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeDollar interprets the escapes of bash's $'…' quoting.
func unescapeDollar(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'e', 'E':
			b.WriteByte(0x1b)
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'x':
			j := i + 1
			for j < len(s) && j < i+3 && isHex(s[j]) {
				j++
			}
			if n, err := strconv.ParseUint(s[i+1:j], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i = j - 1
			} else {
				b.WriteString(`\x`)
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(s[i:j], 8, 8)
			b.WriteByte(byte(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
