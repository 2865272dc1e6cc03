package rules

import (
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
		return nil
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
