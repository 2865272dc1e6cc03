package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/gate"
)

// registration says how an agent's settings list its hooks.
type registration struct {
	// path is the settings file guard install edits by default.
	path func(getenv func(string) string) string
	// style: how the hook entries are laid out.
	style regStyle
	// event is the key under "hooks" (PreToolUse, beforeShellExecution…).
	event string
	// matcher selects the shell tool, for groupedHooks.
	matcher string
	// commandKey is the entry field holding the command ("command", or
	// "bash" for Copilot).
	commandKey string
	// entry is guard's hook entry for a command line, as the installed
	// version of the agent reads it.
	entry func(command string, in installed) *jnode
	// header are the top-level fields a new file starts with ("version": 1).
	header func(root *jnode)
	// ownFile: the file is guard's alone and is deleted when it holds no
	// hook any more.
	ownFile bool
}

// installed is what guard install learned of the agent's version.
type installed struct {
	hookFlags  []string // appended to guard hook NAME (Gemini's --ask)
	failClosed bool     // the handler may say that a failing hook blocks
}

type regStyle int

const (
	// groupedHooks: "hooks": {EVENT: [{"matcher": …, "hooks": [entry…]}]}
	// (Claude Code, Codex, Gemini CLI).
	groupedHooks regStyle = iota
	// flatHooks: "hooks": {EVENT: [entry…]} (Cursor, Copilot, Windsurf).
	flatHooks
	// hookScript: an executable file named after the event (Cline).
	hookScript
)

// hookTimeout is how long (in seconds) an agent waits for guard. A typical
// answer takes a few milliseconds and judging is bounded well under a
// second, but a snapshot before a question can take a while on a large
// tree, and several agents run the command when a hook times out.
const hookTimeout = 120

type installOptions struct {
	settings string
	remove   bool
}

func installFlags(o *installOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.StringVar(&o.settings, "settings", "", "the agent's settings `FILE` (default: the user's, e.g. ~/.claude/settings.json)")
	fs.BoolVar(&o.remove, "remove", false, "remove guard's hook instead")
	return fs
}

// installAgent registers (or with --remove, unregisters) guard's hook in an
// agent's settings: idempotently, with the absolute path of this guard
// (updated when guard moved), keeping every other setting, its order and
// the file's mode, after a backup that is never overwritten.
func (a *app) installAgent(args []string) int {
	var o installOptions
	fs := installFlags(&o)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return a.flagError("install", err)
	}
	ag, ok := lookupAgent(fs.Arg(0))
	if fs.NArg() != 1 || !ok {
		fmt.Fprintf(a.stderr, "guard install: which agent? %s (guard install claude [--remove])\n", strings.Join(agentNames(), ", "))
		return exitUsage
	}
	path := o.settings
	if path == "" {
		path = ag.reg.path(a.getenv)
	}
	if !filepath.IsAbs(path) {
		wd, _ := os.Getwd()
		path = filepath.Join(wd, path)
	}
	self, err := selfPath()
	if err != nil {
		fmt.Fprintf(a.stderr, "guard install %s: %v\n", ag.name, err)
		return 1
	}
	command := gate.Quote(self) + " hook " + ag.name
	var in installed
	if !o.remove && ag.detect != nil {
		var note string
		in, note = ag.detect()
		fmt.Fprintln(a.stdout, note)
		for _, f := range in.hookFlags {
			command += " " + f
		}
	}
	res, err := ag.reg.apply(path, ag.name, command, in, o.remove)
	if err != nil {
		fmt.Fprintf(a.stderr, "guard install %s: %v\n", ag.name, err)
		return 1
	}
	if res.backup != "" {
		fmt.Fprintf(a.stdout, "kept a copy of the previous %s in %s\n", res.path, res.backup)
	}
	switch {
	case o.remove && !res.changed:
		fmt.Fprintf(a.stdout, "guard's hook is not in %s: nothing to remove\n", res.path)
	case o.remove:
		fmt.Fprintf(a.stdout, "removed guard's hook from %s\n", res.path)
	case !res.changed:
		fmt.Fprintf(a.stdout, "guard's hook is already in %s\n", res.path)
	case len(without(res.previous, command)) > 0:
		fmt.Fprintf(a.stdout, "updated guard's %s hook in %s (it ran %s)\n", ag.reg.event, res.path, strings.Join(without(res.previous, command), "; "))
	case len(res.previous) > 0:
		fmt.Fprintf(a.stdout, "updated guard's %s hook settings in %s\n", ag.reg.event, res.path)
	default:
		fmt.Fprintf(a.stdout, "added guard's %s hook for %s to %s\n", ag.reg.event, ag.title, res.path)
	}
	return exitOK
}

// selfPath is this guard's absolute path, which the hook entry names: an
// agent runs it from wherever it stands, with whatever PATH it has.
func selfPath() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot tell where this guard is: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	if !filepath.IsAbs(self) {
		return "", fmt.Errorf("cannot tell where this guard is (%s)", self)
	}
	return self, nil
}

// applied is what an install or a removal did.
type applied struct {
	path     string   // the file edited (a symbolic link's target)
	changed  bool     // the file was written or removed
	backup   string   // the copy of the previous file, if any
	previous []string // guard's entries found before (another path: guard moved)
}

// apply adds or removes guard's entry for command in the settings file.
func (reg registration) apply(path, name, command string, in installed, remove bool) (applied, error) {
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved // a dotfiles link keeps pointing at the edited file
	}
	res := applied{path: path}
	if reg.style == hookScript {
		return reg.applyScript(res, name, command, remove)
	}
	data, info, err := readSettings(path)
	if err != nil {
		return res, err
	}
	if line := commentAt(data); line > 0 {
		return res, fmt.Errorf("%s has comments (line %d), which guard would drop when writing it; guard did not change it. Either remove the comments and run this again, or edit it by hand: under \"hooks\", %q, add %s",
			path, line, reg.event, reg.wrap(reg.entry(command, in)).encode(""))
	}
	root := jobject()
	if len(strings.TrimSpace(string(data))) > 0 {
		if root, err = parseJSON(data); err != nil {
			return res, fmt.Errorf("%s is not valid JSON (%v); fix it first, guard did not change it", path, err)
		}
		if root.kind != '{' {
			return res, fmt.Errorf("%s is not a JSON object; guard did not change it", path)
		}
	} else if reg.header != nil {
		reg.header(root)
	}
	changed, previous, err := reg.edit(root, name, command, in, remove)
	if err != nil {
		return res, fmt.Errorf("%s: %v; guard did not change it", path, err)
	}
	res.changed, res.previous = changed, previous
	if !changed {
		return res, nil
	}
	mode := fs.FileMode(0o600)
	if info != nil {
		mode = info.Mode().Perm()
		if res.backup, err = backupFile(path, data, mode); err != nil {
			return res, err
		}
	}
	if reg.ownFile && remove && root.get("hooks") == nil {
		return res, os.Remove(path)
	}
	out := append(root.encode(indentOf(data)), '\n')
	return res, writeAtomic(path, out, mode, info)
}

// edit adds or removes guard's entry in the parsed settings. It reports
// whether anything changed, and guard's commands it found.
func (reg registration) edit(root *jnode, name, command string, in installed, remove bool) (bool, []string, error) {
	hooks := root.get("hooks")
	if hooks == nil {
		if remove {
			return false, nil, nil
		}
		hooks = jobject()
		root.set("hooks", hooks)
	}
	if hooks.kind != '{' {
		return false, nil, errors.New(`"hooks" is not an object`)
	}
	list := hooks.get(reg.event)
	if list == nil {
		if remove {
			return false, nil, nil
		}
		list = jarray()
		hooks.set(reg.event, list)
	}
	if list.kind != '[' {
		return false, nil, fmt.Errorf(`"hooks".%q is not a list`, reg.event)
	}
	want := reg.entry(command, in)
	var kept []*jnode
	var previous []string
	at, exact := -1, false
	isGuard := func(entry *jnode) bool {
		c := entry.get(reg.commandKey).str()
		if !isGuardHook(c, name) {
			return false
		}
		previous = append(previous, c)
		if at < 0 {
			at = len(kept)
		}
		return true
	}
	for _, item := range list.vals {
		if reg.style == flatHooks {
			if isGuard(item) {
				exact = item.equal(want)
				continue
			}
			kept = append(kept, item)
			continue
		}
		handlers := item.get("hooks")
		if handlers == nil || handlers.kind != '[' {
			kept = append(kept, item)
			continue
		}
		var others []*jnode
		for _, h := range handlers.vals {
			if isGuard(h) {
				exact = h.equal(want) && item.get("matcher").str() == reg.matcher && len(handlers.vals) == 1
				continue
			}
			others = append(others, h)
		}
		if len(others) == 0 && len(handlers.vals) > 0 {
			continue // the group held guard's entry alone
		}
		handlers.vals = others
		kept = append(kept, item)
	}
	switch {
	case remove && len(previous) == 0:
		return false, nil, nil
	case !remove && exact && len(previous) == 1:
		return false, nil, nil // already as wanted: the file is not touched
	}
	if !remove {
		if at < 0 {
			at = len(kept)
		}
		kept = append(kept[:at], append([]*jnode{reg.wrap(want)}, kept[at:]...)...)
	}
	list.vals = kept
	if len(kept) == 0 {
		hooks.del(reg.event)
	}
	if len(hooks.keys) == 0 {
		root.del("hooks")
	}
	return true, previous, nil
}

// wrap puts an entry where the layout wants it: in its own matcher group
// for groupedHooks.
func (reg registration) wrap(entry *jnode) *jnode {
	if reg.style != groupedHooks {
		return entry
	}
	group := jobject()
	group.set("matcher", jscalar(reg.matcher))
	list := jarray()
	list.vals = []*jnode{entry}
	group.set("hooks", list)
	return group
}

// installedCommands are guard's hook commands for agent name in the
// settings file, for guard doctor.
func (reg registration) installedCommands(path, name string) ([]string, error) {
	if reg.style == hookScript {
		data, err := guard.ReadRegular(path, 64<<10)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if c, ok := scriptCommand(data, name); ok {
			return []string{c}, nil
		}
		return nil, nil
	}
	data, _, err := readSettings(path)
	if err != nil || len(data) == 0 {
		return nil, err
	}
	root, err := parseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s is not valid JSON (%v)", path, err)
	}
	var found []string
	collect := func(entry *jnode) {
		if c := entry.get(reg.commandKey).str(); isGuardHook(c, name) {
			found = append(found, c)
		}
	}
	for _, item := range root.get("hooks").get(reg.event).items() {
		if reg.style == flatHooks {
			collect(item)
			continue
		}
		for _, h := range item.get("hooks").items() {
			collect(h)
		}
	}
	return found, nil
}

// isGuardHook: command runs some guard binary's hook for agent name.
func isGuardHook(command, name string) bool {
	if !strings.Contains(" "+command+" ", " hook "+name+" ") {
		return false
	}
	return strings.HasPrefix(filepath.Base(hookBinary(command)), "guard")
}

// hookBinary is the program a hook command runs: its first word, unquoted.
func hookBinary(command string) string {
	command = strings.TrimSpace(command)
	if strings.HasPrefix(command, "'") {
		if end := strings.Index(command[1:], "'"); end >= 0 {
			return command[1 : end+1]
		}
	}
	word, _, _ := strings.Cut(command, " ")
	return strings.Trim(word, `"`)
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// readSettings reads a settings file (a regular file, bounded); a missing
// one is empty.
func readSettings(path string) ([]byte, fs.FileInfo, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	data, err := guard.ReadRegular(path, 8<<20)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return data, info, nil
}

// backupFile keeps a copy of a settings file before guard changes it, under
// a name no other copy has (O_EXCL): an install and a removal in the same
// second keep two copies.
func backupFile(path string, data []byte, mode fs.FileMode) (string, error) {
	base := path + ".guard-backup-" + time.Now().UTC().Format("20060102-150405")
	for i := 0; i < 1000; i++ {
		name := base
		if i > 0 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, mode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("keeping a copy of %s: %w", path, err)
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(name)
			return "", fmt.Errorf("keeping a copy of %s: %w", path, err)
		}
		return name, nil
	}
	return "", fmt.Errorf("keeping a copy of %s: too many copies already", path)
}

// writeAtomic replaces path with data, in mode (and the previous owner,
// when guard runs as root on a user's file), by a rename: the agent never
// reads a half-written file.
func writeAtomic(path string, data []byte, mode fs.FileMode, previous fs.FileInfo) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".guard-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // nothing left after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if st, ok := statOwner(previous); ok && os.Geteuid() == 0 {
		_ = tmp.Chown(st.uid, st.gid)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

type owner struct{ uid, gid int }

func statOwner(info fs.FileInfo) (owner, bool) {
	if info == nil {
		return owner{}, false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return owner{}, false
	}
	return owner{int(st.Uid), int(st.Gid)}, true
}
