package rules

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func sshdRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "sshd-login-cut",
			Programs:   nil, // a redirection can stand on any command
			Decision:   guard.Confirm,
			Summary:    "over SSH, a change to sshd_config or a file of sshd_config.d (sed -i, >, >>, tee) after which the account the session logged in as cannot log in again: password logins off with no key of its own in authorized_keys, PermitRootLogin no (or prohibit-password without a key) as root, AllowUsers or AllowGroups that leave it out, DenyUsers that names it, PubkeyAuthentication no when a key is its way in; asked too when guard cannot read the keys or groups that decide it",
			Postmortem: "PasswordAuthentication no and a restart of sshd, typed in a session that had logged in with a password: the next login was refused, and the host had no console",
			Machine:    true,
			Match:      matchSshdLoginCut,
		},
	}
}

// sshdConfigFile: the main configuration of sshd or one of its drop-ins
// (Debian's sshd_config includes /etc/ssh/sshd_config.d/*.conf first).
func sshdConfigFile(p string) bool {
	return p == "/etc/ssh/sshd_config" || filepath.Dir(p) == "/etc/ssh/sshd_config.d" && strings.HasSuffix(p, ".conf")
}

// sshdStock stands for an sshd_config guard cannot read: the settings a
// distribution ships, commented out as they are there, so that a sed
// script written against them edits what it would edit on the host.
const sshdStock = "Include /etc/ssh/sshd_config.d/*.conf\n#PermitRootLogin prohibit-password\n#PubkeyAuthentication yes\n#PasswordAuthentication yes\nKbdInteractiveAuthentication no\nUsePAM yes\n"

// sshdSettings are the login settings of one sshd configuration file:
// the first value of each keyword before any Match block (sshd keeps the
// first), and the user and group lists, which add up.
type sshdSettings struct {
	first map[string]string
	lists map[string][]string
}

func readSshdSettings(text string) sshdSettings {
	s := sshdSettings{first: map[string]string{}, lists: map[string][]string{}}
	for line := range strings.SplitSeq(text, "\n") {
		fields := strings.Fields(strings.ReplaceAll(line, "=", " "))
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		key := strings.ToLower(fields[0])
		if key == "match" {
			break // what follows applies only to the connections it matches
		}
		switch key {
		case "allowusers", "denyusers", "allowgroups", "denygroups":
			s.lists[key] = append(s.lists[key], fields[1:]...)
		default:
			if _, seen := s.first[key]; !seen && len(fields) > 1 {
				s.first[key] = strings.ToLower(fields[1])
			}
		}
	}
	return s
}

// on is a yes/no keyword's value, def when the file does not set it.
func (s sshdSettings) on(key string, def bool) bool {
	v, ok := s.first[key]
	if !ok {
		return def
	}
	return v == "yes"
}

// sshdLogin is who the session is, as far as guard can tell.
type sshdLogin struct {
	user   string
	client string // the address the session comes from
	keys   int    // 1: the account has a key sshd takes; 0: none; -1: unknown
	keysAt string // where they were looked for
	groups []string
	known  bool // groups known
}

// refusal says why settings s refuse the next login of l, "" when they
// let it in; unsure is set when the answer depends on what guard could
// not read.
func (s sshdSettings) refusal(l sshdLogin) (why string, unsure bool) {
	if allow := s.lists["allowusers"]; len(allow) > 0 && !slices.ContainsFunc(allow, func(p string) bool { return userPatternMatches(p, l) }) {
		return "AllowUsers " + strings.Join(allow, " ") + " leaves " + l.user + " out", false
	}
	if slices.ContainsFunc(s.lists["denyusers"], func(p string) bool { return userPatternMatches(p, l) }) {
		return "DenyUsers names " + l.user, false
	}
	if allow := s.lists["allowgroups"]; len(allow) > 0 {
		if !l.known {
			return "AllowGroups " + strings.Join(allow, " ") + " lets in only their members, and guard cannot tell from /etc/passwd and /etc/group whether " + l.user + " is one", true
		}
		if !slices.ContainsFunc(allow, func(p string) bool { return groupsMatch(p, l.groups) }) {
			return "AllowGroups " + strings.Join(allow, " ") + " leaves " + l.user + " out (its groups: " + strings.Join(l.groups, " ") + ")", false
		}
	}
	if l.known && slices.ContainsFunc(s.lists["denygroups"], func(p string) bool { return groupsMatch(p, l.groups) }) {
		return "DenyGroups names a group of " + l.user, false
	}
	keysOn := s.on("pubkeyauthentication", true)
	// keyboard-interactive asks for the password through PAM, when sshd
	// uses PAM (Debian and Red Hat ship UsePAM yes)
	passwordsOn := s.on("passwordauthentication", true) ||
		s.on("usepam", false) && s.on("kbdinteractiveauthentication", s.on("challengeresponseauthentication", true))
	if l.user == "root" {
		switch s.first["permitrootlogin"] {
		case "no":
			return "PermitRootLogin no refuses root", false
		case "prohibit-password", "without-password", "forced-commands-only":
			passwordsOn = false
		}
	}
	if passwordsOn {
		return "", false
	}
	switch {
	case !keysOn:
		return "neither passwords nor keys are accepted for " + l.user, false
	case l.keys == 0:
		return "passwords are refused and " + l.user + " has no key in " + l.keysAt, false
	case l.keys < 0:
		return "passwords are refused and guard cannot read " + l.keysAt + " to tell whether " + l.user + " has a key", true
	}
	return "", false
}

// userPatternMatches reads an AllowUsers or DenyUsers entry: USER or
// USER@HOST, with * and ? wildcards. A host part guard cannot compare
// (a name) is taken to match.
func userPatternMatches(pattern string, l sshdLogin) bool {
	user, host, hasHost := strings.Cut(pattern, "@")
	if ok, _ := path.Match(user, l.user); !ok {
		return false
	}
	if !hasHost || l.client == "" || strings.ContainsAny(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") && !strings.Contains(host, ":") {
		return true
	}
	if ok, _ := path.Match(host, l.client); ok {
		return true
	}
	return strings.Contains(host, "/") // a CIDR: not compared here
}

func groupsMatch(pattern string, groups []string) bool {
	return slices.ContainsFunc(groups, func(g string) bool {
		ok, _ := path.Match(pattern, g)
		return ok
	})
}

// sessionLogin is the account this SSH session logged in as and what
// decides whether it can log in again: its keys and its groups.
func sessionLogin(inv *guard.Invocation, host guard.Host, client string) sshdLogin {
	l := sshdLogin{user: sessionUser(host), client: client, keys: -1}
	if info, ok := host.Getenv("SSH_AUTH_INFO_0"); ok && strings.HasPrefix(info, "publickey ") {
		l.keys = 1 // sshd's ExposeAuthInfo: this session came in with a key
	}
	if l.user == "" || inv.Remote != "" {
		return l
	}
	home := homeOf(host, l.user)
	if l.user == "root" && home == "" {
		home = "/root"
	}
	if home != "" {
		l.keysAt = home + "/.ssh/authorized_keys"
		if l.keys < 0 {
			l.keys = authorizedKeys(host, home)
		}
	} else {
		l.keysAt = "~" + l.user + "/.ssh/authorized_keys"
	}
	l.groups, l.known = groupsOf(host, l.user)
	return l
}

// authorizedKeys: 1 when ~/.ssh/authorized_keys (or authorized_keys2)
// holds a key, 0 when neither file is there or holds one, -1 when guard
// cannot read them (another user's home).
func authorizedKeys(host guard.Host, home string) int {
	found := 0
	for _, name := range []string{"authorized_keys", "authorized_keys2"} {
		data, err := host.ReadFile(home+"/.ssh/"+name, 1<<20)
		if err != nil {
			if _, lerr := host.Lstat(home + "/.ssh/" + name); lerr == nil || !errors.Is(lerr, fs.ErrNotExist) {
				found = -1 // there, but not readable by guard
			}
			continue
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				return 1
			}
		}
	}
	if found == 0 {
		if _, err := host.Lstat(home); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return -1 // the home itself cannot be looked into
		}
	}
	return found
}

// groupsOf lists user's groups: its primary group from /etc/passwd and
// those /etc/group names it in.
func groupsOf(host guard.Host, user string) ([]string, bool) {
	group, err := host.ReadFile("/etc/group", 4<<20)
	if err != nil {
		return nil, false
	}
	gid := ""
	if passwd, err := host.ReadFile("/etc/passwd", 4<<20); err == nil {
		for line := range strings.SplitSeq(string(passwd), "\n") {
			if f := strings.Split(line, ":"); len(f) >= 4 && f[0] == user {
				gid = f[3]
			}
		}
	}
	if gid == "" {
		return nil, false // an account of a directory (LDAP, sssd): not in these files
	}
	var groups []string
	for line := range strings.SplitSeq(string(group), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 {
			continue
		}
		if f[2] == gid || slices.Contains(strings.Split(f[3], ","), user) {
			groups = append(groups, f[0])
		}
	}
	return groups, true
}

// matchSshdLoginCut: over SSH, the settings a line leaves in an sshd
// configuration file refuse the next login of the account the session
// came in as, where the file before the line let it in.
func matchSshdLoginCut(inv *guard.Invocation, host guard.Host) *guard.Finding {
	client, overSSH := guard.SSHClient(inv, host)
	if !overSSH {
		return nil
	}
	file, edited, ok := sshdConfigWritten(inv, host)
	if !ok {
		return nil
	}
	files := sshdFiles(inv, host)
	before := files.effective()
	files[file] = edited
	after := files.effective()
	login := sessionLogin(inv, host, client)
	if login.user == "" {
		return nil // the session's account is not known: nothing to compare
	}
	why, unsure := readSshdSettings(after).refusal(login)
	if why == "" {
		return nil
	}
	if was, _ := readSshdSettings(before).refusal(login); was == why {
		return nil // the file refused that login already
	}
	verb := "would make sshd refuse the next SSH login of " + login.user
	if unsure {
		verb = "may make sshd refuse the next SSH login of " + login.user
	}
	return guard.Found(guard.Confirm,
		"keep this session open; make sure another way in works first (ssh-copy-id "+login.user+"@HOST from your machine, or a user AllowUsers names), then sshd -t and test a new login before you close this one",
		"%s, the account this session logged in as, once sshd reloads (%s%s): %s; this session stays open, the next one is refused",
		verb, file, inv.Where(), why).
		Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{file}, Overwrite: true})
}

// sshdConfigWritten finds the sshd configuration file a command writes
// and its text before and after: sed -i's edit computed on the file (or
// on sshdStock when guard cannot read it), what >> and tee -a add after
// it, what > and tee put in its place. ok is false when the command
// writes none, or what it writes is not known (critical-file-truncate
// asks about that).
func sshdConfigWritten(inv *guard.Invocation, host guard.Host) (file, after string, ok bool) {
	current := func(p string) string { return sshdFiles(inv, host)[p] }
	if inv.Program == "sed" || inv.Program == "gsed" {
		if !guard.ParseOptions(inv.Args, sedSpec).Has("i", "in-place") {
			return "", "", false
		}
		files, edit := guard.SedEdit(inv.Args)
		if edit == nil {
			return "", "", false
		}
		for _, f := range files {
			if p := inv.Path(f.Value); f.Known && sshdConfigFile(p) {
				after, known := edit(current(p))
				return p, after, known
			}
		}
		return "", "", false
	}
	w, found := writtenInto(inv, host, "", sshdConfigFile)
	if !found || !w.known {
		return "", "", false
	}
	if appends(inv) {
		return w.path, current(w.path) + "\n" + w.text, true
	}
	return w.path, w.text, true
}

// sshdTexts are the text of sshd's configuration files, by path.
type sshdTexts map[string]string

// maxSshdDropIns bounds the files of sshd_config.d read.
const maxSshdDropIns = 64

// sshdFiles reads sshd_config and the .conf files of sshd_config.d, or,
// on another machine or where guard cannot read it, stands for the
// main file with sshdStock.
func sshdFiles(inv *guard.Invocation, host guard.Host) sshdTexts {
	files := sshdTexts{"/etc/ssh/sshd_config": sshdStock}
	if inv.Remote != "" {
		return files
	}
	if data, err := host.ReadFile("/etc/ssh/sshd_config", 1<<20); err == nil {
		files["/etc/ssh/sshd_config"] = string(data)
	}
	entries, _, _ := host.ReadDir("/etc/ssh/sshd_config.d", maxSshdDropIns)
	for _, e := range entries {
		p := "/etc/ssh/sshd_config.d/" + e.Name()
		if !sshdConfigFile(p) {
			continue
		}
		if data, err := host.ReadFile(p, 1<<20); err == nil {
			files[p] = string(data)
		}
	}
	return files
}

// effective is the configuration sshd reads: sshd_config with each
// Include replaced by the files it names, in the order of their names.
func (files sshdTexts) effective() string {
	var out strings.Builder
	for line := range strings.SplitSeq(files["/etc/ssh/sshd_config"], "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || !strings.EqualFold(fields[0], "include") {
			out.WriteString(line + "\n")
			continue
		}
		var names []string
		for _, pattern := range fields[1:] {
			if !strings.HasPrefix(pattern, "/") {
				pattern = "/etc/ssh/" + pattern
			}
			for p := range files {
				if ok, _ := path.Match(pattern, p); ok && p != "/etc/ssh/sshd_config" {
					names = append(names, p)
				}
			}
		}
		slices.Sort(names)
		for _, p := range slices.Compact(names) {
			out.WriteString(files[p] + "\n")
		}
	}
	return out.String()
}

// appends: the command adds to the file it writes (>>, tee -a).
func appends(inv *guard.Invocation) bool {
	for _, rd := range inv.Redirs {
		if rd.Op == ">>" || rd.Op == "&>>" {
			return true
		}
	}
	if inv.Program == "tee" {
		return guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"output-error"}}).Has("a", "append")
	}
	return false
}
