// Package rules is guard's built-in catalog: one family of rules per file,
// each rule a declared value with its own test cases under
// testdata/rules/, and its story in explain/ID.md.
package rules

import (
	"embed"

	"github.com/guard-sh/guard/guard"
)

//go:embed explain/*.md
var explanations embed.FS

// Options change the built-in catalog for a site.
type Options struct {
	// Protected paths are treated like system folders.
	Protected []string
}

// Catalog returns the built-in rules, freshly built, with their
// explanations attached (read when told: TestExplanations proves each rule
// has one). The error is kept for callers; building cannot fail today.
func Catalog(opts ...Options) ([]*guard.Rule, error) {
	var o Options
	for _, x := range opts {
		o.Protected = append(o.Protected, x.Protected...)
	}
	return catalogFor(newClassifier(o.Protected)), nil
}

// catalogFor builds the rules around the classifier c: paths added to its
// protected set later apply to them too.
func catalogFor(c classifier) []*guard.Rule {
	families := []struct {
		name  string
		rules []*guard.Rule
	}{
		{"copy", copyRules(c)}, {"rm", rmRules(c)}, {"crontab", crontabRules()}, {"lvm", lvmRules()},
		{"power", powerRules()}, {"network", networkRules()}, {"docker", dockerRules()},
		{"download", downloadRules()}, {"blockdev", blockdevRules()}, {"perms", permsRules(c)},
		{"fsck", fsckRules()}, {"boot", bootRules()}, {"sysfiles", sysfilesRules(c)}, {"process", processRules()},
		{"packages", packagesRules()}, {"forkbomb", forkbombRules()}, {"diskfill", diskfillRules()}, {"git", gitRules()}, {"gitwork", gitWorkRules()},
		{"database", databaseRules()}, {"infra", infraRules()}, {"sysrq", sysrqRules()},
		{"storage", storageRules()}, {"serving", servingRules()}, {"lxc", lxcRules()},
		{"cloud", cloudRules()}, {"dataservices", dataServicesRules()}, {"backups", backupsRules()},
		{"orchestration", orchestrationRules()}, {"selfguard", selfguardRules()},
		{"accounts", accountsRules()}, {"vms", vmsRules()}, {"forge", forgeRules()},
		{"credentials", credentialsRules()}, {"appdb", appDatabaseRules()}, {"iacapply", iacApplyRules()}, {"paas", paasRules()},
		{"projectwipe", projectWipeRules(c)}, {"sshd", sshdRules()}, {"loginenv", loginEnvRules()}, {"services", servicesRules()},
	}
	var all []*guard.Rule
	for _, family := range families {
		for _, r := range family.rules {
			id := r.ID
			r.Story = func() string { // read only when a story is told
				text, _ := explanations.ReadFile("explain/" + id + ".md")
				return string(text)
			}
			r.Family = family.name
			inertAware(r)
			all = append(all, r)
		}
	}
	return all
}

// NewEngine builds an engine over the built-in catalog.
func NewEngine() (*guard.Engine, error) {
	catalog, err := Catalog()
	if err != nil {
		return nil, err
	}
	return guard.NewEngine(catalog)
}
