package policy

import (
	"strings"
	"testing"

	"github.com/guard-sh/guard/guard"
)

var known = map[string]guard.Decision{"crontab-remove": guard.Confirm, "rm-protected": guard.Block}

func TestLaterFilesWinAndUserOnlyTightens(t *testing.T) {
	p, errs := Load([]Source{
		{Path: "/etc/guard/guard.toml", Data: []byte("[rules.crontab-remove]\ndecision = \"warn\"\n")},
		{Path: "/etc/guard/guard.d/10.toml", Data: []byte("protected = [\"/data/\"]\n[rules.crontab-remove]\ndecision = \"block\"\n")},
		{Path: "/home/op/.config/guard/guard.toml", User: true, Data: []byte("[rules.crontab-remove]\ndecision = \"confirm\"\n")},
	}, known)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "guard.toml:2:1: a user policy can only tighten: crontab-remove is block here, not confirm") {
		t.Fatalf("errors: %v", errs)
	}
	if d := p.Overrides["crontab-remove"].Decision; d == nil || *d != guard.Block {
		t.Errorf("crontab-remove should be block, got %v", d)
	}
	if len(p.Protected) != 1 || p.Protected[0] != "/data" || len(p.Files) != 2 {
		t.Errorf("protected %v, files %v", p.Protected, p.Files)
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	_, errs := Load([]Source{{Path: "x.toml", Data: []byte("a = 1\n\nb = [\n")}}, known)
	if len(errs) != 1 || errs[0].Line != 3 || errs[0].File != "x.toml" {
		t.Fatalf("want one error at line 3, got %+v", errs)
	}
}

func TestCustomRuleNeedsExamplesBothWays(t *testing.T) {
	_, errs := Load([]Source{{Path: "r.toml", Data: []byte(`[[rule]]
id = "site-x"
programs = ["x"]
decision = "warn"
message = "m"
hint = "h"
examples.catch = ["x"]
`)}}, known)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "look-alikes it allows") {
		t.Fatalf("errors: %v", errs)
	}
}
