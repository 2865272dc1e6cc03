package guard

import (
	"fmt"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// argsOf resolves line and returns the arguments of the last command
// named program, as values (the patterns kept for rules left out).
func argsOf(t *testing.T, line, program string, h Host, lang syntax.LangVariant) []string {
	t.Helper()
	invs, _, why := Resolve(line, "/srv", h, lang)
	if why != "" {
		t.Errorf("%q: too complex: %s", line, why)
	}
	var last *Invocation
	for _, inv := range invs {
		if inv.Program == program {
			last = inv
		}
	}
	if last == nil {
		t.Fatalf("%q: no %s", line, program)
	}
	var out []string
	for _, a := range last.Args {
		if a.standIn {
			continue
		}
		v := a.Value
		if !a.Known {
			v = "?" + v
		}
		out = append(out, v)
	}
	return out
}

func TestExpansionValues(t *testing.T) {
	h := fuzzHost()
	tests := []struct {
		line string
		want string // the arguments of the last echo, joined by |
	}{
		{`x="a  b"; echo $x "$x"`, "a|b|a  b"},
		{`IFS=:; x=a:b::c; echo $x`, "a|b||c"},
		{`set -- "a b" c; echo "$@" "$#" "$*"`, "a b|c|2|a b c"},
		{`set -- a b c d; echo "${@:2:2}" ${@: -1}`, "b|c|d"},
		{`set -- a; shift; echo "$@" x`, "x"},
		{`a=(x "y z"); echo "${a[@]}" ${#a[@]} "${a[1]}" "${a[-1]}"`, "x|y z|2|y z|y z"},
		{`a=(x y); a+=(z); echo "${a[*]}"`, "x y z"},
		{`v=Hello; echo ${v^^} ${v,,} ${v,} ${#v}`, "HELLO|hello|hello|5"},
		{`f=/a/b/c.tar.gz; echo ${f##*/} ${f%%.*} ${f%.*} ${f#/*/}`, "c.tar.gz|/a/b/c|/a/b/c.tar|b/c.tar.gz"},
		{`f=a-b-c; echo ${f/-/_} ${f//-/_} ${f/#a/x} ${f/%c/y}`, "a_b-c|a_b_c|x-b-c|a-b-y"},
		{`s=abcdef; echo ${s:1:2} ${s: -2} ${s:2}`, "bc|ef|cdef"},
		{`echo $(( 7 / 2 )) $(( 2 ** 10 )) $(( 0x10 + 010 + 2#11 )) $(( 5 > 3 ? 1 : 2 ))`, "3|1024|27|1"},
		{`x=3; (( x += 4 )); let 'x *= 2'; echo $x $(( x++ )) $x`, "14|14|15"},
		{`v='1+2'; echo $(( v * 2 ))`, "6"},
		{`echo $(( 1 / 0 )) $(( y + 1 ))`, "?|?"},
		{`echo "$(printf '%s-%03d' a 7)" "$(printf '%s,' x y)" "$(echo -n hi)" "$(echo -e 'a\tb')"`, "a-007|x,y,|hi|a\tb"},
		{`echo "$(basename /x/y.sh .sh)" "$(basename -a /p/q /r/s)" "$(dirname /x/y/)" "$(dirname y)"`, "y|q\ns|/x|."},
		{`cd /etc; echo "$(pwd)" "$(cd /srv && pwd)" "$(pwd)"`, "/etc|/srv|/etc"},
		{`echo "$(mktemp -d)" "$(mktemp -p /var/tmp x.XXX)" "$(mktemp -t y.XX)"`, "/tmp/tmp.XXXXXXXXXX|/var/tmp/x.XXX|/tmp/y.XX"},
		{`echo "$(readlink -f /srv/current)" "$(cat <<< hi)"`, "/srv/app|hi"},
		{`read -r a b <<< "1 2 3"; echo "$a" "$b"`, "1|2 3"},
		{`printf -v x '%s/%s' a b; echo "$x"`, "a/b"},
		{`echo ${UNSET_HERE:-d} ${UNSET_HERE-e} ${HOME:+set}`, "?d|?e|set"},
		{`echo /srv/app/*.log`, "/srv/app/a.log|/srv/app/b.log"},
		{`echo /srv/app/* /srv/app/.*`, "/srv/app/a.log|/srv/app/b.log|/srv/app/.env"},
		{`shopt -s dotglob; echo /srv/app/*`, "/srv/app/.env|/srv/app/a.log|/srv/app/b.log"},
		{`cd /srv/app; echo *.log ./a*`, "a.log|b.log|./a.log"},
		{`echo /srv/app/[ab].log /srv/app/!(a).log /srv/app/@(x|b).log`, "/srv/app/a.log|/srv/app/b.log|/srv/app/b.log|/srv/app/b.log"},
		{`echo /srv/current/*.log`, "/srv/current/a.log|/srv/current/b.log"},
		{`echo /srv/*/`, "/srv/app/|/srv/current/"},
		{`echo /nothing/* "/srv/app/*"`, "/nothing/*|/srv/app/*"},
		{`shopt -s nullglob; echo /nothing/* x`, "x"},
		{`shopt -s globstar; echo /srv/**/b.log`, "/srv/app/b.log"}, // ** does not follow links
		{`echo ~ ~root ~/x`, "/home/op|/root|/home/op/x"},
		{`echo {a,b}{1,2}`, "a1|a2|b1|b2"},
		{`f() { echo "$#" "$1"; }; f "a b" c`, "2|a b"},
	}
	for _, tt := range tests {
		got := strings.Join(argsOf(t, tt.line, "echo", h, syntax.LangBash), "|")
		if got != tt.want {
			t.Errorf("%s\n  got  %q\n  want %q", tt.line, got, tt.want)
		}
	}
}

func TestZshExpansion(t *testing.T) {
	h := fuzzHost()
	tests := []struct{ line, want string }{
		{`x="a b"; echo $x`, "a b"},
		{`a=(x y); echo $a "$a"`, "x|y|x y"},
		{`echo /srv/app/(a|b).log`, "/srv/app/a.log|/srv/app/b.log"},
		{`echo /srv/app/*(D)`, "/srv/app/.env|/srv/app/a.log|/srv/app/b.log"},
		{`echo /nothing/*(N) x`, "x"},
		{`echo /srv/**/b.log`, "/srv/app/b.log"},
	}
	for _, tt := range tests {
		got := strings.Join(argsOf(t, tt.line, "echo", h, syntax.LangZsh), "|")
		if got != tt.want {
			t.Errorf("%s\n  got  %q\n  want %q", tt.line, got, tt.want)
		}
	}
}

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "abc", true}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"[a-c]x", "bx", true}, {"[!a-c]x", "bx", false}, {"[^a]", "b", true},
		{"[]]", "]", true}, {"[a-]", "-", true}, {"[[:digit:]]*", "7up", true},
		{`\*`, "*", true}, {`\*`, "a", false}, {"[", "[", true},
		{"@(a|b)c", "bc", true}, {"?(a)b", "b", true}, {"?(a)b", "aab", false},
		{"*(ab)", "ababab", true}, {"+(ab)", "", false}, {"+(a|b)c", "abbac", true},
		{"!(foo)", "bar", true}, {"!(foo)", "foo", false}, {"!(f*).txt", "a.txt", true},
		{"x*y*z", "xaaybbz", true}, {"x*y*z", "xaaybb", false},
	}
	for _, tt := range tests {
		got, ok := matchPattern(tt.pattern, tt.name)
		if !ok || got != tt.want {
			t.Errorf("matchPattern(%q, %q) = %v, %v; want %v", tt.pattern, tt.name, got, ok, tt.want)
		}
	}
	// A pattern built to backtrack forever gives up, within its budget.
	pattern := strings.Repeat("*(a|aa)", 30) + "b"
	if _, ok := matchPattern(pattern, strings.Repeat("a", 200)); ok {
		t.Error("a pathological pattern must exhaust the step budget, not run on")
	}
}

func TestScopeChain(t *testing.T) {
	root := &scope{}
	root.set("a", shellVar{value: "1", known: true})
	child := root.clone()
	if v, _ := child.lookup("a"); v != "1" {
		t.Fatalf("a clone must see its parent's variables")
	}
	child.set("a", shellVar{value: "2", known: true})
	if v, _ := root.lookup("a"); v != "1" {
		t.Fatalf("a clone's assignment leaked into its parent")
	}
	deep := root
	for i := 0; i < 3*maxFrameDepth; i++ {
		deep = deep.clone()
		deep.set("i", shellVar{value: "x", known: true})
	}
	depth := 0
	for f := deep.vars; f != nil; f = f.parent {
		depth++
	}
	if depth > maxFrameDepth+1 {
		t.Errorf("a chain of %d frames: lookups are not bounded", depth)
	}
	if v, _ := deep.lookup("a"); v != "1" {
		t.Errorf("flattening lost a variable: a=%q", v)
	}
}

// A frame is a short list until it grows, then indexed: both must find,
// reassign and keep the order of first assignment.
func TestScopeFrameGrows(t *testing.T) {
	sc := &scope{}
	const n = 3 * frameListMax
	for i := range n {
		sc.set(fmt.Sprint("v", i), shellVar{value: fmt.Sprint(i), known: true})
		sc.set("v0", shellVar{value: fmt.Sprint("again", i), known: true}) // reassigned, not added
	}
	own := sc.own()
	if len(own) != n {
		t.Fatalf("the frame holds %d variables, want %d", len(own), n)
	}
	for i, nv := range own {
		if nv.name != fmt.Sprint("v", i) {
			t.Fatalf("variable %d is %s: the order of first assignment is lost", i, nv.name)
		}
	}
	if v, _ := sc.lookup("v0"); v != fmt.Sprint("again", n-1) {
		t.Errorf("v0 = %q, want the last value assigned", v)
	}
	for _, i := range []int{1, frameListMax, n - 1} {
		if v, ok := sc.lookup(fmt.Sprint("v", i)); !ok || v != fmt.Sprint(i) {
			t.Errorf("v%d = %q, %v", i, v, ok)
		}
	}
	if _, ok := sc.lookup("absent"); ok {
		t.Error("a variable never assigned was found")
	}
}
