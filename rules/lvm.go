package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func lvmRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "lvm-cachemode-dirty",
			Programs:   []string{"lvchange"},
			Decision:   guard.Block,
			Summary:    "lvchange --cachemode writethrough|passthrough while the dm-cache still holds dirty blocks",
			Postmortem: "lvmcache switched from writeback with dirty blocks left: the cache never flushed",
			Machine:    true,
			Match:      matchCachemodeDirty,
		},
		{
			ID:         "lvm-cleaner-policy",
			Programs:   []string{"lvchange", "lvconvert", "lvcreate"},
			Decision:   guard.Warn,
			Summary:    "--cachepolicy cleaner, and lvconvert --uncache/--splitcache of a cache with dirty blocks (which flushes with it), stall unless migration_threshold is above the chunk size",
			Postmortem: "lvmcache: the cleaner policy never flushed because migration_threshold was below the chunk size",
			Machine:    true,
			Match:      matchCleanerPolicy,
		},
		{
			ID:         "lvm-cachesettings-grub",
			Programs:   []string{"lvchange", "lvconvert", "lvcreate"},
			Decision:   guard.Warn,
			Summary:    "--cachesettings or a writeback cache writes policy_settings { } that GRUB's LVM parser cannot read",
			Postmortem: "lvmcache: policy_settings in the LVM metadata broke grub-probe and grub-mkconfig",
			Machine:    true,
			Match:      matchCacheSettings,
		},
		{
			ID:         "lvm-remove",
			Programs:   []string{"lvremove", "vgremove", "pvremove", "vgreduce"},
			Decision:   guard.Confirm,
			Summary:    "lvremove, vgremove and pvremove destroy volumes and their data; vgreduce --removemissing --force removes every volume that had a part on the missing disk",
			Postmortem: "storage operations on production hosts",
			Machine:    true,
			Match:      matchLvmRemove,
		},
	}
}

var lvSpec = guard.OptSpec{
	ShortValue: "aCkMprjmRiIcZnLlVSoO", // not f, y, t, s, v: those are flags
	LongValue: []string{"cachemode", "cachepolicy", "cachesettings", "activate", "type", "name", "size",
		"extents", "config", "chunksize", "cachevol", "cachepool", "cachedevice", "poolmetadata",
		"poolmetadatasize", "readahead", "addtag", "deltag", "permission", "profile", "alloc",
		"metadataprofile", "major", "minor", "discards", "zero", "select", "stripes", "stripesize",
		"mirrors", "regionsize", "thinpool", "virtualsize", "vdopool", "setautoactivation", "errorwhenfull",
		"monitor", "poll", "syncaction", "writecachesettings", "minrecoveryrate", "maxrecoveryrate",
		"writemostly", "writebehind", "autobackup", "reportformat", "commandprofile", "driverloaded", "lockopt"},
}

// lvName turns /dev/vg/lv and /dev/mapper/vg-lv into vg/lv.
func lvName(v string) string {
	v = strings.TrimPrefix(v, "/dev/")
	if rest, ok := strings.CutPrefix(v, "mapper/"); ok {
		// Device-mapper doubles dashes inside names: vg--a-lv is vg-a/lv.
		marked := strings.ReplaceAll(rest, "--", "\x00")
		if vg, lv, ok := strings.Cut(marked, "-"); ok {
			return strings.ReplaceAll(vg, "\x00", "-") + "/" + strings.ReplaceAll(lv, "\x00", "-")
		}
	}
	return v
}

func matchCachemodeDirty(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, lvSpec)
	mode, ok := p.Value("cachemode")
	if !ok || (mode.Value != "writethrough" && mode.Value != "passthrough") {
		return nil
	}
	var worst *guard.Finding
	for _, op := range p.Operands {
		lv := lvName(op.Value)
		flush := fmt.Sprintf("flush first: lvchange --cachepolicy cleaner %s (raise migration_threshold above the chunk size: lvchange --cachesettings migration_threshold=CHUNKS %s), wait until lvs -o cache_dirty_blocks %s shows 0, then switch; or lvconvert --splitcache %s, which flushes and detaches", lv, lv, lv, lv)
		if inv.Remote != "" {
			return guard.Found(guard.Confirm, flush, "cannot check the dirty blocks of %s on %s from here before switching it to %s", lv, inv.Remote, mode.Value)
		}
		n, err := host.CacheDirtyBlocks(lv)
		var f *guard.Finding
		switch {
		case err != nil:
			why := err.Error()
			if errors.Is(err, guard.ErrNoLvs) {
				why = "lvs is not installed"
			}
			f = guard.Found(guard.Confirm, flush, "cannot tell whether the cache of %s is clean (%s); switching to %s with dirty blocks loses them", lv, why, mode.Value)
		case n > 0:
			f = guard.Found(guard.Block, flush, "would switch %s to %s while its cache holds %d dirty blocks not yet written to the origin volume: they would never be flushed", lv, mode.Value, n)
		}
		if f != nil && (worst == nil || f.Decision > worst.Decision) {
			worst = f
		}
	}
	return worst
}

func matchCleanerPolicy(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, lvSpec)
	if inv.Program == "lvconvert" && p.Has("uncache", "splitcache") && len(p.Operands) > 0 && inv.Remote == "" {
		// lvconvert flushes with the cleaner policy before it detaches
		lv := lvName(p.Operands[len(p.Operands)-1].Value)
		if n, err := host.CacheDirtyBlocks(lv); err == nil && n > 0 {
			return guard.Found(guard.Warn,
				fmt.Sprintf("check the chunk size (lvs -o+chunk_size %s) and raise the threshold above it first: lvchange --cachesettings migration_threshold=CHUNKS %s; watch lvs -o cache_dirty_blocks %s fall to 0", lv, lv, lv),
				"flushes the %d dirty blocks of %s with the cleaner policy before it detaches the cache: unless migration_threshold is above the chunk size the flush stalls and lvconvert waits forever", n, lv)
		}
		return nil
	}
	policy, ok := p.Value("cachepolicy")
	if !ok || policy.Value != "cleaner" {
		return nil
	}
	lv := "VG/LV"
	if len(p.Operands) > 0 {
		lv = lvName(p.Operands[len(p.Operands)-1].Value)
	}
	return guard.Found(guard.Warn,
		fmt.Sprintf("check the chunk size (lvs -o+chunk_size %s) and raise the threshold above it: lvchange --cachesettings migration_threshold=CHUNKS %s; then watch lvs -o cache_dirty_blocks %s fall to 0", lv, lv, lv),
		"the cleaner policy only flushes %s if migration_threshold is above the cache chunk size; otherwise the dirty blocks stay and the flush stalls", lv)
}

func matchCacheSettings(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, lvSpec)
	mode, hasMode := p.Value("cachemode")
	_, hasSettings := p.Value("cachesettings")
	if !hasSettings && !(hasMode && mode.Value == "writeback" && inv.Program != "lvchange") {
		return nil
	}
	return guard.Found(guard.Warn,
		"before the next reboot run grub-probe / and grub-mkconfig -o /dev/null; if they fail, keep /boot off the cached LV or reset the settings (lvchange --cachesettings default)",
		"writes policy_settings { … } into the LVM metadata, which GRUB's LVM parser cannot read: grub-probe and grub-mkconfig fail, and the host may not boot")
}

func matchLvmRemove(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, lvSpec)
	if len(p.Operands) == 0 {
		return nil
	}
	if inv.Program == "vgreduce" {
		// Without --force, --removemissing refuses while a volume still
		// uses the missing disk; vgreduce VG PV moves nothing and fails
		// on a disk in use.
		if !p.Has("removemissing") || !p.Has("f", "force") {
			return nil
		}
		vg := p.Operands[0].Value
		return guard.Found(guard.Confirm,
			"see which volumes use the missing disk first (lvs -a -o +devices "+vg+"); if the disk can come back, bring it back; vgreduce --removemissing --mirrorsonly "+vg+" keeps the rest",
			"would remove from %s every logical volume that had a part on the missing disk, with its data (vgreduce --removemissing --force)", vg).
			Saving(guard.Backup{Kind: guard.BackupLVM, VG: vg})
	}
	if inv.Program == "lvremove" && lvsMadeByLine(inv, host, p.Operands) {
		return nil // takes back only the volumes the line made
	}
	var names []string
	for _, op := range p.Operands {
		names = append(names, op.Value)
	}
	what := map[string]string{"lvremove": "logical volume", "vgremove": "volume group", "pvremove": "physical volume label"}[inv.Program]
	f := guard.Found(guard.Confirm,
		"check first with "+inv.Program+" --test; keep a metadata backup: vgcfgbackup",
		"would destroy the %s %s and the data on it", what, strings.Join(names, ", "))
	if inv.Program != "pvremove" {
		vg, _, _ := strings.Cut(lvName(names[0]), "/")
		f.Saving(guard.Backup{Kind: guard.BackupLVM, VG: vg})
	}
	return f
}

// lvsMadeByLine: every logical volume lvremove names (vg/lv, /dev/vg/lv,
// /dev/mapper/vg-lv) was made by lvcreate -n in a command of the line that
// certainly ran before it (guard.Invocation.RanBefore), in the same volume
// group, and is not on this host now (it was there before the line). A
// volume group alone (lvremove vg0: all of its volumes) is not one.
func lvsMadeByLine(inv *guard.Invocation, host guard.Host, operands []guard.Arg) bool {
	for _, op := range operands {
		name := lvName(op.Value)
		vg, lv, ok := strings.Cut(name, "/")
		if !op.Known || op.Glob || !ok || vg == "" || lv == "" || strings.Contains(lv, "/") {
			return false
		}
		if inv.Remote == "" {
			if _, err := host.Lstat("/dev/" + name); !errors.Is(err, fs.ErrNotExist) {
				return false // there now, or guard cannot tell
			}
		}
		made := false
		for b := range inv.RanBefore {
			if b.Program == "lvcreate" && lvCreated(b) == name {
				made = true
				break
			}
		}
		if !made {
			return false
		}
	}
	return true
}

// lvCreated is the vg/lv lvcreate makes: its -n name in the volume group
// of its first operand (vg, or vg/origin for a snapshot or a thin pool),
// "" when guard cannot tell.
func lvCreated(b *guard.Invocation) string {
	p := guard.ParseOptions(b.Args, lvSpec)
	n, ok := p.Value("n", "name")
	if !ok || !n.Known || n.Value == "" {
		return ""
	}
	if strings.Contains(n.Value, "/") {
		return lvName(n.Value)
	}
	if len(p.Operands) == 0 || !p.Operands[0].Known {
		return ""
	}
	vg, _, _ := strings.Cut(lvName(p.Operands[0].Value), "/")
	if vg == "" {
		return ""
	}
	return vg + "/" + n.Value
}
