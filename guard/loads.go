package guard

import (
	"path"
	"strings"
)

// Shared objects a line makes a program load: LD_PRELOAD and LD_AUDIT in
// its environment, bash's enable -f. Their code runs inside the program,
// with its rights, from the moment it starts (an ELF constructor), and
// guard cannot read it. One from the system's library folders is the
// system's, as the programs are; one from anywhere else is asked about.

// UnreadLibraryID is the id of the finding about such a library.
const UnreadLibraryID = "unread-library"

// libraryDirs are the folders whose shared objects are the system's own
// (the dynamic loader's default path, and bash's loadable builtins).
var libraryDirs = []string{"/lib/", "/lib64/", "/lib32/", "/libx32/", "/usr/lib/", "/usr/lib64/", "/usr/lib32/", "/usr/libx32/", "/usr/local/lib/"}

// preloadVars are the loader's variables that name libraries to load
// into every program started with them.
var preloadVars = []string{"LD_PRELOAD", "LD_AUDIT"}

// loadsLibraries notes on inv the shared objects it is made to load that
// are not the system's.
func (r *resolver) loadsLibraries(inv *Invocation, sc *scope) {
	if inv.Remote != "" || inv.Container != "" {
		return
	}
	// a script on disk naming its library by a path computed when it
	// runs (pyenv's enable -f "${BASH_SOURCE%/*}"/../libexec/…) is how
	// that program works; a path it names outright is still weighed
	computedOK := r.reach != nil && r.reach.inFile > 0
	if inv.Program == "enable" {
		enableLoads(inv, computedOK)
		return
	}
	for _, name := range preloadVars {
		// set on the line: one the session already had is the operator's
		v, set := sc.get(name)
		if !set {
			continue
		}
		if !v.known {
			if !computedOK {
				inv.note().Loads = "the library " + name + " names, a value guard does not know,"
			}
			return
		}
		// the loader splits the list at blanks and colons
		for _, lib := range strings.FieldsFunc(v.value, func(c rune) bool { return c == ':' || c == ' ' || c == '\t' }) {
			if !systemLibrary(lib) {
				inv.note().Loads = lib + " (" + name + ")"
				return
			}
		}
	}
}

// enableLoads: enable -f FILE NAME loads FILE into the shell itself, as
// the builtin NAME; computedOK passes a FILE computed when it runs.
func enableLoads(inv *Invocation, computedOK bool) {
	p := ParseOptions(inv.Args, OptSpec{ShortValue: "f"})
	for _, f := range p.Values("f") {
		switch {
		case !f.Known && computedOK:
		case !f.Known:
			inv.note().Loads = f.Text + ", a file guard cannot name (enable -f)"
		case !strings.Contains(f.Value, "/"):
			// a name looked up in BASH_LOADABLES_PATH: bash's own builtins
		case !systemLibrary(f.Value):
			inv.note().Loads = f.Value + " (enable -f)"
		}
	}
}

// systemLibrary tells a library the loader finds in the system's folders:
// a bare name it looks up there, or a path inside one of them.
func systemLibrary(lib string) bool {
	if !strings.Contains(lib, "/") {
		return true
	}
	p := path.Clean(lib)
	if strings.Contains(lib, "$") || !path.IsAbs(p) {
		return false
	}
	for _, dir := range libraryDirs {
		if strings.HasPrefix(p, dir) {
			return true
		}
	}
	return false
}
