package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// RestoreOptions say where and how to restore.
type RestoreOptions struct {
	// To restores files under this folder instead of where they were.
	To string
	// DryRun prints what would be done and changes nothing.
	DryRun bool
	// Force overwrites files changed since the snapshot.
	Force bool
	// Out receives a summary of what was restored, the commands to run
	// for what guard does not restore itself, and with DryRun the first
	// entries it would restore.
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
	targets := planTargets(m.Items, dest)
	if conflicts := targets.newer(); len(conflicts) > 0 && !opts.Force {
		shown := conflicts
		if len(shown) > 5 {
			shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(conflicts)-5))
		}
		return fmt.Errorf("%w: %s; nothing was restored (use --force to overwrite them, or --to DIR to restore elsewhere)", ErrNewer, strings.Join(shown, ", "))
	}
	for _, it := range m.Items {
		switch it.Kind {
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
	return targets.restore(dir, opts)
}

func (s *Store) restoreCrontab(dir string, it Item, opts RestoreOptions) error {
	file := filepath.Join(dir, it.Stored)
	args := []string{file}
	if it.User != "" && it.User != CurrentUser() {
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

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
