package guard

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Shown is s as it may be written to a terminal: the line a finding names,
// the names a dry run lists and what a message quotes of them come from
// the line and the filesystem, and an escape sequence in them (ESC [8m
// hides what follows, a carriage return writes over the line, a
// right-to-left override reverses it) would let them show an operator
// something other than what runs. Control characters, those of Unicode's
// bidirectional overrides and bytes that are not UTF-8 are written as
// escapes (\e, \r, \x00, \u202e); tabs and newlines stay.
func Shown(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == 0x1b:
			b.WriteString(`\e`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 && r != '\t' && r != '\n', r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f, bidiControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// needsEscape: s holds something Shown writes otherwise.
func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || r < 0x20 && r != '\t' && r != '\n' || r >= 0x7f && r <= 0x9f || bidiControl(r) {
			return true
		}
		i += size
	}
	return false
}

// bidiControl: the marks and overrides that reorder text on display.
func bidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}
