package guard

import (
	"fmt"
	"slices"
	"strings"
)

// Rule is one entry of the catalog: a declared value with its id, the
// programs it is about, and a Match function of a resolved invocation and
// the read-only host. Rules never parse text or run commands themselves.
type Rule struct {
	// ID is stable: users search, silence and look it up by it.
	ID string
	// Family names the group of related rules it belongs to ("storage",
	// "power"), for listings; the built-in catalog sets it per family file.
	Family string
	// Programs are the programs the rule is about; the engine only asks
	// the rule about those. "mkfs.*" matches by prefix. Empty means every
	// command, including bare redirections (Program "").
	Programs []string
	// Decision is the rule's usual decision, for the catalog listing; a
	// finding may carry another (confirm instead of block when unsure).
	Decision Decision
	// Summary is one line for `guard rules`.
	Summary string
	// Postmortem names the incident the rule comes from.
	Postmortem string
	// Explain is the rule's full story for `guard explain`, or notes
	// added to its Story (a site's override of its decision).
	Explain string
	// Story reads the rule's story when it is asked for: the catalog's
	// stories are embedded pages, and most processes judge one line and
	// never show one. Explanation joins it with Explain.
	Story func() string
	// Machine is set for a rule about the machine the command runs on:
	// its files, processes, services, devices, packages and accounts. It
	// is not asked about a command run in a throwaway container
	// (Invocation.Throwaway), which has its own of all those. Rules about
	// what lies beyond the machine (a database server, a cluster, a
	// remote branch) leave it unset.
	Machine bool
	// Match returns a finding when the rule applies, nil otherwise.
	Match func(inv *Invocation, host Host) *Finding
	// Inert, when set, says which commands change nothing (a --help, a
	// dry run): the rule is not asked about them, or, if it is about
	// every command, asked about their redirections alone (`git clean
	// --help > /etc/passwd` still empties /etc/passwd). Rules that share
	// one check have it asked once per command.
	Inert *InertCheck
}

// InertCheck says whether a command changes nothing.
type InertCheck struct {
	Is func(inv *Invocation) bool
}

// inertMemo asks each InertCheck once per command, for all its rules.
type inertMemo struct {
	check *InertCheck
	inert bool
}

// subject is what rule r is asked about for inv: inv itself, its
// redirections alone, or nothing (nil) when inv changes nothing.
func (m *inertMemo) subject(r *Rule, inv *Invocation) *Invocation {
	if r.Inert == nil {
		return inv
	}
	if m.check != r.Inert {
		m.check, m.inert = r.Inert, r.Inert.holds(inv)
	}
	if !m.inert {
		return inv
	}
	if len(r.Programs) > 0 || len(inv.Redirs) == 0 {
		return nil
	}
	bare := *inv
	bare.Program, bare.Command, bare.Args = "", Arg{}, nil
	return &bare
}

// holds: a check that fails reads as "changes something": the command is
// judged whole.
func (c *InertCheck) holds(inv *Invocation) (inert bool) {
	defer func() {
		if recover() != nil {
			inert = false
		}
	}()
	return c.Is(inv)
}

// Finding is one thing guard found in a line.
type Finding struct {
	Rule     string   `json:"rule"`
	Decision Decision `json:"decision"`
	// Command is the simple command the finding is about, as written.
	Command string `json:"command"`
	// Message says what would happen.
	Message string `json:"message"`
	// Hint says what to type instead.
	Hint string `json:"hint"`
	// Backup is what to save before running the command, if anything.
	Backup *Backup `json:"-"`
	// ConfirmWith is what a person must type to confirm it; "" means
	// the word yes. ssh-power asks for the host name, so that a reboot
	// typed into the wrong terminal is caught (as molly-guard does).
	ConfirmWith string `json:"confirm_with,omitempty"`
	// AtRisk is what the finding would destroy, counted on the host
	// (guard/risk); nil when nothing was assessed.
	AtRisk *AtRisk `json:"at_risk,omitempty"`
}

// TypeToConfirm sets what a person must type to confirm the finding.
func (f *Finding) TypeToConfirm(word string) *Finding {
	f.ConfirmWith = word
	return f
}

// Saving attaches a backup plan to a finding.
func (f *Finding) Saving(b Backup) *Finding {
	f.Backup = &b
	return f
}

// Found builds a finding; the engine fills in the rule id and command.
func Found(d Decision, hint, format string, args ...any) *Finding {
	return &Finding{Decision: d, Message: fmt.Sprintf(format, args...), Hint: hint}
}

// Validate checks that a rule is complete enough to be trusted.
func (r *Rule) Validate() error {
	var missing []string
	if r.ID == "" {
		missing = append(missing, "id")
	}
	if r.Summary == "" {
		missing = append(missing, "summary")
	}
	if r.Match == nil {
		missing = append(missing, "match")
	}
	if r.Explain == "" && r.Story == nil {
		missing = append(missing, "explanation")
	}
	if len(missing) > 0 {
		return fmt.Errorf("rule %q: missing %s", r.ID, strings.Join(missing, ", "))
	}
	return nil
}

// Explanation is the rule's story, as guard explain shows it.
func (r *Rule) Explanation() string {
	if r.Story != nil {
		return r.Story() + r.Explain
	}
	return r.Explain
}

// SSHClient reports whether the line runs in an SSH session, and from
// where. A command sent through ssh to another host always is; one run
// inside a container is not: it does not power off or cut the network of
// the machine the session is on, unless the container shares the host's
// network or processes (docker run --network host).
func SSHClient(inv *Invocation, host Host) (string, bool) {
	if inv.OwnNetwork() {
		return "", false // another network namespace's devices and rules
	}
	if inv.Container != "" && len(inv.HostNamespaces) == 0 {
		return "", false
	}
	if inv.Container != "" {
		inv = &Invocation{Program: inv.Program, Args: inv.Args, Via: inv.Via}
	}
	if inv.Remote != "" {
		return "this machine", true
	}
	if file := inv.StartupFile(); file != "" && strings.HasPrefix(inv.Via[len(inv.Via)-1], startupVia) {
		// code in a start-up file runs at every login (an alias it
		// defines, only when typed): the next login may come over SSH,
		// and be the only way in
		return "the next login that reads " + file, true
	}
	for _, name := range []string{"SSH_CONNECTION", "SSH_CLIENT"} {
		if v, ok := host.Getenv(name); ok && v != "" {
			client, _, _ := strings.Cut(v, " ")
			return client, true
		}
	}
	if v, ok := host.Getenv("SSH_TTY"); ok && v != "" {
		return "an SSH client", true
	}
	return "", false
}

// SharesHost says whether the command runs on this host's namespace ns
// ("network", "processes"): on the host itself, or in a container that shares
// it (docker run --network host).
func SharesHost(inv *Invocation, ns string) bool {
	return inv.Container == "" || slices.Contains(inv.HostNamespaces, ns)
}

// SessionHostName is the name of the machine whose network or power the
// command changes: a container that shares the host's namespaces changes
// the host's.
func SessionHostName(inv *Invocation, host Host) string {
	if inv.Container != "" && len(inv.HostNamespaces) > 0 && !strings.Contains(inv.Remote, " on ") {
		return host.Hostname() + " (through " + inv.Container + ", which shares its " + strings.Join(inv.HostNamespaces, " and ") + ")"
	}
	return HostName(inv, host)
}

// HostName is the name of the machine the command runs on.
func HostName(inv *Invocation, host Host) string {
	if inv.Remote != "" {
		return inv.Remote
	}
	return host.Hostname()
}

// BackupKind says how to save what a command would destroy.
type BackupKind string

const (
	BackupFiles    BackupKind = "files"    // files and folders, by path
	BackupCrontab  BackupKind = "crontab"  // a user's crontab -l
	BackupLVM      BackupKind = "lvm"      // vgcfgbackup of a volume group
	BackupFirewall BackupKind = "firewall" // iptables-save and nft list ruleset
	BackupGit      BackupKind = "git"      // a work tree's changes and untracked files
)

// elsewhere is the backup of a command that runs on another host or in a
// container: its files are not this machine's, so guard can neither
// count nor snapshot them from here (ssh web1 rm -rf /srv/app would
// otherwise count and save this machine's /srv/app). A command in a
// container that names host folders mapped into it is judged again on the
// host, where its backup stands.
func (b *Backup) elsewhere(inv *Invocation) *Backup {
	if b == nil || inv.Remote == "" || b.Unknown != "" || b.Kind != BackupFiles && b.Kind != BackupCrontab && b.Kind != BackupGit {
		return b
	}
	where := "it runs on " + inv.Remote
	if inv.Container != "" {
		where = "it runs in " + inv.Remote
	}
	return &Backup{Kind: b.Kind, Paths: b.Paths, Unknown: where + ", not on this machine"}
}

// Backup is what a finding says must be saved before the command may run,
// computed from the resolved operands.
type Backup struct {
	Kind BackupKind
	// Paths are the files or folders at risk (BackupFiles).
	Paths []string
	// Overwrite is true when the command writes over the files in place
	// (cp, > file): then a hard link would not keep the old content.
	Overwrite bool
	// User whose crontab (BackupCrontab); "" is the current user.
	User string
	// VG is the volume group (BackupLVM).
	VG string
	// Dir is the git work tree (BackupGit).
	Dir string
	// Unknown says why what is at risk cannot be known; such a backup
	// cannot be taken.
	Unknown string
}
