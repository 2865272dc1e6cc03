package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/gate"
)

// agentEvent is the part of a coding agent's pre-tool event guard reads
// (Claude Code's PreToolUse and Gemini CLI's BeforeTool share it).
type agentEvent struct {
	HookEventName string `json:"hook_event_name"`
	ToolName      string `json:"tool_name"`
	Cwd           string `json:"cwd"`
	ToolInput     struct {
		Command   string `json:"command"`
		Directory string `json:"directory"` // Gemini's run_shell_command
	} `json:"tool_input"`
}

// agent describes one coding agent's hook protocol and settings file.
type agent struct {
	name      string
	shellTool string // the tool name of shell commands
	event     string // the settings key of the pre-tool event
	settings  string // relative to $HOME
	canAsk    bool   // whether the agent can ask its user
}

var agents = map[string]agent{
	"claude": {name: "claude", shellTool: "Bash", event: "PreToolUse", settings: ".claude/settings.json", canAsk: true},
	"gemini": {name: "gemini", shellTool: "run_shell_command", event: "BeforeTool", settings: ".gemini/settings.json"},
}

type claudeOutput struct {
	HookSpecificOutput struct {
		HookEventName            string `json:"hookEventName"`
		PermissionDecision       string `json:"permissionDecision"`
		PermissionDecisionReason string `json:"permissionDecisionReason"`
	} `json:"hookSpecificOutput"`
}

// agentHook answers a coding agent's pre-tool hook. An agent cannot answer
// a terminal prompt, so confirm becomes "ask" (the agent asks its user)
// after the snapshot is taken, block becomes "deny", and allow or warn
// give no decision, leaving the agent's own permission rules in charge.
func (a *app) agentHook(args []string) int {
	ag, ok := agents[firstArg(args)]
	if len(args) != 1 || !ok {
		fmt.Fprintln(a.stderr, "guard hook: the supported agents are claude and gemini (guard hook claude)")
		return exitUsage
	}
	data, err := io.ReadAll(io.LimitReader(a.stdin, 8<<20))
	var ev agentEvent
	if err == nil {
		err = json.Unmarshal(data, &ev)
	}
	if err != nil {
		// Never let an unreadable event through silently, never wedge the
		// agent: ask its user.
		return a.agentAnswer(ag, "ask", "guard could not read the hook event ("+err.Error()+"); check the command yourself")
	}
	if ev.ToolName != ag.shellTool || strings.TrimSpace(ev.ToolInput.Command) == "" {
		return a.agentAnswer(ag, "", "")
	}
	dir := ev.Cwd
	if dir == "" {
		dir, _ = os.Getwd()
	}
	if d := ev.ToolInput.Directory; d != "" {
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		dir = d
	}
	g := a.newGate(agentAsker{canAsk: ag.canAsk})
	g.Report, g.Notice = nil, nil // the answer carries the findings
	out := g.Decide(gate.Request{Line: ev.ToolInput.Command, Cwd: dir, From: ag.name})
	reason := findingsText(out.Verdict)
	switch out.Status {
	case gate.Blocked:
		return a.agentAnswer(ag, "deny", "guard blocked this command. "+reason)
	case gate.Refused:
		if strings.Contains(out.Reason, errAgentCannotAsk.Error()) {
			return a.agentAnswer(ag, "deny", "guard needs a person to confirm this: "+out.Reason+". "+reason)
		}
		return a.agentAnswer(ag, "deny", "guard refused this command: "+out.Reason+". "+reason)
	case gate.Asked:
		if out.Snapshot != nil {
			reason += fmt.Sprintf(" A snapshot was taken first: guard snapshot restore %s puts it back.", out.Snapshot.ID)
		}
		return a.agentAnswer(ag, "ask", "guard asks for confirmation. "+reason)
	}
	return a.agentAnswer(ag, "", "")
}

// errAgentCannotAsk: the agent has no way to ask its user, so a line that
// needs confirming is refused there.
var errAgentCannotAsk = errors.New("this agent cannot ask its user; stop and ask the user to run it in a terminal, where guard takes a snapshot and asks")

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

func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// agentAnswer writes the agent's own answer format. An empty decision
// leaves the agent's permission rules in charge. An agent that cannot ask
// is denied instead.
func (a *app) agentAnswer(ag agent, decision, reason string) int {
	enc := json.NewEncoder(a.stdout)
	enc.SetEscapeHTML(false)
	if !ag.canAsk {
		switch decision {
		case "":
			fmt.Fprintln(a.stdout, "{}") // Gemini CLI wants JSON on stdout, even empty
		default:
			_ = enc.Encode(map[string]string{"decision": "deny", "reason": reason})
		}
		return exitOK
	}
	if decision == "" {
		return exitOK
	}
	var out claudeOutput
	out.HookSpecificOutput.HookEventName = "PreToolUse"
	out.HookSpecificOutput.PermissionDecision = decision
	out.HookSpecificOutput.PermissionDecisionReason = reason
	_ = enc.Encode(out)
	return exitOK
}

func findingsText(v guard.Verdict) string {
	var parts []string
	for _, f := range v.Findings {
		if f.Decision >= guard.Warn {
			parts = append(parts, fmt.Sprintf("[%s] %s: %s. Instead: %s.", f.Rule, f.Command, f.Message, f.Hint))
		}
	}
	return strings.Join(parts, " ")
}

func ruleIDs(v guard.Verdict, at guard.Decision) []string {
	var ids []string
	for _, f := range v.Findings {
		if f.Decision >= at {
			ids = append(ids, f.Rule)
		}
	}
	return ids
}

// installAgent registers (or with --remove, unregisters) guard's hook in
// the agent's settings file, idempotently, keeping a backup of the file.
func (a *app) installAgent(args []string) int {
	var o installOptions
	fs := installFlags(&o)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return a.flagError("install", err)
	}
	ag, ok := agents[fs.Arg(0)]
	if fs.NArg() != 1 || !ok {
		fmt.Fprintln(a.stderr, "guard install: the supported agents are claude and gemini (guard install claude)")
		return exitUsage
	}
	path := o.settings
	if path == "" {
		path = filepath.Join(a.getenv("HOME"), ag.settings)
	}
	self, err := os.Executable()
	if err != nil {
		self = "guard"
	}
	changed, err := editAgentSettings(path, ag, gate.Quote(self)+" hook "+ag.name, o.remove)
	if err != nil {
		fmt.Fprintf(a.stderr, "guard install %s: %v\n", ag.name, err)
		return 1
	}
	switch {
	case !changed && o.remove:
		fmt.Fprintf(a.stdout, "guard's hook is not in %s: nothing to remove\n", path)
	case !changed:
		fmt.Fprintf(a.stdout, "guard's hook is already in %s\n", path)
	case o.remove:
		fmt.Fprintf(a.stdout, "removed guard's hook from %s\n", path)
	default:
		fmt.Fprintf(a.stdout, "added guard's %s hook for %s to %s\n", ag.event, ag.shellTool, path)
	}
	return exitOK
}

type installOptions struct {
	settings string
	remove   bool
}

func installFlags(o *installOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.StringVar(&o.settings, "settings", "", "the settings `FILE` (default ~/.claude/settings.json)")
	fs.BoolVar(&o.remove, "remove", false, "remove guard's hook instead")
	return fs
}

// guardHookMark ends the command of guard's entry in an agent's settings.
const guardHookMark = " hook "

// editAgentSettings adds or removes guard's entry under hooks.EVENT,
// leaving every other setting as it was. A file that is not valid JSON is
// not touched.
func editAgentSettings(path string, ag agent, command string, remove bool) (bool, error) {
	settings := map[string]any{}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		data = nil
	case err != nil:
		return false, err
	default:
		if err := json.Unmarshal(data, &settings); err != nil {
			return false, fmt.Errorf("%s is not valid JSON (%v); fix it first, guard did not change it", path, err)
		}
	}
	hooks, _ := settings["hooks"].(map[string]any)
	if hooks == nil {
		hooks = map[string]any{}
	}
	pre, _ := hooks[ag.event].([]any)
	isGuard := func(entry any) bool {
		m, _ := entry.(map[string]any)
		list, _ := m["hooks"].([]any)
		for _, h := range list {
			hm, _ := h.(map[string]any)
			if c, _ := hm["command"].(string); strings.HasSuffix(c, guardHookMark+ag.name) {
				return true
			}
		}
		return false
	}
	var kept []any
	found := false
	for _, entry := range pre {
		if isGuard(entry) {
			found = true
			if remove {
				continue
			}
		}
		kept = append(kept, entry)
	}
	if remove && !found || !remove && found {
		return false, nil
	}
	if !remove {
		kept = append(kept, map[string]any{
			"matcher": ag.shellTool,
			"hooks":   []any{map[string]any{"type": "command", "command": command, "timeout": 30}},
		})
	}
	if len(kept) == 0 {
		delete(hooks, ag.event)
	} else {
		hooks[ag.event] = kept
	}
	if len(hooks) == 0 {
		delete(settings, "hooks")
	} else {
		settings["hooks"] = hooks
	}
	out, err := json.MarshalIndent(settings, "", "  ")
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	if data != nil {
		backup := fmt.Sprintf("%s.guard-backup-%s", path, time.Now().UTC().Format("20060102-150405"))
		if err := os.WriteFile(backup, data, 0o600); err != nil {
			return false, fmt.Errorf("keeping a backup of %s: %w", path, err)
		}
	}
	tmp := path + ".guard-tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), 0o600); err != nil {
		return false, err
	}
	return true, os.Rename(tmp, path)
}
