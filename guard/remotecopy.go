package guard

import "strings"

// A copy onto another machine (scp FILE web1:/etc/passwd, rsync -a DIR/
// web1:/srv/app/) writes there what cp would write: the destination's
// files are replaced, on that host. It is judged as that cp, run there.

// remoteCopySpecs read scp's and rsync's options: which take a value.
var remoteCopySpecs = map[string]OptSpec{
	"scp":   {ShortValue: "cFiJlOoPSXD"},
	"rsync": commandOptions["rsync"].spec,
}

// remoteCopy judges a copy whose destination is HOST:PATH as cp of its
// local sources onto PATH on HOST (what an rsync --delete deletes there
// besides is weighed by rsync's own rules).
func (r *resolver) remoteCopy(inv *Invocation, sc *scope) {
	spec, ok := remoteCopySpecs[inv.Program]
	if !ok || inv.Remote != "" || inv.Container != "" {
		return
	}
	p := ParseOptions(inv.Args, spec)
	ops := append(p.Operands, p.Rest...)
	if len(ops) < 2 || p.Has("n", "dry-run", "list-only") {
		return
	}
	dest := ops[len(ops)-1]
	host, path, ok := remotePath(dest)
	if !ok {
		return
	}
	argv := []Arg{{Text: "cp", Value: "cp", Known: true}}
	if p.Has("r", "a", "recursive", "archive") {
		argv = append(argv, Arg{Text: "-r", Value: "-r", Known: true})
	}
	for _, src := range ops[:len(ops)-1] {
		if _, _, remote := remotePath(src); remote {
			return // from another machine: guard knows neither side
		}
		argv = append(argv, src)
	}
	if path == "" {
		path = "." // host: alone is the remote user's home
	}
	argv = append(argv, Arg{Text: dest.Text, Value: path, Known: true})
	user := ""
	if u, h, found := strings.Cut(host, "@"); found {
		user, host = u, h
	}
	there := onAnotherHost(host, user)
	r.runInner(inv, argv, sc, inv.Program+" to "+host, func(inner *Invocation, isc *scope) {
		there(inner, isc)
		inner.Redirs = nil // scp's own redirections are this machine's
	})
}

// remotePath splits [USER@]HOST:PATH, the way scp and rsync tell a remote
// operand from a local one: a colon before any slash. rsync's HOST::MODULE
// and URLs are a daemon's, not a shell's, and are left alone.
func remotePath(a Arg) (host, path string, ok bool) {
	if !a.Known {
		return "", "", false
	}
	host, path, ok = strings.Cut(a.Value, ":")
	if !ok || host == "" || strings.Contains(host, "/") || strings.HasPrefix(path, ":") || strings.HasPrefix(path, "//") {
		return "", "", false
	}
	return host, path, true
}
