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
	"runtime"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// fileSaver copies a tree into a snapshot folder as cheaply as the
// filesystem allows: hard links for pure deletions on the same filesystem
// (no bytes written), reflinks where supported, plain copies otherwise.
type fileSaver struct {
	dir       string // the snapshot folder being written
	storeDev  uint64
	overwrite bool // the command writes in place: hard links would share its writes
	budget    int64
	written   int64
	count     int
	inodes    map[[2]uint64]string // first path seen of each inode with several links
	items     []Item
	toHash    []int // items stored by link or reflink, hashed after the walk
}

func newFileSaver(dir string, budget int64, overwrite bool) (*fileSaver, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return nil, err
	}
	return &fileSaver{dir: dir, storeDev: uint64(st.Dev), overwrite: overwrite, budget: budget, inodes: map[[2]uint64]string{}}, nil
}

// estimate returns the bytes saving root would write: files that cannot
// be hard-linked.
func (fs_ *fileSaver) estimate(root string) (int64, int, error) {
	var bytes int64
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		files++
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		if fs_.overwrite || uint64(st.Dev) != fs_.storeDev {
			bytes += info.Size()
		}
		return nil
	})
	return bytes, files, err
}

// save walks root without following symbolic links and saves every entry.
func (fs_ *fileSaver) save(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		info, err := os.Lstat(p)
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		st := info.Sys().(*syscall.Stat_t)
		item := Item{
			Path:  p,
			Mode:  uint32(info.Mode()),
			UID:   int(st.Uid),
			GID:   int(st.Gid),
			MTime: info.ModTime(),
			Size:  info.Size(),
		}
		item.Xattrs = readXattrs(p)
		switch {
		case info.IsDir():
			item.Kind = "dir"
		case info.Mode()&fs.ModeSymlink != 0:
			item.Kind = "symlink"
			if item.Target, err = os.Readlink(p); err != nil {
				return fmt.Errorf("reading link %s: %w", p, err)
			}
		case info.Mode().IsRegular():
			item.Kind = "file"
			key := [2]uint64{uint64(st.Dev), st.Ino}
			if first, ok := fs_.inodes[key]; ok && st.Nlink > 1 {
				item.LinkTo = first
				break
			}
			if st.Nlink > 1 {
				fs_.inodes[key] = p
			}
			if err := fs_.storeFile(p, uint64(st.Dev), &item); err != nil {
				return err
			}
		default:
			item.Kind = "special" // devices, fifos, sockets: recorded, not restored
		}
		fs_.items = append(fs_.items, item)
		return nil
	})
}

func (fs_ *fileSaver) storeFile(p string, dev uint64, item *Item) error {
	fs_.count++
	rel := filepath.Join("files", strconv.Itoa(fs_.count))
	dst := filepath.Join(fs_.dir, rel)
	if fs_.count == 1 {
		if err := os.MkdirAll(filepath.Join(fs_.dir, "files"), 0o700); err != nil {
			return err
		}
	}
	item.Stored = rel
	if !fs_.overwrite && dev == fs_.storeDev {
		if err := os.Link(p, dst); err == nil {
			item.Method = "hardlink"
			fs_.toHash = append(fs_.toHash, len(fs_.items))
			return nil
		}
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
	if err := unix.IoctlFileClone(int(out.Fd()), int(src.Fd())); err == nil {
		item.Method = "reflink"
		fs_.toHash = append(fs_.toHash, len(fs_.items))
		return out.Close()
	}
	if fs_.written+item.Size > fs_.budget {
		out.Close()
		return fmt.Errorf("%w: copying %s would go past %s", ErrBudget, p, HumanBytes(fs_.budget))
	}
	h := sha256.New()
	n, err := io.Copy(out, io.TeeReader(src, h))
	fs_.written += n
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

// hashLinked computes the sha256 of the files stored by link or reflink,
// on every core: reading is what such a snapshot costs.
func (fs_ *fileSaver) hashLinked() error {
	jobs := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				sum, err := hashFile(filepath.Join(fs_.dir, fs_.items[i].Stored))
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				fs_.items[i].SHA256 = sum
			}
		}()
	}
	for _, i := range fs_.toHash {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	fs_.toHash = nil
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func readXattrs(p string) []Xattr {
	size, err := unix.Llistxattr(p, nil)
	if err != nil || size <= 0 {
		return nil
	}
	buf := make([]byte, size)
	size, err = unix.Llistxattr(p, buf)
	if err != nil {
		return nil
	}
	var out []Xattr
	for _, name := range splitNul(buf[:size]) {
		vsize, err := unix.Lgetxattr(p, name, nil)
		if err != nil || vsize < 0 {
			continue
		}
		value := make([]byte, vsize)
		if vsize, err = unix.Lgetxattr(p, name, value); err == nil {
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

// HumanBytes renders a size for messages: 1.5 GiB.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

var errNoSpace = syscall.ENOSPC

// isNoSpace tells a full disk, to say so plainly.
func isNoSpace(err error) bool { return errors.Is(err, errNoSpace) }
