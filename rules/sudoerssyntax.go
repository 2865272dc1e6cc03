package rules

import (
	"strings"

	"github.com/guard-sh/guard/guard/lazyre"
)

// The sudoers lines sudoers-unchecked-edit lets through unasked: a
// conservative reading of the shapes visudo accepts (a user rule, an
// alias, a Defaults setting, an include), so that a drop-in whose text the
// line shows and that is one ordinary rule is not asked about. Anything
// else, a trailing comment, a second host list, an option such as CWD= or
// a command that is not a full path (NOPASSWD: systemctl …, which sudo
// refuses), is not read as valid, and the edit still asks.

const maxSudoersLines = 200

var (
	sudoersUser     = lazyre.New(`^!*(ALL|[A-Za-z_][A-Za-z0-9_.-]*\$?|%:?[A-Za-z0-9_.-]+|%#[0-9]+|#[0-9]+|\+[A-Za-z0-9_.-]+)$`)
	sudoersHost     = lazyre.New(`^!*(ALL|[A-Za-z0-9_.:/*-]+)$`)
	sudoersAlias    = lazyre.New(`^(User|Runas|Host|Cmnd|Cmd)_Alias\s+[A-Z][A-Z0-9_]*\s*=\s*(.+)$`)
	sudoersDefaults = lazyre.New(`^Defaults([:@>!]\S+)?\s+(.+)$`)
	sudoersSetting  = lazyre.New(`^(!*[a-z_]+|[a-z_]+\s*[+-]?=\s*("[^"]*"|[^\s",]+))$`)
	sudoersInclude  = lazyre.New(`^[#@]include(dir)?\s+/\S+$`)
	sudoersTags     = lazyre.New(`^((NO)?(PASSWD|SETENV|EXEC|LOG_INPUT|LOG_OUTPUT|MAIL|FOLLOW|INTERCEPT):\s*)*`)
	sudoersCommand  = lazyre.New(`^!*(ALL|[A-Z][A-Z0-9_]*|sudoedit\s+/\S.*|/\S+(\s.*)?)$`)
	sudoersArgs     = lazyre.New(`^([^,:=()#\\]|\\.)*$`)
)

// sudoersLooksValid: every line of text is one visudo accepts, read
// conservatively, and there is at least one.
func sudoersLooksValid(text string) bool {
	text = strings.ReplaceAll(text, "\\\n", " ")
	lines := strings.Split(text, "\n")
	if len(lines) > maxSudoersLines {
		return false
	}
	rules := 0
	for _, line := range lines {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case sudoersInclude.MatchString(line):
		case strings.HasPrefix(line, "#") && (len(line) == 1 || line[1] < '0' || line[1] > '9'):
			continue // a comment; #1000 is a user id
		case strings.Contains(line, "#") && !strings.HasPrefix(line, "#"):
			return false // a comment after a rule: read as valid only without one
		case strings.HasPrefix(line, "Defaults"):
			if !sudoersDefaultsLine(line) {
				return false
			}
		case sudoersAlias.MatchString(line):
			if !sudoersAliasLine(line) {
				return false
			}
		default:
			if !sudoersUserSpec(line) {
				return false
			}
		}
		rules++
	}
	return rules > 0
}

func sudoersDefaultsLine(line string) bool {
	m := sudoersDefaults.FindStringSubmatch(line)
	if m == nil {
		return false
	}
	for _, setting := range splitUnquoted(m[2]) {
		if !sudoersSetting.MatchString(strings.TrimSpace(setting)) {
			return false
		}
	}
	return true
}

func sudoersAliasLine(line string) bool {
	m := sudoersAlias.FindStringSubmatch(line)
	for _, item := range splitUnquoted(m[2]) {
		item = strings.TrimSpace(item)
		switch m[1] {
		case "Cmnd", "Cmd":
			if !sudoersCommandOK(item) {
				return false
			}
		case "Host":
			if !sudoersHost.MatchString(item) {
				return false
			}
		default:
			if !sudoersUser.MatchString(item) {
				return false
			}
		}
	}
	return true
}

// sudoersUserSpec reads USERS HOSTS = [(RUNAS)] [TAGS:] COMMAND, ….
func sudoersUserSpec(line string) bool {
	left, right, ok := strings.Cut(line, "=")
	if !ok {
		return false
	}
	left = sudoersListSpaces.Compiled().ReplaceAllString(left, ",")
	fields := strings.Fields(left)
	if len(fields) != 2 {
		return false
	}
	for _, u := range strings.Split(fields[0], ",") {
		if !sudoersUser.MatchString(u) {
			return false
		}
	}
	for _, h := range strings.Split(fields[1], ",") {
		if !sudoersHost.MatchString(h) {
			return false
		}
	}
	for _, spec := range splitUnescaped(right) {
		spec = strings.TrimSpace(spec)
		if strings.HasPrefix(spec, "(") {
			runas, rest, ok := strings.Cut(spec[1:], ")")
			if !ok || !sudoersRunas(runas) {
				return false
			}
			spec = strings.TrimSpace(rest)
		}
		spec = strings.TrimSpace(spec[len(sudoersTags.FindString(spec)):])
		if !sudoersCommandOK(spec) {
			return false
		}
	}
	return true
}

var sudoersListSpaces = lazyre.New(`\s*,\s*`)

// sudoersRunas reads what is inside (RUNAS): users, then :groups.
func sudoersRunas(runas string) bool {
	users, groups, _ := strings.Cut(runas, ":")
	for _, list := range []string{users, groups} {
		if strings.TrimSpace(list) == "" {
			continue
		}
		for _, name := range strings.Split(list, ",") {
			if !sudoersUser.MatchString(strings.TrimSpace(name)) {
				return false
			}
		}
	}
	return true
}

// sudoersCommandOK: ALL, an alias, sudoedit FILE, or a full path with
// arguments that hold no unescaped , : = ( ) or #.
func sudoersCommandOK(cmd string) bool {
	if !sudoersCommand.MatchString(cmd) {
		return false
	}
	_, args, _ := strings.Cut(strings.TrimLeft(cmd, "!"), " ")
	return sudoersArgs.MatchString(args)
}

// splitUnquoted splits a list at the commas outside double quotes.
func splitUnquoted(s string) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// splitUnescaped splits a command list at the commas not escaped with a
// backslash and outside (RUNAS).
func splitUnescaped(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
