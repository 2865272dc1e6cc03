package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

func sysrqRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "sysrq-trigger",
		Programs:   nil, // it is a redirection: echo c > /proc/sysrq-trigger
		Decision:   guard.Block,
		Summary:    "writing c (crash), b (reboot) or o (power off) to /proc/sysrq-trigger: at once, no sync, no unmount",
		Postmortem: "echo b > /proc/sysrq-trigger typed on the production host instead of the frozen test VM",
		Machine:    true,
		Match:      matchSysrq,
	}}
}

// sysrqEffects: the letters that take the host down at once.
var sysrqEffects = map[string]string{
	"c": "crash the kernel", "b": "reboot at once, without syncing or unmounting the disks",
	"o": "power off at once", "i": "kill every process but init", "e": "terminate every process but init",
}

func matchSysrq(inv *guard.Invocation, host guard.Host) *guard.Finding {
	writes := false
	for _, rd := range inv.Redirs {
		writes = writes || rd.Writes() && rd.Target.Value == "/proc/sysrq-trigger"
	}
	if inv.Program == "tee" {
		for _, a := range inv.Args {
			writes = writes || a.Value == "/proc/sysrq-trigger"
		}
	}
	if !writes {
		return nil
	}
	letter := ""
	if len(inv.Stdin) > 0 && (inv.Stdin[len(inv.Stdin)-1].Program == "echo" || inv.Stdin[len(inv.Stdin)-1].Program == "printf") {
		letter = strings.TrimSpace(strings.Join(inv.Stdin[len(inv.Stdin)-1].Values(), " "))
	} else if inv.Program == "echo" || inv.Program == "printf" {
		letter = strings.TrimSpace(strings.Join(inv.Values(), " "))
	}
	letter = strings.TrimPrefix(strings.TrimPrefix(letter, "-n "), "-e ")
	effect, known := sysrqEffects[letter]
	switch {
	case known:
		return guard.Found(guard.Block, "for a clean reboot: systemctl reboot; for a stuck host, use the console or the hypervisor",
			"would %s: %s, now, with no question from the kernel", effect, guard.HostName(inv, host))
	case letter == "":
		return guard.Found(guard.Confirm, "check the letter first: c crashes, b reboots, o powers off at once",
			"writes an unknown letter to /proc/sysrq-trigger on %s: several letters take the host down at once", guard.HostName(inv, host))
	}
	return nil // s (sync), u (remount read-only), w, m, t: diagnostics
}
