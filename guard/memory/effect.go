// Package memory remembers, for each coding agent session, what guard
// refused, so that the same effect tried another way (the line in a script
// the agent writes, a python one-liner, another flag order, sudo) is
// refused with that reason: the agent is told to stop and ask its user,
// instead of being taught which spelling gets through.
//
// What is remembered is the effect of a finding, not its text: the rule
// and the target it resolved, so that `rm -rf /usr`, `rm -r -f /usr/`,
// `cd / && rm -rf usr` and `python3 -c "shutil.rmtree('/usr')"` are one
// effect, and `rm -rf /tmp/build` is another.
package memory

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// Effect is what a finding says a command would do: a rule, and the target
// the rule resolved.
type Effect struct {
	Rule string `json:"rule"`
	// Target is an absolute path (host:/path for a command sent over ssh),
	// crontab:USER, lvm:VG, git:DIR or firewall; "" when the rule names no
	// target (kill -9 1, a fork bomb), and then the rule is the effect.
	Target string `json:"target,omitempty"`
}

// Same tells whether two effects are one: the same target, whichever rule
// saw it (rm -rf /usr and find /usr -delete both delete /usr), or the same
// rule when neither names a target.
func (e Effect) Same(o Effect) bool {
	if e.Target != "" || o.Target != "" {
		return e.Target == o.Target
	}
	return e.Rule == o.Rule
}

func (e Effect) String() string {
	if e.Target == "" {
		return e.Rule
	}
	return e.Rule + " on " + e.Target
}

// EffectsOf lists the effects of a verdict's findings of at least decision
// at, each once.
func EffectsOf(v guard.Verdict, at guard.Decision) []Effect {
	var out []Effect
	for _, f := range v.Findings {
		if f.Decision < at {
			continue
		}
		targets := targetsOf(f, v.Invocations)
		if len(targets) == 0 {
			targets = []string{""}
		}
		for _, t := range targets {
			e := Effect{Rule: f.Rule, Target: t}
			if !slices.Contains(out, e) {
				out = append(out, e)
			}
		}
	}
	return out
}

// targetsOf is what a finding is about. The backup a finding declares is
// the rule's own statement of what is at risk, resolved (through links,
// globs, the cwd). Without one, the targets are the command's operands,
// resolved the same way, that the rule names in its message: a rule writes
// the path it found at fault there, and leaves out the rest (dd's
// if=/dev/zero is an operand, not the target).
func targetsOf(f guard.Finding, invs []*guard.Invocation) []string {
	if b := f.Backup; b != nil && b.Unknown == "" {
		switch b.Kind {
		case guard.BackupFiles:
			var out []string
			for _, p := range b.Paths {
				if filepath.IsAbs(p) {
					out = append(out, filepath.Clean(p))
				}
			}
			if len(out) > 0 {
				return out
			}
		case guard.BackupCrontab:
			return []string{"crontab:" + b.User}
		case guard.BackupLVM:
			return []string{"lvm:" + b.VG}
		case guard.BackupGit:
			return []string{"git:" + filepath.Clean(b.Dir)}
		case guard.BackupFirewall:
			return []string{"firewall"}
		}
	}
	var out []string
	for _, inv := range invs {
		if inv.Text != f.Command {
			continue
		}
		for _, p := range operandPaths(inv) {
			if strings.Contains(f.Message, p) {
				if inv.Remote != "" {
					p = inv.Remote + ":" + p
				}
				if !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// operandPaths are the known operands and written redirection targets of
// a command as absolute paths: options skipped (until --), NAME=PATH read
// as PATH (dd of=), a glob cut back to the folder it lists.
func operandPaths(inv *guard.Invocation) []string {
	var words []string
	options := true
	for _, a := range inv.Args {
		if !a.Known {
			continue
		}
		v := a.Value
		switch {
		case options && v == "--":
			options = false
			continue
		case options && strings.HasPrefix(v, "-"):
			continue
		}
		if _, value, ok := strings.Cut(v, "="); ok && options {
			v = value
		}
		if a.Glob {
			v = globBase(v)
		}
		words = append(words, v)
	}
	for _, rd := range inv.Redirs {
		if rd.Writes() && rd.Target.Known {
			words = append(words, rd.Target.Value)
		}
	}
	var out []string
	for _, w := range words {
		if p := inv.Path(w); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// globBase is the folder a pattern lists: /usr/* is /usr, lib/*.so is lib.
func globBase(pattern string) string {
	i := strings.IndexAny(pattern, "*?[")
	if i < 0 {
		return pattern
	}
	prefix := pattern[:i]
	if prefix == "" {
		return "."
	}
	if strings.HasSuffix(prefix, "/") {
		return prefix
	}
	return filepath.Dir(prefix)
}
