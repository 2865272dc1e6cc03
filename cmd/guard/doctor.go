package main

import (
	"debug/elf"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/audit"
	"github.com/guard-sh/guard/guard/policy"
	"github.com/guard-sh/guard/guard/snapshot"
)

func doctorFlags(asJSON *bool) *flag.FlagSet {
	return jsonFlag("doctor", "print the checks as JSON, for fleet checks", asJSON)
}

func (a *app) doctorStore(store *snapshot.Store, add func(name, status, format string, args ...any)) {
	list, listErrs := store.List()
	var size int64
	filepath.WalkDir(store.Dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				size += info.Size()
			}
		}
		return nil
	})
	budget := store.Budget
	if budget == 0 {
		budget = snapshot.DefaultBudget(store.Dir)
	}
	status := "ok"
	if len(listErrs) > 0 {
		status = "warn"
	}
	add("snapshots", status, "%s: %d snapshot(s), %s on disk (hard links counted once per name), budget %s per snapshot%s",
		store.Dir, len(list), snapshot.HumanBytes(size), snapshot.HumanBytes(budget), errSuffix(listErrs))
}

// passwdShell is the current user's name and login shell from the passwd
// file (getent when it is the system's, to include LDAP accounts).
func passwdShell(passwd string) (name, shell string) {
	uid := strconv.Itoa(os.Getuid())
	var data []byte
	if passwd == "/etc/passwd" {
		data, _ = exec.Command("getent", "passwd", uid).Output()
	}
	if len(data) == 0 {
		data, _ = guard.ReadRegular(passwd, 4<<20)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 7 && f[2] == uid {
			return f[0], f[6]
		}
	}
	return "USER", ""
}

func executable(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0
}

// check is one line of guard doctor.
type check struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ok, off, warn, fail
	Detail string `json:"detail"`
}

// doctor reports what is wired in, what policy applies, the snapshot
// store, the audit channels, and judges a few lines as a self-test.
func (a *app) doctor(args []string) int {
	var asJSON bool
	flags := doctorFlags(&asJSON)
	flags.SetOutput(a.stderr)
	if err := flags.Parse(args); err != nil {
		return a.flagError("doctor", err)
	}
	var checks []check
	add := func(name, status, format string, args ...any) {
		checks = append(checks, check{name, status, fmt.Sprintf(format, args...)})
	}
	home := a.getenv("HOME")
	etc := a.getenv("GUARD_ROOT") // a root to inspect instead of /, for tests
	self, _ := os.Executable()

	// Integrations.
	for _, h := range []struct{ name, user, system, marker string }{
		{"bash hook", filepath.Join(home, ".bashrc"), etc + "/etc/bash.bashrc", "guard init bash"},
		{"zsh hook", filepath.Join(home, ".zshrc"), etc + "/etc/zsh/zshrc", "guard init zsh"},
	} {
		var where []string
		for _, f := range []string{h.user, h.system} {
			if data, err := os.ReadFile(f); err == nil && strings.Contains(string(data), h.marker) {
				where = append(where, f)
			}
		}
		if len(where) > 0 {
			add(h.name, "ok", "in %s", strings.Join(where, " and "))
		} else {
			add(h.name, "off", "not installed (eval \"$(guard init %s)\" in your rc file)", strings.Fields(h.marker)[2])
		}
	}
	// The login shell as the passwd entry says (what sshd starts), not
	// $SHELL, and the guard-shell that belongs to this binary: a .deb
	// installs /usr/bin/guard-shell, install.sh /usr/local/bin/guard-shell.
	shells, _ := os.ReadFile(etc + "/etc/shells")
	guardShell := filepath.Join(filepath.Dir(self), "guard-shell")
	if _, err := os.Lstat(etc + guardShell); err != nil {
		for _, line := range strings.Split(string(shells), "\n") {
			if strings.HasSuffix(strings.TrimSpace(line), "/guard-shell") {
				guardShell = strings.TrimSpace(line)
			}
		}
	}
	listed := slices.Contains(strings.Split(string(shells), "\n"), guardShell)
	name, loginShell := passwdShell(etc + "/etc/passwd")
	switch {
	case loginShell != "" && filepath.Base(loginShell) == "guard-shell" && !executable(etc+loginShell):
		add("login shell", "fail", "your login shell %s does not exist or cannot run: the next login will be refused; fix it now, from this session: usermod -s /bin/bash %s", loginShell, name)
	case filepath.Base(loginShell) == "guard-shell":
		add("login shell", "ok", "%s is your login shell (passwd entry of %s)", loginShell, name)
	case listed:
		add("login shell", "off", "%s is in /etc/shells; make it a login shell with: usermod -s %s %s", guardShell, guardShell, name)
	default:
		add("login shell", "off", "guard-shell is not in /etc/shells (install.sh --login-shell, or the .deb)")
	}
	a.agentChecks(add)
	if static, err := isStatic(self); err != nil {
		add("static binary", "warn", "cannot tell: %v", err)
	} else if static {
		add("static binary", "ok", "%s needs no shared library: it works as a rescue shell when /lib is damaged", self)
	} else {
		add("static binary", "warn", "%s is dynamically linked; build it with CGO_ENABLED=0 (install.sh does) to keep a shell when /lib is gone", self)
	}

	// Policy.
	sources := policy.Paths(a.getenv)
	read, errs := policy.Read(sources)
	pol, loadErrs := policy.Load(read, a.catalog().Defaults())
	errs = append(errs, loadErrs...)
	switch {
	case len(errs) > 0:
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		add("policy", "warn", "%d file(s), %d problem(s), those files are left out: %s", len(read), len(errs), strings.Join(msgs, "; "))
	case len(read) == 0:
		add("policy", "ok", "no policy files: the built-in rules apply")
	default:
		add("policy", "ok", "%s (%d site rules, %d exceptions)", strings.Join(pol.Files, ", "), len(pol.Rules), len(pol.Allow))
	}

	// Snapshot store.
	if store, err := a.store(); err != nil {
		add("snapshots", "fail", "%v: confirmed commands that need a snapshot will be refused", err)
	} else {
		a.doctorStore(store, add)
	}

	// Audit channels.
	l := a.auditLogger()
	if l.File != "" && l.File != "off" {
		if err := writable(l.File); err != nil {
			add("audit file", "fail", "%s: %v", l.File, err)
		} else {
			add("audit file", "ok", "%s", l.File)
		}
	}
	for _, ch := range []struct{ name, socket string }{{"journald", l.Journal}, {"syslog", l.Syslog}} {
		if ch.socket == "" {
			add(ch.name, "off", "not used")
			continue
		}
		conn, err := net.DialTimeout("unixgram", ch.socket, time.Second)
		if err != nil {
			add(ch.name, "fail", "%s: %v", ch.socket, err)
			continue
		}
		conn.Close()
		add(ch.name, "ok", "%s", ch.socket)
	}

	// Self-test: a few lines through the engine in use.
	engine, err := a.engine()
	if err != nil {
		add("self-test", "fail", "%v", err)
	} else {
		mem := guard.NewMemHost()
		var bad []string
		for _, tc := range []struct {
			line string
			want guard.Decision
		}{{"rm -rf /", guard.Block}, {"cd / && rsync -a /srv/x/ .", guard.Block}, {"crontab -r", guard.Confirm}, {"curl -s https://x | sh", guard.Confirm}, {"ls -la", guard.Allow}, {"echo rm -rf /", guard.Allow}} {
			if got := engine.Judge(tc.line, mem, guard.Options{Cwd: "/home/op"}).Decision; got != tc.want {
				bad = append(bad, fmt.Sprintf("%q is %s, want %s", tc.line, got, tc.want))
			}
		}
		if len(bad) > 0 {
			add("self-test", "warn", "the site policy changes built-in answers: %s", strings.Join(bad, "; "))
		} else {
			add("self-test", "ok", "6 lines judged as expected")
		}
	}

	failed := false
	for _, c := range checks {
		failed = failed || c.Status == "fail"
	}
	if asJSON {
		a.printJSON(map[string]any{"ok": !failed, "version": version(), "checks": checks})
	} else {
		for _, c := range checks {
			fmt.Fprintf(a.stdout, "%-5s %-14s %s\n", c.Status, c.Name, c.Detail)
		}
	}
	if failed {
		return 1
	}
	return exitOK
}

func errSuffix(errs []error) string {
	if len(errs) == 0 {
		return ""
	}
	return fmt.Sprintf("; %d unreadable: %v", len(errs), errs[0])
}

// writable checks that the audit file can be appended to, creating its
// folder as the logger would.
func writable(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := audit.OpenAppend(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// isStatic tells whether an ELF binary needs no dynamic loader.
func isStatic(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}
