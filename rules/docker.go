package rules

import (
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/lazyre"
)

func dockerRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "docker-tcp-exposed",
			Programs:   nil, // a > into daemon.json stands on any command
			Decision:   guard.Block,
			Summary:    "dockerd listening on a non-loopback tcp:// address without --tlsverify (root for the network): on its command line, or written into /etc/docker/daemon.json (\"hosts\"), /etc/default/docker or /etc/sysconfig/docker (block; a sed -i edit of those files or of docker.service and its drop-ins is computed on the lines the packages ship; confirm when the text comes from jq, perl -pi or another program guard does not compute but the line names the address); a unit's ExecStart= is judged as the command it runs",
			Postmortem: "Docker daemon reinstalled and started with -H tcp://0.0.0.0:2375: the root API open to the network",
			Match:      matchDockerTCP,
		},
		{
			ID:         "docker-volume-prune",
			Programs:   []string{"docker", "docker-compose", "podman", "podman-compose", "nerdctl"},
			Decision:   guard.Confirm,
			Summary:    "docker system prune --volumes, docker volume prune/rm, compose down -v (docker, podman, nerdctl, docker-compose, podman-compose): container data is deleted",
			Postmortem: "databases kept in Docker volumes lost to a cleanup",
			Match:      matchDockerVolumes,
		},
	}
}

var dockerGlobalSpec = guard.OptSpec{
	ShortValue: "Hcl",
	LongValue:  []string{"host", "config", "context", "log-level", "tlscacert", "tlscert", "tlskey"},
}

func matchDockerTCP(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Program != "dockerd" && inv.Program != "docker" {
		return dockerConfigWritten(inv, host)
	}
	p := guard.ParseOptions(inv.Args, dockerGlobalSpec)
	if inv.Program == "docker" {
		daemon := p.Has("d", "daemon") || len(p.Operands) > 0 && p.Operands[0].Value == "daemon"
		if !daemon {
			return nil // a client talking to a daemon
		}
	}
	if p.Has("tlsverify") {
		if v, ok := p.Value("tlsverify"); !ok || v.Value != "false" {
			return nil
		}
	}
	for _, h := range p.Values("H", "host") {
		addr, tcp := dockerTCPAddr(strings.TrimPrefix(h.Value, "="))
		if !tcp || isLoopback(addr) {
			continue
		}
		return guard.Found(guard.Block, dockerTCPHint,
			"would open the Docker API on %s without TLS client verification: anyone who reaches that port gets root on %s",
			addr, guard.HostName(inv, host))
	}
	return nil
}

const dockerTCPHint = "keep the unix socket (-H unix:///var/run/docker.sock) and reach it over SSH (DOCKER_HOST=ssh://user@host), bind tcp://127.0.0.1:2375, or require client certificates: --tlsverify --tlscacert ca.pem --tlscert cert.pem --tlskey key.pem"

// dockerConfigFiles are where dockerd reads its listening addresses at
// its next start: daemon.json's "hosts", and the DOCKER_OPTS / OPTIONS
// line of the older init scripts' environment files.
var dockerConfigFiles = map[string]bool{"/etc/docker/daemon.json": true, "/etc/default/docker": true, "/etc/sysconfig/docker": true}

// dockerUnit: dockerd's systemd unit, or a drop-in of it, whose ExecStart=
// line is its command line at the next start.
func dockerUnit(p string) bool {
	dir, base := filepath.Dir(p), filepath.Base(p)
	if !strings.HasSuffix(dir, "/systemd/system") && !strings.HasSuffix(dir, "/systemd/system/docker.service.d") {
		return false
	}
	return base == "docker.service" || filepath.Base(dir) == "docker.service.d" && strings.HasSuffix(base, ".conf")
}

// dockerConfigProbe stands for the lines a sed -i edit of dockerd's
// configuration usually changes, as the packages ship them (a unit's
// ExecStart=, Debian's DOCKER_OPTS, Red Hat's OPTIONS): what the edit
// leaves of them is what dockerd reads at its next start.
const dockerConfigProbe = "ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n" +
	"#DOCKER_OPTS=\"--dns 8.8.8.8 --dns 8.8.4.4\"\n" +
	"OPTIONS='--selinux-enabled --log-driver=journald'\n"

// dockerConfigWritten: a line that writes dockerd's configuration so that
// its next start listens on the network, as -H tcp://0.0.0.0:2375 would.
// The text is judged when guard computes it (echo, printf, a
// here-document); from jq or another program it does not compute, the
// addresses the line's own words name are (jq '.hosts += ["tcp://…"]').
func dockerConfigWritten(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Program == "perl" {
		return dockerConfigPerl(inv)
	}
	w, ok := writtenInto(inv, host, dockerConfigProbe, func(p string) bool { return dockerConfigFiles[p] || dockerUnit(p) })
	if !ok {
		return nil
	}
	var hosts []string
	verified := false
	decision, how := guard.Block, "would write %s into %s%s: at its next start dockerd opens the Docker API there"
	switch {
	case w.known && strings.HasSuffix(w.path, ".json"):
		var config struct {
			Hosts     []string `json:"hosts"`
			TLSVerify bool     `json:"tlsverify"`
		}
		if json.Unmarshal([]byte(w.text), &config) != nil {
			return nil // dockerd refuses a file it cannot parse, and starts no API
		}
		hosts, verified = config.Hosts, config.TLSVerify
	case w.known:
		hosts, verified = optionHosts(strings.Fields(strings.NewReplacer(`"`, " ", "'", " ").Replace(w.text)))
	default:
		names := []string{}
		for _, from := range w.from {
			names = append(names, from.Program)
		}
		decision, how = guard.Confirm, "would write into %[2]s%[3]s what "+strings.Join(names, " | ")+" prints, which guard does not compute, and the line names %[1]s: if that lands in its hosts, dockerd's next start opens the Docker API there"
		for _, from := range w.from {
			for _, a := range from.Args {
				if strings.Contains(a.Value, "tlsverify") {
					verified = true
				}
				for _, m := range quotedAddress.FindAllStringSubmatch(a.Value, -1) {
					hosts = append(hosts, m[1])
				}
			}
		}
	}
	if verified {
		return nil
	}
	for _, h := range hosts {
		addr, tcp := dockerTCPAddr(h)
		if !tcp || isLoopback(addr) {
			continue
		}
		return guard.Found(decision, dockerTCPHint+"; then check the file: dockerd --validate --config-file "+w.path,
			fmt.Sprintf(how, addr, w.path, inv.Where())+" without TLS client verification, and anyone who reaches that port gets root on %s",
			guard.HostName(inv, host))
	}
	return nil
}

// dockerConfigPerl: perl -pi rewrites dockerd's configuration with what
// its script prints, which guard does not compute; when the script names
// a network address without TLS, it asks, as for jq.
func dockerConfigPerl(inv *guard.Invocation) *guard.Finding {
	inPlace, target := false, ""
	for _, a := range inv.Args {
		v := a.Value
		switch {
		case !a.Known:
		case strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.Contains(v, "i") && !strings.ContainsAny(v[:strings.Index(v, "i")], "eEM"):
			inPlace = true
		case !strings.HasPrefix(v, "-"):
			if p := inv.Path(v); dockerConfigFiles[p] || dockerUnit(p) {
				target = p
			}
		}
	}
	if !inPlace || target == "" {
		return nil
	}
	for _, a := range inv.Args {
		if strings.Contains(a.Value, "tlsverify") {
			return nil
		}
	}
	for _, a := range inv.Args {
		for _, m := range scriptAddress.FindAllStringSubmatch(a.Value, -1) {
			if addr, tcp := dockerTCPAddr(m[0]); tcp && !isLoopback(addr) && strings.Contains(addr, ":") {
				return guard.Found(guard.Confirm, dockerTCPHint+"; then check the file: dockerd --validate --config-file "+target,
					"would rewrite %s%s with what the perl script prints, which guard does not compute, and the script names %s: if it lands in dockerd's hosts, its next start opens the Docker API there without TLS client verification", target, inv.Where(), addr)
			}
		}
	}
	return nil
}

// scriptAddress finds listening addresses inside a script's text:
// tcp://HOST:PORT, or an IPv4 address with a port.
var scriptAddress = lazyre.New(`tcp://[A-Za-z0-9.\-\[\]:]*|(?:[0-9]{1,3}\.){3}[0-9]{1,3}:[0-9]+`)

// quotedAddress finds a listening address inside a word: a quoted
// string with a scheme or a port ("tcp://0.0.0.0:2375", "0.0.0.0:2375").
var quotedAddress = lazyre.New(`"((?:[a-z]+://)?[^"\s/]*:[0-9]+)/?"`)

// optionHosts reads dockerd's -H and --host values (and --tlsverify) out
// of an options line: DOCKER_OPTS="-H tcp://0.0.0.0:2375".
func optionHosts(words []string) (hosts []string, verified bool) {
	for i, w := range words {
		switch {
		case w == "-H" || w == "--host":
			if i+1 < len(words) {
				hosts = append(hosts, words[i+1])
			}
		case strings.HasPrefix(w, "--host="):
			hosts = append(hosts, strings.TrimPrefix(w, "--host="))
		case strings.HasPrefix(w, "-H") && len(w) > 2:
			hosts = append(hosts, strings.TrimPrefix(w[2:], "="))
		case w == "--tlsverify" || w == "--tlsverify=true":
			verified = true
		}
	}
	return hosts, verified
}

// dockerTCPAddr reads a -H address the way dockerd does: without a
// scheme it is tcp (-H 0.0.0.0:2375), and an empty host is localhost
// (-H tcp://:2375, -H :2375).
func dockerTCPAddr(h string) (string, bool) {
	scheme, addr, hasScheme := strings.Cut(h, "://")
	if !hasScheme {
		scheme, addr = "tcp", h
	}
	if scheme != "tcp" || h == "" {
		return "", false
	}
	if host, port, err := net.SplitHostPort(strings.TrimSuffix(addr, "/")); err == nil && host == "" {
		return "localhost:" + port, true
	}
	if addr == "" {
		return "localhost:2375", true
	}
	return addr, true
}

// isLoopback tells host:port addresses only this machine can reach.
func isLoopback(hostport string) bool {
	hostport = strings.TrimSuffix(hostport, "/")
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		h = hostport
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

// composeSpec: the options of docker compose (and docker-compose) that
// take a value, before and after its command.
var composeSpec = guard.OptSpec{
	ShortValue: "fpt",
	LongValue:  []string{"file", "project-name", "project-directory", "env-file", "profile", "ansi", "parallel", "progress", "rmi", "timeout", "host", "context", "log-level"},
}

func matchDockerVolumes(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, dockerGlobalSpec)
	ops := p.Operands
	switch {
	case len(ops) > 0 && ops[0].Value == "compose":
		// compose's own options come before its command: -f prod.yml down -v
		rest := inv.Args[slices.IndexFunc(inv.Args, func(a guard.Arg) bool { return a.Value == "compose" })+1:]
		ops = guard.ParseOptions(rest, composeSpec).Operands
	case inv.Program == "docker-compose" || inv.Program == "podman-compose":
		ops = guard.ParseOptions(inv.Args, composeSpec).Operands
	case inv.Program == "docker" && len(ops) > 0 && (ops[0].Value == "system" || ops[0].Value == "volume"):
		// handled below
	default:
		return nil
	}
	words := make([]string, len(ops))
	for i, o := range ops {
		words[i] = o.Value
	}
	args := " " + strings.Join(inv.Values(), " ") + " "
	hint := "list what would go first (docker volume ls, docker system df -v) and back up the volumes you need (docker run --rm -v VOL:/v -v $PWD:/b busybox tar czf /b/VOL.tgz /v)"
	switch {
	case len(words) >= 2 && words[0] == "system" && words[1] == "prune" && strings.Contains(args, " --volumes "):
		return guard.Found(guard.Confirm, hint, "would delete every Docker volume not used by a running container, with the data containers keep in them")
	case len(words) >= 3 && words[0] == "volume" && (words[1] == "rm" || words[1] == "remove") && volumesMadeByLine(inv, ops[2:]):
		return nil // takes back only the volumes the line made
	case len(words) >= 2 && words[0] == "volume" && words[1] == "prune":
		if strings.Contains(args, " -a ") || strings.Contains(args, " --all ") || strings.Contains(args, "all=true") || strings.Contains(args, "all=1") ||
			slices.ContainsFunc(inv.Args, func(a guard.Arg) bool {
				return strings.HasPrefix(a.Value, "-") && !strings.HasPrefix(a.Value, "--") && strings.Contains(a.Value, "a")
			}) {
			return guard.Found(guard.Confirm, hint, "would delete every Docker volume no container uses, named ones included: the data of a stopped database container goes with them")
		}
		// Since Docker 23 (API 1.42) prune takes only anonymous volumes;
		// named ones, where compose keeps a database, need --all.
		return guard.Found(guard.Warn, hint, "would delete the anonymous Docker volumes no container uses (Docker 23 and later; before 23, named ones too)")
	case len(words) >= 2 && words[0] == "volume" && (words[1] == "rm" || words[1] == "remove"):
		return guard.Found(guard.Confirm, hint, "would delete Docker volumes %s and the data in them", strings.Join(words[2:], " "))
	case len(words) >= 1 && words[0] == "down" && (strings.Contains(args, " -v ") || strings.Contains(args, " --volumes ")):
		return guard.Found(guard.Confirm, hint, "would stop the compose project and delete its volumes, with their data")
	}
	return nil
}

// volumeCreateSpec: the options of docker volume create that take a value.
var volumeCreateSpec = guard.OptSpec{
	ShortValue: "do",
	LongValue:  []string{"driver", "label", "opt", "name", "availability", "group", "scope", "sharing", "topology", "type", "secret", "required-bytes", "limit-bytes"},
}

// volumesMadeByLine: every volume named was made by docker volume create
// in a command of the line that certainly ran before (guard.Invocation.
// RanBefore), on the same daemon (-H, --context): a fresh volume holds no
// data but what the line put there.
func volumesMadeByLine(inv *guard.Invocation, names []guard.Arg) bool {
	daemon := dockerDaemon(guard.ParseOptions(inv.Args, dockerGlobalSpec))
	for _, n := range names {
		if !n.Known || n.Glob || n.Value == "" {
			return false
		}
		made := false
		for b := range inv.SucceededBefore {
			if b.Program != "docker" {
				continue
			}
			bp := guard.ParseOptions(b.Args, dockerGlobalSpec)
			if len(bp.Operands) < 2 || bp.Operands[0].Value != "volume" || bp.Operands[1].Value != "create" || dockerDaemon(bp) != daemon {
				continue
			}
			at := slices.IndexFunc(b.Args, func(a guard.Arg) bool { return a.Value == "create" })
			cp := guard.ParseOptions(b.Args[at+1:], volumeCreateSpec)
			name, ok := cp.Value("name")
			if !ok && len(cp.Operands) == 1 {
				name, ok = cp.Operands[0], true
			}
			if ok && name.Known && name.Value == n.Value {
				made = true
				break
			}
		}
		if !made {
			return false
		}
	}
	return true
}

// dockerDaemon names the daemon a docker command talks to, as far as its
// options say.
func dockerDaemon(p guard.Parsed) string {
	h, _ := p.Value("H", "host")
	c, _ := p.Value("c", "context")
	return h.Value + "\x00" + c.Value
}
