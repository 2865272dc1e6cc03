package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// withHome wraps getenv so that HOME is always an absolute folder: the one
// set, else the passwd entry's, else "". A relative HOME (or none) would
// put the snapshot store, the audit file and the user's policy inside the
// current folder, where the command being confirmed can delete them.
// Relative XDG folders are ignored, as the XDG specification says.
func withHome(getenv func(string) string) func(string) string {
	home := getenv("HOME")
	if !filepath.IsAbs(home) {
		home = ""
		if u, err := user.Current(); err == nil && filepath.IsAbs(u.HomeDir) {
			home = filepath.Clean(u.HomeDir)
		}
	}
	return func(name string) string {
		switch name {
		case "HOME":
			return home
		case "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME":
			if v := getenv(name); filepath.IsAbs(v) {
				return v
			}
			return ""
		}
		return getenv(name)
	}
}

// stateDir is guard's own state for this user: /var/lib/guard for root,
// else $XDG_STATE_HOME/guard (~/.local/state/guard). "" when there is no
// home to put it in.
func (a *app) stateDir() string {
	if d := a.getenv("GUARD_STATE"); filepath.IsAbs(d) {
		return d
	}
	if os.Geteuid() == 0 {
		return "/var/lib/guard"
	}
	if s := a.getenv("XDG_STATE_HOME"); s != "" {
		return filepath.Join(s, "guard")
	}
	if h := a.getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "guard")
	}
	return ""
}

// maxNotices bounds the file of messages already shown.
const maxNotices = 200

// noticeOnce prints msg on stderr unless this user has been shown the same
// message before: a broken policy file is reported once (again when it
// changes), not at every Enter and on every ssh command. If guard cannot
// remember (no state folder, a full disk), it prints every time: a problem
// is never hidden.
func (a *app) noticeOnce(msg string) {
	dir := a.stateDir()
	if dir == "" {
		fmt.Fprintln(a.stderr, msg)
		return
	}
	path := filepath.Join(dir, "notices")
	sum := sha256.Sum256([]byte(msg))
	key := hex.EncodeToString(sum[:12])
	data, _ := guard.ReadRegular(path, 64<<10)
	seen := strings.Fields(string(data))
	for _, k := range seen {
		if k == key {
			return
		}
	}
	fmt.Fprintln(a.stderr, msg)
	if a.held != nil {
		return // guard serve defers the line: guard gate shows it, and records it
	}
	seen = append(seen, key)
	if len(seen) > maxNotices {
		seen = seen[len(seen)-maxNotices:]
	}
	_ = writeStateFile(path, []byte(strings.Join(seen, "\n")+"\n"))
}

// writeStateFile replaces a file of guard's state folder by a rename (a
// temporary file of its own, so two shells writing at once never mix),
// making the folder (private to the user) if it is missing. The notices
// and approvals it holds cost a message or a question again when lost.
func writeStateFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return writeAtomic(path, data, 0o600, nil)
}
