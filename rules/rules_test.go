package rules_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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
//	mount=SOURCE@DIR  swap=DEV  dirty=VG/LV=N  lvs=fail  env=NAME=VALUE
//	githead=DIR=BRANCH  unset=NAME
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
			h.Env[name] = v
		case "unset":
			delete(h.Env, value)
		case "alias", "galias", "func": // definitionsFor
		case "githead":
			dir, branch, _ := strings.Cut(value, "=")
			h.Files[filepath.Join(dir, ".git", "HEAD")] = []byte("ref: refs/heads/" + branch + "\n")
		default:
			t.Fatalf("%s: unknown context %q", c, item)
		}
	}
	return h, cwd
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
			v := e.Judge(c.line, host, guard.Options{Cwd: cwd, Definitions: definitionsFor(c)})
			got := v.Decision
			if c.rule != "*" {
				got, _ = ruleDecision(v, c.rule)
			}
			if got != c.expect {
				t.Errorf("%q: %s says %s, want %s\nfindings: %+v", c.line, c.rule, got, c.expect, v.Findings)
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
			if !strings.Contains(r.Explain, section) {
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

// TestReadmeListsEveryRule keeps the README's rule table in step with the
// catalog.
func TestReadmeListsEveryRule(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t)
	for _, r := range e.Rules() {
		if !strings.Contains(string(readme), "| `"+r.ID+"` |") {
			t.Errorf("README.md does not list rule %s", r.ID)
		}
	}
}
