package guard

import (
	"slices"
	"strings"
	"testing"
)

// TestInertCheck: rules that share an InertCheck are not asked about a
// command it calls inert, except a rule about every command, which is
// asked about the redirections alone; the check runs once per command
// however many rules share it, and a check that panics judges the
// command whole.
func TestInertCheck(t *testing.T) {
	asked := 0
	check := &InertCheck{Is: func(inv *Invocation) bool {
		asked++
		if len(inv.Args) > 0 && inv.Args[0].Value == "--boom" {
			panic("broken check")
		}
		return len(inv.Args) > 0 && inv.Args[0].Value == "--help"
	}}
	rule := func(id string, programs []string, match func(*Invocation) bool) *Rule {
		return &Rule{ID: id, Summary: id, Explain: id, Programs: programs, Inert: check,
			Match: func(inv *Invocation, _ Host) *Finding {
				if match(inv) {
					return Found(Block, "do not", "%s", id)
				}
				return nil
			}}
	}
	wipe := func(inv *Invocation) bool { return inv.Program == "wipe" }
	e, err := NewEngine([]*Rule{
		rule("wipe-one", []string{"wipe"}, wipe),
		rule("wipe-two", []string{"wipe"}, wipe),
		rule("etc-write", nil, func(inv *Invocation) bool {
			for _, r := range inv.Redirs {
				if r.Writes() && strings.HasPrefix(r.Target.Value, "/etc/") {
					return true
				}
			}
			return false
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		line  string
		rules string
		asks  int
	}{
		{"wipe /dev/sda", "wipe-one wipe-two", 1},
		{"wipe --help", "", 1},
		{"wipe --help > /etc/motd", "etc-write", 1},
		{"wipe /dev/sda > /etc/motd", "etc-write wipe-one wipe-two", 1},
		{"wipe --boom", "wipe-one wipe-two", 1},
		{"wipe --help; wipe /dev/sda", "wipe-one wipe-two", 2},
	} {
		asked = 0
		v := e.Judge(c.line, NewMemHost(), Options{Cwd: "/home/op"})
		var got []string
		for _, f := range v.Findings {
			got = append(got, f.Rule)
		}
		if strings.Join(slices.Sorted(slices.Values(got)), " ") != c.rules {
			t.Errorf("%q: findings %v, want %q", c.line, got, c.rules)
		}
		if asked != c.asks {
			t.Errorf("%q: the check was asked %d times, want %d", c.line, asked, c.asks)
		}
	}
}
