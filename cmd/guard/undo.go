package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/audit"
	"github.com/guard-sh/guard/guard/snapshot"
)

type undoOptions struct {
	dryRun, force bool
	to            string
}

func undoFlags(o *undoOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("undo", flag.ContinueOnError)
	fs.BoolVar(&o.dryRun, "dry-run", false, "say what would be restored, change nothing")
	fs.BoolVar(&o.force, "force", false, "overwrite files changed since the snapshot")
	fs.StringVar(&o.to, "to", "", "restore under `DIR` instead of the original places")
	return fs
}

// undo restores this user's newest snapshot: what the last confirmed
// command destroyed. It refuses, like guard snapshot restore, to overwrite
// files changed since the snapshot unless --force.
func (a *app) undo(args []string) int {
	var o undoOptions
	fs := undoFlags(&o)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return a.flagError("undo", err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(a.stderr, "guard undo: takes no arguments; to restore an older snapshot: guard snapshot list, then guard snapshot restore ID")
		return exitUsage
	}
	s, err := a.store()
	if err != nil {
		fmt.Fprintf(a.stderr, "guard undo: %v\n", err)
		return 1
	}
	m, err := s.Newest(snapshot.CurrentUser())
	if errors.Is(err, snapshot.ErrNoSnapshot) {
		fmt.Fprintf(a.stderr, "guard undo: nothing to undo: %v\n", err)
		return 1
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "guard undo: %v\n", err)
		return 1
	}
	if o.to != "" {
		if abs, err := filepath.Abs(o.to); err == nil {
			o.to = abs
		}
	}
	fmt.Fprintf(a.stdout, "undoing %s (snapshot %s, taken %s in %s)\n", guard.Shown(strings.ReplaceAll(m.Line, "\n", "⏎")), m.ID, ago(time.Since(m.Time)), guard.Shown(m.Cwd))
	err = s.Restore(m.ID, snapshot.RestoreOptions{To: o.to, DryRun: o.dryRun, Force: o.force, Out: a.stdout})
	if err != nil {
		fmt.Fprintf(a.stderr, "guard undo: %v\n", err)
		return 1
	}
	if !o.dryRun {
		a.auditRecord(audit.Record{Event: "undo", Line: m.Line, Cwd: m.Cwd, Integration: "undo", Rules: m.Rules, Snapshot: m.ID, Detail: "restored by guard undo"})
	}
	return exitOK
}

// ago renders an age for a person: "just now", "12 minutes ago".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < 2*time.Minute:
		return "a minute ago"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes ago", int(d.Minutes()))
	case d < 2*time.Hour:
		return "an hour ago"
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}
