package guard

import (
	"maps"

	"mvdan.cc/sh/v3/syntax"
)

// scope is the shell state the walk tracks: what the shell would know at a
// given point of the line. Subshells, pipeline parts and substitutions get
// a clone, so a `cd` inside them does not leak out.
type scope struct {
	src    string // the source text the current tree was parsed from
	cwd    string // "" when unknown
	oldpwd string
	vars   map[string]shellVar
	env    func(string) (string, bool)

	via    []string
	remote string
	user   string
	depth  int    // nesting of re-parsed shell code
	inFunc string // the function whose body is being walked
	// unguarded: inside a command run with GUARD=off
	unguarded bool
	box       *box // the container the code runs in (containers.go), nil on the host
}

type shellVar struct {
	value      string
	known      bool
	set        bool
	maybeEmpty bool  // for an unknown value: whether it may be empty
	list       []Arg // an indexed array's elements, when known
}

func (sc *scope) clone() *scope {
	c := *sc
	c.vars = maps.Clone(sc.vars)
	c.via = append([]string(nil), sc.via...)
	return &c
}

// nested returns the scope of shell code run by another shell (bash -c):
// same cwd and exported environment, but not the caller's unexported
// variables, which we cannot tell apart; keep them, as assignments on the
// same line are usually exported or used right away.
func (sc *scope) nested(via string) *scope {
	c := sc.clone()
	c.via = append(c.via, via)
	c.depth++
	c.inFunc = ""
	return c
}

// mayBeEmpty tells whether an unknown variable may expand to nothing.
func (sc *scope) mayBeEmpty(name string) bool {
	if v, ok := sc.vars[name]; ok && !v.known {
		return v.maybeEmpty
	}
	return true
}

func (sc *scope) lookup(name string) (string, bool) {
	switch name {
	case "PWD":
		return sc.cwd, sc.cwd != ""
	case "OLDPWD":
		return sc.oldpwd, sc.oldpwd != ""
	}
	if v, ok := sc.vars[name]; ok {
		return v.value, v.known
	}
	if sc.remote != "" {
		return "", false // the remote host's environment is not ours
	}
	if sc.env != nil {
		if v, ok := sc.env(name); ok {
			return v, true
		}
	}
	return "", false
}

func (sc *scope) isSet(name string) bool {
	if v, ok := sc.vars[name]; ok {
		return v.set
	}
	if sc.env != nil {
		_, ok := sc.env(name)
		return ok
	}
	return false
}

func (sc *scope) assign(name string, a Arg) {
	sc.vars[name] = shellVar{value: a.Value, known: a.Known, set: true, maybeEmpty: a.MaybeEmpty || a.Known}
}

func (sc *scope) text(n syntax.Node) string {
	return sliceSrc(sc.src, n.Pos(), n.End())
}

func sliceSrc(src string, from, to syntax.Pos) string {
	start, end := int(from.Offset()), int(to.Offset())
	if !from.IsValid() || !to.IsValid() || start < 0 || end > len(src) || start > end {
		return ""
	}
	return src[start:end]
}
