package guard

import (
	"io/fs"
	"path"
	"strings"
)

// cdTarget is the folder `cd name` changes to. A name that does not start
// with /, ./ or ../ is looked for first in each folder CDPATH lists, as
// bash does: CDPATH=/ cd etc goes to /etc, not to ./etc. "" when guard
// cannot tell (CDPATH set to a value it does not know).
func (r *resolver) cdTarget(inv *Invocation, name string, sc *scope) string {
	cdpath, known := sc.lookup("CDPATH")
	if v, ok := sc.get("CDPATH"); ok && !v.known {
		known = false
		cdpath = "?"
	}
	if r.cdPath != nil {
		cdpath, known = r.cdPath.Value, r.cdPath.Known
		if !known {
			cdpath = "?"
		}
	}
	if inv.Remote != "" && sc.box == nil {
		// another machine's CDPATH is its own, almost always unset
		return inv.Path(name)
	}
	if cdpath == "" || strings.HasPrefix(name, "/") || name == "." || name == ".." ||
		strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../") {
		return inv.Path(name)
	}
	if !known || inv.Remote != "" {
		return "" // which folder of CDPATH holds it is not known here
	}
	for i, entry := range strings.Split(cdpath, ":") {
		if i >= maxCdPathEntries {
			return ""
		}
		base := inv.Path(entry) // an empty entry is the working folder
		if entry == "" {
			base = inv.Path(".")
		}
		if base == "" {
			continue
		}
		candidate := path.Join(base, name)
		if info, err := r.host.Lstat(candidate); err == nil && (info.IsDir() || info.Mode()&fs.ModeSymlink != 0) {
			return candidate
		}
	}
	return inv.Path(name)
}

// maxCdPathEntries bounds the folders of CDPATH looked into.
const maxCdPathEntries = 32
