package main

import (
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
)

// cursorAgent is Cursor's beforeShellExecution hook.
//
// Event: {"hook_event_name": "beforeShellExecution", "conversation_id",
// "generation_id", "workspace_roots", "command", "cwd"} (and model,
// cursor_version, user_email). Answer (stdout): {"permission":
// "allow|deny|ask", "user_message", "agent_message"}; a hook answer
// without "permission" is refused. Exit 2 denies. A hook that fails lets
// the command run unless its entry says "failClosed": true, which guard
// sets. Cursor's "ask" is not honoured in its Auto-review mode (the
// command runs unasked, reported for 3.21.16), so guard does not rely on
// it: a line that needs confirming is denied with the advice to run it in
// a terminal. guard's "allow" is no approval of its own: Cursor's
// allowlist and approval settings still apply to commands guard lets by.
var cursorAgent = agent{
	name:  "cursor",
	title: "Cursor",
	docs: []string{
		"https://cursor.com/docs/agent/hooks (hooks.json version 1, beforeShellExecution input and output, failClosed, exit 2)",
		"https://cupcake.eqtylab.io/reference/harnesses/cursor (the same fields, with samples)",
		"Cursor forum topic 173694: beforeShellExecution \"ask\" ignored in Auto-review mode (3.21.16), via https://dev.to/labyrinthlab/your-cursor-hook-says-ask-in-auto-review-the-command-may-just-run-36b9",
	},
	parse:     parseCursor,
	toolKey:   []string{"hook_event_name"},
	shellTool: "beforeShellExecution",
	write:     writeCursor,
	read:      readCursor,
	canAsk:    func([]string) bool { return false },
	sample: func(line, cwd, session string) []byte {
		return jsonLine(map[string]any{
			"hook_event_name": "beforeShellExecution", "conversation_id": session, "generation_id": "guard-doctor",
			"workspace_roots": []string{cwd}, "command": line, "cwd": cwd,
		})
	},
	reg: registration{
		path: func(getenv func(string) string) string {
			return filepath.Join(getenv("HOME"), ".cursor", "hooks.json")
		},
		style: flatHooks, event: "beforeShellExecution", commandKey: "command",
		entry: func(command string, _ installed) *jnode {
			h := jobject()
			h.set("command", jscalar(command))
			h.set("timeout", jscalar(hookTimeout))
			h.set("failClosed", jscalar(true))
			return h
		},
		header: func(root *jnode) { root.set("version", jscalar(1)) },
	},
	onFailure: "blocks the command: guard installs the hook with \"failClosed\": true",
}

type cursorEvent struct {
	HookEventName  string          `json:"hook_event_name"`
	ConversationID string          `json:"conversation_id"`
	Command        json.RawMessage `json:"command"`
	Cwd            string          `json:"cwd"`
	WorkspaceRoots []string        `json:"workspace_roots"`
}

func parseCursor(data []byte) (agentEvent, error) {
	var ev cursorEvent
	if err := unmarshalExact(data, &ev); err != nil {
		return agentEvent{}, err
	}
	out := agentEvent{session: ev.ConversationID, cwd: ev.Cwd}
	switch ev.HookEventName {
	case "beforeShellExecution":
	case "":
		return agentEvent{}, errors.New("the event names no hook_event_name")
	default:
		return out, nil
	}
	line, err := shellCommand(ev.Command, "command")
	if err != nil {
		return agentEvent{}, err
	}
	out.shell, out.line = true, line
	if out.cwd == "" && len(ev.WorkspaceRoots) > 0 {
		out.cwd = ev.WorkspaceRoots[0]
	}
	return out, nil
}

func writeCursor(stdout, _ io.Writer, ans agentAnswer) int {
	if ans.decision == "" {
		// Cursor refuses an answer without "permission"; allow defers to
		// its own approval settings.
		encodeJSON(stdout, map[string]string{"permission": "allow"})
		return exitOK
	}
	encodeJSON(stdout, map[string]string{"permission": "deny", "user_message": ans.reason, "agent_message": ans.reason})
	return exitOK
}

func readCursor(stdout, stderr []byte, exit int) agentAnswer {
	if ans, told := exitAnswer(stderr, exit); told {
		return ans
	}
	var out struct {
		Permission   string `json:"permission"`
		AgentMessage string `json:"agent_message"`
	}
	if err := json.Unmarshal(stdout, &out); err != nil || out.Permission == "" {
		return agentAnswer{failed: "the hook printed no permission: " + clipText(string(stdout), 120)}
	}
	if out.Permission == "allow" {
		return agentAnswer{}
	}
	return agentAnswer{decision: out.Permission, reason: out.AgentMessage}
}
