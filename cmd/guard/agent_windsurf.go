package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// windsurfAgent is Windsurf's (Cascade's) pre_run_command hook.
//
// Event: {"agent_action_name": "pre_run_command", "trajectory_id",
// "execution_id", "timestamp", "tool_info": {"command_line", "cwd"}}.
// Answer: exit 2 blocks the command, with the reason on stderr; exit 0
// lets it run. There is no "ask". A hook that fails otherwise does not
// block. User hooks are in ~/.codeium/windsurf/hooks.json.
var windsurfAgent = agent{
	name:  "windsurf",
	title: "Windsurf",
	docs: []string{
		"https://docs.windsurf.com/windsurf/cascade/hooks (hook locations, hooks.json, pre-hooks block with exit code 2)",
		"https://github.com/CorridorSecurity/hookshot/blob/main/docs/reference-cascade.md (pre_run_command input: tool_info.command_line, cwd; trajectory_id)",
	},
	parse:     parseWindsurf,
	toolKey:   []string{"agent_action_name"},
	shellTool: "pre_run_command",
	write:     writeWindsurf,
	read:      readWindsurf,
	canAsk:    func([]string) bool { return false },
	sample: func(line, cwd, session string) []byte {
		return jsonLine(map[string]any{
			"agent_action_name": "pre_run_command", "trajectory_id": session, "execution_id": "guard-doctor",
			"timestamp": "2026-01-01T00:00:00Z", "tool_info": map[string]any{"command_line": line, "cwd": cwd},
		})
	},
	reg: registration{
		path: func(getenv func(string) string) string {
			return filepath.Join(getenv("HOME"), ".codeium", "windsurf", "hooks.json")
		},
		style: flatHooks, event: "pre_run_command", commandKey: "command",
		entry: func(command string, _ installed) *jnode {
			h := jobject()
			h.set("command", jscalar(command))
			h.set("show_output", jscalar(true))
			return h
		},
	},
	onFailure: "runs the command (only exit 2 blocks)",
}

type windsurfEvent struct {
	AgentActionName string                     `json:"agent_action_name"`
	TrajectoryID    string                     `json:"trajectory_id"`
	ToolInfo        map[string]json.RawMessage `json:"tool_info"`
}

func parseWindsurf(data []byte) (agentEvent, error) {
	var ev windsurfEvent
	if err := unmarshalExact(data, &ev); err != nil {
		return agentEvent{}, err
	}
	out := agentEvent{session: ev.TrajectoryID}
	switch ev.AgentActionName {
	case "pre_run_command":
	case "pre_write_code":
		line, _, err := toolLine(windsurfTools, ev.AgentActionName, ev.ToolInfo, "tool_info")
		if err != nil {
			return agentEvent{}, err
		}
		out.shell, out.line = true, line
		return out, nil
	case "":
		return agentEvent{}, errors.New("the event names no agent_action_name")
	default:
		return out, nil
	}
	line, err := shellCommand(ev.ToolInfo["command_line"], "tool_info.command_line")
	if err != nil {
		return agentEvent{}, err
	}
	if out.cwd, err = jsonString(ev.ToolInfo["cwd"], "tool_info.cwd"); err != nil {
		return agentEvent{}, err
	}
	out.shell, out.line = true, line
	return out, nil
}

// windsurfTools: pre_write_code, Cascade's file edit, judged as the write
// it makes when the hook is registered for it.
var windsurfTools = map[string]agentTool{"pre_write_code": {path: "file_path", text: []string{"edits"}}}

func writeWindsurf(_, stderr io.Writer, ans agentAnswer) int {
	if ans.decision == "" {
		return exitOK
	}
	fmt.Fprintln(stderr, ans.reason)
	return 2 // Windsurf blocks a pre-hook that exits 2, with stderr as the reason
}

func readWindsurf(_, stderr []byte, exit int) agentAnswer {
	ans, _ := exitAnswer(stderr, exit) // exit 0 lets the command run
	return ans
}
