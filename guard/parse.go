package guard

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// parsed is a parse result with the source its positions refer to, which
// is the repaired text when the tolerant fallback was used.
type parsed struct {
	stmts []*syntax.Stmt
	src   string
}

// parse parses src in the given dialect. A line that does not parse (an
// unterminated quote, an `if` without `fi`, another shell's syntax) is
// still judged: it is split into words by a tolerant tokenizer, rebuilt as
// plain commands and parsed again. note says what went wrong, "" if
// nothing did.
func parse(src string, lang syntax.LangVariant) (*parsed, string) {
	file, err := syntax.NewParser(syntax.Variant(lang)).Parse(strings.NewReader(src), "")
	if err == nil {
		return &parsed{stmts: file.Stmts, src: src}, ""
	}
	note := fmt.Sprintf("the line does not parse as %s (%s); guard judged it word by word", lang, firstLine(err.Error()))
	repaired := repair(src)
	file, err2 := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(repaired), "")
	if err2 != nil {
		return nil, note
	}
	return &parsed{stmts: file.Stmts, src: repaired}, note
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Words that open or close compound commands: in a line that does not
// parse they are dropped so that the commands inside are still seen.
var reservedWords = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "fi": true,
	"do": true, "done": true, "while": true, "until": true, "for": true,
	"case": true, "esac": true, "select": true, "function": true, "time": true,
	"{": true, "}": true, "!": true, "in": true, "[[": true, "]]": true,
}

// repair rebuilds src as simple commands that parse: every word is quoted
// unless it is plain, separators are kept, reserved words at the start of
// a command are dropped, an unterminated quote runs to the end of the line.
func repair(src string) string {
	var out strings.Builder
	atStart := true
	for _, tok := range tolerantTokens(src) {
		switch {
		case tok.op != "":
			if !atStart || tok.op == "\n" {
				out.WriteString(" " + tok.op + " ")
			}
			atStart = tok.op != ">" && tok.op != ">>" && tok.op != "<" && tok.op != "&>"
		case atStart && reservedWords[tok.text] && !tok.quoted:
			continue
		default:
			out.WriteString(" " + quoteWord(tok))
			atStart = false
		}
	}
	return out.String()
}

func quoteWord(tok token) string {
	if !tok.quoted && tok.text != "" && isPlainWord(tok.text) {
		return tok.text
	}
	q, err := syntax.Quote(strings.ReplaceAll(tok.text, "\x00", ""), syntax.LangBash)
	if err != nil {
		return "''"
	}
	return q
}

// isPlainWord: characters that keep their meaning (variables, globs,
// tildes) and cannot break the rebuilt line.
func isPlainWord(s string) bool {
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("$_{}*?[]~/.-=:,@%+^", c):
		default:
			return false
		}
	}
	return true
}

type token struct {
	text   string
	quoted bool
	op     string // a separator or redirection operator instead of a word
}

// tolerantTokens splits src the way a shell would, but never fails.
func tolerantTokens(src string) []token {
	var toks []token
	var cur strings.Builder
	inWord, quoted := false, false
	flush := func() {
		if inWord {
			toks = append(toks, token{text: cur.String(), quoted: quoted})
		}
		cur.Reset()
		inWord, quoted = false, false
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src):
			i++
			if src[i] != '\n' {
				cur.WriteByte(src[i])
				inWord, quoted = true, true
			}
		case c == '\'' || c == '"':
			inWord, quoted = true, true
			end := strings.IndexByte(src[i+1:], c)
			if end < 0 {
				cur.WriteString(src[i+1:])
				i = len(src)
			} else {
				cur.WriteString(src[i+1 : i+1+end])
				i += end + 1
			}
		case c == '#' && !inWord:
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
		case c == ' ' || c == '\t':
			flush()
		case strings.IndexByte(";&|\n()<>", c) >= 0:
			flush()
			op := string(c)
			for _, long := range []string{"&&", "||", ";;", ">>", "&>", "<<<", "<<", "|&"} {
				if strings.HasPrefix(src[i:], long) {
					op = long
					break
				}
			}
			i += len(op) - 1
			switch op {
			case "(", ")", ";;", "<<", "<<<":
				op = ";"
			case "|&":
				op = "|"
			}
			if op == "<<" || op == ";" && c == '<' {
				continue
			}
			toks = append(toks, token{op: op})
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return toks
}
