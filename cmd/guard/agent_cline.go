package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// clineAgent is Cline's PreToolUse hook: an executable file named
// PreToolUse in the global hooks folder, ~/Documents/Cline/Hooks.
//
// Event: {"clineVersion", "hookName": "PreToolUse", "timestamp", "taskId",
// "workspaceRoots", "userId", "preToolUse": {"toolName": "execute_command",
// "parameters": {"command", "requires_approval"}}}, for every tool.
// Answer (the last JSON on stdout): {"cancel": true, "errorMessage"} blocks,
// {"cancel": false} lets it go. A hook that exits non-zero, prints invalid
// JSON or times out blocks the tool: Cline fails closed by itself.
var clineAgent = agent{
	name:  "cline",
	title: "Cline",
	docs: []string{
		"https://docs.cline.bot/features/hooks/hook-reference (PreToolUse input, cancel/errorMessage output, error handling)",
		"https://docs.cline.bot/customization/hooks (global hooks in ~/Documents/Cline/Hooks/, executable files)",
	},
	parse:     parseCline,
	toolKey:   []string{"preToolUse", "toolName"},
	shellTool: "execute_command",
	write:     writeCline,
	read:      readCline,
	canAsk:    func([]string) bool { return false },
	sample: func(line, cwd, session string) []byte {
		return jsonLine(map[string]any{
			"clineVersion": "3.0.0", "hookName": "PreToolUse", "timestamp": "1767225600000", "taskId": session,
			"workspaceRoots": []string{cwd}, "userId": "guard-doctor",
			"preToolUse": map[string]any{"toolName": "execute_command", "parameters": map[string]any{"command": line, "requires_approval": "false"}},
		})
	},
	reg: registration{
		path: func(getenv func(string) string) string {
			return filepath.Join(getenv("HOME"), "Documents", "Cline", "Hooks", "PreToolUse")
		},
		style: hookScript, event: "PreToolUse",
	},
	onFailure: "blocks the tool (Cline cancels on a non-zero exit, invalid output or a timeout)",
}

type clineEvent struct {
	TaskID         string   `json:"taskId"`
	WorkspaceRoots []string `json:"workspaceRoots"`
	PreToolUse     *struct {
		ToolName   string                     `json:"toolName"`
		Parameters map[string]json.RawMessage `json:"parameters"`
	} `json:"preToolUse"`
}

func parseCline(data []byte) (agentEvent, error) {
	var ev clineEvent
	if err := unmarshalExact(data, &ev); err != nil {
		return agentEvent{}, err
	}
	if ev.PreToolUse == nil || ev.PreToolUse.ToolName == "" {
		return agentEvent{}, errors.New("the event has no preToolUse.toolName")
	}
	out := agentEvent{session: ev.TaskID}
	if ev.PreToolUse.ToolName != "execute_command" {
		line, known, err := toolLine(clineTools, ev.PreToolUse.ToolName, ev.PreToolUse.Parameters, "preToolUse.parameters")
		if err != nil {
			return agentEvent{}, err
		}
		if len(ev.WorkspaceRoots) > 0 {
			out.cwd = ev.WorkspaceRoots[0] // a relative path is the workspace's
		}
		out.shell, out.line = known, line
		return out, nil
	}
	line, err := shellCommand(ev.PreToolUse.Parameters["command"], "preToolUse.parameters.command")
	if err != nil {
		return agentEvent{}, err
	}
	if out.cwd, err = jsonString(ev.PreToolUse.Parameters["cwd"], "preToolUse.parameters.cwd"); err != nil {
		return agentEvent{}, err
	}
	if out.cwd == "" && len(ev.WorkspaceRoots) > 0 {
		out.cwd = ev.WorkspaceRoots[0] // Cline runs commands in the workspace
	}
	out.shell, out.line = true, line
	return out, nil
}

// clineTools are Cline's file tools (its hook sees every tool), judged as
// the writes they make; replace_in_file's diff holds the new text.
var clineTools = map[string]agentTool{
	"write_to_file":   {path: "path", text: []string{"content"}},
	"replace_in_file": {path: "path", text: []string{"diff"}},
}

func writeCline(stdout, _ io.Writer, ans agentAnswer) int {
	if ans.decision == "" {
		encodeJSON(stdout, map[string]any{"cancel": false})
		return exitOK
	}
	encodeJSON(stdout, map[string]any{"cancel": true, "errorMessage": ans.reason})
	return exitOK
}

func readCline(stdout, stderr []byte, exit int) agentAnswer {
	if exit != 0 {
		return hookFailed(exit, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(stdout)), "\n")
	var out struct {
		Cancel       *bool  `json:"cancel"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil || out.Cancel == nil {
		return agentAnswer{failed: "the hook printed no answer: " + clipText(string(stdout), 120)}
	}
	if !*out.Cancel {
		return agentAnswer{}
	}
	return agentAnswer{decision: "deny", reason: out.ErrorMessage}
}

// clineScriptMark is the line that makes the hook file guard's own.
const clineScriptMark = "# guard's hook: installed by guard install cline, removed by guard install cline --remove"

// applyScript installs guard's hook script, or removes it. A PreToolUse
// file that is not guard's is someone else's hook and is left alone.
func (reg registration) applyScript(res applied, name, command string, remove bool) (applied, error) {
	path := res.path
	data, err := guard.ReadRegular(path, 64<<10)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		data = nil
	case err != nil:
		return res, fmt.Errorf("reading %s: %w", path, err)
	}
	current, ours := scriptCommand(data, name)
	if data != nil && !ours {
		return res, fmt.Errorf("%s is another PreToolUse hook, not guard's; guard did not change it. Run guard from it: pipe the event to %s and print its answer", path, command)
	}
	if ours {
		res.previous = []string{current}
	}
	if remove {
		if !ours {
			return res, nil
		}
		res.changed = true
		return res, os.Remove(path)
	}
	want := []byte("#!/bin/sh\n" + clineScriptMark + "\nexec " + command + "\n")
	if bytes.Equal(data, want) {
		return res, nil
	}
	res.changed = true
	return res, writeAtomic(path, want, 0o755, nil)
}

// scriptCommand finds guard's command in a hook script it wrote.
func scriptCommand(data []byte, name string) (string, bool) {
	if !bytes.Contains(data, []byte(clineScriptMark)) {
		return "", false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if c, ok := strings.CutPrefix(line, "exec "); ok && isGuardHook(c, name) {
			return c, true
		}
	}
	return "", false
}
