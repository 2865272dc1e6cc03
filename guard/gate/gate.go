// Package gate is the one path every line takes from an entry point to a
// shell: judge (bounded) → policy floor → plan the backup → take the
// snapshot → ask → audit → run or refuse.
//
// guard run, the shells' hooks, the login shell (-c, a script on standard
// input, the rescue shell), guard sudo and the coding agents' hooks only
// adapt their input and output to it. None of them judges, snapshots, asks
// or audits on its own, and none tests a rule id: a finding declares how it
// must be confirmed.
package gate

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/audit"
	"github.com/guard-sh/guard/guard/risk"
	"github.com/guard-sh/guard/guard/snapshot"
)

// Request is one line arriving at an entry point.
type Request struct {
	// Line is the shell code as it will run.
	Line string
	// Cwd is the folder it runs in.
	Cwd string
	// Lang is the shell dialect; the zero value is bash.
	Lang syntax.LangVariant
	// From names the entry point, for the audit trail and messages: run,
	// bash, zsh, login, stdin, sudo, rescue, or an agent's name.
	From string
	// Acknowledged are rules the operator deliberately accepted (guard run
	// --yes-i-know, guard allow): confirmed without a question, still
	// snapshotted. Agents never acknowledge anything.
	Acknowledged []string
	// NoSnapshot: the operator chose to run without a snapshot.
	NoSnapshot bool
	// Typed: the line comes from an interactive shell's editor, which
	// reports its own syntax errors; guard then stays quiet about them.
	Typed bool
	// WayPast is what the operator can type to run the line deliberately
	// when guard refuses to ask; "" for the default (guard run …).
	WayPast string
	// Strict: the line comes from a coding agent, which never gets the
	// operator's ways past written into a line (GUARD=off, guard run
	// --yes-i-know): they are judged like any other command.
	Strict bool
	// Recall says why the verdict's effect was refused before (to the same
	// coding agent session); the line is then refused without a question,
	// whatever its decision. nil or "" lets the gate go on.
	Recall func(guard.Verdict) string
	// Prelude is code the same shell was given before the line (the
	// earlier parts of a script on the login shell's standard input): the
	// line is judged in the state it leaves, cd included.
	Prelude string
	// StdinScript: the line is part of a script the shell reads on its
	// standard input, which the script's own commands can read too.
	StdinScript bool
	// Definitions are the interactive shell's aliases and functions the
	// line may use, as shell code (guard.ParseDefinitions); "" if none.
	Definitions string
}

// Status is what becomes of the line.
type Status int

const (
	// Run: the line may run.
	Run Status = iota
	// Asked: the question was handed to someone else (a coding agent's
	// user); the line runs only if they say yes.
	Asked
	// Refused: a confirmation was not given (declined, nobody to ask, the
	// snapshot failed). Nothing ran.
	Refused
	// Blocked: a rule blocks the line. Nothing ran.
	Blocked
)

// ExitCode is the status guard's commands exit with when the line does not
// run: 10 refused, 20 blocked, 0 otherwise.
func (s Status) ExitCode() int {
	switch s {
	case Refused:
		return 10
	case Blocked:
		return 20
	}
	return 0
}

// Outcome is the gate's answer for a line.
type Outcome struct {
	Status  Status
	Verdict guard.Verdict
	// Snapshot was taken before the question, nil if none.
	Snapshot *snapshot.Manifest
	// Reason says in one line why the line did not run.
	Reason string
	// WayPast is the deliberate way to run a refused line, if there is one.
	WayPast string
}

// Snapshots is the part of the snapshot store the gate uses.
type Snapshots interface {
	Take(snapshot.Request) (*snapshot.Manifest, error)
	// EffectiveBudget is the most one snapshot may write: what is at
	// risk says when a snapshot could not be afforded.
	EffectiveBudget() int64
	// Remove drops a snapshot nobody will need: its prompt was declined.
	Remove(id string) error
}

// Gate holds what every entry point shares.
type Gate struct {
	Engine *guard.Engine
	Host   guard.Host
	// Store takes snapshots; nil means none can be taken, and a confirmed
	// line that needs one is refused.
	Store Snapshots
	// StoreErr says why there is no store, for the refusal.
	StoreErr error
	// Asker puts questions to a person.
	Asker Asker
	// Audit records events; nil records nothing.
	Audit func(audit.Record)
	// AuditAllowed: record allowed lines too (the site's [audit] allow).
	AuditAllowed bool
	// Report shows a verdict's findings to a person; nil shows nothing.
	Report func(guard.Verdict)
	// Notice receives guard's messages for the operator (stderr).
	Notice io.Writer
	// StoreDir is the snapshot store's folder, for what is at risk.
	StoreDir string
	// Preview runs the tools' own dry runs before a question (guard run
	// and the hooks); nil runs none. Never called by Judge: guard check
	// runs nothing.
	Preview func(v *guard.Verdict) []string
}

// Judge is the first two steps: the line judged by the engine, whose
// rules already carry the site policy (a user's file only raises
// decisions), and the findings an interactive editor makes moot removed.
// It never runs anything, and is bounded by the engine's own limits.
func (g *Gate) Judge(req Request) guard.Verdict {
	if g.Engine == nil {
		// guard could not load its rules: a line it cannot judge is asked
		// about, never waved through.
		return guard.Verdict{Decision: guard.Confirm, Findings: []guard.Finding{{
			Rule: guard.InternalID, Decision: guard.Confirm, Command: firstLine(req.Line),
			Message: "guard could not load its rules, so this line was not checked",
			Hint:    "run guard doctor to see what is wrong; to go ahead, confirm",
		}}}
	}
	v := g.Engine.Judge(req.Line, g.Host, guard.Options{Cwd: req.Cwd, Lang: req.Lang, Strict: req.Strict, Prelude: req.Prelude,
		StdinScript: req.StdinScript, Definitions: guard.ParseDefinitions(req.Definitions, req.Lang)})
	// What each finding puts at risk, counted read-only within a budget;
	// at once for findings that destroy no files.
	opts := risk.Options{StoreDir: g.StoreDir}
	if g.Store != nil {
		opts.SnapshotBudget = g.Store.EffectiveBudget()
	}
	risk.AssessVerdict(&v, g.Host, opts)
	if req.Typed {
		// The shell reports its own syntax errors; a line still being typed
		// (a continuation) is judged by its words, quietly.
		v = without(v, guard.UnparsedID)
	}
	return v
}

// Decide takes a line through the gate and says whether it may run. The
// caller runs it only for Run (or, for an agent, lets the agent ask for
// Asked), and exits with Status.ExitCode otherwise.
func (g *Gate) Decide(req Request) (out Outcome) {
	return g.decide(req, g.Judge(req))
}

// Quick is Decide for a line nobody needs to see: it judges the line and,
// when guard finds nothing in it, lets it run as Decide would (recording
// it where the site records allowed lines). For any other line ok is
// false and nothing was recorded or shown: Decide must take it. The shell
// hooks' resident guard (guard serve) answers with it alone.
func (g *Gate) Quick(req Request) (out Outcome, ok bool) {
	if req.Recall != nil {
		return out, false
	}
	v := g.Judge(req)
	if len(v.Findings) > 0 || v.Decision != guard.Allow {
		return out, false
	}
	return g.decide(req, v), true
}

// decide is every step after judging.
func (g *Gate) decide(req Request, v guard.Verdict) (out Outcome) {
	out.Verdict = v
	if len(v.Findings) > 0 && g.Report != nil {
		g.Report(v)
	}
	if req.Recall != nil {
		if why := req.Recall(v); why != "" {
			g.record(req, "refused", ids(atLeast(v, guard.Warn)), "", why)
			out.Status, out.Reason = Refused, why
			return out
		}
	}
	for _, f := range v.Findings {
		if f.Rule == guard.GuardOffID {
			g.record(req, "override", []string{f.Rule}, "", "GUARD=off")
		}
	}
	if blocking := unacknowledged(v, guard.Block, req.Acknowledged); len(blocking) > 0 {
		g.record(req, "block", ids(blocking), "", "")
		out.Status, out.Reason = Blocked, "the line is blocked"
		return out
	}
	if v.Decision < guard.Confirm {
		if g.AuditAllowed {
			g.record(req, v.Decision.String(), ids(atLeast(v, guard.Warn)), "", "")
		}
		out.Status = Run
		return out
	}
	// Confirm, or a block every rule of which the operator acknowledged by
	// name (--yes-i-know, guard allow): deliberate and recorded.
	serious := atLeast(v, guard.Confirm)
	pending := unacknowledged(v, guard.Confirm, req.Acknowledged)
	if len(pending) > 0 {
		if err := g.Asker.Ready(); err != nil {
			out.Status = Refused
			out.Reason = fmt.Sprintf("%s needs confirmation and %v", strings.Join(ids(pending), ", "), err)
			out.WayPast = wayPast(req, pending)
			g.record(req, "refused", ids(pending), "", err.Error())
			return out
		}
	}
	plan, unknown := backupPlan(serious)
	if len(plan) > 0 && !req.NoSnapshot {
		m, err := g.take(req, serious, plan)
		if err != nil {
			out.Status = Refused
			out.Reason = "the snapshot failed: " + err.Error()
			out.WayPast = "guard run --no-snapshot " + yesFlags(ids(serious)) + lineArgument(req.Line)
			g.record(req, "refused", ids(serious), "", out.Reason)
			return out
		}
		out.Snapshot = m
		g.notice("guard: saved snapshot %s (%d items, %s); to put it back: guard snapshot restore %s\n", m.ID, len(m.Items), snapshot.HumanBytes(m.Size), m.ID)
	}
	snapID := ""
	if out.Snapshot != nil {
		snapID = out.Snapshot.ID
	}
	if len(pending) == 0 {
		g.record(req, "override", ids(serious), snapID, "acknowledged (--yes-i-know or guard allow)")
		out.Status = Run
		return out
	}
	q := Question{Line: req.Line, Findings: pending, Word: confirmWord(pending), Snapshot: out.Snapshot, Unrecoverable: unknown}
	if g.Preview != nil {
		// The tools' own dry runs (rsync -n, git clean -n, crontab -l),
		// read-only and under a timeout: only now that someone is asked.
		q.Previews = g.Preview(&v)
	}
	switch g.Asker.Ask(q) {
	case Confirmed:
		g.record(req, "confirm", ids(serious), snapID, "confirmed at the prompt")
		out.Status = Run
	case Deferred:
		g.record(req, "confirm", ids(serious), snapID, "asked the agent's user")
		out.Status = Asked
	default:
		if out.Snapshot != nil && g.Store != nil {
			// Nobody will need it: a declined prompt leaves nothing behind.
			if err := g.Store.Remove(out.Snapshot.ID); err == nil {
				out.Snapshot = nil
				snapID = ""
			}
		}
		g.record(req, "refused", ids(pending), snapID, "declined at the prompt")
		out.Status, out.Reason = Refused, "not confirmed"
	}
	return out
}

func (g *Gate) take(req Request, serious []guard.Finding, plan []guard.Backup) (*snapshot.Manifest, error) {
	if g.Store == nil {
		if g.StoreErr != nil {
			return nil, g.StoreErr
		}
		return nil, fmt.Errorf("there is no snapshot store")
	}
	return g.Store.Take(snapshot.Request{Line: req.Line, Cwd: req.Cwd, Host: g.Host.Hostname(), Rules: ids(serious), Backups: plan})
}

func (g *Gate) notice(format string, args ...any) {
	if g.Notice != nil {
		fmt.Fprintf(g.Notice, format, args...)
	}
}

func (g *Gate) record(req Request, event string, rules []string, snap, detail string) {
	if g.Audit == nil {
		return
	}
	g.Audit(audit.Record{Event: event, Line: req.Line, Cwd: req.Cwd, Integration: req.From, Rules: rules, Snapshot: snap, Detail: detail})
}

// backupPlan is what the serious findings say must be saved. Backups that
// cannot be taken (a target not known before the line runs, a disk) are
// returned as reasons, for the question to say so.
func backupPlan(findings []guard.Finding) (plan []guard.Backup, unknown []string) {
	for _, f := range findings {
		switch {
		case f.Backup == nil:
		case f.Backup.Unknown != "":
			unknown = append(unknown, f.Backup.Unknown)
		case f.Backup.Kind == guard.BackupDisk:
			unknown = append(unknown, "a disk cannot be snapshotted ("+strings.Join(f.Backup.Paths, ", ")+")")
		default:
			plan = append(plan, *f.Backup)
		}
	}
	return plan, unknown
}

// confirmWord is what the person must type: the word a finding declares
// (a host name), else yes.
func confirmWord(findings []guard.Finding) string {
	for _, f := range findings {
		if f.ConfirmWith != "" {
			return f.ConfirmWith
		}
	}
	return "yes"
}

func atLeast(v guard.Verdict, d guard.Decision) []guard.Finding {
	var out []guard.Finding
	for _, f := range v.Findings {
		if f.Decision >= d {
			out = append(out, f)
		}
	}
	return out
}

// unacknowledged are the findings of at least decision d the operator did
// not acknowledge.
func unacknowledged(v guard.Verdict, d guard.Decision, acknowledged []string) []guard.Finding {
	var out []guard.Finding
	for _, f := range atLeast(v, d) {
		if !slices.Contains(acknowledged, f.Rule) {
			out = append(out, f)
		}
	}
	return out
}

func ids(findings []guard.Finding) []string {
	var out []string
	for _, f := range findings {
		if !slices.Contains(out, f.Rule) {
			out = append(out, f.Rule)
		}
	}
	return out
}

func without(v guard.Verdict, rule string) guard.Verdict {
	out := v
	out.Findings, out.Decision = []guard.Finding{}, guard.Allow
	for _, f := range v.Findings {
		if f.Rule != rule {
			out.Findings = append(out.Findings, f)
			out.Decision = max(out.Decision, f.Decision)
		}
	}
	return out
}

// wayPast is the deliberate way to run a line guard could not ask about.
func wayPast(req Request, pending []guard.Finding) string {
	if req.WayPast != "" {
		return req.WayPast
	}
	return "guard run " + yesFlags(ids(pending)) + lineArgument(req.Line)
}

// lineArgument is how a line is given back to guard run: quoted after --,
// or, for a line too long to be worth printing (a pasted script), from a
// file the operator saves it to.
func lineArgument(line string) string {
	if len(line) > 2000 || strings.Count(line, "\n") > 20 {
		return "--file FILE (with the script saved in FILE)"
	}
	return "-- " + Quote(line)
}

func yesFlags(rules []string) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString("--yes-i-know " + r + " ")
	}
	return b.String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// Quote quotes a line for the shell, to be pasted back.
func Quote(line string) string {
	return "'" + strings.ReplaceAll(line, "'", `'\''`) + "'"
}
