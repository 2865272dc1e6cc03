package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

// Commands that switch off guard's own shell hook for the rest of the
// session: the lines typed after them run unchecked, with no record.
func selfguardRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "guard-hook-off",
		Programs:   []string{"trap", "bind", "unset", "unfunction", "readonly", "declare", "typeset", "bindkey", "zle", "add-zsh-hook"},
		Decision:   guard.Confirm,
		Summary:    "switching off guard's shell hook (trap - DEBUG, rebinding Enter, unset -f __guard_…)",
		Postmortem: "guard's own design: two lines typed at a guarded prompt silenced the hook and the third ran unchecked",
		Match:      matchHookOff,
	}, {
		ID:         "guard-snapshot-loss",
		Programs:   []string{"guard"},
		Decision:   guard.Confirm,
		Summary:    "guard snapshot prune, and undo or restore --force: the way back, or newer work, is thrown away",
		Postmortem: "guard's own design: a coding agent refused once pruned the snapshots that would have undone its next command",
		Match:      matchSnapshotLoss,
	}}
}

func matchSnapshotLoss(inv *guard.Invocation, _ guard.Host) *guard.Finding {
	values := knownValues(inv.Args)
	if len(values) == 0 {
		return nil
	}
	force := hasWord(values, "--force") || hasWord(values, "--force=true")
	switch {
	case values[0] == "snapshot" && len(values) > 1 && values[1] == "prune":
		return guard.Found(guard.Confirm, "guard snapshot list first; prune only what you will not need: guard snapshot prune --keep N",
			"would delete guard's snapshots: the commands they were taken for can no longer be undone")
	case force && (values[0] == "undo" || values[0] == "snapshot" && len(values) > 1 && values[1] == "restore"):
		return guard.Found(guard.Confirm, "see what it would do first: guard "+values[0]+" --dry-run; without --force, files changed since the snapshot are kept",
			"would overwrite files changed since the snapshot was taken (--force): that newer work is lost")
	}
	return nil
}

// enterKeys are readline's and zle's names for the keys that accept a
// line.
var enterKeys = []string{`\C-m`, `\C-j`, `\r`, `\n`, "RETURN", "Return", "newline", "^M", "^J"}

func matchHookOff(inv *guard.Invocation, _ guard.Host) *guard.Finding {
	values := knownValues(inv.Args)
	what := ""
	switch inv.Program {
	case "trap":
		// trap - DEBUG, trap '' DEBUG, trap 'other code' DEBUG: each takes
		// the place of the hook's own trap.
		if len(values) >= 2 && values[0] != "-p" && values[0] != "-l" && hasWord(values[1:], "DEBUG") {
			what = "it replaces the DEBUG trap guard's hook checks each command with"
		}
	case "bind", "bindkey":
		for _, v := range values {
			for _, key := range enterKeys {
				if strings.Contains(v, key) {
					what = "it rebinds the Enter key guard's hook checks each line at"
				}
			}
		}
	case "zle":
		if hasWord(values, "-N") && (hasWord(values, "accept-line") || hasWord(values, "zle-line-finish")) {
			what = "it replaces the zsh widget guard's hook checks each line in"
		}
	case "add-zsh-hook":
		if hasWord(values, "-d") || hasWord(values, "-D") {
			what = "it removes a zsh hook, possibly guard's"
		}
	default: // unset, unfunction, readonly, declare, typeset
		for _, v := range values {
			name, _, _ := strings.Cut(v, "=")
			if strings.HasPrefix(name, "__guard") || name == "preexec_functions" {
				what = "it removes or freezes a part of guard's hook (" + name + ")"
			}
		}
	}
	if what == "" {
		return nil
	}
	return guard.Found(guard.Confirm,
		"to run one command unchecked, say so on it: GUARD=off COMMAND (recorded); to leave guard, exit this shell",
		"would switch off guard in this shell: %s, so the lines typed after it run unchecked and unrecorded", what)
}

func knownValues(args []guard.Arg) []string {
	var out []string
	for _, a := range args {
		if a.Known {
			out = append(out, a.Value)
		}
	}
	return out
}

func hasWord(words []string, w string) bool {
	for _, v := range words {
		if v == w {
			return true
		}
	}
	return false
}
