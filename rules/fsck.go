package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

func fsckRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "fsck-mounted",
		Programs:   []string{"fsck", "fsck.*", "e2fsck", "xfs_repair", "btrfsck", "btrfs"},
		Decision:   guard.Block,
		Summary:    "fsck or xfs_repair on a mounted filesystem",
		Postmortem: "e2fsck run on a mounted root filesystem corrupted it further",
		Machine:    true,
		Match:      matchFsckMounted,
	}, {
		ID:         "fs-journal-discard",
		Programs:   []string{"xfs_repair", "tune2fs"},
		Decision:   guard.Confirm,
		Summary:    "xfs_repair -L zeroes the log (its last metadata changes are lost); tune2fs -O ^has_journal removes the journal of an ext3/4 filesystem",
		Postmortem: "xfs_repair -L run first instead of mounting once to replay the log: recent files ended up in lost+found or were gone",
		Machine:    true,
		Match:      matchJournalDiscard,
	}}
}

func matchJournalDiscard(inv *guard.Invocation, host guard.Host) *guard.Finding {
	switch inv.Program {
	case "xfs_repair":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "lrmcoM"})
		if !p.Has("L") || p.Has("n") || len(p.Operands) == 0 {
			return nil
		}
		dev := p.Operands[len(p.Operands)-1].Value
		return guard.Found(guard.Confirm,
			"mount it once first (mount "+dev+" /mnt && umount /mnt) so the log is replayed; take an image of it (xfs_metadump "+dev+" meta.img) before -L",
			"would zero the log of %s: the metadata changes it still holds are thrown away, and files written last may end up in lost+found or be lost", dev)
	case "tune2fs":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "cCeEgiJLmMoOrTuUQIz"})
		removes := false
		for _, o := range p.Values("O") {
			for _, feature := range strings.Split(o.Value, ",") {
				if feature == "^has_journal" {
					removes = true
				}
			}
		}
		if !removes || len(p.Operands) == 0 {
			return nil
		}
		dev := p.Operands[len(p.Operands)-1].Value
		where := ""
		if m, ok := mountedFrom(host, inv, inv.Path(dev)); ok {
			where = ", which is mounted on " + m.Dir
		}
		return guard.Found(guard.Confirm,
			"run e2fsck -f "+dev+" first and keep the journal unless you mean it; tune2fs -O has_journal "+dev+" adds it back",
			"would remove the journal of %s%s: a crash or power loss afterwards can leave it needing a full fsck, with recent writes lost", dev, where)
	}
	return nil
}

func matchFsckMounted(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "tbBCjlLEz", LongValue: []string{"type"}})
	operands := p.Operands
	if inv.Program == "btrfs" {
		// btrfs check --repair DEV
		if len(operands) == 0 || operands[0].Value != "check" || !p.Has("repair") {
			return nil
		}
		operands = operands[1:]
	}
	for _, a := range operands {
		if !a.Known {
			continue
		}
		dev := inv.Path(a.Value)
		if m, ok := mountedFrom(host, inv, dev); ok {
			return guard.Found(guard.Block,
				"unmount it first (umount "+m.Dir+"), or check without changing anything: "+inv.Program+" -n "+a.Value+"; for / run the check at boot (fsck.mode=force on the kernel command line)",
				"would repair %s while it is mounted on %s: repairing a mounted filesystem corrupts it", m.Source, m.Dir)
		}
	}
	return nil
}
