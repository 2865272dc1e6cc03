package gate_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/audit"
	"github.com/guard-sh/guard/guard/gate"
	"github.com/guard-sh/guard/guard/snapshot"
	"github.com/guard-sh/guard/rules"
)

// steps records what the gate did, in order, so a test can say that the
// snapshot came before the question and nothing came after a refusal.
type steps []string

type fakeAsker struct {
	log    *steps
	ready  error
	answer gate.Answer
	asked  []gate.Question
}

func (a *fakeAsker) Ready() error { *a.log = append(*a.log, "ready"); return a.ready }
func (a *fakeAsker) Ask(q gate.Question) gate.Answer {
	*a.log = append(*a.log, "ask")
	a.asked = append(a.asked, q)
	return a.answer
}

type fakeStore struct {
	log     *steps
	err     error
	taken   []snapshot.Request
	removed []string
}

func (s *fakeStore) Take(r snapshot.Request) (*snapshot.Manifest, error) {
	*s.log = append(*s.log, "take")
	if s.err != nil {
		return nil, s.err
	}
	s.taken = append(s.taken, r)
	return &snapshot.Manifest{ID: "snap-1"}, nil
}

func (s *fakeStore) EffectiveBudget() int64 { return 1 << 30 }

func (s *fakeStore) Remove(id string) error {
	*s.log = append(*s.log, "remove")
	s.removed = append(s.removed, id)
	return nil
}

type rig struct {
	gate    *gate.Gate
	log     *steps
	asker   *fakeAsker
	store   *fakeStore
	host    *guard.MemHost
	records []audit.Record
}

func newRig(t *testing.T, answer gate.Answer) *rig {
	t.Helper()
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{log: &steps{}, host: guard.NewMemHost()}
	r.asker = &fakeAsker{log: r.log, answer: answer}
	r.store = &fakeStore{log: r.log}
	r.gate = &gate.Gate{Engine: e, Host: r.host, Store: r.store, Asker: r.asker,
		Audit: func(rec audit.Record) { r.records = append(r.records, rec) }}
	return r
}

func (r *rig) events() []string {
	var out []string
	for _, rec := range r.records {
		out = append(out, rec.Event)
	}
	return out
}

func TestAllowedLineRunsWithoutQuestions(t *testing.T) {
	r := newRig(t, gate.Declined)
	out := r.gate.Decide(gate.Request{Line: "ls -la /etc", Cwd: "/home/op"})
	if out.Status != gate.Run || len(*r.log) != 0 || len(r.records) != 0 {
		t.Fatalf("status %v, steps %v, records %v", out.Status, *r.log, r.events())
	}
}

func TestBlockedLineIsNeverAsked(t *testing.T) {
	r := newRig(t, gate.Confirmed)
	out := r.gate.Decide(gate.Request{Line: "rm -rf /usr", Cwd: "/home/op"})
	if out.Status != gate.Blocked || out.Status.ExitCode() != 20 {
		t.Fatalf("status %v", out.Status)
	}
	if len(*r.log) != 0 {
		t.Errorf("a blocked line was taken further: %v", *r.log)
	}
	if !slices.Equal(r.events(), []string{"block"}) {
		t.Errorf("audit %v", r.events())
	}
}

func TestConfirmSnapshotsThenAsks(t *testing.T) {
	r := newRig(t, gate.Confirmed)
	r.host.AddLink("/home/op/data", "/srv/store")
	r.host.AddDir("/srv/store/x")
	out := r.gate.Decide(gate.Request{Line: "rm -rf data/", Cwd: "/home/op"})
	if out.Status != gate.Run {
		t.Fatalf("status %v (%s)", out.Status, out.Reason)
	}
	if !slices.Equal(*r.log, []string{"ready", "take", "ask"}) {
		t.Errorf("steps %v, want ready, take, ask", *r.log)
	}
	if len(r.store.taken) != 1 || !slices.Contains(r.store.taken[0].Backups[0].Paths, "/srv/store") {
		t.Errorf("snapshot %+v", r.store.taken)
	}
	if q := r.asker.asked[0]; q.Word != "yes" || q.Snapshot == nil {
		t.Errorf("question %+v", q)
	}
	if !slices.Equal(r.events(), []string{"confirm"}) || r.records[0].Snapshot != "snap-1" {
		t.Errorf("audit %+v", r.records)
	}
}

func TestDeclinedLeavesNoSnapshot(t *testing.T) {
	r := newRig(t, gate.Declined)
	r.host.AddLink("/home/op/data", "/srv/store")
	out := r.gate.Decide(gate.Request{Line: "rm -rf data/", Cwd: "/home/op"})
	if out.Status != gate.Refused || out.Status.ExitCode() != 10 || out.Snapshot != nil {
		t.Fatalf("status %v, snapshot %v", out.Status, out.Snapshot)
	}
	if !slices.Equal(*r.log, []string{"ready", "take", "ask", "remove"}) {
		t.Errorf("steps %v", *r.log)
	}
	if !slices.Equal(r.events(), []string{"refused"}) || r.records[0].Snapshot != "" {
		t.Errorf("audit %+v", r.records)
	}
}

func TestNobodyToAskRefusesBeforeAnySnapshot(t *testing.T) {
	r := newRig(t, gate.Confirmed)
	r.asker.ready = gate.ErrNoTerminal
	r.host.AddLink("/home/op/data", "/srv/store")
	out := r.gate.Decide(gate.Request{Line: "rm -rf data/", Cwd: "/home/op"})
	if out.Status != gate.Refused {
		t.Fatalf("status %v", out.Status)
	}
	if !slices.Equal(*r.log, []string{"ready"}) {
		t.Errorf("steps %v: nothing should happen after finding nobody to ask", *r.log)
	}
	if !strings.Contains(out.Reason, "no terminal") || !strings.Contains(out.WayPast, "--yes-i-know rm-symlink-slash") {
		t.Errorf("reason %q, way past %q", out.Reason, out.WayPast)
	}
}

func TestFailedSnapshotRefuses(t *testing.T) {
	r := newRig(t, gate.Confirmed)
	r.store.err = errors.New("disk full")
	r.host.AddLink("/home/op/data", "/srv/store")
	out := r.gate.Decide(gate.Request{Line: "rm -rf data/", Cwd: "/home/op"})
	if out.Status != gate.Refused || !strings.Contains(out.Reason, "disk full") || !strings.Contains(out.WayPast, "--no-snapshot") {
		t.Fatalf("status %v, reason %q, way past %q", out.Status, out.Reason, out.WayPast)
	}
	if slices.Contains(*r.log, "ask") {
		t.Error("asked although the snapshot failed")
	}
}

func TestFindingSaysWhatToType(t *testing.T) {
	r := newRig(t, gate.Confirmed)
	r.host.SetSSH("203.0.113.7")
	r.gate.Decide(gate.Request{Line: "reboot", Cwd: "/home/op"})
	if len(r.asker.asked) != 1 || r.asker.asked[0].Word != "web1" {
		t.Fatalf("asked %+v, want the host name web1 as the word", r.asker.asked)
	}
}

func TestAcknowledgedRunsWithSnapshotAndNoQuestion(t *testing.T) {
	r := newRig(t, gate.Declined)
	r.host.AddLink("/home/op/data", "/srv/store")
	out := r.gate.Decide(gate.Request{Line: "rm -rf data/", Cwd: "/home/op", Acknowledged: []string{"rm-symlink-slash", "rm-protected"}})
	if out.Status != gate.Run || !slices.Equal(*r.log, []string{"take"}) {
		t.Fatalf("status %v, steps %v", out.Status, *r.log)
	}
	if !slices.Equal(r.events(), []string{"override"}) {
		t.Errorf("audit %v", r.events())
	}
}

func TestUnknownTargetIsAskedAboutWithoutSnapshot(t *testing.T) {
	r := newRig(t, gate.Confirmed)
	out := r.gate.Decide(gate.Request{Line: `rm -rf "$UNSET_THING/"*`, Cwd: "/home/op"})
	if out.Status != gate.Run || slices.Contains(*r.log, "take") {
		t.Fatalf("status %v, steps %v", out.Status, *r.log)
	}
	if q := r.asker.asked[0]; len(q.Unrecoverable) == 0 {
		t.Errorf("the question does not say no snapshot can be taken: %+v", q)
	}
}

func TestNoRulesMeansAsk(t *testing.T) {
	r := newRig(t, gate.Declined)
	r.gate.Engine = nil
	out := r.gate.Decide(gate.Request{Line: "echo hi", Cwd: "/home/op"})
	if out.Status != gate.Refused || len(r.asker.asked) != 1 {
		t.Fatalf("a line guard could not judge was not asked about: %v", out.Status)
	}
}

func TestAgentQuestionIsDeferred(t *testing.T) {
	r := newRig(t, gate.Deferred)
	out := r.gate.Decide(gate.Request{Line: "crontab -r", Cwd: "/home/op", From: "claude"})
	if out.Status != gate.Asked || out.Status.ExitCode() != 0 {
		t.Fatalf("status %v", out.Status)
	}
}

func TestTypedLinesDropSyntaxNotes(t *testing.T) {
	r := newRig(t, gate.Declined)
	v := r.gate.Judge(gate.Request{Line: "echo 'unterminated", Cwd: "/home/op", Typed: true})
	for _, f := range v.Findings {
		if f.Rule == guard.UnparsedID {
			t.Fatal("a line being typed got a syntax note")
		}
	}
}

// TestDiskIsAskedAboutWithoutSnapshot: a disk cannot be snapshotted; the
// question says so and no snapshot is attempted (which would fail and
// refuse a line the person may well mean).
func TestDiskIsAskedAboutWithoutSnapshot(t *testing.T) {
	r := newRig(t, gate.Confirmed)
	r.host.AddDevice("/dev/vdb")
	out := r.gate.Decide(gate.Request{Line: "wipefs -a /dev/vdb", Cwd: "/home/op"})
	if out.Status != gate.Run || slices.Contains(*r.log, "take") {
		t.Fatalf("status %v (%s), steps %v", out.Status, out.Reason, *r.log)
	}
	q := r.asker.asked[0]
	if len(q.Unrecoverable) == 0 || !strings.Contains(q.Unrecoverable[0], "a disk cannot be snapshotted (/dev/vdb)") {
		t.Errorf("the question does not say the disk cannot be saved: %+v", q.Unrecoverable)
	}
	if ar := out.Verdict.Findings[0].AtRisk; ar == nil || ar.Recoverable != guard.RecoverNo {
		t.Errorf("at_risk %+v, want recoverable no", ar)
	}
}
