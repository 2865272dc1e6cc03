package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/guard-sh/guard/guard/gate"
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
// snapshot store and stand-ins for the dangerous programs (dockerd,
// lvchange, rsync, curl) all live in a temporary folder, first on PATH, so
// a line that wrongly ran could only touch that.
type shellBox struct {
	t       testing.TB
	shell   string
	socket  string
	dir     string // the sandbox, also the shell's working directory
	home    string
	snaps   string
	counter string // one line per guard run
	synced  int
	// mark is the screen line (counted from the top of the history) the
	// cursor was on at the last key sent: waitScreen looks from there, so
	// the output of an earlier line never answers for a later one.
	mark int
	pid  int // the shell's process
}

// shellSetup says how the sandboxed shell starts.
type shellSetup struct {
	hooked bool
	// counted puts a wrapper between the hook and guard that counts runs.
	counted bool
	// before and after are start-up lines around the hook (a user's
	// ~/.bashrc after the hook in /etc/bash.bashrc, say).
	before, after string
	// guardPath is what the hook calls instead of guard ("" for guard).
	guardPath string
}

func startShell(t testing.TB, shell string) *shellBox {
	return startShellWith(t, shell, shellSetup{hooked: true, counted: true})
}

// newShellBox writes the sandbox and the shell's start-up file, and
// returns the command that starts the shell interactively.
func newShellBox(t testing.TB, shell string, s shellSetup) (*shellBox, string) {
	t.Helper()
	need(t, shell)
	guard := builtGuard(t)
	b := &shellBox{t: t, shell: shell, dir: t.TempDir()}
	b.home = filepath.Join(b.dir, "home")
	b.snaps = filepath.Join(b.dir, "snaps")
	b.counter = filepath.Join(b.dir, "guard-runs")
	bin := filepath.Join(b.dir, "bin")
	for _, d := range []string{b.home, bin, filepath.Join(b.dir, "store/sub"), filepath.Join(b.dir, "srv/site")} {
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
	// Test names end up in the paths: quote them for the shell.
	q := gate.Quote
	standIn := "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> " + q(filepath.Join(b.dir, "stand-ins.log")) + "\n"
	for _, p := range []string{"dockerd", "lvchange", "rsync", "curl"} {
		write("bin/"+p, standIn, 0o755)
	}
	hookPath := guard
	if s.counted {
		// Count guard runs, then run the real one.
		// guard serve's questions are kept as they come, for judgements().
		write("bin/guard-counting", "#!/bin/sh\necho \"$*\" >> "+q(b.counter)+"\n"+
			"if [ \"$1\" = serve ]; then tee -a "+q(b.counter+".served")+" | "+q(guard)+" \"$@\" | tee -a "+q(b.counter+".answers")+"; exit; fi\n"+
			"exec "+q(guard)+" \"$@\"\n", 0o755)
		hookPath = filepath.Join(bin, "guard-counting")
	}
	if s.guardPath != "" {
		hookPath = s.guardPath
	}
	env := fmt.Sprintf("export HOME=%s PATH=%s:$PATH GUARD_SNAPSHOTS=%s SHELL=%s HISTFILE=/dev/null NO_COLOR=1 GUARD_ETC=%s GUARD_AUDIT_FILE=%s GUARD_STATE=%s\nHISTSIZE=500\n",
		q(b.home), q(bin), q(b.snaps), shell, q(filepath.Join(b.dir, "etc")), q(filepath.Join(b.dir, "audit.jsonl")), q(filepath.Join(b.dir, "state")))
	hook := ""
	if s.hooked {
		hook = "eval \"$(" + q(guard) + " init " + shell + " --path " + q(hookPath) + ")\"\n"
	}
	switch shell {
	case "bash":
		write("bashrc", env+"PS1='READY$ '\n"+s.before+"\n"+hook+s.after+"\n", 0o644)
		return b, "bash --noprofile --rcfile " + q(filepath.Join(b.dir, "bashrc")) + " -i"
	case "zsh":
		os.MkdirAll(filepath.Join(b.dir, "zdot"), 0o755)
		write("zdot/.zshrc", env+"PS1='READY%% '\n"+s.before+"\n"+hook+s.after+"\n", 0o644)
		return b, "ZDOTDIR=" + q(filepath.Join(b.dir, "zdot")) + " zsh -i"
	}
	t.Fatalf("no shell %s", shell)
	return nil, ""
}

// startShellWith starts a sandboxed shell in tmux.
func startShellWith(t testing.TB, shell string, s shellSetup) *shellBox {
	t.Helper()
	need(t, "tmux")
	b, cmd := newShellBox(t, shell, s)
	b.socket = fmt.Sprintf("guard-test-%d-%d", os.Getpid(), socketSeq.Add(1))
	tm := exec.Command("tmux", "-L", b.socket, "-f", "/dev/null", "new-session", "-d", "-x", "220", "-y", "60", "-c", b.dir, cmd)
	tm.Env = append(os.Environ(), "TERM=xterm")
	if out, err := tm.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	out, _ := exec.Command("tmux", "-L", b.socket, "display", "-p", "#{pane_pid}").Output()
	pane, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	t.Cleanup(func() {
		// The shell may still write in the sandbox (a PROMPT_COMMAND):
		// the temporary folder goes only once it has gone.
		exec.Command("tmux", "-L", b.socket, "kill-server").Run()
		b.eventually(func() bool {
			stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pane))
			return err != nil || strings.Contains(string(stat), ") Z ") // gone, or a zombie
		})
	})
	b.waitScreen(`READY[$%] $`)
	b.pid = pane
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pane)); strings.TrimSpace(string(comm)) != shell {
		// tmux started it through sh -c, which did not exec it
		kids := strings.Fields(b.procFile("task/" + strconv.Itoa(pane) + "/children"))
		if len(kids) == 1 {
			b.pid, _ = strconv.Atoi(kids[0])
		}
	}
	b.waitIdle()
	b.resetCount()
	return b
}

func (b *shellBox) screen() string {
	out, _ := exec.Command("tmux", "-L", b.socket, "capture-pane", "-p", "-J", "-S", "-5000").Output()
	return string(out)
}

// screenSince is the screen from the line numbered line (counted from the
// top of the history) down.
func (b *shellBox) screenSince(line int) string {
	history, _ := b.cursor()
	out, _ := exec.Command("tmux", "-L", b.socket, "capture-pane", "-p", "-J", "-S", strconv.Itoa(line-history)).Output()
	return string(out)
}

// cursor is the number of lines in the history and the cursor's line,
// counted from the top of the history.
func (b *shellBox) cursor() (history, line int) {
	out, _ := exec.Command("tmux", "-L", b.socket, "display", "-p", "#{history_size} #{cursor_y}").Output()
	var y int
	fmt.Sscan(string(out), &history, &y)
	return history, history + y
}

// waitScreen waits until the screen since the last key sent matches
// pattern (multi-line mode).
func (b *shellBox) waitScreen(pattern string) {
	b.t.Helper()
	re := regexp.MustCompile("(?m)" + pattern)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if re.MatchString(b.screenSince(b.mark)) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("screen never matched %q:\n%s", pattern, b.screen())
}

// typeLine types a line and Enter, then waits for the next prompt and
// for the shell to wait for keys again.
func (b *shellBox) typeLine(line string) {
	b.t.Helper()
	before := strings.Count(b.screen(), "READY")
	b.send(line)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(b.screen(), "READY") > before {
			b.waitIdle()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("no new prompt after %q:\n%s", line, b.screen())
}

// procFile reads a file of the shell's /proc folder.
func (b *shellBox) procFile(name string) string {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/%s", b.pid, name))
	return strings.TrimSpace(string(data))
}

// children are the shell's child processes: guard serve's pid (0 if none
// runs) and how many others there are.
func (b *shellBox) children() (serve, others int) {
	for _, child := range strings.Fields(b.procFile("task/" + strconv.Itoa(b.pid) + "/children")) {
		if cmdline, _ := os.ReadFile("/proc/" + child + "/cmdline"); bytes.Contains(cmdline, []byte("\x00serve\x00")) {
			serve, _ = strconv.Atoi(child)
		} else {
			others++
		}
	}
	return serve, others
}

// waitIdle waits until the shell waits for keys: no program running, and
// asleep on the terminal (in read, poll or select). Keys sent before that
// may be thrown away by a refusal (it interrupts the read, as Ctrl-C does).
func (b *shellBox) waitIdle() {
	b.t.Helper()
	idle := func() bool {
		// guard serve stays beside the shell, waiting for lines
		if _, others := b.children(); others > 0 {
			return false
		}
		wchan := b.procFile("wchan")
		return strings.HasPrefix(wchan, "wait_woken") || strings.HasPrefix(wchan, "poll_schedule_timeout") || strings.Contains(wchan, "select")
	}
	// Twice in a row: the shell may pass through a read between two steps.
	if !b.eventually(func() bool { return idle() && idle() }) {
		b.t.Fatalf("the shell never waited for keys again:\n%s", b.screen())
	}
}

// clearLine empties the line editor's buffer (Ctrl-U): zsh puts a refused
// line back in it.
func (b *shellBox) clearLine() {
	b.t.Helper()
	if b.shell == "zsh" {
		b.keys("C-x", "C-k") // kill-buffer: every line of it
		return
	}
	b.keys("C-e", "C-u")
}

// keys sends tmux key names (C-c, Escape, Enter…).
func (b *shellBox) keys(keys ...string) {
	b.t.Helper()
	_, b.mark = b.cursor()
	if err := exec.Command("tmux", append([]string{"-L", b.socket, "send-keys"}, keys...)...).Run(); err != nil {
		b.t.Fatal(err)
	}
}

func (b *shellBox) send(line string) {
	b.t.Helper()
	b.typeText(line)
	b.keys("Enter")
}

// typeText types text without pressing Enter.
func (b *shellBox) typeText(text string) {
	b.t.Helper()
	_, b.mark = b.cursor()
	if err := exec.Command("tmux", "-L", b.socket, "send-keys", "-l", text).Run(); err != nil {
		b.t.Fatal(err)
	}
}

// paste pastes text as a terminal does (bracketed paste, which bash 5.2
// and zsh turn on), without pressing Enter.
func (b *shellBox) paste(text string) {
	b.t.Helper()
	_, b.mark = b.cursor()
	file := filepath.Join(b.t.TempDir(), "paste")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		b.t.Fatal(err)
	}
	for _, args := range [][]string{{"load-buffer", file}, {"paste-buffer", "-p", "-d"}} {
		if out, err := exec.Command("tmux", append([]string{"-L", b.socket}, args...)...).CombinedOutput(); err != nil {
			b.t.Fatalf("tmux %s: %v %s", args[0], err, out)
		}
	}
}

// settle runs a harmless command and waits until it has run: whatever
// the shell ran before it has run too, so what has not happened by then
// never will.
func (b *shellBox) settle() {
	b.t.Helper()
	b.waitIdle()
	b.clearLine()
	b.synced++
	name := fmt.Sprintf("settled-%d", b.synced)
	b.send("touch " + name)
	if !b.eventually(func() bool { return b.exists(name) }) {
		b.t.Fatalf("the shell did not run a harmless command:\n%s", b.screen())
	}
}

// eventually polls cond: the shell may print its next prompt before the
// command it runs has finished.
func (b *shellBox) eventually(cond func() bool) bool {
	deadline := time.Now().Add(20 * time.Second)
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

func (b *shellBox) read(name string) string {
	data, _ := os.ReadFile(filepath.Join(b.dir, name))
	return string(data)
}

func (b *shellBox) guardRuns() int {
	return strings.Count(b.judgements(), "\n")
}

// resetCount starts the count of judgements again (truncated: guard
// serve's copy is still being appended to).
func (b *shellBox) resetCount() {
	os.Truncate(b.counter, 0)
	os.Truncate(b.counter+".served", 0)
	os.Truncate(b.counter+".answers", 0)
}

// judgements lists, a line each, how the hook had guard judge lines: the
// guard gate runs (their arguments), and the questions to guard serve,
// written as the gate run they stand for ("… served").
func (b *shellBox) judgements() string {
	var out strings.Builder
	for _, run := range strings.SplitAfter(b.read("guard-runs"), "\n") {
		if !strings.HasPrefix(run, "serve ") {
			out.WriteString(run)
		}
	}
	deferred := map[string]bool{} // handed to guard gate, which is counted
	for _, answer := range strings.Split(b.read("guard-runs.answers"), "\n") {
		if seq, status, _ := strings.Cut(answer, " "); status == strconv.Itoa(exitDefer) || status == strconv.Itoa(exitGone) {
			deferred[seq] = true
		}
	}
	in := bufio.NewReader(strings.NewReader(b.read("guard-runs.served")))
	for {
		req, err := readRequest(in)
		if err != nil {
			break
		}
		if deferred[req.seq] {
			continue
		}
		out.WriteString("gate --from " + b.shell)
		if strings.Contains(req.options, "i") {
			out.WriteString(" --incomplete")
		}
		out.WriteString(" served\n")
	}
	return out.String()
}

// notRun fails unless none of the sentinel files exists and no stand-in
// for a dangerous program ran, once the shell has settled.
func (b *shellBox) notRun(what string, sentinels ...string) {
	b.t.Helper()
	b.settle()
	for _, s := range sentinels {
		if b.exists(s) {
			b.t.Errorf("%s: %s was created: the refused line ran:\n%s", what, s, b.screen())
		}
	}
	if log := b.read("stand-ins.log"); log != "" {
		b.t.Errorf("%s: a stand-in ran: %s\n%s", what, log, b.screen())
	}
	if !b.exists("store/sub/precious.txt") || !b.exists("home/sentinel") {
		b.t.Errorf("%s: a sentinel was deleted:\n%s", what, b.screen())
	}
}

// blocked is a line guard blocks, run by the dockerd stand-in if it runs.
const blocked = "dockerd -H tcp://0.0.0.0:2375"

var shells = []string{"bash", "zsh"}

func TestShellHooks(t *testing.T) {
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			t.Run("blocked line does not run", func(t *testing.T) {
				b := startShell(t, shell)
				b.typeLine("rm -rf ~ ; touch after-block")
				b.waitScreen(`not run: the line is blocked`)
				if shell == "zsh" {
					// zsh puts the refused line back in the buffer, to be fixed
					b.waitScreen(`READY% rm -rf ~ ; touch after-block\s*\z`)
				}
				b.notRun("rm -rf ~", "after-block")
				b.typeLine(blocked + " && touch after-dockerd")
				b.waitScreen(`docker-tcp-exposed`)
				b.notRun("dockerd", "after-dockerd")
			})
			t.Run("warned line runs", func(t *testing.T) {
				b := startShell(t, shell)
				b.typeLine("lvchange --cachepolicy cleaner vg0/data")
				b.waitScreen(`lvm-cleaner-policy`)
				if !b.eventually(func() bool {
					return strings.Contains(b.read("stand-ins.log"), "lvchange --cachepolicy cleaner vg0/data")
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
				b.send("rm -rf data/; touch after-no")
				b.waitScreen(`type yes to run it`)
				b.typeLine("no")
				b.waitScreen(`guard: not run`)
				b.notRun("declined", "after-no")
			})
			t.Run("a loop costs one guard run", func(t *testing.T) {
				b := startShell(t, shell)
				b.typeLine("for i in 1 2 3 4 5 6 7 8; do touch loop-$i; done")
				if !b.eventually(func() bool { return b.exists("loop-8") }) {
					t.Fatalf("the loop did not run:\n%s", b.screen())
				}
				if n := b.guardRuns(); n != 1 {
					t.Errorf("guard ran %d times for one line with a loop, want 1", n)
				}
			})
			t.Run("GUARD=off runs one command, visibly", func(t *testing.T) {
				b := startShell(t, shell)
				b.typeLine("GUARD=off " + blocked)
				b.waitScreen(`guard-off`)
				if !b.eventually(func() bool { return b.exists("stand-ins.log") }) {
					t.Fatalf("GUARD=off did not let the command run:\n%s", b.screen())
				}
			})
		})
	}
}

// TestPasteIsJudgedWhole: a block pasted into the shell (bracketed paste)
// is judged as one text: a blocked line in it stops all of it, and a
// harmless block still runs whole.
func TestPasteIsJudgedWhole(t *testing.T) {
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShell(t, shell)
			b.paste("touch pasted-1\n" + blocked + "\ntouch pasted-3")
			b.keys("Enter")
			b.waitScreen(`not run: the line is blocked`)
			b.notRun("a pasted block with a blocked line", "pasted-1", "pasted-3")

			runs := b.guardRuns()
			b.paste("touch fine-1\necho fine-2 > fine-2\ntouch fine-3")
			b.keys("Enter")
			if !b.eventually(func() bool { return b.exists("fine-1") && b.exists("fine-2") && b.exists("fine-3") }) {
				t.Fatalf("a harmless pasted block did not run whole:\n%s", b.screen())
			}
			if n := b.guardRuns() - runs; n != 1 {
				t.Errorf("a pasted block took %d guard runs, want one", n)
			}
		})
	}
}

// TestBashPromptCommand: whatever the user does to PROMPT_COMMAND, lines
// are judged, and the user's own PROMPT_COMMAND still runs.
func TestBashPromptCommand(t *testing.T) {
	cases := []struct {
		name          string
		before, after string
		typed         string // typed at the prompt first
		want          string // what PROMPT_COMMAND writes to pc.log
	}{
		{name: "ending in ; before the hook", before: "PROMPT_COMMAND='echo pc >> pc.log;'", want: "pc\n"},
		{name: "assigned after the hook, as ~/.bashrc after /etc/bash.bashrc", after: "PROMPT_COMMAND='echo pc >> pc.log'", want: "pc\n"},
		{name: "an array (bash 5.1)", after: "PROMPT_COMMAND=('echo one >> pc.log' 'echo two >> pc.log')", want: "one\ntwo\n"},
		{name: "assigned at the prompt", typed: "PROMPT_COMMAND='echo typed >> pc.log'", want: "typed\n"},
		{name: "emptied at the prompt", typed: "unset PROMPT_COMMAND"},
		{name: "reading $?", after: "PROMPT_COMMAND='echo status=$? >> pc.log'", typed: "false", want: "status=1\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := startShellWith(t, "bash", shellSetup{hooked: true, counted: true, before: c.before, after: c.after})
			if c.typed != "" {
				b.typeLine(c.typed)
			}
			b.typeLine(blocked + "; touch after-block")
			b.waitScreen(`not run: the line is blocked`)
			b.notRun("blocked", "after-block")
			if c.want != "" && !strings.Contains(b.read("pc.log"), c.want) {
				t.Errorf("the user's PROMPT_COMMAND did not run: pc.log %q", b.read("pc.log"))
			}
		})
	}
}

// TestBashKeepsPriorDebugTrap: a DEBUG trap set before the hook (as
// bash-preexec sets one) still runs, and lines are still judged.
func TestBashKeepsPriorDebugTrap(t *testing.T) {
	// a quote in the trap's text, which trap -p shows as '\''
	b := startShellWith(t, "bash", shellSetup{hooked: true, counted: true, before: `trap 'echo "it'\''s: $BASH_COMMAND" >> debug.log' DEBUG`})
	b.typeLine("echo hello > hello")
	b.typeLine(blocked + "; touch after-block")
	b.notRun("a prior DEBUG trap", "after-block")
	if !strings.Contains(b.read("debug.log"), "it's: echo hello > hello") {
		t.Errorf("the prior DEBUG trap did not run: %q", b.read("debug.log"))
	}
}

// TestBashSigintIgnored: with SIGINT ignored the hook cannot interrupt the
// read; a refused line still does not run, nor a command bash was still
// reading.
func TestBashSigintIgnored(t *testing.T) {
	b := startShellWith(t, "bash", shellSetup{hooked: true, counted: true, after: "trap '' INT"})
	b.typeLine(blocked + "; touch after-block")
	b.notRun("SIGINT ignored", "after-block")
	b.send("touch before-continued; \\")
	b.waitScreen(`^> $`)
	b.typeLine(blocked + "; touch after-continued")
	b.notRun("SIGINT ignored, a continued line", "before-continued", "after-continued")
}

// TestBashEnterRebound: a line that reaches bash without passing through
// the hook's Enter key is caught before it runs: judged from history, or
// refused with a message when history does not have it.
func TestBashEnterRebound(t *testing.T) {
	b := startShellWith(t, "bash", shellSetup{hooked: true, counted: true, after: "HISTCONTROL=ignorespace"})
	// Rebinding Enter is asked about (guard-hook-off); said out loud with
	// GUARD=off it runs, and the hook must still hold.
	b.typeLine(`GUARD=off bind '"\C-m": accept-line'`)
	b.typeLine(blocked + "; touch after-history")
	b.waitScreen(`not run: the line is blocked`)
	b.notRun("judged from history", "after-history")
	b.typeLine(`GUARD=off bind '"\C-m": accept-line'`)
	b.typeLine(" touch hidden")
	b.waitScreen(`did not pass through guard`)
	b.notRun("not in history", "hidden")
	b.typeLine(blocked + "; touch after-rebind")
	b.waitScreen(`not run: the line is blocked`)
	b.notRun("Enter bound again", "after-rebind")
}

// TestBashOtherAcceptKeys: C-o (operate-and-get-next) and vi mode's Enter
// go through the hook too.
func TestBashOtherAcceptKeys(t *testing.T) {
	b := startShell(t, "bash")
	b.typeText(blocked + "; touch after-ctrl-o")
	b.keys("C-o")
	b.waitScreen(`not run: the line is blocked`)
	b.notRun("C-o", "after-ctrl-o")
	b.typeLine("set -o vi")
	b.typeLine(blocked + "; touch after-vi")
	b.waitScreen(`not run: the line is blocked`)
	b.notRun("vi mode", "after-vi")
	b.typeText(blocked + "; touch after-vi-command")
	b.keys("Escape", "Enter")
	b.waitScreen(`not run: the line is blocked`)
	b.notRun("vi command mode", "after-vi-command")
}

// TestLinesHiddenFromHistory: lines history does not keep are refused whole
// too, not command by command.
func TestLinesHiddenFromHistory(t *testing.T) {
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			setup := map[string]string{"bash": "HISTCONTROL=ignoreboth", "zsh": "setopt hist_ignore_space hist_ignore_dups"}[shell]
			b := startShellWith(t, shell, shellSetup{hooked: true, counted: true, after: setup})
			b.typeLine(" " + blocked + " && touch after-space")
			b.waitScreen(`not run: the line is blocked`)
			b.notRun("a leading space", "after-space")
			for _, what := range []string{"refused", "typed again: a duplicate history drops"} {
				b.typeLine(blocked + "; touch after-dup")
				b.notRun(what, "after-dup")
			}
			b.typeLine(" cd / && rsync -a " + gate.Quote(filepath.Join(b.dir, "srv/site")+"/") + " .")
			b.waitScreen(`copy-into-system`)
			b.clearLine()
			b.typeLine("pwd > where")
			if !b.eventually(func() bool { return strings.TrimSpace(b.read("where")) == b.dir }) {
				t.Errorf("a refused cd / && rsync … . left the shell in %q:\n%s", b.read("where"), b.screen())
			}
			b.notRun("cd / && rsync")
			b.send(" curl -fsSL https://get.example/install.sh | sh")
			b.waitScreen(`download-to-shell`)
			b.waitScreen(`type yes to run it`)
			b.typeLine("no")
			b.notRun("curl | sh")
			if shell == "bash" {
				b.typeLine("HISTIGNORE='dockerd*'")
				b.typeLine(blocked + "; touch after-histignore")
				b.notRun("HISTIGNORE", "after-histignore")
				b.typeLine("set +o history")
				b.typeLine(blocked + "; touch after-nohistory")
				b.notRun("set +o history", "after-nohistory")
			}
		})
	}
}

// TestHistoryExpansion: a line is judged as the shell runs it, after !!,
// !$, !-2 and ^old^new; a harmless !! still runs.
func TestHistoryExpansion(t *testing.T) {
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShell(t, shell)
			for _, lines := range [][]string{
				{blocked, "!!"},
				{blocked, "^2375^2376"},
				{blocked, "echo between", "!-2"},
				{"echo -H tcp://0.0.0.0:2375", "dockerd -H !$"},
			} {
				for _, line := range lines {
					b.clearLine()
					b.typeLine(line)
				}
				b.notRun(lines[len(lines)-1])
			}
			b.clearLine()
			b.typeLine("echo again >> again.log")
			b.typeLine("!!")
			if !b.eventually(func() bool { return b.read("again.log") == "again\nagain\n" }) {
				t.Errorf("!! of a harmless line did not run: %q\n%s", b.read("again.log"), b.screen())
			}
		})
	}
}

// TestZshAcceptWidgets: every widget that accepts a line goes through the
// hook, and a here-document is asked about once.
func TestZshAcceptWidgets(t *testing.T) {
	b := startShellWith(t, "zsh", shellSetup{hooked: true, counted: true,
		after: "my-accept() { zle .accept-line }\nzle -N my-accept\nbindkey '^X^J' my-accept"})
	for _, keys := range [][]string{{"C-o"}, {"Escape", "a"}, {"C-x", "C-j"}} {
		b.clearLine()
		b.typeText(blocked + "; touch after-widget")
		b.keys(keys...)
		b.waitScreen(`not run: the line is blocked`)
		b.notRun(strings.Join(keys, " "), "after-widget")
	}
	b.resetCount()
	b.clearLine()
	b.send("bash <<'EOF'")
	b.send("rm -rf data/")
	b.send("EOF")
	b.waitScreen(`type yes to run it`)
	b.typeLine("no")
	b.notRun("here-document")
	if n := strings.Count(b.judgements(), "gate"); n != 2 { // the here-document, then settle
		t.Errorf("a here-document took %d guard runs, want one (and one to settle):\n%s", n-1, b.judgements())
	}
}

// TestBashHookPitfalls: the cases where a bash hook goes wrong.
func TestBashHookPitfalls(t *testing.T) {
	b := startShell(t, "bash")
	// a continuation line is judged with the whole command
	b.send("echo start \\")
	b.waitScreen(`^> $`)
	b.typeLine("; rm -rf ~; touch after-continued")
	b.notRun("continued", "after-continued")
	// a here-document typed at the prompt, fed to a shell, asked once
	b.resetCount()
	b.send("bash <<'EOF'")
	b.send("rm -rf data/")
	b.send("EOF")
	b.waitScreen(`type yes to run it`)
	b.typeLine("no")
	b.notRun("here-document")
	if n := strings.Count(b.judgements(), "--incomplete"); n != 4 { // 3 Enters, then settle
		t.Errorf("guard ran %d times for 3 Enters and settle:\n%s", n, b.judgements())
	}
	if n := strings.Count(b.screen(), "type yes to run it"); n != 1 {
		t.Errorf("a here-document was asked about %d times", n)
	}
	// fc runs other lines: each command it runs is judged
	b.typeLine("echo " + blocked)
	b.typeLine(`fc -s "echo "=`)
	b.notRun("fc -s")
	// session allow: the rule is acknowledged, the line runs
	b.typeLine("guard allow docker-tcp-exposed")
	b.waitScreen(`allowed for the rest of this shell session`)
	b.typeLine(blocked)
	if !b.eventually(func() bool { return b.exists("stand-ins.log") }) {
		t.Errorf("guard allow did not allow the rule:\n%s", b.screen())
	}
}

// TestBashEditAndExecute: C-x C-e runs what the editor saves; each
// command of it is judged.
func TestBashEditAndExecute(t *testing.T) {
	b := startShell(t, "bash")
	editor := filepath.Join(b.dir, "bin", "fake-editor")
	os.WriteFile(editor, []byte("#!/bin/sh\nprintf '%s\\n' '"+blocked+"' > \"$1\"\n"), 0o755)
	b.typeLine("export VISUAL=" + gate.Quote(editor))
	b.keys("C-x", "C-e")
	b.waitScreen(`not run: the line is blocked`)
	b.notRun("edit-and-execute-command")
}

// TestAliasesAndFunctions: the shell's own aliases and functions are
// judged for what they run; harmless ones still work.
func TestAliasesAndFunctions(t *testing.T) {
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShellWith(t, shell, shellSetup{hooked: true, counted: true,
				after: "nukefn() { " + blocked + "; }\nalias nuke='" + blocked + "'\nalias hi='touch alias-ran'\nalias e='env '"})
			// an alias typed at the prompt warns for what it will run, and
			// is defined; using it is judged in full and refused
			b.typeLine("alias typed='" + blocked + "'; touch after-definition")
			b.waitScreen(`docker-tcp-exposed`)
			if !b.eventually(func() bool { return b.exists("after-definition") }) {
				t.Fatalf("the alias definition, which only warns, did not run:\n%s", b.screen())
			}
			b.typeLine("typed; touch after-typed-alias")
			b.waitScreen(`not run`)
			b.notRun("an alias defined at the prompt, used", "after-typed-alias")
			b.typeLine("nuke; touch after-alias")
			b.waitScreen(`docker-tcp-exposed`)
			b.notRun("an alias", "after-alias")
			b.typeLine("e nuke; touch after-trailing-space")
			b.notRun("an alias after one ending in a space", "after-trailing-space")
			b.typeLine("nukefn; touch after-function")
			b.notRun("a function from the start-up file", "after-function")
			b.typeLine("hi")
			if !b.eventually(func() bool { return b.exists("alias-ran") }) {
				t.Errorf("a harmless alias did not run:\n%s", b.screen())
			}
		})
	}
}

// TestLongLine: a line longer than one argument can carry (128 KiB) is
// judged whole, through standard input.
func TestLongLine(t *testing.T) {
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShell(t, shell)
			filler := strings.Repeat("x", 140<<10)
			b.paste(": " + filler + "; " + blocked + "; touch after-long")
			b.keys("Enter")
			b.waitScreen(`not run: the line is blocked`)
			b.notRun("a 140 KiB line", "after-long")
			if strings.Contains(b.screen(), "unchecked") {
				t.Errorf("a long line ran unchecked:\n%s", b.screen())
			}
			b.clearLine()
			b.paste("echo " + filler + " > long.out")
			b.keys("Enter")
			if !b.eventually(func() bool { return len(b.read("long.out")) == len(filler)+1 }) {
				t.Errorf("a harmless 140 KiB line did not run")
			}
		})
	}
}

// TestNoRoomForTemporaryFiles: with nowhere to write a here-string's
// temporary file (the disk is full), lines still reach guard, through pipes.
func TestNoRoomForTemporaryFiles(t *testing.T) {
	// zsh writes every here-string to a file; bash those past a pipe's 64 KiB
	setup := map[string]string{"bash": "TMPDIR=/nonexistent", "zsh": "TMPPREFIX=/nonexistent/zsh"}
	filler := map[string]string{"bash": strings.Repeat("x", 70<<10), "zsh": "x"}
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShellWith(t, shell, shellSetup{hooked: true, counted: true, after: setup[shell]})
			b.paste(": " + filler[shell] + "; " + blocked + "; touch after-full")
			b.keys("Enter")
			b.waitScreen(`not run: the line is blocked`)
			b.notRun("no room for temporary files", "after-full")
			if regexp.MustCompile(`can't create|cannot create|could not judge`).MatchString(b.screen()) {
				t.Errorf("the hook failed to hand the line over:\n%s", b.screen())
			}
		})
	}
}

// TestConfirmPromptMeansNo: text typed before the question appears is not
// its answer; Ctrl-C and end of input mean no.
func TestConfirmPromptMeansNo(t *testing.T) {
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShell(t, shell)
			// "yes" typed right after Enter, before guard asks
			b.typeText("rm -rf data/; touch after-typeahead")
			b.keys("Enter", "y", "e", "s", "Enter")
			b.waitScreen(`type yes to run it, anything else to cancel: $`)
			b.typeLine("no")
			b.notRun("type-ahead", "after-typeahead")
			for _, key := range []string{"C-c", "C-d"} {
				b.clearLine()
				b.send("rm -rf data/; touch after-" + key)
				b.waitScreen(`type yes to run it, anything else to cancel: $`)
				b.keys(key)
				b.waitScreen(`not run: not confirmed`)
				b.notRun(key, "after-"+key)
			}
		})
	}
}

// TestBrokenGuardRefuses: when guard itself cannot run, a line does not
// run unchecked; GUARD=off is the deliberate way past.
func TestBrokenGuardRefuses(t *testing.T) {
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShellWith(t, shell, shellSetup{hooked: true, guardPath: "/nonexistent/guard"})
			b.typeLine("touch plain")
			b.waitScreen(`guard could not judge this line`)
			b.clearLine()
			b.typeLine("GUARD=off touch deliberate")
			if !b.eventually(func() bool { return b.exists("deliberate") }) {
				t.Fatalf("GUARD=off did not let the line run:\n%s", b.screen())
			}
			if b.exists("plain") {
				t.Errorf("a line ran while guard could not judge it:\n%s", b.screen())
			}
		})
	}
}

// TestZshRerun: r re-runs the previous line; what it runs is judged.
func TestZshRerun(t *testing.T) {
	b := startShell(t, "zsh")
	b.typeLine("echo rm -rf ~")
	b.typeLine("r echo=")
	b.waitScreen(`not run: the line is blocked`)
	b.notRun("r")
}

// ptyShell is an interactive shell on a pseudo-terminal whose output is
// read as it comes: precise enough to time one Enter, which tmux's screen
// captures are not.
type ptyShell struct {
	tty  *os.File
	mu   sync.Mutex
	cond *sync.Cond
	out  []byte
	done bool
}

func startPtyShell(b *testing.B, shell string, s shellSetup) *ptyShell {
	box, cmdline := newShellBox(b, shell, s)
	cmd := exec.Command("sh", "-c", cmdline)
	cmd.Dir = box.dir
	cmd.Env = append(os.Environ(), "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 60, Cols: 200})
	if err != nil {
		b.Fatal(err)
	}
	p := &ptyShell{tty: tty}
	p.cond = sync.NewCond(&p.mu)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := tty.Read(buf)
			p.mu.Lock()
			p.out = append(p.out, buf[:n]...)
			p.done = err != nil
			p.cond.Broadcast()
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		tty.Close()
	})
	p.waitFor(0, "READY")
	return p
}

// waitFor waits until want shows in the output after offset from, and
// returns the offset just past it.
func (p *ptyShell) waitFor(from int, want string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	timer := time.AfterFunc(30*time.Second, func() { p.mu.Lock(); p.done = true; p.cond.Broadcast(); p.mu.Unlock() })
	defer timer.Stop()
	for {
		if i := bytes.Index(p.out[from:], []byte(want)); i >= 0 {
			return from + i + len(want)
		}
		if p.done {
			panic(fmt.Sprintf("%q never showed; output:\n%s", want, p.out[max(0, len(p.out)-2000):]))
		}
		p.cond.Wait()
	}
}

func (p *ptyShell) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.out)
}

// benchShells are the set-ups the benchmarks compare: no hook, the hook
// with /bin/true in guard's place (the shell side alone), and the hook.
var benchShells = []struct {
	name  string
	setup shellSetup
}{
	{"plain", shellSetup{}},
	{"hook-only", shellSetup{hooked: true, guardPath: "/bin/true"}},
	{"hooked", shellSetup{hooked: true}},
}

// BenchmarkEnterToPrompt: from Enter on a typed line to the command's own
// output, and to the next prompt, in a real interactive shell: without the
// hook, with the hook alone, with the hook and guard. The output is
// printed by the command (out-N, which the echo of the typed text does not
// contain). The three shells take turns line by line, so that the
// machine's other work weighs on each alike; the medians are reported.
func BenchmarkEnterToPrompt(b *testing.B) {
	for _, shell := range shells {
		b.Run(shell, func(b *testing.B) {
			ptys := make([]*ptyShell, len(benchShells))
			for i, bs := range benchShells {
				ptys[i] = startPtyShell(b, shell, bs.setup)
			}
			toOutput := make([][]time.Duration, len(ptys))
			toPrompt := make([][]time.Duration, len(ptys))
			n := 0
			for b.Loop() {
				n++
				for i, p := range ptys {
					line := fmt.Sprintf("ls -la /tmp > /dev/null; printf 'out-%%s\\n' %d\r", n)
					from := p.len()
					start := time.Now()
					p.tty.WriteString(line)
					after := p.waitFor(from, fmt.Sprintf("out-%d\r\n", n))
					toOutput[i] = append(toOutput[i], time.Since(start))
					p.waitFor(after, "READY")
					toPrompt[i] = append(toPrompt[i], time.Since(start))
				}
			}
			for i, bs := range benchShells {
				b.ReportMetric(median(toOutput[i]), bs.name+"-ms-to-output")
				b.ReportMetric(median(toPrompt[i]), bs.name+"-ms-to-prompt")
			}
		})
	}
}

// median of durations, in milliseconds.
func median(d []time.Duration) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[len(s)/2].Microseconds()) / 1000
}

// BenchmarkLoopCommand: what the hook costs each command run inside a
// line (a loop of 20,000 `:`), timed by the shell itself, the set-ups
// taking turns as in BenchmarkEnterToPrompt.
func BenchmarkLoopCommand(b *testing.B) {
	const count = 20000
	loops := map[string]string{
		"bash": "s=$EPOCHREALTIME; for i in {1..%d}; do :; done; e=$EPOCHREALTIME; printf 'took-%%s-us\\n' $(( ${e/./} - ${s/./} ))\r",
		"zsh":  "zmodload zsh/datetime; s=$EPOCHREALTIME; for i in {1..%d}; do :; done; e=$EPOCHREALTIME; t=$(( (e - s) * 1000000 )); printf 'took-%%s-us\\n' ${t%%.*}\r",
	}
	took := regexp.MustCompile(`took-(\d+)-us`)
	for _, shell := range shells {
		b.Run(shell, func(b *testing.B) {
			ptys := make([]*ptyShell, len(benchShells))
			for i, bs := range benchShells {
				ptys[i] = startPtyShell(b, shell, bs.setup)
			}
			per := make([][]time.Duration, len(ptys))
			for b.Loop() {
				for i, p := range ptys {
					from := p.len()
					p.tty.WriteString(fmt.Sprintf(loops[shell], count))
					end := p.waitFor(from, "-us\r\n")
					p.mu.Lock()
					m := took.FindSubmatch(p.out[from:end])
					p.mu.Unlock()
					if m == nil {
						b.Fatal("no timing in the output")
					}
					us, _ := strconv.Atoi(string(m[1]))
					per[i] = append(per[i], time.Duration(us)*time.Microsecond)
					p.waitFor(end, "READY")
				}
			}
			for i, bs := range benchShells {
				b.ReportMetric(median(per[i])*1000/count, bs.name+"-µs/command")
			}
		})
	}
}

// TestAliasedSudoAskedOnce: with alias sudo='guard sudo' beside the hook,
// the hook judges the whole line (guard sudo is judged as what it runs),
// asks once and takes one snapshot; the guard sudo the line then runs
// does not ask again. A guard command the line did not contain is still
// asked about.
func TestAliasedSudoAskedOnce(t *testing.T) {
	need(t, "sudo")
	guard := builtGuard(t)
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShellWith(t, shell, shellSetup{hooked: true, counted: true,
				after: "alias sudo=" + gate.Quote(guard+" sudo")})
			b.send("sudo rm -rf data/")
			b.waitScreen(`type yes to run it, anything else to cancel: $`)
			b.typeLine("yes")
			if !b.eventually(func() bool { return !b.exists("store/sub") }) {
				t.Fatalf("the confirmed line did not run:\n%s", b.screen())
			}
			if n := strings.Count(b.screen(), "type yes to run it"); n != 1 {
				t.Errorf("asked %d times, want once:\n%s", n, b.screen())
			}
			if !strings.Contains(b.screen(), "confirmed at the shell's prompt already") {
				t.Errorf("the inner guard sudo did not say why it did not ask:\n%s", b.screen())
			}
			snaps, _ := filepath.Glob(filepath.Join(b.snaps, "*", "manifest.json"))
			if len(snaps) != 1 {
				t.Errorf("%d snapshots, want one", len(snaps))
			}
			// A guard sudo the line did not name (a script's) is judged.
			os.MkdirAll(filepath.Join(b.dir, "store", "again"), 0o755)
			os.WriteFile(filepath.Join(b.dir, "inner.sh"), []byte(guard+" sudo rm -rf "+filepath.Join(b.dir, "data")+"/\n"), 0o755)
			b.send("GUARD=off sh inner.sh < /dev/null")
			b.waitScreen(`type yes to run it, anything else to cancel: $`)
			b.typeLine("no")
			if !b.exists("store/again") {
				t.Fatal("a guard sudo the confirmed line did not contain went unasked")
			}
		})
	}
}

// TestPromptApprovalUsedOnce: the guard command a line was confirmed for
// at the prompt goes ahead once. A background job of the same shell,
// started before and running the same command later, is judged again
// (here without a terminal: refused).
func TestPromptApprovalUsedOnce(t *testing.T) {
	need(t, "sudo", "setsid")
	guard := builtGuard(t)
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShellWith(t, shell, shellSetup{hooked: true, after: "alias sudo=" + gate.Quote(guard+" sudo")})
			later := filepath.Join(b.dir, "later.sh")
			os.WriteFile(later, []byte("true\n"), 0o644)
			// The job stays a child of the shell: the shell is never idle
			// again, so the keys below are sent without waiting for it.
			b.send("(until [ -e go ]; do sleep 0.1; done; . ./later.sh) &")
			b.waitScreen(`\[1\] [0-9]+`)
			// What the job will run is written after it was judged (see
			// Known limits, races): the same command the next line names.
			refused := filepath.Join(b.dir, "refused.txt")
			os.WriteFile(later, []byte("setsid "+guard+" sudo rm -rf data/ < /dev/null 2> "+refused+"\n"), 0o644)
			b.send("sudo rm -rf data/")
			b.waitScreen(`type yes to run it, anything else to cancel: $`)
			b.send("yes")
			if !b.eventually(func() bool { return !b.exists("store/sub") }) {
				t.Fatalf("the confirmed line did not run:\n%s", b.screen())
			}
			os.MkdirAll(filepath.Join(b.dir, "store", "sub"), 0o755)
			os.WriteFile(filepath.Join(b.dir, "store", "sub", "precious.txt"), []byte("again\n"), 0o644)
			os.WriteFile(filepath.Join(b.dir, "go"), nil, 0o644)
			deadline := time.Now().Add(20 * time.Second)
			for data, _ := os.ReadFile(refused); len(data) == 0 && time.Now().Before(deadline); data, _ = os.ReadFile(refused) {
				time.Sleep(100 * time.Millisecond)
			}
			data, _ := os.ReadFile(refused)
			if !b.exists("store/sub/precious.txt") {
				t.Fatalf("a background job reused the approval given at the prompt; its stderr: %q", data)
			}
			if !strings.Contains(string(data), "rm-symlink-slash") {
				t.Errorf("the background job's guard sudo: stderr %q, want a refusal naming rm-symlink-slash", data)
			}
		})
	}
}

// TestHookOffIsAsked: a line that would switch the hook off (a DEBUG trap
// removed, Enter rebound, a hook function removed) is asked about; not
// confirmed, it does not run, and the hook still refuses what follows.
func TestHookOffIsAsked(t *testing.T) {
	lines := map[string][]string{
		"bash": {`trap - DEBUG; touch after-off`, `bind '"\C-m": accept-line'; touch after-off`, `unset -f __guard_enter; touch after-off`},
		"zsh":  {`add-zsh-hook -d preexec __guard_preexec; touch after-off`, `bindkey '^M' accept-line; touch after-off`},
	}
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShell(t, shell)
			for _, line := range lines[shell] {
				b.clearLine()
				b.send(line)
				b.waitScreen(`type yes to run it, anything else to cancel: $`)
				b.keys("C-c")
				b.waitScreen(`not run: not confirmed`)
				b.notRun(line, "after-off")
				b.clearLine()
				b.typeLine(blocked + "; touch after-block")
				b.waitScreen(`not run: the line is blocked`)
				b.notRun("after "+line, "after-block")
			}
		})
	}
}

// TestVariablesOfTheShell: a command stored in a variable on one line and
// run on the next (x=…, then $x; an array, then "${a[@]}") is judged as
// what it runs; a harmless one still runs.
func TestVariablesOfTheShell(t *testing.T) {
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShell(t, shell)
			b.typeLine("x='" + blocked + "'")
			b.clearLine()
			run := "$x"
			if shell == "zsh" {
				run = "${=x}" // zsh does not split words without it
			}
			b.typeLine(run + "; touch after-scalar")
			// bash's hook sends x and guard blocks what it runs; guard does
			// not follow zsh's ${=x} split, so there it asks
			b.waitScreen(`not run: the line is blocked|type yes to run it`)
			if strings.Contains(b.screenSince(b.mark), "type yes") {
				b.typeLine("no")
			}
			b.notRun("a variable set on an earlier line", "after-scalar")
			b.clearLine()
			b.typeLine("cmd=(dockerd -H tcp://0.0.0.0:2375)")
			b.clearLine()
			b.typeLine(`"${cmd[@]}"; touch after-array`)
			b.waitScreen(`not run: the line is blocked`)
			b.notRun("an array set on an earlier line", "after-array")
			b.clearLine()
			b.typeLine("y='touch harmless-ran'")
			b.clearLine()
			b.typeLine("${=y}")
			if shell == "bash" {
				b.typeLine("$y")
			}
			if !b.eventually(func() bool { return b.exists("harmless-ran") }) {
				t.Errorf("a harmless command in a variable did not run:\n%s", b.screen())
			}
		})
	}
}

// TestNestedShellAsked: a shell started at the guarded prompt whose
// startup files do not load the hook is asked about; with the hook in
// ~/.bashrc (or ~/.zshrc) it starts at once, and is guarded.
func TestNestedShellAsked(t *testing.T) {
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShell(t, shell)
			b.send(shell + "; touch after-nested")
			b.waitScreen(`unguarded-shell`)
			b.waitScreen(`type yes to run it, anything else to cancel: $`)
			b.keys("C-c")
			b.waitScreen(`not run: not confirmed`)
			b.notRun("an unguarded shell", "after-nested")
		})
	}
}

// TestHookStateHolds: a line that writes the hook's own state (the path
// of guard it runs, the functions Enter and preexec call), starts a shell
// that skips the start-up files loading the hook in place of this one, or
// turns off what the trap needs while line editing is off, is asked
// about; refused, the next blocked line is still refused. bash's hook
// also keeps its fixed parts readonly, so a write guard cannot see (a
// name computed at run time) fails too.
func TestHookStateHolds(t *testing.T) {
	lines := map[string][]string{
		"bash": {
			`__guard_bin=/bin/true`,
			`__guard_judge() { return 0; }`,
			`read -r __guard_bin <<< /bin/true`,
			`shopt -u promptvars; set +o emacs +o vi`,
			`readonly PS0=; set +o emacs +o vi`,
			`exec bash --norc`,
		},
		"zsh": {
			`__guard_bin=/bin/true`,
			`__guard_judge() { return 0 }`,
			`functions[__guard_judge]='return 0'`,
			`exec zsh -f`,
		},
	}
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			b := startShell(t, shell)
			for _, line := range lines[shell] {
				b.clearLine()
				b.send(line + "; touch after-state")
				b.waitScreen(`type yes to run it, anything else to cancel: $`)
				b.keys("C-c")
				b.waitScreen(`not run: not confirmed`)
				b.notRun(line, "after-state")
				b.clearLine()
				b.typeLine(blocked + "; touch after-block")
				b.waitScreen(`not run: the line is blocked`)
				b.notRun("after "+line, "after-block")
			}
			if shell != "bash" {
				return
			}
			// a name guard cannot compute: the rule does not see it, readonly does
			b.clearLine()
			b.typeLine(`printf -v "__guard_b${RANDOM:0:0}in" %s /bin/true; touch after-computed`)
			b.clearLine()
			b.typeLine(blocked + "; touch after-block")
			b.waitScreen(`not run: the line is blocked`)
			b.notRun("after a computed write", "after-block")
			// a line that turns extdebug off with editing off: the next
			// prompt turns it back on, so the trap can still skip a command
			b.clearLine()
			b.send(`shopt -u extdebug 2>/dev/null; GUARD=off true; set +o emacs +o vi`)
			b.waitScreen(`type yes to run it, anything else to cancel: $`)
			b.typeLine("yes")
			b.send(blocked + "; touch after-noediting")
			b.waitScreen(`not run`)
			b.notRun("extdebug off, editing off", "after-noediting")
		})
	}
}

// TestHookWaysAround: ways found by trying to get a refused line to run
// at a guarded prompt anyway. Each is asked about (and not confirmed) or
// refused, and the refused line, or the one typed into what the first
// line started, does not run.
func TestHookWaysAround(t *testing.T) {
	type attempt struct {
		lines []string // typed one by one; a question is answered Ctrl-C
		typed string   // then typed into whatever the last line started
	}
	attempts := map[string][]attempt{
		"bash": {
			{lines: []string{blocked, `eval "$(history -p '!dockerd')"; touch after-way`}},
			{lines: []string{blocked, `bash -c "$(fc -ln -2 -2)"; touch after-way`}},
			{lines: []string{`return() { :; }; touch after-way`, blocked}},
			{lines: []string{`hash -p /bin/sh ls; touch after-way`, `ls -c '` + blocked + `'`}},
		},
		"zsh": {
			{lines: []string{`return() { :; }; touch after-way`, blocked}},
		},
	}
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			for _, a := range attempts[shell] {
				t.Run(a.lines[0], func(t *testing.T) {
					b := startShell(t, shell)
					for _, line := range a.lines {
						b.sendDeclining(line, `READY[$%] $`)
						b.waitIdle()
					}
					if a.typed != "" {
						b.typeText(a.typed)
						b.keys("Enter", "C-d")
					}
					b.notRun(strings.Join(a.lines, " / "), "after-way")
				})
			}
		})
	}
}

// sendDeclining types line and waits for guard's question, its refusal or
// the prompt (prompt, a pattern); a question is declined with Ctrl-C.
func (b *shellBox) sendDeclining(line, prompt string) {
	b.t.Helper()
	b.clearLine()
	b.send(line)
	b.waitScreen(`type yes to run it, anything else to cancel: $|not run|` + prompt)
	if strings.Contains(b.screenSince(b.mark), "type yes to run it") {
		b.keys("C-c")
		b.waitScreen(`not run: not confirmed`)
	}
}

// TestHookWaysAroundLater: more ways found by trying to get a refused
// line to run at a guarded prompt anyway: a function reached through a
// variable's value, code kept to run later (at a prompt, a signal, a key,
// Tab) that reads a file written afterwards or the line being typed, the
// history through a filter, a shell started with no visible command.
// Each is asked about (and not confirmed) or refused, and then what it
// kept, or what is typed into what it started, does not run.
func TestHookWaysAroundLater(t *testing.T) {
	later := "echo '" + blocked + "; touch after-way' > later.sh"
	type attempt struct {
		lines []string // typed one by one; a question is answered Ctrl-C
		// then, these keys (tmux names) are sent, as one would press them
		keys []string
		// starts: the last line, if it ran, started a shell the keys go to
		starts bool
	}
	attempts := map[string][]attempt{
		"bash": {
			{lines: []string{`f() { "$@"; }`, `y=f`, `$y ` + blocked + `; touch after-way`}},
			{lines: []string{`PROMPT_COMMAND='. ./later.sh'`, later, `true`}},
			{lines: []string{`trap '. ./later.sh' WINCH`, later, `kill -WINCH $$`}},
			{lines: []string{`bind -x '"\C-t": eval "$(cat later.sh)"'`, later}, keys: []string{"C-t"}},
			{lines: []string{`bind -x '"\C-t": eval "$READLINE_LINE"'`}, keys: []string{blocked + "; touch after-way", "C-t"}},
			{lines: []string{`complete -C ./later.sh frob`, "echo '" + blocked + "; touch after-way' > later.sh; chmod +x later.sh"}, keys: []string{"frob ", "Tab", "Tab"}},
			{lines: []string{blocked, `eval "$(history 2 | head -1 | cut -c8-)"; touch after-way`}},
			{lines: []string{blocked, `fc -ln -2 -2 > x.sh; . ./x.sh; touch after-way`}},
			{lines: []string{blocked, `mapfile -t h < <(history 2); eval "${h[0]:7}"; touch after-way`}},
			{lines: []string{`f() { "$@"; }`, `$(echo f) ` + blocked + `; touch after-way`}},
			{lines: []string{`printf '%s\n' '` + blocked + `; touch after-way' 'exec < /dev/tty' > later.sh`, `exec < later.sh`}},
			{lines: []string{`script -q /dev/null`}, keys: []string{blocked + "; touch after-way", "Enter"}, starts: true},
			{lines: []string{`timeout 999 bash --norc`}, keys: []string{blocked + "; touch after-way", "Enter"}, starts: true},
			{lines: []string{`perl -e 'exec "bash --norc"'`}, keys: []string{blocked + "; touch after-way", "Enter"}, starts: true},
		},
		"zsh": {
			{lines: []string{`f() { "$@" }`, `y=f`, `$y ` + blocked + `; touch after-way`}},
			{lines: []string{`precmd() { . ./later.sh }`, later, `true`}},
			{lines: []string{`w() { eval "$BUFFER" }; zle -N w; bindkey '^T' w`}, keys: []string{blocked + "; touch after-way", "C-t"}},
			{lines: []string{`p() { eval "$1" }; add-zsh-hook preexec p`, blocked + "; touch after-way"}},
			{lines: []string{blocked, `eval "$(fc -ln -1 | head -1)"; touch after-way`}},
			{lines: []string{`script -q /dev/null`}, keys: []string{blocked + "; touch after-way", "Enter"}, starts: true},
			{lines: []string{`fpath=($PWD $fpath); autoload -U later`, "echo '" + blocked + "; touch after-way' > later", `later`}},
			{lines: []string{`printf '%s\n' '` + blocked + `; touch after-way' 'exec < /dev/tty' > later.sh`, `exec < later.sh`}},
			// the hook's own hooks put back or worked around: the trap still stops the line
			{lines: []string{`preexec_functions=()`, blocked + "; touch after-way"}},
			{lines: []string{`unsetopt debug_before_cmd; bindkey -e`, blocked + "; touch after-way"}},
			{lines: []string{`zle -A .accept-line accept-line; (( __guard_ok = 1 ))`, blocked + "; touch after-way"}},
		},
	}
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			for _, a := range attempts[shell] {
				t.Run(a.lines[0], func(t *testing.T) {
					b := startShell(t, shell)
					for i, line := range a.lines {
						// (the prompt of this shell, or of one the line started)
						b.sendDeclining(line, `[$%#] $`)
						if a.starts && i == len(a.lines)-1 && !strings.Contains(b.screenSince(b.mark), "not run") {
							time.Sleep(500 * time.Millisecond) // a shell it started, waiting for keys
							continue
						}
						b.waitIdle()
					}
					for _, k := range a.keys {
						if strings.ContainsAny(k, " ;") {
							b.typeText(k)
						} else {
							b.keys(k)
						}
					}
					if len(a.keys) > 0 {
						time.Sleep(300 * time.Millisecond) // what a key runs, it runs now
						b.keys("C-c")
					}
					if a.starts && b.eventually(func() bool { return b.exists("after-way") || strings.Contains(b.screen(), "not run") }) && b.exists("after-way") {
						t.Fatalf("the refused line ran in the shell %q started:\n%s", a.lines[len(a.lines)-1], b.screen())
					}
					b.notRun(strings.Join(a.lines, " / "), "after-way")
				})
			}
		})
	}
}
