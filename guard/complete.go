package guard

import (
	"bytes"
	"unsafe"

	"mvdan.cc/sh/v3/syntax"
)

// Complete reports whether src ends where a shell would stop reading to
// run what it has: no statement left open (an if without fi, an open
// quote, a here-document without its end). A line with a real syntax error
// is complete too (more input would not help), and so is one too deep to
// parse (judging it says so). It parses statement by statement, keeping
// none, so its memory does not grow with src.
func Complete(src []byte, lang syntax.LangVariant) bool {
	if tooDeepBytes(src) {
		return true
	}
	if bytes.IndexByte(src, '\r') >= 0 {
		src = bytes.ReplaceAll(src, []byte("\r"), []byte(crStandIn))
	}
	if lang == 0 {
		lang = syntax.LangBash
	}
	var last error
	for _, err := range syntax.NewParser(syntax.Variant(lang)).StmtsSeq(bytes.NewReader(src)) {
		if err != nil && last == nil {
			last = err
		}
	}
	return last == nil || !syntax.IsIncomplete(last)
}

// tooDeepBytes is tooDeep on bytes the caller does not change while it
// reads them: no copy of a 16 MB input.
func tooDeepBytes(src []byte) bool {
	return len(src) > 0 && tooDeep(unsafe.String(&src[0], len(src))) != ""
}
