package guard

import (
	"strings"
)

// An interpreter one-liner that only prints string literals has an output
// guard knows as well as echo's: python3 -c 'print("rm -rf /etc")' | sh
// runs rm -rf /etc, and rm -rf "$(awk 'BEGIN{print "dist"}')" removes
// ./dist. Anything else in the code (a variable, a call, a loop, input
// read) leaves the output unknown, as before.

// printer describes how one language prints: the statements that print,
// how a list of values is joined, and how strings are concatenated.
type printer struct {
	// calls maps a print statement to what follows each of its lists:
	// print( → "\n". The statement's name includes its opening
	// parenthesis when it needs one.
	calls map[string]string
	sep   string   // between the values of one list
	joins []string // concatenation operators ("+", ".", ".."); awk juxtaposes
	// quiet are statements that print nothing (import sys).
	quiet []string
}

var printers = map[string]printer{
	"python": {calls: map[string]string{"print(": "\n", "sys.stdout.write(": ""}, sep: " ", joins: []string{"+"},
		quiet: []string{"import ", "from "}},
	"perl": {calls: map[string]string{"print(": "", "print ": "", "say(": "\n", "say ": "\n"}, joins: []string{"."},
		quiet: []string{"use ", "no "}},
	"ruby": {calls: map[string]string{"puts(": "\n", "puts ": "\n", "print(": "", "print ": "", "$stdout.puts(": "\n", "$stdout.puts ": "\n",
		"STDOUT.puts(": "\n", "STDOUT.puts ": "\n", "$stdout.write(": "", "STDOUT.write(": ""}, joins: []string{"+"}},
	"node": {calls: map[string]string{"console.log(": "\n", "process.stdout.write(": ""}, sep: " ", joins: []string{"+"}},
	"php":  {calls: map[string]string{"echo ": "", "echo(": "", "print ": "", "print(": ""}, joins: []string{"."}},
	"lua":  {calls: map[string]string{"print(": "\n", "io.write(": ""}, sep: "\t", joins: []string{".."}},
	"awk":  {calls: map[string]string{"print ": "\n", "print(": "\n", "printf ": "", "printf(": ""}, sep: " "},
}

// Bounds on computing a printing program.
const (
	maxPrintCode       = 16 << 10
	maxPrintStatements = 256
)

// printedOutput is what an interpreter run with code on the line (-c,
// -e, awk's program) prints, when that code only prints literals.
func printedOutput(inv *Invocation) (string, bool) {
	if inv.Remote != "" {
		return "", false
	}
	name, code, perLine, ok := printingCode(inv)
	if !ok || len(code) > maxPrintCode {
		return "", false
	}
	pr := printers[name]
	lang := language{name: name}
	var out strings.Builder
	stmts := splitStatements(code, lang)
	if len(stmts) > maxPrintStatements {
		return "", false
	}
	for _, st := range stmts {
		if st == "" || hasAnyPrefix(st, pr.quiet) {
			continue
		}
		text, ok := printStatement(st, pr, lang)
		if !ok {
			return "", false
		}
		out.WriteString(text + perLine)
		if out.Len() > maxFeedBytes {
			return "", false
		}
	}
	return out.String(), true
}

// printingCode finds the code of an interpreter invocation that runs
// nothing but that code: the language it is in, the code, and what every
// print adds (perl -l: a newline).
func printingCode(inv *Invocation) (name, code, perLine string, ok bool) {
	if awkPrograms[inv.Program] {
		p := ParseOptions(inv.Args, OptSpec{ShortValue: "FvfeiElW", LongValue: []string{"field-separator", "assign", "file", "source", "include", "load", "exec"}})
		if p.Has("f", "file", "e", "source", "E", "exec", "i", "include", "l", "load") || len(p.Operands) != 1 || !p.Operands[0].Known {
			return "", "", "", false
		}
		body, ok := awkBeginOnly(p.Operands[0].Value)
		return "awk", body, "", ok
	}
	lang, isLang := languageOf(inv.Program)
	if !isLang {
		return "", "", "", false
	}
	if _, ok := printers[lang.name]; !ok {
		return "", "", "", false
	}
	codeOpts := strings.Split(lang.code, "")
	switch lang.name {
	case "node":
		codeOpts = []string{"e", "eval"} // -p prints the value of the code too
	case "php":
		codeOpts = []string{"r"} // -B, -R, -E run around each input line
	}
	p := ParseOptions(inv.Args, OptSpec{ShortValue: lang.code + lang.values, LongValue: append(lang.longCode, lang.longValue...), StopAtOperand: true})
	codes := p.Values(codeOpts...)
	// Code that runs around it: input loops (-n, -p), modules loaded
	// first (-M, -m, -r, -l), a prompt (-i).
	around := []string{"n", "p", "a", "i", "M", "m", "x", "F", "require", "import", "print"}
	switch lang.name {
	case "php":
		around = append(around, "B", "R", "E", "F")
	case "perl":
		if p.Has("l") {
			perLine = "\n" // every print ends a line
		}
	default:
		around = append(around, "r", "l")
	}
	if len(codes) != 1 || !codes[0].Known || p.Has(around...) {
		return "", "", "", false
	}
	if len(p.Operands) > 0 && lang.name != "python" && lang.name != "node" {
		return "", "", "", false // a script named after the code
	}
	return lang.name, codes[0].Value, perLine, true
}

var awkPrograms = map[string]bool{"awk": true, "gawk": true, "mawk": true, "nawk": true, "busybox-awk": true}

// awkBeginOnly is the body of an awk program made of BEGIN blocks only,
// which awk runs without reading any input.
func awkBeginOnly(prog string) (string, bool) {
	var body []string
	rest := strings.TrimSpace(prog)
	for rest != "" {
		if !strings.HasPrefix(rest, "BEGIN") {
			return "", false
		}
		rest = strings.TrimSpace(rest[len("BEGIN"):])
		if !strings.HasPrefix(rest, "{") {
			return "", false
		}
		end := matchingClose(rest, 1, '{')
		if end < 0 {
			return "", false
		}
		body = append(body, rest[1:end])
		rest = strings.TrimSpace(rest[end+1:])
	}
	return strings.Join(body, "\n"), len(body) > 0
}

// splitStatements splits code at its top-level ; and newlines.
func splitStatements(code string, lang language) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '"', '\'', '`':
			_, end := readString(code, i, lang)
			if end < 0 {
				return []string{code} // an unterminated string: not computed
			}
			i = end - 1
		case ';', '\n':
			if depth == 0 {
				out = append(out, strings.TrimSpace(code[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(code[start:]))
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// printStatement is what one print statement prints, when all it prints
// is literals.
func printStatement(st string, pr printer, lang language) (string, bool) {
	for call, end := range pr.calls {
		if !strings.HasPrefix(st, call) {
			continue
		}
		args := strings.TrimSpace(st[len(call):])
		if strings.HasSuffix(call, "(") {
			if !strings.HasSuffix(args, ")") {
				return "", false
			}
			args = args[:len(args)-1]
		}
		if strings.HasPrefix(call, "printf") {
			return awkPrintf(args, pr, lang)
		}
		values, ok := literalList(args, pr, lang)
		if !ok {
			return "", false
		}
		if strings.HasPrefix(call, "puts") || strings.Contains(call, ".puts") {
			// puts ends each value with a newline unless it has one
			var b strings.Builder
			for _, v := range values {
				b.WriteString(v)
				if !strings.HasSuffix(v, "\n") {
					b.WriteString("\n")
				}
			}
			return b.String(), true
		}
		return strings.Join(values, pr.sep) + end, true
	}
	return "", false
}

// awkPrintf prints a format without conversions (%% aside).
func awkPrintf(args string, pr printer, lang language) (string, bool) {
	values, ok := literalList(args, pr, lang)
	if !ok || len(values) != 1 || strings.Contains(strings.ReplaceAll(values[0], "%%", ""), "%") {
		return "", false
	}
	return strings.ReplaceAll(values[0], "%%", "%"), true
}

// literalList reads a comma-separated list of values, each string
// literals joined by the language's concatenation; false for anything
// else (a name, a call, a number, a keyword argument).
func literalList(list string, pr printer, lang language) ([]string, bool) {
	if strings.TrimSpace(list) == "" {
		return []string{""}, true
	}
	var values []string
	var cur strings.Builder
	expectValue := true
	for i := 0; i < len(list); i++ {
		c := list[i]
		switch {
		case c == ' ' || c == '\t':
		case c == ',':
			if expectValue {
				return nil, false
			}
			values = append(values, cur.String())
			cur.Reset()
			expectValue = true
		case c == '"' || c == '\'' && lang.name != "awk" || c == '`' && lang.name == "node":
			if !expectValue && lang.name != "awk" {
				return nil, false
			}
			ps, end := readString(list, i, lang)
			if end < 0 {
				return nil, false
			}
			for _, p := range ps {
				if !p.known {
					return nil, false // an interpolated value
				}
				cur.WriteString(p.text)
			}
			i = end - 1
			expectValue = false
		case lang.name == "perl" && expectValue && strings.HasPrefix(list[i:], "qq") || lang.name == "perl" && expectValue && c == 'q':
			open := i + 1
			if strings.HasPrefix(list[i:], "qq") {
				open = i + 2
			}
			if open >= len(list) || !strings.ContainsRune("{([<|!/", rune(list[open])) {
				return nil, false
			}
			end := matchingClose(list, open+1, list[open])
			if end < 0 {
				return nil, false
			}
			for _, p := range interpolate(list[open+1:end], lang, open == i+2) {
				if !p.known {
					return nil, false
				}
				cur.WriteString(p.text)
			}
			i = end
			expectValue = false
		default:
			op := ""
			for _, j := range pr.joins {
				if strings.HasPrefix(list[i:], j) && len(j) > len(op) {
					op = j
				}
			}
			if op == "" || expectValue {
				return nil, false
			}
			i += len(op) - 1
			expectValue = true
		}
	}
	if expectValue {
		return nil, false
	}
	return append(values, cur.String()), true
}
