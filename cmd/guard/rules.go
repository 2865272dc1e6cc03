package main

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	flag "github.com/spf13/pflag"

	"github.com/guard-sh/guard/guard"
)

func jsonFlag(name, usage string, v *bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.BoolVar(v, "json", false, usage)
	return fs
}

func rulesFlags(asJSON *bool) *flag.FlagSet {
	return jsonFlag("rules", "print the catalog as a JSON array", asJSON)
}

func (a *app) rules(args []string) int {
	var asJSON bool
	fs := rulesFlags(&asJSON)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return a.flagError(fs.Name(), err)
	}
	engine, err := a.engine()
	if err != nil {
		fmt.Fprintf(a.stderr, "guard rules: %v\n", err)
		return exitUsage
	}
	if asJSON {
		type entry struct {
			ID         string         `json:"id"`
			Family     string         `json:"family"`
			Decision   guard.Decision `json:"decision"`
			Summary    string         `json:"summary"`
			Programs   []string       `json:"programs"`
			Postmortem string         `json:"postmortem"`
		}
		var list []entry
		for _, r := range engine.Rules() {
			list = append(list, entry{r.ID, family(r), r.Decision, r.Summary, r.Programs, r.Postmortem})
		}
		return a.printJSON(list)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tFAMILY\tDECISION\tSUMMARY")
	for _, r := range engine.Rules() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, family(r), r.Decision, r.Summary)
	}
	_ = tw.Flush()
	return exitOK
}

// family is the rule's family; guard's own findings and site rules have
// none of their own.
func family(r *guard.Rule) string {
	switch {
	case r.Family != "":
		return r.Family
	case strings.HasPrefix(r.Postmortem, "site policy"):
		return "site"
	}
	return "engine"
}

func (a *app) explain(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(a.stderr, "guard explain: give one rule id (guard rules lists them)")
		return exitUsage
	}
	engine, err := a.engine()
	if err != nil {
		fmt.Fprintf(a.stderr, "guard explain: %v\n", err)
		return exitUsage
	}
	r, ok := engine.Rule(args[0])
	if !ok {
		var near []string
		for _, r := range engine.Rules() {
			if strings.Contains(r.ID, args[0]) || strings.Contains(args[0], strings.SplitN(r.ID, "-", 2)[0]) {
				near = append(near, r.ID)
			}
		}
		sort.Strings(near)
		fmt.Fprintf(a.stderr, "guard explain: no rule %q", args[0])
		if len(near) > 0 {
			fmt.Fprintf(a.stderr, "; did you mean %s?", strings.Join(near, ", "))
		}
		fmt.Fprintln(a.stderr, " (guard rules lists them all)")
		return exitUsage
	}
	fmt.Fprintf(a.stdout, "%s\nDecision: %s\nFrom: %s\n", strings.TrimSpace(r.Explanation()), r.Decision, r.Postmortem)
	return exitOK
}
