package guard

import (
	"strings"
)

// zsh's extendedglob adds pattern operators that bash does not have:
//
//	^x    any name but those x matches: /^tmp is every folder of / but /tmp
//	x~y   what x matches, less what y matches: /*~/tmp
//	(#i)  the rest of the component matches in any case: /(#i)ETC is /etc
//
// Each is read here into the tokens and steps glob.go already has.

// hasExtendedMeta reports whether raw, an unquoted literal, holds one of
// extendedglob's operators outside a backslash.
func hasExtendedMeta(raw string) bool {
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '^':
			return true
		case '~':
			if i > 0 {
				return true
			}
		}
	}
	return strings.Contains(raw, "(#i)")
}

// topLevel calls at for each byte of p outside brackets, groups and
// backslash escapes, until it returns true.
func topLevel(p string, at func(i int) bool) {
	depth := 0
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case c == '[':
			if end := strings.IndexByte(p[i+2:], ']'); end >= 0 && depth == 0 {
				i += end + 2 // []…] and [^…] hold a ] or ^ of their own
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && at(i):
			return
		}
	}
}

// cutExclusion splits x~y at its first ~ outside brackets and groups; a
// ~ that starts the pattern is the home folder, not an exclusion.
func cutExclusion(pattern string) (include, exclude string, found bool) {
	topLevel(pattern, func(i int) bool {
		if pattern[i] == '~' && i > 0 {
			include, exclude, found = pattern[:i], pattern[i+1:], true
		}
		return found
	})
	return include, exclude, found
}

// globExcluding is x~y: the matches of x that y does not match, y read
// against the whole path as x's matches are written (its * crosses /).
func (r *resolver) globExcluding(include, exclude string, sc *scope, quals globQuals) ([]string, bool, bool) {
	matches, complete, ok := r.glob(include, sc, quals)
	if !ok {
		return nil, false, false
	}
	toks, parsed := parseGlob(exclude, true)
	if !parsed {
		return matches, false, true // what y leaves out is not known: x's matches stand
	}
	var kept []string
	for _, m := range matches {
		mt := matcher{nocase: sc.opts&optNocaseglob != 0}
		if !mt.match(toks, m) || mt.exceeded {
			kept = append(kept, m)
		}
	}
	return kept, complete, true
}

// parseExtendedGlob reads one component with extendedglob's ^ and (#i),
// and says whether it matches in any case. It returns no tokens, and ok,
// for a component without them: glob.go reads it as usual.
func parseExtendedGlob(part string, nocase bool) (toks []globTok, anyCase bool, ok bool) {
	if strings.Contains(part, "(#i)") {
		part, nocase = strings.ReplaceAll(part, "(#i)", ""), true
		if !hasGlobMeta(part, true) && !strings.Contains(part, "^") {
			// (#i)ETC: a literal matched in any case is still a pattern
			toks, ok = parseGlob(part, true)
			return toks, nocase, ok
		}
	}
	not := -1
	topLevel(part, func(i int) bool {
		if part[i] == '^' {
			not = i
		}
		return not >= 0
	})
	if not < 0 {
		if nocase {
			toks, ok = parseGlob(part, true)
			return toks, nocase, ok
		}
		return nil, nocase, true
	}
	before, okBefore := parseGlob(part[:not], true)
	after, okAfter := parseGlob(part[not+1:], true)
	if !okBefore || !okAfter {
		return nil, nocase, false
	}
	// ^x is !(x) up to the end of the component
	return append(before, globTok{kind: tokGroup, op: '!', alts: [][]globTok{after}}), nocase, true
}
