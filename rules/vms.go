package rules

import (
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// Virtual machines and system containers whose disks their manager
// deletes with them: Proxmox (qm, pct), libvirt (virsh), LXD and Incus
// (lxc, incus), LXC (lxc-destroy) and multipass.
func vmsRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "vm-destroy",
		Programs:   []string{"qm", "pct", "virsh", "lxc", "incus", "lxc-destroy", "multipass", "VBoxManage", "vboxmanage", "vagrant", "govc", "prlctl", "xe", "limactl", "podman", "docker-machine"},
		Decision:   guard.Confirm,
		Summary:    "qm destroy, pct destroy, virsh undefine with its storage, virsh vol-delete/vol-wipe/pool-delete, lxc/incus delete, lxc-destroy, multipass delete --purge, VBoxManage unregistervm --delete, vagrant destroy -f, govc vm.destroy, prlctl delete, xe vm-uninstall force=true, limactl delete, podman machine rm -f, docker-machine rm -y, qm disk unlink --force: a VM or system container deleted with its disks; virsh destroy or reset and qm stop or reset, a hard power-off, warn",
		Postmortem: "qm destroy of the wrong VMID on a Proxmox node: the VM's disks went with its configuration, and the last backup was a week old",
		Match:      matchVMDestroy,
	}}
}

// vmDestroySubcommands: for each manager, the subcommand that deletes a
// guest with its disks.
var vmDestroySubcommands = map[string]string{"qm": "destroy", "pct": "destroy", "lxc": "delete", "incus": "delete", "multipass": "delete"}

func matchVMDestroy(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "nc", LongValue: []string{"name", "project", "remote", "skiplock", "storage", "connect", "pool", "idlist"}})
	ops := p.Operands
	guest := ""
	switch inv.Program {
	case "lxc-destroy":
		if n, ok := p.Value("n", "name"); ok {
			guest = n.Text
		}
	case "virsh":
		if len(ops) >= 2 && (ops[0].Value == "vol-delete" || ops[0].Value == "vol-wipe" || ops[0].Value == "pool-delete") {
			return virshStorageDelete(inv, p)
		}
		if len(ops) >= 2 && (ops[0].Value == "destroy" || ops[0].Value == "reset") {
			return hardPowerOff(inv, ops[0].Value, ops[1].Text, "virsh shutdown "+ops[1].Text)
		}
		// undefine keeps the disks unless told to remove them
		if len(ops) < 2 || ops[0].Value != "undefine" || !p.Has("remove-all-storage", "storage", "wipe-storage") {
			return nil
		}
		guest = ops[1].Text
	case "qm":
		if len(ops) >= 2 && ops[0].Value == "disk" && ops[1].Value == "unlink" || len(ops) >= 1 && ops[0].Value == "unlink" {
			return qmDiskUnlink(inv, p)
		}
		if len(ops) >= 2 && (ops[0].Value == "stop" || ops[0].Value == "reset") && !p.Has("overrule-shutdown") {
			return hardPowerOff(inv, "qm "+ops[0].Value, ops[1].Text, "qm shutdown "+ops[1].Text)
		}
		if len(ops) < 2 || ops[0].Value != "destroy" {
			return nil
		}
		guest = strings.Join(texts(ops[1:]), " ")
	case "multipass":
		if len(ops) < 1 || ops[0].Value != "delete" || !p.Has("purge", "p") {
			return nil // without --purge a deleted instance can be recovered
		}
		guest = strings.Join(texts(ops[1:]), " ")
		if p.Has("all") {
			guest = "every multipass instance"
		} else if guest == "" {
			return nil // multipass asks for a name
		}
	case "VBoxManage", "vboxmanage", "vagrant", "govc", "prlctl", "xe", "limactl", "podman", "docker-machine":
		return matchVMDelete(inv, p)
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

// hardPowerOff: virsh destroy, virsh reset, qm stop and qm reset cut a
// running guest's power at once, as pulling the plug does: its disks
// and definition stay, but writes it had not flushed are lost and its
// services stop without their shutdown. Said once: a stuck guest is what
// it is for.
func hardPowerOff(inv *guard.Invocation, action, guest, gentle string) *guard.Finding {
	return guard.Found(guard.Warn, "to stop it cleanly: "+gentle+" (its services stop in order); keep "+action+" for a guest that does not answer",
		"cuts the power of %s at once (%s)%s: its disks stay, but what it had not written is lost and its services stop without shutting down", guest, action, inv.Where())
}

// vmDelete is how one more VM manager deletes a guest with its disks:
// the subcommand words, and the options that skip the manager's own
// question (nil: it never asks) or that make it delete the disks.
type vmDelete struct {
	words []string
	// needs: one of these options must be there (--delete for VBoxManage
	// unregistervm, -f for vagrant destroy, which asks otherwise).
	needs []string
	look  string
	stop  string
}

var vmDeletes = map[string]vmDelete{
	"VBoxManage":     {words: []string{"unregistervm"}, needs: []string{"delete", "delete-all"}, look: "VBoxManage showvminfo NAME", stop: "VBoxManage controlvm NAME acpipowerbutton, or unregistervm without --delete (the disks stay)"},
	"vagrant":        {words: []string{"destroy"}, needs: []string{"f", "force"}, look: "vagrant status", stop: "vagrant halt"},
	"govc":           {words: []string{"vm.destroy"}, look: "govc vm.info NAME", stop: "govc vm.power -off NAME, or govc vm.unregister NAME (the disks stay)"},
	"prlctl":         {words: []string{"delete"}, look: "prlctl list -a", stop: "prlctl stop NAME"},
	"xe":             {words: []string{"vm-uninstall"}, needs: []string{"force=true"}, look: "xe vm-disk-list vm=NAME", stop: "xe vm-shutdown vm=NAME"},
	"limactl":        {words: []string{"delete"}, look: "limactl list", stop: "limactl stop NAME"},
	"podman":         {words: []string{"machine", "rm"}, needs: []string{"f", "force"}, look: "podman machine list", stop: "podman machine stop NAME"},
	"docker-machine": {words: []string{"rm"}, needs: []string{"y", "f", "force"}, look: "docker-machine ls", stop: "docker-machine stop NAME"},
}

// matchVMDelete judges the managers of vmDeletes: without the option
// that skips its question the manager asks itself, and passes here.
func matchVMDelete(inv *guard.Invocation, p guard.Parsed) *guard.Finding {
	program := inv.Program
	if program == "vboxmanage" {
		program = "VBoxManage"
	}
	d := vmDeletes[program]
	ops := p.Operands
	if len(ops) < len(d.words) {
		return nil
	}
	for i, w := range d.words {
		v := ops[i].Value
		if program == "limactl" && (v == "rm" || v == "remove") {
			v = "delete" // limactl's aliases
		}
		if v != w {
			return nil
		}
	}
	if d.needs != nil && !p.Has(d.needs...) && !slices.ContainsFunc(ops, func(a guard.Arg) bool { return slices.Contains(d.needs, strings.ToLower(a.Value)) }) {
		return nil // the manager asks, or keeps the disks
	}
	if p.Has("help", "h") {
		return nil
	}
	guest := strings.Join(texts(ops[len(d.words):]), " ")
	if guest == "" {
		guest = "the guest"
		if program == "vagrant" {
			guest = "every machine of this Vagrantfile"
		}
	}
	return guard.Found(guard.Confirm,
		"check which guest it is first ("+d.look+") and copy out what it holds; to stop it without deleting: "+d.stop,
		"would delete %s%s together with its disks: there is no undo, only a backup brings it back", guest, inv.Where())
}

// virshStorageDelete: vol-delete and vol-wipe destroy one disk image,
// pool-delete the storage under a whole pool.
func virshStorageDelete(inv *guard.Invocation, p guard.Parsed) *guard.Finding {
	ops := p.Operands
	what := "the disk volume " + ops[1].Text
	if pool, ok := p.Value("pool"); ok {
		what += " of the pool " + pool.Text
	}
	if ops[0].Value == "pool-delete" {
		what = "the storage of the pool " + ops[1].Text + " (its folder, logical volume group or disk)"
	}
	verb := "delete"
	if ops[0].Value == "vol-wipe" {
		verb = "overwrite"
	}
	return guard.Found(guard.Confirm,
		"see what uses it first (virsh vol-info, virsh domblklist NAME for each guest) and copy it (virsh vol-download); to forget the pool and keep its data: virsh pool-undefine",
		"would %s %s%s: a guest whose disk it is no longer boots, and there is no undo", verb, what, inv.Where())
}

// qmDiskUnlink: with --force the disk image is deleted, not only
// detached into an unused entry.
func qmDiskUnlink(inv *guard.Invocation, p guard.Parsed) *guard.Finding {
	if !p.Has("force") {
		return nil
	}
	ids, _ := p.Value("idlist")
	vmid := ""
	for _, a := range p.Operands {
		if a.Value != "disk" && a.Value != "unlink" {
			vmid = a.Text
			break
		}
	}
	return guard.Found(guard.Confirm,
		"leave out --force: the disk is then detached and kept as unusedN in the VM's configuration",
		"would delete the disk %s of VM %s%s (--force removes the image, not only the link): there is no undo", ids.Text, vmid, inv.Where())
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
