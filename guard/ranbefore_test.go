package guard

import (
	"slices"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// TestRanBefore: for the last command named z, the programs of the line
// that certainly ran before it, latest first.
func TestRanBefore(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		{"a; b && z", []string{"b", "a"}},
		{"a\nb\nz", []string{"b", "a"}},
		{"a || z", nil},                     // z runs only when a failed
		{"a || b && z", nil},                // a succeeded: b skipped, z runs
		{"a || b && c && z", []string{"c"}}, // c ran and succeeded
		{"a && b || c; z", []string{"a"}},   // only the first of a list surely ran
		{"a & z", nil},                      // beside it
		{"{ a; b; } & z", nil},              // the whole job, beside it
		{"a | z", nil},                      // a pipeline runs its parts side by side
		{"a | b; z", []string{"b"}},         // the last part runs to its end; a may stop early
		{"a | sudo b; z", []string{"b", "sudo"}},
		{"(a; b); z", nil},                     // a subshell may exit early
		{"(a; z)", []string{"a"}},              // inside it, in order
		{"{ a; b; } && z", []string{"b", "a"}}, // a group runs in this shell
		{"if a; then b; fi; z", []string{"a"}}, // the branch may not run
		{"if a; then z; fi", []string{"a"}},    // the branch runs after its condition
		{"if a; then :; else z; fi", []string{"a"}},
		{"for x in 1; do a; done; z", nil},     // the body may run no time
		{"while a; do b; done; z", nil},        // a while loop may stop at once
		{"case x in y) a;; esac; z", nil},      // an item may not match
		{"trap 'a' EXIT; z", []string{"trap"}}, // the trap's code runs later
		{"at now <<< a; z", []string{"at"}},
		{"sudo a && z", []string{"a", "sudo"}}, // the wrapper and what it runs
		{"bash -c 'a; b' && z", []string{"b", "a", "bash"}},
		{"f() { a; }; f; z", []string{"a", "f"}}, // a function called runs its body
		{"f() { a; }; z", nil},                   // one only defined does not
		{"ssh h a && z", []string{"ssh"}},        // a runs on another machine
		{"a && ssh h z", nil},                    // z runs on another machine
	} {
		last := commandZ(t, c.line)
		if last == nil {
			continue
		}
		var got []string
		for b := range last.RanBefore {
			got = append(got, b.Program)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: ran before z: %q, want %q", c.line, got, c.want)
		}
	}
}

// TestSucceededBefore: what z runs only after, because it succeeded.
func TestSucceededBefore(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		{"a && b && z", []string{"b", "a"}},
		{"a; b && z", []string{"b"}},        // a may have failed
		{"a || z", nil},                     // z runs because a failed
		{"if a; then z; fi", []string{"a"}}, // as a && z
		{"if a; then b && z; fi", []string{"b", "a"}},
		{"if a; then b; z; fi", nil},      // b may have failed
		{"if ! a; then z; fi", nil},       // a failed
		{"if a || b; then z; fi", nil},    // either may have
		{"if a; then :; else z; fi", nil}, // a failed
		{"if a; then x=1; fi; z", nil},    // the branch's && does not leak past fi
		{"if x=1; then z; fi", nil},       // no command ran
		{"if a; then :; elif b; then z; fi", []string{"b"}},
	} {
		last := commandZ(t, c.line)
		if last == nil {
			continue
		}
		var got []string
		for b := range last.SucceededBefore {
			got = append(got, b.Program)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: succeeded before z: %q, want %q", c.line, got, c.want)
		}
	}
}

// commandZ is the last command z of line, judged in /srv.
func commandZ(t *testing.T, line string) *Invocation {
	t.Helper()
	invs, _, _ := Resolve(line, "/srv", NewMemHost(), syntax.LangBash)
	var last *Invocation
	for _, inv := range invs {
		if inv.Program == "z" {
			last = inv
		}
	}
	if last == nil {
		t.Errorf("%q: no command z", line)
	}
	return last
}
