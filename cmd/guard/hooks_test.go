package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var (
	socketSeq atomic.Int64 // unique tmux server names
	buildOnce sync.Once
	builtPath string
	buildErr  error
)

// builtGuard builds the guard binary once for all end-to-end tests.
func builtGuard(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "guard-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtPath = filepath.Join(dir, "guard")
		build := exec.Command("go", "build", "-o", builtPath, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0") // as install.sh ships it
		out, err := build.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtPath
}

func need(t testing.TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s is not installed: .ci/run installs it from Debian", p)
		}
	}
}

// shellBox is an interactive shell in tmux, in a sandbox: HOME, the
// snapshot store and stand-ins for dockerd and lvchange all live in a
// temporary folder, so a line that wrongly ran could only touch that.
type shellBox struct {
	t       testing.TB
	socket  string
	dir     string // the sandbox, also the shell's working directory
	home    string
	snaps   string
	counter string // one line per guard run
}

func startShell(t testing.TB, shell string) *shellBox {
	return startShellWith(t, shell, true, true)
}

// startShellWith starts a shell with or without the hook; counted puts a
// wrapper between the hook and guard that counts guard runs.
func startShellWith(t testing.TB, shell string, hooked, counted bool) *shellBox {
	t.Helper()
	need(t, "tmux", shell)
	guard := builtGuard(t)
	b := &shellBox{t: t, dir: t.TempDir()}
	b.socket = fmt.Sprintf("guard-test-%d-%d", os.Getpid(), socketSeq.Add(1))
	b.home = filepath.Join(b.dir, "home")
	b.snaps = filepath.Join(b.dir, "snaps")
	b.counter = filepath.Join(b.dir, "guard-runs")
	bin := filepath.Join(b.dir, "bin")
	for _, d := range []string{b.home, bin, filepath.Join(b.dir, "store/sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, content string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(b.dir, name), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("home/sentinel", "a wrongly run rm -rf ~ would delete this\n", 0o644)
	write("store/sub/precious.txt", "precious\n", 0o644)
	if err := os.Symlink(filepath.Join(b.dir, "store"), filepath.Join(b.dir, "data")); err != nil {
		t.Fatal(err)
	}
	standIn := "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> " + filepath.Join(b.dir, "stand-ins.log") + "\n"
	write("bin/dockerd", standIn, 0o755)
	write("bin/lvchange", standIn, 0o755)
	// Count guard runs, then run the real one.
	write("bin/guard-counting", "#!/bin/sh\necho \"$*\" >> "+b.counter+"\nexec "+guard+" \"$@\"\n", 0o755)
	env := fmt.Sprintf("export HOME=%s PATH=%s:$PATH GUARD_SNAPSHOTS=%s SHELL=%s HISTFILE=/dev/null NO_COLOR=1 GUARD_ETC=%s GUARD_AUDIT_FILE=%s GUARD_STATE=%s\n",
		b.home, bin, b.snaps, shell, filepath.Join(b.dir, "etc"), filepath.Join(b.dir, "audit.jsonl"), filepath.Join(b.dir, "state"))
	var cmd string
	switch shell {
	case "bash":
		hookPath := guard
		if counted {
			hookPath = filepath.Join(bin, "guard-counting")
		}
		hook := "eval \"$(" + guard + " init bash --path " + hookPath + ")\"\n"
		if !hooked {
			hook = ""
		}
		write("bashrc", env+"PS1='READY$ '\n"+hook, 0o644)
		cmd = "bash --noprofile --rcfile " + filepath.Join(b.dir, "bashrc") + " -i"
	case "zsh":
		os.MkdirAll(filepath.Join(b.dir, "zdot"), 0o755)
		write("zdot/.zshrc", env+"PS1='READY%% '\neval \"$("+guard+" init zsh --path "+filepath.Join(bin, "guard-counting")+")\"\n", 0o644)
		cmd = "ZDOTDIR=" + filepath.Join(b.dir, "zdot") + " zsh -i"
	}
	tm := exec.Command("tmux", "-L", b.socket, "-f", "/dev/null", "new-session", "-d", "-x", "220", "-y", "60", "-c", b.dir, cmd)
	tm.Env = append(os.Environ(), "TERM=xterm")
	if out, err := tm.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-L", b.socket, "kill-server").Run() })
	b.waitScreen(`READY[$%] $`)
	os.Remove(b.counter)
	return b
}

func (b *shellBox) screen() string {
	out, _ := exec.Command("tmux", "-L", b.socket, "capture-pane", "-p", "-J", "-S", "-200").Output()
	return string(out)
}

// waitScreen waits until the screen matches pattern (multi-line mode).
func (b *shellBox) waitScreen(pattern string) {
	b.t.Helper()
	re := regexp.MustCompile("(?m)" + pattern)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if re.MatchString(b.screen()) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("screen never matched %q:\n%s", pattern, b.screen())
}

// typeLine types a line and Enter, then waits for the next prompt.
func (b *shellBox) typeLine(line string) {
	b.t.Helper()
	before := strings.Count(b.screen(), "READY")
	b.send(line)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(b.screen(), "READY") > before {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("no new prompt after %q:\n%s", line, b.screen())
}

// clearLine empties the line editor's buffer (Ctrl-U).
func (b *shellBox) clearLine() {
	b.t.Helper()
	if err := exec.Command("tmux", "-L", b.socket, "send-keys", "C-u").Run(); err != nil {
		b.t.Fatal(err)
	}
}

func (b *shellBox) send(line string) {
	b.t.Helper()
	if err := exec.Command("tmux", "-L", b.socket, "send-keys", "-l", line).Run(); err != nil {
		b.t.Fatal(err)
	}
	if err := exec.Command("tmux", "-L", b.socket, "send-keys", "Enter").Run(); err != nil {
		b.t.Fatal(err)
	}
}

// eventually polls cond for a few seconds: the shell may print its next
// prompt before the command it runs has finished.
func (b *shellBox) eventually(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func (b *shellBox) exists(name string) bool {
	_, err := os.Stat(filepath.Join(b.dir, name))
	return err == nil
}

func (b *shellBox) guardRuns() int {
	data, _ := os.ReadFile(b.counter)
	return strings.Count(string(data), "\n")
}

func TestShellHooks(t *testing.T) {
	for _, shell := range []string{"bash", "zsh"} {
		t.Run(shell, func(t *testing.T) {
			t.Run("blocked line does not run", func(t *testing.T) {
				b := startShell(t, shell)
				b.typeLine("rm -rf ~ ; touch after-block")
				b.waitScreen(`not run: the line is blocked`)
				if !b.exists("home/sentinel") || b.exists("after-block") {
					t.Fatalf("a blocked line ran:\n%s", b.screen())
				}
				if shell == "zsh" {
					// zsh keeps the refused line in the buffer, to be fixed
					b.waitScreen(`READY% rm -rf ~ ; touch after-block\s*\z`)
					b.clearLine()
				}
				b.typeLine("dockerd -H tcp://0.0.0.0:2375 && touch after-dockerd")
				b.waitScreen(`docker-tcp-exposed`)
				if b.exists("stand-ins.log") || b.exists("after-dockerd") {
					t.Fatalf("a blocked line ran:\n%s", b.screen())
				}
			})
			t.Run("warned line runs", func(t *testing.T) {
				b := startShell(t, shell)
				b.typeLine("lvchange --cachepolicy cleaner vg0/data")
				b.waitScreen(`lvm-cleaner-policy`)
				if !b.eventually(func() bool {
					log, _ := os.ReadFile(filepath.Join(b.dir, "stand-ins.log"))
					return strings.Contains(string(log), "lvchange --cachepolicy cleaner vg0/data")
				}) {
					t.Fatalf("the warned line did not run:\n%s", b.screen())
				}
			})
			t.Run("confirmed line runs after yes and after the snapshot", func(t *testing.T) {
				b := startShell(t, shell)
				b.send("rm -rf data/")
				b.waitScreen(`type yes to run it`)
				snaps, _ := filepath.Glob(filepath.Join(b.snaps, "2*"))
				if len(snaps) != 1 {
					t.Fatalf("want the snapshot taken before the question, found %v", snaps)
				}
				if !b.exists("store/sub/precious.txt") {
					t.Fatal("the line ran before it was confirmed")
				}
				b.typeLine("yes")
				if !b.eventually(func() bool { return !b.exists("store/sub") }) {
					t.Fatalf("the confirmed line did not run:\n%s", b.screen())
				}
				if _, err := os.Stat(filepath.Join(snaps[0], "manifest.json")); err != nil {
					t.Error("the snapshot has no manifest")
				}
			})
			t.Run("declined line does not run", func(t *testing.T) {
				b := startShell(t, shell)
				b.send("rm -rf data/")
				b.waitScreen(`type yes to run it`)
				b.typeLine("no")
				b.waitScreen(`guard: not run`)
				if !b.exists("store/sub/precious.txt") {
					t.Fatalf("a declined line ran:\n%s", b.screen())
				}
			})
			t.Run("a loop costs one guard run", func(t *testing.T) {
				b := startShell(t, shell)
				b.typeLine("for i in 1 2 3 4 5 6 7 8; do touch loop-$i; done")
				if !b.eventually(func() bool { return b.exists("loop-8") }) {
					t.Fatalf("the loop did not run:\n%s", b.screen())
				}
				if n := b.guardRuns(); n > 2 {
					t.Errorf("guard ran %d times for one line with a loop, want at most 2 (check, then gate)", n)
				}
			})
			t.Run("GUARD=off runs one command, visibly", func(t *testing.T) {
				b := startShell(t, shell)
				b.typeLine("GUARD=off dockerd -H tcp://0.0.0.0:2375")
				b.waitScreen(`guard-off`)
				if !b.eventually(func() bool { return b.exists("stand-ins.log") }) {
					t.Fatalf("GUARD=off did not let the command run:\n%s", b.screen())
				}
			})
		})
	}
}

// TestZshRerun: r re-runs the previous line; that line is judged.
func TestZshRerun(t *testing.T) {
	b := startShell(t, "zsh")
	b.typeLine("echo rm -rf ~")
	b.typeLine("r echo=")
	b.waitScreen(`not run: the line is blocked`)
	if !b.exists("home/sentinel") {
		t.Fatalf("r ran a line unchecked:\n%s", b.screen())
	}
}

// TestBashHookPitfalls: the cases where a DEBUG-trap hook goes wrong.
func TestBashHookPitfalls(t *testing.T) {
	b := startShell(t, "bash")
	// a leading space keeps the line out of history with ignorespace: each
	// command is judged on its own then
	b.typeLine("HISTCONTROL=ignorespace")
	b.typeLine(" rm -rf ~; touch after-space")
	if !b.exists("home/sentinel") {
		t.Fatalf("a line hidden from history ran unchecked:\n%s", b.screen())
	}
	// history expansion is judged expanded
	b.typeLine("echo rm -rf ~")
	b.typeLine("!!:s/echo //")
	if !b.exists("home/sentinel") {
		t.Fatalf("!! ran unchecked:\n%s", b.screen())
	}
	// a continuation line is judged with the whole command
	b.send("echo start \\")
	b.waitScreen(`^> $`)
	b.typeLine("; rm -rf ~")
	if !b.exists("home/sentinel") {
		t.Fatalf("a continued line ran unchecked:\n%s", b.screen())
	}
	// a here-document typed at the prompt, fed to a shell
	b.send("bash <<'EOF'")
	b.send("rm -rf ~")
	b.typeLine("EOF")
	if !b.exists("home/sentinel") {
		t.Fatalf("a here-document ran unchecked:\n%s", b.screen())
	}
	// pasted lines: each is judged, the refused one does not run
	b.send("echo pasted-one\nrm -rf ~\necho pasted-three")
	b.waitScreen(`^pasted-three$`)
	if !b.exists("home/sentinel") {
		t.Fatalf("a pasted line ran unchecked:\n%s", b.screen())
	}
	// fc runs other lines: each command it runs is judged
	b.typeLine("echo rm -rf ~")
	b.typeLine(`fc -s "echo "=`)
	if !b.exists("home/sentinel") {
		t.Fatalf("a line run by fc ran unchecked:\n%s", b.screen())
	}
	// session allow: the rule is acknowledged, the line runs
	b.typeLine("guard allow docker-tcp-exposed")
	b.waitScreen(`allowed for the rest of this shell session`)
	b.typeLine("dockerd -H tcp://0.0.0.0:2375")
	if !b.eventually(func() bool { return b.exists("stand-ins.log") }) {
		t.Errorf("guard allow did not allow the rule:\n%s", b.screen())
	}
}

// BenchmarkEnterToPrompt: from Enter on a typed line to the next prompt in
// a real interactive bash, with and without the hook. The difference is
// what the hook adds to each line an operator types.
func BenchmarkEnterToPrompt(b *testing.B) {
	for _, hooked := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "hooked"}[hooked]
		b.Run(name, func(b *testing.B) {
			box := startShellWith(b, "bash", hooked, false)
			n := 0
			for b.Loop() {
				n++
				box.typeLineFast(fmt.Sprintf("ls -la /tmp > /dev/null; echo line-%d", n), fmt.Sprintf("line-%d\n", n))
			}
		})
	}
}

// typeLineFast sends a line and polls the screen closely until want shows.
func (b *shellBox) typeLineFast(line, want string) {
	b.send(line)
	for i := 0; i < 20000; i++ {
		if strings.Contains(b.screen(), want) {
			return
		}
	}
	b.t.Fatalf("%q never showed", want)
}
