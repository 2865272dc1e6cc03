package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// agentApp is guard in process, with its state, audit file and snapshots
// in a temporary folder and no site policy.
func agentApp(t *testing.T, stdin []byte) (*app, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"HOME":             filepath.Join(dir, "home"),
		"GUARD_STATE":      filepath.Join(dir, "state"),
		"GUARD_AUDIT_FILE": filepath.Join(dir, "audit.jsonl"),
		"GUARD_SNAPSHOTS":  filepath.Join(dir, "snaps"),
		"GUARD_ETC":        filepath.Join(dir, "no-etc"),
		"PATH":             os.Getenv("PATH"),
	}
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr, stdin: bytes.NewReader(stdin), getenv: withHome(func(k string) string { return env[k] })}
	return a, &stdout, &stderr
}

// hookAnswer runs guard hook NAME on an event and reads the answer the way
// the agent does.
func hookAnswer(t *testing.T, ag *agent, event []byte, flags ...string) agentAnswer {
	t.Helper()
	a, stdout, stderr := agentApp(t, event)
	code := a.agentHook(append([]string{ag.name}, flags...))
	return ag.read(stdout.Bytes(), stderr.Bytes(), code)
}

// TestAgentSamples: each agent's hook, fed events shaped as its
// documentation shows (testdata/agents/NAME.txtar, which names the
// sources), answers as its want list says, read back through the agent's
// own answer format. Every archive has a block, a confirm, an allow, a
// malformed event; an oversized one is made from the block and another
// tool's events.
func TestAgentSamples(t *testing.T) {
	for _, ag := range agentCatalog() {
		t.Run(ag.name, func(t *testing.T) {
			ar, err := txtar.ParseFile(filepath.Join("..", "..", "testdata", "agents", ag.name+".txtar"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(ar.Comment), "http") {
				t.Errorf("the samples do not name the documentation they follow")
			}
			files := map[string][]byte{}
			for _, f := range ar.Files {
				files[f.Name] = f.Data
			}
			var want []string
			for _, line := range strings.Split(strings.TrimSpace(string(files["want"])), "\n") {
				fields := strings.SplitN(line, " ", 3)
				if len(fields) < 2 {
					t.Fatalf("want: %q is not EVENT DECISION [REGEXP]", line)
				}
				want = append(want, fields[0])
				event, ok := files[fields[0]]
				if !ok {
					t.Fatalf("want names %s, which the archive lacks", fields[0])
				}
				got := hookAnswer(t, ag, event)
				checkAnswer(t, fields[0], got, fields[1], fields[2:])
			}
			for _, required := range []string{"block.json", "confirm.json", "allow.json", "malformed.json"} {
				if !slices.Contains(want, required) {
					t.Errorf("no %s case", required)
				}
			}
			refusal := "deny"
			if ag.canAsk(nil) {
				refusal = "ask"
			}
			pad := bytes.Repeat([]byte(" "), maxEventBytes)
			big := append(bytes.TrimSpace(files["block.json"]), pad...)
			checkAnswer(t, "oversized block.json", hookAnswer(t, ag, big), refusal, []string{"larger than 1 MB"})
			big = append(bytes.TrimSpace(files["other-tool.json"]), pad...)
			checkAnswer(t, "oversized other-tool.json", hookAnswer(t, ag, big), "none", nil)
		})
	}
}

func checkAnswer(t *testing.T, what string, got agentAnswer, decision string, pattern []string) {
	t.Helper()
	if got.failed != "" {
		t.Errorf("%s: the hook failed: %s", what, got.failed)
		return
	}
	if orNone(got.decision) != orNone(strings.TrimPrefix(decision, "none")) {
		t.Errorf("%s: %s (%s), want %s", what, orNone(got.decision), got.reason, decision)
	}
	if len(pattern) > 0 && !regexp.MustCompile(pattern[0]).MatchString(got.reason) {
		t.Errorf("%s: reason %q does not match %q", what, got.reason, pattern[0])
	}
}

// TestAgentWriteReadRoundTrip: what guard writes, the reader (doctor's)
// reads back as the same decision, for every agent.
func TestAgentWriteReadRoundTrip(t *testing.T) {
	for _, ag := range agentCatalog() {
		for _, d := range []string{"", "ask", "deny"} {
			if d == "ask" && !ag.canAsk([]string{"--ask"}) {
				continue
			}
			var stdout, stderr bytes.Buffer
			code := ag.write(&stdout, &stderr, agentAnswer{decision: d, reason: "because"})
			got := ag.read(stdout.Bytes(), stderr.Bytes(), code)
			if got.decision != d || got.failed != "" || d != "" && got.reason != "because" {
				t.Errorf("%s %q: read back %+v (exit %d, %q)", ag.name, d, got, code, stdout.String())
			}
		}
		ev, err := ag.parse(ag.sample("rm -rf /", "/srv", "s"))
		if err != nil || !ev.shell || ev.line != "rm -rf /" || ev.cwd != "/srv" || ev.session != "s" {
			t.Errorf("%s: its own sample reads as %+v, %v", ag.name, ev, err)
		}
	}
}

// TestHookFailsClosed: guard failing inside the hook refuses the command.
func TestHookFailsClosed(t *testing.T) {
	for _, ag := range agentCatalog() {
		a, stdout, stderr := agentApp(t, ag.sample("ls", "/", "s"))
		a.stdin = panicReader{}
		code := a.agentHook([]string{ag.name})
		got := ag.read(stdout.Bytes(), stderr.Bytes(), code)
		if got.decision == "" || !strings.Contains(got.reason, "guard failed") {
			t.Errorf("%s: %+v", ag.name, got)
		}
	}
}

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("a test failure inside guard") }

func TestPeekString(t *testing.T) {
	data := []byte(`{"a":1,"preToolUse":{"toolName":"write_to_file","parameters":{"content":"` + strings.Repeat("x", 100))
	if s, ok := peekString(data, []string{"preToolUse", "toolName"}); !ok || s != "write_to_file" {
		t.Errorf("peek: %q %v", s, ok)
	}
	if _, ok := peekString(data, []string{"toolName"}); ok {
		t.Error("found a key that is not at the top level")
	}
}

// TestAgentHookIgnoresLvsOnPath: judging lvchange runs lvs. An agent could
// put an lvs of its own first on PATH before its next command; the agent
// hooks take lvs from the system's folders only (an operator's guard check
// uses PATH, which the control shows reaches the stand-in).
func TestAgentHookIgnoresLvsOnPath(t *testing.T) {
	bin := t.TempDir()
	sentinel := filepath.Join(bin, "lvs-ran")
	os.WriteFile(filepath.Join(bin, "lvs"), []byte("#!/bin/sh\ntouch "+sentinel+"\necho 0\n"), 0o755)
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	line := "lvchange --cachemode writethrough vg0/data"
	for _, ag := range agentCatalog() {
		hookAnswer(t, ag, ag.sample(line, "/", "s"))
		if _, err := os.Stat(sentinel); err == nil {
			t.Fatalf("%s: the agent hook ran the lvs first on PATH", ag.name)
		}
	}
	a, _, _ := agentApp(t, nil)
	a.run([]string{"check", "--", line})
	if _, err := os.Stat(sentinel); err != nil {
		t.Fatal("control: guard check did not reach the stand-in lvs, so the test proves nothing")
	}
}

// TestHookReadsKeysAsTheAgentDoes: the agents read their event's keys
// exactly (JavaScript, Python, Rust); encoding/json also takes a key that
// differs only in case, the last one it meets winning. An event with a
// decoy after each real key ("Tool_name": another tool, "Cwd": another
// folder, "Command": a harmless line) once had guard judge the decoys
// while the agent ran the real command.
func TestHookReadsKeysAsTheAgentDoes(t *testing.T) {
	dir, target := sandboxWithLink(t)
	for _, ag := range agentCatalog() {
		real, err := parseJSON(ag.sample("rm -rf data/", dir, "s1"))
		if err != nil {
			t.Fatal(err)
		}
		decoy, _ := parseJSON(ag.sample("true", "/", "s2"))
		addDecoys(real, decoy)
		want := "deny"
		if ag.canAsk(nil) {
			want = "ask"
		}
		got := hookAnswer(t, ag, real.encode(""))
		checkAnswer(t, ag.name+" with decoy keys", got, want, []string{"rm-symlink-slash"})
	}
	if _, err := os.Stat(filepath.Join(target, "sub", "precious.txt")); err != nil {
		t.Fatal("the sentinel is gone")
	}
}

// addDecoys appends to each object of real, after each key, the same key
// with its first letter changed in case, holding decoy's value for it.
func addDecoys(real, decoy *jnode) {
	if real == nil || real.kind != '{' {
		return
	}
	keys := slices.Clone(real.keys)
	for _, key := range keys {
		addDecoys(real.get(key), decoy.get(key))
		other := strings.ToUpper(key[:1]) + key[1:]
		if other == key {
			other = strings.ToLower(key[:1]) + key[1:]
		}
		value := decoy.get(key)
		if value == nil {
			value = jscalar("x")
		}
		real.keys = append(real.keys, other)
		real.vals = append(real.vals, value)
	}
}

// TestHookKnowsTheUsersAliases: an agent that runs commands after the
// user's aliases and functions (Claude Code's shell snapshot) can call
// them by name; refused rm -rf DIR/, it could type the user's alias rmf
// DIR/ or function nuke DIR/, which guard once took for programs that are
// not installed. A definition that shadows a real program is not used.
func TestHookKnowsTheUsersAliases(t *testing.T) {
	dir, target := sandboxWithLink(t)
	rc := "case $- in *i*) ;; *) return;; esac\nalias rmf='rm -rf' ll='ls -l'\nnuke() { rm -rf \"$1\"; }\nls() { echo shadowed; }\n"
	for _, ag := range agentCatalog() {
		for _, c := range []struct{ line, decision string }{
			{"rmf data/", "refused"},
			{"nuke data/", "refused"},
			{"ll data/", "none"},
			{"nuke " + filepath.Join(dir, "scratch"), "none"},
		} {
			a, stdout, stderr := agentApp(t, ag.sample(c.line, dir, "s"))
			home := a.getenv("HOME")
			os.MkdirAll(home, 0o755)
			os.WriteFile(filepath.Join(home, ".bashrc"), []byte(rc), 0o644)
			code := a.agentHook([]string{ag.name})
			got := ag.read(stdout.Bytes(), stderr.Bytes(), code)
			want := c.decision
			if want == "refused" {
				want = "deny"
				if ag.canAsk(nil) {
					want = "ask"
				}
			}
			checkAnswer(t, ag.name+": "+c.line, got, want, nil)
		}
	}
	if _, err := os.Stat(filepath.Join(target, "sub", "precious.txt")); err != nil {
		t.Fatal("the sentinel is gone")
	}
}
