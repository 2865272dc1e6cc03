package main

import "strings"

// bashArgs is what bash makes of its arguments: where its code comes from
// (a -c string, a script file, or standard input) and the positional
// parameters it gets. guard-shell hands the real shell exactly the
// arguments it was given, so it must read them exactly as bash does, or a
// command hides from the gate behind an option guard skips: `-c -e CMD`
// (bash takes the first operand after all options, not the word after
// -c), `-o errexit -c CMD`, `+c CMD` (+c sets -c too), `-norc -c CMD`.
type bashArgs struct {
	command    string   // the -c string
	hasCommand bool     // -c was given (command may be missing: bash then fails)
	script     string   // the script file operand, when neither -c nor -s
	hasScript  bool     //
	stdin      bool     // -s, or no operand: the code comes from standard input
	forceI     bool     // -i
	operands   []string // after the command string or script: $0 (for -c), then $1 …
	invalid    string   // an option bash refuses: it exits without running anything
}

// bashLongOptions are the long options bash knows, each with whether it
// takes a value. bash accepts them with one dash or two, and only before
// the single-letter options.
var bashLongOptions = map[string]bool{
	"debug": false, "debugger": false, "dump-po-strings": false, "dump-strings": false,
	"help": false, "init-file": true, "login": false, "noediting": false, "noprofile": false,
	"norc": false, "posix": false, "pretty-print": false, "rcfile": true,
	"restricted": false, "verbose": false, "version": false,
}

// bashSetFlags are the single-letter options of set that bash also takes
// on its command line; any other letter is an invalid option.
const bashSetFlags = "abefhkmnptuvxBCEHPTir"

// parseBashArgs follows bash's shell.c: long options first (parse_long_options),
// then clusters of single letters led by - or + (parse_shell_options),
// where o and O take the next argument and - or -- alone ends the options;
// then, with -c, the first operand is the command and the rest are $0,
// $1 …; without -c or -s, the first operand is the script.
func parseBashArgs(args []string) bashArgs {
	var b bashArgs
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") {
		name := strings.TrimPrefix(args[i], "-")
		long := strings.HasPrefix(name, "-") && len(name) > 1
		name = strings.TrimPrefix(name, "-")
		takesValue, known := bashLongOptions[name]
		if !known {
			if long {
				b.invalid = args[i]
				return b
			}
			break // a cluster of single letters
		}
		if takesValue {
			i++
			if i >= len(args) {
				b.invalid = args[i-1]
				return b
			}
		}
		i++
	}
options:
	for i < len(args) && (strings.HasPrefix(args[i], "-") || strings.HasPrefix(args[i], "+")) {
		arg := args[i]
		next := i + 1
		if arg == "-" || arg == "--" {
			i = next
			break options
		}
		for _, letter := range arg[1:] {
			switch {
			case letter == 'c':
				b.hasCommand = true
			case letter == 's':
				b.stdin = true
			case letter == 'l' || letter == 'D':
			case letter == 'o' || letter == 'O':
				// The value is the next argument; without one bash lists
				// the options and goes on.
				if next < len(args) {
					next++
				}
			case letter == 'i' && arg[0] == '-':
				b.forceI = true
			case strings.ContainsRune(bashSetFlags, letter):
			default:
				b.invalid = arg
				return b
			}
		}
		i = next
	}
	rest := args[i:]
	switch {
	case b.hasCommand:
		if len(rest) > 0 {
			b.command, rest = rest[0], rest[1:]
		}
	case !b.stdin && len(rest) > 0:
		b.script, b.hasScript, rest = rest[0], true, rest[1:]
	default:
		b.stdin = true
	}
	b.operands = rest
	return b
}
