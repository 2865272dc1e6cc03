package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

func processRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "kill-init",
			Programs:   []string{"kill"},
			Decision:   guard.Block,
			Summary:    "kill -9 1 (PID 1) or kill -9 -1 (every process you can signal)",
			Postmortem: "kill -9 1 inside what the operator thought was a container: the host panicked",
			Match:      matchKillInit,
		},
		{
			ID:         "dbus-restart",
			Programs:   []string{"systemctl", "service", "invoke-rc.d", "dbus"},
			Decision:   guard.Confirm,
			Summary:    "systemctl stop|restart dbus: logind, NetworkManager and polkit lose their bus",
			Postmortem: "restarting dbus after an upgrade froze sessions and cut SSH logins",
			Match:      matchDbusRestart,
		},
	}
}

func matchKillInit(inv *guard.Invocation, host guard.Host) *guard.Finding {
	signal := "TERM"
	var pids []string
	args := inv.Args
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		switch {
		case v == "--":
			for _, a := range args[i+1:] {
				pids = append(pids, a.Value)
			}
			i = len(args)
		case v == "-s" || v == "-n" || v == "--signal":
			if i+1 < len(args) {
				i++
				signal = args[i].Value
			}
		case strings.HasPrefix(v, "-") && len(v) > 1 && v != "-1":
			signal = strings.TrimPrefix(v, "-")
		default:
			pids = append(pids, v)
		}
	}
	signal = strings.TrimPrefix(strings.ToUpper(signal), "SIG")
	if signal != "KILL" && signal != "9" {
		return nil
	}
	for _, pid := range pids {
		switch pid {
		case "1":
			return guard.Found(guard.Block, "to restart the service manager: systemctl daemon-reexec; to reboot cleanly: systemctl reboot",
				"would kill PID 1 (init, systemd) on %s: the kernel panics and the whole machine goes down at once", guard.HostName(inv, host))
		case "-1":
			return guard.Found(guard.Block, "name the process: kill -9 PID (find it with pgrep -a NAME)",
				"would kill every process you are allowed to signal, including your shell and sshd")
		}
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
