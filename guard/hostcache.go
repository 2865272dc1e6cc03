package guard

import (
	"errors"
	"io/fs"
	"path/filepath"
	"sync"
	"syscall"
)

// answersHost remembers what the host answered while one line is judged.
// A long script asks the same questions many times over: each command's
// program looked up along PATH, each rule resolving its operands link by
// link, the machine's name for each message. On the live machine every
// one is a system call (a 400 KB script made some 40,000 lstat calls and
// a thousand uname); the answers cannot change while the line is judged,
// since judging runs nothing. It holds one judgement only: a new line
// asks the host again. The rules ask it from several goroutines at once.
type answersHost struct {
	Host
	mu       sync.RWMutex
	stats    map[string]statAnswer
	links    map[string]linkAnswer
	resolved map[string]resolvedAnswer
	name     string
	trees    map[treeQuestion]treeAnswer
}

type treeQuestion struct {
	dir     string
	ignored bool
}

type treeAnswer struct {
	tree WorkTree
	err  error
}

type resolvedAnswer struct {
	path    string
	certain bool
}

type statAnswer struct {
	info fs.FileInfo
	err  error
}

type linkAnswer struct {
	target string
	err    error
}

// maxAnswers bounds what is remembered of each kind; past it the host is
// asked each time.
const maxAnswers = 1 << 16

// rememberAnswers wraps h for one judgement.
func rememberAnswers(h Host) *answersHost {
	return &answersHost{Host: h} // maps made at the first answer: most lines ask little
}

func (h *answersHost) Lstat(path string) (fs.FileInfo, error) {
	h.mu.RLock()
	a, ok := h.stats[path]
	if !ok && path != "/" {
		// below a folder the host said is not there, nothing is
		parent, found := h.stats[filepath.Dir(path)]
		ok = found && errors.Is(parent.err, fs.ErrNotExist)
		a = statAnswer{err: &fs.PathError{Op: "lstat", Path: path, Err: syscall.ENOENT}}
	}
	h.mu.RUnlock()
	if ok {
		return a.info, a.err
	}
	info, err := h.Host.Lstat(path)
	h.mu.Lock()
	if h.stats == nil {
		h.stats = map[string]statAnswer{}
	}
	if len(h.stats) < maxAnswers {
		h.stats[path] = statAnswer{info, err}
	}
	h.mu.Unlock()
	return info, err
}

func (h *answersHost) Readlink(path string) (string, error) {
	h.mu.RLock()
	a, ok := h.links[path]
	h.mu.RUnlock()
	if ok {
		return a.target, a.err
	}
	target, err := h.Host.Readlink(path)
	h.mu.Lock()
	if h.links == nil {
		h.links = map[string]linkAnswer{}
	}
	if len(h.links) < maxAnswers {
		h.links[path] = linkAnswer{target, err}
	}
	h.mu.Unlock()
	return target, err
}

// resolve is ResolvePath remembered: the rules resolve the same operands
// and redirection targets over and over, each one link by link.
func (h *answersHost) resolve(path string) (string, bool) {
	h.mu.RLock()
	a, ok := h.resolved[path]
	h.mu.RUnlock()
	if ok {
		return a.path, a.certain
	}
	resolved, certain := resolvePath(h, path)
	h.mu.Lock()
	if h.resolved == nil {
		h.resolved = map[string]resolvedAnswer{}
	}
	if len(h.resolved) < maxAnswers {
		h.resolved[path] = resolvedAnswer{resolved, certain}
	}
	h.mu.Unlock()
	return resolved, certain
}

func (h *answersHost) Hostname() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.name == "" {
		h.name = h.Host.Hostname()
	}
	return h.name
}

// WorkTree is asked once per folder: each rule of each git command of a
// line would run git status again.
func (h *answersHost) WorkTree(dir string, ignored bool) (WorkTree, error) {
	q := treeQuestion{dir, ignored}
	h.mu.RLock()
	a, ok := h.trees[q]
	h.mu.RUnlock()
	if ok {
		return a.tree, a.err
	}
	tree, err := h.Host.WorkTree(dir, ignored)
	h.mu.Lock()
	if h.trees == nil {
		h.trees = map[treeQuestion]treeAnswer{}
	}
	if len(h.trees) < maxAnswers {
		h.trees[q] = treeAnswer{tree, err}
	}
	h.mu.Unlock()
	return tree, err
}
