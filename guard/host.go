package guard

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Host is the read-only view of the machine a line is judged on. Rules see
// the host only through it, so unit tests can use an in-memory host and
// nothing a rule does can change the system. A Host is used from more than
// one goroutine at once (the rules of a long line are asked in parallel):
// its methods must be safe for that, as reads are.
type Host interface {
	// Lstat describes path without following a final symbolic link.
	Lstat(path string) (fs.FileInfo, error)
	// Readlink returns the target of the symbolic link at path.
	Readlink(path string) (string, error)
	// ReadFile returns at most limit bytes of the file at path. Only
	// regular files are read: a FIFO, a device or a socket is an error,
	// so that no path can make judging block or read without end.
	ReadFile(path string, limit int64) ([]byte, error)
	// ReadDir lists at most limit entries of the folder at path, sorted
	// by name, and reports whether that is all of them.
	ReadDir(path string, limit int) (entries []fs.DirEntry, complete bool, err error)
	// Mounts lists the mounted filesystems.
	Mounts() []Mount
	// Getenv returns an environment variable and whether it is set.
	Getenv(name string) (string, bool)
	// Hostname is the machine's name, as an operator would type it.
	Hostname() string
	// CacheDirtyBlocks reports how many dirty blocks the dm-cache of the
	// logical volume vgLV ("vg/lv") holds.
	CacheDirtyBlocks(vgLV string) (int64, error)
	// WorkTree reports the state of the git work tree dir is in: files
	// changed, staged, untracked, and ignored ones when ignored is true.
	// The error (ErrNoWorkTree) says guard cannot tell: git missing, not
	// a repository, a .git git does not take, git too slow.
	WorkTree(dir string, ignored bool) (WorkTree, error)
}

// Mount is one line of /proc/self/mounts.
type Mount struct {
	Source string // device or pseudo source, e.g. /dev/sda1 or tmpfs
	Dir    string // where it is mounted
	FSType string
}

// OSHost is the live machine. It only reads: lstat, readlink, small file
// reads, /proc/self/mounts and, for dm-cache, a read-only `lvs` query.
type OSHost struct {
	// LvsTimeout bounds the `lvs` query; zero means two seconds.
	LvsTimeout time.Duration
	// LvsDirs are the folders lvs and git are taken from, owned by root (or the
	// user guard runs as) and writable by it alone; nil means PATH, as the
	// operator's shell would find it. A coding agent's hook uses
	// SystemProgramDirs(): the agent could have put an lvs of its own first
	// on PATH.
	LvsDirs []string
	// Env is the environment lines are judged in; nil means this
	// process's own. A guard that outlives the shell it serves (guard
	// serve) is given the shell's current one with each line.
	Env        map[string]string
	mountsOnce sync.Once // a host value may be shared: read once, under it
	mounts     []Mount
}

func (h *OSHost) Lstat(path string) (fs.FileInfo, error) { return os.Lstat(path) }
func (h *OSHost) Readlink(path string) (string, error)   { return os.Readlink(path) }

func (h *OSHost) Getenv(name string) (string, bool) {
	if h.Env != nil {
		v, ok := h.Env[name]
		return v, ok
	}
	return os.LookupEnv(name)
}

func (h *OSHost) ReadFile(path string, limit int64) ([]byte, error) {
	return ReadRegular(path, limit)
}

// ErrNotRegular is returned for a path that is not a regular file (a FIFO,
// a device, a socket, a folder): guard never reads those as data.
var ErrNotRegular = errors.New("not a regular file")

// ReadRegular reads at most limit bytes of the regular file at path,
// following symbolic links. It opens with O_NONBLOCK so that a FIFO put
// where a file was expected cannot make it wait, and refuses anything
// that is not a regular file, so that a link to /dev/zero cannot make it
// read without end.
func ReadRegular(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	return io.ReadAll(io.LimitReader(f, limit))
}

func (h *OSHost) ReadDir(path string, limit int) ([]fs.DirEntry, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	entries, err := f.ReadDir(limit + 1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	complete := len(entries) <= limit
	if !complete {
		entries = entries[:limit]
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, complete, nil
}

func (h *OSHost) Hostname() string {
	name, err := os.Hostname()
	if err != nil {
		return "this host"
	}
	return name
}

// Mounts reads /proc/self/mounts once per host value.
func (h *OSHost) Mounts() []Mount {
	h.mountsOnce.Do(func() {
		if data, err := h.ReadFile("/proc/self/mounts", 4<<20); err == nil {
			h.mounts = ParseMounts(data)
		}
	})
	return h.mounts
}

// ParseMounts reads the fstab-like format of /proc/self/mounts, undoing its
// octal escapes (\040 for a space).
func ParseMounts(data []byte) []Mount {
	var mounts []Mount
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		mounts = append(mounts, Mount{
			Source: unescapeMount(fields[0]),
			Dir:    unescapeMount(fields[1]),
			FSType: fields[2],
		})
	}
	return mounts
}

func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ErrNoLvs is returned when no `lvs` program is found.
var ErrNoLvs = errors.New("lvs not found")

// SystemProgramDirs are the folders of the system's own programs.
func SystemProgramDirs() []string { return []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} }

// trustedProgram finds name in the system's own folders, owned by root and
// writable by root alone, never through PATH: guard check runs it while
// judging a line, so a program of the same name earlier on PATH (a stand-in
// in ~/bin) must not get to run.
func trustedProgram(name string, dirs []string) (string, bool) {
	for _, dir := range dirs {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o022 != 0 || fi.Mode()&0o111 == 0 {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && (st.Uid == 0 || int(st.Uid) == os.Geteuid()) {
			return p, true
		}
	}
	return "", false
}

// program finds one of the read-only programs guard check runs (lvs,
// git): along the shell's PATH, or in LvsDirs only.
func (h *OSHost) program(name string) (string, bool) {
	switch {
	case h.LvsDirs == nil && h.Env != nil:
		pathVar, _ := h.Getenv("PATH")
		return trustedProgram(name, filepath.SplitList(pathVar))
	case h.LvsDirs == nil:
		path, err := exec.LookPath(name)
		return path, err == nil
	default:
		return trustedProgram(name, h.LvsDirs)
	}
}

// CacheDirtyBlocks runs `lvs --noheadings --nosuffix -o cache_dirty_blocks
// VG/LV`, a program `guard check` may run (git status is the other): it
// only reads.
func (h *OSHost) CacheDirtyBlocks(vgLV string) (int64, error) {
	lvs, ok := h.program("lvs")
	if !ok {
		return 0, ErrNoLvs
	}
	timeout := h.LvsTimeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, lvs, "--noheadings", "--nosuffix", "-o", "cache_dirty_blocks", "--", vgLV)
	cmd.Stdin = nil
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	cmd.WaitDelay = 100 * time.Millisecond
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return 0, fmt.Errorf("lvs %s: timed out after %v", vgLV, timeout)
	}
	if err != nil {
		return 0, fmt.Errorf("lvs %s: %w", vgLV, err)
	}
	text := strings.TrimSpace(string(out))
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("lvs %s printed %q, not a block count", vgLV, text)
	}
	return n, nil
}

// maxLinks bounds symlink resolution, as the kernel's ELOOP does.
const maxLinks = 40

// ResolvePath follows every symbolic link in the absolute path p, the way
// the kernel would, using only Lstat and Readlink. Components that do not
// exist are kept as they are. It reports whether the result is certain
// (false when a loop or an unreadable link stopped the walk).
func ResolvePath(h Host, p string) (string, bool) {
	if !filepath.IsAbs(p) {
		return p, false
	}
	if a, ok := h.(*answersHost); ok {
		return a.resolve(p)
	}
	return resolvePath(h, p)
}

// resolvePath is ResolvePath asked of the host link by link.
func resolvePath(h Host, p string) (string, bool) {
	if m, ok := h.(madeLinksHost); ok {
		p = m.realPath(filepath.Clean(p)) // a folder bind-mounted earlier on the line
	}
	pending := strings.Split(strings.TrimPrefix(filepath.Clean(p), "/"), "/")
	resolved := "/"
	links := 0
	for len(pending) > 0 {
		part := pending[0]
		pending = pending[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			resolved = filepath.Dir(resolved)
			continue
		}
		next := filepath.Join(resolved, part)
		info, err := h.Lstat(next)
		if err != nil || info.Mode()&fs.ModeSymlink == 0 {
			resolved = next
			continue
		}
		links++
		if links > maxLinks {
			return filepath.Join(append([]string{next}, pending...)...), false
		}
		target, err := h.Readlink(next)
		if err != nil {
			return filepath.Join(append([]string{next}, pending...)...), false
		}
		if filepath.IsAbs(target) {
			resolved = "/"
		}
		pending = append(strings.Split(target, "/"), pending...)
	}
	return resolved, true
}

// IsSymlink reports whether path exists and is a symbolic link.
func IsSymlink(h Host, path string) bool {
	info, err := h.Lstat(path)
	return err == nil && info.Mode()&fs.ModeSymlink != 0
}

// MountAt returns the mount whose directory is exactly dir.
func MountAt(h Host, dir string) (Mount, bool) {
	for _, m := range h.Mounts() {
		if m.Dir == dir {
			return m, true
		}
	}
	return Mount{}, false
}
