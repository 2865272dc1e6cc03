package guard

import "strings"

// Terminal emulators start a command in a new window: xterm -e rm -rf
// /etc runs rm there, as surely as typing it. How each names the command
// differs (their manuals: xterm 390, konsole 23, gnome-terminal 3.46,
// xfce4-terminal 1.0, alacritty 0.13, kitty 0.31, foot 1.16, wezterm
// 2024, st 0.9, terminator 2.1, tilix 1.9).
type terminalSpec struct {
	// opts are the options that take a value, so that the command found
	// after them is the command and not a value.
	opts OptSpec
	// argv lists the options after which the rest of the words are the
	// command and its arguments (xterm -e, gnome-terminal --, xfce4 -x).
	argv []string
	// code lists the options whose one value is a command line the
	// terminal splits or hands to a shell (xfce4-terminal -e 'CMD').
	code []string
	// operand: the first operand starts the command (kitty CMD, foot CMD).
	operand bool
	// sub is a subcommand that comes first (wezterm start).
	sub string
}

// terminals is a read-only table, looked up by program name.
var terminals = map[string]terminalSpec{
	"xterm":               {argv: []string{"e"}, opts: OptSpec{ShortValue: "bgTn", LongValue: []string{"title", "geometry"}}},
	"uxterm":              {argv: []string{"e"}, opts: OptSpec{ShortValue: "bgTn"}},
	"urxvt":               {argv: []string{"e"}, opts: OptSpec{ShortValue: "gTn"}},
	"rxvt":                {argv: []string{"e"}, opts: OptSpec{ShortValue: "gTn"}},
	"x-terminal-emulator": {argv: []string{"e"}, opts: OptSpec{ShortValue: "T", LongValue: []string{"title"}}},
	"konsole":             {argv: []string{"e"}, opts: OptSpec{LongValue: []string{"workdir", "profile", "layout", "tabs-from-file", "p"}}},
	"st":                  {argv: []string{"e"}, operand: true, opts: OptSpec{ShortValue: "acfgnoTtlw"}},
	"alacritty":           {argv: []string{"e", "command"}, opts: OptSpec{ShortValue: "oT", LongValue: []string{"config-file", "working-directory", "title", "class", "option", "socket", "embed"}}},
	"gnome-terminal":      {argv: []string{"", "x", "execute"}, code: []string{"e", "command"}, opts: OptSpec{ShortValue: "tp", LongValue: []string{"title", "working-directory", "profile", "geometry", "role", "zoom", "window-with-profile", "tab-with-profile"}}},
	"mate-terminal":       {argv: []string{"", "x", "execute"}, code: []string{"e", "command"}, opts: OptSpec{ShortValue: "tp", LongValue: []string{"title", "working-directory", "profile", "geometry"}}},
	"xfce4-terminal":      {argv: []string{"x", "execute"}, code: []string{"e", "command"}, opts: OptSpec{ShortValue: "T", LongValue: []string{"title", "working-directory", "geometry", "role", "tab"}}},
	"terminator":          {argv: []string{"x", "execute"}, code: []string{"e", "command"}, opts: OptSpec{ShortValue: "Tgplrb", LongValue: []string{"title", "geometry", "profile", "layout", "role", "working-directory"}}},
	"tilix":               {argv: []string{"x"}, code: []string{"e", "command"}, opts: OptSpec{ShortValue: "wptas", LongValue: []string{"working-directory", "profile", "title", "action", "session", "geometry"}}},
	"lxterminal":          {code: []string{"e", "command"}, opts: OptSpec{ShortValue: "t", LongValue: []string{"title", "working-directory", "geometry"}}},
	"qterminal":           {code: []string{"e", "execute"}, opts: OptSpec{ShortValue: "wp", LongValue: []string{"workdir", "profile"}}},
	"sakura":              {argv: []string{"x", "xterm-execute"}, code: []string{"e", "execute"}, opts: OptSpec{ShortValue: "ftdrc", LongValue: []string{"font", "title", "working-directory", "rows", "columns", "config-file"}}},
	"terminology":         {code: []string{"e", "exec"}, opts: OptSpec{ShortValue: "tdT", LongValue: []string{"theme", "working-directory", "title", "geometry"}}},
	"kitty":               {argv: []string{""}, operand: true, opts: OptSpec{ShortValue: "cdoTw", LongValue: []string{"config", "directory", "override", "title", "class", "name", "listen-on", "start-as", "session", "watcher", "instance-group", "os-window-tag", "wait-for-single-instance-window-close"}}},
	"foot":                {argv: []string{""}, operand: true, opts: OptSpec{ShortValue: "cfmtTaWwDsLlop", LongValue: []string{"config", "font", "term", "title", "app-id", "window-size-pixels", "window-size-chars", "working-directory", "server", "log-level", "log-colorize", "override", "pty"}}},
	"wezterm":             {argv: []string{""}, operand: true, sub: "start", opts: OptSpec{LongValue: []string{"cwd", "class", "workspace", "position", "domain"}}},
}

// wrapTerminal judges the command a terminal emulator starts.
func wrapTerminal(r *resolver, outer *Invocation, sc *scope) {
	spec := terminals[outer.Program]
	args := outer.Args
	if spec.sub != "" {
		i := 0
		for i < len(args) && strings.HasPrefix(args[i].Value, "-") {
			i++ // wezterm's global options (-n, --config-file=…) come first
		}
		if i == len(args) || args[i].Value != spec.sub {
			return // wezterm ls-fonts, wezterm cli …: no command started
		}
		args = args[i+1:]
	}
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		if !strings.HasPrefix(v, "-") || v == "-" {
			if spec.operand {
				r.runInner(outer, args[i:], sc, outer.Program, detach)
			}
			return
		}
		name, _, inline := strings.Cut(strings.TrimLeft(v, "-"), "=")
		if v == "--" {
			name = ""
		}
		switch {
		case optionIn(name, spec.argv):
			rest := args[i+1:]
			if inline {
				_, value, _ := strings.Cut(v, "=")
				rest = append([]Arg{{Text: value, Value: value, Known: args[i].Known}}, rest...)
			}
			if len(rest) == 1 && outer.Program != "alacritty" && outer.Program != "kitty" {
				// xterm -e 'CMD ARGS': one word is a command line for a shell
				r.runCode(outer, joinCode(rest, r.lineLang()), sc, outer.Program, detach)
				return
			}
			r.runInner(outer, rest, sc, outer.Program, detach)
			return
		case optionIn(name, spec.code):
			if inline {
				_, value, _ := strings.Cut(v, "=")
				r.runCode(outer, value, sc, outer.Program, detach)
			} else if i+1 < len(args) {
				i++
				r.runCode(outer, joinCode(args[i:i+1], r.lineLang()), sc, outer.Program, detach)
			}
		case !inline && takesValue(v, name, spec.opts):
			i++
		}
	}
}

// optionIn tells whether the option name is one of names ("" is --).
func optionIn(name string, names []string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// takesValue tells whether the option word v (named name) takes the next
// word as its value.
func takesValue(v, name string, spec OptSpec) bool {
	if strings.HasPrefix(v, "--") {
		return optionIn(name, spec.LongValue)
	}
	return len(name) == 1 && strings.Contains(spec.ShortValue, name) || optionIn(name, spec.LongValue)
}

// wrapCodeArgs judges programs whose every operand is a command line run
// by a shell: moreutils' pee 'CMD'… (each fed the input) and mispipe
// 'CMD1' 'CMD2'.
func wrapCodeArgs(r *resolver, outer *Invocation, sc *scope) {
	for _, a := range outer.Args {
		if strings.HasPrefix(a.Value, "-") && a.Known {
			continue // pee --ignore-sigpipe
		}
		r.runCode(outer, joinCode([]Arg{a}, r.lineLang()), sc, outer.Program, nil)
	}
}
