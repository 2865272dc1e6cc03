// Package audit records what guard stopped, asked about or was told to let
// through: to a local JSON-lines file with rotation, and to journald (with
// structured fields) or syslog (an @cee: JSON message), so that a fleet's
// existing collectors (rsyslog, journald forwarding, Loki, ELK) gather it.
// Losing a channel never blocks the command: the error is returned to be
// reported.
package audit

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Record is one audit event.
type Record struct {
	Time        time.Time `json:"time"`
	Event       string    `json:"event"` // allow, warn, confirm, block, override, refused, internal-error
	Host        string    `json:"host"`
	User        string    `json:"user"`
	UID         int       `json:"uid"`
	TTY         string    `json:"tty,omitempty"`
	SSHClient   string    `json:"ssh_client,omitempty"`
	Cwd         string    `json:"cwd"`
	Line        string    `json:"line"`
	Rules       []string  `json:"rules,omitempty"`
	Snapshot    string    `json:"snapshot,omitempty"`
	Integration string    `json:"integration"` // bash, zsh, login, sudo, claude, run, session
	Detail      string    `json:"detail,omitempty"`
}

// Logger writes records to the configured channels.
type Logger struct {
	// File is the JSON-lines file; "" or "off" writes none.
	File string
	// MaxSize rotates the file past this many bytes; 0 means 10 MB.
	MaxSize int64
	// Keep is how many rotated files to keep; 0 means 5.
	Keep int
	// Syslog is a unix datagram socket path, "" for none.
	Syslog string
	// Journal is journald's socket path, "" for none.
	Journal string
}

// JournalSocket and SyslogSocket are where the system's collectors listen.
const (
	JournalSocket = "/run/systemd/journal/socket"
	SyslogSocket  = "/dev/log"
)

// Log writes r everywhere it should go and returns what failed.
func (l *Logger) Log(r Record) []error {
	var errs []error
	if l.File != "" && l.File != "off" {
		if err := l.appendFile(r); err != nil {
			errs = append(errs, fmt.Errorf("audit file %s: %w", l.File, err))
		}
	}
	if l.Journal != "" {
		if err := sendJournal(l.Journal, r); err != nil {
			errs = append(errs, fmt.Errorf("journald %s: %w", l.Journal, err))
		}
	}
	if l.Syslog != "" {
		if err := sendSyslog(l.Syslog, r); err != nil {
			errs = append(errs, fmt.Errorf("syslog %s: %w", l.Syslog, err))
		}
	}
	return errs
}

// OpenAppend opens the audit file for appending, creating it if needed.
// Only a regular file is written: it is opened without blocking, so that
// a FIFO put where the file belongs cannot stall every refusal (and with
// it a coding agent's hook, which some agents then give up on and run the
// command), and anything but a regular file is an error.
func OpenAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NONBLOCK|unix.O_NOCTTY, 0o600)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// appendFile appends one line under an exclusive lock, rotating first
// when the file has grown past MaxSize.
func (l *Logger) appendFile(r Record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(l.File), 0o700); err != nil {
		return err
	}
	f, err := OpenAppend(l.File)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	maxSize := l.MaxSize
	if maxSize == 0 {
		maxSize = 10 << 20
	}
	if info, err := f.Stat(); err == nil && info.Size()+int64(len(data)) > maxSize && info.Size() > 0 {
		if err := l.rotate(); err != nil {
			return err
		}
		f.Close()
		if f, err = OpenAppend(l.File); err != nil {
			return err
		}
		defer f.Close()
	}
	_, err = f.Write(append(data, '\n'))
	return err
}

// rotate shifts file.N-1 to file.N … file to file.1, dropping the oldest.
func (l *Logger) rotate() error {
	keep := l.Keep
	if keep == 0 {
		keep = 5
	}
	os.Remove(fmt.Sprintf("%s.%d", l.File, keep))
	for i := keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", l.File, i), fmt.Sprintf("%s.%d", l.File, i+1))
	}
	return os.Rename(l.File, l.File+".1")
}

// message is the one-line summary shown by journalctl and syslog readers.
func (r Record) message() string {
	rules := ""
	if len(r.Rules) > 0 {
		rules = " [" + strings.Join(r.Rules, ",") + "]"
	}
	return fmt.Sprintf("%s%s by %s in %s (%s): %s", r.Event, rules, r.User, r.Cwd, r.Integration, strings.ReplaceAll(r.Line, "\n", "⏎"))
}

// sendJournal uses journald's native protocol: one datagram of KEY=value
// fields, the binary form for values holding a newline.
func sendJournal(socket string, r Record) error {
	var b bytes.Buffer
	field := func(key, value string) {
		if !strings.Contains(value, "\n") {
			fmt.Fprintf(&b, "%s=%s\n", key, value)
			return
		}
		b.WriteString(key + "\n")
		binary.Write(&b, binary.LittleEndian, uint64(len(value)))
		b.WriteString(value + "\n")
	}
	priority := "5" // notice
	if r.Event == "block" || r.Event == "override" || r.Event == "internal-error" {
		priority = "4" // warning
	}
	field("MESSAGE", "guard: "+r.message())
	field("PRIORITY", priority)
	field("SYSLOG_IDENTIFIER", "guard")
	field("SYSLOG_FACILITY", "10") // authpriv
	field("GUARD_EVENT", r.Event)
	field("GUARD_LINE", r.Line)
	field("GUARD_RULES", strings.Join(r.Rules, ","))
	field("GUARD_CWD", r.Cwd)
	field("GUARD_USER", r.User)
	field("GUARD_INTEGRATION", r.Integration)
	if r.Snapshot != "" {
		field("GUARD_SNAPSHOT", r.Snapshot)
	}
	if r.SSHClient != "" {
		field("GUARD_SSH_CLIENT", r.SSHClient)
	}
	if r.TTY != "" {
		field("GUARD_TTY", r.TTY)
	}
	if r.Detail != "" {
		field("GUARD_DETAIL", r.Detail)
	}
	return sendDatagram(socket, b.Bytes())
}

// sendSyslog sends an RFC 3164 line whose message is @cee: and the JSON
// record, which rsyslog's mmjsonparse and ELK read as fields.
func sendSyslog(socket string, r Record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	const authpriv, notice = 10, 5
	msg := fmt.Sprintf("<%d>%s %s guard[%d]: @cee: %s", authpriv*8+notice, r.Time.Format(time.Stamp), r.Host, os.Getpid(), data)
	return sendDatagram(socket, []byte(msg))
}

func sendDatagram(socket string, payload []byte) error {
	conn, err := net.DialTimeout("unixgram", socket, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, err = conn.Write(payload)
	return err
}

// Filter selects records for guard log.
type Filter struct {
	Since time.Time
	Rule  string
	Event string
}

func (f Filter) match(r Record) bool {
	if !f.Since.IsZero() && r.Time.Before(f.Since) {
		return false
	}
	if f.Event != "" && r.Event != f.Event {
		return false
	}
	if f.Rule != "" {
		for _, id := range r.Rules {
			if id == f.Rule {
				return true
			}
		}
		return false
	}
	return true
}

// Read returns the records of the file and its rotated copies, oldest
// first, that pass the filter. Lines that are not records are skipped.
func Read(file string, keep int, f Filter) ([]Record, error) {
	if keep == 0 {
		keep = 5
	}
	var out []Record
	for i := keep; i >= 0; i-- {
		name := file
		if i > 0 {
			name = fmt.Sprintf("%s.%d", file, i)
		}
		fh, err := os.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, readRecords(fh, f)...)
		fh.Close()
	}
	return out, nil
}

func readRecords(r io.Reader, f Filter) []Record {
	var out []Record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var rec Record
		if json.Unmarshal(sc.Bytes(), &rec) == nil && f.match(rec) {
			out = append(out, rec)
		}
	}
	return out
}
