package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

func processRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "kill-init",
			Programs:   []string{"kill", "pkill", "killall", "killall5"},
			Decision:   guard.Block,
			Summary:    "SIGKILL or an immediate-shutdown signal to PID 1 (kill -9 1, kill -KILL 01, pkill -9 systemd, kill -9 $(pidof systemd)), or a signal to every process (kill -9 -1, killall5); SIGKILL to dbus, logind or journald (confirm)",
			Postmortem: "kill -9 1 inside what the operator thought was a container: the host panicked",
			Machine:    true,
			Match:      matchKillInit,
		},
		{
			ID:         "dbus-restart",
			Programs:   []string{"systemctl", "service", "invoke-rc.d", "dbus"},
			Decision:   guard.Confirm,
			Summary:    "systemctl stop|restart dbus: logind, NetworkManager and polkit lose their bus",
			Postmortem: "restarting dbus after an upgrade froze sessions and cut SSH logins",
			Machine:    true,
			Match:      matchDbusRestart,
		},
		{
			ID:         "vital-service-stop",
			Programs:   []string{"systemctl"},
			Decision:   guard.Confirm,
			Summary:    "systemctl stop, kill, mask or disable of systemd-logind or systemd-journald, or of systemd-resolved where /etc/resolv.conf sends lookups to its stub, and mask or disable of dbus: logins, sudo and the logs depend on them (now, or from the next boot)",
			Postmortem: "a common failure mode: systemctl mask systemd-journald to quieten a noisy disk, and a host that booted without logs or logins the next time",
			Machine:    true,
			Match:      matchVitalServiceStop,
		},
		{
			ID:         "kill-runtime-all",
			Programs:   []string{"kill", "pkill", "killall"},
			Decision:   guard.Confirm,
			Summary:    "every process of a language runtime or app server ended by name (pkill node, killall -9 python3, pkill -f java, kill $(pgrep ruby)) with nothing that narrows it to yours (-u USER, -t, -P, a pattern that names the script or port): over SSH every service and every user's program written in it stops (confirm); at your own desk your editor's and your agent's helpers go with your dev server (warn)",
			Postmortem: "a coding agent told to free port 3000 ran pkill -9 node on a shared build host: the CI runner, two colleagues' dev servers and the agent's own editor server ended with it",
			Match:      matchKillRuntimeAll,
		},
	}
}

// runtimes are the programs many unrelated services and tools run as: a
// name alone reaches all of them.
var runtimes = []string{"node", "nodejs", "python", "python3", "python2", "java", "ruby", "php", "php-fpm", "perl", "dotnet",
	"deno", "bun", "beam.smp", "erl", "gunicorn", "uwsgi", "uvicorn", "puma", "unicorn", "celery", "npm", "yarn", "pnpm"}

func matchKillRuntimeAll(inv *guard.Invocation, host guard.Host) *guard.Finding {
	c, ok := readSignalCall(inv)
	if !ok || c.matches == nil || c.init || c.everyone || !endsProcess(c.signal) || c.signal == sigUnread && inv.Program == "kill" {
		return nil // kill-init's, or PIDs alone, or a signal that ends nothing
	}
	hit := ""
	for _, name := range runtimes {
		if c.matches(name) {
			hit = name
			break
		}
	}
	if hit == "" {
		return nil
	}
	hint := "end only yours: pkill -u \"$USER\" -f 'SCRIPT_OR_PORT' (pgrep -af " + hit + " lists them first); to free a port: fuser -k 3000/tcp or kill $(lsof -t -i:3000)"
	if client, over := guard.SSHClient(inv, host); over {
		return guard.Found(guard.Confirm, hint,
			"would end every %s process on this machine%s that you may signal: the services and every user's programs written in it stop, not just the one you mean (you are logged in from %s)", hit, inv.Where(), client)
	}
	return guard.Found(guard.Warn, hint,
		"would end every %s process you may signal%s: your editor's language servers and your agent's helpers go with the one you mean", hit, inv.Where())
}

// killEnds: systemctl kill's signal (-s, --signal; SIGTERM when not
// given) ends the process.
func killEnds(p guard.Parsed) bool {
	sig, ok := p.Value("s", "signal")
	if !ok {
		return true
	}
	switch strings.TrimPrefix(strings.ToUpper(sig.Value), "SIG") {
	case "KILL", "9", "TERM", "15", "INT", "2", "QUIT", "3", "ABRT", "6":
		return true
	}
	return false
}

// matchVitalServiceStop: the units the host cannot do without, taken away
// now (stop, kill, --now) or at the next boot (mask, disable). A restart
// is their normal maintenance and passes; dbus's stop and restart are
// dbus-restart's.
func matchVitalServiceStop(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, systemctlSpec)
	if len(p.Operands) < 2 || p.Has("help", "h") {
		return nil
	}
	verb := p.Operands[0].Value
	switch verb {
	case "stop", "kill", "mask", "disable":
	default:
		return nil
	}
	for _, u := range p.Operands[1:] {
		name := unitName(u.Value)
		for _, v := range vitalServices {
			if v.unit != name && v.name != name || v.unit == "dbus" && (verb == "stop" || verb == "kill") || v.inUse != nil && !v.inUse(inv, host) {
				continue
			}
			if verb == "kill" && !killEnds(p) {
				return nil // SIGUSR1 flushes journald, SIGHUP reloads
			}
			when := "now"
			undo := "systemctl start " + name
			switch {
			case verb == "mask" && !p.Has("now"):
				when, undo = "from the next boot, and nothing can start it until it is unmasked", "systemctl unmask "+name
			case verb == "mask":
				undo = "systemctl unmask " + name + " && systemctl start " + name
			case verb == "disable" && !p.Has("now"):
				when, undo = "from the next boot", "systemctl enable "+name
			case verb == "disable":
				undo = "systemctl enable --now " + name
			}
			return guard.Found(guard.Confirm,
				"to apply new settings: systemctl restart "+name+"; to undo this later: "+undo,
				"would take %s away on %s %s: %s", name, guard.HostName(inv, host), when, v.effect)
		}
	}
	return nil
}

func matchKillInit(inv *guard.Invocation, host guard.Host) *guard.Finding {
	c, ok := readSignalCall(inv)
	if !ok {
		return nil
	}
	if !c.init && !c.everyone {
		return vitalKill(inv, host, c)
	}
	name := guard.HostName(inv, host)
	if c.signal == sigUnread {
		return guard.Found(guard.Confirm, "write the signal out (kill -TERM PID) and name the process: pgrep -a NAME",
			"sends a signal guard cannot read to %s on %s: SIGKILL would take the host down", c.whom, name)
	}
	sig := signalName(c.signal)
	switch {
	case c.everyone && !harmlessSignals[c.signal]:
		return guard.Found(guard.Block, "name the process: kill PID (find it with pgrep -a NAME); to stop a service: systemctl stop UNIT",
			"would send %s to %s on %s: your shell, sshd and the services die with it", sig, c.whom, name)
	case c.init && c.signal == sigKILL:
		return guard.Found(guard.Block, "to restart the service manager: systemctl daemon-reexec; to reboot cleanly: systemctl reboot",
			"would send SIGKILL to %s on %s: if it dies the kernel panics and the whole machine goes down at once (the kernel usually shields init; do not count on it)", c.whom, name)
	case c.init && initSignals[c.signal].immediate:
		return guard.Found(guard.Block, "for a clean shutdown: systemctl poweroff or systemctl reboot, which stop services and unmount first",
			"would send %s to %s on %s: systemd would %s, without stopping services or unmounting the filesystems", sig, c.whom, name, initSignals[c.signal].action)
	}
	return nil
}

func matchDbusRestart(inv *guard.Invocation, host guard.Host) *guard.Finding {
	args := inv.Values()
	hit := false
	switch inv.Program {
	case "systemctl":
		p := guard.ParseOptions(inv.Args, systemctlSpec)
		if len(p.Operands) >= 2 {
			switch p.Operands[0].Value {
			case "stop", "restart", "try-restart", "kill", "reload-or-restart":
				for _, u := range p.Operands[1:] {
					name := unitName(u.Value)
					hit = hit || name == "dbus" || name == "dbus-broker"
				}
			}
		}
	case "service", "invoke-rc.d":
		hit = len(args) >= 2 && unitName(args[0]) == "dbus" && isStopVerb(args[1])
	case "dbus":
		hit = strings.Contains(inv.Command.Value, "init.d/") && len(args) > 0 && isStopVerb(args[0])
	}
	if !hit {
		return nil
	}
	return guard.Found(guard.Confirm,
		"after a dbus upgrade, reboot in a maintenance window instead; systemd itself can be re-executed safely with systemctl daemon-reexec",
		"would restart D-Bus on %s: systemd-logind, NetworkManager and polkit lose their bus; sessions can freeze and new SSH logins can fail until a reboot",
		guard.HostName(inv, host))
}

// vitalServices are the processes a host cannot run without for long:
// logins, sudo and the logs go with them. Restarting them is
// systemctl's work, which stops and starts them in order.
var vitalServices = []struct {
	name, unit, effect string
	// inUse says whether this host depends on it, nil for always.
	inUse func(inv *guard.Invocation, host guard.Host) bool
}{
	{"dbus-daemon", "dbus", "logind, NetworkManager and polkit lose their bus; sessions can freeze", nil},
	{"dbus-broker", "dbus", "logind, NetworkManager and polkit lose their bus; sessions can freeze", nil},
	{"systemd-logind", "systemd-logind", "sessions lose their seats, and logins hang until it is back", nil},
	{"systemd-journald", "systemd-journald", "logs written meanwhile are lost, and services blocked on writing them stall", nil},
	{"systemd-resolved", "systemd-resolved", "every name lookup fails, since /etc/resolv.conf sends them to its stub at 127.0.0.53: package installs, outgoing mail, and every service that connects to a host by name", resolvedStubInUse},
}

// resolvedStubInUse: /etc/resolv.conf sends this host's name lookups to
// systemd-resolved's stub (127.0.0.53, as Ubuntu sets it up), so that
// without resolved nothing resolves. Another machine's counts as in use.
func resolvedStubInUse(inv *guard.Invocation, host guard.Host) bool {
	if inv.Remote != "" {
		return true
	}
	data, err := host.ReadFile("/etc/resolv.conf", 64<<10)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "nameserver" && (f[1] == "127.0.0.53" || f[1] == "127.0.0.54") {
			return true
		}
	}
	return false
}

// vitalKill: a signal that ends a process, to a process the host needs,
// named (pkill -9 dbus-daemon) or computed (kill -9 $(pidof dbus-daemon)).
func vitalKill(inv *guard.Invocation, host guard.Host, c signalCall) *guard.Finding {
	if c.matches == nil || !endsProcess(c.signal) || c.signal == sigTERM && inv.Program != "kill" {
		return nil // pkill's TERM is a stop request the service handles
	}
	for _, v := range vitalServices {
		if c.matches(v.name) && (v.inUse == nil || v.inUse(inv, host)) {
			return guard.Found(guard.Confirm, "restart it through its service manager: systemctl restart "+v.unit,
				"would send %s to %s on %s: %s", signalName(c.signal), v.name, guard.HostName(inv, host), v.effect)
		}
	}
	return nil
}
