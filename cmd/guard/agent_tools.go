package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/guard-sh/guard/guard/gate"
)

// agentTool is one of an agent's tools that guard judges besides its
// shell tool, declared by where its input says what happens. An agent
// refused a shell line can write the same effect with a file tool (a
// crontab entry, /etc/passwd, a startup file) or type it into a shell
// session; guard judges each as the shell line with that effect, through
// the same gate.
type agentTool struct {
	// code is the key of shell code the tool hands to a shell (Copilot's
	// write_bash types its input into a running bash session).
	code string
	// path and text: the tool writes text to the file at path, judged as
	// printf %s TEXT > PATH. text keys are read in order; a list (edits)
	// contributes each element's new text.
	path string
	text []string
	// patch is the key of a Codex apply_patch envelope (files added,
	// updated, moved and deleted).
	patch string
	// opaque: the tool runs code guard cannot read (PowerShell); it is
	// refused with this reason rather than let by.
	opaque string
}

// toolLine is the shell line a tool call amounts to. known is false for a
// tool not declared here (no opinion: reading, searching, the agent's own
// bookkeeping).
func toolLine(tools map[string]agentTool, name string, input map[string]json.RawMessage, where string) (line string, known bool, err error) {
	tool, ok := tools[name]
	if !ok {
		return mcpShellLine(name, input)
	}
	switch {
	case tool.opaque != "":
		return "", true, fmt.Errorf("%s %s", name, tool.opaque)
	case tool.code != "":
		code, err := jsonString(input[tool.code], where+"."+tool.code)
		if err != nil {
			return "", true, err
		}
		return typedKeys.Replace(code), true, nil
	case tool.patch != "":
		patch, err := jsonString(input[tool.patch], where+"."+tool.patch)
		if err != nil {
			return "", true, err
		}
		return strings.Join(patchLines(patch), "\n"), true, nil
	}
	path, err := jsonString(input[tool.path], where+"."+tool.path)
	if err != nil {
		return "", true, err
	}
	if path == "" {
		return "", true, fmt.Errorf("%s names no file (%s.%s)", name, where, tool.path)
	}
	var text []string
	for _, key := range tool.text {
		parts, err := newText(input[key], where+"."+key)
		if err != nil {
			return "", true, err
		}
		text = append(text, parts...)
	}
	return fileWriteLine(path, strings.Join(text, "\n")), true, nil
}

// typedKeys are the key names Copilot's write_bash takes in its input.
var typedKeys = strings.NewReplacer("{enter}", "\n", "{ENTER}", "\n")

// fileWriteLine is the shell line that leaves text in the file at path:
// the whole file is written again, whether the tool creates it or edits a
// part of it.
func fileWriteLine(path, text string) string {
	return "printf %s " + gate.Quote(text) + " > " + gate.Quote(path)
}

// newText reads what a file tool writes: a string, or a list of edits
// whose new text is in new_string (Claude Code, Windsurf) or new_str.
func newText(raw json.RawMessage, what string) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, nil
	}
	var edits []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &edits); err != nil {
		return nil, fmt.Errorf("%s is neither text nor a list of edits", what)
	}
	var out []string
	for i, e := range edits {
		for _, key := range []string{"new_string", "new_str"} {
			t, err := jsonString(e[key], fmt.Sprintf("%s[%d].%s", what, i, key))
			if err != nil {
				return nil, err
			}
			if t != "" {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// patchLines is what a Codex apply_patch envelope does, as shell lines:
// each added or updated file written with its added lines, each deleted
// one removed, each move's destination written.
func patchLines(patch string) []string {
	var out []string
	path, op := "", ""
	var text []string
	flush := func() {
		switch op {
		case "Add", "Update":
			out = append(out, fileWriteLine(path, strings.Join(text, "\n")))
		case "Delete":
			out = append(out, "rm -f "+gate.Quote(path))
		}
		path, op, text = "", "", nil
	}
	for _, l := range strings.Split(patch, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if rest, ok := strings.CutPrefix(l, "*** "); ok {
			verb, file, found := strings.Cut(rest, " File: ")
			if found {
				flush()
				path, op = strings.TrimSpace(file), verb
				continue
			}
			if dest, ok := strings.CutPrefix(rest, "Move to: "); ok && path != "" {
				out = append(out, "rm -f "+gate.Quote(path))
				path = strings.TrimSpace(dest)
				continue
			}
		}
		if t, ok := strings.CutPrefix(l, "+"); ok && op != "" {
			text = append(text, t)
		}
	}
	flush()
	return out
}

// mcpShellLine is the command a tool guard does not declare runs when its
// input names one: an MCP server's tool (mcp__shell__exec {"command": "rm
// -rf …"}), a tool the agent added since, a proxy tool whose arguments
// are another tool's (Cline's use_mcp_tool {"arguments": "{\"cmd\": …}"}).
// A tool an agent refused at its shell tool could be handed the same line,
// so such a tool is judged as that line: a string is shell code, a list of
// strings the words of a command run without a shell ({"command": ["bash",
// "-lc", "…"]}). Any other tool gets no opinion.
func mcpShellLine(name string, input map[string]json.RawMessage) (line string, known bool, err error) {
	if line, ok := toolCommand(input, 0); ok {
		return line, true, nil
	}
	return "", false, nil
}

// commandKeys are the keys under which a tool's input carries a command.
var commandKeys = []string{"command", "cmd", "script", "command_line", "commandLine", "shell_command", "shellCommand"}

// argumentKeys are the keys under which a proxy tool carries the input of
// the tool it calls: an object, or a JSON text of one.
var argumentKeys = []string{"arguments", "args", "input", "params", "parameters", "tool_input", "toolArgs"}

// toolCommand finds the command in a tool's input, looking one proxy deep.
func toolCommand(input map[string]json.RawMessage, depth int) (string, bool) {
	for _, key := range commandKeys {
		raw, ok := input[key]
		if !ok {
			continue
		}
		var code string
		if json.Unmarshal(raw, &code) == nil && strings.TrimSpace(code) != "" {
			return code, true
		}
		var words []string
		if json.Unmarshal(raw, &words) == nil && len(words) > 0 {
			quoted := make([]string, len(words))
			for i, w := range words {
				quoted[i] = gate.Quote(w)
			}
			return strings.Join(quoted, " "), true
		}
	}
	if depth > 0 {
		return "", false
	}
	for _, key := range argumentKeys {
		raw, ok := input[key]
		if !ok {
			continue
		}
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) != nil {
			var text string
			if json.Unmarshal(raw, &text) != nil || json.Unmarshal([]byte(text), &inner) != nil {
				continue
			}
		}
		if line, ok := toolCommand(inner, depth+1); ok {
			return line, true
		}
	}
	return "", false
}
