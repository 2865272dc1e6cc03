package guard

import (
	"path/filepath"
	"slices"
	"strings"
)

// box is a container a command runs in: its own files, except the host
// folders mapped into it.
type box struct {
	name   string // "db-0", "pod prod/db-0", for messages
	binds  []bind // host folders mapped in (docker run -v /:/host)
	remote string // where the container runs: "" for this host
	// shares names the host's namespaces the container runs in
	// (docker run --network host): what its commands do to them, they do
	// to the host.
	shares []string
	// throwaway: a new container made from an image for this command,
	// given nothing of the host (throwawayRun): what its command does to
	// its own files, processes, packages and accounts ends with it.
	throwaway bool
}

// bind maps a folder inside the container onto a host folder.
type bind struct {
	inside, outside string
}

// enterBox puts the command run by a container runner inside the
// container name: its paths are not this host's (Remote says so), except
// through binds, and its environment is the container's.
func enterBox(inner *Invocation, isc *scope, name string, binds []bind) {
	b := &box{name: name, binds: binds, remote: inner.Remote}
	isc.box = b
	inner.Container = name
	inner.Remote = "container " + name
	if b.remote != "" {
		inner.Remote += " on " + b.remote
	}
	inner.Cwd, inner.User = "", ""
	// The runner's redirections are made by the shell on this host, for
	// the runner: what it reads, the container's command reads only with
	// -i (inContainer), and what it writes is judged on the runner.
	inner.Stdin, inner.Redirs = nil, nil
	isc.forgetVars()
}

// toHost maps a path inside the container to the host path it is, through
// the innermost bind that holds it.
func (b *box) toHost(p string) (string, bool) {
	best := -1
	for i, bd := range b.binds {
		prefix := strings.TrimSuffix(bd.inside, "/") + "/"
		if p == bd.inside || strings.HasPrefix(p, prefix) {
			if best < 0 || len(bd.inside) > len(b.binds[best].inside) {
				best = i
			}
		}
	}
	if best < 0 {
		return "", false
	}
	bd := b.binds[best]
	return filepath.Join(bd.outside, strings.TrimPrefix(p, bd.inside)), true
}

// judgeOnHost records a command run in a container again, as the host
// sees it, when it names paths under host folders mapped into the
// container: docker run -v /:/mnt img rm -rf /mnt/usr removes the host's
// /usr.
func (r *resolver) judgeOnHost(inv *Invocation, b *box) {
	if len(b.binds) == 0 {
		return
	}
	inside := func(v string) string {
		if filepath.IsAbs(v) {
			return filepath.Clean(v)
		}
		if inv.Cwd != "" && filepath.IsAbs(inv.Cwd) {
			return filepath.Join(inv.Cwd, v)
		}
		return ""
	}
	mapped := false
	host := *inv
	host.Args = make([]Arg, len(inv.Args))
	for i, a := range inv.Args {
		host.Args[i] = a
		if a.Known && strings.Contains(a.Value, "/") && !strings.HasPrefix(a.Value, "-") {
			key, value, isKey := strings.Cut(a.Value, "=")
			if !isKey || !filepath.IsAbs(value) || strings.Contains(key, "/") {
				key, value, isKey = "", a.Value, false
			}
			if p := inside(value); p != "" {
				if hp, ok := b.toHost(p); ok {
					// dd of=/host/etc/fstab writes the host's /etc/fstab
					host.Args[i].Value, mapped = hp, true
					if isKey {
						host.Args[i].Value = key + "=" + hp
					}
				}
			}
		}
	}
	host.Redirs = make([]Redir, len(inv.Redirs))
	for i, rd := range inv.Redirs {
		host.Redirs[i] = rd
		if rd.Target.Known && !rd.Input() && rd.Op != ">&" {
			if p := inside(rd.Target.Value); p != "" {
				if hp, ok := b.toHost(p); ok {
					host.Redirs[i].Target.Value, mapped = hp, true
				}
			}
		}
	}
	host.Cwd = ""
	if inv.Cwd != "" {
		if hp, ok := b.toHost(inv.Cwd); ok {
			host.Cwd, mapped = hp, true
		}
	}
	if !mapped {
		return
	}
	host.Remote, host.Container = b.remote, ""
	host.Via = append(append([]string(nil), inv.Via...), "host folders mapped into "+b.name)
	r.emit(&host)
}

// containerRunnerFor returns how to look inside a program that runs
// commands in containers, nil for others.
func containerRunnerFor(program string) wrapFunc {
	switch program {
	case "docker", "podman", "nerdctl":
		return wrapDocker
	case "docker-compose", "podman-compose":
		return func(r *resolver, outer *Invocation, sc *scope) { r.compose(outer, outer.Args, sc, nil) }
	case "kubectl", "oc":
		return wrapKubectl
	case "lxc-attach":
		return wrapLxcAttach
	case "pct":
		return wrapPct
	case "incus", "lxc":
		return wrapIncus
	case "crictl":
		return wrapCrictl
	case "ctr":
		return wrapCtr
	case "machinectl":
		return wrapMachinectl
	case "systemd-nspawn":
		return wrapNspawn
	case "buildah":
		return wrapBuildah
	case "toolbox":
		return wrapToolbox
	case "distrobox", "distrobox-enter":
		return wrapDistrobox
	}
	return nil
}

var dockerGlobalSpec = OptSpec{
	ShortValue: "cHlna",
	LongValue: []string{"config", "context", "host", "log-level", "tlscacert", "tlscert", "tlskey",
		"connection", "url", "identity", "root", "runroot", "runtime", "runtime-flag", "storage-driver", "storage-opt",
		"cgroup-manager", "conmon", "events-backend", "hooks-dir", "imagestore", "module", "network-cmd-path",
		"network-config-dir", "out", "ssh", "tmpdir", "volumepath", "namespace", "address", "snapshotter",
		"cni-path", "cni-netconfpath", "data-root", "hosts-dir", "experimental"},
	StopAtOperand: true,
}

var dockerRunSpec = OptSpec{
	ShortValue: "acehlmpuvw",
	LongValue: []string{"attach", "add-host", "annotation", "blkio-weight", "blkio-weight-device", "cap-add", "cap-drop",
		"cgroup-parent", "cgroupns", "cidfile", "cpu-period", "cpu-quota", "cpu-rt-period", "cpu-rt-runtime", "cpu-shares",
		"cpus", "cpuset-cpus", "cpuset-mems", "detach-keys", "device", "device-cgroup-rule", "device-read-bps",
		"device-read-iops", "device-write-bps", "device-write-iops", "dns", "dns-option", "dns-search", "domainname",
		"entrypoint", "env", "env-file", "expose", "gpus", "group-add", "health-cmd", "health-interval", "health-retries",
		"health-start-period", "health-start-interval", "health-timeout", "hostname", "ip", "ip6", "ipc", "isolation",
		"kernel-memory", "label", "label-file", "link", "link-local-ip", "log-driver", "log-opt", "mac-address", "memory",
		"memory-reservation", "memory-swap", "memory-swappiness", "mount", "name", "network", "net", "network-alias",
		"oom-score-adj", "pid", "pids-limit", "platform", "publish", "pull", "restart", "runtime", "security-opt",
		"shm-size", "stop-signal", "stop-timeout", "storage-opt", "sysctl", "tmpfs", "ulimit", "user", "userns", "uts",
		"volume", "volume-driver", "volumes-from", "workdir",
		// podman's
		"arch", "authfile", "cgroup-conf", "chrootdirs", "conmon-pidfile", "decryption-key", "env-merge", "gidmap",
		"group-entry", "hostuser", "image-volume", "init-path", "os", "passwd-entry", "personality", "pidfile", "pod",
		"pod-id-file", "preserve-fds", "requires", "sdnotify", "seccomp-policy", "secret", "subgidname", "subuidname",
		"timeout", "tz", "uidmap", "umask", "unsetenv", "variant", "retry", "retry-delay", "cgroups"},
	StopAtOperand: true,
}

var dockerExecSpec = OptSpec{ShortValue: "euw", LongValue: []string{"env", "env-file", "user", "workdir", "detach-keys", "preserve-fds"}, StopAtOperand: true}

// wrapDocker judges what docker, podman and nerdctl run: run (in a new
// container, with host folders mapped by -v and --mount), exec (in a
// running container) and compose run/exec.
func wrapDocker(r *resolver, outer *Invocation, sc *scope) {
	g := ParseOptions(outer.Args, dockerGlobalSpec)
	args := append(g.Operands, g.Rest...)
	remote := ""
	if h, ok := g.Value("H", "host", "url"); ok && h.Known && !strings.HasPrefix(h.Value, "unix://") {
		remote = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(h.Value, "tcp://"), "ssh://"), "https://")
		if host, _, found := strings.Cut(remote, ":"); found {
			remote = host
		}
	}
	if c, ok := g.Value("c", "context", "connection"); ok && c.Known && c.Value != "default" {
		remote = outer.Program + " context " + c.Value
	}
	if len(args) > 0 && args[0].Value == "container" {
		args = args[1:]
	}
	if len(args) == 0 {
		return
	}
	atRemote := func(inner *Invocation) {
		if remote != "" {
			inner.Remote = remote
		}
	}
	switch args[0].Value {
	case "run":
		p := ParseOptions(args[1:], dockerRunSpec)
		if len(p.Operands) == 0 {
			return
		}
		image := p.Operands[0].Value
		argv := p.Rest
		if e, ok := p.Value("entrypoint"); ok && e.Value != "" {
			argv = append([]Arg{e}, argv...)
		}
		binds := dockerBinds(outer, p)
		name := "a new container of " + image
		if n, ok := p.Value("name"); ok {
			name = n.Value + " (" + image + ")"
		}
		r.runInner(outer, argv, sc, outer.Program+" run", func(inner *Invocation, isc *scope) {
			atRemote(inner)
			enterBox(inner, isc, name, binds)
			isc.box.shares = dockerShares(p)
			isc.box.throwaway = throwawayRun(p)
			inner.HostNamespaces = isc.box.shares
			inContainer(inner, outer, p)
		})
	case "exec":
		p := ParseOptions(args[1:], dockerExecSpec)
		if len(p.Operands) == 0 {
			return
		}
		r.runInner(outer, p.Rest, sc, outer.Program+" exec", func(inner *Invocation, isc *scope) {
			atRemote(inner)
			enterBox(inner, isc, p.Operands[0].Value, nil)
			inContainer(inner, outer, p)
		})
	case "compose":
		r.compose(outer, args[1:], sc, atRemote)
	case "unshare":
		// podman unshare CMD: the user's own files, in a user namespace
		// where the user is root
		if remote == "" {
			r.runInner(outer, args[1:], sc, outer.Program+" unshare", nil)
		}
	}
}

// wrapBuildah: buildah unshare CMD runs CMD on this host's files, as
// podman unshare does.
func wrapBuildah(r *resolver, outer *Invocation, sc *scope) {
	if len(outer.Args) > 0 && outer.Args[0].Value == "unshare" {
		r.runInner(outer, outer.Args[1:], sc, "buildah unshare", nil)
	}
}

// toolboxSpec and distroboxSpec: the options of toolbox run and
// distrobox enter that take a value.
var (
	toolboxSpec   = OptSpec{ShortValue: "cdr", LongValue: []string{"container", "distro", "release"}, StopAtOperand: true}
	distroboxSpec = OptSpec{ShortValue: "na", LongValue: []string{"name", "additional-flags"}}
)

// wrapToolbox: toolbox run [-c NAME] CMD runs CMD in a toolbox
// container, which sees the user's home and the host's root at
// /run/host.
func wrapToolbox(r *resolver, outer *Invocation, sc *scope) {
	if len(outer.Args) == 0 || outer.Args[0].Value != "run" {
		return
	}
	p := ParseOptions(outer.Args[1:], toolboxSpec)
	name := "toolbox"
	if c, ok := p.Value("c", "container"); ok {
		name = "toolbox " + c.Value
	}
	r.runInner(outer, append(p.Operands, p.Rest...), sc, "toolbox run", func(inner *Invocation, isc *scope) {
		enterBox(inner, isc, name, hostSharingBinds(sc))
	})
}

// wrapDistrobox: distrobox enter [NAME] [-- CMD] (and distrobox-enter)
// runs CMD in a distrobox container, which sees the user's home and the
// host's root at /run/host.
func wrapDistrobox(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	if outer.Program == "distrobox" {
		if len(args) == 0 || args[0].Value != "enter" {
			return
		}
		args = args[1:]
	}
	before, after, ok := splitAtDashes(args)
	if !ok {
		return // an interactive shell in the container
	}
	p := ParseOptions(before, distroboxSpec)
	name := "distrobox"
	if n, ok := p.Value("n", "name"); ok {
		name = "distrobox " + n.Value
	} else if len(p.Operands) > 0 {
		name = "distrobox " + p.Operands[0].Value
	}
	r.runInner(outer, after, sc, "distrobox enter", func(inner *Invocation, isc *scope) {
		enterBox(inner, isc, name, hostSharingBinds(sc))
	})
}

// hostSharingBinds are what toolbox and distrobox map into their
// containers: the host's root at /run/host and the user's home.
func hostSharingBinds(sc *scope) []bind {
	binds := []bind{{inside: "/run/host", outside: "/"}}
	if home, ok := sc.lookup("HOME"); ok && home != "" && home != "/" {
		binds = append(binds, bind{inside: home, outside: home})
	}
	return binds
}

// dockerShares reads the host namespaces a docker run shares: the
// network with --network host, and the host's processes with --pid host
// when --privileged also gives the right to reboot and signal them.
func dockerShares(p Parsed) []string {
	var shares []string
	for _, name := range []string{"network", "net"} {
		if v, ok := p.Value(name); ok && v.Known && v.Value == "host" {
			shares = append(shares, "network")
			break
		}
	}
	if v, ok := p.Value("pid"); ok && v.Known && v.Value == "host" && p.Has("privileged") {
		shares = append(shares, "processes")
	}
	return shares
}

// throwawayRun: a docker run given nothing of the host that outlives
// the container: no folder mapped in that it can write (those are judged
// on the host, judgeOnHost), no volume (a named one keeps a database's
// data), no device, no host namespace, no added capability, no
// --privileged, no root folder of the host's (podman --rootfs).
// docker run --rm alpine rm -rf /usr empties the new container's own /usr.
func throwawayRun(p Parsed) bool {
	if p.Has("privileged", "device", "volumes-from", "cap-add", "rootfs", "pod", "device-cgroup-rule", "gpus") {
		return false
	}
	for _, name := range []string{"pid", "network", "net", "ipc", "uts", "userns", "cgroupns"} {
		if v, ok := p.Value(name); ok && (!v.Known || strings.HasPrefix(v.Value, "host") || strings.HasPrefix(v.Value, "container:")) {
			return false
		}
	}
	for _, v := range p.Values("v", "volume") {
		parts := strings.Split(strings.TrimPrefix(v.Value, "="), ":")
		if !v.Known || len(parts) < 3 || !readOnly(strings.Split(parts[2], ",")) {
			return false // -v NAME:/data keeps what is written there
		}
	}
	for _, m := range p.Values("mount") {
		opts := strings.Split(strings.TrimPrefix(m.Value, "="), ",")
		if !m.Known || !slices.Contains(opts, "type=tmpfs") && !readOnly(opts) {
			return false
		}
	}
	return true
}

// inContainer applies -u, -w and -i of docker run and exec: with -i the
// command reads what docker reads (cat x.sh | docker exec -i db sh).
func inContainer(inner, outer *Invocation, p Parsed) {
	if p.Has("i", "interactive") {
		inner.Stdin = feedOf(outer)
	}
	if u, ok := p.Value("u", "user"); ok {
		inner.User = u.Value
	}
	if w, ok := p.Value("w", "workdir"); ok && w.Known && filepath.IsAbs(w.Value) {
		inner.Cwd = filepath.Clean(w.Value)
	}
}

// dockerBinds reads the host folders a docker run maps into the container:
// -v HOST:INSIDE[:OPTS] and --mount type=bind,source=…,target=…. Read-only
// binds are left out: nothing inside can change them.
func dockerBinds(outer *Invocation, p Parsed) []bind {
	var binds []bind
	for _, v := range p.Values("v", "volume") {
		if !v.Known {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(v.Value, "="), ":") // -v=/:/h
		if len(parts) < 2 || !(strings.HasPrefix(parts[0], "/") || strings.HasPrefix(parts[0], ".") || strings.HasPrefix(parts[0], "~")) {
			continue // a named volume, or an anonymous one
		}
		if len(parts) > 2 && readOnly(strings.Split(parts[2], ",")) {
			continue
		}
		host := outer.Path(parts[0])
		if host == "" || !filepath.IsAbs(parts[1]) {
			continue
		}
		binds = append(binds, bind{inside: filepath.Clean(parts[1]), outside: host})
	}
	for _, m := range p.Values("mount") {
		if !m.Known {
			continue
		}
		fields := map[string]string{}
		var flags []string
		for _, kv := range strings.Split(strings.TrimPrefix(m.Value, "="), ",") {
			k, v, _ := strings.Cut(kv, "=")
			fields[k] = v
			if v == "" || v == "true" || v == "1" {
				flags = append(flags, k)
			}
		}
		if fields["type"] != "bind" || readOnly(flags) {
			continue
		}
		src := firstOf(fields, "source", "src")
		dst := firstOf(fields, "target", "destination", "dst")
		if host := outer.Path(src); host != "" && filepath.IsAbs(dst) {
			binds = append(binds, bind{inside: filepath.Clean(dst), outside: host})
		}
	}
	return binds
}

func readOnly(opts []string) bool {
	for _, o := range opts {
		if o == "ro" || o == "readonly" {
			return true
		}
	}
	return false
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return ""
}

var composeGlobalSpec = OptSpec{ShortValue: "fp", LongValue: []string{"file", "project-name", "profile", "env-file", "project-directory", "ansi", "parallel", "progress"}, StopAtOperand: true}
var composeRunSpec = OptSpec{ShortValue: "euwvpl", LongValue: []string{"env", "user", "workdir", "volume", "publish", "name", "entrypoint", "label", "cap-add", "cap-drop", "pull", "index"}, StopAtOperand: true}

// compose judges docker compose exec SERVICE CMD and run SERVICE CMD.
func (r *resolver) compose(outer *Invocation, args []Arg, sc *scope, atRemote func(*Invocation)) {
	g := ParseOptions(args, composeGlobalSpec)
	args = append(g.Operands, g.Rest...)
	if len(args) == 0 || (args[0].Value != "exec" && args[0].Value != "run") {
		return
	}
	p := ParseOptions(args[1:], composeRunSpec)
	if len(p.Operands) == 0 {
		return
	}
	argv := p.Rest
	if e, ok := p.Value("entrypoint"); ok && e.Value != "" {
		argv = append([]Arg{e}, argv...)
	}
	binds := dockerBinds(outer, p)
	r.runInner(outer, argv, sc, "compose "+args[0].Value, func(inner *Invocation, isc *scope) {
		if atRemote != nil {
			atRemote(inner)
		}
		enterBox(inner, isc, "service "+p.Operands[0].Value, binds)
		inContainer(inner, outer, p)
	})
}

var kubectlSpec = OptSpec{
	ShortValue: "ncfsvl",
	LongValue: []string{"namespace", "container", "filename", "context", "kubeconfig", "cluster", "user", "server", "token",
		"as", "as-group", "as-uid", "request-timeout", "certificate-authority", "client-certificate", "client-key",
		"tls-server-name", "cache-dir", "pod-running-timeout", "log-file", "v", "selector"},
}

// wrapKubectl: kubectl exec [flags] POD [-c C] -- CMD runs CMD in the
// pod; kubectl debug node/NAME -- CMD runs it in a pod with the node's
// files at /host.
func wrapKubectl(r *resolver, outer *Invocation, sc *scope) {
	before, after, found := splitAtDashes(outer.Args)
	p := ParseOptions(before, kubectlSpec)
	if len(p.Operands) >= 2 && p.Operands[0].Value == "debug" && strings.HasPrefix(p.Operands[1].Value, "node/") && found {
		node := strings.TrimPrefix(p.Operands[1].Value, "node/")
		r.runInner(outer, after, sc, "kubectl debug", func(inner *Invocation, isc *scope) {
			inner.Remote = "node " + node
			enterBox(inner, isc, "a debug pod on node "+node, []bind{{inside: "/host", outside: "/"}})
		})
		return
	}
	if len(p.Operands) >= 2 && p.Operands[0].Value == "run" && found {
		// kubectl run NAME --image=IMG -- CMD: a new pod runs CMD
		name := "a new pod " + p.Operands[1].Value
		r.runInner(outer, after, sc, "kubectl run", func(inner *Invocation, isc *scope) {
			enterBox(inner, isc, name, nil)
			isc.box.throwaway = throwawayPod(before)
		})
		return
	}
	if len(p.Operands) < 2 || p.Operands[0].Value != "exec" && !(outer.Program == "oc" && p.Operands[0].Value == "rsh") {
		return
	}
	pod := strings.TrimPrefix(p.Operands[1].Value, "pod/")
	argv := after
	if !found {
		argv = wordsAfter(outer.Args, p.Operands[0], p.Operands[1]) // the old form without --, and oc rsh POD CMD
	}
	name := "pod " + pod
	if ns, ok := p.Value("n", "namespace"); ok {
		name = "pod " + ns.Value + "/" + pod
	}
	if c, ok := p.Value("c", "container"); ok {
		name += " (" + c.Value + ")"
	}
	r.runInner(outer, argv, sc, outer.Program+" exec", func(inner *Invocation, isc *scope) {
		enterBox(inner, isc, name, nil)
		if p.Has("i", "stdin") {
			inner.Stdin = feedOf(outer)
		}
	})
}

// wordsAfter is what follows the word pod after the word sub in args, as
// written: kubectl exec POD rm -rf /x runs rm -rf /x, its options
// included.
func wordsAfter(args []Arg, sub, pod Arg) []Arg {
	seen := false
	for i, a := range args {
		if !seen {
			seen = a.Text == sub.Text && a.Value == sub.Value
			continue
		}
		if a.Text == pod.Text && a.Value == pod.Value {
			return args[i+1:]
		}
	}
	return nil
}

// throwawayPod: kubectl run makes a pod of the image alone unless
// --overrides gives it more (a hostPath volume, the host's PID space) or
// --privileged its node's devices.
func throwawayPod(args []Arg) bool {
	for _, a := range args {
		if !a.Known || strings.HasPrefix(a.Value, "--overrides") || strings.HasPrefix(a.Value, "--privileged") {
			return false
		}
	}
	return true
}

// splitAtDashes splits args at the first "--".
func splitAtDashes(args []Arg) (before, after []Arg, found bool) {
	for i, a := range args {
		if a.Known && a.Value == "--" {
			return args[:i], args[i+1:], true
		}
	}
	return args, nil, false
}

// wrapLxcAttach: lxc-attach -n NAME [-- CMD]; without a command it starts
// a shell.
func wrapLxcAttach(r *resolver, outer *Invocation, sc *scope) {
	before, after, found := splitAtDashes(outer.Args)
	p := ParseOptions(before, OptSpec{ShortValue: "nPasvugolfL", LongValue: []string{"name", "lxcpath", "arch", "namespaces", "set-var", "uid", "gid", "logfile", "logpriority", "rcfile", "pty-log", "context"}})
	name, ok := p.Value("n", "name")
	operands := p.Operands
	if !ok && len(operands) > 0 {
		name, operands = operands[0], operands[1:]
	}
	argv := after
	if !found {
		argv = operands
	}
	r.runInner(outer, argv, sc, "lxc-attach", func(inner *Invocation, isc *scope) {
		enterBox(inner, isc, name.Value, nil)
	})
}

// wrapPct: Proxmox's pct exec VMID [--] CMD.
func wrapPct(r *resolver, outer *Invocation, sc *scope) {
	args := outer.Args
	if len(args) < 3 || args[0].Value != "exec" {
		return
	}
	argv := args[2:]
	if argv[0].Value == "--" {
		argv = argv[1:]
	}
	r.runInner(outer, argv, sc, "pct exec", func(inner *Invocation, isc *scope) {
		enterBox(inner, isc, "CT "+args[1].Value, nil)
	})
}

// wrapIncus: incus exec and lxc exec (LXD) INSTANCE [flags] [--] CMD.
func wrapIncus(r *resolver, outer *Invocation, sc *scope) {
	before, after, found := splitAtDashes(outer.Args)
	p := ParseOptions(before, OptSpec{LongValue: []string{"cwd", "env", "user", "group", "mode", "project"}})
	if len(p.Operands) < 2 || p.Operands[0].Value != "exec" {
		return
	}
	argv := after
	if !found {
		argv = p.Operands[2:]
	}
	r.runInner(outer, argv, sc, outer.Program+" exec", func(inner *Invocation, isc *scope) {
		enterBox(inner, isc, p.Operands[1].Value, nil)
		if c, ok := p.Value("cwd"); ok && c.Known && filepath.IsAbs(c.Value) {
			inner.Cwd = filepath.Clean(c.Value)
		}
	})
}

// wrapCrictl: crictl exec [-i -t -s] CONTAINER CMD.
func wrapCrictl(r *resolver, outer *Invocation, sc *scope) {
	if len(outer.Args) == 0 || outer.Args[0].Value != "exec" {
		return
	}
	p := ParseOptions(outer.Args[1:], OptSpec{LongValue: []string{"timeout", "image", "label", "name", "namespace", "pod", "state"}, StopAtOperand: true})
	if len(p.Operands) == 0 {
		return
	}
	r.runInner(outer, p.Rest, sc, "crictl exec", func(inner *Invocation, isc *scope) {
		enterBox(inner, isc, p.Operands[0].Value, nil)
	})
}

var (
	ctrGlobalSpec = OptSpec{ShortValue: "na", LongValue: []string{"namespace", "address", "timeout", "connect-timeout"}, StopAtOperand: true}
	ctrRunSpec    = OptSpec{ShortValue: "eu", LongValue: []string{"mount", "env", "env-file", "label", "annotation", "snapshotter", "snapshotter-label",
		"runtime", "runtime-config-path", "cwd", "user", "cpus", "cpu-quota", "cpu-period", "cpu-shares", "memory-limit", "log-uri", "fifo-dir",
		"cgroup", "platform", "runc-binary", "runc-root", "gpus", "cap-add", "cap-drop", "seccomp-profile", "apparmor-profile", "hostname",
		"with-ns", "device", "rootfs-propagation", "pid-file", "uidmap", "gidmap", "blockio-config-file", "blockio-class", "rdt-class", "cni-plugin"},
		StopAtOperand: true}
	ctrExecSpec = OptSpec{LongValue: []string{"exec-id", "cwd", "user", "fifo-dir", "log-uri"}, StopAtOperand: true}
)

// wrapCtr: containerd's ctr run [OPTIONS] IMAGE ID [CMD…] and ctr task
// exec --exec-id X CONTAINER CMD…; --mount type=bind,src=S,dst=D maps
// the host's S into the container.
func wrapCtr(r *resolver, outer *Invocation, sc *scope) {
	g := ParseOptions(outer.Args, ctrGlobalSpec)
	args := append(g.Operands, g.Rest...)
	if len(args) == 0 {
		return
	}
	switch args[0].Value {
	case "run", "containers", "container", "c":
		if args[0].Value != "run" {
			if len(args) < 2 || args[1].Value != "run" {
				return
			}
			args = args[1:]
		}
		p := ParseOptions(args[1:], ctrRunSpec)
		operands := append(p.Operands, p.Rest...)
		if len(operands) < 3 {
			return // the image's own command
		}
		var binds []bind
		for _, m := range p.Values("mount") {
			opts := map[string]string{}
			for _, kv := range strings.Split(m.Value, ",") {
				k, v, _ := strings.Cut(kv, "=")
				opts[k] = v
			}
			src, dst := firstOf(opts, "src", "source"), firstOf(opts, "dst", "destination", "target")
			if opts["type"] == "bind" && !strings.Contains(opts["options"], "ro") {
				if host := outer.Path(src); host != "" && filepath.IsAbs(dst) {
					binds = append(binds, bind{inside: filepath.Clean(dst), outside: host})
				}
			}
		}
		name := operands[1].Value + " (" + operands[0].Value + ")"
		r.runInner(outer, operands[2:], sc, "ctr run", func(inner *Invocation, isc *scope) {
			enterBox(inner, isc, name, binds)
		})
	case "task", "tasks", "t":
		if len(args) < 2 || args[1].Value != "exec" {
			return
		}
		p := ParseOptions(args[2:], ctrExecSpec)
		if len(p.Operands) == 0 {
			return
		}
		r.runInner(outer, p.Rest, sc, "ctr task exec", func(inner *Invocation, isc *scope) {
			enterBox(inner, isc, p.Operands[0].Value, nil)
		})
	}
}

var machinectlSpec = OptSpec{
	ShortValue:    "MHEpsonl",
	LongValue:     []string{"machine", "host", "uid", "setenv", "property", "signal", "kill-whom", "output", "lines", "format", "verify", "max-addresses", "runner"},
	StopAtOperand: true,
}

// wrapMachinectl: machinectl shell [USER@]NAME [PATH ARGS] runs PATH in
// the container NAME; ".host" (or no name) is this host itself.
func wrapMachinectl(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, machinectlSpec)
	args := append(p.Operands, p.Rest...)
	if len(args) == 0 || args[0].Value != "shell" {
		return
	}
	rest := ParseOptions(args[1:], machinectlSpec)
	operands := append(rest.Operands, rest.Rest...)
	if len(operands) < 2 {
		return // an interactive login shell
	}
	user, machine, hasUser := strings.Cut(operands[0].Value, "@")
	if !hasUser {
		user, machine = "root", operands[0].Value
	}
	if u, ok := rest.Value("uid"); ok {
		user = u.Value
	}
	r.runInner(outer, operands[1:], sc, "machinectl shell", func(inner *Invocation, isc *scope) {
		if machine == "" || machine == ".host" {
			inner.User, inner.Cwd = user, ""
			isc.forgetVars()
			return
		}
		enterBox(inner, isc, machine, nil)
		inner.User = user
	})
}

var nspawnSpec = OptSpec{
	ShortValue: "DiMuESpx",
	LongValue: []string{"directory", "image", "machine", "user", "setenv", "slice", "port", "bind", "bind-ro", "chdir",
		"template", "network-interface", "network-macvlan", "network-ipvlan", "network-veth-extra", "network-bridge",
		"network-zone", "uuid", "property", "private-users", "capability", "drop-capability", "kill-signal",
		"link-journal", "resolv-conf", "timezone", "overlay", "overlay-ro", "tmpfs", "inaccessible", "personality",
		"console", "pivot-root", "oci-bundle", "load-credential", "set-credential", "hostname", "register", "root-hash",
		"verity-data", "root-hash-sig", "system-call-filter", "rlimit", "oom-score-adjust", "cpu-affinity", "notify-ready"},
	StopAtOperand: true,
}

// wrapNspawn: systemd-nspawn -D DIR CMD runs CMD with DIR as its root, so
// its paths are DIR's on the host; --bind maps more host folders.
func wrapNspawn(r *resolver, outer *Invocation, sc *scope) {
	p := ParseOptions(outer.Args, nspawnSpec)
	if p.Has("b", "boot") {
		return // boots the container's init
	}
	var binds []bind
	name := "a container"
	if d, ok := p.Value("D", "directory"); ok && d.Known {
		if root := outer.Path(d.Value); root != "" {
			binds = append(binds, bind{inside: "/", outside: root})
			name = root
		}
	} else if m, ok := p.Value("M", "machine"); ok && m.Known {
		binds = append(binds, bind{inside: "/", outside: "/var/lib/machines/" + m.Value})
		name = m.Value
	}
	for _, b := range p.Values("bind") {
		src, dst, _ := strings.Cut(b.Value, ":")
		if dst == "" {
			dst = src
		}
		dst, _, _ = strings.Cut(dst, ":")
		if host := outer.Path(src); host != "" && filepath.IsAbs(dst) {
			binds = append(binds, bind{inside: filepath.Clean(dst), outside: host})
		}
	}
	r.runInner(outer, append(p.Operands, p.Rest...), sc, "systemd-nspawn", func(inner *Invocation, isc *scope) {
		enterBox(inner, isc, name, binds)
		inner.Cwd = "/"
		if c, ok := p.Value("chdir"); ok && c.Known && filepath.IsAbs(c.Value) {
			inner.Cwd = filepath.Clean(c.Value)
		}
		if u, ok := p.Value("u", "user"); ok {
			inner.User = u.Value
		}
	})
}
