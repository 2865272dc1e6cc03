package rules

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/lazyre"
)

// The backups family: the last line of defence. Deleting or pruning
// backups, snapshots and copies is often the second half of an incident
// (GitLab, 31 January 2017: after the database directory was removed by
// mistake, five backup and replication methods turned out not to work; a
// backup deleted before is one fewer to try). Every rule here says "this
// is a backup" and names the repository and what goes.
func backupsRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "restic-forget",
			Programs:   []string{"restic"},
			Decision:   guard.Confirm,
			Summary:    "restic forget --prune and restic prune delete backup data for good, and forget of every snapshot restic snapshots lists (through xargs or $(…)) asks; forget without --prune warns",
			Postmortem: "backups pruned with a retention policy that kept too little (--keep-last 1) just before the only good snapshot was needed",
			Match:      matchResticForget,
		},
		{
			ID:         "backup-chain-delete",
			Programs:   []string{"duplicity", "tarsnap", "rdiff-backup"},
			Decision:   guard.Confirm,
			Summary:    "duplicity remove-older-than / remove-all-but-n-full --force, tarsnap -d and --nuke, rdiff-backup --remove-older-than: backup sets deleted for good",
			Postmortem: "duplicity remove-all-but-n-full 1 --force run the night the last full backup was corrupt: no older chain was left to restore from",
			Match:      matchBackupChainDelete,
		},
		{
			ID:         "borg-delete",
			Programs:   []string{"borg", "borg2"},
			Decision:   guard.Confirm,
			Summary:    "borg delete of an archive or a whole repository, borg prune, borg recreate, borg rdelete/repo-delete",
			Postmortem: "a common failure mode: borg delete REPO (without ::ARCHIVE) deleting every archive of the repository",
			Match:      matchBorgDelete,
		},
		{
			ID:         "kopia-snapshot-delete",
			Programs:   []string{"kopia"},
			Decision:   guard.Confirm,
			Summary:    "kopia snapshot delete --delete and snapshot expire --delete (without --delete kopia only lists)",
			Postmortem: "a common failure mode: snapshots expired or deleted by a script with the wrong source",
			Match:      matchKopiaDelete,
		},
		{
			ID:         "rclone-delete",
			Programs:   []string{"rclone", "rsync"},
			Decision:   guard.Confirm,
			Summary:    "rclone purge and delete, and rclone sync or rsync --delete from an empty or unknown source (a mirror deletes in the destination what the source lacks)",
			Postmortem: "off-site copies wiped by a nightly rclone sync whose source disk had not mounted: an empty source makes sync delete everything",
			Match:      matchRcloneDelete,
		},
		{
			ID:         "velero-backup-delete",
			Programs:   []string{"velero"},
			Decision:   guard.Confirm,
			Summary:    "velero backup delete (and delete backup): the backup and its volume snapshots are deleted; schedule delete warns",
			Postmortem: "a common failure mode: velero backup delete --all --confirm run against the wrong cluster context",
			Match:      matchVeleroDelete,
		},
		{
			ID:         "fs-snapshot-delete",
			Programs:   []string{"btrfs", "snapper", "timeshift"},
			Decision:   guard.Confirm,
			Summary:    "btrfs subvolume delete (a snapshot, or a subvolume with its files), snapper delete, timeshift --delete/--delete-all",
			Postmortem: "a common failure mode: snapshots deleted to free space just before they were needed to roll back",
			Match:      matchFsSnapshotDelete,
		},
	}
}

// backupLoss is the sentence every backup finding carries.
const backupLoss = "this is a backup; once deleted it can restore nothing, and it may be the last copy"

var resticSpec = guard.OptSpec{
	ShortValue: "rpolHdwmygt",
	LongValue: []string{"repo", "repository-file", "password-file", "password-command", "cache-dir", "cacert", "tls-client-cert",
		"option", "limit-upload", "limit-download", "pack-size", "compression", "key-hint", "retry-lock", "stuck-request-timeout",
		"keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly", "keep-within",
		"keep-within-hourly", "keep-within-daily", "keep-within-weekly", "keep-within-monthly", "keep-within-yearly",
		"keep-tag", "host", "tag", "path", "group-by", "max-unused", "max-repack-size"},
}

// backupRepo names a repository from an option, or from the environment
// variable the tool reads.
func backupRepo(p guard.Parsed, host guard.Host, env string, opts ...string) string {
	if r, ok := p.Value(opts...); ok && r.Value != "" {
		return r.Value
	}
	if v, ok := host.Getenv(env); ok && v != "" {
		return v + " (from $" + env + ")"
	}
	return "the repository in $" + env
}

// retention lists the --keep-* options of a forget or prune, for the
// message: "--keep-last 1" is what the operator must see.
func retention(inv *guard.Invocation) string {
	var keep []string
	for i, a := range inv.Args {
		v := a.Value
		if !strings.HasPrefix(v, "--keep-") {
			continue
		}
		if strings.Contains(v, "=") || i+1 >= len(inv.Args) {
			keep = append(keep, v)
		} else {
			keep = append(keep, v+" "+inv.Args[i+1].Value)
		}
	}
	if len(keep) == 0 {
		return ""
	}
	return " (keeping only " + strings.Join(keep, ", ") + ")"
}

func matchBackupChainDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	switch inv.Program {
	case "duplicity":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "t", LongValue: []string{"archive-dir", "name", "encrypt-key", "sign-key", "gpg-options", "ssh-options", "time", "file-to-restore", "exclude", "include", "volsize", "log-file", "tempdir", "s3-endpoint-url"}})
		ops := operandValues(p.Operands)
		if len(ops) < 2 || p.Has("dry-run", "help") {
			return nil
		}
		var what string
		switch ops[0] {
		case "remove-older-than":
			what = "every backup set older than " + ops[1]
		case "remove-all-but-n-full":
			what = "every full backup chain but the last " + ops[1]
		case "remove-all-inc-of-but-n-full":
			what = "the incremental sets of every chain but the last " + ops[1]
		default:
			return nil
		}
		target := ops[len(ops)-1]
		if !p.Has("force") {
			return nil // without --force duplicity only lists what it would delete
		}
		n, err := strconv.Atoi(ops[1])
		decision := guard.Confirm
		if ops[0] == "remove-all-but-n-full" && err == nil && n >= 3 {
			decision = guard.Warn // the routine retention job
		}
		return guard.Found(decision, "run it without --force first: duplicity lists what it would delete; duplicity collection-status "+target+" shows the chains",
			"would delete %s in %s%s: %s", what, target, inv.Where(), backupLoss)
	case "tarsnap":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "fCTXsI", LongValue: []string{"keyfile", "cachedir", "configfile", "archive-names"}})
		if p.Has("dry-run") {
			return nil
		}
		if p.Has("nuke") {
			return guard.Found(guard.Confirm, "list them first: tarsnap --list-archives", "would delete every archive of this tarsnap account%s: %s", inv.Where(), backupLoss)
		}
		if !p.Has("d") {
			return nil
		}
		names := operandValues(p.Values("f"))
		if p.Has("archive-names") {
			names = append(names, "every archive named in "+p.Values("archive-names")[0].Value)
		}
		return guard.Found(guard.Confirm, "list them first: tarsnap --list-archives; tarsnap -d --dry-run shows what goes",
			"would delete the tarsnap archive %s%s: %s", strings.Join(names, ", "), inv.Where(), backupLoss)
	case "rdiff-backup":
		for i, a := range inv.Args {
			if v, ok := strings.CutPrefix(a.Value, "--remove-older-than"); ok {
				when := strings.TrimPrefix(v, "=")
				if when == "" && i+1 < len(inv.Args) {
					when = inv.Args[i+1].Value
				}
				return guard.Found(guard.Warn, "rdiff-backup --list-increments REPO shows what goes",
					"deletes every increment older than %s%s: %s", when, inv.Where(), backupLoss)
			}
		}
	}
	return nil
}

// matchRsyncMirrorEmpty: rsync --delete from one source that is an
// empty folder (a disk that did not mount) or a word guard cannot know
// empties the destination, the usual mirror job turned into a wipe. A
// source with files in it is the normal mirror and passes.
func matchRsyncMirrorEmpty(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, rsyncSpec)
	if !hasDelete(inv) || p.Has("n", "dry-run", "list-only", "help") || len(p.Operands) != 2 {
		return nil
	}
	if p.Has("remove-source-files") && !slices.ContainsFunc(inv.Args, func(a guard.Arg) bool { return strings.HasPrefix(a.Value, "--del") }) {
		return nil
	}
	src, dst := p.Operands[0].Value, p.Operands[1].Value
	if !strings.HasSuffix(src, "/") && p.Operands[0].Known {
		return nil // rsync SRC DST copies the folder itself into DST/SRC: nothing outside it is deleted
	}
	return emptySourceFinding(inv, host, src, dst, "rsync --delete")
}

// keepsGenerations: a retention policy that keeps at least three
// snapshots in all (--keep-daily 7 --keep-weekly 4), or a time window of
// three days or more (--keep-within 30d): the routine nightly job, not
// --keep-last 1 nor --keep-within 1d, which keeps only today's.
func keepsGenerations(p guard.Parsed) bool {
	for _, name := range []string{"keep-within", "keep-within-hourly", "keep-within-daily", "keep-within-weekly", "keep-within-monthly", "keep-within-yearly"} {
		for _, v := range p.Values(name) {
			if hours, ok := windowHours(v.Value); ok && hours >= minRetentionWindowHours {
				return true
			}
		}
	}
	kept := 0
	for _, name := range []string{"keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly"} {
		for _, v := range p.Values(name) {
			n, err := strconv.Atoi(v.Value)
			if err != nil || n < 0 {
				return n < 0 // -1 keeps every one of that kind
			}
			kept += n
		}
	}
	return kept >= 3
}

// minRetentionWindowHours is the shortest --keep-within window that still
// reaches back over three nightly backups.
const minRetentionWindowHours = 72

// windowHours reads a restic or borg retention window ("30d", "1y6m",
// "12H", "2w") as hours; ok is false for a value guard cannot read (a
// variable), which then keeps nothing for sure.
func windowHours(window string) (hours int, ok bool) {
	unitHours := map[byte]int{'h': 1, 'H': 1, 'd': 24, 'w': 24 * 7, 'm': 24 * 31, 'y': 24 * 365}
	number := -1
	for i := 0; i < len(window); i++ {
		c := window[i]
		if c >= '0' && c <= '9' {
			if number < 0 {
				number = 0
			}
			if number > 1<<20 {
				return 0, false
			}
			number = number*10 + int(c-'0')
			continue
		}
		per, known := unitHours[c]
		if !known || number < 0 {
			return 0, false
		}
		hours += number * per
		number = -1
	}
	return hours, number < 0 && window != ""
}

// borgKeepsGenerations is keepsGenerations for borg, whose short options
// -H -d -w -m -y are the hourly to yearly counts.
func borgKeepsGenerations(p guard.Parsed) bool {
	if keepsGenerations(p) {
		return true
	}
	kept := 0
	for _, name := range []string{"keep-last", "keep-hourly", "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly", "H", "d", "w", "m", "y"} {
		for _, v := range p.Values(name) {
			n, err := strconv.Atoi(v.Value)
			if err != nil {
				return false
			}
			if n < 0 {
				return true // -1 keeps every one of that kind
			}
			kept += n
		}
	}
	return kept >= 3
}

func matchResticForget(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, resticSpec)
	ops := operandValues(p.Operands)
	if len(ops) == 0 || p.Has("n", "dry-run", "help", "h") {
		return nil
	}
	repo := backupRepo(p, host, "RESTIC_REPOSITORY", "r", "repo", "repository-file")
	look := "list them first: restic -r " + strings.Fields(repo)[0] + " snapshots; try the policy with --dry-run"
	switch {
	case ops[0] == "forget" && fedByListing(inv, p.Operands[1:], "restic", "snapshots"):
		// restic snapshots | … | xargs restic forget: every snapshot the
		// listing prints, no policy consulted
		prune := ""
		if p.Has("prune") {
			prune = ", and prune their data for good"
		}
		return guard.Found(guard.Confirm, look+"; forget by policy (restic forget --keep-daily 7 --keep-weekly 4) or by the ids you mean",
			"would forget every snapshot that restic snapshots lists in %s%s, not those a policy picks%s: %s", repo, inv.Where(), prune, backupLoss)
	case ops[0] == "forget" && p.Has("prune"):
		what := "the snapshots " + strings.Join(ops[1:], " ")
		if len(ops) == 1 {
			what = "every snapshot outside the policy" + retention(inv)
			if keepsGenerations(p) {
				// The nightly retention job: several generations stay.
				return guard.Found(guard.Warn, look, "forgets %s in %s%s and prunes their data for good; the policy keeps several generations", what, repo, inv.Where())
			}
		}
		return guard.Found(guard.Confirm, look, "would forget %s in %s%s and prune their data: %s", what, repo, inv.Where(), backupLoss)
	case ops[0] == "prune":
		return guard.Found(guard.Confirm, "check what is forgotten first: restic snapshots; restic recover can still bring snapshots back before a prune",
			"would delete for good the data of every forgotten snapshot in %s%s: %s", repo, inv.Where(), backupLoss)
	case ops[0] == "forget":
		what := "the snapshots " + strings.Join(ops[1:], " ")
		if len(ops) == 1 {
			what = "every snapshot outside the policy" + retention(inv)
		}
		return guard.Found(guard.Warn, look+"; the data stays until restic prune (restic recover can bring snapshots back)",
			"would forget %s in %s%s: %s", what, repo, inv.Where(), "this is a backup; its data stays until the next prune")
	}
	return nil
}

// fedByListing: the command's operands are what program's own listing
// (program verb …) prints, through $(…) or piped into xargs, possibly
// through filters (jq, awk, cut): every item listed, not one named. A
// listing cut to one line (head -1) is one item.
func fedByListing(inv *guard.Invocation, operands []guard.Arg, program, verb string) bool {
	lists := func(up *guard.Invocation) bool {
		if up.Program != program {
			return false
		}
		for _, a := range up.Args {
			if a.Value == verb {
				return true
			}
		}
		return false
	}
	for _, o := range operands {
		if slices.Contains(o.Sources, program) && !o.FromOneLine() {
			return true
		}
	}
	if inv.MoreOperands != "xargs" || guard.OneLineInput(inv) {
		return false
	}
	seen, queue := 0, append([]*guard.Invocation{}, inv.Stdin...)
	for len(queue) > 0 && seen < 16 {
		up := queue[0]
		queue, seen = queue[1:], seen+1
		if lists(up) {
			return true
		}
		queue = append(queue, up.Stdin...)
	}
	return false
}

var borgSpec = guard.OptSpec{
	ShortValue: "rdwmyHaPeC",
	LongValue: []string{"repo", "remote-path", "lock-wait", "rsh", "umask", "debug-topic", "glob-archives", "match-archives", "exclude", "exclude-from", "pattern", "patterns-from", "recompress", "compression", "comment", "target", "timestamp",
		"prefix", "first", "last", "sort-by", "keep-within", "keep-last", "keep-secondly", "keep-minutely", "keep-hourly",
		"keep-daily", "keep-weekly", "keep-monthly", "keep-yearly", "checkpoint-interval", "upload-ratelimit", "upload-buffer"},
}

func matchBorgDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, borgSpec)
	ops := operandValues(p.Operands)
	if len(ops) == 0 || p.Has("n", "dry-run", "help", "h", "cache-only") {
		return nil
	}
	repo := backupRepo(p, host, "BORG_REPO", "r", "repo")
	archive := ""
	if len(ops) >= 2 {
		location, name, found := strings.Cut(ops[1], "::")
		if location != "" && !p.Has("r", "repo") {
			repo = location
		}
		if found {
			archive = name
		} else if p.Has("r", "repo") {
			archive = strings.Join(ops[1:], " ") // borg 2: borg -r REPO delete NAME
		}
	}
	look := "list it first: borg list " + strings.Fields(repo)[0] + "; try it with --dry-run --list"
	matching := ""
	if g, ok := p.Value("a", "glob-archives", "match-archives", "P", "prefix"); ok {
		matching = g.Value
	}
	switch ops[0] {
	case "delete":
		switch {
		case archive != "":
			return guard.Found(guard.Confirm, look, "would delete the borg archive %s of %s%s: %s", archive, repo, inv.Where(), backupLoss)
		case matching != "":
			return guard.Found(guard.Confirm, look, "would delete every borg archive matching %s in %s%s: %s", matching, repo, inv.Where(), backupLoss)
		}
		return guard.Found(guard.Confirm, look, "would delete the whole borg repository %s%s with every archive in it: %s", repo, inv.Where(), backupLoss)
	case "rdelete", "repo-delete":
		return guard.Found(guard.Confirm, look, "would delete the whole borg repository %s%s with every archive in it: %s", repo, inv.Where(), backupLoss)
	case "prune":
		if borgKeepsGenerations(p) {
			// The nightly retention job, as restic forget --prune with the same policy.
			return guard.Found(guard.Warn, look, "prunes every archive of %s%s outside the policy%s; the policy keeps several generations", repo, inv.Where(), retention(inv))
		}
		return guard.Found(guard.Confirm, look, "would delete every archive of %s%s outside the policy%s: %s", repo, inv.Where(), retention(inv), backupLoss)
	case "recreate":
		what := "every archive"
		if archive != "" {
			what = "the archive " + archive
		} else if matching != "" {
			what = "every archive matching " + matching
		}
		return guard.Found(guard.Confirm, look, "would rewrite %s of %s%s without what --exclude and the other options drop: %s, and what it drops is gone from it", what, repo, inv.Where(), "this is a backup")
	}
	return nil
}

func matchKopiaDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"config-file", "password", "log-dir", "log-level", "file-log-level", "console-timestamps"}})
	ops := operandValues(p.Operands)
	if len(ops) < 2 || (ops[0] != "snapshot" && ops[0] != "snap") || !p.Has("delete") || p.Has("help") {
		return nil // without --delete kopia only says what it would delete
	}
	look := "list them first: kopia snapshot list --all; run the same line without --delete to see what would go"
	switch ops[1] {
	case "delete", "rm":
		what := strings.Join(ops[2:], " ")
		if p.Has("all-snapshots-for-source") {
			what = "every snapshot of " + what
		}
		return guard.Found(guard.Confirm, look, "would delete the kopia snapshots %s%s: %s", what, inv.Where(), backupLoss)
	case "expire":
		what := "every source"
		if len(ops) > 2 {
			what = strings.Join(ops[2:], " ")
		}
		return guard.Found(guard.Confirm, look, "would delete the kopia snapshots of %s%s that the retention policy no longer keeps: %s", what, inv.Where(), backupLoss)
	}
	return nil
}

var rcloneSpec = guard.OptSpec{
	LongValue: []string{"config", "filter", "filter-from", "include", "include-from", "exclude", "exclude-from", "files-from",
		"min-age", "max-age", "min-size", "max-size", "bwlimit", "transfers", "checkers", "log-file", "log-level", "backup-dir",
		"suffix", "max-delete", "max-transfer", "order-by", "user-agent", "retries", "low-level-retries", "contimeout", "timeout",
		"stats", "stats-log-level", "compare-dest", "copy-dest", "delete-before", "track-renames-strategy", "max-depth", "password-command"},
}

func matchRcloneDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Program == "rsync" {
		return matchRsyncMirrorEmpty(inv, host)
	}
	p := guard.ParseOptions(inv.Args, rcloneSpec)
	ops := operandValues(p.Operands)
	if len(ops) < 2 || p.Has("n", "dry-run", "i", "interactive", "help", "h") {
		return nil
	}
	look := "look first: rclone lsf -R " + ops[1] + " | head; try it with --dry-run (or -i to be asked per file)"
	filtered := p.Has("include", "exclude", "filter", "filter-from", "include-from", "exclude-from", "files-from", "min-age", "max-age", "min-size", "max-size")
	switch ops[0] {
	case "purge":
		return guard.Found(guard.Confirm, look, "would delete %s%s and everything in it, filters or not: if this is a backup, it is gone with no trash to restore from", ops[1], inv.Where())
	case "delete":
		what := "every file under"
		if filtered {
			what = "the files the filters select under"
		}
		return guard.Found(guard.Confirm, look, "would delete %s %s%s: if this is a backup, those files are gone", what, ops[1], inv.Where())
	case "sync":
		if len(ops) < 3 || p.Has("backup-dir") {
			return nil // --backup-dir keeps what sync would delete
		}
		return emptySourceFinding(inv, host, ops[1], ops[2], "rclone sync")
	}
	return nil
}

func matchVeleroDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "nl", LongValue: []string{"namespace", "kubeconfig", "kubecontext", "features", "selector", "colorized"}})
	ops := operandValues(p.Operands)
	if len(ops) < 2 || p.Has("help", "h") {
		return nil
	}
	kind, verb := ops[0], ops[1]
	if kind == "delete" {
		kind, verb = ops[1], "delete" // velero delete backup NAME
	}
	if verb != "delete" {
		return nil
	}
	context := "the current kubectl context"
	if c, ok := p.Value("kubecontext"); ok {
		context = c.Value
	}
	noun := strings.TrimSuffix(kind, "s")
	what := "the Velero " + noun + " " + strings.Join(ops[2:], " ")
	switch {
	case p.Has("all"):
		what = "every Velero " + noun
	case p.Has("l", "selector"):
		sel, _ := p.Value("l", "selector")
		what = "every Velero " + noun + " matching " + sel.Value
	}
	switch noun {
	case "backup":
		return guard.Found(guard.Confirm, "list them first: velero backup get; look inside: velero backup describe NAME --details",
			"would delete %s in %s, with its files in object storage and its volume snapshots: %s", what, context, backupLoss)
	case "schedule":
		return guard.Found(guard.Warn, "velero schedule get; pause it instead: velero schedule pause NAME",
			"would delete %s in %s: no new backups will be taken (the existing ones stay)", what, context)
	}
	return nil
}

// snapshotName: a path that names a snapshot (/.snapshots/42/snapshot,
// @home-2025-03-01, /srv/snaps/daily.0).
var snapshotName = lazyre.New(`(?i)snap|[0-9]{4}-[0-9]{2}-[0-9]{2}|\.[0-9]+$`)

func matchFsSnapshotDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	switch inv.Program {
	case "btrfs":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "i", LongValue: []string{"subvolid", "format", "log"}})
		ops := operandValues(p.Operands)
		if len(ops) < 3 || !strings.HasPrefix("subvolume", ops[0]) || len(ops[0]) < 2 || !strings.HasPrefix("delete", ops[1]) || p.Has("help", "h") {
			return nil
		}
		if subvolumesMadeByLine(inv, host, p.Operands[2:]) {
			return nil // takes back only what the line made
		}
		hint := "look first: btrfs subvolume list -s " + ops[2] + "; keep at least one snapshot older than the change you are undoing"
		var snaps, subvols []string
		for i, o := range ops[2:] {
			if snapshotName.MatchString(o) || p.Operands[i+2].Glob {
				snaps = append(snaps, o)
			} else {
				subvols = append(subvols, o)
			}
		}
		if len(subvols) > 0 {
			return guard.Found(guard.Confirm, "look first: btrfs subvolume show "+subvols[0]+"; snapshot it first: btrfs subvolume snapshot -r "+subvols[0]+" "+subvols[0]+".bak",
				"would delete the btrfs subvolume %s%s and every file in it, at once", strings.Join(subvols, " "), inv.Where())
		}
		return guard.Found(guard.Confirm, hint, "would delete the btrfs snapshot %s%s: %s", strings.Join(snaps, " "), inv.Where(), backupLoss)
	case "snapper":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "c", LongValue: []string{"config", "root"}})
		ops := operandValues(p.Operands)
		if len(ops) < 2 || (ops[0] != "delete" && ops[0] != "remove" && ops[0] != "rm") {
			return nil
		}
		config := "root"
		if c, ok := p.Value("c", "config"); ok {
			config = c.Value
		}
		return guard.Found(guard.Confirm, "list them first: snapper -c "+config+" list",
			"would delete the snapper snapshots %s of config %s%s: %s", strings.Join(ops[1:], " "), config, inv.Where(), backupLoss)
	case "timeshift":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"snapshot", "snapshot-device", "comments", "tags", "target", "target-device"}})
		hint := "list them first: timeshift --list"
		if p.Has("delete-all") {
			return guard.Found(guard.Confirm, hint, "would delete every Timeshift snapshot%s: %s", inv.Where(), backupLoss)
		}
		if p.Has("delete") {
			what := "the snapshot chosen at the prompt"
			if s, ok := p.Value("snapshot"); ok {
				what = s.Value
			}
			return guard.Found(guard.Confirm, hint, "would delete the Timeshift snapshot %s%s: %s", what, inv.Where(), backupLoss)
		}
	}
	return nil
}

// subvolumesMadeByLine: every subvolume btrfs subvolume delete names is
// not on this host now, and a command of the line that certainly ran
// before it (guard.Invocation.RanBefore) made it: btrfs subvolume create
// PATH, or btrfs subvolume snapshot SRC DEST (DEST itself, or DEST/name
// of SRC when DEST is a folder already there).
func subvolumesMadeByLine(inv *guard.Invocation, host guard.Host, operands []guard.Arg) bool {
	if inv.Remote != "" || len(operands) == 0 {
		return false // guard cannot look there
	}
	for _, op := range operands {
		target := inv.Path(op.Value)
		if !op.Known || op.Glob || target == "" || target == "/" {
			return false
		}
		if _, err := host.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
			return false // there before the line, or guard cannot tell
		}
		made := false
		for b := range inv.RanBefore {
			if b.Program != "btrfs" {
				continue
			}
			bp := guard.ParseOptions(b.Args, guard.OptSpec{ShortValue: "ic", LongValue: []string{"qgroupid", "log", "format"}})
			ops := bp.Operands
			if len(ops) < 3 || len(ops[0].Value) < 2 || !strings.HasPrefix("subvolume", ops[0].Value) || slices.ContainsFunc(ops, func(a guard.Arg) bool { return !a.Known || a.Glob }) {
				continue
			}
			var dest string
			switch {
			case strings.HasPrefix("create", ops[1].Value) && len(ops) == 3:
				dest = b.Path(ops[2].Value)
			case strings.HasPrefix("snapshot", ops[1].Value) && len(ops[1].Value) >= 4 && len(ops) == 4:
				dest = b.Path(ops[3].Value)
				if info, err := host.Lstat(dest); err == nil && info.IsDir() {
					dest = path.Join(dest, path.Base(b.Path(ops[2].Value)))
				}
			}
			if dest != "" && strings.TrimSuffix(dest, "/") == target {
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
