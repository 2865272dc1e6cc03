package main

import "path/filepath"

// codexAgent is OpenAI Codex CLI's PreToolUse hook for its shell tool,
// which copies Claude Code's wire format.
//
// Event: {"session_id", "turn_id", "transcript_path", "cwd",
// "hook_event_name": "PreToolUse", "model", "permission_mode",
// "tool_name": "Bash", "tool_use_id", "tool_input": {"command"}}.
// Answer: hookSpecificOutput.permissionDecision "deny" with a reason; Codex
// does not honour "ask" (or "allow") from a PreToolUse hook, so a line
// that needs confirming is denied with the advice to run it in a terminal.
// A hook that crashes, times out or prints what Codex cannot parse lets
// the command run, and Codex has no setting to change that yet.
var codexAgent = agent{
	name:  "codex",
	title: "Codex",
	docs: []string{
		"https://developers.openai.com/codex/hooks (hooks.json, common input fields, PreToolUse)",
		"https://github.com/openai/codex/pull/20756 (allow and ask for PreToolUse: closed unmerged)",
		"https://github.com/openai/codex/issues/41979 (a failing PreToolUse hook lets the command run; fail-closed is an open request)",
	},
	parse:     parseClaudeStyle("Bash", codexTools),
	toolKey:   []string{"tool_name"},
	shellTool: "Bash",
	write:     writeClaudeStyle(false),
	read:      readClaudeStyle,
	canAsk:    func([]string) bool { return false },
	sample:    claudeStyleSample("Bash"),
	reg: registration{
		path: func(getenv func(string) string) string {
			if dir := getenv("CODEX_HOME"); filepath.IsAbs(dir) {
				return filepath.Join(dir, "hooks.json")
			}
			return filepath.Join(getenv("HOME"), ".codex", "hooks.json")
		},
		style: groupedHooks, event: "PreToolUse", matcher: "Bash", commandKey: "command",
		entry: claudeStyleEntry, // never failClosed: Codex has no detect
	},
	onFailure: "runs the command (Codex has no fail-closed setting for hooks yet)",
}

// codexTools: apply_patch, Codex's file tool, carries its patch in
// tool_input.command like Bash.
var codexTools = map[string]agentTool{"apply_patch": {patch: "command"}}
