package rules

import (
	"encoding/xml"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// firewalld's side of ssh-network-cut: what firewall-cmd changes that
// drops this SSH session's packets, read from its options, the zones on
// the host (read-only) and what the line put in before it.

// fwOption is one option of firewall-cmd with its value, "" for a flag.
type fwOption struct{ name, value string }

// fwValued are firewall-cmd's options that take a value, written
// --name=value or --name value.
var fwValued = map[string]bool{
	"zone": true, "set-default-zone": true, "add-service": true, "remove-service": true,
	"add-port": true, "remove-port": true, "set-target": true, "change-interface": true,
	"add-interface": true, "change-zone": true, "remove-interface": true, "add-source": true,
	"remove-source": true, "change-source": true, "add-rich-rule": true, "remove-rich-rule": true,
	"policy": true, "timeout": true, "query-service": true, "query-port": true,
	"info-zone": true, "new-zone": true, "delete-zone": true,
}

// firewallCmd is a firewall-cmd command as read: its options in order,
// the zone it is about ("" for the default zone), whether it changes the
// permanent configuration, and the words after --direct's option.
type firewallCmd struct {
	options   []fwOption
	zone      string
	permanent bool
	direct    []string
}

func readFirewallCmd(inv *guard.Invocation) firewallCmd {
	args := inv.Values()
	// firewall-offline-cmd writes the permanent configuration only
	c := firewallCmd{permanent: inv.Program == "firewall-offline-cmd"}
	for i := 0; i < len(args); i++ {
		name, value, attached := strings.Cut(strings.TrimPrefix(args[i], "--"), "=")
		if !strings.HasPrefix(args[i], "--") {
			continue
		}
		switch {
		case name == "direct":
			continue
		case (name == "add-rule" || name == "insert-rule" || name == "passthrough" || name == "add-passthrough") && slices.Contains(args, "--direct"):
			c.options = append(c.options, fwOption{name: name})
			c.direct = args[i+1:]
			return c
		case fwValued[name] && !attached && i+1 < len(args):
			value = args[i+1]
			i++
		}
		switch name {
		case "zone":
			c.zone = value
		case "permanent":
			c.permanent = true
		}
		c.options = append(c.options, fwOption{name, value})
	}
	return c
}

// sshServiceOrPort: a service name or port/protocol firewalld reads as
// SSH: "ssh" or "22/tcp" (a range holding 22 too).
func sshServiceOrPort(option, value string) bool {
	if strings.HasSuffix(option, "-service") {
		return value == "ssh"
	}
	port, proto, _ := strings.Cut(value, "/")
	from, to, isRange := strings.Cut(port, "-")
	return proto == "tcp" && (port == "22" || isRange && portIn(22, from, to))
}

// firewalldCut says how firewall-cmd would shut this SSH session out, ""
// if it would not.
func firewalldCut(inv *guard.Invocation, host guard.Host) string {
	c := readFirewallCmd(inv)
	zone := c.zone
	if zone == "" {
		zone = defaultZone(inv, host)
	}
	later := ""
	if c.permanent {
		later = " (in the permanent configuration: at the next reload or boot)"
	}
	for _, o := range c.options {
		switch o.name {
		case "panic-on":
			return "turn on firewalld's panic mode (every packet dropped)"
		case "complete-reload":
			return "reload firewalld completely, dropping the state of open connections (this session's too)"
		case "remove-service", "remove-port":
			if sshServiceOrPort(o.name, o.value) && !sshKeptInZone(inv, host, zone, c.permanent, o.name) {
				return fmt.Sprintf("take %s out of firewalld's zone %s%s, and guard sees nothing else there that lets SSH in", o.value, zone, later)
			}
		case "set-default-zone":
			if keeps, known := zoneKeepsSSH(inv, host, o.value, true); !known {
				return fmt.Sprintf("make %s firewalld's default zone, and guard cannot read what that zone lets in", o.value)
			} else if !keeps && !sshAddedToZone(inv, host, o.value, false) && !clientZoned(inv, host) {
				return fmt.Sprintf("make %s firewalld's default zone: it has no rule for SSH", o.value)
			}
		case "change-interface", "add-interface", "change-zone", "add-source", "change-source":
			if o.name == "add-source" || o.name == "change-source" {
				if !holdsClient(o.value, inv, host) {
					continue // another address: not this session's
				}
			} else if virtualInterface(o.value) {
				continue
			}
			if keeps, known := zoneKeepsSSH(inv, host, zone, true); (!keeps || !known) && !sshAddedToZone(inv, host, zone, false) && !clientZoned(inv, host) {
				return fmt.Sprintf("put %s into firewalld's zone %s, which guard does not see let SSH in%s", o.value, zone, later)
			}
		case "set-target":
			if t := strings.Trim(o.value, "%"); t == "DROP" || t == "REJECT" {
				if keeps, known := zoneKeepsSSH(inv, host, zone, false); (!keeps || !known) && !sshAddedToZone(inv, host, zone, false) {
					return fmt.Sprintf("make firewalld's zone %s %s what no rule of it lets in, and guard sees no rule for SSH there%s", zone, t, later)
				}
			}
		case "add-rich-rule":
			if richRuleDropsSSH(o.value) {
				return fmt.Sprintf("add a rich rule that drops SSH in firewalld's zone %s%s", zone, later)
			}
		case "add-rule", "insert-rule":
			// ipv4|ipv6|eb TABLE CHAIN PRIORITY ARGS…, read as iptables reads them
			if len(c.direct) >= 4 && c.direct[1] == "filter" {
				if cut := iptablesCut(iptablesLike(append([]string{"-A", c.direct[2]}, c.direct[4:]...)), host); cut != "" {
					return cut + " (through firewalld's direct interface)"
				}
			}
		case "passthrough", "add-passthrough":
			if len(c.direct) >= 2 {
				if cut := iptablesCut(iptablesLike(c.direct[1:]), host); cut != "" {
					return cut + " (through firewalld's direct interface)"
				}
			}
		}
	}
	return ""
}

// iptablesLike is an iptables command with the given arguments, for
// firewalld's direct rules, which are iptables' own words.
func iptablesLike(words []string) *guard.Invocation {
	args := make([]guard.Arg, len(words))
	for i, w := range words {
		args[i] = guard.Arg{Text: w, Value: w, Known: true}
	}
	return &guard.Invocation{Program: "iptables", Args: args}
}

// richRuleDropsSSH reads a rich rule that drops or rejects SSH's port or
// service, or every packet, from every address: one with a source is a
// ban.
func richRuleDropsSSH(rule string) bool {
	words := strings.Fields(strings.NewReplacer(`"`, "", `'`, "").Replace(rule))
	action, ssh, element := "", false, false
	for i, w := range words {
		switch {
		case w == "source" || w == "source-port" || w == "destination" || w == "limit" || w == "icmp-block" || w == "icmp-type" || w == "masquerade" || w == "forward-port" || w == "protocol":
			return false // one address, or not every packet of the session
		case w == "service" || w == "port":
			element = true
		case w == "name=ssh", w == "port=22":
			ssh = true
		case w == "drop" || w == "reject":
			action = w
		case w == "accept":
			return false
		case strings.HasPrefix(w, "port=") && i > 0:
			ssh = ssh || sshServiceOrPort("port", strings.TrimPrefix(w, "port=")+"/tcp")
		}
	}
	return action != "" && (ssh || !element)
}

// defaultZone is firewalld's default zone: DefaultZone= in
// /etc/firewalld/firewalld.conf, public when it is not set or guard cannot
// read it (another machine).
func defaultZone(inv *guard.Invocation, host guard.Host) string {
	if inv.Remote != "" {
		return "public"
	}
	data, err := host.ReadFile("/etc/firewalld/firewalld.conf", 64<<10)
	if err != nil {
		return "public"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "DefaultZone="); ok && v != "" {
			return v
		}
	}
	return "public"
}

// builtinZoneSSH: firewalld's own zones and whether, as shipped, they let
// SSH in (trusted lets everything in; drop and block nothing).
var builtinZoneSSH = map[string]bool{
	"trusted": true, "public": true, "external": true, "dmz": true, "work": true,
	"home": true, "internal": true, "drop": false, "block": false,
}

// zoneXML is the part of a firewalld zone file guard reads.
type zoneXML struct {
	Target   string `xml:"target,attr"`
	Services []struct {
		Name string `xml:"name,attr"`
	} `xml:"service"`
	Ports []struct {
		Port     string `xml:"port,attr"`
		Protocol string `xml:"protocol,attr"`
	} `xml:"port"`
}

// readZone reads a zone's configuration: the host's own
// (/etc/firewalld/zones) before the one firewalld ships.
func readZone(inv *guard.Invocation, host guard.Host, zone string) (zoneXML, bool) {
	var z zoneXML
	if inv.Remote != "" || zone == "" || strings.ContainsAny(zone, "/.") {
		return z, false
	}
	for _, dir := range []string{"/etc/firewalld/zones", "/usr/lib/firewalld/zones"} {
		data, err := host.ReadFile(filepath.Join(dir, zone+".xml"), 1<<20)
		if err != nil {
			continue
		}
		if xml.Unmarshal(data, &z) == nil {
			return z, true
		}
	}
	return z, false
}

// zoneKeepsSSH: the zone lets SSH in, by its service or port 22/tcp, or
// (withTarget) by an ACCEPT target. known is false for a zone guard can
// neither read nor knows as firewalld's own.
func zoneKeepsSSH(inv *guard.Invocation, host guard.Host, zone string, withTarget bool) (keeps, known bool) {
	z, ok := readZone(inv, host, zone)
	if !ok {
		keeps, known = builtinZoneSSH[zone]
		if zone == "trusted" && !withTarget {
			keeps = false
		}
		return keeps, known
	}
	return zoneHas(z, "", withTarget), true
}

// zoneHas: the zone file lets SSH in other than by the form left out
// ("remove-service" leaves out the service, "remove-port" the port).
func zoneHas(z zoneXML, without string, withTarget bool) bool {
	if withTarget && z.Target == "ACCEPT" {
		return true
	}
	if without != "remove-service" && slices.ContainsFunc(z.Services, func(s struct {
		Name string `xml:"name,attr"`
	}) bool {
		return s.Name == "ssh"
	}) {
		return true
	}
	if without != "remove-port" {
		for _, p := range z.Ports {
			if sshServiceOrPort("port", p.Port+"/"+p.Protocol) {
				return true
			}
		}
	}
	return false
}

// sshKeptInZone: after removing SSH's service (or port) from the zone,
// something else still lets it in: the other form put in earlier on the
// line (guard.Invocation.RanBefore) in the same configuration, or found
// in the zone's file on the host when the line did not remove it first.
func sshKeptInZone(inv *guard.Invocation, host guard.Host, zone string, permanent bool, removing string) bool {
	other := "service"
	if removing == "remove-service" {
		other = "port"
	}
	for b := range inv.RanBefore {
		if !isFirewallCmd(b) || !asPrivileged(b, inv, host) {
			continue
		}
		bc := readFirewallCmd(b)
		if bc.permanent != permanent || firewallZone(bc, b, host) != zone {
			continue
		}
		for _, o := range slices.Backward(bc.options) {
			if !sshServiceOrPort(o.name, o.value) {
				continue
			}
			switch o.name {
			case "add-" + other:
				return true
			case "remove-" + other:
				return false
			}
		}
	}
	if z, ok := readZone(inv, host, zone); ok {
		return zoneHas(z, removing, true)
	}
	return false
}

// sshAddedToZone: an earlier command of the line that certainly ran put
// SSH's service or port into the zone (either configuration when
// permanentOnly is false), and nothing after it took it out again.
func sshAddedToZone(inv *guard.Invocation, host guard.Host, zone string, permanentOnly bool) bool {
	for b := range inv.RanBefore {
		if !isFirewallCmd(b) || !asPrivileged(b, inv, host) {
			continue
		}
		bc := readFirewallCmd(b)
		if permanentOnly && !bc.permanent || firewallZone(bc, b, host) != zone {
			continue
		}
		for _, o := range slices.Backward(bc.options) {
			if !sshServiceOrPort(o.name, o.value) {
				continue
			}
			if strings.HasPrefix(o.name, "add-") {
				return true
			}
			if strings.HasPrefix(o.name, "remove-") {
				return false
			}
		}
	}
	return false
}

// firewallZone is the zone a firewall-cmd command is about.
func firewallZone(c firewallCmd, inv *guard.Invocation, host guard.Host) string {
	if c.zone != "" {
		return c.zone
	}
	return defaultZone(inv, host)
}

func isFirewallCmd(inv *guard.Invocation) bool {
	return inv.Program == "firewall-cmd" || inv.Program == "firewall-offline-cmd"
}

// clientZoned: an earlier command of the line that certainly ran bound
// the address this session comes from to a zone that lets SSH in
// (firewall-cmd --zone=trusted --add-source=ADDR): firewalld takes that
// zone for its packets before the interface's or the default one.
func clientZoned(inv *guard.Invocation, host guard.Host) bool {
	for b := range inv.RanBefore {
		if !isFirewallCmd(b) || !asPrivileged(b, inv, host) {
			continue
		}
		bc := readFirewallCmd(b)
		for _, o := range bc.options {
			if (o.name == "add-source" || o.name == "change-source") && holdsClient(o.value, inv, host) {
				zone := firewallZone(bc, b, host)
				if keeps, _ := zoneKeepsSSH(b, host, zone, true); keeps || sshAddedToZone(b, host, zone, false) {
					return true
				}
			}
		}
	}
	return false
}
