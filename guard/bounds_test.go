package guard_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/rules"
)

// Limits every line must be judged within, whatever it holds, up to
// guard.MaxLineBytes: judging is bounded by construction, not by a timer.
const (
	judgeTimeLimit  = time.Second
	judgeAllocLimit = 100 << 20
)

// nested builds a line nesting its unit n levels deep around the command.
func nested(open, inner, close string, n int) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

// backquotes nests backquote substitutions n levels, escaping each level
// as bash needs.
func backquotes(n int) string {
	line := "rm -rf /usr"
	for i := 0; i < n; i++ {
		line = "echo `" + strings.NewReplacer(`\`, `\\`, "`", "\\`").Replace(line) + "`"
	}
	return line
}

// heredocShells nests shells reading the rest as a here-document.
func heredocShells(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "bash <<E%d\n", i)
	}
	b.WriteString("rm -rf /usr\n")
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "E%d\n", i)
	}
	return b.String()
}

func deepLines(n int) map[string]string {
	return map[string]string{
		"$(":              "echo " + nested("$(", "rm -rf /usr", ")", n),
		"(":               nested("( ", "rm -rf /usr", " )", n),
		"{":               nested("{ ", "rm -rf /usr;", " };", n),
		"${":              "echo " + nested("${x:-", "$(rm -rf /usr)", "}", n),
		"$((":             "echo $((" + nested("(", "1", ")", n) + ")); rm -rf /usr",
		"if":              nested("if true; then ", "rm -rf /usr;", " fi;", n),
		"case":            nested("case x in x) ", "rm -rf /usr;;", " esac;;", n),
		"[[ ! ]]":         "[[ " + strings.Repeat("! ", n) + "x ]]; rm -rf /usr",
		"[[ && ]]":        "[[ " + strings.Repeat("a && ", n) + "b ]]; rm -rf /usr",
		"**":              "echo $(( " + strings.Repeat("2**", n) + "1 )); rm -rf /usr",
		"unary minus":     "echo $(( " + strings.Repeat("- ", n) + "1 )); rm -rf /usr",
		"f() f()":         strings.Repeat("f() ", n) + "{ rm -rf /usr; }",
		"time":            strings.Repeat("time ", n) + "rm -rf /usr",
		"pipes":           strings.Repeat("true | ", n) + "rm -rf /usr",
		"&&":              strings.Repeat("true && ", n) + "rm -rf /usr",
		"eval string":     "false && eval '" + nested("$(", "x", ")", n) + "'; rm -rf /usr",
		"bash -c string":  "bash -c '" + nested("$(", "x", ")", n) + "'; rm -rf /usr",
		"here-documents":  heredocShells(n),
		"[ subscripts":    "echo ${a[" + nested("a[", "1", "]", n) + "]}; rm -rf /usr",
		"brace words":     "echo " + nested("{a,", "b", "}", n) + "; rm -rf /usr",
		"arithmetic text": "v='" + nested("(", "1", ")", n) + "'; echo $(( v )); rm -rf /usr",
	}
}

func hugeLines() map[string]string {
	const size = guard.MaxLineBytes
	var doubling strings.Builder
	doubling.WriteString("x=abcdefgh; ")
	for i := 0; i < 40; i++ {
		doubling.WriteString("x=$x$x; ")
	}
	doubling.WriteString("echo $x; rm -rf /usr")
	var fanout strings.Builder
	fanout.WriteString("f0() { rm -rf /usr; }\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&fanout, "f%d() { %s }\n", i, strings.Repeat(fmt.Sprintf("f%d; ", i-1), 10))
	}
	fanout.WriteString("f8\n")
	return map[string]string{
		"16 MB of commands":         strings.Repeat("true\n", size/5-4) + "rm -rf /usr",
		"16 MB word":                "echo " + strings.Repeat("a", size-30) + "; rm -rf /usr",
		"16 MB of words":            "echo" + strings.Repeat(" a", size/2-20) + "; rm -rf /usr",
		"16 MB of comments":         strings.Repeat("# rm -rf /usr\n", size/14-2) + "rm -rf /usr",
		"16 MB here-document":       "cat <<E\n" + strings.Repeat("rm -rf /usr\n", size/12-2) + "E\nrm -rf /usr",
		"16 MB of assignments":      strings.Repeat("a=b\n", size/4-4) + "rm -rf /usr",
		"16 MB array":               "a=(" + strings.Repeat("x ", size/2-20) + "); rm -rf /usr",
		"16 MB loop list":           "for i in" + strings.Repeat(" x", size/2-40) + "; do rm -rf /tmp/$i; done; rm -rf /usr",
		"16 MB of substitutions":    strings.Repeat("echo $(true)\n", size/13-2) + "rm -rf /usr",
		"16 MB of globs":            strings.Repeat("ls /*/*\n", size/8-2) + "rm -rf /usr",
		"16 MB of unknown words":    strings.Repeat("\"$X\" -rf /tmp/a\n", size/17-2) + "rm -rf /usr",
		"16 MB of function calls":   "f() { g; g; }; g() { :; }\n" + strings.Repeat("f\n", size/2-20) + "rm -rf /usr",
		"16 MB of pipes":            strings.Repeat("a|", size/2-20) + "rm -rf /usr",
		"16 MB of quotes":           strings.Repeat("'(", size/2-20) + "\nrm -rf /usr",
		"16 MB unterminated quote":  "rm -rf /usr '" + strings.Repeat("x(", size/2-20),
		"doubling a value":          doubling.String(),
		"function fan-out":          fanout.String(),
		"brace bomb":                "echo {1..100000}{1..100000}{1..100000}; rm -rf /usr",
		"glob of globs":             "ls /*/*/*/*/*/*; rm -rf /usr",
		"nested loops":              strings.Repeat("for a in 1 2 3 4 5 6 7 8; do ", 64) + "rm -rf /usr/$a" + strings.Repeat("; done", 64),
		"past the limit":            strings.Repeat("x", guard.MaxLineBytes+1),
		"a command of unknowns":     strings.Repeat(`"$a" `, 100000) + "; rm -rf /usr",
		"mutual recursion":          "a() { b; b; b; }; b() { a; a; a; }; a; rm -rf /usr",
		"16 MB parallel operands":   "parallel rm -rf :::" + strings.Repeat(" /tmp/x", size/7-20) + "; rm -rf /usr",
		"16 MB parallel lines":      "parallel :::" + strings.Repeat(" 'ls /tmp'", size/10-20) + " 'rm -rf /usr'",
		"1 MB printf to sh":         "printf '%s\\n' '" + strings.Repeat("ls /tmp; ", 1<<20/9) + "' | sh; rm -rf /usr",
		"1 MB printed by python":    "python3 -c 'print(\"" + strings.Repeat("ls /tmp; ", 1<<20/9) + "\")' | sh; rm -rf /usr",
		"sed doubling":              "echo abcdefgh | sed '" + strings.Repeat("s/./&&/g;", 60) + "' | sh; rm -rf /usr",
		"sed steps over 400 KB":     "echo " + strings.Repeat("a", 400<<10) + " | sed '" + strings.Repeat("s/a/&/g;", 60) + "' | sh; rm -rf /usr",
		"5000 wrappers":             strings.Repeat("sudo timeout 5 env A=1 ", 5000) + "rm -rf /usr",
		"2000 docker run -v":        strings.Repeat("docker run -v /:/h img ", 2000) + "rm -rf /h/usr",
		"2000 kubectl exec":         strings.Repeat("kubectl exec p -- ", 2000) + "rm -rf /usr",
		"5000 parallel":             strings.Repeat("parallel ", 5000) + "rm -rf ::: /usr",
		"kubectl exec of 80k words": "kubectl exec p -- " + strings.Repeat("x ", 80000) + "; rm -rf /usr",
		"calls in a loop":           "f() { for i in 1 2 3 4 5 6 7 8; do g $i; done; }; g() { rm -rf /tmp/$1; }; " + strings.Repeat("f; ", 5000) + "rm -rf /usr",
	}
}

// judgeMeasured judges line and reports the fastest of a few runs (the
// machine may be busy) and the bytes allocated by the first.
func judgeMeasured(e *guard.Engine, host guard.Host, cwd, line string) (guard.Verdict, time.Duration, uint64) {
	var v guard.Verdict
	best := time.Duration(1 << 62)
	var alloc uint64
	for attempt := 0; attempt < 3; attempt++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		v = e.Judge(line, host, guard.Options{Cwd: cwd})
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		if attempt == 0 {
			alloc = after.TotalAlloc - before.TotalAlloc
		}
		best = min(best, elapsed)
		if best < judgeTimeLimit/4 {
			break
		}
	}
	return v, best, alloc
}

func checkBounded(t *testing.T, e *guard.Engine, name, line string, tooComplex bool) {
	t.Helper()
	checkBoundedOn(t, e, guard.NewMemHost(), "/home/op", name, line, tooComplex)
}

// checkBoundedOn is checkBounded on host, the line typed in cwd.
func checkBoundedOn(t *testing.T, e *guard.Engine, host guard.Host, cwd, name, line string, tooComplex bool) {
	t.Helper()
	v, elapsed, alloc := judgeMeasured(e, host, cwd, line)
	if tooComplex && !hasFinding(v, guard.TooComplexID) {
		t.Errorf("%s: no %s finding (%+v)", name, guard.TooComplexID, v.Findings)
	}
	t.Logf("%-26s %8d bytes: %-7s in %v, %d KB allocated", name, len(line), v.Decision, elapsed.Round(time.Microsecond), alloc>>10)
	if elapsed > judgeTimeLimit {
		t.Errorf("%s: judged in %v, more than %v", name, elapsed, judgeTimeLimit)
	}
	if alloc > judgeAllocLimit {
		t.Errorf("%s: allocated %d MB, more than %d MB", name, alloc>>20, judgeAllocLimit>>20)
	}
	if v.Decision < guard.Confirm {
		t.Errorf("%s: %s, but the line ends in rm -rf /usr: want at least confirm (%+v)", name, v.Decision, v.Findings)
	}
	for _, f := range v.Findings {
		if f.Rule == guard.InternalID {
			t.Errorf("%s: guard failed: %s", name, f.Message)
		}
	}
}

// TestDeepNestingIsBounded: 16,000 and 100,000 levels of every kind of
// nesting are judged in well under a second and 100 MB; past the depth
// bound the line is judged word by word and says it was too complex.
func TestDeepNestingIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("deep nesting takes a few seconds in all")
	}
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{16000, 100000} {
		for name, line := range deepLines(n) {
			// Chains of | and && are walked in a loop, not nested: judged in
			// full while they stay under the command bound.
			chain := name == "pipes" || name == "&&"
			checkBounded(t, e, fmt.Sprintf("%s ×%d", name, n), line, !chain || n > 20000)
		}
	}
	// Backquotes double in size per level: 20 levels is a megabyte.
	checkBounded(t, e, "backquotes ×20", backquotes(20), true)
}

// TestHugeInputsAreBounded: inputs up to guard.MaxLineBytes, in every shape
// that costs the parser or the walk, are judged within the same bounds.
func TestHugeInputsAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("16 MB inputs take a few seconds in all")
	}
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	for name, line := range hugeLines() {
		checkBounded(t, e, name, line, len(line) > 1<<20)
	}
}

// hostileHost holds what a line may make guard read: a folder of 100,000
// entries, a Makefile including itself, python importing itself, scripts
// running each other, a 1 MB script and argument file.
func hostileHost() *guard.MemHost {
	h := guard.NewMemHost()
	for i := 0; i < 100000; i++ {
		h.AddFile(fmt.Sprintf("/srv/big/f%06d", i))
	}
	files := map[string]string{
		"/srv/app/Makefile":     "include Makefile a.mk\nall:\n\t$(MAKE) all\n\trm -rf /usr\n",
		"/srv/app/a.mk":         "include b.mk\n",
		"/srv/app/b.mk":         "include a.mk\n",
		"/srv/app/tidy.py":      "import tidy\nfrom tidy import x\nexec(open('tidy.py').read())\nimport os\nos.system('rm -rf /usr')\n",
		"/srv/app/self.sh":      "source ./self.sh\n. /srv/app/self.sh\nbash self.sh\nrm -rf /usr\n",
		"/srv/app/a.sh":         "bash /srv/app/b.sh\n",
		"/srv/app/b.sh":         "bash /srv/app/a.sh\nrm -rf /usr\n",
		"/srv/app/package.json": `{"scripts": {"x": "npm run x && npm run y", "y": "npm run x; rm -rf /usr"}}`,
		"/srv/app/big.sh":       strings.Repeat("ls /tmp\n", 1<<20/8) + "rm -rf /usr\n",
		"/srv/app/args.txt":     strings.Repeat("/tmp/x\n", 1<<20/7),
	}
	for p, text := range files {
		h.Files[p] = []byte(text)
	}
	return h
}

// TestHostileHostIsBounded: what a line makes guard read on the host (a
// folder's listing, Makefiles, scripts, code that loads code) is read in
// bounds, whatever loops the files make.
func TestHostileHostIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("a host of 100,000 files takes a few seconds")
	}
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	h := hostileHost()
	for name, line := range map[string]string{
		"for over ls of 100k":        "for f in $(ls /srv/big); do rm -rf /srv/big/$f; done; rm -rf /usr",
		"while read over ls of 100k": "ls /srv/big | while read f; do rm -rf \"/srv/big/$f\"; done; rm -rf /usr",
		"xargs over ls of 100k":      "ls /srv/big | xargs -I{} rm -rf /srv/big/{}; rm -rf /usr",
		"glob of 100k":               "shopt -s globstar; rm -rf /srv/big/* /srv/**/f1*; rm -rf /usr",
		"find -exec of 100k":         "find /srv/big -exec sh -c 'rm -rf \"$1\"' _ {} \\; ; rm -rf /usr",
		"5000 -exec of one find":     "find /srv/big -name 'f00000*' " + strings.Repeat("-exec rm -f {} \\; ", 5000) + "; rm -rf /usr",
		"Makefile include loop":      "make all",
		"python importing itself":    "python3 tidy.py",
		"script sourcing itself":     "bash self.sh",
		"scripts running each other": "sh a.sh",
		"npm script calling itself":  "npm run x",
		"1 MB script to sh":          "cat big.sh | sh",
		"1 MB argument file":         "parallel -a args.txt rm -rf; rm -rf /usr",
	} {
		checkBoundedOn(t, e, h, "/srv/app", name, line, false)
	}
}

func hasFinding(v guard.Verdict, rule string) bool {
	for _, f := range v.Findings {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

// TestTooComplexSaysWhy: a line past a bound has a line-too-complex finding
// that names the bound.
func TestTooComplexSaysWhy(t *testing.T) {
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		nested("$(", "x", ")", 2000):                                                     "levels deep",
		strings.Repeat("true\n", 25000):                                                  "commands",
		"echo " + strings.Repeat("a", 2<<20) + "; true":                                  "longer than",
		"x=ab; " + strings.Repeat("x=$x$x; ", 18) + strings.Repeat("echo $x; ", 100):     "expand to more than",
		"c='#" + strings.Repeat("x", 500000) + "'; " + strings.Repeat(`eval "$c"; `, 10): "MB of code",
		heredocShells(20): "shells inside shells",
	}
	for line, want := range tests {
		v := e.Judge(line, guard.NewMemHost(), guard.Options{Cwd: "/home/op"})
		found := false
		for _, f := range v.Findings {
			if f.Rule == guard.TooComplexID {
				found = true
				if !strings.Contains(f.Message, want) {
					t.Errorf("%.40q: message %q does not say %q", line, f.Message, want)
				}
			}
		}
		if !found || v.Decision < guard.Confirm {
			t.Errorf("%.40q: %s without %s (%+v)", line, v.Decision, guard.TooComplexID, v.Findings)
		}
	}
}
