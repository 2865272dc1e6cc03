package guard

import (
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// TestParseDefinitions reads what the hooks send: bash's alias lines
// quoted with ${v@Q}, declare -f's output, zsh's alias -g and functions.
func TestParseDefinitions(t *testing.T) {
	bash := "alias -- ll='ls -la'\n" +
		"alias -- say=$'echo one\\necho two'\n" +
		"alias -- q='echo it'\\''s'\n" +
		"nuke () \n{ \n    local x=1;\n    rm -rf \"$1\" <<EOF\nbody\nEOF\n\n}\n"
	d := ParseDefinitions(bash, syntax.LangBash)
	if d.aliases["ll"] != "ls -la" || d.aliases["say"] != "echo one\necho two" || d.aliases["q"] != "echo it's" {
		t.Errorf("aliases: %q", d.aliases)
	}
	if d.funcs["nuke"] == nil {
		t.Errorf("function nuke not read: %v", d.funcs)
	}

	zsh := "alias -g -- G='| grep x'\nalias -s -- txt=vim\nf() {\n\trm -rf $1\n\techo hi\n}\n"
	d = ParseDefinitions(zsh, syntax.LangZsh)
	if d.global["G"] != "| grep x" || len(d.aliases) != 0 || d.funcs["f"] == nil {
		t.Errorf("zsh: global %q aliases %q funcs %v", d.global, d.aliases, d.funcs)
	}

	// A function that does not parse must not lose the aliases.
	d = ParseDefinitions("alias -- nuke='rm -rf lib/'\nbroken () { if\n", syntax.LangBash)
	if d.aliases["nuke"] != "rm -rf lib/" {
		t.Errorf("aliases lost with a broken function: %q", d.aliases)
	}
	if ParseDefinitions(" \n", syntax.LangBash) != nil {
		t.Error("nothing defined should be nil")
	}
}

// TestAliasExpansionIsBounded: aliases that multiply the line end in a
// truncated walk, not unbounded work.
func TestAliasExpansionIsBounded(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	defs := ParseDefinitions("alias -- a='echo "+big+"; a'\n", syntax.LangBash)
	line := strings.Repeat("a; ", 100)
	_, _, truncated := Resolve(line, "/home/op", NewMemHost(), syntax.LangBash, defs)
	if truncated == "" {
		t.Error("6 MB of alias text was walked without stopping")
	}
	_, _, truncated = Resolve("a", "/home/op", NewMemHost(), syntax.LangBash, defs)
	if truncated != "" {
		t.Errorf("one 64 KB alias must be judged whole: %s", truncated)
	}
}

// TestAliasKeepsCwd: an alias's cd changes the directory for the rest of
// the line, as in the shell.
func TestAliasKeepsCwd(t *testing.T) {
	defs := ParseDefinitions("alias -- srv='cd /srv'\n", syntax.LangBash)
	invs, _, _ := Resolve("srv && touch x", "/home/op", NewMemHost(), syntax.LangBash, defs)
	inv := find(invs, "touch")
	if inv == nil || inv.Cwd != "/srv" {
		t.Fatalf("touch after an alias's cd: %+v", inv)
	}
	if cd := find(invs, "cd"); cd == nil || cd.Text != "cd /srv" {
		t.Errorf("the alias's command text: %+v", cd)
	}
}
