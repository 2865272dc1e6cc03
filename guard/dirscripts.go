package guard

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard/lazyre"
)

// Programs that run the scripts of a folder: run-parts runs every
// executable file of its folder, git runs the hooks of core.hooksPath for
// the subcommand it is given. Each script is read and judged as if typed
// as ./script, bounded in number.

// maxDirScripts bounds the scripts of one folder that are judged.
const maxDirScripts = 32

// runPartsName is the names run-parts runs by default (Debian's
// --lsbsysinit off): letters, digits, underscores and hyphens.
var runPartsName = lazyre.New(`^[a-zA-Z0-9_-]+$`)

// wrapRunParts judges the scripts run-parts DIR would run.
func wrapRunParts(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, OptSpec{ShortValue: "ua", LongValue: []string{"umask", "arg", "regex"}})
	if p.Has("test", "list", "help", "version") {
		return // prints the names, runs nothing
	}
	if len(p.Operands) == 0 || !p.Operands[0].Known {
		return
	}
	match := runPartsName.Compiled()
	if re, ok := p.Value("regex"); ok {
		compiled, err := regexp.Compile(re.Value)
		if !re.Known || err != nil {
			outer.note().Hidden = "run-parts --regex " + re.Text + " picks scripts guard cannot tell"
			return
		}
		match = compiled
	}
	var args []Arg
	for _, a := range p.Values("a", "arg") {
		args = append(args, a)
	}
	dir := outer.Path(p.Operands[0].Value)
	r.runScriptsIn(outer, sc, dir, "run-parts "+p.Operands[0].Value, args, func(name string) bool { return match.MatchString(name) })
}

// runScriptsIn judges the executable files of dir that keep says to run,
// in name order, as ./file ARGS; and the files an earlier command on the
// line writes there (a chmod +x may follow).
func (r *resolver) runScriptsIn(outer *Invocation, sc *scope, dir, via string, args []Arg, keep func(name string) bool) {
	if dir == "" || outer.Remote != "" {
		return
	}
	names := map[string]bool{}
	entries, complete, err := r.host.ReadDir(dir, maxDirScripts*4)
	if err != nil {
		complete = true // no such folder on the host: only what the line writes
	}
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && (info.Mode().IsRegular() || info.Mode()&fs.ModeSymlink != 0) && info.Mode().Perm()&0o111 != 0 {
			names[e.Name()] = true
		}
	}
	for p := range r.reached().written {
		if path.Dir(p) == dir {
			names[path.Base(p)] = true
		}
	}
	ran := 0
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if !keep(name) {
			continue
		}
		if ran++; ran > maxDirScripts {
			complete = false
			break
		}
		file := path.Join(dir, name)
		argv := append([]Arg{{Text: file, Value: file, Known: true}}, args...)
		r.runInner(outer, argv, sc, via, nil)
	}
	if !complete {
		outer.note().Hidden = fmt.Sprintf("%s holds more scripts than guard reads (%d)", dir, maxDirScripts)
	}
}

// gitHooks are the hooks each git subcommand runs, with the options that
// skip some of them (--no-verify skips pre-commit and commit-msg).
var gitHooks = map[string][]string{
	"commit":      {"pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "post-rewrite"},
	"merge":       {"pre-merge-commit", "prepare-commit-msg", "commit-msg", "post-merge"},
	"pull":        {"pre-merge-commit", "prepare-commit-msg", "commit-msg", "post-merge", "post-checkout", "post-rewrite"},
	"push":        {"pre-push", "reference-transaction"},
	"checkout":    {"post-checkout", "reference-transaction"},
	"switch":      {"post-checkout", "reference-transaction"},
	"rebase":      {"pre-rebase", "post-checkout", "post-rewrite", "reference-transaction"},
	"am":          {"applypatch-msg", "pre-applypatch", "post-applypatch", "post-rewrite"},
	"cherry-pick": {"prepare-commit-msg", "commit-msg", "post-commit"},
	"revert":      {"prepare-commit-msg", "commit-msg", "post-commit"},
	"clone":       {"post-checkout"},
	"gc":          {"pre-auto-gc"},
	"worktree":    {"post-checkout"},
	"reset":       {"reference-transaction"},
	"tag":         {"reference-transaction"},
	"branch":      {"reference-transaction"},
	"fetch":       {"reference-transaction"},
}

// skippedByNoVerify are the hooks --no-verify (commit -n) leaves out.
var skippedByNoVerify = map[string]bool{"pre-commit": true, "commit-msg": true, "pre-merge-commit": true, "pre-push": true, "applypatch-msg": true, "pre-applypatch": true}

// gitHooksIn judges the hooks of the folder core.hooksPath names (git -c
// core.hooksPath=DIR, or GIT_CONFIG_KEY_n) that subcommand sub runs.
func (r *resolver) gitHooksIn(outer *Invocation, hooksPath Arg, sub string, args []Arg, sc *scope) {
	if sub == "config" {
		r.gitConfigHooksPath(outer, args)
		return
	}
	hooks := gitHooks[sub]
	if len(hooks) == 0 || outer.Remote != "" {
		return
	}
	if hooksPath.Text == "" {
		hooksPath = gitHooksPathFromEnv(sc)
	}
	if hooksPath.Text == "" {
		if hooksPath = r.repoHooksPath(outer); hooksPath.Text == "" {
			return
		}
	}
	if !hooksPath.Known {
		outer.note().Hidden = "git runs the " + sub + " hooks of core.hooksPath=" + hooksPath.Text + ", a folder guard does not know"
		return
	}
	noVerify := false
	for _, a := range args {
		noVerify = noVerify || a.Value == "--no-verify" || sub == "commit" && a.Value == "-n"
	}
	run := map[string]bool{}
	for _, h := range hooks {
		run[h] = !noVerify || !skippedByNoVerify[h]
	}
	dir := outer.Path(hooksPath.Value)
	r.runScriptsIn(outer, sc, dir, "git "+sub+" hook in "+hooksPath.Value, nil, func(name string) bool { return run[name] })
}

// gitHooksPathFromEnv is core.hooksPath given through GIT_CONFIG_COUNT and
// GIT_CONFIG_KEY_n, GIT_CONFIG_VALUE_n.
func gitHooksPathFromEnv(sc *scope) Arg {
	count, known := sc.lookup("GIT_CONFIG_COUNT")
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if !known || err != nil {
		return Arg{}
	}
	for i := 0; i < min(n, maxGitEnvConfig); i++ {
		key, _ := sc.lookup(fmt.Sprintf("GIT_CONFIG_KEY_%d", i))
		if strings.EqualFold(key, "core.hooksPath") {
			value, ok := sc.lookup(fmt.Sprintf("GIT_CONFIG_VALUE_%d", i))
			return Arg{Text: value, Value: value, Known: ok}
		}
	}
	return Arg{}
}

// gitHooksPathFromConfigEnv is core.hooksPath given as git
// --config-env=core.hooksPath=VAR: the value of VAR.
func gitHooksPathFromConfigEnv(spec string, sc *scope) (Arg, bool) {
	key, name, ok := strings.Cut(spec, "=")
	if !ok || !strings.EqualFold(key, "core.hooksPath") {
		return Arg{}, false
	}
	value, known := sc.lookup(name)
	return Arg{Text: "$" + name, Value: value, Known: known}, true
}

// gitConfigHooksPath remembers the core.hooksPath a git config on the line
// sets (git config core.hooksPath DIR, git config set core.hooksPath DIR):
// the git commands after it run the hooks there.
func (r *resolver) gitConfigHooksPath(outer *Invocation, args []Arg) {
	var operands []Arg
	for _, a := range args {
		if !strings.HasPrefix(a.Value, "-") {
			operands = append(operands, a)
		}
	}
	if len(operands) > 0 && operands[0].Value == "set" {
		operands = operands[1:]
	}
	if len(operands) == 2 && strings.EqualFold(operands[0].Value, "core.hooksPath") && operands[1].Known {
		r.reached().hooksPath = outer.Path(operands[1].Value)
	}
}

// maxRepoDepth bounds the folders walked up to find a repository.
const maxRepoDepth = 64

// repoHooksPath is the hooks folder of the repository git runs in: the
// core.hooksPath a git config earlier on the line set, else the one its
// .git/config names, else .git/hooks. Empty outside a repository.
func (r *resolver) repoHooksPath(outer *Invocation) Arg {
	if p := r.reached().hooksPath; p != "" {
		return Arg{Text: p, Value: p, Known: true}
	}
	if outer.Cwd == "" {
		return Arg{}
	}
	dir := outer.Cwd
	for range maxRepoDepth {
		gitDir := path.Join(dir, ".git")
		if info, err := r.host.Lstat(gitDir); err == nil && info.IsDir() {
			hooks := path.Join(gitDir, "hooks")
			if config, state, _ := r.readFile(path.Join(gitDir, "config")); state == fileRead {
				if p, ok := configHooksPath(config); ok {
					hooks = p
					if !path.IsAbs(p) {
						hooks = path.Join(dir, p) // relative to the work tree's top
					}
				}
			}
			return Arg{Text: hooks, Value: hooks, Known: true}
		}
		if dir == "/" {
			break
		}
		dir = path.Dir(dir)
	}
	return Arg{}
}

// configHooksPath reads core.hooksPath in the text of a git config file.
func configHooksPath(config string) (string, bool) {
	section := ""
	for _, line := range strings.Split(config, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = strings.ToLower(strings.Trim(line, "[] \t"))
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if ok && section == "core" && strings.EqualFold(strings.TrimSpace(key), "hooksPath") {
			return strings.Trim(strings.TrimSpace(value), `"`), true
		}
	}
	return "", false
}

// gitIn is outer as git -C DIR runs it: in DIR, unknown when DIR is.
func gitIn(outer *Invocation, dir *Arg) *Invocation {
	if dir == nil {
		return outer
	}
	moved := *outer
	moved.Cwd = ""
	if dir.Known {
		moved.Cwd = outer.Path(dir.Value)
	}
	return &moved
}
