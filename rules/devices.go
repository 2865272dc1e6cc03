package rules

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/lazyre"
)

// diskName matches the device nodes of disks and their partitions.
var diskName = lazyre.New(`^/dev/((sd|hd|vd|xvd)[a-z]+[0-9]*|nvme[0-9]+n[0-9]+(p[0-9]+)?|mmcblk[0-9]+(p[0-9]+)?|md[0-9]+(p[0-9]+)?|md/.+|dm-[0-9]+|mapper/.+|disk/by-.+|loop[0-9]+(p[0-9]+)?|bcache[0-9]+|rbd[0-9]+|zd[0-9]+|nbd[0-9]+|sr[0-9]+|(ada|da|nvd|nda|vtbd|mfid|mmcsd|xbd)[0-9]+((p|s)[0-9]+[a-h]?)?)$`)

// notDisks are device paths that are safe to write.
var notDisks = map[string]bool{"/dev/null": true, "/dev/zero": true, "/dev/stdout": true, "/dev/stderr": true, "/dev/tty": true, "/dev/full": true}

// devDirsNotDisks are the folders of /dev that hold terminals, sockets,
// sound and other character devices, never a volume.
var devDirsNotDisks = map[string]bool{"pts": true, "fd": true, "shm": true, "mqueue": true, "snd": true, "input": true,
	"net": true, "bus": true, "dri": true, "cpu": true, "hugepages": true, "vfio": true, "usb": true, "char": true,
	"serial": true, "v4l": true, "hugepages-1G": true, "dma_heap": true}

// volumePath: /dev/VG/LV, the name LVM gives every logical volume (and
// /dev/zvol/POOL/VOL, ZFS's), which guard reads as a disk even when this
// host has no such volume (a line for another host, a volume not yet
// active).
func volumePath(p string) bool {
	rest, ok := strings.CutPrefix(p, "/dev/")
	if !ok {
		return false
	}
	dir, name, ok := strings.Cut(rest, "/")
	if dir == "zvol" {
		return ok && name != ""
	}
	return ok && dir != "" && name != "" && !strings.Contains(name, "/") && !devDirsNotDisks[dir] && !strings.HasPrefix(dir, ".")
}

// diskPatternMatch returns a disk name the pattern p matches (/dev/sd?,
// /dev/nvme[01]n1), tried against the usual names of disks and their
// first partitions, "" when it names none. A pattern that matches no file
// here is passed on as written, but the same line on a host with those
// disks takes each of them.
func diskPatternMatch(p string) string {
	dir, pattern := filepath.Split(p)
	if dir != "/dev/" || !strings.ContainsAny(pattern, "*?[") {
		return ""
	}
	var names []string
	for _, prefix := range []string{"sd", "vd", "xvd", "hd"} {
		for c := 'a'; c <= 'z'; c++ {
			names = append(names, prefix+string(c))
		}
	}
	for n := range 4 {
		names = append(names, fmt.Sprintf("nvme%dn1", n), fmt.Sprintf("mmcblk%d", n), fmt.Sprintf("md%d", n))
	}
	for _, name := range names {
		suffixes := []string{"", "1", "2", "p1", "p2"}
		for _, suffix := range suffixes {
			if ok, _ := filepath.Match(pattern, name+suffix); ok && diskName.MatchString("/dev/"+name+suffix) {
				return "/dev/" + name + suffix
			}
		}
	}
	return ""
}

// blockDevice tells whether p names a disk: by its name, or because the
// host says it is a block device.
func blockDevice(host guard.Host, inv *guard.Invocation, p string) bool {
	if p == "" || notDisks[p] {
		return false
	}
	if diskName.MatchString(p) || volumePath(p) {
		return true
	}
	if inv.Remote != "" {
		return false
	}
	resolved, _ := guard.ResolvePath(host, p)
	if resolved != p && !notDisks[resolved] && (diskName.MatchString(resolved) || volumePath(resolved)) {
		return true // a link to a disk's name: of=disk, disk -> /dev/sda
	}
	info, err := host.Lstat(resolved)
	return err == nil && info.Mode()&fs.ModeDevice != 0 && info.Mode()&fs.ModeCharDevice == 0
}

// mountedFrom returns a mount whose source is the device p or one of its
// partitions (sda1 of sda, nvme0n1p2 of nvme0n1), or whose directory is p.
func mountedFrom(host guard.Host, inv *guard.Invocation, p string) (guard.Mount, bool) {
	if inv.Remote != "" || p == "" {
		return guard.Mount{}, false
	}
	resolved, _ := guard.ResolvePath(host, p)
	for _, m := range host.Mounts() {
		src := m.Source
		if strings.HasPrefix(src, "/dev/") {
			src, _ = guard.ResolvePath(host, src)
		}
		for _, dev := range []string{p, resolved} {
			if src == dev || m.Source == dev || isPartitionOf(src, dev) || isPartitionOf(m.Source, dev) {
				return m, true
			}
		}
		if m.Dir == p && !strings.HasPrefix(p, "/dev/") {
			return m, true
		}
	}
	if swaps, err := host.ReadFile("/proc/swaps", 1<<16); err == nil {
		for _, line := range strings.Split(string(swaps), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) > 0 && (fields[0] == p || fields[0] == resolved || isPartitionOf(fields[0], p)) {
				return guard.Mount{Source: fields[0], Dir: "swap", FSType: "swap"}, true
			}
		}
	}
	return guard.Mount{}, false
}

func isPartitionOf(part, disk string) bool {
	rest, ok := strings.CutPrefix(part, disk)
	if !ok || rest == "" {
		return false
	}
	rest = strings.TrimPrefix(rest, "p")
	return rest != "" && strings.Trim(rest, "0123456789") == "" && filepath.Dir(part) == filepath.Dir(disk)
}

// deviceUse says why the block device p is in use, "" when guard sees no
// use: mounted (itself or a partition) or swap, held by another device
// (an LVM or crypt mapping, an md array: /sys/class/block/NAME/holders),
// or a member of an active md array (/proc/mdstat). Remote devices cannot
// be seen from here.
func deviceUse(host guard.Host, inv *guard.Invocation, p string) string {
	if inv.Remote != "" || p == "" {
		return ""
	}
	if m, ok := mountedFrom(host, inv, p); ok {
		if m.Dir == "swap" {
			return fmt.Sprintf("%s is in use as swap", m.Source)
		}
		return fmt.Sprintf("%s is mounted on %s", m.Source, m.Dir)
	}
	if m, ok := lvMounted(host, p); ok {
		return fmt.Sprintf("%s is mounted on %s", m.Source, m.Dir)
	}
	resolved, _ := guard.ResolvePath(host, p)
	name := filepath.Base(resolved)
	for _, dev := range withPartitions(host, name) {
		if holder := firstHolder(host, dev); holder != "" {
			return fmt.Sprintf("%s is held by %s", "/dev/"+dev, holder)
		}
	}
	for _, a := range readMdstat(host) {
		if !a.active {
			continue
		}
		for _, m := range a.members {
			if !m.failed && (m.name == name || isPartitionOf("/dev/"+m.name, "/dev/"+name)) {
				return fmt.Sprintf("/dev/%s is a member of the active array /dev/%s", m.name, a.name)
			}
		}
	}
	return ""
}

// lvMounted: a mount whose source names the same logical volume as p,
// however it is spelled (/dev/vg/lv, /dev/mapper/vg-lv).
func lvMounted(host guard.Host, p string) (guard.Mount, bool) {
	lv := lvName(p)
	if !strings.Contains(lv, "/") || strings.HasPrefix(lv, "disk/") || strings.HasPrefix(lv, "md/") {
		return guard.Mount{}, false
	}
	for _, m := range host.Mounts() {
		if strings.HasPrefix(m.Source, "/dev/") && lvName(m.Source) == lv {
			return m, true
		}
	}
	return guard.Mount{}, false
}

// maxSysEntries bounds the folders read under /sys.
const maxSysEntries = 4096

// withPartitions returns the block device name and its partitions' names,
// as /sys/class/block lists them.
func withPartitions(host guard.Host, name string) []string {
	names := []string{name}
	entries, _, err := host.ReadDir("/sys/class/block", maxSysEntries)
	if err != nil {
		return names
	}
	for _, e := range entries {
		if isPartitionOf("/dev/"+e.Name(), "/dev/"+name) {
			names = append(names, e.Name())
		}
	}
	return names
}

// firstHolder names what holds the device open through the kernel: a
// device-mapper mapping (by its name) or an md array.
func firstHolder(host guard.Host, name string) string {
	entries, _, err := host.ReadDir("/sys/class/block/"+name+"/holders", 64)
	if err != nil || len(entries) == 0 {
		return ""
	}
	holder := entries[0].Name()
	if strings.HasPrefix(holder, "dm-") {
		if data, err := host.ReadFile("/sys/class/block/"+holder+"/dm/name", 256); err == nil && len(strings.TrimSpace(string(data))) > 0 {
			return "/dev/mapper/" + strings.TrimSpace(string(data)) + " (" + holder + ")"
		}
	}
	if strings.HasPrefix(holder, "md") {
		return "the array /dev/" + holder
	}
	return "/dev/" + holder
}

// mdArray is one array of /proc/mdstat.
type mdArray struct {
	name     string // md0
	active   bool
	members  []mdMember
	degraded bool // fewer working members than the array has slots
}

type mdMember struct {
	name   string // sdb1
	failed bool   // (F)
	spare  bool   // (S)
}

// readMdstat parses /proc/mdstat, e.g.
//
//	md0 : active raid1 sdb1[1] sda1[0](F)
//	      1046528 blocks super 1.2 [2/1] [U_]
func readMdstat(host guard.Host) []mdArray {
	data, err := host.ReadFile("/proc/mdstat", 1<<20)
	if err != nil {
		return nil
	}
	var arrays []mdArray
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 3 && strings.HasPrefix(fields[0], "md") && fields[1] == ":" {
			a := mdArray{name: fields[0], active: fields[2] == "active"}
			for _, f := range fields[3:] {
				name, rest, ok := strings.Cut(f, "[")
				if !ok {
					continue // the level, or (auto-read-only)
				}
				a.members = append(a.members, mdMember{name: name, failed: strings.Contains(rest, "(F)"), spare: strings.Contains(rest, "(S)")})
			}
			arrays = append(arrays, a)
			continue
		}
		if len(arrays) == 0 {
			continue
		}
		for _, f := range fields {
			// [2/1]: two slots, one working.
			if slots, working, ok := strings.Cut(strings.Trim(f, "[]"), "/"); ok && strings.HasPrefix(f, "[") && slots != working && isDigits(slots) && isDigits(working) {
				arrays[len(arrays)-1].degraded = true
			}
		}
	}
	return arrays
}

func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
