package guard

import "testing"

// TestSedInsertAppendChange: a, i and c add text around a line or in its
// place, in GNU's one-line form and in the classic form with a newline.
func TestSedInsertAppendChange(t *testing.T) {
	for _, c := range []struct {
		script, input, want string
		quiet               bool
	}{
		{"1i rm -rf ~", "echo a\necho b\n", "rm -rf ~\necho a\necho b\n", false},
		{"$a done", "x\ny\n", "x\ny\ndone\n", false},
		{"$a done", "x", "x\ndone\n", false},
		{"2c changed", "a\nb\nc\n", "a\nchanged\nc\n", false},
		{"a\\\nfirst\\\nsecond", "x\n", "x\nfirst\nsecond\n", false},
		{"1i\\inline", "x\n", "inline\nx\n", false},
		{"/b/i before b", "a\nb\n", "a\nbefore b\nb\n", false},
		{"1i text", "x\n", "text\n", true}, // -n prints the text, not the line
	} {
		cmds, ok := parseSed(c.script)
		if !ok {
			t.Errorf("%q: not parsed", c.script)
			continue
		}
		prog, ok := compileSed(cmds, false)
		if !ok {
			t.Errorf("%q: not compiled", c.script)
			continue
		}
		got, ok := prog.run(c.input, c.quiet)
		if !ok || got != c.want {
			t.Errorf("%q on %q: got %q, %v; want %q", c.script, c.input, got, ok, c.want)
		}
	}
	if cmds, ok := parseSed("1,3c x"); ok {
		if _, ok := compileSed(cmds, false); ok {
			t.Error("c over a range is changed once at its end: not computed")
		}
	}
}
