package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/audit"
)

// auditLogger is where records go: the policy's [audit] settings over the
// defaults (a JSON-lines file; journald when its socket exists, else
// syslog).
func (a *app) auditLogger() *audit.Logger {
	cfg := a.loadPolicy().Audit
	l := &audit.Logger{File: cfg.File, MaxSize: cfg.MaxSize, Keep: cfg.Keep}
	if l.File == "" {
		l.File = a.defaultAuditFile()
	}
	switch {
	case cfg.Journal == "off":
	case cfg.Journal != "":
		l.Journal = cfg.Journal
	case exists(audit.JournalSocket):
		l.Journal = audit.JournalSocket
	}
	switch {
	case cfg.Syslog == "off":
	case cfg.Syslog != "":
		l.Syslog = strings.TrimPrefix(cfg.Syslog, "unix://")
	case l.Journal == "" && exists(audit.SyslogSocket):
		l.Syslog = audit.SyslogSocket // journald already forwards to syslog
	}
	return l
}

func (a *app) defaultAuditFile() string {
	if f := a.getenv("GUARD_AUDIT_FILE"); f != "" {
		return f
	}
	if os.Geteuid() == 0 {
		return "/var/log/guard/audit.jsonl"
	}
	state := a.getenv("XDG_STATE_HOME")
	if state == "" {
		state = filepath.Join(a.getenv("HOME"), ".local", "state")
	}
	return filepath.Join(state, "guard", "audit.jsonl")
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// audit records an event. A channel that fails is reported once, and the
// command goes on.
func (a *app) audit(event, line, cwd, integration string, rules []string, detail string) {
	a.auditRecord(audit.Record{Event: event, Line: line, Cwd: cwd, Integration: integration, Rules: rules, Detail: detail})
}

// maxAuditLine is the most of a line a record keeps: a 16 MB paste would
// otherwise be written whole to the file and to every channel.
const maxAuditLine = 64 << 10

func (a *app) auditRecord(r audit.Record) {
	r.Time = time.Now().UTC()
	if len(r.Line) > maxAuditLine {
		sum := sha256.Sum256([]byte(r.Line))
		r.Line = fmt.Sprintf("%s… (%d bytes in all, sha256 %x)", r.Line[:maxAuditLine], len(r.Line), sum)
	}
	if r.Integration == "" {
		r.Integration = "run"
	}
	r.UID = os.Getuid()
	if u, err := user.Current(); err == nil {
		r.User = u.Username
	}
	r.Host, _ = os.Hostname()
	if c := a.getenv("SSH_CONNECTION"); c != "" {
		r.SSHClient, _, _ = strings.Cut(c, " ")
	}
	r.TTY = a.getenv("SSH_TTY")
	if r.TTY == "" {
		if link, err := os.Readlink("/proc/self/fd/0"); err == nil && strings.HasPrefix(link, "/dev/pts/") {
			r.TTY = link
		}
	}
	for _, err := range a.auditLogger().Log(r) {
		if !a.auditWarned {
			a.noticeOnce(fmt.Sprintf("guard: could not write the audit record (%v); the command goes on", err))
		}
		a.auditWarned = true
	}
}

type logOptions struct {
	since, rule, event string
	json               bool
}

func logFlags(o *logOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("log", flag.ContinueOnError)
	fs.StringVar(&o.since, "since", "", "only records newer than this: a duration (2h, 7d) or a date (2026-11-23)")
	fs.StringVar(&o.rule, "rule", "", "only records about this `RULE`")
	fs.StringVar(&o.event, "decision", "", "only this decision or event: block, confirm, override, refused, allow")
	fs.BoolVar(&o.json, "json", false, "print a JSON array")
	return fs
}

// logCmd is guard log: recent records from the audit file.
func (a *app) logCmd(args []string) int {
	var o logOptions
	fs := logFlags(&o)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return a.flagError("log", err)
	}
	filter := audit.Filter{Rule: o.rule, Event: o.event}
	if o.since != "" {
		t, err := parseSince(o.since, time.Now())
		if err != nil {
			fmt.Fprintf(a.stderr, "guard log: --since %s: %v\n", o.since, err)
			return exitUsage
		}
		filter.Since = t
	}
	l := a.auditLogger()
	records, err := audit.Read(l.File, l.Keep, filter)
	if err != nil {
		fmt.Fprintf(a.stderr, "guard log: %v\n", err)
		return 1
	}
	if o.json {
		if records == nil {
			records = []audit.Record{}
		}
		return a.printJSON(records)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tEVENT\tRULES\tUSER\tVIA\tLINE")
	for _, r := range records {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.Local().Format("2006-01-02 15:04:05"), r.Event, strings.Join(r.Rules, ","), r.User, r.Integration, lineCell(r.Line, 70))
	}
	_ = tw.Flush()
	return exitOK
}

// lineCell is a line of shell code as the last column of a listing (guard
// log, guard snapshot list): on one row, cut to width bytes.
func lineCell(line string, width int) string {
	line = guard.Shown(strings.ReplaceAll(line, "\n", "⏎"))
	if len(line) > width {
		line = line[:width-3] + "..."
	}
	return line
}

// parseSince reads 90m, 2h, 7d, or a date.
func parseSince(s string, now time.Time) (time.Time, error) {
	if strings.HasSuffix(s, "d") {
		var days int
		if _, err := fmt.Sscanf(s, "%dd", &days); err == nil {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("want a duration (2h, 7d) or a date (2026-11-23)")
}
