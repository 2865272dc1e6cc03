package guard

import (
	"slices"
	"strings"
)

// devRunner describes a language or project tool that runs a command in
// the project's environment (bundle exec CMD, poetry run CMD, uv run CMD,
// npx CMD, aws-vault exec PROFILE -- CMD): the command is the one that
// runs, with the tool's variables, and is judged as if typed alone.
type devRunner struct {
	// sub are the subcommand words that run a command (exec, run, x);
	// none for a runner that is nothing else (npx, bunx, uvx).
	sub []string
	// opts are the options, of the tool and of the subcommand, that take
	// a value.
	opts OptSpec
	// skip counts the operands after the subcommand before the command
	// (aws-vault exec PROFILE CMD, direnv exec DIR CMD).
	skip int
	// untilDashes: the command is what follows "--" when the line has one
	// (mise exec node@20 -- node x.js, chamber exec app db -- CMD).
	untilDashes bool
	// code are options whose value is shell code (npx -c 'CMD', doppler
	// run --command 'CMD', nix-shell --run 'CMD').
	code []string
	// python: a first word ending in .py is a script the tool runs with
	// its Python (uv run tool.py, pdm run x.py).
	python bool
	// argvAfter are options after which the rest of the line is the
	// command, its own options included (nix develop -c CMD ARGS…).
	argvAfter []string
}

// uvOpts: uv's options that take a value, for uv run and uvx.
var uvOpts = OptSpec{ShortValue: "pwf", LongValue: []string{"with", "with-editable", "with-requirements", "python", "directory", "project",
	"package", "env-file", "extra", "group", "only-group", "no-group", "index", "default-index", "index-url", "extra-index-url",
	"find-links", "cache-dir", "config-file", "color", "from", "script", "module", "index-strategy", "keyring-provider",
	"resolution", "prerelease", "exclude-newer", "link-mode", "refresh-package", "reinstall-package", "upgrade-package"}}

// devRunners is a read-only table, looked up by program name.
var devRunners = map[string]devRunner{
	"bundle":     {sub: []string{"exec"}, opts: OptSpec{LongValue: []string{"gemfile"}}},
	"poetry":     {sub: []string{"run"}, opts: OptSpec{ShortValue: "CP", LongValue: []string{"directory", "project"}}},
	"uv":         {sub: []string{"run", "tool run"}, opts: uvOpts, python: true},
	"uvx":        {opts: uvOpts},
	"pipenv":     {sub: []string{"run"}, opts: OptSpec{LongValue: []string{"python", "pypi-mirror"}}},
	"pdm":        {sub: []string{"run"}, opts: OptSpec{ShortValue: "pg", LongValue: []string{"project", "venv"}}, python: true},
	"hatch":      {sub: []string{"run"}, opts: OptSpec{ShortValue: "e", LongValue: []string{"env", "project", "data-dir", "cache-dir", "config"}}},
	"rye":        {sub: []string{"run"}, opts: OptSpec{LongValue: []string{"pyproject"}}},
	"pipx":       {sub: []string{"run"}, opts: OptSpec{LongValue: []string{"spec", "python", "index-url", "pip-args"}}},
	"npx":        {opts: OptSpec{ShortValue: "pc", LongValue: []string{"package", "call", "cache", "userconfig", "registry"}}, code: []string{"c", "call"}},
	"pnpx":       {opts: OptSpec{ShortValue: "pc", LongValue: []string{"package", "call"}}, code: []string{"c", "call"}},
	"bunx":       {opts: OptSpec{ShortValue: "p", LongValue: []string{"package"}}},
	"conda":      {sub: []string{"run"}, opts: OptSpec{ShortValue: "np", LongValue: []string{"name", "prefix", "cwd"}}},
	"mamba":      {sub: []string{"run"}, opts: OptSpec{ShortValue: "np", LongValue: []string{"name", "prefix", "cwd"}}},
	"micromamba": {sub: []string{"run"}, opts: OptSpec{ShortValue: "np", LongValue: []string{"name", "prefix", "cwd"}}},
	"mise":       {sub: []string{"exec", "x"}, opts: OptSpec{ShortValue: "Cj", LongValue: []string{"cd", "jobs", "command"}}, untilDashes: true, code: []string{"c", "command"}},
	"asdf":       {sub: []string{"exec"}},
	"devbox":     {sub: []string{"run"}, opts: OptSpec{ShortValue: "ce", LongValue: []string{"config", "env", "env-file"}}},
	"direnv":     {sub: []string{"exec"}, skip: 1},
	"dotenv":     {opts: OptSpec{ShortValue: "evc", LongValue: []string{"env-file"}}, untilDashes: true},
	"op":         {sub: []string{"run"}, opts: OptSpec{LongValue: []string{"env-file", "account", "config", "session"}}},
	"doppler":    {sub: []string{"run"}, opts: OptSpec{ShortValue: "pc", LongValue: []string{"project", "config", "command", "token", "scope", "mount", "fallback"}}, code: []string{"command"}},
	"infisical":  {sub: []string{"run"}, opts: OptSpec{LongValue: []string{"env", "projectId", "path", "command", "token", "tags", "domain"}}, code: []string{"command"}},
	"aws-vault":  {sub: []string{"exec"}, opts: OptSpec{ShortValue: "dt", LongValue: []string{"duration", "mfa-token", "region", "backend", "prompt"}}, skip: 1},
	"chamber":    {sub: []string{"exec"}, opts: OptSpec{ShortValue: "br", LongValue: []string{"backend", "retries", "kms-key-alias"}}, untilDashes: true},
	"envchain":   {skip: 1},
	"shx":        {}, // shx rm -rf dist: the shell commands of ShellJS
	"pixi":       {sub: []string{"run", "exec"}, opts: OptSpec{ShortValue: "es", LongValue: []string{"manifest-path", "environment", "color", "spec", "channel"}}},
	"nix":        {sub: []string{"develop", "shell"}, argvAfter: []string{"-c", "--command"}},
	"nix-shell":  {opts: OptSpec{ShortValue: "pEAI", LongValue: []string{"run", "command", "packages", "expr", "attr", "arg", "argstr", "include", "option"}}, code: []string{"run", "command"}},
}

// devRunnerFor returns how to look inside a language tool's runner, nil
// for a program that is none.
func devRunnerFor(program string) wrapFunc {
	if rmLike[program] {
		return wrapRmLike
	}
	spec, ok := devRunners[program]
	if !ok {
		return nil
	}
	return spec.wrap
}

// wrap finds the command a runner runs and dispatches it, or its shell
// code when an option holds that.
func (spec devRunner) wrap(r *resolver, outer *Invocation, sc *scope) {
	spec.run(r, outer, outer.Args, outer.Program, sc)
}

// run reads args (what follows the program, or npm's exec) as the runner
// via does.
func (spec devRunner) run(r *resolver, outer *Invocation, args []Arg, via string, sc *scope) {
	opts := spec.opts
	opts.StopAtOperand = true
	p := ParseOptions(args, opts)
	if p.Has("help", "h", "version", "V") && len(p.Operands) == 0 {
		return
	}
	argv := append(p.Operands, p.Rest...)
	if len(spec.sub) > 0 {
		sub := subcommandOf(spec.sub, argv)
		if sub == "" {
			return // another subcommand: install, add, build…
		}
		via += " " + sub
		argv = argv[len(strings.Fields(sub)):]
		if len(spec.argvAfter) > 0 {
			for i, a := range argv {
				if a.Known && slices.Contains(spec.argvAfter, a.Value) {
					r.runInner(outer, argv[i+1:], sc, via, nil)
					return
				}
			}
			return // no command: an interactive shell
		}
		p = ParseOptions(argv, opts)
		argv = append(p.Operands, p.Rest...)
	}
	for _, name := range spec.code {
		if code, ok := p.Value(name); ok {
			r.runCode(outer, joinCode([]Arg{code}, r.lineLang()), sc, via, nil)
			return
		}
	}
	if spec.untilDashes {
		for i, a := range args {
			if a.Known && a.Value == "--" {
				argv = args[i+1:]
				break
			}
		}
	} else if len(argv) > spec.skip {
		argv = argv[spec.skip:]
		if argv[0].Known && argv[0].Value == "--" {
			argv = argv[1:]
		}
	} else {
		return
	}
	if len(argv) == 0 {
		return
	}
	if spec.python && argv[0].Known && strings.HasSuffix(argv[0].Value, ".py") {
		argv = append([]Arg{{Text: "python3", Value: "python3", Known: true}}, argv...)
	}
	r.runInner(outer, argv, sc, via, nil)
}

// subcommandOf is the subcommand of subs that argv starts with, one word
// or two (uv tool run), "" for none.
func subcommandOf(subs []string, argv []Arg) string {
	for _, sub := range subs {
		words := strings.Fields(sub)
		if len(argv) < len(words) {
			continue
		}
		match := true
		for i, w := range words {
			match = match && argv[i].Known && argv[i].Value == w
		}
		if match {
			return sub
		}
	}
	return ""
}

// packageExec: npm exec / npm x, pnpm exec / dlx, yarn exec / dlx, bun x
// run a command as npx does; false for another subcommand.
func packageExec(r *resolver, outer *Invocation, sc *scope) bool {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "wC", LongValue: []string{"prefix", "workspace", "cwd", "dir", "filter", "userconfig", "cache", "registry"}, StopAtOperand: true})
	if len(p.Operands) == 0 || !p.Operands[0].Known {
		return false
	}
	sub := p.Operands[0].Value
	switch {
	case outer.Program == "npm" && (sub == "exec" || sub == "x"),
		(outer.Program == "pnpm" || outer.Program == "yarn") && (sub == "exec" || sub == "dlx"),
		outer.Program == "bun" && sub == "x":
		devRunners["npx"].run(r, outer, p.Rest, outer.Program+" "+sub, sc)
		return true
	}
	return false
}

// rmLike are node's cross-platform rm -rf (npx rimraf dist, del-cli):
// what they are given is deleted as rm -rf deletes it.
var rmLike = map[string]bool{"rimraf": true, "del-cli": true, "premove": true}

// wrapRmLike judges rimraf PATH… as rm -rf -- PATH…: their options only
// choose how (--glob, --preserve-root, -v), not what.
func wrapRmLike(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{})
	if p.Has("help", "h", "version") || len(p.Operands) == 0 {
		return
	}
	argv := []Arg{{Text: "rm", Value: "rm", Known: true}, {Text: "-rf", Value: "-rf", Known: true}, {Text: "--", Value: "--", Known: true}}
	gsc := sc.clone()
	gsc.opts |= optGlobstar
	for _, a := range p.Operands {
		if a.Known && !a.Glob && strings.ContainsAny(a.Value, "*?[") {
			// rimraf --glob 'dist/**', del-cli '/x/**': the tool expands
			// the pattern itself, ** included
			a.Glob, a.pattern = true, a.Value
			argv = append(argv, r.globField(a, gsc, modeArgs)...)
			continue
		}
		argv = append(argv, a)
	}
	r.runInner(outer, argv, sc, outer.Program, nil)
}
