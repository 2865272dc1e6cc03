package rules

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// Text written into a shell's start-up files (/etc/profile, profile.d,
// bash.bashrc, ~/.bashrc…) or /etc/environment runs at every login that
// reads them. The engine judges its commands as shell lines
// (guard/delayed.go) and tells what it leaves set (CodeNote.Login); these
// rules weigh what is harmless as a command but not as every login's
// setting: the umask, PATH and the loader's variables, an alias of a
// program that asks for a password, and code that ends the login.
func loginEnvRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "login-env-unsafe",
		Programs:   nil, // the note stands on whatever command writes the file
		Decision:   guard.Confirm,
		Summary:    "a start-up file or /etc/environment written so that every login gets a PATH with ., an empty entry, a relative or world-writable folder before the system ones, or no system folder at all, an LD_PRELOAD or LD_AUDIT, or an LD_LIBRARY_PATH of such folders",
		Postmortem: "export PATH=.:$PATH in /etc/profile \"to run scripts without ./\": a file called ls left in /tmp by another account ran as root the next time an administrator typed ls there",
		Machine:    true,
		Match:      matchLoginEnvUnsafe,
	}, {
		ID:         "login-umask-open",
		Programs:   []string{"umask"},
		Decision:   guard.Confirm,
		Summary:    "umask written into a start-up file that lets every account write the files each login makes (umask 000, 0), or leaves their owner unable to read them (umask 0777)",
		Postmortem: "umask 000 added to /etc/profile to fix a shared folder's permissions: every file made by any login from then on, keys and configuration included, was writable by every account on the host",
		Machine:    true,
		Match:      matchLoginUmask,
	}, {
		ID:         "login-ends",
		Programs:   []string{"exit", "logout", "exec", "kill", "set"},
		Decision:   guard.Confirm,
		Summary:    "exit, logout, exec of a program that is not installed or refuses logins, a kill of the login's own shell ($$, $PPID, 0), or set -e, written into a start-up file: every login that reads it ends at once, or at its first failing command (warn for exec of a program that is not a shell)",
		Postmortem: "exec fish appended to ~/.bashrc on a host where fish was not installed: every SSH login closed at once, scp and rsync with it, and only the console could repair the file",
		Machine:    true,
		Match:      matchLoginEnds,
	}, {
		ID:         "login-alias-swap",
		Programs:   nil, // an alias, or the functions a written start-up file defines (on whatever command writes it)
		Decision:   guard.Confirm,
		Summary:    "an alias or a function written into a start-up file that makes sudo, su, ssh, passwd or another program that asks for a password run something else",
		Postmortem: "alias sudo='/tmp/.s' appended to an administrator's ~/.bashrc: the next sudo typed ran a script that saved the password it asked for and then ran the real sudo",
		Machine:    true,
		Match:      matchLoginAliasSwap,
	}}
}

// systemBinDirs hold the commands every login needs (ls, sudo, vi).
var systemBinDirs = []string{"/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// alwaysWorldWritable are folders every account may write into wherever
// guard looks from.
var alwaysWorldWritable = []string{"/tmp", "/var/tmp", "/dev/shm"}

// worldWritable tells whether every account may create files in dir.
func worldWritable(inv *guard.Invocation, host guard.Host, dir string) bool {
	dir = filepath.Clean(dir)
	if slices.Contains(alwaysWorldWritable, dir) || strings.HasPrefix(dir, "/tmp/") || strings.HasPrefix(dir, "/dev/shm/") || strings.HasPrefix(dir, "/var/tmp/") {
		return true
	}
	if inv.Remote != "" {
		return false
	}
	info, err := host.Lstat(dir)
	return err == nil && info.Mode()&fs.ModeSymlink == 0 && info.IsDir() && info.Mode().Perm()&0o002 != 0
}

// searchEntryRisk says what is wrong with one entry of a search path
// (PATH, LD_LIBRARY_PATH) for every login: "" when nothing is.
func searchEntryRisk(inv *guard.Invocation, host guard.Host, entry string) string {
	switch {
	case entry == "":
		return "an empty entry (the current folder)"
	case entry == ".":
		return ". (the current folder)"
	case !strings.HasPrefix(entry, "/") && !strings.HasPrefix(entry, "$") && !strings.HasPrefix(entry, "~"):
		return entry + ", a folder relative to wherever you are"
	case strings.HasPrefix(entry, "/") && worldWritable(inv, host, entry):
		return entry + ", a folder every account can write into"
	}
	return ""
}

func matchLoginEnvUnsafe(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Code == nil || inv.Code.Login == nil {
		return nil
	}
	file := inv.Code.Login.File
	undo := "; to undo: edit " + file + " and remove the line"
	for _, v := range inv.Code.Login.Vars {
		switch v.Name {
		case "PATH":
			if f := pathFinding(inv, host, file, v.Value); f != nil {
				f.Hint += undo
				return f
			}
		case "LD_PRELOAD", "LD_AUDIT":
			if v.Value.Known && strings.TrimSpace(v.Value.Value) == "" {
				continue
			}
			return guard.Found(guard.Confirm, "to load a library into one program, set it on that command only (LD_PRELOAD=LIB prog), or list it in /etc/ld.so.preload deliberately"+undo,
				"would set %s=%s for every login that reads %s%s: every program those logins start, sudo and su included, loads that library first, and if it is missing or broken each of them prints errors or fails",
				v.Name, v.Value.Value, file, inv.Where())
		case "LD_LIBRARY_PATH":
			for _, entry := range strings.Split(v.Value.Value, ":") {
				if entry == "" && !v.Value.Known {
					continue // an unknown part reads as empty here
				}
				if risk := searchEntryRisk(inv, host, entry); risk != "" {
					return guard.Found(guard.Confirm, "name only folders root owns (export LD_LIBRARY_PATH=/opt/app/lib), or add the folder to /etc/ld.so.conf.d and run ldconfig"+undo,
						"would put %s into LD_LIBRARY_PATH for every login that reads %s%s: a library with libc's name planted there loads into every program those logins start",
						risk, file, inv.Where())
				}
			}
		}
	}
	return nil
}

// pathFinding weighs the PATH a start-up file leaves: an entry that lets
// a file planted by someone else run in place of a system command, before
// the system folders (confirm) or after them (warn: only names they do
// not hold, a typo); or no system folder at all.
func pathFinding(inv *guard.Invocation, host guard.Host, file string, path guard.Arg) *guard.Finding {
	entries := strings.Split(path.Value, ":")
	firstSystem := slices.IndexFunc(entries, func(e string) bool { return slices.Contains(systemBinDirs, filepath.Clean(e)) })
	if firstSystem < 0 && path.Known {
		return guard.Found(guard.Confirm, "add to the PATH rather than replace it: export PATH=\"$PATH:/opt/app/bin\"",
			"would set PATH=%s for every login that reads %s%s: it holds none of %s, so ls, sudo and vi are \"command not found\" at every login from then on",
			path.Value, file, inv.Where(), strings.Join(systemBinDirs, ", "))
	}
	for i, entry := range entries {
		if !path.Known && entry == "" {
			continue // an unknown part reads as empty here, not an empty entry
		}
		risk := searchEntryRisk(inv, host, entry)
		if risk == "" {
			continue
		}
		const hint = "put your own folders after the system ones, with no . and no empty entry: export PATH=\"$PATH:$HOME/bin\"; run a script in the current folder as ./script"
		if firstSystem >= 0 && i > firstSystem {
			return guard.Found(guard.Warn, hint,
				"would put %s into PATH, after the system folders, for every login that reads %s%s: a mistyped command runs whatever file of that name is there",
				risk, file, inv.Where())
		}
		return guard.Found(guard.Confirm, hint,
			"would put %s into PATH before the system folders for every login that reads %s%s: a file called ls or sudo there runs instead of the real one, as root in a root login",
			risk, file, inv.Where())
	}
	return nil
}

// umaskValue reads an octal umask as written ("000", "0", "0777"); ok is
// false for a symbolic one or none (umask alone prints it).
func umaskValue(inv *guard.Invocation) (mask int64, text string, ok bool) {
	for _, a := range inv.Args {
		if strings.HasPrefix(a.Value, "-") {
			continue // -S, -p: how it prints
		}
		if !a.Known {
			return 0, "", false
		}
		m, err := strconv.ParseInt(a.Value, 8, 32)
		if err != nil {
			m, ok = symbolicUmask(a.Value)
			return m, a.Value, ok
		}
		if m < 0 || m > 0o777 {
			return 0, "", false
		}
		return m, a.Value, true
	}
	return 0, "", false
}

// symbolicUmask reads umask's symbolic form (u=rwx,g=rx,o=; a+w; go-w)
// as the octal mask it leaves, from the usual 022 for + and -: what it
// names is what files may have, the mask is the rest.
func symbolicUmask(text string) (int64, bool) {
	clauses := strings.Split(text, ",")
	for i, c := range clauses {
		if c != "" && strings.IndexByte("=+-", c[0]) >= 0 {
			clauses[i] = "a" + c // umask's clause with no one named is everyone's
		}
	}
	allowed, ok := applyMode(0o755, strings.Join(clauses, ","))
	if !ok || strings.ContainsAny(text, "Xst") {
		return 0, false
	}
	return int64(0o777 &^ (allowed & 0o777)), true
}

func matchLoginUmask(inv *guard.Invocation, host guard.Host) *guard.Finding {
	file := inv.StartupFile()
	if file == "" {
		return nil // the shell's own, until it exits
	}
	mask, text, ok := umaskValue(inv)
	if !ok {
		return nil
	}
	const hint = "keep 022 (or 027, 002 with per-user groups); to share one folder, give it a group and the setgid bit: chgrp team DIR && chmod 2775 DIR"
	undo := "; to undo: edit " + file + " and remove the line"
	switch {
	case mask&0o002 == 0:
		return guard.Found(guard.Confirm, hint+undo,
			"would set umask %s for every login that reads %s%s: every file and folder those logins make (keys, configuration, scripts) is writable by every account on the host",
			text, file, inv.Where())
	case mask&0o600 != 0:
		return guard.Found(guard.Confirm, hint+undo,
			"would set umask %s for every login that reads %s%s: the files those logins make cannot be read or written by their own owner, and editors, ssh-keygen and package scripts fail",
			text, file, inv.Where())
	}
	return nil
}

// setsErrexit: set -e, set -eu, set -o errexit (not set +e).
func setsErrexit(inv *guard.Invocation) bool {
	for i, a := range inv.Args {
		switch {
		case !a.Known || a.Value == "--":
			return false
		case a.Value == "-o" && i+1 < len(inv.Args) && inv.Args[i+1].Value == "errexit":
			return true
		case strings.HasPrefix(a.Value, "-") && !strings.HasPrefix(a.Value, "--") && strings.Contains(a.Value, "e") && a.Value != "-o":
			return true
		case !strings.HasPrefix(a.Value, "-") && !strings.HasPrefix(a.Value, "+"):
			return false // set -- ARGS without the --: positional parameters
		}
	}
	return false
}

// killsOwnShell names the process of the login itself a kill reaches:
// its shell ($$, $BASHPID), the program that started it ($PPID: sshd's
// session, login), or its process group (0); "" for any other.
func killsOwnShell(inv *guard.Invocation) string {
	if !killsInteractive(inv) {
		return "" // SIGTERM and SIGINT: an interactive shell ignores them
	}
	for _, a := range guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "sn"}).Operands {
		if a.Known {
			if a.Value == "0" {
				return "process group 0 (the login shell and everything it started)"
			}
			continue
		}
		for _, u := range a.Unknown {
			switch strings.Trim(strings.TrimPrefix(u, "$"), "{}") {
			case "$", "BASHPID":
				return a.Text + " (the login shell itself)"
			case "PPID":
				return a.Text + " (the program that started the login shell: sshd's session, login)"
			}
		}
	}
	return ""
}

// killsInteractive: the signal kill sends ends an interactive shell,
// which ignores the default SIGTERM and catches SIGINT.
func killsInteractive(inv *guard.Invocation) bool {
	for i, a := range inv.Args {
		v := strings.TrimPrefix(strings.ToUpper(a.Value), "SIG")
		if a.Value == "-s" || a.Value == "-n" {
			if i+1 == len(inv.Args) {
				return false
			}
			v = strings.TrimPrefix(strings.ToUpper(inv.Args[i+1].Value), "SIG")
		} else if !strings.HasPrefix(a.Value, "-") {
			continue
		} else {
			v = strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(a.Value), "-"), "SIG")
		}
		switch v {
		case "9", "KILL", "1", "HUP", "3", "QUIT", "6", "ABRT", "11", "SEGV", "15", "TERM", "2", "INT":
			return v != "15" && v != "TERM" && v != "2" && v != "INT"
		}
	}
	return false
}

// loginShellNames are interactive shells a start-up file may exec into.
var loginShellNames = []string{"bash", "zsh", "fish", "ksh", "mksh", "tcsh", "csh", "dash", "sh", "nu", "elvish", "xonsh", "guard-shell"}

// execSpec: bash's exec takes -a NAME, -c and -l.
var execSpec = guard.OptSpec{ShortValue: "a"}

func matchLoginEnds(inv *guard.Invocation, host guard.Host) *guard.Finding {
	file := inv.StartupFile()
	if file == "" {
		return nil
	}
	undo := fmt.Sprintf("keep a session open while you test it; to undo from another account or the console: edit %s and remove the line", file)
	switch inv.Program {
	case "set":
		if !setsErrexit(inv) {
			return nil
		}
		return guard.Found(guard.Confirm, "set -e belongs in scripts, not in start-up files; "+undo,
			"would run set -e in %s%s: every login that reads it ends at its first command that fails (a grep that finds nothing, a mistyped command), and a start-up file that fails ends the login before its prompt", file, inv.Where())
	case "kill":
		target := killsOwnShell(inv)
		if target == "" {
			return nil
		}
		return guard.Found(guard.Confirm, undo,
			"would kill %s in %s%s: every login that reads it kills its own shell as it starts, SSH logins, su - and scp included, so you could not log in again to undo it", target, file, inv.Where())
	case "exit", "logout":
		return guard.Found(guard.Confirm, "in a file of /etc/profile.d use return, never exit; "+undo,
			"would run %s in %s%s: every login that reads it ends at once, SSH logins, su - and scp included, so you could not log in again to undo it",
			inv.Program, file, inv.Where())
	}
	ops := guard.ParseOptions(inv.Args, execSpec).Operands
	if len(ops) == 0 || !ops[0].Known {
		return nil // exec with redirections only: the shell goes on
	}
	prog := ops[0].Value
	base := baseName(prog)
	if slices.Contains(noLoginShells, base) {
		return guard.Found(guard.Confirm, undo,
			"would replace every login shell that reads %s with %s%s: each login ends at once, so you could not log in again to undo it", file, prog, inv.Where())
	}
	if inv.Remote == "" && !programInstalled(host, prog) && !checkedFirst(inv, prog) {
		return guard.Found(guard.Confirm, "install it first (apt install "+base+"), or guard the line: command -v "+base+" >/dev/null && exec "+base+"; "+undo,
			"would exec %s at every login that reads %s%s, and %s is not installed here: exec fails and the login ends at once, so you could not log in again to undo it", prog, file, inv.Where(), prog)
	}
	if slices.Contains(loginShellNames, base) {
		return nil
	}
	return guard.Found(guard.Warn, undo,
		"would replace every login shell that reads %s with %s%s: when it exits the login ends, and ssh HOST CMD, scp and rsync may stop working", file, prog, inv.Where())
}

// checkedFirst: the exec runs only after a command that succeeds only
// when prog is there (command -v fish && exec fish; if [ -x
// /usr/bin/fish ]; then exec fish; fi): where it is missing, the login
// goes on.
func checkedFirst(inv *guard.Invocation, prog string) bool {
	base := baseName(prog)
	names := func(a guard.Arg) bool {
		return a.Known && (a.Value == prog || a.Value == base || baseName(a.Value) == base && strings.Contains(a.Value, "/"))
	}
	checked := false
	inv.SucceededBefore(func(b *guard.Invocation) bool {
		args := b.Args
		switch b.Program {
		case "command", "type", "hash", "which":
			args = slices.DeleteFunc(slices.Clone(args), func(a guard.Arg) bool { return strings.HasPrefix(a.Value, "-") })
			checked = len(args) > 0 && slices.ContainsFunc(args, names)
		case "[", "test":
			// [ -x PATH ], test -f PATH: the file is there
			checked = len(args) >= 2 && slices.Contains([]string{"-x", "-f", "-e", "-s"}, args[0].Value) && names(args[1])
		}
		return !checked
	})
	return checked
}

// programInstalled tells whether prog (a path, or a name looked up in the
// usual folders) is a file on the host.
func programInstalled(host guard.Host, prog string) bool {
	if strings.Contains(prog, "/") {
		_, err := host.Lstat(prog)
		return err == nil
	}
	for _, dir := range []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/games", "/snap/bin"} {
		if _, err := host.Lstat(dir + "/" + prog); err == nil {
			return true
		}
	}
	return false
}

// passwordPrograms ask for a password or use a secret the operator holds:
// an alias of one to something else hears it.
var passwordPrograms = []string{"sudo", "su", "doas", "pkexec", "passwd", "ssh", "scp", "sftp", "ssh-add", "gpg", "kinit", "login", "mysql", "psql", "ftp"}

// aliasPrefixes may stand before the program itself in an alias's text.
var aliasPrefixes = []string{"command", "builtin", "nocorrect", "noglob", "env", "time", "exec"}

func matchLoginAliasSwap(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Code != nil && inv.Code.Login != nil {
		login := inv.Code.Login
		for _, name := range login.Funcs {
			if !slices.Contains(passwordPrograms, name) {
				continue
			}
			return guard.Found(guard.Confirm, "give a helper its own name (sudo_keep() { command sudo -E \"$@\"; }); to see what a name runs: type "+name+"; to undo: edit "+login.File+" and remove the function",
				"would define a function called %s in %s%s: every login that reads it runs that function when %s is typed, and what you type to it, your password included, goes to the function's code first",
				name, login.File, inv.Where(), name)
		}
	}
	file := inv.StartupFile()
	if file == "" || inv.Program != "alias" {
		return nil
	}
	for _, a := range inv.Args {
		name, text, ok := strings.Cut(a.Value, "=")
		if !ok || !a.Known || !slices.Contains(passwordPrograms, name) {
			continue
		}
		runs := ""
		for _, w := range strings.Fields(text) {
			if strings.Contains(w, "=") && !strings.HasPrefix(w, "-") || slices.Contains(aliasPrefixes, w) {
				continue
			}
			runs = w
			break
		}
		if runs == "" || runs == name || baseName(runs) == name && slices.Contains(systemBinDirs, filepath.Dir(runs)) {
			continue
		}
		return guard.Found(guard.Confirm, "keep aliases of "+name+" to "+name+" itself with options (alias "+name+"='"+name+" -v'); to see what a name runs: type "+name+"; to undo: edit "+file+" and remove the line",
			"would make %s run %s at every login that reads %s%s: what you type to %s, your password included, goes to %s instead",
			name, runs, file, inv.Where(), name, runs)
	}
	return nil
}
