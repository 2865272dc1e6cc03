package guard

import (
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/guard-sh/guard/guard/lazyre"
)

// Commands that run code a project or a tool's configuration names:
// npm/yarn/pnpm run the scripts of package.json, git runs the commands
// its -c settings name, emacs --eval runs Lisp that can run commands.

// maxPackageScripts bounds the scripts judged for one command.
const maxPackageScripts = 16

// npmLifecycle are the scripts npm runs around an install of the project.
var npmLifecycle = []string{"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"}

// wrapPackageScripts judges npm run NAME, npm test, npm start, npm
// install (its lifecycle scripts), and the same with yarn, pnpm and bun:
// the scripts of package.json in the project folder, with their pre- and
// post- scripts, run by sh in that folder.
func wrapPackageScripts(r *resolver, outer *Invocation, sc *scope) {
	if outer.Program == "npm" && outer.Remote == "" {
		// npm pkg set scripts.x=… writes package.json for a later run
		r.recordWrites(outer, sc)
	}
	if packageExec(r, outer, sc) {
		return // npm exec CMD, pnpm dlx CMD: a command, not a script
	}
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "wC", LongValue: []string{"prefix", "workspace", "cwd", "dir", "filter", "userconfig", "cache", "registry"}})
	if p.Has("ignore-scripts") {
		return
	}
	dir := outer.Cwd
	if d, ok := p.Value("prefix", "cwd", "dir", "C"); ok {
		dir = ""
		if d.Known {
			dir = outer.Path(d.Value)
		}
	}
	ops := p.Operands
	if dir == "" || outer.Remote != "" {
		return
	}
	var names []string
	var extra []Arg
	sub := ""
	if len(ops) > 0 && ops[0].Known {
		sub = ops[0].Value
	}
	switch {
	case sub == "run" || sub == "run-script" || sub == "rum" || sub == "urn":
		if len(ops) < 2 || !ops[1].Known {
			return
		}
		names, extra = []string{ops[1].Value}, ops[2:]
	case sub == "test" || sub == "t" || sub == "tst" || sub == "start" || sub == "stop" || sub == "restart":
		name := map[string]string{"t": "test", "tst": "test"}[sub]
		if name == "" {
			name = sub
		}
		names, extra = []string{name}, ops[1:]
	case sub == "install" || sub == "i" || sub == "ci" || sub == "add" && len(ops) == 1 || sub == "" && outer.Program != "npm" && outer.Program != "bun":
		if len(ops) > 1 && sub != "ci" {
			return // installs a dependency: its scripts are not this project's
		}
		names = npmLifecycle
	case (outer.Program == "yarn" || outer.Program == "pnpm" || outer.Program == "bun") && len(ops) > 0:
		names, extra = []string{sub}, ops[1:] // yarn NAME runs the script NAME
	default:
		return
	}
	content, state, by := r.readFile(filepath.Join(dir, "package.json"))
	if state != fileRead {
		if reason := unreadReason("package.json", state, by); reason != "" {
			outer.note().Hidden = reason
		}
		return
	}
	var pkg struct {
		Scripts map[string]string `json:"scripts"`
	}
	if json.Unmarshal([]byte(content), &pkg) != nil {
		return
	}
	if len(names) == 1 && names[0] == sub && outer.Program != "npm" || sub == "run" && len(ops) >= 2 && outer.Program != "npm" {
		// yarn NAME, yarn run NAME, pnpm NAME: with no script of that
		// name, the package's program of that name runs (yarn rimraf
		// /usr), when the project has one
		if _, isScript := pkg.Scripts[names[0]]; !isScript {
			bin := filepath.Join(dir, "node_modules", ".bin", names[0])
			if _, err := r.host.Lstat(bin); err == nil && !strings.Contains(names[0], "/") {
				argv := append([]Arg{{Text: names[0], Value: names[0], Known: true}}, dropDashes(extra)...)
				r.runInner(outer, argv, sc, outer.Program+" "+names[0], func(inner *Invocation, isc *scope) {
					inner.Cwd, inner.Stdin = dir, nil
				})
				return
			}
		}
	}
	var run []string
	for _, name := range names {
		for _, n := range []string{"pre" + name, name, "post" + name} {
			if script, ok := pkg.Scripts[n]; ok && len(run) < maxPackageScripts {
				run = append(run, n)
				if n == name && len(extra) > 0 {
					script += " " + joinValues(dropDashes(extra))
				}
				r.runCodeWith(outer, script, sc, outer.Program+" run "+n, codeOpts{file: "package.json (" + n + ")", adjust: func(inner *Invocation, isc *scope) {
					inner.Cwd, inner.Stdin = dir, nil
				}})
			}
		}
	}
}

// npmScriptsSet reads npm pkg set scripts.NAME=CMD … and npm set-script
// NAME CMD for the package.json they write and what it holds afterwards:
// the project's own (read as any file is, or {} when there is none) with
// those scripts set. The text is unknown when a name or a command is.
func (r *resolver) npmScriptsSet(inv *Invocation) (path string, pkg text, ok bool) {
	p := ParseOptions(inv.Args, OptSpec{ShortValue: "wC", LongValue: []string{"prefix", "workspace", "userconfig", "cache", "registry"}})
	ops := p.Operands
	dir := inv.Cwd
	if d, given := p.Value("prefix", "C"); given {
		dir = ""
		if d.Known {
			dir = inv.Path(d.Value)
		}
	}
	if dir == "" || inv.Remote != "" || len(ops) < 2 || !ops[0].Known {
		return "", text{}, false
	}
	set := map[string]Arg{}
	switch {
	case ops[0].Value == "set-script" && len(ops) >= 3:
		if !ops[1].Known {
			return filepath.Join(dir, "package.json"), text{from: "npm set-script"}, true
		}
		set[ops[1].Value] = ops[2]
	case ops[0].Value == "pkg" && ops[1].Known && ops[1].Value == "set" && !p.Has("json"):
		for _, kv := range ops[2:] {
			key, _, found := strings.Cut(kv.Value, "=")
			name, isScript := strings.CutPrefix(key, "scripts.")
			if !kv.Known {
				return filepath.Join(dir, "package.json"), text{from: "npm pkg set"}, true
			}
			if found && isScript && name != "" {
				_, value, _ := strings.Cut(kv.Value, "=")
				set[name] = Arg{Text: kv.Text, Value: value, Known: true}
			}
		}
	}
	if len(set) == 0 {
		return "", text{}, false
	}
	path = filepath.Join(dir, "package.json")
	doc := map[string]any{}
	if content, state, _ := r.readFile(path); state == fileRead {
		_ = json.Unmarshal([]byte(content), &doc) // a broken file: npm starts a new one
	}
	scripts, _ := doc["scripts"].(map[string]any)
	if scripts == nil {
		scripts = map[string]any{}
	}
	for name, cmd := range set {
		scripts[name] = cmd.Value
	}
	doc["scripts"] = scripts
	data, err := json.Marshal(doc)
	if err != nil {
		return path, text{from: "npm pkg set"}, true
	}
	return path, text{value: string(data), known: true}, true
}

func dropDashes(args []Arg) []Arg {
	if len(args) > 0 && args[0].Known && args[0].Value == "--" {
		return args[1:]
	}
	return args
}

// gitCommandKeys are the settings whose value git runs with the shell.
var gitCommandKeys = lazyre.New(`(?i)^(core\.(pager|editor|sshcommand|fsmonitor|askpass)|sequence\.editor|pager\.[\w.-]+|diff\.external|diff\.[\w.-]+\.(textconv|command)|filter\.[\w.-]+\.(clean|smudge|process)|merge\.[\w.-]+\.driver|gpg(\.[\w.-]+)?\.program|credential(\..+)?\.helper|uploadpack\.packobjectshook|core\.gitproxy)$`)

// wrapGit judges what git -c KEY=VALUE makes git run: a pager, an
// editor, an ssh command, a filter, a credential helper starting with !,
// and an alias starting with ! when the line calls it.
func wrapGit(r *resolver, outer *Invocation, sc *scope) {
	r.gitConfigFromEnv(outer, sc)
	args := outer.Args
	aliases := map[string]string{}
	var hooksPath Arg // core.hooksPath: the hooks the subcommand runs
	var gitCwd *Arg
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		switch {
		case v == "-c" && i+1 < len(args):
			i++
			key, value, ok := strings.Cut(args[i].Value, "=")
			if !ok || !args[i].Known {
				continue
			}
			if strings.EqualFold(key, "core.hooksPath") {
				hooksPath = Arg{Text: value, Value: value, Known: true}
			}
			if name, isAlias := strings.CutPrefix(strings.ToLower(key), "alias."); isAlias {
				aliases[name] = value
				continue
			}
			if gitCommandKeys.MatchString(key) {
				value = strings.TrimPrefix(value, "!")
				r.runSnippet(outer, value, sc, "git -c "+key, nil)
			}
		case v == "--config-env" && i+1 < len(args):
			i++
			r.gitConfigEnv(outer, args[i].Value, sc)
			if a, ok := gitHooksPathFromConfigEnv(args[i].Value, sc); ok {
				hooksPath = a
			}
		case strings.HasPrefix(v, "--config-env="):
			r.gitConfigEnv(outer, v[len("--config-env="):], sc)
			if a, ok := gitHooksPathFromConfigEnv(v[len("--config-env="):], sc); ok {
				hooksPath = a
			}
		case v == "-C" || v == "--git-dir" || v == "--work-tree" || v == "--namespace" || v == "--exec-path":
			i++
			if v == "-C" && i < len(args) {
				gitCwd = &args[i] // where the repository and its hooks are
			}
		case strings.HasPrefix(v, "-"):
		default:
			code, ok := aliases[strings.ToLower(v)]
			if !ok && r.reach != nil {
				code, ok = r.reach.gitAliases[strings.ToLower(v)]
			}
			if ok && strings.HasPrefix(code, "!") {
				r.runSnippet(outer, code[1:]+" "+joinValues(args[i+1:]), sc, "git alias "+v, nil)
			} else if ok && !gitBuiltin[strings.ToLower(v)] {
				// an alias of git commands: git runs git CODE ARGS
				r.runSnippet(outer, "git "+code+" "+joinValues(args[i+1:]), sc, "git alias "+v, nil)
				return
			}
			if v == "config" {
				gitConfigCode(r, outer, args[i+1:], sc)
			}
			r.gitSubcommandCode(outer, v, args[i+1:], sc)
			r.gitHooksIn(gitIn(outer, gitCwd), hooksPath, v, args[i+1:], sc)
			return
		}
	}
}

// maxGitAliases bounds the aliases a line's git config commands define.
const maxGitAliases = 64

// gitBuiltin are git's own commands, which an alias of the same name
// does not replace.
var gitBuiltin = map[string]bool{"push": true, "pull": true, "fetch": true, "commit": true, "reset": true, "clean": true, "checkout": true,
	"switch": true, "restore": true, "rebase": true, "merge": true, "branch": true, "tag": true, "stash": true, "config": true, "status": true,
	"log": true, "diff": true, "add": true, "rm": true, "mv": true, "clone": true, "init": true, "remote": true, "worktree": true, "submodule": true}

// gitConfigCode: git config KEY VALUE (or git config set KEY VALUE) that
// stores a command git runs later (an alias starting with !, a pager, an
// fsmonitor hook…) is judged as that command, now.
func gitConfigCode(r *resolver, outer *Invocation, args []Arg, sc *scope) {
	var operands []Arg
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		switch {
		case v == "-f" || v == "--file" || v == "--blob" || v == "--type" || v == "--default" || v == "--comment":
			i++
		case strings.HasPrefix(v, "-"):
		default:
			operands = append(operands, args[i])
		}
	}
	if len(operands) > 0 && operands[0].Value == "set" {
		operands = operands[1:]
	}
	if len(operands) < 2 || !operands[0].Known {
		return
	}
	key, value := operands[0].Value, operands[1]
	if !value.Known {
		return
	}
	switch {
	case strings.HasPrefix(strings.ToLower(key), "alias."):
		if code, ok := strings.CutPrefix(value.Value, "!"); ok {
			r.runSnippet(outer, code, sc, "git alias "+key[len("alias."):], nil)
		} else if st := r.reached(); len(st.gitAliases) < maxGitAliases {
			// git config alias.pf 'push --force' && git pf origin main
			if st.gitAliases == nil {
				st.gitAliases = map[string]string{}
			}
			st.gitAliases[strings.ToLower(key[len("alias."):])] = value.Value
		}
	case gitCommandKeys.MatchString(key):
		r.runSnippet(outer, strings.TrimPrefix(value.Value, "!"), sc, "git config "+key, nil)
	}
}

var elispCall = lazyre.New(`\((shell-command-to-string|shell-command|async-shell-command|call-process-shell-command|call-process|start-process-shell-command|start-process|process-lines|delete-directory|delete-file|write-region)\s`)

// wrapEmacs reads the Lisp of emacs --eval and -l FILE for the commands
// it runs and the files it deletes or writes.
func wrapEmacs(r *resolver, outer *Invocation, sc *scope) {
	var code []string
	for i, a := range outer.Args {
		if i+1 >= len(outer.Args) {
			break
		}
		next := outer.Args[i+1]
		switch a.Value {
		case "--eval", "-eval", "--execute":
			code = append(code, next.Value)
		case "-l", "--load", "--script", "-scriptload":
			if content, ok := r.scriptContent(outer, next.Value); ok && next.Known {
				code = append(code, content)
			}
		}
		if v, ok := strings.CutPrefix(a.Value, "--eval="); ok {
			code = append(code, v)
		}
	}
	lisp := strings.Join(code, "\n")
	if len(lisp) > maxCodeBytes {
		return
	}
	site := codeSite{outer: outer, sc: sc, via: "emacs --eval"}
	lit := func(s string) []piece { return []piece{{text: s, known: true}} }
	for _, m := range elispCall.FindAllStringSubmatchIndex(lisp, maxCodeMatches) {
		fn := lisp[m[2]:m[3]]
		strs := elispArgs(lisp[m[1]:min(len(lisp), m[1]+maxCallBytes)])
		if len(strs) == 0 {
			continue
		}
		switch fn {
		case "shell-command", "shell-command-to-string", "async-shell-command", "call-process-shell-command", "start-process-shell-command":
			cmd := strs[0]
			if fn == "start-process-shell-command" && len(strs) > 2 {
				cmd = strs[2]
			}
			r.runPieces(site, lit(cmd))
		case "call-process", "process-lines", "start-process":
			var argv [][]piece
			for i, s := range strs {
				if fn == "start-process" && i < 2 || fn == "call-process" && i >= 1 && i <= 3 {
					continue // a name and a buffer; infile, destination, display
				}
				argv = append(argv, lit(s))
			}
			r.runArgv(site, argv, "")
		case "delete-directory":
			if len(strs) > 1 && strs[1] == "t" {
				r.runArgv(site, [][]piece{lit("rm"), lit("-rf"), lit(strs[0])}, "")
			}
		case "delete-file":
			r.runArgv(site, [][]piece{lit("rm"), lit("-f"), lit(strs[0])}, "")
		case "write-region":
			r.emitWrite(site, strs[len(strs)-1], false, "")
		}
	}
}

// elispArgs reads the arguments of a Lisp call up to its closing
// parenthesis: strings as their text, atoms (t, nil, numbers) as written,
// forms as "?".
func elispArgs(s string) []string {
	var out []string
	for i := 0; i < len(s) && len(out) < 32; i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n':
		case c == ')':
			return out
		case c == '"':
			ps, end := readString(s, i, language{name: "elisp"})
			if end < 0 {
				return out
			}
			out = append(out, piecesText(ps))
			i = end - 1
		case c == '(':
			end := matchingClose(s, i+1, '(')
			if end < 0 {
				return out
			}
			out = append(out, "?")
			i = end
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n()\"", rune(s[j])) {
				j++
			}
			out = append(out, s[i:j])
			i = j - 1
		}
	}
	return out
}
