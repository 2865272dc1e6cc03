package rules

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/guard-sh/guard/guard"
)

func accountsRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "account-lockout",
		Programs:   []string{"userdel", "deluser", "usermod", "passwd", "chsh", "chage", "groupdel", "delgroup", "gpasswd", "chpasswd", "sed", "gsed"},
		Decision:   guard.Confirm,
		Summary:    "root's account or your own deleted (block for root), expired, given a shell that refuses logins, its password locked or emptied, or its home moved away from its keys; the sudo group deleted or you taken out of it (gpasswd -d, deluser, usermod -G without -a, gpasswd -M without you); the same done by hand (sed -i on /etc/passwd, /etc/shadow, /etc/group; chpasswd -e with ! or *); any account given a login shell that is not on the host (chsh -s, usermod -s)",
		Postmortem: "usermod -s /usr/sbin/nologin root in a hardening script: su, sudo -i and root's cron jobs stopped working, and the console login with it",
		Machine:    true,
		Match:      matchAccountLockout,
	}, {
		ID:         "user-files-remove",
		Programs:   []string{"userdel", "deluser"},
		Decision:   guard.Confirm,
		Summary:    "userdel -r and deluser --remove-home (an account's home folder and mail), deluser --remove-all-files (every file the account owns, anywhere)",
		Postmortem: "userdel -r of a departed colleague's account: the home folder held the only copy of a service's deploy keys and scripts, and userdel keeps nothing",
		Machine:    true,
		Match:      matchUserFilesRemove,
	}, {
		ID:         "root-account-added",
		Programs:   nil, // a line appended to /etc/passwd stands on any command
		Decision:   guard.Confirm,
		Summary:    "a second account with uid 0 (root's powers under another name): useradd/adduser -u 0, usermod -u 0, or a line with uid 0 written or appended to /etc/passwd (>>, tee -a, sed -i); lines guard cannot read written there are asked about, a line that is no account warns",
		Postmortem: "a classic backdoor: toor:x:0:0 appended to /etc/passwd; a login as toor is root, and sudo's log never shows it",
		Machine:    true,
		Match:      matchRootAccountAdded,
	}}
}

// useraddSpec: the options of useradd and adduser that take a value.
var useraddSpec = guard.OptSpec{ShortValue: "bcdefgGkKpsuUZ", LongValue: []string{"base-dir", "comment", "home-dir", "home", "expiredate", "inactive", "gid", "groups", "skel", "key", "password", "shell", "uid", "selinux-user", "root", "prefix", "firstuid", "lastuid", "ingroup", "gecos", "conf", "extrausers"}}

// uidZero: a uid as written that is root's (0, 00).
func uidZero(a guard.Arg) bool {
	v := strings.TrimPrefix(a.Value, "=")
	return a.Known && v != "" && strings.Trim(v, "0") == ""
}

// rootAccounts lists the names of the passwd lines in text whose uid is 0,
// root's own line aside.
func rootAccounts(text string) []string {
	var names []string
	for line := range strings.SplitSeq(text, "\n") {
		fields := strings.Split(strings.TrimSpace(line), ":")
		if len(fields) < 4 || fields[0] == "root" || fields[0] == "" || strings.Trim(fields[2], "0") != "" || fields[2] == "" {
			continue
		}
		names = append(names, fields[0])
	}
	return names
}

// malformedAccount is the first line of text that is not a passwd
// line of seven fields, "" when every one is.
func malformedAccount(text string) string {
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && (strings.Count(line, ":") != 6 || strings.HasPrefix(line, ":")) {
			return line
		}
	}
	return ""
}

// matchRootAccountAdded: another account with uid 0 is root under another
// name, and a way back in that sudo's log never shows.
func matchRootAccountAdded(inv *guard.Invocation, host guard.Host) *guard.Finding {
	const hint = "to give someone root, add them to the sudo group (usermod -aG sudo NAME; wheel on Red Hat), which logs what they run; to look first: awk -F: '$3 == 0' /etc/passwd"
	switch inv.Program {
	case "useradd", "adduser", "usermod":
		spec := useraddSpec
		if inv.Program == "usermod" {
			spec = usermodSpec
		}
		p := guard.ParseOptions(inv.Args, spec)
		uid, ok := p.Value("u", "uid")
		if !ok || !uidZero(uid) || len(p.Operands) == 0 {
			return nil
		}
		name := p.Operands[len(p.Operands)-1]
		if name.Known && name.Value == "root" {
			return nil
		}
		verb := "would create the account " + name.Text + " with uid 0"
		if inv.Program == "usermod" {
			verb = "would give the account " + name.Text + " uid 0"
		}
		return guard.Found(guard.Confirm, hint+"; to undo: userdel "+name.Text+" (or usermod -u OLDUID)",
			"%s%s: it becomes a second root, with every power of root under another name, and what it does shows in no sudo log", verb, inv.Where())
	}
	w, writes := writtenInto(inv, host, sedProbe, func(p string) bool { return p == "/etc/passwd" })
	if !writes {
		return nil
	}
	if !w.known {
		return guard.Found(guard.Confirm, "add accounts with useradd (or vipw, which checks the file); to look first: awk -F: '$3 == 0' /etc/passwd",
			"would write lines guard cannot read into /etc/passwd%s: one with uid 0 would be a second root, and a broken line can stop logins that read the file", inv.Where())
	}
	names := rootAccounts(w.text)
	if len(names) == 0 {
		if bad := malformedAccount(w.text); bad != "" {
			return guard.Found(guard.Warn, "add accounts with useradd (or vipw, which checks the file: pwck shows broken lines); to undo: vipw and delete the line",
				"would add %q to /etc/passwd%s, which is not an account line (NAME:x:UID:GID:GECOS:HOME:SHELL): pwck and some programs stop at it", bad, inv.Where())
		}
		return nil
	}
	return guard.Found(guard.Confirm, hint+"; to undo: vipw and delete the line",
		"would add %s to /etc/passwd%s with uid 0: a second root, with every power of root under another name, and a login as %s shows in no sudo log",
		strings.Join(names, ", "), inv.Where(), names[0])
}

// matchUserFilesRemove: deleting an account together with its files.
// userdel and deluser keep no copy; deluser --backup does, and passes.
func matchUserFilesRemove(inv *guard.Invocation, host guard.Host) *guard.Finding {
	var user guard.Arg
	everything := false
	switch inv.Program {
	case "userdel":
		p := guard.ParseOptions(inv.Args, userdelSpec)
		if !p.Has("r", "remove") || len(p.Operands) == 0 {
			return nil
		}
		user = p.Operands[len(p.Operands)-1]
	case "deluser":
		p := guard.ParseOptions(inv.Args, deluserSpec)
		everything = p.Has("remove-all-files")
		if !everything && !p.Has("remove-home") || p.Has("backup") || p.Has("backup-to") || len(p.Operands) != 1 || p.Has("group") {
			return nil
		}
		user = p.Operands[0]
	}
	name := user.Value
	if !user.Known {
		name = user.Text
	}
	if user.Known && user.Value == "root" {
		return nil // account-lockout's: deleting root is blocked there
	}
	if everything {
		return guard.Found(guard.Confirm, "to keep a copy: deluser --remove-all-files --backup-to /root/"+name+"-files "+name+"; to see what it owns first: find / -xdev -user "+name,
			"would delete the account %s and every file it owns anywhere on the host%s (find / -user %s): there is no copy and no undo", name, inv.Where(), name)
	}
	home, listed := "", true
	if user.Known && inv.Remote == "" {
		home, listed = accountHome(host, user.Value)
	}
	if !listed {
		return nil // no such local account: userdel and deluser refuse
	}
	f := guard.Found(guard.Confirm, "to keep a copy first: tar -czf /root/"+name+"-home.tgz -C / "+strings.TrimPrefix(cmp.Or(home, "home/"+name), "/")+" (or deluser --backup --remove-home "+name+"); to delete the account and keep its files: userdel "+name,
		"would delete the account %s and its home folder %s with its mail%s: userdel keeps no copy", name, cmp.Or(home, "(from /etc/passwd)"), inv.Where())
	if home != "" {
		f = f.Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{home}})
	}
	return f
}

// accountHome is user's home folder in the host's /etc/passwd ("" when
// it has none worth naming), and whether the account is there; an
// unreadable /etc/passwd lists everyone.
func accountHome(host guard.Host, user string) (string, bool) {
	passwd, err := host.ReadFile("/etc/passwd", 1<<20)
	if err != nil {
		return "", true
	}
	for _, line := range strings.Split(string(passwd), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 7 && f[0] == user {
			if strings.HasPrefix(f[5], "/") && f[5] != "/" {
				return f[5], true
			}
			return "", true
		}
	}
	return "", false
}

// adminGroups are the groups sudoers grants root to on the usual
// distributions.
var adminGroups = []string{"sudo", "wheel", "admin"}

// noLoginShells refuse a login: the account's shell prints a message and
// exits.
var noLoginShells = []string{"nologin", "false", "true"}

// accountChange is what a command does to one account.
type accountChange struct {
	user   guard.Arg
	effect string // "delete", "expire", "nologin", "lock", "no-password"
	shell  string // the new shell, for nologin
}

var (
	userdelSpec = guard.OptSpec{ShortValue: "RP", LongValue: []string{"root", "prefix"}}
	usermodSpec = guard.OptSpec{ShortValue: "cdeEfgGlpPRsuZ", LongValue: []string{"comment", "home", "expiredate", "inactive", "gid", "groups", "login", "password", "prefix", "root", "shell", "uid", "selinux-user", "add-subuids", "del-subuids", "add-subgids", "del-subgids"}}
	passwdSpec  = guard.OptSpec{ShortValue: "nrRwxi", LongValue: []string{"mindays", "repository", "root", "warndays", "maxdays", "inactive"}}
	chshSpec    = guard.OptSpec{ShortValue: "sR", LongValue: []string{"shell", "root"}}
	chageSpec   = guard.OptSpec{ShortValue: "dEImMRW", LongValue: []string{"lastday", "expiredate", "inactive", "mindays", "maxdays", "root", "warndays"}}
	deluserSpec = guard.OptSpec{LongValue: []string{"conf", "backup-to"}}
	gpasswdSpec = guard.OptSpec{ShortValue: "adQrRAM", LongValue: []string{"add", "delete", "root", "administrators", "members"}}
)

// accountChanges reads the account tools for what they do to which
// account.
func accountChanges(inv *guard.Invocation) []accountChange {
	last := func(ops []guard.Arg) (guard.Arg, bool) {
		if len(ops) == 0 {
			return guard.Arg{}, false
		}
		return ops[len(ops)-1], true
	}
	var out []accountChange
	switch inv.Program {
	case "userdel":
		if u, ok := last(guard.ParseOptions(inv.Args, userdelSpec).Operands); ok {
			out = append(out, accountChange{user: u, effect: "delete"})
		}
	case "deluser":
		p := guard.ParseOptions(inv.Args, deluserSpec)
		if len(p.Operands) == 1 && !p.Has("group") {
			out = append(out, accountChange{user: p.Operands[0], effect: "delete"})
		}
	case "usermod":
		p := guard.ParseOptions(inv.Args, usermodSpec)
		u, ok := last(p.Operands)
		if !ok {
			return nil
		}
		if p.Has("L", "lock") {
			out = append(out, accountChange{user: u, effect: "lock"})
		}
		if pw, ok := p.Value("p", "password"); ok && pw.Known && lockedHash(pw.Value) {
			out = append(out, accountChange{user: u, effect: "lock"})
		} else if ok && pw.Known && pw.Value == "" {
			out = append(out, accountChange{user: u, effect: "no-password"}) // usermod -p '' is passwd -d
		}
		if sh, ok := p.Value("s", "shell"); ok && refusesLogin(sh) {
			out = append(out, accountChange{user: u, effect: "nologin", shell: sh.Value})
		} else if ok && sh.Known {
			out = append(out, accountChange{user: u, effect: "shell", shell: sh.Value})
		}
		if e, ok := p.Value("e", "expiredate"); ok && expiredNow(e) {
			out = append(out, accountChange{user: u, effect: "expire"})
		}
	case "passwd":
		p := guard.ParseOptions(inv.Args, passwdSpec)
		u, ok := last(p.Operands)
		if !ok {
			return nil // the caller's own password, asked for on the terminal
		}
		if p.Has("l", "lock") {
			out = append(out, accountChange{user: u, effect: "lock"})
		}
		if p.Has("d", "delete") {
			out = append(out, accountChange{user: u, effect: "no-password"})
		}
	case "chsh":
		p := guard.ParseOptions(inv.Args, chshSpec)
		u, ok := last(p.Operands)
		if !ok {
			u = guard.Arg{Text: "$USER", Unknown: []string{"$USER"}} // chsh alone: the caller's own
		}
		if sh, ok := p.Value("s", "shell"); ok && refusesLogin(sh) {
			out = append(out, accountChange{user: u, effect: "nologin", shell: sh.Value})
		} else if ok && sh.Known {
			out = append(out, accountChange{user: u, effect: "shell", shell: sh.Value})
		}
	case "chage":
		p := guard.ParseOptions(inv.Args, chageSpec)
		if u, ok := last(p.Operands); ok {
			if e, ok := p.Value("E", "expiredate"); ok && expiredNow(e) {
				out = append(out, accountChange{user: u, effect: "expire"})
			}
		}
	}
	return out
}

// lockedHash: a password field that no password matches (!, *, !hash).
func lockedHash(v string) bool { return v == "*" || strings.HasPrefix(v, "!") }

func refusesLogin(sh guard.Arg) bool {
	return sh.Known && slices.Contains(noLoginShells, baseName(sh.Value))
}

func baseName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// expiredNow: an expiry date (days since 1970, or YYYY-MM-DD) that has
// passed; -1 and the empty string remove the expiry.
func expiredNow(e guard.Arg) bool {
	if !e.Known || e.Value == "" || e.Value == "-1" {
		return false
	}
	if t, err := time.Parse("2006-01-02", e.Value); err == nil {
		return t.Before(time.Now())
	}
	days := 0
	for _, c := range e.Value {
		if c < '0' || c > '9' {
			return false
		}
		days = days*10 + int(c-'0')
		if days > 1<<20 {
			return false
		}
	}
	return time.Unix(int64(days)*86400, 0).Before(time.Now())
}

// sessionUser is the account the operator is logged in as: sudo keeps it
// in SUDO_USER.
func sessionUser(host guard.Host) string {
	for _, name := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		if v, ok := host.Getenv(name); ok && v != "" {
			return v
		}
	}
	return ""
}

// whose says whose account a word names: "root", "self" (the operator's
// own, however it is written: $USER, $(whoami)), or "".
func whose(a guard.Arg, host guard.Host) string {
	if a.Known {
		switch {
		case a.Value == "root":
			return "root"
		case a.Value != "" && a.Value == sessionUser(host):
			return "self"
		}
		return ""
	}
	for _, u := range a.Unknown {
		if strings.Contains(u, "USER") || strings.Contains(u, "LOGNAME") {
			return "self"
		}
	}
	for _, s := range a.Sources {
		if s == "whoami" || s == "logname" || s == "id" {
			return "self"
		}
	}
	return ""
}

func matchAccountLockout(inv *guard.Invocation, host guard.Host) *guard.Finding {
	where := inv.Where()
	switch inv.Program {
	case "groupdel", "delgroup":
		for _, g := range guard.ParseOptions(inv.Args, userdelSpec).Operands {
			if g.Known && slices.Contains(adminGroups, g.Value) {
				return guard.Found(guard.Confirm, "to take one person's rights away: gpasswd -d USER "+g.Value,
					"would delete the group %s%s: sudoers grants root to its members, so none of them (you too, unless you are root) can use sudo any more", g.Value, where)
			}
		}
		if inv.Program == "groupdel" {
			return nil
		}
	}
	if groups, u, ok := replacesGroups(inv); ok && whose(u, host) == "self" {
		return guard.Found(guard.Confirm, "to add a group and keep the others: usermod -aG "+groups.Value+" "+u.Text,
			"would replace every supplementary group of your own account (%s) with %s%s: without -a it leaves the others, sudo or wheel too, and sudo refuses you from your next login on", u.Text, groups.Value, where)
	}
	if g, members, ok := setsAdminMembers(inv); ok {
		if me := sessionUser(host); me != "" && me != "root" && !slices.Contains(strings.Split(members.Value, ","), me) {
			return guard.Found(guard.Confirm, "to add someone and keep the others: gpasswd -a NAME "+g.Value+"; to look first: getent group "+g.Value,
				"would make %s the only members of %s%s: gpasswd -M replaces the list, so your own account (%s) leaves it and sudo refuses you from your next login on", cmp.Or(members.Value, "nobody"), g.Value, where, me)
		}
	}
	if g, u, ok := leavesAdminGroup(inv); ok && whose(u, host) != "" && whose(u, host) != "root" {
		return guard.Found(guard.Confirm, "check first that another account with sudo rights can log in: getent group "+g.Value,
			"would take your own account (%s) out of %s%s: sudo refuses you from your next login on, and root may then be out of reach", u.Value, g.Value, where)
	}
	changes, leaves := editedAccounts(inv, host)
	if len(leaves) > 0 {
		return guard.Found(guard.Confirm, "to take one person out: gpasswd -d NAME "+leaves[0]+"; check first that another account with sudo rights can log in: getent group "+leaves[0],
			"would take your own account (%s) out of %s%s by editing /etc/group by hand: sudo refuses you from your next login on, and root may then be out of reach", sessionUser(host), strings.Join(leaves, " and "), where)
	}
	if u, home, moved, missing := homeChange(inv, host); whose(u, host) != "" {
		name := u.Value
		if whose(u, host) == "self" {
			name = "your own account (" + u.Text + ")"
		}
		switch {
		case moved:
			return guard.Found(guard.Confirm, "to undo: usermod -d OLDHOME -m "+u.Text+"; scripts, cron jobs and backups that name the old folder find nothing",
				"would move the home folder of %s to %s%s, with its ~/.ssh keys and start-up files: whatever names the old folder (sshd_config's AuthorizedKeysFile with a full path, cron jobs, scripts, backups) finds nothing there from then on", name, home.Value, where)
		case missing:
			return guard.Found(guard.Confirm, "to move the folder with it: usermod -d "+home.Value+" -m "+u.Text+"; to undo: usermod -d OLDHOME "+u.Text,
				"would make %s the home of %s%s, a folder that is not there: sshd looks for its keys in %s/.ssh/authorized_keys, so key logins are refused, and its start-up files are not read", home.Value, name, where, home.Value)
		}
	}
	var worst *guard.Finding
	for _, c := range slices.Concat(accountChanges(inv), changes, chpasswdChanges(inv)) {
		f := lockoutFinding(inv, host, c)
		if f != nil && (worst == nil || f.Decision > worst.Decision) {
			worst = f
		}
	}
	return worst
}

// replacesGroups reads usermod -G LIST USER without -a: the account's
// supplementary groups become LIST, an admin group among them or not.
func replacesGroups(inv *guard.Invocation) (groups, user guard.Arg, ok bool) {
	if inv.Program != "usermod" {
		return groups, user, false
	}
	p := guard.ParseOptions(inv.Args, usermodSpec)
	g, has := p.Value("G", "groups")
	if !has || p.Has("a", "append", "r", "remove") || len(p.Operands) == 0 || !g.Known {
		return groups, user, false
	}
	for _, name := range strings.Split(g.Value, ",") {
		if slices.Contains(adminGroups, name) {
			return groups, user, false // still in sudo or wheel
		}
	}
	return g, p.Operands[len(p.Operands)-1], true
}

// setsAdminMembers reads gpasswd -M LIST GROUP of an admin group: its
// members become LIST.
func setsAdminMembers(inv *guard.Invocation) (group, members guard.Arg, ok bool) {
	if inv.Program != "gpasswd" {
		return group, members, false
	}
	p := guard.ParseOptions(inv.Args, gpasswdSpec)
	m, has := p.Value("M", "members")
	if !has || !m.Known || len(p.Operands) == 0 {
		return group, members, false
	}
	group = p.Operands[len(p.Operands)-1]
	return group, m, group.Known && slices.Contains(adminGroups, group.Value)
}

// leavesAdminGroup reads gpasswd -d USER GROUP and deluser USER GROUP.
func leavesAdminGroup(inv *guard.Invocation) (group, user guard.Arg, ok bool) {
	switch inv.Program {
	case "gpasswd":
		p := guard.ParseOptions(inv.Args, gpasswdSpec)
		u, has := p.Value("d", "delete")
		if has && len(p.Operands) > 0 {
			group, user = p.Operands[len(p.Operands)-1], u
		}
	case "deluser":
		p := guard.ParseOptions(inv.Args, deluserSpec)
		if len(p.Operands) == 2 {
			user, group = p.Operands[0], p.Operands[1]
		}
	}
	return group, user, group.Known && slices.Contains(adminGroups, group.Value)
}

func lockoutFinding(inv *guard.Invocation, host guard.Host, c accountChange) *guard.Finding {
	who := whose(c.user, host)
	if c.effect == "shell" {
		return missingShell(inv, host, c, who)
	}
	if who == "" {
		return nil // another account: the tool's everyday use
	}
	name, where := c.user.Value, inv.Where()
	if who == "self" {
		name = "your own account (" + c.user.Text + ")"
	}
	_, overSSH := guard.SSHClient(inv, host)
	rootSession := who == "root" && sessionUser(host) == "root"
	switch c.effect {
	case "delete":
		if who == "root" {
			return guard.Found(guard.Block, "to stop root logins: PermitRootLogin no in sshd_config, or passwd -l root; keep the account",
				"would delete the root account%s: files owned by UID 0 lose their owner's name, su, sudo and root's cron jobs fail, and only a rescue boot brings it back", where)
		}
		return guard.Found(guard.Confirm, "log in as another administrator first and delete it from there",
			"would delete %s%s, the one this session is logged in as: its next login and its sudo fail", name, where)
	case "expire":
		return guard.Found(guard.Confirm, "to undo an expiry: chage -E -1 "+c.user.Text,
			"would expire %s%s: logins, su and its cron jobs are refused from now on (PAM checks the expiry date)", name, where)
	case "nologin":
		return guard.Found(guard.Confirm, "to stop SSH logins only: PermitRootLogin no (root) or DenyUsers in sshd_config; keep a real shell",
			"would give %s the shell %s%s: su, sudo -i, sudo -s and every login of it print a refusal and exit", name, c.shell, where)
	case "no-password":
		if who != "root" {
			return guard.Found(guard.Warn, "to lock it instead: passwd -l "+c.user.Text,
				"would remove the password of %s%s: it can log in without one where PAM allows it", name, where)
		}
		return guard.Found(guard.Confirm, "to lock root's password instead: passwd -l root; to set one: passwd root",
			"would empty root's password%s: anyone at the console, and su from any account, become root without a password", where)
	case "lock":
		if who == "self" || rootSession && overSSH {
			return guard.Found(guard.Confirm, "make sure a key login and sudo work for another account first; to undo: passwd -u "+c.user.Text,
				"would lock the password of %s%s, the account you are logged in as: password logins fail, and so does sudo if it asks for your password", name, where)
		}
		if who == "root" {
			return guard.Found(guard.Warn, "to undo: passwd -u root",
				"locks root's password%s: su to root and root's password logins stop working; sudo is unchanged (root is locked by default on Ubuntu)", where)
		}
	}
	return nil
}

// missingShell: an account given a login shell that is not on the host.
// login, sshd and su start it and fail, so every login of the account
// ends at once; for root or your own account sudo -i and su go with it.
func missingShell(inv *guard.Invocation, host guard.Host, c accountChange, who string) *guard.Finding {
	if inv.Remote != "" || !strings.HasPrefix(c.shell, "/") {
		return nil // another machine's files; chsh refuses a relative name
	}
	if _, err := host.Lstat(c.shell); err == nil {
		return nil
	}
	installed := false
	inv.SucceededBefore(func(b *guard.Invocation) bool {
		installed = installsProgram(b, baseName(c.shell))
		return !installed
	})
	if installed {
		return nil // apt install -y fish && chsh -s /usr/bin/fish
	}
	name := c.user.Value
	switch who {
	case "self":
		name = "your own account (" + c.user.Text + ")"
	case "":
		if !c.user.Known {
			return nil
		}
	}
	return guard.Found(guard.Confirm, "install the shell first (apt install "+baseName(c.shell)+"), then check its path: command -v "+baseName(c.shell)+"; the shells this host has: cat /etc/shells",
		"would give %s the login shell %s%s, which is not on this host: every login of it, SSH, su and sudo -i included, fails at once", name, c.shell, inv.Where())
}

// packageInstallers are the package managers' programs and the verbs
// they install with.
var packageInstallers = map[string][]string{
	"apt": {"install"}, "apt-get": {"install"}, "aptitude": {"install"}, "dnf": {"install", "in"}, "yum": {"install"},
	"zypper": {"install", "in"}, "apk": {"add"}, "pacman": {"-S", "-Sy", "-Syu"}, "snap": {"install"}, "brew": {"install"}, "nix-env": {"-i", "-iA"},
}

// installsProgram tells whether inv installs a package named like prog
// (apt install -y fish).
func installsProgram(inv *guard.Invocation, prog string) bool {
	verbs, ok := packageInstallers[inv.Program]
	if !ok {
		return false
	}
	verb := false
	for _, a := range inv.Args {
		switch {
		case slices.Contains(verbs, a.Value):
			verb = true
		case verb && a.Known && (a.Value == prog || strings.HasPrefix(a.Value, prog+"=") || strings.HasPrefix(a.Value, prog+"/")):
			return true
		}
	}
	return false
}
