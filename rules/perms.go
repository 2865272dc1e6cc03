package rules

import (
	"fmt"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func permsRules(c classifier) []*guard.Rule {
	return []*guard.Rule{{
		ID:         "chmod-recursive-system",
		Programs:   []string{"chmod", "chown", "chgrp"},
		Decision:   guard.Block,
		Summary:    "chmod, chown or chgrp -R on / or a system folder",
		Postmortem: "chmod -R 777 / and chown -R on /usr: setuid bits and service ownership lost, sudo and sshd refuse to start",
		Match:      c.matchPermsRecursive,
	}}
}

func (c classifier) matchPermsRecursive(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"reference", "from"}})
	if !p.Has("R", "recursive") {
		return nil
	}
	operands := p.Operands
	if !p.Has("reference") && len(operands) > 0 {
		operands = operands[1:] // the mode or the owner
	}
	home := Home(inv, host)
	what := map[string]string{"chmod": "permissions", "chown": "owner", "chgrp": "group"}[inv.Program]
	for _, a := range operands {
		if !a.Known && !a.MaybeEmpty {
			continue
		}
		t := TargetOf(inv, host, a)
		kind, where := c.Worst(t, home)
		if kind != Root && kind != SystemDir && kind != SystemChild || kind == SystemChild && varData[where] {
			continue
		}
		if !a.Known {
			return guard.Found(guard.Confirm, `check the value first (echo "`+a.Text+`") and write ${VAR:?} so the shell stops when it is empty`,
				"cannot tell what %s is (%s not known to guard); if it is empty this changes the %s of every file under %s",
				a.Text, strings.Join(a.Unknown, ", "), what, where)
		}
		return guard.Found(guard.Block,
			fmt.Sprintf("name the folder you mean, e.g. %s -R … /var/www/site; to repair package files: dpkg --verify and reinstall, or rpm --setperms -a", inv.Program),
			"would change the %s of every file under %s%s: setuid bits (sudo, su), ssh key permissions and service ownership are lost, with no undo",
			what, strings.TrimSuffix(kind.Describe(where), ", a system folder"), cwdNote(inv, a))
	}
	return nil
}

// varData are the folders under /var that hold a site's own data, whose
// permissions are routinely changed; /var/lib, /var/spool, /var/empty and
// the others stay protected.
var varData = map[string]bool{
	"/var/www": true, "/var/log": true, "/var/cache": true, "/var/tmp": true,
	"/var/mail": true, "/var/backups": true, "/var/opt": true, "/var/games": true,
}
