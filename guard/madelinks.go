package guard

import (
	"io/fs"
	"path"
	"strings"
	"time"
)

// maxMadeLinks bounds the symbolic links an earlier command of the line
// is taken to have made.
const maxMadeLinks = 16

// withMadeLinks is host as a command sees it once the commands of the line
// that ran before it made their symbolic links (ln -s TARGET NAME): `ln -s
// /etc cfg; rm -rf cfg/` deletes in /etc, though no cfg exists yet when
// the line is judged. A link that failed to be made (after ;) only makes
// guard ask more, never less. Without such a link, host itself.
func withMadeLinks(host Host, inv *Invocation) Host {
	var links map[string]string
	for b, n := inv.linkBefore, 0; b != nil && len(links) < maxMadeLinks && n < maxRanBefore; b, n = b.linkBefore, n+1 {
		if b.Remote != inv.Remote || b.Container != inv.Container {
			continue // another machine's links
		}
		for name, target := range linksMadeBy(host, b) {
			if links == nil {
				links = map[string]string{}
			}
			if _, later := links[name]; !later {
				links[name] = target // the latest ln of a name wins
			}
		}
	}
	if len(links) == 0 {
		return host
	}
	return madeLinksHost{Host: host, links: links}
}

// hostNow is the host as the next command of the walk sees it, with the
// symbolic links the commands that ran before it made, for the patterns
// it expands (ln -s / x; rm -rf x/*); and the latest of those ln
// commands, nil when none ran.
func (r *resolver) hostNow() (Host, *Invocation) {
	if r.ran == nil {
		return r.host, nil
	}
	ln := r.ran.linkBefore
	if r.ran.Program == "ln" {
		ln = r.ran
	}
	if ln == nil {
		return r.host, nil
	}
	return withMadeLinks(r.host, &Invocation{linkBefore: ln}), ln
}

// linksMadeBy reads one ln -s: the absolute path of each link it makes,
// with its target as written. An ln into a folder that exists, or one it
// cannot read, makes nothing guard follows.
func linksMadeBy(host Host, ln *Invocation) map[string]string {
	p := ParseOptions(ln.Args, OptSpec{ShortValue: "tS", LongValue: []string{"target-directory", "suffix", "backup"}})
	if !p.Has("s", "symbolic") || p.Has("help", "version") || ln.Cwd == "" {
		return nil
	}
	ops := p.Operands
	for _, o := range ops {
		if !o.Known || o.Glob {
			return nil
		}
	}
	made := map[string]string{}
	if dir, ok := p.Value("t", "target-directory"); ok {
		for _, o := range ops {
			made[ln.Path(path.Join(dir.Value, path.Base(o.Value)))] = o.Value
		}
		return made
	}
	switch len(ops) {
	case 1:
		made[ln.Path(path.Base(ops[0].Value))] = ops[0].Value
	case 2:
		name := ln.Path(ops[1].Value)
		if info, err := host.Lstat(name); err == nil && (info.IsDir() || info.Mode()&fs.ModeSymlink != 0 && !p.Has("n", "no-dereference", "T", "no-target-directory")) {
			return nil // ln makes its link inside that folder
		}
		made[name] = ops[0].Value
	}
	return made
}

// madeLinksHost answers for the links of the line as if they existed; every
// other path goes to the host, through those links where it passes one.
type madeLinksHost struct {
	Host
	links map[string]string // absolute link path: target as written
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
		if !changed {
			break
		}
	}
	return p
}

func (h madeLinksHost) Lstat(p string) (fs.FileInfo, error) {
	p = h.through(p, false)
	if _, ok := h.links[p]; ok {
		return madeLinkInfo(path.Base(p)), nil
	}
	info, err := h.Host.Lstat(p)
	if err != nil {
		for link := range h.links {
			if strings.HasPrefix(link, p+"/") {
				return madeFolderInfo(path.Base(p)), nil // the folder a link was made in (mkdir -p t && ln -s /etc t/l)
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

// madeFolderInfo describes a folder the line made a link in.
type madeFolderInfo string

func (i madeFolderInfo) Name() string       { return string(i) }
func (i madeFolderInfo) Size() int64        { return 0 }
func (i madeFolderInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o755 }
func (i madeFolderInfo) ModTime() time.Time { return time.Time{} }
func (i madeFolderInfo) IsDir() bool        { return true }
func (i madeFolderInfo) Sys() any           { return nil }

// madeLinkInfo describes a link the line makes.
type madeLinkInfo string

func (i madeLinkInfo) Name() string       { return string(i) }
func (i madeLinkInfo) Size() int64        { return 0 }
func (i madeLinkInfo) Mode() fs.FileMode  { return fs.ModeSymlink | 0o777 }
func (i madeLinkInfo) ModTime() time.Time { return time.Time{} }
func (i madeLinkInfo) IsDir() bool        { return false }
func (i madeLinkInfo) Sys() any           { return nil }
