package rules

import (
	"github.com/guard-sh/guard/guard"
)

func fsckRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "fsck-mounted",
		Programs:   []string{"fsck", "fsck.*", "e2fsck", "xfs_repair", "btrfsck", "btrfs"},
		Decision:   guard.Block,
		Summary:    "fsck or xfs_repair on a mounted filesystem",
		Postmortem: "e2fsck run on a mounted root filesystem corrupted it further",
		Match:      matchFsckMounted,
	}}
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
