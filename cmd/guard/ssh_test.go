package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The sshd tests run a real sshd on a loopback port, logging in as the
// guardssh user whose login shell is guardShellPath (./test.sh creates the
// user; the tests point that path at the binary they build). Every
// sentinel lives in a sandbox folder owned by guardssh.
const guardShellPath = "/usr/local/lib/guard-test/guard-shell"

type sshBox struct {
	t       *testing.T
	dir     string // the test's folder: keys, config, logs
	sandbox string // guardssh's working folder for the commands
	home    string // guardssh's home
	port    int
	key     string
	uid     int
	gid     int
	stands  string // log of the stand-ins that ran
}

func startSSHD(t *testing.T) *sshBox {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the sshd tests start sshd and act as the guardssh user: run them as root (./test.sh)")
	}
	sshd := "/usr/sbin/sshd"
	if _, err := os.Stat(sshd); err != nil {
		t.Fatal("sshd is not installed: ./test.sh installs openssh-server")
	}
	need(t, "ssh", "ssh-keygen", "crontab")
	u, err := user.Lookup("guardssh")
	if err != nil {
		t.Fatal("no guardssh user: ./test.sh creates it")
	}
	if shell := loginShellOf(t, "guardssh"); shell != guardShellPath {
		t.Fatalf("guardssh's login shell is %q, want %s (./test.sh sets it)", shell, guardShellPath)
	}
	// Not t.TempDir: its parent is private, and sshd reads the keys and
	// guardssh writes its snapshots here.
	dir, err := os.MkdirTemp("", "guard-sshd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b := &sshBox{t: t, dir: dir, home: u.HomeDir}
	b.uid, _ = strconv.Atoi(u.Uid)
	b.gid, _ = strconv.Atoi(u.Gid)

	// The login shell: this test run's guard binary.
	guard := builtGuard(t)
	installed := filepath.Join(filepath.Dir(guardShellPath), "guard")
	data, err := os.ReadFile(guard)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(guardShellPath), 0o755)
	if err := os.WriteFile(installed+".new", data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(installed+".new", installed); err != nil {
		t.Fatal(err)
	}
	os.Remove(guardShellPath)
	if err := os.Symlink("guard", guardShellPath); err != nil {
		t.Fatal(err)
	}

	os.Chmod(b.dir, 0o755)
	b.sandbox = filepath.Join(b.dir, "sandbox")
	b.stands = filepath.Join(b.dir, "state", "stand-ins.log")
	for _, d := range []string{"sandbox", "bin", "etc", "snaps", "state"} {
		p := filepath.Join(b.dir, d)
		os.MkdirAll(p, 0o755)
		os.Chown(p, b.uid, b.gid)
	}
	// Stand-ins first on PATH for the dangerous programs: they only log.
	standIn := "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> " + b.stands + "\n"
	for _, name := range []string{"dockerd", "reboot", "dd"} {
		os.WriteFile(filepath.Join(b.dir, "bin", name), []byte(standIn), 0o755)
	}
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(b.dir, "host_key"))
	b.key = filepath.Join(b.dir, "client_key")
	run(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", b.key)
	pub, _ := os.ReadFile(b.key + ".pub")
	os.WriteFile(filepath.Join(b.dir, "authorized_keys"), pub, 0o644)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	config := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s/host_key
PidFile %s/sshd.pid
AuthorizedKeysFile %s/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowUsers guardssh
PrintMotd no
PrintLastLog no
Subsystem sftp internal-sftp
AcceptEnv LANG LC_* BASH_FUNC_* PS4 SHELLOPTS BASH_ENV ENV
SetEnv GUARD_ETC=%s/etc GUARD_SNAPSHOTS=%s/snaps GUARD_AUDIT_FILE=%s/state/audit.jsonl GUARD_STATE=%s/state NO_COLOR=1 PATH=%s/bin:/usr/local/bin:/usr/bin:/bin
`, b.port, b.dir, b.dir, b.dir, b.dir, b.dir, b.dir, b.dir, b.dir)
	os.WriteFile(filepath.Join(b.dir, "sshd_config"), []byte(config), 0o644)
	os.MkdirAll("/run/sshd", 0o755) // sshd's privilege separation folder
	cmd := exec.Command(sshd, "-D", "-e", "-f", filepath.Join(b.dir, "sshd_config"))
	logFile, _ := os.Create(filepath.Join(b.dir, "sshd.log"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		logFile.Close()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", b.port))
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			deadline = time.Now()
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(b.dir, "sshd.log"))
			t.Fatalf("sshd did not listen: %s", log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return b
}

func loginShellOf(t *testing.T, name string) string {
	out, err := exec.Command("getent", "passwd", name).Output()
	if err != nil {
		t.Fatalf("getent passwd %s: %v", name, err)
	}
	fields := strings.Split(strings.TrimSpace(string(out)), ":")
	return fields[len(fields)-1]
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// sshArgs are the client's arguments up to the destination.
func (b *sshBox) sshArgs(extra ...string) []string {
	args := []string{"-i", b.key, "-p", strconv.Itoa(b.port), "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"}
	return append(append(args, extra...), "guardssh@127.0.0.1")
}

// ssh runs the client with stdin and no terminal, as scripts do.
func (b *sshBox) ssh(stdin string, args ...string) (stdout, stderr string, code int) {
	b.t.Helper()
	cmd := exec.Command("ssh", append(b.sshArgs(), args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		b.t.Fatalf("ssh %v hung; stderr so far: %s", args, errb.String())
	}
	return out.String(), errb.String(), code
}

// file creates a file in the sandbox, owned by guardssh.
func (b *sshBox) file(rel, content string) string {
	p := filepath.Join(b.sandbox, rel)
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte(content), 0o644)
	b.chownAll()
	return p
}

func (b *sshBox) chownAll() {
	filepath.Walk(b.sandbox, func(p string, _ os.FileInfo, _ error) error {
		os.Lchown(p, b.uid, b.gid)
		return nil
	})
}

// linkedStore makes sandbox/lib a symbolic link to sandbox/store, which
// holds a sentinel: `rm -rf lib/` empties store, as in the postmortem.
func (b *sshBox) linkedStore() string {
	sentinel := b.file("store/sentinel", "a wrongly run rm -rf lib/ removes this\n")
	os.Symlink(filepath.Join(b.sandbox, "store"), filepath.Join(b.sandbox, "lib"))
	b.chownAll()
	return sentinel
}

func (b *sshBox) standInsRan() string {
	data, _ := os.ReadFile(b.stands)
	return string(data)
}

func (b *sshBox) crontab(content string) {
	b.t.Helper()
	cmd := exec.Command("crontab", "-u", "guardssh", "-")
	cmd.Stdin = strings.NewReader(content)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.t.Fatalf("crontab -u guardssh: %v %s", err, out)
	}
	b.t.Cleanup(func() { exec.Command("crontab", "-u", "guardssh", "-r").Run() })
}

func (b *sshBox) crontabHas(entry string) bool {
	out, _ := exec.Command("crontab", "-u", "guardssh", "-l").Output()
	return strings.Contains(string(out), entry)
}

func TestSSHCommands(t *testing.T) {
	b := startSSHD(t)
	out, errOut, code := b.ssh("from stdin\n", `printf '%s|' "$0"; cat; exit 7`)
	if !strings.HasSuffix(out, "|from stdin\n") || code != 7 {
		t.Errorf("a plain command through sshd and guard-shell: stdout %q stderr %q exit %d", out, errOut, code)
	}
	_, errOut, code = b.ssh("", "dockerd -H tcp://0.0.0.0:2375; touch "+b.sandbox+"/after")
	if code != exitBlock || !strings.Contains(errOut, "docker-tcp-exposed") {
		t.Errorf("blocked command: exit %d, stderr %q", code, errOut)
	}
	if ran := b.standInsRan(); ran != "" || lexists(b.sandbox+"/after") {
		t.Fatalf("a blocked line ran over ssh: %q", ran)
	}
}

// TestSSHConfirmWithoutTerminal: ssh host 'crontab -r' (no -t): nobody can
// be asked, so it is refused, with the way past named; the crontab stays.
func TestSSHConfirmWithoutTerminal(t *testing.T) {
	b := startSSHD(t)
	b.crontab("17 3 * * * /usr/local/bin/nightly-backup\n")
	_, errOut, code := b.ssh("", "crontab -r")
	if code != exitRefused || !strings.Contains(errOut, "no terminal to ask on") || !strings.Contains(errOut, "--yes-i-know crontab-remove") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if !b.crontabHas("nightly-backup") {
		t.Fatal("crontab -r ran over ssh without a confirmation")
	}
}

// TestSSHUnansweredConfirmNeverRuns is the first case of the gate issue:
// ssh -t host 'crontab -r', the prompt appears, nobody answers for longer
// than any limit guard has inside; then Ctrl-C. The crontab must stay.
func TestSSHUnansweredConfirmNeverRuns(t *testing.T) {
	b := startSSHD(t)
	b.crontab("17 3 * * * /usr/local/bin/nightly-backup\n")
	s := startSession(t, os.Environ(), b.dir, append([]string{"ssh", "-tt"}, append(b.sshArgs(), "crontab -r")...)...)
	s.waitFor("type yes to run it")
	time.Sleep(7 * time.Second) // the old limit was 5 s, after which it ran
	if !b.crontabHas("nightly-backup") {
		t.Fatal("an unanswered confirmation ran the command")
	}
	s.tty.Write([]byte{3}) // Ctrl-C
	if code := s.exitCode(); code != exitRefused {
		t.Errorf("exit %d after Ctrl-C, want %d", code, exitRefused)
	}
	if !b.crontabHas("nightly-backup") {
		t.Fatal("Ctrl-C at the prompt ran the command")
	}

	// Typed ahead before the prompt shows: not an answer.
	s = startSession(t, os.Environ(), b.dir, append([]string{"ssh", "-tt"}, append(b.sshArgs(), "sleep 1; crontab -r")...)...)
	s.tty.Write([]byte("yes\n"))
	s.waitFor("type yes to run it")
	time.Sleep(500 * time.Millisecond)
	if !b.crontabHas("nightly-backup") {
		t.Fatal("text typed before the prompt was taken as its answer")
	}
	s.tty.Write([]byte{4}) // Ctrl-D: end of input
	if code := s.exitCode(); code != exitRefused || !b.crontabHas("nightly-backup") {
		t.Fatalf("exit %d after Ctrl-D", code)
	}

	// Answered yes: it runs, after a snapshot of the crontab.
	s = startSession(t, os.Environ(), b.dir, append([]string{"ssh", "-tt"}, append(b.sshArgs(), "crontab -r")...)...)
	s.waitFor("type yes to run it")
	s.tty.Write([]byte("yes\r"))
	if code := s.exitCode(); code != 0 {
		t.Fatalf("exit %d after yes", code)
	}
	if b.crontabHas("nightly-backup") {
		t.Fatal("confirmed, yet crontab -r did not run")
	}
	if snaps, _ := filepath.Glob(filepath.Join(b.dir, "snaps", "*", "manifest.json")); len(snaps) != 1 {
		t.Errorf("want one snapshot of the crontab, found %v", snaps)
	}
}

// TestSSHScriptOnStandardInput: ssh host < fix.sh and printf … | ssh -T
// host: bash would read the script unseen. It is judged before bash reads
// it; a refused script does not run at all, a harmless one runs as before.
func TestSSHScriptOnStandardInput(t *testing.T) {
	b := startSSHD(t)
	sentinel := b.linkedStore()
	script := "cd " + b.sandbox + "\necho before > before.txt\nrm -rf lib/\necho after > after.txt\n"
	_, errOut, code := b.ssh(script)
	if code != exitRefused || !strings.Contains(errOut, "rm-symlink-slash") {
		t.Errorf("ssh host < fix.sh: exit %d, stderr %q", code, errOut)
	}
	if !lexists(sentinel) || lexists(b.sandbox+"/before.txt") || lexists(b.sandbox+"/after.txt") {
		t.Fatal("a refused script on standard input ran")
	}
	_, _, code = b.ssh("cd "+b.sandbox+" && rm -rf lib/\n", "-T")
	if code != exitRefused || !lexists(sentinel) {
		t.Fatalf("printf 'rm -rf lib/' | ssh -T host: exit %d, sentinel kept: %v", code, exists(sentinel))
	}
	out, errOut, code := b.ssh("echo one\nfor i in 2 3; do echo $i; done\nexit 4\n", "-T")
	if out != "one\n2\n3\n" || code != 4 {
		t.Errorf("a harmless script on stdin: stdout %q stderr %q exit %d", out, errOut, code)
	}
	// A command that reads its own data from the script's stream still gets it.
	out, _, code = b.ssh("cat > "+b.sandbox+"/conf.txt <<'EOF'\nkey = value\nEOF\ncat "+b.sandbox+"/conf.txt\n", "-T")
	if out != "key = value\n" || code != 0 {
		t.Errorf("a here-document in a script on stdin: %q, exit %d", out, code)
	}
}

// TestSSHClientEnvironment: sshd hands the login shell the variables the
// client sends and AcceptEnv allows (ssh -o SetEnv=…, SendEnv), and bash
// makes code of some: an exported function replaces the command of its
// name, PS4 runs its substitutions at every traced command. Each is
// judged with the command; the rest of the environment (LC_*) is data.
func TestSSHClientEnvironment(t *testing.T) {
	b := startSSHD(t)
	sentinel := b.linkedStore()
	rm := "rm -rf " + b.sandbox + "/lib/"
	for _, c := range []struct {
		env   []string
		stdin string
		args  []string
	}{
		{[]string{"BASH_FUNC_ls%%=() { " + rm + "; }"}, "", []string{"ls"}},
		{[]string{"PS4=$(" + rm + ")", "SHELLOPTS=xtrace"}, "", []string{"true"}},
		{[]string{"PS4=$(" + rm + ")"}, "", []string{"set -x; true"}},
		{[]string{"PS4=$(" + rm + ")", "SHELLOPTS=xtrace"}, "true\n", []string{"-T"}},
		{[]string{"BASH_FUNC_ls%%=() { " + rm + "; }"}, "ls\n", []string{"-T"}},
	} {
		opts := setEnv(c.env...)
		_, errOut, code := b.ssh(c.stdin, append(opts, c.args...)...)
		if !lexists(sentinel) {
			t.Fatalf("ssh %q %q ran it unjudged (exit %d, stderr %q)", opts, c.args, code, errOut)
		}
		if code != exitRefused || !strings.Contains(errOut, "rm-symlink-slash") {
			t.Errorf("ssh %q %q: exit %d, stderr %q", opts, c.args, code, errOut)
		}
	}
	// Data in the environment stays data; a harmless helper runs.
	out, errOut, code := b.ssh("", append(setEnv("LC_X=$("+rm+")", "BASH_FUNC_greet%%=() { echo hello $1; }"), `printf '%s|' "$LC_X"; greet you`)...)
	if out != "$("+rm+")|hello you\n" || code != 0 || !lexists(sentinel) {
		t.Errorf("LC_X and a helper function sent by the client: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
}

// setEnv is the ssh option that sends these variables: one SetEnv for all
// of them, since ssh keeps the first value of an option.
func setEnv(vars ...string) []string {
	quoted := make([]string, len(vars))
	for i, kv := range vars {
		name, value, _ := strings.Cut(kv, "=")
		quoted[i] = name + "=\"" + value + "\""
	}
	return []string{"-o", "SetEnv=" + strings.Join(quoted, " ")}
}

// TestSSHStreamedCommands: a program that writes one command, waits for its
// output, then writes the next (as remote-editing tools do) is not kept
// waiting, and a refused command in the stream stops it there.
func TestSSHStreamedCommands(t *testing.T) {
	b := startSSHD(t)
	sentinel := b.linkedStore()
	cmd := exec.Command("ssh", append(b.sshArgs(), "-T")...)
	stdin, _ := cmd.StdinPipe()
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The cd comes in its own batch: the later batch must be judged in
	// the folder the shell is in by then, not where the login began.
	fmt.Fprintf(stdin, "cd %s; echo first\n", b.sandbox)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(out.String(), "first") {
		if time.Now().After(deadline) {
			t.Fatalf("the first command's output never came while the stream stayed open: %q", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Fprintf(stdin, "rm -rf lib/\necho never\n")
	stdin.Close()
	err := cmd.Wait()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != exitRefused {
		t.Errorf("exit %v, stderr %q", err, errb.String())
	}
	if !lexists(sentinel) || strings.Contains(out.String(), "never") {
		t.Fatal("a refused command in a stream ran, or the stream went on after it")
	}
}

// TestSSHHostilePolicyPaths: a FIFO at the user's policy path and a link to
// /dev/zero among the drop-ins neither hang nor exhaust guard: commands and
// the interactive login work, and the problem is reported.
func TestSSHHostilePolicyPaths(t *testing.T) {
	b := startSSHD(t)
	userPolicy := filepath.Join(b.home, ".config", "guard", "guard.toml")
	os.MkdirAll(filepath.Dir(userPolicy), 0o755)
	os.Remove(userPolicy)
	if err := syscall.Mkfifo(userPolicy, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Join(b.home, ".config")) })
	os.Chown(userPolicy, b.uid, b.gid)
	os.MkdirAll(filepath.Join(b.dir, "etc", "guard.d"), 0o755)
	os.Symlink("/dev/zero", filepath.Join(b.dir, "etc", "guard.d", "zero.toml"))

	start := time.Now()
	out, errOut, code := b.ssh("", "echo ok")
	if out != "ok\n" || code != 0 {
		t.Fatalf("with a FIFO and /dev/zero as policy files: stdout %q stderr %q exit %d", out, errOut, code)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if !strings.Contains(errOut, "not a regular file") {
		t.Errorf("the hostile policy paths were not reported: %q", errOut)
	}
	// Reported once, not at every command.
	if _, errOut, _ = b.ssh("", "echo again"); strings.Contains(errOut, "not a regular file") {
		t.Errorf("reported again: %q", errOut)
	}
	s := startSession(t, os.Environ(), b.dir, append([]string{"ssh", "-tt"}, b.sshArgs()...)...)
	s.tty.Write([]byte("echo inter$((6*7))active; exit\r"))
	s.waitFor("inter42active")
	s.exitCode()
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// TestSSHDeepLineIsBounded: a 60 KB command whose eval string holds a
// 12,000-deep $( nest (bash never runs it), then a real command. Judging
// is bounded by construction: the line is answered at once as too complex
// to judge, which is a confirm, refused without a terminal. It never runs
// unchecked after a timer.
func TestSSHDeepLineIsBounded(t *testing.T) {
	b := startSSHD(t)
	sentinel := b.linkedStore()
	nest := strings.Repeat("$( ", 12000) + "true" + strings.Repeat(" )", 12000)
	line := "false && eval \"" + nest + "\"; cd " + b.sandbox + " && rm -rf lib/"
	if len(line) < 48000 {
		t.Fatalf("the line is only %d bytes", len(line))
	}
	start := time.Now()
	_, errOut, code := b.ssh("", line)
	if code != exitRefused || !strings.Contains(errOut, "line-too-complex") {
		t.Errorf("exit %d, stderr %.400q", code, errOut)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("judging took %v", took)
	}
	if !lexists(sentinel) {
		t.Fatal("the command behind the deep nest ran")
	}
}

func lexists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// TestSSHNestedShellAsked: at the guarded interactive login, `bash` would
// start a shell whose ~/.bashrc does not load the hook, where a refused
// line runs unchecked. It is asked about; declined, the login's own
// guarded shell still asks before crontab -r.
func TestSSHNestedShellAsked(t *testing.T) {
	b := startSSHD(t)
	b.crontab("17 3 * * * /usr/local/bin/nightly-backup\n")
	s := startSession(t, os.Environ(), b.dir, append([]string{"ssh", "-tt"}, b.sshArgs()...)...)
	s.tty.Write([]byte("echo logged$((1+1))in\r"))
	s.waitFor("logged2in")
	s.tty.Write([]byte("bash\r"))
	s.waitFor("unguarded-shell")
	s.waitFor("type yes to run it")
	s.tty.Write([]byte{3})
	// keys typed while the refusal interrupts the read may be dropped: the
	// next prompt first
	s.waitForAfter("not confirmed", "$ ")
	s.tty.Write([]byte("crontab -r\r"))
	s.waitFor("crontab-remove")
	s.tty.Write([]byte{3})
	s.tty.Write([]byte("exit\r"))
	s.exitCode()
	if !b.crontabHas("nightly-backup") {
		t.Fatal("crontab -r ran: the nested shell started unguarded, or the prompt was passed")
	}
}
