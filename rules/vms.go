package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

// Virtual machines and system containers whose disks their manager
// deletes with them: Proxmox (qm, pct), libvirt (virsh), LXD and Incus
// (lxc, incus), LXC (lxc-destroy) and multipass.
func vmsRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "vm-destroy",
		Programs:   []string{"qm", "pct", "virsh", "lxc", "incus", "lxc-destroy", "multipass"},
		Decision:   guard.Confirm,
		Summary:    "qm destroy, pct destroy, virsh undefine with its storage, lxc/incus delete, lxc-destroy, multipass delete --purge: a VM or system container deleted with its disks",
		Postmortem: "qm destroy of the wrong VMID on a Proxmox node: the VM's disks went with its configuration, and the last backup was a week old",
		Match:      matchVMDestroy,
	}}
}

// vmDestroySubcommands: for each manager, the subcommand that deletes a
// guest with its disks.
var vmDestroySubcommands = map[string]string{"qm": "destroy", "pct": "destroy", "lxc": "delete", "incus": "delete", "multipass": "delete"}

func matchVMDestroy(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "nc", LongValue: []string{"name", "project", "remote", "skiplock", "storage", "connect"}})
	ops := p.Operands
	guest := ""
	switch inv.Program {
	case "lxc-destroy":
		if n, ok := p.Value("n", "name"); ok {
			guest = n.Text
		}
	case "virsh":
		// undefine keeps the disks unless told to remove them
		if len(ops) < 2 || ops[0].Value != "undefine" || !p.Has("remove-all-storage", "storage", "wipe-storage") {
			return nil
		}
		guest = ops[1].Text
	case "multipass":
		if len(ops) < 2 || ops[0].Value != "delete" || !p.Has("purge", "p") {
			return nil // without --purge a deleted instance can be recovered
		}
		guest = strings.Join(texts(ops[1:]), " ")
	default:
		if len(ops) < 2 || ops[0].Value != vmDestroySubcommands[inv.Program] {
			return nil
		}
		guest = strings.Join(texts(ops[1:]), " ")
	}
	if guest == "" {
		guest = "the guest"
	}
	return guard.Found(guard.Confirm,
		"check which guest it is first ("+listCommand(inv.Program)+") and back it up (vzdump, virsh dumpxml plus a copy of its disks, lxc export); to stop it without deleting: "+stopCommand(inv.Program),
		"would delete %s%s together with its disks: there is no undo, only a backup brings it back", guest, inv.Where())
}

func texts(args []guard.Arg) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a.Text
	}
	return out
}

func listCommand(program string) string {
	switch program {
	case "qm":
		return "qm config VMID"
	case "pct":
		return "pct config CTID"
	case "virsh":
		return "virsh dominfo NAME; virsh domblklist NAME"
	case "multipass":
		return "multipass info NAME"
	}
	return program + " list"
}

func stopCommand(program string) string {
	switch program {
	case "qm", "pct":
		return program + " stop ID"
	case "virsh":
		return "virsh shutdown NAME, or virsh undefine NAME without --remove-all-storage (the disks stay)"
	case "lxc-destroy":
		return "lxc-stop -n NAME"
	}
	return program + " stop NAME"
}
