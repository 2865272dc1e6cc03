package rules

import (
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// An inertForm declares how one program is asked only to print help, to
// list, or to rehearse (a dry run): in those forms it changes nothing, so
// no rule about what the program does applies. It is one table for every
// family, so that `git clean -n`, `rsync -n`, `lvremove --test` and
// `aws … help` are not each an if inside a rule.
type inertForm struct {
	// spec tells the program's options that take a value, so that a value
	// is not read as an option.
	spec guard.OptSpec
	// options make any use of the program inert, wherever they stand
	// before "--" (GNU programs and most CLIs handle --help anywhere).
	options []string
	// first lists arguments that make it inert when they come first, as
	// written, for programs whose options cannot be read as clusters
	// (kill -KILL is a signal name, kill -L the signal table; bash's kill
	// reads options only at the front, so kill -9 1 -l still kills).
	first []string
	// unless lists, for an option that takes a value, the values that do
	// not make it inert: kubectl --dry-run=none runs for real.
	unless map[string][]string
	// bySubcommand: options that make one subcommand inert, where the
	// same letter means something else elsewhere (git clean -n is a dry
	// run, git commit -n skips the hooks).
	bySubcommand map[string][]string
	// helpFirst: `git help reset`, `docker help`; helpLast: `aws ec2
	// terminate-instances help`, where "help" is the last operand.
	helpFirst, helpLast bool
	// normalize rewrites the arguments before they are read (tar's old
	// option style: tar tvf x.tar).
	normalize func([]guard.Arg) []guard.Arg
	// custom decides where the dry-run letter depends on another option
	// (mkfs -t xfs -N, mkfs -t ext4 -n).
	custom func(guard.Parsed) bool
	// helpAnywhere: a program that refuses an operand it does not read
	// stops at --help wherever it stands, POSIXLY_CORRECT or not: read as
	// an option it prints help, read as an operand it is refused (dd's
	// "unrecognized operand", mke2fs's block count, mkfs.xfs's one extra
	// argument), so mkfs.ext4 /dev/sdb --help formats nothing.
	helpAnywhere bool
}

var gnuHelp = inertForm{options: []string{"help", "version"}}
var lvmTest = inertForm{spec: lvSpec, options: []string{"t", "test", "help", "h"}}
var lvResizeTest = inertForm{spec: lvResizeSpec, options: []string{"t", "test", "help", "h"}}
var fsckNoModify = inertForm{spec: guard.OptSpec{ShortValue: "tbBCjlLEz", LongValue: []string{"type"}}, options: []string{"n", "N", "no-modify", "help"}}
var mke2fsDry = inertForm{spec: guard.OptSpec{ShortValue: "bCcdEgGiIjJLmMNoOrtTUe"}, options: []string{"n", "V", "help", "h"}, helpAnywhere: true}
var lxcHelp = inertForm{options: []string{"help", "h", "usage", "version"}}
var cloudHelp = inertForm{options: []string{"help", "dry-run", "dryrun"}, helpFirst: true, helpLast: true}
var backupDry = inertForm{options: []string{"dry-run", "n", "help", "h"}}

// goFlagHelp: terraform and its forks read options the way Go's flag
// package does, one name after one dash or two (-chdir=infra, -help), never
// a cluster of letters: -chdir is not -c -h -d….
var goFlagHelp = inertForm{options: []string{"help", "h"}, helpFirst: true, normalize: goFlagStyle}

// inertForms is the table, by program name. A program not in it is never
// inert by this table (its rules may still know better).
var inertForms = map[string]inertForm{
	// files
	"rm": gnuHelp, "cp": gnuHelp, "mv": gnuHelp, "ln": gnuHelp, "install": gnuHelp,
	"chmod": gnuHelp, "chown": gnuHelp, "chgrp": gnuHelp, "truncate": gnuHelp,
	"shred": gnuHelp, "unlink": gnuHelp, "tee": gnuHelp,
	"dd":       {options: []string{"help", "version"}, helpAnywhere: true},
	"rsync":    {spec: rsyncSpec, options: []string{"n", "dry-run", "list-only", "help"}},
	"tar":      {spec: tarSpec, options: []string{"t", "list", "O", "to-stdout", "help", "d", "diff", "compare"}, normalize: oldTarStyle},
	"cpio":     {spec: cpioSpec, options: []string{"t", "list", "help", "version"}},
	"unzip":    {spec: guard.OptSpec{ShortValue: "dxP"}, options: []string{"l", "t", "v", "Z", "p", "c", "h", "help"}},
	"dpkg-deb": {options: []string{"help", "version", "c", "contents", "I", "info", "f", "field", "W", "show"}},
	// packages
	"apt":      {spec: aptSpec, options: []string{"s", "simulate", "dry-run", "just-print", "no-act", "recon", "help", "h"}},
	"apt-get":  {spec: aptSpec, options: []string{"s", "simulate", "dry-run", "just-print", "no-act", "recon", "help", "h"}},
	"aptitude": {spec: aptSpec, options: []string{"s", "simulate", "help"}},
	"dpkg":     {spec: aptSpec, options: []string{"no-act", "dry-run", "simulate", "help", "?"}},
	"yum":      {spec: aptSpec, options: []string{"assumeno", "help", "h"}},
	"dnf":      {spec: aptSpec, options: []string{"assumeno", "help", "h"}},
	"zypper":   {options: []string{"dry-run", "D", "help", "h"}},
	"pacman":   {options: []string{"p", "print", "help", "h"}},
	// version control, containers, orchestration, infrastructure
	"git": {spec: withoutStop(gitGlobalSpec), options: []string{"help"}, helpFirst: true, bySubcommand: map[string][]string{
		"clean": {"n", "dry-run", "h"}, "push": {"n", "dry-run", "h"}, "rm": {"n", "dry-run", "h"},
		"add": {"n", "dry-run", "h"}, "mv": {"n", "dry-run", "h"}, "reset": {"h"}, "checkout": {"h"},
		"restore": {"h"}, "stash": {"h"},
	}},
	"docker":         {spec: dockerGlobalSpec, options: []string{"help", "dry-run"}, helpFirst: true},
	"docker-compose": {options: []string{"help", "h", "dry-run"}, helpFirst: true},
	"podman":         {options: []string{"help", "h"}, helpFirst: true},
	"nerdctl":        {options: []string{"help", "h"}, helpFirst: true},
	"dockerd":        {spec: dockerGlobalSpec, options: []string{"help", "v", "version", "validate"}},
	"kubectl":        {spec: kubectlSpec, options: []string{"help", "h", "dry-run"}, unless: map[string][]string{"dry-run": {"none", "false"}}, helpFirst: true},
	"oc":             {spec: kubectlSpec, options: []string{"help", "h", "dry-run"}, unless: map[string][]string{"dry-run": {"none", "false"}}, helpFirst: true},
	"helm":           {options: []string{"help", "h", "dry-run"}, unless: map[string][]string{"dry-run": {"none", "false"}}, helpFirst: true},
	"gh":             {options: []string{"help", "h"}, helpFirst: true},
	"glab":           {options: []string{"help", "h"}, helpFirst: true},
	"terraform":      goFlagHelp,
	"tofu":           goFlagHelp,
	"terragrunt":     goFlagHelp,
	"pulumi":         {options: []string{"help", "h", "preview-only"}, helpFirst: true},
	"cdk":            {options: []string{"help", "h"}},
	"aws":            cloudHelp,
	"gcloud":         {options: []string{"help"}, helpFirst: true},
	"gsutil":         {options: []string{"help"}, helpFirst: true},
	"az":             {options: []string{"help", "h"}},
	"zfs":            {options: []string{"help"}, helpFirst: true, bySubcommand: map[string][]string{"destroy": {"n"}}},
	"zpool":          {options: []string{"help"}, helpFirst: true},
	"restic":         backupDry, "borg": backupDry, "rclone": backupDry, "kopia": {options: []string{"help", "dry-run"}},
	// storage
	"lvremove": lvmTest, "vgremove": lvmTest, "pvremove": lvmTest, "lvreduce": lvResizeTest,
	"lvresize": lvResizeTest, "pvcreate": lvmTest, "pvmove": lvmTest, "lvchange": lvmTest,
	"lvconvert": lvmTest, "lvcreate": lvmTest, "vgreduce": lvmTest,
	"mke2fs": mke2fsDry, "mkfs.ext2": mke2fsDry, "mkfs.ext3": mke2fsDry, "mkfs.ext4": mke2fsDry,
	"mkfs.xfs": {spec: guard.OptSpec{ShortValue: "bdfiLlmnprs"}, options: []string{"N", "V", "help", "h"}, helpAnywhere: true},
	"mkfs":     {spec: guard.OptSpec{ShortValue: "t", LongValue: []string{"type"}}, options: []string{"V", "version", "help", "h"}, custom: mkfsDryRun, helpAnywhere: true},
	"newfs":    {spec: guard.OptSpec{ShortValue: "LSabcdefgimoprsTFhkl"}, options: []string{"N"}},
	"wipefs":   {spec: guard.OptSpec{ShortValue: "otO", LongValue: []string{"offset", "types", "output", "backup"}}, options: []string{"n", "no-act", "help", "h", "V"}},
	"sfdisk": {spec: guard.OptSpec{ShortValue: "NX", LongValue: []string{"label", "label-nested", "backup-file", "color", "wipe", "wipe-partitions", "move-data", "sector-size"}},
		options: []string{"l", "list", "d", "dump", "J", "json", "s", "show-size", "g", "show-geometry", "V", "verify", "n", "no-act", "help", "h", "list-free", "F", "list-types", "T"}},
	"fdisk":      {options: []string{"l", "list", "help", "h", "V", "version"}},
	"parted":     {options: []string{"l", "list", "help", "h", "v", "version"}},
	"sgdisk":     {spec: sgdiskSpec, options: []string{"help", "?", "version", "V", "P", "pretend"}},
	"mdadm":      {options: []string{"help", "h", "version", "V"}},
	"dmsetup":    {options: []string{"help", "h", "version"}, helpFirst: true},
	"btrfs":      {options: []string{"help"}, helpFirst: true},
	"cryptsetup": {options: []string{"help", "usage", "version", "V"}},
	"hdparm":     {options: []string{"h", "help"}},
	"badblocks":  {options: []string{"help"}},
	"ddrescue":   {options: []string{"help", "h", "version", "V"}},
	"nbd-client": {options: []string{"help", "h"}},
	"fsck":       fsckNoModify, "e2fsck": fsckNoModify, "xfs_repair": fsckNoModify,
	"fsck.ext2": fsckNoModify, "fsck.ext3": fsckNoModify, "fsck.ext4": fsckNoModify, "fsck.xfs": fsckNoModify,
	// power, processes, network, services
	"systemctl": {spec: systemctlSpec, options: []string{"help", "h"}, bySubcommand: map[string][]string{
		// systemctl permutes its options: systemctl reboot --help prints help
		"poweroff": {"dry-run", "help", "h"}, "reboot": {"dry-run", "help", "h"}, "halt": {"dry-run", "help", "h"}, "kexec": {"dry-run", "help", "h"},
		"suspend": {"dry-run", "help", "h"}, "hibernate": {"dry-run", "help", "h"}, "hybrid-sleep": {"dry-run", "help", "h"}, "soft-reboot": {"dry-run", "help", "h"},
		"suspend-then-hibernate": {"dry-run", "help", "h"}, "rescue": {"dry-run", "help", "h"}, "emergency": {"dry-run", "help", "h"},
	}},
	"shutdown":   {options: []string{"help"}},
	"reboot":     {options: []string{"help", "w", "wtmp-only"}},
	"poweroff":   {options: []string{"help", "w", "wtmp-only"}},
	"halt":       {options: []string{"help", "w", "wtmp-only"}},
	"init":       {options: []string{"help"}},
	"telinit":    {options: []string{"help"}},
	"loginctl":   {options: []string{"help", "h"}},
	"kill":       {first: []string{"-l", "-L", "--list", "--table", "--help"}},
	"pkill":      {options: []string{"help", "h", "V"}},
	"killall":    {options: []string{"help", "l", "list", "V"}},
	"ipmitool":   {options: []string{"h"}},
	"ifdown":     {spec: guard.OptSpec{ShortValue: "iX", LongValue: []string{"interfaces", "exclude"}}, options: []string{"n", "no-act", "h", "help"}},
	"iptables":   {spec: iptablesSpec, options: []string{"h", "help"}},
	"ip6tables":  {spec: iptablesSpec, options: []string{"h", "help"}},
	"nft":        {options: []string{"c", "check", "h", "help"}},
	"lxc-attach": lxcHelp,
	"nsupdate":   {options: []string{"h"}},
	"crontab":    {options: []string{"help"}},
}

// withoutStop reads a program's global options and its subcommand's in
// one pass: the same parse then sees `git -C dir clean -n`.
func withoutStop(spec guard.OptSpec) guard.OptSpec {
	spec.StopAtOperand = false
	return spec
}

var aptSpec = guard.OptSpec{ShortValue: "octqe", LongValue: []string{"option", "config-file", "target-release", "root", "admindir", "installroot", "releasever"}}

var cpioSpec = guard.OptSpec{ShortValue: "DEFHIMORC", LongValue: []string{"directory", "pattern-file", "file", "format", "message", "owner", "io-size", "block-size", "rsh-command"}}

func oldTarStyle(args []guard.Arg) []guard.Arg {
	if len(args) > 0 && args[0].Known && !strings.HasPrefix(args[0].Value, "-") {
		return expandOldTar(args)
	}
	return args
}

// goFlagStyle spells each single-dash option with two dashes, so that it
// is read as one name.
func goFlagStyle(args []guard.Arg) []guard.Arg {
	out := make([]guard.Arg, len(args))
	for i, a := range args {
		if a.Known && len(a.Value) > 1 && a.Value[0] == '-' && a.Value[1] != '-' {
			a.Value = "-" + a.Value
		}
		out[i] = a
	}
	return out
}

// mkfsDryRun: mkfs hands its options to mkfs.TYPE, whose dry-run letter
// differs: -N for xfs, -n for the ext family (ext2 is mkfs's default);
// for vfat, -n is the volume name.
func mkfsDryRun(p guard.Parsed) bool {
	fsType, _ := p.Value("t", "type")
	switch fsType.Value {
	case "xfs":
		return p.Has("N")
	case "", "ext2", "ext3", "ext4":
		return p.Has("n")
	}
	return false
}

// permutingParsers read options wherever they stand, whatever the
// environment (pflag, Go's flag per subcommand, git's parse-options,
// apt's and Python's parsers). Every other program in the table uses
// getopt, which POSIXLY_CORRECT makes stop at the first operand: for
// those only the options before it count (rm -rf /usr --help deletes
// /usr then), at each level (systemctl [opts] reboot [opts] ARG).
var permutingParsers = map[string]bool{
	"git": true, "docker": true, "docker-compose": true, "podman": true, "nerdctl": true, "dockerd": true,
	"kubectl": true, "oc": true, "helm": true, "terraform": true, "tofu": true, "terragrunt": true,
	"pulumi": true, "cdk": true, "aws": true, "gcloud": true, "gsutil": true, "az": true,
	"apt": true, "apt-get": true, "aptitude": true, "yum": true, "dnf": true, "zypper": true,
	"restic": true, "rclone": true, "kopia": true, "borg": true, "btrfs": true,
	"gh": true, "glab": true,
}

// changesNothing reports whether the invocation is one of its program's
// inert forms: help, a listing or a dry run.
func changesNothing(inv *guard.Invocation) bool {
	form, ok := inertForms[inv.Program]
	if !ok {
		return false
	}
	args := inv.Args
	if len(args) > 0 && args[0].Known && slices.Contains(form.first, args[0].Value) {
		return true
	}
	if form.custom == nil && form.normalize == nil && !mayMention(form, args) {
		return false // the usual case, decided without parsing
	}
	if form.normalize != nil {
		args = form.normalize(args)
	}
	spec := form.spec
	spec.StopAtOperand = !permutingParsers[inv.Program]
	p := guard.ParseOptions(args, spec)
	for _, name := range form.options {
		if p.Has(name) && !excepted(p, name, form.unless[name]) {
			return true
		}
	}
	if form.helpAnywhere && spec.StopAtOperand {
		spec.StopAtOperand = false
		if guard.ParseOptions(args, spec).Has("help", "h") {
			return true
		}
	}
	if form.custom != nil && form.custom(p) {
		return true
	}
	if len(p.Operands) == 0 {
		return false
	}
	first, last := p.Operands[0], p.Operands[len(p.Operands)-1]
	if form.helpFirst && first.Known && first.Value == "help" || form.helpLast && last.Known && last.Value == "help" {
		return true
	}
	sub := p
	if spec.StopAtOperand {
		sub = guard.ParseOptions(p.Rest, spec)
	}
	for _, name := range form.bySubcommand[first.Value] {
		if p.Has(name) || sub.Has(name) {
			return true
		}
	}
	return false
}

// mayMention is a quick look, without parsing, at whether any argument
// could be one of the form's options or its help word: when it says no,
// the command is certainly not inert.
func mayMention(form inertForm, args []guard.Arg) bool {
	for _, a := range args {
		v := a.Value
		switch {
		case v == "--":
			return false
		case v == "help":
			if form.helpFirst || form.helpLast {
				return true
			}
		case strings.HasPrefix(v, "--"):
			name, _, _ := strings.Cut(v[2:], "=")
			if form.names(func(o string) bool { return o == name }) {
				return true
			}
		case len(v) > 1 && v[0] == '-':
			if form.names(func(o string) bool { return len(o) == 1 && strings.Contains(v[1:], o) }) {
				return true
			}
		}
	}
	return false
}

// names reports whether any option of the form, anywhere or for a
// subcommand, satisfies match.
func (form inertForm) names(match func(string) bool) bool {
	for _, o := range form.options {
		if match(o) {
			return true
		}
	}
	for _, opts := range form.bySubcommand {
		for _, o := range opts {
			if match(o) {
				return true
			}
		}
	}
	return false
}

// excepted: every value given to the option is one that still acts.
func excepted(p guard.Parsed, name string, acting []string) bool {
	if len(acting) == 0 {
		return false
	}
	values := p.Values(name)
	if len(values) == 0 {
		return false // bare --dry-run: kubectl reads it as client
	}
	for _, v := range values {
		if !slices.Contains(acting, v.Value) {
			return false
		}
	}
	return true
}

// inertAware marks a rule as not to be asked about an inert form of its
// programs (the engine asks changesNothing once per command). A rule about
// every command (redirections: > /etc/passwd, > /dev/sda) is still asked,
// about the redirections alone: `git clean --help > /etc/passwd` empties
// /etc/passwd all the same.
func inertAware(r *guard.Rule) {
	r.Inert = inert
}

// inert is the one check the catalog's rules share.
var inert = &guard.InertCheck{Is: changesNothing}
