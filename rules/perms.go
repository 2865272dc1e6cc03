package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func permsRules(c classifier) []*guard.Rule {
	return []*guard.Rule{{
		ID:         "chmod-recursive-system",
		Programs:   []string{"chmod", "chown", "chgrp", "find", "setfacl", "chattr"},
		Decision:   guard.Block,
		Summary:    "chmod, chown or chgrp -R on / or a system folder; chmod -R that opens a whole home to group or others, or takes the owner's own rights off it, and chown -R of a home to another account (confirm); chmod -R that lets everyone write a folder outside the homes (chmod -R 777 /var/www, /srv/app: confirm)",
		Postmortem: "chmod -R 777 / and chown -R on /usr: setuid bits and service ownership lost, sudo and sshd refuse to start",
		Machine:    true,
		Match:      c.matchPermsRecursive,
	}, {
		ID:         "critical-file-mode",
		Programs:   []string{"chmod", "chown", "chgrp", "chattr"},
		Decision:   guard.Block,
		Summary:    "chattr +i or +a on passwd, shadow, group or gshadow (confirm: passwd, useradd and package scripts fail); chmod or chown that breaks one file the host needs: sudoers others can write or root does not own, sudo or su without setuid (any chown clears it), the loader or libc unreadable, /, a system folder or a shell, chmod or chown nobody can go through or start, a setuid or setgid shell, a system folder given to another owner, a sudoers.d others can write or root does not own (sudo skips it) (block); shadow readable by all, passwd unreadable, /tmp without 1777, a private SSH host key others can read (sshd skips it) or another account owns, a file root acts on (sshd_config, crontab, cron.d, pam.d, profile…) others can write or another account owns, over SSH a home, ~/.ssh or authorized_keys others can write or the user cannot go through or read, which sshd refuses key logins for (confirm)",
		Postmortem: "chmod 666 /etc/sudoers to edit it quickly: sudo refused to run from then on, and root had no password",
		Machine:    true,
		Match:      c.matchCriticalMode,
	}, {
		ID:         "sudoers-unchecked-edit",
		Programs:   nil, // a redirection can stand on any command
		Decision:   guard.Confirm,
		Summary:    "/etc/sudoers or a file in /etc/sudoers.d written without visudo (>>, >, tee, sed -i, perl -i, cp, install, mv): one syntax error and sudo refuses to run for everyone",
		Postmortem: "echo 'deploy ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers with a typo, on a host whose root has no password: sudo stopped working and only a rescue boot fixed it",
		Machine:    true,
		Match:      matchSudoersEdit,
	}}
}

// sudoersPath: sudo parses this file at every start and refuses to run
// when it holds a syntax error (files in sudoers.d whose names hold a dot
// or end in ~ are skipped by sudo, so they are not its).
func sudoersPath(p string) bool {
	if p == "/etc/sudoers" {
		return true
	}
	name, ok := strings.CutPrefix(p, "/etc/sudoers.d/")
	return ok && name != "" && !strings.ContainsAny(name, "./") && !strings.HasSuffix(name, "~")
}

// sudoersWrites lists the sudoers files the command writes and the file it
// copies in (its source, "" when the text comes from the line).
func sudoersWrites(inv *guard.Invocation, host guard.Host) (targets []string, source guard.Arg) {
	add := func(a guard.Arg) {
		p := inv.Path(a.Value)
		if p != "" && !sudoersPath(p) && inv.Remote == "" {
			p, _ = guard.ResolvePath(host, p) // a link into /etc/sudoers.d
		}
		if a.Known && sudoersPath(p) {
			targets = append(targets, p)
		}
	}
	for _, rd := range inv.Redirs {
		if rd.Writes() {
			add(rd.Target)
		}
	}
	switch inv.Program {
	case "tee":
		for _, o := range guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"output-error"}}).Operands {
			add(o)
		}
	case "sed", "gsed", "perl":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "efIMmlx0", LongValue: []string{"expression", "file", "line-length"}})
		if p.Has("i", "in-place") {
			for _, o := range p.Operands {
				add(o)
			}
		}
	case "cp", "install", "mv":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "StmogbT", LongValue: []string{"suffix", "target-directory", "mode", "owner", "group"}})
		if len(p.Operands) < 2 {
			return nil, guard.Arg{}
		}
		dest, src := p.Operands[len(p.Operands)-1], p.Operands[0]
		if d := inv.Path(dest.Value); dest.Known && (d == "/etc/sudoers.d" || d == "/etc") {
			dest.Value = d + "/" + filepath.Base(src.Value)
		}
		add(dest)
		source = src
	}
	return targets, source
}

// sudoersParses: the whole text the command leaves in each sudoers file
// it writes is read, and parses (sudoersWritten): nothing to lock sudo
// out. What it grants is sudoers-unchecked-edit's to judge.
func sudoersParses(inv *guard.Invocation, host guard.Host, targets []string, source guard.Arg) bool {
	_, ok := sudoersWritten(inv, host, targets, source)
	return ok
}

// sudoersWritten is the text inv writes into the sudoers files targets,
// when guard reads it and it is valid sudoers syntax that leaves the file
// whole (an append to a file ending in a newline, a drop-in written anew).
func sudoersWritten(inv *guard.Invocation, host guard.Host, targets []string, source guard.Arg) (string, bool) {
	var text string
	appends := false
	switch {
	case inv.Program == "cp" || inv.Program == "install" || inv.Program == "mv":
		p := inv.Path(source.Value)
		if !source.Known || p == "" || inv.Remote != "" || len(inv.Redirs) > 0 {
			return "", false
		}
		data, err := host.ReadFile(p, 64<<10)
		if err != nil {
			return "", false
		}
		text = string(data)
	default:
		w, ok := writtenInto(inv, host, "", sudoersPath)
		if !ok || !w.known {
			return "", false // sed -i, perl -i, a program guard does not compute
		}
		text = w.text
		for _, rd := range inv.Redirs {
			appends = appends || rd.Writes() && !rd.Truncates()
		}
		if inv.Program == "tee" {
			appends = appends || guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"output-error"}}).Has("a", "append")
		}
	}
	if !sudoersLooksValid(text) {
		return "", false
	}
	for _, t := range targets {
		if !appends && t == "/etc/sudoers" {
			return "", false
		}
		if appends && !endsLine(inv, host, t) {
			return "", false
		}
	}
	return text, true
}

// endsLine: text added at the end of file p starts a line of its own:
// the file is not there, or guard reads it and it ends with a newline.
func endsLine(inv *guard.Invocation, host guard.Host, p string) bool {
	if inv.Remote != "" {
		return false
	}
	if _, err := host.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		return p != "/etc/sudoers" // a new drop-in; without its main file sudo does not run anyway
	}
	data, err := host.ReadFile(p, 1<<20)
	return err == nil && (len(data) == 0 || data[len(data)-1] == '\n')
}

// checkedBefore: visudo -c checked the file being copied in, earlier on
// the line and joined by &&, so the copy only happens when it parses.
func checkedBefore(inv *guard.Invocation, source guard.Arg) bool {
	if !source.Known {
		return false
	}
	want := inv.Path(source.Value)
	checked := false
	for b := range inv.SucceededBefore {
		if b.Program != "visudo" {
			continue
		}
		p := guard.ParseOptions(b.Args, guard.OptSpec{ShortValue: "f", LongValue: []string{"file"}})
		if !p.Has("c", "check") {
			continue
		}
		files := p.Values("f", "file")
		files = append(files, p.Operands...)
		for _, f := range files {
			if f.Known && b.Path(f.Value) == want {
				checked = true
			}
		}
	}
	return checked
}

func matchSudoersEdit(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Program == "visudo" {
		return nil // it checks what it writes
	}
	targets, source := sudoersWrites(inv, host)
	if len(targets) == 0 || checkedBefore(inv, source) {
		return nil
	}
	path := targets[0]
	if text, ok := sudoersWritten(inv, host, targets, source); ok {
		grant, decision := sudoersBroadGrant(text)
		if grant == "" {
			return nil // ordinary lines, read whole: nothing to check
		}
		return guard.Found(decision, "grant the commands meant, by full path: USER ALL=(root) /usr/bin/systemctl restart app; check with visudo -cf FILE",
			"would write %s%s: it %s", path, inv.Where(), grant).
			Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{path}, Overwrite: true})
	}
	hint := "write it to a file and check it first: visudo -cf /tmp/NAME && install -m 0440 /tmp/NAME " + path + "; or edit with visudo -f " + path
	if path == "/etc/sudoers" {
		hint = "put the line in its own file, checked: visudo -f /etc/sudoers.d/NAME (or visudo for the main file)"
	}
	return guard.Found(guard.Confirm, hint,
		"would write %s%s without visudo's check: if the result has one syntax error, sudo refuses to run for everyone until it is fixed as root (a root password or a rescue boot)",
		path, inv.Where()).
		Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{path}, Overwrite: true})
}

func (c classifier) matchPermsRecursive(inv *guard.Invocation, host guard.Host) *guard.Finding {
	switch inv.Program {
	case "find":
		return c.matchFindPerms(inv, host)
	case "setfacl", "chattr":
		return c.matchAttrsRecursive(inv, host)
	}
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
		if inv.Program == "chmod" || p.Has("L", "H") {
			t = FollowedTarget(inv, host, a) // chmod -R link goes into the folder the link leads to; chown only with -H or -L
		}
		kind, where := c.Worst(t, home)
		if kind == UserHome && a.Known {
			if f := homeOpenedUp(inv, p.Operands, where); f != nil {
				return f
			}
			continue
		}
		if kind != Root && kind != SystemDir && kind != SystemChild || kind == SystemChild && varData[where] {
			if f := openedToAll(inv, p.Operands, t, kind); f != nil {
				return f
			}
			continue
		}
		if a.Known && len(p.Operands) > 0 && keepsEveryCheck(inv.Program, p.Operands[0], where) {
			continue // chown -R root:root /etc/sudoers.d: the usual repair
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

// openedToAll: chmod -R that lets every account write every file of a
// folder that is not a home or a system folder (chmod -R 777 ., chmod -R
// a+w /var/www): any local account or compromised service can then
// change code a server runs, and the modes each file had are not kept.
// Outside the homes (a web root, /srv/app) that asks; an account's own
// folders are its own business.
func openedToAll(inv *guard.Invocation, operands []guard.Arg, t Target, kind Kind) *guard.Finding {
	if inv.Program != "chmod" || len(operands) == 0 || !operands[0].Known || !t.Arg.Known || t.Resolved == "" {
		return nil
	}
	if mode, ok := applyMode(0o644, operands[0].Value); !ok || mode&0o002 == 0 {
		return nil
	}
	if kind == UserHome || strings.HasPrefix(t.Resolved, "/home/") || strings.HasPrefix(t.Resolved, "/root/") {
		return nil // an account's own files, shared on purpose (chmod -R a+rwx ~/shared)
	}
	for root := range scratchRoots {
		if t.Resolved == root || strings.HasPrefix(t.Resolved, root+"/") || inScratchFolder(t.Resolved) || buildOutputNames[filepath.Base(t.Resolved)] {
			return nil // scratch files and build output: made again
		}
	}
	hint := "give write access to the account that needs it: chown -R www-data: DIR/uploads, or chmod -R g+w with a shared group; folders 755 and files 644: find DIR -type d -exec chmod 755 {} + -o -type f -exec chmod 644 {} +"
	msg := "would let every account on this machine change every file under %s (mode %s): code, configuration and scripts a server or cron runs included; the modes each file had are not kept, so there is no undo"
	return guard.Found(guard.Confirm, hint, msg, t.Resolved, operands[0].Value)
}

// checkedFolders are system folders whose every file has one modeCheck
// (and the folder its own): a recursive change is judged by them, file by
// file, instead of as a change of a whole system folder.
var checkedFolders = map[string][2]modeCheck{
	"/etc/sudoers.d":         {sudoersDirMode, sudoersMode},
	"/etc/cron.d":            {rootReadDirMode, rootReadMode},
	"/etc/pam.d":             {rootReadDirMode, rootReadMode},
	"/etc/profile.d":         {rootReadDirMode, rootReadMode},
	"/etc/ssh/sshd_config.d": {rootReadDirMode, rootReadMode},
}

// rootReadDirMode is rootReadMode for the folders of such files: whoever
// can write the folder can put a file of their own in it.
var rootReadDirMode = modeCheck{guard.Confirm, 0o755, rootReadMode.broken, rootReadMode.chowned}

// keepsEveryCheck: program (chmod, chown, chgrp, or the one find -exec
// runs) with this mode or owner over the checked folder dir leaves the
// folder and every file in it as their checks want them.
func keepsEveryCheck(program string, modeOrOwner guard.Arg, dir string) bool {
	checks, ok := checkedFolders[dir]
	if !ok || !modeOrOwner.Known {
		return false
	}
	for _, check := range checks {
		switch program {
		case "chmod":
			after, ok := applyMode(check.usual, modeOrOwner.Value)
			if !ok || check.broken(after) != "" {
				return false
			}
		case "chown", "chgrp":
			owner, _, _ := strings.Cut(modeOrOwner.Value, ":")
			if program == "chgrp" {
				owner = ""
			}
			if check.chowned != nil && check.chowned(owner) != "" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// homeOpenedUp: chmod -R over a whole home with a mode that lets group
// or others read or write a private key (0600 before): ssh refuses such
// a key, sshd (StrictModes) refuses key logins to a home others can
// write, and every secret in it is open to every account. chmod -R
// go-rwx ~ and u+rwX pass.
func homeOpenedUp(inv *guard.Invocation, operands []guard.Arg, home string) *guard.Finding {
	if len(operands) == 0 || !operands[0].Known {
		return nil
	}
	if f := homeLockedUp(inv, operands[0].Value, home); f != nil {
		return f
	}
	if inv.Program != "chmod" {
		return nil
	}
	mode, ok := applyMode(0o600, operands[0].Value)
	if !ok || mode&0o077 == 0 {
		return nil
	}
	effect := "its SSH private keys become readable by others and ssh refuses to use them"
	if mode&0o022 != 0 {
		effect = "its SSH private keys are open to others (ssh refuses them), and sshd refuses key logins to a home others can write"
	}
	return guard.Found(guard.Confirm,
		"open up only the folder you mean (chmod -R g+rX ~/shared); to repair a home: chmod go-w ~; chmod 700 ~/.ssh; chmod 600 ~/.ssh/id_* ~/.ssh/authorized_keys",
		"would give group or others access to every file in the home folder %s (mode %s): %s; the old modes are not kept",
		home, operands[0].Value, effect)
}

// homeLockedUp: chmod -R that takes the owner's own read or search right
// off a whole home (chmod -R 000 ~), or chown -R of it to another account:
// sshd can no longer read authorized_keys, or refuses keys another
// account owns (StrictModes), and the owner's shells lose their startup
// files. chown -R to the same name as the home's is the usual repair.
func homeLockedUp(inv *guard.Invocation, modeOrOwner, home string) *guard.Finding {
	hint := "to repair a home: chown -R OWNER: ~OWNER; chmod u+rwX -R ~OWNER; chmod 700 ~/.ssh; chmod 600 ~/.ssh/authorized_keys"
	switch inv.Program {
	case "chmod":
		mode, ok := applyMode(0o700, modeOrOwner)
		if !ok || mode&0o500 == 0o500 {
			return nil
		}
		return guard.Found(guard.Confirm, hint,
			"would take the owner's own read or search right off every file in the home folder %s (mode %s): sshd can no longer read its authorized_keys, so key logins fail, and its files cannot be opened", home, modeOrOwner)
	case "chown":
		owner, _, _ := strings.Cut(modeOrOwner, ":")
		if owner == "" || owner == filepath.Base(home) || owner == "root" && home == "/root" || strings.Trim(owner, "0123456789") == "" {
			return nil // its own name; a number guard cannot tie to a name here
		}
		return guard.Found(guard.Confirm, hint,
			"would give every file in the home folder %s to %s: sshd refuses an authorized_keys another account owns, so key logins to it fail, and its owner can no longer change its files", home, owner)
	}
	return nil
}

// matchFindPerms: find -exec chmod, chown or chgrp over everything it
// walks is chmod -R by another name: find / -exec chmod 777 {} +. A name
// test (-name '*.sh') makes it targeted.
func (c classifier) matchFindPerms(inv *guard.Invocation, host guard.Host) *guard.Finding {
	starts, expr := findStarts(inv)
	program, change := "", guard.Arg{}
	for j := 0; j+1 < len(expr); j++ {
		if findActions(expr[j]) {
			switch base := filepath.Base(expr[j+1]); base {
			case "chmod", "chown", "chgrp":
				program = base
				if j+2 < len(expr) {
					change = guard.Arg{Text: expr[j+2], Value: expr[j+2], Known: true}
				}
			}
		}
	}
	if program == "" || readFindExpr(expr).named != "" {
		return nil // no change of permissions, or only to the files a name test picks
	}
	home := Home(inv, host)
	what := map[string]string{"chmod": "permissions", "chown": "owner", "chgrp": "group"}[program]
	for _, a := range starts {
		if !a.Known {
			continue
		}
		t := TargetOf(inv, host, a)
		kind, where := c.Worst(t, home)
		if kind != Root && kind != SystemDir && kind != SystemChild || kind == SystemChild && varData[where] {
			continue
		}
		if keepsEveryCheck(program, change, where) {
			continue // find /etc/sudoers.d -type f -exec chmod 440 {} +
		}
		return guard.Found(guard.Block,
			fmt.Sprintf("narrow it to the files you mean (find %s -name PATTERN …), or name the folder you mean, e.g. find /var/www/site …", where),
			"would change the %s of every file find reaches under %s%s, as %s -R would: setuid bits (sudo, su), ssh key permissions and service ownership are lost, with no undo",
			what, strings.TrimSuffix(kind.Describe(where), ", a system folder"), cwdNote(inv, a), program)
	}
	return nil
}

// matchAttrsRecursive: setfacl -R and chattr -R +i over a system folder
// change every file under it as chmod -R would, but can be undone with
// the same tool (setfacl -R -b, chattr -R -i): confirm, not block.
func (c classifier) matchAttrsRecursive(inv *guard.Invocation, host guard.Host) *guard.Finding {
	var files []guard.Arg
	recursive, change := false, ""
	for i := 0; i < len(inv.Args); i++ {
		a := inv.Args[i]
		v := a.Value
		switch {
		case v == "-R" || v == "--recursive":
			recursive = true
		case inv.Program == "setfacl" && (v == "-m" || v == "-M" || v == "-x" || v == "-X" || v == "--set" || v == "--set-file" || v == "--modify" || v == "--remove"):
			change = "ACLs (" + v + ")"
			i++ // the ACL entries or their file
		case inv.Program == "setfacl" && (v == "-b" || v == "-k" || v == "--remove-all" || v == "--remove-default"):
			change = "ACLs (" + v + ")"
		case inv.Program == "setfacl" && strings.HasPrefix(v, "-") && len(v) > 1:
			if !strings.HasPrefix(v, "--") { // -Rb, -dR
				recursive = recursive || strings.Contains(v, "R")
				if strings.ContainsAny(v, "bk") {
					change = "ACLs (" + v + ")"
				}
			}
		case inv.Program == "chattr" && (v == "-v" || v == "-p"):
			i++ // version or project number
		case inv.Program == "chattr" && (strings.HasPrefix(v, "+") || strings.HasPrefix(v, "=")) && strings.ContainsAny(v, "ia"):
			change = "attributes (" + v + ": files nobody, root included, can change or delete, so package upgrades and logs fail)"
		case strings.HasPrefix(v, "-") && len(v) > 1 && inv.Program == "chattr":
			recursive = recursive || strings.Contains(v, "R") && !strings.ContainsAny(v[1:], "iaAcdDeFjmPsStTux")
		default:
			files = append(files, a)
		}
	}
	if !recursive || change == "" {
		return nil // one file, or no change guard knows to be risky
	}
	home := Home(inv, host)
	for _, a := range files {
		if !a.Known {
			continue
		}
		t := TargetOf(inv, host, a)
		kind, where := c.Worst(t, home)
		if kind != Root && kind != SystemDir && kind != SystemChild || kind == SystemChild && varData[where] {
			continue
		}
		undo := "setfacl -R -b " + where
		if inv.Program == "chattr" {
			undo = "chattr -R -i -a " + where
		}
		return guard.Found(guard.Confirm,
			fmt.Sprintf("name the folder you mean, e.g. %s -R … /var/www/site; undo on the whole tree is %s, which also drops what was there before", inv.Program, undo),
			"would change the %s of every file under %s%s", change, strings.TrimSuffix(kind.Describe(where), ", a system folder"), cwdNote(inv, a))
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

// A modeCheck says which modes and owners of one critical file break the
// host, judged on the mode chmod would leave.
type modeCheck struct {
	decision guard.Decision
	usual    uint32 // the mode packages install, when guard cannot stat it
	broken   func(mode uint32) string
	// chowned: what chown or chgrp to owner ("" for a group alone) does,
	// "" when harmless
	chowned func(owner string) string
}

var sudoersMode = modeCheck{guard.Block, 0o440,
	func(m uint32) string {
		if m&0o022 != 0 {
			return "sudo refuses to run with a sudoers file others can write, so root is out of reach"
		}
		return ""
	},
	func(owner string) string {
		if owner != "" && owner != "root" && owner != "0" {
			return "sudo refuses to run with a sudoers file root does not own, so root is out of reach"
		}
		return ""
	}}

var shadowMode = modeCheck{guard.Confirm, 0o640,
	func(m uint32) string {
		if m&0o002 != 0 {
			return "any account on the host could rewrite the password hashes, root's included: a way to root for everyone"
		}
		if m&0o004 != 0 {
			return "every user on the host can read the password hashes and crack them offline"
		}
		return ""
	},
	func(owner string) string {
		if owner != "" && owner != "root" && owner != "0" {
			return owner + " can read every password hash"
		}
		return ""
	}}

var accountsMode = modeCheck{guard.Confirm, 0o644,
	func(m uint32) string {
		if m&0o002 != 0 {
			return "any account on the host could rewrite it and give itself uid 0 or another's password: a way to root for everyone"
		}
		if m&0o004 == 0 {
			return "programs that do not run as root can no longer look accounts up: ls shows numbers, logins and cron jobs of ordinary users fail"
		}
		return ""
	}, nil}

var setuidMode = modeCheck{guard.Block, 0o4755,
	func(m uint32) string {
		if reason := programMode.broken(m); reason != "" {
			return reason
		}
		if m&0o4000 == 0 {
			return "without its setuid bit it can no longer make anyone root"
		}
		return ""
	},
	func(string) string {
		return "a change of owner or group clears the setuid bit (even to root:root), so it can no longer make anyone root"
	}}

var runtimeMode = modeCheck{guard.Block, 0o755,
	func(m uint32) string {
		if m&0o005 != 0o005 {
			return "every dynamically linked program needs to read and run it: the next command you type, sudo and sshd stop starting"
		}
		return ""
	}, nil}

// folderMode: / and the system folders must stay open to everyone:
// chmod 700 /usr or chown nobody / on its own, without -R, is enough to
// break the host.
var folderMode = modeCheck{guard.Block, 0o755,
	func(m uint32) string {
		if m&0o001 == 0 { // 711 (others may go through, not list) is a usual hardening
			return "programs that do not run as root (sshd after login, web servers, cron jobs of users) can no longer go through it, so logins and services fail"
		}
		return ""
	},
	func(owner string) string {
		if owner != "" && owner != "root" && owner != "0" {
			return owner + " could replace anything in it, and sshd refuses logins by key while a folder on the way to them is not root's"
		}
		return ""
	}}

// tmpMode: /tmp and /var/tmp are written by everyone, and the sticky bit
// keeps users from deleting one another's files.
var tmpMode = modeCheck{guard.Confirm, 0o1777,
	func(m uint32) string {
		if m&0o1777 != 0o1777 {
			return "programs that do not run as root can no longer make their temporary files there, or can delete one another's"
		}
		return ""
	}, nil}

// programMode: a program the host needs to let anyone in (a shell, sshd,
// login, init) must stay executable.
var programMode = modeCheck{guard.Block, 0o755,
	func(m uint32) string {
		if m&0o111 == 0 {
			return "nobody, root included, can start it any more: whatever starts it (logins, scripts, sshd) fails"
		}
		return ""
	}, nil}

// shellMode: a shell must also never be setuid or setgid: whoever runs it
// (bash -p) gets a root shell, which is how a break-in keeps root.
var shellMode = modeCheck{guard.Block, 0o755,
	func(m uint32) string {
		if reason := programMode.broken(m); reason != "" {
			return reason
		}
		if m&0o6000 != 0 {
			return "a setuid or setgid shell gives anyone who runs it (bash -p) a root shell"
		}
		return ""
	}, nil}

// sudoersDirMode: sudo checks the folder it reads its drop-ins from as
// it checks the files: a sudoers.d others can write, or another account
// owns, is skipped whole ("is world writable"), and the rules in it are
// gone (90-cloud-init-users: the image's only sudo account).
var sudoersDirMode = modeCheck{guard.Block, 0o750,
	func(m uint32) string {
		if m&0o002 != 0 {
			return "sudo skips a sudoers.d others can write, so every rule in it is dropped (the accounts whose sudo comes from there lose it), and anyone could add a rule of their own"
		}
		return ""
	},
	func(owner string) string {
		if owner != "" && owner != "root" && owner != "0" {
			return "sudo skips a sudoers.d root does not own, so every rule in it is dropped (the accounts whose sudo comes from there lose it)"
		}
		return ""
	}}

// hostKeyMode: sshd refuses a private host key that others can read
// ("bad permissions") and starts without it; with none left it does not
// start at all. 0640 with the ssh_keys group is how Red Hat installs them.
var hostKeyMode = modeCheck{guard.Confirm, 0o600,
	func(m uint32) string {
		if m&0o037 != 0 {
			return "sshd refuses a host key others can read (bad permissions) and skips it: at its next restart clients see another host key or none, and with no key left sshd does not start, so no one gets in over SSH"
		}
		return ""
	},
	func(owner string) string {
		if owner != "" && owner != "root" && owner != "0" {
			return owner + " can read the host's private key and pass for this server to every client that trusts it"
		}
		return ""
	}}

// rootReadMode: a file root acts on (sshd's configuration, the system
// crontab, PAM, the preload list, the shells' start-up files): an account
// that can write it can make root run what it likes, at the next restart,
// login or minute.
var rootReadMode = modeCheck{guard.Confirm, 0o644,
	func(m uint32) string {
		if m&0o002 != 0 {
			return "any account on the host could rewrite it, and root acts on what it says (sshd lets in whom it names, cron and PAM run what it lists): a way to root for everyone"
		}
		return ""
	},
	func(owner string) string {
		if owner != "" && owner != "root" && owner != "0" {
			return owner + " could rewrite it, and root acts on what it says: a way to root for that account"
		}
		return ""
	}}

// rootReadFiles are the rootReadMode files, by path or by folder.
func rootReadFile(p string) bool {
	switch p {
	case "/etc/ssh/sshd_config", "/etc/crontab", "/etc/ld.so.preload", "/etc/profile", "/etc/environment", "/etc/bash.bashrc", "/etc/bashrc", "/etc/security/limits.conf", "/etc/pam.conf", "/etc/rc.local":
		return true
	}
	switch filepath.Dir(p) {
	case "/etc/ssh/sshd_config.d", "/etc/cron.d", "/etc/pam.d", "/etc/profile.d", "/etc/systemd/system", "/etc/security/limits.d":
		return true
	}
	return false
}

// hostKey: a private host key of sshd (not its .pub).
func hostKey(p string) bool {
	base := filepath.Base(p)
	return filepath.Dir(p) == "/etc/ssh" && strings.HasPrefix(base, "ssh_host_") && strings.HasSuffix(base, "_key")
}

// shells are the programMode programs that are shells.
var shells = map[string]bool{"sh": true, "bash": true, "dash": true}

// modeCheckFor names the check of a clean absolute path, if it has one.
func modeCheckFor(p string) (modeCheck, bool) {
	switch p {
	case "/etc/sudoers":
		return sudoersMode, true
	case "/etc/shadow", "/etc/gshadow":
		return shadowMode, true
	case "/etc/passwd", "/etc/group":
		return accountsMode, true
	}
	if f, ok := critical(p); ok {
		switch {
		case f == programFile && (filepath.Base(p) == "sudo" || filepath.Base(p) == "su"):
			return setuidMode, true
		case f == runtimeFile:
			return runtimeMode, true
		case f == programFile && shells[filepath.Base(p)]:
			return shellMode, true
		case f == programFile:
			return programMode, true
		}
	}
	switch {
	case p == "/" || systemDirs[p]:
		return folderMode, true
	case p == "/tmp" || p == "/var/tmp":
		return tmpMode, true
	}
	switch {
	case filepath.Dir(p) == "/etc/sudoers.d":
		return sudoersMode, true
	case checkedFolders[p][0].broken != nil:
		return checkedFolders[p][0], true // the folder itself: sudoers.d, cron.d…
	case hostKey(p):
		return hostKeyMode, true
	case rootReadFile(p):
		return rootReadMode, true
	}
	return modeCheck{}, false
}

// keyLoginMode: sshd's StrictModes refuses a key login while the
// account's home, ~/.ssh or authorized_keys can be written by its group
// or by others; and sshd reads them as the user, who must be able to go
// through the folders and read the file (need: the owner's bits; none for
// root, who passes every mode). Over SSH that is the way back in.
func keyLoginMode(need uint32) modeCheck {
	return modeCheck{guard.Confirm, 0o755 &^ (0o500 &^ need),
		func(m uint32) string {
			if m&0o022 != 0 {
				return "sshd (StrictModes) refuses key logins to this account while its home, ~/.ssh or authorized_keys can be written by others: the next SSH login with a key fails"
			}
			if m&need != need {
				return "sshd reads the account's keys as the account itself, which could no longer go through its home or ~/.ssh or read authorized_keys: the next SSH login with a key fails"
			}
			return ""
		},
		nil,
	}
}

// keyLoginCheck is keyLoginMode for the home, ~/.ssh and
// ~/.ssh/authorized_keys of the user of this SSH session, and of root.
func keyLoginCheck(inv *guard.Invocation, host guard.Host, p string) (modeCheck, bool) {
	if _, ssh := guard.SSHClient(inv, host); !ssh {
		return modeCheck{}, false
	}
	for _, home := range []string{Home(inv, host), "/root"} {
		if home == "" || home == "/" {
			continue
		}
		need := map[string]uint32{home: 0o100, home + "/.ssh": 0o100, home + "/.ssh/authorized_keys": 0o400}[p]
		if home == "/root" {
			need = 0 // root passes every mode
		}
		if p == home || p == home+"/.ssh" || p == home+"/.ssh/authorized_keys" {
			return keyLoginMode(need), true
		}
	}
	return modeCheck{}, false
}

// applyMode computes the mode chmod leaves: an octal number, or symbolic
// clauses (u+s, go-w, a=r, +x). ok is false for what it cannot read
// (g=u, a reference file).
func applyMode(mode uint32, spec string) (uint32, bool) {
	if n, err := strconv.ParseUint(spec, 8, 32); err == nil {
		return uint32(n), true // on a file, the setuid bits too
	}
	for _, clause := range strings.Split(spec, ",") {
		who := uint32(0)
		i := 0
		for ; i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0; i++ {
			who |= map[byte]uint32{'u': 0o4700, 'g': 0o2070, 'o': 0o1007, 'a': 0o7777}[clause[i]]
		}
		if who == 0 {
			who = 0o7777 &^ 0o022 // as if a, less the usual umask: chmod +w does not give others write
		}
		if i >= len(clause) {
			return 0, false
		}
		for i < len(clause) {
			op := clause[i]
			if op != '+' && op != '-' && op != '=' {
				return 0, false
			}
			i++
			bits := uint32(0)
			for ; i < len(clause) && strings.IndexByte("+-=", clause[i]) < 0; i++ {
				switch clause[i] {
				case 'r':
					bits |= 0o444
				case 'w':
					bits |= 0o222
				case 'x', 'X':
					bits |= 0o111
				case 's':
					bits |= 0o6000
				case 't':
					bits |= 0o1000
				default:
					return 0, false
				}
			}
			switch op {
			case '+':
				mode |= bits & who
			case '-':
				mode &^= bits & who
			case '=':
				mode = mode&^who | bits&who
			}
		}
	}
	return mode, true
}

func (c classifier) matchCriticalMode(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Program == "chattr" {
		return matchAccountsImmutable(inv)
	}
	args := inv.Args
	var modeArg []guard.Arg
	if inv.Program == "chmod" {
		// chmod -x FILE: a mode that looks like an option is the mode
		for i, a := range args {
			if a.Known && len(a.Value) > 1 && a.Value[0] == '-' && strings.Trim(a.Value[1:], "rwxXst") == "" {
				modeArg = []guard.Arg{a}
				args = append(append([]guard.Arg{}, args[:i]...), args[i+1:]...)
				break
			}
		}
	}
	p := guard.ParseOptions(args, guard.OptSpec{LongValue: []string{"reference", "from"}})
	operands := append(modeArg, p.Operands...)
	if p.Has("reference") || len(operands) < 2 || !operands[0].Known {
		return nil
	}
	spec := operands[0].Value
	for _, a := range operands[1:] {
		path, _, ok := criticalTarget(inv, host, a)
		if !p.Has("h", "no-dereference") {
			path, _, ok = writtenTarget(inv, host, a) // chmod and chown change what a link leads to
		}
		if !ok {
			path = inv.Path(a.Value)
		}
		if !a.Known || path == "" {
			continue
		}
		check, ok := modeCheckFor(path)
		if !ok {
			check, ok = keyLoginCheck(inv, host, path)
		}
		if !ok {
			continue
		}
		effect := ""
		switch inv.Program {
		case "chmod":
			mode := check.usual
			if info, err := host.Lstat(path); err == nil && inv.Remote == "" && info.Mode().IsRegular() {
				mode = uint32(info.Mode().Perm())
				if info.Mode()&os.ModeSetuid != 0 {
					mode |= 0o4000
				}
			}
			after, ok := applyMode(mode, spec)
			if !ok {
				continue
			}
			effect = check.broken(after)
		case "chown", "chgrp":
			owner, _, _ := strings.Cut(spec, ":")
			if inv.Program == "chgrp" {
				owner = ""
			}
			if check.chowned != nil {
				effect = check.chowned(owner)
			}
		}
		if effect == "" {
			continue
		}
		return guard.Found(check.decision,
			fmt.Sprintf("look at what it is now (stat -c '%%A %%U:%%G' %s); the packaged mode is %04o, root-owned", path, check.usual),
			"would %s %s%s: %s", map[string]string{"chmod": "change the mode of", "chown": "change the owner of", "chgrp": "change the group of"}[inv.Program], path, inv.Where(), effect)
	}
	return nil
}

// matchAccountsImmutable: chattr +i (or +a) on the account files. Even
// root cannot write them then: passwd, useradd, chpasswd and the package
// scripts that add system users fail, with errors that do not say why.
func matchAccountsImmutable(inv *guard.Invocation) *guard.Finding {
	setting := ""
	var files []string
	for _, a := range inv.Args {
		switch {
		case !a.Known:
		case (strings.HasPrefix(a.Value, "+") || strings.HasPrefix(a.Value, "=")) && strings.ContainsAny(a.Value, "ia"):
			setting = a.Value
		case strings.HasPrefix(a.Value, "-") || strings.HasPrefix(a.Value, "+") || strings.HasPrefix(a.Value, "="):
		default:
			if p := inv.Path(a.Value); criticalFiles[p] == accountFile {
				files = append(files, p)
			}
		}
	}
	if setting == "" || len(files) == 0 {
		return nil
	}
	return guard.Found(guard.Confirm, "to keep watch on the account files use auditd (auditctl -w /etc/passwd -p wa) or AIDE; undo with chattr -i -a "+strings.Join(files, " "),
		"would make %s%s unchangeable (chattr %s), root included: passwd, useradd, usermod, chpasswd and package upgrades that add a system user fail until chattr -i", strings.Join(files, " "), inv.Where(), setting)
}
