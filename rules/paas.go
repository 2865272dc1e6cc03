package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

func paasRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "paas-delete",
		Programs:   []string{"heroku", "fly", "flyctl", "vercel", "netlify", "supabase", "npm", "pnpm", "yarn", "gem"},
		Decision:   guard.Confirm,
		Summary:    "a hosted app, database or published package deleted from its platform: heroku apps:destroy, pg:reset and addons:destroy, fly apps/postgres/volumes destroy, vercel remove, netlify sites:delete, supabase db reset --linked and projects delete, npm unpublish, gem yank",
		Postmortem: "a coding agent cleaning up 'old preview apps' ran heroku apps:destroy --confirm over a list that held the production app: its Postgres add-on, config vars and release history went with it",
		Match:      matchPaaSDelete,
	}}
}

// paasDeletes: the subcommand words that delete, by platform, and what
// goes. A word list matches the operands from their start.
var paasDeletes = map[string][]struct {
	words []string
	what  string
}{
	"heroku": {
		{[]string{"apps:destroy"}, "the app with its add-ons (its Postgres database included), config vars and releases"},
		{[]string{"destroy"}, "the app with its add-ons (its Postgres database included), config vars and releases"},
		{[]string{"pg:reset"}, "every table and row of the app's Postgres database"},
		{[]string{"addons:destroy"}, "the add-on with its data (a database add-on's every row)"},
		{[]string{"addons:remove"}, "the add-on with its data (a database add-on's every row)"},
	},
	"fly": {
		{[]string{"apps", "destroy"}, "the app with its machines and volumes"},
		{[]string{"apps", "delete"}, "the app with its machines and volumes"},
		{[]string{"destroy"}, "the app with its machines and volumes"},
		{[]string{"postgres", "destroy"}, "the Postgres cluster with its volumes"},
		{[]string{"volumes", "destroy"}, "the volume and its data"},
		{[]string{"volumes", "delete"}, "the volume and its data"},
		{[]string{"volume", "destroy"}, "the volume and its data"},
	},
	"vercel": {
		{[]string{"remove"}, "the deployments or the project named"},
		{[]string{"rm"}, "the deployments or the project named"},
		{[]string{"project", "rm"}, "the project with its deployments, domains and settings"},
		{[]string{"project", "remove"}, "the project with its deployments, domains and settings"},
	},
	"netlify": {
		{[]string{"sites:delete"}, "the site with its deploys, forms and settings"},
	},
	"supabase": {
		{[]string{"projects", "delete"}, "the project with its database, storage and auth users"},
	},
	"npm": {
		{[]string{"unpublish"}, "the package version from the registry: that version can never be published again, and whoever depends on it fails to install"},
	},
	"gem": {
		{[]string{"yank"}, "the gem version from rubygems.org: whoever pins it fails to install"},
	},
}

func matchPaaSDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	program := inv.Program
	switch program {
	case "flyctl":
		program = "fly"
	case "pnpm", "yarn":
		program = "npm" // pnpm unpublish, yarn npm unpublish
	}
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "arcos", LongValue: []string{"app", "remote", "confirm", "config", "org", "scope", "token", "project-ref", "db-url", "otp", "registry", "key", "version", "platform", "host", "site", "auth"}})
	ops := operandValues(p.Operands)
	if len(ops) > 0 && ops[0] == "npm" && inv.Program == "yarn" {
		ops = ops[1:]
	}
	if p.Has("help", "h", "dry-run") {
		return nil
	}
	if program == "supabase" && len(ops) >= 2 && ops[0] == "db" && ops[1] == "reset" {
		if !p.Has("linked") && !p.Has("db-url") {
			return nil // the local development stack
		}
		return guard.Found(guard.Confirm, "reset the local stack instead (supabase db reset, without --linked); take a dump first: supabase db dump --linked -f backup.sql",
			"would reset the hosted database of the linked project: every table is dropped and the migrations run again, its data gone")
	}
	for _, d := range paasDeletes[program] {
		if len(ops) < len(d.words) || !wordsPrefix(ops, d.words) {
			continue
		}
		target := strings.Join(ops[len(d.words):], " ")
		if a, ok := p.Value("a", "app", "site"); ok && target == "" {
			target = a.Value
		}
		if target == "" {
			target = "the one this folder is linked to"
		}
		return guard.Found(guard.Confirm, "look at what it holds first and take a copy (heroku pg:backups:capture, fly volumes snapshots create, a database dump); for an app, scale it to zero instead",
			"would delete on %s %s (%s): %s; the platform keeps no copy to bring back", program, target, strings.Join(d.words, " "), d.what)
	}
	return nil
}

func wordsPrefix(ops, words []string) bool {
	for i, w := range words {
		if ops[i] != w {
			return false
		}
	}
	return true
}
