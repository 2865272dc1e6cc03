package main

import (
	"strings"
	"testing"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/rules"
)

// TestForgottenPrelude: past maxPrelude the earlier parts of a streamed
// script are forgotten; what stands for them leaves the folder unknown, so
// a system folder's name given relatively is asked about, never judged in
// the folder the login began in.
func TestForgottenPrelude(t *testing.T) {
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	h := guard.NewMemHost()
	for _, tc := range []struct {
		line string
		want guard.Decision
	}{
		{"rm -rf usr", guard.Confirm},
		{"rm -rf lib/*", guard.Confirm},
		{"rm -rf build", guard.Allow},
		{"rm -rf /tmp/x", guard.Allow},
	} {
		v := e.Judge(tc.line, h, guard.Options{Cwd: "/home/op", Prelude: forgotten})
		if v.Decision != tc.want {
			t.Errorf("after forgotten parts, %q is %s, want %s", tc.line, v.Decision, tc.want)
		}
	}
}

// TestLongScriptKeepsItsState: past maxPrelude the earlier parts of a
// streamed script are kept as the state they leave, not forgotten: a
// folder, a variable, a function and a read set before a megabyte of
// padding still count after it.
func TestLongScriptKeepsItsState(t *testing.T) {
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	h := guard.NewMemHost()
	past := history{start: "/home/op", stdin: true, host: h}
	past.add("cd /\nx='rm -rf /usr'\nwipe() { rm -rf \"$1\"; }\nset -- /etc\n")
	past.add(strings.Repeat("# padding, as long as guard keeps of a script\n", maxPrelude/40))
	past.add(strings.Repeat(": padding\n", maxPrelude/10))
	if len(past.prelude()) > maxPrelude {
		t.Fatalf("the prelude grew to %d bytes", len(past.prelude()))
	}
	for _, tc := range []struct {
		line string
		want guard.Decision
	}{
		{"$x", guard.Block},
		{"wipe /boot", guard.Block},
		{"rm -rf usr", guard.Block},
		{`rm -rf "$1"`, guard.Block},
		{"rm -rf build", guard.Allow},
	} {
		v := e.Judge(tc.line, h, guard.Options{Cwd: "/home/op", Prelude: past.prelude(), StdinScript: true})
		if v.Decision != tc.want {
			t.Errorf("after a long script, %q is %s, want %s (prelude %q)", tc.line, v.Decision, tc.want, past.prelude())
		}
	}
	past.add("read -r _\n")
	past.add(strings.Repeat(": padding\n", maxPrelude/10))
	past.add("read -r _\n")
	v := e.Judge(": <<'X'\nrm -rf /usr\nX\n", h, guard.Options{Cwd: "/home/op", Prelude: past.prelude(), StdinScript: true})
	if v.Decision != guard.Block {
		t.Errorf("a read at the end of a long script: %s", v.Decision)
	}
}
