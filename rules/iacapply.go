package rules

import (
	"path/filepath"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func iacApplyRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "iac-apply-production",
		Programs:   []string{"terraform", "tofu", "pulumi"},
		Decision:   guard.Confirm,
		Summary:    "terraform/tofu apply -auto-approve without a saved plan, pulumi up --yes or --skip-preview, aimed at production (a var file, -chdir folder, workspace, the workspace last selected in the folder, or stack that says prod): changes nobody reviewed, replacements and deletions included, applied at once",
		Postmortem: "a coding agent ran terraform apply -auto-approve -var-file=prod.tfvars to 'sync the config': a renamed resource was planned as destroy-and-create, and the production database was replaced empty",
		Match:      matchIaCApplyProduction,
	}}
}

var (
	terraformSpec = guard.OptSpec{LongValue: []string{"var", "var-file", "target", "replace", "state", "state-out", "backup", "lock-timeout", "parallelism"}}
	pulumiSpec    = guard.OptSpec{ShortValue: "smCt", LongValue: []string{"stack", "message", "cwd", "target", "replace", "config", "config-file", "parallel", "refresh", "exclude"}}
)

func matchIaCApplyProduction(inv *guard.Invocation, host guard.Host) *guard.Finding {
	where := ""
	switch inv.Program {
	case "terraform", "tofu":
		if inv.Cwd != "" && isProduction(filepath.Base(inv.Cwd)) {
			where = "the folder " + inv.Cwd // cd envs/prod && terraform apply
		}
		for _, a := range inv.Args { // -chdir comes before the subcommand
			if dir, ok := strings.CutPrefix(a.Value, "-chdir="); ok && isProduction(filepath.Clean(dir)) {
				where = "the folder " + dir
			}
		}
		args := inv.Args
		for len(args) > 0 && strings.HasPrefix(args[0].Value, "-") {
			args = args[1:]
		}
		p := guard.ParseOptions(doubleDashed(args), terraformSpec)
		ops := operandValues(p.Operands)
		if len(ops) == 0 || ops[0] != "apply" || len(ops) > 1 || !p.Has("auto-approve") || p.Has("destroy", "help", "h") {
			return nil // a saved plan (apply tfplan) was reviewed; -destroy is terraform-destroy's
		}
		for _, v := range p.Values("var-file", "var") {
			if isProduction(strings.TrimSuffix(filepath.Base(v.Value), filepath.Ext(v.Value))) || strings.Contains(v.Value, "=") && isProduction(v.Value) {
				where = v.Value
			}
		}
		if ws, ok := inv.Getenv("TF_WORKSPACE"); ok {
			if isProduction(ws.Value) {
				where = "the workspace " + ws.Value
			}
		} else if ws, ok := host.Getenv("TF_WORKSPACE"); ok {
			if isProduction(ws) {
				where = "the workspace " + ws
			}
		} else if ws := selectedWorkspace(inv, host); isProduction(ws) {
			where = "the workspace " + ws + " (terraform workspace select)"
		}
	case "pulumi":
		p := guard.ParseOptions(inv.Args, pulumiSpec)
		ops := operandValues(p.Operands)
		if len(ops) == 0 || ops[0] != "up" && ops[0] != "update" || !p.Has("yes", "y", "skip-preview", "f") || p.Has("help", "h", "preview-only") {
			return nil
		}
		if s, ok := p.Value("stack", "s"); ok && isProduction(s.Value) {
			where = "the stack " + s.Value
		} else if s, ok := host.Getenv("PULUMI_STACK"); ok && isProduction(s) {
			where = "the stack " + s
		}
	}
	if where == "" {
		return nil
	}
	return guard.Found(guard.Confirm, "save and read the plan first: terraform plan -out tfplan, then terraform apply tfplan (pulumi: pulumi preview --diff, then pulumi up without --yes)",
		"would apply to production (%s) changes nobody has reviewed: a resource planned for replacement or removal is destroyed at once, with its data", where)
}

// doubleDashed writes terraform's single-dash long options (-auto-approve,
// -var-file=x) the GNU way, for ParseOptions.
func doubleDashed(args []guard.Arg) []guard.Arg {
	out := make([]guard.Arg, len(args))
	for i, a := range args {
		out[i] = a
		if a.Known && len(a.Value) > 2 && a.Value[0] == '-' && a.Value[1] != '-' {
			out[i].Value = "-" + a.Value
		}
	}
	return out
}

// selectedWorkspace is the workspace terraform workspace select left in
// the folder terraform runs in (.terraform/environment), "" when none.
func selectedWorkspace(inv *guard.Invocation, host guard.Host) string {
	dir := inv.Cwd
	for _, a := range inv.Args {
		if d, ok := strings.CutPrefix(a.Value, "-chdir="); ok {
			dir = inv.Path(d)
		}
	}
	if dir == "" || inv.Remote != "" || inv.Container != "" {
		return ""
	}
	data, err := host.ReadFile(filepath.Join(dir, ".terraform", "environment"), 256)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}
