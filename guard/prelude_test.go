package guard_test

import (
	"testing"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/rules"
)

// TestPrelude: a line is judged in the state what the shell was given
// before it leaves (the folder, variables, functions), and the prelude's
// own commands are not judged again.
func TestPrelude(t *testing.T) {
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	h := guard.NewMemHost()
	for _, tc := range []struct {
		prelude, line string
		want          guard.Decision
	}{
		{"cd /\n", "rm -rf usr", guard.Block},
		{"", "rm -rf usr", guard.Allow}, // in /home/op
		{"cd /\ncd /home/op\n", "rm -rf usr", guard.Allow},
		{"target=/etc\n", `rm -rf "$target"`, guard.Block},
		{"wipe() { rm -rf \"$1\"; }\n", "wipe /boot", guard.Block},
		{"rm -rf /usr\n", "echo done", guard.Allow}, // judged when it was the line
		{"cd \"$unknown_folder\"\n", "rm -rf build/*", guard.Confirm},
	} {
		v := e.Judge(tc.line, h, guard.Options{Cwd: "/home/op", Prelude: tc.prelude})
		if v.Decision != tc.want {
			t.Errorf("after %q, %q is %s, want %s (%+v)", tc.prelude, tc.line, v.Decision, tc.want, v.Findings)
		}
	}
}
