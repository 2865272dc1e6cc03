package rules_test

import (
	"bufio"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/rules"
)

// A case is one line of a testdata file:
//
//	EXPECT RULE [CONTEXT…] :: LINE
//
// EXPECT is allow, warn, confirm or block. RULE is a rule id, whose own
// decision must be EXPECT (allow: the rule must not fire), or * for the
// decision of the whole line. CONTEXT sets up the in-memory host:
//
//	cwd=DIR  ssh  home=DIR  dir=PATH  file=PATH  link=PATH->TARGET  dev=PATH
//	mount=SOURCE@DIR  swap=DEV  dirty=VG/LV=N  lvs=fail
//	env=NAME=VALUE      (⟨20⟩ for a space, as in LINE)
//	githead=DIR=BRANCH  unset=NAME  shell=zsh|posix|mksh|bats
//	agent               the line comes from a coding agent (Options.Strict)
//	content=PATH=TEXT   a regular file holding TEXT (⏎ and ⟨HH⟩ as in LINE)
//	holder=DEV=HOLDER   /sys/class/block/DEV/holders/HOLDER (sdb1=dm-0, sdc=md0)
//	msg=TEXT            the rule's message must hold TEXT (⟨20⟩ for a space)
//	hint=TEXT           the rule's hint must hold TEXT
//	fixture=PATH=NAME   a regular file holding testdata/fixtures/NAME
//	route=DEV=CIDR      a route of the main table (/proc/net/route) to a
//	                    subnet of DEV; via=DEV=CIDR one through a gateway
//	                    (the session comes in on 192.0.2.10 from 203.0.113.7)
//	lower=WAY=DEV       DEV is under WAY (/sys/class/net/WAY/lower_DEV)
//	md=ARRAY:MEMBER,…   an active array in /proc/mdstat; MEMBER(F) failed,
//	                    MEMBER(S) spare; fewer working members than listed
//	                    makes it degraded ([2/1] [U_])
//	gitstate=TOP=XY:PATH,…  the git work tree at TOP (Host.WorkTree), as
//	                    git status --porcelain lists it, _ for a space:
//	                    _M:src/a.ts (changed), A_:new.ts (staged),
//	                    ??:notes.txt (untracked), !!:dist/ (ignored);
//	                    gitstate=TOP= is a clean tree; gitstate=TOP=cut:…
//	                    one whose list guard could not read whole. A
//	                    folder in no gitstate has a state guard cannot
//	                    tell (git missing, not a repository)
//
// and the interactive shell's definitions the line may use (⟨20⟩ is a
// space in them): alias=NAME=TEXT  galias=NAME=TEXT (zsh's alias -g)
// func=NAME=BODY.
//
// In LINE, ⏎ stands for a newline and ⟨HH⟩ for the byte with hex value HH.
type testCase struct {
	file   string
	lineNo int
	expect guard.Decision
	rule   string
	ctx    []string
	line   string
}

var byteEscape = regexp.MustCompile(`⟨([0-9a-fA-F]{2})⟩`)

func unescapeLine(s string) string {
	s = strings.ReplaceAll(s, "⏎", "\n")
	return byteEscape.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.ParseUint(byteEscape.FindStringSubmatch(m)[1], 16, 8)
		return string([]byte{byte(n)})
	})
}

// wantInMessage lists the msg=TEXT items of a case.
func (c testCase) wantInMessage() []string { return c.wantIn("msg=") }

// wantIn lists the items of a case that start with prefix: msg=TEXT (in
// a message of the rule), hint=TEXT (in a hint of the rule).
func (c testCase) wantIn(prefix string) []string {
	var want []string
	for _, item := range c.ctx {
		if text, ok := strings.CutPrefix(item, prefix); ok {
			want = append(want, unescapeLine(text))
		}
	}
	return want
}

func (c testCase) String() string { return fmt.Sprintf("%s:%d", c.file, c.lineNo) }

func loadCases(t testing.TB, pattern string) []testCase {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no test data matches %s (%v)", pattern, err)
	}
	var cases []testCase
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			n++
			raw := strings.TrimSpace(sc.Text())
			if raw == "" || strings.HasPrefix(raw, "#") {
				continue
			}
			head, line, ok := strings.Cut(raw, " ::")
			line = strings.TrimPrefix(line, " ")
			if !ok {
				t.Fatalf("%s:%d: want EXPECT RULE [CONTEXT] :: LINE", name, n)
			}
			fields := strings.Fields(head)
			if len(fields) < 2 {
				t.Fatalf("%s:%d: want EXPECT and RULE before ::", name, n)
			}
			d, err := guard.ParseDecision(fields[0])
			if err != nil {
				t.Fatalf("%s:%d: %v", name, n, err)
			}
			cases = append(cases, testCase{
				file: filepath.Base(name), lineNo: n, expect: d, rule: fields[1], ctx: fields[2:],
				line: unescapeLine(line),
			})
		}
		f.Close()
	}
	return cases
}

// hostFor builds the in-memory host and the working directory of a case.
func hostFor(t testing.TB, c testCase) (*guard.MemHost, string) {
	h := guard.NewMemHost()
	cwd := "/home/op"
	for _, item := range c.ctx {
		key, value, _ := strings.Cut(item, "=")
		switch key {
		case "cwd":
			cwd = value
		case "ssh":
			h.SetSSH("203.0.113.7")
		case "home":
			h.Env["HOME"] = value
		case "dir":
			h.AddDir(value)
		case "file":
			h.AddFile(value)
		case "link":
			from, to, _ := strings.Cut(value, "->")
			h.AddLink(from, to)
		case "dev":
			h.AddDevice(value)
		case "mount":
			src, dir, _ := strings.Cut(value, "@")
			h.Mnts = append(h.Mnts, guard.Mount{Source: src, Dir: dir, FSType: "ext4"})
		case "swap":
			h.Files["/proc/swaps"] = []byte("Filename Type Size Used Priority\n" + value + " partition 1024 0 -2\n")
		case "dirty":
			lv, n, _ := strings.Cut(value, "=")
			count, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				t.Fatalf("%s: dirty=%s: %v", c, value, err)
			}
			h.Dirty[lv] = count
		case "lvs":
			h.LvsErr = guard.ErrNoLvs
		case "env":
			name, v, _ := strings.Cut(value, "=")
			h.Env[name] = unescapeLine(v)
		case "unset":
			delete(h.Env, value)
		case "shell":
			// read by langFor
		case "route", "via":
			dev, cidr, _ := strings.Cut(value, "=")
			h.Files["/proc/net/route"] = append(h.Files["/proc/net/route"], routeLine(t, dev, cidr, key == "via")...)
		case "lower":
			way, dev, _ := strings.Cut(value, "=")
			h.AddLink("/sys/class/net/"+way+"/lower_"+dev, "../../../virtual/net/"+dev)
		case "content":
			path, text, _ := strings.Cut(value, "=")
			h.Files[path] = []byte(unescapeLine(text))
		case "fixture":
			path, name, _ := strings.Cut(value, "=")
			data, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", name))
			if err != nil {
				t.Fatalf("%s: fixture %s: %v", c, name, err)
			}
			h.AddFile(path)
			h.Files[path] = data
		case "holder":
			dev, holder, _ := strings.Cut(value, "=")
			h.AddDir("/sys/class/block/" + dev + "/holders/" + holder)
			h.AddDir("/sys/class/block/" + holder)
		case "md":
			h.Files["/proc/mdstat"] = append(h.Files["/proc/mdstat"], []byte(mdstatLine(value))...)
		case "msg", "hint": // checked by runCases
		case "alias", "galias", "func": // definitionsFor
		case "agent": // runCases
		case "gitstate":
			top, list, _ := strings.Cut(value, "=")
			if h.Trees == nil {
				h.Trees = map[string]guard.WorkTree{}
			}
			tree := guard.WorkTree{Top: top, Complete: true}
			for _, entry := range strings.Split(list, ",") {
				code, path, _ := strings.Cut(entry, ":")
				if code == "cut" {
					tree.Complete = false
					code, path, _ = strings.Cut(path, ":")
				}
				if code == "" {
					continue
				}
				status := strings.ReplaceAll(code, "_", " ") + " " + path + "\x00"
				tree.Files = append(tree.Files, guard.ParseStatus([]byte(status)).Files...)
			}
			h.Trees[top] = tree
		case "githead":
			dir, branch, _ := strings.Cut(value, "=")
			h.Files[filepath.Join(dir, ".git", "HEAD")] = []byte("ref: refs/heads/" + branch + "\n")
		default:
			t.Fatalf("%s: unknown context %q", c, item)
		}
	}
	return h, cwd
}

// langFor is the dialect a case is written in (shell=zsh), bash by default.
func langFor(c testCase) syntax.LangVariant {
	for _, item := range c.ctx {
		if name, ok := strings.CutPrefix(item, "shell="); ok {
			var lang syntax.LangVariant
			if err := lang.Set(name); err == nil {
				return lang
			}
		}
	}
	return syntax.LangBash
}

// mdstatLine renders md=md0:sdb1,sdc1(F) as /proc/mdstat does.
func mdstatLine(spec string) string {
	array, list, _ := strings.Cut(spec, ":")
	members := strings.Split(list, ",")
	var words []string
	working, status := 0, ""
	for i, m := range members {
		name, flag, _ := strings.Cut(m, "(")
		if flag != "" {
			words = append(words, fmt.Sprintf("%s[%d](%s", name, i, flag))
			if flag == "S)" {
				continue
			}
			status += "_"
			continue
		}
		words = append(words, fmt.Sprintf("%s[%d]", name, i))
		working++
		status += "U"
	}
	slots := len(status)
	return fmt.Sprintf("%s : active raid1 %s\n      1046528 blocks super 1.2 [%d/%d] [%s]\n\n", array, strings.Join(words, " "), slots, working, status)
}

// definitionsFor is the interactive shell a case is typed in: its aliases
// and functions, as a hook would send them.
func definitionsFor(c testCase) *guard.Definitions {
	var code strings.Builder
	for _, item := range c.ctx {
		key, value, _ := strings.Cut(item, "=")
		name, text, _ := strings.Cut(unescapeLine(value), "=")
		switch key {
		case "alias", "galias":
			q, _ := syntax.Quote(name+"="+text, syntax.LangBash)
			code.WriteString(map[string]string{"alias": "alias ", "galias": "alias -g "}[key] + q + "\n")
		case "func":
			code.WriteString(name + "() {\n" + text + "\n}\n")
		}
	}
	return guard.ParseDefinitions(code.String(), syntax.LangBash)
}

func newEngine(t testing.TB) *guard.Engine {
	t.Helper()
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// ruleHints are the hints of a rule's findings.
func ruleHints(v guard.Verdict, rule string) []string {
	var hints []string
	for _, f := range v.Findings {
		if f.Rule == rule {
			hints = append(hints, f.Hint)
		}
	}
	return hints
}

// ruleDecision is the most severe decision among a rule's findings.
func ruleDecision(v guard.Verdict, rule string) (guard.Decision, []string) {
	d := guard.Allow
	var messages []string
	for _, f := range v.Findings {
		if f.Rule == rule {
			messages = append(messages, f.Message)
			d = max(d, f.Decision)
		}
	}
	return d, messages
}

func runCases(t *testing.T, pattern string) {
	e := newEngine(t)
	for _, c := range loadCases(t, pattern) {
		t.Run(c.String(), func(t *testing.T) {
			if c.rule != "*" {
				if _, ok := e.Rule(c.rule); !ok {
					t.Fatalf("no rule %q", c.rule)
				}
			}
			host, cwd := hostFor(t, c)
			v := e.Judge(c.line, host, guard.Options{Cwd: cwd, Lang: langFor(c), Definitions: definitionsFor(c),
				Strict: slices.Contains(c.ctx, "agent")})
			got := v.Decision
			if c.rule != "*" {
				got, _ = ruleDecision(v, c.rule)
			}
			if got != c.expect {
				t.Errorf("%q: %s says %s, want %s\nfindings: %+v", c.line, c.rule, got, c.expect, v.Findings)
			}
			for _, want := range c.wantInMessage() {
				_, messages := ruleDecision(v, c.rule)
				if !strings.Contains(strings.Join(messages, "\n"), want) {
					t.Errorf("%q: no %s message holds %q: %q", c.line, c.rule, want, messages)
				}
			}
			for _, want := range c.wantIn("hint=") {
				if hints := ruleHints(v, c.rule); !strings.Contains(strings.Join(hints, "\n"), want) {
					t.Errorf("%q: no %s hint holds %q: %q", c.line, c.rule, want, hints)
				}
			}
			for _, f := range v.Findings {
				if f.Message == "" || f.Hint == "" || f.Command == "" {
					t.Errorf("%q: finding %s lacks a message, hint or command: %+v", c.line, f.Rule, f)
				}
			}
		})
	}
}

func TestRules(t *testing.T)  { runCases(t, "../testdata/rules/*.txt") }
func TestEngine(t *testing.T) { runCases(t, "../testdata/engine/*.txt") }

// TestEveryRuleHasCases: a rule without cases it must catch and
// look-alikes it must let through does not exist.
func TestEveryRuleHasCases(t *testing.T) {
	caught, passed := map[string]bool{}, map[string]bool{}
	for _, c := range loadCases(t, "../testdata/rules/*.txt") {
		if c.expect == guard.Allow {
			passed[c.rule] = true
		} else {
			caught[c.rule] = true
		}
	}
	catalog, err := rules.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range catalog {
		if !caught[r.ID] {
			t.Errorf("rule %s has no case it must catch in testdata/rules", r.ID)
		}
		if !passed[r.ID] {
			t.Errorf("rule %s has no look-alike it must let through in testdata/rules", r.ID)
		}
	}
}

// TestExplanations: every rule's story has the sections guard explain
// promises, and no explanation file is left without its rule.
func TestExplanations(t *testing.T) {
	catalog, err := rules.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range catalog {
		ids[r.ID] = true
		for _, section := range []string{"## What happened", "## Problematic", "## Correct", "## Rationale", "## Exceptions"} {
			if !strings.Contains(r.Explanation(), section) {
				t.Errorf("explain/%s.md lacks %q", r.ID, section)
			}
		}
		if r.Postmortem == "" {
			t.Errorf("rule %s names no postmortem", r.ID)
		}
	}
	files, _ := filepath.Glob("explain/*.md")
	for _, f := range files {
		if id := strings.TrimSuffix(filepath.Base(f), ".md"); !ids[id] {
			t.Errorf("%s explains no rule", f)
		}
	}
}

var updateReadme = flag.Bool("update-readme", false, "rewrite the rule table in ../README.md from the catalog")

const (
	tableStart = "<!-- rule table: from the catalog; check or rewrite with go test ./rules -run TestReadmeRuleTable [-update-readme] -->"
	tableEnd   = "<!-- end of rule table -->"
)

// ruleTable renders the catalog as README's rule table.
func ruleTable(e *guard.Engine) string {
	var b strings.Builder
	b.WriteString("| rule | family | decision | what it catches |\n|---|---|---|---|\n")
	for _, r := range e.Rules() {
		family := r.Family
		if family == "" {
			family = "engine"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.ID, family, r.Decision, strings.ReplaceAll(r.Summary, "|", `\|`))
	}
	return b.String()
}

// TestReadmeRuleTable keeps README's rule table equal to the catalog: every
// rule, its family, decision and summary. With -update-readme it rewrites
// the table; otherwise a difference fails and prints the expected table.
func TestReadmeRuleTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start, end := strings.Index(text, tableStart), strings.Index(text, tableEnd)
	if start < 0 || end < start {
		t.Fatalf("README.md lacks the markers around the rule table:\n%s\n%s", tableStart, tableEnd)
	}
	current := text[start+len(tableStart)+1 : end]
	want := ruleTable(newEngine(t))
	if current == want {
		return
	}
	if *updateReadme {
		text = text[:start+len(tableStart)+1] + want + text[end:]
		if err := os.WriteFile("../README.md", []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's rule table differs from the catalog; run go test ./rules -run TestReadmeRuleTable -update-readme, or paste:\n%s", want)
}

// explainContext is the host each rule's explain examples are judged on,
// in the CONTEXT keys of the test data: the situation the page describes
// ("over SSH", "mounted on /").
var explainContext = map[string][]string{
	"ssh-power":                 {"ssh"},
	"ssh-network-cut":           {"ssh"},
	"console-login-cut":         {"ssh"},
	"sshd-unit-dropin":          {"ssh"},
	"sysfs-device-remove":       {"mount=/dev/vda1@/"},
	"resolver-stop":             {"link=/etc/resolv.conf->../run/systemd/resolve/stub-resolv.conf"},
	"sshd-login-cut":            {"ssh"},
	"essential-package-removal": {"ssh"},
	"serving-stop":              {"ssh"},
	"fsck-mounted":              {"mount=/dev/sda1@/"},
	"login-ends":                {"file=/usr/bin/zsh"},
	"grub-install-other-disk":   {"mount=/dev/sda2@/"},
	"lvm-cachemode-dirty":       {"dirty=vg/lv=12"},
	"copy-into-system":          {"cwd=/"},
	"rm-symlink-slash":          {"link=/home/op/lib->/lib"},
	"md-array-destroy":          {"md=md0:sda1,sdb1(F)", "md=md1:sdc1,sdd1"},
	"dm-remove":                 {"mount=/dev/mapper/vg0-home@/home"},
	"nbd-disconnect":            {"mount=/dev/nbd0p1@/mnt/img"},
	"git-repo-delete":           {"dir=/home/op/app/.git/refs/heads", "content=/home/op/app/.git/HEAD=ref: refs/heads/main", "content=/home/op/app/.git/refs/heads/main=aaaa"},
	"system-link-replace":       {"link=/lib64->usr/lib64", "link=/bin->usr/bin", "link=/srv/current->/srv/releases/41"},
	"env-file-overwrite":        {"content=/home/op/.env=STRIPE_KEY=sk_live_1", "content=/home/op/.env.example=STRIPE_KEY=", "content=/home/op/.env.production=DB_URL=x", "cwd=/home/op"},
	"git-uncommitted-delete":    {"cwd=/home/op/app", "gitstate=/home/op/app=_M:src/api.ts,??:src/new.ts,??:notes.md,M_:README.md,!!:dist/,!!:debug.log", "content=/home/op/app/src/new.ts=x"},
	"project-wipe":              {"content=/home/op/work/app/package.json={}", "content=/home/op/work/app/src/main.js=run()", "dir=/home/op/work/app/build"},
	"user-files-remove":         {"content=/etc/passwd=deploy:x:1001:1001::/home/deploy:/bin/bash⏎olduser:x:1002:1002::/home/olduser:/bin/bash⏎alice:x:1003:1003::/home/alice:/bin/bash⏎bob:x:1004:1004::/home/bob:/bin/bash"},
}

// explainExamples returns the indented lines of a section of a page.
func explainExamples(page, section string) []string {
	var lines []string
	in := false
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, "## ") {
			in = strings.HasPrefix(line, section)
			continue
		}
		if in && strings.HasPrefix(line, "    ") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	return lines
}

// TestExplainExamples: the problematic lines of a rule's page are caught
// by that rule, and its correct lines are not asked about (a warning is
// fine), as gitleaks checks each rule against its own examples.
func TestExplainExamples(t *testing.T) {
	e := newEngine(t)
	catalog, err := rules.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range catalog {
		problematic, correct := explainExamples(r.Explanation(), "## Problematic"), explainExamples(r.Explanation(), "## Correct")
		if len(problematic) == 0 {
			t.Errorf("explain/%s.md has no problematic example", r.ID)
		}
		for _, group := range []struct {
			lines []string
			bad   bool
		}{{problematic, true}, {correct, false}} {
			for _, line := range group.lines {
				c := testCase{file: "explain/" + r.ID + ".md", rule: r.ID, ctx: explainContext[r.ID], line: line}
				host, cwd := hostFor(t, c)
				got, _ := ruleDecision(e.Judge(line, host, guard.Options{Cwd: cwd}), r.ID)
				if group.bad && got == guard.Allow {
					t.Errorf("explain/%s.md: problematic example %q is not caught", r.ID, line)
				}
				if !group.bad && got > guard.Warn {
					t.Errorf("explain/%s.md: correct example %q is judged %s", r.ID, line, got)
				}
			}
		}
	}
}

// routeLine is a line of /proc/net/route for a route to cidr out of dev,
// through a gateway or not, addresses in little-endian hex as the kernel
// writes them.
func routeLine(t testing.TB, dev, cidr string, gateway bool) []byte {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		t.Fatalf("route=%s=%s: not an IPv4 prefix", dev, cidr)
	}
	le := func(b [4]byte) string { return fmt.Sprintf("%02X%02X%02X%02X", b[3], b[2], b[1], b[0]) }
	mask := [4]byte{}
	for i := 0; i < p.Bits(); i++ {
		mask[i/8] |= 0x80 >> (i % 8)
	}
	gw := [4]byte{}
	if gateway {
		gw = [4]byte{192, 0, 2, 1}
	}
	return fmt.Appendf(nil, "%s\t%s\t%s\t0003\t0\t0\t0\t%s\t0\t0\t0\n", dev, le(p.Masked().Addr().As4()), le(gw), le(mask))
}
