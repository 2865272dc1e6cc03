package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/guard-sh/guard/guard"
)

// judgeClean judges line and fails if guard itself broke on it.
func judgeClean(t testing.TB, e *guard.Engine, line string) guard.Verdict {
	t.Helper()
	v := e.Judge(line, guard.NewMemHost(), guard.Options{Cwd: "/home/op"})
	for _, f := range v.Findings {
		if f.Rule == guard.InternalID {
			t.Fatalf("guard failed on %.80q: %s", line, f.Message)
		}
	}
	return v
}

func TestHostileInput(t *testing.T) {
	e := newEngine(t)
	tests := []struct {
		name string
		line string
		want guard.Decision
	}{
		{"200 nested subshells", strings.Repeat("( ", 200) + "rm -rf /usr" + strings.Repeat(" )", 200), guard.Block},
		// bash reads (( … )) as arithmetic: rm - rf / usr is a sum, nothing runs
		{"arithmetic look-alike", strings.Repeat("(", 200) + "rm -rf /usr" + strings.Repeat(")", 200), guard.Allow},
		{"200 unclosed subshells", strings.Repeat("(", 200) + "rm -rf /usr", guard.Block},
		{"deep command substitutions", strings.Repeat("echo $(", 150) + "rm -rf /usr" + strings.Repeat(")", 150), guard.Block},
		{"100 KB argument", "echo " + strings.Repeat("a", 100<<10) + "; rm -rf /usr", guard.Block},
		{"brace bomb", "echo {1..100000}{1..100000}; rm -rf /usr", guard.Block},
		{"nested bash -c", `bash -c "sh -c 'bash -c \"rm -rf /usr\"'"`, guard.Block},
		// invalid UTF-8 does not parse: judged word by word, with a warning
		{"binary junk", string([]byte{0, 1, 2, 0xff, 0xfe, '\n', 0x1b, '[', 'm'}), guard.Warn},
		{"long loop list", "for i in " + strings.Repeat("x ", 5000) + "; do rm -rf /tmp/$i; done", guard.Allow},
		{"nested loops", strings.Repeat("for a in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do ", 8) + "rm -rf /usr/$a" + strings.Repeat("; done", 8), guard.Confirm},
		{"many heredocs", strings.Repeat("cat <<E\nrm -rf /\nE\n", 500), guard.Allow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := judgeClean(t, e, tt.line)
			if v.Decision != tt.want {
				t.Errorf("decision %s, want %s (%+v)", v.Decision, tt.want, v.Findings)
			}
		})
	}
}

// TestTooManyCommands: past the bound guard says it stopped reading and
// asks, so a padded line cannot hide its last command.
func TestTooManyCommands(t *testing.T) {
	e := newEngine(t)
	line := strings.Repeat("true\n", 25000) + "rm -rf /usr"
	v := judgeClean(t, e, line)
	if v.Decision < guard.Confirm {
		t.Fatalf("a line past the command bound must be at least confirm, got %s", v.Decision)
	}
	found := false
	for _, f := range v.Findings {
		found = found || f.Rule == guard.TooComplexID
	}
	if !found {
		t.Errorf("no %s finding: %+v", guard.TooComplexID, v.Findings)
	}
}

func FuzzJudge(f *testing.F) {
	for _, seed := range []string{
		"rm -rf /", "cd / && rsync -a x/ .", ":(){ :|:& };:", "bash -c 'sudo rm -rf \"$X\"/'",
		"echo $'\\x00' | xargs rm", "cat <<'E' | sh\nrm -rf /\nE", "a=(1 2); ${a[@]}", "((", "`",
		"find / -exec sh -c 'rm {}' \\;", "ssh h -- 'reboot'", "x=${y:-$(z)}; $x",
	} {
		f.Add(seed)
	}
	for _, c := range loadCases(f, "../testdata/*/*.txt") {
		f.Add(c.line) // every mechanism's and every rule's shapes
	}
	e := newEngine(f)
	f.Fuzz(func(t *testing.T, line string) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			judgeClean(t, e, line)
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatalf("judging %q took more than 2s", line)
		}
	})
}

func BenchmarkJudgeTypicalLine(b *testing.B) {
	e := newEngine(b)
	h := guard.NewMemHost()
	opts := guard.Options{Cwd: "/home/op"}
	b.ReportAllocs()
	for b.Loop() {
		e.Judge("sudo rsync -aP --delete /srv/www/ /var/www/html/ && systemctl reload nginx", h, opts)
	}
}

func BenchmarkJudgeRmLine(b *testing.B) {
	e := newEngine(b)
	h := guard.NewMemHost()
	opts := guard.Options{Cwd: "/home/op"}
	b.ReportAllocs()
	for b.Loop() {
		e.Judge("rm -rf build/ dist", h, opts)
	}
}

// BenchmarkJudgeScript1MB judges a 1 MB pasted script of ordinary lines.
func BenchmarkJudgeScript1MB(b *testing.B) {
	e := newEngine(b)
	h := guard.NewMemHost()
	lines := []string{
		`cd /srv/app && git pull --ff-only`,
		`for f in *.log; do gzip "$f"; done`,
		`if [ -d build ]; then rm -rf build/; fi`,
		`sudo systemctl restart app.service`,
		`echo "deployed $(date)" >> /var/log/deploy.log`,
	}
	var sb strings.Builder
	for sb.Len() < 1<<20 {
		for _, l := range lines {
			sb.WriteString(l)
			sb.WriteByte('\n')
		}
	}
	script := sb.String()
	b.SetBytes(int64(len(script)))
	b.ReportAllocs()
	for b.Loop() {
		e.Judge(script, h, guard.Options{Cwd: "/home/op"})
	}
}
