package guard

import "strings"

// guard itself runs lines: guard run and guard gate run LINE, guard sudo
// runs sudo, guard shell -c and guard-shell -c hand CMD to bash. Each is
// judged as what it runs, so that wrapping a line in guard never hides it
// from the guard in front of it (a coding agent's hook, the shell hook, the
// login shell). The guard inside still judges it again when it runs.

// guardRunSpec is the options of guard run and guard gate (cmd/guard's
// gateOptions): the ones that take a value, and no interspersed operands.
var guardRunSpec = OptSpec{
	LongValue:     []string{"cwd", "yes-i-know", "shell", "file", "from"},
	StopAtOperand: true,
}

// wrapGuard looks inside guard and guard-shell.
func wrapGuard(r *resolver, outer *Invocation, sc *scope) {
	if outer.Program == "guard-shell" {
		r.guardShell(outer, outer.Args, sc)
		return
	}
	if len(outer.Args) == 0 || !outer.Args[0].Known {
		return // usage, or a subcommand guard cannot know
	}
	sub, rest := outer.Args[0].Value, outer.Args[1:]
	switch sub {
	case "run", "gate":
		r.guardRun(outer, sub, rest, sc)
	case "sudo":
		sudo := Arg{Text: "sudo", Value: "sudo", Known: true}
		r.runInner(outer, append([]Arg{sudo}, rest...), sc, "guard sudo", nil)
	case "shell":
		r.guardShell(outer, rest, sc)
	}
	// check, explain, rules, snapshot, hook, install… run no shell line.
}

// guardShell is guard's login shell: with -c it judges CMD and execs bash
// with the same arguments; without, it reads a script on standard input.
// Either way bash runs what it is given.
func (r *resolver) guardShell(outer *Invocation, args []Arg, sc *scope) {
	bash := Arg{Text: "bash", Value: "bash", Known: true}
	r.runInner(outer, append([]Arg{bash}, args...), sc, "guard shell", nil)
}

// guardRun is guard run and guard gate: LINE runs in the user's shell, in
// --cwd DIR when given, read from --file PATH (- for standard input)
// instead of the arguments when given.
func (r *resolver) guardRun(outer *Invocation, sub string, args []Arg, sc *scope) {
	p := ParseOptions(args, guardRunSpec)
	adjust := func(inner *Invocation, _ *scope) {
		if d, ok := p.Value("cwd"); ok {
			inner.Cwd = ""
			if d.Known {
				inner.Cwd = outer.Path(d.Value)
			}
		}
	}
	via := "guard " + sub
	start := len(r.invs)
	if f, ok := p.Value("file"); ok {
		switch {
		case f.Known && f.Value == "-":
			if text, known := r.stdinText(outer); known {
				r.runCode(outer, text, sc, via, func(inner *Invocation, isc *scope) {
					adjust(inner, isc)
					inner.Stdin = nil
				})
			}
		default:
			// guard run --file PATH runs the script at PATH: judged as
			// bash PATH is, by whatever reads scripts.
			bash := Arg{Text: "bash", Value: "bash", Known: true}
			r.runInner(outer, []Arg{bash, f}, sc, via, adjust)
		}
	} else {
		words := append(p.Operands, p.Rest...)
		for _, w := range words {
			if !w.Known {
				return // as for bash -c "$CODE": code guard cannot know is not read
			}
		}
		r.runCode(outer, joinCode(words, r.lineLang()), sc, via, adjust)
	}
	// --yes-i-know RULE is the operator's deliberate way past for RULE:
	// the guard run inside judges, snapshots and records it. The engine
	// honours it only for people, never for a coding agent (Options.Strict).
	acks := ackedRules(p.Values("yes-i-know"))
	if len(acks) == 0 {
		return
	}
	for _, inv := range r.invs[start:] {
		inv.Acknowledged = append(inv.Acknowledged, acks...)
	}
}

// ackedRules reads --yes-i-know values: repeated, or separated by commas
// (pflag's string slices).
func ackedRules(values []Arg) []string {
	var rules []string
	for _, v := range values {
		if !v.Known {
			continue
		}
		for _, rule := range strings.Split(v.Value, ",") {
			if rule != "" {
				rules = append(rules, rule)
			}
		}
	}
	return rules
}
