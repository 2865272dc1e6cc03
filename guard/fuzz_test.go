package guard

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mvdan.cc/sh/v3/syntax"
)

// fuzzHost is a small tree for patterns to match, and files for the
// mechanisms that read them (scripts, Makefiles, code that loads code,
// argument files) to read, some of which read themselves.
func fuzzHost() *MemHost {
	h := NewMemHost()
	for _, p := range []string{"/srv/app/.env", "/srv/app/a.log", "/srv/app/b.log", "/etc/shadow", "/etc/nginx/nginx.conf", "/home/op/.ssh/authorized_keys"} {
		h.AddFile(p)
	}
	h.AddLink("/srv/current", "/srv/app")
	h.AddLink("/srv/loop", "/srv/loop")
	h.AddFIFO("/srv/fifo")
	for p, text := range map[string]string{
		"/srv/Makefile":     "include Makefile x.mk\nX := $(shell rm -rf /usr)\nall: clean\n\t$(MAKE) all\nclean:\n\trm -rf $(X) /srv/app\n",
		"/srv/x.mk":         "include x.mk\n",
		"/srv/x.sh":         "#!/bin/sh\n. ./x.sh\nrm -rf \"$1\"\nsh /srv/x.sh /usr\n",
		"/srv/tidy.py":      "import tidy, os\nexec(open('tidy.py').read())\nos.system('rm -rf /usr')\nshutil.rmtree('/etc')\n",
		"/srv/package.json": `{"scripts": {"build": "npm run build && rm -rf /usr", "test": "make all"}}`,
		"/srv/list.txt":     "/usr\n/etc\nrm -rf /boot\n",
	} {
		h.Files[p] = []byte(text)
	}
	return h
}

// engineCases are the lines of testdata/engine, the shapes every
// mechanism of the resolver was built for: seeds for the fuzzers.
func engineCases(f *testing.F) []string {
	files, err := filepath.Glob("../testdata/engine/*.txt")
	if err != nil || len(files) == 0 {
		f.Fatalf("no engine cases to seed from (%v)", err)
	}
	var lines []string
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, raw := range strings.Split(string(data), "\n") {
			if _, line, ok := strings.Cut(raw, " :: "); ok && !strings.HasPrefix(raw, "#") {
				lines = append(lines, strings.ReplaceAll(line, "⏎", "\n"))
			}
		}
	}
	return lines
}

// within runs fn and fails when it has not returned after limit: a hang
// is reported with its input (the fuzzer saves it), not left to the test
// binary's timeout.
func within(t *testing.T, limit time.Duration, fn func(), format string, args ...any) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done) // a panic ends the binary, with its stack: the fuzzer saves the input
		fn()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%s took more than %v", fmt.Sprintf(format, args...), limit)
	}
}

// FuzzResolve runs the resolver over arbitrary lines, without the
// engine's recover: an expansion path that panics or runs long fails.
func FuzzResolve(f *testing.F) {
	for _, seed := range []string{
		"n=$(( 2 + $(rm -rf /usr) ))", "echo ${x:-$(rm -rf /)} ${x#$(a)} ${x/$(b)/c} ${x:0:$(d)}",
		"v='a[$(rm -rf /usr)]'; [[ $v -eq 1 ]]; (( v )); echo ${!v}", "read 'a[$(x)]' <<< 1; printf -v 'b[$(y)]' %s z",
		"rm -rf /u?r /[e]tc /*/*/ /!(tmp) /@(a|b) [ul]*", "shopt -s globstar dotglob nullglob; rm -rf /srv/**/*.log",
		"set -- a b c; shift 2; f() { \"$@\"; g \"${@:2}\"; }; f rm -rf /usr", "IFS=,; x=a,b,c; $x; echo \"$*\" ${#@}",
		"sh -c 'rm -rf \"$1\"' _ /x; find / -maxdepth 1 -name usr -exec sh -c 'rm -rf \"$0\"' {} \\;",
		"echo /usr | xargs -I{} sh -c 'rm {}'; parallel rm ::: a b ::: c d", "kill -9 $((16#1 ** 2 - 0x0)) $[ 1/0 ] $(( 2**63 ))",
		"x=$(mktemp -d); rm -rf \"$x\"/..; rm \"$(pwd)\" \"$(basename /a/b .c)\" \"$(printf '%5.2s|%d' ab 7)\"",
		"a=(1 2 3); a+=(4); echo ${a[@]:1:2} ${a[-1]} ${#a[@]} ${a[*]^^} ${x,,} ${x%%*/} ${x//[ab]/c}",
		"for ((i=0;i<3;i++)); do rm -rf /tmp/$i; done; for x; do :; done", "case $(a) in $(b)|@(c|d)) ;; esac",
		"declare -i n='x[$(id)]'; local -n r=v; unset 'a[$(z)]'; [[ -v a[$(w)] ]]",
		"echo @(a|$(rm -rf /usr)) ~ ~op ~+ ~- ~nosuch/x", "noglob rm /x*; repeat 2 rm /y; rm /(a|b) /*(N) /*(D/)",
		"cmd=(rm -rf /usr); \"${cmd[@]}\" ; ${cmd[*]} ; $(printf %s rm) -rf /", "ssh h 'rm -rf $HOME/x ~/y'",
		"make -C /srv all; make -f /srv/x.mk; npm run build; sh x.sh /etc; ./x.sh; python3 tidy.py; python3 -m tidy",
		"parallel -a list.txt rm -rf; parallel :::: list.txt; parallel < list.txt; xargs -a list.txt rm; sh < fifo; . fifo",
		"for f in $(ls /srv); do rm -rf /srv/$f; done; ls -A ~ | while read f; do rm -rf ~/$f; done; ls | head -1 | xargs rm",
		"echo 'rm -rf /boot' | sed 's/./&&/g;s/b/c/2;y/abc/xyz/' | rev | tr a-z b-za | sh; sed -i '/^root:/d' /etc/passwd",
		"python3 -c 'print(\"rm -rf /etc\")' | sh; perl -le 'print q(rm -rf /)' | bash; awk 'BEGIN{print \"rm /x\"}' | sh",
		"cd \"$(git rev-parse --show-toplevel)\" && rm -rf dist; tmux send-keys -t 0 'rm -rf /' Enter; screen -X stuff 'rm /x\\n'",
		"watch -n1 rm -rf /tmp/x; timeout 5 rm -rf /; flock /tmp/l rm -rf /; git -c core.sshCommand='rm -rf /' fetch",
	} {
		f.Add(seed)
	}
	for _, line := range engineCases(f) {
		f.Add(line)
	}
	h := fuzzHost()
	f.Fuzz(func(t *testing.T, line string) {
		for _, lang := range []syntax.LangVariant{syntax.LangBash, syntax.LangZsh} {
			within(t, 2*time.Second, func() { Resolve(line, "/srv", h, lang) }, "resolving %q (%s)", line, lang)
		}
	})
}

// FuzzGlob matches arbitrary patterns against arbitrary names, and the
// parameter operators built on the matcher.
func FuzzGlob(f *testing.F) {
	for _, seed := range [][2]string{
		{"*.log", "a.log"}, {"[!a-z]?", "X1"}, {"@(a|b)*", "bc"}, {"!(x)", "y"}, {"+(ab|c)", "abcab"},
		{"*(a|*(b|c))d", "abcbd"}, {"[[:alpha:]]", "q"}, {`\*`, "*"}, {"[]-]", "-"}, {"?(x)y", "y"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		start := time.Now()
		matchPattern(pattern, name)
		removeAffix(name, pattern, syntax.RemLargePrefix)
		removeAffix(name, pattern, syntax.RemSmallSuffix)
		replacePattern(name, pattern, "x", true)
		parseGlob(pattern, true)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("matching %q against %q took %v", pattern, name, d)
		}
	})
}

// FuzzPrintf formats arbitrary formats and arguments.
func FuzzPrintf(f *testing.F) {
	for _, seed := range [][2]string{{"%s\n", "rm"}, {"%5.2s|%-3d|%x|%%|%b", "ab"}, {`\x41\101\c`, ""}, {"%*d", "3"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, format, arg string) {
		out, _ := printfText([]Arg{{Value: format, Known: true}, {Value: arg, Known: true}, {Value: arg, Known: true}})
		if len(out) > maxValueBytes+4096 {
			t.Fatalf("printf %q %q printed %d bytes", format, arg, len(out))
		}
		parseArithNumber(arg)
	})
}

// FuzzStdinScript runs code a shell reads on its standard input, which
// reads itself (selfread.go), and the state a long script leaves
// (StatePrelude), over arbitrary text: no panic, bounded time.
func FuzzStdinScript(f *testing.F) {
	for _, seed := range []string{
		"read -r _\n: <<'X'\nrm -rf /usr\nX\n", "read a; read b\necho '\nrm -rf /\n'\n", "mapfile -n 2 x\n\n\ncd /\nrm -rf usr\n",
		"head -n 3 >/dev/null\nexec < /etc/shadow\n", "read -n 2 x\ndd bs=1 count=3\n", ": \\\r\nrm -rf /usr\r\n",
		"x='rm -rf /usr'\nf() { \"$@\"; }\nset -f\nshopt -s globstar\nset -- a 'b c'\nread -r _\n",
		"PROMPT_COMMAND=('a' 'rm -rf /'); PS1='$(rm -rf /)'; bind -x '\"\\C-l\": rm -rf /'; complete -C 'rm -rf /' x",
	} {
		f.Add(seed, "echo next\n")
	}
	for _, line := range engineCases(f) {
		f.Add("read -r _\n", line)
	}
	h := fuzzHost()
	f.Fuzz(func(t *testing.T, prelude, line string) {
		start := time.Now()
		state := StatePrelude(prelude, "/srv", h, syntax.LangBash, true)
		resolveAfter(state, line, "/srv", h, syntax.LangBash, true)
		resolveAfter(prelude, line, "/srv", h, syntax.LangBash, true)
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("%q then %q took %v", prelude, line, d)
		}
	})
}

// FuzzRunnerFiles: a justfile or Taskfile.yml of any content is read
// without a panic, in time bounded by its length.
func FuzzRunnerFiles(f *testing.F) {
	f.Add("clean dir: (nuke \"x\")\n    rm -rf {{dir}}\n")
	f.Add("tasks:\n  a:\n    cmds:\n      - |\n        rm -rf x\n      - task: b\n    deps: [c]\n")
	f.Fuzz(func(t *testing.T, text string) {
		parseJustfile(text)
		parseTaskfile(text)
	})
}
