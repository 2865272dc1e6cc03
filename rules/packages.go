package rules

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func packagesRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "essential-package-removal",
		Programs:   []string{"apt", "apt-get", "aptitude", "dpkg", "yum", "dnf", "microdnf", "zypper", "pacman", "apk", "rpm", "pkg"},
		Decision:   guard.Confirm,
		Summary:    "removing libc6, systemd, dbus, udev, sudo, lvm2, grub*, openssh-server or another package the host cannot run without, or one such a package depends on (read from /var/lib/dpkg/status: apt purge 'python3.11*' takes python3), or every package (FreeBSD pkg delete -a); installing one of them with dpkg --force-… or rpm --nodeps/--force; yum or dnf history undo|rollback warns",
		Postmortem: "apt-get purge of libc6 and yum remove python: the package manager itself stopped working",
		Machine:    true,
		Match:      matchEssentialRemoval,
	}, {
		ID:         "snap-remove-purge",
		Programs:   []string{"snap"},
		Decision:   guard.Confirm,
		Summary:    "snap remove --purge: no snapshot of the snap's data is kept; for lxd, microk8s, docker or multipass every container, cluster or VM in it goes",
		Postmortem: "snap remove --purge lxd run to 'reinstall' LXD: every container and its storage pool went with the snap's data",
		Machine:    true,
		Match:      matchSnapPurge,
	}, {
		ID:         "pip-system-remove",
		Programs:   []string{"pip", "pip3", "pip3.*", "python", "python3", "python3.*"},
		Decision:   guard.Confirm,
		Summary:    "pip uninstall of pip, setuptools or wheel from the system Python (sudo, or /usr/bin's pip outside a virtualenv): the distribution's tools that import them break; pip install --break-system-packages there warns",
		Postmortem: "sudo pip uninstall -y pip on a server: pip, and the tools the distribution built on it, gone until the package is reinstalled by hand",
		Machine:    true,
		Match:      matchPipSystemRemove,
	}}
}

// essentialPackages: patterns of packages the host cannot lose, and why.
var essentialPackages = []struct{ pattern, why string }{
	{"libc6", "every dynamically linked program needs it"},
	{"libc-bin", "the dynamic loader's tools need it"},
	{"glibc", "every dynamically linked program needs it"},
	{"systemd", "it is PID 1 on this host"},
	{"systemd-sysv", "it provides init"},
	{"init", "it provides PID 1"},
	{"sysvinit-core", "it provides PID 1"},
	{"dpkg", "it is the package manager"},
	{"apt", "it is the package manager"},
	{"rpm", "it is the package manager"},
	{"yum", "it is the package manager"},
	{"dnf", "it is the package manager"},
	{"pacman", "it is the package manager"},
	{"bash", "it is the login shell of most accounts"},
	{"dash", "it is /bin/sh"},
	{"coreutils", "ls, cp and mv are in it"},
	{"util-linux", "mount and login are in it"},
	{"login", "console logins need it"},
	{"passwd", "account management needs it"},
	{"sudo", "it is how you get root back"},
	{"lvm2", "the root filesystem may be on LVM and needs it at boot"},
	{"grub*", "it boots this machine"},
	{"shim-signed", "it boots this machine with Secure Boot"},
	{"libpam*", "every login goes through PAM"},
	{"base-files", "the base system needs it"},
	{"linux-image-generic", "it keeps a kernel installed"},
	{"python", "yum and dnf are written in it"},
	{"python3", "yum, dnf and many system tools are written in it"},
	{"kernel", "it is every kernel this host can boot"},
	{"linux", "it is the kernel this host boots (Arch)"},
	{"linux-lts", "it is the kernel this host boots (Arch)"},
	{"linux-zen", "it is the kernel this host boots (Arch)"},
	{"linux-hardened", "it is the kernel this host boots (Arch)"},
	{"kernel-core", "it is every kernel this host can boot"},
	{"kernel-default", "it is the kernel this host boots (SUSE)"},
	{"linux-image-amd64", "it keeps a kernel installed (Debian)"},
	{"linux-image-arm64", "it keeps a kernel installed (Debian)"},
	{"musl", "it is the C library every program on Alpine links against"},
	{"busybox", "it is /bin/sh and most commands on Alpine"},
	{"apk-tools", "it is the package manager"},
	{"alpine-baselayout", "the base system needs it"},
	{"perl-base", "dpkg's and debconf's scripts are written in it"},
	{"debconf", "every package's configuration step needs it"},
	{"zlib1g", "dpkg, apt and openssh link against it"},
	{"libcrypt1", "logins and password checks link against it"},
	{"openssl-libs", "sshd, sudo, rpm and dnf link against it"},
	{"libssl3*", "sshd, apt's https and most network programs link against it"},
	{"pam", "every login and sudo go through PAM"},
	{"shadow-utils", "useradd, passwd and su's account files are managed by it"},
	{"libgcc-s1", "most C and C++ programs link against it"},
	{"tar", "dpkg unpacks every package with it"},
	{"grep", "init and package scripts call it"},
	{"sed", "init and package scripts call it"},
	{"findutils", "package and cron scripts call find and xargs"},
	{"gzip", "dpkg unpacks packages with it"},
	{"dbus", "systemctl, logind and NetworkManager talk through it"},
	{"dbus-broker", "systemctl, logind and NetworkManager talk through it"},
	{"udev", "it makes the device nodes of the disks and network cards at boot"},
	{"systemd-udev", "it makes the device nodes of the disks and network cards at boot"},
	{"libsystemd0", "systemd, udev, dbus and sshd link against it"},
	{"kmod", "modprobe is in it, and the initramfs loads the disk drivers with it"},
	{"initramfs-tools", "every kernel's initramfs is built by it, so the next kernel would not boot"},
	{"dracut", "every kernel's initramfs is built by it, so the next kernel would not boot"},
	{"mount", "mount and umount are in it"},
	{"libselinux1", "ls, sudo, sshd and systemd link against it"},
}

// networkPackages keep a remote session's network up: removing one over
// SSH may cut the session with no way back in.
var networkPackages = []string{"openssh-server", "ssh", "openssh", "network-manager", "NetworkManager",
	"netplan.io", "ifupdown", "ifupdown2", "iproute2", "isc-dhcp-client", "dhcpcd5", "dhcpcd", "systemd-networkd", "wicked"}

// essentialExamples are names a removal pattern is tested against.
var essentialExamples = []string{"libc6", "systemd", "sudo", "grub-pc", "grub-efi-amd64", "linux-image-generic",
	"linux-image-amd64", "openssh-server", "lvm2", "coreutils", "bash", "dpkg", "apt", "glibc", "kernel-core", "musl", "busybox", "python3", "dbus", "udev"}

// removedPackages returns the packages a package-manager command removes.
func removedPackages(inv *guard.Invocation) []string {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "octqe", LongValue: []string{"option", "config-file", "target-release", "root", "admindir", "installroot", "releasever"}})
	ops := operandValues(p.Operands)
	switch inv.Program {
	case "apt", "apt-get", "aptitude":
		if len(ops) == 0 {
			return nil
		}
		switch ops[0] {
		case "remove", "purge", "autoremove", "autopurge":
			return ops[1:]
		case "install", "reinstall":
			// `apt-get install foo-` removes foo.
			var removed []string
			for _, o := range ops[1:] {
				if strings.HasSuffix(o, "-") {
					removed = append(removed, strings.TrimSuffix(o, "-"))
				}
			}
			return removed
		}
	case "dpkg":
		if p.Has("r", "remove", "P", "purge") {
			return ops
		}
	case "rpm":
		// -e is a mode there, not an option with a value; --test only
		// reports what the removal would do.
		p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"root", "dbpath", "define", "macros", "rcfile"}})
		if p.Has("e", "erase") && !p.Has("test") {
			return operandValues(p.Operands)
		}
	case "yum", "dnf", "microdnf", "zypper":
		if len(ops) > 0 && (ops[0] == "remove" || ops[0] == "erase" || ops[0] == "rm" || ops[0] == "autoremove") {
			return ops[1:]
		}
	case "pacman":
		if p.Has("R", "remove") {
			return ops
		}
	case "apk":
		if len(ops) > 0 && ops[0] == "del" {
			return ops[1:]
		}
	case "pkg":
		if p, ops := freebsdPkgDelete(inv); p != nil && !p.Has("a", "all") {
			return ops
		}
	}
	return nil
}

// freebsdPkgDelete reads FreeBSD's pkg delete (remove): its options and
// the packages it names; nil when it is another command or a dry run.
func freebsdPkgDelete(inv *guard.Invocation) (*guard.Parsed, []string) {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "jcrCRo", LongValue: []string{"jail", "chroot", "rootdir", "config", "repo-conf-dir", "option"}})
	ops := operandValues(p.Operands)
	if len(ops) == 0 || ops[0] != "delete" && ops[0] != "remove" || p.Has("n", "dry-run") {
		return nil, nil
	}
	return &p, ops[1:]
}

// runsKernel: linux-image-$(uname -r), or the package of the release
// /proc says is running (the host's own, not a remote one's).
func runsKernel(pkg string, host guard.Host, inv *guard.Invocation) bool {
	if !strings.HasPrefix(pkg, "linux-image-") && !strings.HasPrefix(pkg, "kernel-") && !strings.HasPrefix(pkg, "linux-modules-") {
		return false
	}
	args := removedArgs(inv)
	if inv.Program == "rpm" {
		args = guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"root", "dbpath", "define", "macros", "rcfile"}}).Operands
	}
	for _, a := range args {
		if a.Value == pkg && slices.Contains(a.Sources, "uname") {
			return true // linux-image-$(uname -r), kernel-core-$(uname -r)
		}
	}
	release, ok := strings.CutPrefix(pkg, "linux-image-")
	if !ok {
		return false
	}
	if inv.Remote != "" || release == "" {
		return false
	}
	data, err := host.ReadFile("/proc/sys/kernel/osrelease", 256)
	return err == nil && strings.TrimSpace(string(data)) == release
}

// removedArgs are the words removedPackages read its names from.
func removedArgs(inv *guard.Invocation) []guard.Arg {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "octqe", LongValue: []string{"option", "config-file", "target-release", "root", "admindir", "installroot", "releasever"}})
	return p.Operands
}

// dataSnaps hold containers, clusters or VMs in the snap's own data.
var dataSnaps = map[string]string{
	"lxd":       "every container and VM of LXD, with its storage pools",
	"microk8s":  "the whole Kubernetes cluster of this node, with its volumes",
	"docker":    "every container, image and volume of the snap's Docker",
	"multipass": "every Multipass VM",
	"k8s":       "the whole Kubernetes cluster of this node, with its volumes",
	"microceph": "the Ceph cluster's data on this node",
	"incus":     "every container and VM of Incus",
}

func matchSnapPurge(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"revision"}})
	ops := operandValues(p.Operands)
	if len(ops) < 2 || ops[0] != "remove" || !p.Has("purge") || p.Has("help", "h") {
		return nil // without --purge, snap keeps a snapshot (snap saved, snap restore)
	}
	for _, name := range ops[1:] {
		if what, ok := dataSnaps[name]; ok {
			return guard.Found(guard.Confirm, "take a snapshot first (snap save "+name+"), or remove without --purge: snap keeps one then (snap saved; snap restore ID)",
				"would remove the snap %s from %s with --purge: %s goes, and no snapshot is kept to restore it", name, guard.HostName(inv, host), what)
		}
	}
	return guard.Found(guard.Warn, "remove without --purge to keep snap's automatic snapshot (snap saved; snap restore ID)",
		"removes the snap %s with --purge: its data goes, and no snapshot is kept", strings.Join(ops[1:], " "))
}

// pipTools: the system Python's packaging tools the distribution's own
// programs import.
var pipTools = []string{"pip", "pip3", "setuptools", "wheel", "distutils"}

func matchPipSystemRemove(inv *guard.Invocation, host guard.Host) *guard.Finding {
	args := inv.Args
	if strings.HasPrefix(inv.Program, "python") {
		if len(args) < 2 || args[0].Value != "-m" || args[1].Value != "pip" && args[1].Value != "pip3" {
			return nil
		}
		args = args[2:]
	}
	p := guard.ParseOptions(args, guard.OptSpec{ShortValue: "r", LongValue: []string{"requirement", "root", "prefix", "target", "python"}})
	ops := operandValues(p.Operands)
	if len(ops) < 2 || ops[0] != "uninstall" && ops[0] != "install" || p.Has("help", "h") {
		return nil
	}
	sudo := slices.ContainsFunc(inv.Via, func(v string) bool { return v == "sudo" || v == "doas" || strings.HasPrefix(v, "sudo ") })
	venv, _ := host.Getenv("VIRTUAL_ENV")
	system := sudo || venv == "" && (strings.HasPrefix(inv.Command.Value, "/usr/bin/") || strings.HasPrefix(inv.Command.Value, "/bin/"))
	if !system {
		return nil // a virtualenv's own pip, or the user's
	}
	if ops[0] == "install" {
		if !p.Has("break-system-packages") || p.Has("user", "target", "prefix", "root", "dry-run") {
			return nil // pip refuses to touch the system Python without it (PEP 668)
		}
		return guard.Found(guard.Warn, "use a virtualenv (python3 -m venv DIR) or pipx for tools; for a library the distribution packages: apt-get install python3-NAME",
			"installs %s into the system Python on %s past PEP 668's lock: it can upgrade or replace modules the distribution's own tools import (apt, netplan, cloud-init), which then fail", strings.Join(ops[1:], " "), guard.HostName(inv, host))
	}
	for _, name := range ops[1:] {
		if slices.Contains(pipTools, strings.ToLower(name)) {
			return guard.Found(guard.Confirm, "use a virtualenv (python3 -m venv DIR) for your own packages; the system's pip and setuptools belong to the package manager (apt-get install --reinstall python3-pip python3-setuptools)",
				"would uninstall %s from the system Python on %s: pip itself, and the distribution's tools that import it, stop working until it is reinstalled by hand", name, guard.HostName(inv, host))
		}
	}
	return nil
}

func operandValues(args []guard.Arg) []string {
	values := make([]string, len(args))
	for i, a := range args {
		values[i] = a.Value
	}
	return values
}

// historyUndo reads yum and dnf history undo|rollback N: the packages
// that transaction (or every one since) installed are removed again and
// those it removed or upgraded come back, as the command computes it.
func historyUndo(inv *guard.Invocation) (verb, id string) {
	if inv.Program != "yum" && inv.Program != "dnf" {
		return "", ""
	}
	ops := operandValues(guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "cdex", LongValue: []string{"config", "installroot", "releasever", "setopt", "exclude"}}).Operands)
	if len(ops) >= 3 && ops[0] == "history" && (ops[1] == "undo" || ops[1] == "rollback") {
		return ops[1], ops[2]
	}
	return "", ""
}

func matchEssentialRemoval(inv *guard.Invocation, host guard.Host) *guard.Finding {
	_, overSSH := guard.SSHClient(inv, host)
	if verb, id := historyUndo(inv); verb != "" {
		return guard.Found(guard.Warn, "see what it would change first: "+inv.Program+" history info "+id+"; yum and dnf list the removals and ask before they act unless -y is given",
			"would %s %s on %s: what it installed is removed and what it removed or upgraded is put back (a downgrade of glibc, systemd or openssl among them, if it touched them)", map[string]string{"undo": "undo transaction", "rollback": "roll back every transaction after"}[verb], id, guard.HostName(inv, host))
	}
	if p, _ := freebsdPkgDelete(inv); inv.Program == "pkg" && p != nil && p.Has("a", "all") {
		return guard.Found(guard.Confirm, "see what would go first: pkg delete -an; remove the packages you mean by name",
			"would remove every installed package from %s (pkg delete -a): every service, shell and tool installed from packages goes (sudo, bash, the web and database servers), only the base system stays", guard.HostName(inv, host))
	}
	if f := forcedInstall(inv); f != nil {
		return f
	}
	for _, pkg := range removedPackages(inv) {
		name, _, _ := strings.Cut(pkg, ":") // libc6:amd64
		name, _, _ = strings.Cut(name, "=")
		why := ""
		for _, e := range essentialPackages {
			if ok, _ := path.Match(e.pattern, name); ok {
				why = e.why
				break
			}
		}
		if why == "" && strings.ContainsAny(name, "*?[") {
			// apt purge 'linux-image-*': a pattern takes every match with it.
			for _, example := range essentialExamples {
				if ok, _ := path.Match(name, example); ok {
					why = "the pattern also matches " + example + ", which the host needs"
					break
				}
			}
		}
		if why == "" && overSSH && slices.Contains(networkPackages, name) {
			why = "your SSH session depends on it"
		}
		if why == "" && (name == "openssh-server" || name == "ssh") {
			why = "no one can log in to it over SSH afterwards"
		}
		if why == "" && inv.Program != "dpkg" && inv.Program != "rpm" {
			if dep, needs := essentialDependent(inv, host, name); dep != "" {
				why = dep + " depends on " + needs + " (" + essentialWhy(dep) + ")"
			}
		}
		if why == "" && runsKernel(pkg, host, inv) {
			why = "it is the kernel this host is running now"
			if strings.HasSuffix(name, "-") {
				name += "$(uname -r)"
			}
		}
		if why == "" {
			continue
		}
		return guard.Found(guard.Confirm,
			fmt.Sprintf("see what else would go first: apt-get -s remove %s (or the manager's --assumeno / dry run); to replace it, install the replacement in the same command", name),
			"would remove %s from %s: %s, and everything that depends on it goes too", name, guard.HostName(inv, host), why)
	}
	return nil
}

// essentialWhy is why the host needs the package name, "" when it is not
// one of essentialPackages.
func essentialWhy(name string) string {
	for _, e := range essentialPackages {
		if ok, _ := path.Match(e.pattern, name); ok {
			return e.why
		}
	}
	return ""
}

// dpkgStatus reads the installed packages of a Debian host and what each
// depends on (Depends and Pre-Depends, without alternatives); nil where
// guard cannot read it.
func dpkgStatus(host guard.Host) map[string][]string {
	data, err := host.ReadFile("/var/lib/dpkg/status", 16<<20)
	if err != nil {
		return nil
	}
	installed := map[string][]string{}
	for stanza := range strings.SplitSeq(string(data), "\n\n") {
		var name string
		var deps []string
		ok := false
		for line := range strings.SplitSeq(stanza, "\n") {
			key, value, found := strings.Cut(line, ": ")
			if !found {
				continue
			}
			switch key {
			case "Package":
				name = value
			case "Status":
				ok = strings.HasSuffix(value, " installed")
			case "Depends", "Pre-Depends":
				for d := range strings.SplitSeq(value, ",") {
					if strings.Contains(d, "|") {
						continue // alternatives: another may stay
					}
					n, _, _ := strings.Cut(strings.TrimSpace(d), " ")
					n, _, _ = strings.Cut(n, ":")
					deps = append(deps, n)
				}
			}
		}
		if ok && name != "" {
			installed[name] = deps
		}
	}
	return installed
}

// essentialDependent finds an installed package the host needs
// (essentialPackages) that depends, directly or through others, on a
// package the removal pattern matches: apt removes it too. It returns
// that package and the matched one it needs, "" when there is none or
// guard cannot read the package database (another host).
func essentialDependent(inv *guard.Invocation, host guard.Host, pattern string) (dependent, needs string) {
	if inv.Remote != "" || strings.HasSuffix(pattern, "-") || strings.HasSuffix(pattern, "+") {
		return "", ""
	}
	installed := dpkgStatus(host)
	if installed == nil {
		return "", ""
	}
	users := map[string][]string{} // package → the installed ones that depend on it
	names := make([]string, 0, len(installed))
	for n, deps := range installed {
		names = append(names, n)
		for _, d := range deps {
			users[d] = append(users[d], n)
		}
	}
	slices.Sort(names) // the same answer every time
	// removed: every package that goes, with the matched one it goes for
	removed := map[string]string{}
	var queue []string
	for _, n := range names {
		if ok, _ := path.Match(pattern, n); ok || n == pattern {
			removed[n] = n
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 && len(removed) <= len(installed) {
		n := queue[0]
		queue = queue[1:]
		for _, u := range users[n] {
			if _, seen := removed[u]; seen {
				continue
			}
			removed[u] = removed[n]
			if essentialWhy(u) != "" {
				return u, removed[n]
			}
			queue = append(queue, u)
		}
	}
	return "", ""
}

// riskyForces are dpkg's --force options (and rpm's) that turn off the
// checks that keep an installed system consistent.
var riskyForces = []string{"all", "depends", "depends-version", "breaks", "conflicts", "downgrade", "remove-essential", "overwrite", "overwrite-dir", "architecture", "bad-version"}

// forcedInstall: dpkg -i with a --force that turns its checks off, or
// rpm -i/-U with --nodeps or --force, of a package the host needs: a
// wrong libc6 stops every program at once.
func forcedInstall(inv *guard.Invocation) *guard.Finding {
	var forced []string
	var files []guard.Arg
	switch inv.Program {
	case "dpkg":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"root", "admindir", "instdir"}})
		if !p.Has("i", "install", "unpack") {
			return nil
		}
		for _, a := range inv.Args {
			for _, f := range strings.Split(strings.TrimPrefix(a.Value, "--force-"), ",") {
				if strings.HasPrefix(a.Value, "--force-") && slices.Contains(riskyForces, f) {
					forced = append(forced, "--force-"+f)
				}
			}
		}
		files = p.Operands
	case "rpm":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"root", "dbpath", "define", "macros", "rcfile"}})
		if !p.Has("i", "install", "U", "upgrade", "F", "freshen") || p.Has("test") {
			return nil
		}
		for _, o := range []string{"nodeps", "force", "replacefiles", "oldpackage"} {
			if p.Has(o) {
				forced = append(forced, "--"+o)
			}
		}
		files = p.Operands
	default:
		return nil
	}
	if len(forced) == 0 {
		return nil
	}
	for _, f := range files {
		if !f.Known {
			continue
		}
		base := baseName(f.Value)
		name, _, _ := strings.Cut(base, "_") // libc6_2.31-13_amd64.deb
		if inv.Program == "rpm" {
			// glibc-2.17-326.el7.x86_64.rpm: the name ends before the version
			if i := strings.IndexFunc(base, func(r rune) bool { return r >= '0' && r <= '9' }); i > 1 {
				name = strings.TrimSuffix(base[:i], "-")
			}
		}
		why := essentialWhy(name)
		if why == "" {
			continue
		}
		return guard.Found(guard.Confirm, "install it without "+strings.Join(forced, " ")+" and read what dpkg or rpm refuses, or through the package manager (apt install ./"+base+"), which resolves what it needs; keep a rescue medium at hand",
			"would install %s%s with %s: the checks that keep the system consistent (dependencies, versions, breaks) are off for %s, and %s, so a wrong one stops the host's programs at once", base, inv.Where(), strings.Join(forced, " "), name, why)
	}
	return nil
}
