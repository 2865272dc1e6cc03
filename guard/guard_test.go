package guard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

func resolveOne(t *testing.T, line, cwd string, h Host) []*Invocation {
	t.Helper()
	invs, notes, _ := Resolve(line, cwd, h, syntax.LangBash)
	if len(notes) > 0 {
		t.Logf("notes: %v", notes)
	}
	return invs
}

// find returns the first invocation of program.
func find(invs []*Invocation, program string) *Invocation {
	for _, inv := range invs {
		if inv.Program == program {
			return inv
		}
	}
	return nil
}

func TestResolveTracksCwdAndVia(t *testing.T) {
	h := NewMemHost()
	h.AddDir("/srv/app")
	tests := []struct {
		line, program, cwd, via, user, remote string
	}{
		{"cd /srv && ls", "ls", "/srv", "", "", ""},
		{"cd /srv; cd app; make", "make", "/srv/app", "", "", ""},
		// a folder that is not there: cd fails and the shell stays
		{"cd /srv; cd nothere; make", "make", "/srv", "", "", ""},
		{"cd nothere || true; make", "make", "/home/op", "", "", ""},
		{"(cd /srv); make", "make", "/home/op", "", "", ""},
		{"cd; pwd", "pwd", "/home/op", "", "", ""},
		{"sudo -u www-data touch x", "touch", "/home/op", "sudo", "www-data", ""},
		{"sudo -i touch x", "touch", "", "sudo -s", "root", ""},
		{"bash -c 'cd /opt && touch x'", "touch", "/opt", "bash -c", "", ""},
		{"ssh -l admin db1 touch x", "touch", "", "ssh db1", "admin", "db1"},
		{"env -C /var touch x", "touch", "/var", "env", "", ""},
		{"cd \"$UNKNOWN\"; touch x", "touch", "", "", "", ""},
	}
	for _, tt := range tests {
		inv := find(resolveOne(t, tt.line, "/home/op", h), tt.program)
		if inv == nil {
			t.Errorf("%q: no %s invocation", tt.line, tt.program)
			continue
		}
		if inv.Cwd != tt.cwd || inv.ViaText() != tt.via || inv.User != tt.user || inv.Remote != tt.remote {
			t.Errorf("%q: got cwd=%q via=%q user=%q remote=%q, want cwd=%q via=%q user=%q remote=%q",
				tt.line, inv.Cwd, inv.ViaText(), inv.User, inv.Remote, tt.cwd, tt.via, tt.user, tt.remote)
		}
	}
}

func TestExpandWords(t *testing.T) {
	h := NewMemHost()
	h.Env["TARGET"] = "/srv/x"
	tests := []struct {
		line  string
		want  []string // values of rm's operands
		known []bool
	}{
		{`rm 'a b' "c d" e\ f`, []string{"a b", "c d", "e f"}, []bool{true, true, true}},
		{`rm $'a\tb' $'\x41'`, []string{"a\tb", "A"}, []bool{true, true}},
		{`rm ~ ~/x ~root/y`, []string{"/home/op", "/home/op/x", "/root/y"}, []bool{true, true, true}},
		{`rm a{1,2}b`, []string{"a1b", "a2b"}, []bool{true, true}},
		{`rm "$TARGET/y"`, []string{"/srv/x/y"}, []bool{true}},
		{`rm "$NOTSET/y"`, []string{"/y"}, []bool{false}},
		{`v=1; rm "$v" ${#v}`, []string{"1", "1"}, []bool{true, true}},
		{`rm "$(date)" $((1+1)) $((x+1))`, []string{"", "2", ""}, []bool{false, true, false}},
		{`f=/a/b.txt; rm ${f%.txt} ${f#/a/}`, []string{"/a/b", "b.txt"}, []bool{true, true}},
		{`rm "*" \*`, []string{"*", "*"}, []bool{true, true}},
	}
	for _, tt := range tests {
		inv := find(resolveOne(t, tt.line, "/home/op", h), "rm")
		if inv == nil {
			t.Fatalf("%q: no rm", tt.line)
		}
		if len(inv.Args) != len(tt.want) {
			t.Errorf("%q: got %d args %+v, want %v", tt.line, len(inv.Args), inv.Values(), tt.want)
			continue
		}
		for i, a := range inv.Args {
			if a.Value != tt.want[i] || a.Known != tt.known[i] {
				t.Errorf("%q arg %d: got %q known=%v, want %q known=%v", tt.line, i, a.Value, a.Known, tt.want[i], tt.known[i])
			}
		}
	}
}

func TestGlobOnlyWhenUnquoted(t *testing.T) {
	inv := find(resolveOne(t, `rm * "*" \* '*'`, "/srv", NewMemHost()), "rm")
	var globs []bool
	for _, a := range inv.Args {
		globs = append(globs, a.Glob)
	}
	want := []bool{true, false, false, false}
	if len(globs) != len(want) {
		t.Fatalf("glob flags %v, want %v", globs, want)
	}
	for i := range want {
		if globs[i] != want[i] {
			t.Errorf("glob flags %v, want %v", globs, want)
		}
	}
}

func TestPipelineStdinAndFunctions(t *testing.T) {
	invs := resolveOne(t, "curl -s x | grep y | sh; f() { f | f & }; f", "/", NewMemHost())
	sh := find(invs, "sh")
	if sh == nil || len(sh.Stdin) != 2 || sh.Stdin[0].Program != "curl" {
		t.Fatalf("sh should read from curl and grep, got %+v", sh)
	}
	var recursive int
	for _, inv := range invs {
		if inv.Function == "f" && inv.Recursive {
			recursive++
		}
	}
	if recursive != 2 {
		t.Errorf("want the two recursive calls inside f marked, got %d", recursive)
	}
}

func TestParseOptions(t *testing.T) {
	args := func(vs ...string) []Arg {
		out := make([]Arg, len(vs))
		for i, v := range vs {
			out[i] = Arg{Text: v, Value: v, Known: true}
		}
		return out
	}
	p := ParseOptions(args("-rfe", "pat", "--exclude=x", "--filter", "y", "a", "--", "-b"), OptSpec{ShortValue: "e", LongValue: []string{"filter"}})
	if !p.Has("r", "f") || p.Has("x") {
		t.Errorf("flags wrong: %+v", p)
	}
	if v, _ := p.Value("e"); v.Value != "pat" {
		t.Errorf("-e value %q", v.Value)
	}
	if v, _ := p.Value("exclude"); v.Value != "x" {
		t.Errorf("--exclude value %q", v.Value)
	}
	if v, _ := p.Value("filter"); v.Value != "y" {
		t.Errorf("--filter value %q", v.Value)
	}
	if len(p.Operands) != 2 || p.Operands[0].Value != "a" || p.Operands[1].Value != "-b" {
		t.Errorf("operands %+v", p.Operands)
	}
	p = ParseOptions(args("-u", "bob", "rm", "-rf", "/"), OptSpec{ShortValue: "u", StopAtOperand: true})
	if len(p.Operands) != 1 || p.Operands[0].Value != "rm" || len(p.Rest) != 2 {
		t.Errorf("StopAtOperand: %+v", p)
	}
}

func TestRepairKeepsCommands(t *testing.T) {
	tests := map[string]string{
		"rm -rf / 'oops":          "rm -rf / oops",
		"if true; then rm -rf /x": "rm -rf /x",
		"echo \"a b":              "echo 'a b'",
		"ls | sh -c 'rm":          "ls | sh -c rm",
	}
	for in, want := range tests {
		got := strings.Join(strings.Fields(repair(in, false)), " ")
		if !strings.Contains(got, want) {
			t.Errorf("repair(%q) = %q, want it to hold %q", in, got, want)
		}
	}
}

func TestParseMounts(t *testing.T) {
	data := []byte("/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /mnt/my\\040disk xfs rw 0 0\nbroken\n")
	m := ParseMounts(data)
	if len(m) != 2 || m[1].Dir != "/mnt/my disk" || m[0].Source != "/dev/sda1" {
		t.Errorf("ParseMounts = %+v", m)
	}
}

// TestOSHostResolvesRealLinks runs ResolvePath over a real tree in a
// temporary folder: relative and absolute links, chains, loops.
func TestOSHostResolvesRealLinks(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "real/sub"), 0o755))
	must(os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "abs")))
	must(os.Symlink("real/sub", filepath.Join(dir, "rel")))
	must(os.Symlink("abs", filepath.Join(dir, "chain")))
	must(os.Symlink("loop2", filepath.Join(dir, "loop1")))
	must(os.Symlink("loop1", filepath.Join(dir, "loop2")))
	h := &OSHost{}
	tests := []struct {
		in, want string
		sure     bool
	}{
		{"abs", "real", true},
		{"rel", "real/sub", true},
		{"chain/sub", "real/sub", true},
		{"abs/../rel", "real/sub", true},
		{"missing/x", "missing/x", true},
	}
	for _, tt := range tests {
		got, sure := ResolvePath(h, filepath.Join(dir, tt.in))
		if got != filepath.Join(dir, tt.want) || sure != tt.sure {
			t.Errorf("ResolvePath(%s) = %s %v, want %s", tt.in, got, sure, filepath.Join(dir, tt.want))
		}
	}
	if _, sure := ResolvePath(h, filepath.Join(dir, "loop1")); sure {
		t.Error("a link loop must not resolve with certainty")
	}
	if !IsSymlink(h, filepath.Join(dir, "abs")) || IsSymlink(h, filepath.Join(dir, "real")) {
		t.Error("IsSymlink wrong")
	}
}

// TestOSHostLvs runs a real lvs stand-in from PATH: a fake only because
// there is no dm-cache on a build machine.
func TestOSHostLvs(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\n[ \"$5\" = \"--\" ] && [ \"$6\" = vg/ok ] && { echo '   42  '; exit 0; }\n[ \"$6\" = vg/slow ] && { exec /bin/sleep 5; }\necho 'Failed to find logical volume' >&2; exit 5\n"
	if err := os.WriteFile(filepath.Join(bin, "lvs"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// With the system's folders (a coding agent's hook), lvs first on
	// PATH is never run: the agent may have put it there.
	sentinel := filepath.Join(bin, "ran")
	os.WriteFile(filepath.Join(bin, "path-lvs"), []byte("#!/bin/sh\ntouch "+sentinel+"\necho 0\n"), 0o755)
	pathDir := t.TempDir()
	os.Symlink(filepath.Join(bin, "path-lvs"), filepath.Join(pathDir, "lvs"))
	t.Setenv("PATH", pathDir+":"+os.Getenv("PATH"))
	(&OSHost{LvsTimeout: 200e6, LvsDirs: SystemProgramDirs()}).CacheDirtyBlocks("vg/ok")
	if _, err := os.Stat(sentinel); err == nil {
		t.Fatal("guard ran the lvs it found on PATH")
	}
	t.Setenv("PATH", bin) // the operator's own PATH, otherwise
	h := &OSHost{LvsTimeout: 200e6}
	if n, err := h.CacheDirtyBlocks("vg/ok"); err != nil || n != 42 {
		t.Errorf("from PATH, vg/ok: %d %v, want 42", n, err)
	}
	h.LvsDirs = []string{bin}
	if n, err := h.CacheDirtyBlocks("vg/ok"); err != nil || n != 42 {
		t.Errorf("vg/ok: %d %v, want 42", n, err)
	}
	if _, err := h.CacheDirtyBlocks("vg/missing"); err == nil {
		t.Error("a failing lvs must be an error")
	}
	if _, err := h.CacheDirtyBlocks("vg/slow"); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("a hanging lvs must time out, got %v", err)
	}
	h.LvsDirs = []string{t.TempDir()}
	if _, err := h.CacheDirtyBlocks("vg/ok"); err != ErrNoLvs {
		t.Errorf("without lvs: %v", err)
	}
}

func TestDecisionOrderAndJSON(t *testing.T) {
	if !(Allow < Warn && Warn < Confirm && Confirm < Block) {
		t.Fatal("decisions are not ordered")
	}
	for _, d := range []Decision{Allow, Warn, Confirm, Block} {
		b, _ := d.MarshalJSON()
		var back Decision
		if err := back.UnmarshalJSON(b); err != nil || back != d {
			t.Errorf("%v does not round-trip through JSON: %s %v", d, b, err)
		}
	}
	if _, err := ParseDecision("deny"); err == nil {
		t.Error("ParseDecision accepted deny")
	}
	if Block.ExitCode() != 20 || Confirm.ExitCode() != 10 || Warn.ExitCode() != 0 {
		t.Error("exit codes")
	}
}
