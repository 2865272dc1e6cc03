package guard_test

import (
	"fmt"
	"testing"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/rules"
)

// A find whose matches guard cannot list whole (more than its budget)
// still prints the first ones, nearest the start folders: what xargs and
// while read take from it is judged with those.
func TestFindPastBudgetFeedsItsFirstMatches(t *testing.T) {
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	h := guard.NewMemHost()
	h.AddFile("/etc/passwd")
	h.AddFile("/etc/shadow")
	h.AddFile("/srv/data/report.txt")
	for i := 0; i < 3000; i++ {
		h.AddFile(fmt.Sprintf("/etc/app/deep/conf%04d", i))
		h.AddFile(fmt.Sprintf("/srv/data/old/f%04d.log", i))
	}
	cases := []struct {
		line string
		want guard.Decision
	}{
		{"find /etc -print0 | xargs -0 rm -f", guard.Confirm},
		{"find /etc -type f | xargs shred -u", guard.Confirm},
		{"find /etc -type f -print0 | while IFS= read -r -d '' f; do : > \"$f\"; done", guard.Confirm},
		{"find /srv/data -type f | xargs rm -f", guard.Allow},
		{"find /etc -type f | xargs grep -l listen", guard.Allow},
	}
	for _, c := range cases {
		v := e.Judge(c.line, h, guard.Options{Cwd: "/home/op"})
		if got := v.Decision; (got >= guard.Confirm) != (c.want >= guard.Confirm) {
			t.Errorf("%s: got %v, want %v (%v)", c.line, got, c.want, v.Findings)
		}
	}
}
