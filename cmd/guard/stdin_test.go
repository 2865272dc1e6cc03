package main

import (
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
