package guard

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// maxSubstWordsText bounds the substitution SubstWords parses.
const maxSubstWordsText = 4096

// SubstWords returns the words of the one simple command a word is the
// output of, "$(docker ps -aq --filter name=ci-)" or `pidof x`, as
// written: the program first. ok is false when the word is anything else
// (text around the substitution, a pipeline or a list inside it, a word
// of the command that is not plain text, but for a leading ~/ kept as
// written), or when it is longer than guard reads this way.
func (a Arg) SubstWords() (words []Arg, ok bool) {
	if a.Known || len(a.Sources) == 0 || len(a.Text) > maxSubstWordsText {
		return nil, false
	}
	t := strings.TrimSuffix(strings.TrimPrefix(a.Text, `"`), `"`)
	switch {
	case strings.HasPrefix(t, "$((") || !strings.HasPrefix(t, "$(") && !strings.HasPrefix(t, "`"):
		return nil, false
	case strings.HasPrefix(t, "$(") && strings.HasSuffix(t, ")"):
		t = t[2 : len(t)-1]
	case strings.HasPrefix(t, "`") && strings.HasSuffix(t, "`") && len(t) > 1:
		t = t[1 : len(t)-1]
	default:
		return nil, false
	}
	f, err := syntax.NewParser().Parse(strings.NewReader(t), "")
	if err != nil || len(f.Stmts) != 1 {
		return nil, false
	}
	st := f.Stmts[0]
	call, isCall := st.Cmd.(*syntax.CallExpr)
	if !isCall || len(call.Assigns) > 0 || len(st.Redirs) > 0 || st.Background || st.Negated || len(call.Args) == 0 {
		return nil, false
	}
	for _, w := range call.Args {
		v, plain := plainWord(w)
		if !plain {
			return nil, false
		}
		words = append(words, Arg{Text: v, Value: v, Known: true})
	}
	return words, true
}

// plainWord is the value of a word made of literal text and quotes only
// (literalWord), with no pattern or escape left unquoted and no escape in
// double quotes; a leading ~/ is kept as written.
func plainWord(w *syntax.Word) (string, bool) {
	for i, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			v := p.Value
			if i == 0 && (v == "~" || strings.HasPrefix(v, "~/")) {
				v = v[1:] // the home folder, left to the caller
			}
			if strings.ContainsAny(v, `*?[\~`) {
				return "", false
			}
		case *syntax.DblQuoted:
			for _, in := range p.Parts {
				if lit, ok := in.(*syntax.Lit); ok && strings.ContainsAny(lit.Value, `\$`+"`") {
					return "", false
				}
			}
		}
	}
	return literalWord(w)
}
