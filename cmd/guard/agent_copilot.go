package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// copilotAgent is GitHub Copilot CLI's preToolUse hook.
//
// Event (camelCase, for the preToolUse key): {"sessionId", "timestamp",
// "cwd", "toolName": "bash", "toolArgs"}, toolArgs being the tool's
// arguments as a JSON string (or an object); {"session_id", "cwd",
// "tool_name", "tool_input"} for the PascalCase PreToolUse key is read too.
// Answer (stdout): {"permissionDecision": "allow|deny|ask",
// "permissionDecisionReason"}; empty output keeps Copilot's own rules.
// Hook failures (a non-zero exit, a timeout) are logged and skipped: the
// tool runs. User hooks are *.json files in ~/.copilot/hooks
// ($COPILOT_HOME/hooks); guard writes its own, guard.json.
var copilotAgent = agent{
	name:  "copilot",
	title: "GitHub Copilot CLI",
	docs: []string{
		"https://docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference (config format, preToolUse input, decision control, failures skipped)",
		"https://docs.github.com/en/copilot/reference/hooks-reference (user-level hooks in ~/.copilot/hooks)",
	},
	parse:     parseCopilot,
	toolKey:   []string{"toolName"},
	shellTool: "bash",
	write:     writeCopilot,
	read:      readCopilot,
	canAsk:    func([]string) bool { return true },
	sample: func(line, cwd, session string) []byte {
		args, _ := json.Marshal(map[string]any{"command": line, "description": "guard doctor self-test"})
		return jsonLine(map[string]any{"sessionId": session, "timestamp": 1767225600000, "cwd": cwd, "toolName": "bash", "toolArgs": string(args)})
	},
	reg: registration{
		path: func(getenv func(string) string) string {
			if dir := getenv("COPILOT_HOME"); filepath.IsAbs(dir) {
				return filepath.Join(dir, "hooks", "guard.json")
			}
			return filepath.Join(getenv("HOME"), ".copilot", "hooks", "guard.json")
		},
		style: flatHooks, event: "preToolUse", commandKey: "bash",
		entry: func(command string, _ installed) *jnode {
			h := jobject()
			h.set("type", jscalar("command"))
			h.set("bash", jscalar(command))
			h.set("timeoutSec", jscalar(hookTimeout))
			return h
		},
		header:  func(root *jnode) { root.set("version", jscalar(1)) },
		ownFile: true,
	},
	onFailure: "runs the command (Copilot logs and skips failing hooks)",
}

type copilotEvent struct {
	SessionID  string          `json:"sessionId"`
	Cwd        string          `json:"cwd"`
	ToolName   string          `json:"toolName"`
	ToolArgs   json.RawMessage `json:"toolArgs"`
	SessionID2 string          `json:"session_id"`
	ToolName2  string          `json:"tool_name"`
	ToolInput  json.RawMessage `json:"tool_input"`
}

func parseCopilot(data []byte) (agentEvent, error) {
	var ev copilotEvent
	if err := unmarshalExact(data, &ev); err != nil {
		return agentEvent{}, err
	}
	tool, args, session := ev.ToolName, ev.ToolArgs, ev.SessionID
	if tool == "" {
		tool, args, session = ev.ToolName2, ev.ToolInput, ev.SessionID2
	}
	if tool == "" {
		return agentEvent{}, errors.New("the event names no toolName")
	}
	out := agentEvent{session: session, cwd: ev.Cwd}
	_, other := copilotTools[tool]
	shell := tool == "bash" || tool == "run_in_terminal"
	// toolArgs is documented as a JSON string holding the arguments.
	var text string
	if json.Unmarshal(args, &text) == nil {
		args = json.RawMessage(text)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(args, &fields); err != nil {
		if !shell && !other {
			return out, nil // another tool, whose arguments are its own
		}
		return agentEvent{}, fmt.Errorf("toolArgs is not an object of arguments: %v", err)
	}
	if !shell {
		// a tool of its own (a file write), or one guard does not know
		// that carries a command (an MCP server's)
		line, known, err := toolLine(copilotTools, tool, fields, "toolArgs")
		if !known {
			return out, nil
		}
		if err != nil {
			return agentEvent{}, err
		}
		out.shell, out.line = true, line
		return out, nil
	}
	line, err := shellCommand(fields["command"], "toolArgs.command")
	if err != nil {
		return agentEvent{}, err
	}
	out.shell, out.line = true, line
	return out, nil
}

// copilotTools are the Copilot CLI tools besides bash that its hook sees
// (it sees every tool): write_bash types its input into a running bash
// session, create and edit write files, powershell runs code guard cannot
// read. run_in_terminal, VS Code's agent's shell tool, reads like bash:
// VS Code runs the hooks of .github/hooks/*.json too.
var copilotTools = map[string]agentTool{
	"write_bash": {code: "input"},
	"create":     {path: "path", text: []string{"file_text"}},
	"edit":       {path: "path", text: []string{"new_str"}},
	"powershell": {opaque: "runs PowerShell, which guard cannot judge"},
}

func writeCopilot(stdout, _ io.Writer, ans agentAnswer) int {
	if ans.decision == "" {
		return exitOK // empty output: Copilot's own permission rules apply
	}
	encodeJSON(stdout, map[string]string{"permissionDecision": ans.decision, "permissionDecisionReason": ans.reason})
	return exitOK
}

func readCopilot(stdout, stderr []byte, exit int) agentAnswer {
	if exit != 0 {
		return hookFailed(exit, stderr)
	}
	if len(bytes.TrimSpace(stdout)) == 0 {
		return agentAnswer{}
	}
	var out struct{ PermissionDecision, PermissionDecisionReason string }
	if err := json.Unmarshal(stdout, &out); err != nil {
		return agentAnswer{failed: "the hook printed something that is not its answer: " + clipText(string(stdout), 120)}
	}
	if out.PermissionDecision == "allow" {
		return agentAnswer{}
	}
	return agentAnswer{decision: out.PermissionDecision, reason: out.PermissionDecisionReason}
}
