package guard

import (
	"strings"

	"github.com/guard-sh/guard/guard/lazyre"
)

// ExEdit reads a line-editor invocation (vim, vi, nvim and ex given
// commands with -c, +CMD or --cmd; ed and ex given a script on their
// standard input) for the files it edits and for what its commands do to
// the first of them when they write it back: edit(content) is what is
// written over a file that held content, the way SedEdit computes sed -i.
// edit is nil when nothing is written back, when the editor is left to a
// person at the keyboard, or when a command is one guard does not compute
// (anything but deletes, substitutions, prints, moves and writes): the
// commands are translated into a sed script, so the same bounded sed
// machine runs them. opaque tells that the file is written back by
// commands guard does not compute.
func ExEdit(inv *Invocation) (files []Arg, edit func(content string) (string, bool), opaque bool) {
	var cmds []string
	switch inv.Program {
	case "ed", "red":
		p := ParseOptions(inv.Args, OptSpec{ShortValue: "p", LongValue: []string{"prompt"}})
		files = p.Operands
		text, known := StdinText(inv)
		switch {
		case len(inv.Stdin) == 0 && !hasInputRedir(inv):
			return files, nil, false // a person types the commands
		case !known && len(files) > 0:
			return files[:1], nil, true // a script guard cannot read
		case !known:
			return files, nil, false
		}
		cmds = strings.Split(text, "\n")
	case "vim", "vi", "nvim", "ex", "vim.basic", "vim.tiny", "gvim":
		var ok bool
		files, cmds, ok = vimCommands(inv.Args, inv.Program == "ex")
		if !ok {
			return files, nil, false
		}
		if inv.Program == "ex" && len(cmds) == 0 {
			if text, known := StdinText(inv); known && (len(inv.Stdin) > 0 || hasInputRedir(inv)) {
				cmds = strings.Split(text, "\n")
			}
		}
	default:
		return nil, nil, false
	}
	if len(files) == 0 {
		return files, nil, false
	}
	script, writes, computed := exToSed(cmds)
	if !writes {
		return files, nil, false
	}
	parsed, ok := parseSed(script)
	if !ok || !computed {
		return files[:1], nil, true
	}
	prog, ok := compileSed(parsed, false)
	if !ok {
		return files[:1], nil, true
	}
	return files[:1], func(content string) (string, bool) { return prog.run(content, false) }, false
}

// hasInputRedir: the command reads a file, a here-document or a
// here-string rather than the terminal.
func hasInputRedir(inv *Invocation) bool {
	for _, rd := range inv.Redirs {
		if rd.Op == "<" || rd.Input() {
			return true
		}
	}
	return false
}

// vimCommands collects the ex commands vim runs at start-up (-c CMD,
// +CMD, --cmd CMD) and the files it opens. ok is false when vim reads
// commands guard cannot see (-s SCRIPTIN outside ex mode, -S FILE).
func vimCommands(args []Arg, exMode bool) (files []Arg, cmds []string, ok bool) {
	for _, a := range args {
		if v := a.Value; strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.ContainsAny(v, "eE") {
			exMode = true
		}
	}
	valued := "cuUiTtwWrS"
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		if !a.Known {
			return files, nil, false
		}
		switch {
		case v == "--":
			files = append(files, args[i+1:]...)
			return files, cmds, true
		case v == "--cmd":
			if i+1 < len(args) {
				i++
				cmds = append(cmds, args[i].Value)
			}
		case strings.HasPrefix(v, "--"):
			// --headless, --clean, --noplugin: flags without a value
		case strings.HasPrefix(v, "+"):
			cmds = append(cmds, strings.TrimPrefix(v, "+"))
		case strings.HasPrefix(v, "-") && len(v) > 1:
		flags:
			for j := 1; j < len(v); j++ {
				c := v[j]
				if c == 's' && !exMode {
					return files, nil, false // -s SCRIPTIN: keys from a file
				}
				if strings.IndexByte(valued, c) < 0 {
					continue
				}
				value := v[j+1:]
				if value == "" && i+1 < len(args) {
					i++
					value = args[i].Value
				}
				switch c {
				case 'c':
					cmds = append(cmds, value)
				case 'S':
					return files, nil, false // a session file of commands
				}
				break flags // the value was the rest of the word or the next
			}
		default:
			files = append(files, a)
		}
	}
	return files, cmds, true
}

// exLineRange is an ex or ed line range before a command: %, N,M, $, /re/,
// or ed's lone comma for every line.
var exLineRange = lazyre.New(`^(%|,|[0-9]+|\$|/[^/]*/)?(,([0-9]+|\$|/[^/]*/))?`)

// exNormalDeleteAll: normal-mode keys that delete every line (gg then
// dG), and dd run on each line of a range (%norm dd).
var (
	exNormalDeleteAll = lazyre.New(`^norm(al)?!?\s+gg("_)?dG$`)
	exNormalDeleteRow = lazyre.New(`^norm(al)?!?\s+("_)?dd$`)
	exDelete          = lazyre.New(`^d(e(l(e(te?)?)?)?)?!?(\s*[a-z_"])?$`)
	exSilent          = lazyre.New(`^sil(e(nt?)?)?!?\s+`)
	// exSettings change how the file is shown or saved (line endings, a
	// byte-order mark, the file type), not which lines it holds.
	exSettings = lazyre.New(`^(set?|setl(ocal)?|syn(tax)?|filetype|nohl(search)?)(\s|$)`)
)

// exToSed translates ex and ed commands into a sed script; writes tells
// whether they write the file back, computed whether every command was
// translated (a filter through a program, :normal keys, appended text are
// not).
func exToSed(lines []string) (script string, writes, computed bool) {
	var sed []string
	computed = true
	inText := false // between a or i and the lone dot that ends the text
	for _, line := range lines {
		if inText {
			inText = strings.TrimSpace(line) != "."
			continue // added lines take nothing away
		}
		for _, cmd := range strings.Split(line, "|") {
			cmd = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(cmd), ":"))
			cmd = exSilent.Compiled().ReplaceAllString(cmd, "")
			switch cmd {
			case "", "q", "q!", "Q", "qa", "qa!", "quit", "quit!", "qall", "set nomore", "se nomore":
				continue
			case "w", "w!", "wq", "wq!", "x", "x!", "xit", "exit", "wa", "wqa", "wqall", "xa", "xall", "up", "update", "W":
				writes = true
				continue
			}
			if exNormalDeleteAll.MatchString(cmd) {
				sed = append(sed, "1,$d")
				continue
			}
			if g, rest, found := strings.Cut(cmd, "/"); found && (g == "g" || g == "global") {
				re, action, found := strings.Cut(rest, "/")
				if !found || !exDelete.MatchString(action) {
					computed = false
					continue
				}
				sed = append(sed, "/"+re+"/d")
				continue
			}
			rng := exLineRange.FindString(cmd)
			rest := strings.TrimSpace(cmd[len(rng):])
			switch rng {
			case "%", ",":
				rng = "1,$"
			default:
				if strings.HasPrefix(rng, ",") {
					rng = "1" + rng
				}
			}
			switch {
			case rest == "":
				continue // a move to a line, nothing changes
			case exDelete.MatchString(rest) || rng != "" && exNormalDeleteRow.MatchString(rest):
				sed = append(sed, rng+"d")
			case rest == "p" || rest == "n" || rest == "l" || rest == "P" || exSettings.MatchString(rest):
				continue // printed, or a setting: the lines stay
			case rest == "a" || rest == "i" || rest == "append" || rest == "insert":
				inText = true
			case strings.HasPrefix(rest, "s/"):
				sed = append(sed, rng+rest)
			case strings.HasPrefix(rest, "w ") || strings.HasPrefix(rest, "w! ") || strings.HasPrefix(rest, "wq "):
				continue // written to another file: this one stays as it was
			default:
				computed = false
			}
		}
	}
	return strings.Join(sed, "\n"), writes, computed
}
