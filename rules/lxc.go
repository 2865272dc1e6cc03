package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// The mirror-server postmortem: a container created without its own
// network namespace shares the host's interfaces, so shutting it down (or
// stopping its networking) runs the container's ifdown on the host's
// interfaces and takes the host off the network.
func lxcRules() []*guard.Rule {
	programs := []string{"lxc-attach", "shutdown", "reboot", "poweroff", "halt", "init", "telinit", "systemctl",
		"service", "invoke-rc.d", "networking", "ifdown", "ifconfig", "ip", "nmcli"}
	return []*guard.Rule{{
		ID:         "container-host-network",
		Programs:   programs,
		Decision:   guard.Block,
		Summary:    "shutting down, or stopping the network of, a container that shares the host's network namespace (lxc.net.0.type = none, read from the LXC or Proxmox config): the host's interfaces go down",
		Postmortem: "mirror server: init 0 in an LXC container created with lxc.network.type = none took the host's network down",
		Match:      matchContainerHostNetwork,
	}}
}

// containerStop says what a command does that stops a container's
// network with it: a power action or a network cut, "" if neither.
func containerStop(inv *guard.Invocation, host guard.Host) string {
	if action := powerAction(inv); action != "" {
		return action
	}
	switch inv.Program {
	case "iptables", "ip6tables", "iptables-legacy", "iptables-nft", "nft", "killall", "pkill", "kill", "ufw":
		return "" // firewall rules and sshd: ssh-network-cut's, not the interfaces'
	}
	return networkCut(inv, host)
}

var lxcAttachSpec = guard.OptSpec{
	ShortValue:    "nPfsavugLol",
	LongValue:     []string{"name", "lxcpath", "rcfile", "namespaces", "arch", "set-var", "keep-var", "uid", "gid", "pty-log", "logfile", "logpriority", "context"},
	StopAtOperand: true,
}

func matchContainerHostNetwork(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Program == "lxc-attach" {
		return judgeLxcAttach(inv, host)
	}
	action := containerStop(inv, host)
	if action == "" {
		return nil
	}
	if inv.Container != "" && len(inv.Via) > 0 {
		return judgeContainerExec(inv, host, action)
	}
	if inv.Remote != "" {
		return nil
	}
	kind, inside := insideContainer(host)
	if !inside {
		return nil
	}
	nic, shared := hostInterfaceVisible(host)
	if !shared {
		return nil
	}
	return guard.Found(guard.Block,
		"stop the container from the host instead (lxc-stop -n NAME, docker stop, machinectl poweroff), which leaves the host's interfaces alone; give the container its own network (lxc.net.0.type = veth) before using it again",
		"would %s inside this %s container, which shares the host's network namespace (the host's interface %s is visible here): its shutdown takes the host's interfaces down with it",
		action, kind, nic)
}

// judgeLxcAttach reads lxc-attach -n NAME [-P LXCPATH] -- COMMAND: the
// command runs inside the container, and the container's config says
// whether it has a network of its own.
func judgeLxcAttach(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, lxcAttachSpec)
	words := append(append([]guard.Arg(nil), p.Operands...), p.Rest...)
	if len(words) == 0 || !words[0].Known {
		return nil // an interactive shell, or a command guard cannot read
	}
	inner := &guard.Invocation{Program: filepath.Base(words[0].Value), Command: words[0], Args: words[1:], Remote: inv.Remote, Text: inv.Text}
	action := containerStop(inner, host)
	if action == "" || changesNothing(inner) {
		return nil
	}
	name, hasName := p.Value("n", "name")
	stop := "lxc-stop -n " + name.Value
	if !hasName || !name.Known {
		return guard.Found(guard.Confirm, "name the container (lxc-attach -n NAME) and check its config; to stop it: lxc-stop -n NAME",
			"would %s inside a container guard cannot name: if it shares the host's network (lxc.net.0.type = none), the host's interfaces go down", action)
	}
	lxcpath := "/var/lib/lxc"
	if lp, ok := p.Value("P", "lxcpath"); ok && lp.Known {
		lxcpath = lp.Value
	}
	config := filepath.Join(lxcpath, name.Value, "config")
	if rc, ok := p.Value("f", "rcfile"); ok && rc.Known {
		config = rc.Value
	}
	if inv.Remote != "" {
		return guard.Found(guard.Confirm, "check "+config+" on "+inv.Remote+" first; to stop the container: "+stop,
			"would %s inside the container %s on %s, whose network guard cannot see from here: if it shares the host's network (lxc.net.0.type = none), that host's interfaces go down", action, name.Value, inv.Remote)
	}
	return lxcConfigVerdict(host, action, name.Value, config)
}

// lxcConfigVerdict judges action run inside the LXC container name by its
// config: blocked when it shares the host's network, asked when the config
// cannot be read.
func lxcConfigVerdict(host guard.Host, action, name, config string) *guard.Finding {
	stop := "lxc-stop -n " + name
	shared, setting, err := sharesHostNetwork(host, config, 0)
	switch {
	case err != nil:
		return guard.Found(guard.Confirm, "check "+config+" for lxc.net.0.type = none first (sudo grep -E 'lxc.net(work)?' "+config+"); to stop the container: "+stop,
			"would %s inside the container %s, and guard could not read its config (%v): if it shares the host's network, the host's interfaces go down", action, name, err)
	case shared:
		return guard.Found(guard.Block, "stop it from the host, which leaves the host's interfaces alone: "+stop+"; then give it its own network (lxc.net.0.type = veth)",
			"would %s inside the container %s, which shares the host's network namespace (%s in %s): its shutdown takes the host's interfaces down with it", action, name, setting, config)
	}
	return guard.Found(guard.Warn, "the way to stop a container is from the host: "+stop,
		"would %s inside the container %s (it has its own network, so the host is not touched)", action, name)
}

// containerManager is the tool in via that entered the container the
// command runs in (lxc-attach, pct exec, lxc exec, incus exec), "" for
// none; direct when it runs the command itself, not through a shell or
// a wrapper inside the container (sh -c, sudo).
func containerManager(via []string) (manager string, direct bool) {
	for i := len(via) - 1; i >= 0; i-- {
		switch via[i] {
		case "lxc-attach", "pct exec", "lxc exec", "incus exec":
			return via[i], i == len(via)-1
		}
	}
	return "", false
}

// judgeContainerExec judges a power action or a network cut run in a
// system container by its manager (pct exec ID, lxc exec NAME, incus exec
// NAME): Proxmox keeps the container's config in /etc/pve/lxc/ID.conf,
// which guard reads for raw LXC keys that share the host's network; LXD
// and incus keep theirs in a database guard does not query.
func judgeContainerExec(inv *guard.Invocation, host guard.Host, action string) *guard.Finding {
	via, direct := containerManager(inv.Via)
	if changesNothing(inv) {
		return nil
	}
	switch via {
	case "lxc-attach":
		if direct {
			return nil // judgeLxcAttach reads it, with the -P and -f that say where the config is
		}
		config := filepath.Join("/var/lib/lxc", inv.Container, "config")
		if inv.Remote != "container "+inv.Container || strings.ContainsAny(inv.Container, "/ ") {
			return guard.Found(guard.Confirm, "check "+config+" there first; to stop the container: lxc-stop -n "+inv.Container,
				"would %s inside the container %s%s, whose network guard cannot see from here: if it shares that host's network (lxc.net.0.type = none), its interfaces go down", action, inv.Container, strings.TrimPrefix(inv.Remote, "container "+inv.Container))
		}
		return lxcConfigVerdict(host, action, inv.Container, config)
	case "pct exec":
		id, _ := strings.CutPrefix(inv.Container, "CT ")
		stop := "pct shutdown " + id
		config := "/etc/pve/lxc/" + id + ".conf"
		if strings.ContainsAny(id, "/ ") {
			return nil
		}
		if inv.Remote != "container "+inv.Container {
			return guard.Found(guard.Confirm, "check "+config+" there first; to stop the container: "+stop,
				"would %s inside container %s%s, whose network guard cannot see from here: if it shares that host's network (lxc.net.N.type: none), its interfaces go down", action, id, strings.TrimPrefix(inv.Remote, "container "+inv.Container))
		}
		data, err := host.ReadFile(config, maxConfigBytes)
		if err != nil {
			return guard.Found(guard.Confirm, "check "+config+" for lxc.net.N.type: none first; to stop the container: "+stop,
				"would %s inside container %s, and guard could not read its config (%v): if it shares the host's network, the host's interfaces go down", action, id, err)
		}
		if setting := pveSharedNetwork(string(data)); setting != "" {
			return guard.Found(guard.Block, "stop it from the host, which leaves the host's interfaces alone: "+stop+"; then give it its own network (net0: name=eth0,bridge=vmbr0)",
				"would %s inside container %s, which shares the host's network namespace (%s in %s): its shutdown takes the host's interfaces down with it", action, id, setting, config)
		}
		return guard.Found(guard.Warn, "the way to stop a container is from the host: "+stop,
			"would %s inside container %s (it has its own network, so the host is not touched)", action, id)
	case "lxc exec", "incus exec":
		tool, _, _ := strings.Cut(via, " ")
		return guard.Found(guard.Warn, "stop it from the host instead: "+tool+" stop "+inv.Container+"; check "+tool+" config show "+inv.Container+" for raw.lxc lxc.net.0.type=none",
			"would %s inside %s, whose network guard cannot see (%s keeps it in its database): if raw.lxc gives it the host's network, the host's interfaces go down", action, inv.Container, tool)
	}
	return nil
}

// pveSharedNetwork reads a Proxmox container config for raw LXC keys that
// give it the host's network: lxc.net.N.type: none, or a kept network
// namespace. It returns the setting, "" when there is none.
func pveSharedNetwork(conf string) string {
	for _, line := range strings.Split(conf, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			break // a snapshot's section: not the running config
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			key, value, ok = strings.Cut(line, "=")
		}
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch {
		case strings.HasPrefix(key, "lxc.net.") && strings.HasSuffix(key, ".type") && value == "none",
			key == "lxc.network.type" && value == "none",
			key == "lxc.namespace.keep" && slices.Contains(strings.Fields(value), "net"):
			return key + ": " + value
		}
	}
	return ""
}

// maxConfigBytes bounds what is read of a container config; maxIncludes
// bounds how deep lxc.include is followed.
const (
	maxConfigBytes = 256 << 10
	maxIncludes    = 3
)

// sharesHostNetwork reads an LXC config (following lxc.include files) for
// a network of type none (lxc.net.N.type, or lxc.network.type in LXC 1 and
// 2) or a kept network namespace (lxc.namespace.keep = net).
func sharesHostNetwork(host guard.Host, config string, depth int) (bool, string, error) {
	data, err := host.ReadFile(config, maxConfigBytes)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, "", fmt.Errorf("there is no %s", config)
	case errors.Is(err, fs.ErrPermission):
		return false, "", fmt.Errorf("%s is not readable by you; it is root's", config)
	case err != nil:
		return false, "", fmt.Errorf("reading %s: %w", config, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch {
		case (key == "lxc.network.type" || strings.HasPrefix(key, "lxc.net.") && strings.HasSuffix(key, ".type")) && value == "none":
			return true, key + " = none", nil
		case key == "lxc.namespace.keep" && slices.Contains(strings.Fields(value), "net"):
			return true, key + " = " + value, nil
		case key == "lxc.include" && depth < maxIncludes:
			if shared, setting, err := sharesHostNetwork(host, value, depth+1); err == nil && shared {
				return true, setting + " (through " + value + ")", nil
			}
		}
	}
	return false, "", nil
}

// initialPIDNamespace is how /proc/self/ns/pid reads in the kernel's first
// PID namespace (PROC_PID_INIT_INO): a VM or a bare host, never a
// container, whatever files an image left behind (/.dockerenv).
const initialPIDNamespace = "pid:[4026531836]"

// insideContainer tells, read-only, whether this shell runs in a
// container, and which kind: systemd's /run/systemd/container, the
// container= variable in PID 1's environment, Docker's /.dockerenv,
// Podman's /run/.containerenv; unless the PID namespace is the
// kernel's first one.
func insideContainer(host guard.Host) (string, bool) {
	if ns, err := host.Readlink("/proc/self/ns/pid"); err == nil && ns == initialPIDNamespace {
		return "", false
	}
	if data, err := host.ReadFile("/run/systemd/container", 256); err == nil && strings.TrimSpace(string(data)) != "" {
		return strings.TrimSpace(string(data)), true
	}
	if data, err := host.ReadFile("/proc/1/environ", 64<<10); err == nil {
		for _, v := range strings.Split(string(data), "\x00") {
			if kind, ok := strings.CutPrefix(v, "container="); ok && kind != "" {
				return kind, true
			}
		}
	}
	for file, kind := range map[string]string{"/.dockerenv": "docker", "/run/.containerenv": "podman"} {
		if _, err := host.Lstat(file); err == nil {
			return kind, true
		}
	}
	return "", false
}

// hostInterfaceVisible names a network interface backed by a device (a
// NIC: /sys/class/net/IF/device exists). A container with its own
// network namespace sees only virtual ones (veth, lo).
func hostInterfaceVisible(host guard.Host) (string, bool) {
	entries, _, err := host.ReadDir("/sys/class/net", 256)
	if err != nil {
		return "", false
	}
	for _, e := range entries {
		if _, err := host.Lstat("/sys/class/net/" + e.Name() + "/device"); err == nil {
			return e.Name(), true
		}
	}
	return "", false
}
