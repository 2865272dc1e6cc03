package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/gate"
)

// sudo is guard sudo [sudo options] CMD…: judge what sudo would run (the
// engine reads sudo's options: -u, -i, -s, -D, --), then exec the real
// sudo with exactly the same arguments.
func (a *app) sudo(args []string) int {
	real := a.realSudo()
	if real == "" {
		fmt.Fprintln(a.stderr, "guard sudo: no sudo found on PATH")
		return 127
	}
	line := "sudo " + quoteWords(sudoWithKeptEnvironment(args, os.Environ()))
	wd, _ := os.Getwd()
	redirect, feed := stdinRedirect()
	host := targetHost{Host: &guard.OSHost{}, user: sudoTarget(args), stdin: feed}
	if u, err := user.Lookup(host.user); err == nil {
		host.home = u.HomeDir
	}
	if feed != nil && feed.pipe && a.runsStdinAsCode(line+redirect, wd, host) {
		// What the command runs is what comes down the pipe: read it
		// first, judge it, and hand sudo exactly those bytes.
		if code := a.readPipedCode(feed, args); code != exitOK {
			return code
		}
	}
	o := gateOptions{cwd: wd, from: "sudo", shell: "bash", host: host, wayPastFor: func(rules []string) string {
		return sudoWayPast(rules, args, feed != nil)
	}}
	if _, code := a.gate(line+redirect, o); code != exitOK {
		return code
	}
	if feed != nil && feed.read {
		if err := feedStdin(feed.code); err != nil {
			fmt.Fprintf(a.stderr, "guard sudo: not run: cannot hand the code read from standard input to sudo: %v\n", err)
			return exitRefused
		}
	}
	err := syscall.Exec(real, append([]string{"sudo"}, args...), os.Environ())
	fmt.Fprintf(a.stderr, "guard sudo: starting %s: %v\n", real, err)
	return 1
}

// sudoWithKeptEnvironment is sudo's arguments with, before the command,
// the variables of guard sudo's own environment that sudo hands on to it
// and that hold code a shell runs, as NAME=VALUE words: the engine judges
// those as sudo PROMPT_COMMAND=… bash -i is judged. sudo keeps the names
// --preserve-env=LIST names, whatever they are (a BASH_FUNC_ls%% function,
// BASH_ENV); with -E or a bare --preserve-env it keeps the rest but strips
// functions, BASH_ENV, ENV and PS4. bash ignores PS4 from the environment
// when it runs as root.
func sudoWithKeptEnvironment(args, environ []string) []string {
	at, listed, all := sudoPreserved(args)
	if at < 0 || len(listed) == 0 && !all {
		return args
	}
	root := sudoTarget(args) == "root"
	var kept []string
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		_, function := guard.ImportedFunction(name, value)
		switch {
		case name == "PS4" && root:
		case slices.Contains(listed, name):
			if function || guard.HoldsCode(name) {
				kept = append(kept, kv)
			}
		case all && !function && !strings.HasPrefix(value, "()") && guard.HoldsCode(name) &&
			!slices.Contains([]string{"BASH_ENV", "ENV", "PS4"}, name):
			kept = append(kept, kv)
		}
	}
	if len(kept) == 0 {
		return args
	}
	return slices.Concat(args[:at], kept, args[at:])
}

// sudoPreserved reads sudo's options: where its command starts (-1 for
// the modes that run none: -e, -l, -v, -k, -V, -h), the names
// --preserve-env=LIST keeps, and whether -E or a bare --preserve-env
// keeps the whole environment.
func sudoPreserved(args []string) (at int, listed []string, all bool) {
	const valued = "ugCDhprtTUR" // short options with a value
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return i + 1, listed, all
		case !strings.HasPrefix(a, "-") || a == "-":
			return i, listed, all
		case a == "--preserve-env":
			all = true
		case strings.HasPrefix(a, "--preserve-env="):
			listed = append(listed, strings.Split(strings.TrimPrefix(a, "--preserve-env="), ",")...)
		case slices.Contains([]string{"--edit", "--list", "--validate", "--reset-timestamp", "--remove-timestamp", "--version", "--help"}, a):
			return -1, nil, false
		case strings.HasPrefix(a, "--"):
			if !strings.Contains(a, "=") && slices.Contains([]string{"--user", "--group", "--close-from", "--chdir", "--host", "--prompt", "--role", "--type", "--command-timeout", "--other-user", "--chroot"}, a) {
				i++ // its value
			}
		default:
			for j := 1; j < len(a); j++ {
				c := a[j]
				if strings.IndexByte("elvkKV", c) >= 0 || c == 'h' && len(a) == 2 {
					return -1, nil, false
				}
				if c == 'E' {
					all = true
				}
				if strings.IndexByte(valued, c) >= 0 {
					if j == len(a)-1 {
						i++ // the value is the next word
					}
					break
				}
			}
		}
	}
	return len(args), listed, all
}

// maxPipedCode is the most guard sudo reads of code piped to it: the
// engine reads a script file up to this size (a larger one is asked about
// as unread), and the bytes are held in memory until sudo starts.
const maxPipedCode = 1 << 20

// stdinFeed is what the command will read on standard input, which guard
// sudo's arguments do not show: sudo bash -s, sudo sh /dev/stdin or sudo
// -s run code from it.
type stdinFeed struct {
	// path names it for the engine: the file's own path, or guard's
	// /proc descriptor.
	path string
	// pipe: a pipe or a socket, whose content is known only by reading
	// it, which guard does only when the command runs it as code.
	pipe bool
	// asked: the engine asked for its content while judging.
	asked bool
	// code is all of it, once read.
	code []byte
	read bool
}

// stdinRedirect tells the engine what the command will read on standard
// input. A terminal is what the engine assumes anyway (what the operator
// types next); anything else is named by guard's own descriptor, so that a
// script file is read and judged, and a pipe or a socket can be read when
// a shell or an interpreter runs what comes down it. Commands that read
// data (tee, tar) are not concerned.
//
// It returns the redirection, and nil for a terminal or no input.
func stdinRedirect() (string, *stdinFeed) {
	if isTerminal(os.Stdin) {
		return "", nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(0, &st); err != nil {
		return "", nil // no standard input: the command reads nothing
	}
	feed := &stdinFeed{path: fmt.Sprintf("/proc/%d/fd/0", os.Getpid())}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO, unix.S_IFSOCK:
		feed.pipe = true
	}
	// A regular file is named by its path when that is still the same
	// file, for messages that mean something.
	if name, err := os.Readlink(feed.path); err == nil && filepath.IsAbs(name) {
		var named unix.Stat_t
		if unix.Stat(name, &named) == nil && named.Dev == st.Dev && named.Ino == st.Ino {
			feed.path = name
		}
	}
	return " < " + gate.Quote(feed.path), feed
}

// runsStdinAsCode judges line once, quietly, to learn whether what it runs
// reads its standard input as code (a shell or an interpreter with no
// script, a line installed into a cron file): the engine then asks the
// host for the content, and notes the code it could not see. A command
// that reads data (tee FILE, tar x) asks for nothing and keeps streaming.
func (a *app) runsStdinAsCode(line, wd string, host targetHost) bool {
	e, err := a.engine()
	if err != nil {
		return false // the gate asks about a line it cannot judge
	}
	v := e.Judge(line, host, guard.Options{Cwd: wd, Lang: syntax.LangBash})
	if !host.stdin.asked {
		return false
	}
	for _, inv := range v.Invocations {
		if inv.Code != nil && (inv.Code.Hidden != "" || inv.Code.Scheduled != "") {
			return true
		}
	}
	return false
}

// pipedCodeWait is how long guard sudo waits for code piped to it to
// end: a pipe that stays open ((echo id; sleep 1d) | guard sudo bash)
// would otherwise keep it waiting for ever. GUARD_PIPE_WAIT (a Go
// duration, such as 5s) sets another bound.
const pipedCodeWait = 30 * time.Second

// readPipedCode reads the whole of standard input into feed, at most
// maxPipedCode bytes within the wait. More than that, or a pipe that does
// not end in time, is refused: guard would judge only part of what runs.
func (a *app) readPipedCode(feed *stdinFeed, args []string) int {
	wait := pipedCodeWait
	if d, err := time.ParseDuration(a.getenv("GUARD_PIPE_WAIT")); err == nil && d > 0 {
		wait = d
	}
	type read struct {
		data []byte
		err  error
	}
	done := make(chan read, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(os.Stdin, maxPipedCode+1))
		done <- read{data, err}
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var r read
	select {
	case r = <-done:
	case <-timer.C:
		fmt.Fprintf(a.stderr, "guard sudo: not run: sudo %s would run what comes down the pipe as code, and the pipe did not end within %s: guard judges code only once it has all of it, and nothing was run\n",
			strings.Join(args, " "), wait)
		fmt.Fprintln(a.stderr, "  instead: save it to a file, read it, then run the file: … > /tmp/job.sh; less /tmp/job.sh; guard sudo bash /tmp/job.sh")
		return exitRefused
	}
	switch {
	case r.err != nil:
		fmt.Fprintf(a.stderr, "guard sudo: not run: reading the code on standard input: %v\n", r.err)
		return exitRefused
	case len(r.data) > maxPipedCode:
		fmt.Fprintf(a.stderr, "guard sudo: not run: sudo %s would run what comes down the pipe as code, and more than %d MB came: guard judges at most that much, and nothing was run\n",
			strings.Join(args, " "), maxPipedCode>>20)
		fmt.Fprintln(a.stderr, "  instead: save it to a file, read it, then run the file: … > /tmp/job.sh; less /tmp/job.sh; guard sudo bash /tmp/job.sh")
		return exitRefused
	}
	feed.code, feed.read = r.data, true
	return exitOK
}

// feedStdin makes code guard sudo's standard input, which sudo and the
// command inherit: a new pipe holding exactly those bytes (as before, a
// pipe), or, if the pipe cannot be made that large, an anonymous file.
func feedStdin(code []byte) error {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return fmt.Errorf("making a pipe: %w", err)
	}
	size, err := unix.FcntlInt(uintptr(fds[1]), unix.F_GETPIPE_SZ, 0)
	if err == nil && size < len(code) {
		size, err = unix.FcntlInt(uintptr(fds[1]), unix.F_SETPIPE_SZ, len(code))
	}
	if err == nil && size >= len(code) {
		defer unix.Close(fds[0])
		if _, err := unix.Write(fds[1], code); err != nil && len(code) > 0 {
			unix.Close(fds[1])
			return fmt.Errorf("writing to the pipe: %w", err)
		}
		unix.Close(fds[1])
		return unix.Dup3(fds[0], 0, 0)
	}
	unix.Close(fds[0])
	unix.Close(fds[1])
	fd, err := unix.MemfdCreate("guard-sudo-stdin", unix.MFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("making an anonymous file: %w", err)
	}
	defer unix.Close(fd)
	f := os.NewFile(uintptr(fd), "guard-sudo-stdin")
	if _, err := f.Write(code); err != nil {
		return fmt.Errorf("writing the anonymous file: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewinding the anonymous file: %w", err)
	}
	return unix.Dup3(fd, 0, 0)
}

// sudoWayPast is what the operator types to run a refused guard sudo line
// deliberately: the same command with the rules acknowledged, and, when
// its standard input was not a terminal, the same input again (the line
// guard judged names guard's own descriptor, which means nothing later).
func sudoWayPast(rules, args []string, stdin bool) string {
	s := "GUARD_ALLOW=" + strings.Join(rules, ",") + " guard sudo " + quoteWords(args)
	if stdin {
		s += " (with the same standard input)"
	}
	return s
}

// quoteWords joins words as bash would read them back, quoted only where
// they need it.
func quoteWords(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		q, err := syntax.Quote(w, syntax.LangBash)
		if err != nil {
			q = gate.Quote(w)
		}
		quoted[i] = q
	}
	return strings.Join(quoted, " ")
}

// sudoTarget is the user sudo runs the command as: -u USER, else root.
func sudoTarget(args []string) string {
	target := "root"
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--" || !strings.HasPrefix(a, "-"):
			return target
		case a == "-u" || a == "--user":
			if i+1 < len(args) {
				target = args[i+1]
				i++
			}
		case strings.HasPrefix(a, "--user="):
			target = strings.TrimPrefix(a, "--user=")
		case strings.HasPrefix(a, "-u"):
			target = a[2:]
		case len(a) == 2 && strings.Contains("gCDhprtTUR", a[1:]):
			i++ // an option with a value
		}
	}
	return target
}

// targetHost is the host as the command sees it under sudo: the target
// user's HOME, USER and LOGNAME (sudo resets them), so that ~ and $HOME in
// what sudo runs, and the rules that protect a home, are judged for the
// user it runs as.
//
// stdin, when set, is what the command reads on standard input: a pipe or
// a socket is seen as what it is (a link under /proc names none of them by
// a path), so that a shell reading it is known to read code guard cannot
// see; once guard has read it, it is that content.
type targetHost struct {
	guard.Host
	user, home string
	stdin      *stdinFeed
}

func (h targetHost) Lstat(path string) (fs.FileInfo, error) {
	switch {
	case h.stdin == nil || path != h.stdin.path:
	case h.stdin.read:
		return readInput{size: int64(len(h.stdin.code))}, nil
	default:
		return os.Stat(path)
	}
	return h.Host.Lstat(path)
}

func (h targetHost) ReadFile(path string, limit int64) ([]byte, error) {
	if h.stdin != nil && path == h.stdin.path {
		h.stdin.asked = true
		if h.stdin.read {
			return h.stdin.code[:min(int64(len(h.stdin.code)), limit)], nil
		}
	}
	return h.Host.ReadFile(path, limit)
}

// readInput describes standard input once guard sudo has read it: a file
// of that content.
type readInput struct{ size int64 }

func (r readInput) Name() string       { return "0" }
func (r readInput) Size() int64        { return r.size }
func (r readInput) Mode() fs.FileMode  { return 0o400 }
func (r readInput) ModTime() time.Time { return time.Time{} }
func (r readInput) IsDir() bool        { return false }
func (r readInput) Sys() any           { return nil }

func (h targetHost) Getenv(name string) (string, bool) {
	switch name {
	case "HOME":
		return h.home, h.home != ""
	case "USER", "LOGNAME":
		return h.user, true
	}
	return h.Host.Getenv(name)
}

// realSudo finds sudo on PATH, skipping guard itself (a /usr/local/bin/sudo
// shim that is guard).
func (a *app) realSudo() string {
	if s := a.getenv("GUARD_REAL_SUDO"); s != "" {
		return s
	}
	self, _ := os.Executable()
	selfReal, _ := filepath.EvalSymlinks(self)
	for _, dir := range filepath.SplitList(a.getenv("PATH")) {
		candidate := filepath.Join(dir, "sudo")
		resolved, err := filepath.EvalSymlinks(candidate)
		if err != nil || resolved == selfReal {
			continue
		}
		if p, err := exec.LookPath(candidate); err == nil {
			return p
		}
	}
	return ""
}
