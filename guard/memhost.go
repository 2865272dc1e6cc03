package guard

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// MemHost is an in-memory Host for tests: a small tree of paths, an
// environment, mounts and dm-cache dirty block counts. Parent folders of
// every added path exist implicitly.
type MemHost struct {
	Name   string
	Env    map[string]string
	Mnts   []Mount
	Dirty  map[string]int64 // "vg/lv" → dirty blocks; missing means lvs fails
	Files  map[string][]byte
	nodes  map[string]memNode
	LvsErr error
	// Trees are git work trees by top folder; a folder in none has no
	// state guard can tell (WorkTree fails).
	Trees map[string]WorkTree
}

type memNode struct {
	mode   fs.FileMode
	target string
	size   int64
}

// NewMemHost returns a host with the usual top-level folders, HOME=/home/op
// and the host name web1.
func NewMemHost() *MemHost {
	h := &MemHost{
		Name:  "web1",
		Env:   map[string]string{"HOME": "/home/op", "USER": "op", "PATH": "/usr/bin:/bin"},
		Dirty: map[string]int64{},
		Files: map[string][]byte{
			"/etc/passwd": []byte("root:x:0:0:root:/root:/bin/bash\nop:x:1000:1000:Operator:/home/op:/bin/bash\n"),
		},
		nodes: map[string]memNode{"/": {mode: fs.ModeDir | 0o755}},
	}
	for _, d := range []string{"/bin", "/boot", "/dev", "/etc", "/home/op", "/lib", "/lib64", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr/bin", "/usr/lib", "/var/lib", "/var/log"} {
		h.AddDir(d)
	}
	return h
}

func (h *MemHost) add(path string, n memNode) {
	path = filepath.Clean(path)
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if _, ok := h.nodes[dir]; !ok {
			h.nodes[dir] = memNode{mode: fs.ModeDir | 0o755}
		}
		if dir == "/" {
			break
		}
	}
	h.nodes[path] = n
}

// AddDir adds a folder and its parents.
func (h *MemHost) AddDir(path string) { h.add(path, memNode{mode: fs.ModeDir | 0o755}) }

// AddFile adds a regular file.
func (h *MemHost) AddFile(path string) { h.add(path, memNode{mode: 0o644}) }

// AddFileSize adds a regular file of size bytes (its content is not kept).
func (h *MemHost) AddFileSize(path string, size int64) {
	h.add(path, memNode{mode: 0o644, size: size})
}

// AddFIFO adds a named pipe, which ReadFile refuses as the live host does.
func (h *MemHost) AddFIFO(path string) { h.add(path, memNode{mode: fs.ModeNamedPipe | 0o644}) }

// AddLink adds a symbolic link to target (not resolved at creation).
func (h *MemHost) AddLink(path, target string) {
	h.add(path, memNode{mode: fs.ModeSymlink | 0o777, target: target})
}

// AddDevice adds a block device node.
func (h *MemHost) AddDevice(path string) { h.add(path, memNode{mode: fs.ModeDevice | 0o660}) }

func (h *MemHost) Lstat(path string) (fs.FileInfo, error) {
	n, ok := h.nodes[filepath.Clean(path)]
	if !ok {
		return nil, &fs.PathError{Op: "lstat", Path: path, Err: fs.ErrNotExist}
	}
	return memInfo{name: filepath.Base(path), node: n}, nil
}

func (h *MemHost) Readlink(path string) (string, error) {
	n, ok := h.nodes[filepath.Clean(path)]
	if !ok || n.mode&fs.ModeSymlink == 0 {
		return "", &fs.PathError{Op: "readlink", Path: path, Err: errors.New("not a symbolic link")}
	}
	return n.target, nil
}

func (h *MemHost) ReadFile(path string, limit int64) ([]byte, error) {
	if n, ok := h.nodes[filepath.Clean(path)]; ok && !n.mode.IsRegular() && n.mode&fs.ModeSymlink == 0 {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	data, ok := h.Files[path]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	if int64(len(data)) > limit {
		data = data[:limit]
	}
	return data, nil
}

// ReadDir lists the nodes directly inside path, and the files whose
// content was given in Files.
func (h *MemHost) ReadDir(path string, limit int) ([]fs.DirEntry, bool, error) {
	dir := filepath.Clean(path)
	n, ok := h.nodes[dir]
	if !ok {
		return nil, false, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	if !n.mode.IsDir() {
		return nil, false, &fs.PathError{Op: "readdir", Path: path, Err: errors.New("not a directory")}
	}
	names := map[string]memNode{}
	for p, node := range h.nodes {
		if p != "/" && filepath.Dir(p) == dir {
			names[filepath.Base(p)] = node
		}
	}
	for p, data := range h.Files {
		if filepath.Dir(p) == dir {
			if _, ok := names[filepath.Base(p)]; !ok {
				mode := fs.FileMode(0o644)
				if strings.HasPrefix(string(data), "#!") {
					mode = 0o755 // a script with its #! line: an executable one
				}
				names[filepath.Base(p)] = memNode{mode: mode, size: int64(len(data))}
			}
		}
	}
	sorted := slices.Sorted(maps.Keys(names))
	complete := len(sorted) <= limit
	if !complete {
		sorted = sorted[:limit]
	}
	entries := make([]fs.DirEntry, len(sorted))
	for i, name := range sorted {
		entries[i] = fs.FileInfoToDirEntry(memInfo{name: name, node: names[name]})
	}
	return entries, complete, nil
}

func (h *MemHost) Mounts() []Mount { return h.Mnts }

func (h *MemHost) Getenv(name string) (string, bool) {
	v, ok := h.Env[name]
	return v, ok
}

func (h *MemHost) Hostname() string { return h.Name }

func (h *MemHost) CacheDirtyBlocks(vgLV string) (int64, error) {
	if h.LvsErr != nil {
		return 0, h.LvsErr
	}
	n, ok := h.Dirty[vgLV]
	if !ok {
		return 0, fmt.Errorf("lvs %s: no such cached logical volume", vgLV)
	}
	return n, nil
}

func (h *MemHost) WorkTree(dir string, ignored bool) (WorkTree, error) {
	for top, tree := range h.Trees {
		if dir != top && !strings.HasPrefix(dir, top+"/") {
			continue
		}
		tree.Top = top
		tree.Files = slices.DeleteFunc(slices.Clone(tree.Files), func(f WorkFile) bool { return f.Ignored && !ignored })
		return tree, nil
	}
	return WorkTree{}, fmt.Errorf("git status in %s: not a git repository: %w", dir, ErrNoWorkTree)
}

// SetSSH marks the host's environment as an SSH session from client.
func (h *MemHost) SetSSH(client string) {
	h.Env["SSH_CONNECTION"] = client + " 51234 192.0.2.10 22"
	h.Env["SSH_CLIENT"] = client + " 51234 22"
	h.Env["SSH_TTY"] = "/dev/pts/3"
}

type memInfo struct {
	name string
	node memNode
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64 {
	if i.node.mode&fs.ModeSymlink != 0 {
		return int64(len(i.node.target))
	}
	return i.node.size
}
func (i memInfo) Mode() fs.FileMode  { return i.node.mode }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.node.mode.IsDir() }
func (i memInfo) Sys() any           { return nil }
