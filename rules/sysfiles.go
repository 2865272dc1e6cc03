package rules

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func sysfilesRules(c classifier) []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "critical-file-truncate",
			Programs:   nil, // a redirection can stand on any command
			Decision:   guard.Block,
			Summary:    "> or tee (without -a) onto /etc/passwd, shadow, group, sudoers (block) or fstab (confirm)",
			Postmortem: "echo user:x:… > /etc/passwd typed for >>: every other account gone, sudo and logins broken",
			Match:      matchCriticalTruncate,
		},
		{
			ID:         "mv-system",
			Programs:   []string{"mv"},
			Decision:   guard.Block,
			Summary:    "mv of /, a system folder or its direct children, or a home folder (mv ~ /dev/null)",
			Postmortem: "mv /lib /lib.old: mv itself, sshd and every dynamically linked program stop starting",
			Match:      c.matchMvSystem,
		},
		{
			ID:         "find-delete-system",
			Programs:   []string{"find"},
			Decision:   guard.Confirm,
			Summary:    "find /, a system folder or a home with -delete or -exec rm (block for / with no test at all)",
			Postmortem: "find / -name … -delete with a pattern that matched more than meant",
			Match:      c.matchFindDelete,
		},
	}
}

// criticalFiles: the files whose loss locks everyone out (block), or stops
// the next boot (confirm).
var criticalFiles = map[string]guard.Decision{
	"/etc/passwd": guard.Block, "/etc/shadow": guard.Block, "/etc/group": guard.Block,
	"/etc/gshadow": guard.Block, "/etc/sudoers": guard.Block,
	"/etc/fstab": guard.Confirm, "/etc/crypttab": guard.Confirm, "/etc/ssh/sshd_config": guard.Confirm,
	"/etc/pam.d/sudo": guard.Confirm, "/etc/pam.d/sshd": guard.Confirm, "/etc/pam.d/common-auth": guard.Confirm,
}

func criticalEffect(p string) string {
	switch filepath.Base(p) {
	case "passwd", "shadow", "group", "gshadow":
		return "every account not in the new content stops existing; logins and sudo break"
	case "sudoers":
		return "sudo refuses to run with a broken sudoers, so root is out of reach"
	case "fstab", "crypttab":
		return "the next boot may stop at an emergency shell"
	}
	return "logins can break"
}

func matchCriticalTruncate(inv *guard.Invocation, host guard.Host) *guard.Finding {
	var targets []guard.Arg
	for _, rd := range inv.Redirs {
		if rd.Truncates() {
			targets = append(targets, rd.Target)
		}
	}
	if inv.Program == "tee" {
		p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"output-error"}})
		if !p.Has("a", "append") {
			targets = append(targets, p.Operands...)
		}
	}
	if inv.Program == "truncate" || inv.Program == "cp" || inv.Program == "install" {
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "srStmogbT", LongValue: []string{"size", "reference", "suffix", "target-directory", "mode", "owner", "group"}})
		if len(p.Operands) > 0 {
			targets = append(targets, p.Operands[len(p.Operands)-1])
		}
	}
	for _, t := range targets {
		p := inv.Path(t.Value)
		if !t.Known || p == "" {
			continue
		}
		if inv.Remote == "" {
			p, _ = guard.ResolvePath(host, p)
		}
		d, ok := criticalFiles[p]
		if !ok {
			continue
		}
		hint := "to add a line use >> (or tee -a); to edit use vipw, vigr or visudo, which lock the file and check it"
		if d == guard.Confirm {
			hint = "to add a line use >> (or tee -a); keep a copy first: cp -a " + p + " " + p + ".bak"
		}
		return guard.Found(d, hint, "would replace the whole of %s%s with this command's output: %s", p, inv.Where(), criticalEffect(p)).
			Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{p}, Overwrite: true})
	}
	return nil
}

func (c classifier) matchMvSystem(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "tS", LongValue: []string{"target-directory", "suffix", "backup"}})
	sources := p.Operands
	if _, ok := p.Value("t", "target-directory"); !ok && len(sources) < 2 {
		return nil // mv moves nothing without a destination
	}
	if _, ok := p.Value("t", "target-directory"); !ok && len(sources) > 1 {
		sources = sources[:len(sources)-1]
	}
	home := Home(inv, host)
	for _, a := range sources {
		if !a.Known {
			continue
		}
		t := TargetOf(inv, host, a)
		// mv renames the link itself, not its target: judge the path as written.
		t.Resolved = t.Path
		kind, where := c.Worst(t, home)
		if kind < UserHome || kind == TopLevel && where == "/tmp" {
			continue
		}
		effect := "programs and services that use it stop working, and mv may not be able to move it back"
		if strings.HasPrefix(where, "/lib") || strings.HasPrefix(where, "/usr/lib") || where == "/usr" {
			effect = "the dynamic loader goes with it: mv itself, sshd and every dynamically linked program stop starting"
		} else if kind == UserHome {
			effect = "the files and keys in it go wherever the destination is (mv ~ /dev/null loses them)"
		}
		return guard.Found(guard.Block,
			fmt.Sprintf("copy instead of moving: cp -a %s %s.bak; rename what is inside, not the folder itself", where, where),
			"would move %s away: %s", kind.Describe(where), effect)
	}
	return nil
}

// findTests are the find primaries that narrow what is matched.
var findTests = []string{"-name", "-iname", "-path", "-ipath", "-wholename", "-regex", "-iregex", "-type", "-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-newer", "-size", "-user", "-group", "-perm", "-empty", "-links", "-inum", "-uid", "-gid", "-nouser", "-nogroup", "-lname", "-samefile"}

func (c classifier) matchFindDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	var starts []guard.Arg
	i := 0
	for ; i < len(inv.Args); i++ {
		v := inv.Args[i].Value
		if v == "-H" || v == "-L" || v == "-P" || strings.HasPrefix(v, "-O") || v == "-D" {
			if v == "-D" {
				i++
			}
			continue
		}
		break
	}
	for ; i < len(inv.Args); i++ {
		v := inv.Args[i].Value
		if strings.HasPrefix(v, "-") || v == "(" || v == "!" {
			break
		}
		starts = append(starts, inv.Args[i])
	}
	expr := inv.Values()[i:]
	deletes, filtered := false, false
	for j, v := range expr {
		switch {
		case v == "-delete":
			deletes = true
		case findActions(v) && j+1 < len(expr):
			switch filepath.Base(expr[j+1]) {
			case "rm", "shred", "unlink", "rmdir":
				deletes = true
			}
		case contains(findTests, v):
			filtered = true
		}
	}
	if !deletes {
		return nil
	}
	if len(starts) == 0 {
		starts = []guard.Arg{{Text: ".", Value: ".", Known: true}}
	}
	home := Home(inv, host)
	for _, a := range starts {
		t := TargetOf(inv, host, a)
		if t.Path == "" {
			continue
		}
		kind := c.Classify(t.Path, home)
		if kind != Root && kind != SystemDir && kind != UserHome {
			continue
		}
		hint := "run the same find without -delete first and read the list; then narrow it to the folder you mean"
		if kind == Root && !filtered {
			return guard.Found(guard.Block, hint, "would delete every file find reaches from /: the whole machine")
		}
		return guard.Found(guard.Confirm, hint, "would delete every match found under %s%s, across the whole tree", kind.Describe(t.Path), cwdNote(inv, a)).
			Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}})
	}
	return nil
}

func findActions(v string) bool {
	return v == "-exec" || v == "-execdir" || v == "-ok" || v == "-okdir"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
