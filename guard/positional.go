package guard

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// bindShellArgs makes the words after `sh -c CODE` the code's $0 $1 …, as
// the shell does: `sh -c 'rm -rf "$1"' _ /srv` removes /srv.
func bindShellArgs(words []Arg) func(inner *Invocation, isc *scope) {
	return func(inner *Invocation, isc *scope) {
		words := bindable(words)
		params := &positional{zero: Arg{Text: "$0", Value: "sh", Known: true}, list: []Arg{}}
		if len(words) > 0 {
			params.zero, params.list = words[0], words[1:]
		}
		isc.params = params
	}
}

// xargsReplace handles xargs -I STR (and -i, --replace): each input line
// replaces STR in the command, which then runs once per line. It reports
// whether xargs was given a replacement string.
func (r *resolver) xargsReplace(outer *Invocation, argv []Arg, sc *scope) bool {
	repl := ""
	for i := 0; i < len(outer.Args); i++ {
		v := outer.Args[i].Value
		switch {
		case !strings.HasPrefix(v, "-") || v == "--":
			i = len(outer.Args) // the command starts here
		case v == "-I" && i+1 < len(outer.Args):
			repl = outer.Args[i+1].Value
			i++
		case strings.HasPrefix(v, "-I"):
			repl = v[2:]
		case v == "-i" || v == "--replace":
			repl = "{}"
		case strings.HasPrefix(v, "-i"):
			repl = v[2:]
		case strings.HasPrefix(v, "--replace="):
			repl = strings.TrimPrefix(v, "--replace=")
		case len(v) == 2 && strings.Contains("adELnPs", v[1:]):
			i++ // an option's value
		}
	}
	if repl == "" {
		return false
	}
	in := r.itemsOf(outer, 0)
	opts := ParseOptions(outer.Args, xargsSpec)
	if f, ok := opts.Value("a", "arg-file"); ok {
		in = r.fileText(outer, f) // xargs -a FILE reads its items there
	}
	delim, split := xargsDelimiter(opts)
	if !split {
		delim = "\n"
	}
	var lines []string
	for _, l := range strings.Split(in.value, delim) {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	pattern, listed := r.listingRun(in, len(lines), outer.Cwd)
	if listed {
		// Some entries of a folder: judged as the folder's glob, and
		// each entry guard can list as itself.
		r.runInner(outer, r.replaceWithGlob(argv, repl, pattern, sc), sc, "xargs", nil)
	}
	if !in.known || len(lines) > maxFindRuns {
		if listed {
			return true
		}
		r.runInner(outer, readItems(argv, repl), sc, "xargs", func(inner *Invocation, isc *scope) {
			inner.MoreOperands = "xargs"
		})
		return true
	}
	for _, l := range lines {
		r.runInner(outer, replaceArgs(argv, repl, Arg{Value: l, Known: true, Origin: "xargs"}), sc, "xargs", nil)
	}
	return true
}

// readItems is argv with repl standing for items read when the line runs
// (xargs -I{} with an input guard cannot know). A word that is the item
// whole is data read at run time, as after read: as the code of a shell
// (xargs -I{} sh -c {}) it is code nobody has seen.
func readItems(argv []Arg, repl string) []Arg {
	out := replaceArgs(argv, repl, Arg{Unknown: []string{repl}, Origin: "xargs"})
	for i, a := range argv {
		if a.Known && a.Value == repl {
			out[i].data = true
			out[i].Unknown = []string{repl + " (each line it reads)"}
		}
	}
	return out
}

// replaceArgs replaces repl in every word of argv with value.
func replaceArgs(argv []Arg, repl string, value Arg) []Arg {
	out := make([]Arg, len(argv))
	for i, a := range argv {
		if !strings.Contains(a.Value, repl) {
			out[i] = a
			continue
		}
		b := value
		b.Text = a.Text
		b.Value = strings.ReplaceAll(a.Value, repl, value.Value)
		b.Unknown = append([]string(nil), value.Unknown...)
		out[i] = b
	}
	return out
}

// parallelValueOpts are GNU parallel's options that take a separate value.
var parallelValueOpts = map[string]bool{
	"j": true, "jobs": true, "P": true, "max-procs": true, "S": true, "sshlogin": true, "a": true, "arg-file": true,
	"I": true, "d": true, "delimiter": true, "colsep": true, "C": true, "E": true, "joblog": true, "results": true,
	"n": true, "max-args": true, "N": true, "L": true, "max-lines": true, "timeout": true, "delay": true, "tmpdir": true,
	"env": true, "halt": true, "halt-on-error": true, "sshloginfile": true, "slf": true, "W": true, "workdir": true,
	"id": true, "semaphorename": true, "basefile": true, "B": true, "transfer-file": true, "tf": true, "return": true,
	"nice": true, "memfree": true, "load": true, "retries": true, "block": true, "blocksize": true, "tag-string": true,
}

// wrapParallel judges GNU parallel and sem: the command runs once per
// combination of the inputs (::: words, the lines of :::: and -a files,
// else the lines it reads), through a shell, with {} replaced or the
// input appended. Without a command, each input line is the command line
// itself (parallel < cmds.txt, parallel ::: 'make a' 'make b').
func wrapParallel(r *resolver, outer *Invocation, sc *scope) {
	args := bindable(outer.Args)
	repl, delim := "{}", "\n"
	quoteWords, pipe := false, false
	var groups [][]Arg
	var unknown *text
	i := 0
	for i < len(args) {
		v := args[i].Value
		if v == "--" {
			i++
			break
		}
		if !strings.HasPrefix(v, "-") || v == "-" || v == ":::" || v == "::::" {
			break
		}
		name, value, inline := strings.Cut(strings.TrimLeft(v, "-"), "=")
		if !inline && !strings.HasPrefix(v, "--") && len(name) > 1 && parallelValueOpts[name[:1]] {
			name, value, inline = name[:1], name[1:], true // -aFILE, -j4
		}
		if !inline && parallelValueOpts[name] && i+1 < len(args) {
			i++
			value = args[i].Value
		}
		switch name {
		case "dry-run", "dryrun":
			return // prints the commands, runs none
		case "q", "quote":
			quoteWords = true // sh -c 'CODE' stays one word
		case "I", "replace":
			repl = value
		case "0", "null":
			delim = "\x00"
		case "d", "delimiter":
			delim = value
		case "pipe", "pipepart":
			pipe = true
		case "a", "arg-file":
			file := args[i] // -a <(…) keeps its text, which says what prints it
			if inline {
				file = Arg{Text: value, Value: value, Known: args[i].Known}
			}
			lines, t := r.parallelFile(outer, file, delim)
			if !t.known {
				unknown = &t
			}
			groups = append(groups, lines)
		}
		i++
	}
	var cmd []Arg
	for ; i < len(args) && !strings.HasPrefix(args[i].Value, ":::"); i++ {
		cmd = append(cmd, args[i])
	}
	if pipe {
		// --pipe: the command reads the input in blocks on its standard
		// input (parallel --pipe sh runs the lines it is fed)
		if len(cmd) > 0 {
			r.runCodeWith(outer, joinCode(cmd, r.lineLang()), sc, outer.Program+" --pipe", codeOpts{stdin: feedOf(outer)})
		}
		return
	}
	fromFiles := false
	for ; i < len(args); i++ {
		switch v := args[i].Value; v {
		case ":::", ":::+":
			groups, fromFiles = append(groups, nil), false
		case "::::", "::::+":
			groups, fromFiles = append(groups, nil), true
		default:
			switch {
			case len(groups) == 0:
			case fromFiles:
				lines, t := r.parallelFile(outer, args[i], delim)
				if !t.known {
					unknown = &t
				}
				groups[len(groups)-1] = append(groups[len(groups)-1], lines...)
			default:
				groups[len(groups)-1] = append(groups[len(groups)-1], args[i])
			}
		}
	}
	if len(groups) == 0 && outer.Program == "parallel" {
		t := r.itemsOf(outer, 0)
		if !t.known {
			unknown = &t
		}
		groups = append(groups, parallelLines(t, delim))
	}
	if unknown != nil || len(cmd) == 0 && len(groups) == 0 {
		if len(cmd) == 0 {
			if unknown != nil {
				// the lines it would run are not known: code guard cannot see
				r.hidden(outer, *unknown)
			}
			return // sem alone: no command, no inputs, nothing runs
		}
		argv := readItems(cmd, repl)
		r.runInner(outer, argv, sc, outer.Program, func(inner *Invocation, isc *scope) {
			inner.MoreOperands = "xargs"
		})
		return
	}
	for _, run := range combinations(groups, maxFindRuns) {
		r.runCode(outer, composeParallel(cmd, run, repl, quoteWords), sc, outer.Program, nil)
	}
}

// parallelFile is the input lines of a file parallel reads (-a FILE,
// :::: FILE; - is its standard input).
func (r *resolver) parallelFile(outer *Invocation, file Arg, delim string) ([]Arg, text) {
	t := r.fileText(outer, file)
	if file.Known && file.Value == "-" {
		t = r.itemsOf(outer, 0)
	}
	if !t.known && t.quiet {
		return nil, knownText("") // no such file: parallel runs nothing
	}
	return parallelLines(t, delim), t
}

// parallelLines splits what parallel reads into its inputs, one a line
// (or a delimiter's piece), each one argument.
func parallelLines(t text, delim string) []Arg {
	if !t.known {
		return nil
	}
	switch delim {
	case "\\n":
		delim = "\n"
	case "\\0", "\\x00":
		delim = "\x00"
	}
	var lines []Arg
	for _, l := range splitItems(t.value, delim) {
		if l != "" {
			lines = append(lines, Arg{Text: l, Value: l, Known: true})
		}
	}
	return lines
}

// combinations lists the first max combinations of one input per group.
func combinations(groups [][]Arg, limit int) [][]Arg {
	runs := [][]Arg{nil}
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		var next [][]Arg
		for _, run := range runs {
			for _, a := range g {
				if len(next) == limit {
					break
				}
				next = append(next, append(append([]Arg(nil), run...), a))
			}
		}
		runs = next
	}
	return runs
}

// composeParallel builds the line parallel hands to its shell: the
// command with each replacement string filled, or the inputs appended.
// Without -q the command's words are joined as shell code (parallel sh
// -c 'rm -rf "$1"' runs sh -c rm); with -q each word is quoted and stays
// one word.
func composeParallel(cmd, run []Arg, repl string, quoteWords bool) string {
	quote := func(s string) string {
		q, err := syntax.Quote(s, syntax.LangBash)
		if err != nil {
			return "''"
		}
		return q
	}
	quoted := make([]string, len(run)) // each input as one shell word
	fill := make([]string, len(run))   // what a replacement string becomes
	for i, a := range run {
		quoted[i] = quote(a.Value)
		fill[i] = quoted[i]
		if quoteWords {
			fill[i] = a.Value // the whole word is quoted after
		}
	}
	if len(cmd) == 1 && (cmd[0].Value == repl || cmd[0].Value == "{1}" && len(run) == 1) {
		// the input is the whole command: whether parallel quotes it then
		// (a program named "rm -rf /etc") or runs it as a command line,
		// guard cannot be sure, so it is judged as the command it would be
		cmd = nil
	}
	words := make([]string, 0, len(cmd)+len(run))
	replaced := false
	for _, a := range cmd {
		w := a.Value
		if strings.Contains(w, repl) {
			w = strings.ReplaceAll(w, repl, strings.Join(fill, " "))
			replaced = true
		}
		for n := range run {
			positional := "{" + strconv.Itoa(n+1) + "}"
			if strings.Contains(w, positional) {
				w = strings.ReplaceAll(w, positional, fill[n])
				replaced = true
			}
		}
		if quoteWords {
			w = quote(w)
		}
		words = append(words, w)
	}
	switch {
	case len(cmd) == 0:
		for _, a := range run {
			words = append(words, a.Value) // the input line is the command
		}
	case !replaced:
		words = append(words, quoted...)
	}
	return strings.Join(words, " ")
}
