package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func packagesRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "essential-package-removal",
		Programs:   []string{"apt", "apt-get", "aptitude", "dpkg", "yum", "dnf", "microdnf", "zypper", "pacman", "apk", "rpm"},
		Decision:   guard.Confirm,
		Summary:    "removing libc6, systemd, sudo, lvm2, grub*, openssh-server (over SSH) or another package the host cannot run without",
		Postmortem: "apt-get purge of libc6 and yum remove python: the package manager itself stopped working",
		Match:      matchEssentialRemoval,
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
}

// essentialExamples are names a removal pattern is tested against.
var essentialExamples = []string{"libc6", "systemd", "sudo", "grub-pc", "grub-efi-amd64", "linux-image-generic",
	"linux-image-amd64", "openssh-server", "lvm2", "coreutils", "bash", "dpkg", "apt", "glibc", "kernel-core"}

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
		if p.Has("e", "erase") {
			return ops
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

func matchEssentialRemoval(inv *guard.Invocation, host guard.Host) *guard.Finding {
	_, overSSH := guard.SSHClient(inv, host)
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
		if why == "" && overSSH && (name == "openssh-server" || name == "ssh" || name == "openssh") {
			why = "your SSH session depends on it"
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
