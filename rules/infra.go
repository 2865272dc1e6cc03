package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

func infraRules() []*guard.Rule {
	return []*guard.Rule{
		{
			ID:         "kubectl-delete-broad",
			Programs:   []string{"kubectl", "oc"},
			Decision:   guard.Confirm,
			Summary:    "kubectl delete namespace, or delete with --all / --all-namespaces",
			Postmortem: "kubectl delete namespace on the production context instead of staging",
			Match:      matchKubectlDelete,
		},
		{
			ID:         "terraform-destroy",
			Programs:   []string{"terraform", "tofu", "terragrunt"},
			Decision:   guard.Confirm,
			Summary:    "terraform destroy or apply -destroy",
			Postmortem: "terraform destroy run in the production workspace",
			Match:      matchTerraformDestroy,
		},
		{
			ID:         "zfs-destroy",
			Programs:   []string{"zfs", "zpool"},
			Decision:   guard.Confirm,
			Summary:    "zfs destroy and zpool destroy delete datasets, snapshots and pools",
			Postmortem: "zfs destroy -r of a parent dataset took every child and snapshot with it",
			Match:      matchZfsDestroy,
		},
	}
}

var kubectlSpec = guard.OptSpec{
	ShortValue: "nlfocRk",
	LongValue:  []string{"namespace", "selector", "filename", "output", "context", "cluster", "user", "kubeconfig", "server", "field-selector", "grace-period", "timeout", "cascade", "token", "as", "request-timeout"},
}

func matchKubectlDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, kubectlSpec)
	ops := operandValues(p.Operands)
	if len(ops) < 2 || ops[0] != "delete" {
		return nil
	}
	context := "the current context"
	if c, ok := p.Value("context"); ok {
		context = c.Value
	}
	hint := "check the context first (kubectl config current-context) and what matches: kubectl get " + ops[1] + " …; try it with --dry-run=server"
	kind := strings.ToLower(ops[1])
	if kind == "namespace" || kind == "namespaces" || kind == "ns" || strings.HasPrefix(kind, "namespace/") || strings.HasPrefix(kind, "ns/") {
		return guard.Found(guard.Confirm, hint, "would delete the namespace %s in %s, with every workload, volume claim and secret in it", strings.Join(ops[1:], " "), context)
	}
	if p.Has("all", "A", "all-namespaces") {
		return guard.Found(guard.Confirm, hint, "would delete every %s matched in %s", ops[1], context)
	}
	return nil
}

func matchTerraformDestroy(inv *guard.Invocation, host guard.Host) *guard.Finding {
	var sub string
	destroyFlag := false
	for _, a := range inv.Args {
		v := a.Value
		if sub == "" && !strings.HasPrefix(v, "-") {
			sub = v
		}
		if v == "-destroy" || v == "--destroy" {
			destroyFlag = true
		}
	}
	if sub == "destroy" || sub == "apply" && destroyFlag {
		return guard.Found(guard.Confirm, "look at the plan first: "+inv.Program+" plan -destroy; check the workspace: "+inv.Program+" workspace show",
			"would destroy every resource this %s configuration manages in the current workspace", inv.Program)
	}
	return nil
}

func matchZfsDestroy(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{})
	ops := operandValues(p.Operands)
	if len(ops) < 2 || (ops[0] != "destroy" && ops[0] != "labelclear") {
		return nil
	}
	what := ops[len(ops)-1]
	if inv.Program == "zpool" {
		return guard.Found(guard.Confirm, "export it instead if you only want it gone from this host: zpool export "+what,
			"would destroy the pool %s and every dataset in it", what)
	}
	return guard.Found(guard.Confirm, "see what would go first: zfs destroy -nv "+what+"; take a snapshot or zfs send to a backup pool",
		"would destroy the dataset %s%s", what, map[bool]string{true: " with its children and snapshots", false: ""}[p.Has("r", "R")])
}
