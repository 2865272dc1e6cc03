// Package lazyre is a regular expression compiled the first time it is
// used: most guard processes (one a line typed) never need most of the
// rules' expressions, and compiling them all at start cost a third of
// guard's start-up.
package lazyre

import (
	"regexp"
	"sync"
)

// Regexp compiles src on first use; it panics then if src is not valid,
// as regexp.MustCompile would at start (the tests use every one).
type Regexp struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

// New returns a Regexp for src, not yet compiled.
func New(src string) *Regexp { return &Regexp{src: src} }

// Compiled is the compiled expression.
func (r *Regexp) Compiled() *regexp.Regexp {
	r.once.Do(func() { r.re = regexp.MustCompile(r.src) })
	return r.re
}

func (r *Regexp) String() string                       { return r.src }
func (r *Regexp) MatchString(s string) bool            { return r.Compiled().MatchString(s) }
func (r *Regexp) FindString(s string) string           { return r.Compiled().FindString(s) }
func (r *Regexp) FindStringSubmatch(s string) []string { return r.Compiled().FindStringSubmatch(s) }
func (r *Regexp) FindAllStringIndex(s string, n int) [][]int {
	return r.Compiled().FindAllStringIndex(s, n)
}
func (r *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	return r.Compiled().FindAllStringSubmatch(s, n)
}
func (r *Regexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	return r.Compiled().FindAllStringSubmatchIndex(s, n)
}
