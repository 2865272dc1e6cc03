package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/policy"
)

// Site is the built-in catalog built once for a process that reads a
// policy: the decisions the policy is checked against, then the engine
// the policy asks for, from the same rules.
type Site struct {
	catalog []*guard.Rule
	c       classifier
}

// NewSite builds the catalog.
func NewSite() *Site {
	c := newClassifier(nil)
	return &Site{catalog: catalogFor(c), c: c}
}

// Defaults maps every built-in rule id to its usual decision, for checking
// a policy's overrides.
func (s *Site) Defaults() map[string]guard.Decision {
	known := map[string]guard.Decision{}
	for _, r := range guard.MetaRules() {
		known[r.ID] = r.Decision
	}
	for _, r := range s.catalog {
		known[r.ID] = r.Decision
	}
	return known
}

// Engine builds the engine the policy p asks for from the site's catalog:
// the built-in rules as the policy changes them, the site's own rules, its
// exceptions (the built-in rules alone for no policy). The policy's
// protected paths become the catalog's: one policy per Site.
func (s *Site) Engine(p *policy.Policy) (*guard.Engine, error) {
	if p == nil {
		return guard.NewEngine(s.catalog)
	}
	for _, path := range p.Protected {
		s.c.protect(path)
	}
	catalog := s.catalog
	var rules []*guard.Rule
	for _, r := range catalog {
		o, ok := p.Overrides[r.ID]
		switch {
		case ok && o.Disabled:
			continue
		case ok && (o.Decision != nil || o.Floor != nil):
			rules = append(rules, withDecision(r, o))
		default:
			rules = append(rules, r)
		}
	}
	for _, c := range p.Rules {
		r, err := SiteRule(c)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return guard.NewEngine(rules, p.Allow...)
}

// withDecision returns a copy of r whose findings carry the decision the
// site sets (which replaces the rule's), raised to the user's floor (which
// never lowers a finding).
func withDecision(r *guard.Rule, o policy.Override) *guard.Rule {
	copied := *r
	match := r.Match
	if o.Decision != nil {
		copied.Decision = *o.Decision
		copied.Explain += fmt.Sprintf("\nThis site sets its decision to %s (%s).\n", *o.Decision, o.Source)
	}
	if o.Floor != nil {
		copied.Decision = max(copied.Decision, *o.Floor)
		copied.Explain += fmt.Sprintf("\nYour own policy raises its findings to at least %s (%s).\n", *o.Floor, o.Source)
	}
	copied.Match = func(inv *guard.Invocation, host guard.Host) *guard.Finding {
		f := match(inv, host)
		if f == nil {
			return nil
		}
		if o.Decision != nil {
			f.Decision = *o.Decision
		}
		if o.Floor != nil {
			f.Decision = max(f.Decision, *o.Floor)
		}
		return f
	}
	return &copied
}

// SiteRule turns a rule declared as data into a rule of the catalog. It
// goes through the same engine as the built-in rules: wrappers peeled,
// nested shells parsed, words expanded, cwd tracked.
func SiteRule(c policy.CustomRule) (*guard.Rule, error) {
	d, err := guard.ParseDecision(c.Decision)
	if err != nil {
		return nil, fmt.Errorf("site rule %s (%s): %w", c.ID, c.Source, err)
	}
	explain := c.Explain
	if explain == "" {
		explain = fmt.Sprintf("A site rule, from %s.\n\nWhat would happen: %s.\nInstead: %s.\n", c.Source, c.Message, c.Hint)
	}
	return &guard.Rule{
		ID:         c.ID,
		Programs:   c.Programs,
		Decision:   d,
		Summary:    c.Message,
		Postmortem: "site policy " + c.Source,
		Explain:    explain,
		Match: func(inv *guard.Invocation, host guard.Host) *guard.Finding {
			return matchSiteRule(c, d, inv, host)
		},
	}, nil
}

func matchSiteRule(c policy.CustomRule, d guard.Decision, inv *guard.Invocation, host guard.Host) *guard.Finding {
	values := inv.Values()
	for _, want := range c.Args {
		if !slices.Contains(values, want) {
			return nil
		}
	}
	if len(c.AnyArgs) > 0 && !slices.ContainsFunc(c.AnyArgs, func(a string) bool { return slices.Contains(values, a) }) {
		return nil
	}
	if c.SSHOnly {
		if _, ok := guard.SSHClient(inv, host); !ok {
			return nil
		}
	}
	var matched []string
	if c.Path != nil {
		for _, a := range inv.Args {
			if !a.Known || strings.HasPrefix(a.Value, "-") {
				continue
			}
			if p := inv.Path(a.Value); p != "" && pathMatches(*c.Path, p, inv, host) {
				matched = append(matched, p)
			}
		}
		if len(matched) == 0 {
			return nil
		}
	}
	f := guard.Found(d, c.Hint, "%s", c.Message)
	if c.Snapshot == "files" && len(matched) > 0 {
		f.Saving(guard.Backup{Kind: guard.BackupFiles, Paths: matched})
	}
	return f
}

func pathMatches(pc policy.PathCondition, p string, inv *guard.Invocation, host guard.Host) bool {
	if pc.Glob != "" {
		// A pattern without a slash matches the base name, as find -name.
		subject := p
		if !strings.Contains(pc.Glob, "/") {
			subject = filepath.Base(p)
		}
		if ok, _ := filepath.Match(pc.Glob, subject); !ok {
			return false
		}
	}
	if pc.Under != "" {
		under := filepath.Clean(pc.Under)
		if p != under && !strings.HasPrefix(p, under+"/") {
			return false
		}
	}
	if pc.Symlink && (inv.Remote != "" || !guard.IsSymlink(host, p)) {
		return false
	}
	if pc.MountPoint {
		if _, ok := guard.MountAt(host, p); !ok || inv.Remote != "" {
			return false
		}
	}
	return true
}
