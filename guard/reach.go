package guard

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// Ids of the findings about code that a command hands to something that
// runs it, when guard cannot see that code or it runs later.
const (
	HiddenCodeID = "hidden-code"
	ScheduledID  = "scheduled-code"
)

// reachRules are the engine's findings about code it follows into pipes,
// files, containers and schedules (feeds.go, scripts.go, delayed.go).
func reachRules() []*Rule {
	return []*Rule{
		{
			ID: HiddenCodeID, Decision: Confirm,
			Summary:    "a shell or interpreter runs code the line does not show: rewritten on its way in (tr, rev, sed), or unreadable (a filter guard cannot compute, a file a download writes)",
			Postmortem: "guard's own design",
			Match: func(inv *Invocation, _ Host) *Finding {
				if inv.Code == nil || inv.Code.Hidden == "" {
					return nil
				}
				return Found(Confirm, "write the code to a file, read it, then run the file: … > /tmp/job.sh; less /tmp/job.sh; bash /tmp/job.sh",
					"%s would run code the line does not show: %s", runnerName(inv), inv.Code.Hidden)
			},
			Explain: `A shell or an interpreter is about to run code that the line does not
show. Either the text is rewritten on its way in (printf 'cm -ce /hfe' |
tr c r | bash: nobody needs tr to type a command, but it is how a line
hides one), or guard cannot know it at all: it comes out of a filter guard
does not compute (ls | sed 's/^/rm /' | sh), from a variable whose value
is unknown (echo "$CMD" | bash), from a file that an earlier command on
the same line writes with content guard cannot read (curl -o x.sh URL &&
bash x.sh), or from the keyboard through a pipe (cat - | bash: what you
type next goes to a shell that guard never sees).

guard computes what it can (echo, printf, cat of a readable file, tr,
rev, tac, base64 -d, xxd -r -p, gzip -d, head, tail, simple sed and grep)
and judges the result as shell code: a dangerous result is refused on its
own merits. It still asks about hidden code, because "generate commands
and pipe them into sh" is both how bulk deletions go wrong and how a
refused line gets past a guard.

Problematic: ls /srv | sed 's/^/rm -rf \/srv\//' | sh
Correct: write the generated commands to a file, read it, run the file.

Exceptions: a download or decoded text piped into a shell is reported by
download-to-shell instead. A script file that guard cannot read because
it does not exist or belongs to another user is judged as written.`,
		},
		{
			ID: UnreadLibraryID, Decision: Confirm,
			Summary:    "a program made to load a shared library from outside the system's library folders (LD_PRELOAD, LD_AUDIT, enable -f): its code runs inside the program, unread",
			Postmortem: "guard's own design",
			Match: func(inv *Invocation, _ Host) *Finding {
				if inv.Code == nil || inv.Code.Loads == "" {
					return nil
				}
				return Found(Confirm, "run it without the library; if it is one you built and trust, install it under /usr/local/lib and load it from there",
					"%s would load %s: a shared library whose code runs inside it, with its rights, the moment it loads; guard cannot read what that code does", loaderName(inv), inv.Code.Loads)
			},
			Explain: `LD_PRELOAD and LD_AUDIT make the dynamic loader load a library into the
program before its own code runs; bash's enable -f loads one into the
shell as a builtin. The library's constructor runs at once, with the
program's rights (as root under sudo), and can do anything: delete files,
open a shell, hide from the program what it does. guard reads shell code,
scripts and interpreters' source, but not machine code, so it cannot tell
what such a library does. A library from the system's folders (/lib,
/usr/lib, /usr/local/lib, or a bare name the loader looks up there) is
the system's, as the programs themselves are, and passes; one from /tmp,
a home or the current folder is asked about.

Problematic: LD_PRELOAD=/tmp/hook.so ls
Correct: LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ls

Exceptions: a variable the session already had when the line was typed
is the operator's own setting and is not asked about.`,
		},
		{
			ID: ScheduledID, Decision: Warn,
			Summary:    "shell code written into /etc/cron.d, /etc/crontab, a crontab spool, /etc/cron.daily…, a systemd unit, or installed with crontab FILE: it runs later, unattended (asked when it is a download guard cannot read)",
			Postmortem: "guard's own design",
			Match: func(inv *Invocation, _ Host) *Finding {
				if inv.Code == nil || inv.Code.Scheduled == "" {
					return nil
				}
				if inv.Code.ScheduledUnread {
					// code nobody has read, to run as root with nobody watching
					return Found(Confirm, "put it in a file first and read it: curl -o /tmp/job URL; less /tmp/job; then install -m 0644 /tmp/job into place",
						"installs shell code that will run later, unattended, that neither you nor guard has read: %s", inv.Code.Scheduled)
				}
				return Found(Warn, "read it back before it first runs: cat the file, or crontab -l",
					"installs shell code that will run later, unattended: %s", inv.Code.Scheduled)
			},
			Explain: `A line that writes into /etc/cron.d, /etc/crontab, /etc/cron.daily and
its siblings, a crontab spool or a systemd unit (its ExecStart= and
kin), or that installs a crontab with crontab FILE, schedules code:
nothing happens now, and the code runs later as its user with nobody
watching. guard judges the scheduled
commands as if they ran now (so a dangerous one is refused at once) and
warns that the line installs code to run later.

Code the interactive shell keeps for later is judged the same way, as if
it ran now: a trap, a function, an alias (alias ls='rm -rf /usr' is
refused as rm -rf /usr is, by that command's own rule), BASH_ENV, a
prompt. Those get no warning of their own: they run in this shell, when
someone types the name, and guard judges that line too. An alias that is
only the start of a command (alias rmf='rm -rf') is judged without the
words it will be given, and passes.

Problematic: echo '*/5 * * * * root /opt/app/cleanup' > /etc/cron.d/app
Correct: the same, then cat /etc/cron.d/app to read what was installed.`,
		},
	}
}

// loaderName is what loads an unread library, for messages: enable -f
// loads it into the shell itself.
func loaderName(inv *Invocation) string {
	if inv.Program == "enable" {
		return "this shell"
	}
	return runnerName(inv)
}

// runnerName is the program that runs the unread code, for messages.
func runnerName(inv *Invocation) string {
	if inv.Program != "" {
		return inv.Program
	}
	return "this command"
}

// Bounds on reading files that a command runs (scripts, Makefiles,
// crontabs): past them a file is not judged by its content.
const (
	maxScriptBytes = 1 << 20 // one file
	maxReadBytes   = 4 << 20 // all files read for one line
	maxReadFiles   = 64
	maxWritten     = 64 // files remembered as written earlier on the line
	// maxFileDepth bounds scripts run or sourced by scripts: deeper ones
	// are judged as written, not read.
	maxFileDepth = 4
)

// reach is what the walk learns while following code into files: what
// earlier commands on the line wrote, and how much it has read.
type reach struct {
	inFile int // walking code read from a file
	// later: walking code the shell keeps to run later (a trap, the
	// prompt, a key, Tab): a file it reads is read then, not now.
	later     int
	written   map[string]written
	read      map[string]string // files read from the host, by path
	readBytes int64
	readFiles int
	// hooksPath is the core.hooksPath a git config earlier on the line
	// set, as a path.
	hooksPath string
	// gitAliases are the aliases to other git commands a git config
	// earlier on the line defined (alias.pf = push --force).
	gitAliases map[string]string
	// fifos are the FIFOs a shell on the line reads code from, or that
	// the line writes into, by path (fifos.go).
	fifos map[string]*fifoFeed
}

// written is a file an earlier command on the line writes.
type written struct {
	text  string
	known bool
	by    string // the program that writes it, when the text is not known
	// quiet: a copy of a file guard does not read (missing, a binary):
	// judged as written, like that file.
	quiet bool
	// program: the file is a copy of, or a link to, this program of the
	// system's folders (cp /bin/rm ./tidy): running it runs that program.
	program string
	// fifo: made by mkfifo on the line; what is written into it goes to
	// whoever reads it (fifos.go)
	fifo bool
}

func (r *resolver) reached() *reach {
	if r.reach == nil {
		r.reach = &reach{written: map[string]written{}, read: map[string]string{}}
	}
	return r.reach
}

// fileState says why a file's content is or is not known.
type fileState int

const (
	fileRead       fileState = iota
	fileMissing              // not there, or not readable by guard
	fileTooLarge             // larger than guard reads
	fileUnread               // written earlier on this line with unknown content
	fileOverBudget           // the line has read too much already
	fileBinary               // a compiled program or data, not code
	fileSpecial              // a FIFO, a socket or a device: written to while it is read
	fileLater                // read by code that runs later: what it holds then is not known now
	fileHistory              // a shell's history file, which keeps the lines guard refused
)

// historyFiles are the names shells keep their history under.
var historyFiles = map[string]bool{".bash_history": true, ".zsh_history": true, ".zhistory": true, ".histfile": true, ".sh_history": true, ".ash_history": true}

// historyFile: p is a shell's history file, whose lines, the refused ones
// included, run as code are a refused line typed again unseen.
func historyFile(p string) bool { return historyFiles[filepath.Base(p)] }

// headBytes is how much of a file is read first to tell a program from a
// script, so that running a binary by its path does not read it whole.
const headBytes = 4096

// readFile returns the content of the file at the absolute path p as the
// command would see it: what an earlier command on the line wrote there,
// else the file on the host, bounded.
func (r *resolver) readFile(p string) (string, fileState, string) {
	if r.host == nil {
		return "", fileMissing, "" // StdinText: rules do not read files this way
	}
	if historyFile(p) {
		return "", fileHistory, ""
	}
	st := r.reached()
	if st.later > 0 {
		// what the file holds when the code runs: written by anything,
		// this line or a later one, before the prompt, key or signal comes
		return "", fileLater, ""
	}
	if w, ok := st.written[p]; ok {
		switch {
		case w.fifo:
			return "", fileSpecial, ""
		case w.known:
			return w.text, fileRead, ""
		case w.quiet:
			return "", fileMissing, ""
		}
		return "", fileUnread, w.by
	}
	if st.inFile >= maxFileDepth {
		return "", fileMissing, "" // scripts that run scripts, this deep: judged as written
	}
	if content, ok := st.read[p]; ok {
		return content, fileRead, ""
	}
	if st.readFiles >= maxReadFiles || st.readBytes >= maxReadBytes {
		return "", fileOverBudget, ""
	}
	data, err := r.host.ReadFile(p, headBytes)
	if err == nil && isBinary(string(data)) && !nulSeparated(data) {
		return "", fileBinary, ""
	}
	if err == nil && len(data) == headBytes {
		data, err = r.host.ReadFile(p, maxScriptBytes+1)
	}
	if err != nil {
		if special(r.host, p) {
			return "", fileSpecial, ""
		}
		// Missing, or not readable by this user (a root-only script run
		// with sudo): the command is judged as written.
		return "", fileMissing, ""
	}
	st.readFiles++
	st.readBytes += int64(len(data))
	if len(data) > maxScriptBytes {
		return "", fileTooLarge, ""
	}
	st.read[p] = string(data)
	return string(data), fileRead, ""
}

// unreadReason says, for messages, why a file a command runs is not known.
func unreadReason(name string, state fileState, by string) string {
	switch state {
	case fileTooLarge:
		return fmt.Sprintf("%s is larger than guard reads (%d KB)", name, maxScriptBytes>>10)
	case fileUnread:
		return fmt.Sprintf("%s is written by %s earlier on this line", name, by)
	case fileOverBudget:
		return fmt.Sprintf("the line runs more files than guard reads (%d files, %d MB); %s was not read", maxReadFiles, maxReadBytes>>20, name)
	case fileSpecial:
		return fmt.Sprintf("%s, a FIFO, a socket or a device: what comes out of it is written later, where guard does not see it", name)
	case fileHistory:
		return fmt.Sprintf("%s, the shell's history, which keeps the lines guard refused", name)
	case fileLater:
		return fmt.Sprintf("%s is read when that code runs (at a prompt, a key, a signal or Tab), not now: what it will hold then, nobody has read", name)
	}
	return ""
}

// walkLater walks code the interactive shell keeps to run later, with no
// one typing it (a trap, PROMPT_COMMAND, a prompt string, bind -x,
// complete -C, a zsh hook function): the files it reads are read then,
// so their content now says nothing (PROMPT_COMMAND='. ./later.sh', then
// echo 'rm -rf ~' > later.sh).
func (r *resolver) walkLater(walk func()) {
	st := r.reached()
	st.later++
	defer func() { st.later-- }()
	walk()
}

// typedLater are the variables that hold, when kept code runs, the line
// being typed or run then: the editing buffer of a key binding or widget
// (READLINE_LINE, BUFFER), the command a DEBUG trap sees.
var typedLater = []string{"READLINE_LINE", "BASH_COMMAND", "BUFFER", "LBUFFER", "RBUFFER", "PREBUFFER", "ZSH_DEBUG_CMD"}

// typedThen makes the variables of typedLater, in code kept to run later,
// data typed then: run as code (bind -x '"\C-t": eval "$READLINE_LINE"',
// a widget's eval "$BUFFER"), it is a line no hook judged, a refused one
// included.
func typedThen(sc *scope) {
	for _, name := range typedLater {
		sc.set(name, shellVar{set: true, maybeEmpty: true, data: true})
	}
}

// typedLine is the line zsh hands preexec and zshaddhistory as $1…, a
// line typed later.
var typedLine = Arg{Text: "$BUFFER", Unknown: []string{"$BUFFER"}, MaybeEmpty: true, data: true}

// runLater walks code the interactive shell keeps to run itself, later
// (walkLater): run by that shell, it calls the shell's functions.
func (r *resolver) runLater(outer *Invocation, code string, sc *scope, via string) {
	own := inInteractiveShell(sc)
	r.walkLater(func() {
		r.runCode(outer, code, sc, via, func(_ *Invocation, isc *scope) {
			if own {
				isc.shellVias = len(isc.via)
			}
			typedThen(isc)
		})
	})
}

// observe looks at each command as it is dispatched: inside a container
// with host folders mapped in, it is judged again on the host's paths;
// what it writes is remembered for later commands on the line.
func (r *resolver) observe(inv *Invocation, sc *scope) {
	inv.Detached = inv.Detached || sc.detached
	if sc.deferred != "" {
		inv.Deferred = sc.deferred
	}
	if sc.cut != "" {
		inv.Cut = sc.cut
	}
	if inv.Detached && r.ran == inv {
		r.ran = inv.before // it runs later, or apart
	}
	if sc.box != nil {
		inv.Container, inv.HostNamespaces, inv.Throwaway = sc.box.name, sc.box.shares, sc.box.throwaway
		r.judgeOnHost(inv, sc.box)
	}
	if inv.Remote == "" && (inv.Program == "mkfifo" || inv.Program == "mknod") {
		r.recordFifos(inv)
	}
	if writesFiles(inv) && (wrapperFor(inv.Program) == nil || printsHistory(inv)) && (inv.Remote == "" || inv.Container == "") {
		r.recordWrites(inv, sc)
	}
}

// writesFiles is a cheap first look for recordWrites: a redirection that
// writes, or a program that writes the files it names.
func writesFiles(inv *Invocation) bool {
	switch inv.Program {
	case "tee", "sponge", "curl", "wget", "cp", "install", "mv", "dd", "ln":
		return true
	case "history":
		return true // history -w FILE, -a FILE
	case "sed", "gsed", "perl":
		for _, a := range inv.Args {
			if v := a.Value; strings.HasPrefix(v, "--in-place") || len(v) > 1 && v[0] == '-' && v[1] != '-' && strings.ContainsRune(v, 'i') {
				return true // sed -i, perl -pi: the file is rewritten
			}
		}
	}
	for _, rd := range inv.Redirs {
		if rd.Writes() {
			return true
		}
	}
	return false
}

// recordWrites remembers the files inv writes with what it writes there:
// `echo … > x.sh`, `… | tee x.sh`, `curl -o x.sh URL`.
func (r *resolver) recordWrites(inv *Invocation, sc *scope) {
	var targets []string
	var appendTo []bool // for each target: written at its end (>>, tee -a)
	add := func(p string, appends bool) {
		targets, appendTo = append(targets, p), append(appendTo, appends)
	}
	for _, rd := range inv.Redirs {
		if !rd.Writes() || (rd.Fd != "" && rd.Fd != "1") || !rd.Target.Known {
			continue
		}
		if rd.Op == ">&" && !rd.Truncates() {
			continue
		}
		if p := inv.Path(rd.Target.Value); p != "" && (!isDevicePath(p) || r.lineFifo(p)) {
			add(p, rd.Op == ">>" || rd.Op == "&>>")
		}
	}
	by := inv.Program
	var out text
	program := ""
	switch inv.Program {
	case "tee", "sponge":
		// sponge FILE writes what it read once its input ends: jq … f | sponge f
		p := ParseOptions(inv.Args, OptSpec{})
		for _, a := range p.Operands {
			if a.Known {
				if path := inv.Path(a.Value); path != "" && !isDevicePath(path) {
					add(path, p.Has("a", "append"))
				}
			}
		}
		out = r.stdinOf(inv, 0)
	case "history":
		// history -w FILE, -a FILE: the history, refused lines included
		for i, a := range inv.Args {
			if a.Known && len(a.Value) > 1 && a.Value[0] == '-' && strings.ContainsAny(a.Value, "wa") && i+1 < len(inv.Args) && inv.Args[i+1].Known {
				if path := inv.Path(inv.Args[i+1].Value); path != "" {
					add(path, strings.Contains(a.Value, "a"))
				}
			}
		}
		out = historyText
	case "curl", "wget":
		// downloads: the content cannot be known
		p := ParseOptions(inv.Args, OptSpec{ShortValue: "oOdHuXAeEw", LongValue: []string{"output", "output-document", "data", "header", "user", "request", "user-agent", "referer"}})
		if o, ok := p.Value("o", "output", "O", "output-document"); ok && o.Known && (inv.Program == "curl" && o.Text != "-O" || inv.Program == "wget") {
			if path := inv.Path(o.Value); path != "" && o.Value != "-" {
				add(path, false)
			}
		}
		for _, name := range remoteNames(inv) {
			if path := inv.Path(name); path != "" {
				add(path, false)
			}
		}
		out = text{from: inv.Program}
	case "cp", "install", "mv", "ln":
		// a link runs what it leads to: ln -s ~/job.sh /etc/cron.daily/
		if dest, src, ok := r.copyTarget(inv); ok && (worthRecording(dest) || worthRecording(r.writtenThrough(inv, dest))) {
			add(dest, false)
			out = r.fileText(inv, src)
			if p := inv.Path(src.Value); p != "" {
				program = programCopy(p)
			}
		}
	case "npm":
		// npm pkg set scripts.NAME=CMD and npm set-script NAME CMD write
		// package.json: a later npm run NAME on the line runs CMD.
		if path, pkg, ok := r.npmScriptsSet(inv); ok {
			add(path, false)
			out = pkg
		}
	case "sed", "gsed", "perl":
		// sed -i 's/^/rm -rf ~ #/' x.sh && bash x.sh: the script runs
		// as the edit leaves it, computed where sed's script is one guard
		// computes, else unknown (perl -pi)
		if path, edited, ok := r.inPlaceEdit(inv); ok && worthRecording(path) {
			add(path, false)
			out = edited
		} else if len(targets) > 0 {
			out = r.produced(inv, 0) // sed … > x.sh: what it prints
		}
	case "dd":
		for _, a := range inv.Args {
			if of, ok := strings.CutPrefix(a.Value, "of="); ok && a.Known {
				if path := inv.Path(of); path != "" && !isDevicePath(path) {
					add(path, false)
				}
			}
		}
		out = r.stdinOf(inv, 0)
		for _, a := range inv.Args {
			if in, ok := strings.CutPrefix(a.Value, "if="); ok {
				out = r.fileText(inv, Arg{Text: a.Text, Value: in, Known: a.Known})
			}
		}
	default:
		if len(targets) > 0 {
			out = r.produced(inv, 0)
		}
		if inv.Program == "cat" && len(inv.Args) == 1 && inv.Args[0].Known {
			if p := inv.Path(inv.Args[0].Value); p != "" {
				program = programCopy(p) // cat /bin/rm > ./z
			}
		}
	}
	if len(targets) == 0 {
		return
	}
	if inv.Remote != "" {
		// another machine's files: what runs later there is judged
		// (ssh web1 'echo … > /etc/cron.d/job'); nothing is remembered
		// as this host's, nor looked up through its links
		for _, p := range targets {
			w := written{text: out.value, known: out.known, by: by, quiet: out.quiet}
			if !w.known && w.by == "" {
				w.by = "a command"
			}
			r.scheduleWritten(inv, p, w, sc)
		}
		return
	}
	st := r.reached()
	for i, p := range targets {
		if r.feedFifo(p, out) {
			continue // a FIFO stays one: what is written goes to its reader
		}
		w := written{text: out.value, known: out.known, by: by, quiet: out.quiet, program: program}
		if prev, ok := st.written[p]; ok && appendTo[i] {
			w.text = prev.text + out.value
			w.known = prev.known && out.known
		} else if !ok && appendTo[i] {
			// >> onto a file that exists: its old content runs too, but
			// what is added is what matters here.
			w.known = out.known
		}
		if !w.known && w.by == "" {
			w.by = "a command"
		}
		if _, seen := st.written[p]; seen || len(st.written) < maxWritten {
			st.written[p] = w
		}
		r.scheduleWritten(inv, r.writtenThrough(inv, p), w, sc)
	}
}

// writtenThrough is the file a write to p reaches: through the links on
// its way, and through p itself when it is a link the program writes
// through, even one that points nowhere yet (echo … > job with job ->
// /etc/cron.d/job makes that file). mv, install and ln replace a link
// named last instead of writing through it.
func (r *resolver) writtenThrough(inv *Invocation, p string) string {
	host, _ := r.hostNow()
	switch inv.Program {
	case "mv", "install", "ln":
		if dir, ok := ResolvePath(host, filepath.Dir(p)); ok {
			return filepath.Join(dir, filepath.Base(p))
		}
		return p
	}
	if real, ok := ResolvePath(host, p); ok {
		return real
	}
	return p
}

// worthRecording tells the copies worth following: into a place that runs
// code later, or of a script that a later command may run.
func worthRecording(dest string) bool {
	if kind, _ := cronFile(dest); kind != "" {
		return true
	}
	switch filepath.Ext(dest) {
	case ".sh", ".bash", ".py", ".pl", ".rb", ".js", ".php", "":
		return true
	}
	return false
}

// copyTarget reads cp, install and mv of one file: the file written and
// the one whose content it gets (into a folder: under the same name).
func (r *resolver) copyTarget(inv *Invocation) (string, Arg, bool) {
	p := ParseOptions(inv.Args, OptSpec{ShortValue: "tSmogZ", LongValue: []string{"target-directory", "suffix", "mode", "owner", "group", "backup", "context", "sparse", "reflink", "preserve", "no-preserve"}})
	if p.Has("r", "R", "recursive", "a", "archive", "d", "directory") {
		return "", Arg{}, false // trees: not followed
	}
	ops := p.Operands
	dir, toDir := p.Value("t", "target-directory")
	if !toDir {
		if len(ops) != 2 {
			return "", Arg{}, false
		}
		dir, ops = ops[1], ops[:1]
	}
	if len(ops) != 1 || !dir.Known || !ops[0].Known {
		return "", Arg{}, false
	}
	dest := inv.Path(dir.Value)
	if dest == "" || isDevicePath(dest) {
		return "", Arg{}, false
	}
	if info, err := r.host.Lstat(dest); toDir || strings.HasSuffix(dir.Value, "/") || err == nil && info.IsDir() {
		dest = filepath.Join(dest, filepath.Base(ops[0].Value))
	}
	return dest, ops[0], true
}

// isDevicePath tells the files that are not files: what is written to
// /dev/tty or /proc is not there to be read back.
// lineFifo tells a FIFO the line made or a shell on it reads code from,
// wherever it is (mkfifo /dev/shm/p, a coprocess's input).
func (r *resolver) lineFifo(p string) bool {
	st := r.reached()
	_, read := st.fifos[p]
	return read || st.written[p].fifo
}

func isDevicePath(p string) bool {
	return strings.HasPrefix(p, "/dev/") || strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/sys/")
}

// textOffsets finds where each command's text is in src, -1 for a
// command that does not come from it (another file's, or made by guard).
// Commands come in the order of the source, so the search goes forward
// from the last one found, and finding them all stays linear.
func textOffsets(invs []*Invocation, src string) []int {
	offsets := make([]int, len(invs))
	cursor := 0
	for i, inv := range invs {
		offsets[i] = -1
		if inv.Text == "" {
			continue
		}
		if at := strings.Index(src[cursor:], inv.Text); at >= 0 {
			offsets[i] = cursor + at
			cursor += at
		} else if at := strings.Index(src[:cursor], inv.Text); at >= 0 {
			offsets[i] = at
		}
	}
	return offsets
}

// labelInvocations prefixes the commands found in a file with where they
// are, so that a finding about a script says which script and line:
// "cleanup.sh:3: rm -rf /usr". Commands that stand for the line itself
// (a call synthesized from interpreter code carries the line's text) are
// left as they are.
func labelInvocations(invs []*Invocation, offsets []int, name, src, line string) {
	lineNo, counted := 1, 0
	for i, inv := range invs {
		if inv.Text == "" || inv.Text == line || strings.HasPrefix(inv.Text, name+":") {
			continue
		}
		at := -1
		if offsets != nil {
			at = offsets[i]
		}
		if at < 0 {
			continue // another file's command, labelled there, or code made at run time
		}
		if at < counted {
			lineNo, counted = 1, 0
		}
		lineNo += strings.Count(src[counted:at], "\n")
		counted = at
		inv.Text = fmt.Sprintf("%s:%d: %s", name, lineNo, inv.Text)
	}
}

// special reports whether p (through a symbolic link or two) is a FIFO, a
// socket or a device other than /dev/null.
func special(h Host, p string) bool {
	resolved, _ := ResolvePath(h, p)
	fi, err := h.Lstat(resolved)
	return err == nil && p != "/dev/null" && resolved != "/dev/null" &&
		fi.Mode()&(fs.ModeNamedPipe|fs.ModeSocket|fs.ModeDevice|fs.ModeCharDevice) != 0
}

// remoteNames are the files a download names after the URL: wget without
// -O (into -P DIR when given), curl -O or --remote-name. wget URL && sh
// i.sh runs what was downloaded as surely as curl -o i.sh does.
func remoteNames(inv *Invocation) []string {
	named, dir := false, ""
	for i, a := range inv.Args {
		v := a.Value
		switch {
		case inv.Program == "wget" && (v == "-O" || strings.HasPrefix(v, "--output-document") || strings.HasPrefix(v, "-O") && len(v) > 2):
			return nil // written where -O says, handled above
		case inv.Program == "wget" && (v == "-P" || v == "--directory-prefix") && i+1 < len(inv.Args):
			dir = inv.Args[i+1].Value
		case inv.Program == "wget" && strings.HasPrefix(v, "--directory-prefix="):
			dir = strings.TrimPrefix(v, "--directory-prefix=")
		case inv.Program == "curl" && (v == "--remote-name" || v == "--remote-name-all" || len(v) > 1 && v[0] == '-' && v[1] != '-' && strings.Contains(v, "O")):
			named = true
		case inv.Program == "curl" && v == "--output-dir" && i+1 < len(inv.Args):
			dir = inv.Args[i+1].Value
		}
	}
	if inv.Program == "curl" && !named {
		return nil
	}
	var names []string
	for _, a := range inv.Args {
		_, rest, ok := strings.Cut(a.Value, "://")
		if !a.Known || !ok {
			continue
		}
		rest, _, _ = strings.Cut(rest, "?")
		rest, _, _ = strings.Cut(rest, "#")
		name := "index.html"
		if _, urlPath, ok := strings.Cut(rest, "/"); ok && filepath.Base("/"+urlPath) != "/" {
			name = filepath.Base("/" + urlPath)
		}
		if dir != "" {
			name = filepath.Join(dir, name)
		}
		names = append(names, name)
	}
	return names
}

// inPlaceEdit reads sed -i and perl -i of one file: the file and what it
// holds afterwards (unknown when guard cannot compute the edit).
func (r *resolver) inPlaceEdit(inv *Invocation) (string, text, bool) {
	var kept []Arg
	inPlace := false
	for _, a := range inv.Args {
		v := a.Value
		switch {
		case !a.Known || v == "--" || !strings.HasPrefix(v, "-") || v == "-":
		case strings.HasPrefix(v, "--in-place"):
			inPlace = true
			continue
		case !strings.HasPrefix(v, "--") && strings.ContainsRune(v, 'i') && (inv.Program != "perl" || !strings.ContainsAny(v[:strings.IndexRune(v, 'i')], "eEM")):
			// -i, -i.bak, -Ei, perl's -pi -e: i and the suffix after it
			inPlace = true
			if rest := v[:strings.IndexRune(v, 'i')]; rest != "-" {
				a.Value, a.Text = rest, rest
				kept = append(kept, a)
			}
			continue
		}
		kept = append(kept, a)
	}
	if !inPlace {
		return "", text{}, false
	}
	file := Arg{}
	if inv.Program != "perl" {
		_, files, _, ok := sedScript(r, &Invocation{Args: kept, Cwd: inv.Cwd, Remote: inv.Remote})
		if !ok || len(files) != 1 || !files[0].Known {
			return "", text{}, false
		}
		file = files[0]
	} else {
		// perl -pi -e CODE FILE: the last word
		if last := inv.Args[len(inv.Args)-1]; last.Known && !strings.HasPrefix(last.Value, "-") {
			file = last
		} else {
			return "", text{}, false
		}
	}
	path := inv.Path(file.Value)
	if path == "" {
		return "", text{}, false
	}
	if inv.Program == "perl" {
		return path, text{from: inv.Program + " -i"}, true
	}
	edited := *inv
	edited.Args, edited.Redirs, edited.Stdin = kept, nil, nil
	return path, sedFilter(r, &edited, 0), true
}
