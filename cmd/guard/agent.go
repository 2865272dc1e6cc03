package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/audit"
	"github.com/guard-sh/guard/guard/gate"
	"github.com/guard-sh/guard/guard/lazyre"
	"github.com/guard-sh/guard/guard/memory"
)

// agent is one coding agent's pre-command hook, declared like a rule: how
// its event reads, how it wants its answer, what it can say, and how the
// hook is registered in its settings. Each lives in agent_NAME.go with the
// documentation its wire format comes from. The hook only adapts input and
// output: judging, snapshots, asking and the audit trail are the gate's.
type agent struct {
	name  string // guard hook NAME, guard install NAME
	title string // the product, for messages
	// docs are where the event and answer formats were read.
	docs []string
	// parse reads an event. An error means guard cannot tell what would
	// run, and the command is refused.
	parse func(data []byte) (agentEvent, error)
	// toolKey is where the event names its tool (or event), and shellTool
	// the value for a shell command: read from the start of an event too
	// large to parse, so that a big file write is not refused as a command.
	toolKey   []string
	shellTool string
	// write answers in the agent's format and returns the exit status.
	write func(stdout, stderr io.Writer, ans agentAnswer) int
	// read is the inverse of write, for guard doctor and the tests: what an
	// answer means to the agent, given the hook's output and exit status.
	read func(stdout, stderr []byte, exit int) agentAnswer
	// canAsk: the agent can ask its user and honours the answer. flags are
	// the hook's own (guard hook gemini --ask).
	canAsk func(flags []string) bool
	// sample is an event of the agent's shape for a shell line, for doctor.
	sample func(line, cwd, session string) []byte
	// reg registers the hook in the agent's settings.
	reg registration
	// detect, when set, asks the installed agent its version at install
	// time, for what the hook entry can say; it returns a line for the user.
	detect func() (installed, string)
	// onFailure says what the agent does when the hook itself fails (its
	// binary is gone, it crashes, it times out), for guard doctor.
	onFailure string
}

// agentEvent is what guard needs from an agent's event.
type agentEvent struct {
	shell   bool   // a shell command; false: another tool, no opinion
	line    string // the shell code as it will run
	cwd     string // where it runs, "" if the event does not say
	session string // the agent's session (conversation, task) id
}

// agentAnswer is guard's answer in agent-neutral terms.
type agentAnswer struct {
	decision string // "" no opinion (the agent's own rules apply), "ask", "deny"
	reason   string
	failed   string // for read: the hook did not answer (exit 127, a crash)
}

// maxEventBytes bounds what guard reads of an event; a larger one is
// refused (unless it is visibly about another tool).
const maxEventBytes = 1 << 20

// agentCatalog is every agent guard speaks to, in the order listed.
func agentCatalog() []*agent {
	return []*agent{&claudeAgent, &codexAgent, &geminiAgent, &cursorAgent, &copilotAgent, &windsurfAgent, &clineAgent}
}

func lookupAgent(name string) (*agent, bool) {
	for _, ag := range agentCatalog() {
		if ag.name == name {
			return ag, true
		}
	}
	return nil, false
}

func agentNames() []string {
	var names []string
	for _, ag := range agentCatalog() {
		names = append(names, ag.name)
	}
	return names
}

// agentHook answers a coding agent's pre-command hook. Nothing that goes
// wrong lets a command through silently: an event guard cannot read, one
// too large, or guard failing itself is refused (asked, where the agent
// can ask).
func (a *app) agentHook(args []string) (code int) {
	if len(args) == 0 {
		fmt.Fprintf(a.stderr, "guard hook: which agent? %s\n", strings.Join(agentNames(), ", "))
		return exitUsage // exit 2: the agents that read exit codes block on it
	}
	ag, ok := lookupAgent(args[0])
	if !ok {
		fmt.Fprintf(a.stderr, "guard hook: unknown agent %q; guard speaks to %s\n", args[0], strings.Join(agentNames(), ", "))
		return exitUsage
	}
	flags := args[1:]
	for _, f := range flags {
		if f != "--ask" {
			return a.refuseEvent(ag, flags, fmt.Sprintf("guard hook %s was installed with an unknown option %q; reinstall it: guard install %s", ag.name, f, ag.name))
		}
	}
	defer func() {
		if p := recover(); p != nil {
			code = a.refuseEvent(ag, flags, fmt.Sprintf("guard failed while checking this command (%v), so it was not checked; report this with the command", p))
		}
	}()
	data, err := io.ReadAll(io.LimitReader(a.stdin, maxEventBytes+1))
	if err != nil {
		return a.refuseEvent(ag, flags, "guard could not read the hook event ("+err.Error()+")")
	}
	if len(data) > maxEventBytes {
		if tool, ok := peekString(data, ag.toolKey); ok && tool != ag.shellTool {
			return ag.write(a.stdout, a.stderr, agentAnswer{}) // a large file write, say: not a command
		}
		return a.refuseEvent(ag, flags, fmt.Sprintf("the hook event is larger than %d MB, more than guard reads, so the command was not checked", maxEventBytes>>20))
	}
	ev, err := ag.parse(data)
	if err != nil {
		return a.refuseEvent(ag, flags, "guard could not read the hook event ("+err.Error()+"), so the command was not checked")
	}
	if !ev.shell {
		ev = asAnotherAgent(ag, data, ev)
	}
	if !ev.shell || strings.TrimSpace(ev.line) == "" {
		return ag.write(a.stdout, a.stderr, agentAnswer{})
	}
	return ag.write(a.stdout, a.stderr, a.decideForAgent(ag, flags, ev))
}

// asAnotherAgent reads an event that the agent's own format says runs no
// command in the other agents' formats: a hook installed for another agent
// (guard hook gemini in Claude Code's settings), or an agent that borrows
// another's hook files, has its commands judged rather than let by.
func asAnotherAgent(own *agent, data []byte, ev agentEvent) agentEvent {
	for _, other := range agentCatalog() {
		if other == own {
			continue
		}
		if theirs, err := other.parse(data); err == nil && theirs.shell {
			return theirs
		}
	}
	return ev
}

// refuseEvent answers an event guard could not check: ask the agent's
// user where it can, deny otherwise. Never a silent pass.
func (a *app) refuseEvent(ag *agent, flags []string, why string) int {
	if ag.canAsk(flags) {
		return ag.write(a.stdout, a.stderr, agentAnswer{decision: "ask", reason: why + ". Check the command yourself before allowing it."})
	}
	return ag.write(a.stdout, a.stderr, agentAnswer{decision: "deny", reason: why + ". " + stopAndAsk})
}

// stopAndAsk ends every refusal to an agent: it must not look for another
// way to the same effect.
const stopAndAsk = "Do not try to get the same effect another way (a script, another command, an interpreter): stop and ask the user."

// decideForAgent takes the agent's line through the gate. A coding agent
// never gets the operator's ways past (Strict), and what was refused in
// its session stays refused by any route (the refusal memory).
func (a *app) decideForAgent(ag *agent, flags []string, ev agentEvent) agentAnswer {
	dir := ev.cwd
	if dir == "" || !filepath.IsAbs(dir) {
		wd, _ := os.Getwd()
		if dir == "" {
			dir = wd
		} else {
			dir = filepath.Join(wd, dir)
		}
	}
	g := a.newGate(agentAsker{canAsk: ag.canAsk(flags)})
	// An agent can put a program of its own first on PATH before its next
	// command: the one program guard runs while judging comes from the
	// system's folders.
	g.Host = &guard.OSHost{LvsDirs: guard.SystemProgramDirs()}
	g.Report, g.Notice = nil, nil // the answer carries the findings
	g.Audit = func(r audit.Record) {
		if ev.session != "" {
			r.Detail = strings.TrimSpace(r.Detail + " (" + ag.name + " session " + ev.session + ")")
		}
		a.auditRecord(r)
	}
	req := gate.Request{Line: ev.line, Cwd: dir, From: ag.name, Strict: true}
	if filepath.Base(a.getenv("SHELL")) == "zsh" {
		// Agents run their commands in the user's shell: judge zsh as zsh.
		req.Lang = syntax.LangZsh
	}
	req.Definitions = a.agentDefinitions(req.Lang)
	mem := a.refusals()
	recalled := ""
	if mem != nil && ev.session != "" {
		req.Recall = func(v guard.Verdict) string {
			e, ok, err := mem.Recall(ag.name, ev.session, memory.EffectsOf(v, guard.Warn))
			if err != nil {
				fmt.Fprintf(a.stderr, "guard: %v\n", err)
			}
			if ok {
				recalled = alreadyRefused(e)
			}
			return recalled
		}
	}
	out := g.Decide(req)
	findings := findingsText(out.Verdict)
	switch out.Status {
	case gate.Run:
		return agentAnswer{}
	case gate.Asked:
		reason := "guard asks for confirmation. " + findings
		if out.Snapshot != nil {
			reason += fmt.Sprintf(" A snapshot was taken first: guard snapshot restore %s puts it back.", out.Snapshot.ID)
		}
		return agentAnswer{decision: "ask", reason: reason}
	}
	if mem != nil && ev.session != "" {
		if err := mem.Remember(ag.name, ev.session, ev.line, memory.EffectsOf(out.Verdict, guard.Confirm)); err != nil {
			fmt.Fprintf(a.stderr, "guard: remembering the refusal: %v\n", err)
		}
	}
	switch {
	case recalled != "":
		return agentAnswer{decision: "deny", reason: "guard " + recalled + ". Running it another way does not change what it does. " + stopAndAsk + " " + findings}
	case out.Status == gate.Blocked:
		return agentAnswer{decision: "deny", reason: "guard blocked this command. " + findings + " " + stopAndAsk}
	case strings.Contains(out.Reason, errAgentCannotAsk.Error()):
		return agentAnswer{decision: "deny", reason: "guard needs a person to confirm this command, and " + ag.title + " cannot ask for guard. " + findings +
			" Stop and ask the user to run it themselves in a terminal, where guard takes a snapshot and asks: " + gate.Quote(ev.line) + ". " + stopAndAsk}
	default:
		return agentAnswer{decision: "deny", reason: "guard refused this command: " + out.Reason + ". " + findings + " " + stopAndAsk}
	}
}

// alreadyRefused says which earlier refusal in the session a line repeats,
// for the audit trail and the agent.
func alreadyRefused(e memory.Entry) string {
	return fmt.Sprintf("already refused in this session: %s (at %s UTC: %s)", e.Effect, e.Time.UTC().Format("15:04"), gate.Quote(e.Line))
}

// refusals is the memory of what agents were refused, in the state
// folder; nil when there is none (no home): then nothing is remembered.
func (a *app) refusals() *memory.Store {
	dir := a.stateDir()
	if dir == "" {
		return nil
	}
	return &memory.Store{Path: filepath.Join(dir, "agent-refusals.json")}
}

// errAgentCannotAsk: the agent has no way to ask its user, so a line that
// needs confirming is refused there.
var errAgentCannotAsk = errors.New("this agent cannot ask its user")

// agentAsker hands the question to a coding agent, which asks its own user
// where it can.
type agentAsker struct{ canAsk bool }

func (a agentAsker) Ready() error {
	if !a.canAsk {
		return errAgentCannotAsk
	}
	return nil
}

func (agentAsker) Ask(gate.Question) gate.Answer { return gate.Deferred }

func findingsText(v guard.Verdict) string {
	var parts []string
	for _, f := range v.Findings {
		if f.Decision >= guard.Warn {
			part := fmt.Sprintf("[%s] %s: %s.", f.Rule, guard.Shown(f.Command), guard.Shown(f.Message))
			if risk := f.AtRisk.Summary(); risk != "" {
				part += " At risk: " + guard.Shown(risk) + "."
			}
			parts = append(parts, part+" Instead: "+guard.Shown(f.Hint)+".")
		}
	}
	return strings.Join(parts, " ")
}

// peekString finds the string at key path in the start of a JSON object
// that may be cut off: the tool an oversized event is about, when the
// agent writes it before the tool's input, as they all do.
func peekString(data []byte, path []string) (string, bool) {
	if len(path) == 0 {
		return "", false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return "", false
		}
		found := false
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return "", false
			}
			if key == path[0] {
				found = true
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", false
			}
		}
		if !found {
			return "", false
		}
		if path = path[1:]; len(path) == 0 {
			tok, err := dec.Token()
			s, ok := tok.(string)
			return s, err == nil && ok
		}
	}
}

// jsonString reads a field that must be a string when present.
func jsonString(raw json.RawMessage, what string) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s is not a string", what)
	}
	return s, nil
}

// shellCommand reads a shell tool's command: a string, or an argv list
// (quoted back into one line).
func shellCommand(raw json.RawMessage, what string) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", fmt.Errorf("the shell command has no %s", what)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var argv []string
	if err := json.Unmarshal(raw, &argv); err != nil {
		return "", fmt.Errorf("%s is neither a string nor a list of words", what)
	}
	quoted := make([]string, len(argv))
	for i, w := range argv {
		quoted[i] = gate.Quote(w)
	}
	return strings.Join(quoted, " "), nil
}

// encodeJSON writes v as one line, without HTML escaping.
func encodeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// jsonLine is v as encodeJSON writes it, for a sample event or a scalar.
func jsonLine(v any) []byte {
	var b bytes.Buffer
	encodeJSON(&b, v)
	return b.Bytes()
}

// exitAnswer is what a hook's exit status says to an agent that blocks
// on exit 2 with standard error as the reason (Claude Code, Codex,
// Cursor, Gemini CLI, Windsurf); told is false for exit 0, where the
// output says the rest.
func exitAnswer(stderr []byte, exit int) (ans agentAnswer, told bool) {
	switch exit {
	case 0:
		return agentAnswer{}, false
	case 2:
		return agentAnswer{decision: "deny", reason: strings.TrimSpace(string(stderr))}, true
	}
	return hookFailed(exit, stderr), true
}

// hookFailed describes a hook that did not answer: its program missing
// (127 from the shell), not executable (126), or another failure.
func hookFailed(exit int, stderr []byte) agentAnswer {
	msg := strings.TrimSpace(string(stderr))
	switch exit {
	case 127:
		return agentAnswer{failed: "the hook's program cannot be found (exit 127): " + clipText(msg, 200)}
	case 126:
		return agentAnswer{failed: "the hook's program cannot be run (exit 126): " + clipText(msg, 200)}
	}
	return agentAnswer{failed: "the hook failed (exit " + strconv.Itoa(exit) + "): " + clipText(msg, 200)}
}

// clipText shortens what a hook printed to n bytes for a message.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// programVersion asks an agent's program its version (NAME --version,
// which only prints it), bounded in time and output.
func programVersion(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not on PATH", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	cmd.Stdout = &limitedWriter{w: &out, n: 4096}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s --version: %v", path, err)
	}
	v := versionPattern.FindString(out.String())
	if v == "" {
		return "", fmt.Errorf("%s --version printed no version", path)
	}
	return v, nil
}

var versionPattern = lazyre.New(`\d+\.\d+\.\d+`)

// versionAtLeast compares dotted versions numerically; a pre-release of a
// version counts as that version (0.36.0-preview.1 has "ask").
func versionAtLeast(version, min string) bool {
	parse := func(v string) []int {
		v = versionPattern.FindString(v)
		var out []int
		for _, p := range strings.Split(v, ".") {
			n, _ := strconv.Atoi(p)
			out = append(out, n)
		}
		return out
	}
	return slices.Compare(parse(version), parse(min)) >= 0
}

// limitedWriter keeps the first n bytes and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}
