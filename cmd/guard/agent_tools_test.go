package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"testing"
)

// TestHookJudgesEveryToolThatActs: an agent refused a shell line can reach
// the same effect with another of its tools (a file write into
// /etc/cron.d, text typed into a running shell session) or through a hook
// installed for another agent. Each such event is judged as the shell
// line with its effect; the look-alikes next to them (a file in the
// project, an answer typed to a prompt, a tool that only reads) pass.
func TestHookJudgesEveryToolThatActs(t *testing.T) {
	proj := t.TempDir()
	cron := "* * * * * root rm -rf /usr\n"
	copilot := func(tool string, args map[string]any) []byte {
		text, _ := json.Marshal(args)
		return jsonLine(map[string]any{"sessionId": "", "timestamp": 1767225600000, "cwd": proj, "toolName": tool, "toolArgs": string(text)})
	}
	claudeTool := func(tool string, input map[string]any) []byte {
		return jsonLine(map[string]any{"session_id": "", "cwd": proj, "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": input})
	}
	cline := func(tool string, params map[string]any) []byte {
		return jsonLine(map[string]any{"taskId": "", "workspaceRoots": []string{proj}, "hookName": "PreToolUse",
			"preToolUse": map[string]any{"toolName": tool, "parameters": params}})
	}
	for _, c := range []struct {
		agent, what string
		event       []byte
		refused     bool
		reason      string // a regexp the reason must match
	}{
		{"copilot", "write_bash types a command into the session", copilot("write_bash", map[string]any{"sessionId": "main", "input": "rm -rf /usr\n"}), true, "/usr"},
		{"copilot", "write_bash with {enter}", copilot("write_bash", map[string]any{"sessionId": "main", "input": "cd / && rm -rf usr{enter}"}), true, "/usr"},
		{"copilot", "write_bash answering a prompt", copilot("write_bash", map[string]any{"sessionId": "main", "input": "y\n"}), false, ""},
		{"copilot", "create a crontab entry", copilot("create", map[string]any{"path": "/etc/cron.d/cleanup", "file_text": cron}), true, "scheduled-code"},
		{"copilot", "edit /etc/passwd", copilot("edit", map[string]any{"path": "/etc/passwd", "old_str": "x", "new_str": "y"}), true, "/etc/passwd"},
		{"copilot", "create a file in the project", copilot("create", map[string]any{"path": filepath.Join(proj, "app.py"), "file_text": "import shutil\n"}), false, ""},
		{"copilot", "view reads only", copilot("view", map[string]any{"path": "/etc/passwd"}), false, ""},
		{"copilot", "powershell cannot be judged", copilot("powershell", map[string]any{"command": "Remove-Item -Recurse /usr"}), true, "PowerShell"},
		{"copilot", "VS Code's run_in_terminal", jsonLine(map[string]any{"hook_event_name": "PreToolUse", "session_id": "", "cwd": "/", "tool_name": "run_in_terminal", "tool_input": map[string]any{"command": "rm -rf usr"}}), true, "/usr"},
		{"cline", "write_to_file /etc/passwd", cline("write_to_file", map[string]any{"path": "/etc/passwd", "content": "root::0:0::/root:/bin/sh\n"}), true, "/etc/passwd"},
		{"cline", "replace_in_file into /etc/cron.d", cline("replace_in_file", map[string]any{"path": "/etc/cron.d/job", "diff": "------- SEARCH\n=======\n" + cron + "+++++++ REPLACE\n"}), true, "scheduled-code"},
		{"cline", "write_to_file in the workspace", cline("write_to_file", map[string]any{"path": "src/main.ts", "content": "export {}\n"}), false, ""},
		{"cline", "read_file reads only", cline("read_file", map[string]any{"path": "/etc/shadow"}), false, ""},
		{"claude", "Write into /etc/cron.d", claudeTool("Write", map[string]any{"file_path": "/etc/cron.d/job", "content": cron}), true, "scheduled-code"},
		{"claude", "MultiEdit of /etc/passwd", claudeTool("MultiEdit", map[string]any{"file_path": "/etc/passwd", "edits": []map[string]any{{"old_string": "a", "new_string": "b"}}}), true, "/etc/passwd"},
		{"claude", "Edit in the project", claudeTool("Edit", map[string]any{"file_path": filepath.Join(proj, "a.go"), "old_string": "a", "new_string": "b"}), false, ""},
		{"claude", "Read reads only", claudeTool("Read", map[string]any{"file_path": "/etc/passwd"}), false, ""},
		{"claude", "an MCP server's shell tool", claudeTool("mcp__shell__exec", map[string]any{"command": "rm -rf /usr"}), true, "/usr"},
		{"claude", "an MCP tool given cmd", claudeTool("mcp__ops__run", map[string]any{"cmd": "cd / && rm -rf usr"}), true, "/usr"},
		{"claude", "an MCP shell tool running ls", claudeTool("mcp__shell__exec", map[string]any{"command": "ls -la"}), false, ""},
		{"claude", "an MCP tool with no command", claudeTool("mcp__github__create_issue", map[string]any{"title": "rm -rf /usr"}), false, ""},
		{"claude", "an MCP tool given the words of a command", claudeTool("mcp__ops__exec", map[string]any{"command": []string{"bash", "-lc", "cd / && rm -rf usr"}}), true, "/usr"},
		{"claude", "an MCP tool given a commandLine", claudeTool("mcp__ssh__run", map[string]any{"commandLine": "rm -rf /usr"}), true, "/usr"},
		{"claude", "an MCP tool given harmless words", claudeTool("mcp__ops__exec", map[string]any{"command": []string{"ls", "-la", "/usr"}}), false, ""},
		{"cline", "use_mcp_tool handing a command on", cline("use_mcp_tool", map[string]any{"server_name": "shell", "tool_name": "exec", "arguments": `{"command": "rm -rf /usr"}`}), true, "/usr"},
		{"cline", "use_mcp_tool with other arguments", cline("use_mcp_tool", map[string]any{"server_name": "github", "tool_name": "create_issue", "arguments": `{"title": "rm -rf /usr"}`}), false, ""},
		{"copilot", "an MCP server's tool given a command", copilot("shell-exec", map[string]any{"command": "rm -rf /usr"}), true, "/usr"},
		{"copilot", "a tool guard does not know, with no command", copilot("github-create_issue", map[string]any{"title": "rm -rf /usr"}), false, ""},
		{"codex", "apply_patch adding a crontab", claudeTool("apply_patch", map[string]any{"command": "*** Begin Patch\n*** Add File: /etc/cron.d/job\n+" + cron + "*** End Patch\n"}), true, "scheduled-code"},
		{"codex", "apply_patch deleting /etc/passwd", claudeTool("apply_patch", map[string]any{"command": "*** Begin Patch\n*** Delete File: /etc/passwd\n*** End Patch\n"}), true, "/etc/passwd"},
		{"codex", "apply_patch in the project", claudeTool("apply_patch", map[string]any{"command": "*** Begin Patch\n*** Update File: " + filepath.Join(proj, "a.go") + "\n@@\n-a\n+b\n*** End Patch\n"}), false, ""},
		{"gemini", "write_file into /etc/cron.d", jsonLine(map[string]any{"session_id": "", "cwd": proj, "tool_name": "write_file", "tool_input": map[string]any{"file_path": "/etc/cron.d/job", "content": cron}}), true, "scheduled-code"},
		{"windsurf", "pre_write_code into /etc/cron.d", jsonLine(map[string]any{"agent_action_name": "pre_write_code", "trajectory_id": "", "tool_info": map[string]any{"file_path": "/etc/cron.d/job", "edits": []map[string]any{{"old_string": "", "new_string": cron}}}}), true, "scheduled-code"},
		{"gemini", "Claude Code's event in Gemini's hook", claudeAgent.sample("rm -rf /usr", proj, ""), true, "/usr"},
		{"claude", "Cursor's event in Claude Code's hook", cursorAgent.sample("rm -rf /usr", proj, ""), true, "could not read"},
		{"cursor", "Copilot's event in Cursor's hook", copilotAgent.sample("rm -rf /usr", proj, ""), true, "could not read"},
		{"gemini", "Claude Code's harmless event in Gemini's hook", claudeAgent.sample("ls -la", proj, ""), false, ""},
	} {
		ag, _ := lookupAgent(c.agent)
		got := hookAnswer(t, ag, c.event)
		if got.failed != "" {
			t.Errorf("%s: %s: the hook failed: %s", c.agent, c.what, got.failed)
			continue
		}
		if refused := got.decision != ""; refused != c.refused {
			t.Errorf("%s: %s: decision %q (%s), want refused=%v", c.agent, c.what, got.decision, got.reason, c.refused)
			continue
		}
		if c.reason != "" && !regexp.MustCompile(c.reason).MatchString(got.reason) {
			t.Errorf("%s: %s: reason %q does not match %q", c.agent, c.what, got.reason, c.reason)
		}
	}
}
