package rules

import (
	"fmt"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func copyRules(c classifier) []*guard.Rule {
	return []*guard.Rule{{
		ID:         "copy-into-system",
		Programs:   []string{"rsync", "cp", "tar", "bsdtar", "unzip", "cpio", "dpkg-deb", "dpkg", "7z", "7za", "7zr"},
		Decision:   guard.Block,
		Summary:    "rsync, cp -r, tar -x, unzip, cpio -i/-p, dpkg-deb -x or 7z x whose destination is / (block) or a top-level system folder (confirm); rsync --delete into a whole home (confirm)",
		Postmortem: "mirror server: rsync -aP /path/to/root/ . in a screen whose pwd was / overwrote /etc/passwd and /home",
		Machine:    true,
		Match:      c.matchCopyInto,
	}}
}

var rsyncSpec = guard.OptSpec{
	ShortValue: "efBMT@",
	LongValue: []string{"exclude", "include", "exclude-from", "include-from", "filter", "files-from",
		"rsync-path", "log-file", "backup-dir", "suffix", "partial-dir", "temp-dir", "compare-dest",
		"copy-dest", "link-dest", "chmod", "chown", "usermap", "groupmap", "timeout", "contimeout",
		"port", "password-file", "bwlimit", "max-size", "min-size", "max-delete", "block-size", "rsh",
		"out-format", "log-file-format", "info", "debug", "iconv", "checksum-choice", "compress-choice",
		"skip-compress", "sockopts", "outbuf", "stop-after", "stop-at", "modify-window", "remote-option",
		"write-batch", "read-batch", "only-write-batch", "address", "protocol", "checksum-seed"},
}

var cpSpec = guard.OptSpec{ShortValue: "St", LongValue: []string{"target-directory", "suffix"}}

var tarSpec = guard.OptSpec{
	ShortValue: "fCTXbKNVLgFHI",
	LongValue:  []string{"file", "directory", "files-from", "exclude-from", "exclude", "blocking-factor", "starting-file", "newer", "label", "tape-length", "listed-incremental", "info-script", "format", "owner", "group", "mode", "use-compress-program", "transform", "xform"},
}

func (c classifier) matchCopyInto(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Remote != "" && inv.User != "" && inv.User != "root" {
		return nil // another machine's system files are not an ordinary account's to write (rsync … deploy@web2:/)
	}
	var dest guard.Arg
	switch inv.Program {
	case "rsync":
		p := guard.ParseOptions(inv.Args, rsyncSpec)
		if len(p.Operands) < 2 {
			return nil
		}
		dest = p.Operands[len(p.Operands)-1]
		if isRemoteSpec(dest.Value) {
			return nil
		}
	case "cp":
		p := guard.ParseOptions(inv.Args, cpSpec)
		if !p.Has("r", "R", "a", "recursive", "archive") {
			return nil
		}
		if t, ok := p.Value("t", "target-directory"); ok {
			dest = t
		} else if len(p.Operands) >= 2 {
			dest = p.Operands[len(p.Operands)-1]
		} else {
			return nil
		}
	case "unzip":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "dxP", LongValue: nil})
		dest = guard.Arg{Text: ".", Value: ".", Known: true}
		if d, ok := p.Value("d"); ok {
			dest = d
		}
	case "cpio":
		p := guard.ParseOptions(inv.Args, cpioSpec)
		switch {
		case p.Has("p", "pass-through") && len(p.Operands) > 0:
			dest = p.Operands[0] // find . | cpio -pdm DIR
		case p.Has("i", "extract"):
			dest = guard.Arg{Text: ".", Value: ".", Known: true}
			if d, ok := p.Value("D", "directory"); ok {
				dest = d
			}
		default:
			return nil // -o writes an archive
		}
	case "dpkg-deb", "dpkg":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "", LongValue: []string{"admindir", "root", "instdir"}})
		// dpkg -R is --recursive; only dpkg-deb has -R, --raw-extract.
		extracts := p.Has("x", "extract", "X", "vextract") || inv.Program == "dpkg-deb" && p.Has("R", "raw-extract")
		if !extracts || len(p.Operands) < 2 {
			return nil
		}
		dest = p.Operands[1] // dpkg-deb -x PACKAGE.deb DIR
	case "7z", "7za", "7zr":
		if len(inv.Args) == 0 || inv.Args[0].Value != "x" && inv.Args[0].Value != "e" {
			return nil
		}
		dest = guard.Arg{Text: ".", Value: ".", Known: true}
		for _, a := range inv.Args[1:] {
			if v, ok := strings.CutPrefix(a.Value, "-o"); ok && v != "" {
				dest = guard.Arg{Text: a.Text, Value: v, Known: a.Known, Unknown: a.Unknown, MaybeEmpty: a.MaybeEmpty}
			}
		}
	default: // tar, bsdtar
		args := inv.Args
		if len(args) > 0 && args[0].Known && !strings.HasPrefix(args[0].Value, "-") {
			args = expandOldTar(args)
		}
		p := guard.ParseOptions(args, tarSpec)
		if !p.Has("x", "extract", "get") {
			return nil
		}
		dest = guard.Arg{Text: ".", Value: ".", Known: true}
		if d, ok := p.Value("C", "directory"); ok {
			dest = d
		}
	}
	// Each of them goes into a destination that is a link to a folder,
	// slash or not (rsync and cp stat it, tar -C and unzip -d change into it).
	t := FollowedTarget(inv, host, dest)
	readingOfEmpty := ""
	if !dest.Known {
		if !dest.MaybeEmpty {
			return nil
		}
		readingOfEmpty = fmt.Sprintf(" if %s is empty", strings.Join(dest.Unknown, ", "))
	}
	if t.Path == "" {
		return nil
	}
	kind := c.Classify(t.Resolved, Home(inv, host))
	if k := c.Classify(t.Path, Home(inv, host)); k > kind {
		kind = k
	}
	where := fmt.Sprintf("the destination %s is %s%s", dest.Text, describeDest(t), cwdNote(inv, dest))
	hint := "give the destination as a full path you mean, e.g. /srv/newroot/, and try it with -n (dry run) first"
	switch inv.Program {
	case "rsync":
	case "dpkg-deb", "dpkg":
		hint = "extract into an empty folder and look first: dpkg-deb -x PACKAGE.deb /tmp/pkg; to install, use apt install ./PACKAGE.deb"
	default:
		hint = "give the destination as a full path you mean, e.g. -C /srv/newroot, -D /srv/newroot or cp -a SRC /srv/newroot/"
	}
	if _, deletes, _ := rsyncDeleteDest(inv); deletes && readingOfEmpty == "" && kind < Root {
		if f := c.rsyncDeleteInto(inv, host, t, where); f != nil {
			return f
		}
	}
	switch {
	case kind == UserHome && inv.Program == "rsync" && hasDelete(inv):
		// rsync --delete SRC/ ~/ makes the home a copy of SRC: every file
		// not in SRC goes, ~/.ssh and the rest of the home with it
		return guard.Found(guard.Confirm, "sync into a folder of the home (rsync -a --delete SRC/ ~/dotfiles/), or drop --delete; try it with -n (dry run) first",
			"would delete from the home folder %s%s every file that is not in the source: %s", t.Resolved, readingOfEmpty, where).
			Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}, Overwrite: true})
	case kind == Root && readingOfEmpty == "":
		return guard.Found(guard.Block, hint,
			"would write over the root filesystem of %s%s: %s; /etc/passwd, /home and every system file can be replaced",
			guard.HostName(inv, host), inv.Where(), where)
	case kind == Root || kind == SystemDir:
		f := guard.Found(guard.Confirm, hint,
			"would write into %s%s: %s", kind.Describe(t.Resolved), readingOfEmpty, where)
		if readingOfEmpty != "" {
			return f.Saving(guard.Backup{Kind: guard.BackupFiles, Unknown: "the destination is not known before the line runs"})
		}
		// rsync replaces files by renaming new ones in; cp and tar write in place.
		return f.Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}, Overwrite: inv.Program != "rsync" || hasDelete(inv)})
	}
	return nil
}

// rsyncDeleteInto judges rsync --delete SRC/ DEST/, which removes from
// DEST what SRC lacks, as emptying DEST (rm -rf DEST/*) with a copy of
// SRC put back: final in a system folder, asked in one of their children.
// /var/www and the other folders sites keep their own files in, and live
// data (/srv/app, /var/lib/postgresql), are where deploys and restores
// sync to. A home is the caller's.
func (c classifier) rsyncDeleteInto(inv *guard.Invocation, host guard.Host, t Target, where string) *guard.Finding {
	kind, _ := c.Worst(Target{Path: t.Path, Resolved: t.Resolved, Emptied: t.Resolved}, Home(inv, host))
	switch {
	case kind == SystemDir:
		return guard.Found(guard.Block, "name the folder you mean to make a copy of the source, e.g. rsync -a --delete SRC/ /srv/newroot/, and try it with -n (dry run) first",
			"would delete every file that is not in the source from %s, and write the source's files over the rest: %s", kind.Describe(t.Resolved), where).
			Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}, Overwrite: true})
	case kind == SystemChild && !varData[t.Resolved]:
		return guard.Found(guard.Confirm, "check the source holds everything the destination should keep, and try it with -n (dry run) first: rsync -an --delete --itemize-changes …",
			"would delete every file that is not in the source from %s: %s", kind.Describe(t.Resolved), where).
			Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{t.Resolved}, Overwrite: true})
	}
	return nil
}

func hasDelete(inv *guard.Invocation) bool {
	for _, a := range inv.Args {
		if strings.HasPrefix(a.Value, "--delete") || a.Value == "--remove-source-files" {
			return true
		}
	}
	return false
}

func describeDest(t Target) string {
	if t.Resolved != t.Path && t.Resolved != "" {
		return fmt.Sprintf("%s, which leads to %s", t.Path, t.Resolved)
	}
	return t.Path
}

// isRemoteSpec tells rsync's host:path and rsync:// destinations.
func isRemoteSpec(v string) bool {
	if strings.HasPrefix(v, "rsync://") {
		return true
	}
	colon := strings.IndexByte(v, ':')
	slash := strings.IndexByte(v, '/')
	return colon > 0 && (slash < 0 || colon < slash)
}

// expandOldTar turns tar's old option style (`tar xzf a.tgz -C /`) into
// dashed options: each letter becomes an option, and letters that take a
// value take the following words in order.
func expandOldTar(args []guard.Arg) []guard.Arg {
	letters := args[0].Value
	rest := args[1:]
	var out []guard.Arg
	for _, c := range letters {
		out = append(out, guard.Arg{Text: "-" + string(c), Value: "-" + string(c), Known: true})
		if strings.ContainsRune(tarSpec.ShortValue, c) && len(rest) > 0 {
			out = append(out, rest[0])
			rest = rest[1:]
		}
	}
	return append(out, rest...)
}
