package guard

import "strings"

// GNU programs accept a long option cut short to any prefix that names
// only one of their options (getopt_long, argp, git's parse-options):
// rm --rec --for is rm --recursive --force, tar --to-com=CMD is
// --to-command=CMD, sed --in-pl is --in-place. Rules and wrappers read the
// full names, so each such word is read as the option it stands for. A
// prefix of two options is an error the program stops at, and is left
// as typed.

// longOptions lists each program's long options, as its --help prints
// them (coreutils 9.1, tar 1.34, sed 4.9, findutils 4.9, util-linux 2.38,
// sudo 1.9.13, systemd 252, procps 4, psmisc 23, shadow 4.13): a program not listed
// here is not known to take abbreviations (rsync does not).
var longOptions = map[string]string{
	"rm":        "dir force help interactive no-preserve-root one-file-system preserve-root recursive verbose version",
	"cp":        "archive attributes-only backup context copy-contents dereference force help interactive link no-clobber no-dereference no-preserve no-target-directory one-file-system parents preserve recursive reflink remove-destination sparse strip-trailing-slashes suffix symbolic-link target-directory update verbose version",
	"mv":        "backup context force help interactive no-clobber no-target-directory strip-trailing-slashes suffix target-directory update verbose version",
	"ln":        "backup directory force help interactive logical no-dereference no-target-directory physical relative suffix symbolic target-directory verbose version",
	"chmod":     "changes help no-preserve-root preserve-root quiet recursive reference silent verbose version",
	"chown":     "changes dereference from help no-dereference no-preserve-root preserve-root quiet recursive reference silent verbose version",
	"chgrp":     "changes dereference help no-dereference no-preserve-root preserve-root quiet recursive reference silent verbose version",
	"shred":     "exact force help iterations random-source remove size verbose version zero",
	"truncate":  "help io-blocks no-create reference size version",
	"install":   "backup compare context directory group help mode no-target-directory owner preserve-context preserve-timestamps strip strip-program suffix target-directory verbose version",
	"sed":       "debug expression file follow-symlinks help in-place line-length null-data posix quiet regexp-extended sandbox separate silent unbuffered version",
	"tar":       "absolute-names acls add-file after-date anchored append atime-preserve auto-compress backup block-number blocking-factor bzip2 catenate check-device check-links checkpoint checkpoint-action clamp-mtime compare compress concatenate confirmation create delay-directory-restore delete dereference diff directory exclude exclude-backups exclude-caches exclude-caches-all exclude-caches-under exclude-from exclude-ignore exclude-ignore-recursive exclude-tag exclude-tag-all exclude-tag-under exclude-vcs exclude-vcs-ignores extract file files-from force-local format full-time get group group-map gunzip gzip hard-dereference help hole-detection ignore-case ignore-command-error ignore-failed-read ignore-zeros incremental index-file info-script interactive keep-directory-symlink keep-newer-files keep-old-files label level list listed-incremental lzip lzma lzop mode mtime multi-volume new-volume-script newer newer-mtime no-acls no-anchored no-auto-compress no-check-device no-delay-directory-restore no-ignore-case no-ignore-command-error no-null no-overwrite-dir no-quote-chars no-recursion no-same-owner no-same-permissions no-seek no-selinux no-unquote no-verbatim-files-from no-wildcards no-wildcards-match-slash no-xattrs null numeric-owner occurrence old-archive one-file-system one-top-level overwrite overwrite-dir owner owner-map pax-option portability posix preserve-order preserve-permissions quote-chars quoting-style read-full-records record-size recursion recursive-unlink remove-files restrict rmt-command rsh-command same-order same-owner same-permissions seek selinux show-defaults show-omitted-dirs show-snapshot-field-ranges show-stored-names show-transformed-names skip-old-files sort sparse sparse-version starting-file strip-components suffix tape-length test-label to-command to-stdout totals touch transform uncompress ungzip unlink-first unquote update usage use-compress-program utc verbatim-files-from verbose verify version volno-file warning wildcards wildcards-match-slash xattrs xattrs-exclude xattrs-include xform xz zstd",
	"tee":       "append help ignore-interrupts output-error version",
	"env":       "block-signal chdir debug default-signal help ignore-environment ignore-signal list-signal-handling null split-string unset version",
	"timeout":   "foreground help kill-after preserve-status signal verbose version",
	"sort":      "batch-size buffer-size check compress-program debug dictionary-order field-separator files0-from general-numeric-sort help human-numeric-sort ignore-case ignore-leading-blanks ignore-nonprinting key merge month-sort numeric-sort output parallel random-sort random-source reverse sort stable temporary-directory unique version version-sort zero-terminated",
	"xargs":     "arg-file delimiter eof exit help interactive max-args max-chars max-lines max-procs no-run-if-empty null open-tty process-slot-var replace show-limits verbose version",
	"wipefs":    "all backup force help json lock no-act noheadings offset output parsable quiet types version",
	"sudo":      "askpass background bell chdir chroot close-from command-timeout edit group help host list login non-interactive other-user preserve-env preserve-groups prompt remove-timestamp reset-timestamp role set-home shell stdin type user validate version",
	"systemctl": "all boot-loader-entry boot-loader-menu check-inhibitors dry-run failed firmware-setup force full global help host image job-mode kill-whom legend lines machine marked mkdir no-ask-password no-block no-pager no-reload no-wall now output plain preset-mode property quiet read-only recursive reverse root runtime show-transaction show-types signal state system timestamp type user value version wait what with-dependencies",
	"nice":      "adjustment help version",
	"ionice":    "class classdata help ignore pgid pid uid version",
	"setsid":    "ctty fork help version wait",
	"stdbuf":    "error help input output version",
	"unshare":   "boottime cgroup fork help ipc keep-caps kill-child map-auto map-current-user map-group map-groups map-root-user map-user map-users monotonic mount mount-proc net pid propagation root setgid setgroups setuid time user uts version wd",
	"nsenter":   "all cgroup follow-context help ipc mount net no-fork pid preserve-credentials root setgid setuid target time user uts version wd wdns",
	"chroot":    "groups help skip-chdir userspec version",
	"runuser":   "command fast group help login preserve-environment pty session-command shell supp-group user version whitelist-environment",
	"su":        "command fast group help login preserve-environment pty session-command shell supp-group version whitelist-environment",
	"mount":     "all bind fake fork fstab help internal-only label make-private make-rprivate make-rshared make-rslave make-runbindable make-shared make-slave make-unbindable mkdir move namespace no-canonicalize no-mtab options options-mode options-source options-source-force rbind read-only read-write rw show-labels source target target-prefix test-opts types uuid verbose version",
	"umount":    "all all-targets detach-loop fake force help internal-only lazy namespace no-canonicalize no-mtab quiet read-only recursive test-opts types verbose version",
	"pkill":     "cgroup count echo euid exact full group help ignore-ancestors ignore-case logpidfile newest ns nslist older oldest parent pgroup pidfile queue runstates session signal terminal uid version",
	"userdel":   "force help prefix remove root selinux-user",
	"usermod":   "add-subgids add-subuids append badname comment del-subgids del-subuids expiredate gid groups help home inactive lock login move-home non-unique password prefix remove root selinux-user shell uid unlock",
	"passwd":    "all delete expire help inactive keep-tokens lock maxdays mindays quiet repository root status unlock warndays",
	"killall":   "context exact ignore-case interactive list ns older-than process-group quiet regexp signal user verbose version wait younger-than",
}

// gitLongOptions lists the long options of the git subcommands whose
// rules read them (git 2.39, git SUBCOMMAND -h).
var gitLongOptions = map[string]string{
	"push":     "all atomic delete dry-run exec follow-tags force force-if-includes force-with-lease ipv4 ipv6 mirror no-verify porcelain progress prune push-option quiet receive-pack recurse-submodules repo set-upstream signed tags thin verbose",
	"clean":    "dry-run exclude force interactive quiet",
	"reset":    "hard intent-to-add keep merge mixed no-refresh patch pathspec-file-nul pathspec-from-file quiet recurse-submodules soft",
	"checkout": "conflict detach force guess ignore-other-worktrees ignore-skip-worktree-bits merge orphan ours overlay overwrite-ignore patch pathspec-file-nul pathspec-from-file progress quiet recurse-submodules theirs track",
	"branch":   "abbrev all color column contains copy create-reflog delete edit-description force format ignore-case list merged move no-contains no-merged points-at quiet recurse-submodules remotes set-upstream-to show-current sort track unset-upstream verbose",
	"rebase":   "abort apply autosquash autostash committer-date-is-author-date continue edit-todo empty exec force-rebase fork-point gpg-sign ignore-whitespace interactive keep-base merge no-ff no-stat no-verify onto quiet quit reapply-cherry-picks rebase-merges rerere-autoupdate reschedule-failed-exec reset-author-date root show-current-patch signoff skip strategy strategy-option update-refs verbose whitespace",
	"stash":    "all include-untracked index keep-index message only-untracked patch pathspec-file-nul pathspec-from-file quiet staged",
}

// optionsFirst are the programs whose options end at their first operand
// (the command they run, for the wrappers), with their short options
// that take a value: sudo -u root userdel --remove is userdel's --remove,
// not sudo's --remove-timestamp.
var optionsFirst = map[string]string{
	"sudo": "CDghprRtTUu", "env": "uCS", "timeout": "sk", "nice": "n", "ionice": "cnpPu",
	"setsid": "", "stdbuf": "ioe", "unshare": "SGRw", "nsenter": "tSGrwU", "chroot": "",
	"runuser": "cgGsuw", "su": "cgGsw", "xargs": "aEeIiLlnPsd",
}

// spellOutOptions returns args with each abbreviated long option written
// in full (--rec → --recursive, --to-com=X → --to-command=X), and args
// itself when none is abbreviated.
func spellOutOptions(program string, args []Arg) []Arg {
	names, ok := longOptions[program]
	start := 0
	if program == "git" {
		start = gitSubcommand(args)
		if start < 0 {
			return args
		}
		names, ok = gitLongOptions[args[start].Value]
		start++
	}
	if !ok {
		return args
	}
	valued, stops := optionsFirst[program]
	var out []Arg
	for i := start; i < len(args); i++ {
		a := args[i]
		if !a.Known || a.Value == "--" {
			if a.Known {
				break // operands follow
			}
			continue
		}
		if stops && !strings.HasPrefix(a.Value, "-") {
			break // the command it runs, with options of its own
		}
		if stops && len(a.Value) > 1 && a.Value[1] != '-' {
			if k := strings.IndexAny(a.Value[1:], valued); k == len(a.Value)-2 {
				i++ // sudo -u root: root is -u's
			}
			continue
		}
		if len(a.Value) < 3 || !strings.HasPrefix(a.Value, "--") {
			continue
		}
		name, value, hasValue := strings.Cut(a.Value[2:], "=")
		full, ok := uniquePrefix(names, name)
		if !ok || full == name {
			continue
		}
		if out == nil {
			out = append([]Arg(nil), args...)
		}
		a.Value = "--" + full
		if hasValue {
			a.Value += "=" + value
		}
		out[i] = a
	}
	if out == nil {
		return args
	}
	return out
}

// uniquePrefix finds the one option of names (space-separated) that
// prefix names or begins: the option itself when it is one, none when two
// begin with it.
func uniquePrefix(names, prefix string) (string, bool) {
	found := ""
	for names != "" {
		var name string
		name, names, _ = strings.Cut(names, " ")
		if name == prefix {
			return name, true
		}
		if strings.HasPrefix(name, prefix) {
			if found != "" {
				return "", false // ambiguous: the program refuses it
			}
			found = name
		}
	}
	return found, found != ""
}

// gitSubcommand is the position of git's subcommand in args (after -C
// DIR, -c KEY=VALUE and the other global options), -1 when there is none
// guard can read.
func gitSubcommand(args []Arg) int {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case !a.Known:
			return -1
		case a.Value == "-C" || a.Value == "-c" || a.Value == "--git-dir" || a.Value == "--work-tree" || a.Value == "--namespace":
			i++
		case strings.HasPrefix(a.Value, "-"):
		default:
			return i
		}
	}
	return -1
}
