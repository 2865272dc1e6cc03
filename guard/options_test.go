package guard

import (
	"slices"
	"testing"
)

// TestParseOptionsOperands: operands come out in order whether they lie
// side by side in the arguments or between options, and a caller that
// appends to them never writes over the arguments they came from.
func TestParseOptionsOperands(t *testing.T) {
	words := func(ws ...string) []Arg {
		out := make([]Arg, len(ws))
		for i, w := range ws {
			out[i] = Arg{Text: w, Value: w, Known: true}
		}
		return out
	}
	values := func(args []Arg) []string {
		var out []string
		for _, a := range args {
			out = append(out, a.Value)
		}
		return out
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"-rf", "a", "b"}, []string{"a", "b"}},
		{[]string{"a", "-r", "b", "c", "-f", "d"}, []string{"a", "b", "c", "d"}},
		{[]string{"-f", "--", "-r", "b"}, []string{"-r", "b"}},
		{[]string{"a", "--", "-r"}, []string{"a", "-r"}},
		{[]string{"-r"}, nil},
	} {
		args := words(c.args...)
		p := ParseOptions(args, OptSpec{})
		if got := values(p.Operands); !slices.Equal(got, c.want) {
			t.Errorf("%q: operands %q, want %q", c.args, got, c.want)
		}
		before := values(args)
		_ = append(p.Operands, Arg{Value: "appended"})
		if after := values(args); !slices.Equal(after, before) {
			t.Errorf("%q: appending to the operands changed the arguments: %q", c.args, after)
		}
	}
}
