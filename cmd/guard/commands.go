package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	flag "github.com/spf13/pflag"
)

// command is one entry of the CLI. The usage text, the shell completions
// and the man page are all generated from this table and from the same
// flag constructors the commands parse with.
type command struct {
	name     string
	synopsis string // the arguments after the name
	summary  string
	flags    func() *flag.FlagSet // nil: no flags
	words    []string             // words completed after the name
	run      func(a *app, args []string) int
	hidden   bool // used by the hooks, not typed by people
}

func commandTable() []command {
	return []command{
		{name: "check", synopsis: "[--json] [--cwd DIR] [--shell bash|posix|mksh|zsh] [--file PATH|-] [--] LINE", summary: "judge a line without running it; exit 0 allow or warn, 10 confirm, 20 block",
			flags: func() *flag.FlagSet { return checkFlags(&checkOptions{}) }, run: (*app).check},
		{name: "run", synopsis: "[--cwd DIR] [--yes-i-know RULE]... [--no-snapshot] [--file PATH|-] [--] LINE", summary: "judge a line, take the snapshot and ask for confirms, then run it",
			flags: func() *flag.FlagSet { return runFlags(&gateOptions{}) }, run: (*app).runLine},
		{name: "gate", synopsis: "[--from bash|zsh|login|sudo] [--cwd DIR] [--shell bash|zsh] [--definitions FILE] [--incomplete] [--length N] [--file PATH|-] [--] LINE", summary: "what the shell hooks call: judge, snapshot, ask; exit 0 when the line may run",
			flags: func() *flag.FlagSet { return gateFlags(&gateOptions{}) }, run: (*app).gateCmd, hidden: true},
		{name: "serve", synopsis: "--from bash|zsh", summary: "what the shell hooks keep running beside the shell: answers for the lines guard finds nothing in, so they cost no process start",
			flags: func() *flag.FlagSet { var from string; return serveFlags(&from) }, run: (*app).serveCmd, hidden: true},
		{name: "snapshot", synopsis: "list|show|restore|verify|prune|take [options] [ID|PATH...]", summary: "the snapshots taken before confirmed commands",
			flags: func() *flag.FlagSet { return snapshotFlags(&snapshotOptions{}) }, words: []string{"list", "show", "restore", "verify", "prune", "take"}, run: (*app).snapshot},
		{name: "undo", synopsis: "[--dry-run] [--force] [--to DIR]", summary: "restore your newest snapshot: what the last confirmed command destroyed", flags: func() *flag.FlagSet { return undoFlags(&undoOptions{}) }, run: (*app).undo},
		{name: "init", synopsis: "bash|zsh [--path GUARD]", summary: `print the shell hook: eval "$(guard init bash)" in ~/.bashrc`,
			flags: func() *flag.FlagSet { var p string; return initFlags(&p) }, words: []string{"bash", "zsh"}, run: (*app).initShell},
		{name: "allow", synopsis: "RULE...", summary: "through the shell hook: acknowledge rules for the rest of the session (recorded)", run: (*app).allowRules},
		{name: "shell", synopsis: "[-c CMD]", summary: "guard as a login shell (also reachable as guard-shell)", run: func(a *app, args []string) int { return a.loginShell("guard-shell", args) }},
		{name: "sudo", synopsis: "[sudo options] CMD...", summary: "judge what sudo would run, then run the real sudo (alias sudo='guard sudo')", run: (*app).sudo},
		{name: "hook", synopsis: strings.Join(agentNames(), "|") + " [--ask]", summary: "answer a coding agent's pre-command hook: its event on stdin, its own answer format out", words: agentNames(), run: (*app).agentHook},
		{name: "install", synopsis: strings.Join(agentNames(), "|") + " [--settings FILE] [--remove]", summary: "register guard's hook in a coding agent's settings, idempotently, after a backup",
			flags: func() *flag.FlagSet { return installFlags(&installOptions{}) }, words: agentNames(), run: (*app).installAgent},
		{name: "rules", synopsis: "[--json] | test FILE", summary: "the rule catalog; rules test runs a policy's own examples",
			flags: func() *flag.FlagSet { var j bool; return rulesFlags(&j) }, words: []string{"test"}, run: func(a *app, args []string) int {
				if len(args) > 0 && args[0] == "test" {
					return a.rulesTest(args[1:])
				}
				return a.rules(args)
			}},
		{name: "explain", synopsis: "RULE", summary: "the story behind a rule: the postmortem, the problematic and the correct line", run: (*app).explain},
		{name: "policy", synopsis: "check [--user] [FILE...]", summary: "report every problem in the policy files (exit 1 if any)", words: []string{"check"}, run: (*app).policyCmd},
		{name: "log", synopsis: "[--since D] [--rule RULE] [--decision D] [--json]", summary: "recent audit records",
			flags: func() *flag.FlagSet { return logFlags(&logOptions{}) }, run: (*app).logCmd},
		{name: "doctor", synopsis: "[--json]", summary: "what is wired in, the policy, the snapshot store, the audit channels, a self-test",
			flags: func() *flag.FlagSet { var j bool; return doctorFlags(&j) }, run: (*app).doctor},
		{name: "completion", synopsis: "bash|zsh", summary: "print the shell completion script", words: []string{"bash", "zsh"}, run: (*app).completion},
		{name: "man", synopsis: "", summary: "print the manual page (roff)", run: (*app).manPage},
		{name: "version", synopsis: "", summary: "print the version and the commit it was built from", run: func(a *app, _ []string) int {
			fmt.Fprintf(a.stdout, "guard %s\n", version())
			return exitOK
		}},
	}
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commandTable() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func writeUsage(w io.Writer) {
	fmt.Fprint(w, "guard judges shell lines before they run.\n\nUsage:\n")
	for _, c := range commandTable() {
		if !c.hidden {
			fmt.Fprintln(w, strings.TrimSpace("  guard "+c.name+" "+c.synopsis))
		}
	}
	fmt.Fprint(w, "\nguard explain RULE tells the story behind a finding; guard man prints the manual.\n")
}

// completion prints a completion script built from the command table.
func (a *app) completion(args []string) int {
	if len(args) != 1 || (args[0] != "bash" && args[0] != "zsh") {
		fmt.Fprintln(a.stderr, "guard completion: bash or zsh")
		return exitUsage
	}
	var names []string
	cases := map[string][]string{}
	for _, c := range commandTable() {
		if c.hidden {
			continue
		}
		names = append(names, c.name)
		words := append([]string(nil), c.words...)
		if c.flags != nil {
			c.flags().VisitAll(func(f *flag.Flag) { words = append(words, "--"+f.Name) })
		}
		if c.name == "explain" || c.name == "allow" {
			words = append(words, "$(guard rules 2>/dev/null | awk 'NR>1{print $1}')")
		}
		cases[c.name] = words
	}
	sort.Strings(names)
	if args[0] == "bash" {
		fmt.Fprintf(a.stdout, "# bash completion for guard: source <(guard completion bash)\n_guard() {\n\tlocal cur=${COMP_WORDS[COMP_CWORD]}\n\tif [[ $COMP_CWORD == 1 ]]; then\n\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n\t\treturn\n\tfi\n\tcase ${COMP_WORDS[1]} in\n", strings.Join(names, " "))
		for _, n := range names {
			fmt.Fprintf(a.stdout, "\t%s) COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")) ;;\n", n, strings.Join(cases[n], " "))
		}
		fmt.Fprint(a.stdout, "\tesac\n}\ncomplete -o default -F _guard guard\n")
		return exitOK
	}
	fmt.Fprintf(a.stdout, "#compdef guard\n# zsh completion for guard: guard completion zsh > \"${fpath[1]}/_guard\"\n_guard() {\n\tif (( CURRENT == 2 )); then\n\t\tcompadd -- %s\n\t\treturn\n\tfi\n\tcase $words[2] in\n", strings.Join(names, " "))
	for _, n := range names {
		fmt.Fprintf(a.stdout, "\t%s) compadd -- %s ;;\n", n, strings.Join(cases[n], " "))
	}
	fmt.Fprint(a.stdout, "\t*) _files ;;\n\tesac\n}\ncompdef _guard guard\n")
	return exitOK
}

// manPage prints guard(1) in roff, from the command table and the flags.
func (a *app) manPage(_ []string) int {
	w := a.stdout
	esc := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\e`), "-", `\-`) }
	fmt.Fprintf(w, ".TH GUARD 1 %q \"guard %s\" \"User Commands\"\n", time.Now().UTC().Format("2006-01-02"), esc(version()))
	fmt.Fprint(w, ".SH NAME\nguard \\- a safety guard for the shell on production hosts\n.SH SYNOPSIS\n")
	for _, c := range commandTable() {
		if !c.hidden {
			fmt.Fprintf(w, ".B guard %s\n", c.name)
			if c.synopsis != "" {
				fmt.Fprintf(w, "%s\n", esc(c.synopsis))
			}
			fmt.Fprint(w, ".br\n")
		}
	}
	fmt.Fprint(w, `.SH DESCRIPTION
guard reads a shell line before it runs, works out what every command in it
would really do, and judges it against rules drawn from postmortems:
allow, warn, confirm or block, with the reason and the safer alternative.
A confirm is offered only after a snapshot of what the command would
destroy has been taken.
.SH COMMANDS
`)
	for _, c := range commandTable() {
		if c.hidden {
			continue
		}
		fmt.Fprintf(w, ".TP\n.B %s\n%s\n", c.name, esc(c.summary))
		if c.flags != nil {
			c.flags().VisitAll(func(f *flag.Flag) {
				fmt.Fprintf(w, ".RS\n.TP\n.B \\-\\-%s\n%s\n.RE\n", esc(f.Name), esc(f.Usage))
			})
		}
	}
	fmt.Fprint(w, `.SH EXIT STATUS
check: 0 allow or warn, 10 confirm, 20 block, 2 usage error. run and the
hooks: the command's own status, 10 when a confirmation was not given, 20
when blocked.
.SH ENVIRONMENT
.TP
.B GUARD=off
before one command: run it unchecked (recorded).
.TP
.B GUARD_SNAPSHOTS
the snapshot store (default /var/lib/guard/snapshots for root).
.TP
.B GUARD_SNAPSHOT_BUDGET
the most one snapshot may write, e.g. 2G.
.TP
.B NO_COLOR
no colour in reports.
.SH FILES
/etc/guard/guard.toml, /etc/guard/guard.d/*.toml, ~/.config/guard/guard.toml,
/var/log/guard/audit.jsonl
.SH SEE ALSO
guard explain RULE, guard rules
`)
	return exitOK
}
