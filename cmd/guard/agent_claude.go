package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// claudeAgent is Claude Code's PreToolUse hook for the Bash tool.
//
// Event (stdin): {"session_id", "transcript_path", "cwd", "permission_mode",
// "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input":
// {"command", "description", "timeout"}, "tool_use_id"}.
// Answer (stdout, exit 0): {"hookSpecificOutput": {"hookEventName":
// "PreToolUse", "permissionDecision": "allow|deny|ask|defer",
// "permissionDecisionReason"}}; nothing leaves Claude Code's own permission
// rules in charge. Exit 2 blocks with stderr as the reason; any other exit,
// a crash or a timeout does not block, unless the handler says
// "onFailure": "block" (Claude Code 2.1.295 and later), which guard sets.
var claudeAgent = agent{
	name:  "claude",
	title: "Claude Code",
	docs: []string{
		"https://code.claude.com/docs/en/hooks (PreToolUse input, hookSpecificOutput.permissionDecision, exit codes)",
		"Claude Code 2.1.295 changelog, onFailure: \"block\" (as quoted in https://dev.to/gabrielanhaia/a-claude-code-hook-that-times-out-lets-the-command-through-make-it-fail-closed-1g5k)",
	},
	parse:     parseClaudeStyle("Bash", claudeTools),
	toolKey:   []string{"tool_name"},
	shellTool: "Bash",
	write:     writeClaudeStyle(true),
	read:      readClaudeStyle,
	canAsk:    func([]string) bool { return true },
	sample:    claudeStyleSample("Bash"),
	reg: registration{
		path: func(getenv func(string) string) string {
			if dir := getenv("CLAUDE_CONFIG_DIR"); filepath.IsAbs(dir) {
				return filepath.Join(dir, "settings.json")
			}
			return filepath.Join(getenv("HOME"), ".claude", "settings.json")
		},
		style: groupedHooks, event: "PreToolUse", matcher: claudeMatcher, commandKey: "command",
		entry: claudeStyleEntry,
	},
	detect: func() (installed, string) {
		// Claude Code rejects a whole settings file with a key it does not
		// know, so onFailure is only written for a version that has it.
		v, err := programVersion("claude")
		switch {
		case err != nil:
			return installed{}, fmt.Sprintf("could not tell the Claude Code version (%v): the hook is installed without \"onFailure\": \"block\", so a failing hook lets the command run; run guard install claude again where claude is on PATH (%s or later) to make it fail closed", err, claudeOnFailureSince)
		case !versionAtLeast(v, claudeOnFailureSince):
			return installed{}, fmt.Sprintf("Claude Code %s has no \"onFailure\" (it came in %s): a failing hook lets the command run there", v, claudeOnFailureSince)
		}
		return installed{failClosed: true}, fmt.Sprintf("Claude Code %s: the hook is installed with \"onFailure\": \"block\", so a failing hook blocks the command", v)
	},
	onFailure: "blocks the command when the hook was installed with \"onFailure\": \"block\" (Claude Code 2.1.295 or later); runs it otherwise",
}

// claudeOnFailureSince is the first Claude Code release with the hook
// handler's "onFailure" field.
const claudeOnFailureSince = "2.1.295"

// claudeStyleEntry is the hook handler Claude Code and Codex read. It
// says "onFailure" only where detect found a Claude Code that knows it.
func claudeStyleEntry(command string, in installed) *jnode {
	h := jobject()
	h.set("type", jscalar("command"))
	h.set("command", jscalar(command))
	h.set("timeout", jscalar(hookTimeout))
	if in.failClosed {
		h.set("onFailure", jscalar("block"))
	}
	return h
}

// claudeEvent is Claude Code's PreToolUse event; Codex sends the same.
type claudeEvent struct {
	SessionID     string                     `json:"session_id"`
	Cwd           string                     `json:"cwd"`
	HookEventName string                     `json:"hook_event_name"`
	ToolName      string                     `json:"tool_name"`
	ToolInput     map[string]json.RawMessage `json:"tool_input"`
}

// claudeTools are Claude Code's file tools, judged as the writes they
// make when the hook is given them (a matcher wider than Bash).
// claudeMatcher sends guard the shell tool, the tools that write files
// (claudeTools) and MCP servers' tools (mcp__SERVER__TOOL), of which
// those given a command are judged (mcpShellLine): a matcher with other
// characters than letters, digits and | is a JavaScript regular
// expression, anchored here.
const claudeMatcher = "^(Bash|Write|Edit|MultiEdit|NotebookEdit|mcp__.*)$"

var claudeTools = map[string]agentTool{
	"Write":        {path: "file_path", text: []string{"content"}},
	"Edit":         {path: "file_path", text: []string{"new_string"}},
	"MultiEdit":    {path: "file_path", text: []string{"edits"}},
	"NotebookEdit": {path: "notebook_path", text: []string{"new_source"}},
}

func parseClaudeStyle(shellTool string, tools map[string]agentTool) func([]byte) (agentEvent, error) {
	return func(data []byte) (agentEvent, error) {
		var ev claudeEvent
		if err := unmarshalExact(data, &ev); err != nil {
			return agentEvent{}, err
		}
		if ev.ToolName == "" {
			return agentEvent{}, errors.New("the event names no tool_name")
		}
		out := agentEvent{session: ev.SessionID, cwd: ev.Cwd}
		if ev.ToolName != shellTool {
			line, known, err := toolLine(tools, ev.ToolName, ev.ToolInput, "tool_input")
			if err != nil {
				return agentEvent{}, err
			}
			out.shell, out.line = known, line
			return out, nil
		}
		line, err := shellCommand(ev.ToolInput["command"], "tool_input.command")
		if err != nil {
			return agentEvent{}, err
		}
		out.shell, out.line = true, line
		return out, nil
	}
}

// claudeOutput is the answer Claude Code and Codex read.
type claudeOutput struct {
	HookSpecificOutput struct {
		HookEventName            string `json:"hookEventName"`
		PermissionDecision       string `json:"permissionDecision"`
		PermissionDecisionReason string `json:"permissionDecisionReason"`
	} `json:"hookSpecificOutput"`
}

// writeClaudeStyle answers Claude Code (canAsk) or Codex (only deny).
func writeClaudeStyle(canAsk bool) func(stdout, stderr io.Writer, ans agentAnswer) int {
	return func(stdout, _ io.Writer, ans agentAnswer) int {
		if ans.decision == "" {
			return exitOK // no decision: the agent's own permission rules apply
		}
		var out claudeOutput
		out.HookSpecificOutput.HookEventName = "PreToolUse"
		out.HookSpecificOutput.PermissionDecision = ans.decision
		if !canAsk {
			out.HookSpecificOutput.PermissionDecision = "deny"
		}
		out.HookSpecificOutput.PermissionDecisionReason = ans.reason
		encodeJSON(stdout, out)
		return exitOK
	}
}

func readClaudeStyle(stdout, stderr []byte, exit int) agentAnswer {
	if ans, told := exitAnswer(stderr, exit); told {
		return ans
	}
	if len(bytes.TrimSpace(stdout)) == 0 {
		return agentAnswer{}
	}
	var out claudeOutput
	if err := json.Unmarshal(stdout, &out); err != nil {
		return agentAnswer{failed: "the hook printed something that is not its answer: " + clipText(string(stdout), 120)}
	}
	d := out.HookSpecificOutput.PermissionDecision
	if d == "allow" {
		d = ""
	}
	return agentAnswer{decision: d, reason: out.HookSpecificOutput.PermissionDecisionReason}
}

func claudeStyleSample(tool string) func(line, cwd, session string) []byte {
	return func(line, cwd, session string) []byte {
		return jsonLine(map[string]any{
			"session_id": session, "transcript_path": filepath.Join(cwd, ".guard-doctor.jsonl"), "cwd": cwd,
			"permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool,
			"tool_input": map[string]any{"command": line, "description": "guard doctor self-test"}, "tool_use_id": "guard-doctor",
		})
	}
}
