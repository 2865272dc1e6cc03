package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/snapshot"
)

// store is the snapshot store: $GUARD_SNAPSHOTS or the default folder,
// with the budget from $GUARD_SNAPSHOT_BUDGET if set. It is always an
// absolute folder: a relative one would sit in the folder the confirmed
// command may be deleting.
func (a *app) store() (*snapshot.Store, error) {
	dir := snapshot.DefaultDir(a.getenv)
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("the snapshot store %q is not an absolute folder (is HOME unset? set GUARD_SNAPSHOTS to a full path)", dir)
	}
	s := &snapshot.Store{Dir: dir}
	if b := a.getenv("GUARD_SNAPSHOT_BUDGET"); b != "" {
		if n, err := parseBytes(b); err == nil {
			s.Budget = n
		} else {
			fmt.Fprintf(a.stderr, "guard: ignoring GUARD_SNAPSHOT_BUDGET=%q: %v\n", b, err)
		}
	}
	return s, nil
}

// parseBytes reads 4096, 500M, 2GiB, 1.5G.
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(s), "B"), "I"))
	mult := int64(1)
	if s != "" {
		if i := strings.IndexByte("KMGT", s[len(s)-1]); i >= 0 {
			mult = int64(1) << (10 * (i + 1))
			s = s[:len(s)-1]
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("not a size (examples: 500M, 2GiB)")
	}
	return int64(f * float64(mult)), nil
}

type snapshotOptions struct {
	json, dryRun, force, overwrite bool
	to                             string
	keep                           int
	maxAge                         time.Duration
}

func snapshotFlags(o *snapshotOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("snapshot", flag.ContinueOnError)
	fs.BoolVar(&o.json, "json", false, "list, show: print JSON")
	fs.StringVar(&o.to, "to", "", "restore: under `DIR` instead of the original places")
	fs.BoolVar(&o.dryRun, "dry-run", false, "restore: print what would be restored, change nothing")
	fs.BoolVar(&o.force, "force", false, "restore: overwrite files changed since the snapshot")
	fs.IntVar(&o.keep, "keep", snapshot.DefaultRetention.Keep, "prune: keep the newest `N` snapshots")
	fs.DurationVar(&o.maxAge, "max-age", snapshot.DefaultRetention.MaxAge, "prune: remove snapshots older than this")
	fs.BoolVar(&o.overwrite, "overwrite", false, "take: copy instead of hard-linking (for changes made in place)")
	return fs
}

const snapshotUsage = `Usage:
  guard snapshot list [--json]
  guard snapshot show ID [--json]
  guard snapshot restore ID [--to DIR] [--dry-run] [--force]
  guard snapshot verify ID
  guard snapshot prune [--keep N] [--max-age DURATION]
  guard snapshot take [--overwrite] PATH...
`

func (a *app) snapshot(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, snapshotUsage)
		return exitUsage
	}
	var o snapshotOptions
	fs := snapshotFlags(&o)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return a.flagError("snapshot "+args[0], err)
	}
	s, err := a.store()
	if err != nil {
		fmt.Fprintf(a.stderr, "guard snapshot: %v\n", err)
		return 1
	}
	needID := func() (string, bool) {
		if fs.NArg() != 1 {
			fmt.Fprintf(a.stderr, "guard snapshot %s: give one snapshot id (guard snapshot list shows them)\n", args[0])
			return "", false
		}
		return fs.Arg(0), true
	}
	switch args[0] {
	case "list":
		return a.snapshotList(s, o.json)
	case "show":
		id, ok := needID()
		if !ok {
			return exitUsage
		}
		m, err := s.Load(id)
		if err != nil {
			fmt.Fprintf(a.stderr, "guard snapshot show: %v\n", err)
			return 1
		}
		if o.json {
			return a.printJSON(m)
		}
		fmt.Fprintf(a.stdout, "snapshot %s\ntime:  %s\nuser:  %s@%s\ncwd:   %s\nline:  %s\nrules: %s\nsize:  %s\n",
			m.ID, m.Time.Local().Format(time.RFC3339), m.User, m.Host, guard.Shown(m.Cwd), guard.Shown(m.Line), strings.Join(m.Rules, ", "), snapshot.HumanBytes(m.Size))
		for _, it := range m.Items {
			fmt.Fprintf(a.stdout, "  %-8s %s %s\n", it.Kind, guard.Shown(itemName(it)), guard.Shown(itemDetail(it)))
		}
		return exitOK
	case "restore":
		id, ok := needID()
		if !ok {
			return exitUsage
		}
		if o.to != "" {
			if abs, err := filepath.Abs(o.to); err == nil {
				o.to = abs
			}
		}
		err := s.Restore(id, snapshot.RestoreOptions{To: o.to, DryRun: o.dryRun, Force: o.force, Out: a.stdout})
		if err != nil {
			fmt.Fprintf(a.stderr, "guard snapshot restore: %v\n", err)
			return 1
		}
		return exitOK
	case "verify":
		id, ok := needID()
		if !ok {
			return exitUsage
		}
		problems, err := s.Verify(id)
		if err != nil {
			fmt.Fprintf(a.stderr, "guard snapshot verify: %v\n", err)
			return 1
		}
		for _, p := range problems {
			fmt.Fprintf(a.stdout, "CORRUPT %s: %s\n", p.Path, p.What)
		}
		if len(problems) > 0 {
			fmt.Fprintf(a.stderr, "guard snapshot verify: %s has %d damaged item(s)\n", id, len(problems))
			return 1
		}
		fmt.Fprintf(a.stdout, "snapshot %s: every stored file matches its sha256\n", id)
		return exitOK
	case "prune":
		removed, err := s.Prune(snapshot.Retention{Keep: o.keep, MaxAge: o.maxAge})
		for _, id := range removed {
			fmt.Fprintf(a.stdout, "removed %s\n", id)
		}
		if err != nil {
			fmt.Fprintf(a.stderr, "guard snapshot prune: %v\n", err)
			return 1
		}
		return exitOK
	case "take":
		if fs.NArg() == 0 {
			fmt.Fprintln(a.stderr, "guard snapshot take: give the paths to save")
			return exitUsage
		}
		var paths []string
		for _, p := range fs.Args() {
			abs, err := filepath.Abs(p)
			if err != nil {
				fmt.Fprintf(a.stderr, "guard snapshot take: %v\n", err)
				return exitUsage
			}
			paths = append(paths, abs)
		}
		wd, _ := workingDir("", a.getenv)
		m, err := s.Take(snapshot.Request{Line: "guard snapshot take " + strings.Join(args[1:], " "), Cwd: wd, Host: (&guard.OSHost{}).Hostname(),
			Rules: []string{"manual"}, Backups: []guard.Backup{{Kind: guard.BackupFiles, Paths: paths, Overwrite: o.overwrite}}})
		if err != nil {
			fmt.Fprintf(a.stderr, "guard snapshot take: %v\n", err)
			return 1
		}
		fmt.Fprintln(a.stdout, m.ID)
		return exitOK
	}
	fmt.Fprintf(a.stderr, "guard snapshot: unknown command %q\n\n%s", args[0], snapshotUsage)
	return exitUsage
}

func (a *app) snapshotList(s *snapshot.Store, asJSON bool) int {
	list, errs := s.List()
	for _, err := range errs {
		fmt.Fprintf(a.stderr, "guard snapshot list: %v\n", err)
	}
	if asJSON {
		type entry struct {
			ID    string    `json:"id"`
			Time  time.Time `json:"time"`
			Line  string    `json:"line"`
			Rules []string  `json:"rules"`
			Size  int64     `json:"size"`
			Items int       `json:"items"`
			User  string    `json:"user"`
			Host  string    `json:"host"`
			Cwd   string    `json:"cwd"`
		}
		out := []entry{}
		for _, m := range list {
			out = append(out, entry{m.ID, m.Time, m.Line, m.Rules, m.Size, len(m.Items), m.User, m.Host, m.Cwd})
		}
		return a.printJSON(out)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tRULES\tSIZE\tLINE")
	for _, m := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.ID, m.Time.Local().Format("2006-01-02 15:04"), strings.Join(m.Rules, ","), snapshot.HumanBytes(m.Size), lineCell(m.Line, 60))
	}
	_ = tw.Flush()
	return exitOK
}

func itemName(it snapshot.Item) string {
	switch it.Kind {
	case "crontab":
		if it.User == "" {
			return "(current user)"
		}
		return it.User
	case "lvm":
		return it.VG
	}
	return it.Path
}

func itemDetail(it snapshot.Item) string {
	switch {
	case it.Kind == "file" && it.LinkTo != "":
		return "(hard link to " + it.LinkTo + ")"
	case it.Kind == "file":
		return fmt.Sprintf("(%s, %s)", snapshot.HumanBytes(it.Size), it.Method)
	case it.Kind == "symlink":
		return "-> " + it.Target
	case it.Kind == "git" && it.Commit != "":
		return "(changes in commit " + it.Commit[:min(12, len(it.Commit))] + ")"
	}
	return ""
}
