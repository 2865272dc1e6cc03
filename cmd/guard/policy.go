package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/policy"
	"github.com/guard-sh/guard/rules"
)

// loadPolicy reads the site policy once per process. Errors never stop
// guard (the built-in rules and the valid files apply) and each is shown
// to a user once, not at every Enter: guard policy check and guard doctor
// list them all, every time.
func (a *app) loadPolicy() *policy.Policy {
	if a.policy != nil {
		return a.policy
	}
	sources, readErrs := policy.Read(policy.Paths(a.getenv))
	known := map[string]guard.Decision{}
	if len(sources) > 0 { // building the table costs a catalog: only when needed
		known = a.catalog().Defaults()
	}
	p, errs := policy.Load(sources, known)
	for _, err := range append(readErrs, errs...) {
		a.noticeOnce(fmt.Sprintf("guard: policy ignored: %v (the built-in rules and the valid files still apply; guard policy check lists every problem)", err))
	}
	a.policy = p
	return p
}

// catalog is the built-in catalog, built once per process: the policy is
// checked against it and the engine made from it.
func (a *app) catalog() *rules.Site {
	if a.site == nil {
		a.site = rules.NewSite()
	}
	return a.site
}

// engine is the engine for this site, built once per process. If the
// policy cannot be turned into one, the built-in rules apply, with a warning.
func (a *app) engine() (*guard.Engine, error) {
	if a.eng != nil {
		return a.eng, nil
	}
	e, err := a.catalog().Engine(a.loadPolicy())
	if err != nil {
		a.noticeOnce(fmt.Sprintf("guard: the site policy cannot be used (%v); the built-in rules apply", err))
		e, err = rules.NewEngine()
	}
	a.eng = e
	return e, err
}

// policyCmd is guard policy check [--user] [FILE...]: every problem, with
// file, line and column; a non-zero exit for a config repository's CI.
func (a *app) policyCmd(args []string) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(a.stderr, "usage: guard policy check [--user] [FILE...]")
		return exitUsage
	}
	args = args[1:]
	user := false
	if len(args) > 0 && args[0] == "--user" {
		user, args = true, args[1:]
	}
	var sources []policy.Source
	if len(args) == 0 {
		sources = policy.Paths(a.getenv)
	}
	for _, f := range args {
		sources = append(sources, policy.Source{Path: f, User: user})
	}
	read, errs := policy.Read(sources)
	site := rules.NewSite()
	p, loadErrs := policy.Load(read, site.Defaults())
	errs = append(errs, loadErrs...)
	if len(errs) == 0 {
		if _, err := site.Engine(p); err != nil {
			errs = append(errs, policy.Error{File: "policy", Msg: err.Error()})
		}
	}
	for _, err := range errs {
		fmt.Fprintln(a.stdout, err.Error())
	}
	if len(errs) > 0 {
		fmt.Fprintf(a.stderr, "guard policy check: %d problem(s)\n", len(errs))
		return 1
	}
	fmt.Fprintf(a.stdout, "ok: %d file(s), %d site rule(s), %d exception(s), %d protected path(s)\n", len(read), len(p.Rules), len(p.Allow), len(p.Protected))
	return exitOK
}

// rulesTest is guard rules test FILE: the policy's own example lines,
// judged through the whole engine. Every site rule must catch its catch
// examples with its decision and leave its allow examples alone.
func (a *app) rulesTest(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(a.stderr, "usage: guard rules test FILE")
		return exitUsage
	}
	read, errs := policy.Read([]policy.Source{{Path: args[0]}})
	site := rules.NewSite()
	p, loadErrs := policy.Load(read, site.Defaults())
	if errs = append(errs, loadErrs...); len(errs) > 0 {
		for _, err := range errs {
			fmt.Fprintln(a.stdout, err.Error())
		}
		return 1
	}
	engine, err := site.Engine(p)
	if err != nil {
		fmt.Fprintf(a.stderr, "guard rules test: %v\n", err)
		return 1
	}
	host := &guard.OSHost{}
	dir, _ := os.Getwd()
	failed, total := 0, 0
	for _, r := range p.Rules {
		want, _ := guard.ParseDecision(r.Decision)
		var judgeOn guard.Host = host
		if r.SSHOnly {
			judgeOn = overSSH{host} // its examples are lines typed over SSH
		}
		check := func(line string, expect guard.Decision) {
			total++
			v := engine.Judge(line, judgeOn, guard.Options{Cwd: dir})
			got := guard.Allow
			for _, f := range v.Findings {
				if f.Rule == r.ID {
					got = max(got, f.Decision)
				}
			}
			status := "ok  "
			if got != expect {
				status, failed = "FAIL", failed+1
			}
			fmt.Fprintf(a.stdout, "%s %s: %q: %s (want %s)\n", status, r.ID, line, got, expect)
		}
		for _, line := range r.CatchExamples() {
			check(line, want)
		}
		for _, line := range r.Examples["allow"] {
			check(line, guard.Allow)
		}
	}
	fmt.Fprintf(a.stdout, "%d passed, %d failed (%s)\n", total-failed, failed, filepath.Base(args[0]))
	if failed > 0 {
		return 1
	}
	return exitOK
}

// overSSH is the host as seen from an SSH session, for the examples of
// ssh_only rules.
type overSSH struct{ guard.Host }

func (h overSSH) Getenv(name string) (string, bool) {
	if name == "SSH_CONNECTION" {
		return "192.0.2.1 50000 192.0.2.2 22", true
	}
	return h.Host.Getenv(name)
}
