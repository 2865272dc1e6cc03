package snapshot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// Request is what to snapshot and the context to record.
type Request struct {
	Line    string
	Cwd     string
	Host    string
	Rules   []string
	Backups []guard.Backup
}

// ErrUnknown is returned when what a command would destroy cannot be known
// before it runs, so no snapshot can hold it.
var ErrUnknown = errors.New("cannot tell what to save")

// ErrNothingToSave is returned when every backup asked for is of a disk,
// which no snapshot can hold: there is nothing to take, and nothing is left
// behind. The caller goes on without a snapshot and says it cannot be undone.
var ErrNothingToSave = errors.New("nothing that can be saved: a disk cannot be snapshotted")

// Take saves everything the backups name into a new snapshot and returns
// its manifest. On any error nothing is left that looks like a snapshot.
func (s *Store) Take(req Request) (m *Manifest, err error) {
	var backups []guard.Backup
	for _, b := range req.Backups {
		if b.Unknown != "" {
			return nil, fmt.Errorf("%w: %s", ErrUnknown, b.Unknown)
		}
		if b.Kind != guard.BackupDisk { // a disk cannot be saved; its finding says so
			backups = append(backups, b)
		}
	}
	if len(backups) == 0 && len(req.Backups) > 0 {
		return nil, ErrNothingToSave
	}
	req.Backups = backups
	id, tmp, err := s.begin()
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
			if isNoSpace(err) {
				err = fmt.Errorf("the disk holding %s is full: %w", s.Dir, err)
			}
		}
	}()
	m = &Manifest{ID: id, Time: s.now(), User: CurrentUser(), Host: req.Host, Cwd: req.Cwd, Line: req.Line, Rules: req.Rules}
	budget := s.EffectiveBudget()
	for _, b := range req.Backups {
		items, size, err := s.takeOne(tmp, id, b, budget-m.Size)
		if err != nil {
			return nil, err
		}
		m.Items = append(m.Items, items...)
		m.Size += size
	}
	if err := s.commit(tmp, m); err != nil {
		return nil, err
	}
	return m, nil
}

// CurrentUser is the name snapshots record as their user: the login name,
// or the numeric uid when it has none.
func CurrentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return strconv.Itoa(os.Getuid())
}

func (s *Store) takeOne(tmp, id string, b guard.Backup, budget int64) ([]Item, int64, error) {
	switch b.Kind {
	case guard.BackupFiles:
		return s.takeFiles(tmp, b.Paths, b.Overwrite, budget)
	case guard.BackupCrontab:
		return s.takeCrontab(tmp, b.User)
	case guard.BackupLVM:
		return s.takeLVM(tmp, b.VG)
	case guard.BackupFirewall:
		return s.takeFirewall(tmp)
	case guard.BackupGit:
		return s.takeGit(tmp, id, b.Dir, budget)
	}
	return nil, 0, fmt.Errorf("unknown backup kind %q", b.Kind)
}

func (s *Store) takeFiles(tmp string, paths []string, overwrite bool, budget int64) ([]Item, int64, error) {
	saver, err := newFileSaver(tmp, budget, overwrite)
	if err != nil {
		return nil, 0, err
	}
	for _, p := range paths {
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			continue // nothing there, nothing to lose
		}
		entries, need, err := saver.scan(p)
		if err != nil {
			return nil, 0, fmt.Errorf("measuring %s: %w", p, err)
		}
		if saver.written+need > budget {
			return nil, 0, fmt.Errorf("%w: %s holds %d entries, %s to copy, and the budget is %s", ErrBudget, p, len(entries), HumanBytes(need), HumanBytes(budget))
		}
		if err := saver.save(entries); err != nil {
			return nil, 0, err
		}
	}
	return saver.items, saver.written, nil
}

func (s *Store) takeCrontab(tmp, user string) ([]Item, int64, error) {
	args := []string{"-l"}
	if user != "" && user != CurrentUser() {
		args = []string{"-u", user, "-l"}
	}
	out, err := s.runner().Run("", nil, "crontab", args...)
	if err != nil && !strings.Contains(err.Error(), "no crontab for") {
		return nil, 0, fmt.Errorf("saving the crontab: %w", err)
	}
	return storeBlob(tmp, "crontab.txt", out, Item{Kind: "crontab", User: user})
}

func (s *Store) takeLVM(tmp, vg string) ([]Item, int64, error) {
	if vg == "" {
		return nil, 0, fmt.Errorf("%w: no volume group named", ErrUnknown)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "lvm"), 0o700); err != nil {
		return nil, 0, err
	}
	rel := filepath.Join("lvm", vg+".vg")
	if _, err := s.runner().Run("", nil, "vgcfgbackup", "-f", filepath.Join(tmp, rel), vg); err != nil {
		return nil, 0, fmt.Errorf("saving the LVM metadata of %s: %w", vg, err)
	}
	sum, err := hashFile(filepath.Join(tmp, rel))
	if err != nil {
		return nil, 0, err
	}
	info, _ := os.Stat(filepath.Join(tmp, rel))
	return []Item{{Kind: "lvm", VG: vg, Stored: rel, SHA256: sum, Size: info.Size()}}, info.Size(), nil
}

// takeFirewall saves what iptables-save, ip6tables-save and nft print;
// each that is missing is skipped, but at least one must work.
func (s *Store) takeFirewall(tmp string) ([]Item, int64, error) {
	item := Item{Kind: "firewall"}
	var size int64
	var errs []string
	for _, dump := range []struct {
		name, prog string
		args       []string
	}{
		{"iptables.rules", "iptables-save", nil},
		{"ip6tables.rules", "ip6tables-save", nil},
		{"nft.rules", "nft", []string{"list", "ruleset"}},
	} {
		out, err := s.runner().Run("", nil, dump.prog, dump.args...)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		rel := filepath.Join("firewall", dump.name)
		if err := os.MkdirAll(filepath.Join(tmp, "firewall"), 0o700); err != nil {
			return nil, 0, err
		}
		if err := writeFileSync(filepath.Join(tmp, rel), out); err != nil {
			return nil, 0, err
		}
		item.Extra = append(item.Extra, ExtraFile{Name: dump.prog, Stored: rel, SHA256: sha256Hex(out)})
		size += int64(len(out))
	}
	if len(item.Extra) == 0 {
		return nil, 0, fmt.Errorf("saving the firewall rules: %s", strings.Join(errs, "; "))
	}
	return []Item{item}, size, nil
}

func storeBlob(tmp, rel string, data []byte, item Item) ([]Item, int64, error) {
	if err := writeFileSync(filepath.Join(tmp, rel), data); err != nil {
		return nil, 0, err
	}
	item.Stored, item.SHA256, item.Size = rel, sha256Hex(data), int64(len(data))
	return []Item{item}, item.Size, nil
}
