package rules

import (
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
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
	sudoersHost     = lazyre.New(`^!*(ALL|\*|[A-Za-z0-9_][A-Za-z0-9_.*-]*(/[0-9.]+)?)$`)
	sudoersAlias    = lazyre.New(`^(User|Runas|Host|Cmnd|Cmd)_Alias\s+[A-Z][A-Z0-9_]*\s*=\s*(.+)$`)
	sudoersDefaults = lazyre.New(`^Defaults(([:@>!])(\S+))?\s+(.+)$`)
	sudoersSetting  = lazyre.New(`^(!*)([a-z_]+)(\s*([+-]?=)\s*("[^"]*"|[^\s",]+))?$`)
	sudoersInclude  = lazyre.New(`^[#@]include(dir)?\s+/\S+$`)
	sudoersTags     = lazyre.New(`^((NO)?(PASSWD|SETENV|EXEC|LOG_INPUT|LOG_OUTPUT|MAIL|FOLLOW|INTERCEPT):\s*)*`)
	sudoersCommand  = lazyre.New(`^!*(ALL|[A-Z][A-Z0-9_]*|sudoedit\s+/\S.*|/[^\s\\,:=()#"]+(\s.*)?)$`)
	sudoersArgs     = lazyre.New(`^([^,:=()#"\\]|\\[,:=\\ *?\[\]!#()])*$|^""$`)
)

// sudoersLooksValid: every line of text is one visudo accepts, read
// conservatively, and there is at least one.
func sudoersLooksValid(text string) bool {
	if strings.Contains(text, "\r") {
		return false // a file written on Windows: read as valid only without CR
	}
	if strings.Contains(text, "\\\n") {
		return false // a line continued: read as valid only on one line
	}
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

// sudoersSettings are the Defaults settings read as valid, by the value
// they take: visudo refuses a name it does not know (Defaults foo) and a
// value of the wrong kind (timestamp_timeout=abc, lecture=maybe), so
// every other setting still asks.
var sudoersSettings = map[string]string{
	"requiretty": "flag", "env_reset": "flag", "use_pty": "flag", "log_input": "flag", "log_output": "flag",
	"insults": "flag", "pwfeedback": "flag", "authenticate": "flag", "always_set_home": "flag", "set_home": "flag",
	"targetpw": "flag", "rootpw": "flag", "runaspw": "flag", "visiblepw": "flag", "log_year": "flag", "log_host": "flag",
	"set_logname": "flag", "mail_badpass": "flag", "mail_always": "flag", "mail_no_user": "flag", "mail_no_host": "flag",
	"mail_no_perms": "flag", "fqdn": "flag", "ignore_dot": "flag", "tty_tickets": "flag", "noexec": "flag", "env_editor": "flag",
	"timestamp_timeout": "number", "passwd_timeout": "number", "passwd_tries": "count", "umask": "octal",
	"secure_path": "text", "mailto": "text", "mailsub": "text", "badpass_message": "text", "editor": "text", "logfile": "text",
	"lecture_file": "text", "iolog_dir": "text", "iolog_file": "text", "exempt_group": "text", "passprompt": "text",
	"timestampdir": "text", "timestampowner": "text",
	"env_keep": "list", "env_check": "list", "env_delete": "list",
	"lecture": "never once always", "timestamp_type": "global ppid tty kernel",
	"syslog": "auth authpriv daemon user local0 local1 local2 local3 local4 local5 local6 local7",
}

var (
	sudoersNumber = lazyre.New(`^[+-]?[0-9]+(\.[0-9]+)?$`)
	sudoersOctal  = lazyre.New(`^0?[0-7]{3}$`)
)

func sudoersDefaultsLine(line string) bool {
	m := sudoersDefaults.FindStringSubmatch(line)
	if m == nil {
		return false
	}
	if m[1] != "" {
		// Defaults:USERS, @HOSTS, >RUNAS, !COMMANDS: who the settings are for
		for _, item := range strings.Split(m[3], ",") {
			ok := sudoersUser.MatchString(item)
			switch m[2] {
			case "@":
				ok = sudoersHost.MatchString(item)
			case "!":
				ok = sudoersCommandOK(item)
			}
			if !ok {
				return false
			}
		}
	}
	for _, setting := range splitUnquoted(m[4]) {
		s := sudoersSetting.FindStringSubmatch(strings.TrimSpace(setting))
		if s == nil {
			return false
		}
		negated, name, op, value := s[1] != "", s[2], s[4], strings.Trim(s[5], `"`)
		kind, known := sudoersSettings[name]
		switch {
		case !known:
			return false
		case op == "":
			if kind != "flag" && !negated {
				return false // a setting that needs a value
			}
		case negated, op != "=" && kind != "list":
			return false
		case kind == "flag":
			return false // requiretty=1
		case kind == "number" && !sudoersNumber.MatchString(value),
			kind == "count" && strings.Trim(value, "0123456789") != "",
			kind == "octal" && !sudoersOctal.MatchString(value):
			return false
		case strings.Contains(kind, " ") && !slices.Contains(strings.Fields(kind), value):
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
	if len(fields) != 2 || strings.HasSuffix(fields[0], "_Alias") || strings.HasPrefix(fields[0], "Defaults") {
		return false // a keyword misspelled into the place of a user
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
	path, args, hasArgs := strings.TrimLeft(cmd, "!"), "", false
	if i := strings.IndexAny(path, " \t"); i >= 0 {
		path, args, hasArgs = path[:i], path[i+1:], true
	}
	if hasArgs && strings.HasSuffix(path, "/") || strings.HasPrefix(strings.TrimSpace(args), "^") {
		return false // a folder takes no arguments; ^… is a regular expression
	}
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

// sudoersBroadGrant says what valid sudoers text grants beyond ordinary
// rules, "" when nothing, and how much that weighs: every user made root,
// or the password check turned off, ask; every command without a password
// to one user or group, or the caller's whole environment kept, warn.
// Every command with the password (ops ALL=(ALL) ALL) is how an
// administrator's account is made, and passes.
func sudoersBroadGrant(text string) (string, guard.Decision) {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") && (len(line) == 1 || line[1] < '0' || line[1] > '9') {
			continue
		}
		if m := sudoersDefaults.FindStringSubmatch(line); m != nil {
			for _, item := range strings.Split(m[4], ",") {
				switch strings.TrimSpace(item) {
				case "!authenticate":
					return "turns sudo's password check off (Defaults !authenticate): whoever gets a shell as one of its users gets root", guard.Confirm
				case "!env_reset":
					return "keeps the caller's whole environment under sudo (Defaults !env_reset): LD_PRELOAD and the like reach root's commands", guard.Warn
				}
			}
			continue
		}
		if sudoersAlias.MatchString(line) || sudoersInclude.MatchString(line) {
			continue
		}
		left, right, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		users := strings.Fields(sudoersListSpaces.Compiled().ReplaceAllString(left, ","))
		if len(users) == 0 {
			continue
		}
		who := users[0]
		nopasswd := strings.Contains(right, "NOPASSWD:")
		for _, spec := range splitUnescaped(right) {
			spec = strings.TrimSpace(spec)
			if strings.HasPrefix(spec, "(") {
				_, rest, _ := strings.Cut(spec[1:], ")")
				spec = strings.TrimSpace(rest)
			}
			spec = strings.TrimSpace(spec[len(sudoersTags.FindString(spec)):])
			if spec != "ALL" {
				continue
			}
			how := "every command as root"
			if nopasswd {
				how += ", without a password"
			}
			if slices.Contains(strings.Split(who, ","), "ALL") {
				return "gives every user " + how + " (ALL ALL=…): any account, a service's included, is root", guard.Confirm
			}
			if nopasswd {
				return "gives " + who + " " + how + ": whoever gets a shell as " + who + " is root at once", guard.Warn
			}
		}
	}
	return "", guard.Allow
}
