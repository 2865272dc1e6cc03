package guard

import "testing"

func TestShown(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"rm -rf /usr", "rm -rf /usr"},
		{"rm -rf /usr \x1b[8m hidden \x1b[0m", `rm -rf /usr \e[8m hidden \e[0m`},
		{"ls\rrm -rf /", `ls\rrm -rf /`},
		{"a\tb\nc", "a\tb\nc"},
		{"x\x00y\x07\x7f", `x\x00y\x07\x7f`},
		{"\xff\xfe ok", `\xff\xfe ok`},
		{"rm -rf /\u202eetc", `rm -rf /\u202eetc`},
		{"x\u0085y", `x\u0085y`},
		{"café ünïcode", "café ünïcode"},
	} {
		if got := Shown(c.in); got != c.want {
			t.Errorf("Shown(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
