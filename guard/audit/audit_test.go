package audit

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRotationKeepsOrderAndBounds(t *testing.T) {
	file := filepath.Join(t.TempDir(), "audit.jsonl")
	l := &Logger{File: file, MaxSize: 600, Keep: 2}
	for i := range 20 {
		if errs := l.Log(Record{Time: time.Unix(int64(i), 0).UTC(), Event: "block", Line: fmt.Sprintf("line %02d", i)}); len(errs) > 0 {
			t.Fatal(errs)
		}
	}
	for _, name := range []string{file, file + ".1", file + ".2"} {
		info, err := os.Stat(name)
		if err != nil || info.Size() > 600 {
			t.Errorf("%s: %v (size over the bound?)", name, err)
		}
	}
	if _, err := os.Stat(file + ".3"); err == nil {
		t.Error("more rotated files kept than asked")
	}
	records, err := Read(file, 2, Filter{})
	if err != nil || len(records) == 0 {
		t.Fatal(records, err)
	}
	if last := records[len(records)-1].Line; last != "line 19" {
		t.Errorf("newest record %q", last)
	}
	for i := 1; i < len(records); i++ {
		if records[i].Time.Before(records[i-1].Time) {
			t.Fatal("records out of order")
		}
	}
}

func TestJournalAndSyslogDatagrams(t *testing.T) {
	dir := t.TempDir()
	listen := func(name string) *net.UnixConn {
		conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(dir, name), Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	journal, syslog := listen("journal"), listen("syslog")
	l := &Logger{Journal: filepath.Join(dir, "journal"), Syslog: filepath.Join(dir, "syslog")}
	r := Record{Time: time.Now(), Event: "block", Line: "rm -rf /usr\necho two lines", Rules: []string{"rm-protected"}, User: "op", Cwd: "/", Integration: "bash", Host: "web1"}
	if errs := l.Log(r); len(errs) > 0 {
		t.Fatal(errs)
	}
	buf := make([]byte, 65536)
	journal.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := journal.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	got := string(buf[:n])
	for _, want := range []string{"GUARD_EVENT=block\n", "GUARD_RULES=rm-protected\n", "SYSLOG_IDENTIFIER=guard\n", "PRIORITY=4\n", "GUARD_LINE\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("journal datagram lacks %q:\n%q", want, got)
		}
	}
	syslog.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err = syslog.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	got = string(buf[:n])
	if !strings.HasPrefix(got, "<85>") || !strings.Contains(got, `guard[`) || !strings.Contains(got, `@cee: {"time":`) || !strings.Contains(got, `"rules":["rm-protected"]`) {
		t.Errorf("syslog datagram: %q", got)
	}
}

func TestLostChannelIsReported(t *testing.T) {
	l := &Logger{Syslog: filepath.Join(t.TempDir(), "nobody-listens"), File: filepath.Join(t.TempDir(), "a.jsonl")}
	errs := l.Log(Record{Event: "block"})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "syslog") {
		t.Fatalf("want the syslog loss reported, got %v", errs)
	}
	if records, _ := Read(l.File, 0, Filter{}); len(records) != 1 {
		t.Error("the file must still get the record")
	}
}
