package rules

import (
	"fmt"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func blockdevRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "disk-overwrite",
		Programs:   nil, // redirections into a disk can come from any program
		Decision:   guard.Confirm,
		Summary:    "dd of=/dev/…, mkfs, wipefs, sgdisk --zap-all, shred, blkdiscard or a redirection onto a disk (block when it is mounted)",
		Postmortem: "dd and mkfs run against the wrong disk; the classic one-letter mistake between sdb and sda",
		Match:      matchDiskOverwrite,
	}}
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
	case prog == "wipefs":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "otO", LongValue: []string{"offset", "types", "output", "backup"}})
		if p.Has("a", "all") || p.Has("o", "offset") {
			return "wipe the signatures of", devOperands(p.Operands)
		}
	case prog == "sgdisk":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{})
		if p.Has("Z", "zap-all", "z", "zap", "o", "clear") {
			return "erase the partition table of", devOperands(p.Operands)
		}
	case prog == "sfdisk":
		// Its listing modes (-l, -d, -J) are in inertForms.
		p := guard.ParseOptions(inv.Args, inertForms["sfdisk"].spec)
		return "rewrite the partition table of", devOperands(p.Operands)
	case prog == "parted":
		for _, a := range inv.Args {
			switch a.Value {
			case "mklabel", "mktable", "rm", "mkpart", "resizepart":
				return "change the partition table of", devOperands(inv.Args)
			}
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
	case prog == "tee":
		return "overwrite", devOperands(guard.ParseOptions(inv.Args, guard.OptSpec{}).Operands)
	}
	return "", nil
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
		if !d.Known || !blockDevice(host, inv, p) {
			continue
		}
		hint := fmt.Sprintf("check which disk it is first: lsblk -f %s; findmnt -S %s; the device names can change between boots, prefer /dev/disk/by-id/", p, p)
		f := guard.Found(guard.Confirm, hint, "would %s the block device %s%s: every partition and file on it is lost", verb, p, inv.Where())
		if m, ok := mountedFrom(host, inv, p); ok {
			f = guard.Found(guard.Block, hint+"; unmount it first if this really is the disk",
				"would %s %s, and %s on it is in use (mounted on %s): this destroys a live filesystem", verb, p, m.Source, m.Dir)
		}
		if worst == nil || f.Decision > worst.Decision {
			worst = f
		}
	}
	return worst
}
