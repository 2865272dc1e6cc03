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

// TestStdinScriptReadsItself: a script the shell reads on its standard
// input, streamed in parts: a read at the end of one part takes the first
// line of the next, so that part is judged as bash reads it too.
func TestStdinScriptReadsItself(t *testing.T) {
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	h := guard.NewMemHost()
	for _, tc := range []struct {
		prelude, line string
		fed           bool
		want          guard.Decision
	}{
		{"echo start\nread -r _\n", ": <<'X'\nrm -rf /usr\nX\n", true, guard.Block},
		{"echo start\nread -r _\n", ": <<'X'\nrm -rf /usr\nX\n", false, guard.Allow}, // typed: read takes the terminal
		{"read -r _\n", "cd /tmp\nrm -rf usr\n", true, guard.Block},                  // the cd is taken, rm runs in /
		{"read -r _\necho taken\n", ": <<'X'\nrm -rf /usr\nX\n", true, guard.Allow},  // the read took "echo taken"
		{"", "read -r a; read -r b\necho 1\n: <<X\nrm -rf /usr\nX\n", true, guard.Block},
	} {
		v := e.Judge(tc.line, h, guard.Options{Cwd: "/", Prelude: tc.prelude, StdinScript: tc.fed})
		if v.Decision != tc.want {
			t.Errorf("after %q, %q (fed %v) is %s, want %s (%+v)", tc.prelude, tc.line, tc.fed, v.Decision, tc.want, v.Findings)
		}
	}
}
