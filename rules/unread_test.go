package rules_test

import (
	"fmt"
	"testing"

	"github.com/guard-sh/guard/guard"
)

// TestUnreadMatchesJudgedByFolder: a folder holding more names than guard
// reads for one pattern (1,024) leaves matches it did not see. They are
// more names in the same folder, judged by what that folder's children
// are: /tmp/* passes however full /tmp is, /var/lib/* and /etc/* do not.
func TestUnreadMatchesJudgedByFolder(t *testing.T) {
	e := newEngine(t)
	h := guard.NewMemHost()
	for _, dir := range []string{"/tmp", "/srv/app/cache", "/var/lib", "/etc"} {
		for i := range 1500 {
			h.AddFile(fmt.Sprintf("%s/f%04d", dir, i))
		}
	}
	for line, want := range map[string]guard.Decision{
		"rm -rf /tmp/*":                         guard.Allow,
		"shopt -s extglob; rm -rf /tmp/!(keep)": guard.Allow,
		"rm -rf /srv/app/cache/*":               guard.Allow,
		"rm -rf /tmp/f1*":                       guard.Allow,
		"rm -rf /var/lib/*":                     guard.Block,
		"rm -rf /etc/*":                         guard.Block,
		"rm -rf /tmp/*/../../etc":               guard.Confirm,
	} {
		v := e.Judge(line, h, guard.Options{Cwd: "/home/op"})
		if v.Decision < want || want == guard.Allow && v.Decision > guard.Warn {
			t.Errorf("%s: %s, want %s (%+v)", line, v.Decision, want, v.Findings)
		}
	}
}
