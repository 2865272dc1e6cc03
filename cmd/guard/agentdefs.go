package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
)

// agentDefinitions are the aliases and functions of the user's shell
// start-up files that an agent's command may call by name: Claude Code
// runs each command after a snapshot of the user's aliases and functions,
// so an agent refused rm -rf DIR can type the user's own alias rmf DIR or
// function nuke DIR. Without them guard takes such a name for a program
// that is not installed, and lets it by.
//
// Only definitions of names that are neither a program on PATH nor a
// builtin are kept: whether a given agent loads the files is not known,
// and such a name runs nothing at all without them, so judging its
// definition can only add findings. A definition that shadows a real
// program (rm() { command rm -i "$@"; }) is left out, and the program is
// judged as itself.
func (a *app) agentDefinitions(lang syntax.LangVariant) string {
	home := a.getenv("HOME")
	files := []string{"/etc/bash.bashrc", filepath.Join(home, ".bashrc"), filepath.Join(home, ".bash_aliases")}
	if lang == syntax.LangZsh {
		files = []string{"/etc/zsh/zshrc", filepath.Join(home, ".zshrc")}
	}
	var out bytes.Buffer
	printer := syntax.NewPrinter()
	for _, p := range files {
		if !filepath.IsAbs(p) {
			continue
		}
		data, err := guard.ReadRegular(p, maxStartupFile)
		if err != nil {
			continue
		}
		file, err := syntax.NewParser(syntax.Variant(lang)).Parse(bytes.NewReader(data), p)
		if err != nil {
			continue // a file bash would fail on part way: judged without it
		}
		for _, st := range file.Stmts {
			if a.definesOnlyNewNames(st) {
				printer.Print(&out, st)
				out.WriteByte('\n')
			}
		}
	}
	return out.String()
}

// definesOnlyNewNames: st is a function definition or an alias command,
// and every name it defines is neither a program on PATH nor a builtin.
func (a *app) definesOnlyNewNames(st *syntax.Stmt) bool {
	var names []string
	switch cmd := st.Cmd.(type) {
	case *syntax.FuncDecl:
		names = append(names, cmd.Name.Value)
		for _, n := range cmd.Names {
			names = append(names, n.Value)
		}
	case *syntax.CallExpr:
		if len(cmd.Args) < 2 || cmd.Args[0].Lit() != "alias" {
			return false
		}
		for _, word := range cmd.Args[1:] {
			// alias NAME=TEXT: the name is the literal start of the word.
			lit := ""
			if len(word.Parts) > 0 {
				if l, ok := word.Parts[0].(*syntax.Lit); ok {
					lit = l.Value
				}
			}
			name, _, ok := strings.Cut(lit, "=")
			if !ok || name == "" {
				return false
			}
			names = append(names, name)
		}
	default:
		return false
	}
	for _, name := range names {
		if interp.IsBuiltin(name) || a.onPath(name) {
			return false
		}
	}
	return len(names) > 0
}

// onPath: name is a program found on the hook's PATH.
func (a *app) onPath(name string) bool {
	if strings.Contains(name, "/") {
		return true
	}
	for _, dir := range filepath.SplitList(a.getenv("PATH")) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		if _, err := exec.LookPath(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}
