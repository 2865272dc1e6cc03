package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard"
)

func forgeRules() []*guard.Rule {
	return []*guard.Rule{{
		ID:         "forge-repo-delete",
		Programs:   []string{"gh", "glab"},
		Decision:   guard.Confirm,
		Summary:    "gh or glab repo delete (the repository with its issues, pull requests, wiki and releases), gh release delete --cleanup-tag (the tag too; without it a warning), gh/glab api with method DELETE on a repository, a ref, a release, a team or a project (caches, artifacts and workflow runs pass)",
		Postmortem: "gh repo delete run in a script loop with --yes over a list that held the production repository: issues, pull request reviews and release assets gone with it",
		Match:      matchForgeDelete,
	}}
}

var ghAPISpec = guard.OptSpec{
	ShortValue: "XHfFpqtR",
	LongValue:  []string{"method", "header", "field", "raw-field", "preview", "jq", "template", "input", "hostname", "cache", "repo"},
}

// forgeDisposable are API paths whose DELETE throws away what the forge
// makes again (a cache, a build's artifacts, a workflow run's logs).
var forgeDisposable = []string{"/actions/caches", "/actions/artifacts", "/actions/runs", "/logs", "/reactions", "/notifications", "/jobs"}

func matchForgeDelete(inv *guard.Invocation, host guard.Host) *guard.Finding {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "RFtnm", LongValue: []string{"repo", "notes-file", "title", "notes", "target"}})
	if len(p.Operands) == 0 {
		return nil
	}
	forge := map[string]string{"gh": "GitHub", "glab": "GitLab"}[inv.Program]
	words := make([]string, 0, 3)
	for _, o := range p.Operands[:min(len(p.Operands), 3)] {
		words = append(words, o.Value)
	}
	switch {
	case len(words) >= 2 && words[0] == "repo" && words[1] == "delete":
		repo := "the current folder's repository"
		if len(words) >= 3 {
			repo = words[2]
		}
		return guard.Found(guard.Confirm, "archive it instead ("+inv.Program+" repo archive "+strings.TrimPrefix(repo, "the current folder's repository")+"): it becomes read-only and keeps everything; keep a copy first with git clone --mirror",
			"would delete %s on %s with its issues, pull requests, wiki, releases and CI history: git clones keep the code, nothing keeps the rest (a deleted repository can be restored only from the organisation's settings, for a while, and not always)", repo, forge)
	case len(words) >= 2 && words[0] == "release" && words[1] == "delete":
		tag := "the release"
		if len(words) >= 3 {
			tag = "the release " + words[2]
		}
		if p.Has("cleanup-tag") {
			return guard.Found(guard.Confirm, "delete the release alone (without --cleanup-tag): the tag keeps the code it points at, and users who pinned it still build",
				"would delete %s on %s with its assets and its git tag: whoever pinned that tag (go.mod, a Dockerfile, a lock file) can no longer fetch it", tag, forge)
		}
		return guard.Found(guard.Warn, "gh release view shows what it holds",
			"deletes %s on %s with its notes and assets (the git tag stays)", tag, forge)
	case words[0] == "api":
		return forgeAPIDelete(inv, forge)
	}
	return nil
}

// forgeAPIDelete: gh api -X DELETE PATH (also -XDELETE, --method=DELETE),
// the raw REST call behind every delete.
func forgeAPIDelete(inv *guard.Invocation, forge string) *guard.Finding {
	p := guard.ParseOptions(inv.Args, ghAPISpec)
	method, ok := p.Value("X", "method")
	if !ok || !strings.EqualFold(method.Value, "DELETE") && method.Known {
		return nil
	}
	if len(p.Operands) < 2 {
		return nil
	}
	endpoint := p.Operands[1]
	for _, d := range forgeDisposable {
		if endpoint.Known && strings.Contains(endpoint.Value, d) {
			return nil // made again by the next build
		}
	}
	what := endpoint.Value
	if !endpoint.Known {
		what = endpoint.Text
	}
	return guard.Found(guard.Confirm, "look at it first with the same call without -X DELETE (gh api "+what+"); for a repository, archiving keeps everything",
		"would send DELETE %s to %s: a repository, branch, release, team or project deleted this way has no undo from the command line", what, forge)
}
