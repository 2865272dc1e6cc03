package guard

import (
	"path/filepath"
	"strings"
)

// runScript judges the script file a shell is given (bash ./cleanup.sh
// ARGS): its content, read through the host and bounded, is walked as the
// shell code it is, with $0, $1… bound to the arguments. A script guard
// cannot read (missing, or not readable by this user, as a root-only
// script run with sudo often is) is judged by what is known: the command
// as written. One it cannot read for a reason that hides code (too large,
// written by a download earlier on the line) is a finding.
func (r *resolver) runScript(inv *Invocation, script Arg, args []Arg, sc *scope, shell string, fresh bool) {
	if r.fifoScript(inv, script, sc, shell+" "+script.Value) {
		return
	}
	content, name, ok := r.fileCode(inv, script)
	if !ok {
		return
	}
	r.runCodeWith(inv, content, sc, shell+" "+name, codeOpts{file: name, fresh: fresh, prepare: func(nsc *scope) {
		bindPositional(nsc, script, args)
	}})
}

// fifoScript: the file a shell runs or sources is a FIFO (made on the
// line, or on the host), whose code is what is written into it: asked
// about until the line writes what guard can judge (fifos.go).
func (r *resolver) fifoScript(inv *Invocation, file Arg, sc *scope, via string) bool {
	p := inv.Path(file.Value)
	if !file.Known || p == "" || inv.Remote != "" {
		return false
	}
	if _, state, _ := r.readFile(p); state != fileSpecial {
		return false
	}
	inv.note().Hidden = unreadReason(file.Value, fileSpecial, "")
	r.readFifo(p, fifoReader{outer: inv, sc: sc.clone(), via: via})
	return true
}

// fileCode is the code a file operand of a shell or of source names, and
// the name it runs under: what a process substitution prints (bash
// <(echo …)), or the file's content. ok is false when there is nothing to
// judge: an operand not known before the line runs, or a file guard
// cannot read (scriptContent says when that is itself a finding).
func (r *resolver) fileCode(inv *Invocation, file Arg) (content, name string, ok bool) {
	if file.Known && fdPath(file.Value) != "" {
		// bash 3<<<'CODE' /dev/fd/3: a descriptor its own redirections open
		if t, found := r.redirText(inv, fdPath(file.Value)); found {
			r.hidden(inv, t)
			return t.value, file.Value, t.known
		}
	}
	if file.Known {
		content, ok = r.scriptContent(inv, file.Value)
		return content, file.Value, ok
	}
	if !strings.HasPrefix(file.Text, "<(") {
		return "", "", false
	}
	t, ok := r.substOutput(file.Text[2:len(file.Text)-1], inv)
	if ok {
		r.hidden(inv, t)
	}
	if !ok || !t.known {
		return "", "", false
	}
	return t.value, file.Text, true
}

// scriptContent reads the file a command runs, relative to its working
// directory. ok is false when there is nothing to judge; a file hidden
// for a reason worth asking about sets inv.Code.Hidden: written on the
// line by something guard cannot compute (inside a script, only by a
// download), or too large to read when it runs as another user.
func (r *resolver) scriptContent(inv *Invocation, value string) (string, bool) {
	if inv.Remote != "" {
		return "", false // a file on another machine, or in a container
	}
	p := inv.Path(value)
	if p == "" {
		return "", false
	}
	content, state, by := r.readFile(p)
	if state != fileRead {
		// Too large to read, or past the line's budget: a finding only when
		// it runs as another user (sudo), where what it does is not yours
		// to undo. Written by a download on this line: always.
		inFile := r.reach != nil && r.reach.inFile > 0
		if reason := unreadReason(value, state, by); reason != "" && (state == fileUnread && (!inFile || downloaders[by]) || state == fileLater || state == fileHistory || state != fileUnread && inv.User != "") {
			inv.note().Hidden = reason
		}
		return "", false
	}
	if isBinary(content) {
		if !shellText(content) {
			return "", false
		}
		// bash runs it, skipping the NUL bytes after its first line
		content = strings.ReplaceAll(content, "\x00", "")
	}
	return content, true
}

// shellText: bash refuses a file as a binary only when it starts as a
// compiled program or has a NUL byte in its first line (of its first 80
// bytes); a NUL further on is skipped, and the rest runs.
func shellText(content string) bool {
	head := content[:min(len(content), 80)]
	if nl := strings.IndexByte(head, '\n'); nl >= 0 {
		head = head[:nl]
	}
	return !strings.HasPrefix(content, "\x7fELF") && !strings.Contains(head, "\x00")
}

// nulSeparated tells text whose items end in NUL bytes (find -print0 >
// list, printf '%s\0') from a binary: no other control character but
// blanks. Such a file is read, for the readers that split it at NUL
// (xargs -0, parallel -0, read with an empty delimiter); as a script,
// shellText says whether bash runs it.
func nulSeparated(data []byte) bool {
	if strings.HasPrefix(string(data), "\x7fELF") {
		return false
	}
	for _, c := range data {
		if c < ' ' && c != 0 && c != '\n' && c != '\t' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}

// isBinary tells a compiled program from a script: guard judges scripts.
func isBinary(content string) bool {
	head := content[:min(len(content), 1024)]
	return strings.HasPrefix(head, "\x7fELF") || strings.ContainsRune(head, 0)
}

// bindPositional sets $0, $1… for code run with arguments. Run without
// any, "$1" is unknown and may be empty, so that rm -rf "$1/" asks (if
// empty, it is rm -rf /), while a script that checks $# first is not
// refused for a branch it does not take; ${1:-/var/lib} is /var/lib,
// whatever the script checks.
func bindPositional(sc *scope, zero Arg, args []Arg) {
	if len(args) == 0 {
		sc.params = &positional{zero: zero, none: true}
		return
	}
	sc.params = &positional{zero: zero, list: append([]Arg(nil), args...)}
}

// runProgramFile judges a command that is itself a script: ./cleanup.sh,
// /opt/app/bin/deploy, a name ending in .sh found on PATH, or any name
// found on PATH outside the distribution's folders (~/bin/tidy). Its first
// line says what runs it (#!/bin/bash, #!/usr/bin/env python3); without
// one, the shell does.
func (r *resolver) runProgramFile(inv *Invocation, sc *scope) {
	cmd := inv.Command.Value
	if inv.Remote != "" || cmd == "" {
		return
	}
	path, installed := cmd, installedPath(cmd)
	if !strings.Contains(cmd, "/") {
		if found, ok := r.lookLinePath(inv, sc, cmd); ok {
			path = found
		} else if path = r.lookPath(cmd); path == "" {
			return
		} else if distroDir(filepath.Dir(path)) && !strings.HasSuffix(cmd, ".sh") && !strings.HasSuffix(cmd, ".bash") {
			return // the system's own programs are known by their names
		} else {
			installed = true // found on the host's PATH
		}
	}
	if st := r.reached(); installed && st.later > 0 {
		// code kept to run later reads its files then (walkLater), but a
		// program installed on the host (on its PATH, under /usr or /opt)
		// is judged as it is now, as the system's programs are: complete
		// -C aws_completer aws
		later := st.later
		st.later = 0
		defer func() { st.later = later }()
	}
	content, ok := r.scriptContent(inv, path)
	if !ok {
		return
	}
	runner := []Arg{{Text: "sh", Value: "sh", Known: true}}
	if line, found := strings.CutPrefix(content, "#!"); found {
		line, _, _ = strings.Cut(line, "\n")
		if runner = shebang(line); len(runner) == 0 {
			return
		}
	}
	file := Arg{Text: inv.Command.Text, Value: path, Known: true}
	argv := append(append(runner, file), inv.Args...)
	interp := filepath.Base(runner[0].Value)
	r.runInner(inv, argv, sc, cmd, func(inner *Invocation, isc *scope) {
		if !isShell(interp) && wrapperFor(interp) == nil {
			isc.depth++ // a script run by a script file: a chain of them must end
		}
	})
}

// installedPath: a path under the folders programs are installed in,
// which no line of the operator's rewrites in passing.
func installedPath(p string) bool {
	for _, dir := range []string{"/usr/", "/bin/", "/sbin/", "/opt/", "/snap/"} {
		if strings.HasPrefix(p, dir) {
			return true
		}
	}
	return false
}

// lookLinePath finds a command on a PATH the line itself set (PATH=DIR:$PATH
// ls, export PATH=…): the first folder of it that has the name, when that
// is not a folder of the distribution's own programs. A script written
// on the line counts. ok is false when PATH is as the host has it, or the
// name is the system's program.
func (r *resolver) lookLinePath(inv *Invocation, sc *scope, name string) (string, bool) {
	v, set := sc.get("PATH")
	host, _ := r.host.Getenv("PATH")
	if !set || !v.known || v.value == host {
		return "", false
	}
	dirs := strings.Split(v.value, ":")
	for _, dir := range dirs[:min(len(dirs), 32)] {
		if dir == "" {
			dir = "." // an empty entry is the working folder
		}
		p := inv.Path(filepath.Join(dir, name))
		if p == "" {
			continue
		}
		if distroDir(filepath.Dir(p)) {
			if _, err := r.host.Lstat(p); err == nil {
				return "", false // the system's own program comes first
			}
			continue
		}
		if _, state, _ := r.readFile(p); state != fileMissing {
			return p, true
		}
	}
	return "", false
}

// distroDir: a folder of the distribution's own programs, where a name
// found on PATH is the program guard knows by that name. Elsewhere on
// PATH (~/bin, /usr/local/bin, /opt/…/bin) a command may be a script of
// the operator's, read like ./script.
func distroDir(dir string) bool {
	switch dir {
	case "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/games", "/snap/bin":
		return true
	}
	return false
}

// shebang reads the interpreter line of a script: "/bin/bash -e" runs
// bash -e FILE; "/usr/bin/env -S python3 -u" runs python3 -u FILE.
func shebang(line string) []Arg {
	fields := strings.Fields(strings.TrimSpace(line))
	if len(fields) == 0 {
		return nil
	}
	if filepath.Base(fields[0]) == "env" {
		fields = fields[1:]
		for len(fields) > 0 && strings.HasPrefix(fields[0], "-") {
			fields = fields[1:] // env -S, -i
		}
		for len(fields) > 0 && strings.Contains(fields[0], "=") {
			fields = fields[1:]
		}
	} else if len(fields) > 2 {
		// the kernel passes everything after the interpreter as one word
		fields = []string{fields[0], strings.Join(fields[1:], " ")}
	}
	out := make([]Arg, len(fields))
	for i, f := range fields {
		out[i] = Arg{Text: f, Value: f, Known: true}
	}
	return out
}

// lookPath finds a script name on this host's PATH, bounded. A line names
// the same programs again and again: each is looked up once.
func (r *resolver) lookPath(name string) string {
	if p, seen := r.pathCache[name]; seen {
		return p
	}
	p := r.lookPathOnHost(name)
	if len(r.pathCache) < maxPathCache {
		r.pathCache[name] = p
	}
	return p
}

// maxPathCache bounds the names lookPath remembers: a line of generated
// program names must not grow it without end.
const maxPathCache = 4096

func (r *resolver) lookPathOnHost(name string) string {
	path, ok := r.host.Getenv("PATH")
	if !ok {
		return ""
	}
	dirs := strings.Split(path, ":")
	for _, dir := range dirs[:min(len(dirs), 32)] {
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if info, err := r.host.Lstat(p); err == nil && !info.IsDir() {
			return p
		}
	}
	return ""
}

// wrapSource judges source FILE and . FILE: the file's code runs in this
// shell, so what it sets (variables, the working directory) stays set for
// the rest of the line.
func wrapSource(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	if len(args) > 0 && args[0].Known && args[0].Value == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return
	}
	// The file's code is followed in this shell only when it is read and
	// run without arguments; otherwise what it assigns is not seen.
	envOnly := sc.envOnly
	sc.envOnly = false
	file := args[0]
	var content, name string
	if file.Known && isStdinPath(file.Value) && file.Value != "-" {
		// source /dev/stdin <<< '…': the code is what it reads
		t := r.stdinOf(outer, 0)
		r.hidden(outer, t)
		readsTerminal(outer, t)
		if !t.known {
			return
		}
		content, name = t.value, file.Value
	} else {
		if r.fifoScript(outer, file, sc, outer.Program+" "+file.Value) {
			return
		}
		var ok bool
		if content, name, ok = r.fileCode(outer, file); !ok {
			return
		}
	}
	if len(args) > 1 {
		// With arguments, $1… are the file's own while it runs.
		zero := sc.varArg("0")
		r.runCodeWith(outer, content, sc, outer.Program+" "+name, codeOpts{file: name, prepare: func(nsc *scope) {
			bindPositional(nsc, zero, args[1:])
		}})
		return
	}
	sc.envOnly = envOnly
	src, via, depth := sc.src, sc.via, sc.depth
	sc.via = append(append([]string(nil), sc.via...), outer.Program+" "+name)
	sc.depth++
	r.walkFileCode(content, sc, stmtCtx{}, name, outer.Text, false)
	sc.src, sc.via, sc.depth = src, via, depth
}

// varArg is a variable's value as an argument.
func (sc *scope) varArg(name string) Arg {
	v, known := sc.lookup(name)
	return Arg{Text: "$" + name, Value: v, Known: known}
}
