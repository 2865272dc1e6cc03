// Package risk counts what a finding would destroy before anything runs:
// how many files and folders, how many bytes, a few recognisable paths,
// and whether a snapshot can bring them back. It only reads, through
// guard.Host, and stops at a budget of entries and time, past which the
// counts are lower bounds.
//
// The gate calls AssessVerdict once per judged line; a rule may call
// CountFind to tell a find that matches three files in build/ from one
// that matches twelve hundred in /etc.
package risk

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/guard-sh/guard/guard"
)

// Budget bounds one assessment. Entries is the bound by construction (the
// host is asked for no more than that many); Time guards against a slow
// filesystem (NFS, a failing disk), checked between folders.
type Budget struct {
	// Entries is the most entries looked at; 0 means 5,000.
	Entries int
	// Time is the longest counting may take; 0 means 200 ms.
	Time time.Duration
	// Now is the clock; nil means time.Now (tests give their own).
	Now func() time.Time
}

// DefaultBudget is 5,000 entries or 200 ms, whichever comes first.
var DefaultBudget = Budget{Entries: 5000, Time: 200 * time.Millisecond}

// Options say how to assess findings.
type Options struct {
	Budget
	// StoreDir is the snapshot store: a file on the same filesystem is
	// saved by hard link, nothing copied. "" says only that a snapshot is
	// taken.
	StoreDir string
	// SnapshotBudget is the most a snapshot may copy; past it guard
	// refuses to run the command without --no-snapshot. 0: not checked.
	SnapshotBudget int64
}

// meter is what is left of a budget, shared by every count of a line.
type meter struct {
	budget   Budget
	left     int
	deadline time.Time
	spent    string // why counting stopped, once it has
}

func newMeter(b Budget) *meter {
	if b.Entries <= 0 {
		b.Entries = DefaultBudget.Entries
	}
	if b.Time <= 0 {
		b.Time = DefaultBudget.Time
	}
	if b.Now == nil {
		b.Now = time.Now
	}
	return &meter{budget: b, left: b.Entries, deadline: b.Now().Add(b.Time)}
}

// more reports whether counting may go on, recording why not.
func (m *meter) more() bool {
	switch {
	case m.spent != "":
		return false
	case m.left <= 0:
		m.spent = fmt.Sprintf("counting stopped after %s entries", guard.Thousands(int64(m.budget.Entries)))
		return false
	case !m.budget.Now().Before(m.deadline):
		m.spent = fmt.Sprintf("counting stopped after %v", m.budget.Time)
		return false
	}
	return true
}

// exhaust records that a listing was cut at the entries left.
func (m *meter) exhaust() {
	m.left = 0
	m.more()
}

// AssessVerdict fills in AtRisk for every finding of a verdict, sharing
// one budget. A finding whose backup names files is counted; a find that
// deletes is counted by what its expression matches when CountFind can
// evaluate it; other backups are described without touching the host.
func AssessVerdict(v *guard.Verdict, host guard.Host, opts Options) {
	m := newMeter(opts.Budget)
	for i := range v.Findings {
		f := &v.Findings[i]
		f.AtRisk = assess(f, v.InvocationOf(f), host, opts, m)
		byDecision(f)
	}
}

// snapshotPhrase opens what Why says of the snapshot a plan describes.
const snapshotPhrase = "a snapshot will be taken first"

// byDecision says what becomes of that snapshot: only a command a person
// confirms gets one. A warned command runs without one, a blocked one
// does not run at all.
func byDecision(f *guard.Finding) {
	r := f.AtRisk
	if r == nil || r.Recoverable != guard.RecoverSnapshot || f.Decision == guard.Confirm {
		return
	}
	instead := "blocked, so it does not run"
	if f.Decision < guard.Confirm {
		r.Recoverable = guard.RecoverNo
		instead = "NOT recoverable: guard warns and lets it run, without a snapshot"
	}
	i := strings.Index(r.Why, snapshotPhrase)
	if i < 0 {
		return
	}
	end := i + len(snapshotPhrase)
	if rest := r.Why[end:]; strings.HasPrefix(rest, " (") {
		if j := strings.IndexByte(rest, ')'); j >= 0 {
			end += j + 1
		}
	}
	r.Why = r.Why[:i] + instead + r.Why[end:]
}

// Assess says what one finding puts at risk, nil when it destroys nothing
// guard can name. inv is the command the finding is about, nil if not
// known; it lets a find be counted by what it matches.
func Assess(f *guard.Finding, inv *guard.Invocation, host guard.Host, opts Options) *guard.AtRisk {
	return assess(f, inv, host, opts, newMeter(opts.Budget))
}

func assess(f *guard.Finding, inv *guard.Invocation, host guard.Host, opts Options, m *meter) *guard.AtRisk {
	b := f.Backup
	if b == nil {
		return nil
	}
	switch {
	case b.Kind == guard.BackupDisk:
		return &guard.AtRisk{Action: "wipe", Paths: b.Paths, Recoverable: guard.RecoverNo,
			Why: "NOT recoverable: a disk cannot be snapshotted"}
	case b.Unknown != "":
		return &guard.AtRisk{Action: "delete", Paths: b.Paths, Recoverable: guard.RecoverNo,
			Why: "cannot be counted nor snapshotted: " + b.Unknown + "; if it goes wrong, nothing brings it back"}
	case b.Kind == guard.BackupFiles:
		return assessFiles(b, inv, host, opts, m)
	case b.Kind == guard.BackupCrontab:
		who := "your crontab"
		if b.User != "" {
			who = "the crontab of " + b.User
		}
		return &guard.AtRisk{Action: "delete", Paths: []string{who}, Recoverable: guard.RecoverSnapshot,
			Why: "a snapshot will be taken first (crontab -l)"}
	case b.Kind == guard.BackupGit:
		return &guard.AtRisk{Action: "discard", Paths: []string{"uncommitted work in " + b.Dir}, Recoverable: guard.RecoverSnapshot,
			Why: "a snapshot will be taken first (git stash create for the changes, hard links for untracked files)"}
	case b.Kind == guard.BackupFirewall:
		return &guard.AtRisk{Action: "replace", Paths: []string{"the firewall rules"}, Recoverable: guard.RecoverSnapshot,
			Why: "a snapshot will be taken first (iptables-save, nft list ruleset); restoring them is done by hand, from a console"}
	case b.Kind == guard.BackupLVM:
		return &guard.AtRisk{Action: "remove", Paths: []string{"logical volumes of " + b.VG}, Recoverable: guard.RecoverNo,
			Why: "only the LVM metadata is saved (vgcfgbackup): vgcfgrestore brings a volume back only while nothing has written over its space"}
	}
	return nil
}

func assessFiles(b *guard.Backup, inv *guard.Invocation, host guard.Host, opts Options, m *meter) *guard.AtRisk {
	var r *guard.AtRisk
	if inv != nil && inv.Program == "find" && !b.Overwrite {
		if counted, err := countFind(inv, host, m); err == nil && startsCover(host, counted.Paths, b.Paths) {
			r = counted
		}
	}
	if r == nil {
		action := "delete"
		if b.Overwrite {
			action = "overwrite"
		}
		c := newCounter(host, m)
		for _, p := range b.Paths {
			c.root(p)
		}
		r = c.result(action, b.Paths)
	}
	recoverability(r, b, host, opts)
	return r
}

// startsCover: a find's start points lead to the paths the rule saves,
// so its matches are what the finding is about. A rule saves where a
// start point leads; find -P does not follow a start point that is a
// symbolic link, and its count says so (it is what find would do).
func startsCover(host guard.Host, starts, saved []string) bool {
	var resolved []string
	for _, s := range starts {
		r, _ := guard.ResolvePath(host, s)
		resolved = append(resolved, s, r)
	}
	for _, p := range saved {
		if !slices.Contains(resolved, p) {
			return false
		}
	}
	return len(saved) > 0
}

// recoverability says whether the snapshot guard takes first can bring
// the files back, and how it saves them.
func recoverability(r *guard.AtRisk, b *guard.Backup, host guard.Host, opts Options) {
	how := ""
	copied := b.Overwrite
	if opts.StoreDir != "" {
		src, store := mountOf(host, firstOr(b.Paths, "/")), mountOf(host, opts.StoreDir)
		switch {
		case !b.Overwrite && src.Dir == store.Dir:
			how = " (hard links, nothing copied)"
		case src.Source == store.Source && reflinks(src.FSType):
			// Clones work across two mounts of one filesystem; hard
			// links do not (EXDEV), hence the two comparisons.
			how = fmt.Sprintf(" (reflinks on %s, nothing copied)", src.FSType)
			copied = false
		default:
			how = fmt.Sprintf(" (a copy of %s%s)", atLeast(r), guard.HumanBytes(r.Bytes))
			copied = true
		}
	}
	r.Recoverable = guard.RecoverSnapshot
	why := snapshotPhrase + how
	if copied && opts.SnapshotBudget > 0 && r.Bytes > opts.SnapshotBudget {
		r.Recoverable = guard.RecoverNo
		why = fmt.Sprintf("too large to snapshot: %s%s to copy, the budget is %s; guard will not run it without --no-snapshot, and then nothing brings it back",
			atLeast(r), guard.HumanBytes(r.Bytes), guard.HumanBytes(opts.SnapshotBudget))
	}
	r.Why = joinWhy(why, r.Why)
}

func atLeast(r *guard.AtRisk) string {
	if r.Complete {
		return ""
	}
	return "at least "
}

func joinWhy(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "; ")
}

func firstOr(paths []string, def string) string {
	if len(paths) > 0 {
		return paths[0]
	}
	return def
}

// mountOf is the mount holding path: the longest mount point above it.
func mountOf(host guard.Host, path string) guard.Mount {
	var best guard.Mount
	for _, m := range host.Mounts() {
		if within(path, m.Dir) && len(m.Dir) >= len(best.Dir) {
			best = m
		}
	}
	return best
}

func within(path, dir string) bool {
	return dir == "/" || path == dir || strings.HasPrefix(path, dir+"/")
}

// reflinks: filesystems whose files can share extents, so that a copy
// costs no bytes.
func reflinks(fsType string) bool {
	return fsType == "btrfs" || fsType == "xfs" || fsType == "bcachefs"
}

// counter walks trees through the host, breadth first so that a budget
// cut leaves a picture of the whole top rather than one deep corner.
type counter struct {
	host    guard.Host
	m       *meter
	mounts  map[string]guard.Mount // mount points, to stay on one filesystem
	files   int64
	dirs    int64
	bytes   int64
	sample  sampler
	skipped []string // what was left out and why
	notes   []string // what is worth saying but left nothing out
	cut     bool
}

func newCounter(host guard.Host, m *meter) *counter {
	c := &counter{host: host, m: m, mounts: map[string]guard.Mount{}}
	for _, mt := range host.Mounts() {
		c.mounts[mt.Dir] = mt
	}
	return c
}

// root counts path and everything below it, without following symbolic
// links and without entering another filesystem mounted below it (rm -r
// would: that is said, not counted).
func (c *counter) root(path string) {
	if !c.m.more() {
		c.cut = true
		return
	}
	info, err := c.host.Lstat(path)
	if err != nil {
		if isNotExist(err) {
			c.notes = append(c.notes, path+" does not exist")
		} else {
			c.skipped = append(c.skipped, fmt.Sprintf("%s could not be read (%v)", path, err))
		}
		return
	}
	c.m.left--
	if !info.IsDir() {
		c.entry(path, info)
		return
	}
	c.dirs++
	queue := []string{path}
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		if !c.m.more() {
			c.cut = true
			return
		}
		entries, complete, err := c.host.ReadDir(dir, c.m.left)
		if err != nil {
			c.skipped = append(c.skipped, fmt.Sprintf("%s could not be read", dir))
			continue
		}
		for _, e := range entries {
			c.m.left--
			p := filepath.Join(dir, e.Name())
			if !e.IsDir() {
				info, err := e.Info()
				if err != nil {
					continue // gone since the listing
				}
				c.entry(p, info)
				continue
			}
			c.dirs++
			if mt, ok := c.mounts[p]; ok {
				c.skipped = append(c.skipped, fmt.Sprintf("%s is another filesystem (%s %s), which rm -r would empty too: not counted", p, mt.FSType, mt.Source))
				continue
			}
			queue = append(queue, p)
		}
		if !complete {
			c.m.exhaust()
			c.cut = true
			return
		}
	}
}

func (c *counter) entry(path string, info fs.FileInfo) {
	c.files++
	if info.Mode().IsRegular() {
		c.bytes += info.Size()
		c.sample.add(path, info.Size())
	}
}

func (c *counter) result(action string, paths []string) *guard.AtRisk {
	r := &guard.AtRisk{
		Action:   action,
		Paths:    paths,
		Files:    c.files,
		Dirs:     c.dirs,
		Bytes:    c.bytes,
		Sample:   c.sample.paths(),
		Complete: !c.cut && len(c.skipped) == 0,
	}
	var notes []string
	if c.cut {
		notes = append(notes, c.m.spent)
	}
	if len(c.skipped) > 3 {
		c.skipped = append(c.skipped[:3:3], fmt.Sprintf("and %d more", len(c.skipped)-3))
	}
	r.Why = joinWhy(append(append(notes, c.skipped...), c.notes...)...)
	return r
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
