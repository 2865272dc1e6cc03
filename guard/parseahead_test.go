package guard

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"mvdan.cc/sh/v3/syntax"
)

// Parsing ahead of the walk (parseAhead) must change nothing but the time:
// the same commands, notes and truncation as parsing in step, for scripts
// with here-documents read after their statement, a parse error in the
// middle, and a walk that stops long before the parser would.
func TestParseAheadSameAsInStep(t *testing.T) {
	blocks := []string{
		"cd /srv/app%d && rm -rf build/",
		"cat <<EOF; echo after%d\nbody $(rm -rf /tmp/x%d)\nEOF",
		"cat <<A <<'B' > out%d\none\nA\ntwo $(touch z)\nB",
		"f%d() { rm -rf \"$1\"; }; f%d /var/tmp/x",
		"for x in a b; do echo $x%d; done | sort",
		"v%d=$(date); echo \"$v%d\"",
	}
	var sb strings.Builder
	for i := 0; sb.Len() < 20<<10; i++ {
		sb.WriteString(strings.ReplaceAll(blocks[i%len(blocks)], "%d", fmt.Sprint(i)) + "\n")
	}
	script := sb.String()
	scripts := map[string]string{
		"here-documents":     script,
		"a parse error":      script + "if then fi )\n" + script,
		"an unended heredoc": script + "cat <<NEVER\nrm -rf /usr\n",
		"a walk that stops":  strings.Repeat(": x\n", maxSteps+5000),
	}
	host := NewMemHost()
	before := runtime.NumGoroutine()
	for name, src := range scripts {
		inStep := newResolver(host, syntax.LangBash)
		inStep.aheadMin = math.MaxInt
		ahead := newResolver(host, syntax.LangBash)
		ahead.aheadMin = 1
		wantInvs, wantNotes, wantCut := inStep.resolveAfter("", src, "/home/op", false)
		gotInvs, gotNotes, gotCut := ahead.resolveAfter("", src, "/home/op", false)
		if len(wantInvs) < 10 {
			t.Fatalf("%s: only %d commands: the script is not what the test means", name, len(wantInvs))
		}
		if got, want := summary(gotInvs), summary(wantInvs); got != want {
			t.Errorf("%s: parsed ahead, the commands differ:\n%.300s\nin step:\n%.300s", name, got, want)
		}
		if fmt.Sprint(gotNotes) != fmt.Sprint(wantNotes) || gotCut != wantCut {
			t.Errorf("%s: notes %q, cut %q; in step: %q, %q", name, gotNotes, gotCut, wantNotes, wantCut)
		}
	}
	// The parser goroutines end with their walk, stopped or not.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running after the walks (%d before)", n, before)
	}
}

func summary(invs []*Invocation) string {
	var b strings.Builder
	for _, inv := range invs {
		fmt.Fprintf(&b, "%s|%s|%q|%s\n", inv.Program, inv.Cwd, inv.Text, inv.Command.Value)
		for _, a := range inv.Args {
			b.WriteString(a.Value + " ")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// A panic in the parser's goroutine reaches the walk's, where Judge turns
// it into a finding, as it does in step.
func TestParseAheadPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("the parser's panic was lost")
		}
	}()
	parseAhead("echo a; echo b", syntax.LangVariant(-1), func(*syntax.Stmt) bool { return true })
}

// The parser waits while it is a window's worth ahead of the walk, and
// stops waiting when the walk is done.
func TestAheadWindow(t *testing.T) {
	w := newAheadWindow(100)
	if !w.take(60) || !w.take(40) {
		t.Fatal("room for 100 bytes was refused")
	}
	took := make(chan bool)
	go func() { took <- w.take(10) }()
	select {
	case <-took:
		t.Fatal("the parser ran past the window")
	case <-time.After(50 * time.Millisecond):
	}
	w.give(60)
	if !<-took {
		t.Fatal("room given back was not taken")
	}
	// A statement larger than the window passes when nothing is ahead.
	w.give(50)
	if !w.take(1000) {
		t.Fatal("a statement larger than the window waits for ever")
	}
	go func() { took <- w.take(10) }()
	w.close()
	if <-took {
		t.Error("a parser waiting when the walk is done was told to go on")
	}
}
