package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func sysfilesRules(c classifier) []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "critical-file-truncate",
			Programs:   nil, // a redirection can stand on any command
			Decision:   guard.Block,
			Summary:    "> (or 1<>, which writes over the first bytes), tee, sponge, truncate, cp, install, rsync, dd of=, perl -i (confirm) or a sed -i or an editor given its commands (vim -es -c, ex, ed fed a script) that deletes every line (or root's) over /etc/passwd, shadow, group, sudoers, the dynamic loader or libc (block), fstab, crypttab, grub.cfg, a kernel or initramfs of /boot (one there, or any when /boot lists none), default.target, pam.d, nsswitch.conf, ld.so.preload or a file of sudoers.d (confirm), or emptying a crontab or a user's authorized_keys, replacing root's, or writing a user's with keys that leave out some there now (confirm); a file the command reads while its own > empties it (grep -v x F > F) counts as emptied; a program that does nothing (false, nologin) copied over sh, sudo or sshd, or any write in place (>, tee, dd of=, truncate) over them (block); a write in place over any other program of /bin, /sbin, /usr/bin or /usr/sbin (confirm)",
			Postmortem: "echo user:x:… > /etc/passwd typed for >>: every other account gone, sudo and logins broken",
			Machine:    true,
			Match:      matchCriticalTruncate,
		},
		{
			ID:         "system-file-remove",
			Programs:   []string{"rm", "unlink", "shred", "mv", "ln"},
			Decision:   guard.Block,
			Summary:    "rm, unlink, shred, mv or ln -f of /etc/passwd, shadow, group, sudoers, the dynamic loader or libc, or rm of sh, bash, sudo, su, sshd, login or init, or of every kernel in /boot, or a program that does nothing (false, true, nologin, /dev/null) linked or moved in their place (block), fstab, the running kernel or sshd's host keys (confirm), a crontab in the spool or /etc/cron.d, or /dev/null and the other device files every program uses, removed or replaced by mv or ln -f, or the distribution's /usr/bin/python3 (confirm); copies left beside PAM files (.dpkg-old, ~) pass",
			Postmortem: "a common failure mode: rm -f of libc.so.6 or /etc/shadow while cleaning up, after which the next command cannot start",
			Machine:    true,
			Match:      c.matchSystemFileRemove,
		},
		{
			ID:         "mv-system",
			Programs:   []string{"mv"},
			Decision:   guard.Block,
			Summary:    "mv of /, a system folder or its direct children, or a home folder (mv ~ /dev/null)",
			Postmortem: "mv /lib /lib.old: mv itself, sshd and every dynamically linked program stop starting",
			Machine:    true,
			Match:      c.matchMvSystem,
		},
		{
			ID:         "source-remove-system",
			Programs:   []string{"tar", "bsdtar", "zip", "rsync"},
			Decision:   guard.Block,
			Summary:    "tar --remove-files, zip -m and rsync --remove-source-files of /, a system folder or its direct children (block), or a home folder or live data (/var/lib/mysql, /srv/app: confirm): the sources are deleted once copied, as mv would take them away; /var/log, /var/backups, /var/crash and /var/cache shipped elsewhere warn",
			Postmortem: "a common failure mode: an archive-and-clean command pointed at a system folder instead of the old logs it was meant for",
			Machine:    true,
			Match:      c.matchSourceRemoveSystem,
		},
		{
			ID:         "system-link-replace",
			Programs:   []string{"ln", "mv"},
			Decision:   guard.Block,
			Summary:    "ln -sfn/-sfT or mv -T over a link that is /, a system folder or part of the system (/lib64, /bin, /lib on a merged /usr): the folder every program finds is replaced",
			Postmortem: "ln -sfn over /lib64 on a merged-/usr host: the dynamic loader is no longer found and no program starts",
			Machine:    true,
			Match:      c.matchSystemLinkReplace,
		},
		{
			ID:         "find-delete-system",
			Programs:   []string{"find"},
			Decision:   guard.Confirm,
			Summary:    "find /, a system folder or a home with -delete or -exec rm (block for / with no test at all; a warning when a name test narrows it, unless it matches a file the host needs or the shared libraries of a library folder; none in a home unless the pattern reaches its keys or start-up files); find emptying a part of the system or live data with no test but -type",
			Postmortem: "find / -name … -delete with a pattern that matched more than meant",
			Machine:    true,
			Match:      c.matchFindDelete,
		},
	}
}

// A criticalFile is a file the host cannot lose: what replacing its
// content does, and what removing or emptying it does.
type criticalFile struct {
	replace, remove   guard.Decision
	replaced, removed string // what breaks
	safer             string // what to type instead; FILE stands for the path
}

var (
	accountFile = criticalFile{guard.Block, guard.Block,
		"every account not in the new content stops existing; logins and sudo break",
		"no account can be looked up any more: logins, su and sudo fail, root's included",
		"to change an entry use vipw or vigr (-s for shadow and gshadow), usermod or passwd, which lock and check the file; to add a line use >>"}
	sudoersFile = criticalFile{guard.Block, guard.Block,
		"sudo refuses to run with a broken sudoers, so root is out of reach",
		"sudo refuses to run without its sudoers, so root is out of reach",
		"edit it with visudo, which checks it before saving; add rules in /etc/sudoers.d/"}
	bootFile = criticalFile{guard.Confirm, guard.Confirm,
		"the next boot may stop at an emergency shell",
		"the next boot may stop at an emergency shell",
		"keep a copy first (cp -a FILE FILE.bak) and edit it in place"}
	loginFile = criticalFile{guard.Confirm, guard.Confirm,
		"logins can break", "logins can break",
		"keep a copy first (cp -a FILE FILE.bak), edit it, and test a new login before closing this one"}
	runtimeFile = criticalFile{guard.Block, guard.Block,
		"programs that have it loaded crash, and the next to start may not",
		"every dynamically linked program (the next command you type, sudo, sshd) stops starting, and only a rescue boot brings it back",
		"leave it to the package manager (apt-get install --reinstall libc6, dnf reinstall glibc); to replace a library use install or mv onto it, never cp or > over it"}
	// Replacing a program is how one is installed (ln -sf bash /bin/sh);
	// removing it leaves nothing that can put it back.
	programFile = criticalFile{guard.Allow, guard.Block,
		"",
		"whatever starts it (logins, scripts, sudo, sshd) fails from now on; getting it back needs a root shell that is already open, or a rescue boot",
		"to replace it, put the new one in place in one step (ln -sf NEW FILE, install NEW FILE); to repair it, reinstall its package (apt-get install --reinstall PACKAGE, dnf reinstall PACKAGE)"}
	// What /etc/ld.so.preload names is loaded into every program started
	// after it; empty or absent it does nothing.
	preloadFile = criticalFile{guard.Confirm, guard.Allow,
		"every program started from now on (sudo, sshd, the next command typed) loads the libraries it names: one that is missing or broken stops them all, and one that is not yours runs inside each of them", "",
		"check the library first (ldd /bin/true with LD_PRELOAD=LIB set in front); keep a copy (cp -a FILE FILE.bak) and append with >> rather than replace"}
	// sudo reads every file in /etc/sudoers.d and refuses to run when one
	// of them does not parse; taking one away only takes its rule away.
	sudoersDropIn = criticalFile{guard.Confirm, guard.Allow,
		"sudo refuses to run at all when a file in /etc/sudoers.d does not parse, so root is out of reach", "",
		"write it with visudo -f FILE, which checks it before saving (or check a copy with visudo -cf COPY, then install -m 0440 COPY FILE)"}
	// resolv.conf is rewritten routinely; emptied or removed, the host
	// resolves no name.
	// sshd will not start without its host keys: the next restart or
	// reboot shuts SSH out, and new keys make every client warn.
	hostKeyFile = criticalFile{guard.Allow, guard.Confirm,
		"",
		"sshd refuses to start without its host keys: the next restart or reboot shuts SSH logins out, and keys made anew make every client warn of a changed host",
		"keep a copy first (cp -a FILE FILE.old); to make new ones: ssh-keygen -A, then sshd -t before restarting"}
	resolverFile = criticalFile{guard.Allow, guard.Confirm,
		"", "the host resolves no name any more: apt, curl, mirrors, anything reached by name fail until it is written again",
		"write the servers you mean (echo 'nameserver 192.0.2.53' | sudo tee FILE), or have its manager write it again (systemctl restart systemd-resolved, resolvconf -u)"}
	hostsFile = criticalFile{guard.Allow, guard.Confirm,
		"", "localhost and the names only it lists stop resolving: sudo complains it cannot resolve this host, and services that connect to those names fail",
		"write the lines you mean, keeping 127.0.0.1 localhost and this host's own name (hostname), e.g. printf '127.0.0.1 localhost\\n127.0.1.1 %s\\n' \"$(hostname)\" | sudo tee FILE"}
	// /dev/null and its kin: every script and service writes to or reads
	// from them; removed, or replaced by a file, output piles up in it and
	// reads get the wrong bytes until it is made again. Writing to one
	// leaves it in place (> /dev/null); mv or ln -f over it replaces it
	// with a plain file, as rm removes it.
	deviceNode = criticalFile{guard.Allow, guard.Confirm,
		"", "every program writing to it makes a plain file that grows instead, and reading it gives what was written, until it is made again (devtmpfs makes it at the next boot)",
		"to empty a file use : > FILE; to make the device again: mknod -m 666 FILE c MAJOR MINOR (1 3 for /dev/null)"}
	// The distribution's own tools run on its python3 (apt's hooks and
	// add-apt-repository, dnf, netplan, cloud-init, firewalld): another
	// version in its place lacks their modules (apt_pkg, dnf's bindings).
	systemPython = criticalFile{guard.Confirm, guard.Confirm,
		"the distribution's tools written in Python (apt's hooks, dnf, netplan, cloud-init) run on it and lack their modules in another version",
		"the distribution's tools written in Python (apt's hooks, dnf, netplan, cloud-init) stop working",
		"leave FILE to the package manager; run another version by its own name (python3.12), or make a virtual environment (python3.12 -m venv ~/venv)"}
	// A kernel or an initramfs the boot loader starts: written over, the
	// next boot runs what is there; removed, kernelsRemoved judges what
	// is left to boot.
	bootImage = criticalFile{guard.Confirm, guard.Allow,
		"the boot loader starts what is there at the next boot: anything but a working kernel and initramfs for this host stops the boot before any login, and only a rescue system brings it back", "",
		"install kernels with the package manager (apt install linux-image-…, dnf install kernel) and rebuild an initramfs with update-initramfs -u or dracut -f; one of your own goes under a new name (/boot/vmlinuz-6.8-custom) with update-grub, keeping FILE to boot"}
	crontabFile = criticalFile{guard.Allow, guard.Confirm,
		"", "the jobs in it stop running, silently",
		"keep a copy first (crontab -l -u USER > USER.cron, or cp -a FILE FILE.bak); edit a user's crontab with crontab -e -u USER"}
)

// criticalFiles: by exact path.
var criticalFiles = map[string]criticalFile{
	"/etc/passwd": accountFile, "/etc/shadow": accountFile, "/etc/group": accountFile, "/etc/gshadow": accountFile,
	"/etc/sudoers": sudoersFile,
	"/etc/fstab":   bootFile, "/etc/crypttab": bootFile,
	"/etc/ssh/sshd_config": loginFile, "/etc/pam.d/sudo": loginFile, "/etc/pam.d/sshd": loginFile, "/etc/pam.d/common-auth": loginFile,
	"/etc/crontab": crontabFile,
	"/dev/null":    deviceNode, "/dev/zero": deviceNode, "/dev/full": deviceNode, "/dev/random": deviceNode, "/dev/urandom": deviceNode, "/dev/tty": deviceNode,
	"/etc/ld.so.preload": preloadFile,
	"/etc/nsswitch.conf": loginFile,
	// resolv.conf, and where its usual link points; /etc/hosts, whose
	// localhost and own-name lines sudo and many services look up
	"/etc/hosts": hostsFile, "/etc/resolv.conf": resolverFile, "/run/systemd/resolve/stub-resolv.conf": resolverFile, "/run/systemd/resolve/resolv.conf": resolverFile, "/run/resolvconf/resolv.conf": resolverFile,
	// the boot loader's menu, and the target systemd starts (a link: >
	// writes through it into the unit it names)
	"/boot/grub/grub.cfg": bootFile, "/boot/grub2/grub.cfg": bootFile, "/etc/systemd/system/default.target": bootFile,
	// the units that start sshd: without one, the next boot has no SSH
	"/lib/systemd/system/ssh.service": loginFile, "/lib/systemd/system/sshd.service": loginFile,
	"/usr/lib/systemd/system/ssh.service": loginFile, "/usr/lib/systemd/system/sshd.service": loginFile,
}

// libraryDirs hold the dynamic loader and the C library, directly or in
// a multiarch folder (x86_64-linux-gnu).
var libraryDirs = map[string]bool{"/lib": true, "/lib64": true, "/lib32": true, "/libx32": true, "/usr/lib": true, "/usr/lib64": true, "/usr/lib32": true, "/usr/libx32": true}

// runtimeNames are the base names of the loader and the C library, for
// glibc (every architecture) and musl.
var runtimeNames = []string{"ld-linux*.so*", "ld64.so.*", "ld-*.so", "ld-musl-*.so*", "libc.so.6", "libc-2.*.so", "libc.musl-*.so*"}

// programDirs and programNames: the programs a host needs to let anyone
// in and to become root: the shells scripts and logins start, su and
// sudo, sshd and login, and init.
var programDirs = map[string]bool{"/bin": true, "/sbin": true, "/usr/bin": true, "/usr/sbin": true}

// chmod and chown are the tools that repair a program's mode: without them
// (chmod -x /bin/chmod) there is no command left that sets it back.
var programNames = map[string]bool{"sh": true, "bash": true, "dash": true, "sudo": true, "su": true, "login": true, "sshd": true, "init": true, "agetty": true, "chmod": true, "chown": true}

// cronDirs hold crontabs: the spool of each distribution, and cron.d.
var cronDirs = map[string]bool{"/var/spool/cron/crontabs": true, "/var/spool/cron": true, "/var/spool/cron/tabs": true, "/etc/cron.d": true}

// cronSpoolFolders live next to the crontabs in /var/spool/cron.
var cronSpoolFolders = map[string]bool{"crontabs": true, "tabs": true, "atjobs": true, "atspool": true, "lastrun": true}

// cronName: cron reads files named by run-parts' rule (letters, digits,
// _ and -; a user name in the spool) and ignores the others (job.bak,
// job.dpkg-old), so only those are crontabs; patterns (*) cover them.
func cronName(base string) bool {
	if cronSpoolFolders[base] {
		return false
	}
	for _, c := range base {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '*' || c == '?') {
			return false
		}
	}
	return base != ""
}

// leftBehind: a copy a package manager, an editor or an operator leaves
// beside a configuration file, which nothing reads by that name
// (common-auth.dpkg-old, sshd~).
func leftBehind(base string) bool {
	for _, suffix := range []string{".dpkg-old", ".dpkg-dist", ".dpkg-new", ".dpkg-bak", ".ucf-old", ".ucf-dist", ".rpmsave", ".rpmnew", ".rpmorig", ".bak", ".orig", ".old", ".swp", "~"} {
		if strings.HasSuffix(base, suffix) {
			return true
		}
	}
	return false
}

// critical says what the clean absolute path p is to the host, if anything.
func critical(p string) (criticalFile, bool) {
	if f, ok := criticalFiles[p]; ok {
		return f, true
	}
	dir, base := filepath.Dir(p), filepath.Base(p)
	if cronDirs[dir] && cronName(base) {
		return crontabFile, true
	}
	if dir == "/etc/pam.d" && !leftBehind(base) {
		return loginFile, true // each is how one service lets people in
	}
	if dir == "/etc/ssh" && strings.HasPrefix(base, "ssh_host_") && strings.HasSuffix(base, "_key") {
		return hostKeyFile, true
	}
	if dir == "/etc/sudoers.d" && !strings.Contains(base, ".") && !strings.HasSuffix(base, "~") {
		return sudoersDropIn, true // sudo skips names with a dot or ending in ~
	}
	if programDirs[dir] && programNames[base] || p == "/lib/systemd/systemd" || p == "/usr/lib/systemd/systemd" {
		return programFile, true
	}
	if dir == "/boot" && bootImageName(base) {
		return bootImage, true
	}
	if p == "/usr/bin/python3" || p == "/usr/libexec/platform-python" {
		return systemPython, true
	}
	if libraryDirs[dir] || libraryDirs[filepath.Dir(dir)] && strings.Contains(filepath.Base(dir), "-linux-") {
		for _, pattern := range runtimeNames {
			if ok, _ := path.Match(pattern, base); ok {
				return runtimeFile, true
			}
		}
	}
	return criticalFile{}, false
}

// bootImageName: a kernel image or an initramfs in /boot, by the names
// the distributions give them (vmlinuz-6.1.0-18-amd64, initrd.img-…,
// initramfs-….img, and the unversioned links to the newest).
func bootImageName(base string) bool {
	for _, prefix := range []string{"vmlinuz", "vmlinux", "initrd.img", "initrd-", "initramfs-"} {
		if strings.HasPrefix(base, prefix) && !leftBehind(base) {
			return true
		}
	}
	return base == "initrd"
}

// replacesNothing: a boot image written under a name /boot does not have,
// beside the kernels it lists, is a new kernel put beside the ones that
// boot. Where /boot lists none (a container, a /boot not mounted, a
// machine guard cannot see), guard cannot tell which boots, and asks.
func replacesNothing(inv *guard.Invocation, host guard.Host, f criticalFile, p string) bool {
	if f != bootImage || inv.Remote != "" {
		return false
	}
	if _, err := host.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	entries, _, err := host.ReadDir("/boot", 1024)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(entries, func(e fs.DirEntry) bool {
		_, ok := kernelImage("/boot/" + e.Name())
		return ok
	})
}

// criticalTarget finds the critical file an operand names: as written, or
// once the symbolic links of its folders are followed (/lib is usr/lib on
// a merged-/usr host; a link elsewhere may lead into /lib).
func criticalTarget(inv *guard.Invocation, host guard.Host, a guard.Arg) (string, criticalFile, bool) {
	p := inv.Path(a.Value)
	if !a.Known || p == "" {
		return "", criticalFile{}, false
	}
	if f, ok := critical(p); ok {
		return p, f, true
	}
	if inv.Remote == "" {
		parent, _ := guard.ResolvePath(host, filepath.Dir(p))
		if r := filepath.Join(parent, filepath.Base(p)); r != p {
			if f, ok := critical(r); ok {
				return r, f, true
			}
		}
	}
	return "", criticalFile{}, false
}

// writtenTarget is criticalTarget for a file written to: a write follows
// the final symbolic link as well (: > p, with p a link to /etc/passwd,
// empties /etc/passwd), where a removal takes the link itself.
func writtenTarget(inv *guard.Invocation, host guard.Host, a guard.Arg) (string, criticalFile, bool) {
	if p, f, ok := criticalTarget(inv, host, a); ok || !a.Known || inv.Remote != "" {
		return p, f, ok
	}
	p := inv.Path(a.Value)
	if p == "" {
		return "", criticalFile{}, false
	}
	if r, _ := guard.ResolvePath(host, p); r != p {
		if f, ok := critical(r); ok {
			return r, f, true
		}
	}
	return "", criticalFile{}, false
}

// fileWrite is what a command writes into one file.
type fileWrite struct {
	path  string // as written
	text  string
	known bool // guard computed text
	// from are the commands whose output is written there: the command
	// itself before a >, what is piped into tee or sponge
	from []*guard.Invocation
}

// writtenInto finds a file the command writes into that want accepts (by
// its path as written, or where the links on its way lead) and what it
// writes there: the output of a command before > or >>, what tee or
// sponge are fed, and, given the file's usual content as probe, the
// lines a sed -i script adds to it.
func writtenInto(inv *guard.Invocation, host guard.Host, probe string, want func(string) bool) (fileWrite, bool) {
	isTarget := func(a guard.Arg) (string, bool) {
		p := inv.Path(a.Value)
		if !a.Known || p == "" {
			return "", false
		}
		if want(p) {
			return p, true
		}
		if inv.Remote == "" {
			if r, _ := guard.ResolvePath(host, p); r != p && want(r) {
				return p, true
			}
		}
		return "", false
	}
	for _, rd := range inv.Redirs {
		if !rd.Writes() || rd.Fd != "" && rd.Fd != "1" || rd.Op == "<>" && rd.Fd == "" {
			continue // read, or another descriptor (<> alone is standard input's): no lookup on the host
		}
		if p, ok := isTarget(rd.Target); ok {
			text, known := guard.OutputText(inv)
			return fileWrite{path: p, text: text, known: known, from: []*guard.Invocation{inv}}, true
		}
	}
	switch inv.Program {
	case "tee", "sponge":
		for _, o := range guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"output-error"}}).Operands {
			if p, ok := isTarget(o); ok {
				text, known := guard.StdinText(inv)
				return fileWrite{path: p, text: text, known: known, from: inv.Stdin}, true
			}
		}
	case "sed", "gsed":
		if probe == "" || !guard.ParseOptions(inv.Args, sedSpec).Has("i", "in-place") {
			return fileWrite{}, false // prints, the file stays: its script is not read
		}
		files, edit := guard.SedEdit(inv.Args)
		if edit == nil {
			return fileWrite{}, false
		}
		for _, f := range files {
			if p, ok := isTarget(f); ok {
				// the lines the edit adds: what it leaves that the probe
				// did not have
				out, known := edit(probe)
				return fileWrite{path: p, text: strings.Replace(out, probe, "", 1), known: known}, true
			}
		}
	}
	return fileWrite{}, false
}

// writesNothing: the command writes nothing to its standard output, so a
// > redirection of it only empties the file (: > f, true > f, > f).
func writesNothing(inv *guard.Invocation) bool {
	switch inv.WrittenBy {
	case "":
	case "time", "strace", "ltrace", "tcpdump", "script":
		return true // a log of its own in place of the file's content
	default:
		return false // curl -o FILE: what it downloads
	}
	switch inv.Program {
	case "", ":", "true", "false":
		return true
	case "echo":
		// echo alone writes one empty line: the file is as good as empty
		return len(inv.Args) == 0 || len(inv.Args) == 1 && (inv.Args[0].Value == "-n" || inv.Args[0].Known && inv.Args[0].Value == "")
	case "printf":
		return len(inv.Args) == 1 && inv.Args[0].Known && inv.Args[0].Value == ""
	case "cat":
		return len(inv.Args) == 1 && inv.Args[0].Value == "/dev/null"
	}
	return false
}

// fileReaders read the files named as their operands and print what
// they make of them: with a > onto one of those files on the same
// command, the shell has emptied it before they read it.
var fileReaders = map[string]bool{
	"cat": true, "tac": true, "grep": true, "egrep": true, "fgrep": true, "rg": true, "sed": true,
	"awk": true, "gawk": true, "mawk": true, "sort": true, "uniq": true, "cut": true, "head": true,
	"tail": true, "rev": true, "nl": true, "fold": true, "fmt": true, "expand": true,
	"unexpand": true, "paste": true, "column": true, "jq": true, "yq": true, "iconv": true,
	"xxd": true, "base64": true, "strings": true, "comm": true, "join": true, "diff": true,
	"envsubst": true, "tr": true, "dos2unix": true, "unix2dos": true,
}

// readsWhatShellEmpties: the command reads the file target names, which
// its own > empties first (grep -v bob /etc/hosts > /etc/hosts, sort -u
// F > F, tr a b < F > F, cat F | grep x > F): it reads nothing and
// writes nothing back, and the file is left empty.
func readsWhatShellEmpties(inv *guard.Invocation, target guard.Arg) bool {
	p := inv.Path(target.Value)
	if !target.Known || p == "" || inv.WrittenBy != "" {
		return false
	}
	same := func(a guard.Arg, in *guard.Invocation) bool {
		return a.Known && !a.Glob && in.Path(a.Value) == p
	}
	reads := func(in *guard.Invocation) bool {
		for _, rd := range in.Redirs {
			if rd.Op == "<" && (rd.Fd == "" || rd.Fd == "0") && same(rd.Target, in) {
				return true
			}
		}
		if !fileReaders[in.Program] || in.Program == "sed" && guard.ParseOptions(in.Args, sedSpec).Has("i", "in-place") {
			return false
		}
		for _, a := range in.Args {
			if !strings.HasPrefix(a.Value, "-") && same(a, in) {
				return true
			}
		}
		return false
	}
	if reads(inv) {
		return true
	}
	for _, up := range inv.Stdin { // cat F | grep x > F: the > is opened as the pipe starts
		if reads(up) {
			return true
		}
	}
	return false
}

// sedSpec reads sed's options: -e, -f and -l take a value.
var sedSpec = guard.OptSpec{ShortValue: "efl", LongValue: []string{"expression", "file", "line-length"}}

// outputName says, for messages, what a command writes into a file: its
// output, or what a program that names its output file writes there
// (curl -o: what it downloads).
func outputName(inv *guard.Invocation) string {
	switch inv.WrittenBy {
	case "":
		switch inv.Program {
		case "cp", "install", "rsync", "dd":
			return "what " + inv.Program + " copies there"
		}
		return "this command's output"
	case "curl", "wget":
		return "what " + inv.WrittenBy + " downloads"
	}
	return "what " + inv.WrittenBy + " writes there"
}

// quietOn: the command writes nothing on descriptor fd ("1" its output,
// "2" its errors), so a 1<> or 2<> onto a file changes none of it.
func quietOn(inv *guard.Invocation, fd string) bool {
	if fd == "1" {
		return writesNothing(inv)
	}
	switch inv.Program {
	case "", ":", "true", "false", "echo", "printf":
		return true // these print no errors
	}
	return false
}

// emptySource: the file a copy reads is empty (/dev/null).
func emptySource(a guard.Arg) bool { return a.Known && a.Value == "/dev/null" }

// doesNothing: a program put in another's place that only exits (false,
// true, nologin), or /dev/null: ln -sf /bin/false /bin/sh installs
// nothing, it takes sh away.
func doesNothing(a guard.Arg) bool {
	if !a.Known {
		return false
	}
	switch filepath.Base(a.Value) {
	case "false", "true", "nologin":
		return strings.Contains(a.Value, "/")
	}
	return a.Value == "/dev/null"
}

// loginKeys: the keys sshd lets a user in with.
func loginKeys(p string) bool {
	base := filepath.Base(p)
	return filepath.Base(filepath.Dir(p)) == ".ssh" && (base == "authorized_keys" || base == "authorized_keys2")
}

// maxKeysBytes bounds how much of an authorized_keys file, or of what is
// written over one, guard reads.
const maxKeysBytes = 64 << 10

// keysDropped names the keys now in the authorized_keys file p (by their
// comment, or their type) that what t writes over it leaves out, when
// guard can read both; "" when none is left out or guard cannot tell.
func keysDropped(inv *guard.Invocation, host guard.Host, t overwritten, p string) string {
	if inv.Remote != "" || inv.Container != "" {
		return "" // another machine's file
	}
	now, err := host.ReadFile(p, maxKeysBytes)
	if err != nil {
		return ""
	}
	text, known := keysWritten(inv, host, t)
	if !known {
		return ""
	}
	kept := map[string]bool{}
	for _, k := range sshKeys(text) {
		kept[k.blob] = true
	}
	var gone []string
	for _, k := range sshKeys(string(now)) {
		if !kept[k.blob] {
			gone = append(gone, k.name)
		}
	}
	switch {
	case len(gone) == 0:
		return ""
	case len(gone) > 3:
		return fmt.Sprintf("%s and %d more", strings.Join(gone[:3], ", "), len(gone)-3)
	}
	return strings.Join(gone, ", ")
}

// keysWritten is what t writes over a file, when guard can know it: the
// command's output for a > (echo, printf, cat of files it reads), what
// tee reads, the file cp copies.
func keysWritten(inv *guard.Invocation, host guard.Host, t overwritten) (string, bool) {
	readAll := func(args []guard.Arg) (string, bool) {
		var sb strings.Builder
		for _, a := range args {
			if !a.Known || strings.HasPrefix(a.Value, "-") {
				return "", false
			}
			data, err := host.ReadFile(inv.Path(a.Value), maxKeysBytes)
			if err != nil {
				return "", false
			}
			sb.Write(data)
			sb.WriteByte('\n')
		}
		return sb.String(), len(args) > 0
	}
	switch {
	case t.redirected:
		if text, ok := guard.OutputText(inv); ok {
			return text, true
		}
		if inv.Program == "cat" && len(inv.Stdin) == 0 {
			return readAll(inv.Args)
		}
	case inv.Program == "tee" || inv.Program == "sponge":
		return guard.StdinText(inv)
	case inv.Program == "cp" || inv.Program == "install":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "StmogbT", LongValue: []string{"suffix", "target-directory", "mode", "owner", "group"}})
		if len(p.Operands) == 2 {
			return readAll(p.Operands[:1])
		}
	}
	return "", false
}

// sshKey is one key line of an authorized_keys file: its base64 body,
// and what names it to a person (its comment, else its type).
type sshKey struct {
	blob, name string
}

// sshKeys reads the key lines of an authorized_keys text; options before
// the type (from="…",command="…") are passed over.
func sshKeys(text string) []sshKey {
	var keys []sshKey
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		for i := 1; i < len(fields); i++ {
			if !strings.HasPrefix(fields[i], "AAAA") {
				continue
			}
			name := fields[i-1]
			if i+1 < len(fields) {
				name = strings.Join(fields[i+1:], " ")
			}
			keys = append(keys, sshKey{fields[i], name})
			break
		}
	}
	return keys
}

// zeroSize: truncate -s 0, --size=0, -s0 (and <0, /0: at most zero).
func zeroSize(size guard.Arg) bool {
	v := strings.TrimLeft(size.Value, "<>/%")
	return size.Known && v != "" && strings.Trim(v, "0") == ""
}

// overwritten is one file a command writes over, and whether it only
// empties it or takes root's entry out of it.
type overwritten struct {
	arg      guard.Arg
	empties  bool
	rootGone bool
	rootOpen bool   // root's password field emptied: no password asked
	by       string // a program that does nothing, copied over it
	// redirected: written by a > of the command's output, not by the
	// program itself (tee's, cp's operand)
	redirected bool
	// readsItself: the command reads the file the > empties before it
	// starts (grep -v x FILE > FILE), so it is left empty
	readsItself bool
	// inPlace: the file is opened and truncated where it stands (>, tee,
	// sponge, dd of=, truncate), not replaced by a new file put in its
	// place in one step (install, mv, ln -sf): a program written so is
	// broken from the first byte, and one that is running stays mapped
	// to what is being written
	inPlace bool
	// atStart: opened with <> and written from its first byte without
	// being emptied first, so what is written replaces the start of the
	// file and the rest stays after it
	atStart bool
}

// sedProbe stands for an account file guard cannot read (/etc/shadow is
// root's alone): root's line and another account's.
const sedProbe = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"

// sedInPlace reads sed -i for the critical files it edits and what its
// script leaves in them: computed on the file's content when guard can
// read it, else on a line like root's. A script guard cannot compute, or
// an edit that keeps root's line and others (sed -i '/^olduser:/d'), is
// not this rule's.
func sedInPlace(inv *guard.Invocation, host guard.Host) []overwritten {
	p := guard.ParseOptions(inv.Args, sedSpec)
	if !p.Has("i", "in-place") {
		return nil // prints the result, the file stays
	}
	files, edit := guard.SedEdit(inv.Args)
	return editedInPlace(inv, host, files, edit)
}

// editedInPlace judges what edit leaves of each critical file it is
// written back over: nothing at all, or an account file without root.
func editedInPlace(inv *guard.Invocation, host guard.Host, files []guard.Arg, edit func(string) (string, bool)) []overwritten {
	if edit == nil {
		return nil
	}
	var hits []overwritten
	for _, f := range files {
		p, _, ok := criticalTarget(inv, host, f)
		if !ok {
			continue
		}
		content := sedProbe
		if inv.Remote == "" {
			if data, err := host.ReadFile(p, 1<<20); err == nil && len(data) > 0 {
				content = string(data)
			}
		}
		out, ok := edit(content)
		if !ok {
			continue
		}
		switch {
		case strings.TrimSpace(out) == "":
			hits = append(hits, overwritten{arg: f, empties: true})
		case hasRootLine(content) && !hasRootLine(out):
			hits = append(hits, overwritten{arg: f, rootGone: true})
		case rootPassword(content) != "" && hasRootLine(out) && rootPassword(out) == "":
			hits = append(hits, overwritten{arg: f, rootOpen: true})
		}
	}
	return hits
}

// rootPassword is the second field of root's line in an account file
// (its hash in shadow, x in passwd), "" when it is empty or absent.
func rootPassword(text string) string {
	for line := range strings.SplitSeq(text, "\n") {
		if rest, ok := strings.CutPrefix(line, "root:"); ok {
			pw, _, _ := strings.Cut(rest, ":")
			return pw
		}
	}
	return ""
}

// hasRootLine: an account file still names root.
func hasRootLine(text string) bool {
	return strings.HasPrefix(text, "root:") || strings.Contains(text, "\nroot:")
}

func matchCriticalTruncate(inv *guard.Invocation, host guard.Host) *guard.Finding {
	var targets []overwritten
	for _, rd := range inv.Redirs {
		switch {
		case rd.Truncates():
			readsIt := readsWhatShellEmpties(inv, rd.Target)
			targets = append(targets, overwritten{arg: rd.Target, empties: writesNothing(inv) || readsIt, readsItself: readsIt, inPlace: true, redirected: true})
		case rd.OverwritesStart() && !quietOn(inv, rd.Fd):
			targets = append(targets, overwritten{arg: rd.Target, inPlace: true, atStart: true})
		}
	}
	switch inv.Program {
	case "tee", "sponge":
		// Both write what they read; read from /dev/null or an empty
		// here-string, that is nothing.
		p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"output-error"}})
		text, known := guard.StdinText(inv)
		if !p.Has("a", "append") {
			for _, o := range p.Operands {
				targets = append(targets, overwritten{arg: o, empties: known && strings.TrimSpace(text) == "", inPlace: true})
			}
		}
	case "truncate":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "sr", LongValue: []string{"size", "reference"}})
		size, _ := p.Value("s", "size")
		for _, o := range p.Operands {
			targets = append(targets, overwritten{arg: o, empties: zeroSize(size), inPlace: true})
		}
	case "cp", "install":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "StmogbT", LongValue: []string{"suffix", "target-directory", "mode", "owner", "group"}})
		if len(p.Operands) > 0 {
			empties := len(p.Operands) == 2 && emptySource(p.Operands[0])
			by := ""
			if len(p.Operands) == 2 && !empties && doesNothing(p.Operands[0]) {
				by = p.Operands[0].Value
			}
			// cp writes in place too, but a real program copied over one is
			// how many are installed by hand; /dev/null copied is a write
			targets = append(targets, overwritten{arg: p.Operands[len(p.Operands)-1], empties: empties, by: by, inPlace: empties})
		}
	case "rsync":
		// rsync SRC… DEST replaces DEST's content (a device too with -a).
		p := guard.ParseOptions(inv.Args, rsyncSpec)
		if len(p.Operands) >= 2 && !p.Has("n", "dry-run", "list-only") {
			empties := len(p.Operands) == 2 && emptySource(p.Operands[0])
			targets = append(targets, overwritten{arg: p.Operands[len(p.Operands)-1], empties: empties})
		}
	case "perl":
		// perl -i rewrites each file with what the script prints, which
		// guard does not compute: asked, not blocked.
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "eEIMmlx0", LongValue: nil})
		if p.Has("i") && len(p.Operands) > 0 {
			for _, o := range p.Operands {
				if path, f, ok := criticalTarget(inv, host, o); ok && f.replace > guard.Allow {
					return guard.Found(guard.Confirm, strings.ReplaceAll(f.safer, "FILE", path),
						"would rewrite %s%s in place with what the perl script prints, which guard cannot compute: %s", path, inv.Where(), f.replaced).
						Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{path}, Overwrite: true})
				}
			}
		}
	case "sed", "gsed":
		targets = append(targets, sedInPlace(inv, host)...)
	case "vim", "vi", "nvim", "ex", "vim.basic", "vim.tiny", "gvim", "ed", "red":
		// An editor given its commands (vim -es -c '%d' -c wq, ed fed
		// ',d' and 'w') writes the file back unseen, as sed -i does.
		files, edit, opaque := guard.ExEdit(inv)
		if opaque {
			// :%!cmd, :normal keys, a script piped from a program: what
			// is written back cannot be computed, as with perl -i.
			for _, o := range files {
				if path, f, ok := criticalTarget(inv, host, o); ok && f.replace > guard.Allow {
					return guard.Found(guard.Confirm, strings.ReplaceAll(f.safer, "FILE", path),
						"would write %s%s back after %s's commands, which guard cannot compute: %s", path, inv.Where(), inv.Program, f.replaced).
						Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{path}, Overwrite: true})
				}
			}
		}
		targets = append(targets, editedInPlace(inv, host, files, edit)...)
	case "dd":
		for _, a := range inv.Args {
			if v, ok := strings.CutPrefix(a.Value, "of="); ok {
				targets = append(targets, overwritten{arg: guard.Arg{Text: a.Text, Value: v, Known: a.Known}, inPlace: true})
			}
		}
	}
	var worst *guard.Finding
	for _, t := range targets {
		p, f, ok := writtenTarget(inv, host, t.arg)
		if !ok && t.inPlace {
			if finding := programWritten(inv, host, t); finding != nil {
				if worst == nil || finding.Decision > worst.Decision {
					worst = finding
				}
				continue
			}
		}
		if !ok {
			p := inv.Path(t.arg.Value)
			if !t.arg.Known || !loginKeys(p) {
				continue
			}
			var finding *guard.Finding
			switch {
			case t.empties:
				why := ""
				if t.readsItself {
					why = " (the shell truncates it before " + inv.Program + " reads it)"
				}
				finding = guard.Found(guard.Confirm, "take out the one key you mean: edit "+p+"; keep a copy first (cp -a "+p+" "+p+".bak)",
					"would empty %s%s%s: the keys in it are how you log in over SSH, and the next login may be refused", p, inv.Where(), why)
			case keysDropped(inv, host, t, p) != "":
				finding = guard.Found(guard.Confirm, "add a key with >> (or ssh-copy-id); to take one out, edit "+p+"; keep a copy first (cp -a "+p+" "+p+".bak)",
					"would replace the keys in %s%s with keys that leave out %s: logins with those are refused from then on (over SSH, perhaps the one this session came in with)", p, inv.Where(), keysDropped(inv, host, t, p))
			case strings.HasPrefix(p, "/root/"):
				// A user's own keys are often written whole when a host is
				// set up; root's are what a locked-out host is reached by.
				finding = guard.Found(guard.Confirm, "add a key with >> (or ssh-copy-id); keep a copy first (cp -a "+p+" "+p+".bak)",
					"would replace every key in %s%s with this command's output: root's logins with the keys there now are refused from then on", p, inv.Where())
			default:
				continue
			}
			finding.Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{p}, Overwrite: true})
			if worst == nil || finding.Decision > worst.Decision {
				worst = finding
			}
			continue
		}
		if f == deviceNode || replacesNothing(inv, host, f, p) {
			continue // written into, a device stays what it is (> /dev/null)
		}
		if f == sudoersDropIn {
			if _, source := sudoersWrites(inv, host); sudoersParses(inv, host, []string{p}, source) {
				continue // one ordinary rule, read and found valid
			}
		}
		d, what, effect := f.replace, "would replace the whole of %s%s with "+outputName(inv)+": %s", f.replaced
		switch {
		case t.by != "":
			d, what, effect = f.remove, "would put "+t.by+", which does nothing, in place of %s%s: %s", f.removed
		case t.empties && f == bootImage:
			what = "would empty %s%s: %s" // a removal is kernelsRemoved's; an empty file boots nothing
		case t.readsItself:
			d, what, effect = f.remove, "would empty %s%s: the shell truncates it before "+inv.Program+" reads it, so nothing is left of it: %s", f.removed
		case t.empties:
			d, what, effect = f.remove, "would empty %s%s: %s", f.removed
		case t.rootGone && f == accountFile:
			d, what, effect = f.remove, "would delete root's line from %s%s: %s", "root stops existing: su, sudo -i and root's logins fail, and only a rescue boot brings it back"
		case t.rootGone:
			continue // root's name elsewhere (sudoers) is not an account
		case t.rootOpen && f == accountFile:
			d, what, effect = guard.Confirm, "would empty root's password in %s%s: %s", "su and the console make anyone root without asking (and SSH too where PermitEmptyPasswords is on); passwd root sets one again"
		case t.rootOpen:
			continue
		case f == programFile && t.inPlace:
			d, what, effect = guard.Block, "would write this command's output over %s%s in place: %s", "it is broken from the first byte written: "+f.removed
		case t.atStart && f == accountFile:
			what, effect = "would overwrite the first bytes of %s%s in place with this command's output (<> does not empty the file: what is written replaces its start, and the rest of the old content stays after it, cut mid-line): %s", "root's line, the first, is overwritten or cut: su, sudo -i and root's logins fail, and only a rescue boot brings it back"
		case t.atStart:
			what = "would overwrite the first bytes of %s%s in place with this command's output (<> does not empty the file: what is written replaces its start, and the rest of the old content stays after it, cut mid-line): %s"
		}
		if d == guard.Allow {
			continue
		}
		safer := strings.ReplaceAll(f.safer, "FILE", p)
		if t.readsItself {
			safer = "write a new file and move it over in one step: " + inv.Program + " … " + p + " > " + p + ".new && mv " + p + ".new " + p + " (or edit in place with sed -i); " + safer
		}
		finding := guard.Found(d, safer, what, p, inv.Where(), effect).
			Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{p}, Overwrite: true})
		if worst == nil || finding.Decision > worst.Decision {
			worst = finding
		}
	}
	return worst
}

// programWritten: a write in place (>, tee, dd of=, truncate) over a
// program of /bin, /sbin, /usr/bin or /usr/sbin that is there now (or
// may be, on another machine): the program is cut short from the first
// byte and, while it runs, ETXTBSY or a crash. A new file there is a new
// program and passes; the login-critical ones are criticalFiles' (block).
func programWritten(inv *guard.Invocation, host guard.Host, t overwritten) *guard.Finding {
	p := inv.Path(t.arg.Value)
	if !t.arg.Known || p == "" {
		return nil
	}
	real := p
	if inv.Remote == "" {
		real, _ = guard.ResolvePath(host, p)
	}
	if !programDirs[filepath.Dir(p)] && !programDirs[filepath.Dir(real)] {
		return nil
	}
	where := ""
	if inv.Remote == "" {
		info, err := host.Lstat(real)
		if err != nil || !info.Mode().IsRegular() {
			return nil // a new program, or not a file
		}
	} else {
		where = " (if it is a program there)"
	}
	name, shown := filepath.Base(real), p
	if real != p {
		shown = p + " (it leads to " + real + ")"
	}
	what := "would write this command's output over the program %s%s%s in place"
	switch {
	case t.atStart:
		what = "would overwrite the first bytes of the program %s%s%s in place with this command's output (<> does not empty it)"
	case t.empties:
		what = "would empty the program %s%s%s"
	}
	return guard.Found(guard.Confirm,
		fmt.Sprintf("to replace a program, put the new one in place in one step: install -m 755 NEW %s (or ln -sf); to repair it, reinstall its package (dpkg -S %s, then apt-get install --reinstall PACKAGE; rpm -qf %s, then dnf reinstall PACKAGE); a program of your own goes in /usr/local/bin", real, real, real),
		what+": %s stops working from the first byte written (a running copy may crash), every script that calls it fails, and only its package puts it back", shown, inv.Where(), where, name).
		Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{real}, Overwrite: true})
}

// fileHit is an operand a command removes, or whose content it replaces.
type fileHit struct {
	arg     guard.Arg
	removes bool
	by      string // a program that does nothing, put in its place
}

// removedOrReplaced reads rm, unlink, shred, mv and ln for the files they
// remove or replace.
func (c classifier) removedOrReplaced(inv *guard.Invocation, host guard.Host) []fileHit {
	var hits []fileHit
	switch inv.Program {
	case "rm", "unlink":
		for _, o := range guard.ParseOptions(inv.Args, rmSpec).Operands {
			hits = append(hits, fileHit{o, true, ""})
		}
	case "shred":
		for _, o := range guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "ns", LongValue: []string{"iterations", "size", "random-source"}}).Operands {
			hits = append(hits, fileHit{o, true, ""})
		}
	case "mv", "ln":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "tS", LongValue: []string{"target-directory", "suffix", "backup"}})
		if inv.Program == "ln" && !p.Has("f", "force") {
			return nil // ln refuses to replace an existing file
		}
		ops := p.Operands
		var dest guard.Arg
		intoDir := false
		if t, ok := p.Value("t", "target-directory"); ok {
			dest, intoDir = t, true
		} else if len(ops) >= 2 {
			dest, ops = ops[len(ops)-1], ops[:len(ops)-1]
			intoDir = len(ops) > 1 || isDir(inv, host, dest)
		} else {
			return nil
		}
		if !intoDir {
			by := ""
			if len(ops) == 1 && doesNothing(ops[0]) {
				by = ops[0].Value
			}
			hits = append(hits, fileHit{dest, false, by})
		}
		if inv.Program == "mv" {
			home := Home(inv, host)
			for _, o := range ops {
				// mv-system judges the system folders' direct children.
				if t := TargetOf(inv, host, o); t.Path == "" || c.Classify(t.Path, home) < SystemChild {
					hits = append(hits, fileHit{o, true, ""})
				}
			}
		}
	}
	return hits
}

func isDir(inv *guard.Invocation, host guard.Host, a guard.Arg) bool {
	p := inv.Path(a.Value)
	if p == "" || inv.Remote != "" {
		return false
	}
	p, _ = guard.ResolvePath(host, p)
	info, err := host.Lstat(p)
	return err == nil && info.IsDir()
}

// matchSystemFileRemove: rm, unlink, shred, mv and ln -f of one critical
// file at a time (rm -r of the folders themselves is rm-protected's).
func (c classifier) matchSystemFileRemove(inv *guard.Invocation, host guard.Host) *guard.Finding {
	var worst *guard.Finding
	for _, h := range c.removedOrReplaced(inv, host) {
		var f *guard.Finding
		target := criticalTarget
		if inv.Program == "shred" {
			target = writtenTarget // shred overwrites what a link leads to before -u removes the link
		}
		if p, file, ok := target(inv, host, h.arg); ok {
			d, verb, effect := file.replace, "replace", file.replaced
			if h.by != "" {
				d, verb, effect = file.remove, "put "+h.by+", which does nothing, in place of", file.removed
			}
			if h.removes {
				d, verb, effect = file.remove, map[string]string{"rm": "delete", "unlink": "delete", "shred": "destroy", "mv": "move away"}[inv.Program], file.removed
			} else if file == deviceNode {
				d, verb, effect = file.remove, "replace the device", file.removed // mv x /dev/null
			}
			if d == guard.Allow || replacesNothing(inv, host, file, p) {
				continue
			}
			f = guard.Found(d, strings.ReplaceAll(file.safer, "FILE", p), "would %s %s%s: %s", verb, p, inv.Where(), effect).
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{p}, Overwrite: inv.Program != "rm" && inv.Program != "unlink"})
		} else if h.removes && h.arg.Known {
			dir := inv.Path(h.arg.Value) // rm -r of the spool itself
			if h.arg.Glob {
				dir = TargetOf(inv, host, h.arg).Emptied
			}
			if cronDirs[dir] {
				f = guard.Found(crontabFile.remove, strings.ReplaceAll(crontabFile.safer, "FILE", dir+"/NAME"),
					"would delete every crontab in %s%s: %s", dir, inv.Where(), crontabFile.removed).
					Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{dir}})
			}
		}
		if f != nil && (worst == nil || f.Decision > worst.Decision) {
			worst = f
		}
	}
	if f := kernelsRemoved(inv, host, c.removedOrReplaced(inv, host)); f != nil && (worst == nil || f.Decision > worst.Decision) {
		worst = f
	}
	return worst
}

// kernelImage: a kernel the boot loader starts, /boot/vmlinuz-VERSION (or
// vmlinux, and the unversioned name some distributions use).
func kernelImage(p string) (version string, ok bool) {
	if filepath.Dir(p) != "/boot" {
		return "", false
	}
	for _, name := range []string{"vmlinuz", "vmlinux"} {
		if v, found := strings.CutPrefix(filepath.Base(p), name); found && (v == "" || v[0] == '-') {
			return strings.TrimPrefix(v, "-"), true
		}
	}
	return "", false
}

// kernelsRemoved: rm of kernel images in /boot that leaves none (block:
// the host does not boot again), or that takes the one it runs (confirm:
// the next boot has to manage with another). /boot is listed, read-only.
func kernelsRemoved(inv *guard.Invocation, host guard.Host, hits []fileHit) *guard.Finding {
	if inv.Remote != "" {
		return nil
	}
	removed := map[string]bool{}
	for _, h := range hits {
		if p := inv.Path(h.arg.Value); h.removes && h.arg.Known && p != "" {
			if _, ok := kernelImage(p); ok {
				removed[p] = true
			}
		}
	}
	if len(removed) == 0 {
		return nil
	}
	const hint = "remove old kernels with the package manager, which keeps the running one and updates the boot loader: apt autoremove --purge (dnf remove --oldinstallonly); see what is there first: ls -l /boot"
	entries, complete, err := host.ReadDir("/boot", 1024)
	if err != nil || !complete {
		return nil
	}
	var present, left []string
	for _, e := range entries {
		p := "/boot/" + e.Name()
		if _, ok := kernelImage(p); ok && e.Type()&fs.ModeSymlink == 0 && !e.IsDir() {
			present = append(present, p)
			if !removed[p] {
				left = append(left, p)
			}
		}
	}
	if len(present) > 0 && len(left) == 0 {
		return guard.Found(guard.Block, hint, "would delete every kernel in /boot (%s): the host cannot boot again; only a rescue system can put one back", strings.Join(present, ", "))
	}
	running, err := host.ReadFile("/proc/sys/kernel/osrelease", 256)
	if version := strings.TrimSpace(string(running)); err == nil && version != "" {
		for p := range removed {
			if v, _ := kernelImage(p); v == version {
				return guard.Found(guard.Confirm, hint, "would delete %s, the kernel this host is running: the next boot starts %s, if that one works", p, strings.Join(left, ", "))
			}
		}
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

// removedSources are the local paths a copying command deletes once it
// has copied them: tar --remove-files, zip -m (--move), rsync
// --remove-source-files; nil when it deletes none.
func removedSources(inv *guard.Invocation) []guard.Arg {
	switch inv.Program {
	case "tar", "bsdtar":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "fCTXbHKLNgV", LongValue: []string{"file", "directory", "files-from", "exclude-from", "exclude", "transform", "xform", "format", "blocking-factor", "label", "newer", "after-date", "newer-mtime", "owner", "group", "mode", "mtime", "use-compress-program", "to-command", "index-file", "volno-file", "info-script", "new-volume-script", "rsh-command", "suffix", "backup", "level", "listed-incremental", "checkpoint", "checkpoint-action", "record-size", "tape-length", "strip-components", "warning", "sort", "occurrence", "pax-option", "quoting-style", "quote-chars", "no-quote-chars", "hole-detection", "atime-preserve"}})
		if !p.Has("remove-files") {
			return nil
		}
		ops := p.Operands
		if len(ops) > 0 && !strings.HasPrefix(inv.Args[0].Value, "-") && ops[0].Value == inv.Args[0].Value {
			ops = ops[1:] // tar cf X.tar …: the old bundle, whose f takes the next word
			if strings.Contains(inv.Args[0].Value, "f") && len(ops) > 0 {
				ops = ops[1:]
			}
		}
		if dir, ok := p.Value("C", "directory"); ok {
			var in []guard.Arg
			for _, o := range ops {
				o.Value = filepath.Join(dir.Value, o.Value)
				in = append(in, o)
			}
			ops = in
		}
		return ops
	case "zip":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "bntP", LongValue: []string{"temp-path", "suffixes", "from-date", "before-date", "password", "out"}})
		if !p.Has("m", "move") || p.Has("x", "i", "exclude", "include") || len(p.Operands) < 2 {
			return nil // -x/-i lists run to the end: what is kept is not known here
		}
		return p.Operands[1:]
	case "rsync":
		p := guard.ParseOptions(inv.Args, rsyncSourceSpec)
		if !p.Has("remove-source-files") || p.Has("n", "dry-run") || len(p.Operands) < 2 {
			return nil
		}
		var local []guard.Arg
		for _, o := range p.Operands[:len(p.Operands)-1] {
			if !strings.Contains(o.Value, ":") {
				local = append(local, o)
			}
		}
		return local
	}
	return nil
}

var rsyncSourceSpec = guard.OptSpec{ShortValue: "eBTfM", LongValue: []string{"rsh", "rsync-path", "exclude", "include", "exclude-from", "include-from", "files-from", "filter", "partial-dir", "temp-dir", "compare-dest", "copy-dest", "link-dest", "log-file", "log-file-format", "out-format", "password-file", "bwlimit", "timeout", "contimeout", "port", "sockopts", "chmod", "chown", "usermap", "groupmap", "backup-dir", "suffix", "max-size", "min-size", "max-delete", "block-size", "modify-window", "compress-choice", "compress-level", "checksum-choice", "info", "debug", "iconv", "skip-compress", "address", "outbuf", "stop-after", "stop-at", "remote-option"}}

// matchSourceRemoveSystem: a copy that deletes its sources afterwards
// takes a system or home folder away, as mv would.
func (c classifier) matchSourceRemoveSystem(inv *guard.Invocation, host guard.Host) *guard.Finding {
	home := Home(inv, host)
	for _, a := range removedSources(inv) {
		if !a.Known || a.Glob && a.Value == "" {
			continue
		}
		t := TargetOf(inv, host, a)
		kind, where := c.Worst(t, home)
		if kind < Data || kind == TopLevel && (where == "/tmp" || where == "/var/tmp") {
			continue
		}
		hint := fmt.Sprintf("copy without removing (drop the option), check the copy, then delete what you mean inside %s by name", where)
		if movedAway[where] {
			// old logs and backups shipped elsewhere: what the job is for;
			// rsync and tar remove the files, the folders stay
			return guard.Found(guard.Warn, hint, "moves the files of %s to the copy: services still writing a log there write into a deleted file until they reopen it", where)
		}
		if kind == Data && transitFolder(t.Path) != "" {
			// a drop folder is emptied into the next one by design
			return guard.Found(guard.Warn, hint, "moves the files of %s to the copy: %s is a folder files pass through, and a file still being written there goes half-copied", where, transitFolder(t.Path))
		}
		if kind == Data || kind == TopLevel {
			return guard.Found(guard.Confirm, hint+"; stop the service that uses it first", "would delete %s, once %s has copied it: a service using it loses its files while it runs, and only the copy is left", kind.Describe(where), inv.Program)
		}
		if kind == UserHome {
			return guard.Found(guard.Confirm, hint, "would delete %s, once %s has copied it: the files and keys in it are then only in the copy", kind.Describe(where), inv.Program)
		}
		return guard.Found(guard.Block, hint, "would delete %s, once %s has copied it: programs and services that use it stop working, as if it had been moved away", kind.Describe(where), inv.Program)
	}
	return nil
}

// findTests are the find primaries that narrow what is matched.
var findTests = []string{"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-type", "-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-newer", "-size", "-user", "-group", "-perm", "-empty", "-links", "-inum", "-uid", "-gid", "-nouser", "-nogroup", "-lname", "-ilname", "-samefile"}

// findNameTests pick files by what they are called: with a pattern that
// is not everything, they make a delete targeted (find /etc -name
// '*.dpkg-old' -delete), not a wipe.
var findNameTests = []string{"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-lname", "-ilname", "-inum", "-samefile"}

// findExpr is what a find expression deletes and how narrowly.
type findExpr struct {
	deletes  bool
	filtered bool   // any test narrows the match
	narrowed bool   // a test other than -type narrows it: not every file goes
	named    string // a name test with a pattern narrower than everything
	test     string // the test that names it: -name, -path…
	// keepsStart: the starting folder itself is not deleted (-mindepth
	// 1, or -type with no d)
	keepsStart bool
}

func readFindExpr(expr []string) findExpr {
	var e findExpr
	alternatives := false
	for j, v := range expr {
		switch {
		case v == "-delete":
			e.deletes = true
		case findActions(v) && j+1 < len(expr):
			switch filepath.Base(expr[j+1]) {
			case "rm", "shred", "unlink", "rmdir":
				e.deletes = true
			}
		case v == "-o" || v == "-or" || v == ",":
			alternatives = true // -delete may apply to the other branch
		case v == "-mindepth" && j+1 < len(expr) && expr[j+1] != "0":
			e.keepsStart = true
		case v == "-type" && j+1 < len(expr) && !strings.Contains(expr[j+1], "d"):
			e.keepsStart = true
			fallthrough
		case slices.Contains(findTests, v):
			e.filtered = true
			negated := j > 0 && (expr[j-1] == "!" || expr[j-1] == "-not")
			everything := slices.Contains(findNameTests, v) && !negated && j+1 < len(expr) && matchesEverything(v, expr[j+1])
			// -name '*' narrows nothing: it is -type's kin
			e.narrowed = e.narrowed || v != "-type" && !everything
			if slices.Contains(findNameTests, v) && !negated && j+1 < len(expr) && !everything {
				e.named, e.test = expr[j+1], v
			}
		}
	}
	if alternatives {
		e.named = ""
	}
	return e
}

// runtimeExamples are where the loader and libc live, spelled both ways
// of a merged /usr.
var runtimeExamples = []string{"/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2",
	"/usr/lib64/ld-linux-x86-64.so.2", "/usr/lib64/libc.so.6", "/usr/lib/aarch64-linux-gnu/libc.so.6", "/lib/ld-linux-aarch64.so.1"}

// criticalMatch names a file the host cannot lose under dir that a find
// name test would match, "" if none: -name 'passwd*' under /etc.
func criticalMatch(dir, test, pattern string) string {
	var candidates []string
	for p := range criticalFiles {
		candidates = append(candidates, p)
	}
	slices.Sort(candidates)
	for _, p := range append(candidates, runtimeExamples...) {
		if dir != "/" && !strings.HasPrefix(p, dir+"/") {
			continue
		}
		subject, pat := filepath.Base(p), pattern
		if strings.Contains(test, "path") {
			subject = p
		}
		if strings.HasPrefix(test, "-i") {
			subject, pat = strings.ToLower(subject), strings.ToLower(pat)
		}
		if !strings.HasSuffix(test, "regex") && fnmatch(pat, subject) {
			return p
		}
	}
	return ""
}

// startIsLink: find's start point is a symbolic link, which find (-P,
// its default) does not descend: find /lib on a merged /usr reaches
// nothing.
func startIsLink(host guard.Host, at string) bool {
	info, err := host.Lstat(at)
	return err == nil && info.Mode()&fs.ModeSymlink != 0
}

// libraryMatch is the library folder (libraryDirs, /usr/local/lib) at,
// above or under dir whose shared
// libraries find's name test matches (*.so, lib*.so*), "" if none.
func libraryMatch(dir, test, pattern string) string {
	if strings.HasSuffix(test, "regex") || strings.Contains(test, "path") {
		return ""
	}
	for _, lib := range append(slices.Sorted(maps.Keys(libraryDirs)), "/usr/local/lib") {
		if dir != lib && !strings.HasPrefix(lib, dir+"/") && !strings.HasPrefix(dir, lib+"/") && dir != "/" {
			continue
		}
		for _, name := range []string{"libexample.so", "libexample.so.1", "libexample.so.1.2.3", "libexample-2.40.so"} {
			pat := pattern
			if strings.HasPrefix(test, "-i") {
				name, pat = strings.ToLower(name), strings.ToLower(pat)
			}
			if fnmatch(pat, name) {
				return lib
			}
		}
	}
	return ""
}

// fnmatch matches as find's -name and -path do (fnmatch without
// FNM_PATHNAME): * and ? match a slash too.
func fnmatch(pattern, s string) bool {
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		case '[':
			end := strings.IndexByte(pattern[i+1:], ']')
			if end < 0 {
				re.WriteString(`\[`)
				continue
			}
			class := pattern[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			re.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += end + 1
		case '\\':
			if i+1 < len(pattern) {
				i++
				re.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
			}
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString("$")
	matched, err := regexp.MatchString(re.String(), s)
	return err == nil && matched
}

// matchesEverything: -name '*', -name '*.*', -regex '.*' name every file.
func matchesEverything(test, pattern string) bool {
	if strings.HasSuffix(test, "regex") {
		return strings.Trim(pattern, ".*^$") == ""
	}
	return strings.Trim(pattern, "*?.") == ""
}

// findStarts splits find's arguments into the folders it starts from
// ("." when none is given) and its expression.
func findStarts(inv *guard.Invocation) (starts []guard.Arg, expr []string) {
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
	if len(starts) == 0 {
		starts = []guard.Arg{{Text: ".", Value: ".", Known: true}}
	}
	return starts, inv.Values()[i:]
}

func (c classifier) matchFindDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	starts, expr := findStarts(inv)
	e := readFindExpr(expr)
	if !e.deletes {
		return nil
	}
	home := Home(inv, host)
	for _, a := range starts {
		t := TargetOf(inv, host, a)
		if t.Path == "" {
			continue
		}
		// the folder as written, or where it leads: a bind mount made
		// earlier on the line is that folder (mount -B /etc /mnt/e)
		kind, at := c.Classify(t.Path, home), t.Path
		if k := c.Classify(t.Resolved, home); t.Resolved != t.Path && k > kind {
			kind, at = k, t.Resolved
		}
		note := cwdNote(inv, a)
		if at != t.Path {
			note = fmt.Sprintf(" (%s leads there)%s", t.Path, note)
		}
		hint := "run the same find without -delete first and read the list; then narrow it to the folder you mean"
		if kind == SystemChild || kind == Data {
			if e.keepsStart && regenerated(filepath.Join(at, "x")) {
				continue // a cache its program fills again, the folder kept: find /var/lib/apt/lists -type f -delete
			}
			// With no test but -type it is rm -rf of the folder's
			// content; any other test (a name, an age) targets it.
			if !e.narrowed {
				return guard.Found(guard.Confirm, hint, "would delete every file under %s%s: find with no test but -type empties the tree, as rm -rf would",
					kind.Describe(at), note).
					Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}})
			}
			if db := packageDatabase(at); db != "" && e.named == "" {
				// dpkg's info files change only when their package does
				return guard.Found(guard.Confirm, hint+"; add -name with the files you mean",
					"would delete every file under %s%s that its age or size test matches: it is %s's record of the installed packages, and its files are old because they change only when a package does",
					at, note, db).
					Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}})
			}
			if kind == SystemChild && e.named == "" && !agedFolders[at] {
				// an age or a size is no target in the system's own
				// files: dpkg's lists and /usr/lib's libraries are old
				return guard.Found(guard.Confirm, hint+"; add -name with the files you mean",
					"would delete every file under %s%s that its age or size test matches: the system's own files there are old too (dpkg's database, libraries, configuration)",
					kind.Describe(at), note).
					Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}})
			}
			continue
		}
		if kind != Root && kind != SystemDir && kind != UserHome {
			continue
		}
		libs := ""
		if strings.HasSuffix(a.Value, "/") || !startIsLink(host, t.Path) {
			libs = libraryMatch(t.Resolved, e.test, e.named) // find descends into it
		}
		switch {
		case kind == Root && !e.filtered:
			return guard.Found(guard.Block, hint, "would delete every file find reaches from /: the whole machine").
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{"/"}})
		case kind != Root && e.named != "" && criticalMatch(at, e.test, e.named) != "":
			return guard.Found(guard.Confirm, hint, "would delete every file named %s under %s%s, and the pattern also matches %s",
				e.named, kind.Describe(at), note, criticalMatch(at, e.test, e.named)).
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}})
		case kind != Root && kind != UserHome && e.named != "" && libs != "":
			return guard.Found(guard.Confirm, hint, "would delete every file named %s under %s%s: the pattern matches the shared libraries in %s that programs load as they start (lib….so, lib….so.N), and a program whose library is gone does not start",
				e.named, kind.Describe(at), note, libs).
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}})
		case kind == UserHome && e.named != "" && homeFileMatch(at, e.test, e.named) == "":
			continue // find ~ -name '*.swp' -delete: a targeted clean-up, everyday
		case kind != Root && e.named != "":
			// A targeted delete: say what goes, do not ask.
			// The plan lets what is at risk count what the pattern matches;
			// a warn is not snapshotted.
			return guard.Found(guard.Warn, hint, "deletes every file named %s under %s%s", e.named, kind.Describe(at), note).
				Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}})
		}
		return guard.Found(guard.Confirm, hint, "would delete every match found under %s%s, across the whole tree", kind.Describe(at), note).
			Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}})
	}
	return nil
}

// homeFiles are the files of a home that logins and keys live in: a
// find in a home whose pattern reaches one of them is not a clean-up.
var homeFiles = []string{".ssh/authorized_keys", ".ssh/id_ed25519", ".ssh/id_rsa", ".ssh/known_hosts", ".ssh/config", ".bashrc", ".profile", ".bash_profile", ".zshrc", ".gnupg/pubring.kbx", ".kube/config", ".aws/credentials"}

// homeFileMatch is the file of homeFiles under home that find's name or
// path test matches, "" if none.
func homeFileMatch(home, test, pattern string) string {
	for _, rel := range homeFiles {
		p := home + "/" + rel
		subject, pat := filepath.Base(p), pattern
		if strings.Contains(test, "path") {
			subject = p
		}
		if strings.HasPrefix(test, "-i") {
			subject, pat = strings.ToLower(subject), strings.ToLower(pat)
		}
		if strings.HasSuffix(test, "regex") || fnmatch(pat, subject) {
			return p // a regular expression is not read: taken to match
		}
	}
	return ""
}

// movedAway are the system's folders whose files are shipped elsewhere
// and removed as routine (rsync --remove-source-files /var/log/ nas:):
// logs, backups, crash dumps, caches.
var movedAway = map[string]bool{"/var/log": true, "/var/backups": true, "/var/crash": true, "/var/cache": true}

// transitNames are the folders files are put in to be taken away: an
// FTP or partner drop, a queue for the next job. Not uploads or exports:
// a web application serves its users' uploads from there, and an NFS
// server its shares.
var transitNames = map[string]bool{
	"incoming": true, "outgoing": true, "inbox": true, "outbox": true, "drop": true, "dropbox": true, "transfer": true,
}

// transitFolder is the folder of transitNames p is or lies in, "" if none.
func transitFolder(p string) string {
	for dir := filepath.Clean(p); dir != "/" && dir != "."; dir = filepath.Dir(dir) {
		if transitNames[filepath.Base(dir)] {
			return dir
		}
	}
	return ""
}

// agedFolders are the system's folders of files that only grow old and
// are cleaned by age: logs, caches, crash dumps, spooled temporary files.
var agedFolders = map[string]bool{"/var/log": true, "/var/cache": true, "/var/tmp": true, "/var/crash": true, "/var/backups": true, "/var/spool": true, "/var/mail": true}

func findActions(v string) bool {
	return v == "-exec" || v == "-execdir" || v == "-ok" || v == "-okdir"
}

// matchSystemLinkReplace: ln -n/-T (with -f) and mv -T put their source in
// place of the destination itself, not inside it. Over a real folder they
// fail (ln cannot replace a directory, mv -T one that is not empty); over a
// symbolic link they replace it, and the links a merged /usr keeps (/lib64
// -> usr/lib64, /bin -> usr/bin) are what every program is found through.
func (c classifier) matchSystemLinkReplace(inv *guard.Invocation, host guard.Host) *guard.Finding {
	// ln and mv take the same options with values
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "St", LongValue: []string{"suffix", "target-directory", "backup"}})
	switch inv.Program {
	case "ln":
		if !p.Has("n", "no-dereference", "T", "no-target-directory") || !p.Has("f", "force") {
			return nil
		}
	case "mv":
		if !p.Has("T", "no-target-directory") {
			return nil
		}
	}
	if len(p.Operands) < 2 || p.Has("t", "target-directory") || inv.Remote != "" {
		return nil
	}
	dest, src := p.Operands[len(p.Operands)-1], p.Operands[len(p.Operands)-2]
	if !dest.Known || strings.HasSuffix(dest.Value, "/") {
		return nil
	}
	path := inv.Path(dest.Value)
	if path == "" {
		return nil
	}
	kind := c.Classify(path, Home(inv, host))
	if kind != Root && kind != SystemDir && kind != SystemChild {
		return nil
	}
	info, err := host.Lstat(path)
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return nil // absent, a file, or a real folder the command cannot replace
	}
	now, err := host.Readlink(path)
	if err != nil {
		return nil
	}
	if src.Known && inv.Program == "ln" && (src.Value == now || filepath.Join(filepath.Dir(path), now) == filepath.Clean(src.Value)) {
		return nil // the same link again
	}
	effect := "whatever is found through it (programs, libraries, configuration) is found in the new place or not at all"
	switch filepath.Base(path) {
	case "lib64", "lib", "lib32", "libx32":
		effect = "the dynamic loader and the C library are found through it: every dynamically linked program, the shell, sudo and sshd included, stops starting"
	case "bin", "sbin":
		effect = "every program started by its path there (/bin/sh, /bin/bash, /sbin/init, scripts' #! lines) is found in the new place or not at all"
	}
	return guard.Found(guard.Block,
		fmt.Sprintf("look first: ls -ld %s; to change what a link points to, check the new target has everything the old one had (ls %s/ vs ls %s/)", path, src.Value, now),
		"would replace %s (a link to %s on this host) with %s: %s", path, now, src.Text, effect)
}
