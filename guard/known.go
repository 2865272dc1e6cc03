package guard

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// knownOutput is what one command prints, when guard can work it out
// without running it: echo, printf, pwd, basename, dirname, mktemp,
// realpath, command -v, hostname, cat of a here-document, the builtins
// that print nothing, and interpreter code that only prints literals.
func (r *resolver) knownOutput(inv *Invocation) (string, bool) {
	for _, rd := range inv.Redirs {
		if !rd.Input() && rd.Op != "<" {
			return "", false // the output goes elsewhere, or input is a file
		}
	}
	args, ok := realArgs(inv.Args)
	if !ok {
		return "", false
	}
	switch inv.Program {
	case "true", "false", ":", "export", "unset", "shopt", "local", "declare", "typeset", "readonly", "test", "[", "sleep", "wait", "set", "shift", "return":
		return "", true
	case "cd":
		if len(args) > 0 && args[len(args)-1].Value == "-" {
			return "", false // cd - prints where it went
		}
		return "", true
	case "echo":
		return echoText(args)
	case "printf":
		if len(args) > 0 && args[0].Value == "-v" {
			return "", true
		}
		return printfText(args)
	case "pwd":
		if inv.Cwd == "" || inv.Remote != "" {
			return "", false
		}
		if len(args) > 0 && args[0].Value == "-P" {
			real, sure := ResolvePath(r.host, inv.Cwd)
			return real + "\n", sure
		}
		return inv.Cwd + "\n", true
	case "basename":
		return basenameText(args)
	case "dirname":
		var out strings.Builder
		for _, a := range args {
			if strings.HasPrefix(a.Value, "-") {
				return "", false
			}
			out.WriteString(dirname(a.Value) + "\n")
		}
		return out.String(), len(args) > 0
	case "mktemp":
		p, ok := r.mktempPath(inv, args)
		return p + "\n", ok
	case "realpath", "readlink":
		return r.realpathText(inv, args)
	case "command", "type", "which":
		return r.lookPathText(inv, args)
	case "hostname":
		if len(args) > 0 || inv.Remote != "" {
			return "", false
		}
		return r.host.Hostname() + "\n", true
	case "whoami":
		if inv.Remote != "" {
			return "", false
		}
		user, ok := r.host.Getenv("USER")
		return user + "\n", ok
	case "find":
		return r.findOutput(inv)
	case "git":
		return r.gitTopLevel(inv, args)
	case "cat":
		if len(args) > 0 {
			return r.catFiles(inv, args)
		}
		return r.stdinText(inv)
	}
	return printedOutput(inv) // python3 -c 'print("…")', awk 'BEGIN{print "…"}'
}

// catFiles is what cat FILE… prints, when guard can read every file (a
// regular file, bounded, or one written earlier on the line): $(cat
// cmd.txt) as a command word is the command in cmd.txt.
func (r *resolver) catFiles(inv *Invocation, args []Arg) (string, bool) {
	var out strings.Builder
	for _, a := range args {
		if strings.HasPrefix(a.Value, "-") && a.Value != "-" {
			return "", false // cat -n and the like change what it prints
		}
		t := r.fileText(inv, a)
		if !t.known {
			return "", false
		}
		out.WriteString(t.value)
	}
	return out.String(), true
}

// realArgs drops the patterns kept for rules beside their matches: bash
// passes only the matches. It fails when any argument is unknown.
func realArgs(args []Arg) ([]Arg, bool) {
	out := make([]Arg, 0, len(args))
	for _, a := range args {
		if !a.Known {
			return nil, false
		}
		if !a.standIn {
			out = append(out, a)
		}
	}
	return out, true
}

// echoText is what bash's echo prints: -n, -e and -E are options only
// when every letter is one of them.
func echoText(args []Arg) (string, bool) {
	newline, escapes := true, false
	for len(args) > 0 {
		v := args[0].Value
		if len(v) < 2 || v[0] != '-' || strings.Trim(v[1:], "neE") != "" {
			break
		}
		for _, c := range v[1:] {
			switch c {
			case 'n':
				newline = false
			case 'e':
				escapes = true
			case 'E':
				escapes = false
			}
		}
		args = args[1:]
	}
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = a.Value
	}
	out := strings.Join(words, " ")
	if escapes {
		var stop bool
		out, stop = backslashEscapes(out)
		if stop {
			return out, true
		}
	}
	if newline {
		out += "\n"
	}
	return out, true
}

// backslashEscapes interprets echo -e's and printf %b's escapes; stop is
// set by \c, which ends all output.
func backslashEscapes(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, false
	}
	return unescapeEcho(s) // the same reading as echo -e piped into a shell
}

// printfText formats like bash's printf, for the conversions a command
// name or a path is built with; anything else is unknown.
func printfText(args []Arg) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	if args[0].Value == "--" {
		args = args[1:]
		if len(args) == 0 {
			return "", false
		}
	}
	format, rest := args[0].Value, args[1:]
	var out strings.Builder
	for {
		used, stop, ok := printfOnce(&out, format, &rest)
		if !ok {
			return "", false
		}
		if stop || len(rest) == 0 || used == 0 {
			break
		}
		if out.Len() > maxValueBytes {
			return "", false
		}
	}
	return out.String(), true
}

// printfOnce applies the format once, consuming arguments from rest. It
// returns how many it used, and stop when %b met \c.
func printfOnce(out *strings.Builder, format string, rest *[]Arg) (used int, stop, ok bool) {
	next := func() string { // "" once the arguments run out, as in bash
		if len(*rest) == 0 {
			return ""
		}
		v := (*rest)[0].Value
		*rest = (*rest)[1:]
		used++
		return v
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == '\\' {
			j := i + 1
			for j < len(format) && j < i+4 && format[j] >= '0' && format[j] <= '7' {
				j++
			}
			if j == i+1 && j < len(format) {
				j++
				switch format[i+1] {
				case 'x':
					for j < len(format) && j < i+4 && isHex(format[j]) {
						j++
					}
				case 'u', 'U':
					width := 4
					if format[i+1] == 'U' {
						width = 8
					}
					for j < len(format) && j < i+2+width && isHex(format[j]) {
						j++
					}
				}
			}
			text, _ := backslashEscapes(format[i:j])
			out.WriteString(text)
			i = j - 1
			continue
		}
		if c != '%' {
			out.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0", format[j]) >= 0 {
			j++
		}
		spec := format[i:j]
		for j < len(format) && (format[j] >= '0' && format[j] <= '9' || format[j] == '.' || format[j] == '*') {
			if format[j] == '*' {
				n := next()
				if _, err := strconv.Atoi(n); err != nil && n != "" {
					return 0, false, false
				}
				spec += n
			} else {
				spec += format[j : j+1]
			}
			j++
		}
		if j == len(format) || !smallWidths(spec) {
			return 0, false, false
		}
		verb := format[j]
		i = j
		if out.Len() > maxValueBytes {
			return 0, false, false // bounded per conversion, not per pass
		}
		switch verb {
		case '%':
			out.WriteByte('%')
		case 's':
			v := next()
			fmt.Fprintf(out, spec+"s", v)
		case 'b':
			v := next()
			text, cut := backslashEscapes(v)
			fmt.Fprintf(out, spec+"s", text)
			if cut {
				return used, true, true
			}
		case 'c':
			v := next()
			if v != "" {
				out.WriteString(v[:1])
			}
		case 'd', 'i', 'u', 'o', 'x', 'X':
			v := next()
			n := int64(0)
			if v != "" {
				var ok bool
				if n, ok = parseArithNumber(v); !ok {
					return 0, false, false
				}
			}
			goVerb := string(verb)
			if verb == 'i' || verb == 'u' {
				goVerb = "d"
			}
			fmt.Fprintf(out, spec+goVerb, n)
		default:
			return 0, false, false // %q, %f… are not worth guessing
		}
	}
	return used, false, true
}

// smallWidths: a printf spec's width and precision stay small, so that
// %1000000000s cannot make guard write a gigabyte.
func smallWidths(spec string) bool {
	for _, n := range strings.FieldsFunc(spec, func(c rune) bool { return c < '0' || c > '9' }) {
		if v, err := strconv.Atoi(n); err != nil || v > 4096 {
			return false
		}
	}
	return true
}

func basenameText(args []Arg) (string, bool) {
	multiple, suffix := false, ""
	for len(args) > 0 && strings.HasPrefix(args[0].Value, "-") && args[0].Value != "-" {
		switch v := args[0].Value; {
		case v == "-a" || v == "--multiple":
			multiple = true
		case v == "-s" && len(args) > 1:
			multiple, suffix = true, args[1].Value
			args = args[1:]
		case strings.HasPrefix(v, "--suffix="):
			multiple, suffix = true, strings.TrimPrefix(v, "--suffix=")
		case v == "--":
			args = args[1:]
			goto operands
		default:
			return "", false
		}
		args = args[1:]
	}
operands:
	if len(args) == 0 {
		return "", false
	}
	if !multiple && len(args) == 2 {
		suffix, args = args[1].Value, args[:1]
	}
	var out strings.Builder
	for _, a := range args {
		base := basename(a.Value)
		if suffix != "" && base != suffix {
			base = strings.TrimSuffix(base, suffix)
		}
		out.WriteString(base + "\n")
	}
	return out.String(), true
}

// basename and dirname are the coreutils programs' answers, which differ
// from path.Base and path.Dir on trailing slashes and empty names.
func basename(s string) string {
	if s == "" {
		return ""
	}
	trimmed := strings.TrimRight(s, "/")
	if trimmed == "" {
		return "/"
	}
	return path.Base(trimmed)
}

func dirname(s string) string {
	trimmed := strings.TrimRight(s, "/")
	if trimmed == "" {
		if s == "" {
			return "."
		}
		return "/"
	}
	i := strings.LastIndex(trimmed, "/")
	if i < 0 {
		return "."
	}
	dir := strings.TrimRight(trimmed[:i], "/")
	if dir == "" {
		return "/"
	}
	return dir
}

// mktempPath is where mktemp makes its file or folder. The random part
// stays XXXXXXXXXX: guard cannot know it, but it knows the folder is new,
// empty and where it is.
func (r *resolver) mktempPath(inv *Invocation, args []Arg) (string, bool) {
	dir, template, useTmpdir := "", "", false
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		switch {
		case v == "-p" || v == "--tmpdir":
			useTmpdir = true
			if v == "-p" && i+1 < len(args) {
				dir = args[i+1].Value
				i++
			}
		case strings.HasPrefix(v, "--tmpdir="):
			useTmpdir, dir = true, strings.TrimPrefix(v, "--tmpdir=")
		case strings.HasPrefix(v, "-p") && len(v) > 2:
			useTmpdir, dir = true, v[2:]
		case v == "-t":
			useTmpdir = true
		case strings.HasPrefix(v, "--suffix="), v == "-d", v == "-u", v == "-q", v == "--directory", v == "--dry-run", v == "--quiet":
		case strings.HasPrefix(v, "-") && len(v) > 1 && strings.Trim(v[1:], "duqt") == "":
			useTmpdir = useTmpdir || strings.Contains(v, "t")
		case strings.HasPrefix(v, "-"):
			return "", false
		default:
			template = v
		}
	}
	if template == "" {
		template, useTmpdir = "tmp.XXXXXXXXXX", true
	}
	if useTmpdir && !strings.Contains(template, "/") {
		if dir == "" {
			dir = "/tmp"
			if inv.Remote == "" {
				if t, ok := r.host.Getenv("TMPDIR"); ok && path.IsAbs(t) {
					dir = t
				}
			}
		}
		template = path.Join(dir, template)
	}
	if p := inv.Path(template); p != "" {
		return p, true
	}
	return "", false
}

// realpathText is realpath's or readlink -f's answer, read on this host.
func (r *resolver) realpathText(inv *Invocation, args []Arg) (string, bool) {
	if inv.Remote != "" {
		return "", false
	}
	canonical := inv.Program == "realpath"
	var names []string
	for _, a := range args {
		switch a.Value {
		case "-f", "-e", "-m", "--canonicalize", "--canonicalize-existing", "--canonicalize-missing":
			canonical = true
		case "-s", "--no-symlinks", "-n", "-z", "-q", "-P", "-L":
			return "", false
		default:
			if strings.HasPrefix(a.Value, "-") {
				return "", false
			}
			names = append(names, a.Value)
		}
	}
	if !canonical || len(names) == 0 {
		return "", false
	}
	var out strings.Builder
	for _, n := range names {
		p := inv.Path(n)
		if p == "" {
			return "", false
		}
		real, sure := ResolvePath(r.host, p)
		if !sure {
			return "", false
		}
		out.WriteString(real + "\n")
	}
	return out.String(), true
}

// shellBuiltins are names command -v prints as they are.
var shellBuiltins = map[string]bool{
	"cd": true, "echo": true, "printf": true, "eval": true, "exec": true, "set": true, "read": true,
	"test": true, "true": true, "false": true, "kill": true, "pwd": true, "type": true, "command": true,
}

// lookPathText answers command -v NAME, type -P NAME and which NAME from
// this host's PATH.
func (r *resolver) lookPathText(inv *Invocation, args []Arg) (string, bool) {
	if inv.Remote != "" || len(args) != 2 && inv.Program != "which" {
		return "", false
	}
	name := ""
	switch inv.Program {
	case "command":
		if args[0].Value != "-v" {
			return "", false
		}
		name = args[1].Value
		if shellBuiltins[name] {
			return name + "\n", true
		}
	case "type":
		if args[0].Value != "-P" && args[0].Value != "-p" {
			return "", false
		}
		name = args[1].Value
	case "which":
		if len(args) != 1 {
			return "", false
		}
		name = args[0].Value
	}
	if strings.Contains(name, "/") {
		return name + "\n", true
	}
	pathVar, ok := r.host.Getenv("PATH")
	if !ok {
		return "", false
	}
	for _, dir := range strings.Split(pathVar, ":") {
		if dir == "" || !path.IsAbs(dir) {
			continue
		}
		candidate := path.Join(dir, name)
		if _, err := r.host.Lstat(candidate); err == nil {
			return candidate + "\n", true
		}
	}
	return "", true // not found: prints nothing
}
