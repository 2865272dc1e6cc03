package snapshot

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Store is a folder of snapshots.
type Store struct {
	Dir string
	// Budget caps the bytes one snapshot may write (hard links are free).
	// Zero means DefaultBudget(Dir).
	Budget int64
	// Runner runs crontab, vgcfgbackup, iptables-save and git.
	Runner Runner
	// Now gives the time; nil means time.Now.
	Now func() time.Time
}

// ErrBudget is returned when a snapshot would write more than its budget.
var ErrBudget = errors.New("snapshot budget exceeded")

// DefaultDir is the store folder: $GUARD_SNAPSHOTS, /var/lib/guard/snapshots
// for root, else $XDG_STATE_HOME/guard/snapshots (~/.local/state/…).
func DefaultDir(getenv func(string) string) string {
	if d := getenv("GUARD_SNAPSHOTS"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return "/var/lib/guard/snapshots"
	}
	state := getenv("XDG_STATE_HOME")
	if state == "" {
		state = filepath.Join(getenv("HOME"), ".local", "state")
	}
	return filepath.Join(state, "guard", "snapshots")
}

// DefaultBudget is 4 GiB or a quarter of the free space where the store
// is, whichever is smaller.
func DefaultBudget(dir string) int64 {
	const ceiling = 4 << 30
	var st unix.Statfs_t
	for d := dir; ; d = filepath.Dir(d) {
		if err := unix.Statfs(d, &st); err == nil {
			free := int64(st.Bavail) * int64(st.Bsize)
			return min(ceiling, free/4)
		}
		if d == "/" || d == "." {
			return ceiling
		}
	}
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// EffectiveBudget is the most one snapshot may write: Budget, or
// DefaultBudget(Dir) when it is zero.
func (s *Store) EffectiveBudget() int64 {
	if s.Budget > 0 {
		return s.Budget
	}
	return DefaultBudget(s.Dir)
}

func (s *Store) runner() Runner {
	if s.Runner != nil {
		return s.Runner
	}
	return ExecRunner{}
}

// begin creates the temporary folder of a new snapshot with a unique id.
func (s *Store) begin() (id, tmp string, err error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return "", "", fmt.Errorf("creating the snapshot store %s: %w", s.Dir, err)
	}
	for range 10 {
		var random [4]byte
		if _, err := rand.Read(random[:]); err != nil {
			return "", "", err
		}
		id = s.now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(random[:])
		tmp = filepath.Join(s.Dir, ".tmp-"+id)
		if err = os.Mkdir(tmp, 0o700); err == nil {
			return id, tmp, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", "", fmt.Errorf("creating a snapshot in %s: %w", s.Dir, err)
		}
	}
	return "", "", fmt.Errorf("could not find a free snapshot id in %s", s.Dir)
}

// commit writes the manifest and renames the snapshot into place: only
// then does it exist for List, Show and Restore.
func (s *Store) commit(tmp string, m *Manifest) error {
	if err := flush(tmp, m); err != nil {
		return fmt.Errorf("flushing the snapshot to disk: %w", err)
	}
	m.Complete = true
	// Compact: indenting costs five times the encoding itself on a
	// manifest of 100,000 files; guard snapshot show --json indents.
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := writeFileSync(filepath.Join(tmp, "manifest.json"), data); err != nil {
		return fmt.Errorf("writing the manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.Dir, m.ID)); err != nil {
		return fmt.Errorf("completing snapshot %s: %w", m.ID, err)
	}
	if d, err := os.Open(s.Dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// flush makes what the manifest vouches for durable before the manifest
// exists. Copied or cloned bytes take one syncfs for them all (cheaper
// than an fsync per file). A snapshot of hard links wrote no data, only
// names in its folders: an fsync of those folders commits them, and does
// not wait for every other dirty page on the filesystem as syncfs would.
func flush(tmp string, m *Manifest) error {
	for _, it := range m.Items {
		if it.Method == "copy" || it.Method == "reflink" {
			return syncFS(tmp)
		}
	}
	for _, dir := range []string{filepath.Join(tmp, "files"), tmp} {
		if err := fsyncDir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// syncFS flushes the whole filesystem holding path.
func syncFS(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}

func fsyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Load reads the manifest of snapshot id.
func (s *Store) Load(id string) (*Manifest, error) {
	if id == "" || strings.ContainsAny(id, "/\\") || strings.HasPrefix(id, ".") {
		return nil, fmt.Errorf("%q is not a snapshot id", id)
	}
	data, err := os.ReadFile(filepath.Join(s.Dir, id, "manifest.json"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no snapshot %s in %s", id, s.Dir)
		}
		return nil, fmt.Errorf("reading snapshot %s: %w", id, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("snapshot %s: the manifest is corrupt: %w", id, err)
	}
	if !m.Complete || m.ID != id {
		return nil, fmt.Errorf("snapshot %s is incomplete or its manifest is damaged", id)
	}
	return &m, nil
}

// List returns the complete snapshots, newest first. Unreadable ones are
// reported in errs, not hidden.
func (s *Store) List() (list []*Manifest, errs []error) {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, []error{fmt.Errorf("reading the snapshot store %s: %w", s.Dir, err)}
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		m, err := s.Load(e.Name())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].Time.Equal(list[j].Time) {
			return list[i].Time.After(list[j].Time)
		}
		return list[i].ID > list[j].ID
	})
	return list, errs
}

// ErrNoSnapshot is returned by Newest when there is none to restore.
var ErrNoSnapshot = errors.New("no snapshot")

// Newest returns the most recent complete snapshot taken by user ("" for
// anyone). Snapshot ids begin with the time they were taken, so only the
// newest manifests are read, not the whole store.
func (s *Store) Newest(user string) (*Manifest, error) {
	entries, err := os.ReadDir(s.Dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the snapshot store %s: %w", s.Dir, err)
	}
	var best *Manifest
	for i := len(entries) - 1; i >= 0; i-- {
		name := entries[i].Name()
		if !entries[i].IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		if best != nil && !sameSecond(name, best.ID) {
			break // older than the newest found: ids sort by time
		}
		m, err := s.Load(name)
		if err != nil || (user != "" && m.User != user) {
			continue
		}
		if best == nil || m.Time.After(best.Time) || (m.Time.Equal(best.Time) && m.ID > best.ID) {
			best = m
		}
	}
	if best == nil {
		who := ""
		if user != "" {
			who = " taken by " + user
		}
		return nil, fmt.Errorf("%w%s in %s", ErrNoSnapshot, who, s.Dir)
	}
	return best, nil
}

// sameSecond: two ids taken in the same second (YYYYMMDD-HHMMSS-…).
func sameSecond(a, b string) bool {
	const prefix = len("20060102-150405")
	return len(a) >= prefix && len(b) >= prefix && a[:prefix] == b[:prefix]
}

// Remove deletes snapshot id, with the refs it keeps under refs/guard/ in
// a git work tree. The gate calls it for a snapshot taken before a prompt
// that was then declined: a command that did not run leaves nothing
// behind.
func (s *Store) Remove(id string) error {
	m, err := s.Load(id)
	if err != nil {
		// a damaged snapshot may still be removed by its folder name
		if id == "" || strings.ContainsAny(id, "/\\") || strings.HasPrefix(id, ".") {
			return err
		}
	}
	if m != nil {
		s.dropGitRefs(m)
	}
	return os.RemoveAll(filepath.Join(s.Dir, id))
}

// Retention says which snapshots prune keeps.
type Retention struct {
	Keep   int           // the newest Keep snapshots (0: no count limit)
	MaxAge time.Duration // and none older than this (0: no age limit)
}

// DefaultRetention keeps the newest 50 snapshots, none older than 30 days.
var DefaultRetention = Retention{Keep: 50, MaxAge: 30 * 24 * time.Hour}

// Prune removes snapshots past the retention and leftovers of interrupted
// snapshots older than an hour. It returns the ids removed.
func (s *Store) Prune(r Retention) ([]string, error) {
	list, _ := s.List()
	var removed []string
	now := s.now()
	for i, m := range list {
		if (r.Keep > 0 && i >= r.Keep) || (r.MaxAge > 0 && now.Sub(m.Time) > r.MaxAge) {
			if err := s.Remove(m.ID); err != nil {
				return removed, err
			}
			removed = append(removed, m.ID)
		}
	}
	entries, _ := os.ReadDir(s.Dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".tmp-") {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > time.Hour {
			if err := os.RemoveAll(filepath.Join(s.Dir, e.Name())); err != nil {
				return removed, err
			}
			removed = append(removed, e.Name())
		}
	}
	return removed, nil
}
