package guard

import (
	"encoding/base64"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard/lazyre"
)

// An interpreter's code is read for what it asks of the system: shell
// command lines it hands to a shell (os.system("…"), `…`), programs it
// runs with their arguments (subprocess.run(["rm", "-rf", "/usr"])), and
// files it removes or overwrites by name (shutil.rmtree("/srv"),
// open("/etc/passwd", "w")). Each becomes the command it amounts to (a
// shell line, rm -f, rm -rf, mv, cp, > FILE) and is judged like one. Only
// string literals are read: a path held in a variable is not guessed at.

// language describes how an interpreter takes its code.
type language struct {
	name      string
	code      string   // short options whose value is code: "c", "e"
	longCode  []string // long options whose value is code
	values    string   // other short options that take a value
	longValue []string
	noCode    []string // options that run no code of the caller's: -m module, --version
	backticks bool     // `…` runs a shell
	// bound are what names of this piece of code are known to hold
	// (codevalues.go), nil for none.
	bound map[string]codeValue
}

var languages = map[string]language{
	"python": {name: "python", code: "c", values: "mWXQ", noCode: []string{"m", "V", "version", "h", "help"}},
	"perl":   {name: "perl", code: "eE", values: "IMmx", noCode: []string{"v", "V", "h", "c"}, backticks: true},
	"ruby":   {name: "ruby", code: "e", values: "IrCEFWx", noCode: []string{"v", "version", "h", "help", "c"}, backticks: true},
	"node": {name: "node", code: "ep", longCode: []string{"eval", "print"}, values: "rC",
		longValue: []string{"require", "import", "loader", "input-type", "env-file", "conditions", "experimental-loader"}, noCode: []string{"v", "version", "h", "help", "c", "check", "i", "interactive"}},
	"php": {name: "php", code: "rBRE", values: "dczf", noCode: []string{"v", "h", "i", "m", "l", "a", "s"}, backticks: true},
	"lua": {name: "lua", code: "e", values: "l", noCode: []string{"v", "i"}},
	// R's system(), system2(), unlink(…, recursive = TRUE), file.remove()
	"Rscript": {name: "R", code: "e", noCode: []string{"version", "help"}},
	// julia's run(`…`) and rm(path; recursive = true)
	"julia": {name: "julia", code: "eE", values: "pJCOtHL", noCode: []string{"v", "version", "h", "help"}, backticks: true},
}

// languageOf names the language a program runs: python3.12, pypy3,
// nodejs, luajit, perl5.36.
func languageOf(program string) (language, bool) {
	if program == "" || strings.IndexByte("plnrRjz", program[0]) < 0 {
		return language{}, false // most programs: not an interpreter
	}
	name := strings.TrimRight(program, "0123456789.")
	switch name {
	case "python", "pypy", "python-dbg":
		name = "python"
	case "nodejs", "zx":
		name = "node" // zx scripts are node's, with $`…` shell lines
	case "luajit":
		name = "lua"
	case "R":
		name = "Rscript"
	}
	l, ok := languages[name]
	return l, ok
}

// codeRunnerFor returns how to read the code of an interpreter, awk, sed,
// expect or vim, nil for other programs.
func codeRunnerFor(program string) wrapFunc {
	if _, ok := languageOf(program); ok {
		return wrapInterpreter
	}
	switch program {
	case "awk", "gawk", "mawk", "nawk", "busybox-awk":
		return wrapAwk
	case "sed", "gsed":
		return wrapSed
	case "expect":
		return wrapExpect
	case "vim", "vi", "nvim", "ex", "view", "gvim", "vimdiff", "rvim", "evim":
		return wrapVim
	case "make", "gmake":
		return wrapMake
	case "deno":
		return wrapDeno
	case "tclsh", "wish", "jimsh":
		return wrapTclsh
	}
	if c, ok := consoles[program]; ok {
		return c.wrap
	}
	return nil
}

// wrapInterpreter finds an interpreter's code: its -c/-e values, the
// script file it is given, or its standard input (python3 - <<EOF).
func wrapInterpreter(r *resolver, outer *Invocation, sc *scope) {
	if writesFiles(outer) {
		r.recordWrites(outer, sc)
	}
	lang, _ := languageOf(outer.Program)
	p := ParseOptions(outer.Args, OptSpec{ShortValue: lang.code + lang.values, LongValue: append(lang.longCode, lang.longValue...), StopAtOperand: true})
	via := outer.Program
	var codes []string
	for _, c := range p.Values(append(strings.Split(lang.code, ""), lang.longCode...)...) {
		if c.Known {
			codes = append(codes, c.Value)
		}
	}
	if len(codes) > 0 && lang.name == "perl" && perlEmptiesInPlace(p, strings.Join(codes, "\n")) {
		// perl -pi -e 's/.*//' FILE, perl -ni -e '' FILE: FILE is left empty
		for _, f := range append(p.Operands, p.Rest...) {
			if f.Known && !strings.HasPrefix(f.Value, "-") {
				r.emitWrite(codeSite{outer: outer, sc: sc, via: "perl -i"}, f.Value, false, "")
			}
		}
	}
	if len(codes) > 0 {
		args := append(p.Operands, p.Rest...)
		if lang.name == "python" {
			args = afterCode(outer.Args) // python -c CODE: every word after it is sys.argv's
		}
		if lang.name == "lua" {
			args = nil // lua -e CODE SCRIPT: the words after the code are a script's
		}
		site := codeSite{outer: outer, sc: sc, via: via + " -" + lang.code[:1], args: knownValues(args), fromLine: true}
		if t := r.stdinOf(outer, 0); t.known {
			site.stdin = &t.value
		}
		r.readCode(site, lang, strings.Join(codes, "\n"))
		return
	}
	if m, ok := p.Value("m"); ok && lang.name == "python" && m.Known && outer.Cwd != "" && outer.Remote == "" {
		// python3 -m tidy runs ./tidy.py (or ./tidy/__main__.py) when the
		// folder it runs in has one
		mod := strings.ReplaceAll(m.Value, ".", "/")
		for _, f := range []string{mod + ".py", filepath.Join(mod, "__main__.py")} {
			path := filepath.Join(outer.Cwd, f)
			if content, state, _ := r.readFile(path); state == fileRead && !isBinary(content) {
				r.readCode(codeSite{outer: outer, sc: sc, via: via + " -m " + m.Value, file: path, args: knownValues(append(p.Operands, p.Rest...))}, lang, content)
				return
			}
		}
	}
	if lang.name == "php" && p.Has("a") {
		// php -a: an interactive shell that runs the lines it reads
		if t := r.stdinOf(outer, 0); t.known {
			r.readCode(codeSite{outer: outer, sc: sc, via: via + " -a <stdin"}, lang, t.value)
		}
		return
	}
	if p.Has(lang.noCode...) {
		return
	}
	if f, ok := p.Value("f"); ok && lang.name == "php" {
		p.Operands = []Arg{f}
	}
	if len(p.Operands) > 0 && p.Operands[0].Value != "-" {
		script := p.Operands[0]
		if fd := fdPath(script.Value); script.Known && fd != "" {
			// python3 /dev/fd/3 3<<<CODE: what the redirection holds
			if t, found := r.redirText(outer, fd); found {
				r.hidden(outer, t)
				if t.known {
					r.readCode(codeSite{outer: outer, sc: sc, via: via + " " + script.Value}, lang, t.value)
				}
				return
			}
		}
		if !script.Known {
			if strings.HasPrefix(script.Text, "<(") {
				// python3 <(echo …): the script is what the substitution prints
				if t := r.fileText(outer, script); t.known {
					r.readCode(codeSite{outer: outer, sc: sc, via: via + " " + script.Text}, lang, t.value)
				}
			}
			return
		}
		if content, ok := r.scriptContent(outer, script.Value); ok {
			args := append(p.Operands[1:], p.Rest...)
			r.readCode(codeSite{outer: outer, sc: sc, via: via + " " + script.Value, file: script.Value, args: knownValues(args)}, lang, content)
		}
		return
	}
	t := r.stdinOf(outer, 0)
	if t.known {
		r.readCode(codeSite{outer: outer, sc: sc, via: via + " <stdin"}, lang, t.value)
	}
	r.hidden(outer, t)
}

// Bounds on reading an interpreter's code.
const (
	maxCodeBytes   = 1 << 20
	maxCodeMatches = 64
	maxCodeDepth   = 3 // exec("…") inside exec("…")
)

// Calls that run a shell command line (a string) or a program with its
// arguments (a list, or several strings), by name.
var runNames = nameSet(
	"os.system", "os.popen", "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
	"subprocess.Popen", "subprocess.getoutput", "subprocess.getstatusoutput", "commands.getoutput", "pty.spawn",
	"os.execl", "os.execlp", "os.execle", "os.execlpe", "os.execv", "os.execvp", "os.execve", "os.execvpe",
	"os.spawnl", "os.spawnlp", "os.spawnv", "os.spawnvp", "os.spawnle", "os.spawnve", "os.posix_spawn", "os.posix_spawnp",
	"create_subprocess_shell", "create_subprocess_exec", "system2", "shell_exec", "passthru", "proc_open", "pcntl_exec",
	"execSync", "execFileSync", "execFile", "spawnSync", "IO.popen", "Open3.capture2", "Open3.capture2e", "Open3.capture3",
	"Open3.popen2", "Open3.popen2e", "Open3.popen3", "Open3.pipeline", "os.execute", "io.popen", "Kernel.system",
	"Kernel.exec", "system", "exec", "eval", "popen", "spawn")

// Calls that remove a file or a tree, or move, copy or write one.
var fileNames = nameSet(
	"shutil.rmtree", "shutil.move", "shutil.copy", "shutil.copyfile", "shutil.copy2",
	"os.remove", "os.unlink", "os.rename", "os.replace", "os.truncate", "os.removedirs",
	"FileUtils.rm_rf", "FileUtils.rm_r", "FileUtils.rm_f", "FileUtils.rmtree", "FileUtils.rm", "FileUtils.remove_dir",
	"FileUtils.remove_entry_secure", "FileUtils.remove_entry", "FileUtils.remove", "FileUtils.mv", "FileUtils.move",
	"FileUtils.cp", "FileUtils.copy", "File.delete", "File.unlink", "File.rename", "File.write", "File.truncate", "File.open",
	"IO.write", "fs.rmSync", "fs.rm", "fs.rmdirSync", "fs.rmdir", "fs.unlinkSync", "fs.unlink", "fs.renameSync", "fs.rename",
	"fs.writeFileSync", "fs.writeFile", "fs.appendFileSync", "fs.appendFile", "fs.truncateSync", "fs.truncate",
	"fs.copyFileSync", "fs.copyFile", "fs.createWriteStream", "fs.removeSync", "fs.remove", "fs.promises.rm",
	"fs.promises.rmdir", "fs.promises.unlink", "fs.promises.rename", "fs.promises.writeFile", "fs.promises.appendFile",
	"fs.promises.truncate", "fs.promises.copyFile", "fse.removeSync", "fse.remove", "rimraf", "rimraf.sync", "rmtree",
	"remove_tree", "rmSync", "rmdirSync", "unlinkSync", "writeFileSync", "truncateSync", "removeSync", "unlink", "rename",
	"truncate", "file_put_contents", "fopen", "io.open", "open", "Path", "Deno.removeSync", "Deno.remove", "file.remove", "rm",
	"Deno.writeTextFileSync")

var qxQuote = lazyre.New(`(?:\bqx|%x)\s*([{(\[<|!/])`)

func nameSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// knownCall finds which of a set of call names a dotted identifier ends
// with (x.fs.rmSync is fs.rmSync; foo.system is system).
func knownCall(ident string, names map[string]bool) (string, bool) {
	if names[ident] {
		return ident, true
	}
	parts := strings.Split(ident, ".")
	for k := 3; k >= 1; k-- {
		if len(parts) > k {
			if tail := strings.Join(parts[len(parts)-k:], "."); names[tail] {
				return tail, true
			}
		}
	}
	return "", false
}

// codeCall is a named call found in code.
type codeCall struct {
	name       string // as in runNames or fileNames
	start, end int    // the identifier's bytes
	method     bool   // called on something: x.open()
}

// scanCalls finds the calls of code whose names are in names, in one pass
// over its identifiers, at most limit of them.
func scanCalls(code string, names map[string]bool, limit int) []codeCall {
	var calls []codeCall
	for i := 0; i < len(code) && len(calls) < limit; i++ {
		c := code[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') || i > 0 && isIdentByte(code[i-1]) {
			continue
		}
		j := i
		for j < len(code) && (isIdentByte(code[j]) || code[j] == '.') {
			j++
		}
		ident := strings.TrimRight(code[i:j], ".")
		if name, ok := knownCall(ident, names); ok {
			calls = append(calls, codeCall{name: name, start: i, end: i + len(ident), method: i > 0 && code[i-1] == '.'})
		}
		i = j - 1
	}
	return calls
}

// codeSite is where code of another language runs: the command that runs
// it, its scope, how to name it in Via, and the file the code comes from
// ("" for code on the line, -c or -e).
type codeSite struct {
	outer *Invocation
	sc    *scope
	via   string
	file  string
	// args are the words the line gives the code after it, as far as
	// they are known; fromLine: the code is written on the line (-c, -e).
	args     []string
	fromLine bool
	// stdin is what the code reads on its standard input, when known
	// (echo … | python3 -c '…sys.stdin.read()…').
	stdin *string
}

// afterCode is the words after python's -c CODE (-cCODE, -Ic CODE).
func afterCode(args []Arg) []Arg {
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		if v == "--" || !strings.HasPrefix(v, "-") {
			return nil
		}
		if v == "-W" || v == "-X" {
			i++ // -W ignore, -X dev: an option's value
			continue
		}
		if j := strings.IndexByte(v, 'c'); j > 0 && !strings.HasPrefix(v, "--") {
			if j == len(v)-1 {
				return args[min(i+2, len(args)):]
			}
			return args[i+1:]
		}
	}
	return nil
}

// knownValues are the values of args up to the first one guard does not
// know.
func knownValues(args []Arg) []string {
	var out []string
	for _, a := range args {
		if !a.Known {
			break
		}
		out = append(out, a.Value)
	}
	return out
}

// text is the command text of something the code does, for findings: the
// line itself for code written on it, else the file and the call.
func (s codeSite) text(call string) string {
	if s.file == "" {
		return s.outer.Text
	}
	return s.file + ": " + shorten(call)
}

// readCode reads interpreter code for the commands it amounts to and
// judges each.
func (r *resolver) readCode(site codeSite, lang language, code string) {
	r.readCodeDepth(site, lang, code, 0)
}

func (r *resolver) readCodeDepth(site codeSite, lang language, code string, depth int) {
	if len(code) > maxCodeBytes || depth > maxCodeDepth {
		return
	}
	code = stripComments(code, lang)
	if lang.name == "python" {
		code = pythonAliases(code)
	}
	if depth == 0 && startsShell(code, lang) && !onTerminal.MatchString(code) {
		// the shells it starts read what it writes into them, not the
		// terminal (rules read the mark: unguarded-shell)
		site.via += PipedVia
	}
	if depth == 0 && lang.bound == nil {
		lang.bound = codeValues(code, lang, site.args, site.fromLine)
		if site.stdin != nil {
			lang.bound = bindStdin(lang, lang.bound, *site.stdin)
		}
		lang.bound = bindEnv(code, lang.bound, site.sc)
		code = numberShifts(code, lang)
	}
	for _, c := range scanCalls(code, runNames, maxCodeMatches) {
		name := c.name
		args, end := callArgs(code, c.end, lang)
		if name == "eval" && lang.name != "python" {
			continue // eval of the language's own code, which is not read here
		}
		if (name == "exec" || name == "eval") && lang.name == "python" {
			// Python's exec runs Python code.
			switch decoded, ok := base64Literal(args); {
			case len(args) > 0 && args[0].literal():
				r.readCodeDepth(site, lang, args[0].text(), depth+1)
			case ok:
				r.readCodeDepth(site, lang, decoded, depth+1) // exec(base64.b64decode("…"))
			case len(args) > 0 && site.file == "" && (r.reach == nil || r.reach.inFile == 0) && !loadsFile(args[0].raw):
				// exec(input()), exec(zlib.decompress(…)): code computed
				// when it runs, typed on the line to be hidden from it
				site.outer.note().Hidden = "it is " + shorten(args[0].raw) + ", Python code the code computes when it runs"
			}
			continue
		}
		if name == "open" || name == "popen" && lang.name == "perl" {
			continue
		}
		r.runCallArgs(site, name, perlJoin(args, lang), code[c.start:end])
	}
	if lang.name == "node" {
		// zx's and Bun's $`cmd`: a shell line, ${…} what guard cannot know
		for i := strings.Index(code, "$`"); i >= 0 && i+2 < len(code); {
			end := strings.IndexByte(code[i+2:], '`')
			if end < 0 {
				break
			}
			r.runPieces(site, interpolate(code[i+2:i+2+end], lang, true))
			next := strings.Index(code[i+3+end:], "$`")
			if next < 0 {
				break
			}
			i += 3 + end + next
		}
	}
	if lang.backticks {
		for _, m := range quoted(code, '`', lang, maxCodeMatches) {
			r.runPieces(site, m)
		}
		for _, loc := range qxQuote.FindAllStringSubmatchIndex(code, maxCodeMatches) {
			open := code[loc[2]]
			end := matchingClose(code[:min(len(code), loc[3]+maxCallBytes)], loc[3], open)
			if end < 0 {
				continue
			}
			r.runPieces(site, interpolate(code[loc[3]:end], lang, true))
		}
	}
	r.fileCalls(site, lang, code)
	if startsShell(code, lang) {
		r.shellInput(site, lang, code)
	}
	r.loadedFiles(site, lang, code, depth)
}

// PipedVia ends the Via entry of code in another language that starts a
// shell reading what the code writes into it (perl's open(my $sh, "|-",
// "sh")): that shell does not read the terminal.
const PipedVia = " (writes into a shell)"

// onTerminal: a shell the code starts on the terminal, not on a pipe:
// python's pty.spawn, node's stdio: "inherit".
var onTerminal = lazyre.New(`\bpty\.spawn\s*\(|\bstdio\s*:\s*["']inherit`)

// Calls that write to a stream, and the keyword that hands a program its
// standard input (subprocess.run(["sh"], input=…), execSync("sh",
// {input: …})).
var (
	writeNames = nameSet("print", "printf", "say", "puts", "write", "syswrite", "communicate", "fwrite", "fputs", "stdin.write", "stdin.end")
	inputArg   = lazyre.New(`\binput\s*[=:]\s*[bru]*["'\x60]`)
	// a shell started with no command of its own: it reads its code on
	// standard input ("sh", ["bash"], "| sh", "bash -s")
	shellOpened = lazyre.New(`(?:\b(?:popen|Popen|spawn|spawnSync|execSync|run|open|IO\.popen|open3|proc_open)\s*\(\s*(?:[^,()]*,\s*)?|\|-?["']\s*,\s*)\[?\s*["'](?:\|\s*)?(?:/(?:usr/)?bin/)?(?:sh|bash|dash|zsh|ksh)(?:\s+-s)?["']`)
)

// startsShell tells code that starts a shell reading its standard input.
func startsShell(code string, lang language) bool {
	if !strings.Contains(code, "sh") {
		return false
	}
	return shellOpened.MatchString(code)
}

// shellInput judges what code writes into a shell it started as the
// shell's code: perl's open(my $sh, "|-", "sh"); print $sh "…", python's
// subprocess.run(["sh"], input=b"…"), ruby's IO.popen("sh", "w") { |f|
// f.puts "…" }, php's fwrite($p, "…").
func (r *resolver) shellInput(site codeSite, lang language, code string) {
	judge := func(ps []piece) {
		for len(ps) > 0 && !ps[0].known {
			ps = ps[1:] // a file handle: print $sh "…"
		}
		if len(ps) > 0 {
			r.runPieces(site, ps)
		}
	}
	for _, c := range scanCalls(code, writeNames, maxCodeMatches) {
		args, _ := callArgs(code, c.end, lang)
		for _, a := range args {
			if a.isString() {
				judge(a.pieces)
			}
		}
	}
	for _, loc := range inputArg.FindAllStringIndex(code, maxCodeMatches) {
		if ps, end := readString(code, loc[1]-1, lang); end > 0 {
			judge(ps)
		}
	}
}

var (
	pyImportAs   = lazyre.New(`\bimport\s+(os|subprocess|shutil|pathlib)\s+as\s+(\w+)`)
	pyFromImport = lazyre.New(`\bfrom\s+(os|subprocess|shutil|pathlib)\s+import\s+([\w, ]+)`)
	pyGetattr    = lazyre.New(`\bgetattr\(\s*(os|subprocess|shutil)\s*,\s*["'](\w+)["']\s*\)`)
)

// pythonAliases spells the calls of os, subprocess, shutil and pathlib
// with their module names, whatever the code imported them as: import
// subprocess as sp; sp.run(…) and from shutil import rmtree; rmtree(…).
func pythonAliases(code string) string {
	for _, m := range pyImportAs.FindAllStringSubmatch(code, 8) {
		if m[2] != m[1] {
			code = regexp.MustCompile(`\b`+regexp.QuoteMeta(m[2])+`\.`).ReplaceAllString(code, m[1]+".")
		}
	}
	for _, m := range pyFromImport.FindAllStringSubmatch(code, 8) {
		for _, name := range strings.Split(m[2], ",") {
			name, alias, _ := strings.Cut(strings.TrimSpace(name), " as ")
			name, alias = strings.TrimSpace(name), strings.TrimSpace(alias)
			if alias == "" {
				alias = name
			}
			if name == "" || name == "Path" || !isIdentWord(alias) {
				continue
			}
			code = regexp.MustCompile(`(^|[^.\w])`+regexp.QuoteMeta(alias)+`\s*\(`).ReplaceAllString(code, "${1}"+m[1]+"."+name+"(")
		}
	}
	// getattr(os, "system")(…) is os.system(…)
	return pyGetattr.Compiled().ReplaceAllString(code, "$1.$2")
}

// piece is a part of a string built in the code: a literal part, or an
// expression guard cannot know.
type piece struct {
	text  string
	known bool
}

// pieceBuilder builds a string that is partly known: literal text runs
// together into one known piece, and a part whose value the line does
// not show (a variable, an expression, a match) is a piece of its own.
type pieceBuilder struct {
	pieces []piece
	text   strings.Builder // literal text not yet made a piece
}

func (p *pieceBuilder) flush() {
	if p.text.Len() > 0 {
		p.pieces = append(p.pieces, piece{text: p.text.String(), known: true})
		p.text.Reset()
	}
}

// unknown adds a part whose value is not known; text says what it is.
func (p *pieceBuilder) unknown(text string) {
	p.flush()
	p.pieces = append(p.pieces, piece{text: text})
}

// done returns the pieces, the pending literal text included.
func (p *pieceBuilder) done() []piece {
	p.flush()
	return p.pieces
}

// callArg is one argument of a call, as far as it can be read.
type callArg struct {
	pieces []piece   // a string, or a concatenation of strings and expressions
	list   [][]piece // a list of strings: ["rm", "-rf", path]
	raw    string    // the argument as written
}

// isString reports whether the argument is built from at least one
// string literal.
func (a callArg) isString() bool {
	for _, p := range a.pieces {
		if p.known {
			return true
		}
	}
	return false
}

// literal reports whether the argument is a string known in full.
func (a callArg) literal() bool {
	for _, p := range a.pieces {
		if !p.known {
			return false
		}
	}
	return len(a.pieces) > 0
}

func (a callArg) text() string { return piecesText(a.pieces) }

func piecesText(ps []piece) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.text)
	}
	return b.String()
}

// runCallArgs judges a call that runs a command, by the shape of its
// arguments.
func (r *resolver) runCallArgs(site codeSite, name string, args []callArg, call string) {
	if len(args) == 0 {
		return
	}
	skipArgv0 := strings.HasPrefix(name, "os.exec") || strings.HasPrefix(name, "os.spawn") || name == "os.posix_spawn" || name == "os.posix_spawnp"
	if strings.HasPrefix(name, "os.spawn") && len(args) > 1 {
		args = args[1:] // os.spawnv(mode, path, args)
	}
	first := args[0]
	switch {
	case first.list != nil:
		r.runArgv(site, first.list, call)
	case first.isString() && len(args) > 1 && args[1].list != nil && name != "proc_open" && !strings.Contains(name, "popen"):
		list := args[1].list
		if skipArgv0 && len(list) > 0 {
			list = list[1:]
		}
		r.runArgv(site, append([][]piece{first.pieces}, list...), call)
	case first.isString() && len(args) > 1 && args[1].isString() && !strings.Contains(name, "popen") && name != "proc_open":
		// system("rm", "-rf", "/usr"), os.execlp("rm", "rm", "-rf", "/")
		var argv [][]piece
		for i, a := range args {
			if !a.isString() {
				break
			}
			if skipArgv0 && i == 1 {
				continue
			}
			argv = append(argv, a.pieces)
		}
		r.runArgv(site, argv, call)
	case first.isString():
		r.runPieces(site, first.pieces)
	case len(first.pieces) > 0 && first.list == nil && name != "exec" && name != "spawn" && name != "popen" && !strings.HasPrefix(first.raw, "function") && !strings.Contains(first.raw, "=>"):
		r.runPieces(site, []piece{{text: first.raw}}) // a command line or program guard cannot know
	}
}

// runPieces judges a shell command line built from pieces: the unknown
// ones stand as variables guard does not know.
func (r *resolver) runPieces(site codeSite, ps []piece) {
	if !(callArg{pieces: ps}).isString() {
		// os.system(cmd) with cmd computed when the code runs: a command
		// line guard cannot see. Asked about on the line itself; in a
		// script, it is the script's own logic.
		if len(ps) > 0 && site.file == "" && (r.reach == nil || r.reach.inFile == 0) {
			site.outer.note().Hidden = "it is " + shorten(piecesText(ps)) + ", which the code computes when it runs"
		}
		return
	}
	var b strings.Builder
	var unknown []string
	for _, p := range ps {
		if p.known {
			b.WriteString(p.text)
			continue
		}
		name := unknownName(p.text)
		unknown = append(unknown, name)
		b.WriteString("${" + name + "}")
	}
	r.runCodeWith(site.outer, b.String(), site.sc, site.via, codeOpts{
		adjust:  func(inner *Invocation, isc *scope) { inner.Stdin = nil },
		unknown: unknown,
		file:    site.file,
		snippet: true,
	})
}

// unknownName makes a shell variable name for an expression of another
// language, for messages: {path} is $path, $ARGV[0] is $ARGV_0.
func unknownName(expr string) string {
	var b strings.Builder
	for _, c := range expr {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c >= '0' && c <= '9' && b.Len() > 0:
			b.WriteRune(c)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
		if b.Len() >= 24 {
			break
		}
	}
	name := strings.Trim(b.String(), "_")
	if name == "" {
		return "value"
	}
	return name
}

// runArgv judges a program run with arguments, without a shell.
func (r *resolver) runArgv(site codeSite, list [][]piece, call string) {
	argv := make([]Arg, 0, len(list))
	for _, ps := range list {
		argv = append(argv, piecesArg(ps))
	}
	if len(argv) == 0 || !argv[0].Known {
		return
	}
	r.runInner(site.outer, argv, site.sc, site.via, func(inner *Invocation, isc *scope) {
		inner.Stdin, inner.Text = nil, site.text(call)
	})
}

func piecesArg(ps []piece) Arg {
	a := Arg{Text: piecesText(ps), Known: true}
	for _, p := range ps {
		if p.known {
			a.Value += p.text
			continue
		}
		a.unknown(p.text, true)
	}
	return a
}

// fileCalls judges calls that remove, move, copy or write files named by
// string literals.
func (r *resolver) fileCalls(site codeSite, lang language, code string) {
	for _, c := range scanCalls(code, fileNames, maxCodeMatches) {
		name := c.name
		if c.method && genericFileCalls[name] {
			continue // obj.open(), x.unlink(): a method of something guard cannot know
		}
		args, end := callArgs(code, c.end, lang)
		call := code[c.start:end]
		switch {
		case name == "Path":
			r.pathlibCall(site, args, code[end:], call)
		case name == "open" || name == "fopen" || name == "io.open" || name == "File.open":
			r.openCall(site, lang, args, call)
		default:
			r.fileAPICall(site, lang, name, args, code[c.end:end], call)
		}
	}
	// php's array_map("unlink", glob("/x/*"))
	for _, c := range scanCalls(code, arrayMap, maxCodeMatches) {
		args, end := callArgs(code, c.end, lang)
		if len(args) == 2 && args[0].literal() && fileNames[args[0].text()] {
			r.fileAPICall(site, lang, args[0].text(), args[1:], "", code[c.start:end])
		}
	}
}

var arrayMap = nameSet("array_map", "array_walk")

// genericFileCalls are names that, as a method of an object guard cannot
// know, may be anything: f.open(), sock.unlink().
var genericFileCalls = map[string]bool{"open": true, "unlink": true, "rename": true, "truncate": true, "fopen": true}

// pathlibCall: Path("/x").unlink(), .rmdir(), .write_text(…).
func (r *resolver) pathlibCall(site codeSite, args []callArg, after, call string) {
	if len(args) != 1 || !args[0].literal() {
		return
	}
	method := strings.TrimLeft(after, " ")
	if !strings.HasPrefix(method, ".") {
		return
	}
	method = strings.TrimPrefix(method, ".")
	path := args[0].text()
	switch {
	case strings.HasPrefix(method, "unlink"):
		r.runArgv(site, [][]piece{{{text: "rm", known: true}}, {{text: "-f", known: true}}, {{text: path, known: true}}}, call)
	case strings.HasPrefix(method, "write_text"), strings.HasPrefix(method, "write_bytes"):
		r.emitWrite(site, path, false, call)
	}
}

// openCall: open(path, "w") truncates path; "a" appends; reading is fine.
// Perl's open(FH, ">", path), open(FH, ">path") and open(FH, "cmd |")
// are read the same way.
func (r *resolver) openCall(site codeSite, lang language, args []callArg, call string) {
	if lang.name == "perl" {
		switch {
		case len(args) >= 3 && args[1].literal():
			mode := strings.TrimSpace(args[1].text())
			switch {
			case mode == "-|" || mode == "|-":
				var list [][]piece
				for _, a := range args[2:] {
					if a.isString() {
						list = append(list, a.pieces)
					}
				}
				if len(list) == 1 {
					r.runPieces(site, list[0])
				} else {
					r.runArgv(site, list, call)
				}
			case (mode == ">" || mode == ">>" || mode == "+>") && args[2].literal():
				r.emitWrite(site, args[2].text(), mode == ">>", call)
			}
		case len(args) == 2 && args[1].isString():
			spec := strings.TrimSpace(args[1].text())
			switch {
			case strings.HasPrefix(spec, "|") || strings.HasSuffix(spec, "|"):
				r.runPieces(site, trimPipe(args[1].pieces))
			case strings.HasPrefix(spec, ">>") && args[1].literal():
				r.emitWrite(site, strings.TrimSpace(spec[2:]), true, call)
			case strings.HasPrefix(spec, ">") || strings.HasPrefix(spec, "+>"):
				if args[1].literal() {
					r.emitWrite(site, strings.TrimSpace(strings.TrimLeft(spec, "+>")), false, call)
				}
			}
		}
		return
	}
	if len(args) == 0 || !args[0].literal() {
		return
	}
	mode := ""
	for i, a := range args[1:] {
		if i == 0 && a.literal() {
			mode = a.text()
		}
		if k, v, ok := strings.Cut(a.raw, "="); ok && strings.TrimSpace(k) == "mode" {
			mode = strings.Trim(strings.TrimSpace(v), `'"`)
		}
	}
	switch {
	case strings.Contains(mode, "w"):
		r.emitWrite(site, args[0].text(), false, call)
	case strings.Contains(mode, "a"):
		r.emitWrite(site, args[0].text(), true, call)
	}
}

func trimPipe(ps []piece) []piece {
	out := append([]piece(nil), ps...)
	if len(out) > 0 && out[0].known {
		out[0].text = strings.TrimLeft(out[0].text, " |")
	}
	if n := len(out); n > 0 && out[n-1].known {
		out[n-1].text = strings.TrimRight(out[n-1].text, " |")
	}
	return out
}

// fileAPICall turns a file API call on literal paths into the command it
// amounts to.
func (r *resolver) fileAPICall(site codeSite, lang language, name string, args []callArg, rawArgs, call string) {
	if len(args) > 0 {
		if pattern, ok := lang.globOf(args[0]); ok {
			r.removeMatches(site, name, pattern, rawArgs)
			return
		}
	}
	var paths []string
	for _, a := range args {
		switch {
		case a.literal():
			paths = append(paths, a.text())
		case a.list != nil:
			// unlink @ARGV, fs.rmSync(...list): each literal of the list
			for _, el := range a.list {
				if e := (callArg{pieces: el}); e.literal() {
					paths = append(paths, e.text())
				}
			}
		}
		if !a.literal() && (a.isString() || a.list == nil) {
			break
		}
	}
	if len(paths) == 0 {
		return
	}
	lit := func(s string) []piece { return []piece{{text: s, known: true}} }
	cmd := func(words ...string) {
		argv := make([][]piece, len(words))
		for i, w := range words {
			argv[i] = lit(w)
		}
		r.runArgv(site, argv, call)
	}
	base := name[strings.LastIndex(name, ".")+1:]
	recursive := strings.Contains(rawArgs, "recursive") && !strings.Contains(rawArgs, "recursive: false") && !strings.Contains(rawArgs, "recursive:false")
	trees := strings.HasPrefix(name, "fs") && base == "remove" || strings.HasPrefix(name, "fse.") // fs-extra removes trees
	switch {
	case strings.HasPrefix(name, "Deno.remove"), base == "rmSync", base == "rm" && !strings.HasPrefix(name, "FileUtils"):
		if recursive {
			cmd(append([]string{"rm", "-rf"}, paths...)...)
		} else {
			cmd(append([]string{"rm", "-f"}, paths...)...)
		}
	case base == "rmdirSync" || base == "rmdir":
		if recursive {
			cmd(append([]string{"rm", "-rf"}, paths...)...)
		}
	case trees && (base == "remove" || base == "removeSync"), base == "rmtree", base == "rm_rf", base == "rm_r", base == "remove_dir",
		base == "remove_entry_secure", base == "remove_entry", base == "remove_tree", base == "removeSync", base == "rimraf", base == "sync", base == "removedirs":
		cmd(append([]string{"rm", "-rf"}, paths...)...)
	case (base == "unlink" || base == "rm") && recursive: // R's unlink(…, recursive = TRUE), julia's rm(…; recursive=true)
		cmd(append([]string{"rm", "-rf"}, paths...)...)
	case base == "remove", base == "unlink", base == "unlinkSync", base == "delete", base == "rm_f", base == "rm":
		cmd(append([]string{"rm", "-f"}, paths...)...)
	case base == "rename" || base == "renameSync" || base == "move" || base == "mv" || base == "replace":
		if len(paths) >= 2 {
			cmd("mv", paths[0], paths[1])
		}
	case base == "copy" || base == "copyfile" || base == "copy2" || base == "cp" || base == "copyFileSync" || base == "copyFile":
		if len(paths) >= 2 {
			cmd("cp", paths[0], paths[1])
		}
	case base == "appendFileSync" || base == "appendFile":
		r.emitWrite(site, paths[0], true, call)
	case base == "truncate" || base == "truncateSync" || base == "write" || base == "writeFileSync" || base == "writeFile" ||
		base == "file_put_contents" || base == "createWriteStream" || base == "writeTextFileSync":
		appends := strings.Contains(rawArgs, "FILE_APPEND") || strings.Contains(rawArgs, "flag: 'a'") || strings.Contains(rawArgs, `flag: "a"`)
		r.emitWrite(site, paths[0], appends, call)
	}
}

// removeMatches judges a removal of what a pattern matches (unlink glob
// "/etc/*", os.remove(f) for f in glob.glob(…)) as the shell line rm -f
// PATTERN, which the shell expands on the host as the code would.
func (r *resolver) removeMatches(site codeSite, name, pattern, rawArgs string) {
	base := name[strings.LastIndex(name, ".")+1:]
	flag := ""
	switch base {
	case "rmtree", "rm_rf", "rm_r", "remove_tree", "rimraf", "remove_dir", "remove_entry", "remove_entry_secure":
		flag = "-rf"
	case "remove", "unlink", "unlinkSync", "delete", "rm_f", "rm", "rmSync", "removeSync", "rmdir", "rmdirSync", "file.remove":
		flag = "-f"
		if strings.Contains(rawArgs, "recursive") {
			flag = "-rf"
		}
	default:
		return
	}
	r.runPieces(site, []piece{{text: "rm " + flag + " -- " + globWord(pattern), known: true}})
}

// emitWrite records a write onto path as the redirection it amounts to,
// so that the rules about > and >> judge it.
func (r *resolver) emitWrite(site codeSite, path string, appends bool, call string) {
	r.emit(writeBy(site.outer, Arg{Text: path, Value: path, Known: true}, appends, site.via, site.text(call)))
}

// writeBy is the write of file that inv makes itself, not through a
// redirection (python's open(…, 'w'), find -fprint, curl -o): judged as
// > FILE (>> when it appends), where and as whom inv runs, reached
// through via.
func writeBy(inv *Invocation, file Arg, appends bool, via, text string) *Invocation {
	op := ">"
	if appends {
		op = ">>"
	}
	return &Invocation{
		Redirs:    []Redir{{Op: op, Target: file}},
		Cwd:       inv.Cwd,
		Remote:    inv.Remote,
		Container: inv.Container,
		Throwaway: inv.Throwaway,
		Deferred:  inv.Deferred,
		User:      inv.User,
		Via:       append(append([]string(nil), inv.Via...), via),
		Text:      text,
		Unguarded: inv.Unguarded,
	}
}

// maxCallBytes bounds how far the arguments of one call are read, so that
// many calls in a large file cost no more than reading it a few times.
const maxCallBytes = 8 << 10

// callArgs reads the arguments of a call whose name ends at i: in
// parentheses, or (perl, ruby) up to the end of the statement.
func callArgs(code string, i int, lang language) ([]callArg, int) {
	code = code[:min(len(code), i+maxCallBytes)]
	for i < len(code) && (code[i] == ' ' || code[i] == '\t') {
		i++
	}
	closing := byte(0)
	if i < len(code) && code[i] == '(' {
		closing = ')'
		i++
	} else if lang.name != "perl" && lang.name != "ruby" && lang.name != "lua" {
		return nil, i
	}
	var args []callArg
	var cur callArg
	start := i
	stringEnd, sliced := -1, false // where the last string literal ended; a subscript on one
	flush := func(end int) {
		cur.raw = strings.TrimSpace(code[start:end])
		if sliced {
			// 'rsu/ fr- mr'[::-1] is computed from the string, not the string
			cur.pieces, cur.list = []piece{{text: cur.raw}}, nil
		}
		if cur.raw != "" {
			args = append(args, cur)
		}
		cur, sliced = callArg{}, false
	}
	depth := 0
	for i < len(code) && len(args) < 32 {
		c := code[i]
		if depth == 0 && i == stringEnd && cur.pieces != nil && (c == '[' || c == '.' && rewritesString(code[i+1:])) {
			sliced = true
		}
		if depth == 0 && cur.pieces != nil && cur.list == nil && (lang.name == "python" || lang.name == "ruby") && c == '%' && i+1 < len(code) && code[i+1] != '=' {
			// "FORMAT" % VALUES: the string the format makes
			if values, end, ok := formatOperands(code, i+1, lang); ok {
				cur.pieces = formatPieces(cur.pieces, values, percentPlaceholder)
				i = end
				continue
			}
		}
		if depth == 0 && i == stringEnd && cur.pieces != nil && cur.list == nil && lang.name == "python" && strings.HasPrefix(code[i:], ".join(") {
			// SEP.join([…]): the items with SEP between them
			if values, end := callArgs(code, i+len(".join"), lang); len(values) == 1 && values[0].list != nil {
				cur.pieces = joinPieces(cur.pieces, values[0].list)
				i, stringEnd = end, end
				continue
			}
		}
		if depth == 0 && i == stringEnd && cur.pieces != nil && cur.list == nil && lang.name == "python" && strings.HasPrefix(code[i:], ".format(") {
			values, end := callArgs(code, i+len(".format"), lang)
			cur.pieces = formatPieces(cur.pieces, values, bracePlaceholder)
			i, stringEnd = end, end
			continue
		}
		switch {
		case c == closing && depth == 0:
			flush(i)
			return args, i + 1
		case closing == 0 && depth == 0 && (c == ';' || c == '\n' || c == '}' || strings.HasPrefix(code[i:], " if ") || strings.HasPrefix(code[i:], " or ") || strings.HasPrefix(code[i:], " unless ") ||
			(lang.name == "ruby" || lang.name == "lua") && (strings.HasPrefix(code[i:], " end") || strings.HasPrefix(code[i:], " do "))):
			flush(i)
			return args, i
		case c == ',' && depth == 0:
			flush(i)
			start = i + 1
		case c == '[' && depth == 0 && cur.pieces == nil:
			end := matchingClose(code, i+1, '[')
			if end < 0 {
				return args, i
			}
			for _, el := range splitTopLevel(code[i+1 : end]) {
				ps := stringPieces(el, lang)
				if ps == nil {
					ps = []piece{{text: strings.TrimSpace(el)}}
				}
				cur.list = append(cur.list, ps)
			}
			if cur.list == nil {
				cur.list = [][]piece{}
			}
			i = end
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
			if depth < 0 {
				flush(i)
				return args, i
			}
		case c == '"' || c == '\'' || c == '`':
			lit, end := readString(code, i, lang)
			if end < 0 {
				return args, len(code)
			}
			if depth == 0 && cur.list == nil {
				cur.pieces = append(cur.pieces, lit...)
				stringEnd = end
			}
			i = end - 1
		case depth == 0 && !strings.ContainsRune(" \t+.,", rune(c)) && cur.list == nil:
			// an expression joined to the string: name, $var, x.y
			j := i
			for j < len(code) && !strings.ContainsRune(" \t+,;()[]{}\n\"'", rune(code[j])) {
				j++
			}
			if j == i {
				break
			}
			if j < len(code) && (code[j] == '"' || code[j] == '\'') && isStringPrefix(code[i:j]) {
				i = j - 1 // r"…", b'…', f"…": the prefix of the string that follows
				break
			}
			if word := code[i:j]; (word == "q" || word == "qq" || word == "%q" || word == "%Q") && j < len(code) && strings.ContainsRune("{([<|!/", rune(code[j])) {
				// perl's q{…} and qq{…}, ruby's %q(…): a string
				if end := matchingClose(code, j+1, code[j]); end > j {
					cur.pieces = append(cur.pieces, interpolate(code[j+1:end], lang, word == "qq" || word == "%Q")...)
					i = end
					break
				}
			}
			if word := code[i:j]; (word == "qw" || word == "%w" || word == "%W") && j < len(code) && cur.pieces == nil && cur.list == nil {
				// qw(rm -rf /usr), %w(…): a list of words
				if end := matchingClose(code, j+1, code[j]); end > j {
					cur.list = [][]piece{}
					for _, w := range strings.Fields(code[j+1 : end]) {
						cur.list = append(cur.list, []piece{{text: w, known: true}})
					}
					i = end
					break
				}
			}
			if j < len(code) && (code[j] == '[' || code[j] == '{' && code[i] == '$') {
				// an element: sys.argv[1], $ARGV[0], sys.argv[1:],
				// sys.argv[-1], os.environ["CMD"], $ENV{CMD}
				if end := matchingClose(code, j+1, code[j]); end > j && (strings.Trim(code[j+1:end], "-0123456789:") == "" || envKey.MatchString(code[j+1:end])) {
					j = end + 1
				}
			}
			j = lang.knownCallEnd(code, i, j)
			expr := code[i:j]
			if list, ok := lang.knownList(expr); ok && cur.pieces == nil && cur.list == nil {
				cur.list = [][]piece{}
				for _, w := range list {
					cur.list = append(cur.list, []piece{{text: w, known: true}})
				}
			} else if v, ok := lang.known(expr); ok {
				cur.pieces = append(cur.pieces, piece{text: v, known: true})
			} else {
				cur.pieces = append(cur.pieces, piece{text: expr})
			}
			i = j - 1
		}
		i++
	}
	flush(min(i, len(code)))
	return args, i
}

// stringRewrites are the methods that turn a string literal into other
// text (Python, Ruby, JavaScript, PHP has none): "rsu/ fr- mr".reverse is
// no longer the command it spells.
var stringRewrites = []string{"reverse", "upper", "lower", "swapcase", "translate", "decode", "encode", "tr", "gsub", "sub", "unpack",
	"toLowerCase", "toUpperCase", "replace", "replaceAll", "split", "codePointAt", "rot13", "downcase", "upcase", "succ"}

// rewritesString: the text after a string literal's "." calls one of
// stringRewrites. split is one only when something is joined again
// after it ("…".split("").reverse().join("")): "ls -l".split() is a list
// of the same words.
func rewritesString(after string) bool {
	end := 0
	for end < len(after) && (after[end] == '_' || after[end] >= 'a' && after[end] <= 'z' || after[end] >= 'A' && after[end] <= 'Z') {
		end++
	}
	name := after[:end]
	if name == "split" {
		return strings.Contains(after[end:min(len(after), 80)], "join")
	}
	return slices.Contains(stringRewrites, name)
}

// isStringPrefix tells Python's string prefixes (r, b, f, u, rb…).
func isStringPrefix(s string) bool {
	return len(s) <= 2 && strings.Trim(strings.ToLower(s), "rbfu") == ""
}

// splitTopLevel splits a list's text at its top-level commas.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '"', '\'':
			_, end := readString(s, i, language{})
			if end < 0 {
				return append(out, s[start:])
			}
			i = end - 1
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if strings.TrimSpace(s[start:]) != "" {
		out = append(out, s[start:])
	}
	return out
}

// stringPieces reads an expression that is a string literal, possibly
// joined with others (+ or .), nil when it holds no string literal.
func stringPieces(expr string, lang language) []piece {
	expr = strings.TrimSpace(expr)
	var out []piece
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			lit, end := readString(expr, i, lang)
			if end < 0 {
				return nil
			}
			out = append(out, lit...)
			i = end - 1
		case strings.ContainsRune(" \t+.", rune(c)):
		default:
			if out == nil && i == 0 && !strings.ContainsAny(expr, `"'`+"`") {
				return nil
			}
			j := i
			for j < len(expr) && !strings.ContainsRune(" \t+\"'", rune(expr[j])) {
				j++
			}
			if j < len(expr) && (expr[j] == '"' || expr[j] == '\'') && isStringPrefix(expr[i:j]) {
				i = j - 1
				continue
			}
			if v, ok := lang.known(expr[i:j]); ok {
				out = append(out, piece{text: v, known: true})
			} else {
				out = append(out, piece{text: expr[i:j]})
			}
			i = j - 1
		}
	}
	return out
}

// readString reads the string literal starting at i (a quote, possibly
// after a Python prefix already passed) and returns its pieces and the
// index after it; -1 when it does not end.
func readString(code string, i int, lang language) ([]piece, int) {
	q := code[i]
	prefix := ""
	for j := i - 1; j >= 0 && j >= i-2 && strings.ContainsRune("rbfuRBFU", rune(code[j])); j-- {
		prefix = string(code[j]) + prefix
	}
	if lang.name == "python" && prefix != "" && i-len(prefix)-1 >= 0 && isIdentByte(code[i-len(prefix)-1]) {
		prefix = ""
	}
	triple := strings.Repeat(string(q), 3)
	delim := string(q)
	if lang.name == "python" && strings.HasPrefix(code[i:], triple) {
		delim = triple
	}
	raw := strings.ContainsAny(prefix, "rR") || q == '\'' && lang.name != "python" && lang.name != "node" && lang.name != "lua" && lang.name != ""
	body := i + len(delim)
	for j := body; j < len(code); j++ {
		if code[j] == '\\' && j+1 < len(code) {
			j++
			continue
		}
		if strings.HasPrefix(code[j:], delim) {
			s := code[body:j]
			interpolates := (lang.name == "perl" || lang.name == "php" || lang.name == "ruby") && q == '"' ||
				lang.name == "node" && q == '`' || lang.name == "python" && strings.ContainsAny(prefix, "fF")
			if raw {
				s = rawQuotes.Replace(s)
				return []piece{{text: s, known: true}}, j + len(delim)
			}
			return interpolate(s, lang, interpolates), j + len(delim)
		}
	}
	return nil, -1
}

// rawQuotes undoes the two escapes of a single-quoted string in perl,
// ruby and php.
var rawQuotes = strings.NewReplacer(`\\`, `\`, `\'`, `'`)

// isIdentWord tells a name made of identifier bytes only.
func isIdentWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i]) {
			return false
		}
	}
	return s != ""
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// interpolate reads a double-quoted string's escapes and, where the
// language interpolates, its $var, ${…}, #{…} and {…} parts as unknown.
func interpolate(s string, lang language, interpolates bool) []piece {
	var out pieceBuilder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			u, n := unescapeOne(s[i:])
			if n == 2 && u == s[i:i+2] {
				u = s[i+1 : i+2] // \" \$ \/: the character itself
			}
			out.text.WriteString(u)
			i += n - 1
		case interpolates && (lang.name == "python" && c == '{' || lang.name == "ruby" && strings.HasPrefix(s[i:], "#{") || lang.name == "node" && strings.HasPrefix(s[i:], "${")):
			if lang.name == "python" && strings.HasPrefix(s[i:], "{{") {
				out.text.WriteByte('{')
				i++
				continue
			}
			open := strings.IndexByte(s[i:], '{') + i
			end := matchingClose(s, open+1, '{')
			if end < 0 {
				out.text.WriteString(s[i:])
				i = len(s)
				continue
			}
			if v, ok := lang.known(s[open+1 : end]); ok {
				out.text.WriteString(v)
			} else {
				out.unknown(s[open+1 : end])
			}
			i = end
		case interpolates && (lang.name == "perl" || lang.name == "php") && c == '$' && i+1 < len(s) && (isIdentByte(s[i+1]) || s[i+1] == '{'):
			j := i + 1
			if s[j] == '{' {
				j = max(matchingClose(s, j+1, '{'), j) + 1
			} else {
				for j < len(s) && (isIdentByte(s[j]) || s[j] == '[' || s[j] == ']' || s[j] == '-' && j+1 < len(s) && s[j+1] == '>') {
					j++
				}
				if lang.name == "perl" && j < len(s) && s[j] == '{' {
					if end := matchingClose(s, j+1, '{'); end > j {
						j = end + 1 // a hash element: $ENV{D}
					}
				}
			}
			expr := s[i:min(j, len(s))]
			v, ok := lang.known(expr)
			if !ok {
				v, ok = lang.known(strings.Replace(strings.Replace(expr, "${", "$", 1), "}", "", 1)) // ${d} is $d
			}
			if ok {
				out.text.WriteString(v)
			} else {
				out.unknown(s[i:min(j, len(s))])
			}
			i = j - 1
		default:
			out.text.WriteByte(c)
		}
	}
	if pieces := out.done(); pieces != nil {
		return pieces
	}
	return []piece{{text: "", known: true}}
}

// matchingClose returns the index of the bracket that closes the one
// opened just before i, skipping nested ones and quoted strings.
func matchingClose(s string, i int, open byte) int {
	closeBy := map[byte]byte{'(': ')', '[': ']', '{': '}', '<': '>'}
	want, ok := closeBy[open]
	if !ok {
		want = open // qx|…|, qx!…!
	}
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"', '\'':
			if open == '{' || open == '[' || open == '(' {
				_, end := readString(s, j, language{})
				if end > 0 {
					j = end - 1
				}
			}
		case want:
			if depth == 0 {
				return j
			}
			depth--
		case open:
			if want != open {
				depth++
			}
		}
	}
	return -1
}

// quoted finds the strings delimited by q (backticks), as pieces.
func quoted(code string, q byte, lang language, limit int) [][]piece {
	var out [][]piece
	for i := 0; i < len(code) && len(out) < limit; i++ {
		switch code[i] {
		case '"', '\'':
			_, end := readString(code, i, lang)
			if end < 0 {
				return out
			}
			i = end - 1
		case q:
			end := strings.IndexByte(code[i+1:], q)
			if end < 0 {
				return out
			}
			out = append(out, interpolate(code[i+1:i+1+end], lang, true))
			i += end + 1
		}
	}
	return out
}

// stripComments removes whole-line comments, so that commented-out code
// is not judged.
func stripComments(code string, lang language) string {
	marker := "#"
	switch lang.name {
	case "node":
		marker = "//"
	case "lua":
		marker = "--"
	}
	if !strings.Contains(code, marker) {
		return code
	}
	lines := strings.Split(code, "\n")
	for i, l := range lines {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, marker) && !strings.HasPrefix(t, "#!") {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

var denoSpec = OptSpec{
	ShortValue: "cLr",
	LongValue: []string{"config", "import-map", "lock", "cert", "location", "seed", "v8-flags", "ext", "env-file", "log-level",
		"inspect", "inspect-brk", "inspect-wait", "reload", "watch-exclude", "check"},
	StopAtOperand: true,
}

// wrapDeno: deno eval CODE and deno run FILE (or -, or deno FILE) run
// JavaScript, read as node's.
func wrapDeno(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{StopAtOperand: true})
	ops := append(p.Operands, p.Rest...)
	if len(ops) == 0 || !ops[0].Known {
		return
	}
	sub := ops[0].Value
	switch sub {
	case "eval", "run":
		ops = ops[1:]
	default:
		if !strings.ContainsAny(sub, "./") {
			return // deno fmt, deno test, deno install…
		}
	}
	q := ParseOptions(ops, denoSpec)
	args := append(q.Operands, q.Rest...)
	if len(args) == 0 || !args[0].Known {
		return
	}
	node := languages["node"]
	if sub == "eval" {
		r.readCode(codeSite{outer: outer, sc: sc, via: "deno eval", args: knownValues(args[1:]), fromLine: true}, node, args[0].Value)
		return
	}
	if args[0].Value == "-" {
		if t := r.stdinOf(outer, 0); t.known {
			r.readCode(codeSite{outer: outer, sc: sc, via: "deno run -"}, node, t.value)
		}
		return
	}
	if content, ok := r.scriptContent(outer, args[0].Value); ok {
		r.readCode(codeSite{outer: outer, sc: sc, via: "deno run " + args[0].Value, file: args[0].Value, args: knownValues(args[1:])}, node, content)
	}
}

// wrapTclsh: tclsh SCRIPT, or its standard input, read as expect's Tcl
// (exec runs a program).
func wrapTclsh(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "e", LongValue: []string{"encoding"}, StopAtOperand: true})
	if len(p.Operands) > 0 {
		if content, ok := r.scriptContent(outer, p.Operands[0].Value); ok && p.Operands[0].Known {
			r.tclScript(outer, content, sc, 0)
		}
		return
	}
	if t := r.stdinOf(outer, 0); t.known {
		r.tclScript(outer, t.value, sc, 0)
	}
}

// perlEmptiesInPlace tells perl -i code that leaves nothing of any line:
// -p with s/.*// alone, or -n that prints nothing.
func perlEmptiesInPlace(p Parsed, code string) bool {
	if !p.Has("i") && !perlClusterHas(p, 'i') {
		return false
	}
	code = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(code), ";"))
	switch {
	case p.Has("n") || perlClusterHas(p, 'n'):
		return !strings.Contains(code, "print") && !strings.Contains(code, "say") && !strings.Contains(code, "system") && !strings.Contains(code, "exec")
	case p.Has("p") || perlClusterHas(p, 'p'):
		s, ok := strings.CutPrefix(code, "s")
		return ok && len(s) > 2 && emptiesEveryLine("s"+s) || code == `$_=""` || code == `$_ = ""` || code == "$_=''" || code == "$_ = ''"
	}
	return false
}

// perlClusterHas tells a one-letter option given in a cluster perl reads
// as several (-pi, -ni.bak, -lpi).
func perlClusterHas(p Parsed, c byte) bool {
	for _, f := range p.flags {
		if len(f) > 1 && strings.IndexByte(f, c) >= 0 && strings.IndexByte(f, '.') < 0 {
			return true
		}
	}
	return false
}

// b64Literal is a base64 decode of a string literal, as Python spells it:
// base64.b64decode("…"), __import__("base64").b64decode(b'…').
var b64Literal = lazyre.New(`^(?:base64\.|__import__\(\s*["']base64["']\s*\)\.)b64decode\(\s*b?["']([A-Za-z0-9+/=\s]+)["']\s*\)(?:\.decode\(\s*\))?$`)

// base64Literal is the text a call's first argument decodes to when it is
// a base64 decode of a literal.
func base64Literal(args []callArg) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	m := b64Literal.FindStringSubmatch(strings.TrimSpace(args[0].raw))
	if m == nil {
		return "", false
	}
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(m[1]), ""))
	if err != nil {
		return "", false
	}
	return string(data), true
}

// loadsFile: exec(open("x.py").read()) runs a file, which codeloads reads.
func loadsFile(raw string) bool {
	return strings.HasPrefix(strings.TrimSpace(raw), "open(") || strings.Contains(raw, "read_text(") || strings.Contains(raw, "compile(open(")
}
