package rules

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func fsckRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "fsck-mounted",
		Programs:   []string{"fsck", "fsck.*", "e2fsck", "xfs_repair", "btrfsck", "btrfs", "debugfs"},
		Decision:   guard.Block,
		Summary:    "fsck or xfs_repair on a mounted filesystem, or debugfs -w opening one to write (block); debugfs -w told to delete or clear files on an unmounted one (confirm)",
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
	}, {
		ID:         "mount-over-system",
		Programs:   []string{"mount", "umount"},
		Decision:   guard.Confirm,
		Summary:    "mount (a device, tmpfs or --bind) over /, /etc, /usr, /bin, /sbin or /lib*, or over /var, /var/lib, /home, /root, /opt, /srv (or a folder right under /var/lib or /home) while it holds files: what is there is hidden until umount, and sudo, logins and every program read it; the same folders (and /var) unmounted (umount, -l, -f) or remounted read-only",
		Postmortem: "a common failure mode: a tmpfs or a bind mount put over /etc or /usr on a live host by a mistyped target, and sudo stopped working",
		Machine:    true,
		Match:      matchMountOverSystem,
	}}
}

// mountSpec: mount's options that take a value.
var mountSpec = guard.OptSpec{ShortValue: "toLUOTN", LongValue: []string{"types", "options", "label", "uuid", "test-opts", "fstab", "namespace", "target", "source", "target-prefix", "options-mode", "options-source"}}

// hiddenByMount are the folders a live host cannot have covered: the root,
// the configuration, and the programs and libraries everything runs from.
var hiddenByMount = map[string]bool{"/": true, "/etc": true, "/usr": true, "/bin": true, "/sbin": true,
	"/lib": true, "/lib32": true, "/lib64": true, "/libx32": true, "/usr/bin": true, "/usr/lib": true, "/usr/sbin": true}

func matchMountOverSystem(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Program == "umount" {
		return umountSystem(inv)
	}
	p := guard.ParseOptions(inv.Args, mountSpec)
	if opts := mountOptions(p); slices.Contains(opts, "remount") {
		// the same filesystem with other options; read-only, every
		// write to a live system folder fails until remount,rw
		dir := ""
		if len(p.Operands) > 0 && p.Operands[len(p.Operands)-1].Known {
			dir = inv.Path(p.Operands[len(p.Operands)-1].Value)
		}
		readOnly := p.Has("r", "read-only")
		for _, o := range opts {
			if o == "ro" || o == "rw" {
				readOnly = o == "ro" // the last one given wins
			}
		}
		if p.Has("w", "rw", "read-write") || !readOnly || dir == "" || !liveSystemDir(dir) {
			return nil
		}
		return guard.Found(guard.Confirm, "stop what writes there first; to undo: mount -o remount,rw "+dir,
			"would make %s read-only%s: every write there fails (logs, databases, the package manager, services) until it is remounted rw", dir, inv.Where())
	}
	if p.Has("move", "M", "make-private", "make-rprivate", "make-shared", "make-rshared", "make-slave", "make-rslave", "a", "all", "fake", "f") {
		return nil
	}
	var target guard.Arg
	if t, ok := p.Value("target"); ok {
		target = t
	} else if len(p.Operands) == 2 {
		target = p.Operands[1]
	} else {
		return nil // mount DIR reads fstab: what it was meant to hold
	}
	dir := inv.Path(target.Value)
	if !target.Known || dir == "" {
		return nil
	}
	if !hiddenByMount[strings.TrimSuffix(dir, "/")] && dir != "/" {
		return hidesLiveData(inv, host, dir)
	}
	return guard.Found(guard.Confirm,
		"mount it somewhere else first and look (mount … /mnt/new); to undo: umount "+dir,
		"would mount over %s%s: everything in it is hidden until umount %s, and sudo, logins and the programs that read it fail meanwhile", dir, inv.Where(), dir)
}

// liveDataDirs hold what services and accounts keep while the host runs:
// a mount over one that holds files hides them from everything running.
var liveDataDirs = []string{"/var", "/var/lib", "/var/log", "/var/spool", "/var/www", "/home", "/root", "/opt", "/srv"}

// hidesLiveData: a mount over a folder of liveDataDirs (or one a level
// below /var/lib or /home) that holds files on the host.
func hidesLiveData(inv *guard.Invocation, host guard.Host, dir string) *guard.Finding {
	dir = strings.TrimSuffix(dir, "/")
	parent := path.Dir(dir)
	if inv.Remote != "" || !slices.Contains(liveDataDirs, dir) && parent != "/var/lib" && parent != "/home" {
		return nil
	}
	entries, complete, err := host.ReadDir(dir, 64)
	if err != nil || len(entries) == 0 {
		return nil // empty or not there: the usual mount point
	}
	count := fmt.Sprint(len(entries))
	if !complete {
		count = "more than " + count
	}
	return guard.Found(guard.Confirm,
		"copy what is there onto the new filesystem first (mount it on /mnt/new, rsync -aHAX "+dir+"/ /mnt/new/), then mount it here; to undo: umount "+dir,
		"would mount over %s%s, which holds %s entries (%s…): they are hidden until umount %s, and the services and logins using them see an empty folder meanwhile",
		dir, inv.Where(), count, entries[0].Name(), dir)
}

// mountOptions are the options of every -o and --options, in order: mount
// joins them (mount -o remount -o ro / is -o remount,ro).
func mountOptions(p guard.Parsed) []string {
	var opts []string
	for _, o := range p.Values("o", "options") {
		opts = append(opts, strings.Split(o.Value, ",")...)
	}
	return opts
}

// liveSystemDir: a folder a running host writes to or runs from all the
// time: the ones a mount must not cover, and /var (logs, databases,
// package state).
func liveSystemDir(dir string) bool {
	dir = strings.TrimSuffix(dir, "/")
	return dir == "" || hiddenByMount[dir] || dir == "/var"
}

// umountSystem: unmounting a live system folder (lazily with -l, by force
// with -f) pulls the programs and files everything runs from.
func umountSystem(inv *guard.Invocation) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "tONu", LongValue: []string{"types", "test-opts", "namespace"}})
	if p.Has("h", "help", "V", "version", "fake") {
		return nil
	}
	for _, target := range p.Operands {
		dir := inv.Path(target.Value)
		if !target.Known || !liveSystemDir(dir) {
			continue
		}
		return guard.Found(guard.Confirm,
			"unmount what you mean (findmnt to see the mounts); a busy system folder is not meant to be unmounted on a running host",
			"would unmount %s%s: the programs, libraries and files every process reads from it are gone from the running system, and nothing short of mounting it again or a reboot brings them back", dir, inv.Where())
	}
	return nil
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

// debugfsWrites are debugfs requests that delete or clear what a
// filesystem holds, with no undo.
var debugfsWrites = []string{"rm", "kill_file", "unlink", "clri", "freei", "freeb", "rmdir", "punch", "truncate", "set_inode_field", "sif", "set_super_value", "ssv", "zap_block", "zap", "write", "copy_inode", "mknod", "link", "ln"}

// matchDebugfs: debugfs -w writes to the filesystem on the device
// itself, under the kernel's feet when it is mounted.
func matchDebugfs(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "bsfRdz"})
	if !p.Has("w") || len(p.Operands) == 0 {
		return nil // read-only: debugfs opens the device without writing
	}
	dev := p.Operands[len(p.Operands)-1]
	if !dev.Known {
		return nil
	}
	if m, ok := mountedFrom(host, inv, inv.Path(dev.Value)); ok {
		return guard.Found(guard.Block,
			"look without -w (debugfs -R 'stat FILE' "+dev.Value+"); to change files, do it through the mounted filesystem ("+m.Dir+"), or unmount it first",
			"would open %s for writing with debugfs while it is mounted on %s%s: debugfs writes the filesystem's blocks under the kernel's feet, which corrupts it, and what it deletes has no undo", m.Source, m.Dir, inv.Where())
	}
	request, ok := p.Value("R")
	if !ok || !request.Known {
		return nil
	}
	fields := strings.Fields(request.Value)
	if len(fields) == 0 || !slices.Contains(debugfsWrites, fields[0]) {
		return nil
	}
	return guard.Found(guard.Confirm, "look first without -w: debugfs -R 'stat "+strings.Join(fields[1:], " ")+"' "+dev.Value+"; take an image first (dd if="+dev.Value+" of=/root/fs.img) if you need the way back",
		"would run %q on the filesystem of %s%s with debugfs -w: it changes the blocks directly, with no journal, no check and no undo", request.Value, dev.Value, inv.Where())
}

func matchFsckMounted(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Program == "debugfs" {
		return matchDebugfs(inv, host)
	}
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
