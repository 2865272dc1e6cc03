package guard

import (
	"fmt"
	"strings"
)

// BackupDisk is a backup plan that cannot be carried out: the command
// writes over a block device (Paths), and a disk cannot be snapshotted. A
// rule declares it so that what is at risk can say so; a snapshot skips it.
const BackupDisk BackupKind = "disk"

// Recoverable values of AtRisk.
const (
	RecoverSnapshot = "snapshot" // a snapshot is taken first and restores it
	RecoverNo       = "no"       // nothing guard takes can bring it back
)

// AtRisk is what a finding would destroy, counted on the host before
// anything runs: how many files and folders, how many bytes, a few paths
// an operator would recognise, and whether a snapshot can bring them back.
// Counting stops at a budget; past it the numbers are lower bounds and
// Complete is false.
type AtRisk struct {
	// Action is what the command does to them: delete, overwrite, wipe.
	Action string `json:"action"`
	// Paths are the folders, files or devices counted.
	Paths []string `json:"paths,omitempty"`
	// Files counts every entry that is not a folder: regular files,
	// symbolic links (counted, never followed), devices, FIFOs, sockets.
	Files int64 `json:"files"`
	Dirs  int64 `json:"dirs"`
	// Bytes is the size of the regular files counted.
	Bytes int64 `json:"bytes"`
	// Sample names a few of them: vital files first, then the largest.
	Sample []string `json:"sample,omitempty"`
	// Complete is false when counting stopped early (the budget, another
	// filesystem below, an unreadable folder) or could not count at all.
	Complete bool `json:"complete"`
	// Recoverable is RecoverSnapshot or RecoverNo.
	Recoverable string `json:"recoverable"`
	// Why says how it can be brought back, or why it cannot, and what
	// was left out of the count.
	Why string `json:"why"`
}

// Counted reports whether files were counted: a crontab, a git work tree,
// a disk or an unknown path are described, not counted.
func (r *AtRisk) Counted() bool {
	return r.Action != "wipe" && (r.Files > 0 || r.Dirs > 0 || r.Complete)
}

// Summary is the line a report leads with, e.g. "would delete 48,213
// files (3.1 GiB) under /lib, e.g. /lib/x86_64-linux-gnu/libc.so.6 — a
// snapshot will be taken first (hard links, nothing copied)".
func (r *AtRisk) Summary() string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	where := strings.Join(r.Paths, ", ")
	if where == "" {
		where = "what guard cannot name"
	}
	switch {
	case !r.Counted():
		fmt.Fprintf(&b, "would %s %s", r.Action, where)
	case r.Files == 0 && r.Dirs == 0:
		fmt.Fprintf(&b, "would %s nothing under %s", r.Action, where)
	default:
		atLeast := ""
		if !r.Complete {
			atLeast = "at least "
		}
		fmt.Fprintf(&b, "would %s %s%s", r.Action, atLeast, Plural(r.Files, "file"))
		if r.Dirs > 0 {
			fmt.Fprintf(&b, " in %s", Plural(r.Dirs, "folder"))
		}
		fmt.Fprintf(&b, " (%s) under %s", HumanBytes(r.Bytes), where)
		if len(r.Sample) > 0 {
			fmt.Fprintf(&b, ", e.g. %s", strings.Join(r.Sample, ", "))
		}
	}
	if r.Why != "" {
		b.WriteString(" — ")
		b.WriteString(r.Why)
	}
	return b.String()
}

// InvocationOf returns the command a finding of the verdict is about:
// the engine gives a finding the text of its invocation as Command. nil
// when none matches (a finding about the whole line).
func (v *Verdict) InvocationOf(f *Finding) *Invocation {
	for _, inv := range v.Invocations {
		if inv.Text == f.Command {
			return inv
		}
	}
	return nil
}

// Plural renders a count with thousands separators: "1 file", "48,213
// files", "3 entries".
func Plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if stem, ok := strings.CutSuffix(noun, "y"); ok && !strings.HasSuffix(stem, "a") && !strings.HasSuffix(stem, "e") && !strings.HasSuffix(stem, "o") {
		return Thousands(n) + " " + stem + "ies"
	}
	return Thousands(n) + " " + noun + "s"
}

// Thousands renders 48213 as "48,213".
func Thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + Thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// HumanBytes renders a size for messages: 1.5 GiB.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
