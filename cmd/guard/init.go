package main

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"strings"

	flag "github.com/spf13/pflag"
	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/gate"
)

// exitIncomplete is guard gate --incomplete's answer for a line the shell
// will read more of before it runs any (an open quote, a here-document, a
// backslash at the end): the hook lets the shell read on, and the whole
// text is judged at the Enter that completes it.
const exitIncomplete = 30

// exitShort is guard gate --length's answer when fewer bytes arrived than
// the hook sent (a here-string's temporary file cut short on a full
// disk): nothing was judged, and the hook sends the line again through a
// pipe.
const exitShort = 31

//go:embed hooks/guard.bash
var bashHook string

//go:embed hooks/guard.zsh
var zshHook string

// initShell prints the hook code for a shell, with the absolute path of
// this binary, as direnv, zoxide and starship do: eval "$(guard init bash)".
func (a *app) initShell(args []string) int {
	var path string
	fs := initFlags(&path)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return a.flagError("init", err)
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(a.stderr, "guard init: say which shell: guard init bash, or guard init zsh")
		return exitUsage
	}
	self := path
	if self == "" {
		var err error
		if self, err = os.Executable(); err != nil {
			fmt.Fprintf(a.stderr, "guard init: cannot tell where guard is: %v\n", err)
			return 1
		}
	}
	quoted := gate.Quote(self)
	switch fs.Arg(0) {
	case "bash":
		fmt.Fprint(a.stdout, strings.ReplaceAll(bashHook, "@GUARD@", quoted))
	case "zsh":
		fmt.Fprint(a.stdout, strings.ReplaceAll(zshHook, "@GUARD@", quoted))
	default:
		fmt.Fprintf(a.stderr, "guard init: no hook for %q (bash or zsh)\n", fs.Arg(0))
		return exitUsage
	}
	return exitOK
}

func initFlags(path *string) *flag.FlagSet {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.StringVar(path, "path", "", "the guard binary the hook calls (default: this one)")
	return fs
}

// hookOptions are the flags of guard gate that only the shell hooks use.
type hookOptions struct {
	definitionsFile string
	definitions     string // read from definitionsFile
	incomplete      bool
	length          int
}

func (h *hookOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&h.definitionsFile, "definitions", "", "read the shell's aliases and functions the line uses, as shell code, from `PATH`")
	fs.BoolVar(&h.incomplete, "incomplete", false, "exit 30 without judging a line the shell will read more of")
	fs.IntVar(&h.length, "length", -1, "the line is `N` bytes (without a final newline): exit 31 without judging if another length arrives")
}

// hookStep reads what a hook sends besides the line. done says the gate
// answers code without judging: the line is incomplete, or the
// definitions could not be read (then it does not run).
func (a *app) hookStep(line string, o *gateOptions) (code int, done bool) {
	if o.hook.length >= 0 && len(line) <= guard.MaxLineBytes && len(strings.TrimSuffix(line, "\n")) != o.hook.length {
		return exitShort, true
	}
	if o.hook.incomplete {
		if lang, err := parseLang(o.shell); err == nil && lineIncomplete(line, lang) {
			return exitIncomplete, true
		}
	}
	if o.hook.definitionsFile != "" {
		defs, err := a.lineFrom(o.hook.definitionsFile, nil)
		if err != nil {
			fmt.Fprintf(a.stderr, "guard: not run: reading the shell's aliases and functions: %v\n", err)
			return exitRefused, true
		}
		o.hook.definitions = defs
	}
	return exitOK, false
}

// lineIncomplete: the shell reads more lines before it runs any of line.
func lineIncomplete(line string, lang syntax.LangVariant) bool {
	text := strings.TrimSuffix(line, "\n")
	escapes := len(text) - len(strings.TrimRight(text, `\`))
	if escapes%2 == 1 {
		return true // a backslash at the end continues the line
	}
	_, err := syntax.NewParser(syntax.Variant(lang)).Parse(strings.NewReader(text+"\n"), "")
	if syntax.IsIncomplete(err) {
		return true
	}
	// mvdan.cc/sh does not flag a here-document whose quoted delimiter
	// (<<'EOF') has not come yet as incomplete; the shell reads on.
	var perr syntax.ParseError
	return errors.As(err, &perr) && strings.HasPrefix(perr.Text, "unclosed here-document")
}

// allowRules checks rule ids for `guard allow RULE` (the shell function of
// the hook then adds them to GUARD_ALLOW for the session) and records it.
func (a *app) allowRules(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(a.stderr, "guard allow: name the rules to allow for this session (guard rules lists them)")
		return exitUsage
	}
	engine, err := a.engine()
	if err != nil {
		fmt.Fprintf(a.stderr, "guard allow: %v\n", err)
		return 1
	}
	for _, id := range args {
		if _, ok := engine.Rule(id); !ok {
			fmt.Fprintf(a.stderr, "guard allow: no rule %q (guard rules lists them)\n", id)
			return exitUsage
		}
	}
	wd, _ := os.Getwd()
	a.audit("override", "guard allow "+strings.Join(args, " "), wd, "session", args, "allowed for the rest of the shell session")
	fmt.Fprintf(a.stderr, "guard: %s allowed for the rest of this shell session (recorded); lines it matches still get a snapshot\n", strings.Join(args, ", "))
	return exitOK
}
