package rules

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// The host's own services that are the way back in or out: the console
// logins (the way in when SSH fails), the local resolver every name
// lookup goes through, and the unit drop-ins that decide how sshd starts.
func servicesRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "console-login-cut",
		Programs:   []string{"systemctl"},
		Decision:   guard.Confirm,
		Summary:    "over SSH, the console logins masked, disabled or stopped (getty@tty1, serial-getty@, console-getty, getty.target): the way back in when SSH fails; warn outside SSH; getty@tty2 and above pass",
		Postmortem: "systemctl mask getty@tty1 serial-getty@ttyS0 in a hardening script: a week later an sshd_config mistake refused every SSH login, and the cloud provider's serial console showed no login prompt either",
		Machine:    true,
		Match:      matchConsoleLoginCut,
	}, {
		ID:         "resolver-stop",
		Programs:   []string{"systemctl"},
		Decision:   guard.Confirm,
		Summary:    "systemd-resolved stopped, masked or disabled on a host whose /etc/resolv.conf sends every lookup to its stub (127.0.0.53): names stop resolving (apt, curl, git, sudo's hostname lookup), now or from the next boot",
		Postmortem: "systemctl mask --now systemd-resolved to free port 53 for a container: resolv.conf still pointed at 127.0.0.53, so apt, the monitoring agent and every outgoing connection by name failed until someone at the console fixed it",
		Machine:    true,
		Match:      matchResolverStop,
	}, {
		ID:         "sshd-unit-dropin",
		Programs:   nil, // a redirection can stand on any command
		Decision:   guard.Confirm,
		Summary:    "over SSH, a drop-in of sshd's unit (ssh.service.d, sshd.service.d, ssh.socket.d) written with settings that change how or whether sshd starts (ExecStart=, User=, Condition…=, ListenStream=…), or an existing one emptied or overwritten with nothing guard can read: the next restart or boot may start no sshd; settings that only tune it (Environment=, Limit…=, Nice=, Restart=) pass; warn outside SSH",
		Postmortem: "printf '[Service]\\nExecStart=\\n' > /etc/systemd/system/ssh.service.d/override.conf to clear an old port: the empty ExecStart= reset the command, the next reboot started no sshd, and the host was reached again only through the provider's rescue console",
		Machine:    true,
		Match:      matchSshdUnitDropin,
	}}
}

// systemctlVerbUnits reads systemctl VERB UNIT…: the verb and its units,
// and whether it acts now (stop, kill, or --now).
func systemctlVerbUnits(inv *guard.Invocation) (verb string, units []guard.Arg, now bool) {
	p := guard.ParseOptions(inv.Args, systemctlSpec)
	if len(p.Operands) < 2 || p.Has("h", "help") {
		return "", nil, false
	}
	verb = p.Operands[0].Value
	return verb, p.Operands[1:], verb == "stop" || verb == "kill" || p.Has("now")
}

// consoleLogin: a unit that gives the console, or the serial console a
// provider's rescue tools reach, its login prompt. The other virtual
// terminals (tty2…) are not how a host is reached when SSH fails.
func consoleLogin(unit string) bool {
	name := strings.TrimSuffix(unit, ".service")
	switch {
	case name == "getty.target", name == "console-getty", name == "getty@tty1", name == "autovt@tty1", name == "getty@", name == "autovt@":
		return true
	case strings.HasPrefix(name, "serial-getty@"), strings.HasPrefix(name, "container-getty@"):
		return true
	}
	return false
}

func matchConsoleLoginCut(inv *guard.Invocation, host guard.Host) *guard.Finding {
	verb, units, now := systemctlVerbUnits(inv)
	if verb != "mask" && verb != "disable" && verb != "stop" && verb != "kill" {
		return nil
	}
	var cut []string
	for _, u := range units {
		if u.Known && consoleLogin(u.Value) {
			cut = append(cut, u.Value)
		}
	}
	if len(cut) == 0 {
		return nil
	}
	when := "from the next boot"
	if now {
		when = "now"
	}
	names := strings.Join(cut, " ")
	undo := "to undo: systemctl unmask " + names + " && systemctl enable --now " + names
	if _, ssh := guard.SSHClient(inv, host); !ssh {
		return guard.Found(guard.Warn, undo,
			"would %s %s%s: the console shows no login prompt %s, and it is the way in when SSH or the network fails", verb, names, inv.Where(), when)
	}
	return guard.Found(guard.Confirm, "keep tty1 and the serial console: mask the other terminals only (getty@tty2 … tty6); "+undo,
		"would %s %s%s while you are logged in over SSH: the console, and the serial console a provider's rescue tools reach, show no login prompt %s, so when SSH fails (an sshd_config mistake, a firewall rule) there is no way back in", verb, names, inv.Where(), when)
}

// stubResolver tells whether /etc/resolv.conf sends lookups to
// systemd-resolved's stub (a link to stub-resolv.conf, or nameserver
// 127.0.0.53 in it); known is false when guard cannot read it (another
// host).
func stubResolver(inv *guard.Invocation, host guard.Host) (stub, known bool) {
	for b := range inv.RanBefore { // the latest first: written on the line
		if w, ok := writtenInto(b, host, "", func(p string) bool { return p == "/etc/resolv.conf" }); ok {
			return !w.known || nameserverStub(w.text), w.known
		}
	}
	if inv.Remote != "" {
		return false, false
	}
	if nss, err := host.ReadFile("/etc/nsswitch.conf", 1<<16); err == nil && nssResolve(string(nss)) {
		return true, true
	}
	if target, err := host.Readlink("/etc/resolv.conf"); err == nil && strings.Contains(target, "systemd/resolve") {
		return true, true
	}
	data, err := host.ReadFile("/etc/resolv.conf", 1<<16)
	if err != nil {
		return false, !errors.Is(err, fs.ErrPermission)
	}
	return nameserverStub(string(data)), true
}

// nameserverStub: a resolv.conf that names systemd-resolved's stub.
func nameserverStub(text string) bool {
	for line := range strings.SplitSeq(text, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "nameserver" && (f[1] == "127.0.0.53" || f[1] == "127.0.0.54") {
			return true
		}
	}
	return false
}

// nssResolve: nsswitch.conf's hosts line asks systemd-resolved
// (nss-resolve) before anything else that answers.
func nssResolve(text string) bool {
	for line := range strings.SplitSeq(text, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "hosts:" {
			return slices.Contains(f[1:], "resolve")
		}
	}
	return false
}

func matchResolverStop(inv *guard.Invocation, host guard.Host) *guard.Finding {
	verb, units, now := systemctlVerbUnits(inv)
	if verb != "mask" && verb != "disable" && verb != "stop" && verb != "kill" {
		return nil
	}
	if !slices.ContainsFunc(units, func(u guard.Arg) bool {
		return u.Known && strings.TrimSuffix(u.Value, ".service") == "systemd-resolved"
	}) {
		return nil
	}
	stub, known := stubResolver(inv, host)
	if known && !stub {
		return nil // resolv.conf names other servers: resolved is not in the way
	}
	when := "from the next boot"
	if now {
		when = "at once"
	}
	const hint = "point /etc/resolv.conf at real servers first (ln -sf /run/systemd/resolve/resolv.conf /etc/resolv.conf, or write nameserver lines), then stop it; to free port 53 only: DNSStubListener=no in /etc/systemd/resolved.conf; to undo: systemctl unmask systemd-resolved && systemctl enable --now systemd-resolved"
	if !known {
		return guard.Found(guard.Confirm, hint,
			"would %s systemd-resolved%s: if /etc/resolv.conf there points at its stub (127.0.0.53, the default on Ubuntu), names stop resolving %s: apt, curl, git and every connection by name fail", verb, inv.Where(), when)
	}
	return guard.Found(guard.Confirm, hint,
		"would %s systemd-resolved%s, and /etc/resolv.conf sends every lookup to its stub (127.0.0.53): names stop resolving %s, so apt, curl, git and every connection by name fail", verb, inv.Where(), when)
}

// sshdUnitDropin: a drop-in folder of the units that start sshd.
func sshdUnitDropin(p string) bool {
	dir := filepath.Base(filepath.Dir(p))
	parent := filepath.Dir(filepath.Dir(p))
	if !strings.HasSuffix(p, ".conf") || parent != "/etc/systemd/system" && parent != "/run/systemd/system" && parent != "/usr/lib/systemd/system" && parent != "/lib/systemd/system" {
		return false
	}
	switch dir {
	case "ssh.service.d", "sshd.service.d", "ssh.socket.d", "sshd.socket.d", "ssh@.service.d", "sshd@.service.d":
		return true
	}
	return false
}

// tuningKeys only tune a service that starts as before.
var tuningKeys = []string{"Description", "Documentation", "Environment", "EnvironmentFile", "Nice", "OOMScoreAdjust", "Restart", "RestartSec",
	"TasksMax", "TimeoutStartSec", "TimeoutStopSec", "TimeoutSec", "LogLevelMax", "SyslogIdentifier", "StandardOutput", "StandardError", "After", "Wants"}

// startChanges lists the settings of a unit drop-in that change how or
// whether the service starts (any key not only tuning it).
func startChanges(text string) []string {
	var keys []string
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") || strings.HasPrefix(line, "[") {
			continue
		}
		key, _, _ := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if slices.Contains(tuningKeys, key) || strings.HasPrefix(key, "Limit") || strings.HasPrefix(key, "CPU") || strings.HasPrefix(key, "Memory") || strings.HasPrefix(key, "IO") {
			continue
		}
		if !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	return keys
}

func matchSshdUnitDropin(inv *guard.Invocation, host guard.Host) *guard.Finding {
	w, writes := writtenInto(inv, host, "", sshdUnitDropin)
	if !writes {
		return nil
	}
	p := inv.Path(w.path)
	appends := slices.ContainsFunc(inv.Redirs, func(rd guard.Redir) bool { return rd.Writes() && !rd.Truncates() }) ||
		(inv.Program == "tee" && guard.ParseOptions(inv.Args, guard.OptSpec{}).Has("a", "append"))
	var what string
	switch keys := startChanges(w.text); {
	case !w.known:
		what = "with content guard cannot read"
	case len(keys) > 0:
		what = "with " + strings.Join(keys, "=, ") + "="
	case appends || strings.TrimSpace(w.text) != "":
		return nil // only tuning, or nothing added
	default:
		old, err := host.ReadFile(p, 1<<16)
		if inv.Remote == "" && (errors.Is(err, fs.ErrNotExist) || err == nil && len(startChanges(string(old))) == 0) {
			return nil // nothing there that decides how sshd starts
		}
		what = "empty, taking away what it set"
	}
	const hint = "test it before the next restart: systemd-analyze verify ssh.service && sshd -t; keep this session open, run systemctl daemon-reload && systemctl restart ssh and log in again from another terminal; to undo: rm the drop-in and systemctl daemon-reload"
	d := guard.Confirm
	if _, ssh := guard.SSHClient(inv, host); !ssh {
		d = guard.Warn
	}
	return guard.Found(d, hint,
		"would write %s%s %s: it changes how sshd starts at the next restart or boot (an empty ExecStart= alone starts nothing, a Condition that fails skips it), and a wrong one leaves no sshd to log in with", p, inv.Where(), what).
		Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{p}, Overwrite: true})
}
