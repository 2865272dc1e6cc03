package snapshot

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// target is one file, folder or link of a snapshot and what is at its
// destination now, looked at once before anything is changed.
type target struct {
	item Item
	path string      // where it goes
	from string      // a hard link: the destination of the first path of its inode
	now  fs.FileInfo // what is there now; nil when nothing is
}

// targets are the file items of a snapshot with their destinations.
type targets []target

func planTargets(items []Item, dest func(string) string) targets {
	var ts targets
	for _, it := range items {
		switch it.Kind {
		case "file", "dir", "symlink", "special":
			t := target{item: it, path: dest(it.Path)}
			if it.LinkTo != "" {
				t.from = dest(it.LinkTo)
			}
			if info, err := os.Lstat(t.path); err == nil {
				t.now = info
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// newer lists the destinations changed since the snapshot was taken.
func (ts targets) newer() []string {
	var conflicts []string
	for _, t := range ts {
		if (t.item.Kind == "file" || t.item.Kind == "symlink") && t.now != nil && !t.now.IsDir() && t.now.ModTime().After(t.item.MTime) {
			conflicts = append(conflicts, t.path)
		}
	}
	return conflicts
}

// tally counts what a restore did, for its one-line summary.
type tally struct {
	files, dirs, links, hardLinks, unchanged atomic.Int64
	bytes                                    atomic.Int64
	skipped                                  []string // devices, fifos, sockets
}

// restore puts the files, folders and links back: folders first (parents
// before children), then files and symbolic links on several workers,
// then hard links, then the folders' owners, modes and times (filling a
// folder changes its time). A destination that does not exist is created
// in place; one that exists is replaced through a temporary name and a
// rename, so that a reader never sees half a file. One syncfs per
// filesystem at the end makes it all durable, instead of an fsync per file.
func (ts targets) restore(dir string, opts RestoreOptions) error {
	if len(ts) == 0 {
		return nil // a crontab, LVM, firewall or git snapshot: said above
	}
	sort.SliceStable(ts, func(i, j int) bool { return order(ts[i].item) < order(ts[j].item) })
	var t tally
	if opts.DryRun {
		ts.list(opts.Out)
		return nil
	}
	var dirs, files, hardLinks []target
	for _, x := range ts {
		switch {
		case x.item.Kind == "dir":
			dirs = append(dirs, x)
		case x.item.Kind == "file" && x.item.LinkTo != "":
			hardLinks = append(hardLinks, x)
		case x.item.Kind == "file" || x.item.Kind == "symlink":
			files = append(files, x)
		default:
			t.skipped = append(t.skipped, x.path)
		}
	}
	for _, d := range dirs {
		made, err := makeDir(d)
		if err != nil {
			return fmt.Errorf("restoring %s: %w", d.path, err)
		}
		if made {
			t.dirs.Add(1)
		}
	}
	var copier copier
	err := parallel(files, func(x target) error { return copier.put(dir, x, &t) })
	if err == nil {
		err = parallel(hardLinks, func(x target) error { return putHardLink(x, &t) })
	}
	if err == nil {
		// Deepest first, so that setting a folder's time comes after
		// everything inside it was made.
		for i := len(dirs) - 1; i >= 0; i-- {
			setMeta(dirs[i].path, dirs[i].item)
		}
	}
	if serr := syncTargets(ts); err == nil && serr != nil {
		err = fmt.Errorf("flushing the restored files to disk: %w", serr)
	}
	if err != nil {
		return err
	}
	t.report(opts)
	return nil
}

// list prints what a restore would do, a few entries and a count.
func (ts targets) list(out io.Writer) {
	const shown = 20
	var files, dirs, links int
	var bytes int64
	for i, x := range ts {
		it := x.item
		var line string
		switch {
		case it.Kind == "dir":
			dirs++
			line = fmt.Sprintf("folder  %s", x.path)
		case it.Kind == "symlink":
			links++
			line = fmt.Sprintf("link    %s -> %s", x.path, it.Target)
		case it.Kind == "file" && it.LinkTo != "":
			links++
			line = fmt.Sprintf("hard link %s = %s", x.path, x.from)
		case it.Kind == "file":
			files++
			bytes += it.Size
			line = fmt.Sprintf("file    %s (%s)", x.path, HumanBytes(it.Size))
		default:
			line = fmt.Sprintf("skipped %s: a device, fifo or socket is not restored", x.path)
		}
		if i < shown {
			fmt.Fprintln(out, line)
		}
	}
	if len(ts) > shown {
		fmt.Fprintf(out, "… and %d more\n", len(ts)-shown)
	}
	fmt.Fprintf(out, "would restore %s (%s), %s and %s; nothing was changed\n",
		count(files, "file"), HumanBytes(bytes), count(dirs, "folder"), count(links, "link"))
}

func (t *tally) report(opts RestoreOptions) {
	where := ""
	if opts.To != "" {
		where = " under " + opts.To
	}
	fmt.Fprintf(opts.Out, "restored %s (%s), %s, %s and %s%s",
		count(int(t.files.Load()), "file"), HumanBytes(t.bytes.Load()), count(int(t.dirs.Load()), "folder"),
		count(int(t.links.Load()), "symbolic link"), count(int(t.hardLinks.Load()), "hard link"), where)
	if n := t.unchanged.Load(); n > 0 {
		fmt.Fprintf(opts.Out, "; %s still there unchanged", count(int(n), "file was", "files were"))
	}
	fmt.Fprintln(opts.Out)
	if len(t.skipped) > 0 {
		fmt.Fprintf(opts.Out, "not restored (a device, fifo or socket): %s\n", strings.Join(t.skipped, ", "))
	}
}

// count renders "1 file", "2 files"; an irregular plural is given.
func count(n int, one string, many ...string) string {
	if n == 1 {
		return "1 " + one
	}
	if len(many) > 0 {
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// order: folders by depth, then files, symbolic links, hard links.
func order(it Item) int {
	switch {
	case it.Kind == "dir":
		return strings.Count(it.Path, "/")
	case it.Kind == "file" && it.LinkTo == "":
		return 1 << 20
	case it.Kind == "symlink":
		return 2 << 20
	}
	return 3 << 20
}

// makeDir makes a folder that is not there, and says whether it did.
func makeDir(d target) (bool, error) {
	switch {
	case d.now != nil && d.now.IsDir():
		return false, nil
	case d.now != nil:
		return false, fmt.Errorf("a %s is in the way", kindOf(d.now))
	}
	err := os.Mkdir(d.path, 0o700)
	if errors.Is(err, fs.ErrNotExist) {
		err = os.MkdirAll(d.path, 0o700)
	}
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	return err == nil, err
}

func kindOf(info fs.FileInfo) string {
	switch {
	case info.IsDir():
		return "folder"
	case info.Mode()&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return "file"
}

// parallel runs put on every target with a few workers, and returns the
// first error; after one, the remaining targets are left alone.
func parallel(ts []target, put func(target) error) error {
	workers := min(8, max(4, 2*runtime.NumCPU()))
	jobs := make(chan target)
	var first error
	var mu sync.Mutex
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for x := range jobs {
				if failed.Load() {
					continue
				}
				if err := put(x); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("restoring %s: %w", x.path, err)
					}
					mu.Unlock()
					failed.Store(true)
				}
			}
		}()
	}
	for _, x := range ts {
		jobs <- x
	}
	close(jobs)
	wg.Wait()
	return first
}

// copier copies stored files out; it remembers when the filesystem has no
// reflinks, so as to stop asking.
type copier struct {
	noClone atomic.Bool
}

// put restores one file or symbolic link.
func (c *copier) put(dir string, x target, t *tally) error {
	if x.now != nil && x.now.IsDir() {
		return errors.New("a folder is in the way")
	}
	it := x.item
	if it.Kind == "symlink" {
		if err := create(x, func(p string) error { return os.Symlink(it.Target, p) }); err != nil {
			return err
		}
		setLinkMeta(x.path, it)
		t.links.Add(1)
		return nil
	}
	stored := filepath.Join(dir, it.Stored)
	if x.now != nil {
		if info, err := os.Lstat(stored); err == nil && os.SameFile(info, x.now) {
			t.unchanged.Add(1) // the hard link the snapshot holds is the file itself
			return nil
		}
	}
	err := create(x, func(p string) error { return c.copyOut(stored, p, it) })
	if err != nil {
		return err
	}
	t.files.Add(1)
	t.bytes.Add(it.Size)
	return nil
}

// create makes a destination with make: in place when nothing is there,
// else under a temporary name in the same folder renamed over it.
func create(x target, make func(path string) error) error {
	if x.now == nil {
		err := make(x.path)
		if errors.Is(err, fs.ErrNotExist) {
			if err = os.MkdirAll(filepath.Dir(x.path), 0o755); err == nil {
				err = make(x.path)
			}
		}
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		// something appeared since the plan: replace it like any other
	}
	tmp := filepath.Join(filepath.Dir(x.path), fmt.Sprintf(".guard-restore-%d-%s", os.Getpid(), filepath.Base(x.path)))
	if err := make(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, x.path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// copyOut copies a stored file to path, a new file, by reflink when the
// filesystem shares extents, else by copy_file_range (the kernel copies,
// nothing passes through guard), and applies its owner, mode, extended
// attributes and times through the open descriptor.
func (c *copier) copyOut(stored, path string, it Item) error {
	src, err := os.Open(stored)
	if err != nil {
		return err
	}
	defer src.Close()
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = c.copyData(out, src)
	if err == nil {
		if it.Method == "hardlink" && it.Xattrs == nil {
			// A hard link keeps its extended attributes on the stored inode.
			it.Xattrs = fileXattrs(src)
		}
		setFileMeta(out, it)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	return setTimes(path, it, 0)
}

func (c *copier) copyData(out, src *os.File) error {
	if !c.noClone.Load() {
		err := unix.IoctlFileClone(int(out.Fd()), int(src.Fd()))
		if err == nil {
			return nil
		}
		if cloneUnsupported(err) {
			c.noClone.Store(true)
		}
	}
	for {
		n, err := unix.CopyFileRange(int(src.Fd()), nil, int(out.Fd()), nil, 1<<30, 0)
		if err != nil {
			if errors.Is(err, unix.EXDEV) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) {
				_, err = io.Copy(out, src) // the kernel will not: copy through guard
			}
			return err
		}
		if n == 0 {
			return nil
		}
	}
}

func putHardLink(x target, t *tally) error {
	if x.now != nil && x.now.IsDir() {
		return errors.New("a folder is in the way")
	}
	if x.now != nil {
		if info, err := os.Lstat(x.from); err == nil && os.SameFile(info, x.now) {
			t.unchanged.Add(1)
			return nil
		}
	}
	if err := create(x, func(p string) error { return os.Link(x.from, p) }); err != nil {
		return err
	}
	t.hardLinks.Add(1)
	return nil
}

// setFileMeta applies owner, mode and extended attributes to an open
// file; an owner change that is not permitted (not root) is skipped, as
// cp -a does. The owner comes first: chown clears set-user-id bits.
func setFileMeta(f *os.File, it Item) {
	_ = f.Chown(it.UID, it.GID)
	_ = f.Chmod(fileMode(it))
	for _, x := range it.Xattrs {
		_ = unix.Fsetxattr(int(f.Fd()), x.Name, x.Value, 0)
	}
}

// setMeta applies owner, mode, extended attributes and times by path.
func setMeta(p string, it Item) {
	_ = os.Lchown(p, it.UID, it.GID)
	_ = os.Chmod(p, fileMode(it))
	for _, x := range it.Xattrs {
		_ = unix.Lsetxattr(p, x.Name, x.Value, 0)
	}
	_ = setTimes(p, it, 0)
}

func setLinkMeta(p string, it Item) {
	_ = os.Lchown(p, it.UID, it.GID)
	_ = setTimes(p, it, unix.AT_SYMLINK_NOFOLLOW)
}

// setTimes sets the modification time (the access time is left as it is).
func setTimes(p string, it Item, flags int) error {
	ts := []unix.Timespec{{Sec: 0, Nsec: unix.UTIME_OMIT}, unix.NsecToTimespec(it.MTime.UnixNano())}
	return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, flags)
}

func fileMode(it Item) fs.FileMode {
	m := fs.FileMode(it.Mode)
	return m.Perm() | m&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
}

// syncTargets flushes each filesystem written to, once.
func syncTargets(ts targets) error {
	seen := map[string]bool{}
	devs := map[uint64]string{}
	for _, x := range ts {
		parent := filepath.Dir(x.path)
		if seen[parent] {
			continue
		}
		seen[parent] = true
		var st syscall.Stat_t
		if err := syscall.Stat(parent, &st); err == nil {
			if _, ok := devs[uint64(st.Dev)]; !ok {
				devs[uint64(st.Dev)] = parent
			}
		}
	}
	for _, p := range devs {
		if err := syncFS(p); err != nil {
			return err
		}
	}
	return nil
}
