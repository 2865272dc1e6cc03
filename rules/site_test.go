package rules_test

import (
	"testing"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/policy"
	"github.com/guard-sh/guard/rules"
)

// TestSiteRulePathConditions judges site rules on the in-memory host:
// each path condition with a line it catches and one it lets through.
func TestSiteRulePathConditions(t *testing.T) {
	rule := func(id string, pc policy.PathCondition) policy.CustomRule {
		return policy.CustomRule{ID: id, Programs: []string{"rm", "umount"}, Path: &pc, Decision: "confirm", Message: "m", Hint: "h", Snapshot: "files"}
	}
	p := &policy.Policy{Rules: []policy.CustomRule{
		rule("site-mount", policy.PathCondition{MountPoint: true}),
		rule("site-link", policy.PathCondition{Symlink: true}),
		rule("site-under", policy.PathCondition{Under: "/srv/db", Glob: "*.wal"}),
	}}
	e, err := rules.NewSite().Engine(p)
	if err != nil {
		t.Fatal(err)
	}
	h := guard.NewMemHost()
	h.Mnts = []guard.Mount{{Source: "/dev/sdb1", Dir: "/mnt/backup"}}
	h.AddLink("/home/op/current", "/srv/releases/42")
	h.AddDir("/srv/db/pg")
	for _, tc := range []struct {
		rule, line string
		want       guard.Decision
	}{
		{"site-mount", "umount /mnt/backup", guard.Confirm},
		{"site-mount", "umount /mnt/other", guard.Allow},
		{"site-link", "rm current", guard.Confirm},
		{"site-link", "rm /srv/releases/42/x", guard.Allow},
		{"site-under", "cd /srv/db/pg && rm 0001.wal", guard.Confirm},
		{"site-under", "rm /srv/dbx/0001.wal", guard.Allow},
		{"site-under", "rm /srv/db/pg/0001.log", guard.Allow},
		{"site-under", "sudo bash -c 'rm /srv/db/pg/x.wal'", guard.Confirm},
	} {
		v := e.Judge(tc.line, h, guard.Options{Cwd: "/home/op"})
		got, _ := ruleDecision(v, tc.rule)
		if got != tc.want {
			t.Errorf("%s: %q is %s, want %s", tc.rule, tc.line, got, tc.want)
		}
		for _, f := range v.Findings {
			if f.Rule == tc.rule && (f.Backup == nil || len(f.Backup.Paths) == 0) {
				t.Errorf("%s: snapshot = files must name the matched paths", tc.rule)
			}
		}
	}
}

// TestUserOverridesAreFloors: a decision from a user's own file raises
// each finding of the rule and never lowers one; the same decision from
// /etc/guard replaces it, as the site's administrators decided.
func TestUserOverridesAreFloors(t *testing.T) {
	h := guard.NewMemHost()
	h.AddDevice("/dev/vda")
	h.AddDevice("/dev/vdb")
	h.Mnts = []guard.Mount{{Source: "/dev/vda", Dir: "/"}}
	load := func(user bool, text string) *guard.Engine {
		site := rules.NewSite()
		p, errs := policy.Load([]policy.Source{{Path: "guard.toml", Data: []byte(text), User: user}}, site.Defaults())
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		e, err := site.Engine(p)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for _, tc := range []struct {
		user       bool
		text, line string
		want       guard.Decision
	}{
		{true, "[rules.disk-overwrite]\ndecision = \"confirm\"\n", "dd if=/dev/zero of=/dev/vda", guard.Block},
		{true, "[rules.disk-overwrite]\ndecision = \"block\"\n", "dd if=/dev/zero of=/dev/vdb", guard.Block},
		{true, "[rules.crontab-remove]\ndecision = \"block\"\n", "crontab -r", guard.Block},
		{false, "[rules.disk-overwrite]\ndecision = \"confirm\"\n", "dd if=/dev/zero of=/dev/vda", guard.Confirm},
	} {
		v := load(tc.user, tc.text).Judge(tc.line, h, guard.Options{Cwd: "/home/op"})
		if v.Decision != tc.want {
			t.Errorf("user=%v %q with %q: %s, want %s", tc.user, tc.line, tc.text, v.Decision, tc.want)
		}
	}
}

// TestSiteProtectsAfterBuild: one catalog serves a process that reads a
// policy (its decisions check the policy, then the engine is made from
// it), and the policy's protected paths, known only then, still reach
// the rules built before.
func TestSiteProtectsAfterBuild(t *testing.T) {
	site := rules.NewSite()
	if d, ok := site.Defaults()["rm-protected"]; !ok || d != guard.Block {
		t.Fatalf("Defaults: rm-protected = %v, %v", d, ok)
	}
	h := guard.NewMemHost()
	h.AddDir("/opt/app/state")
	line := "rm -rf /opt/app"
	plain, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	before := plain.Judge(line, h, guard.Options{Cwd: "/home/op"}).Decision
	e, err := site.Engine(&policy.Policy{Protected: []string{"/opt/app/"}})
	if err != nil {
		t.Fatal(err)
	}
	after := e.Judge(line, h, guard.Options{Cwd: "/home/op"}).Decision
	if after != guard.Block || before == guard.Block {
		t.Errorf("%q: %s without the policy, %s with /opt/app protected; want it blocked only when protected", line, before, after)
	}
}
