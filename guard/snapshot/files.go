package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/guard-sh/guard/guard"
)

// fileSaver saves trees into a snapshot folder as cheaply as the
// filesystem allows: hard links for pure deletions on the same filesystem
// (no bytes written, nothing read), reflinks where supported, plain copies
// otherwise. Only copies are hashed at take time, while their bytes pass
// through anyway; a hard link or a reflink is the only remaining reference
// to the old data, so it is hashed the first time it is verified.
type fileSaver struct {
	dir       string // the snapshot folder being written
	storeDev  uint64
	overwrite bool // the command writes in place: hard links would share its writes
	budget    int64
	written   int64
	count     int
	inodes    map[[2]uint64]string // first path seen of each inode with several links
	items     []Item
	noClone   bool // the store's filesystem refused a reflink once: do not ask again
}

func newFileSaver(dir string, budget int64, overwrite bool) (*fileSaver, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return nil, err
	}
	return &fileSaver{dir: dir, storeDev: uint64(st.Dev), overwrite: overwrite, budget: budget, inodes: map[[2]uint64]string{}}, nil
}

// scanned is one entry of a tree, read but not yet saved.
type scanned struct {
	item  Item
	dev   uint64
	ino   uint64
	nlink uint64
}

// scan walks root without following symbolic links and describes every
// entry, saving nothing. It returns the bytes saving them would write:
// the files that cannot be hard-linked.
func (saver *fileSaver) scan(root string) ([]scanned, int64, error) {
	var entries []scanned
	var need int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		st := info.Sys().(*syscall.Stat_t)
		e := scanned{dev: uint64(st.Dev), ino: st.Ino, nlink: uint64(st.Nlink), item: Item{
			Path:  p,
			Mode:  uint32(info.Mode()),
			UID:   int(st.Uid),
			GID:   int(st.Gid),
			MTime: info.ModTime(),
			Size:  info.Size(),
		}}
		switch {
		case info.IsDir():
			e.item.Kind = "dir"
		case info.Mode()&fs.ModeSymlink != 0:
			e.item.Kind = "symlink"
			if e.item.Target, err = os.Readlink(p); err != nil {
				return fmt.Errorf("reading link %s: %w", p, err)
			}
		case info.Mode().IsRegular():
			e.item.Kind = "file"
			if !saver.linkable(e) {
				need += info.Size()
			}
		default:
			e.item.Kind = "special" // devices, fifos, sockets: recorded, not restored
		}
		if e.item.Kind != "file" || !saver.linkable(e) {
			// A hard link keeps the extended attributes with the inode;
			// anything else records them.
			e.item.Xattrs = readXattrs(p)
		}
		entries = append(entries, e)
		return nil
	})
	return entries, need, err
}

// save stores the scanned entries of one tree: hard links first, on a
// few workers (each link is a metadata write the kernel can do for
// several at once), then what must be cloned or copied, in order, so that
// the budget is counted as the bytes are written.
func (saver *fileSaver) save(entries []scanned) error {
	var toLink [linkWorkers][]int
	var toCopy []int
	for _, e := range entries {
		item := e.item
		if item.Kind == "file" {
			key := [2]uint64{e.dev, e.ino}
			if first, ok := saver.inodes[key]; ok && e.nlink > 1 {
				item.LinkTo = first
			} else {
				if e.nlink > 1 {
					saver.inodes[key] = item.Path
				}
				// Small folders, each filled by one worker: links into
				// one folder wait for each other on its lock, and a
				// large folder makes each one slower.
				shard := saver.count / filesPerFolder
				if saver.count%filesPerFolder == 0 {
					if err := os.MkdirAll(filepath.Join(saver.dir, "files", strconv.Itoa(shard)), 0o700); err != nil {
						return err
					}
				}
				saver.count++
				w := shard % linkWorkers
				item.Stored = filepath.Join("files", strconv.Itoa(shard), strconv.Itoa(saver.count))
				if saver.linkable(e) {
					toLink[w] = append(toLink[w], len(saver.items))
				} else {
					toCopy = append(toCopy, len(saver.items))
				}
			}
		}
		saver.items = append(saver.items, item)
	}
	// A link refused (another owner's file under protected_hardlinks, too
	// many links) is copied instead.
	toCopy = append(saver.linkAll(toLink), toCopy...)
	slices.Sort(toCopy)
	for _, i := range toCopy {
		if err := saver.copyFile(&saver.items[i]); err != nil {
			return err
		}
	}
	return nil
}

// linkWorkers is how many links are made at once, each worker into its
// own folders of the snapshot, of filesPerFolder files each.
const (
	linkWorkers    = 4
	filesPerFolder = 256
)

// linkAll hard-links the items into the snapshot, each worker into its
// own folder, and returns those that could not be linked.
func (saver *fileSaver) linkAll(shards [linkWorkers][]int) []int {
	var failed [linkWorkers][]int
	var wg sync.WaitGroup
	for w, indexes := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range indexes {
				it := &saver.items[i]
				if err := os.Link(it.Path, filepath.Join(saver.dir, it.Stored)); err != nil {
					failed[w] = append(failed[w], i)
					continue
				}
				it.Method = "hardlink"
			}
		}()
	}
	wg.Wait()
	return slices.Concat(failed[:]...)
}

// copyFile saves one file by reflink, else by copy, hashing the bytes as
// they pass.
func (saver *fileSaver) copyFile(item *Item) error {
	p := item.Path
	dst := filepath.Join(saver.dir, item.Stored)
	if item.Xattrs == nil {
		item.Xattrs = readXattrs(p) // not read by scan: a link was expected
	}
	src, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("saving %s: %w", p, err)
	}
	defer src.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("saving %s: %w", p, err)
	}
	if !saver.noClone {
		err := unix.IoctlFileClone(int(out.Fd()), int(src.Fd()))
		if err == nil {
			item.Method = "reflink"
			return out.Close()
		}
		saver.noClone = cloneUnsupported(err)
	}
	if saver.written+item.Size > saver.budget {
		out.Close()
		return fmt.Errorf("%w: copying %s would go past %s", ErrBudget, p, HumanBytes(saver.budget))
	}
	h := sha256.New()
	n, err := io.CopyBuffer(out, io.TeeReader(src, h), make([]byte, 256<<10))
	saver.written += n
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("saving %s: %w", p, err)
	}
	item.Method = "copy"
	item.SHA256 = hex.EncodeToString(h.Sum(nil))
	return nil
}

// linkable tells a file that can be saved by a hard link: a deletion on
// the store's filesystem.
func (saver *fileSaver) linkable(e scanned) bool {
	return !saver.overwrite && e.dev == saver.storeDev
}

// cloneUnsupported tells a filesystem without reflinks (ext4: EOPNOTSUPP)
// or a pair of files on two filesystems (EXDEV) from a passing failure.
func cloneUnsupported(err error) bool {
	return errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EXDEV) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS)
}

// hashFile returns the sha256 of a file.
func hashFile(p string) (string, error) {
	return hashFileWith(p, make([]byte, 64<<10))
}

// hashFileWith returns the sha256 of a file, reading through buf (one per
// worker, so that hashing many small files allocates nothing). It reads
// the descriptor directly: an *os.File costs an fstat to open and,
// through io.Copy, a fresh buffer per file.
func hashFileWith(p string, buf []byte) (string, error) {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return "", &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	h := sha256.New()
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", p, err)
		}
		if n == 0 {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		h.Write(buf[:n])
	}
}

// readXattrs reads the extended attributes of the path itself, a symbolic
// link's own included.
func readXattrs(p string) []Xattr {
	return xattrs(
		func(buf []byte) (int, error) { return unix.Llistxattr(p, buf) },
		func(name string, buf []byte) (int, error) { return unix.Lgetxattr(p, name, buf) })
}

// fileXattrs reads the extended attributes of an open file.
func fileXattrs(f *os.File) []Xattr {
	fd := int(f.Fd())
	return xattrs(
		func(buf []byte) (int, error) { return unix.Flistxattr(fd, buf) },
		func(name string, buf []byte) (int, error) { return unix.Fgetxattr(fd, name, buf) })
}

// xattrs lists the attribute names and reads each value, asking each call
// first for the size (a nil buffer); an attribute that cannot be read is
// left out, as in the rest of the snapshot's metadata.
func xattrs(list func(buf []byte) (int, error), get func(name string, buf []byte) (int, error)) []Xattr {
	size, err := list(nil)
	if err != nil || size <= 0 {
		return nil
	}
	buf := make([]byte, size)
	if size, err = list(buf); err != nil {
		return nil
	}
	var out []Xattr
	for _, name := range splitNul(buf[:size]) {
		vsize, err := get(name, nil)
		if err != nil || vsize < 0 {
			continue
		}
		value := make([]byte, vsize)
		if vsize, err = get(name, value); err == nil {
			out = append(out, Xattr{Name: name, Value: value[:vsize]})
		}
	}
	return out
}

func splitNul(b []byte) []string {
	var names []string
	start := 0
	for i, c := range b {
		if c == 0 {
			if i > start {
				names = append(names, string(b[start:i]))
			}
			start = i + 1
		}
	}
	return names
}

// HumanBytes renders a size for messages: 1.5 GiB (guard.HumanBytes).
func HumanBytes(n int64) string { return guard.HumanBytes(n) }

var errNoSpace = syscall.ENOSPC

// isNoSpace tells a full disk, to say so plainly.
func isNoSpace(err error) bool { return errors.Is(err, errNoSpace) }
