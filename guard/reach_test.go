package guard

import (
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// hiddenCode is the command's CodeNote.Hidden, "" without a note.
func hiddenCode(inv *Invocation) string {
	if inv.Code == nil {
		return ""
	}
	return inv.Code.Hidden
}

func TestContainersSetWhereCommandsRun(t *testing.T) {
	h := NewMemHost()
	tests := []struct {
		line, container, remote, user, cwd string
	}{
		{"docker exec -u app -w /srv db rm x", "db", "container db", "app", "/srv"},
		{"kubectl exec -n prod pg-0 -c pg -- rm x", "pod prod/pg-0 (pg)", "container pod prod/pg-0 (pg)", "", ""},
		{"ssh web2 docker exec db rm x", "db", "container db on web2", "", ""},
		{"pct exec 101 -- rm x", "CT 101", "container CT 101", "", ""},
		{"nsenter -t 4242 -m rm x", "pid 4242", "container pid 4242", "", ""},
		{"nsenter -t 1 -m rm x", "", "", "root", ""},
		{"machinectl shell .host /bin/rm x", "", "", "root", ""},
		{"systemd-run -M deb12 rm x", "deb12", "container deb12", "", ""},
		{"docker exec db sh -c 'cd /var && rm x'", "db", "container db", "", ""},
	}
	for _, tt := range tests {
		inv := find(resolveOne(t, tt.line, "/home/op", h), "rm")
		if inv == nil {
			t.Errorf("%q: no rm", tt.line)
			continue
		}
		if inv.Container != tt.container || inv.Remote != tt.remote || inv.User != tt.user || (tt.cwd != "" && inv.Cwd != tt.cwd) {
			t.Errorf("%q: container=%q remote=%q user=%q cwd=%q, want %q %q %q %q",
				tt.line, inv.Container, inv.Remote, inv.User, inv.Cwd, tt.container, tt.remote, tt.user, tt.cwd)
		}
	}
}

func TestHostFoldersMappedIntoContainers(t *testing.T) {
	h := NewMemHost()
	tests := []struct {
		line string
		want string // the operand of the command judged on the host; "" for none
	}{
		{"docker run -v /:/host img rm -rf /host/etc", "/etc"},
		{"docker run -v /srv/a:/data -v /srv/b:/data/b img rm -rf /data/b/x", "/srv/b/x"},
		{"docker run --mount type=bind,source=/var,target=/v img rm -rf /v/lib", "/var/lib"},
		{"docker run -v /:/host:ro img rm -rf /host/etc", ""},
		{"docker run -v data:/host img rm -rf /host/etc", ""},
		{"docker run -v /srv:/data img rm -rf /etc", ""},
		{"systemd-nspawn -D /srv/ct rm -rf /etc", "/srv/ct/etc"},
		{"docker run -v ./site:/www img rm -rf /www/x", "/home/op/site/x"},
	}
	for _, tt := range tests {
		invs := resolveOne(t, tt.line, "/home/op", h)
		var onHost *Invocation
		for _, inv := range invs {
			if inv.Program == "rm" && inv.Remote == "" {
				onHost = inv
			}
		}
		switch {
		case tt.want == "" && onHost != nil:
			t.Errorf("%q: judged on the host as %v, want not", tt.line, onHost.Values())
		case tt.want != "" && (onHost == nil || onHost.Args[len(onHost.Args)-1].Value != tt.want):
			t.Errorf("%q: want rm of %s on the host, got %+v", tt.line, tt.want, onHost)
		}
	}
}

func TestFiltersCompute(t *testing.T) {
	h := NewMemHost()
	h.AddFile("/home/op/code.txt")
	h.Files["/home/op/code.txt"] = []byte("line one\nrm -rf /x\nline three\n")
	tests := []struct {
		line, want string
		known      bool
	}{
		{`echo abc | tr a-c x-z | cat`, "xyz\n", true},
		{`echo abc | tr -d b | cat`, "ac\n", true},
		{`echo aabbcc | tr -s ab | cat`, "abcc\n", true},
		{`echo Hello | tr '[:lower:]' '[:upper:]' | cat`, "HELLO\n", true},
		{`echo abc | tr -c a x | cat`, "", false},
		{`printf 'a\nb\nc\n' | tac | cat`, "c\nb\na\n", true},
		{`echo abc | rev | cat`, "cba\n", true},
		{`printf 'a\nb\nc\n' | head -n 2 | cat`, "a\nb\n", true},
		{`printf 'a\nb\nc\n' | tail -1 | cat`, "c\n", true},
		{`printf 'a\nb\nc\n' | tail -n +2 | cat`, "b\nc\n", true},
		{`printf '%s-%d\n' x 7 y 8 | cat`, "x-7\ny-8\n", true},
		{`printf '\x41\102%%' | cat`, "AB%", true},
		{`echo -n hi | cat`, "hi", true},
		{`echo aGkK | base64 -d | cat`, "hi\n", true},
		{`echo 6869 | xxd -r -p | cat`, "hi", true},
		{`echo 'a/b' | sed 's|/|-|g' | cat`, "a-b\n", true},
		{`echo 'foo bar' | sed -E 's/(foo) (bar)/\2 \1/' | cat`, "bar foo\n", true},
		{`printf 'x\ny\n' | sed '/x/d' | cat`, "y\n", true},
		{`printf 'x\ny\n' | sed -n '2p' | cat`, "y\n", true},
		{`echo abc | sed 'y/abc/xyz/' | cat`, "xyz\n", true},
		{`printf 'a\nb\n' | grep -v a | cat`, "b\n", true},
		{`printf 'ab\nb\n' | grep -F -x b | cat`, "b\n", true},
		{`cat code.txt | grep rm | cat`, "rm -rf /x\n", true},
		{`sed -n 2p code.txt | cat`, "rm -rf /x\n", true},
		{`cat < code.txt | cat`, "line one\nrm -rf /x\nline three\n", true},
		{`cat missing.txt | cat`, "", false},
		{`ls | cat`, "code.txt\n", true}, // the folder's entries, read on the host
		{`ls -l | cat`, "", false},       // the long format is not computed
		{`echo "$NOPE" | cat`, "", false},
	}
	for _, tt := range tests {
		r := newResolver(h, syntax.LangBash)
		sc := &scope{cwd: "/home/op", env: h.Getenv}
		r.walkSource(tt.line, sc)
		last := r.invs[len(r.invs)-1]
		got := r.stdinOf(last, 0)
		if got.known != tt.known || got.known && got.value != tt.want {
			t.Errorf("%q: got %q known=%v (from %q), want %q known=%v", tt.line, got.value, got.known, got.from, tt.want, tt.known)
		}
	}
}

func TestCompileRE(t *testing.T) {
	tests := []struct {
		re       string
		ere      bool
		in       string
		match    bool
		compiles bool
	}{
		{`a\(b\)*c`, false, "abbc", true, true},
		{`a(b)c`, false, "a(b)c", true, true},
		{`a(b)+c`, true, "abbc", true, true},
		{`^\*x`, false, "*x", true, true},
		{`x\{2\}`, false, "xx", true, true},
		{`[]a]`, false, "]", true, true},
		{`[[:digit:]]\+`, false, "42", true, true},
		{`\(a\)\1`, false, "aa", false, false}, // back-references are not computed
	}
	for _, tt := range tests {
		re, ok := compileRE(tt.re, tt.ere, false)
		if ok != tt.compiles {
			t.Errorf("compileRE(%q) ok=%v, want %v", tt.re, ok, tt.compiles)
			continue
		}
		if ok && re.MatchString(tt.in) != tt.match {
			t.Errorf("compileRE(%q) = %s: match(%q) = %v, want %v", tt.re, re, tt.in, !tt.match, tt.match)
		}
	}
}

func TestParseSedFindsWhatRuns(t *testing.T) {
	cmds, ok := parseSed("1,/x/!s/a\\/b/c/gw out.txt\n$e rm -rf /y\n/z/ { p; }\n:lbl;b lbl")
	if !ok {
		t.Fatalf("parseSed failed: %+v", cmds)
	}
	var e, w string
	for _, c := range cmds {
		if c.name == 'e' {
			e = c.arg
		}
		if c.name == 's' {
			w = c.wfile
		}
	}
	if e != "rm -rf /y" || w != "out.txt" {
		t.Errorf("e=%q w=%q from %+v", e, w, cmds)
	}
}

func TestParseCrontab(t *testing.T) {
	jobs := parseCrontab("# comment\nSHELL=/bin/sh\n*/5 * * * * root  /opt/a --x 100%% done\n@reboot  app rm -rf /tmp/x\n0 3 * * 1-5 backup tar cz /srv %mail\nbroken line\n", true, "")
	want := []cronJob{
		{when: "*/5 * * * *", user: "root", command: "/opt/a --x 100"},
		{when: "@reboot", user: "app", command: "rm -rf /tmp/x"},
		{when: "0 3 * * 1-5", user: "backup", command: "tar cz /srv"},
	}
	if len(jobs) != len(want) {
		t.Fatalf("got %+v", jobs)
	}
	for i := range want {
		if jobs[i] != want[i] {
			t.Errorf("job %d = %+v, want %+v", i, jobs[i], want[i])
		}
	}
	user := parseCrontab(`0 * * * * echo 50\% >> /tmp/log`, false, "www-data")
	if len(user) != 1 || user[0].user != "www-data" || user[0].command != "echo 50% >> /tmp/log" {
		t.Errorf("user crontab: %+v", user)
	}
}

func TestMakefileExpansion(t *testing.T) {
	mf := &makefile{dir: "/src", vars: map[string]string{}, rules: map[string]*makeRule{},
		env: func(n string) (string, bool) { return map[string]string{"HOME": "/home/op"}[n], n == "HOME" }}
	mf.parse("A = $(B)/x\nB := /opt\nC ?= c\nC ?= d\nD += one\nD += two\nL != date\n" +
		"all: build\nbuild: dep ; echo inline\n\techo $@ $< $^ $(A) $(C) $(D) $$HOME $(HOME) $(NOPE) $(shell id -u) $(wildcard *.c)\n" +
		"dep:\n\ttrue\n")
	rule := mf.rules["build"]
	if mf.first != "all" || rule == nil || len(rule.recipe) != 2 {
		t.Fatalf("rules %+v first %q", mf.rules, mf.first)
	}
	got := mf.expand(rule.recipe[1], "build", rule, 0)
	want := "echo build dep dep /opt/x c one two $HOME /home/op  $(id -u) ${make_wildcard}"
	if got != want {
		t.Errorf("expand:\n got %q\nwant %q", got, want)
	}
	mf.incomplete = true
	if got := mf.expand("$(NOPE)", "x", rule, 0); got != "${NOPE}" {
		t.Errorf("an undefined variable with an unread include: %q", got)
	}
}

func TestScriptsAreBounded(t *testing.T) {
	h := NewMemHost()
	// a script larger than guard reads asks; a binary is not read
	h.AddFile("/home/op/big.sh")
	h.Files["/home/op/big.sh"] = []byte(strings.Repeat("echo x\n", maxScriptBytes/7+1))
	h.AddFile("/home/op/prog")
	h.Files["/home/op/prog"] = append([]byte("\x7fELF"), make([]byte, 2*maxScriptBytes)...)
	// scripts that run themselves, source themselves, or name themselves
	// as their interpreter end
	h.AddFile("/home/op/loop.sh")
	h.Files["/home/op/loop.sh"] = []byte("bash /home/op/loop.sh; bash /home/op/loop.sh\n")
	h.AddFile("/home/op/src.sh")
	h.Files["/home/op/src.sh"] = []byte(". /home/op/src.sh\n")
	h.AddFile("/home/op/self")
	h.Files["/home/op/self"] = []byte("#!/home/op/self\n")
	tests := []struct {
		line   string
		hidden bool
	}{
		{"bash big.sh", false},
		{"sudo bash big.sh", true},
		{"./prog", false},
		{"bash loop.sh", false},
		{". ./src.sh", false},
		{"./self", false},
	}
	for _, tt := range tests {
		invs, _, _ := Resolve(tt.line, "/home/op", h, syntax.LangBash)
		hidden := false
		for _, inv := range invs {
			hidden = hidden || hiddenCode(inv) != ""
		}
		if hidden != tt.hidden {
			t.Errorf("%q: hidden=%v, want %v", tt.line, hidden, tt.hidden)
		}
		if len(invs) > maxInvocations {
			t.Errorf("%q: %d invocations", tt.line, len(invs))
		}
	}
	// the bytes read for one line are bounded
	for i := 0; i < maxReadFiles+8; i++ {
		p := "/home/op/s" + strings.Repeat("x", i) + ".sh"
		h.AddFile(p)
		h.Files[p] = []byte("true\n")
	}
	var line []string
	for i := 0; i < maxReadFiles+8; i++ {
		line = append(line, "bash s"+strings.Repeat("x", i)+".sh")
	}
	r := newResolver(h, syntax.LangBash)
	r.walkSource(strings.Join(line, "; "), &scope{cwd: "/home/op", env: h.Getenv})
	if r.reach.readFiles > maxReadFiles {
		t.Errorf("read %d files, more than %d", r.reach.readFiles, maxReadFiles)
	}
}

func TestRunTimeMarksWhatAScriptComputes(t *testing.T) {
	src := `tmp=$(mktemp -d)
dir="${TMPDIR-/tmp}/job.$$"
target="$1"
copy=$target
for f in /srv/*; do rm -rf "$f"; done
for a in "$@"; do rm -rf "$a"; done
clean() { local d="$1"; rm -rf "$d"; }
rm -rf "$tmp" "$dir" "$target" "$copy" "$HOME_DIR"
`
	file, err := syntax.NewParser().Parse(strings.NewReader(src), "")
	if err != nil {
		t.Fatal(err)
	}
	rt := findRunTime(file.Stmts)
	for name, inside := range map[string]bool{"tmp": true, "dir": true, "f": true, "d": true, "target": false, "copy": false, "a": false, "HOME_DIR": false} {
		if rt.inside[name] != inside {
			t.Errorf("%s: inside=%v, want %v", name, rt.inside[name], inside)
		}
	}
}

func TestInterpreterCallArgs(t *testing.T) {
	py := languages["python"]
	tests := []struct {
		code string
		want string // the arguments as read: s:"…" for strings, l:[…] for lists, ? for others
	}{
		{`os.system("rm -rf " + path + "/")`, `s:"rm -rf |?path|/"`},
		{`run(["rm", "-rf", d], check=True)`, `l:[rm,-rf,?d] ?`},
		{`rmtree(r"C:\x")`, `s:"C:\x"`},
		{`system(f"rm {x}")`, `s:"rm |?x"`},
		{`open(os.path.join("/", n), "w")`, `? s:"w"`},
	}
	for _, tt := range tests {
		i := strings.IndexByte(tt.code, '(')
		args, _ := callArgs(tt.code, i, py)
		var got []string
		for _, a := range args {
			switch {
			case a.list != nil:
				var els []string
				for _, el := range a.list {
					els = append(els, showPieces(el))
				}
				got = append(got, "l:["+strings.Join(els, ",")+"]")
			case a.isString():
				got = append(got, `s:"`+showPieces(a.pieces)+`"`)
			default:
				got = append(got, "?")
			}
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s: got %s, want %s", tt.code, strings.Join(got, " "), tt.want)
		}
	}
}

func showPieces(ps []piece) string {
	var out []string
	for _, p := range ps {
		if p.known {
			out = append(out, p.text)
		} else {
			out = append(out, "?"+p.text)
		}
	}
	return strings.Join(out, "|")
}

// FuzzReachParsers feeds arbitrary text to the little parsers of this
// package's reach: none may panic or run long.
func FuzzReachParsers(f *testing.F) {
	for _, seed := range []string{
		`s/a/b/g;e rm`, `system("x" $1)`, `spawn rm -rf /; send "x\r"`, "all:\n\techo $(A)\n",
		`os.system("rm " + x); open("/etc/passwd", "w")`, `[{"`, `$(((`, `qx{ls}`, "* * * * * root x\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseSed(s)
		tclCommands(s)
		parseCrontab(s, true, "")
		mf := &makefile{vars: map[string]string{}, rules: map[string]*makeRule{}}
		mf.parse(s)
		mf.expand(s, "t", &makeRule{}, 0)
		for _, l := range languages {
			callArgs(s, 0, l)
			stringPieces(s, l)
		}
		trSet(s)
		printfText([]Arg{{Value: s, Known: true}, {Value: "a", Known: true}, {Value: "1", Known: true}})
		h := NewMemHost()
		r := newResolver(h, syntax.LangBash)
		sc := &scope{cwd: "/home/op", env: h.Getenv}
		r.readCode(codeSite{outer: &Invocation{}, sc: sc}, languages["perl"], s)
	})
}
