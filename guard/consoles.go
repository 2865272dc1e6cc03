package guard

import (
	"strings"

	"github.com/guard-sh/guard/guard/lazyre"
)

// A console is a program with a command language of its own in which
// one command hands the rest of its line to a shell: gdb's shell and !,
// psql's \!, mysql's system and \!, sqlite3's .system and .shell, lftp's
// !, less's !. The commands it is given on the line (and on its standard
// input, which these programs read as commands when it is not a
// terminal) are read for those escapes, and each shell line is judged as
// the program would run it.
type console struct {
	// cmdOpts are the options whose value is console commands.
	cmdOpts []string
	// fileOpts are the options whose value is a file of commands.
	fileOpts []string
	// escapes start a command that runs the rest of its line in a shell;
	// a command is a line, or (statements) what follows a ';'.
	escapes []string
	// statements: ';' ends a command (SQL), so an escape may follow one.
	statements bool
	// python starts a command whose rest is Python code (gdb).
	python []string
	// sql: COPY … TO/FROM PROGRAM 'cmd' runs cmd in a shell (PostgreSQL).
	sql bool
	// operandCmds: operands after the first (the database) are commands
	// (sqlite3 DB 'CMD'…).
	operandCmds bool
	// valueOpts are the other options that take a value.
	valueOpts []string
	// plusCmd: +CMD is a command (less).
	plusCmd bool
	// argsOpt: the arguments after it are a program and its arguments,
	// run by the console (gdb --args).
	argsOpt string
	// stdin: commands are read on standard input when it is redirected.
	stdin bool
	// language: the commands are code in that language (a languages
	// entry), as an interactive interpreter reads them (irb, jjs).
	language string
	// codePrefix starts a command whose rest is code in language; without
	// it every command is (cpan's shell: "! CODE" evaluates Perl).
	codePrefix string
}

// consoles is a read-only table, by program name (gdb 13, psql 16,
// mysql 8 and mariadb 10, sqlite3 3.40, lftp 4.9, less 590).
var consoles = map[string]console{
	"gdb": {cmdOpts: []string{"-ex", "--ex", "-eval-command", "--eval-command", "-iex", "--iex", "-init-eval-command", "--init-eval-command"},
		fileOpts: []string{"-x", "--x", "-command", "--command"}, escapes: []string{"shell ", "!"}, python: []string{"python ", "py ", "pi "},
		argsOpt: "--args", stdin: true},
	"psql":    {cmdOpts: []string{"-c", "--command"}, fileOpts: []string{"-f", "--file"}, escapes: []string{`\!`}, statements: true, sql: true, stdin: true},
	"mysql":   {cmdOpts: []string{"-e", "--execute"}, escapes: []string{`\!`, "system ", "SYSTEM "}, statements: true, stdin: true},
	"mariadb": {cmdOpts: []string{"-e", "--execute"}, escapes: []string{`\!`, "system ", "SYSTEM "}, statements: true, stdin: true},
	"sqlite3": {cmdOpts: []string{"-cmd", "--cmd"}, fileOpts: []string{"-init", "--init"}, escapes: []string{".system ", ".shell "}, statements: true, operandCmds: true,
		valueOpts: []string{"-separator", "-newline", "-nullvalue", "-vfs", "-mmap", "-pagecache", "-lookaside", "-heap", "-maxsize"}, stdin: true},
	"lftp": {cmdOpts: []string{"-c", "-e"}, fileOpts: []string{"-f"}, escapes: []string{"!"}, statements: true},
	"less": {escapes: []string{"!"}, plusCmd: true},
	// interactive interpreters (irb 1.6, pry 0.14, jjs 8, cpan 2.3): what
	// they read on standard input is code, run line by line
	"irb":  {language: "ruby", valueOpts: []string{"-r", "-I", "-E", "-W"}, stdin: true},
	"pry":  {language: "ruby", cmdOpts: []string{"-e", "--exec"}, valueOpts: []string{"-r", "--require", "-I"}, stdin: true},
	"jjs":  {language: "node", valueOpts: []string{"-cp", "-classpath", "--language"}, stdin: true},
	"cpan": {language: "perl", codePrefix: "!", stdin: true},
}

// wrap reads the commands a console is given and judges the shell lines
// and code they run.
func (c console) wrap(r *resolver, outer *Invocation, sc *scope) {
	var cmds []string
	var operands []Arg
	args := outer.Args
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		if !a.Known {
			continue
		}
		if c.argsOpt != "" && v == c.argsOpt {
			r.runInner(outer, args[i+1:], sc, outer.Program+" "+c.argsOpt, nil)
			break
		}
		if c.plusCmd && strings.HasPrefix(v, "+") {
			cmds = append(cmds, strings.TrimLeft(v, "+"))
			continue
		}
		if value, next, ok := optionValue(args, i, c.cmdOpts); ok {
			cmds = append(cmds, value)
			i = next
			continue
		}
		if value, next, ok := optionValue(args, i, c.fileOpts); ok {
			if t := r.fileText(outer, Arg{Text: value, Value: value, Known: true}); t.known {
				cmds = append(cmds, t.value)
			}
			i = next
			continue
		}
		if _, next, ok := optionValue(args, i, c.valueOpts); ok {
			i = next
			continue
		}
		if v == "--" || !strings.HasPrefix(v, "-") || v == "-" {
			operands = append(operands, a)
		}
	}
	if c.operandCmds && len(operands) > 1 {
		for _, o := range operands[1:] {
			cmds = append(cmds, o.Value)
		}
	}
	if c.stdin {
		if t := r.stdinOf(outer, 0); t.known {
			cmds = append(cmds, t.value)
		}
	}
	for n, text := range cmds {
		if n >= maxCodeMatches {
			break
		}
		c.commands(r, outer, sc, text)
	}
}

// optionValue reads the value of one of opts at args[i]: -e VALUE,
// --execute=VALUE, or a one-letter option's attached -eVALUE. It returns
// the index of the last argument used.
func optionValue(args []Arg, i int, opts []string) (string, int, bool) {
	v := args[i].Value
	for _, o := range opts {
		switch {
		case v == o:
			if i+1 < len(args) {
				return args[i+1].Value, i + 1, true
			}
			return "", i, false
		case strings.HasPrefix(v, o+"="):
			return v[len(o)+1:], i, true
		case len(o) == 2 && strings.HasPrefix(v, o) && len(v) > 2:
			return v[2:], i, true
		}
	}
	return "", i, false
}

// commands judges the escapes in a text of console commands.
func (c console) commands(r *resolver, outer *Invocation, sc *scope, text string) {
	site := codeSite{outer: outer, sc: sc, via: outer.Program}
	if lang, ok := languages[c.language]; ok {
		if c.codePrefix == "" {
			r.readCode(site, lang, text)
			return
		}
		var code []string
		for _, line := range strings.Split(text, "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimLeft(line, " \t"), c.codePrefix); ok {
				code = append(code, rest)
			}
		}
		r.readCode(site, lang, strings.Join(code, "\n"))
		return
	}
	found := 0
	for _, line := range strings.Split(text, "\n") {
		starts := []int{0}
		if c.statements {
			for i := 0; i < len(line); i++ {
				if line[i] == ';' {
					starts = append(starts, i+1)
				}
			}
		}
		for _, s := range starts {
			cmd := strings.TrimLeft(line[s:], " \t")
			if found >= maxCodeMatches {
				return
			}
			if rest, ok := cutAnyPrefix(cmd, c.escapes); ok {
				found++
				r.runSnippet(outer, rest, sc, outer.Program+" "+strings.TrimSpace(cmd[:len(cmd)-len(rest)]), nil)
				break // the rest of the line, ';' included, is the shell's
			}
			if rest, ok := cutAnyPrefix(cmd, c.python); ok {
				found++
				r.readCode(site, languages["python"], rest)
				break
			}
		}
	}
	if c.sql {
		for _, m := range sqlProgram.FindAllStringSubmatch(text, maxCodeMatches) {
			r.runSnippet(outer, strings.ReplaceAll(m[1], "''", "'"), sc, outer.Program+" PROGRAM", nil)
		}
	}
}

// sqlProgram is PostgreSQL's COPY … TO PROGRAM 'cmd' (or FROM), which the
// server runs in a shell.
var sqlProgram = lazyre.New(`(?i)\bPROGRAM\s+'((?:[^']|'')*)'`)

// cutAnyPrefix cuts the first of prefixes that s starts with.
func cutAnyPrefix(s string, prefixes []string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return "", false
}
