package guard

import (
	"path/filepath"
	"strings"
)

// Arg is one word of a command after static expansion.
type Arg struct {
	// Text is the word as written in the line.
	Text string
	// Value is the expanded word. Parts that could not be known (an unset
	// variable, a command substitution) read as empty here, which is what
	// the shell does for an unset variable.
	Value string
	// Unknown names the parts that could not be known: "$DIR", "$(…)".
	Unknown []string
	// Sources lists the programs whose output becomes part of this word,
	// through command or process substitution.
	Sources []string
	// Origin is set for operands a wrapper supplies at run time: "find" for
	// {} in find -exec, "xargs" for what xargs reads; or the file that
	// computes them itself, for words of a script's own logic ("x.sh" for
	// rm -rf "$tmp" after tmp=$(mktemp -d) in x.sh), whose MaybeEmpty is
	// then false.
	Origin string
	// pattern is the word as a pattern: quoted characters escaped, so that
	// only the unquoted ones match (pathname expansion, ${x#pat}).
	pattern string

	// (the flags last, side by side: an Arg is 120 bytes, not 136)

	// Known is false when any part of the word could not be expanded.
	Known bool
	// MaybeEmpty is true when the unknown parts may be empty, so that Value
	// is one real reading of the word (false for ${X:?}).
	MaybeEmpty bool
	// Glob is true when the word holds unquoted pattern characters.
	Glob bool
	// standIn marks a word bash does not pass as it is: a pattern kept in
	// front of its matches (rules read "/etc/nginx/*" as emptying
	// /etc/nginx), or the stand-in for matches guard did not read.
	standIn bool
	// data: an unknown part is data the line reads when it runs and guard
	// never sees (a line read from the terminal, a file guard cannot
	// read), not a value set before (the environment, $EDITOR).
	data bool
	// unread: the matches of a pattern past those guard read (Glob, the
	// pattern as Value): more names in the pattern's folder.
	unread bool
	// shape is what every unknown part is known to be at least (a
	// number, $(date +%F), a variable assigned one). Meaningless when
	// Known.
	shape wordShape
}

// wordShape is what guard knows of an unknown part of a word, from the
// least to the most.
type wordShape uint8

const (
	shapeAny  wordShape = iota // anything: blanks, slashes, nothing at all
	shapeWord                  // one word without a blank: unquoted, bash does not split it
	// shapeName: one word without a blank and without a slash that is not
	// only dots ($(date +%F), $(id -u), $(hostname -s), $$): a piece of
	// one file name, which adds no folder and no .. to a path.
	shapeName
)

// unknownShape is the shape of a word's unknown parts (shapeName for the
// numbers of $$ and $RANDOM).
func (a Arg) unknownShape() wordShape {
	if onlyNumberParams(a.Unknown) {
		return shapeName
	}
	return a.shape
}

// neverSplits tells a word whose unknown parts hold no blank: an unquoted
// read of it stays one field while IFS holds only blanks.
func (a Arg) neverSplits() bool {
	return !a.Known && a.unknownShape() >= shapeWord
}

// UnknownNamePieces tells a word whose every unknown part is a piece of a
// file name: a number ($$), a date, a user or host name. Read without
// them, the path is in the folder it names, not above it: /tmp/bk-$(date
// +%F) is a name in /tmp.
func (a Arg) UnknownNamePieces() bool {
	return !a.Known && a.unknownShape() == shapeName
}

// UnreadMatches tells the word that stands for a pattern's matches past
// those guard read: more names in the same folder, which rules judge by
// the folder.
func (a Arg) UnreadMatches() bool { return a.unread }

// Redir is a redirection of a command.
type Redir struct {
	Op     string // as written: ">", ">>", "<", "<<", "<<<", "&>", ">|", ">&"
	Fd     string // the explicit file descriptor, if any
	Target Arg    // the file, or the body of a here-document or here-string
}

// Truncates reports whether the redirection empties its target file first.
func (r Redir) Truncates() bool {
	switch r.Op {
	case ">", ">|", "&>", "&>|":
		return true
	case ">&":
		// >&2 duplicates a descriptor; >&file writes a file (bash).
		return !isAllDigits(r.Target.Value) && r.Target.Value != "-"
	}
	return false
}

// OverwritesStart reports whether the redirection opens its target for
// reading and writing (1<>FILE, 2<>FILE) on the command's output or its
// errors: the file is not emptied, and what the command writes replaces
// its first bytes in place, the rest left after them. On descriptor 0
// (<>FILE) it is standard input, which commands read.
func (r Redir) OverwritesStart() bool {
	return r.Op == "<>" && (r.Fd == "1" || r.Fd == "2")
}

// Writes reports whether the redirection writes to its target.
func (r Redir) Writes() bool {
	return r.Truncates() || r.Op == ">>" || r.Op == "&>>" || r.Op == "<>"
}

// Input reports whether the redirection is a here-document or here-string
// whose body is the command's standard input.
func (r Redir) Input() bool {
	return r.Op == "<<" || r.Op == "<<-" || r.Op == "<<<"
}

// Invocation is one command as it would really run: wrappers peeled, words
// expanded, the effective working directory known where it can be.
type Invocation struct {
	// Program is the base name of what runs, e.g. "rm" for /bin/rm.
	Program string
	// Command is the command word as expanded, e.g. "/etc/init.d/networking".
	Command Arg
	// Args are argv[1:].
	Args []Arg
	// Redirs are the redirections that apply to this command.
	Redirs []Redir
	// Cwd is the effective working directory, "" when it cannot be known.
	Cwd string
	// Via lists what this command runs inside, outermost first: "sudo",
	// "bash -c", "ssh db1", "find -exec".
	Via []string
	// WrittenBy is, for the write a program makes into a file an option
	// names (curl -o FILE, sort -o FILE), judged as a redirection, that
	// program: what lands in the file is its output, not nothing.
	WrittenBy string
	// Remote names the machine the command runs on when it is not this
	// one: the host of ssh, or "container db-0" for a command run inside a
	// container. Rules never read this host's files for such a command.
	Remote string
	// Container is the container the command runs in (docker exec db-0,
	// kubectl exec, nsenter -t PID -m), "" on a host. Remote is then set
	// too, so that paths are not looked up on this host.
	Container string
	// HostNamespaces are the host's namespaces that container shares
	// ("network", "processes"): a network taken down or a reboot there is the
	// host's.
	HostNamespaces []string
	// User is the user it runs as when a wrapper changed it (sudo -u).
	User string
	// Stdin lists the commands upstream in a pipeline, whose output is
	// this command's input.
	Stdin []*Invocation
	// Cut names the unknown parts of a word of the command as typed
	// ("${SEP}") when this invocation is that command read with those
	// parts as blanks (rm${SEP}-rf${SEP}/usr read as rm -rf /usr): what
	// runs if they hold one. Its findings ask instead of refusing.
	Cut string
	// Deferred names the alias whose definition, typed at the prompt,
	// holds this command (alias dclean='docker system prune -af'): it
	// runs only when that name is typed, and is judged again then, with
	// the aliases the hook sends. Its findings warn now, except for a
	// coding agent (Options.Strict), whose hook sends no aliases. (A function
	// nothing on the line calls is still judged in full: a script or a
	// sourced file may call it by a name guard cannot see.)
	Deferred string
	// Function is the name of the shell function this command calls, if it
	// calls one defined on the same line.
	Function string
	// MoreOperands is set when a wrapper appends operands at run time that
	// cannot be known: "xargs", or "find" for -exec … {} +.
	MoreOperands string
	// Text is the simple command as written in the line.
	Text string
	// Env are the variables the line puts in the command's environment
	// before it (RAILS_ENV=production rake db:drop), kept through the
	// wrappers that run it; what the shell exported earlier is not here.
	Env []EnvVar
	// Acknowledged are the rules the operator acknowledged for this command
	// by running it through guard run --yes-i-know RULE: that guard run
	// judges, snapshots and records them itself.
	Acknowledged []string
	// Code is what guard has to say about code this command hands on,
	// nil when there is nothing (most commands).
	Code *CodeNote
	// before is the latest command of the line that certainly ran before
	// this one (RanBefore), nil if none did; its own before goes on.
	before *Invocation
	// linkBefore is the latest command walked before this one that makes
	// a link or a bind mount (makesLinks), whether or not it certainly ran,
	// each linking to the one before it (withMadeLinks).
	linkBefore *Invocation
	// partOut is set on the last command of a pipeline part whose output
	// is more than that command's ({ a; b; } | sh): the commands whose
	// output goes down the pipe, in order (partText).
	partOut *[]*Invocation

	// (the flags last, side by side: eight bools in one word, not four)

	// Throwaway is set for a command run in a new container made for it
	// from an image and given nothing of the host (docker run --rm alpine
	// CMD): the files, processes, packages and accounts it changes are
	// the container's own and go with it. Rules about those (Rule.Machine)
	// are not asked about it; a database it reaches over the network is
	// still the real one.
	Throwaway bool
	// Background is true for `cmd &`.
	Background bool
	// Spawned is true for a command an endless loop starts in the
	// background every round and never waits for (while true; do cmd &
	// done): copies pile up until the process table is full.
	Spawned bool
	// InPipeline is true when the command is part of a pipeline.
	InPipeline bool
	// Detached is true for a command that runs apart from the terminal
	// session the line is typed in (tmux new, screen -dm, systemd-run, at,
	// nohup, setsid): it goes on, and ends, even if that session drops.
	Detached bool
	// Recursive is true when the command calls the function whose body it
	// stands in.
	Recursive bool
	// Unguarded is set for `GUARD=off cmd`: the operator turned guard off
	// for this command, deliberately and visibly.
	Unguarded bool
	// afterSuccess: this command runs only if before succeeded (before &&
	// this), which SucceededBefore follows.
	afterSuccess bool
}

// maxRanBefore bounds how far back RanBefore looks: what a rule needs of
// the line's history is a few commands back, never a whole script.
const maxRanBefore = 256

// RanBefore yields the commands of the same line that certainly ran before
// this one on the same machine, the latest first: those joined to it by
// ;, && or a newline, in the same shell or the one that runs it (sudo,
// bash -c, a function called). Not a command it runs only after a failure
// of (a || b), one in the background, in a pipeline beside it, in a
// subshell, in an if, case or loop body that may not have run, nor code
// run later (trap, at). What a command did need not have succeeded after
// ;: a rule trusts it only for what undoes no harm if it did not.
func (inv *Invocation) RanBefore(yield func(*Invocation) bool) {
	n := 0
	for b := inv.before; b != nil && n < maxRanBefore; b, n = b.before, n+1 {
		if b.Remote != inv.Remote || b.Container != inv.Container {
			continue // another machine's state
		}
		if !yield(b) {
			return
		}
	}
}

// SucceededBefore yields the commands of the same line this one runs only
// after they succeeded: those joined to it by && (a && b && this), latest
// first, looking through the wrappers it runs in (sudo this). A rule that
// excuses a command because an earlier one made or kept something trusts
// these, not RanBefore: after `;` the earlier one may have failed (kubectl
// create ns prod; kubectl delete ns prod deletes the one that was there).
func (inv *Invocation) SucceededBefore(yield func(*Invocation) bool) {
	cur := inv
	for n := 0; cur.before != nil && n < maxRanBefore; n++ {
		b := cur.before
		wrapper := b.Text == cur.Text && len(cur.Via) > len(b.Via) // sudo this: the same command
		if !wrapper && !cur.afterSuccess {
			return
		}
		if !wrapper && b.Remote == inv.Remote && b.Container == inv.Container && !yield(b) {
			return
		}
		cur = b
	}
}

// CodeNote is what guard found about code a command hands on.
type CodeNote struct {
	// Hidden says how the code the command runs is hidden from the line:
	// "it comes from the output of ls, which guard does not compute", "tr
	// rewrites it on its way in". "" when the code is shown or guard read
	// it all.
	Hidden string
	// Scheduled says when shell code the command installs will run, for a
	// line written into /etc/cron.d or a crontab: "\"rm -rf /tmp/x\" at
	// */5 * * * * as root (/etc/cron.d/x)". The installed code is judged as
	// commands of its own.
	Scheduled string
	// ScheduledUnread: the code scheduled is a download guard cannot read,
	// so it is asked about.
	ScheduledUnread bool
	// Login is what a shell start-up file the command writes leaves in
	// every login's shell (delayed.go), nil for other commands.
	Login *LoginNote
	// Loads names a shared object the command is made to load that is
	// not the system's: "/tmp/x.so (LD_PRELOAD)" (loads.go).
	Loads string
}

// note returns the command's CodeNote, making one first.
func (inv *Invocation) note() *CodeNote {
	if inv.Code == nil {
		inv.Code = &CodeNote{}
	}
	return inv.Code
}

// EnvVar is one variable of a command's environment, as the line sets it.
type EnvVar struct {
	Name  string
	Value Arg
}

// Getenv is the value the line gives name in the command's environment
// (the last assignment wins); ok is false when the line sets none.
func (inv *Invocation) Getenv(name string) (value Arg, ok bool) {
	for _, e := range inv.Env {
		if e.Name == name {
			value, ok = e.Value, true
		}
	}
	return value, ok
}

// ArgValues returns the expanded words of args.
func ArgValues(args []Arg) []string {
	values := make([]string, 0, len(args))
	for _, a := range args {
		values = append(values, a.Value)
	}
	return values
}

// Values returns the expanded arguments.
func (inv *Invocation) Values() []string {
	values := make([]string, len(inv.Args))
	for i, a := range inv.Args {
		values[i] = a.Value
	}
	return values
}

// Path makes the expanded word an absolute, lexically clean path using the
// effective working directory. It returns "" when that cannot be known (a
// relative path with an unknown cwd, as on a remote host).
func (inv *Invocation) Path(value string) string {
	if value == "" {
		return ""
	}
	if inv.Remote != "" {
		if filepath.IsAbs(value) {
			return filepath.Clean(value)
		}
		if filepath.IsAbs(inv.Cwd) { // a container's working directory (docker exec -w)
			return filepath.Join(inv.Cwd, value)
		}
		return ""
	}
	if filepath.IsAbs(value) {
		return procRoot(filepath.Clean(value))
	}
	if inv.Cwd == "" {
		return ""
	}
	return procRoot(filepath.Join(inv.Cwd, value))
}

// procRoot reads a path through a process's root folder (/proc/1/root,
// /proc/self/root) as the path it reaches: the same files, which guard
// may not be allowed to follow the link to (it is root's, for PID 1).
// A process in a container has its own root; its files are not the
// host's, but deleting them is no safer.
func procRoot(p string) string {
	rest, ok := strings.CutPrefix(p, "/proc/")
	if !ok {
		return p
	}
	pid, after, _ := strings.Cut(rest, "/")
	if pid != "self" && pid != "thread-self" && (pid == "" || strings.Trim(pid, "0123456789") != "") {
		return p
	}
	after, ok = strings.CutPrefix(after, "root")
	if !ok || after != "" && after[0] != '/' {
		return p
	}
	return filepath.Clean("/" + after)
}

// Describe says where the command runs, for messages: "" on this host,
// " on db1" over ssh.
func (inv *Invocation) Where() string {
	if inv.Remote != "" {
		return " on " + inv.Remote
	}
	return ""
}

// ViaText renders the wrappers, e.g. "sudo → bash -c".
func (inv *Invocation) ViaText() string {
	return strings.Join(inv.Via, " → ")
}

func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
