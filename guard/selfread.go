package guard

import (
	"fmt"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Code a shell reads on its standard input (ssh host < fix.sh, bash <<EOF,
// sudo -s <<EOF, a script piped to the login shell) can read that same
// input itself. bash reads such a script a line at a time, so `read -r _`
// takes the next line as data: a line guard took as the start of a
// here-document, a string or a cd never reaches bash as code, and what
// guard took as the here-document's body runs. After each statement that
// reads lines of the script, the rest is judged a second time as bash
// would then read it: without the lines it takes, in the state the
// statement leaves. A statement that takes part of a line (read -n 3, dd,
// head -c), or that points the shell at another input (exec < FILE), is
// judged as code from where guard cannot see, or from that file.

// maxSelfReadWalks bounds the second readings of one line: each costs a
// walk of the rest of the script.
const maxSelfReadWalks = 8

// maxSkippedLines bounds the lines one statement is taken to read.
const maxSkippedLines = 64

// selfReads is what one top-level statement reads of the script it is in.
type selfReads struct {
	lines int    // whole lines taken by read, mapfile, head -n
	part  string // a command that takes part of a line, "" if none
	who   string // the first command that reads lines, for messages
}

// scanSelfReads finds the commands of st that read the shell's own
// standard input: not redirected (by themselves or by a compound command
// around them), not at the receiving end of a pipe, not in the background.
// A function's body is not run where it is declared.
func scanSelfReads(st *syntax.Stmt) selfReads {
	var s selfReads
	stack := []bool{false} // is standard input elsewhere, per open node
	piped := map[*syntax.Stmt]bool{}
	syntax.Walk(st, func(n syntax.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		away := stack[len(stack)-1]
		switch n := n.(type) {
		case *syntax.Stmt:
			away = away || n.Background || n.Coprocess || piped[n] || redirectsStdin(n.Redirs)
			if !away {
				if call, ok := n.Cmd.(*syntax.CallExpr); ok {
					s.call(call)
				}
			}
		case *syntax.BinaryCmd:
			if n.Op == syntax.Pipe || n.Op == syntax.PipeAll {
				piped[n.Y] = true
			}
		case *syntax.FuncDecl, *syntax.CoprocClause:
			return false
		}
		stack = append(stack, away)
		return true
	})
	return s
}

// redirectsStdin reports whether redirs give a command another standard
// input.
func redirectsStdin(redirs []*syntax.Redirect) bool {
	for _, rd := range redirs {
		if rd.N != nil && rd.N.Value != "0" {
			continue
		}
		switch rd.Op {
		case syntax.RdrIn, syntax.RdrInOut, syntax.DplIn, syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc:
			return true
		}
	}
	return false
}

// call adds what one simple command reads of its standard input.
func (s *selfReads) call(call *syntax.CallExpr) {
	words := make([]string, len(call.Args))
	for i, w := range call.Args {
		words[i] = w.Lit() // "" for a word that is not plain text
	}
	// Past the wrappers that hand their standard input on.
	for len(words) > 0 && stdinWrapper(words[0]) {
		words = words[1:]
		for len(words) > 0 && (strings.HasPrefix(words[0], "-") || strings.Contains(words[0], "=")) {
			words = words[1:]
		}
	}
	if len(words) == 0 {
		return
	}
	name, args := words[0], words[1:]
	lines, part := 0, false
	switch name {
	case "read":
		for _, a := range args {
			switch {
			case !strings.HasPrefix(a, "-") || a == "--":
			case strings.ContainsAny(a, "u"):
				return // reads another descriptor
			case strings.ContainsAny(a[1:], "nNd"):
				part = true
			}
		}
		lines = 1
	case "mapfile", "readarray":
		lines = maxSkippedLines // all of it, unless -n says how many
		for i, a := range args {
			switch {
			case !strings.HasPrefix(a, "-"):
			case strings.Contains(a, "u"):
				return // reads another descriptor
			case a == "-n" && i+1 < len(args):
				if n := lineCount(args[i+1]); n > 0 {
					lines = n
				}
			}
		}
	case "head", "tail":
		n, bytes, file := 10, false, false
		for i := 0; i < len(args); i++ {
			a := args[i]
			switch {
			case a == "-c" || strings.HasPrefix(a, "-c") || strings.HasPrefix(a, "--bytes"):
				bytes = true
				if a == "-c" {
					i++
				}
			case a == "-n" && i+1 < len(args):
				i++
				n = lineCount(args[i])
			case strings.HasPrefix(a, "-n"):
				n = lineCount(a[2:])
			case strings.HasPrefix(a, "-"):
			default:
				file = true
			}
		}
		switch {
		case file:
			return
		case bytes:
			part = true
		case name == "head":
			lines = n
		}
	case "dd":
		for _, a := range args {
			if strings.HasPrefix(a, "if=") {
				return
			}
		}
		part = true
	}
	if part && s.part == "" {
		s.part = strings.Join(words, " ")
	}
	if lines > 0 {
		if s.who == "" {
			s.who = strings.Join(words, " ")
		}
		s.lines = min(s.lines+lines, maxSkippedLines)
	}
}

func lineCount(s string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "+"))
	if err != nil || n < 0 {
		return maxSkippedLines
	}
	return min(n, maxSkippedLines)
}

// stdinWrapper: a program that runs a command with its own standard
// input.
func stdinWrapper(name string) bool {
	switch name {
	case "sudo", "env", "nice", "nohup", "command", "builtin", "exec", "time", "stdbuf", "ionice", "doas":
		return true
	}
	return false
}

// fedScript follows one source of code a shell reads on its standard
// input: the lines its statements take for themselves.
type fedScript struct {
	text    string // the source the offsets refer to
	lineEnd int    // the end of the line the pending statements are on
	skip    int    // lines those statements take after it
	who     string
}

// beforeFedStmt is called before each top-level statement of fed code:
// once a statement starts past the line of statements that read lines,
// the rest is judged as bash reads it after them.
func (r *resolver) beforeFedStmt(f *fedScript, st *syntax.Stmt, text string, sc *scope) {
	if f.skip > 0 && (text != f.text || int(st.Pos().Offset()) > f.lineEnd) {
		r.readAfterSkip(f, sc)
	}
}

// afterFedStmt notes what st reads of its own script, and the other input
// it points the shell at (exec < FILE).
func (r *resolver) afterFedStmt(f *fedScript, st *syntax.Stmt, text string, sc *scope, first int) {
	reads := scanSelfReads(st)
	if reads.part != "" {
		r.partRead(reads.part, first)
	}
	r.execInput(sc, first)
	if reads.lines == 0 {
		return
	}
	if f.skip > 0 && text != f.text {
		r.readAfterSkip(f, sc)
	}
	end := int(st.End().Offset())
	if nl := strings.IndexByte(text[min(end, len(text)):], '\n'); nl >= 0 {
		end += nl
	} else {
		end = len(text)
	}
	if f.skip == 0 {
		f.who = reads.who
	}
	f.text, f.lineEnd, f.skip = text, end, min(f.skip+reads.lines, maxSkippedLines)
}

// endFedSource judges what is left to judge at the end of a source. Lines
// a statement reads past the end are taken from the next source the same
// shell reads (the next part of a streamed script): sc keeps them.
func (r *resolver) endFedSource(f *fedScript, sc *scope) {
	if f.skip > 0 {
		r.readAfterSkip(f, sc)
	}
}

// readAfterSkip judges the rest of f's text without the lines its
// statements read, in the state they leave.
func (r *resolver) readAfterSkip(f *fedScript, sc *scope) {
	rest, skip, who := "", f.skip, f.who
	if f.lineEnd < len(f.text) {
		rest = f.text[f.lineEnd+1:]
	}
	*f = fedScript{}
	for ; skip > 0 && rest != ""; skip-- {
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[nl+1:]
		} else {
			rest = ""
		}
	}
	sc.fedSkip, sc.fedWho = skip, who // lines still to take from the next source
	if strings.TrimSpace(rest) == "" || r.inPrelude || r.selfReadWalks < 0 {
		return
	}
	if r.selfReadWalks++; r.selfReadWalks > maxSelfReadWalks {
		r.tooComplex(fmt.Sprintf("the script reads its own lines (%s) more than %d times, so guard cannot tell which of them bash runs as code", who, maxSelfReadWalks))
		return
	}
	if !r.budgetReparse(rest) {
		return
	}
	nsc := sc.clone()
	nsc.fedSkip = 0
	nsc.withVia("the rest of the script, after " + who + " reads its next line")
	notes := len(r.notes)
	saved := r.selfReadWalks
	r.selfReadWalks = -1 // one second reading, not a tree of them
	r.walkSource(rest, nsc)
	r.selfReadWalks = saved
	r.notes = r.notes[:notes] // what does not parse read this way is not worth a warning
}

// startFedSource takes the lines a statement of an earlier source (an
// earlier part of a streamed script) still reads from this one.
func (r *resolver) startFedSource(src string, sc *scope) {
	if sc.fedSkip == 0 {
		return
	}
	f := &fedScript{text: "\n" + src, skip: sc.fedSkip, who: sc.fedWho}
	r.readAfterSkip(f, sc)
}

// partRead: a command takes part of a line of the script, so where bash
// goes on reading code cannot be told.
func (r *resolver) partRead(who string, first int) {
	for _, inv := range r.invs[first:] {
		inv.note().Hidden = "the script is read from standard input and " + shorten(who) +
			" takes part of a line of it: guard cannot tell where bash goes on reading commands"
		return
	}
}

// execInput follows `exec < FILE` in code read from standard input: the
// shell reads the rest of its commands from FILE.
func (r *resolver) execInput(sc *scope, first int) {
	for _, inv := range r.invs[first:] {
		if inv.Program != "exec" || len(inv.Args) > 0 {
			continue
		}
		for _, rd := range inv.Redirs {
			if rd.Fd != "" && rd.Fd != "0" || !rd.Input() && rd.Op != "<" && rd.Op != "<>" && rd.Op != "<&" {
				continue
			}
			t := r.stdinOf(inv, 0)
			if t.known {
				r.runCodeWith(inv, t.value, sc, "exec <", codeOpts{file: rd.Target.Value, fed: true})
				return
			}
			inv.note().Hidden = "after exec " + rd.Op + " " + rd.Target.Text + ", the shell reads its next commands from there, and guard cannot read them"
			return
		}
	}
}
