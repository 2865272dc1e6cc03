package guard

import "testing"

// TestStrictIgnoresWaysPast: the operator's ways past written into a line
// (GUARD=off, guard run --yes-i-know) hold for people and never for a
// coding agent's line (Options.Strict).
func TestStrictIgnoresWaysPast(t *testing.T) {
	crontab := &Rule{
		ID: "crontab-remove", Programs: []string{"crontab"}, Decision: Confirm,
		Summary: "crontab -r", Explain: "test rule",
		Match: func(inv *Invocation, _ Host) *Finding {
			for _, a := range inv.Args {
				if a.Value == "-r" {
					return Found(Confirm, "crontab -l first", "would delete the crontab")
				}
			}
			return nil
		},
	}
	e, err := NewEngine([]*Rule{crontab})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		line          string
		person, agent Decision
	}{
		{"crontab -r", Confirm, Confirm},
		{"GUARD=off crontab -r", Warn, Confirm},
		{"guard run --yes-i-know crontab-remove -- crontab -r", Allow, Confirm},
		{"guard run --yes-i-know other -- crontab -r", Confirm, Confirm},
		{"GUARD=off guard run -- crontab -r", Warn, Confirm},
		{"guard run -- crontab -l", Allow, Allow},
	} {
		person := e.Judge(tc.line, NewMemHost(), Options{Cwd: "/home/op"}).Decision
		agent := e.Judge(tc.line, NewMemHost(), Options{Cwd: "/home/op", Strict: true}).Decision
		if person != tc.person || agent != tc.agent {
			t.Errorf("%q: person %s, agent %s; want %s, %s", tc.line, person, agent, tc.person, tc.agent)
		}
	}
}

// TestGuardRunMarksOnlyItsOwnCommands: an acknowledgement covers the
// commands inside that guard run, not the rest of the line.
func TestGuardRunMarksOnlyItsOwnCommands(t *testing.T) {
	invs := resolveOne(t, "guard run --yes-i-know a,b -- crontab -r; crontab -r", "/home/op", NewMemHost())
	var marked, plain int
	for _, inv := range invs {
		if inv.Program != "crontab" {
			continue
		}
		if len(inv.Acknowledged) == 2 && inv.Acknowledged[0] == "a" && inv.Acknowledged[1] == "b" {
			marked++
		} else if len(inv.Acknowledged) == 0 {
			plain++
		}
	}
	if marked != 1 || plain != 1 {
		t.Errorf("marked %d, plain %d; want 1 and 1: %+v", marked, plain, invs)
	}
}
