package guard

import (
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard/lazyre"
)

// Strings an interpreter's code formats before running them: Python's
// and Ruby's "FORMAT" % VALUES and Python's "FORMAT".format(VALUES). The
// placeholders are filled with the values when they are string literals
// (or names known to hold one), and stand as unknown parts otherwise:
// os.system("%s -rf /etc" % "rm") runs rm -rf /etc, and
// os.system("rm -rf %s" % path) is rm -rf with an operand guard cannot
// know, as "rm -rf " + path is.

var (
	// printf-style conversions: %s, %-10s, %d, %r, %(name)s; %% is a %
	percentPlaceholder = lazyre.New(`%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[sdirfgeExXouc%]`)
	// str.format fields: {}, {0}, {name}, {0!r:>10}; {{ and }} are braces
	bracePlaceholder = lazyre.New(`\{\{|\}\}|\{[^{}]*\}`)
)

// formatOperands reads the values after a % operator at code[i:]: one
// value, or a tuple or list of them. end is where they end; ok is false
// when guard cannot read them.
func formatOperands(code string, i int, lang language) (values []callArg, end int, ok bool) {
	for i < len(code) && (code[i] == ' ' || code[i] == '\t') {
		i++
	}
	if i >= len(code) {
		return nil, i, false
	}
	if code[i] == '(' || code[i] == '[' {
		closing := matchingClose(code, i+1, code[i])
		if closing < 0 {
			return nil, i, false
		}
		for _, el := range splitTopLevel(code[i+1 : closing]) {
			values = append(values, operandValue(el, lang))
		}
		return values, closing + 1, true
	}
	j := i
	if code[j] == '"' || code[j] == '\'' {
		if _, e := readString(code, j, lang); e > 0 {
			return []callArg{operandValue(code[i:e], lang)}, e, true
		}
		return nil, i, false
	}
	for j < len(code) && !strings.ContainsRune(" \t,;)]}\n", rune(code[j])) {
		if code[j] == '[' || code[j] == '(' {
			// sys.argv[1], os.getenv("X"): the subscript or call is the value's
			closing := matchingClose(code, j+1, code[j])
			if closing < 0 {
				return nil, i, false
			}
			j = closing
		}
		j++
	}
	if j == i {
		return nil, i, false
	}
	return []callArg{operandValue(code[i:j], lang)}, j, true
}

// operandValue is one value given to a format: a string literal, a name
// known to hold one, or an expression guard does not know.
func operandValue(expr string, lang language) callArg {
	expr = strings.TrimSpace(expr)
	if q := strings.IndexAny(expr, `"'`); q >= 0 && isStringPrefix(expr[:q]) {
		// a literal, or literals joined: not a call given one (os.getenv("X"))
		if ps := stringPieces(expr, lang); ps != nil {
			return callArg{pieces: ps, raw: expr}
		}
	}
	if v, ok := lang.known(expr); ok {
		return callArg{pieces: []piece{{text: v, known: true}}, raw: expr}
	}
	return callArg{pieces: []piece{{text: expr}}, raw: expr}
}

// formatPieces fills the placeholders of a format string's pieces with
// values, in order; a placeholder without a value is unknown.
func formatPieces(format []piece, values []callArg, placeholder *lazyre.Regexp) []piece {
	var b pieceBuilder
	next := 0
	for _, p := range format {
		if !p.known {
			b.unknown(p.text)
			continue
		}
		last := 0
		for _, loc := range placeholder.FindAllStringIndex(p.text, -1) {
			b.text.WriteString(p.text[last:loc[0]])
			last = loc[1]
			switch m := p.text[loc[0]:loc[1]]; m {
			case "%%":
				b.text.WriteString("%")
				continue
			case "{{":
				b.text.WriteString("{")
				continue
			case "}}":
				b.text.WriteString("}")
				continue
			}
			if next >= len(values) {
				b.unknown(p.text[loc[0]:loc[1]])
				continue
			}
			for _, vp := range values[next].pieces {
				if vp.known {
					b.text.WriteString(vp.text)
				} else {
					b.unknown(vp.text)
				}
			}
			next++
		}
		b.text.WriteString(p.text[last:])
	}
	return b.done()
}

// joinPieces is the string items joined with sep between them: Python's
// " ".join(["rm", "-rf", "/etc"]), Perl's join " ", "rm", "-rf", "/etc".
func joinPieces(sep []piece, items [][]piece) []piece {
	var b pieceBuilder
	add := func(ps []piece) {
		for _, p := range ps {
			if p.known {
				b.text.WriteString(p.text)
			} else {
				b.unknown(p.text)
			}
		}
	}
	for n, item := range items {
		if n > 0 {
			add(sep)
		}
		add(item)
	}
	return b.done()
}

// perlJoin reads Perl's join SEP, LIST when it is the first argument of
// a call (system(join " ", @words)): the arguments become the one string
// join makes. With join(…) in parentheses, its own arguments are read.
func perlJoin(args []callArg, lang language) []callArg {
	if lang.name != "perl" || len(args) == 0 {
		return args
	}
	raw := args[0].raw
	rest, ok := strings.CutPrefix(raw, "join")
	if !ok || rest == "" || rest[0] != ' ' && rest[0] != '(' {
		return args
	}
	if strings.HasPrefix(strings.TrimSpace(rest), "(") {
		inner, _ := callArgs(rest, 0, lang)
		if len(inner) == 0 {
			return args
		}
		return append([]callArg{joinedArg(inner)}, args[1:]...)
	}
	sep := args[0]
	sep.pieces = slices.DeleteFunc(slices.Clone(sep.pieces), func(p piece) bool { return !p.known && p.text == "join" })
	return []callArg{joinedArg(append([]callArg{sep}, args[1:]...))}
}

// joinedArg is the argument join makes of its separator and items.
func joinedArg(args []callArg) callArg {
	var items [][]piece
	for _, a := range args[1:] {
		if a.list != nil {
			items = append(items, a.list...)
			continue
		}
		items = append(items, a.pieces)
	}
	return callArg{pieces: joinPieces(args[0].pieces, items), raw: "join(…)"}
}
