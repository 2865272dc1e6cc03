package gate

import (
	"strings"
	"testing"
)

// TestPromptShowsNotObeys: a dry run lists names from the filesystem, and
// a file named with an escape sequence must not hide or rewrite the
// question on the operator's terminal.
func TestPromptShowsNotObeys(t *testing.T) {
	q := Question{Word: "yes", Previews: []string{"rsync would delete \x1b[2Kcleanup.log\r"}, Unrecoverable: []string{"\x1b]0;title\x07"}}
	got := prompt(q)
	if strings.ContainsAny(got, "\x1b\r\x07") {
		t.Errorf("the prompt passes control characters to the terminal: %q", got)
	}
	for _, want := range []string{`\e[2Kcleanup.log\r`, `\e]0;title\x07`, "type yes to run it"} {
		if !strings.Contains(got, want) {
			t.Errorf("the prompt lacks %q: %q", want, got)
		}
	}
}
