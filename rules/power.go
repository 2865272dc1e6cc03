package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func powerRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "ssh-power",
		Programs:   []string{"shutdown", "reboot", "poweroff", "halt", "init", "telinit", "systemctl", "loginctl", "kill", "pkill", "killall", "busctl", "dbus-send", "gdbus", "ipmitool", "kexec", "rtcwake"},
		Decision:   guard.Confirm,
		Summary:    "over SSH: shutdown, reboot (shutdown -r +N or hh:mm, a reboot set for later that shutdown -c calls off, warns), poweroff, halt, init 0|6, systemctl or loginctl poweroff|reboot, isolate or set-default of rescue, emergency or a power target, a power signal to PID 1 (kill -INT 1, kill -RTMIN+4 1, kill -PWR 1), logind's PowerOff over D-Bus; ipmitool chassis power off|cycle|reset; kexec -e; rtcwake into a sleep or off; systemctl -H HOST poweroff|reboot from anywhere",
		Postmortem: "init 0 typed in a container sharing the host's network namespace; reboots of the wrong host (molly-guard)",
		Match:      matchSSHPower,
	}}
}

var systemctlSpec = guard.OptSpec{
	ShortValue: "tspHMnoT",
	LongValue:  []string{"type", "signal", "property", "host", "machine", "lines", "output", "root", "state", "kill-whom", "kill-value", "job-mode", "message", "when", "boot-loader-entry", "boot-loader-menu", "reboot-argument", "timestamp", "what", "image", "drop-in", "preset-mode", "check-inhibitors"},
}

// systemctlRemote is the host systemctl -H (--host) drives, user@ and
// :container cut off.
func systemctlRemote(inv *guard.Invocation) (string, bool) {
	if inv.Program != "systemctl" {
		return "", false
	}
	h, ok := guard.ParseOptions(inv.Args, systemctlSpec).Value("H", "host")
	if !ok || !h.Known || h.Value == "" {
		return "", false
	}
	name := h.Value
	if i := strings.LastIndexByte(name, '@'); i >= 0 {
		name = name[i+1:]
	}
	name, _, _ = strings.Cut(name, ":")
	return name, name != ""
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
				if target := targetName(u.Value, verb); powerTargets[target] {
					return verb + " " + target
				}
			}
		case "set-default":
			// Not now: at the next boot, which then brings up no network
			// and no sshd (rescue, emergency) or never finishes (poweroff,
			// reboot: a boot loop). Nobody gets back in over SSH.
			if len(p.Operands) > 1 {
				if target := targetName(p.Operands[1].Value, "isolate"); powerTargets[target] {
					return "make " + target + " the default"
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
	case "loginctl":
		p := guard.ParseOptions(inv.Args, systemctlSpec)
		if len(p.Operands) > 0 {
			switch verb := p.Operands[0].Value; verb {
			case "poweroff", "reboot", "halt", "kexec", "suspend", "hibernate", "hybrid-sleep", "suspend-then-hibernate":
				return verb
			}
		}
		return ""
	case "kill", "pkill", "killall":
		c, ok := readSignalCall(inv)
		if effect, known := initSignals[c.signal]; ok && c.init && known && !effect.immediate {
			return effect.action + " (" + signalName(c.signal) + " to PID 1)"
		}
		return ""
	case "busctl", "dbus-send", "gdbus", "qdbus":
		return dbusPowerCall(inv)
	case "ipmitool":
		action, _ := ipmiPower(inv)
		return action
	case "reboot", "poweroff", "halt":
		return inv.Program
	case "kexec":
		return kexecAction(inv)
	case "rtcwake":
		return rtcwakeAction(inv)
	}
	return ""
}

// scheduledReboot reads shutdown -r TIME [MESSAGE] for a reboot set for
// later: +N minutes (at least 2) or a time of day hh:mm. Until then it can
// be called off (shutdown -c), and a reboot brings the host back by
// itself; a halt or power-off later still leaves it down.
func scheduledReboot(inv *guard.Invocation) (string, bool) {
	if inv.Program != "shutdown" {
		return "", false
	}
	p := guard.ParseOptions(inv.Args, guard.OptSpec{})
	if !p.Has("r", "reboot") || p.Has("h", "H", "P", "halt", "poweroff", "c", "k") || len(p.Operands) == 0 || !p.Operands[0].Known {
		return "", false
	}
	when := p.Operands[0].Value
	if minutes, ok := strings.CutPrefix(when, "+"); ok {
		n, err := strconv.Atoi(minutes)
		return "in " + minutes + " minutes", err == nil && n >= 2
	}
	hour, minute, ok := strings.Cut(when, ":")
	h, err1 := strconv.Atoi(hour)
	m, err2 := strconv.Atoi(minute)
	return "at " + when, ok && err1 == nil && err2 == nil && h >= 0 && h < 24 && m >= 0 && m < 60
}

// powerTargets are the units whose start ends every session: the machine
// goes down, or to a single-user shell on the console.
var powerTargets = map[string]bool{
	"rescue.target": true, "emergency.target": true, "poweroff.target": true, "reboot.target": true, "halt.target": true,
	"kexec.target": true, "soft-reboot.target": true, "runlevel0.target": true, "runlevel1.target": true, "runlevel6.target": true,
}

// targetName is the unit systemctl means: `systemctl isolate rescue`
// (and set-default) add .target to a bare name, start adds .service.
func targetName(name, verb string) string {
	if verb == "isolate" && !strings.Contains(name, ".") {
		return name + ".target"
	}
	return name
}

// kexecAction: kexec -e boots the kernel loaded before at once, and
// kexec KERNEL without -l, -p or -u loads it and boots it: both end every
// session without stopping services.
func kexecAction(inv *guard.Invocation) string {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "t", LongValue: []string{"type", "append", "command-line", "initrd", "ramdisk", "reuse-cmdline", "dtb", "mem-min", "mem-max"}})
	switch {
	case p.Has("e", "exec"):
		return "reboot (kexec -e: at once, into the kernel loaded before)"
	case p.Has("l", "load", "p", "load-panic", "u", "unload", "s", "kexec-file-syscall", "S", "status", "h", "help", "v", "version"):
		return ""
	case len(p.Operands) > 0:
		return "reboot (kexec: at once, into " + p.Operands[0].Value + ")"
	}
	return ""
}

// rtcwakeAction: rtcwake puts the machine to sleep (standby unless -m
// says otherwise) or off until the clock wakes it; -m no, on, show and
// disable only set or read the alarm.
func rtcwakeAction(inv *guard.Invocation) string {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "AdmstT", LongValue: []string{"adjfile", "device", "mode", "seconds", "time", "date"}})
	if p.Has("n", "dry-run", "h", "help", "V", "version") {
		return ""
	}
	mode := "standby"
	if m, ok := p.Value("m", "mode"); ok {
		mode = m.Value
	}
	switch mode {
	case "no", "on", "show", "disable":
		return ""
	case "off":
		return "power off (rtcwake -m off)"
	}
	return "suspend (rtcwake -m " + mode + ")"
}

// logindPower: the methods of logind's and systemd's managers that power
// the machine off or restart it. systemd's own do it at once, without
// stopping services.
var logindPower = map[string]string{
	"PowerOff": "power off", "Reboot": "reboot", "Halt": "halt", "KExec": "reboot with kexec",
	"Suspend": "suspend", "Hibernate": "hibernate", "HybridSleep": "suspend", "SuspendThenHibernate": "suspend",
	"PowerOffWithFlags": "power off", "RebootWithFlags": "reboot", "HaltWithFlags": "halt", "SoftReboot": "soft-reboot",
}

// dbusPowerCall reads busctl call, dbus-send and gdbus call for a method
// call to logind or systemd that powers the machine off.
func dbusPowerCall(inv *guard.Invocation) string {
	service, method := "", ""
	for _, a := range inv.Args {
		v := strings.TrimPrefix(strings.TrimPrefix(a.Value, "--dest="), "--method=")
		if strings.Contains(v, "org.freedesktop.login1") || strings.Contains(v, "org.freedesktop.systemd1") {
			service = v
		}
		member := v[strings.LastIndex(v, ".")+1:]
		if _, ok := logindPower[member]; ok && a.Known {
			method = member
		}
	}
	if service == "" || method == "" {
		return ""
	}
	if inv.Program == "busctl" || inv.Program == "gdbus" {
		if !slices.Contains(inv.Values(), "call") {
			return "" // introspect, monitor: nothing is called
		}
	}
	action := logindPower[method]
	if strings.Contains(service, "systemd1") {
		action += " at once, without stopping services"
	}
	return action + " (" + method + " over D-Bus)"
}

func ipmiPowerOf(inv *guard.Invocation) (string, string) {
	if inv.Program != "ipmitool" {
		return "", ""
	}
	return ipmiPower(inv)
}

var ipmiSpec = guard.OptSpec{ShortValue: "IHUPfpLAtbmykKCNRTBloOeSzdY"}

// ipmiPower reads ipmitool [options] chassis power off|cycle|reset|soft
// (or the short `ipmitool power off`), and the BMC it talks to, "" for
// this machine's own.
func ipmiPower(inv *guard.Invocation) (action, bmc string) {
	p := guard.ParseOptions(inv.Args, ipmiSpec)
	ops := operandValues(p.Operands)
	if len(ops) >= 1 && ops[0] == "chassis" {
		ops = ops[1:]
	}
	if len(ops) < 2 || ops[0] != "power" {
		return "", ""
	}
	switch ops[1] {
	case "off":
		action = "power off"
	case "cycle":
		action = "power-cycle"
	case "reset":
		action = "hard-reset"
	case "soft":
		action = "shut down (ACPI)"
	case "diag":
		action = "send a diagnostic interrupt (NMI, usually a crash dump) to"
	default:
		return "", "" // status, on
	}
	if h, ok := p.Value("H"); ok {
		bmc = h.Value
	}
	return action, bmc
}

func matchSSHPower(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if action, bmc := ipmiPowerOf(inv); bmc != "" {
		// Through a BMC there is no session to lose, but the same wrong
		// host: ask for the BMC's name, as for a host's.
		return guard.Found(guard.Confirm,
			fmt.Sprintf("check which machine that BMC drives (ipmitool -H %s fru print); to go ahead type %s at guard's prompt", bmc, bmc),
			"would %s the machine behind the BMC %s at once, whatever runs on it", action, bmc).TypeToConfirm(bmc)
	}
	if remote, ok := systemctlRemote(inv); ok {
		// systemctl -H HOST reaches another machine over SSH: whatever
		// session this is, that host goes down
		if action := powerAction(inv); action != "" && !strings.HasPrefix(action, "make ") {
			return guard.Found(guard.Confirm,
				fmt.Sprintf("make sure this is the host you mean: to go ahead type its name, %s, at guard's prompt", remote),
				"would %s %s over SSH (systemctl -H): its sessions end, and without console access it may not come back", action, remote).TypeToConfirm(remote)
		}
	}
	client, ok := guard.SSHClient(inv, host)
	if !ok || !guard.SharesHost(inv, "processes") {
		return nil // a container's own processes: the session's host stays up
	}
	action := powerAction(inv)
	if action == "" {
		return nil
	}
	name := guard.SessionHostName(inv, host)
	if when, ok := scheduledReboot(inv); ok {
		return guard.Found(guard.Warn, "to call it off before then: shutdown -c",
			"schedules a reboot of %s %s: logged-in users are told, new logins are refused in the last 5 minutes, and the session from %s ends then; the host comes back by itself",
			name, when, client)
	}
	if strings.HasPrefix(action, "make ") {
		return guard.Found(guard.Confirm,
			fmt.Sprintf("to undo it before the next boot: systemctl set-default multi-user.target (graphical.target on a desktop); for one rescue boot, pick systemd.unit=rescue.target in the console's boot menu instead; to go ahead type %s at guard's prompt", name),
			"would %s on %s while you are connected over SSH from %s: nothing changes now, but the next boot brings up no network and no sshd (or never finishes), and nobody gets back in without console access",
			action, name, client).TypeToConfirm(name)
	}
	return guard.Found(guard.Confirm,
		fmt.Sprintf("make sure this is the host you mean: to go ahead type its name, %s, at guard's prompt; to cancel a scheduled shutdown: shutdown -c", name),
		"would %s %s while you are connected over SSH from %s: the session ends, and without console access the host may not come back",
		action, name, client).TypeToConfirm(name)
}
