package main

import (
	"strings"
	"testing"
)

// TestLineCellShown: guard log and guard snapshot list show the lines the
// audit trail recorded, which anyone's typing put there; an escape
// sequence in one must not clear or rewrite the operator's screen.
func TestLineCellShown(t *testing.T) {
	got := lineCell("echo \x1b[2J\x1b[Hall clear\nrm -rf /srv", 70)
	if strings.ContainsRune(got, 0x1b) {
		t.Errorf("lineCell passes ESC through: %q", got)
	}
	if want := `echo \e[2J\e[Hall clear⏎rm -rf /srv`; got != want {
		t.Errorf("lineCell = %q, want %q", got, want)
	}
}
