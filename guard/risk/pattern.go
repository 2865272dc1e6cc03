package risk

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fnmatch matches s against a shell pattern as find's -name and -path do
// (fnmatch(3) without flags): * and ? match any character, / and a
// leading dot included; [...] is a set, with ranges, [!...] or [^...] to
// negate, and [:alpha:]-style classes; a backslash quotes the next
// character. A malformed set matches its [ literally, as fnmatch does.
func fnmatch(pattern, s string) bool {
	// Iterative, with one backtracking point at the last star: linear
	// enough for names and paths, and never recursive.
	px, sx := 0, 0
	starPx, starSx := -1, -1
	for sx < len(s) || px < len(pattern) {
		if px < len(pattern) {
			switch pattern[px] {
			case '*':
				starPx, starSx = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					_, w := utf8.DecodeRuneInString(s[sx:])
					px++
					sx += w
					continue
				}
			case '[':
				if sx < len(s) {
					r, w := utf8.DecodeRuneInString(s[sx:])
					if ok, width, valid := matchSet(pattern[px:], r); valid {
						if ok {
							px += width
							sx += w
							continue
						}
						break
					}
				}
				if sx < len(s) && s[sx] == '[' { // a lone [ is itself
					px++
					sx++
					continue
				}
			case '\\':
				if px+1 < len(pattern) {
					if sx < len(s) && s[sx] == pattern[px+1] {
						px += 2
						sx++
						continue
					}
					break
				}
				fallthrough
			default:
				if sx < len(s) && s[sx] == pattern[px] {
					px++
					sx++
					continue
				}
			}
		}
		if starPx >= 0 && starSx < len(s) {
			_, w := utf8.DecodeRuneInString(s[starSx:])
			starSx += w
			px, sx = starPx+1, starSx
			continue
		}
		return false
	}
	return true
}

// matchSet matches r against the set at the start of pattern ("[...]").
// It returns whether r is in it, the set's width, and whether the set is
// well formed.
func matchSet(pattern string, r rune) (matched bool, width int, valid bool) {
	i := 1
	negate := false
	if i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^') {
		negate = true
		i++
	}
	first := true
	for i < len(pattern) {
		c := pattern[i]
		if c == ']' && !first {
			return matched != negate, i + 1, true
		}
		first = false
		if c == '[' && i+1 < len(pattern) && pattern[i+1] == ':' {
			end := strings.Index(pattern[i+2:], ":]")
			if end >= 0 {
				if inClass(pattern[i+2:i+2+end], r) {
					matched = true
				}
				i += 2 + end + 2
				continue
			}
		}
		lo, w := utf8.DecodeRuneInString(pattern[i:])
		if c == '\\' && i+1 < len(pattern) {
			lo, w = utf8.DecodeRuneInString(pattern[i+1:])
			w++
		}
		i += w
		hi := lo
		if i+1 < len(pattern) && pattern[i] == '-' && pattern[i+1] != ']' {
			var w2 int
			hi, w2 = utf8.DecodeRuneInString(pattern[i+1:])
			i += 1 + w2
		}
		if lo <= r && r <= hi {
			matched = true
		}
	}
	return false, 0, false
}

func inClass(name string, r rune) bool {
	switch name {
	case "alpha":
		return unicode.IsLetter(r)
	case "digit":
		return '0' <= r && r <= '9'
	case "alnum":
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	case "upper":
		return unicode.IsUpper(r)
	case "lower":
		return unicode.IsLower(r)
	case "space":
		return unicode.IsSpace(r)
	case "punct":
		return unicode.IsPunct(r) || unicode.IsSymbol(r)
	case "xdigit":
		return strings.ContainsRune("0123456789abcdefABCDEF", r)
	}
	return false
}
