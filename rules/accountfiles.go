package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// Account files edited by hand (sed -i on /etc/passwd, /etc/shadow,
// /etc/group) and passwords set in bulk (chpasswd): what the edit does
// to root's line, the operator's own, and the admin groups, read as the
// account tools' effects (lock, delete, nologin, leaving sudo) so that
// account-lockout weighs them as it weighs usermod and passwd.

// accountFileKinds are the files whose lines are accounts or groups.
var accountFileKinds = map[string]string{
	"/etc/passwd": "passwd", "/etc/shadow": "shadow", "/etc/group": "group", "/etc/gshadow": "gshadow",
}

// accountProbe is the content an edit is also tried on: root's line, the
// operator's own, and the admin groups with the operator in them, as
// most hosts have them. The file on disk when the line runs may not be
// the one guard reads now (another host, an image, an account from
// LDAP), and what the edit is written to do to such lines is what it
// means to do.
func accountProbe(kind, me string) string {
	var b strings.Builder
	switch kind {
	case "passwd":
		b.WriteString("root:x:0:0:root:/root:/bin/bash\n")
		if me != "" && me != "root" {
			fmt.Fprintf(&b, "%s:x:1000:1000:%s:/home/%s:/bin/bash\n", me, me, me)
		}
	case "shadow":
		b.WriteString("root:$6$probe$hash:19000:0:99999:7:::\n")
		if me != "" && me != "root" {
			fmt.Fprintf(&b, "%s:$6$probe$hash:19000:0:99999:7:::\n", me)
		}
	case "group", "gshadow":
		b.WriteString("root:x:0:\n")
		for _, g := range adminGroups {
			if me != "" && me != "root" {
				fmt.Fprintf(&b, "%s:x:27:%s\n", g, me)
			} else {
				fmt.Fprintf(&b, "%s:x:27:\n", g)
			}
		}
	}
	return b.String()
}

// accountLines reads an account file's lines by their first field.
func accountLines(text string) map[string][]string {
	lines := map[string][]string{}
	for line := range strings.SplitSeq(text, "\n") {
		fields := strings.Split(strings.TrimSpace(line), ":")
		if len(fields) >= 2 && fields[0] != "" && !strings.HasPrefix(fields[0], "#") {
			if _, seen := lines[fields[0]]; !seen {
				lines[fields[0]] = fields
			}
		}
	}
	return lines
}

// editedAccounts tells what a sed -i edit of an account file does to
// root, to the operator's own account and to the admin groups: the
// account changes account-lockout weighs, and the admin groups the
// operator leaves or that go.
func editedAccounts(inv *guard.Invocation, host guard.Host) (changes []accountChange, leaves []string) {
	if inv.Program != "sed" && inv.Program != "gsed" || !guard.ParseOptions(inv.Args, sedSpec).Has("i", "in-place") {
		return nil, nil
	}
	files, edit := guard.SedEdit(inv.Args)
	if edit == nil {
		return nil, nil
	}
	me := sessionUser(host)
	for _, f := range files {
		p := inv.Path(f.Value)
		kind, ok := accountFileKinds[p]
		if !f.Known || !ok {
			continue
		}
		contents := []string{accountProbe(kind, me)}
		if inv.Remote == "" {
			if data, err := host.ReadFile(p, 1<<20); err == nil && len(data) > 0 {
				contents = append(contents, string(data))
			}
		}
		for _, content := range contents {
			out, ok := edit(content)
			if !ok {
				continue
			}
			c, l := accountEffects(kind, accountLines(content), accountLines(out), me)
			changes = append(changes, c...)
			for _, g := range l {
				if !slices.Contains(leaves, g) {
					leaves = append(leaves, g)
				}
			}
		}
	}
	return changes, leaves
}

// accountEffects compares an account file's lines before and after.
func accountEffects(kind string, before, after map[string][]string, me string) (changes []accountChange, leaves []string) {
	if kind == "group" || kind == "gshadow" {
		for _, g := range adminGroups {
			was, ok := before[g]
			if !ok || me == "" || me == "root" || !slices.Contains(strings.Split(was[len(was)-1], ","), me) {
				continue
			}
			now, ok := after[g]
			if !ok || !slices.Contains(strings.Split(now[len(now)-1], ","), me) {
				leaves = append(leaves, g)
			}
		}
		return nil, leaves
	}
	for _, name := range []string{"root", me} {
		was, ok := before[name]
		if name == "" || !ok {
			continue
		}
		user := guard.Arg{Text: name, Value: name, Known: true}
		now, ok := after[name]
		switch {
		case !ok:
			changes = append(changes, accountChange{user: user, effect: "delete"})
		case lockedHash(now[1]) && !lockedHash(was[1]):
			changes = append(changes, accountChange{user: user, effect: "lock"})
		case now[1] == "" && was[1] != "":
			changes = append(changes, accountChange{user: user, effect: "no-password"})
		case kind == "passwd" && len(now) >= 7 && len(was) >= 7 && now[6] != was[6] && refusesLogin(guard.Arg{Value: now[6], Known: true}):
			changes = append(changes, accountChange{user: user, effect: "nologin", shell: now[6]})
		}
	}
	return changes, nil
}

// chpasswdChanges reads chpasswd's input (NAME:PASSWORD lines): with -e
// the password is a hash as written, so ! or * locks the account and an
// empty one leaves it without a password.
func chpasswdChanges(inv *guard.Invocation) []accountChange {
	if inv.Program != "chpasswd" || !guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "csR", LongValue: []string{"crypt-method", "sha-rounds", "root", "prefix"}}).Has("e", "encrypted") {
		return nil
	}
	text, known := guard.StdinText(inv)
	if !known {
		return nil
	}
	var out []accountChange
	for line := range strings.SplitSeq(text, "\n") {
		name, hash, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || name == "" {
			continue
		}
		user := guard.Arg{Text: name, Value: name, Known: true}
		switch {
		case lockedHash(hash):
			out = append(out, accountChange{user: user, effect: "lock"})
		case hash == "":
			out = append(out, accountChange{user: user, effect: "no-password"})
		}
	}
	return out
}

// homeChange reads usermod -d NEW [-m] USER: without -m the account's
// home becomes a folder its keys are not in (sshd reads
// ~/.ssh/authorized_keys from the new one); with -m the whole folder is
// moved, and whatever names the old path finds nothing.
func homeChange(inv *guard.Invocation, host guard.Host) (user, home guard.Arg, moved, missing bool) {
	if inv.Program != "usermod" {
		return user, home, false, false
	}
	p := guard.ParseOptions(inv.Args, usermodSpec)
	h, ok := p.Value("d", "home")
	if !ok || len(p.Operands) == 0 || !h.Known {
		return user, home, false, false
	}
	user = p.Operands[len(p.Operands)-1]
	moved = p.Has("m", "move-home")
	if inv.Remote == "" {
		_, err := host.Lstat(h.Value)
		missing = errors.Is(err, fs.ErrNotExist)
	}
	return user, h, moved, missing || h.Value == "/nonexistent"
}
