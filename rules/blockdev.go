package rules

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/lazyre"
)

func blockdevRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "disk-overwrite",
		Programs:   nil, // redirections into a disk can come from any program
		Decision:   guard.Confirm,
		Summary:    "dd of=/dev/…, mkfs, wipefs, FreeBSD's newfs and gpart destroy -F, partition table writers, badblocks -w, tar -c onto a disk, hdparm --security-erase, pvcreate -ff, vgcreate -f, zpool create -f, ddrescue or a redirection onto a disk (block when it is in use)",
		Postmortem: "dd and mkfs run against the wrong disk; the classic one-letter mistake between sdb and sda",
		Machine:    true,
		Match:      matchDiskOverwrite,
	}, {
		ID:         "sysfs-device-remove",
		Programs:   nil, // a redirection or tee into /sys
		Decision:   guard.Confirm,
		Summary:    "a device taken out of the kernel through /sys (1 written to a disk's device/delete, a SCSI device's delete, a PCI device's remove, a network interface's device/remove): block for the disk / is on, confirm for a disk with a mounted filesystem, the interface this SSH session comes over, or a device guard cannot see; warn otherwise (it comes back only with a rescan)",
		Postmortem: "echo 1 > /sys/block/sda/device/delete typed for the disk just pulled, on the host whose root filesystem was on sda: every program that touched the disk hung or failed, and only a power cycle brought it back",
		Machine:    true,
		Match:      matchSysfsDeviceRemove,
	}}
}

// sysfsRemoval reads a /sys path that takes a device out of the kernel
// when 1 is written to it: what kind of device, and its name (a disk,
// a SCSI address, a PCI address, an interface).
func sysfsRemoval(p string) (kind, name string) {
	parts := strings.Split(strings.TrimPrefix(p, "/sys/"), "/")
	switch {
	case len(parts) == 4 && (parts[0] == "block" || parts[0] == "class" && parts[1] == "block") && parts[len(parts)-2] == "device" && parts[3] == "delete":
		return "disk", parts[len(parts)-3]
	case len(parts) == 5 && parts[0] == "class" && parts[1] == "block" && parts[3] == "device" && parts[4] == "delete":
		return "disk", parts[2]
	case len(parts) == 4 && parts[0] == "bus" && parts[1] == "scsi" && parts[2] == "devices" && parts[3] == "delete":
		return "", ""
	case len(parts) == 5 && parts[0] == "bus" && parts[1] == "scsi" && parts[2] == "devices" && parts[4] == "delete":
		return "scsi", parts[3]
	case len(parts) == 5 && parts[0] == "bus" && parts[1] == "pci" && parts[2] == "devices" && parts[4] == "remove":
		return "pci", parts[3]
	case len(parts) == 5 && parts[0] == "class" && parts[1] == "net" && parts[3] == "device" && parts[4] == "remove":
		return "net", parts[2]
	}
	return "", ""
}

// devicesUnder lists the disks and interfaces a SCSI or PCI device
// carries, read from /sys; ok is false when guard cannot see it.
func devicesUnder(host guard.Host, dir string) (disks, ifaces []string, ok bool) {
	if _, err := host.Lstat(dir); err != nil {
		return nil, nil, false
	}
	// the device's own, and those of the virtio device it carries
	homes := []string{dir}
	if entries, _, err := host.ReadDir(dir, 256); err == nil {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "virtio") {
				homes = append(homes, dir+"/"+e.Name())
			}
		}
	}
	for _, home := range homes {
		if entries, _, err := host.ReadDir(home+"/block", 64); err == nil {
			for _, e := range entries {
				disks = append(disks, e.Name())
			}
		}
		if entries, _, err := host.ReadDir(home+"/net", 64); err == nil {
			for _, e := range entries {
				ifaces = append(ifaces, e.Name())
			}
		}
	}
	if entries, _, err := host.ReadDir(dir+"/nvme", 16); err == nil {
		for _, e := range entries {
			if sub, _, err := host.ReadDir(dir+"/nvme/"+e.Name(), 64); err == nil {
				for _, n := range sub {
					if strings.HasPrefix(n.Name(), e.Name()+"n") {
						disks = append(disks, n.Name())
					}
				}
			}
		}
	}
	return disks, ifaces, true
}

func matchSysfsDeviceRemove(inv *guard.Invocation, host guard.Host) *guard.Finding {
	var kind, name string
	w, writes := writtenInto(inv, host, "", func(p string) bool {
		kind, name = sysfsRemoval(p)
		return kind != ""
	})
	if !writes || w.known && strings.TrimSpace(w.text) != "1" {
		return nil // 0, or nothing: the device stays
	}
	const rescan = "to bring a disk back: echo '- - -' > /sys/class/scsi_host/hostN/scan; a PCI device: echo 1 > /sys/bus/pci/rescan"
	var disks, ifaces []string
	seen := inv.Remote == ""
	switch kind {
	case "disk":
		disks = []string{name}
	case "net":
		ifaces = []string{name}
	case "scsi":
		disks, ifaces, seen = devicesUnder(host, "/sys/bus/scsi/devices/"+name)
		seen = seen && inv.Remote == ""
	case "pci":
		disks, ifaces, seen = devicesUnder(host, "/sys/bus/pci/devices/"+name)
		seen = seen && inv.Remote == ""
	}
	for _, d := range disks {
		m, mounted := mountedFrom(host, inv, "/dev/"+d)
		switch {
		case mounted && m.Dir == "/":
			return guard.Found(guard.Block, "unmount what is on it and stop what uses it first; "+rescan,
				"would take the disk %s out of the kernel%s: the root filesystem is on it (%s), so every program that reads a file hangs or fails, and only a reboot brings it back", d, inv.Where(), m.Source)
		case mounted:
			return guard.Found(guard.Confirm, "umount "+m.Dir+" first; "+rescan,
				"would take the disk %s out of the kernel%s while %s is mounted from it on %s: what is not yet written is lost, and everything using %s fails", d, inv.Where(), m.Source, m.Dir, m.Dir)
		}
	}
	for _, dev := range ifaces {
		if _, ssh := guard.SSHClient(inv, host); ssh {
			if cut := downCut(inv, host, dev, "take the interface "+dev+" out of the kernel"); cut != "" {
				return guard.Found(guard.Confirm, "use the console for this; "+rescan,
					"would %s%s: this SSH session and every connection over it end, and it comes back only with a PCI rescan from the console", cut, inv.Where())
			}
		}
	}
	if !seen {
		return guard.Found(guard.Confirm, "look first at what hangs off it: ls "+path.Dir(inv.Path(w.path))+"; "+rescan,
			"would take the device %s out of the kernel%s, and guard cannot see what is on it here (a disk with mounted filesystems, the interface this session comes over)", name, inv.Where())
	}
	return guard.Found(guard.Warn, rescan,
		"would take the device %s out of the kernel%s: it is gone until a rescan", name, inv.Where())
}

// diskWriter returns the devices a command would overwrite and how.
func diskWriter(inv *guard.Invocation) (verb string, devices []guard.Arg) {
	switch prog := inv.Program; {
	case prog == "dd":
		for _, a := range inv.Args {
			if v, ok := strings.CutPrefix(a.Value, "of="); ok {
				return "overwrite", []guard.Arg{{Text: a.Text, Value: v, Known: a.Known}}
			}
		}
	case strings.HasPrefix(prog, "mkfs") || prog == "mke2fs" || prog == "mkswap" || prog == "mkdosfs" || prog == "mkntfs":
		// Option values differ between mkfs flavours; devices are what
		// start with /dev/. Dry runs (mke2fs -n, mkfs.xfs -N) are in
		// inertForms.
		return "format", devOperands(inv.Args)
	case prog == "newfs" || strings.HasPrefix(prog, "newfs_"):
		// FreeBSD's mkfs: newfs [-U] [-L label] /dev/ada1p1 (or ada1p1)
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "LSabcdefgimoprsTFhkl"})
		return "format", bsdDevices(p.Operands)
	case prog == "gpart":
		// gpart destroy -F GEOM: the partition table and every partition
		// in it; without -F gpart refuses while partitions remain
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "abilstf"})
		if len(p.Operands) >= 2 && p.Operands[0].Value == "destroy" && p.Has("F") {
			return "destroy the partition table of", bsdDevices(p.Operands[1:])
		}
	case prog == "wipefs":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "otO", LongValue: []string{"offset", "types", "output", "backup"}})
		if p.Has("a", "all") || p.Has("o", "offset") {
			return "wipe the signatures of", devOperands(p.Operands)
		}
	case prog == "sgdisk":
		p := guard.ParseOptions(inv.Args, sgdiskSpec)
		if target, ok := p.Value("R", "replicate"); ok {
			// sgdisk -R /dev/sdb /dev/sda copies sda's table over sdb's.
			return "copy another disk's partition table over", []guard.Arg{target}
		}
		if p.Has("Z", "zap-all", "z", "zap", "o", "clear", "d", "delete", "l", "load-backup", "g", "mbrtogpt") {
			return "rewrite the partition table of", devOperands(p.Operands)
		}
	case prog == "fdisk":
		// fdisk writes only on its w command: judge what it reads when
		// that is not a person at the keyboard.
		if script, known := guard.StdinText(inv); known && hasLine(script, "w") || !known && readsPipeOrFile(inv) {
			return "write a new partition table to", devOperands(inv.Args)
		}
	case prog == "sfdisk":
		// Its listing modes (-l, -d, -J) are in inertForms.
		p := guard.ParseOptions(inv.Args, inertForms["sfdisk"].spec)
		return "rewrite the partition table of", devOperands(p.Operands)
	case prog == "parted":
		for _, a := range inv.Args {
			switch a.Value {
			case "mklabel", "mktable", "rm", "mkpart", "mkpartfs", "resizepart", "resize", "move", "rescue", "mkfs":
				return "change the partition table of", devOperands(inv.Args)
			}
		}
	case prog == "vgcreate" || prog == "zpool":
		// -f makes them write over a disk that still holds a filesystem,
		// a volume group or a pool (without it they refuse).
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "osOmRtsl", LongValue: []string{"physicalextentsize", "maxlogicalvolumes", "maxphysicalvolumes", "alloc", "addtag", "metadatatype", "dataalignment"}})
		ops := operandValues(p.Operands)
		if p.Has("f", "force", "y", "yes") && (prog == "vgcreate" || len(ops) > 0 && (ops[0] == "create" || ops[0] == "add" || ops[0] == "replace")) {
			return "write a new volume group or pool (forced) over", devOperands(p.Operands)
		}
	case prog == "shred" || prog == "blkdiscard":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "nsolp", LongValue: []string{"iterations", "size", "random-source", "offset", "length", "step"}})
		return "destroy everything on", devOperands(p.Operands)
	case prog == "cryptsetup":
		for i, a := range inv.Args {
			if a.Value == "luksFormat" || a.Value == "erase" || a.Value == "luksErase" || a.Value == "reencrypt" {
				return "re-format (LUKS) and lose the keys of", devOperands(inv.Args[i+1:])
			}
		}
	case prog == "tar" || prog == "gtar" || prog == "bsdtar":
		// An archive named by a word guard cannot know ("$OUT") is a file
		// far more often than a disk: only a known disk counts.
		if archive, ok := tarWritesArchive(inv.Args); ok && archive.Known {
			return "write a tar archive over", []guard.Arg{archive}
		}
	case prog == "badblocks":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "bcdeioptZ"})
		if p.Has("w") {
			return "write test patterns over", devOperands(p.Operands)
		}
	case prog == "hdparm":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"security-erase", "security-erase-enhanced", "trim-sector-ranges", "write-sector", "make-bad-sector", "user-master", "security-mode"}})
		if p.Has("security-erase", "security-erase-enhanced") {
			return "erase every sector of (ATA secure erase)", devOperands(p.Operands)
		}
		if p.Has("trim-sector-ranges", "trim-sector-ranges-stdin", "write-sector", "make-bad-sector", "dco-restore") {
			return "destroy sectors of", devOperands(p.Operands)
		}
	case prog == "pvcreate":
		p := guard.ParseOptions(inv.Args, lvSpec)
		if p.Count("f", "force") >= 2 {
			return "write a new LVM label (pvcreate -ff) over", devOperands(p.Operands)
		}
	case prog == "ddrescue":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "abceiKmosTxZ"})
		if len(p.Operands) >= 2 {
			return "overwrite", []guard.Arg{p.Operands[1]}
		}
	case prog == "tee":
		return "overwrite", devOperands(guard.ParseOptions(inv.Args, guard.OptSpec{}).Operands)
	case prog == "cp" || prog == "sponge":
		// cp image.iso /dev/sdb writes into the device it opens, as
		// dd of= does; sponge writes what it read there.
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "St", LongValue: []string{"suffix", "target-directory"}})
		if len(p.Operands) >= 1 && (prog == "sponge" || len(p.Operands) >= 2) {
			if last := p.Operands[len(p.Operands)-1]; last.Known && strings.HasPrefix(last.Value, "/dev/") {
				return "overwrite", []guard.Arg{last}
			}
		}
	case prog == "nvme":
		// nvme format and sanitize erase the namespace (or every namespace
		// of the controller, /dev/nvme0) inside the drive itself.
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "nlsipmoaSrdtTIwDN", LongValue: []string{"namespace-id", "lbaf", "ses", "pi", "pil", "ms", "sanact", "ause", "owpass", "oipbp", "nodas", "timeout", "output-format", "block-size"}})
		ops := p.Operands
		if len(ops) > 0 {
			switch ops[0].Value {
			case "format", "sanitize":
				return "erase every block of (nvme " + ops[0].Value + ")", nvmeDevices(ops[1:])
			case "delete-ns", "detach-ns":
				return "delete a namespace, with its data, of", nvmeDevices(ops[1:])
			}
		}
	}
	return "", nil
}

// nvmeDevices: nvme takes the controller's character device (/dev/nvme0)
// as well as a namespace's block device.
func nvmeDevices(args []guard.Arg) []guard.Arg {
	devs := devOperands(args)
	for i, d := range devs {
		if ctrl := nvmeController.FindStringSubmatch(d.Value); ctrl != nil {
			devs[i].Value = ctrl[1] + "n1" // judged as its first namespace
		}
	}
	return devs
}

var nvmeController = lazyre.New(`^(/dev/nvme[0-9]+)$`)

// bsdDevices reads FreeBSD's device operands, which may be named without
// /dev/ (ada0, da1p2), as their /dev/ paths.
func bsdDevices(args []guard.Arg) []guard.Arg {
	var devs []guard.Arg
	for _, a := range args {
		if a.Known && !strings.HasPrefix(a.Value, "/") && !strings.HasPrefix(a.Value, "-") {
			a.Value = "/dev/" + a.Value
		}
		devs = append(devs, a)
	}
	return devs
}

func devOperands(args []guard.Arg) []guard.Arg {
	var devs []guard.Arg
	for _, a := range args {
		if strings.HasPrefix(a.Value, "/dev/") || !a.Known && !strings.HasPrefix(a.Text, "-") {
			devs = append(devs, a)
		}
	}
	return devs
}

func matchDiskOverwrite(inv *guard.Invocation, host guard.Host) *guard.Finding {
	verb, devices := diskWriter(inv)
	if verb != "" && formatsOnly(inv.Program) {
		devices = append(devices, linkedDevices(inv, host)...)
	}
	for _, rd := range inv.Redirs {
		if rd.Writes() && rd.Fd != "0" {
			verb = "overwrite"
			devices = append(devices, rd.Target)
		}
	}
	var worst *guard.Finding
	for _, d := range devices {
		p := inv.Path(d.Value)
		if !d.Known && inv.Program != "dd" && inv.Program != "tee" && verb != "overwrite" {
			// mkfs "$DEV": the tool only takes devices, so an unknown one may be any disk.
			return guard.Found(guard.Confirm, "check the value first (echo "+d.Text+"; lsblk -f)",
				"would %s %s, a device guard cannot know (%s not known here)", verb, d.Text, strings.Join(d.Unknown, ", "))
		}
		if example := diskPatternMatch(p); d.Known && d.Glob && inv.Program != "dd" && example != "" {
			// wipefs -a /dev/sd[b-d]: no such disk here, but the pattern is for disks
			f := guard.Found(guard.Confirm, "name each disk you mean, after looking: lsblk -f; prefer /dev/disk/by-id/",
				"would %s every disk the pattern %s matches where it runs (such as %s): every partition and file on them is lost", verb, p, example)
			if worst == nil || f.Decision > worst.Decision {
				worst = f
			}
			continue
		}
		if !d.Known || !blockDevice(host, inv, p) {
			continue
		}
		hint := fmt.Sprintf("check which disk it is first: lsblk -f %s; findmnt -S %s; the device names can change between boots, prefer /dev/disk/by-id/", p, p)
		f := guard.Found(guard.Confirm, hint, "would %s the block device %s%s: every partition and file on it is lost", verb, p, inv.Where())
		if use := deviceUse(host, inv, p); use != "" {
			f = guard.Found(guard.Block, hint+"; stop what uses it first (umount, swapoff, vgchange -an, mdadm --stop) if this really is the disk",
				"would %s %s, which is in use (%s): this destroys live data", verb, p, use)
		}
		// Declared so that what is at risk says it: a disk cannot be
		// snapshotted, and nothing guard takes brings it back.
		f.Saving(guard.Backup{Kind: guard.BackupDisk, Paths: []string{p}})
		if worst == nil || f.Decision > worst.Decision {
			worst = f
		}
	}
	return worst
}

var sgdiskSpec = guard.OptSpec{ShortValue: "aAbcdEfhilmnNrRtTuUjM", LongValue: []string{"replicate", "delete", "new", "typecode", "change-name", "attributes", "partition-guid", "disk-guid", "load-backup", "backup", "info", "set-alignment", "transpose", "gpttombr", "hybrid", "move-second-header"}}

// hasLine reports whether text has a line that is word, spaces aside.
func hasLine(text, word string) bool {
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == word {
			return true
		}
	}
	return false
}

// readsPipeOrFile: the command's input is a pipe or a file, not a person.
func readsPipeOrFile(inv *guard.Invocation) bool {
	if len(inv.Stdin) > 0 {
		return true
	}
	for _, rd := range inv.Redirs {
		if rd.Op == "<" || rd.Input() {
			return true
		}
	}
	return false
}

// formatsOnly: programs whose operands are devices and nothing else, so
// that a link among them (disk -> /dev/sdb) is the disk it points to.
func formatsOnly(prog string) bool {
	return strings.HasPrefix(prog, "mkfs") || prog == "mke2fs" || prog == "mkswap" || prog == "mkdosfs" || prog == "mkntfs" || prog == "wipefs"
}

// linkedDevices returns the operands not named under /dev/ that are
// symbolic links leading there (mkfs -t xfs ./disk with disk -> /dev/sdb),
// judged as the device they resolve to.
func linkedDevices(inv *guard.Invocation, host guard.Host) []guard.Arg {
	if inv.Remote != "" {
		return nil
	}
	var devs []guard.Arg
	for _, a := range inv.Args {
		if !a.Known || strings.HasPrefix(a.Value, "-") || strings.HasPrefix(a.Value, "/dev/") {
			continue
		}
		p := inv.Path(a.Value)
		if target := linkMadeBefore(inv, p); strings.HasPrefix(target, "/dev/") {
			// ln -s /dev/sdb d && mkfs d: the link is made by the line itself
			devs = append(devs, guard.Arg{Text: a.Text, Value: target, Known: true})
			continue
		}
		if info, err := host.Lstat(p); err != nil || info.Mode()&fs.ModeSymlink == 0 {
			continue // not a link: an image file, a size, a filesystem type
		}
		if resolved, _ := guard.ResolvePath(host, p); strings.HasPrefix(resolved, "/dev/") {
			devs = append(devs, a) // the message names the link and what it is
		}
	}
	return devs
}

// linkMadeBefore returns where a symbolic link made at p by an earlier
// command of the line (ln -s TARGET p) leads, "" when none is.
func linkMadeBefore(inv *guard.Invocation, p string) string {
	target := ""
	inv.RanBefore(func(b *guard.Invocation) bool {
		if b.Program != "ln" {
			return true
		}
		o := guard.ParseOptions(b.Args, guard.OptSpec{ShortValue: "St", LongValue: []string{"suffix", "target-directory"}})
		if !o.Has("s", "symbolic") || len(o.Operands) != 2 || !o.Operands[0].Known || !o.Operands[1].Known || b.Path(o.Operands[1].Value) != p {
			return true
		}
		target = o.Operands[0].Value
		if !strings.HasPrefix(target, "/") {
			target = path.Join(path.Dir(p), target)
		}
		return false // the latest link made there is the one that counts
	})
	return target
}

// tarWritesArchive returns the archive tar creates or appends to (-f,
// --file), in the bundled (-czf X), long (--file=X) and old (czf X)
// spellings: tar -cf /dev/sdb /srv writes over the disk, as a tape drive
// is written (a tape is a character device, not a disk).
func tarWritesArchive(args []guard.Arg) (guard.Arg, bool) {
	writes := false
	var archive guard.Arg
	found := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		if !a.Known {
			continue
		}
		switch {
		case v == "--":
			i = len(args)
		case strings.HasPrefix(v, "--"):
			name, value, hasValue := strings.Cut(v[2:], "=")
			switch name {
			case "create", "append", "update", "catenate", "concatenate":
				writes = true
			case "file":
				if hasValue {
					archive, found = guard.Arg{Text: a.Text, Value: value, Known: true}, true
				} else if i+1 < len(args) {
					i++
					archive, found = args[i], true
				}
			}
		case strings.HasPrefix(v, "-") || i == 0 && v != "" && strings.Trim(v, "crtuxAzjJvpfHaWkmOPSZ") == "":
			// a bundle of short options; tar's old form (czf X) has no dash
			letters := strings.TrimPrefix(v, "-")
			for j, c := range letters {
				switch c {
				case 'c', 'r', 'u', 'A':
					writes = true
				case 'f':
					if rest := letters[j+1:]; rest != "" && strings.HasPrefix(v, "-") {
						archive, found = guard.Arg{Text: a.Text, Value: rest, Known: true}, true
					} else if i+1 < len(args) {
						i++
						archive, found = args[i], true
					}
				}
				if c == 'f' {
					break
				}
			}
		}
	}
	return archive, writes && found
}
