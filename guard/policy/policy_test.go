package policy

import (
	"os"
	"path/filepath"
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

// TestSitePolicyMustBeRoots: a site policy in a folder or file someone
// other than root could write is left out, with the reason; the user's own
// file is read as theirs (it can only tighten).
func TestSitePolicyMustBeRoots(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test changes file owners: run it as root (./test.sh)")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	site := filepath.Join(dir, "guard.toml")
	os.WriteFile(site, []byte("[rules.crontab-remove]\nenabled = false\n"), 0o644)
	if _, errs := Read([]Source{{Path: site}}); len(errs) != 0 {
		t.Fatalf("root's own policy was refused: %v", errs)
	}
	os.Chown(site, 65534, 65534)
	read, errs := Read([]Source{{Path: site}})
	if len(read) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "not root") {
		t.Errorf("a site policy owned by nobody: read %d, errors %v", len(read), errs)
	}
	os.Chown(site, 0, 0)
	os.Chmod(site, 0o666)
	if read, _ := Read([]Source{{Path: site}}); len(read) != 0 {
		t.Error("a site policy anyone can write was read")
	}
	os.Chmod(site, 0o644)
	os.Chown(dir, 65534, 65534)
	if read, _ := Read([]Source{{Path: site}}); len(read) != 0 {
		t.Error("a site policy in a folder nobody owns was read")
	}
	if read, _ := Read([]Source{{Path: site, User: true}}); len(read) != 1 {
		t.Error("a user's own policy is theirs to own")
	}
}
