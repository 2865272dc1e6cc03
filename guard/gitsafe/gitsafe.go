// Package gitsafe keeps guard's own git commands (a snapshot's git stash
// create, a preview's git status) from running code the repository
// configures: its fsmonitor hook, its hooks and its content filters are
// the repository's code, which a command guard has not yet let run must
// not get to run through guard.
package gitsafe

import (
	"context"
	"os/exec"
	"strings"
	"time"
)

// Args returns git's global options that switch that code off in the work
// tree dir, to put right after "git". Reading the configuration runs none
// of it.
func Args(dir string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return ArgsWith(ctx, "git", dir, nil)
}

// ArgsWith is Args with the git program, the environment (nil: this
// process's own) and the time the configuration read may take given:
// guard check, which must not run a git found first on PATH and must not
// wait long, names them.
func ArgsWith(ctx context.Context, git, dir string, env []string) []string {
	args := []string{"-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"}
	cmd := exec.CommandContext(ctx, git, "config", "--name-only", "--get-regexp", `^filter\.`)
	cmd.Dir = dir
	cmd.Env = env
	out, _ := cmd.Output()
	return append(args, filterOff(string(out))...)
}

// filterOff turns off each filter driver named in keys (filter.NAME.KEY,
// one a line): no clean, smudge or process command, and not required.
func filterOff(keys string) []string {
	var args []string
	seen := map[string]bool{}
	for _, key := range strings.Fields(keys) {
		rest, ok := strings.CutPrefix(strings.ToLower(key), "filter.")
		i := strings.LastIndexByte(rest, '.')
		if !ok || i <= 0 || seen[rest[:i]] {
			continue
		}
		name := key[len("filter.") : len("filter.")+i]
		seen[rest[:i]] = true
		for _, setting := range []string{"clean=", "smudge=", "process=", "required=false"} {
			args = append(args, "-c", "filter."+name+"."+setting)
		}
	}
	return args
}
