package rules

import (
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// sessionWays are the network interfaces this SSH session's packets pass
// through: the one holding the address it came in on (the third field of
// SSH_CONNECTION), found by the route of the subnet it is on, and the one
// the route back to the client leaves by. They are read from the main
// routing table (/proc/net/route, /proc/net/ipv6_route) and the IPv6
// addresses (/proc/net/if_inet6). known is false where guard cannot tell:
// another machine, a table it cannot read, an address on no subnet
// route (a /32, as Tailscale's).
func sessionWays(inv *guard.Invocation, host guard.Host) (ways []string, known bool) {
	server := sessionServerAddr(inv, host)
	v, _ := host.Getenv("SSH_CONNECTION")
	fields := strings.Fields(v)
	if server == "" || len(fields) < 3 {
		return nil, false
	}
	srv, err1 := netip.ParseAddr(server)
	client, err2 := netip.ParseAddr(fields[0])
	if err1 != nil || err2 != nil {
		return nil, false
	}
	routes, ok := readRoutes(host, srv.Is4())
	if !ok {
		return nil, false
	}
	in := ""
	if srv.Is6() {
		in = inet6Interface(host, srv)
	}
	if in == "" {
		r, found := bestRoute(routes, srv.Unmap())
		if !found || r.gateway || r.prefix.Bits() == 0 {
			return nil, false // on no subnet of its own: a /32 or a table guard does not read
		}
		in = r.dev
	}
	ways = []string{in}
	if r, found := bestRoute(routes, client.Unmap()); found && r.dev != in {
		ways = append(ways, r.dev)
	}
	return ways, true
}

// carriesSession says whether taking dev down cuts one of ways: dev is one
// of them, or a device under one (a bond's or a bridge's member, a VLAN's
// parent: /sys/class/net/WAY/lower_DEV), up to four levels down.
func carriesSession(dev string, ways []string, host guard.Host) bool {
	for depth := 0; depth < 4 && len(ways) > 0; depth++ {
		var lower []string
		for _, way := range ways {
			if way == dev {
				return true
			}
			entries, _, err := host.ReadDir("/sys/class/net/"+way, 256)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if name, ok := strings.CutPrefix(e.Name(), "lower_"); ok {
					lower = append(lower, name)
				}
			}
		}
		ways = lower
	}
	return false
}

// sessionCut says whether taking dev down would cut this SSH session:
// cut when dev carries it, or when guard cannot tell which devices do and
// unsure says dev may (a physical interface, a tunnel named on the line).
// way names the device the session comes in on, for the message.
func sessionCut(inv *guard.Invocation, host guard.Host, dev string, unsure bool) (cut bool, way string) {
	ways, known := sessionWays(inv, host)
	if !known {
		return unsure, ""
	}
	if carriesSession(dev, ways, host) {
		return true, ways[0]
	}
	if _, err := host.Lstat("/sys/class/net/" + dev); err != nil {
		return unsure, "" // a device guard does not see here: it cannot tell
	}
	return false, ways[0]
}

// downCut is the cut message for taking dev down, "" when guard can tell
// the session does not pass through it.
func downCut(inv *guard.Invocation, host guard.Host, dev, what string) string {
	cut, way := sessionCut(inv, host, dev, !virtualInterface(dev))
	switch {
	case !cut:
		return ""
	case way != "":
		return what + " (this SSH session comes in over " + way + ")"
	}
	return what
}

// tunnelCut reads the commands that take a VPN tunnel down (wg-quick,
// tailscale, zerotier, OpenVPN's units), "" when guard can tell the
// session does not come through it.
func tunnelCut(inv *guard.Invocation, host guard.Host) string {
	args := inv.Values()
	switch inv.Program {
	case "wg-quick":
		if len(args) >= 2 && args[0] == "down" {
			dev := strings.TrimSuffix(path.Base(args[1]), ".conf")
			return downCut(inv, host, dev, "take the WireGuard tunnel "+dev+" down")
		}
	case "tailscale":
		if len(args) >= 1 && (args[0] == "down" || args[0] == "logout") && tailscaleSession(inv, host) {
			return "take Tailscale down (tailscale " + args[0] + "), and this SSH session comes in over it"
		}
	case "zerotier-cli":
		if len(args) >= 2 && args[0] == "leave" {
			if dev, cut := prefixCarries(inv, host, "zt"); cut {
				return "leave the ZeroTier network " + args[1] + strings.TrimSuffix(" ("+dev+")", " ()")
			}
		}
	}
	return ""
}

// tunnelUnitCut reads systemctl stopping a tunnel's unit: wg-quick@DEV,
// openvpn@NAME and its client and server forms.
func tunnelUnitCut(inv *guard.Invocation, host guard.Host, unit string) string {
	base, instance, ok := strings.Cut(unitName(unit), "@")
	if !ok && base != "openvpn" {
		return ""
	}
	switch base {
	case "wg-quick":
		return downCut(inv, host, instance, "stop the WireGuard tunnel "+instance)
	case "openvpn", "openvpn-client", "openvpn-server":
		for _, prefix := range []string{"tun", "tap"} {
			if dev, cut := prefixCarries(inv, host, prefix); cut {
				return "stop the OpenVPN tunnel " + unit + strings.TrimSuffix(" ("+dev+")", " ()")
			}
		}
	}
	return ""
}

// prefixCarries says whether a device whose name starts with prefix (zt,
// tun) carries the session, and which; when guard cannot tell, it may.
func prefixCarries(inv *guard.Invocation, host guard.Host, prefix string) (dev string, cut bool) {
	ways, known := sessionWays(inv, host)
	if !known {
		return "", true
	}
	for _, way := range ways {
		if strings.HasPrefix(way, prefix) {
			return way, true
		}
	}
	return "", false
}

// tailscaleSession: the session came in on a Tailscale address
// (100.64.0.0/10, fd7a:115c:a1e0::/48) or over a tailscale device, or
// guard cannot tell which address it came in on.
func tailscaleSession(inv *guard.Invocation, host guard.Host) bool {
	addr, err := netip.ParseAddr(sessionServerAddr(inv, host))
	if err != nil {
		return true
	}
	for _, p := range []string{"100.64.0.0/10", "fd7a:115c:a1e0::/48"} {
		if netip.MustParsePrefix(p).Contains(addr.Unmap()) {
			return true
		}
	}
	ways, _ := sessionWays(inv, host)
	return slices.ContainsFunc(ways, func(w string) bool { return strings.HasPrefix(w, "tailscale") })
}

// route is one line of a routing table.
type route struct {
	dev     string
	prefix  netip.Prefix
	gateway bool // through a gateway, not a subnet of the device's own
	metric  int
}

// maxRouteTable bounds what is read of a routing table.
const maxRouteTable = 1 << 20

// readRoutes reads the main routing table of one family.
func readRoutes(host guard.Host, v4 bool) ([]route, bool) {
	file := "/proc/net/ipv6_route"
	if v4 {
		file = "/proc/net/route"
	}
	data, err := host.ReadFile(file, maxRouteTable)
	if err != nil {
		return nil, false
	}
	var routes []route
	for _, line := range strings.Split(string(data), "\n") {
		var r route
		var ok bool
		if v4 {
			r, ok = parseRoute4(strings.Fields(line))
		} else {
			r, ok = parseRoute6(strings.Fields(line))
		}
		if ok {
			routes = append(routes, r)
		}
	}
	return routes, len(routes) > 0
}

// parseRoute4 reads a line of /proc/net/route: Iface Destination Gateway
// Flags RefCnt Use Metric Mask …, addresses in little-endian hex.
func parseRoute4(f []string) (route, bool) {
	if len(f) < 8 || f[0] == "Iface" {
		return route{}, false
	}
	dest, err1 := hex.DecodeString(f[1])
	gw, err2 := hex.DecodeString(f[2])
	mask, err3 := hex.DecodeString(f[7])
	flags, err4 := strconv.ParseUint(f[3], 16, 16)
	metric, err5 := strconv.Atoi(f[6])
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil || len(dest) != 4 || len(gw) != 4 || len(mask) != 4 || flags&1 == 0 {
		return route{}, false
	}
	var d [4]byte
	binary.BigEndian.PutUint32(d[:], binary.LittleEndian.Uint32(dest))
	bits := 0
	for m := binary.LittleEndian.Uint32(mask); m != 0; m <<= 1 {
		bits++
	}
	p, err := netip.AddrFrom4(d).Prefix(bits)
	if err != nil {
		return route{}, false
	}
	return route{dev: f[0], prefix: p, gateway: binary.LittleEndian.Uint32(gw) != 0, metric: metric}, true
}

// parseRoute6 reads a line of /proc/net/ipv6_route: destination, its
// prefix length, source, its length, next hop, metric, refcnt, use,
// flags, device.
func parseRoute6(f []string) (route, bool) {
	if len(f) < 10 {
		return route{}, false
	}
	dest, err1 := hex.DecodeString(f[0])
	bits, err2 := strconv.ParseUint(f[1], 16, 8)
	next, err3 := hex.DecodeString(f[4])
	metric, err4 := strconv.ParseUint(f[5], 16, 32)
	flags, err5 := strconv.ParseUint(f[8], 16, 32)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil || len(dest) != 16 || len(next) != 16 || flags&1 == 0 || f[9] == "lo" {
		return route{}, false
	}
	p, err := netip.AddrFrom16([16]byte(dest)).Prefix(int(bits))
	if err != nil {
		return route{}, false
	}
	return route{dev: f[9], prefix: p, gateway: netip.AddrFrom16([16]byte(next)) != netip.IPv6Unspecified(), metric: int(metric)}, true
}

// bestRoute is the most specific route to addr, the lowest metric among equals.
func bestRoute(routes []route, addr netip.Addr) (route, bool) {
	best, found := route{}, false
	for _, r := range routes {
		if !r.prefix.Contains(addr) {
			continue
		}
		if !found || r.prefix.Bits() > best.prefix.Bits() || r.prefix.Bits() == best.prefix.Bits() && r.metric < best.metric {
			best, found = r, true
		}
	}
	return best, found
}

// inet6Interface is the device holding the IPv6 address addr, from
// /proc/net/if_inet6 (address, index, prefix length, scope, flags, device).
func inet6Interface(host guard.Host, addr netip.Addr) string {
	data, err := host.ReadFile("/proc/net/if_inet6", maxRouteTable)
	if err != nil {
		return ""
	}
	want := hex.EncodeToString(addr.AsSlice())
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 6 && f[0] == want {
			return f[5]
		}
	}
	return ""
}
