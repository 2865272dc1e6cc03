package rules

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func networkRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "ssh-network-cut",
		Programs:   []string{"systemctl", "service", "invoke-rc.d", "networking", "network", "network-manager", "NetworkManager", "wicked", "ssh", "sshd", "ifdown", "ifconfig", "ip", "route", "iptables", "iptables-restore", "ip6tables-restore", "iptables-legacy-restore", "iptables-nft-restore", "ip6tables", "iptables-legacy", "iptables-nft", "nft", "nmcli", "killall", "pkill", "kill", "firewall-cmd", "firewall-offline-cmd", "ufw", "update-rc.d", "chkconfig", "rc-service", "rc-update", "sv", "dhclient", "networkctl", "tc", "netplan", "loginctl", "wg-quick", "tailscale", "zerotier-cli", "rm", "unlink", "ln", "mv"},
		Decision:   guard.Confirm,
		Summary:    "over SSH: restarting networking, stopping, masking, disabling or killing sshd (systemctl, service, update-rc.d, chkconfig, rc-service, rc-update, sv; a restart of sshd warns), taking down a link or a VPN tunnel the session comes over (ip, ifdown, networkctl, nmcli, wg-quick, tailscale, zerotier-cli, the units of wg-quick and OpenVPN; guard reads the routing table to tell which devices carry it, and asks where it cannot), netplan apply (netplan try rolls back), the default route deleted or replaced where the session's packets take it (ip route, net-tools route), the routing rules flushed, the lines of ip -batch, releasing the DHCP lease, removing or replacing the address the session came in on (ip addr, ifconfig DEV ADDR), an MTU below 576 on its device, netem loss 100%, a DROP rule for the session's own client address, ending every process of the session's user (pkill -u, killall -u, loginctl terminate-user) or the session itself (its shell by name with a signal that ends an interactive shell: pkill -9 bash; every process on its terminal or session: pkill -t, pkill -s 0; the shell's parent: kill $PPID), flushing firewall rules, setting DROP policies, a DROP rule (iptables or nft) that still holds SSH's packets (every packet, every TCP packet, port 22 or a negation that leaves it in, the session's interface, everyone outside a network the client is not in) or every new connection, ufw deny 22, ufw enable or a default deny with no rule for SSH, an nftables input chain with policy drop (typed, or in the script nft -f loads), a ruleset iptables-restore loads whose INPUT drops SSH or has a DROP policy with no rule for it, systemctl globs that match sshd or the network ('ssh*'), the same done by hand to sshd's unit files (rm of its .wants link or of the unit: disable; ln -s /dev/null over it: mask), firewalld's panic mode, a default zone or a removal that leaves no service or port for SSH (a rule for SSH put in earlier on the line passes)",
		Postmortem: "networking restart over SSH cut the operator off from the host",
		Match:      matchNetworkCut,
	}}
}

// sessionUnits are the services an SSH session depends on.
var sessionUnits = map[string]bool{
	"networking": true, "network": true, "NetworkManager": true, "systemd-networkd": true,
	"ssh": true, "sshd": true, "wicked": true, "network-manager": true,
}

// globbedSessionUnit is the session unit a systemctl glob matches, as
// systemctl matches patterns against the names of loaded units
// (systemctl stop 'ssh*'); "" for a plain name or no match.
func globbedSessionUnit(pattern string) string {
	if !strings.ContainsAny(pattern, "*?[") {
		return ""
	}
	for _, name := range []string{"ssh", "sshd", "networking", "network", "NetworkManager", "systemd-networkd", "wicked", "network-manager"} {
		for _, unit := range []string{name + ".service", name} {
			if ok, _ := path.Match(pattern, unit); ok {
				return name
			}
		}
	}
	return ""
}

func unitName(v string) string {
	for _, suffix := range []string{".service", ".socket"} {
		v = strings.TrimSuffix(v, suffix)
	}
	return v
}

// networkCut says how a command would cut the network, "" if it would not.
func networkCut(inv *guard.Invocation, host guard.Host) string {
	args := inv.Values()
	switch inv.Program {
	case "systemctl":
		p := guard.ParseOptions(inv.Args, systemctlSpec)
		if len(p.Operands) < 2 {
			return ""
		}
		switch verb := p.Operands[0].Value; verb {
		case "stop", "restart", "try-restart", "reload-or-restart", "kill", "mask", "disable", "isolate":
			for _, u := range p.Operands[1:] {
				if cut := tunnelUnitCut(inv, host, u.Value); cut != "" && !isRestart(verb) {
					return cut
				}
				name, shown := unitName(u.Value), u.Value
				if matched := globbedSessionUnit(u.Value); matched != "" {
					name, shown = matched, u.Value+" (which matches "+matched+")"
				}
				switch {
				case !sessionUnits[name], isRestart(verb) && sshUnits[name]:
					// sshd restarts with its sessions open (sshdRestart warns)
				case sshUnits[name] && !strings.HasSuffix(u.Value, ".socket") && sshSocketCovers(inv, host, verb):
					// the socket started earlier on the line takes the logins
				case sshUnits[name] && strings.HasSuffix(u.Value, ".socket") && sshdStandalone(inv, host, name):
					// sshd runs as its own service: the socket takes no logins
				case (verb == "mask" || verb == "disable") && !p.Has("now"):
					return verb + " " + shown + ": it stays up now and does not start at the next boot"
				default:
					return verb + " " + shown
				}
			}
		}
	case "rm", "unlink", "ln", "mv":
		return unitFileCut(inv)
	case "service", "invoke-rc.d":
		if len(args) >= 2 && sessionUnits[unitName(args[0])] && isStopVerb(args[1]) && !(sshUnits[args[0]] && isRestart(args[1])) {
			return args[1] + " " + args[0]
		}
	case "update-rc.d", "chkconfig", "rc-service", "rc-update", "sv":
		return initSystemCut(inv.Program, args)
	case "dhclient":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "pcslfeEHFVvI", LongValue: []string{"timeout"}})
		if p.Has("r", "x") {
			return "release the DHCP lease of " + operandsOr(p, "every interface") + " (its address goes)"
		}
	case "networkctl":
		if len(args) >= 2 && (args[0] == "down" || args[0] == "delete") {
			return downCut(inv, host, args[1], "take "+args[1]+" down")
		}
	case "wg-quick", "tailscale", "zerotier-cli":
		return tunnelCut(inv, host)
	case "tc":
		return netemCut(args)
	case "netplan":
		// apply reconfigures every interface at once and keeps no way
		// back; netplan try rolls back unless confirmed in 120 s
		p := guard.ParseOptions(inv.Args, guard.OptSpec{LongValue: []string{"root-dir", "state"}})
		if len(p.Operands) > 0 && p.Operands[0].Value == "apply" && !p.Has("h", "help") {
			return "apply the netplan configuration to every interface now, with no rollback if it is wrong"
		}
	case "networking", "network", "network-manager", "NetworkManager", "wicked", "ssh", "sshd":
		// /etc/init.d/networking restart, /etc/rc.d/init.d/network stop
		if strings.Contains(inv.Command.Value, "init.d/") && len(args) > 0 && isStopVerb(args[0]) && !(sshUnits[inv.Program] && isRestart(args[0])) {
			return args[0] + " " + inv.Program
		}
	case "killall", "pkill", "kill":
		// killall sshd ends the listener and every session, yours too;
		// SIGHUP only makes sshd re-read its configuration.
		c, ok := readSignalCall(inv)
		if ok && c.matches != nil && (c.matches("sshd") || c.matches("sshd:")) && endsProcess(c.signal) {
			return "kill sshd (every SSH session, yours too, and new logins)"
		}
		if ok && (endsProcess(c.signal) || endsShell(c.signal)) && inv.Remote == "" {
			if user := everyProcessOf(inv, host); user != "" && user == sessionUser(host) {
				return "end every process of " + user + ", this session's shell among them"
			}
		}
		if ok && inv.Remote == "" && inv.Container == "" {
			if cut := sessionShellCut(inv, host, c); cut != "" {
				return cut
			}
		}
	case "loginctl":
		if inv.Remote == "" && len(args) >= 1 {
			switch args[0] {
			case "terminate-user", "kill-user":
				if user := sessionUser(host); user != "" && slices.Contains(args[1:], user) {
					return "end every session of " + user + " (loginctl " + args[0] + "), this one too"
				}
			case "terminate-session", "kill-session":
				id, _ := host.Getenv("XDG_SESSION_ID")
				if len(args) == 1 || id != "" && slices.Contains(args[1:], id) {
					return "end this very session (loginctl " + args[0] + ")"
				}
			}
		}
	case "ifdown":
		p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "iX", LongValue: []string{"interfaces", "exclude"}})
		if p.Has("a", "all") {
			return "take every interface down"
		}
		if len(p.Operands) > 0 {
			return downCut(inv, host, p.Operands[0].Value, "take "+p.Operands[0].Value+" down")
		}
	case "ifconfig":
		if len(args) >= 2 && args[len(args)-1] == "down" {
			return downCut(inv, host, args[0], "take "+args[0]+" down")
		}
		// ifconfig DEV ADDR [netmask …]: the device's address replaced
		if server := sessionServerAddr(inv, host); len(args) >= 2 && server != "" {
			if addr, err := netip.ParseAddr(strings.Split(args[1], "/")[0]); err == nil && addr.String() != server {
				if cut, _ := sessionCut(inv, host, args[0], false); cut {
					return "replace the address of " + args[0] + " with " + args[1] + ": this SSH session came in on " + server + ", which goes"
				}
			}
		}
	case "ip":
		if cut := ipBatchCut(inv, host); cut != "" {
			return cut
		}
		cut, dev := ipCut(args, sessionServerAddr(inv, host))
		if dev != "" && cut != "" {
			return downCut(inv, host, dev, cut)
		}
		if cut == defaultRouteChange && !clientViaDefault(inv, host) {
			return "" // the client is on a subnet of this host's own: its packets take no gateway
		}
		return cut
	case "route":
		// net-tools: route del default, route del -net 0.0.0.0
		ops := slices.DeleteFunc(slices.Clone(args), func(a string) bool { return strings.HasPrefix(a, "-") })
		if len(ops) >= 2 && ops[0] == "del" && (ops[1] == "default" || ops[1] == "0.0.0.0" || ops[1] == "0.0.0.0/0") && clientViaDefault(inv, host) {
			return "delete the default route"
		}
	case "iptables", "ip6tables", "iptables-legacy", "iptables-nft":
		if cut := iptablesCut(inv, host); cut != "" && !iptablesKeptOpen(inv, host) {
			return cut
		}
		return iptablesBansClient(inv, host)
	case "iptables-restore", "ip6tables-restore", "iptables-legacy-restore", "iptables-nft-restore":
		return iptablesRestoreCut(inv, host)
	case "nft":
		joined := " " + strings.Join(args, " ") + " "
		if strings.Contains(joined, " flush ruleset ") {
			return "flush every nftables rule"
		}
		if cut := nftScriptCut(inv, host); cut != "" {
			return cut
		}
		if cut := nftFlushCut(args); cut != "" {
			return cut
		}
		if cut := nftDropRule(inv, host, args); cut != "" {
			return cut
		}
		if chain, ok := nftDropPolicy(args); ok && !nftKeptOpen(inv, host, chain) {
			return "set the policy of nftables' " + chain.name + " chain (hook input) to drop, and guard sees no rule before it on the line that accepts SSH"
		}
	case "ufw":
		return ufwCut(inv, host)
	case "firewall-cmd", "firewall-offline-cmd":
		return firewalldCut(inv, host)
	case "nmcli":
		joined := " " + strings.Join(args, " ") + " "
		if strings.Contains(joined, " networking off ") || strings.Contains(joined, " n off ") {
			return "turn networking off"
		}
		for _, verb := range []string{" con down ", " connection down ", " c down ", " dev disconnect ", " device disconnect ", " d disconnect "} {
			if before, after, found := strings.Cut(joined, verb); found {
				if dev := strings.Fields(after); strings.Contains(verb, "disconnect") && len(dev) > 0 && !strings.Contains(before, " con") {
					return downCut(inv, host, dev[0], "disconnect "+dev[0])
				}
				return strings.TrimSpace(verb)
			}
		}
	}
	return ""
}

// sshSocketCovers: an earlier command of the line that certainly ran
// (guard.Invocation.RanBefore) started ssh.socket, so that systemd takes
// new logins on port 22 once the service is stopped (Debian's socket even
// stops the service itself when it starts). For disable or mask, which
// are about the next boot too, the socket must have been enabled as well.
func sshSocketCovers(inv *guard.Invocation, host guard.Host, verb string) bool {
	started, enabled := false, false
	for b := range inv.RanBefore { // the latest first: what came before a stop does not count
		if b.Program != "systemctl" || !asPrivileged(b, inv, host) {
			continue
		}
		p := guard.ParseOptions(b.Args, systemctlSpec)
		if len(p.Operands) < 2 || !slices.ContainsFunc(p.Operands[1:], func(u guard.Arg) bool {
			return u.Value == "ssh.socket" || u.Value == "sshd.socket"
		}) {
			continue
		}
		switch p.Operands[0].Value {
		case "start", "restart", "reload-or-restart":
			started = true
		case "enable":
			enabled = true
			started = started || p.Has("now")
		}
		if v := p.Operands[0].Value; v == "stop" || v == "kill" || v == "mask" || v == "disable" {
			break
		}
	}
	if verb == "disable" || verb == "mask" {
		return started && enabled
	}
	return started
}

// sshdStandalone: on this host sshd starts as its own service (its unit
// enabled for multi-user.target) and its socket is not enabled, so the
// socket takes no logins and stopping it leaves them.
func sshdStandalone(inv *guard.Invocation, host guard.Host, name string) bool {
	if inv.Remote != "" {
		return false
	}
	for _, dir := range []string{"/etc/systemd/system/sockets.target.wants/", "/usr/lib/systemd/system/sockets.target.wants/", "/lib/systemd/system/sockets.target.wants/"} {
		if _, err := host.Lstat(dir + name + ".socket"); err == nil {
			return false
		}
	}
	_, err := host.Lstat("/etc/systemd/system/multi-user.target.wants/" + name + ".service")
	return err == nil
}

// asPrivileged: the earlier command b ran with at least the rights of inv,
// so that what inv may change, b could change too: as the same user, as
// root, or typed by root. Not `iptables -A … ; sudo iptables -P …` typed
// by another user, whose first command failed for want of rights.
func asPrivileged(b, inv *guard.Invocation, host guard.Host) bool {
	if b.User == inv.User || b.User == "root" {
		return true
	}
	user, _ := host.Getenv("USER")
	return b.User == "" && user == "root"
}

// sshUnits are sshd's names as a unit or an init script.
var sshUnits = map[string]bool{"ssh": true, "sshd": true}

// comesBack: a cut that ends with the network or sshd up again once the
// command finishes (a restart; a link taken down, which the same detached
// code brings up: nohup sh -c 'ifdown eth0; ifup eth0'). Run apart from
// the session it does no harm. A stop, a kill, a mask, a flushed or
// dropping firewall stays: detached or later (at now, nohup … &) it still
// locks out this session and every new login.
func comesBack(inv *guard.Invocation) bool {
	args := inv.Values()
	switch inv.Program {
	case "systemctl":
		p := guard.ParseOptions(inv.Args, systemctlSpec)
		return len(p.Operands) > 0 && isRestart(p.Operands[0].Value)
	case "service", "invoke-rc.d":
		return len(args) >= 2 && isRestart(args[1])
	case "networking", "network", "network-manager", "NetworkManager", "wicked", "ssh", "sshd":
		return len(args) > 0 && isRestart(args[0])
	case "ifdown", "ifconfig", "ip", "nmcli":
		return true
	}
	return false
}

func isRestart(verb string) bool {
	return verb == "restart" || verb == "try-restart" || verb == "reload-or-restart" || verb == "force-reload"
}

// sshdRestart: systemctl restart sshd and its spellings.
func sshdRestart(inv *guard.Invocation) bool {
	args := inv.Values()
	switch inv.Program {
	case "systemctl":
		p := guard.ParseOptions(inv.Args, systemctlSpec)
		if len(p.Operands) < 2 || !isRestart(p.Operands[0].Value) {
			return false
		}
		return slices.ContainsFunc(p.Operands[1:], func(u guard.Arg) bool { return sshUnits[unitName(u.Value)] })
	case "service", "invoke-rc.d":
		return len(args) >= 2 && sshUnits[args[0]] && isRestart(args[1])
	case "ssh", "sshd":
		return strings.Contains(inv.Command.Value, "init.d/") && len(args) > 0 && isRestart(args[0])
	}
	return false
}

// ufwCut reads ufw for what would shut SSH out: a deny of port 22 for
// everyone, or a default deny for incoming connections while ufw is on
// and no rule of its own lets SSH in.
func ufwCut(inv *guard.Invocation, host guard.Host) string {
	args := inv.Values()
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "--force" {
		if args[0] == "--dry-run" {
			return "" // prints the rules, changes none
		}
		args = args[1:]
	}
	force := len(args) > 0 && args[0] == "--force"
	if force {
		args = args[1:]
	}
	switch {
	case len(args) >= 2 && args[0] == "insert": // ufw insert 1 deny 22
		args = args[2:]
	case len(args) >= 1 && args[0] == "prepend":
		args = args[1:]
	}
	if len(args) == 0 {
		return ""
	}
	switch args[0] {
	case "deny", "reject":
		for i, a := range args {
			if a == "from" && i+1 < len(args) && args[i+1] != "any" {
				return "" // one address or network: a ban
			}
		}
		for _, a := range args[1:] {
			port, _, _ := strings.Cut(a, "/")
			if port == "22" || port == "ssh" || strings.EqualFold(port, "OpenSSH") {
				return "deny SSH (port 22) to every address"
			}
		}
		if dev, ok := ufwEveryPortOn(args[1:]); ok {
			if cut, _ := sessionCut(inv, host, dev, false); cut {
				return "deny every incoming connection on " + dev + " (this SSH session comes in over it)"
			}
		}
	case "default":
		if len(args) >= 2 && (args[1] == "deny" || args[1] == "reject") && (len(args) == 2 || args[2] == "incoming") &&
			ufwActive(inv, host) && !ufwAllowsSSH(inv, host) && !ufwAllowedBefore(inv, host) {
			return "make ufw refuse every incoming connection no rule allows, and guard sees no rule that allows SSH"
		}
	case "enable":
		if !ufwAllowsSSH(inv, host) && !ufwAllowedBefore(inv, host) {
			if force {
				return "turn ufw on without asking, and guard sees no rule that allows SSH (ufw's default refuses incoming connections)"
			}
			// ufw's own question under SSH is the same for every enable,
			// with SSH allowed or not: it is answered y by habit.
			return "turn ufw on, and guard sees no rule that allows SSH (ufw's default refuses incoming connections; its own prompt asks the same for every enable)"
		}
	}
	return ""
}

// ufwEveryPortOn reads the words after ufw deny for `in on DEV` with no
// port, protocol or address to narrow it: every connection on DEV.
func ufwEveryPortOn(words []string) (string, bool) {
	dev := ""
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case w == "in":
		case w == "on" && i+1 < len(words):
			i++
			dev = words[i]
		case (w == "from" || w == "to") && i+1 < len(words) && words[i+1] == "any":
			i++
		default:
			return "", false // a port, an address, out, a comment guard does not read
		}
	}
	return dev, dev != ""
}

// ufwActive: /etc/ufw/ufw.conf says ENABLED=yes; a host guard cannot read
// (another machine) counts as active.
func ufwActive(inv *guard.Invocation, host guard.Host) bool {
	if inv.Remote != "" {
		return true
	}
	data, err := host.ReadFile("/etc/ufw/ufw.conf", 64<<10)
	return err == nil && strings.Contains(string(data), "ENABLED=yes")
}

// ufwAllowsSSH: ufw's own rules (readable by root) allow port 22 or the
// OpenSSH profile.
func ufwAllowsSSH(inv *guard.Invocation, host guard.Host) bool {
	if inv.Remote != "" {
		return false
	}
	data, err := host.ReadFile("/etc/ufw/user.rules", 1<<20)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "### tuple ### allow") && !strings.HasPrefix(line, "### tuple ### limit") {
			continue
		}
		f := strings.Fields(line)
		if len(f) > 5 && (f[5] == "22" || strings.Contains(line, "OpenSSH")) {
			return true
		}
	}
	return false
}

// ufwAllowedBefore: an earlier command of the line, which certainly ran
// (guard.Invocation.RanBefore), added a ufw rule that lets SSH in from
// anywhere, or from the address this session comes from. A reset or a
// delete after it may have taken it away: guard stops looking there.
func ufwAllowedBefore(inv *guard.Invocation, host guard.Host) bool {
	allowed := false
	for b := range inv.RanBefore {
		if b.Program != "ufw" || !asPrivileged(b, inv, host) {
			continue
		}
		args := ufwRuleWords(b.Values())
		if len(args) == 0 {
			continue
		}
		if args[0] == "reset" || args[0] == "delete" {
			break
		}
		if ufwRuleAllowsSSH(args, b, host) {
			allowed = true
			break
		}
	}
	return allowed
}

// ufwRuleWords drops ufw's options and the position of insert or
// prepend; nil for a dry run, which changes nothing.
func ufwRuleWords(args []string) []string {
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		if args[0] == "--dry-run" {
			return nil
		}
		args = args[1:]
	}
	switch {
	case len(args) >= 2 && args[0] == "insert":
		return args[2:]
	case len(args) >= 1 && args[0] == "prepend":
		return args[1:]
	}
	return args
}

// ufwRuleAllowsSSH reads `ufw allow|limit [in] …` in its simple and full
// forms for a rule that lets TCP port 22 in: 22, 22/tcp, ssh, OpenSSH,
// a range holding 22, or `proto tcp … port 22`, from anywhere or from
// the session's own address.
func ufwRuleAllowsSSH(args []string, b *guard.Invocation, host guard.Host) bool {
	if len(args) < 2 || args[0] != "allow" && args[0] != "limit" {
		return false
	}
	words := args[1:]
	if words[0] == "in" {
		words = words[1:]
	}
	ssh, side := false, ""
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch w {
		case "out", "route", "on":
			return false // another direction, or one interface
		case "comment":
			i++ // its text
		case "from":
			if i+1 < len(words) && words[i+1] != "any" && !holdsClient(words[i+1], b, host) {
				return false // another address or network
			}
			i, side = i+1, w
		case "to":
			i, side = i+1, w
		case "proto":
			if i+1 < len(words) && words[i+1] != "tcp" {
				return false
			}
			i++
		case "port":
			if side == "from" {
				return false // the client's port, not sshd's
			}
			if i+1 < len(words) && sshPort(words[i+1]) {
				ssh = true
			}
			i++
		default:
			port, proto, _ := strings.Cut(w, "/")
			if proto != "" && proto != "tcp" {
				return false
			}
			if sshPort(port) || strings.EqualFold(port, "OpenSSH") {
				ssh = true
			}
		}
	}
	if !ssh && len(words) == 2 && words[0] == "from" {
		return true // ufw allow from ADDRESS: every port from the session's address
	}
	return ssh
}

// sshPort: a port, a list or a range of ports that holds SSH's, by
// number or by name.
func sshPort(v string) bool {
	for _, p := range strings.Split(v, ",") {
		from, to, isRange := strings.Cut(p, ":")
		if p == "22" || p == "ssh" || isRange && portIn(22, from, to) {
			return true
		}
	}
	return false
}

// holdsClient: the address or network spec holds the address this SSH
// session comes from.
func holdsClient(spec string, inv *guard.Invocation, host guard.Host) bool {
	client, ok := guard.SSHClient(inv, host)
	if !ok {
		return false
	}
	addr, err := netip.ParseAddr(client)
	if err != nil {
		return false // another machine's session, or no address known
	}
	if prefix, err := netip.ParsePrefix(spec); err == nil {
		return prefix.Contains(addr)
	}
	a, err := netip.ParseAddr(spec)
	return err == nil && a == addr
}

func isStopVerb(v string) bool {
	switch v {
	case "stop", "restart", "force-reload", "force-stop":
		return true
	}
	return false
}

// initSystemCut reads the other init systems' ways to stop or switch off
// sshd or the network: Debian's update-rc.d NAME disable|remove, Red
// Hat's chkconfig NAME off, OpenRC's rc-service NAME stop and rc-update
// del NAME, runit's sv down|stop|kill NAME.
func initSystemCut(program string, args []string) string {
	ops := slices.DeleteFunc(slices.Clone(args), func(a string) bool { return strings.HasPrefix(a, "-") })
	if len(ops) < 2 {
		return ""
	}
	name, verb := ops[0], ops[1]
	if program == "rc-update" || program == "sv" {
		name, verb = ops[1], ops[0] // the verb comes first
	}
	action := "stop " // rc-service, sv: now
	switch program {
	case "update-rc.d":
		if verb != "disable" && verb != "remove" {
			return ""
		}
		action = "switch off at boot "
	case "chkconfig":
		if verb != "off" {
			return ""
		}
		action = "switch off at boot "
	case "rc-service":
		if !isStopVerb(verb) || sshUnits[name] && isRestart(verb) {
			return ""
		}
	case "rc-update":
		if verb != "del" && verb != "delete" {
			return ""
		}
		action = "switch off at boot "
	case "sv":
		if verb != "down" && verb != "d" && verb != "stop" && verb != "kill" && verb != "k" && verb != "force-stop" && verb != "exit" && verb != "x" {
			return ""
		}
	}
	name = name[strings.LastIndex(name, "/")+1:]
	if !sessionUnits[name] {
		return ""
	}
	if action == "stop " {
		return action + name
	}
	return action + name + ": it stays up now and does not start at the next boot"
}

func operandsOr(p guard.Parsed, none string) string {
	if len(p.Operands) == 0 {
		return none
	}
	return strings.Join(operandValues(p.Operands), " ")
}

// netemCut: tc … netem loss 100% drops every packet of the interface,
// the session's too, until the qdisc is deleted (which takes a session).
func netemCut(args []string) string {
	dev := ""
	for i, a := range args {
		if a == "dev" && i+1 < len(args) {
			dev = args[i+1]
		}
		if a != "loss" || i+1 >= len(args) || virtualInterface(dev) {
			continue
		}
		v := args[i+1]
		if v == "random" && i+2 < len(args) {
			v = args[i+2]
		}
		if v == "100%" || v == "100" || v == "100.0%" {
			return "drop every packet of " + dev + " (netem loss 100%)"
		}
	}
	return ""
}

// sessionServerAddr is this host's address the SSH session came in on
// (the third field of SSH_CONNECTION), "" when it is not known or the
// command runs on another machine.
func sessionServerAddr(inv *guard.Invocation, host guard.Host) string {
	if inv.Remote != "" || inv.Container != "" {
		return ""
	}
	v, _ := host.Getenv("SSH_CONNECTION")
	if f := strings.Fields(v); len(f) >= 3 {
		return f[2]
	}
	return ""
}

// ipCut reads `ip [opts] OBJECT COMMAND …` with iproute2's abbreviations;
// server is the address the session came in on ("" if not known). dev is
// the device taken down or deleted, for the caller to tell whether it
// carries the session.
func ipCut(args []string, server string) (cut, dev string) {
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") {
		switch args[i] {
		case "-n", "-netns", "-b", "-batch", "-rc", "-rcvbuf":
			i++
		}
		i++
	}
	if i+1 >= len(args) {
		return "", ""
	}
	object, command, rest := args[i], args[i+1], args[i+2:]
	prefixOf := func(full string, v string) bool { return v != "" && strings.HasPrefix(full, v) }
	named := func() string { // ip link set [dev] NAME …
		if len(rest) > 1 && rest[0] == "dev" {
			return rest[1]
		}
		if len(rest) > 0 {
			return rest[0]
		}
		return ""
	}
	switch {
	case prefixOf("link", object) && prefixOf("set", command):
		if at := slices.Index(rest, "mtu"); at >= 0 && at+1 < len(rest) {
			// below 576 bytes, what every IPv4 host must take, a TCP
			// session's packets no longer fit
			if mtu, err := strconv.Atoi(rest[at+1]); err == nil && mtu < 576 {
				if dev := named(); dev != "" && dev != "mtu" {
					return "set the MTU of " + dev + " to " + rest[at+1] + " bytes, too small for the session's packets", dev
				}
			}
		}
		if slices.Contains(rest, "down") {
			if dev := named(); dev != "" && dev != "down" {
				return "take " + dev + " down", dev
			}
			return "take an interface down", ""
		}
	case prefixOf("link", object) && prefixOf("delete", command):
		if dev := named(); dev != "" {
			return "delete " + dev, dev
		}
	case prefixOf("address", object) && prefixOf("flush", command):
		return "remove every address of " + strings.Join(rest, " "), named()
	case prefixOf("address", object) && prefixOf("delete", command) && len(rest) > 0 && server != "":
		addr, _, _ := strings.Cut(rest[0], "/")
		if addr == server {
			return "remove " + addr + ", the address this SSH session came in on", ""
		}
	case prefixOf("route", object) && prefixOf("flush", command):
		return "flush the routing table", ""
	case prefixOf("route", object) && prefixOf("delete", command) && len(rest) > 0 && rest[0] == "default":
		return "delete the default route", ""
	case prefixOf("route", object) && (prefixOf("replace", command) || prefixOf("change", command)) && len(rest) > 0 && (rest[0] == "default" || rest[0] == "0.0.0.0/0"):
		return defaultRouteChange, ""
	case prefixOf("rule", object) && prefixOf("flush", command):
		return "flush the routing rules (the rules that look up the main and default tables go too: no packet is routed)", ""
	}
	return "", ""
}

// defaultRouteChange is ipCut's cut for a default route replaced or
// changed: the session's packets leave by the new gateway, reachable or
// not.
const defaultRouteChange = "replace the default route (the packets of this session leave by the new gateway, and a wrong one sends them nowhere)"

// clientViaDefault: the packets back to the session's client leave by a
// gateway (the default route, or guard cannot read the table), not onto
// a subnet of this host's own.
func clientViaDefault(inv *guard.Invocation, host guard.Host) bool {
	client, ok := guard.SSHClient(inv, host)
	addr, err := netip.ParseAddr(client)
	if !ok || err != nil || inv.Remote != "" || inv.Container != "" {
		return true
	}
	routes, ok := readRoutes(host, addr.Unmap().Is4())
	if !ok {
		return true
	}
	r, found := bestRoute(routes, addr.Unmap())
	return !found || r.gateway || r.prefix.Bits() == 0
}

// ipBatchCut judges the commands ip -batch FILE (or -, standard input
// when guard can read it) runs, one a line, as typed.
func ipBatchCut(inv *guard.Invocation, host guard.Host) string {
	args := inv.Values()
	file := ""
	for i, a := range args {
		if (a == "-b" || a == "-batch") && i+1 < len(args) {
			file = args[i+1]
		}
	}
	var text string
	switch {
	case file == "":
		return ""
	case file == "-":
		t, ok := inputText(inv, host)
		if !ok {
			return ""
		}
		text = t
	case inv.Remote == "" && inv.Path(file) != "":
		data, err := host.ReadFile(inv.Path(file), maxBodyFile)
		if err != nil {
			return ""
		}
		text = string(data)
	}
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		cut, dev := ipCut(strings.Fields(line), sessionServerAddr(inv, host))
		if dev != "" && cut != "" {
			cut = downCut(inv, host, dev, cut)
		}
		if cut == defaultRouteChange && !clientViaDefault(inv, host) {
			cut = ""
		}
		if cut != "" {
			return cut + " (ip -batch " + file + ": " + strings.TrimSpace(line) + ")"
		}
	}
	return ""
}

// virtualInterface: the bridges and pairs container and VM runtimes
// create, which an SSH session does not come in through.
func virtualInterface(dev string) bool {
	for _, prefix := range []string{"docker", "veth", "br-", "virbr", "cni", "flannel", "cali", "vnet", "lxcbr", "lxdbr", "incusbr", "podman", "kube-"} {
		if strings.HasPrefix(dev, prefix) {
			return true
		}
	}
	return false
}

var iptablesSpec = guard.OptSpec{
	ShortValue: "tAICDRNXPELZSwWjgpsdiomvc",
	LongValue:  []string{"table", "append", "insert", "check", "delete", "replace", "new-chain", "delete-chain", "policy", "rename-chain", "list", "zero", "jump", "goto", "protocol", "source", "destination", "in-interface", "out-interface", "match", "wait", "wait-interval", "set-counters"},
}

func iptablesCut(inv *guard.Invocation, host guard.Host) string {
	p := guard.ParseOptions(inv.Args, iptablesSpec)
	if t, ok := p.Value("t", "table"); ok && t.Value != "filter" {
		return "" // nat, mangle and raw rules do not decide whether packets pass
	}
	if p.Has("F", "flush") {
		// One user chain (f2b-sshd, DOCKER-USER) or FORWARD holds rules,
		// not this session's way in; INPUT, OUTPUT or every chain may.
		if len(p.Operands) == 0 || !p.Operands[0].Known || p.Operands[0].Value == "INPUT" || p.Operands[0].Value == "OUTPUT" {
			return "flush the firewall rules (whatever the default policy is then applies)"
		}
		return ""
	}
	if cut := iptablesDropRule(inv, host, p); cut != "" {
		return cut
	}
	if policy, ok := p.Value("P", "policy"); ok {
		target := ""
		if len(p.Operands) > 0 {
			target = p.Operands[0].Value
		}
		if (target == "DROP" || target == "REJECT") && policy.Value != "FORWARD" { // FORWARD: packets routed through, not to this host
			return fmt.Sprintf("set the default policy of %s to %s", policy.Value, target)
		}
	}
	return ""
}

// iptablesDropRule reads -A or -I INPUT|OUTPUT … -j DROP|REJECT for the
// packets of SSH it would drop, the way iptables matches them: every
// packet, every TCP packet, SSH's port (by number, name, range or list,
// or left in by a negation: ! --dport 443), everything from outside a
// network that does not hold the session's client (! -s 10.0.0.0/8), or
// everything on the interface the session comes in over; or, with
// --state NEW or --syn, every new connection: this session stays, no
// new login gets in. Another address, port, protocol or interface, or a
// match guard does not read, narrows it to other traffic: a ban, not a
// wall.
func iptablesDropRule(inv *guard.Invocation, host guard.Host, p guard.Parsed) string {
	chain, ok := p.Value("A", "append")
	if !ok {
		chain, ok = p.Value("I", "insert")
	}
	target, _ := p.Value("j", "jump")
	if !ok || chain.Value != "INPUT" && chain.Value != "OUTPUT" || target.Value != "DROP" && target.Value != "REJECT" {
		return ""
	}
	m, ok := readDropMatch(inv, host, chain.Value)
	if !ok {
		return "" // narrower than SSH's packets
	}
	verb := strings.ToLower(target.Value) + "s"
	what := "every packet"
	switch {
	case m.port:
		what = "SSH (port 22)"
	case m.tcp:
		what = "every TCP packet, SSH's too,"
	case m.outside != "":
		what = "every packet from outside " + m.outside + ", this session's address " + m.client + " among them,"
	}
	on := chain.Value
	if m.dev != "" {
		on += " on " + m.dev + " (this SSH session comes in over it)"
	}
	if m.newOnly {
		return fmt.Sprintf("add a rule that %s %s that opens a new connection on %s: this session stays, but no new SSH login gets in, and if this one drops you cannot come back", verb, strings.TrimSuffix(what, ","), on)
	}
	return fmt.Sprintf("add a rule that %s %s on %s", verb, strings.TrimSuffix(what, ","), on)
}

// iptablesOption is the long name of an iptables option.
func iptablesOption(name string) string {
	short := map[string]string{
		"A": "append", "I": "insert", "j": "jump", "t": "table", "w": "wait", "W": "wait-interval", "v": "verbose",
		"p": "protocol", "m": "match", "s": "source", "src": "source", "d": "destination", "dst": "destination",
		"i": "in-interface", "o": "out-interface",
	}
	if long, ok := short[name]; ok {
		return long
	}
	return name
}

// iptablesNegated: the option (its long name) is negated, with `!`
// before it or, iptables' old place, before its value.
func iptablesNegated(args []string, option string) bool {
	for i, a := range args {
		if strings.HasPrefix(a, "-") && iptablesOption(strings.TrimLeft(a, "-")) == option &&
			(i > 0 && args[i-1] == "!" || i+1 < len(args) && args[i+1] == "!") {
			return true
		}
	}
	return false
}

// dropMatch is what guard read of a DROP rule's match that still holds
// SSH's packets.
type dropMatch struct {
	port, tcp, newOnly bool
	outside, client    string // ! -s NETWORK, which leaves the client in
	dev                string // the interface, which carries the session
}

// readDropMatch walks a rule's match options with their negations (`!`
// before the option, or iptables' old place before the value) and says
// whether what is left still holds the session's packets on chain.
func readDropMatch(inv *guard.Invocation, host guard.Host, chain string) (dropMatch, bool) {
	var m dropMatch
	peer, devOption := "source", "in-interface" // the client sends what comes in
	if chain == "OUTPUT" {
		peer, devOption = "destination", "out-interface"
	}
	args := inv.Values()
	negate := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "!" {
			negate = true
			continue
		}
		if !strings.HasPrefix(a, "-") {
			negate = false // a value: a rule number, a chain
			continue
		}
		name, value, attached := strings.Cut(a, "=")
		option := strings.TrimLeft(name, "-")
		takes := func() string {
			if !attached && i+1 < len(args) {
				i++
				value = args[i]
				if value == "!" && i+1 < len(args) { // --dport ! 22
					negate = !negate
					i++
					value = args[i]
				}
			}
			return value
		}
		switch option = iptablesOption(option); {
		case option == "append" || option == "insert" || option == "jump" || option == "table" || option == "reject-with" || option == "comment":
			takes()
		case option == "wait" || option == "wait-interval" || option == "verbose":
			// a number after them is skipped as a value
		case option == "protocol":
			proto := takes()
			if tcp := proto == "tcp" || proto == "6"; proto != "all" && proto != "0" && tcp == negate {
				return m, false // another protocol
			}
			m.tcp = m.tcp || !negate && proto != "all" && proto != "0"
		case option == "match":
			if v := takes(); !slices.Contains([]string{"tcp", "multiport", "comment", "state", "conntrack"}, v) {
				return m, false // a limit, a time, a string: not every packet of SSH
			}
		case slices.Contains(sshPortOptions[chain], option):
			if sshPort(takes()) == negate {
				return m, false // another port
			}
			m.port = !negate
		case option == peer:
			spec := takes()
			client, known := guard.SSHClient(inv, host)
			if !negate || !known || holdsClient(spec, inv, host) {
				return m, false // one address or network (iptablesBansClient reads the client's own), or one that leaves the client out
			}
			m.outside, m.client = spec, client
		case option == devOption:
			dev := takes()
			cut, _ := sessionCut(inv, host, dev, false)
			if cut == negate {
				return m, false // another interface
			}
			if !negate {
				m.dev = dev
			}
		case option == "state" || option == "ctstate":
			states := strings.Split(takes(), ",")
			switch {
			case negate && !slices.Contains(states, "NEW"), !negate && slices.Contains(states, "NEW") && !slices.Contains(states, "ESTABLISHED"):
				m.newOnly = true
			case negate || !slices.Contains(states, "ESTABLISHED"):
				return m, false // INVALID, RELATED: not SSH's packets
			}
		case option == "syn":
			m.newOnly = m.newOnly || !negate
		default:
			return m, false // an address of this host, the other port, an option guard does not read
		}
		negate = false
	}
	if m.newOnly && chain == "OUTPUT" {
		return m, false // connections this host opens, not the ones it answers
	}
	return m, true
}

// iptablesRestoreCut judges the ruleset iptables-restore loads (a file
// operand, or standard input when guard can read it). Without --noflush
// it replaces every chain of each table the ruleset names, so the filter
// table's INPUT chain then holds only its rules, under its policy: read
// in order, a rule that accepts SSH keeps the session; a DROP rule that
// still holds SSH's packets before it, or a DROP policy with none, cuts.
func iptablesRestoreCut(inv *guard.Invocation, host guard.Host) string {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "MTWw", LongValue: []string{"modprobe", "table", "wait", "wait-interval"}})
	if p.Has("t", "test", "n", "noflush", "h", "help") {
		return "" // a test changes nothing; --noflush keeps the rules there
	}
	var text string
	switch {
	case len(p.Operands) == 0:
		t, ok := inputText(inv, host)
		if !ok {
			return ""
		}
		text = t
	case p.Operands[0].Known && inv.Remote == "" && inv.Path(p.Operands[0].Value) != "":
		data, err := host.ReadFile(inv.Path(p.Operands[0].Value), maxBodyFile)
		if err != nil {
			return ""
		}
		text = string(data)
	default:
		return ""
	}
	table, filter, policy := "", false, ""
	var input [][]string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "*"):
			table = strings.TrimPrefix(line, "*")
			filter = filter || table == "filter"
		case table != "filter":
		case strings.HasPrefix(line, ":INPUT "):
			policy = strings.Fields(line)[1]
		case strings.HasPrefix(line, "-A INPUT ") || strings.HasPrefix(line, "-I INPUT "):
			input = append(input, strings.Fields(line))
		}
	}
	if !filter {
		return "" // the filter table stays as it is
	}
	for _, rule := range input {
		b := iptablesLike(rule)
		bp := guard.ParseOptions(b.Args, iptablesSpec)
		if iptablesAcceptsSSH(b, bp, "INPUT", host) {
			return ""
		}
		if cut := iptablesDropRule(b, host, bp); cut != "" {
			return "load a ruleset that would " + cut + " before any rule that accepts SSH"
		}
	}
	if policy == "DROP" || policy == "REJECT" {
		return "load a ruleset whose INPUT policy is " + policy + ", with no rule in it that accepts SSH"
	}
	return ""
}

// iptablesBansClient reads -A or -I INPUT -s ADDR -j DROP|REJECT where
// ADDR holds the address this session comes from: a ban meant for
// someone else that shuts out the operator typing it. A port other than
// SSH's, or an interface, narrows it to other traffic.
func iptablesBansClient(inv *guard.Invocation, host guard.Host) string {
	p := guard.ParseOptions(inv.Args, iptablesSpec)
	chain, ok := p.Value("A", "append")
	if !ok {
		chain, ok = p.Value("I", "insert")
	}
	target, _ := p.Value("j", "jump")
	source, hasSource := p.Value("s", "source")
	if !ok || chain.Value != "INPUT" || target.Value != "DROP" && target.Value != "REJECT" || !hasSource {
		return ""
	}
	if t, ok := p.Value("t", "table"); ok && t.Value != "filter" {
		return ""
	}
	if iptablesNegated(inv.Values(), "source") {
		return "" // ! -s: everyone but that network (iptablesDropRule reads it)
	}
	for _, spec := range strings.Split(source.Value, ",") {
		if !holdsClient(spec, inv, host) {
			continue
		}
		for i, a := range inv.Values() {
			if (a == "--dport" || a == "--dports") && i+1 < len(inv.Values()) && !sshPort(inv.Values()[i+1]) {
				return "" // another port than SSH's
			}
		}
		client, _ := guard.SSHClient(inv, host)
		return fmt.Sprintf("add a rule that %ss %s, the address this SSH session comes from, on INPUT", strings.ToLower(target.Value), client)
	}
	return ""
}

// iptablesKeptOpen: the cut is a DROP or REJECT policy on INPUT or
// OUTPUT, or a DROP rule appended to it, and an earlier command of the
// line that certainly ran (guard.Invocation.RanBefore) put an ACCEPT for
// SSH on that chain, which the packets of this session meet first. A
// flush of the chain after it takes it away: guard stops looking there.
func iptablesKeptOpen(inv *guard.Invocation, host guard.Host) bool {
	p := guard.ParseOptions(inv.Args, iptablesSpec)
	chain, ok := p.Value("P", "policy")
	if !ok {
		chain, ok = p.Value("A", "append") // an -I rule goes in front of the ACCEPT
	}
	if !ok || chain.Value != "INPUT" && chain.Value != "OUTPUT" {
		return false
	}
	kept := false
	for b := range inv.RanBefore {
		if b.Program != inv.Program || !asPrivileged(b, inv, host) {
			continue // another table set (ip6tables, the legacy one), or another user's try
		}
		bp := guard.ParseOptions(b.Args, iptablesSpec)
		if t, ok := bp.Value("t", "table"); ok && t.Value != "filter" {
			continue
		}
		if bp.Has("F", "flush") && (len(bp.Operands) == 0 || !bp.Operands[0].Known || bp.Operands[0].Value == chain.Value) {
			break
		}
		if iptablesAcceptsSSH(b, bp, chain.Value, host) {
			kept = true
			break
		}
	}
	return kept
}

// iptablesAcceptsSSH: -A or -I CHAIN … -j ACCEPT for SSH's TCP port (the
// destination port coming in, the source port going out), or for every
// packet from or to the session's own address, with no narrower match
// guard does not read (an interface, a negation).
func iptablesAcceptsSSH(b *guard.Invocation, p guard.Parsed, chain string, host guard.Host) bool {
	on, ok := p.Value("A", "append")
	if !ok {
		on, ok = p.Value("I", "insert")
	}
	target, _ := p.Value("j", "jump")
	if !ok || on.Value != chain || target.Value != "ACCEPT" {
		return false
	}
	if p.Has("i", "in-interface", "o", "out-interface") {
		return false
	}
	if proto, ok := p.Value("p", "protocol"); ok && proto.Value != "tcp" && proto.Value != "6" {
		return false
	}
	peer := "s" // the session's address: where packets coming in are from
	if chain == "OUTPUT" {
		peer = "d"
	}
	fromClient, ssh := false, false
	args := b.Values()
	for i, a := range args {
		if a == "!" || a == "--syn" || a == "--tcp-flags" {
			return false // a negation, or only the first packet of a connection
		}
		if !strings.HasPrefix(a, "-") {
			continue // a value: -m state
		}
		name, value, attached := strings.Cut(a, "=")
		if !attached && i+1 < len(args) {
			value = args[i+1]
		}
		switch option := strings.TrimLeft(name, "-"); {
		case option == "s" || option == "source" || option == "d" || option == "destination":
			if option[:1] != peer || !holdsClient(value, b, host) {
				return false // another address, or this host's own
			}
			fromClient = true
		case slices.Contains(sshPortOptions[chain], option):
			if !sshPort(value) {
				return false // another port
			}
			ssh = true
		case option == "m" || option == "match":
			if value != "tcp" && value != "multiport" && value != "comment" && value != "conntrack" && value != "state" {
				return false // a limit, a time, a string: not every packet of the session
			}
		case option == "ctstate" || option == "state":
			if !strings.Contains(value, "ESTABLISHED") {
				return false // NEW alone: the packets of this open session are not
			}
		}
	}
	return ssh || fromClient && !p.Has("p", "protocol")
}

// sshPortOptions are the options that name SSH's port on a chain: the
// destination port of packets coming in, the source port of those going
// out.
var sshPortOptions = map[string][]string{
	"INPUT":  {"dport", "dports", "destination-port", "destination-ports"},
	"OUTPUT": {"sport", "sports", "source-port", "source-ports"},
}

// portIn: from:to (either end may be empty) holds port.
func portIn(port int, from, to string) bool {
	lo, hi := 0, 65535
	if from != "" {
		if _, err := fmt.Sscanf(from, "%d", &lo); err != nil {
			return false
		}
	}
	if to != "" {
		if _, err := fmt.Sscanf(to, "%d", &hi); err != nil {
			return false
		}
	}
	return lo <= port && port <= hi
}

// endsShell: the signal ends or freezes an interactive shell. bash and
// zsh at a prompt ignore SIGTERM, SIGINT and SIGQUIT, and with job
// control SIGTSTP, SIGTTIN and SIGTTOU; SIGHUP and SIGKILL end them.
func endsShell(sig int) bool {
	switch sig {
	case sigTERM, sigINT, 3, 20, 21, 22:
		return false
	}
	return !harmlessSignals[sig]
}

// sessionShellCut reads kill, pkill and killall for the processes this
// SSH session lives in: its shell by name (pkill -9 bash ends every bash
// the caller may signal, this one too), every process on its terminal
// (pkill -t pts/3), or the shell's parent ($PPID: sshd's process for the
// session, or the tmux or screen server the shell runs in).
func sessionShellCut(inv *guard.Invocation, host guard.Host, c signalCall) string {
	if endsShell(c.signal) && c.matches != nil {
		shell := "bash"
		if v, ok := host.Getenv("SHELL"); ok && v != "" {
			shell = path.Base(v)
		}
		if c.matches(shell) {
			return "end every " + shell + " process " + inv.Program + " may signal, this session's shell among them"
		}
	}
	tty, _ := host.Getenv("SSH_TTY")
	switch inv.Program {
	case "pkill":
		_, args := leadingSignal(inv.Args)
		p := guard.ParseOptions(args, pkillSpec)
		for _, sid := range p.Values("s", "session") {
			if sid.Known && slices.Contains(strings.Split(sid.Value, ","), "0") && len(p.Operands) == 0 && (endsProcess(c.signal) || endsShell(c.signal)) {
				return "end every process of this terminal session (pkill -s 0: pkill's own session, this shell's)"
			}
		}
		for _, t := range p.Values("t", "terminal") {
			if tty != "" && slices.Contains(strings.Split(t.Value, ","), strings.TrimPrefix(tty, "/dev/")) && (endsProcess(c.signal) || endsShell(c.signal)) {
				return "end every process on " + t.Value + ", this session's terminal (its shell among them)"
			}
		}
	case "kill":
		for _, a := range inv.Args {
			if slices.Contains(a.Unknown, "$PPID") && (endsProcess(c.signal) || c.signal == sigHUP) {
				return "end this shell's parent ($PPID: sshd's process for this session, or the tmux or screen server the shell runs in, with every window)"
			}
		}
	}
	return ""
}

// everyProcessOf is the user whose every process pkill -u USER or
// killall -u USER (no name, no other filter) signals, "" otherwise.
func everyProcessOf(inv *guard.Invocation, host guard.Host) string {
	_, args := leadingSignal(inv.Args)
	var p guard.Parsed
	switch inv.Program {
	case "pkill":
		p = guard.ParseOptions(args, pkillSpec)
		if len(p.Operands) > 0 || p.Has("v", "inverse", "P", "parent", "g", "pgroup", "G", "group", "s", "session", "t", "terminal", "n", "newest", "o", "oldest", "F", "pidfile", "cgroup", "ns", "env") {
			return ""
		}
	case "killall":
		p = guard.ParseOptions(args, killallSpec)
		if len(p.Operands) > 0 || p.Has("o", "older-than", "y", "younger-than", "Z", "context", "n", "ns") {
			return ""
		}
	default:
		return ""
	}
	users := p.Values("u", "euid", "U", "uid", "user")
	if len(users) == 1 && !users[0].Known && whose(users[0], host) == "self" {
		return sessionUser(host) // $USER, $(whoami)
	}
	if len(users) != 1 || !users[0].Known || strings.Contains(users[0].Value, ",") {
		return ""
	}
	return users[0].Value
}

// nftScriptCut judges the script nft -f loads (a file, or standard input
// when guard can read it), as its commands typed one by one: a flush of
// the whole ruleset that loads nothing after it, or an input chain with
// policy drop and no rule in the script that accepts SSH. A full
// configuration that flushes first and accepts SSH (nft -f
// /etc/nftables.conf) passes.
func nftScriptCut(inv *guard.Invocation, host guard.Host) string {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "fID", LongValue: []string{"file", "includepath", "define"}})
	f, ok := p.Value("f", "file")
	if !ok || !f.Known || p.Has("c", "check") {
		return "" // -c only checks the script
	}
	var text string
	if f.Value == "-" || f.Value == "/dev/stdin" {
		text, ok = inputText(inv, host)
	} else if path := inv.Path(f.Value); path != "" && inv.Remote == "" {
		data, err := host.ReadFile(path, maxBodyFile)
		text, ok = string(data), err == nil
	}
	if !ok {
		return ""
	}
	var statements []string
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, st := range strings.Split(line, ";") {
			if st = strings.Join(strings.Fields(st), " "); st != "" {
				statements = append(statements, st)
			}
		}
	}
	flush, tables, inputDrop, sshAccept := false, false, false, false
	for _, st := range statements {
		switch {
		case st == "flush ruleset":
			flush = true
		case strings.HasPrefix(st, "table ") || strings.HasPrefix(st, "add table ") || strings.HasPrefix(st, "create table "):
			tables = true
		case strings.Contains(st, "policy drop") && strings.Contains(text, "hook input"):
			inputDrop = true
		}
		if words := strings.Fields(st); strings.HasSuffix(st, "accept") {
			if at := slices.Index(words, "tcp"); at >= 0 && nftAcceptsSSH(words[at:]) {
				sshAccept = true // tcp dport 22 accept, or add rule … tcp dport { 22, 443 } accept
			}
		}
	}
	switch {
	case inputDrop && !sshAccept:
		return "load an input chain with policy drop from " + f.Value + ", with no rule in it that accepts SSH"
	case flush && !tables:
		return "flush every nftables rule (" + f.Value + " holds flush ruleset and loads nothing after it)"
	}
	return ""
}

// nftFlushCut reads nft flush table [FAMILY] TABLE and nft flush chain
// [FAMILY] TABLE CHAIN: as iptables -F INPUT, the rules go and the base
// chains stay with their policy, so a drop policy then drops this
// session (the rule accepting established connections went with the
// rest). A table named for address translation or marking, and a chain
// that is not input or output, are not the session's way in. A table
// deleted (nft delete table) takes its chains and their policies with it.
func nftFlushCut(args []string) string {
	words := nftWords(args)
	if len(words) < 3 || words[0] != "flush" {
		return ""
	}
	switch words[1] {
	case "table":
		rest := words[2:]
		if len(rest) > 1 && nftFamilies[rest[0]] {
			rest = rest[1:]
		}
		if len(rest) != 1 || nftNotFiltering[strings.ToLower(rest[0])] {
			return ""
		}
		return "flush every rule of the nftables table " + rest[0] + " (its chains keep their policy: a drop policy then drops this session)"
	case "chain":
		chain, _, ok := nftChainAt(words[2:])
		if !ok || nftNotFiltering[strings.ToLower(chain.table)] {
			return ""
		}
		if name := strings.ToLower(chain.name); name != "input" && name != "output" {
			return ""
		}
		return "flush the rules of nftables' " + chain.name + " chain (its policy stays: a drop policy then drops this session)"
	}
	return ""
}

// nftDropRule reads nft add|insert rule [FAMILY] TABLE input … drop|reject
// for a rule that still holds SSH's packets: no match at all, TCP, SSH's
// port (or a port set a != leaves it in), the interface the session
// comes in over, everything but a network the client is not in; or ct
// state new, which keeps this session and refuses every new login.
// Anything guard does not read narrows it to other traffic.
func nftDropRule(inv *guard.Invocation, host guard.Host, args []string) string {
	words := nftWords(args)
	for len(words) > 0 && strings.HasPrefix(words[0], "-") {
		words = words[1:]
	}
	if len(words) < 3 || words[1] != "rule" || words[0] != "add" && words[0] != "insert" {
		return ""
	}
	chain, rule, ok := nftChainAt(words[2:])
	if !ok || nftNotFiltering[strings.ToLower(chain.table)] || strings.ToLower(chain.name) != "input" {
		return ""
	}
	if len(rule) >= 2 && (rule[0] == "position" || rule[0] == "handle" || rule[0] == "index") {
		rule = rule[2:]
	}
	verdict := slices.IndexFunc(rule, func(w string) bool { return w == "drop" || w == "reject" })
	if verdict < 0 || verdict != len(rule)-1 && rule[verdict+1] != "with" {
		return ""
	}
	if words[0] == "add" && nftKeptOpen(inv, host, chain) {
		return "" // appended after a rule of the line that accepts SSH
	}
	what, newOnly, dev := "every packet", false, ""
	for i := 0; i < verdict; i++ {
		w := rule[i]
		next := func() (value string, negate bool) {
			i++
			if i < verdict && rule[i] == "!=" {
				negate = true
				i++
			}
			if i < verdict && rule[i] == "{" {
				var set []string
				for i++; i < verdict && rule[i] != "}"; i++ {
					set = append(set, strings.TrimSuffix(rule[i], ","))
				}
				return strings.Join(set, ","), negate
			}
			if i < verdict {
				return strings.Trim(rule[i], `"`), negate
			}
			return "", negate
		}
		switch {
		case w == "counter":
		case w == "comment":
			i++ // its text
		case w == "log":
			if i+1 < verdict && rule[i+1] == "prefix" {
				i += 2
			}
		case w == "tcp" && i+1 < verdict && rule[i+1] == "dport":
			i++
			ports, negate := next()
			if sshPort(ports) == negate {
				return "" // another port
			}
			what = "SSH (port 22)"
		case w == "meta" && i+2 < verdict && rule[i+1] == "l4proto" || w == "ip" && i+2 < verdict && rule[i+1] == "protocol":
			i++
			proto, negate := next()
			if (proto == "tcp") == negate {
				return ""
			}
			if what == "every packet" {
				what = "every TCP packet, SSH's too"
			}
		case w == "ct" && i+1 < verdict && rule[i+1] == "state":
			i++
			states, negate := next()
			list := strings.Split(states, ",")
			switch {
			case negate && !slices.Contains(list, "new"), !negate && slices.Contains(list, "new") && !slices.Contains(list, "established"):
				newOnly = true
			case negate || !slices.Contains(list, "established"):
				return "" // invalid, related: not SSH's packets
			}
		case w == "iifname" || w == "iif":
			name, negate := next()
			if cut, _ := sessionCut(inv, host, name, false); cut == negate {
				return "" // another interface
			}
			if !negate {
				dev = name
			}
		case w == "ip" && i+1 < verdict && rule[i+1] == "saddr":
			i++
			spec, negate := next()
			client, known := guard.SSHClient(inv, host)
			if !negate || !known || holdsClient(spec, inv, host) {
				return "" // one address or network, or everyone but the client's
			}
			what = "every packet from outside " + spec + ", this session's address " + client + " among them"
		default:
			return "" // a match guard does not read
		}
	}
	on := "nftables' " + chain.name + " chain"
	if dev != "" {
		on += " on " + dev + " (this SSH session comes in over it)"
	}
	if newOnly {
		return "add a rule that drops " + what + " that opens a new connection on " + on + ": this session stays, but no new SSH login gets in, and if this one drops you cannot come back"
	}
	return "add a rule that drops " + what + " on " + on
}

// nftNotFiltering are the table names nftables' own examples and the
// iptables-nft compatibility layer use for chains that translate or mark
// packets, not decide whether they pass.
var nftNotFiltering = map[string]bool{"nat": true, "mangle": true, "raw": true, "security": true}

// nftChain is an nftables chain: family, table and name.
type nftChain struct{ family, table, name string }

// nftFamilies are the address families nft takes before a table name.
var nftFamilies = map[string]bool{"ip": true, "ip6": true, "inet": true, "arp": true, "bridge": true, "netdev": true}

// nftChainAt reads [FAMILY] TABLE CHAIN at words, the family ip when it
// is not given; it returns the words after them.
func nftChainAt(words []string) (nftChain, []string, bool) {
	family := "ip"
	if len(words) > 0 && nftFamilies[words[0]] {
		family, words = words[0], words[1:]
	}
	if len(words) < 2 {
		return nftChain{}, nil, false
	}
	return nftChain{family, words[0], words[1]}, words[2:], true
}

// nftWords splits nft's arguments the way nft reads them: one quoted
// argument or many, braces and semicolons apart.
func nftWords(args []string) []string {
	joined := strings.NewReplacer(";", " ; ", "{", " { ", "}", " } ").Replace(strings.Join(args, " "))
	return strings.Fields(joined)
}

// nftDropPolicy reads `nft add|create|chain … CHAIN { type filter hook
// input …; policy drop; }`: a base chain on the input hook that drops what
// no rule accepts.
func nftDropPolicy(args []string) (nftChain, bool) {
	words := nftWords(args)
	for len(words) > 0 && strings.HasPrefix(words[0], "-") {
		words = words[1:]
	}
	if len(words) < 2 || words[1] != "chain" || words[0] != "add" && words[0] != "create" && words[0] != "chain" {
		return nftChain{}, false
	}
	chain, rest, ok := nftChainAt(words[2:])
	if !ok {
		return nftChain{}, false
	}
	body := " " + strings.Join(rest, " ") + " "
	return chain, strings.Contains(body, " hook input ") && strings.Contains(body, " policy drop ")
}

// nftKeptOpen: an earlier command of the line that certainly ran added
// to the same chain a rule that accepts SSH's TCP port (tcp dport 22, ssh,
// or a set holding it) with nothing narrower guard does not read.
func nftKeptOpen(inv *guard.Invocation, host guard.Host, chain nftChain) bool {
	for b := range inv.RanBefore {
		if b.Program != "nft" || !asPrivileged(b, inv, host) {
			continue
		}
		words := nftWords(b.Values())
		if len(words) >= 2 && words[0] == "flush" {
			return false
		}
		if len(words) < 3 || words[1] != "rule" || words[0] != "add" && words[0] != "insert" {
			continue
		}
		on, rest, ok := nftChainAt(words[2:])
		if !ok || on != chain || len(rest) == 0 || rest[len(rest)-1] != "accept" {
			continue
		}
		if nftAcceptsSSH(rest) {
			return true
		}
	}
	return false
}

// nftAcceptsSSH reads a rule's statement for `tcp dport PORTS [counter]
// [comment TEXT] accept` and nothing else: an interface, an address, a
// limit or `ct state new` would not let every packet of this session in.
func nftAcceptsSSH(rule []string) bool {
	ssh := false
	for i := 0; i < len(rule); i++ {
		switch w := rule[i]; {
		case w == "tcp" && i+2 < len(rule) && rule[i+1] == "dport":
			i += 2
			if rule[i] != "{" {
				ssh = sshPort(rule[i])
				continue
			}
			for i++; i < len(rule) && rule[i] != "}"; i++ {
				ssh = ssh || sshPort(strings.TrimSuffix(rule[i], ","))
			}
		case w == "counter":
		case w == "comment":
			i++
		case w == "accept" && i == len(rule)-1:
		default:
			return false
		}
	}
	return ssh
}

func matchNetworkCut(inv *guard.Invocation, host guard.Host) *guard.Finding {
	client, ok := guard.SSHClient(inv, host)
	if !ok {
		return nil
	}
	cut := networkCut(inv, host)
	if inv.Detached && (cut == "" || comesBack(inv)) {
		return nil // detached (tmux new, systemd-run, at…), it finishes even if the session drops
	}
	if cut == "" {
		if sshdRestart(inv) {
			return guard.Found(guard.Warn, "check the configuration first: sshd -t && systemctl restart sshd; keep this session open and test a new login",
				"restarts sshd on %s: open sessions stay, but if its configuration is broken it does not come back and no new login gets in (sshd -t checks it)", guard.SessionHostName(inv, host))
		}
		return nil
	}
	hint := "run it from the console, or with a way back: inside tmux/screen, or schedule a rollback first (e.g. iptables-save > /root/fw.rules; systemd-run --on-active=5min iptables-restore /root/fw.rules)"
	if inv.Program == "netplan" {
		hint = "use netplan try instead: it applies the configuration and puts the old one back after 120 seconds unless you press Enter in a session that still works"
	}
	if isFirewallCmd(inv) {
		hint = "let SSH in first on the same line (firewall-cmd --zone=ZONE --add-service=ssh && …), or change the runtime configuration only and keep a way back: systemd-run --on-active=5min firewall-cmd --reload"
	}
	f := guard.Found(guard.Confirm, hint,
		"would %s on %s while you are connected over SSH from %s: your session can drop and not come back",
		cut, guard.SessionHostName(inv, host), client)
	if strings.HasPrefix(inv.Program, "ip") && strings.Contains(inv.Program, "tables") || inv.Program == "nft" {
		f.Saving(guard.Backup{Kind: guard.BackupFirewall})
	}
	return f
}

// unitFileDirs hold the unit files and the links systemctl enable makes.
var unitFileDirs = []string{"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system", "/run/systemd/system"}

// unitFileCut reads what systemctl disable and mask do, done by hand to a
// session unit's files: rm of the link in a .wants folder (disable) or of
// the unit itself, mv of either away, ln -s /dev/null over the unit (mask).
func unitFileCut(inv *guard.Invocation) string {
	if inv.Container != "" {
		return "" // a container's own units
	}
	sessionUnitFile := func(a guard.Arg) (unit, dir string, ok bool) {
		p := inv.Path(a.Value)
		if !a.Known || p == "" {
			return "", "", false
		}
		dir, base := path.Dir(p), path.Base(p)
		if !strings.HasSuffix(base, ".service") && !strings.HasSuffix(base, ".socket") || !sessionUnits[unitName(base)] {
			return "", "", false
		}
		for _, d := range unitFileDirs {
			if dir == d || strings.HasPrefix(dir, d+"/") && strings.HasSuffix(dir, ".wants") {
				return base, dir, true
			}
		}
		return "", "", false
	}
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "tSb", LongValue: []string{"target-directory", "suffix", "backup"}})
	ops := p.Operands
	switch inv.Program {
	case "ln":
		if len(ops) != 2 || !ops[0].Known || ops[0].Value != "/dev/null" {
			return ""
		}
		if unit, _, ok := sessionUnitFile(ops[1]); ok {
			return "mask " + unit + " by hand (a link to /dev/null): it stays up now and nothing starts it at the next boot"
		}
	case "mv":
		if len(ops) < 2 {
			return ""
		}
		ops = ops[:len(ops)-1]
		fallthrough
	default:
		for _, a := range ops {
			unit, dir, ok := sessionUnitFile(a)
			switch {
			case !ok:
			case strings.HasSuffix(dir, ".wants"):
				return "disable " + unit + " by hand (its link in " + path.Base(dir) + "): it stays up now and does not start at the next boot"
			default:
				return "remove the unit file " + path.Join(dir, unit) + ": it stays up now, and systemd cannot start it at the next boot"
			}
		}
	}
	return ""
}
