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
		Machine:    true,
		Match:      matchCrontabRemove,
	}}
}

func matchCrontabRemove(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "us"})
	if !p.Has("r") || p.Has("i") {
		if !replacesWithNothing(inv, host, p) {
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
	if _, file := keptCopy(inv, func(b *guard.Invocation) (guard.Arg, bool) { return crontabListing(b, user) }); file != "" {
		return guard.Found(guard.Warn, "to put it back: crontab "+userOption(user)+file,
			"deletes %s crontab on %s; the line saved it to %s just before", whose, guard.HostName(inv, host), file)
	}
	return guard.Found(guard.Confirm,
		"save it first: crontab -l > ~/crontab.bak; to be asked before deletion: crontab -ri; to edit: crontab -e",
		"would delete %s crontab on %s at once, without asking and without a copy", whose, guard.HostName(inv, host)).
		Saving(guard.Backup{Kind: guard.BackupCrontab, User: user})
}

// replacesWithNothing: crontab /dev/null, an empty file, or crontab -
// fed nothing (< /dev/null, echo -n |, true |) installs an empty crontab:
// the same loss as crontab -r.
func replacesWithNothing(inv *guard.Invocation, host guard.Host, p guard.Parsed) bool {
	if p.Has("l", "e", "r") || len(p.Operands) > 1 {
		return false
	}
	if len(p.Operands) == 1 && p.Operands[0].Value != "-" {
		f := p.Operands[0]
		return f.Known && (f.Value == "/dev/null" || emptyFile(inv, host, f.Value))
	}
	if len(p.Operands) == 1 && !p.Operands[0].Known {
		return false
	}
	for _, rd := range inv.Redirs {
		if rd.Op == "<" && rd.Target.Known {
			return rd.Target.Value == "/dev/null" || emptyFile(inv, host, rd.Target.Value)
		}
	}
	if text, known := guard.StdinText(inv); known {
		return strings.TrimSpace(text) == ""
	}
	return len(inv.Stdin) > 0 && writesNothing(inv.Stdin[len(inv.Stdin)-1])
}

// emptyFile: the file exists on this host and holds nothing.
func emptyFile(inv *guard.Invocation, host guard.Host, name string) bool {
	p := inv.Path(name)
	if p == "" || inv.Remote != "" {
		return false
	}
	info, err := host.Lstat(p)
	return err == nil && info.Mode().IsRegular() && info.Size() == 0
}

// crontabListing: b is crontab -l of the user's crontab, whose output is
// the copy (keptCopy).
func crontabListing(b *guard.Invocation, user string) (guard.Arg, bool) {
	if b.Program != "crontab" {
		return guard.Arg{}, false
	}
	p := guard.ParseOptions(b.Args, guard.OptSpec{ShortValue: "us"})
	listed := b.User
	if u, ok := p.Value("u"); ok {
		listed = u.Value
	}
	return guard.Arg{}, p.Has("l") && !p.Has("r", "e") && listed == user
}

// userOption is "-u USER " for another user's crontab.
func userOption(user string) string {
	if user == "" {
		return ""
	}
	return "-u " + user + " "
}
