package guard

import (
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
)

// maxMadeLinks bounds the commands of the line that made symbolic links
// (the latest) taken to have made them.
const maxMadeLinks = 16

// withMadeLinks is host as a command sees it once the commands of the line
// that ran before it made their symbolic links (ln -s TARGET NAME): `ln -s
// /etc cfg; rm -rf cfg/` deletes in /etc, though no cfg exists yet when
// the line is judged. A link that failed to be made (after ;) only makes
// guard ask more, never less. Without such a link, host itself.
func withMadeLinks(host Host, inv *Invocation) Host {
	var makers []*Invocation // latest first
	for b, n := inv.linkBefore, 0; b != nil && n < maxRanBefore && len(makers) < maxMadeLinks; b, n = b.linkBefore, n+1 {
		if b.Remote == inv.Remote && b.Container == inv.Container { // not another machine's links
			makers = append(makers, b)
		}
	}
	var made madeLinksHost
	for i := len(makers) - 1; i >= 0; i-- { // in the order they ran: a later one wins
		b := makers[i]
		if b.Program == "mv" {
			made.moveLink(host, b)
			continue
		}
		made.add(&made.links, linksMadeBy(host, b))
		made.add(&made.binds, bindsMadeBy(b))
	}
	if len(made.links)+len(made.binds) == 0 {
		return host
	}
	made.Host = host
	return made
}

// add records what one command made, over what earlier ones made of the
// same name.
func (h *madeLinksHost) add(to *map[string]string, made map[string]string) {
	for name, target := range made {
		delete(h.links, name)
		delete(h.binds, name)
		if *to == nil {
			*to = map[string]string{}
		}
		(*to)[name] = target
	}
}

// moveLink follows mv LINK NAME: the link, one on the host or one made
// earlier on the line, is then called NAME (ln -s /etc t; mv t conf; rm
// -rf conf/* empties /etc). Into a folder, it keeps its name there.
func (h *madeLinksHost) moveLink(host Host, mv *Invocation) {
	p := ParseOptions(mv.Args, OptSpec{ShortValue: "tS", LongValue: []string{"target-directory", "suffix", "backup"}})
	ops := p.Operands
	if len(ops) != 2 || !ops[0].Known || !ops[1].Known || ops[0].Glob || ops[1].Glob || p.Has("t", "target-directory", "help", "version") || mv.Cwd == "" {
		return
	}
	from, to := mv.Path(ops[0].Value), mv.Path(ops[1].Value)
	target, made := h.links[from]
	if !made {
		t, err := host.Readlink(from)
		if err != nil {
			return // not a link: a folder moved is goneBefore's
		}
		target = t
	}
	if info, err := host.Lstat(to); err == nil && info.IsDir() && !p.Has("T", "no-target-directory") {
		to = path.Join(to, path.Base(from))
	}
	if !path.IsAbs(target) {
		target = path.Join(path.Dir(from), target) // a relative link moved elsewhere leads elsewhere; kept where it led
	}
	delete(h.links, from)
	h.add(&h.links, map[string]string{to: target})
}

// makesLinks: a command that makes a symbolic link (ln, cp -s), moves one
// (mv) or makes a bind mount (mount --bind, bindfs), which later commands
// of the line go through.
func makesLinks(inv *Invocation) bool {
	switch inv.Program {
	case "ln", "mount", "bindfs", "cp", "mv":
		return true
	}
	return false
}

// bindsMadeBy reads a bind mount (mount --bind SRC DST, mount -o
// rbind, bindfs SRC DST): the absolute folder it makes a second way into,
// with the folder it leads to.
func bindsMadeBy(inv *Invocation) map[string]string {
	if inv.Program != "mount" && inv.Program != "bindfs" {
		return nil
	}
	p := ParseOptions(inv.Args, OptSpec{ShortValue: "otLUOTNupgm", LongValue: []string{"options", "types", "label", "uuid", "test-opts", "fstab", "namespace", "target-prefix", "perms", "mirror", "mirror-only", "map", "force-user", "force-group", "create-for-user", "create-for-group"}})
	if inv.Program == "mount" && !p.Has("B", "bind", "R", "rbind") {
		bind := false
		for _, o := range p.Values("o", "options") {
			for _, opt := range strings.Split(o.Value, ",") {
				bind = bind || opt == "bind" || opt == "rbind"
			}
		}
		if !bind {
			return nil
		}
	}
	if len(p.Operands) != 2 || !p.Operands[0].Known || !p.Operands[1].Known || p.Has("help", "version") {
		return nil
	}
	dir, src := inv.Path(p.Operands[1].Value), inv.Path(p.Operands[0].Value)
	if dir == "" || src == "" {
		return nil // relative to a folder guard does not know (sudo -i starts in root's home)
	}
	return map[string]string{dir: src}
}

// hostNow is the host as the next command of the walk sees it, with the
// symbolic links the commands that ran before it made, for the patterns
// it expands (ln -s / x; rm -rf x/*); and the latest of those ln
// commands, nil when none ran.
func (r *resolver) hostNow() (Host, *Invocation) {
	ln := r.madeLink
	if ln == nil {
		return r.host, nil
	}
	return withMadeLinks(r.host, &Invocation{linkBefore: ln}), ln
}

// linksMadeBy reads one ln -s (or cp -s, which makes a link to each file
// it is given): the absolute path of each link it makes, with its target
// as written. Into a folder (one that exists, one an earlier command of
// the line made, a name ending in /, -t DIR, or more than one target) each
// link is made inside it under its target's name. cp -rs makes a folder
// of links to each file, which is no link to the folder: guard leaves it.
func linksMadeBy(host Host, ln *Invocation) map[string]string {
	spec := OptSpec{ShortValue: "tS", LongValue: []string{"target-directory", "suffix", "backup"}}
	symbolic := []string{"s", "symbolic"}
	if ln.Program == "cp" {
		spec.LongValue = append(spec.LongValue, "preserve", "no-preserve", "reflink", "sparse", "update")
		symbolic = []string{"s", "symbolic-link"}
	}
	p := ParseOptions(ln.Args, spec)
	if !p.Has(symbolic...) || p.Has("help", "version") || ln.Cwd == "" {
		return nil
	}
	if ln.Program == "cp" && p.Has("r", "R", "recursive", "a", "archive") {
		return nil
	}
	ops := p.Operands
	for _, o := range ops {
		if !o.Known || o.Glob {
			return nil
		}
	}
	made := map[string]string{}
	inside := func(dir string, targets []Arg) map[string]string {
		for _, o := range targets {
			made[ln.Path(path.Join(dir, path.Base(o.Value)))] = o.Value
		}
		return made
	}
	if dir, ok := p.Value("t", "target-directory"); ok {
		return inside(dir.Value, ops)
	}
	switch {
	case len(ops) == 0:
		return nil // ln -s alone fails
	case len(ops) == 1:
		made[ln.Path(path.Base(ops[0].Value))] = ops[0].Value
	case len(ops) > 2 || strings.HasSuffix(ops[len(ops)-1].Value, "/"):
		return inside(ops[len(ops)-1].Value, ops[:len(ops)-1])
	case len(ops) == 2:
		name := ln.Path(ops[1].Value)
		info, err := host.Lstat(name)
		if err == nil && goneBefore(ln, name) {
			info, err = nil, fs.ErrNotExist
		}
		noDeref := p.Has("n", "no-dereference", "T", "no-target-directory")
		if err == nil && (info.IsDir() || info.Mode()&fs.ModeSymlink != 0 && !noDeref) || err != nil && !noDeref && madeFolder(ln, name) {
			return inside(ops[1].Value, ops[:1]) // ln makes its link inside that folder
		}
		made[name] = ops[0].Value
	}
	return made
}

// goneBefore tells whether a command that ran before inv on the line
// moved name away or deleted it (mv conf conf.old, rm -r conf, rmdir
// conf), with nothing making it again since: `mv conf conf.old; ln -s
// /etc conf` makes conf a link to /etc, not a link inside conf. A move
// after ; may have failed: then guard asks more, never less.
func goneBefore(inv *Invocation, name string) bool {
	for b, n := inv.before, 0; b != nil && n < maxRanBefore; b, n = b.before, n+1 {
		if b.Remote != inv.Remote || b.Container != inv.Container {
			continue
		}
		if mkdirMakes(b, name) {
			return false
		}
		if removedBy(b, name) {
			return true
		}
	}
	return false
}

// removedBy tells whether mv, rm -r or rmdir took away name (a folder or
// a link: rm without -r or -d deletes no folder).
func removedBy(inv *Invocation, name string) bool {
	var p Parsed
	switch inv.Program {
	case "mv":
		p = ParseOptions(inv.Args, OptSpec{ShortValue: "tS", LongValue: []string{"target-directory", "suffix", "backup"}})
		if p.Has("help", "version", "n", "no-clobber") {
			return false
		}
		if _, ok := p.Value("t", "target-directory"); !ok {
			if len(p.Operands) < 2 {
				return false
			}
			p.Operands = p.Operands[:len(p.Operands)-1] // the last is where they go
		}
	case "rm":
		p = ParseOptions(inv.Args, OptSpec{})
		if !p.Has("r", "R", "recursive", "d", "dir") || p.Has("help", "version", "i", "I", "interactive") {
			return false
		}
	case "rmdir":
		p = ParseOptions(inv.Args, OptSpec{})
	default:
		return false
	}
	for _, o := range p.Operands {
		if o.Known && !o.Glob && inv.Path(strings.TrimSuffix(o.Value, "/")) == name {
			return true
		}
	}
	return false
}

// madeFolder tells whether a command that certainly ran before inv made
// the folder dir (mkdir d && ln -s /etc d makes d/etc).
func madeFolder(inv *Invocation, dir string) bool {
	for b, n := inv.before, 0; b != nil && n < maxRanBefore; b, n = b.before, n+1 {
		if b.Remote == inv.Remote && b.Container == inv.Container && mkdirMakes(b, dir) {
			return true
		}
	}
	return false
}

// mkdirMakes tells whether inv is a mkdir that makes the folder dir.
func mkdirMakes(inv *Invocation, dir string) bool {
	if inv.Program != "mkdir" {
		return false
	}
	for _, o := range ParseOptions(inv.Args, OptSpec{ShortValue: "mZ", LongValue: []string{"mode", "context"}}).Operands {
		if o.Known && inv.Path(o.Value) == dir {
			return true
		}
	}
	return false
}

// madeLinksHost answers for the links of the line as if they existed; every
// other path goes to the host, through those links where it passes one.
type madeLinksHost struct {
	Host
	links map[string]string // absolute link path: target as written
	binds map[string]string // absolute folder mounted on: the folder it shows
}

// through rewrites a path that passes through a made link (cfg/passwd with
// cfg -> /etc) into the path it reaches; whole says the link itself,
// named last, is followed too (reading a file, listing a folder).
func (h madeLinksHost) through(p string, whole bool) string {
	p = path.Clean(p)
	for n := 0; n < maxMadeLinks; n++ {
		changed := false
		for link, target := range h.links {
			if !path.IsAbs(target) {
				target = path.Join(path.Dir(link), target)
			}
			if rest, ok := strings.CutPrefix(p, link+"/"); ok {
				p, changed = path.Join(target, rest), true
			} else if whole && p == link {
				p, changed = path.Clean(target), true
			}
		}
		if q := h.realPath(p); q != p {
			p, changed = q, true
		}
		if !changed {
			break
		}
	}
	return p
}

// realPath is where a path under a bind mount made on the line really
// is (the folder itself too: it is not a link, it is that folder);
// ResolvePath asks it first.
func (h madeLinksHost) realPath(p string) string {
	for dir, src := range h.binds {
		if rest, ok := strings.CutPrefix(p, dir+"/"); ok {
			return path.Join(src, rest)
		}
		if p == dir {
			return src
		}
	}
	return p
}

// BoundPath is where a path under a bind mount an earlier command of the
// line made really is, the mount point itself included (rm -rf /mnt/e
// after mount --bind /etc /mnt/e empties /etc); p itself otherwise.
func BoundPath(h Host, p string) string {
	if m, ok := h.(madeLinksHost); ok {
		return m.realPath(path.Clean(p))
	}
	return p
}

// Mounts adds the bind mounts the line made: a folder that holds one
// holds the files it shows (rm -rf chroot with /dev bound in it).
func (h madeLinksHost) Mounts() []Mount {
	mounts := h.Host.Mounts()
	if len(h.binds) == 0 {
		return mounts
	}
	mounts = slices.Clone(mounts)
	for _, dir := range slices.Sorted(maps.Keys(h.binds)) {
		mounts = append(mounts, Mount{Source: h.binds[dir], Dir: dir, FSType: "bind"})
	}
	return mounts
}

func (h madeLinksHost) Lstat(p string) (fs.FileInfo, error) {
	p = h.through(p, false)
	if _, ok := h.links[p]; ok {
		return memInfo{name: path.Base(p), node: memNode{mode: fs.ModeSymlink | 0o777}}, nil
	}
	info, err := h.Host.Lstat(p)
	if err != nil {
		for link := range h.links {
			if strings.HasPrefix(link, p+"/") {
				return memInfo{name: path.Base(p), node: memNode{mode: fs.ModeDir | 0o755}}, nil // the folder a link was made in (mkdir -p t && ln -s /etc t/l)
			}
		}
	}
	return info, err
}

func (h madeLinksHost) Readlink(p string) (string, error) {
	p = h.through(p, false)
	if target, ok := h.links[p]; ok {
		return target, nil
	}
	return h.Host.Readlink(p)
}

func (h madeLinksHost) ReadFile(p string, limit int64) ([]byte, error) {
	return h.Host.ReadFile(h.through(p, true), limit)
}

func (h madeLinksHost) ReadDir(p string, limit int) ([]fs.DirEntry, bool, error) {
	return h.Host.ReadDir(h.through(p, true), limit)
}

// LinkMadeByLine reports whether p is a symbolic link an earlier command
// of the line made (ln -s TARGET p), which the operator wrote down and so
// knows where it leads, rather than one found on the host.
func LinkMadeByLine(h Host, p string) bool {
	m, ok := h.(madeLinksHost)
	if !ok {
		return false
	}
	_, made := m.links[m.through(p, false)]
	return made
}
