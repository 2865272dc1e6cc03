package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
	flag "github.com/spf13/pflag"
	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/gate"
)

type checkOptions struct {
	json             bool
	cwd, shell, file string
}

func checkFlags(o *checkOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.BoolVar(&o.json, "json", false, "print the verdict as one JSON object on stdout")
	fs.StringVar(&o.cwd, "cwd", "", "judge the line as typed in `DIR` (default: the current directory)")
	fs.StringVar(&o.shell, "shell", "bash", "shell dialect: bash, posix, mksh or zsh")
	fs.StringVar(&o.file, "file", "", "read the line (or a whole script) from `PATH`, - for standard input, instead of the arguments")
	fs.SetInterspersed(false)
	return fs
}

// lineFrom is the line to judge: the arguments joined, or what --file
// names (a file, a pipe, - for standard input), which carries any size
// (argv cannot carry more than 128 KiB in one argument). Past
// guard.MaxLineBytes the rest is not read: the engine then says the line
// is too large to judge, rather than judge half of it.
func (a *app) lineFrom(file string, args []string) (string, error) {
	if file == "" {
		if len(args) == 0 {
			return "", fmt.Errorf("missing LINE (or --file PATH)")
		}
		return strings.Join(args, " "), nil
	}
	if len(args) > 0 {
		return "", fmt.Errorf("give the line as arguments or with --file, not both")
	}
	var r io.Reader = a.stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, guard.MaxLineBytes+1))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", file, err)
	}
	return string(data), nil
}

func (a *app) check(args []string) int {
	var o checkOptions
	fs := checkFlags(&o)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return a.flagError(fs.Name(), err)
	}
	line, err := a.lineFrom(o.file, fs.Args())
	if err != nil {
		fmt.Fprintf(a.stderr, "guard check: %v (usage: guard check [--json] [--cwd DIR] [--file PATH|-] [--] LINE)\n", err)
		return exitUsage
	}
	lang, err := parseLang(o.shell)
	if err != nil {
		fmt.Fprintf(a.stderr, "guard check: %v\n", err)
		return exitUsage
	}
	dir, err := workingDir(o.cwd, a.getenv)
	if err != nil {
		fmt.Fprintf(a.stderr, "guard check: %v\n", err)
		return exitUsage
	}
	// The gate's first steps, as every entry point takes them: judged,
	// the policy applied, what is at risk counted. Nothing more: check
	// takes no snapshot, asks nothing and runs nothing.
	verdict := a.newGate(gate.Nobody{}).Judge(gate.Request{Line: line, Cwd: dir, Lang: lang, From: "check"})
	if o.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(verdict); err != nil {
			fmt.Fprintf(a.stderr, "guard check: writing the verdict: %v\n", err)
		}
	} else {
		a.report(verdict, len(verdict.Invocations))
	}
	return verdict.Decision.ExitCode()
}

func parseLang(name string) (syntax.LangVariant, error) {
	switch name {
	case "bash", "":
		return syntax.LangBash, nil
	case "posix", "sh", "dash":
		return syntax.LangPOSIX, nil
	case "mksh", "ksh":
		return syntax.LangMirBSDKorn, nil
	case "zsh":
		return syntax.LangZsh, nil
	}
	return 0, fmt.Errorf("unknown --shell %q (want bash, posix, mksh or zsh)", name)
}

// workingDir is the directory the line is judged in: --cwd, else the
// process's own, else $PWD. "" when none can be had: relative paths are
// then unknown, never guessed.
func workingDir(flagValue string, getenv func(string) string) (string, error) {
	if flagValue != "" {
		if !filepath.IsAbs(flagValue) {
			base, err := os.Getwd()
			if err != nil {
				return "", fmt.Errorf("--cwd %s is relative and the current directory is unknown: %w", flagValue, err)
			}
			flagValue = filepath.Join(base, flagValue)
		}
		return filepath.Clean(flagValue), nil
	}
	if wd, err := os.Getwd(); err == nil {
		return wd, nil
	}
	if pwd := getenv("PWD"); filepath.IsAbs(pwd) {
		return filepath.Clean(pwd), nil
	}
	return "", nil
}

// report prints the human verdict on stderr: one line for the decision,
// then each finding with its rule, what would happen and what to type.
func (a *app) report(v guard.Verdict, commands int) {
	colors := a.useColor()
	paint := func(attr color.Attribute, s string) string {
		c := color.New(attr)
		if !colors {
			c.DisableColor()
		} else {
			c.EnableColor()
		}
		return c.Sprint(s)
	}
	decisionColor := map[guard.Decision]color.Attribute{
		guard.Allow: color.FgGreen, guard.Warn: color.FgYellow, guard.Confirm: color.FgMagenta, guard.Block: color.FgRed,
	}
	if len(v.Findings) == 0 {
		fmt.Fprintf(a.stderr, "guard: %s (%d command%s checked)\n", paint(color.FgGreen, "allow"), commands, plural(commands))
		return
	}
	fmt.Fprintf(a.stderr, "guard: %s\n", paint(decisionColor[v.Decision], strings.ToUpper(v.Decision.String())))
	for _, f := range v.Findings {
		// what the line and the filesystem put in them is shown, not obeyed
		fmt.Fprintf(a.stderr, "  %s [%s] %s\n", paint(decisionColor[f.Decision], f.Decision.String()), f.Rule, guard.Shown(f.Command))
		fmt.Fprintf(a.stderr, "    %s\n", guard.Shown(f.Message))
		if risk := f.AtRisk.Summary(); risk != "" {
			fmt.Fprintf(a.stderr, "    %s %s\n", paint(color.FgRed, "at risk:"), guard.Shown(risk))
		}
		if f.Hint != "" {
			fmt.Fprintf(a.stderr, "    %s %s\n", paint(color.FgCyan, "instead:"), guard.Shown(f.Hint))
		}
	}
	fmt.Fprintf(a.stderr, "  (guard explain RULE tells the story behind a rule)\n")
}

// useColor: colour only on a terminal, and never with NO_COLOR set.
func (a *app) useColor() bool {
	if a.getenv("NO_COLOR") != "" || a.getenv("TERM") == "dumb" {
		return false
	}
	f, ok := a.stderr.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
