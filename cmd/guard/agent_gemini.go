package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
)

// geminiAgent is Gemini CLI's BeforeTool hook for run_shell_command.
//
// Event: {"session_id", "transcript_path", "cwd", "hook_event_name":
// "BeforeTool", "timestamp", "tool_name": "run_shell_command",
// "tool_input": {"command", "description", "dir_path"}}; dir_path (the
// folder the command runs in, relative to the project root) was called
// "directory" before late 2025. Answer (stdout, exit 0): {} for no
// opinion, {"decision": "deny", "reason"}, and since 0.36.0
// {"decision": "ask"}, which makes Gemini ask its user. Exit 2 blocks with
// stderr as the reason; another exit or a timeout only warns, and the
// command runs. The hook timeout is in milliseconds (default 60000).
var geminiAgent = agent{
	name:  "gemini",
	title: "Gemini CLI",
	docs: []string{
		"https://geminicli.com/docs/hooks/reference (base input, BeforeTool, decision, exit codes, timeout in milliseconds)",
		"google-gemini/gemini-cli packages/core/src/tools/definitions/base-declarations.ts and dynamic-declaration-helpers.ts (run_shell_command's dir_path)",
		"https://github.com/google-gemini/gemini-cli/pull/21146 (decision \"ask\" for BeforeTool, released in 0.36.0)",
	},
	parse:     parseGemini,
	toolKey:   []string{"tool_name"},
	shellTool: "run_shell_command",
	write:     writeGemini,
	read:      readGemini,
	canAsk:    func(flags []string) bool { return slices.Contains(flags, "--ask") },
	sample: func(line, cwd, session string) []byte {
		return jsonLine(map[string]any{
			"session_id": session, "transcript_path": filepath.Join(cwd, ".guard-doctor.json"), "cwd": cwd,
			"hook_event_name": "BeforeTool", "timestamp": "2026-01-01T00:00:00Z", "tool_name": "run_shell_command",
			"tool_input": map[string]any{"command": line, "description": "guard doctor self-test", "dir_path": cwd},
		})
	},
	reg: registration{
		path: func(getenv func(string) string) string {
			return filepath.Join(getenv("HOME"), ".gemini", "settings.json")
		},
		style: groupedHooks, event: "BeforeTool", matcher: geminiMatcher, commandKey: "command",
		entry: func(command string, _ installed) *jnode {
			h := jobject()
			h.set("name", jscalar("guard"))
			h.set("type", jscalar("command"))
			h.set("command", jscalar(command))
			// Milliseconds. A hook that times out does not block in Gemini
			// CLI, so this is generous: a snapshot before a question may
			// take a while on a large tree.
			h.set("timeout", jscalar(hookTimeout*1000))
			return h
		},
	},
	detect: func() (installed, string) {
		v, err := programVersion("gemini")
		switch {
		case err != nil:
			return installed{}, fmt.Sprintf("could not tell the Gemini CLI version (%v): confirms are denied there with the advice to run the line in a terminal; run guard install gemini again after installing Gemini CLI %s or later to have them asked", err, geminiAskSince)
		case !versionAtLeast(v, geminiAskSince):
			return installed{}, fmt.Sprintf("Gemini CLI %s cannot ask (\"ask\" came in %s): confirms are denied with the advice to run the line in a terminal", v, geminiAskSince)
		}
		return installed{hookFlags: []string{"--ask"}}, fmt.Sprintf("Gemini CLI %s can ask: confirms are asked there, after the snapshot", v)
	},
	onFailure: "runs the command with a warning (only exit 2 blocks; Gemini CLI has no fail-closed setting)",
}

// geminiAskSince is the first Gemini CLI release that honours "ask".
const geminiAskSince = "0.36.0"

// geminiTools are Gemini CLI's file tools, judged as the writes they make
// when the hook is given them (a matcher wider than run_shell_command).
// geminiMatcher sends guard the shell tool and the tools that write files
// (geminiTools); BeforeTool's matcher is a regular expression, anchored so
// that another tool whose name holds replace is not sent.
const geminiMatcher = "^(run_shell_command|write_file|replace)$"

var geminiTools = map[string]agentTool{
	"write_file": {path: "file_path", text: []string{"content"}},
	"replace":    {path: "file_path", text: []string{"new_string"}},
}

type geminiEvent struct {
	SessionID string                     `json:"session_id"`
	Cwd       string                     `json:"cwd"`
	ToolName  string                     `json:"tool_name"`
	ToolInput map[string]json.RawMessage `json:"tool_input"`
}

func parseGemini(data []byte) (agentEvent, error) {
	var ev geminiEvent
	if err := unmarshalExact(data, &ev); err != nil {
		return agentEvent{}, err
	}
	if ev.ToolName == "" {
		return agentEvent{}, errors.New("the event names no tool_name")
	}
	out := agentEvent{session: ev.SessionID, cwd: ev.Cwd}
	if ev.ToolName != "run_shell_command" {
		line, known, err := toolLine(geminiTools, ev.ToolName, ev.ToolInput, "tool_input")
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
	for _, key := range []string{"dir_path", "directory"} {
		dir, err := jsonString(ev.ToolInput[key], "tool_input."+key)
		if err != nil {
			return agentEvent{}, err
		}
		if dir == "" {
			continue
		}
		if !filepath.IsAbs(dir) {
			if ev.Cwd == "" {
				return agentEvent{}, fmt.Errorf("tool_input.%s %q is relative and the event has no cwd", key, dir)
			}
			dir = filepath.Join(ev.Cwd, dir)
		}
		out.cwd = dir
		break
	}
	return out, nil
}

func writeGemini(stdout, _ io.Writer, ans agentAnswer) int {
	switch ans.decision {
	case "":
		fmt.Fprintln(stdout, "{}") // Gemini CLI parses stdout as JSON, even for no opinion
	case "ask":
		encodeJSON(stdout, map[string]string{"decision": "ask", "reason": ans.reason, "systemMessage": ans.reason})
	default:
		encodeJSON(stdout, map[string]string{"decision": "deny", "reason": ans.reason})
	}
	return exitOK
}

func readGemini(stdout, stderr []byte, exit int) agentAnswer {
	if ans, told := exitAnswer(stderr, exit); told {
		return ans
	}
	var out struct{ Decision, Reason string }
	if err := json.Unmarshal(stdout, &out); err != nil {
		return agentAnswer{failed: "the hook printed something that is not its answer: " + clipText(string(stdout), 120)}
	}
	switch out.Decision {
	case "deny", "block":
		return agentAnswer{decision: "deny", reason: out.Reason}
	case "ask":
		return agentAnswer{decision: "ask", reason: out.Reason}
	}
	return agentAnswer{}
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
