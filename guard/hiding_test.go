package guard_test

import (
	"testing"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/rules"
)

// TestHidingPlaces: the ways a command is hidden that guard can look
// through (a file it reads, a link, a script on PATH, a git setting) are
// judged as the command; those it cannot (a FIFO, tail -f, a program word
// it cannot compute from an agent) are asked about.
func TestHidingPlaces(t *testing.T) {
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	h := guard.NewMemHost()
	h.Env["PATH"] = "/home/op/bin:/usr/bin:/bin"
	h.Files["/home/op/cmd.txt"] = []byte("rm -rf /usr\n")
	h.Files["/home/op/bin/tidy"] = []byte("#!/bin/sh\nrm -rf /usr\n")
	h.Files["/home/op/bin/hello"] = []byte("#!/bin/sh\necho hello\n")
	h.AddDir("/home/op/bin")
	h.AddFile("/home/op/bin/tidy")
	h.AddFile("/home/op/bin/hello")
	h.AddFIFO("/home/op/p")
	h.AddLink("/home/op/del", "/bin/rm")
	h.AddLink("/home/op/lister", "/bin/ls")
	for _, tc := range []struct {
		line   string
		strict bool
		want   guard.Decision
	}{
		{"$(cat cmd.txt)", false, guard.Block},
		{"printf 'rm -rf /usr\\n' > c2; $(cat c2)", false, guard.Block},
		{"$(cat notes-missing.txt) /usr", false, guard.Allow}, // nothing at stake for any program
		{"$(cat notes-missing.txt)", true, guard.Confirm},     // an agent names its programs
		{"$(cat cmd.txt)", true, guard.Block},
		{"bash < p", false, guard.Confirm},
		{"bash < cmd.txt", false, guard.Block},
		{"tail -f later.sh | bash", false, guard.Confirm},
		{"tail -n 5 cmd.txt | bash", false, guard.Block},
		{"tail -f /var/log/syslog | grep error", false, guard.Allow},
		{"./del -rf /usr", false, guard.Block},
		{"./lister -la /usr", false, guard.Allow},
		{"tidy", false, guard.Block},
		{"hello", false, guard.Allow},
		{"git config alias.tidy '!rm -rf /usr'", false, guard.Block},
		{"git config --global core.pager 'rm -rf /etc'", false, guard.Block},
		{"git config set core.fsmonitor 'rm -rf /boot'", false, guard.Block},
		{"git config alias.st status", false, guard.Allow},
		{"git config --global core.editor vim", false, guard.Allow},
	} {
		v := e.Judge(tc.line, h, guard.Options{Cwd: "/home/op", Strict: tc.strict})
		if v.Decision != tc.want {
			t.Errorf("%q (agent %v) is %s, want %s (%+v)", tc.line, tc.strict, v.Decision, tc.want, v.Findings)
		}
	}
}
