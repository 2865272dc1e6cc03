package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

func bootRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "boot-entry-delete",
		Programs:   []string{"efibootmgr"},
		Decision:   guard.Confirm,
		Summary:    "efibootmgr -B (--delete-bootnum) deletes a firmware boot entry: the next boot may not find the system; -O (--delete-bootorder) warns; listing, -o reorders and -n pass",
		Postmortem: "a stale-looking UEFI boot entry deleted while tidying up was the one the firmware booted the OS from: the server came back to the firmware's setup screen",
		Machine:    true,
		Match:      matchBootEntryDelete,
	}, {
		ID:         "grub-install-other-disk",
		Programs:   []string{"grub-install", "grub2-install"},
		Decision:   guard.Warn,
		Summary:    "grub-install onto a disk other than the one / is on (read from the host's mounts): the firmware may keep booting the old loader, or another disk's boot sector is overwritten",
		Postmortem: "grub-install /dev/sdb typed for sda after a disk swap: the boot sector of the data disk was rewritten and the system disk kept the broken loader",
		Machine:    true,
		Match:      matchGrubInstallOtherDisk,
	}}
}

// efibootmgrSpec: efibootmgr's options that take a value.
var efibootmgrSpec = guard.OptSpec{ShortValue: "bdeLlnopt", LongValue: []string{"bootnum", "disk", "edd", "label", "loader", "bootnext", "bootorder", "part", "timeout", "append-binary-args", "device"}}

func matchBootEntryDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, efibootmgrSpec)
	if p.Has("h", "help", "V", "version") {
		return nil
	}
	switch {
	case p.Has("B", "delete-bootnum"):
		entry := "the entry chosen with -b"
		if num, ok := p.Value("b", "bootnum"); ok {
			entry = "Boot" + strings.ToUpper(num.Text)
			if num.Known {
				entry = "Boot" + strings.ToUpper(num.Value)
			}
		}
		return guard.Found(guard.Confirm, "list the entries first (efibootmgr -v) and check which one BootCurrent names; to keep an entry but skip it, take it out of the order (efibootmgr -o …) or make it inactive (efibootmgr -b NUM -A)",
			"would delete the firmware boot entry %s%s: if it is the one the system boots from, the next boot does not find it (getting it back needs efibootmgr -c with the right disk and loader, from a rescue system)", entry, inv.Where())
	case p.Has("O", "delete-bootorder"):
		return guard.Found(guard.Warn, "set the order you mean instead: efibootmgr -o NUM,NUM (see efibootmgr -v)",
			"would delete the firmware's boot order%s: the firmware falls back to its own choice of what to boot", inv.Where())
	}
	return nil
}

func matchGrubInstallOtherDisk(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Remote != "" {
		return nil // the other host's disks are not seen from here
	}
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "dk", LongValue: []string{"target", "directory", "boot-directory", "efi-directory", "bootloader-id", "modules", "install-modules", "themes", "fonts", "locales", "compress", "core-compress", "disk-module", "grub-mkimage", "label-font", "label-color", "label-bgcolor", "product-version", "pubkey", "sbat"}})
	if p.Has("help", "version", "V", "usage") {
		return nil
	}
	rootDisk := diskOfRoot(host)
	if rootDisk == "" {
		return nil // / is on a volume or a device guard cannot trace to a disk
	}
	for _, o := range p.Operands {
		if !o.Known || !strings.HasPrefix(o.Value, "/dev/") {
			continue
		}
		target, _ := guard.ResolvePath(host, o.Value)
		if target == rootDisk || isPartitionOf(target, rootDisk) {
			continue
		}
		return guard.Found(guard.Warn, "check the disk first: findmnt / and lsblk; grub-install "+rootDisk+" installs it where / is",
			"would write GRUB's boot code to %s, but / is on %s: that disk keeps the loader it has, and whatever boot sector %s held is replaced", o.Value, rootDisk, o.Value)
	}
	return nil
}

// diskOfRoot returns the whole disk the root filesystem is on (/dev/sda
// for /dev/sda2), "" when / is not on a partition of a plain disk.
func diskOfRoot(host guard.Host) string {
	for _, m := range host.Mounts() {
		if m.Dir != "/" || !strings.HasPrefix(m.Source, "/dev/") {
			continue
		}
		src, _ := guard.ResolvePath(host, m.Source)
		name := strings.TrimPrefix(src, "/dev/")
		switch {
		case strings.HasPrefix(name, "nvme") || strings.HasPrefix(name, "mmcblk"):
			if i := strings.LastIndex(name, "p"); i > 0 && strings.Trim(name[i+1:], "0123456789") == "" && name[i+1:] != "" {
				return "/dev/" + name[:i]
			}
			return src
		case strings.HasPrefix(name, "sd") || strings.HasPrefix(name, "vd") || strings.HasPrefix(name, "xvd") || strings.HasPrefix(name, "hd"):
			return "/dev/" + strings.TrimRight(name, "0123456789")
		}
	}
	return ""
}
