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
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// RestoreOptions say where and how to restore.
type RestoreOptions struct {
	// To restores files under this folder instead of where they were.
	To string
	// DryRun prints what would be done and changes nothing.
	DryRun bool
	// Force overwrites files changed since the snapshot.
	Force bool
	// Out receives one line per action.
	Out io.Writer
}

// ErrNewer is returned when restoring would overwrite files changed since
// the snapshot was taken.
var ErrNewer = errors.New("files changed since the snapshot")

// Restore puts snapshot id back. Files are checked first: if any would
// overwrite something newer, nothing is changed. A crontab is installed
// with crontab FILE; LVM metadata and firewall rules are only printed as
// the commands to run, since restoring them blind can do more harm.
func (s *Store) Restore(id string, opts RestoreOptions) error {
	m, err := s.Load(id)
	if err != nil {
		return err
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	dir := filepath.Join(s.Dir, id)
	dest := func(p string) string {
		if opts.To != "" {
			return filepath.Join(opts.To, p)
		}
		return p
	}
	var conflicts []string
	for _, it := range m.Items {
		if it.Kind != "file" && it.Kind != "symlink" {
			continue
		}
		if info, err := os.Lstat(dest(it.Path)); err == nil && info.ModTime().After(it.MTime) && !info.IsDir() {
			conflicts = append(conflicts, dest(it.Path))
		}
	}
	if len(conflicts) > 0 && !opts.Force {
		shown := conflicts
		if len(shown) > 5 {
			shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(conflicts)-5))
		}
		return fmt.Errorf("%w: %s; nothing was restored (use --force to overwrite them, or --to DIR to restore elsewhere)", ErrNewer, strings.Join(shown, ", "))
	}
	var files []Item
	for _, it := range m.Items {
		switch it.Kind {
		case "file", "dir", "symlink", "special":
			files = append(files, it)
		case "crontab":
			if err := s.restoreCrontab(dir, it, opts); err != nil {
				return err
			}
		case "lvm":
			fmt.Fprintf(opts.Out, "to restore the LVM metadata of %s, check it, then run:\n  vgcfgrestore -f %s %s\n", it.VG, filepath.Join(dir, it.Stored), it.VG)
		case "firewall":
			for _, x := range it.Extra {
				restore := map[string]string{"iptables-save": "iptables-restore <", "ip6tables-save": "ip6tables-restore <", "nft": "nft flush ruleset && nft -f"}[x.Name]
				fmt.Fprintf(opts.Out, "to restore the %s rules (from a console, not over SSH):\n  %s %s\n", strings.TrimSuffix(x.Name, "-save"), restore, filepath.Join(dir, x.Stored))
			}
		case "git":
			if err := s.restoreGit(it, opts); err != nil {
				return err
			}
		}
	}
	return restoreFiles(dir, files, dest, opts)
}

func (s *Store) restoreCrontab(dir string, it Item, opts RestoreOptions) error {
	file := filepath.Join(dir, it.Stored)
	args := []string{file}
	if it.User != "" && it.User != currentUser() {
		args = []string{"-u", it.User, file}
	}
	fmt.Fprintf(opts.Out, "crontab %s\n", strings.Join(args, " "))
	if opts.DryRun {
		return nil
	}
	if _, err := s.runner().Run("", nil, "crontab", args...); err != nil {
		return fmt.Errorf("restoring the crontab: %w", err)
	}
	return nil
}

func (s *Store) restoreGit(it Item, opts RestoreOptions) error {
	if it.Commit != "" {
		fmt.Fprintf(opts.Out, "git -C %s stash apply %s\n", it.Path, it.Commit)
		if !opts.DryRun {
			if _, err := s.runner().Run(it.Path, nil, "git", "stash", "apply", it.Commit); err != nil {
				return fmt.Errorf("restoring the work tree changes (commit %s is kept under refs/guard/): %w", it.Commit, err)
			}
		}
	}
	present, _ := s.runner().Run(it.Path, nil, "git", "stash", "list", "--format=%H")
	for i := len(it.Stash) - 1; i >= 0; i-- {
		sha := it.Stash[i]
		if strings.Contains(string(present), sha) {
			continue
		}
		fmt.Fprintf(opts.Out, "git -C %s stash store %s\n", it.Path, sha)
		if !opts.DryRun {
			if _, err := s.runner().Run(it.Path, nil, "git", "stash", "store", "-m", "restored by guard", sha); err != nil {
				return fmt.Errorf("restoring stash entry %s: %w", sha, err)
			}
		}
	}
	return nil
}

// restoreFiles recreates folders, then files, links and hard links, then
// sets owners, modes, extended attributes and times (folders last, since
// filling them changes their times).
func restoreFiles(dir string, items []Item, dest func(string) string, opts RestoreOptions) error {
	sort.SliceStable(items, func(i, j int) bool { return order(items[i]) < order(items[j]) })
	for _, it := range items {
		target := dest(it.Path)
		var err error
		switch {
		case it.Kind == "dir":
			fmt.Fprintf(opts.Out, "folder  %s\n", target)
			if !opts.DryRun {
				err = os.MkdirAll(target, 0o700)
			}
		case it.Kind == "symlink":
			fmt.Fprintf(opts.Out, "link    %s -> %s\n", target, it.Target)
			if !opts.DryRun {
				err = replace(target, func(tmp string) error { return os.Symlink(it.Target, tmp) })
			}
		case it.Kind == "file" && it.LinkTo != "":
			fmt.Fprintf(opts.Out, "hard link %s = %s\n", target, dest(it.LinkTo))
			if !opts.DryRun {
				err = replace(target, func(tmp string) error { return os.Link(dest(it.LinkTo), tmp) })
			}
		case it.Kind == "file":
			fmt.Fprintf(opts.Out, "file    %s (%s)\n", target, HumanBytes(it.Size))
			if !opts.DryRun {
				err = replace(target, func(tmp string) error { return copyFile(filepath.Join(dir, it.Stored), tmp) })
			}
		default:
			fmt.Fprintf(opts.Out, "skipped %s: a device, fifo or socket is not restored\n", target)
			continue
		}
		if err != nil {
			return fmt.Errorf("restoring %s: %w", target, err)
		}
		if !opts.DryRun && it.Kind != "dir" {
			setMeta(target, it)
		}
	}
	if opts.DryRun {
		return nil
	}
	for i := len(items) - 1; i >= 0; i-- {
		if items[i].Kind == "dir" {
			setMeta(dest(items[i].Path), items[i])
		}
	}
	return nil
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

// replace makes the new entry under a temporary name in the same folder,
// then renames it over the target: a reader never sees half a file.
func replace(target string, create func(tmp string) error) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(target), fmt.Sprintf(".guard-restore-%d-%s", os.Getpid(), filepath.Base(target)))
	os.Remove(tmp)
	if err := create(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if info, err := os.Lstat(target); err == nil && info.IsDir() {
		os.Remove(tmp)
		return fmt.Errorf("a folder is in the way")
	}
	return os.Rename(tmp, target)
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := unix.IoctlFileClone(int(out.Fd()), int(src.Fd())); err != nil {
		if _, err := io.Copy(out, src); err != nil {
			out.Close()
			return err
		}
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// setMeta applies owner, mode, extended attributes and times; an owner
// change that is not permitted (not root) is skipped, as cp -a does.
func setMeta(p string, it Item) {
	_ = os.Lchown(p, it.UID, it.GID)
	if it.Kind == "symlink" {
		ts := []unix.Timespec{unix.NsecToTimespec(it.MTime.UnixNano()), unix.NsecToTimespec(it.MTime.UnixNano())}
		_ = unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
		return
	}
	_ = os.Chmod(p, fs.FileMode(it.Mode).Perm()|fs.FileMode(it.Mode)&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
	for _, x := range it.Xattrs {
		_ = unix.Lsetxattr(p, x.Name, x.Value, 0)
	}
	_ = os.Chtimes(p, time.Time{}, it.MTime)
}

// Problem is one thing verify found wrong.
type Problem struct {
	Path string
	What string
}

// Verify re-reads every stored file and checks its sha256 against the
// manifest.
func (s *Store) Verify(id string) ([]Problem, error) {
	m, err := s.Load(id)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.Dir, id)
	var problems []Problem
	check := func(path, stored, want string) {
		got, err := hashFile(filepath.Join(dir, stored))
		switch {
		case err != nil:
			problems = append(problems, Problem{path, "stored copy unreadable: " + err.Error()})
		case got != want:
			problems = append(problems, Problem{path, fmt.Sprintf("sha256 is %s, the manifest says %s", got[:12], want[:12])})
		}
	}
	for _, it := range m.Items {
		if it.Stored != "" && it.SHA256 != "" {
			name := it.Path
			if name == "" {
				name = it.Kind
			}
			check(name, it.Stored, it.SHA256)
		}
		for _, x := range it.Extra {
			check(x.Name, x.Stored, x.SHA256)
		}
	}
	return problems, nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
