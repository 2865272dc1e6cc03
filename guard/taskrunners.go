package guard

import (
	"path/filepath"
	"strings"

	"github.com/guard-sh/guard/guard/lazyre"
)

// Task runners that run the commands a project file names, as make runs
// its recipes: just (justfile) and go-task (Taskfile.yml). The file is
// read (read-only, bounded, as a script is) and each command judged where
// the runner runs it: the file's folder, after the recipes or tasks it
// depends on. A file guard cannot read is said so, as for make.

// maxRunnerRecipes bounds the recipes or tasks judged for one command,
// dependencies included.
const maxRunnerRecipes = 16

// runnerFile finds the first of names in dir or a folder above it, as
// just and task look for their file.
func (r *resolver) runnerFile(dir string, names []string) (path, content string, found bool) {
	for d := dir; ; d = filepath.Dir(d) {
		for _, name := range names {
			p := filepath.Join(d, name)
			text, state, _ := r.readFile(p)
			switch state {
			case fileRead:
				return p, text, true
			case fileMissing:
				continue
			}
			return p, "", false // there, and not readable: not looked past
		}
		if d == "/" || d == "." {
			return "", "", false
		}
	}
}

// runnerFileOf reads the file a task runner runs: the one its file
// option names (fileOpt), or the first of names in its folder (dirOpt, or
// where it runs) or above. A file guard cannot read is said so on outer.
func (r *resolver) runnerFileOf(outer *Invocation, p Parsed, dirOpt, fileOpt, names []string) (path, text string, ok bool) {
	if f, given := p.Value(fileOpt...); given {
		if !f.Known {
			return "", "", false
		}
		path = outer.Path(f.Value)
		text, state, by := r.readFile(path)
		if state != fileRead {
			if reason := unreadReason(f.Value, state, by); reason != "" {
				outer.note().Hidden = reason
			}
			return "", "", false
		}
		return path, text, true
	}
	dir := outer.Cwd
	if d, given := p.Value(dirOpt...); given {
		if !d.Known {
			return "", "", false
		}
		dir = outer.Path(d.Value)
	}
	path, text, ok = r.runnerFile(dir, names)
	if !ok && path != "" {
		outer.note().Hidden = path + " cannot be read by guard"
	}
	return path, text, ok
}

// runRecipeLine judges one command of a runner's file, run by sh in dir.
func (r *resolver) runRecipeLine(outer *Invocation, code, dir, via, file string, sc *scope) {
	r.runCodeWith(outer, code, sc, via, codeOpts{file: file, adjust: func(inner *Invocation, isc *scope) {
		inner.Cwd, inner.Stdin = dir, nil
	}})
}

// justRecipe is a recipe of a justfile: its parameters, the recipes it
// depends on, and its body's lines.
type justRecipe struct {
	params []string
	deps   []justDep
	body   []string
}

// justDep is a dependency: a recipe, with the arguments (NAME "ARG")
// gives it.
type justDep struct {
	name string
	args []string
}

var justDepRe = lazyre.New(`\(\s*([A-Za-z_][A-Za-z0-9_-]*)((?:\s+(?:'[^']*'|"[^"]*"|[^\s()]+))*)\s*\)|([A-Za-z_][A-Za-z0-9_-]*)`)
var justArgRe = lazyre.New(`'[^']*'|"[^"]*"|[^\s()]+`)

var (
	justHeader = lazyre.New(`^@?([A-Za-z_][A-Za-z0-9_-]*)((?:\s+[+*$]?[A-Za-z_][A-Za-z0-9_-]*(?:=(?:'[^']*'|"[^"]*"|\S+))?)*)\s*:([^=].*)?$`)
	justAssign = lazyre.New(`^(?:export\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*:=\s*(?:'([^']*)'|"([^"\\]*)")\s*$`)
	justInterp = lazyre.New(`\{\{\s*([^}]*?)\s*\}\}`)
)

// parseJustfile reads the recipes of a justfile, their order, and the
// variables it sets to literal strings.
func parseJustfile(text string) (recipes map[string]*justRecipe, order []string, vars map[string]string) {
	recipes, vars = map[string]*justRecipe{}, map[string]string{}
	var cur *justRecipe
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\r")
		if cur != nil && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) {
			body := strings.TrimSpace(line)
			for strings.HasSuffix(body, `\`) && i+1 < len(lines) {
				i++
				body = strings.TrimSuffix(body, `\`) + " " + strings.TrimSpace(lines[i])
			}
			if body != "" {
				cur.body = append(cur.body, body)
			}
			continue
		}
		cur = nil
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		if m := justAssign.FindStringSubmatch(line); m != nil {
			vars[m[1]] = m[2] + m[3]
			continue
		}
		if strings.HasPrefix(line, "set ") || strings.HasPrefix(line, "alias ") || strings.HasPrefix(line, "import ") || strings.HasPrefix(line, "mod ") {
			continue
		}
		m := justHeader.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		cur = &justRecipe{}
		for _, p := range strings.Fields(m[2]) {
			name, _, _ := strings.Cut(strings.TrimLeft(p, "+*$"), "=")
			cur.params = append(cur.params, name)
		}
		deps := m[3]
		if c := strings.Index(deps, "#"); c >= 0 {
			deps = deps[:c]
		}
		for _, m := range justDepRe.FindAllStringSubmatch(deps, -1) {
			if m[3] != "" {
				cur.deps = append(cur.deps, justDep{name: m[3]})
				continue
			}
			d := justDep{name: m[1]}
			for _, a := range justArgRe.Compiled().FindAllString(m[2], -1) {
				d.args = append(d.args, unquoteYAML(a))
			}
			cur.deps = append(cur.deps, d)
		}
		if _, dup := recipes[m[1]]; !dup {
			order = append(order, m[1])
		}
		recipes[m[1]] = cur
	}
	return recipes, order, vars
}

var justSpec = OptSpec{ShortValue: "fd", LongValue: []string{"justfile", "working-directory", "set", "shell", "shell-arg", "dotenv-filename", "dotenv-path", "color", "command-color", "chooser", "list-heading", "list-prefix", "timestamp-format"}}

// wrapJust: just [OPTIONS] [RECIPE [ARGS…]]…: the recipes' lines, each
// run by sh in the justfile's folder, after the recipes they depend on;
// {{VAR}} is a variable the justfile sets or a recipe's parameter, and
// anything else guard leaves unknown.
func wrapJust(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, justSpec)
	if p.Has("l", "list", "summary", "show", "s", "n", "dry-run", "evaluate", "dump", "variables", "fmt", "init", "edit", "help", "h", "V", "version", "choose", "completions") || outer.Cwd == "" || outer.Remote != "" {
		return
	}
	path, text, ok := r.runnerFileOf(outer, p, []string{"d", "working-directory"}, []string{"f", "justfile"}, []string{"justfile", "Justfile", ".justfile"})
	if !ok {
		return
	}
	recipes, order, vars := parseJustfile(text)
	type call struct {
		name string
		args []Arg
	}
	var calls []call
	ops := p.Operands
	for len(ops) > 0 {
		name := ops[0].Value
		rec, ok := recipes[name]
		if !ok || !ops[0].Known {
			break
		}
		n := min(len(rec.params), len(ops)-1)
		calls = append(calls, call{name, ops[1 : 1+n]})
		ops = ops[1+n:]
	}
	if len(p.Operands) == 0 {
		if _, ok := recipes["default"]; ok {
			calls = append(calls, call{name: "default"})
		} else if len(order) > 0 {
			calls = append(calls, call{name: order[0]})
		}
	}
	top := filepath.Dir(path)
	done := map[string]bool{}
	var run func(name string, args []Arg, depth int)
	run = func(name string, args []Arg, depth int) {
		rec := recipes[name]
		if rec == nil || done[name] || len(done) >= maxRunnerRecipes || depth > 8 {
			return
		}
		done[name] = true
		for _, d := range rec.deps {
			var args []Arg
			for _, a := range d.args {
				if v, ok := vars[a]; ok {
					a = v // a variable of the justfile, unquoted
				}
				args = append(args, Arg{Text: a, Value: a, Known: true})
			}
			run(d.name, args, depth+1)
		}
		bound := map[string]Arg{}
		for i, param := range rec.params {
			if i < len(args) {
				bound[param] = args[i]
			}
		}
		lines := rec.body
		if len(lines) > 0 && strings.HasPrefix(lines[0], "#!") {
			if !shellShebang(lines[0]) {
				return // another language's script
			}
			lines = []string{strings.Join(lines[1:], "\n")}
		}
		for _, line := range lines {
			line = strings.TrimLeft(line, "@-")
			line = justInterp.Compiled().ReplaceAllStringFunc(line, func(m string) string {
				expr := justInterp.FindStringSubmatch(m)[1]
				if a, ok := bound[expr]; ok && a.Known {
					return shellQuote(a.Value)
				}
				if v, ok := vars[expr]; ok {
					return shellQuote(v)
				}
				return "${__just_" + strings.Map(nameRune, expr) + "}" // unknown to guard
			})
			r.runRecipeLine(outer, line, top, "just "+name, filepath.Base(path)+" ("+name+")", sc)
		}
	}
	for _, c := range calls {
		run(c.name, c.args, 0)
	}
}

// nameRune keeps the runes of a shell variable's name, others as _.
func nameRune(c rune) rune {
	if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return c
	}
	return '_'
}

// shellShebang: a #! line naming a POSIX shell.
func shellShebang(line string) bool {
	runner := shebang(strings.TrimPrefix(line, "#!"))
	return len(runner) > 0 && isShell(filepath.Base(runner[0].Value))
}

// goTask is a task of a Taskfile: the commands it runs in order (a
// "task: NAME" item runs that task there) and the tasks it depends on.
type goTask struct {
	deps []string
	cmds []taskCmd
	dir  string
}

type taskCmd struct {
	shell, task string
}

// parseTaskfile reads the tasks of a Taskfile.yml by indentation: the
// keys under tasks:, their cmds: (a string, - cmd: STRING, - task: NAME,
// block scalars | and >), cmd:, deps: and dir:. YAML guard does not
// follow (anchors, flow maps of commands) leaves the task out.
func parseTaskfile(text string) (map[string]*goTask, map[string]string) {
	tasks, vars := map[string]*goTask{}, map[string]string{}
	lines := strings.Split(strings.ReplaceAll(text, "\r", ""), "\n")
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	in, inVars := false, false
	taskIndent := -1
	var cur *goTask
	key := ""
	keyIndent := 0
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		n := indent(l)
		if n == 0 {
			in, inVars = t == "tasks:", t == "vars:"
			cur, taskIndent = nil, -1
			continue
		}
		if inVars {
			// NAME: literal (a map, sh: …, is computed when task runs)
			if k, v, ok := strings.Cut(t, ":"); ok && strings.TrimSpace(v) != "" && !strings.HasPrefix(strings.TrimSpace(v), "{") {
				vars[strings.TrimSpace(k)] = unquoteYAML(v)
			}
			continue
		}
		if !in {
			continue
		}
		if taskIndent < 0 {
			taskIndent = n
		}
		if n == taskIndent {
			name, rest, ok := strings.Cut(t, ":")
			cur, key = nil, ""
			if !ok {
				continue
			}
			cur = &goTask{}
			tasks[unquoteYAML(name)] = cur
			if rest = strings.TrimSpace(rest); rest != "" && !strings.HasPrefix(rest, "{") {
				cur.cmds = append(cur.cmds, taskCmd{shell: unquoteYAML(rest)}) // task: echo hi
			}
			continue
		}
		if cur == nil {
			continue
		}
		if !strings.HasPrefix(t, "- ") && t != "-" {
			k, rest, ok := strings.Cut(t, ":")
			if !ok || n < keyIndent && key == "" {
				continue
			}
			if n <= keyIndent || key == "" || !strings.HasPrefix(key, "cmds") && !strings.HasPrefix(key, "deps") {
				key, keyIndent = strings.TrimSpace(k), n
			} else if key == "cmds" {
				// a map item's further keys (- cmd: …\n  silent: true)
				k = strings.TrimSpace(k)
				if k == "cmd" || k == "task" {
					cur.add(k, blockValue(lines, &i, strings.TrimSpace(rest), n))
				}
				continue
			}
			rest = strings.TrimSpace(rest)
			switch key {
			case "cmd":
				cur.add("cmd", blockValue(lines, &i, rest, n))
			case "dir":
				cur.dir = unquoteYAML(rest)
			case "deps", "cmds":
				if strings.HasPrefix(rest, "[") {
					for _, item := range strings.Split(strings.Trim(rest, "[]"), ",") {
						if item = unquoteYAML(strings.TrimSpace(item)); item != "" {
							cur.add(map[string]string{"deps": "dep", "cmds": "cmd"}[key], item)
						}
					}
				}
			}
			continue
		}
		item := strings.TrimSpace(strings.TrimPrefix(t, "-"))
		switch key {
		case "deps":
			if k, v, ok := strings.Cut(item, ":"); ok && strings.TrimSpace(k) == "task" {
				item = v
			}
			cur.add("dep", unquoteYAML(strings.TrimSpace(item)))
		case "cmds":
			if k, v, ok := strings.Cut(item, ":"); ok && (strings.TrimSpace(k) == "cmd" || strings.TrimSpace(k) == "task") && !strings.HasPrefix(item, `"`) && !strings.HasPrefix(item, `'`) {
				cur.add(strings.TrimSpace(k), blockValue(lines, &i, strings.TrimSpace(v), n))
				continue
			}
			cur.add("cmd", blockValue(lines, &i, item, n))
		}
	}
	return tasks, vars
}

func (t *goTask) add(kind, v string) {
	switch kind {
	case "dep":
		t.deps = append(t.deps, v)
	case "task":
		t.cmds = append(t.cmds, taskCmd{task: unquoteYAML(v)})
	default:
		t.cmds = append(t.cmds, taskCmd{shell: v})
	}
}

// blockValue is a YAML value: a block scalar (| or >) made of the lines
// indented under it, or a plain or quoted one.
func blockValue(lines []string, i *int, v string, n int) string {
	if !strings.HasPrefix(v, "|") && !strings.HasPrefix(v, ">") {
		return unquoteYAML(v)
	}
	var body []string
	for *i+1 < len(lines) {
		next := lines[*i+1]
		if strings.TrimSpace(next) != "" && len(next)-len(strings.TrimLeft(next, " ")) <= n {
			break
		}
		*i++
		body = append(body, strings.TrimSpace(next))
	}
	sep := "\n"
	if strings.HasPrefix(v, ">") {
		sep = " "
	}
	return strings.Join(body, sep)
}

// unquoteYAML removes a YAML string's quotes (” inside single quotes is
// one quote; a double-quoted string's \" and \\).
func unquoteYAML(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(v[1 : len(v)-1])
	}
	if c := strings.Index(v, " #"); c >= 0 {
		v = strings.TrimSpace(v[:c])
	}
	return v
}

var taskSpec = OptSpec{ShortValue: "dtoC", LongValue: []string{"dir", "taskfile", "output", "concurrency", "interval", "sort", "output-group-begin", "output-group-end"}}

var taskTemplate = lazyre.New(`\{\{\s*\.?([^}]*?)\s*\}\}`)

// wrapTask: task [OPTIONS] [TASK…] (go-task): the tasks' commands, each
// run by sh in the Taskfile's folder (or the task's dir:), after the
// tasks they depend on; a template {{.VAR}} is left unknown.
func wrapTask(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, taskSpec)
	if p.Has("l", "list", "a", "list-all", "n", "dry", "s", "summary", "i", "init", "h", "help", "version") || outer.Cwd == "" || outer.Remote != "" {
		return
	}
	names := []string{"Taskfile.yml", "taskfile.yml", "Taskfile.yaml", "taskfile.yaml", "Taskfile.dist.yml", "taskfile.dist.yml"}
	path, text, ok := r.runnerFileOf(outer, p, []string{"d", "dir"}, []string{"t", "taskfile"}, names)
	if !ok {
		return
	}
	tasks, vars := parseTaskfile(text)
	var wanted []string
	for _, o := range p.Operands {
		if o.Value == "--" {
			break
		}
		if o.Known && !strings.Contains(o.Value, "=") {
			wanted = append(wanted, o.Value)
		}
	}
	if len(wanted) == 0 {
		wanted = []string{"default"}
	}
	top := filepath.Dir(path)
	done := map[string]bool{}
	var run func(name string, depth int)
	run = func(name string, depth int) {
		t := tasks[name]
		if t == nil || done[name] || len(done) >= maxRunnerRecipes || depth > 8 {
			return
		}
		done[name] = true
		for _, d := range t.deps {
			run(d, depth+1)
		}
		where := top
		if t.dir != "" && !strings.Contains(t.dir, "{{") {
			where = filepath.Join(top, t.dir)
			if filepath.IsAbs(t.dir) {
				where = t.dir
			}
		}
		for _, c := range t.cmds {
			if c.task != "" {
				run(c.task, depth+1)
				continue
			}
			code := taskTemplate.Compiled().ReplaceAllStringFunc(c.shell, func(m string) string {
				name := taskTemplate.FindStringSubmatch(m)[1]
				if v, ok := vars[name]; ok && !strings.Contains(v, "{{") {
					return shellQuote(v)
				}
				return "${__task_" + strings.Map(nameRune, name) + "}"
			})
			r.runRecipeLine(outer, code, where, "task "+name, filepath.Base(path)+" ("+name+")", sc)
		}
	}
	for _, name := range wanted {
		run(name, 0)
	}
}
