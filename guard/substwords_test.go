package guard

import (
	"slices"
	"testing"
)

func TestSubstWords(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string // nil: not one plain command
	}{
		{"$(docker ps -aq --filter name=ci-)", []string{"docker", "ps", "-aq", "--filter", "name=ci-"}},
		{`"$(pgrep -x 'my app')"`, []string{"pgrep", "-x", "my app"}},
		{"`pidof sshd`", []string{"pidof", "sshd"}},
		{"$(docker ps -q | head -1)", nil},
		{"$(a; b)", nil},
		{"$(docker ps --filter name=$X)", nil},
		{"$(ls *.pid)", nil},
		{"$(cat ~/.aws/credentials)", []string{"cat", "~/.aws/credentials"}}, // the caller knows the home
		{"$(cat ~op/.netrc)", nil},
		{"x$(date)", nil},
		{"$((1+2))", nil},
		{"$(FOO=1 env)", nil},
		{"$(cat < /run/x.pid)", nil},
	} {
		words, ok := Arg{Text: c.text, Sources: []string{"x"}}.SubstWords()
		var got []string
		for _, w := range words {
			got = append(got, w.Value)
		}
		if ok != (c.want != nil) || !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, %v; want %q", c.text, got, ok, c.want)
		}
	}
	if _, ok := (Arg{Text: "$(docker ps)", Value: "x", Known: true}).SubstWords(); ok {
		t.Error("a known word is not read as a substitution")
	}
}
