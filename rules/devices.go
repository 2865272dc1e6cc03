package rules

import (
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// diskName matches the device nodes of disks and their partitions.
var diskName = regexp.MustCompile(`^/dev/((sd|hd|vd|xvd)[a-z]+[0-9]*|nvme[0-9]+n[0-9]+(p[0-9]+)?|mmcblk[0-9]+(p[0-9]+)?|md[0-9]+(p[0-9]+)?|md/.+|dm-[0-9]+|mapper/.+|disk/by-.+|loop[0-9]+(p[0-9]+)?|bcache[0-9]+|rbd[0-9]+|zd[0-9]+|nbd[0-9]+|sr[0-9]+)$`)

// notDisks are device paths that are safe to write.
var notDisks = map[string]bool{"/dev/null": true, "/dev/zero": true, "/dev/stdout": true, "/dev/stderr": true, "/dev/tty": true, "/dev/full": true}

// blockDevice tells whether p names a disk: by its name, or because the
// host says it is a block device.
func blockDevice(host guard.Host, inv *guard.Invocation, p string) bool {
	if p == "" || notDisks[p] {
		return false
	}
	if diskName.MatchString(p) {
		return true
	}
	if inv.Remote != "" {
		return false
	}
	resolved, _ := guard.ResolvePath(host, p)
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
