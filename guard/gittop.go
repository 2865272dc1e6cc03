package guard

import (
	"os"
	"path"
	"strings"
	"syscall"
)

// gitTopLevel is what git rev-parse --show-toplevel prints, when guard is
// certain of it: git walks up from the working folder (the physical one)
// to the first folder holding a .git folder. Where git could answer
// otherwise, or refuse and print nothing (so that "$(…)/dist" becomes
// /dist), it is not computed: a repository owned by another user
// (safe.directory), a .git file (worktrees, submodules), a mount point on
// the way up (git stops there), GIT_DIR and its kin set, another user
// (sudo) or host.
func (r *resolver) gitTopLevel(inv *Invocation, args []Arg) (string, bool) {
	if len(args) != 2 || args[0].Value != "rev-parse" || args[1].Value != "--show-toplevel" ||
		inv.Remote != "" || inv.User != "" || inv.Cwd == "" {
		return "", false
	}
	for _, name := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_PARAMETERS"} {
		if _, set := r.host.Getenv(name); set {
			return "", false
		}
	}
	cwd, sure := ResolvePath(r.host, inv.Cwd)
	if !sure || strings.Contains(cwd+"/", "/.git/") {
		return "", false // inside a repository's own folder, git answers otherwise
	}
	mounts := r.host.Mounts()
	for dir := cwd; ; dir = path.Dir(dir) {
		info, err := r.host.Lstat(path.Join(dir, ".git"))
		switch {
		case err == nil && info.IsDir():
			head, err := r.host.Lstat(path.Join(dir, ".git", "HEAD"))
			if err != nil || !head.Mode().IsRegular() || !ownedByCaller(r.host, dir) {
				return "", false
			}
			return dir + "\n", true
		case err == nil:
			return "", false // a .git file, or a link: not followed here
		}
		for _, m := range mounts {
			if m.Dir == dir && dir != "/" {
				return "", false // git does not look past a filesystem's root
			}
		}
		if dir == "/" {
			return "", false // not in a repository: git fails
		}
	}
}

// ownedByCaller: git only works in a repository its user owns. A host
// that does not tell owners (the in-memory one of the tests) owns them.
func ownedByCaller(h Host, dir string) bool {
	info, err := h.Lstat(dir)
	if err != nil {
		return false
	}
	switch st := info.Sys().(type) {
	case nil:
		return true
	case *syscall.Stat_t:
		return int(st.Uid) == os.Geteuid()
	}
	return false
}
