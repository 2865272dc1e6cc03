// Package policy reads guard's site policy: /etc/guard/guard.toml, the
// drop-ins in /etc/guard/guard.d/*.toml (in name order, as sudoers.d and
// systemd drop-ins), then the user's $XDG_CONFIG_HOME/guard/guard.toml,
// which may only make things stricter.
//
// A file with any error is left out whole and reported with file, line
// and column; the built-in rules always stay on. A broken policy never
// blocks a login and never silently disables protection.
package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/BurntSushi/toml"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/lazyre"
)

// Policy is the merged site policy.
type Policy struct {
	// Overrides change built-in rules, by rule id.
	Overrides map[string]Override
	// Protected are paths protected like system folders.
	Protected []string
	// Allow lists lines and commands that are fine here.
	Allow []guard.Exception
	// Rules are the site's own rules, declared as data.
	Rules []CustomRule
	// Audit configures the audit trail.
	Audit Audit
	// Files are the files applied, in order.
	Files []string
}

// Override changes one built-in rule.
type Override struct {
	// Decision, from /etc/guard, replaces the decision of the rule's
	// findings: the site's administrators may lower a rule as well as
	// raise it.
	Decision *guard.Decision
	// Floor, from a user's own file, raises each finding of the rule to at
	// least this decision and never lowers one: a user's file can make
	// guard stricter, never weaker (a block stays a block).
	Floor    *guard.Decision
	Disabled bool
	Source   string // file:line, for messages
}

// Audit says where records go.
type Audit struct {
	// Allow records allowed lines too.
	Allow bool `toml:"allow"`
	// File is the JSON-lines file ("" for the default, "off" for none).
	File string `toml:"file"`
	// MaxSize rotates the file past this many bytes (default 10 MB).
	MaxSize int64 `toml:"max_size"`
	// Keep is how many rotated files are kept (default 5).
	Keep int `toml:"keep"`
	// Syslog is "" for the default socket, "off", or unix:///path.
	Syslog string `toml:"syslog"`
	// Journal is "" for journald's socket when present, "off", or a path.
	Journal string `toml:"journal"`
}

// CustomRule is a site rule declared as data.
type CustomRule struct {
	ID       string              `toml:"id"`
	Programs []string            `toml:"programs"`
	Args     []string            `toml:"args"`     // every one must be among the arguments
	AnyArgs  []string            `toml:"any_args"` // at least one must be
	Path     *PathCondition      `toml:"path"`     // some operand must match
	SSHOnly  bool                `toml:"ssh_only"`
	Decision string              `toml:"decision"`
	Message  string              `toml:"message"`
	Hint     string              `toml:"hint"`
	Snapshot string              `toml:"snapshot"` // "files": save the operands that matched
	Examples map[string][]string `toml:"examples"` // catch (or block/confirm/warn) and allow
	Explain  string              `toml:"explain"`
	Source   string              `toml:"-"`
}

// PathCondition matches an operand as a path, after cwd and expansion.
type PathCondition struct {
	Glob       string `toml:"glob"`       // a pattern: on the base name, or the whole path if it has a /
	Under      string `toml:"under"`      // the path is this folder or below it
	Symlink    bool   `toml:"symlink"`    // the operand is a symbolic link
	MountPoint bool   `toml:"mountpoint"` // the operand is a mount point
}

// Error is one problem in a policy file.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Source is one policy file's contents.
type Source struct {
	Path string
	Data []byte
	// User marks the user's own file: it may only tighten.
	User bool
}

// Paths lists the policy files that exist, in the order they apply.
// etc is /etc/guard unless $GUARD_ETC says otherwise.
func Paths(getenv func(string) string) []Source {
	etc := getenv("GUARD_ETC")
	if etc == "" {
		etc = "/etc/guard"
	}
	var out []Source
	add := func(p string, user bool) {
		out = append(out, Source{Path: p, User: user})
	}
	if _, err := os.Stat(filepath.Join(etc, "guard.toml")); err == nil {
		add(filepath.Join(etc, "guard.toml"), false)
	}
	dropins, _ := filepath.Glob(filepath.Join(etc, "guard.d", "*.toml"))
	sort.Strings(dropins)
	for _, d := range dropins {
		add(d, false)
	}
	config := getenv("XDG_CONFIG_HOME")
	if config == "" && getenv("HOME") != "" {
		config = filepath.Join(getenv("HOME"), ".config")
	}
	if config != "" {
		if _, err := os.Stat(filepath.Join(config, "guard", "guard.toml")); err == nil {
			add(filepath.Join(config, "guard", "guard.toml"), true)
		}
	}
	return out
}

// MaxFileBytes is the largest policy file guard reads.
const MaxFileBytes = 1 << 20

// Read loads the contents of each source; an unreadable file is an error.
// Only regular files are read, without blocking and at most MaxFileBytes:
// a FIFO or a link to /dev/zero at a policy path is reported and left out,
// never waited on or read without end.
func Read(sources []Source) ([]Source, []Error) {
	var ok []Source
	var errs []Error
	for _, s := range sources {
		if !s.User {
			if why := notRoots(s.Path); why != "" {
				errs = append(errs, Error{File: s.Path, Msg: why + ": a site policy must belong to root and be writable by root alone (as sudoers); left out"})
				continue
			}
		}
		data, err := guard.ReadRegular(s.Path, MaxFileBytes+1)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, Error{File: s.Path, Msg: "cannot read it: " + err.Error()})
			}
			continue
		}
		if len(data) > MaxFileBytes {
			errs = append(errs, Error{File: s.Path, Msg: fmt.Sprintf("it is larger than %d bytes; guard reads no policy that large", MaxFileBytes)})
			continue
		}
		s.Data = data
		ok = append(ok, s)
	}
	return ok, errs
}

// notRoots says why a site policy file, or the folder holding it, could
// have been written by someone other than root; "" when it could not. A
// user who points GUARD_ETC at a folder of their own gets no say in the
// site's policy: their own file can only tighten it.
func notRoots(path string) string {
	for _, p := range []string{path, filepath.Dir(path)} {
		info, err := os.Stat(p)
		if err != nil {
			continue // a missing file is reported when read
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok {
			continue
		}
		if st.Uid != 0 {
			return fmt.Sprintf("%s belongs to uid %d, not root", p, st.Uid)
		}
		if info.Mode().Perm()&0o022 != 0 && info.Mode()&fs.ModeSticky == 0 {
			return fmt.Sprintf("%s is writable by others (mode %v)", p, info.Mode().Perm())
		}
	}
	return ""
}

// fileDoc is one file as written.
type fileDoc struct {
	Rules     map[string]ruleOverride `toml:"rules"`
	Protected []string                `toml:"protected"`
	Allow     []allowDoc              `toml:"allow"`
	Rule      []CustomRule            `toml:"rule"`
	Audit     *Audit                  `toml:"audit"`
}

type ruleOverride struct {
	Decision string `toml:"decision"`
	Enabled  *bool  `toml:"enabled"`
}

type allowDoc struct {
	Line    string `toml:"line"`
	Command string `toml:"command"`
	Cwd     string `toml:"cwd"`
}

var idPattern = lazyre.New(`^[a-z0-9][a-z0-9-]*$`)

// Load merges the sources in order. knownRules holds the built-in rules'
// ids and default decisions, to check overrides against.
func Load(sources []Source, knownRules map[string]guard.Decision) (*Policy, []Error) {
	p := &Policy{Overrides: map[string]Override{}}
	var all []Error
	for _, src := range sources {
		doc, errs := parseFile(src, knownRules, p)
		if len(errs) > 0 {
			all = append(all, errs...)
			continue // a file with an error is left out whole
		}
		apply(p, src, doc)
	}
	return p, all
}

func parseFile(src Source, known map[string]guard.Decision, sofar *Policy) (fileDoc, []Error) {
	var doc fileDoc
	text := string(src.Data)
	md, err := toml.Decode(text, &doc)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return doc, []Error{{File: src.Path, Line: perr.Position.Line, Col: perr.Position.Col, Msg: perr.Message}}
		}
		return doc, []Error{{File: src.Path, Msg: err.Error()}}
	}
	var errs []Error
	at := func(msg string, key ...string) {
		line, col := locate(text, key...)
		errs = append(errs, Error{File: src.Path, Line: line, Col: col, Msg: msg})
	}
	for _, k := range md.Undecoded() {
		at(fmt.Sprintf("unknown setting %q", k.String()), k...)
	}
	for id, o := range doc.Rules {
		def, ok := known[id]
		if !ok {
			at(fmt.Sprintf("no built-in rule %q (guard rules lists them)", id), "rules", id)
			continue
		}
		if o.Decision != "" {
			d, err := guard.ParseDecision(o.Decision)
			if err != nil {
				at(err.Error(), "rules", id, "decision")
				continue
			}
			current := def
			if prev, ok := sofar.Overrides[id]; ok && prev.Decision != nil {
				current = *prev.Decision
			}
			if src.User && d < current {
				at(fmt.Sprintf("a user policy can only tighten: %s is %s here, not %s", id, current, d), "rules", id, "decision")
			}
		}
		if o.Enabled != nil && !*o.Enabled && src.User {
			at(fmt.Sprintf("a user policy cannot turn %s off (only /etc/guard can)", id), "rules", id, "enabled")
		}
	}
	for _, a := range doc.Allow {
		switch {
		case src.User:
			at("a user policy cannot allow lines (only /etc/guard can)", "allow")
		case a.Line == "" && a.Command == "":
			at("an [[allow]] needs line or command", "allow")
		case a.Line != "" && a.Command != "":
			at("an [[allow]] takes line or command, not both", "allow")
		}
	}
	if doc.Audit != nil && src.User {
		at("audit settings belong to /etc/guard, not to a user policy", "audit")
	}
	seen := map[string]bool{}
	for _, r := range sofar.Rules {
		seen[r.ID] = true
	}
	for _, r := range doc.Rule {
		where := func(msg string) { at(fmt.Sprintf("rule %q: %s", r.ID, msg), "id") }
		switch {
		case !idPattern.MatchString(r.ID):
			where("the id must be lowercase letters, digits and dashes")
		case isKnown(known, r.ID) || seen[r.ID]:
			where("the id is already taken")
		case len(r.Programs) == 0:
			where("name the programs it is about (programs = [...])")
		case r.Message == "":
			where("a rule needs a message saying what would happen")
		case r.Hint == "":
			where("a rule needs a hint saying what to type instead")
		case len(catchExamples(r)) == 0 || len(r.Examples["allow"]) == 0:
			where("a rule needs examples it catches and look-alikes it allows (examples.catch, examples.allow)")
		}
		if _, err := guard.ParseDecision(r.Decision); err != nil || r.Decision == "allow" {
			where("decision must be warn, confirm or block")
		}
		if r.Snapshot != "" && r.Snapshot != "files" {
			where(`snapshot can only be "files"`)
		}
		if r.Path != nil && r.Path.Glob != "" {
			if _, err := filepath.Match(r.Path.Glob, "/"); err != nil {
				where("path.glob: " + err.Error())
			}
		}
		seen[r.ID] = true
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return doc, errs
}

func catchExamples(r CustomRule) []string {
	var lines []string
	for _, k := range []string{"catch", "block", "confirm", "warn"} {
		lines = append(lines, r.Examples[k]...)
	}
	return lines
}

// CatchExamples are the lines a custom rule must catch.
func (r CustomRule) CatchExamples() []string { return catchExamples(r) }

func apply(p *Policy, src Source, doc fileDoc) {
	p.Files = append(p.Files, src.Path)
	for id, o := range doc.Rules {
		cur := p.Overrides[id]
		cur.Source = src.Path
		if o.Decision != "" {
			d, _ := guard.ParseDecision(o.Decision)
			if src.User {
				cur.Floor = &d
			} else {
				cur.Decision = &d
			}
		}
		if o.Enabled != nil {
			cur.Disabled = !*o.Enabled
		}
		p.Overrides[id] = cur
	}
	for _, prot := range doc.Protected {
		p.Protected = append(p.Protected, filepath.Clean(prot))
	}
	for _, a := range doc.Allow {
		p.Allow = append(p.Allow, guard.Exception{Line: a.Line, Command: a.Command, Cwd: a.Cwd, Source: src.Path})
	}
	for _, r := range doc.Rule {
		r.Source = src.Path
		p.Rules = append(p.Rules, r)
	}
	if doc.Audit != nil {
		p.Audit = *doc.Audit
	}
}

// locate finds where a key is written, to point errors at it: the table
// header or the key's assignment, whichever comes first.
func locate(text string, key ...string) (int, int) {
	if len(key) == 0 {
		return 0, 0
	}
	lines := strings.Split(text, "\n")
	last := key[len(key)-1]
	header := strings.Join(key, ".")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "["+header+"]" || t == "[["+header+"]]" {
			return i + 1, strings.Index(l, "[") + 1
		}
	}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, last+" ") || strings.HasPrefix(t, last+"=") || strings.HasPrefix(t, `"`+last+`"`) {
			return i + 1, strings.Index(l, last) + 1
		}
		if strings.Contains(t, "["+header) || strings.Contains(t, "."+last+"]") {
			return i + 1, strings.Index(l, "[") + 1
		}
	}
	return 0, 0
}

func isKnown(known map[string]guard.Decision, id string) bool {
	_, ok := known[id]
	return ok
}
