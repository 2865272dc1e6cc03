package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// The storage layer under the filesystems: md arrays, device-mapper
// tables, LVM sizes and moves, btrfs devices, network block devices and
// LUKS key slots. What is in use is read from the host, as the disk rule
// does: mounts, /sys/class/block/*/holders and /proc/mdstat.
func storageRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "md-array-destroy",
			Programs:   []string{"mdadm"},
			Decision:   guard.Confirm,
			Summary:    "mdadm --stop, --zero-superblock, --create over members, --fail/--remove of a working member (block when in use or the array is degraded)",
			Postmortem: "a common failure mode of RAID recovery: mdadm --create or --zero-superblock over the members of an array",
			Machine:    true,
			Match:      matchMdadm,
		},
		{
			ID:         "dm-remove",
			Programs:   []string{"dmsetup"},
			Decision:   guard.Confirm,
			Summary:    "dmsetup remove, remove_all or wipe_table of device-mapper devices (block when mounted or held)",
			Postmortem: "a common failure mode: dmsetup remove --force or wipe_table under a mounted filesystem",
			Machine:    true,
			Match:      matchDmsetup,
		},
		{
			ID:         "lv-shrink",
			Programs:   []string{"lvreduce", "lvresize"},
			Decision:   guard.Confirm,
			Summary:    "lvreduce or lvresize -L -SIZE without --resizefs: the end of the filesystem is cut off (block when mounted)",
			Postmortem: "a common failure mode: lvreduce run before the filesystem was shrunk",
			Machine:    true,
			Match:      matchLvShrink,
		},
		{
			ID:         "pvmove-running",
			Programs:   []string{"pvmove"},
			Decision:   guard.Warn,
			Summary:    "pvmove moves every extent off a disk while the volumes stay in use: long, and must be resumed if interrupted",
			Postmortem: "a common failure mode: pvmove interrupted with the SSH session that ran it",
			Machine:    true,
			Match:      matchPvmove,
		},
		{
			ID:         "btrfs-device-remove",
			Programs:   []string{"btrfs", "btrfsck"},
			Decision:   guard.Confirm,
			Summary:    "btrfs device remove (relocates every chunk, may leave the filesystem degraded) and btrfs check --repair",
			Postmortem: "a common failure mode; the btrfs-check manual warns against --repair without a developer's advice",
			Machine:    true,
			Match:      matchBtrfs,
		},
		{
			ID:         "nbd-disconnect",
			Programs:   []string{"nbd-client", "qemu-nbd"},
			Decision:   guard.Block,
			Summary:    "nbd-client -d or qemu-nbd -d of a network block device that is mounted or held",
			Postmortem: "a common failure mode: a network block device disconnected under a mounted filesystem",
			Machine:    true,
			Match:      matchNbdDisconnect,
		},
		{
			ID:         "luks-key-remove",
			Programs:   []string{"cryptsetup"},
			Decision:   guard.Confirm,
			Summary:    "cryptsetup luksKillSlot, luksRemoveKey or luksHeaderRestore: with the last key slot gone, the data is gone",
			Postmortem: "a common failure mode: the last LUKS key slot removed while rotating keys",
			Machine:    true,
			Match:      matchLuksKeyRemove,
		},
		{
			ID:         "ceph-data-delete",
			Programs:   []string{"ceph", "rados", "rbd", "cephadm"},
			Decision:   guard.Confirm,
			Summary:    "ceph osd pool delete/rm, ceph fs rm, ceph osd purge/destroy, rados purge/rmpool, rbd rm/trash purge/snap purge, cephadm rm-cluster: a pool, filesystem, OSD, image or the cluster's data deleted",
			Postmortem: "a common failure mode: a Ceph pool deleted with --yes-i-really-really-mean-it on the wrong cluster, every image in it gone",
			Match:      matchCephDelete,
		},
		{
			ID:         "fstab-entry-removed",
			Programs:   []string{"sed", "gsed"},
			Decision:   guard.Confirm,
			Summary:    "sed -i deleting mount lines from /etc/fstab (/home, /var, /boot, a data disk; warn for swap): the next boot does not mount them, services write into the root filesystem instead, and / without its line may stay read-only; a line commented out, or one that is not a mount, passes",
			Postmortem: "sed -i '/home/d' /etc/fstab meant to drop an old NFS share: it took the local /home line too, and after the next reboot every user's home folder was an empty directory on the root filesystem",
			Machine:    true,
			Match:      matchFstabEntryRemoved,
		},
	}
}

// fstabProbe stands for an /etc/fstab guard cannot read or that lists no
// mount (a container, another host): the lines a host usually has, so
// that a script written against them deletes what it would delete there.
const fstabProbe = "UUID=0a1b / ext4 errors=remount-ro 0 1\nUUID=2c3d /boot ext4 defaults 0 2\nUUID=4e5f /home ext4 defaults 0 2\nUUID=6a7b /var ext4 defaults 0 2\n/dev/sdb1 /data xfs defaults 0 2\n/swap.img none swap sw 0 0\n"

// fstabMounts lists the mount points of an fstab's lines, in order.
func fstabMounts(text string) []string {
	var dirs []string
	for line := range strings.SplitSeq(text, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && !strings.HasPrefix(f[0], "#") {
			dirs = append(dirs, f[1])
		}
	}
	return dirs
}

func matchFstabEntryRemoved(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if !guard.ParseOptions(inv.Args, sedSpec).Has("i", "in-place") {
		return nil
	}
	files, edit := guard.SedEdit(inv.Args)
	if edit == nil || !slices.ContainsFunc(files, func(f guard.Arg) bool { return f.Known && inv.Path(f.Value) == "/etc/fstab" }) {
		return nil
	}
	content := fstabProbe
	if inv.Remote == "" {
		if data, err := host.ReadFile("/etc/fstab", 1<<20); err == nil && len(fstabMounts(string(data))) > 0 {
			content = string(data)
		}
	}
	out, ok := edit(content)
	if !ok {
		return nil
	}
	after := out
	var gone []string
	swapOnly := true
	for _, dir := range fstabMounts(content) {
		if slices.Contains(fstabMounts(after), dir) || strings.Contains(after, "#") && commentedMount(after, dir) {
			continue
		}
		gone = append(gone, dir)
		swapOnly = swapOnly && (dir == "none" || dir == "swap")
	}
	if len(gone) == 0 {
		return nil
	}
	hint := "comment the line out instead (sed -i '\\|" + gone[0] + "|s|^|#|' /etc/fstab), and check before the next boot: findmnt --verify; keep a copy: cp /etc/fstab /etc/fstab.bak"
	if swapOnly {
		return guard.Found(guard.Warn, hint,
			"would delete the swap line of /etc/fstab%s: the next boot starts without swap", inv.Where())
	}
	return guard.Found(guard.Confirm, hint,
		"would delete the line for %s from /etc/fstab%s: the next boot does not mount it, so services and users write into an empty folder on the root filesystem (and / without its line may stay read-only); the line is not kept anywhere",
		strings.Join(gone, ", "), inv.Where()).
		Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{"/etc/fstab"}, Overwrite: true})
}

// commentedMount: text still holds a line for dir, commented out.
func commentedMount(text, dir string) bool {
	for line := range strings.SplitSeq(text, "\n") {
		if f := strings.Fields(strings.TrimLeft(strings.TrimSpace(line), "# ")); strings.HasPrefix(strings.TrimSpace(line), "#") && len(f) >= 2 && f[1] == dir {
			return true
		}
	}
	return false
}

// cephSpec: the global options of ceph, rados and rbd that take a value.
var cephSpec = guard.OptSpec{
	ShortValue: "cnkpi",
	LongValue:  []string{"conf", "cluster", "name", "id", "keyring", "pool", "image", "namespace", "fsid", "mon-host", "format", "snap", "object-size", "size"},
}

// cephDeletes maps the words a Ceph command starts with (after its
// options) to what it would delete; "" where the next operand names it.
var cephDeletes = map[string]string{
	"ceph osd pool delete": "the Ceph pool %s with every object and image in it",
	"ceph osd pool rm":     "the Ceph pool %s with every object and image in it",
	"ceph fs rm":           "the CephFS filesystem %s (its pools stay, but the filesystem's metadata is gone)",
	"ceph fs volume rm":    "the CephFS volume %s with its pools and every file in it",
	"ceph osd purge":       "OSD %s from the cluster map, with its auth key and CRUSH entry",
	"ceph osd destroy":     "OSD %s's keys and its data's identity",
	"rados purge":          "every object in the pool %s",
	"rados rmpool":         "the Ceph pool %s with every object in it",
	"rbd rm":               "the RBD image %s with every block of it",
	"rbd remove":           "the RBD image %s with every block of it",
	"rbd trash purge":      "every image in the RBD trash of %s",
	"rbd snap purge":       "every snapshot of the RBD image %s",
	"cephadm rm-cluster":   "every daemon and the data of the Ceph cluster %s on this host",
}

func matchCephDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	ops := operandValues(guard.ParseOptions(inv.Args, cephSpec).Operands)
	for n := 3; n >= 1; n-- {
		if len(ops) < n {
			continue
		}
		what, ok := cephDeletes[inv.Program+" "+strings.Join(ops[:n], " ")]
		if !ok {
			continue
		}
		name := "named on the line"
		if len(ops) > n {
			name = ops[n]
		} else if inv.Program == "cephadm" {
			name = "whose --fsid is given"
		} else if v, ok := guard.ParseOptions(inv.Args, cephSpec).Value("p", "pool", "image"); ok {
			name = v.Value
		}
		return guard.Found(guard.Confirm,
			"check which cluster this is first (ceph -s, ceph fsid, rbd ls POOL); Ceph has no undo for a deleted pool or image (rbd trash mv keeps an image for a while)",
			"would delete "+what+": no undo", name)
	}
	return nil
}

// storageHint is the look-before-you-leap every storage finding carries.
const storageHint = "look first: lsblk -f; findmnt; cat /proc/mdstat; dmsetup ls --tree"

// mdadmValueOptions are mdadm's options that take the next word as their
// value (the same letter means different things in different modes, so
// only the unambiguous ones are read).
var mdadmValueOptions = map[string]bool{
	"-l": true, "--level": true, "-n": true, "--raid-devices": true, "-x": true, "--spare-devices": true,
	"-c": true, "--chunk": true, "-e": true, "--metadata": true, "-N": true, "--name": true,
	"-b": true, "--bitmap": true, "-z": true, "--size": true, "-p": true, "--layout": true,
	"--homehost": true, "-u": true, "--uuid": true, "--config": true, "-m": true, "--super-minor": true,
	"--backup-file": true, "-U": true, "--update": true, "--array-size": true, "--write-journal": true,
	"--consistency-policy": true, "--bitmap-chunk": true, "--with": true, "--auto": true,
}

// mdadmCall is an mdadm command line read by what it does to which device.
type mdadmCall struct {
	mode    string // create, build, stop, zero, manage, or "" (detail, examine, assemble…)
	scan    bool
	array   string   // the array named first (create, manage)
	actions []mdWork // manage mode: what is done to which member
	devices []string // create members, stop arrays, zero-superblock devices
}

type mdWork struct{ verb, device string }

func readMdadm(inv *guard.Invocation) mdadmCall {
	var c mdadmCall
	verb := ""
	for i := 0; i < len(inv.Args); i++ {
		a := inv.Args[i]
		v := a.Value
		name, _, attached := strings.Cut(v, "=")
		switch {
		case name == "--create" || v == "-C":
			c.mode = "create"
		case name == "--build" || v == "-B":
			c.mode = "build"
		case v == "--stop" || v == "-S":
			c.mode = "stop"
		case v == "-Ss":
			c.mode, c.scan = "stop", true
		case v == "--zero-superblock":
			c.mode = "zero"
		case v == "--manage":
			c.mode = "manage"
		case v == "--scan" || v == "-s":
			c.scan = true
		case v == "--fail" || v == "--set-faulty" || v == "-f" && c.mode != "create" && c.mode != "build":
			verb = "fail"
		case v == "--remove" || v == "-r":
			verb = "remove"
		case v == "--add" || v == "-a" && c.mode != "create" && c.mode != "build" || v == "--re-add" || v == "--add-spare":
			verb = "add"
		case v == "--replace":
			verb = "fail"
		case mdadmValueOptions[name] && !attached:
			i++ // its value
		case strings.HasPrefix(v, "-"):
		default:
			p := inv.Path(v)
			if !a.Known || p == "" {
				p = v
			}
			switch {
			case c.array == "" && (c.mode == "create" || c.mode == "build" || c.mode == "" && i == 0 || c.mode == "manage"):
				c.array = p
				if c.mode == "" {
					c.mode = "manage"
				}
			case c.mode == "manage" && (v == "failed" || v == "detached" || v == "faulty"):
				// --remove failed: the members the kernel already dropped
			case c.mode == "manage" && verb != "":
				c.actions = append(c.actions, mdWork{verb, p})
			default:
				c.devices = append(c.devices, p)
			}
		}
	}
	return c
}

func matchMdadm(inv *guard.Invocation, host guard.Host) *guard.Finding {
	c := readMdadm(inv)
	switch c.mode {
	case "stop":
		if len(c.devices) == 0 && c.scan {
			return guard.Found(guard.Confirm, "stop the one array you mean: mdadm --stop /dev/mdN, after "+storageHint,
				"would stop every md array on %s that is not in use: whatever reads them (VMs, exports, databases on raw devices) loses its disks", guard.HostName(inv, host))
		}
		return worstOf(c.devices, func(array string) *guard.Finding {
			if use := deviceUse(host, inv, array); use != "" {
				return guard.Found(guard.Block, "stop what uses it first (umount, vgchange -an), then mdadm --stop "+array,
					"would stop the array %s while it is in use (%s)", array, use)
			}
			return guard.Found(guard.Confirm, "check nothing reads it: "+storageHint+"; mdadm --assemble "+array+" brings it back",
				"would stop the array %s%s: every disk, volume or export on it goes away until it is assembled again", array, inv.Where())
		})
	case "zero":
		return worstOf(c.devices, func(dev string) *guard.Finding {
			hint := "check which array it belongs to first: mdadm --examine " + dev + "; cat /proc/mdstat"
			if use := deviceUse(host, inv, dev); use != "" {
				return guard.Found(guard.Block, hint, "would erase the RAID superblock of %s, which is in use (%s): the array can no longer be assembled with it", dev, use)
			}
			return guard.Found(guard.Confirm, hint, "would erase the RAID superblock of %s%s: the array it belonged to can no longer be assembled from it (no undo)", dev, inv.Where())
		})
	case "create", "build":
		members := c.devices
		return worstOf(members, func(dev string) *guard.Finding {
			hint := "check the members first: mdadm --examine " + strings.Join(members, " ") + "; to bring an existing array back use mdadm --assemble, never --create"
			if use := deviceUse(host, inv, dev); use != "" {
				return guard.Found(guard.Block, hint, "would write a new array's superblock over %s, which is in use (%s)", dev, use)
			}
			return guard.Found(guard.Confirm, hint, "would create %s over %s%s: new superblocks are written, and a resync overwrites what the members held",
				c.array, strings.Join(members, ", "), inv.Where())
		})
	case "manage":
		return mdManage(inv, host, c)
	}
	return nil
}

// mdManage judges --fail and --remove of members: a failed member is
// removed routinely; a working one leaves the array without redundancy,
// and in a degraded array without its data.
func mdManage(inv *guard.Invocation, host guard.Host, c mdadmCall) *guard.Finding {
	var worst *guard.Finding
	lost := map[string]bool{} // members failed or removed earlier in the same command
	for _, w := range c.actions {
		var f *guard.Finding
		switch w.verb {
		case "add":
			if use := deviceUse(host, inv, w.device); use != "" && !strings.Contains(use, filepath.Base(c.array)) {
				f = guard.Found(guard.Block, "add a disk that nothing uses: "+storageHint,
					"would write %s's superblock over %s, which is in use (%s)", c.array, w.device, use)
			}
		case "fail", "remove":
			f = mdMemberLoss(inv, host, c.array, w, lost)
			lost[filepath.Base(resolvedDev(host, w.device))] = true
		}
		if f != nil && (worst == nil || f.Decision > worst.Decision) {
			worst = f
		}
	}
	return worst
}

func mdMemberLoss(inv *guard.Invocation, host guard.Host, arrayPath string, w mdWork, lost map[string]bool) *guard.Finding {
	hint := "check the array first: mdadm --detail " + arrayPath + "; fail a member only once its replacement is ready (mdadm " + arrayPath + " --replace DEV --with NEW)"
	if inv.Remote != "" {
		return guard.Found(guard.Confirm, hint, "would %s %s of %s on %s, whose state guard cannot see from here", w.verb, w.device, arrayPath, inv.Remote)
	}
	arrays := readMdstat(host)
	arrayName := filepath.Base(resolvedDev(host, arrayPath))
	member := filepath.Base(resolvedDev(host, w.device))
	for _, a := range arrays {
		if a.name != arrayName {
			continue
		}
		working := 0
		var m *mdMember
		for i := range a.members {
			if !a.members[i].failed && !a.members[i].spare && !lost[a.members[i].name] {
				working++
			}
			if a.members[i].name == member {
				m = &a.members[i]
			}
		}
		switch {
		case m == nil || m.failed || m.spare || lost[m.name]:
			return nil // removing a failed disk or a spare is the routine repair
		case a.degraded || working <= 1:
			return guard.Found(guard.Block, hint,
				"would %s %s, a working member of %s, which is already degraded: the array loses the data that has no other copy", w.verb, w.device, arrayPath)
		}
		return guard.Found(guard.Confirm, hint,
			"would %s %s, a working member of %s: the array runs without redundancy until a new disk is added and resynced", w.verb, w.device, arrayPath)
	}
	return guard.Found(guard.Confirm, hint,
		"would %s %s of %s, and guard could not read the array's state in /proc/mdstat: if it is a working member, redundancy is lost", w.verb, w.device, arrayPath)
}

func resolvedDev(host guard.Host, p string) string {
	r, _ := guard.ResolvePath(host, p)
	return r
}

// worstOf applies judge to each item and keeps the most severe finding.
func worstOf(items []string, judge func(string) *guard.Finding) *guard.Finding {
	var worst *guard.Finding
	for _, item := range items {
		if f := judge(item); f != nil && (worst == nil || f.Decision > worst.Decision) {
			worst = f
		}
	}
	return worst
}

var dmsetupSpec = guard.OptSpec{ShortValue: "jmuUoy", LongValue: []string{"major", "minor", "uuid", "table", "udevcookie", "options", "readahead", "target", "columns", "count", "interval", "select", "sort", "separator", "checks", "manglename"}}

func matchDmsetup(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, dmsetupSpec)
	ops := p.Operands
	if len(ops) == 0 {
		return nil
	}
	force := p.Has("f", "force")
	hint := "for a logical volume use lvchange -an VG/LV, for LUKS cryptsetup close NAME; " + storageHint
	switch ops[0].Value {
	case "remove_all":
		if force && dmMounted(host, inv) != "" {
			return guard.Found(guard.Block, hint,
				"would replace every device-mapper table with one that fails all I/O, and %s: the mounted filesystems on them break", dmMounted(host, inv))
		}
		return guard.Found(guard.Confirm, hint,
			"would remove every device-mapper device on %s that is not open: logical volumes, LUKS and multipath mappings vanish until reactivated", guard.HostName(inv, host))
	case "remove", "wipe_table":
		var names []string
		for _, o := range ops[1:] {
			names = append(names, o.Value)
		}
		return worstOf(names, func(name string) *guard.Finding {
			dev := name
			if !strings.HasPrefix(dev, "/dev/") {
				dev = "/dev/mapper/" + name
			}
			effect := "removes the mapping"
			if ops[0].Value == "wipe_table" || force {
				effect = "replaces the mapping with one that fails every read and write"
			}
			if use := deviceUse(host, inv, dev); use != "" {
				return guard.Found(guard.Block, hint, "would %s %s, which is in use (%s): the filesystem on it breaks and unwritten data is lost", ops[0].Value, dev, use)
			}
			return guard.Found(guard.Confirm, hint, "would %s %s%s: dmsetup %s, bypassing LVM and cryptsetup, which then no longer agree with the kernel", ops[0].Value, dev, inv.Where(), effect)
		})
	}
	return nil
}

// dmMounted names a mounted device-mapper device, "" when none is.
func dmMounted(host guard.Host, inv *guard.Invocation) string {
	if inv.Remote != "" {
		return ""
	}
	for _, m := range host.Mounts() {
		if strings.HasPrefix(m.Source, "/dev/mapper/") || strings.HasPrefix(m.Source, "/dev/dm-") {
			return fmt.Sprintf("%s is mounted on %s", m.Source, m.Dir)
		}
	}
	return ""
}

// lvResizeSpec: for lvreduce and lvresize, -r is --resizefs, a flag.
var lvResizeSpec = guard.OptSpec{
	ShortValue: "LlAiI",
	LongValue:  []string{"size", "extents", "fs", "fsmode", "autobackup", "config", "commandprofile", "reportformat", "type", "stripes", "stripesize", "alloc", "poolmetadatasize", "profile", "driverloaded", "lockopt"},
}

func matchLvShrink(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, lvResizeSpec)
	if p.Has("r", "resizefs") || len(p.Operands) == 0 {
		return nil
	}
	if fs, ok := p.Value("fs"); ok && strings.HasPrefix(fs.Value, "resize") {
		return nil
	}
	size, hasSize := p.Value("L", "size", "l", "extents")
	shrinks := inv.Program == "lvreduce" || hasSize && strings.HasPrefix(size.Value, "-")
	lv := p.Operands[0].Value
	dev := "/dev/" + lvName(lv)
	if strings.HasPrefix(lv, "/dev/") {
		dev = lv
	}
	hint := fmt.Sprintf("let LVM shrink the filesystem first: %s -r %s (or resize2fs the filesystem below the new size, then reduce); XFS cannot shrink at all", inv.Program, strings.Join(operandValues(inv.Args), " "))
	if !shrinks {
		if hasSize && !strings.HasPrefix(size.Value, "+") {
			return guard.Found(guard.Warn, hint, "sets %s to %s: if that is below its current size (lvs %s), the end of its filesystem is cut off", lvName(lv), size.Value, lvName(lv))
		}
		return nil
	}
	if use := deviceUse(host, inv, dev); use != "" {
		return guard.Found(guard.Block, hint, "would shrink %s under its filesystem while it is in use (%s): the blocks past the new end are cut off and the filesystem is corrupted", lvName(lv), use)
	}
	return guard.Found(guard.Confirm, hint,
		"would shrink %s%s without resizing its filesystem: unless the filesystem was shrunk to fit first, its end is cut off", lvName(lv), inv.Where())
}

func matchPvmove(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "inA", LongValue: []string{"name", "alloc", "interval", "autobackup"}})
	if p.Has("abort") || len(p.Operands) == 0 {
		return nil
	}
	return guard.Found(guard.Warn,
		"run it inside tmux or screen (or with -b); if it stops, pvmove with no arguments resumes it, pvmove --abort rolls back",
		"would move every extent off %s while the volumes on it stay in use: it takes long, and an interrupted move must be resumed before anything else changes the volume group",
		p.Operands[0].Value)
}

// abbreviates: btrfs accepts any unambiguous prefix of a command word
// (btrfs dev rem, btrfs fi sh).
func abbreviates(word, full string, shortest int) bool {
	return len(word) >= shortest && strings.HasPrefix(full, word)
}

func matchBtrfs(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "s", LongValue: []string{"super", "subvol-extents", "tree-root", "chunk-root", "mode"}})
	ops := operandValues(p.Operands)
	if inv.Program == "btrfsck" {
		ops = append([]string{"check"}, ops...)
	}
	if len(ops) < 2 {
		return nil
	}
	switch {
	case abbreviates(ops[0], "device", 2) && (abbreviates(ops[1], "remove", 3) || abbreviates(ops[1], "delete", 3)):
		devices, mnt := ops[2:len(ops)-1], ops[len(ops)-1]
		return guard.Found(guard.Confirm, "check there is room and redundancy first: btrfs filesystem usage "+mnt+"; to swap a disk, btrfs replace start OLD NEW "+mnt+" keeps redundancy all along",
			"would move every chunk off %s onto the other devices of the btrfs mounted on %s: it takes hours, and without enough free space or redundancy it fails midway or leaves the filesystem degraded",
			strings.Join(devices, ", "), mnt)
	case ops[0] == "check" && p.Has("repair"):
		dev := inv.Path(ops[len(ops)-1])
		if _, mounted := mountedFrom(host, inv, dev); mounted {
			return nil // fsck-mounted blocks it
		}
		return guard.Found(guard.Confirm, "try the safe paths first: btrfs check (read-only), mount -o ro,rescue=usebackuproot, btrfs restore to copy the files out; use --repair only when a btrfs developer asks for it",
			"would rewrite the metadata of %s with btrfs check --repair, which its documentation warns can make the damage worse", ops[len(ops)-1])
	}
	return nil
}

func matchNbdDisconnect(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "bNptcCAPfkoIl", LongValue: []string{"port", "name", "block-size", "timeout", "connections", "format", "cache", "aio", "socket", "bind", "persistent"}})
	if !p.Has("d", "disconnect") {
		return nil
	}
	for _, d := range devOperands(inv.Args) {
		dev := inv.Path(d.Value)
		if use := deviceUse(host, inv, dev); use != "" {
			return guard.Found(guard.Block, "unmount it first (findmnt -S "+dev+"; umount), then disconnect",
				"would disconnect %s, which is in use (%s): the filesystem loses its disk, and writes not yet sent are lost", dev, use)
		}
	}
	return nil
}

func matchLuksKeyRemove(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, cryptsetupSpec)
	ops := operandValues(p.Operands)
	if len(ops) < 2 {
		return nil
	}
	action, dev := ops[0], ops[1]
	hint := "check which slots hold keys first: cryptsetup luksDump " + dev + "; keep a header backup: cryptsetup luksHeaderBackup " + dev + " --header-backup-file FILE"
	switch action {
	case "luksKillSlot":
		slot := "a key slot"
		if len(ops) > 2 {
			slot = "key slot " + ops[2]
		}
		return guard.Found(guard.Confirm, hint, "would wipe %s of %s%s: if it holds the last working key (or the one you know), the data can never be decrypted again", slot, dev, inv.Where())
	case "luksRemoveKey":
		return guard.Found(guard.Confirm, hint, "would remove a key of %s%s: if it is the last one, the data can never be decrypted again", dev, inv.Where())
	case "luksHeaderRestore":
		return guard.Found(guard.Confirm, hint, "would replace the LUKS header of %s%s with the backup's: keys added since the backup stop working, and a header of another volume locks this one", dev, inv.Where())
	}
	return nil
}

var cryptsetupSpec = guard.OptSpec{
	ShortValue: "cdhsSlIiTtboM",
	LongValue:  []string{"cipher", "key-file", "hash", "key-size", "key-slot", "new-keyfile", "keyfile-size", "keyfile-offset", "header", "header-backup-file", "iter-time", "pbkdf", "type", "label", "subsystem", "uuid", "offset", "skip", "timeout", "tries", "master-key-file", "volume-key-file", "token-id", "luks2-metadata-size", "luks2-keyslots-size", "sector-size", "integrity", "debug-json"},
}
