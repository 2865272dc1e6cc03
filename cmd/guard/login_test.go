package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loginBox: guard installed as guard-shell in a sandbox, with a stand-in
// "ssh" that does what sshd does with a command: run the user's shell as
// `SHELL -c "the words joined"`.
type loginBox struct {
	t     *testing.T
	dir   string
	shell string // the guard-shell link
	ssh   string // the stand-in ssh for rsync -e, scp -S, GIT_SSH_COMMAND
	env   []string
}

func newLoginBox(t *testing.T) *loginBox {
	guard := builtGuard(t)
	b := &loginBox{t: t, dir: t.TempDir()}
	bin := filepath.Join(b.dir, "bin")
	os.MkdirAll(bin, 0o755)
	os.MkdirAll(filepath.Join(b.dir, "home"), 0o755)
	b.shell = filepath.Join(bin, "guard-shell")
	if err := os.Symlink(guard, b.shell); err != nil {
		t.Fatal(err)
	}
	b.ssh = filepath.Join(bin, "fake-ssh")
	// Skip ssh's options (and the values of those that take one), drop the
	// host, hand the rest to the login shell as sshd does.
	script := `#!/bin/sh
while [ $# -gt 0 ]; do
	case "$1" in
	-[bcDEeFIiJLlmOopQRSWw]) shift 2 ;;
	-*) shift ;;
	*) break ;;
	esac
done
shift
exec ` + b.shell + ` -c "$*"
`
	os.WriteFile(b.ssh, []byte(script), 0o755)
	os.WriteFile(filepath.Join(bin, "dockerd"), []byte("#!/bin/sh\ntouch "+filepath.Join(b.dir, "dockerd-ran")+"\n"), 0o755)
	b.env = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + filepath.Join(b.dir, "home"), "NO_COLOR=1",
		"GUARD_SNAPSHOTS=" + filepath.Join(b.dir, "snaps"), "SHELL=" + b.shell, "LANG=C.UTF-8",
		"GUARD_ETC=" + filepath.Join(b.dir, "etc"), "GUARD_AUDIT_FILE=" + filepath.Join(b.dir, "audit.jsonl"),
		"GUARD_STATE=" + filepath.Join(b.dir, "state")}
	return b
}

func (b *loginBox) run(stdin string, name string, args ...string) (stdout, stderr string, code int) {
	b.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = b.dir
	cmd.Env = b.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		b.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestLoginShellCommandPassesThrough: argv, stdin, stdout and the exit
// status reach the command exactly.
func TestLoginShellCommandPassesThrough(t *testing.T) {
	b := newLoginBox(t)
	out, errOut, code := b.run("from stdin\n", b.shell, "-c", `printf '%s|%s|' "$0" "$1"; cat; exit 7`, "zero", "one")
	if out != "zero|one|from stdin\n" || code != 7 || errOut != "" {
		t.Errorf("got stdout %q stderr %q exit %d", out, errOut, code)
	}
	binary := string(bytes.Repeat([]byte{0, 1, 2, 255, '\n'}, 1000))
	out, _, _ = b.run(binary, b.shell, "-c", "cat")
	if out != binary {
		t.Error("binary data through the shell was altered")
	}
}

func TestLoginShellRefuses(t *testing.T) {
	b := newLoginBox(t)
	_, errOut, code := b.run("", b.shell, "-c", "dockerd -H tcp://0.0.0.0:2375; touch after")
	if code != exitBlock || !strings.Contains(errOut, "docker-tcp-exposed") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(b.dir, "dockerd-ran")); err == nil {
		t.Fatal("a blocked command ran through the login shell")
	}
	// a confirm without a terminal (ssh host cmd without -t) is refused
	os.MkdirAll(filepath.Join(b.dir, "store"), 0o755)
	os.WriteFile(filepath.Join(b.dir, "store", "keep"), []byte("x"), 0o644)
	os.Symlink(filepath.Join(b.dir, "store"), filepath.Join(b.dir, "data"))
	_, errOut, code = b.run("", "setsid", b.shell, "-c", "rm -rf data/")
	if code != exitRefused || !strings.Contains(errOut, "no terminal to ask on") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(b.dir, "store", "keep")); err != nil {
		t.Fatal("a refused confirm ran")
	}
}

// TestRsyncScpGitThroughLoginShell: the programs that arrive as ssh
// commands keep working through guard-shell.
func TestRsyncScpGitThroughLoginShell(t *testing.T) {
	need(t, "rsync", "scp", "git")
	b := newLoginBox(t)
	src := filepath.Join(b.dir, "src")
	os.MkdirAll(filepath.Join(src, "deep"), 0o755)
	os.WriteFile(filepath.Join(src, "deep", "file.bin"), bytes.Repeat([]byte{7, 0, 255}, 50000), 0o640)
	os.WriteFile(filepath.Join(src, "top.txt"), []byte("top\n"), 0o644)

	if out, errOut, code := b.run("", "rsync", "-a", "-e", b.ssh, src+"/", "backup-host:"+filepath.Join(b.dir, "rsynced")+"/"); code != 0 {
		t.Fatalf("rsync through guard-shell: exit %d\n%s%s", code, out, errOut)
	}
	if out, _, code := b.run("", "diff", "-r", src, filepath.Join(b.dir, "rsynced")); code != 0 {
		t.Errorf("rsync copy differs:\n%s", out)
	}

	if out, errOut, code := b.run("", "scp", "-O", "-q", "-S", b.ssh, filepath.Join(src, "top.txt"), "host:"+filepath.Join(b.dir, "scped.txt")); code != 0 {
		t.Fatalf("scp through guard-shell: exit %d\n%s%s", code, out, errOut)
	}
	if data, _ := os.ReadFile(filepath.Join(b.dir, "scped.txt")); string(data) != "top\n" {
		t.Errorf("scp copied %q", data)
	}

	repo := filepath.Join(b.dir, "repo")
	for _, args := range [][]string{{"init", "-q", "-b", "main", repo}, {"-C", repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "first"}} {
		if out, errOut, code := b.run("", "git", args...); code != 0 {
			t.Fatalf("git %v: %s%s", args, out, errOut)
		}
	}
	b.env = append(b.env, "GIT_SSH_COMMAND="+b.ssh)
	if out, errOut, code := b.run("", "git", "clone", "-q", "host:"+repo, filepath.Join(b.dir, "clone")); code != 0 {
		t.Fatalf("git clone through guard-shell: exit %d\n%s%s", code, out, errOut)
	}
	if out, _, _ := b.run("", "git", "-C", filepath.Join(b.dir, "clone"), "log", "--format=%s"); out != "first\n" {
		t.Errorf("cloned log %q", out)
	}
}

// TestRescueShell: when the real shell cannot start (as when /lib is
// gone), guard's built-in shell takes over, still judging every line.
func TestRescueShell(t *testing.T) {
	b := newLoginBox(t)
	b.env = append(b.env, "GUARD_REAL_SHELL="+filepath.Join(b.dir, "no-such-bash"))
	out, errOut, code := b.run("", b.shell, "-c", "echo rescued; cd /tmp && echo \"$PWD\"")
	if out != "rescued\n/tmp\n" || code != 0 || !strings.Contains(errOut, "rescue shell") {
		t.Errorf("got %q, %q, exit %d", out, errOut, code)
	}
	_, errOut, code = b.run("", b.shell, "-c", "dockerd -H tcp://0.0.0.0:2375")
	if code != exitBlock {
		t.Errorf("the rescue shell let a blocked line through: exit %d %s", code, errOut)
	}
	out, _, _ = b.run("echo one\nx=2; echo \"two $x\"\nexit 4\necho never\n", b.shell)
	if out != "one\ntwo 2\n" {
		t.Errorf("rescue shell reading stdin: %q", out)
	}
	// A line is judged in the state the earlier lines left: a folder the
	// site protects, named in a variable one line before.
	sys := filepath.Join(b.dir, "sys")
	os.MkdirAll(filepath.Join(sys, "keep"), 0o755)
	os.WriteFile(filepath.Join(sys, "keep", "precious"), []byte("x\n"), 0o644)
	os.MkdirAll(filepath.Join(b.dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(b.dir, "etc", "guard.toml"), []byte("protected = [\""+sys+"\"]\n"), 0o644)
	_, errOut, code = b.run("x="+sys+"/keep\nrm -rf \"$x\"\n", b.shell)
	if _, err := os.Stat(filepath.Join(sys, "keep", "precious")); err != nil || code != exitBlock {
		t.Fatalf("the rescue shell ran a line whose target an earlier line set: exit %d\n%s", code, errOut)
	}
}

// TestInteractiveLoginShell starts guard-shell as login(1) and sshd do
// (argv[0] "-guard-shell") in tmux: the user's profile runs, then the hook.
func TestInteractiveLoginShell(t *testing.T) {
	need(t, "tmux")
	b := newLoginBox(t)
	os.WriteFile(filepath.Join(b.dir, "home", ".bash_profile"), []byte("PS1='LOGIN$ '\ntrap - DEBUG # a profile cannot remove the hook: it is installed after\n"), 0o644)
	box := &shellBox{t: t, dir: b.dir, socket: "guard-login-" + filepath.Base(b.dir)}
	tm := exec.Command("tmux", "-L", box.socket, "-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50", "-c", b.dir,
		"env -i "+strings.Join(b.env, " ")+" TERM=xterm bash -c 'exec -a -guard-shell "+b.shell+"'")
	if out, err := tm.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-L", box.socket, "kill-server").Run() })
	box.waitScreen(`LOGIN\$ $`)
	box.send("dockerd -H tcp://0.0.0.0:2375; touch after")
	box.waitScreen(`not run: the line is blocked`)
	if _, err := os.Stat(filepath.Join(b.dir, "dockerd-ran")); err == nil {
		t.Fatalf("a blocked line ran in the login shell:\n%s", box.screen())
	}
	box.send("echo shell=$0 hooked=$__guard_loaded")
	box.waitScreen(`shell=bash hooked=1`)
}

// TestBrokenPolicyNeverBlocksLogin: an unreadable or invalid policy warns,
// and the command still runs, with the built-in rules on.
func TestBrokenPolicyNeverBlocksLogin(t *testing.T) {
	b := newLoginBox(t)
	etc := filepath.Join(b.dir, "etc")
	os.MkdirAll(filepath.Join(etc, "guard.d"), 0o755)
	os.WriteFile(filepath.Join(etc, "guard.toml"), []byte("[rules\nthis is not toml"), 0o644)
	os.WriteFile(filepath.Join(etc, "guard.d", "10.toml"), []byte("x"), 0o000) // unreadable as non-root; invalid as root
	out, errOut, code := b.run("", b.shell, "-c", "echo logged-in")
	if out != "logged-in\n" || code != 0 || !regexp.MustCompile(`etc/guard.toml:\d+:\d+: `).MatchString(errOut) {
		t.Errorf("got %q, exit %d, stderr %q", out, code, errOut)
	}
	_, _, code = b.run("", b.shell, "-c", "dockerd -H tcp://0.0.0.0:2375")
	if code != exitBlock {
		t.Errorf("with a broken policy the built-in rules must still block: exit %d", code)
	}
}

// TestStdinStreamBounds: a loop sent in two parts by a program that then
// waits for its output is run as soon as it is complete (never kept
// waiting for input that will not come); a 16 MB script on the login
// shell's standard input is judged in bounded memory.
func TestStdinStreamBounds(t *testing.T) {
	b := newLoginBox(t)
	cmd := exec.Command(b.shell)
	cmd.Dir, cmd.Env = b.dir, b.env
	stdin, _ := cmd.StdinPipe()
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "for i in 1 2; do\n")
	time.Sleep(200 * time.Millisecond)
	io.WriteString(stdin, "echo loop$i\ndone\n")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "loop2") {
		if time.Now().After(deadline) {
			t.Fatalf("a loop completed in a second part never ran while the input stayed open: %q", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stdin.Close()
	cmd.Wait()

	// 16 MB of harmless commands: judged and run, or refused as too large,
	// but in bounded memory either way.
	big := strings.Repeat("echo this is a harmless line of a very long script > /dev/null\n", 16<<20/64)
	cmd = exec.Command(b.shell)
	cmd.Dir, cmd.Env, cmd.Stdin = b.dir, b.env, strings.NewReader(big)
	start := time.Now()
	cmd.Run()
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KB, the largest process: guard or bash
	t.Logf("16 MB on stdin: %v, peak RSS %d MB", time.Since(start).Round(time.Millisecond), rss>>10)
	if rss > 150<<10 {
		t.Errorf("a 16 MB script on stdin took %d MB", rss>>10)
	}
}

// TestCarriageReturnHidesNoLine: bash takes a carriage return as part of a
// word, so `: \` CR LF ends a harmless line and the next one runs. guard
// must read it the same way, through -c and through a script on stdin.
func TestCarriageReturnHidesNoLine(t *testing.T) {
	b := newLoginBox(t)
	line := ": \\\r\ndockerd -H tcp://0.0.0.0:2375\n"
	if _, errOut, code := b.run("", b.shell, "-c", line); code != exitBlock {
		t.Errorf("-c: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := b.run(line, b.shell); !strings.Contains(errOut, "docker-tcp-exposed") || code == 0 {
		t.Errorf("stdin: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(b.dir, "dockerd-ran")); err == nil {
		t.Fatal("a line hidden behind a carriage return ran")
	}
}

// TestStdinScriptReadingItself: a script on the login shell's standard
// input whose `read` takes the next line as data: what guard would have
// taken as a here-document's body is code to bash, and must not run.
func TestStdinScriptReadingItself(t *testing.T) {
	b := newLoginBox(t)
	for _, script := range []string{
		"read -r _\n: <<'X'\ndockerd -H tcp://0.0.0.0:2375\nX\n",
		"echo one\nread -r _\n", // the read ends the first part…
		"bash <<'EOF'\nread -r _\necho '\ndockerd -H tcp://0.0.0.0:2375\n'\nEOF\n",
	} {
		if strings.HasSuffix(script, "read -r _\n") {
			script += ": <<'X'\ndockerd -H tcp://0.0.0.0:2375\nX\n" // …and takes the second's first line
		}
		_, errOut, code := b.run(script, b.shell)
		if code == 0 || !strings.Contains(errOut, "docker-tcp-exposed") {
			t.Errorf("%q: exit %d, stderr %q", script, code, errOut)
		}
		if _, err := os.Stat(filepath.Join(b.dir, "dockerd-ran")); err == nil {
			t.Fatalf("%q: a line a read uncovered ran", script)
		}
	}
	// A read that takes its line from elsewhere changes nothing.
	out, errOut, code := b.run("read -r x < /etc/hostname\n: <<'X'\ndockerd -H tcp://0.0.0.0:2375\nX\necho done\n", b.shell)
	if code != 0 || out != "done\n" {
		t.Errorf("a harmless script: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestLoginCommandUsesBashrc: bash started by sshd for `ssh host cmd`
// reads ~/.bashrc first, so cmd may be a function or an alias from it:
// judged as what it runs.
func TestLoginCommandUsesBashrc(t *testing.T) {
	b := newLoginBox(t)
	rc := "cleanup() { dockerd -H tcp://0.0.0.0:2375; }\nshopt -s expand_aliases\nalias tidy='dockerd -H tcp://0.0.0.0:2375'\n"
	os.WriteFile(filepath.Join(b.dir, "home", ".bashrc"), []byte(rc), 0o644)
	for _, line := range []string{"cleanup", "tidy"} {
		_, errOut, code := b.run("", b.shell, "-c", line)
		if code != exitBlock || !strings.Contains(errOut, "docker-tcp-exposed") {
			t.Errorf("%s: exit %d, stderr %q", line, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(b.dir, "dockerd-ran")); err == nil {
		t.Fatal("a function from ~/.bashrc ran unjudged")
	}
	if out, _, code := b.run("", b.shell, "-c", "echo fine"); code != 0 || out != "fine\n" {
		t.Errorf("a plain command with a ~/.bashrc: exit %d, %q", code, out)
	}
}

// TestLoginShellReadsOptionsAsBash: guard-shell hands bash the arguments it
// was given, so it finds the code where bash does. Each of these once ran
// its command unjudged: the word after -c is not the command when options
// follow it, +c is -c, -norc is a long option holding a c, o and O take a
// value, and -s reads standard input whatever the operands.
func TestLoginShellReadsOptionsAsBash(t *testing.T) {
	b := newLoginBox(t)
	store := filepath.Join(b.dir, "store")
	os.Symlink(store, filepath.Join(b.dir, "data"))
	harmless := filepath.Join(b.dir, "harmless.sh")
	os.WriteFile(harmless, []byte("echo harmless\n"), 0o644)
	for _, args := range [][]string{
		{"-c", "-e", "rm -rf data/"},
		{"-c", "--", "rm -rf data/"},
		{"-c", "-o", "errexit", "rm -rf data/"},
		{"-o", "errexit", "-c", "rm -rf data/"},
		{"-eo", "pipefail", "-c", "rm -rf data/"},
		{"-O", "extglob", "-c", "rm -rf data/"},
		{"+c", "rm -rf data/"},
		{"-norc", "-c", "rm -rf data/"},
		{"--rcfile", "/dev/null", "-c", "rm -rf data/"},
		{"-c", `rm -rf "$1"`, "_", "data/"},
		{"-c", `"$0" -rf data/`, "rm"},
		{"-s", harmless},
		{"+s", harmless},
		{"-o", "errexit"},
	} {
		os.MkdirAll(filepath.Join(store, "sub"), 0o755)
		sentinel := filepath.Join(store, "sub", "precious")
		os.WriteFile(sentinel, []byte("x"), 0o644)
		_, errOut, code := b.run("rm -rf data/\n", "setsid", append([]string{b.shell}, args...)...)
		if _, err := os.Stat(sentinel); err != nil {
			t.Fatalf("guard-shell %q ran a refused command (exit %d, stderr %q)", args, code, errOut)
		}
		if code != exitRefused || !strings.Contains(errOut, "rm-symlink-slash") {
			t.Errorf("guard-shell %q: exit %d, stderr %q", args, code, errOut)
		}
	}
	// bash refuses an option it does not know, and so does guard-shell.
	if _, errOut, code := b.run("", b.shell, "-e", "--norc", "-c", "true"); code != exitUsage || !strings.Contains(errOut, "invalid option") {
		t.Errorf("an option bash refuses: exit %d, stderr %q", code, errOut)
	}
	// The harmless look-alikes still run.
	out, _, code := b.run("", b.shell, "-c", "-e", `echo "ran $1"`, "_", "data/")
	if out != "ran data/\n" || code != 0 {
		t.Errorf("a harmless -c -e command: stdout %q, exit %d", out, code)
	}
	out, _, code = b.run("", b.shell, "-c", `"$0" "as $0"`, "echo")
	if out != "as echo\n" || code != 0 {
		t.Errorf("a harmless \"$0\" command: stdout %q, exit %d", out, code)
	}
	out, _, code = b.run("echo from stdin \"$1\"\n", b.shell, "-s", "one")
	if out != "from stdin one\n" || code != 0 {
		t.Errorf("a harmless -s script: stdout %q, exit %d", out, code)
	}
}

// TestLoginShellJudgesBashEnv: a bash that runs a command or a script
// (not an interactive one) first sources the file $BASH_ENV names, after
// expanding it (a command substitution in the value runs too). guard-shell
// judged only the command, so BASH_ENV=fix.sh guard-shell -c true ran
// fix.sh unseen; a script on standard input was worse, since bash sources
// it as it starts.
func TestLoginShellJudgesBashEnv(t *testing.T) {
	b := newLoginBox(t)
	store := filepath.Join(b.dir, "store")
	os.Symlink(store, filepath.Join(b.dir, "data"))
	evil := filepath.Join(b.dir, "fix.sh")
	os.WriteFile(evil, []byte("rm -rf "+filepath.Join(b.dir, "data")+"/\n"), 0o644)
	harmless := filepath.Join(b.dir, "harmless.sh")
	os.WriteFile(harmless, []byte("greeting=hello\n"), 0o644)
	env := b.env
	defer func() { b.env = env }()
	for _, c := range []struct {
		bashEnv string
		stdin   string
		args    []string
	}{
		{evil, "", []string{"-c", "true"}},
		{"$(rm -rf " + filepath.Join(b.dir, "data") + "/)", "", []string{"-c", "true"}},
		{evil, "", []string{harmless}},
		{evil, "true\n", nil},
	} {
		os.MkdirAll(filepath.Join(store, "sub"), 0o755)
		sentinel := filepath.Join(store, "sub", "precious")
		os.WriteFile(sentinel, []byte("x"), 0o644)
		b.env = append(slices.Clone(env), "BASH_ENV="+c.bashEnv)
		_, errOut, code := b.run(c.stdin, "setsid", append([]string{b.shell}, c.args...)...)
		if _, err := os.Stat(sentinel); err != nil {
			t.Fatalf("BASH_ENV=%s guard-shell %q ran it unjudged (exit %d, stderr %q)", c.bashEnv, c.args, code, errOut)
		}
		if code != exitRefused || !strings.Contains(errOut, "rm-symlink-slash") {
			t.Errorf("BASH_ENV=%s guard-shell %q: exit %d, stderr %q", c.bashEnv, c.args, code, errOut)
		}
	}
	b.env = append(slices.Clone(env), "BASH_ENV="+harmless)
	out, errOut, code := b.run("", "setsid", b.shell, "-c", `echo "$greeting"`)
	if out != "hello\n" || code != 0 {
		t.Errorf("a harmless BASH_ENV: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
}

// TestLoginShellJudgesItsEnvironment: sshd passes the variables a client
// sends (SendEnv, AcceptEnv), su and cron pass their own, and bash makes
// code of some of them before the command runs: a function exported as
// BASH_FUNC_NAME%% replaces the program of that name, and PS4 is expanded
// at every command traced (SHELLOPTS=xtrace, or set -x in the command),
// a substitution in it included. guard-shell judged only the command, so
// each of these ran its rm unjudged. bash ignores PS4 from the
// environment as root: those cases run as nobody.
func TestLoginShellJudgesItsEnvironment(t *testing.T) {
	need(t, "setpriv", "setsid")
	bin := builtGuard(t)
	dir, err := os.MkdirTemp("", "guard-env-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	os.Chmod(bin, 0o755)
	os.Chmod(filepath.Dir(bin), 0o755)
	shell := filepath.Join(dir, "guard-shell")
	if err := os.Symlink(bin, shell); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")
	os.Symlink(store, filepath.Join(dir, "data"))
	rm := "rm -rf " + filepath.Join(dir, "data") + "/"
	run := func(asNobody bool, env []string, stdin string, args ...string) (string, string, int) {
		argv := append([]string{"setsid", shell}, args...)
		if asNobody {
			argv = append([]string{"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"}, argv...)
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + dir, "NO_COLOR=1", "GUARD_ETC=" + dir + "/etc",
			"GUARD_AUDIT_FILE=" + dir + "/audit.jsonl", "GUARD_SNAPSHOTS=" + dir + "/snaps", "GUARD_STATE=" + dir + "/state"}, env...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if exit, ok := err.(*exec.ExitError); ok {
			return out.String(), errb.String(), exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), 0
	}
	for _, c := range []struct {
		name     string
		asNobody bool
		env      []string
		stdin    string
		args     []string
	}{
		{"an exported function named as the command", false, []string{"BASH_FUNC_ls%%=() { " + rm + "; }"}, "", []string{"-c", "ls"}},
		{"an exported function called by a script on stdin", false, []string{"BASH_FUNC_ls%%=() { " + rm + "; }"}, "ls\n", nil},
		{"PS4 traced by SHELLOPTS", true, []string{"PS4=$(" + rm + ")", "SHELLOPTS=xtrace"}, "", []string{"-c", "true"}},
		{"PS4 traced by the command's own set -x", true, []string{"PS4=$(" + rm + ")"}, "", []string{"-c", "set -x; true"}},
		{"PS4 traced in a script on stdin", true, []string{"PS4=$(" + rm + ")", "SHELLOPTS=xtrace"}, "true\n", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.MkdirAll(filepath.Join(store, "sub"), 0o777)
			sentinel := filepath.Join(store, "sub", "precious")
			os.WriteFile(sentinel, []byte("x"), 0o666)
			os.Chmod(store, 0o777)
			os.Chmod(filepath.Join(store, "sub"), 0o777)
			_, errOut, code := run(c.asNobody, c.env, c.stdin, c.args...)
			if _, err := os.Stat(sentinel); err != nil {
				t.Fatalf("guard-shell %q with %q ran it unjudged (exit %d, stderr %q)", c.args, c.env, code, errOut)
			}
			if code != exitRefused || !strings.Contains(errOut, "rm-symlink-slash") {
				t.Errorf("exit %d, want %d with rm-symlink-slash; stderr %q", code, exitRefused, errOut)
			}
		})
	}
	// The look-alikes run: a helper function, a PS4 that shows the line.
	if out, errOut, code := run(false, []string{`BASH_FUNC_greet%%=() { echo "hello $1"; }`}, "", "-c", "greet you"); out != "hello you\n" || code != 0 {
		t.Errorf("an exported helper: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
	if out, errOut, code := run(true, []string{"PS4=+${LINENO}: ", "SHELLOPTS=xtrace"}, "", "-c", "echo ok"); out != "ok\n" || code != 0 || !strings.Contains(errOut, "+1: echo ok") {
		t.Errorf("a PS4 that shows the line: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
}
