package guard

import (
	"slices"
	"strings"
)

// A command substitution whose output guard cannot know may still be
// known to be one word without a blank: $(date +%F), $(id -u), $(nproc),
// $(git rev-parse --short HEAD). Unquoted, bash has nothing to split in
// it, so the reading where its unknown part splits the word
// (cutReading) does not exist: rsync -a /etc/ /srv/backup/$(date +%F)/
// never becomes rsync -a /etc/ /srv/backup/ /.

// oneWordPrinters are the programs that, called as each function accepts,
// print one line holding one word without a blank, and nothing else.
var oneWordPrinters = map[string]func(args []string) bool{
	"date":    dateOneWord,
	"id":      idOneWord,
	"nproc":   func(args []string) bool { return allOptions(args, "--all") },
	"arch":    noArgs,
	"whoami":  noArgs,
	"logname": noArgs,
	"uuidgen": func(args []string) bool { return allOptions(args, "-r", "-t", "--random", "--time") },
	"uname":   func(args []string) bool { return oneOf(args, "-r", "-m", "-s", "-n", "-p", "-i", "-o") },
	"hostname": func(args []string) bool {
		return oneOf(args, "-s", "-f", "-d", "--short", "--fqdn", "--long", "--domain")
	},
	"getconf": func(args []string) bool { return len(args) == 1 && !strings.HasPrefix(args[0], "-") },
	"dpkg":    func(args []string) bool { return oneOf(args, "--print-architecture") },
	"lsb_release": func(args []string) bool {
		return oneOf(args, "-cs", "-sc", "-rs", "-sr", "-is", "-si")
	},
	"systemd-detect-virt": func(args []string) bool { return allOptions(args, "-c", "-v", "--container", "--vm") },
	"openssl": func(args []string) bool {
		return len(args) == 3 && args[0] == "rand" && args[1] == "-hex" && isDecimal(args[2])
	},
	"git": gitOneWord,
}

// namePrinters are those of oneWordPrinters whose word, called as each
// function accepts, is also a piece of a file name: no slash, not only
// dots (uname -o prints GNU/Linux, git describe a tag that may hold one).
var namePrinters = map[string]func(args []string) bool{
	"date":                dateNamePiece,
	"id":                  func([]string) bool { return true }, // numbers, or user and group names
	"nproc":               func([]string) bool { return true },
	"arch":                func([]string) bool { return true },
	"whoami":              func([]string) bool { return true },
	"logname":             func([]string) bool { return true },
	"uuidgen":             func([]string) bool { return true },
	"uname":               func(args []string) bool { return !slices.Contains(args, "-o") },
	"hostname":            func([]string) bool { return true },
	"dpkg":                func([]string) bool { return true },
	"systemd-detect-virt": func([]string) bool { return true },
	"openssl":             func([]string) bool { return true }, // hexadecimal
	"git":                 gitNamePiece,
}

// printedShape is what guard knows of the one line inv prints, though
// which line is unknown; its output goes to the substitution.
func printedShape(inv *Invocation) wordShape {
	if len(inv.Stdin) > 0 || inv.Remote != "" {
		return shapeAny // a filter's output, or another host's programs
	}
	for _, rd := range inv.Redirs {
		if !rd.Input() {
			return shapeAny // its output goes elsewhere, or 2>&1 mixes in errors
		}
	}
	accepts, ok := oneWordPrinters[inv.Program]
	if !ok {
		return shapeAny
	}
	args, ok := realArgs(inv.Args)
	if !ok {
		return shapeAny
	}
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = a.Value
	}
	if !accepts(words) {
		return shapeAny
	}
	if name, ok := namePrinters[inv.Program]; ok && name(words) {
		return shapeName
	}
	return shapeWord
}

func noArgs(args []string) bool { return len(args) == 0 }

// oneOf: exactly one argument, one of options (several would print
// several words).
func oneOf(args []string, options ...string) bool {
	return len(args) == 1 && slices.Contains(options, args[0])
}

// allOptions: every argument is one of options.
func allOptions(args []string, options ...string) bool {
	for _, a := range args {
		if !slices.Contains(options, a) {
			return false
		}
	}
	return true
}

func isDecimal(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// dateOneWord: date with a +FORMAT whose conversions print no blank, or
// -I (ISO 8601). Plain date, -R and --rfc-3339 print blanks.
func dateOneWord(args []string) bool {
	formatted := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-u" || a == "--utc" || a == "--universal":
		case a == "-d" || a == "--date" || a == "-r" || a == "--reference":
			i++ // its value says which time, not how it is printed
		case strings.HasPrefix(a, "--date=") || strings.HasPrefix(a, "--reference=") ||
			strings.HasPrefix(a, "-d") && len(a) > 2:
		case a == "-I" || strings.HasPrefix(a, "-I") && len(a) > 2 || a == "--iso-8601" || strings.HasPrefix(a, "--iso-8601="):
			formatted = true
		case strings.HasPrefix(a, "+"):
			if !dateFormatOneWord(a[1:]) {
				return false
			}
			formatted = true
		default:
			return false
		}
	}
	return formatted
}

// dateFormatOneWord: a date format without a blank of its own and without
// a conversion that prints one: %c, %r, %x and %X follow the locale, %n and
// %t are a newline and a tab, %e, %k and %l pad with a space unless told
// otherwise (%-e, %0e), and the _ flag pads with spaces.
func dateFormatOneWord(format string) bool {
	if format == "" || strings.ContainsAny(format, " \t\n") {
		return false
	}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		flags := ""
		for i < len(format) && strings.IndexByte("-_0^#", format[i]) >= 0 {
			flags += format[i : i+1]
			i++
		}
		for i < len(format) && (format[i] >= '0' && format[i] <= '9' || format[i] == 'E' || format[i] == 'O') {
			i++
		}
		if i == len(format) || strings.Contains(flags, "_") {
			return false
		}
		switch format[i] {
		case 'c', 'r', 'x', 'X', 'n', 't', '+':
			return false
		case 'e', 'k', 'l':
			if !strings.ContainsAny(flags, "-0") {
				return false
			}
		}
	}
	return true
}

// dateNamePiece: a date whose format prints no slash (%D and %x do,
// and a literal one) and has a number in it, so it is never only dots.
// dateOneWord has accepted the arguments.
func dateNamePiece(args []string) bool {
	for _, a := range args {
		if a == "-I" || strings.HasPrefix(a, "-I") || strings.HasPrefix(a, "--iso-8601") {
			return true // 2026-11-24T13:45:00+00:00
		}
		format, ok := strings.CutPrefix(a, "+")
		if !ok {
			continue
		}
		if strings.Contains(format, "/") {
			return false
		}
		number := false
		for i := 0; i < len(format); i++ {
			if format[i] != '%' {
				continue
			}
			i++
			for i < len(format) && strings.IndexByte("-_0^#EO123456789", format[i]) >= 0 {
				i++
			}
			if i == len(format) {
				return false
			}
			switch c := format[i]; {
			case c == 'D' || c == 'x':
				return false
			case strings.IndexByte("CdFgGHIjmMNsSTuUVwWyYR", c) >= 0:
				number = true
			}
		}
		if !number {
			return false
		}
	}
	return true
}

// idOneWord: id -u, -g, -un, -gn of one user or of the caller; -G lists
// groups with blanks between them.
func idOneWord(args []string) bool {
	which, users := false, 0
	for _, a := range args {
		switch {
		case a == "--user" || a == "--group":
			which = true
		case a == "--name" || a == "--real":
		case strings.HasPrefix(a, "-") && len(a) > 1 && !strings.HasPrefix(a, "--"):
			for _, c := range a[1:] {
				switch c {
				case 'u', 'g':
					which = true
				case 'n', 'r':
				default:
					return false
				}
			}
		default:
			users++
		}
	}
	return which && users <= 1
}

// gitOneWord: git rev-parse of one revision (not a path: --show-toplevel
// may hold a blank), git describe, git branch --show-current, git rev-list
// --count.
func gitOneWord(args []string) bool {
	for len(args) > 1 && (args[0] == "-C" || args[0] == "-c") {
		args = args[2:] // where it runs, not what it prints
	}
	if len(args) == 0 {
		return false
	}
	sub, rest := args[0], args[1:]
	revisions := 0
	for _, a := range rest {
		if !strings.HasPrefix(a, "-") {
			revisions++
		}
	}
	switch sub {
	case "rev-parse":
		for _, a := range rest {
			if strings.HasPrefix(a, "-") && !slices.Contains([]string{"--short", "--verify", "-q", "--quiet", "--abbrev-ref", "--symbolic-full-name"}, a) &&
				!strings.HasPrefix(a, "--short=") {
				return false
			}
		}
		return revisions == 1
	case "describe":
		for _, a := range rest {
			if strings.HasPrefix(a, "-") && !slices.Contains([]string{"--tags", "--always", "--dirty", "--long", "--all", "--exact-match", "--first-parent"}, a) &&
				!strings.HasPrefix(a, "--abbrev=") && !strings.HasPrefix(a, "--match=") {
				return false
			}
		}
		return revisions <= 1
	case "branch":
		return len(rest) == 1 && rest[0] == "--show-current"
	case "rev-list":
		return len(rest) >= 2 && rest[0] == "--count" && revisions >= 1 && revisions == len(rest)-1
	}
	return false
}

// gitNamePiece: of what gitOneWord accepts, the hashes of rev-parse
// (without --abbrev-ref or --symbolic-full-name, which print branch names
// such as feature/x) and the count of rev-list.
func gitNamePiece(args []string) bool {
	for len(args) > 1 && (args[0] == "-C" || args[0] == "-c") {
		args = args[2:]
	}
	switch {
	case len(args) > 0 && args[0] == "rev-parse":
		return !slices.Contains(args, "--abbrev-ref") && !slices.Contains(args, "--symbolic-full-name")
	case len(args) > 0 && args[0] == "rev-list":
		return true
	}
	return false
}
