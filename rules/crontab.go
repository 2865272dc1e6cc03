package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

func crontabRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "crontab-remove",
		Programs:   []string{"crontab"},
		Decision:   guard.Confirm,
		Summary:    "crontab -r deletes a crontab without asking (r sits next to e)",
		Postmortem: "LXC host migration: crontab -r typed for crontab -e; the crontab was gone",
		Match:      matchCrontabRemove,
	}}
}

func matchCrontabRemove(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "us"})
	if !p.Has("r") || p.Has("i") {
		if !replacesWithNothing(inv, p) {
			return nil
		}
	}
	whose, user := "your", inv.User
	if u, ok := p.Value("u"); ok {
		user = u.Value
	}
	if user != "" {
		whose = user + "'s"
	}
	return guard.Found(guard.Confirm,
		"save it first: crontab -l > ~/crontab.bak; to be asked before deletion: crontab -ri; to edit: crontab -e",
		"would delete %s crontab on %s at once, without asking and without a copy", whose, guard.HostName(inv, host)).
		Saving(guard.Backup{Kind: guard.BackupCrontab, User: user})
}

// replacesWithNothing: crontab /dev/null, or crontab - fed an empty line,
// installs an empty crontab: the same loss as crontab -r.
func replacesWithNothing(inv *guard.Invocation, p guard.Parsed) bool {
	if p.Has("l", "e", "r") || len(p.Operands) != 1 {
		return false
	}
	switch f := p.Operands[0]; {
	case f.Known && f.Value == "/dev/null":
		return true
	case f.Known && f.Value == "-":
		text, known := guard.StdinText(inv)
		return known && strings.TrimSpace(text) == ""
	}
	return false
}
