package rules

import (
	"path/filepath"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// Kind says what a path is to the system, for the rules that protect
// paths. Rules map kinds to decisions; the tables below are the one place
// that says which folders matter.
type Kind int

const (
	Ordinary    Kind = iota
	Data             // live data: under /var/lib or /var/opt, a child of /srv, a folder of its own at the top (/data), /opt emptied
	TopLevel         // /tmp, /opt, /mnt, /media, /srv, /root themselves
	UserHome         // $HOME, /root, or a folder in /home
	SystemChild      // a direct child of a system folder: /usr/lib, /etc/ssh
	SystemDir        // a top-level system folder: /usr, /etc, /lib
	Root             // /
)

// systemDirs are the top-level folders the system cannot run without;
// their direct children are protected too.
var systemDirs = map[string]bool{
	"/bin": true, "/boot": true, "/dev": true, "/etc": true, "/home": true,
	"/lib": true, "/lib32": true, "/lib64": true, "/libx32": true,
	"/proc": true, "/run": true, "/sbin": true, "/snap": true, "/sys": true,
	"/usr": true, "/var": true,
}

// usrMergedDirs are where /bin, /sbin and /lib really are on a host with
// a merged /usr (/lib -> usr/lib): system folders themselves, reached
// through a link as often as by name. Their children are what /usr's
// grandchildren are (runtimeFolder names the ones that matter).
var usrMergedDirs = map[string]bool{
	"/usr/bin": true, "/usr/sbin": true, "/usr/lib": true, "/usr/lib64": true, "/usr/lib32": true, "/usr/libx32": true,
}

// topLevelDirs matter themselves, but their children are ordinary.
// /var/tmp is /tmp's twin, kept across reboots: its content is scratch.
var topLevelDirs = map[string]bool{
	"/media": true, "/mnt": true, "/opt": true, "/root": true, "/srv": true, "/tmp": true, "/var/tmp": true,
}

// regeneratedDirs are caches under /var/lib whose content their program
// fetches or makes again by itself (apt-get update, pacman -Sy, dockerd,
// snapd): emptying them, as every Dockerfile does, loses nothing. The
// value says whether the folder itself is made again too; apt's lists
// folder is not, and apt fails without it, so it stays live data.
var regeneratedDirs = map[string]bool{
	"/var/lib/apt/lists": false, "/var/lib/pacman/sync": false, "/var/lib/snapd/cache": false,
	"/var/lib/docker/tmp": true, "/var/lib/flatpak/.removed": true,
}

// packageDatabases are where the package managers record what is
// installed, named by their program: the host's own files, under /var/lib
// like any application's data, but old because they change only when a
// package does.
var packageDatabases = map[string]string{
	"/var/lib/dpkg": "dpkg", "/var/lib/apt": "apt", "/var/lib/rpm": "rpm", "/usr/lib/sysimage/rpm": "rpm",
	"/var/lib/dnf": "dnf", "/var/lib/yum": "yum", "/var/lib/pacman": "pacman", "/lib/apk/db": "apk",
}

// packageDatabase names the package manager whose record p is in (p is
// the folder or inside it), "" for none or for a cache it fetches again
// (/var/lib/apt/lists).
func packageDatabase(p string) string {
	if regenerated(p) {
		return ""
	}
	if _, ok := regeneratedDirs[p]; ok {
		return ""
	}
	for dir := p; dir != "/" && dir != "."; dir = filepath.Dir(dir) {
		if name, ok := packageDatabases[dir]; ok {
			return name
		}
	}
	return ""
}

// regenerated says whether p is inside one of regeneratedDirs, or is one
// its program makes again.
func regenerated(p string) bool {
	if self, ok := regeneratedDirs[p]; ok {
		return self
	}
	if inScratchFolder(p) {
		return true
	}
	for dir := filepath.Dir(p); dir != "/" && dir != "."; dir = filepath.Dir(dir) {
		if _, ok := regeneratedDirs[dir]; ok {
			return true
		}
	}
	return false
}

// scratchNames are the folders an application keeps under /var/lib/APP
// for what it makes again by itself: /var/lib/myapp/cache/*.
var scratchNames = map[string]bool{"cache": true, "caches": true, "tmp": true, "temp": true}

// liveDataRoots hold one folder of state per application: /var/lib for
// the distribution's packages, /var/opt for those installed in /opt (the
// Filesystem Hierarchy Standard's place for them: GitLab's repositories
// and database are in /var/opt/gitlab, SQL Server's in /var/opt/mssql).
var liveDataRoots = []string{"/var/lib/", "/var/opt/"}

// inLiveData is the rest of p below one of liveDataRoots.
func inLiveData(p string) (string, bool) {
	for _, root := range liveDataRoots {
		if rest, ok := strings.CutPrefix(p, root); ok && rest != "" {
			return rest, true
		}
	}
	return "", false
}

// inScratchFolder: p is inside (not itself) a folder of scratchNames that
// lies in an application's folder under /var/lib or /var/opt
// (/var/lib/APP/…/cache/x). The folder itself stays the application's:
// it may not make it again.
func inScratchFolder(p string) bool {
	rest, ok := inLiveData(p)
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	for i := 1; i < len(parts)-1; i++ {
		if scratchNames[parts[i]] {
			return true
		}
	}
	return false
}

// runtimeFolder: a folder deeper than a system folder's children that
// every program or the boot still needs: the multiarch folder of the
// loader and the C library (/usr/lib/x86_64-linux-gnu; /lib's own is
// already a child of /lib), systemd itself, the kernel's modules, and the
// interpreters the system's own tools are written in (/usr/lib/python3:
// apt's hooks, netplan, cloud-init; /usr/share/perl5: debconf, dpkg's
// scripts); and the folders of /etc the machine cannot boot into its
// services, trust a certificate, reach the network or find its volumes
// without (systemConfigFolders).
func runtimeFolder(p string) bool {
	if systemConfigFolders[p] {
		return true
	}
	dir, base := filepath.Dir(p), filepath.Base(p)
	if libraryDirs[dir] && strings.Contains(base, "-linux-") {
		return true
	}
	if (libraryDirs[dir] || dir == "/usr/share") && systemInterpreter(base) {
		return true
	}
	if libraryDirs[filepath.Dir(dir)] && strings.Contains(filepath.Base(dir), "-linux-") && (base == "perl" || base == "perl-base") {
		return true // Perl's own modules; perl5 beside them holds packages' extensions
	}
	switch p {
	case "/usr/lib/systemd", "/usr/lib/modules":
		return true
	}
	return false
}

// systemConfigFolders are folders below /etc's children whose loss
// leaves the machine without what it starts, trusts or reaches: the units
// and their enablement (/etc/systemd/system: sshd is not started at the
// next boot), systemd-networkd's and NetworkManager's connections, Red
// Hat's interface scripts, the certificate stores, LVM's metadata backups,
// a Kubernetes control plane's certificates and static pods, and the keys
// apt trusts.
var systemConfigFolders = map[string]bool{
	"/etc/systemd/system": true, "/etc/systemd/network": true, "/etc/systemd/user": true,
	"/etc/NetworkManager/system-connections": true, "/etc/sysconfig/network-scripts": true,
	"/etc/ssl/certs": true, "/etc/ssl/private": true, "/etc/pki/tls": true, "/etc/pki/ca-trust": true,
	"/etc/lvm/backup": true, "/etc/lvm/archive": true,
	"/etc/kubernetes/pki": true, "/etc/kubernetes/manifests": true,
	"/etc/apt/trusted.gpg.d": true, "/etc/apt/keyrings": true,
}

// systemInterpreter: the folder of a Python or Perl the distribution's
// own tools run on (python3, python3.11, python2.7, perl, perl5,
// perl-base), not a version an operator installed in /usr/local or /opt.
func systemInterpreter(base string) bool {
	for _, name := range []string{"python", "perl"} {
		if rest, ok := strings.CutPrefix(base, name); ok && (rest == "" || strings.Trim(rest, "0123456789.") == "" || rest == "-base") {
			return true
		}
	}
	return false
}

// classifier classifies paths: the built-in tables, plus the paths a
// site policy protects (treated as system folders).
type classifier struct {
	protected map[string]bool
}

func newClassifier(protected []string) classifier {
	c := classifier{protected: map[string]bool{}}
	for _, p := range protected {
		c.protect(p)
	}
	return c
}

// protect treats p like a system folder from now on, in every rule built
// around c.
func (c classifier) protect(p string) {
	c.protected[filepath.Clean(p)] = true
}

// Classify says what the clean absolute path p is. home is $HOME.
func (c classifier) Classify(p, home string) Kind {
	if c.protected[p] {
		return SystemDir
	}
	if c.protected[filepath.Dir(p)] {
		return SystemChild
	}
	return Classify(p, home)
}

// Classify says what the clean absolute path p is by the built-in tables.
// home is $HOME.
func Classify(p, home string) Kind {
	switch {
	case p == "/":
		return Root
	case systemDirs[p], usrMergedDirs[p]:
		return SystemDir
	case p == home && home != "" && home != "/", p == "/root":
		return UserHome
	case topLevelDirs[p]:
		return TopLevel
	}
	parent := filepath.Dir(p)
	switch {
	case parent == "/home":
		return UserHome
	case systemDirs[parent], runtimeFolder(p):
		return SystemChild
	case regenerated(p):
		return Ordinary
	case parent == "/srv":
		return Data
	case func() bool { _, ok := inLiveData(p); return ok }():
		return Data
	case parent == "/":
		// A folder the site made at the top (/data, /app, /backup) is a
		// disk mounted there or an application's data, and inside a
		// container or on another host guard cannot look at it.
		return Data
	}
	return Ordinary
}

// Describe names a kind for messages.
func (k Kind) Describe(p string) string {
	switch k {
	case Root:
		return "the root of the filesystem"
	case SystemDir:
		return p + ", a system folder"
	case SystemChild:
		return p + ", part of the system"
	case UserHome:
		return p + ", a home folder"
	case TopLevel:
		return p + ", a top-level folder"
	case Data:
		return p + ", live data"
	}
	return p
}

// Target is an operand of a command as a path: where it is, what it is.
type Target struct {
	Arg guard.Arg
	// Path is the absolute clean path, "" when it cannot be known.
	Path string
	// Resolved follows symbolic links in the parent folders (and in the
	// last component too when the operand ends in a slash).
	Resolved string
	// Emptied is set for a pattern like DIR/* that matches everything in
	// DIR: the command empties DIR.
	Emptied string
}

// TargetOf makes an operand a Target, resolving it on the host unless the
// command runs on another machine.
func TargetOf(inv *guard.Invocation, host guard.Host, a guard.Arg) Target {
	t := Target{Arg: a, Path: inv.Path(a.Value)}
	if t.Path == "" {
		return t
	}
	if a.Glob {
		dir, base := filepath.Split(t.Path)
		if guard.MatchesAll(base) || base == "{*,.*}" {
			t.Emptied = filepath.Clean(dir)
		}
	}
	t.Resolved = t.Path
	if inv.Remote != "" {
		return t
	}
	if t.Emptied != "" {
		// DIR/* lists DIR after its links: media/* with media -> /home/op
		// empties the home.
		t.Emptied, _ = guard.ResolvePath(host, physicalDots(host, inv, filepath.Dir(a.Value)))
	}
	if a.Glob {
		return t
	}
	physical := physicalDots(host, inv, a.Value)
	if strings.HasSuffix(a.Value, "/") || endsInDot(a.Value) {
		t.Resolved, _ = guard.ResolvePath(host, physical)
	} else {
		parent, _ := guard.ResolvePath(host, filepath.Dir(physical))
		t.Resolved = guard.BoundPath(host, filepath.Join(parent, filepath.Base(physical)))
	}
	return t
}

// FollowedTarget is TargetOf for a command that follows a symbolic link
// named as its last component too (chmod, chmod -R, the destination of
// rsync, cp and tar -C): Resolved is where the link leads.
func FollowedTarget(inv *guard.Invocation, host guard.Host, a guard.Arg) Target {
	t := TargetOf(inv, host, a)
	if t.Path != "" && inv.Remote == "" && !a.Glob {
		t.Resolved, _ = guard.ResolvePath(host, physicalDots(host, inv, a.Value))
	}
	return t
}

// endsInDot: the operand's last component is . or .. (uploads/., sub/..):
// the kernel follows a link before it, as it does for a trailing slash.
func endsInDot(v string) bool {
	v = strings.TrimRight(v, "/")
	return v == "." || v == ".." || strings.HasSuffix(v, "/.") || strings.HasSuffix(v, "/..")
}

// physicalDots is inv.Path of the operand v with each .. taken as the
// kernel takes it, from where the links before it lead (sub/../x with
// sub -> /etc/ssh is /etc/x), where inv.Path takes it away with the word
// before it. The other links stay as written.
func physicalDots(host guard.Host, inv *guard.Invocation, v string) string {
	p := inv.Path(v)
	if p == "" || !strings.Contains(v, "..") {
		return p
	}
	raw := v
	if !filepath.IsAbs(v) {
		raw = inv.Cwd + "/" + v
	}
	cur := "/"
	for _, part := range strings.Split(raw, "/") {
		switch part {
		case "", ".":
		case "..":
			r, _ := guard.ResolvePath(host, cur)
			cur = filepath.Dir(r)
		default:
			cur = filepath.Join(cur, part)
		}
	}
	return cur
}

// Home is $HOME on the host, "" when unknown or remote.
func Home(inv *guard.Invocation, host guard.Host) string {
	if inv.Remote != "" {
		return ""
	}
	h, _ := host.Getenv("HOME")
	return filepath.Clean(h)
}

// Worst classifies a target by the worst of its readings: the path as
// written, the path after symbolic links, and the folder a pattern
// empties. It returns the kind and the path that has it.
func (c classifier) Worst(t Target, home string) (Kind, string) {
	kind, where := Ordinary, t.Path
	consider := func(p string, k Kind) {
		if p != "" && k > kind {
			kind, where = k, p
		}
	}
	if t.Path != "" {
		consider(t.Path, c.Classify(t.Path, home))
	}
	if t.Resolved != "" {
		consider(t.Resolved, c.Classify(t.Resolved, home))
	}
	if t.Emptied != "" {
		// Emptying a system folder or a home is as bad as removing it; for
		// /tmp or /srv it is as bad as removing one child.
		k := c.Classify(t.Emptied, home)
		if _, cache := regeneratedDirs[t.Emptied]; k == TopLevel || cache || inScratchFolder(filepath.Join(t.Emptied, "x")) {
			k = c.Classify(filepath.Join(t.Emptied, "x"), home)
		}
		if t.Emptied == "/opt" && k < Data {
			// one application removed from /opt is routine; all of
			// them is every program installed outside the packages
			k = Data
		}
		consider(t.Emptied, k)
	}
	return kind, where
}
