package guard

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// ForgottenFolder is a prelude for earlier code guard no longer holds: a
// cd to a folder it cannot know.
const ForgottenFolder = "cd \"$(__guard_forgotten_earlier_parts)\"\n"

// StatePrelude is code that leaves a shell in the state prelude leaves it
// in, as guard follows it: the folder, the variables (an unknown value as
// a substitution guard cannot know), the functions, the options, the
// positional parameters, and the lines a command still reads of what comes
// next. A long script streamed to the login shell is kept this way once it
// is longer than guard holds as text, instead of being forgotten: a
// variable set before a megabyte of padding is still known after it.
func StatePrelude(prelude, cwd string, host Host, lang syntax.LangVariant, stdinScript bool) string {
	r := newResolver(host, lang)
	sc := &scope{cwd: cwd, env: host.Getenv, fed: stdinScript}
	r.inPrelude = true
	r.walkSource(dropCommentLines(prelude), sc)
	var b strings.Builder
	if sc.cwd == "" || r.truncated != "" {
		b.WriteString(ForgottenFolder)
	} else {
		b.WriteString("cd -- " + shellQuote(sc.cwd) + "\n")
	}
	if r.truncated != "" {
		return b.String() // what it left behind is not known: the folder least of all
	}
	seen := map[string]bool{}
	for f := sc.vars; f != nil; f = f.parent {
		names := make([]string, 0, len(f.vars))
		for _, nv := range f.vars {
			names = append(names, nv.name)
		}
		slices.Sort(names)
		for _, name := range names {
			if seen[name] || !syntax.ValidName(name) {
				continue
			}
			seen[name] = true
			v, _ := f.find(name)
			switch {
			case v.ref != "":
				b.WriteString("declare -n " + name + "=" + v.ref + "\n")
			case v.list != nil && knownArgs(v.list):
				b.WriteString(name + "=(")
				for i, a := range v.list {
					if i > 0 {
						b.WriteByte(' ')
					}
					if v.index != nil {
						b.WriteString("[" + strconv.Itoa(v.index[i]) + "]=") // a sparse array keeps its indexes
					}
					b.WriteString(shellQuote(a.Value))
				}
				b.WriteString(")\n")
			case v.known && v.list == nil:
				b.WriteString(name + "=" + shellQuote(v.value) + "\n")
			default:
				b.WriteString(name + "=\"$(__guard_forgotten_earlier_parts)\"\n")
			}
		}
	}
	for _, def := range r.funcOrder {
		if r.funcs[def.name] == def && syntax.ValidName(def.name) {
			b.WriteString(def.name + "() " + sliceSrc(def.src, def.body.Pos(), def.body.End()) + "\n")
		}
	}
	for _, o := range []struct {
		opt  shellOpts
		code string
	}{{optNoglob, "set -f"}, {optGlobstar, "shopt -s globstar"}, {optDotglob, "shopt -s dotglob"}, {optNullglob, "shopt -s nullglob"}, {optNocaseglob, "shopt -s nocaseglob"}} {
		if sc.opts&o.opt != 0 {
			b.WriteString(o.code + "\n")
		}
	}
	if sc.params != nil && knownArgs(sc.params.list) {
		b.WriteString("set --")
		for _, a := range sc.params.list {
			b.WriteString(" " + shellQuote(a.Value))
		}
		b.WriteByte('\n')
	}
	hashed := slices.Sorted(maps.Keys(sc.hashed))
	for _, name := range hashed {
		if p := sc.hashed[name]; p != "" {
			b.WriteString("hash -p " + shellQuote(p) + " " + shellQuote(name) + "\n")
		}
	}
	for i := 0; i < sc.fedSkip; i++ {
		b.WriteString("read -r _\n") // a command that still takes the next lines
	}
	return b.String()
}

func knownArgs(args []Arg) bool {
	for _, a := range args {
		if !a.Known {
			return false
		}
	}
	return true
}

// shellQuote quotes s for bash in single quotes; a quote inside closes
// them, is escaped, and opens them again.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// dropCommentLines blanks the lines that are only a comment: the parser
// counts a run of them as part of the statement after it, and a megabyte
// of them would make that one statement too long to follow. (A line of a
// here-document that starts with # is blanked too; what it changes is at
// most a value guard then does not know.)
func dropCommentLines(src string) string {
	if !strings.Contains(src, "#") {
		return src
	}
	var b strings.Builder
	b.Grow(len(src))
	for line := range strings.Lines(src) {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "#") {
			b.WriteByte('\n')
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}
