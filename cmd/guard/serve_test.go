package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/guard-sh/guard/guard/gate"
)

// TestParseExports: what real bash and zsh print for export -p reads back
// as the environment they hold, however they quote and escape the values
// (zsh in the C locale writes bytes it cannot print as \M- and \C-), and
// zsh's tied PATH.
func TestParseExports(t *testing.T) {
	values := map[string]string{
		"G_PLAIN":   "/usr/bin:/bin",
		"G_SPACE":   "two words",
		"G_QUOTES":  `it's "quoted" $HOME ` + "`x` \\ end",
		"G_NEWLINE": "line one\nline two",
		"G_CONTROL": "bell\a tab\t cr\r",
		"G_EMPTY":   "",
		"G_UTF8":    "héllo ✓",
		"G_ESCAPES": `a\M-b \C-c \\`,
		"G_HIGH":    "\x9c\xff\xa9",
	}
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			need(t, shell)
			cmd := exec.Command(shell, "-f", "-c", "export -p")
			if shell == "bash" {
				cmd = exec.Command(shell, "--norc", "-c", "export -p")
			}
			cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/root"}
			for k, v := range values {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			env, err := parseExports(string(out), shell == "zsh")
			if err != nil {
				t.Fatal(err)
			}
			// zsh writes the byte 0xa7 as \M-' in $'…': a bare quote that
			// shifts every quote after it. Such an environment is not read.
			if shell == "zsh" {
				again := exec.Command(cmd.Path, cmd.Args[1:]...)
				again.Env = append(cmd.Env, "G_QUOTE_BYTE=a\xa7 X=1")
				out, err := again.Output()
				if err != nil {
					t.Fatal(err)
				}
				if env, err := parseExports(string(out), true); err == nil {
					t.Errorf("an environment zsh cannot quote was read: %q\nexport -p:\n%s", env, out)
				}
			}
			for k, want := range values {
				if got, ok := env[k]; !ok || got != want {
					t.Errorf("%s = %q (set: %v), want %q\nexport -p:\n%s", k, got, ok, want, out)
				}
			}
			if env["PATH"] != "/usr/bin:/bin" {
				t.Errorf("PATH = %q, want /usr/bin:/bin\nexport -p:\n%s", env["PATH"], out)
			}
		})
	}
}

// BenchmarkServeAnswer: guard serve's work for one typed line, the
// environment unchanged since the last one (what a hook waits for, less
// the pipe).
func BenchmarkServeAnswer(b *testing.B) {
	dir := b.TempDir()
	exports := []byte("declare -x HOME=\"" + dir + "\"\ndeclare -x PATH=\"/usr/bin:/bin\"\ndeclare -x GUARD_STATE=\"" + dir + "/state\"\n")
	s := &server{from: "bash"}
	req := request{seq: "1", options: "i", cwd: dir, text: "ls -la /tmp > /dev/null; printf 'out-%s\\n' 1", exports: exports}
	if got := s.answer(req); got != exitOK {
		b.Fatalf("answer = %d, want %d", got, exitOK)
	}
	for b.Loop() {
		s.answer(req)
	}
}

// TestServeAnswers: guard serve answers alone only for a line guard finds
// nothing in, or one still being typed; it judges in the environment and
// the site policy of the moment, and hands back anything else.
func TestServeAnswers(t *testing.T) {
	dir := t.TempDir()
	etc := filepath.Join(dir, "etc")
	bin := filepath.Join(dir, "bin")
	for _, d := range []string{etc, bin, filepath.Join(dir, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// a program of the user's, outside the system folders: guard reads it
	if err := os.WriteFile(filepath.Join(bin, "tidy"), []byte("#!/bin/sh\nrm -rf /etc\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	exports := func(path string) []byte {
		return []byte(`declare -x HOME="` + dir + `/home"` + "\n" + `declare -x PATH="` + path + `"` + "\n" +
			`declare -x GUARD_ETC="` + etc + `"` + "\n" + `declare -x GUARD_STATE="` + dir + `/state"` + "\n" +
			`declare -x GUARD_AUDIT_FILE="` + dir + `/audit.jsonl"` + "\n")
	}
	s := &server{from: "bash"}
	ask := func(text, options string, env []byte) int {
		t.Helper()
		return s.answer(request{seq: "1", options: options, cwd: dir, text: text, exports: env})
	}
	plain := exports("/usr/bin:/bin")
	for _, c := range []struct {
		text, options string
		want          int
	}{
		{"ls -la /tmp", "i", exitOK},
		{"echo start \\", "i", exitIncomplete},
		{"bash <<'EOF'", "i", exitIncomplete},
		{"rm -rf /", "i", exitDefer},
		{"crontab -r", "i", exitDefer},
		{"tidy", "i", exitOK}, // not on this PATH: an unknown program
	} {
		if got := ask(c.text, c.options, plain); got != c.want {
			t.Errorf("%q (options %q): %d, want %d", c.text, c.options, got, c.want)
		}
	}
	// The shell's PATH of the moment: tidy is now the script that deletes /etc.
	if got := ask("tidy", "i", exports(bin+":/usr/bin:/bin")); got != exitDefer {
		t.Errorf("tidy on the new PATH: %d, want %d (judged with the old environment?)", got, exitDefer)
	}
	// A site policy written while the shell runs applies to the next line.
	if got := ask("systemctl stop postgresql", "i", plain); got != exitOK {
		t.Fatalf("systemctl stop postgresql before the policy: %d, want %d", got, exitOK)
	}
	policyText := "[[rule]]\nid = \"site-stop-postgres\"\nprograms = [\"systemctl\"]\nargs = [\"stop\", \"postgresql\"]\ndecision = \"confirm\"\nmessage = \"would stop the database\"\n"
	if err := os.WriteFile(filepath.Join(etc, "guard.toml"), []byte(policyText), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := ask("systemctl stop postgresql", "i", plain); got != exitDefer {
		t.Errorf("systemctl stop postgresql after the policy: %d, want %d", got, exitDefer)
	}
	// A broken policy has something to say: guard gate says it.
	if err := os.WriteFile(filepath.Join(etc, "guard.toml"), []byte("[rules\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := ask("ls -la /tmp", "i", plain); got != exitDefer {
		t.Errorf("a line under a broken policy: %d, want %d (its warning would be lost)", got, exitDefer)
	}
}

// TestServeProtocol: requests arrive whole or serve ends; answers carry
// the request's number.
func TestServeProtocol(t *testing.T) {
	dir := t.TempDir()
	env := "declare -x HOME=\"" + dir + "\"\ndeclare -x GUARD_STATE=\"" + dir + "/state\"\ndeclare -x GUARD_ETC=\"" + dir + "/etc\"\n"
	req := func(seq, text string) string {
		return "G1\x00" + seq + "\x00i\x00" + dir + "\x00" + text + "\x00\x00" + env + "\x00"
	}
	for _, c := range []struct {
		name, in, want string
	}{
		{"two lines", req("7", "ls") + req("8", "rm -rf /"), "7 0\n8 98\n"},
		{"cut short", req("7", "ls") + "G1\x008\x00i\x00", "7 0\n"},
		// a huge environment is read to its end and deferred: serve goes on
		{"too big", "G1\x001.9\x00i\x00" + dir + "\x00ls\x00\x00" + strings.Repeat("x", maxRequest+1) + "\x00" + req("2.5", "ls"), "1.9 98\n2.5 0\n"},
		{"not a request", "hello\x00", ""},
		{"a bad number", "G1\x00x\x00", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errs strings.Builder
			a := &app{stdin: strings.NewReader(c.in), stdout: &out, stderr: &errs, getenv: func(string) string { return "" }}
			if code := a.serveCmd([]string{"--from", "bash"}); code != exitOK {
				t.Errorf("exit %d", code)
			}
			if out.String() != c.want {
				t.Errorf("answers %q, want %q (stderr %q)", out.String(), c.want, errs.String())
			}
		})
	}
}

// TestServeGivesWay: guard serve answers "gone" once its program file is
// replaced, even when the new file landed while serve was still starting
// (it must not take the new file for the one it runs).
func TestServeGivesWay(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(builtGuard(t))
	if err != nil {
		t.Fatal(err)
	}
	program := filepath.Join(dir, "guard")
	prepare := func() {
		t.Helper()
		if err := os.WriteFile(program+".new", data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	install := func() { // as a package manager does: renamed into place
		t.Helper()
		if err := os.Rename(program+".new", program); err != nil {
			t.Fatal(err)
		}
	}
	env := "declare -x HOME=\"" + dir + "\"\ndeclare -x GUARD_STATE=\"" + dir + "/state\"\ndeclare -x GUARD_ETC=\"" + dir + "/etc\"\n"
	request := "G1\x001.5\x00i\x00" + dir + "\x00ls\x00\x00" + env + "\x00"
	for _, c := range []struct {
		name    string
		upgrade bool
		want    string
	}{
		{"kept", false, "1.5 0\n"},
		{"upgraded as it starts", true, "1.5 99\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			prepare()
			install()
			cmd := exec.Command(program, "serve", "--from", "bash")
			cmd.Env = []string{"HOME=" + dir, "PATH=/usr/bin:/bin"}
			in, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			cmd.Stdout = &out
			if c.upgrade {
				prepare()
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if c.upgrade {
				install() // while serve starts: before it looked at its file
			}
			_, err = io.WriteString(in, request)
			in.Close()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatal(err)
			}
			if out.String() != c.want {
				t.Errorf("answer %q, want %q", out.String(), c.want)
			}
		})
	}
}

// servePID is the guard serve beside the box's shell, 0 if none runs.
func (b *shellBox) servePID() int {
	serve, _ := b.children()
	return serve
}

// TestServeHoldsTheLine: with guard serve beside the shell, a refused
// line still does not run: while serve runs, after it was killed (guard
// gate takes the lines, the next prompt starts another), after guard's
// program was replaced (serve ends; the new one starts), and with a PATH
// the shell changed after serve started.
func TestServeHoldsTheLine(t *testing.T) {
	for _, shell := range shells {
		t.Run(shell, func(t *testing.T) {
			need(t, shell)
			dir := t.TempDir()
			program := filepath.Join(dir, "guard")
			install := func() {
				t.Helper()
				data, err := os.ReadFile(builtGuard(t))
				if err != nil {
					t.Fatal(err)
				}
				// as a package manager does: a new file renamed into place
				if err := os.WriteFile(program+".new", data, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(program+".new", program); err != nil {
					t.Fatal(err)
				}
			}
			install()
			b := startShellWith(t, shell, shellSetup{hooked: true, guardPath: program})
			var first int
			if !b.eventually(func() bool { first = b.servePID(); return first != 0 }) {
				t.Fatalf("no guard serve beside the shell")
			}
			refused := func(what string) {
				t.Helper()
				b.clearLine()
				b.typeLine("rm -rf ~ ; touch after-" + what)
				b.waitScreen(`not run: the line is blocked`)
				b.notRun(what, "after-"+what)
				b.clearLine()
				b.typeLine("touch ran-" + what)
				if !b.eventually(func() bool { return b.exists("ran-" + what) }) {
					t.Fatalf("%s: a harmless line did not run:\n%s", what, b.screen())
				}
			}
			refused("served")
			// the shell's jobs are its own: wait returns, jobs does not list serve
			b.typeLine("sleep 0.1 & wait; jobs > jobs.txt; touch waited")
			if !b.eventually(func() bool { return b.exists("waited") }) {
				t.Fatalf("wait did not return (it waits for guard serve?):\n%s", b.screen())
			}
			if jobs := b.read("jobs.txt"); strings.Contains(jobs, "serve") {
				t.Errorf("jobs lists guard serve: %s", jobs)
			}

			// A program of the user's writes questions guard answers "run"
			// (and such answers) into every pipe the shell holds, numbered as
			// the hook numbers its own: the hook's carry a nonce.
			inject := "#!/bin/sh\nfor f in /proc/$PPID/fd/*; do\n  [ -p \"$f\" ] || continue\n" +
				"  case $(stat -c %A \"$f\") in\n" +
				"  l-wx*) i=1; while [ $i -le 30 ]; do printf 'G1\\0%s\\0i\\0/\\0true\\0\\0\\0' $i; i=$((i+1)); done > \"$f\" 2>/dev/null ;;\n" +
				"  lr-x*) i=1; while [ $i -le 30 ]; do printf '%s 0\\n' $i; i=$((i+1)); done > \"$f\" 2>/dev/null ;;\n" +
				"  esac\ndone\n"
			if err := os.WriteFile(filepath.Join(b.dir, "bin", "inject"), []byte(inject), 0o755); err != nil {
				t.Fatal(err)
			}
			b.typeLine("inject")
			refused("injected")
			if !b.eventually(func() bool { first = b.servePID(); return first != 0 }) {
				t.Fatalf("no guard serve after the injection")
			}

			if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			refused("killed")
			var second int
			if !b.eventually(func() bool { second = b.servePID(); return second != 0 && second != first }) {
				t.Fatalf("no new guard serve after the first was killed")
			}

			install()
			refused("replaced")
			if !b.eventually(func() bool { p := b.servePID(); return p != 0 && p != second }) {
				// say why: the hook's count of starts, and what runs beside it
				b.clearLine()
				b.typeLine(`echo "starts=$__guard_starts since=$__guard_since now=$SECONDS" > starts.txt`)
				b.eventually(func() bool { return b.exists("starts.txt") })
				t.Fatalf("guard serve did not give way to the new program (serve %d, %s)", b.servePID(), b.read("starts.txt"))
			}

			// tidy, on a folder the shell puts first on PATH now, deletes home
			bin2 := filepath.Join(b.dir, "bin2")
			if err := os.MkdirAll(bin2, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(bin2, "tidy"), []byte("#!/bin/sh\nrm -rf \"$HOME\"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			b.typeLine("export PATH=" + gate.Quote(bin2) + ":$PATH")
			b.clearLine()
			b.typeLine("tidy; touch after-tidy")
			b.waitScreen(`tidy:2: rm -rf "\$HOME"`)
			b.notRun("a script on the new PATH", "after-tidy")
		})
	}
}
