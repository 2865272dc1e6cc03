package guard

import (
	"bytes"
	"cmp"
	"compress/bzip2"
	"compress/gzip"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// text is what a command prints, or reads on its standard input, as far
// as guard can tell.
type text struct {
	value string
	known bool
	// from says where an unknown text comes from, for messages: "the
	// output of ls, which guard does not compute", "$CMD, whose value
	// guard does not know".
	from string
	// tty: nothing is redirected or piped in, so it is what the operator
	// types next.
	tty bool
	// rewrittenBy names the filter that rewrote the text on its way
	// (tr, rev, sed s///): known, but not what the line shows.
	rewrittenBy string
	// quiet: unknown, but not worth asking about (the file does not exist
	// or guard may not read it: the command fails or reads what it always
	// did).
	quiet bool
	// download: the text comes from a download or a decoder, which the
	// download-to-shell rule reports.
	download bool
	// fromFile: unknown because a file could not be read (too large,
	// written by a download earlier on the line).
	fromFile bool
	// unordered: the lines are known, their order is not (ls sorts by the
	// locale, a time or a size; sort by its keys).
	unordered bool
	// some: the real text is some of these lines, which guard cannot tell
	// (tail -n +4 of lines in an unknown order, awk 'NR>3').
	some bool
	// listed is the folder every line is an entry of: its path, or only
	// its name with listedNames (ls DIR). See listing.go.
	listed      string
	listedNames bool
	// partial, for an unknown text, is what guard could compute of it: the
	// output of the commands of a group it knows ({ crontab -l; echo JOB;
	// } | crontab -), which a shell or crontab reading it gets too.
	partial string
	// fifo is the FIFO the text comes out of: what commands write into it
	// on the line, in any order (fifos.go).
	fifo string
}

// Bounds on following text through a pipeline.
const (
	maxFeedBytes = 1 << 20
	maxFeedDepth = 16
)

func knownText(s string) text { return text{value: s, known: true} }

// with is the text t turned into s by a filter that keeps its story
// (where it was rewritten).
func (t text) with(s string) text {
	t.value = s
	return t
}

// rewritten is t turned into s by a filter that changes what the line
// shows into something else.
func (t text) rewritten(s, by string) text {
	t.value = s
	if t.rewrittenBy == "" {
		t.rewrittenBy = by
	}
	return t
}

// uncomputed is the output of a command guard does not compute.
func uncomputed(what string) text {
	return text{from: "the output of " + what + ", which guard does not compute"}
}

// tooLarge is the text of a stage whose output guard stops following.
func tooLarge(program string) text {
	return text{from: fmt.Sprintf("the output of %s, more than guard follows (%d KB)", program, maxFeedBytes>>10)}
}

// StdinText returns what an invocation reads on standard input when it
// can be known: a here-document, a here-string, or echo/printf upstream.
// Files are not read: rules do not reach the host that way.
func StdinText(inv *Invocation) (string, bool) {
	t := (&resolver{}).stdinOf(inv, 0)
	return t.value, t.known
}

// OutputText returns what an invocation prints on its standard output
// when guard computes it (echo, printf, cat of a here-document, jq is
// not): what a > or >> after it writes. Files are not read.
func OutputText(inv *Invocation) (string, bool) {
	t := (&resolver{}).produced(inv, 0)
	return t.value, t.known
}

// stdinText is what an invocation reads on its standard input, when known.
func (r *resolver) stdinText(inv *Invocation) (string, bool) {
	t := r.stdinOf(inv, 0)
	return t.value, t.known
}

// stdinWords returns the words an invocation reads on its standard input
// when they can be known (what xargs appends).
func (r *resolver) stdinWords(inv *Invocation) ([]string, bool) {
	t := r.stdinOf(inv, 0)
	if !t.known {
		return nil, false
	}
	return strings.Fields(t.value), true
}

// stdinOf is what inv reads on its standard input: its last input
// redirection, else the output of the command before it in the pipeline.
// Lines of which guard knows only that the real text is some of them, in
// an order it does not know (listing.go), are unknown here: as code or
// data they are not what runs. itemsOf gives them to readers that take
// one line at a time.
func (r *resolver) stdinOf(inv *Invocation, depth int) text {
	t := r.itemsOf(inv, depth)
	if depth == 0 && (t.some || t.unordered) {
		if t.listed == "" && t.some {
			return text{from: "some of the lines before it, which ones guard cannot tell"}
		}
		return text{from: "names listed on this host, in an order guard does not know"}
	}
	return t
}

// itemsOf is stdinOf for readers that take its lines one by one (xargs,
// while read), for which some of the lines, in any order, is enough.
func (r *resolver) itemsOf(inv *Invocation, depth int) text {
	if depth > maxFeedDepth {
		return text{from: "a pipeline longer than guard follows"}
	}
	if t, ok := r.redirText(inv, "0"); ok {
		return t
	}
	if len(inv.Stdin) == 0 {
		return text{tty: true}
	}
	return r.partText(inv.Stdin[len(inv.Stdin)-1], depth+1)
}

// redirText is what a command reads on descriptor fd from its own
// redirections (<<, <<<, <), false when none of them opens fd for reading.
func (r *resolver) redirText(inv *Invocation, fd string) (text, bool) {
	for i := len(inv.Redirs) - 1; i >= 0; i-- {
		rd := inv.Redirs[i]
		if rd.Fd != fd && (fd != "0" || rd.Fd != "") {
			continue
		}
		switch {
		case rd.Op == "<<" || rd.Op == "<<-":
			if !rd.Target.Known {
				// The body as written: the code reading it looks its
				// unknown variables up itself, and stays unsure about them.
				return knownText(rd.Target.Text), true
			}
			return knownText(rd.Target.Value), true
		case rd.Op == "<<<":
			if !rd.Target.Known {
				if t, ok := r.wordOutput(rd.Target, inv); ok {
					return t.with(t.value + "\n"), true
				}
				return text{from: unknownWhat(rd.Target)}, true
			}
			return knownText(rd.Target.Value + "\n"), true
		case (rd.Op == "<" || rd.Op == "<>") && rd.Target.Known && isStdinPath(rd.Target.Value):
			continue // < /dev/stdin: the input it already had (read here, it never ended)
		case rd.Op == "<" || rd.Op == "<>":
			return r.fileText(inv, rd.Target), true
		}
	}
	return text{}, false
}

// fdPath is the descriptor a path names (/dev/fd/3, /proc/self/fd/3), ""
// for other paths.
func fdPath(p string) string {
	for _, dir := range []string{"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"} {
		if n, ok := strings.CutPrefix(p, dir); ok && n != "" && strings.Trim(n, "0123456789") == "" {
			return n
		}
	}
	return ""
}

// partText is what the pipeline part that last ran ends with prints down
// the pipe: that command's output, or, for a group or a subshell ({ a; b;
// } | sh), the output of each of its commands, one after the other. A
// command whose output guard cannot know makes it unknown; one that
// prints nothing guard can tell (a file missing) adds nothing.
func (r *resolver) partText(last *Invocation, depth int) text {
	if last.partOut == nil {
		return r.pipedOut(last, depth)
	}
	outs := *last.partOut
	joined := knownText("")
	var unknown *text
	for _, inv := range outs {
		t := r.pipedOut(inv, depth)
		switch {
		case t.quiet && !t.known:
			continue
		case !t.known || t.some || t.unordered || t.listed != "":
			if len(outs) == 1 {
				return t
			}
			if unknown == nil {
				unknown = &t
				if t.known || t.from == "" {
					unknown.from = "the output of " + inv.Program + ", in an order guard does not know"
				}
			}
			continue
		}
		joined.value += t.value
		if joined.rewrittenBy == "" {
			joined.rewrittenBy = t.rewrittenBy
		}
		if len(joined.value) > maxFeedBytes {
			return tooLarge(inv.Program)
		}
	}
	if unknown != nil {
		return text{from: unknown.from, download: unknown.download, fromFile: unknown.fromFile, partial: joined.value}
	}
	return joined
}

// wordOutput is the value of a word that is one command substitution,
// "$(…)", when guard can compute what the command prints: bash <<<
// "$(echo … | base64 -d)". The shell strips the trailing newlines.
func (r *resolver) wordOutput(a Arg, inv *Invocation) (text, bool) {
	t := strings.TrimSuffix(strings.TrimPrefix(a.Text, `"`), `"`)
	if !strings.HasPrefix(t, "$(") || !strings.HasSuffix(t, ")") || len(a.Sources) == 0 || strings.HasPrefix(t, "$((") {
		return text{}, false
	}
	out, ok := r.substOutput(t[2:len(t)-1], inv)
	if !ok || !out.known {
		return out, ok && out.from != ""
	}
	return out.with(strings.TrimRight(out.value, "\n")), true
}

// unknownWhat names the unknown parts of a word for messages.
func unknownWhat(a Arg) string {
	if len(a.Sources) > 0 {
		return "the output of " + a.Sources[len(a.Sources)-1]
	}
	if len(a.Unknown) > 0 {
		return strings.Join(a.Unknown, ", ") + ", whose value guard does not know"
	}
	return a.Text
}

// fileText is the content of the file a word names, as a command reading
// it would see it.
func (r *resolver) fileText(inv *Invocation, a Arg) text {
	if !a.Known {
		if strings.HasPrefix(a.Text, "<(") {
			if t, ok := r.substOutput(a.Text[2:len(a.Text)-1], inv); ok {
				return t
			}
		}
		t := text{from: unknownWhat(a)}
		for _, s := range a.Sources {
			t.download = t.download || downloaders[s]
		}
		return t
	}
	switch {
	case a.Value == "/dev/null":
		return knownText("")
	case isStdinPath(a.Value):
		return r.stdinOf(inv, 1)
	case fdPath(a.Value) != "":
		// bash 3<<<'CODE' /dev/fd/3: a descriptor the command's own
		// redirections open
		if t, ok := r.redirText(inv, fdPath(a.Value)); ok {
			return t
		}
	}
	if inv.Remote != "" {
		return text{from: a.Value + inv.Where(), quiet: true}
	}
	p := inv.Path(a.Value)
	if p == "" {
		return text{from: a.Value + " (in a folder guard cannot know)"}
	}
	content, state, by := r.readFile(p)
	switch state {
	case fileRead:
		return knownText(content)
	case fileMissing, fileBinary:
		return text{from: p, quiet: true}
	case fileSpecial:
		return text{from: unreadReason(p, state, by), fromFile: true, fifo: p}
	}
	return text{from: unreadReason(p, state, by), download: downloaders[by] && state != fileUnread, fromFile: true}
}

// downloaders are programs whose output is a download: download-to-shell
// reports a shell reading it, so unread-code does not repeat it.
var downloaders = map[string]bool{
	"curl": true, "wget": true, "fetch": true, "http": true, "https": true, "xh": true,
	"aria2c": true, "lwp-request": true, "GET": true, "lynx": true, "ftp": true, "tftp": true,
	"base64": true, "base32": true, "xxd": true, "uudecode": true, "openssl": true, "basenc": true,
}

// pipedOut is what inv prints on its standard output, down the pipe.
func (r *resolver) pipedOut(inv *Invocation, depth int) text {
	for _, rd := range inv.Redirs {
		if (rd.Op == ">" || rd.Op == ">>" || rd.Op == ">|" || rd.Op == "&>" || rd.Op == "&>>") && (rd.Fd == "" || rd.Fd == "1") {
			return knownText("") // its output goes to a file, not down the pipe
		}
	}
	return r.produced(inv, depth)
}

// produced is what inv writes, wherever its output goes.
func (r *resolver) produced(inv *Invocation, depth int) text {
	if downloaders[inv.Program] && !computedDecoder(inv.Program) {
		return text{from: "the output of " + inv.Program, download: true}
	}
	filter := filterFor(inv.Program)
	if filter == nil {
		if inv.Program == "" {
			return text{from: "the output of a command guard cannot know"}
		}
		if out, ok := r.knownOutput(inv); ok && r.host != nil {
			return knownText(out) // basename, pwd, mktemp…: what $(…) knows too
		}
		if generatesOwnCode(inv) {
			return text{from: "the shell set-up " + inv.Program + " prints for itself", quiet: true}
		}
		if printsHistory(inv) || fedHistory(inv) {
			// the lines typed before, refused ones included: run as code,
			// they are a refused line typed again without guard seeing it
			return historyText
		}
		return text{from: "the output of " + inv.Program + ", which guard does not compute"}
	}
	t := filter(r, inv, depth)
	if t.known && len(t.value) > maxFeedBytes {
		return tooLarge(inv.Program)
	}
	if !t.known && !t.fromFile && fedHistory(inv) {
		// history | head -1 | cut -c8-: what a filter makes of the history
		// is still a line typed before, refused ones included
		return historyText
	}
	if !t.known && t.from == "" && !t.tty {
		t.from = "the output of " + inv.Program + ", which guard does not compute"
	}
	return t
}

// generatorWords are the subcommands with which a tool prints its own
// shell set-up for the shell to run: kubectl completion bash, pyenv init
// -, direnv hook bash, brew shellenv, mise activate bash, conda
// shell.bash hook.
var generatorWords = map[string]bool{"completion": true, "completions": true, "init": true, "hook": true, "shellenv": true,
	"activate": true, "shell.bash": true, "shell.zsh": true, "shell-init": true, "env": true}

// generatorPrograms print shell code that sets up their own environment.
var generatorPrograms = map[string]bool{"ssh-agent": true, "gpg-agent": true, "dircolors": true, "keychain": true, "resize": true}

// generatesOwnCode tells a tool printing its own shell set-up: what a
// shell runs from it is that tool's code, as much as the tool itself is.
// An interpreter, a shell or a text tool given such a word is not one:
// what they print is whatever they are told to.
func generatesOwnCode(inv *Invocation) bool {
	if generatorPrograms[inv.Program] {
		return true
	}
	if _, isLang := languageOf(inv.Program); isLang || isShell(inv.Program) || filterFor(inv.Program) != nil || codeRunnerFor(inv.Program) != nil {
		return false
	}
	for i, a := range inv.Args {
		if !a.Known {
			return false
		}
		if i < 2 && generatorWords[a.Value] || strings.HasPrefix(a.Value, "--completion") || a.Value == "--bash" || a.Value == "--zsh" {
			return true // stern --completion=bash, fzf --bash
		}
	}
	return false
}

// computedDecoder: a decoder whose output decodeFilter computes; the
// filter tells decoding, which it computes, from encoding and decrypting,
// which it does not.
func computedDecoder(program string) bool {
	switch program {
	case "base64", "base32", "basenc", "xxd", "openssl":
		return true
	}
	return false
}

// A filter computes a command's output from its arguments and input.
type filter func(r *resolver, inv *Invocation, depth int) text

// filterFor returns how to compute a program's output from its input,
// nil for a program guard does not compute.
func filterFor(program string) filter {
	switch program {
	case "echo":
		return echoFilter
	case "printf":
		return printfFilter
	case "cat":
		return catFilter
	case "tee":
		return teeFilter
	case "tac", "rev", "head", "tail":
		return linesFilter
	case "ls":
		return func(r *resolver, inv *Invocation, depth int) text { return r.lsOutput(inv) }
	case "find":
		return findFilter
	case "sort", "uniq", "shuf":
		return reorderFilter
	case "awk", "gawk", "mawk", "nawk":
		return awkFilter
	case "tr":
		return trFilter
	case "sed":
		return sedFilter
	case "jq":
		return jqFilter
	case "grep", "egrep", "fgrep":
		return grepFilter
	case "base64", "base32", "basenc", "xxd", "openssl":
		return decodeFilter
	case "gzip", "gunzip", "zcat", "bzip2", "bunzip2", "bzcat":
		return decompressFilter
	case "dos2unix":
		return func(r *resolver, inv *Invocation, depth int) text {
			t := r.inputOf(inv, nil, depth)
			t.value = strings.ReplaceAll(t.value, "\r\n", "\n")
			return t
		}
	case "true", "false", ":":
		return func(*resolver, *Invocation, int) text { return knownText("") }
	}
	return nil
}

// inputOf is the concatenation of the files named by operands ("-" is
// standard input), or standard input when there are none.
func (r *resolver) inputOf(inv *Invocation, operands []Arg, depth int) text {
	if len(operands) == 0 {
		return r.stdinOf(inv, depth)
	}
	var b strings.Builder
	all := knownText("")
	for _, a := range operands {
		t := r.fileText(inv, a)
		if a.Known && a.Value == "-" {
			t = r.stdinOf(inv, depth)
		}
		if !t.known {
			return t
		}
		b.WriteString(t.value)
		if b.Len() > maxFeedBytes {
			return tooLarge(inv.Program)
		}
		all.download = all.download || t.download
		if all.rewrittenBy == "" {
			all.rewrittenBy = t.rewrittenBy
		}
	}
	return all.with(b.String())
}

func allKnown(args []Arg) (Arg, bool) {
	for _, a := range args {
		if !a.Known {
			return a, false
		}
	}
	return Arg{}, true
}

func echoFilter(r *resolver, inv *Invocation, depth int) text {
	args := inv.Args
	newline, escapes := true, false
	for len(args) > 0 && args[0].Known && len(args[0].Value) > 1 && strings.Trim(args[0].Value, "-neE") == "" && args[0].Value[0] == '-' {
		newline = newline && !strings.Contains(args[0].Value, "n")
		escapes = escapes || strings.Contains(args[0].Value, "e")
		args = args[1:]
	}
	if a, ok := allKnown(args); !ok {
		return text{from: unknownWhat(a)}
	}
	var words []string
	for _, a := range args {
		words = append(words, a.Value)
	}
	out := strings.Join(words, " ")
	// dash's echo, which sh runs, reads backslash escapes without -e:
	// read them, the more dangerous reading.
	if escapes || strings.Contains(out, `\`) {
		out, _ = unescapeEcho(out)
	}
	if newline {
		out += "\n"
	}
	return knownText(out)
}

func printfFilter(r *resolver, inv *Invocation, depth int) text {
	args := inv.Args
	if len(args) > 0 && args[0].Known && args[0].Value == "--" {
		args = args[1:]
	}
	if len(args) > 0 && args[0].Known && args[0].Value == "-v" {
		return knownText("") // printf -v VAR assigns, prints nothing
	}
	if len(args) == 0 {
		return knownText("")
	}
	if a, ok := allKnown(args); !ok {
		return text{from: unknownWhat(a)}
	}
	out, ok := printfText(args) // the same printf as $(printf …): widths, %b, reuse of the format
	if !ok {
		return uncomputed("printf " + args[0].Text)
	}
	return knownText(out)
}

// unescapeEcho reads the backslash escapes of echo -e and printf %b; \c
// ends the output, which the second result reports.
func unescapeEcho(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == 'c' {
			return b.String(), true
		}
		if s[i+1] == '0' { // echo's \0NNN octal
			j := i + 2
			for j < len(s) && j < i+5 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint("0"+s[i+2:j], 8, 8)
			b.WriteByte(byte(n))
			i = j - 1
			continue
		}
		out, n := unescapeOne(s[i:])
		b.WriteString(out)
		i += n - 1
	}
	return b.String(), false
}

// unescapeOne reads one backslash escape at the start of s, as printf's
// format does, and returns its text and length.
func unescapeOne(s string) (string, int) {
	if len(s) < 2 {
		return s, len(s)
	}
	switch c := s[1]; c {
	case 'n':
		return "\n", 2
	case 't':
		return "\t", 2
	case 'r':
		return "\r", 2
	case 'a':
		return "\a", 2
	case 'b':
		return "\b", 2
	case 'f':
		return "\f", 2
	case 'v':
		return "\v", 2
	case 'e', 'E':
		return "\x1b", 2
	case '\\':
		return `\`, 2
	case 'x':
		j := 2
		for j < len(s) && j < 4 && isHex(s[j]) {
			j++
		}
		if j == 2 {
			return s[:2], 2
		}
		n, _ := strconv.ParseUint(s[2:j], 16, 8)
		return string([]byte{byte(n)}), j
	case '0', '1', '2', '3', '4', '5', '6', '7':
		j := 1
		for j < len(s) && j < 4 && s[j] >= '0' && s[j] <= '7' {
			j++
		}
		n, _ := strconv.ParseUint(s[1:j], 8, 8)
		return string([]byte{byte(n)}), j
	case 'u', 'U': // \uHHHH, \UHHHHHHHH: a Unicode character (bash 4.2+)
		width := 4
		if c == 'U' {
			width = 8
		}
		j := 2
		for j < len(s) && j < 2+width && isHex(s[j]) {
			j++
		}
		if j == 2 {
			return s[:2], 2
		}
		n, _ := strconv.ParseUint(s[2:j], 16, 32)
		return string(rune(n)), j
	}
	return s[:2], 2
}

func catFilter(r *resolver, inv *Invocation, depth int) text {
	p := ParseOptions(inv.Args, OptSpec{})
	for _, flag := range []string{"n", "b", "A", "e", "E", "s", "t", "T", "v", "number", "show-all", "squeeze-blank"} {
		if p.Has(flag) {
			return uncomputed("cat -" + flag)
		}
	}
	return r.inputOf(inv, p.Operands, depth)
}

func teeFilter(r *resolver, inv *Invocation, depth int) text { return r.stdinOf(inv, depth) }

// linesFilter computes tac, rev, head and tail.
func linesFilter(r *resolver, inv *Invocation, depth int) text {
	p := ParseOptions(inv.Args, OptSpec{ShortValue: "nc", LongValue: []string{"lines", "bytes"}, NumericOptions: inv.Program == "head" || inv.Program == "tail"})
	if inv.Program == "tail" && p.Has("f", "F", "follow") {
		return text{from: "tail -f: lines written to " + joinValues(p.Operands) + " later, where guard does not see them"}
	}
	t := r.inputOf(inv, p.Operands, depth)
	if !t.known {
		return t
	}
	lines := strings.SplitAfter(t.value, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	switch inv.Program {
	case "tac":
		slices.Reverse(lines)
		if n := len(lines); n > 0 && !strings.HasSuffix(lines[0], "\n") {
			lines[0] += "\n" // tac moves the unterminated last line first
			lines[n-1] = strings.TrimSuffix(lines[n-1], "\n")
		}
		return t.with(strings.Join(lines, ""))
	case "rev":
		for i, l := range lines {
			body, nl := strings.CutSuffix(l, "\n")
			runes := []rune(body)
			slices.Reverse(runes)
			lines[i] = string(runes)
			if nl {
				lines[i] += "\n"
			}
		}
		return t.rewritten(strings.Join(lines, ""), "rev")
	}
	if t.unordered || t.some {
		return someLines(t) // which lines come first is not known
	}
	if c, ok := p.Value("c", "bytes"); ok {
		n, err := strconv.Atoi(strings.TrimPrefix(c.Value, "+"))
		if err != nil || n < 0 {
			return uncomputed(inv.Program + " -c " + c.Value)
		}
		if inv.Program == "head" {
			return t.with(t.value[:min(n, len(t.value))])
		}
		if strings.HasPrefix(c.Value, "+") {
			return t.with(t.value[min(max(n-1, 0), len(t.value)):])
		}
		return t.with(t.value[max(len(t.value)-n, 0):])
	}
	count := "10"
	if v, ok := p.Value("n", "lines"); ok {
		count = v.Value
	}
	from := strings.HasPrefix(count, "+")
	n, err := strconv.Atoi(strings.TrimPrefix(count, "+"))
	if err != nil || n < 0 {
		return uncomputed(inv.Program + " -n " + count)
	}
	switch {
	case inv.Program == "head":
		lines = lines[:min(n, len(lines))]
	case from:
		lines = lines[min(max(n-1, 0), len(lines)):]
	default:
		lines = lines[max(len(lines)-n, 0):]
	}
	return t.with(strings.Join(lines, ""))
}

// trFilter computes tr with plain sets: ranges, escapes, [:classes:],
// -d and -s; -c (complement) is not computed.
func trFilter(r *resolver, inv *Invocation, depth int) text {
	p := ParseOptions(inv.Args, OptSpec{})
	if p.Has("c", "C", "complement") || len(p.Operands) == 0 {
		return uncomputed("tr " + joinValues(inv.Args))
	}
	if a, ok := allKnown(p.Operands); !ok {
		return text{from: unknownWhat(a)}
	}
	t := r.stdinOf(inv, depth)
	if !t.known {
		return t
	}
	set1, ok1 := trSet(p.Operands[0].Value)
	var set2 []byte
	ok2 := true
	if len(p.Operands) > 1 {
		set2, ok2 = trSet(p.Operands[1].Value)
	}
	if !ok1 || !ok2 {
		return uncomputed("tr " + joinValues(inv.Args))
	}
	in := []byte(t.value)
	var out []byte
	del := p.Has("d", "delete")
	squeeze := p.Has("s", "squeeze-repeats")
	switch {
	case del:
		drop := byteSet(set1)
		for _, c := range in {
			if !drop[c] {
				out = append(out, c)
			}
		}
		if squeeze {
			out = squeezeBytes(out, byteSet(set2))
		}
	case len(set2) > 0:
		var table [256]byte
		for i := range table {
			table[i] = byte(i)
		}
		if p.Has("t", "truncate-set1") && len(set1) > len(set2) {
			set1 = set1[:len(set2)]
		}
		for i, c := range set1 {
			table[c] = set2[min(i, len(set2)-1)]
		}
		out = make([]byte, len(in))
		for i, c := range in {
			out[i] = table[c]
		}
		if squeeze {
			out = squeezeBytes(out, byteSet(set2))
		}
	case squeeze:
		out = squeezeBytes(in, byteSet(set1))
	default:
		return uncomputed("tr " + joinValues(inv.Args))
	}
	if del && !squeeze && strings.Trim(string(set1), " \t\r\n") == "" {
		return t.with(string(out)) // dropping carriage returns hides nothing
	}
	return t.rewritten(string(out), "tr")
}

func byteSet(set []byte) [256]bool {
	var s [256]bool
	for _, c := range set {
		s[c] = true
	}
	return s
}

func squeezeBytes(in []byte, set [256]bool) []byte {
	out := in[:0:0]
	for i, c := range in {
		if i > 0 && c == in[i-1] && set[c] {
			continue
		}
		out = append(out, c)
	}
	return out
}

var trClasses = map[string]string{
	"lower": "abcdefghijklmnopqrstuvwxyz", "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	"digit": "0123456789", "space": " \t\n\r\f\v", "blank": " \t",
	"xdigit": "0123456789ABCDEFabcdef",
}

// trSet expands a tr set into its bytes, in order; false for what is not
// computed ([c*n], [=c=], unknown classes).
func trSet(s string) ([]byte, bool) {
	var raw []byte
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			u, n := unescapeOne(s[i:])
			raw = append(raw, u...)
			i += n - 1
		case strings.HasPrefix(s[i:], "[:"):
			end := strings.Index(s[i:], ":]")
			if end < 2 {
				return nil, false // no class, or [:] (tr: invalid)
			}
			name := s[i+2 : i+end]
			switch name {
			case "alpha":
				raw = append(raw, trClasses["lower"]+trClasses["upper"]...)
			case "alnum":
				raw = append(raw, "0123456789"+trClasses["lower"]+trClasses["upper"]...)
			default:
				class, ok := trClasses[name]
				if !ok {
					return nil, false
				}
				raw = append(raw, class...)
			}
			i += end + 1
		case strings.HasPrefix(s[i:], "[=") || (s[i] == '[' && strings.Contains(s[i:], "*") && strings.Contains(s[i:], "]")):
			return nil, false
		case i+2 < len(s) && s[i+1] == '-':
			lo, hi := s[i], s[i+2]
			if hi == '\\' {
				u, n := unescapeOne(s[i+2:])
				if len(u) != 1 {
					return nil, false
				}
				hi = u[0]
				i += n - 1
			}
			if lo > hi {
				return nil, false
			}
			for c := int(lo); c <= int(hi); c++ {
				raw = append(raw, byte(c))
			}
			i += 2
		default:
			raw = append(raw, s[i])
		}
		if len(raw) > 4096 {
			return nil, false
		}
	}
	return raw, true
}

// decodeFilter computes base64 -d, base32 -d, basenc, xxd -r -p and
// openssl base64 -d: text hidden by encoding, not by a key.
func decodeFilter(r *resolver, inv *Invocation, depth int) text {
	p := ParseOptions(inv.Args, OptSpec{ShortValue: "wicls", LongValue: []string{"wrap", "cols", "len", "seek"}})
	undecided := uncomputed(inv.Program + " " + joinValues(inv.Args))
	undecided.download = true
	var decode func(string) ([]byte, error)
	operands := p.Operands
	switch inv.Program {
	case "base64", "base32", "basenc":
		if !p.Has("d", "decode", "D") {
			if encoded, ok := r.encoded(inv, operands, depth); ok {
				return encoded // echo CODE | base64 | base64 -d | sh
			}
			return undecided
		}
		enc := inv.Program
		if enc == "basenc" {
			enc = ""
			for _, e := range []string{"base64", "base64url", "base32", "base32hex", "base16"} {
				if p.Has(e) {
					enc = e
				}
			}
		}
		decode = decoderFor(enc)
		if decode == nil {
			return undecided
		}
	case "xxd":
		if !p.Has("r", "revert") || !p.Has("p", "ps", "postscript", "plain") {
			return undecided
		}
		decode = func(s string) ([]byte, error) { return hex.DecodeString(stripSpace(s)) }
	case "openssl":
		args := inv.Values()
		if len(args) == 0 || !slices.Contains(args, "-d") {
			return undecided
		}
		base := args[0] == "base64" || args[0] == "enc" && (slices.Contains(args, "-base64") || slices.Contains(args, "-a") || slices.Contains(args, "-A"))
		for _, a := range args[1:] {
			if a != "-d" && a != "-base64" && a != "-a" && a != "-A" && a != "-in" && strings.HasPrefix(a, "-") {
				return undecided // a cipher, a key, a passphrase
			}
		}
		if !base {
			return undecided
		}
		decode = decoderFor("base64")
		operands = nil
		for i, a := range inv.Args {
			if a.Value == "-in" && i+1 < len(inv.Args) {
				operands = []Arg{inv.Args[i+1]}
			}
		}
	}
	t := r.inputOf(inv, operands, depth)
	if !t.known {
		t.download = true
		return t
	}
	out, err := decode(t.value)
	if err != nil {
		return text{from: "the output of " + inv.Program + ", which does not decode", download: true}
	}
	decoded := t.rewritten(string(out), inv.Program)
	decoded.download = true // download-to-shell reports decoded code
	return decoded
}

// encoded is what base64 or base32 prints encoding a text guard knows,
// so that decoding it again further down the pipe gives the text back.
func (r *resolver) encoded(inv *Invocation, operands []Arg, depth int) (text, bool) {
	var enc interface{ EncodeToString([]byte) string }
	switch inv.Program {
	case "base64":
		enc = base64.StdEncoding
	case "base32":
		enc = base32.StdEncoding
	default:
		return text{}, false
	}
	t := r.inputOf(inv, operands, depth)
	if !t.known || len(t.value) > maxFeedBytes/2 {
		return text{}, false
	}
	return t.rewritten(enc.EncodeToString([]byte(t.value))+"\n", inv.Program), true
}

func decoderFor(enc string) func(string) ([]byte, error) {
	var e interface {
		DecodeString(string) ([]byte, error)
	}
	switch enc {
	case "base64":
		e = base64.StdEncoding
	case "base64url":
		e = base64.URLEncoding
	case "base32":
		e = base32.StdEncoding
	case "base32hex":
		e = base32.HexEncoding
	case "base16":
		return func(s string) ([]byte, error) { return hex.DecodeString(stripSpace(s)) }
	default:
		return nil
	}
	return func(s string) ([]byte, error) {
		s = stripSpace(s)
		if out, err := e.DecodeString(s); err == nil {
			return out, nil
		}
		// Missing padding is common in hand-made payloads.
		for len(s)%4 != 0 && enc == "base64" {
			s += "="
		}
		return e.DecodeString(s)
	}
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' {
			return -1
		}
		return r
	}, s)
}

// decompressFilter computes gzip -d and bzip2 -d of known bytes, bounded
// so that a small bomb cannot grow past what guard follows.
func decompressFilter(r *resolver, inv *Invocation, depth int) text {
	p := ParseOptions(inv.Args, OptSpec{ShortValue: "S", LongValue: []string{"suffix"}})
	decompress := inv.Program == "gunzip" || inv.Program == "zcat" || inv.Program == "bunzip2" || inv.Program == "bzcat" || p.Has("d", "decompress", "uncompress")
	if !decompress || !(p.Has("c", "stdout", "to-stdout") || len(p.Operands) == 0 || inv.Program == "zcat" || inv.Program == "bzcat") {
		return uncomputed(inv.Program)
	}
	t := r.inputOf(inv, p.Operands, depth)
	if !t.known {
		return t
	}
	var rd io.Reader
	if strings.HasPrefix(inv.Program, "b") {
		rd = bzip2.NewReader(strings.NewReader(t.value))
	} else {
		z, err := gzip.NewReader(strings.NewReader(t.value))
		if err != nil {
			return text{from: "the output of " + inv.Program + ", which does not decompress"}
		}
		rd = z
	}
	out, err := io.ReadAll(io.LimitReader(rd, maxFeedBytes+1))
	if err != nil {
		return text{from: "the output of " + inv.Program + ", which does not decompress"}
	}
	return t.rewritten(string(out), inv.Program)
}

// grepFilter computes grep with its plain forms: patterns, -v, -i, -x,
// -E, -F; what changes the output's shape (-o, -n, -c…) is not.
func grepFilter(r *resolver, inv *Invocation, depth int) text {
	p := ParseOptions(inv.Args, OptSpec{ShortValue: "efABCdDm", LongValue: []string{"regexp", "file", "after-context", "before-context", "context", "max-count"}})
	for _, flag := range []string{"o", "n", "c", "l", "L", "b", "A", "B", "C", "f", "z", "P", "m", "r", "R", "only-matching", "count", "files-with-matches", "file", "null-data", "recursive"} {
		if p.Has(flag) {
			return uncomputed("grep -" + flag)
		}
	}
	patterns := p.Values("e", "regexp")
	operands := p.Operands
	if len(patterns) == 0 {
		if len(operands) == 0 {
			return uncomputed("grep")
		}
		patterns, operands = operands[:1], operands[1:]
	}
	// A pattern guard cannot know or match still only selects lines: what
	// grep prints is some of the lines it reads (grep -v "$cur").
	selects := func(why text) text {
		if len(operands) > 1 || p.Has("H", "with-filename") {
			return why // each line after its file's name
		}
		if t := r.inputOf(inv, operands, depth); t.known {
			return someLines(t)
		}
		return why
	}
	if a, ok := allKnown(patterns); !ok {
		return selects(text{from: unknownWhat(a)})
	}
	ere := p.Has("E", "extended-regexp") || inv.Program == "egrep"
	fixed := p.Has("F", "fixed-strings") || inv.Program == "fgrep"
	var res []*lineMatcher
	for _, pat := range patterns {
		for _, one := range strings.Split(pat.Value, "\n") {
			m, ok := newLineMatcher(one, ere, fixed, p.Has("i", "ignore-case"), p.Has("x", "line-regexp"), p.Has("w", "word-regexp"))
			if !ok {
				return selects(uncomputed("grep " + pat.Text))
			}
			res = append(res, m)
		}
	}
	t := r.inputOf(inv, operands, depth)
	if !t.known {
		return t
	}
	invert := p.Has("v", "invert-match")
	var b strings.Builder
	for _, line := range strings.SplitAfter(t.value, "\n") {
		if line == "" {
			continue
		}
		body := strings.TrimSuffix(line, "\n")
		matched := slices.ContainsFunc(res, func(m *lineMatcher) bool { return m.match(body) })
		if matched != invert {
			b.WriteString(body + "\n")
		}
	}
	return t.with(b.String())
}

// lastOwn is the last command of a statement's own, not one inside a
// script or a shell it runs (pyenv init - runs pyenv's script, whose
// commands come after it).
func lastOwn(invs []*Invocation) *Invocation {
	for i := len(invs) - 1; i >= 0; i-- {
		if len(invs[i].Via) == 0 {
			return invs[i]
		}
	}
	return invs[len(invs)-1]
}

func isReadFile(st *syntax.Stmt) bool {
	_, ok := readsFileOnly([]*syntax.Stmt{st})
	return ok
}

// substOutput is what the shell code of a process substitution prints:
// the code is walked on its own, without being recorded again (the line's
// walk already recorded it), and its output computed.
func (r *resolver) substOutput(code string, inv *Invocation) (text, bool) {
	if r.host == nil || !r.budgetReparse(code) {
		return text{}, false
	}
	// Its own walk, sharing the line's budgets and what it has read.
	sub := newResolver(r.host, r.lang)
	sub.passwd, sub.reach, sub.steps, sub.reparsed = r.passwd, r.reached(), r.steps, r.reparsed
	sc := &scope{cwd: inv.Cwd, remote: inv.Remote, user: inv.User, env: r.host.Getenv}
	if inv.Remote != "" {
		sc.env = nil
	}
	var b bytes.Buffer
	out := text{known: true}
	outputs := 0
	sub.parseEach(code, func(st *syntax.Stmt, src string) bool {
		sc.src = src
		start := len(sub.invs)
		sub.walkStmt(st, sc, stmtCtx{})
		var t text
		switch {
		case len(sub.invs) == start && isReadFile(st):
			// <(< FILE) is bash's cat FILE
			file, _ := readsFileOnly([]*syntax.Stmt{st})
			t = sub.fileText(inv, sub.scalar(file, sc))
		case len(sub.invs) == start:
			return true
		default:
			t = sub.pipedOut(lastOwn(sub.invs[start:]), 1)
		}
		if !t.known {
			out = t
			return false
		}
		// what one listing prints carries the folder it lists (while
		// read f; do rm -rf ~/"$f"; done < <(ls -A ~)); two do not
		if outputs++; outputs == 1 {
			out.listed, out.listedNames, out.some, out.unordered = t.listed, t.listedNames, t.some, t.unordered
		} else {
			out.listed = ""
		}
		b.WriteString(t.value)
		out.rewrittenBy = cmp.Or(out.rewrittenBy, t.rewrittenBy)
		out.download = out.download || t.download
		return b.Len() <= maxFeedBytes
	})
	r.steps, r.reparsed = sub.steps, sub.reparsed
	if !out.known {
		return out, true
	}
	if b.Len() > maxFeedBytes {
		return tooLarge("<(…)"), true
	}
	return out.with(b.String()), true
}

// historyText is what a command prints from the shell's history, which
// guard does not have.
var historyText = text{from: "the shell's history, which keeps the lines guard refused", fromFile: true}

// fedHistory: a command upstream of inv in its pipeline prints lines of
// the history, so what inv makes of its input (head, cut, awk, sed…) is
// made of them.
func fedHistory(inv *Invocation) bool {
	for _, up := range inv.Stdin {
		if printsHistory(up) {
			return true
		}
	}
	return false
}

// printsHistory: inv prints lines of the interactive shell's history
// (history, history -p '!…', fc -l), which guard does not have.
func printsHistory(inv *Invocation) bool {
	switch inv.Program {
	case "history":
		for _, a := range inv.Args {
			if a.Known && len(a.Value) > 1 && a.Value[0] == '-' && strings.ContainsAny(a.Value, "cdswanr") {
				return false // clears, deletes, stores or moves the history: prints nothing
			}
		}
		return true
	case "fc":
		for _, a := range inv.Args {
			if a.Known && len(a.Value) > 1 && a.Value[0] == '-' && a.Value[1] != '-' && strings.Contains(a.Value, "l") {
				return true
			}
		}
	}
	return false
}
