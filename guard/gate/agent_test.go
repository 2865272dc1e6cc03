package gate_test

import (
	"slices"
	"testing"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/gate"
)

// TestRecallRefusesBeforeAnything: what was refused to an agent's session
// before is refused again without a snapshot or a question, and recorded.
func TestRecallRefusesBeforeAnything(t *testing.T) {
	r := newRig(t, gate.Deferred)
	r.host.AddLink("/home/op/data", "/srv/store")
	var seen guard.Verdict
	out := r.gate.Decide(gate.Request{Line: "rm -rf data/", Cwd: "/home/op", From: "claude", Strict: true,
		Recall: func(v guard.Verdict) string { seen = v; return "already refused in this session" }})
	if out.Status != gate.Refused || out.Reason != "already refused in this session" {
		t.Fatalf("status %v (%s)", out.Status, out.Reason)
	}
	if len(*r.log) != 0 {
		t.Errorf("a recalled refusal went further: %v", *r.log)
	}
	if len(seen.Findings) == 0 {
		t.Errorf("Recall saw no findings")
	}
	if !slices.Equal(r.events(), []string{"refused"}) || r.records[0].Integration != "claude" || r.records[0].Detail != "already refused in this session" {
		t.Errorf("audit %+v", r.records)
	}
	// nothing recalled: the gate goes on as usual
	r = newRig(t, gate.Deferred)
	out = r.gate.Decide(gate.Request{Line: "crontab -r", Cwd: "/home/op", Recall: func(guard.Verdict) string { return "" }})
	if out.Status != gate.Asked {
		t.Errorf("status %v", out.Status)
	}
}

// TestStrictRequestJudgesGuardOff: an agent's GUARD=off is judged.
func TestStrictRequestJudgesGuardOff(t *testing.T) {
	r := newRig(t, gate.Declined)
	out := r.gate.Decide(gate.Request{Line: "GUARD=off rm -rf /usr", Cwd: "/home/op", Strict: true})
	if out.Status != gate.Blocked {
		t.Errorf("strict: status %v", out.Status)
	}
	out = newRig(t, gate.Declined).gate.Decide(gate.Request{Line: "GUARD=off rm -rf /usr", Cwd: "/home/op"})
	if out.Status != gate.Run {
		t.Errorf("person: status %v", out.Status)
	}
}
