package rules

import (
	"fmt"

	"github.com/guard-sh/guard/guard"
)

func powerRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "ssh-power",
		Programs:   []string{"shutdown", "reboot", "poweroff", "halt", "init", "telinit", "systemctl"},
		Decision:   guard.Confirm,
		Summary:    "over SSH: shutdown, reboot, poweroff, halt, init 0|6, systemctl poweroff|reboot|halt|kexec",
		Postmortem: "init 0 typed in a container sharing the host's network namespace; reboots of the wrong host (molly-guard)",
		Match:      matchSSHPower,
	}}
}

var systemctlSpec = guard.OptSpec{
	ShortValue: "tspHMnoT",
	LongValue:  []string{"type", "signal", "property", "host", "machine", "lines", "output", "root", "state", "kill-whom", "kill-value", "job-mode", "message", "when", "boot-loader-entry", "boot-loader-menu", "reboot-argument", "timestamp", "what", "image", "drop-in", "preset-mode", "check-inhibitors"},
}

// powerAction says what a command does to the machine's power, "" if
// nothing.
func powerAction(inv *guard.Invocation) string {
	switch inv.Program {
	case "systemctl":
		p := guard.ParseOptions(inv.Args, systemctlSpec)
		if len(p.Operands) == 0 {
			return ""
		}
		switch verb := p.Operands[0].Value; verb {
		case "poweroff", "reboot", "halt", "kexec", "soft-reboot", "suspend", "hibernate", "hybrid-sleep", "suspend-then-hibernate", "emergency", "rescue":
			return verb
		case "isolate", "start":
			for _, u := range p.Operands[1:] {
				switch u.Value {
				case "rescue.target", "emergency.target", "poweroff.target", "reboot.target", "halt.target", "runlevel0.target", "runlevel1.target", "runlevel6.target":
					return verb + " " + u.Value
				}
			}
		}
		return ""
	case "shutdown":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{})
		if p.Has("c", "k", "show") {
			return ""
		}
		if p.Has("r", "reboot") {
			return "reboot"
		}
		return "shut down"
	case "init", "telinit":
		for _, a := range inv.Args {
			switch a.Value {
			case "0":
				return "power off"
			case "6":
				return "reboot"
			case "1", "s", "S", "single":
				return "drop to single-user mode"
			}
		}
		return ""
	default: // reboot, poweroff, halt
		return inv.Program
	}
}

func matchSSHPower(inv *guard.Invocation, host guard.Host) *guard.Finding {
	client, ok := guard.SSHClient(inv, host)
	if !ok {
		return nil
	}
	action := powerAction(inv)
	if action == "" {
		return nil
	}
	name := guard.HostName(inv, host)
	return guard.Found(guard.Confirm,
		fmt.Sprintf("make sure this is the host you mean: to go ahead type its name, %s, at guard's prompt; to cancel a scheduled shutdown: shutdown -c", name),
		"would %s %s while you are connected over SSH from %s: the session ends, and without console access the host may not come back",
		action, name, client).TypeToConfirm(name)
}
