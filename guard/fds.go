package guard

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Descriptors the shell keeps open between commands: exec 3< FILE, exec
// {fd}<<<CODE, and the pipe to a coprocess (coproc sh). A later <&3 or
// >&${COPROC[1]} reads or writes what the descriptor was opened on, so
// that bash <&3 runs the code the here-string held, and echo CODE
// >&${COPROC[1]} hands CODE to the coprocess's shell.

// firstNamedFd is the first descriptor bash gives a {name} redirection.
const firstNamedFd = 10

// maxOpenFds bounds the descriptors remembered for one line.
const maxOpenFds = 64

// openFd records that descriptor fd is open on rd, for the commands after
// this point. The table is copied, never changed: a subshell's exec does
// not leak out.
func (sc *scope) openFd(fd string, rd Redir) {
	if len(sc.fds) >= maxOpenFds {
		return
	}
	m := make(map[string]Redir, len(sc.fds)+1)
	for k, v := range sc.fds {
		m[k] = v
	}
	rd.Fd = ""
	m[fd] = rd
	sc.fds = m
}

// namedFd gives a {name} redirection its descriptor, as bash does: the
// first one free from 10 up, assigned to the variable name.
func (sc *scope) namedFd(name string) string {
	n := firstNamedFd
	for {
		if _, used := sc.fds[strconv.Itoa(n)]; !used {
			break
		}
		n++
	}
	fd := strconv.Itoa(n)
	sc.assign(name, Arg{Text: fd, Value: fd, Known: true})
	return fd
}

// execOpens records the descriptors exec opens without a command (exec
// 3< FILE): they stay open for the rest of the shell.
func (sc *scope) execOpens(redirs []Redir) {
	for _, rd := range redirs {
		if !isAllDigits(rd.Fd) || rd.Fd == "0" || rd.Fd == "1" || rd.Fd == "2" {
			continue
		}
		switch rd.Op {
		case "<", "<<", "<<-", "<<<", "<>", ">", ">>", ">|":
			sc.openFd(rd.Fd, rd)
		}
	}
}

// dupOf is what a duplication (<&N, >&N, N-) reads or writes, when N is
// a descriptor opened earlier: by a redirection before it on the same
// command, else by exec or a coprocess. ok is false for others.
func dupOf(red Redir, earlier []Redir, sc *scope) (Redir, bool) {
	if red.Op != "<&" && red.Op != ">&" || !red.Target.Known {
		return red, false
	}
	n := strings.TrimSuffix(red.Target.Value, "-")
	if !isAllDigits(n) || n == "" {
		return red, false
	}
	opened, ok := Redir{}, false
	for i := len(earlier) - 1; i >= 0; i-- {
		if earlier[i].Fd == n {
			opened, ok = earlier[i], true
			break
		}
	}
	if !ok {
		opened, ok = sc.fds[n]
	}
	if !ok {
		return red, false
	}
	input := opened.Op == "<" || strings.HasPrefix(opened.Op, "<<") || opened.Op == "<>"
	switch {
	case red.Op == "<&" && input:
		opened.Fd = red.Fd
		return opened, true
	case red.Op == ">&" && !input:
		// written after the file was opened: added to it, not emptied again
		return Redir{Op: ">>", Fd: red.Fd, Target: opened.Target}, true
	case red.Op == ">&" && opened.Op == "<>":
		// opened for reading and writing at its first byte: written over
		// from there, as 1<> FILE is (exec 3<>/etc/shadow; echo x >&3)
		fd := red.Fd
		if fd == "" {
			fd = "1"
		}
		return Redir{Op: "<>", Fd: fd, Target: opened.Target}, true
	}
	return red, false
}

// coprocFifo is the path standing for a coprocess's input: what the line
// writes into ${NAME[1]} goes there, and the coprocess reads it as a
// FIFO made on the line (fifos.go).
func coprocFifo(name string) string { return "/dev/fd/coproc:" + name }

// startCoproc gives the coprocess NAME its descriptors, ${NAME[0]} to
// read its output and ${NAME[1]} to write its input, and returns the
// redirection its command reads through.
func (r *resolver) startCoproc(name string, sc *scope) Redir {
	path := coprocFifo(name)
	if st := r.reached(); len(st.written) < maxWritten {
		st.written[path] = written{fifo: true}
	}
	in := Redir{Op: "<", Target: Arg{Text: path, Value: path, Known: true}}
	out := sc.namedFd(name + "_in_")
	sc.openFd(out, Redir{Op: ">", Target: in.Target})
	sc.set(name, shellVar{set: true, known: true, value: "63", list: []Arg{{Text: "63", Value: "63", Known: true}, {Text: out, Value: out, Known: true}}})
	return in
}

// withInput is stmt reading its standard input from path, unless it
// redirects it itself: how a coprocess's command is walked.
func withInput(stmt *syntax.Stmt, path string) *syntax.Stmt {
	for _, rd := range stmt.Redirs {
		if (rd.N == nil || rd.N.Value == "0") && (rd.Op == syntax.RdrIn || rd.Op == syntax.Hdoc || rd.Op == syntax.DashHdoc || rd.Op == syntax.WordHdoc || rd.Op == syntax.DplIn) {
			return stmt
		}
	}
	c := *stmt
	in := &syntax.Redirect{Op: syntax.RdrIn, Word: &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{Value: path}}}}
	c.Redirs = append([]*syntax.Redirect{in}, stmt.Redirs...)
	return &c
}
