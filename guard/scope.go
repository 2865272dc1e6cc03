package guard

import (
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// scope is the shell state the walk tracks: what the shell would know at a
// given point of the line. Subshells, pipeline parts and substitutions get
// a clone, so a `cd` inside them does not leak out.
//
// A clone costs O(1): it shares its parent's variables through a chain of
// frames and writes into a frame of its own only when it assigns. A clone
// reads its parent's frames as they are when it reads them, so it is walked
// right away, before the parent assigns again; every walk does that.
type scope struct {
	src    string // the source text the current tree was parsed from
	cwd    string // "" when unknown
	oldpwd string
	vars   *varFrame // nil: no variable assigned yet
	// ownFrame: vars is this scope's own frame, which it may write into.
	ownFrame bool
	// unguarded: inside a command run with GUARD=off
	unguarded bool
	detached  bool // apart from the terminal session (tmux new, at…)
	// shellVias: the first shellVias of via are the interactive shell
	// itself running code it keeps (a trap, PROMPT_COMMAND, bind -x),
	// where its functions apply as on the line (runLater).
	shellVias int
	// deferred names the alias whose definition, typed at the prompt,
	// holds this code: it runs when that name is typed later.
	deferred string
	// cut names the unknown parts of a word this code is a reading of,
	// split where they are (cutReading): a conjecture, asked about.
	cut string
	// fed: the code is read by its shell from its standard input, which
	// its own commands can read too (selfread.go); fedSkip lines of the
	// next source it reads are taken by a command of an earlier one.
	fed  bool
	opts shellOpts
	env  func(string) (string, bool)
	// envOnly: a new non-interactive shell process (bash -c, bash x.sh,
	// ./x.sh) whose variables are its environment and what its own code
	// assigns, so a name in neither is unset ("${OUT:-dist}" is dist),
	// not unknown. Cleared once the code may assign names guard cannot
	// see (eval, source of code it cannot read, declare "$(…)").
	envOnly bool
	// valuesUnseen: a builtin set a variable whose name guard cannot
	// compute, so a name not assigned since may hold anything.
	valuesUnseen bool
	// exports are the names the line exported (export NAME=VALUE, declare
	// -x): the commands after it find them in their environment, as they
	// find VAR=value written before them (Invocation.Env). Shared with
	// clones: append through exportName.
	exports []string
	// params are the positional parameters $1…, nil when unknown (the
	// interactive shell's own, or a script's arguments).
	params *positional

	// localUser is who runs the line here: ssh logs in as that name
	// unless told otherwise.
	localUser string

	via     []string // shared with clones: append through withVia
	remote  string
	user    string
	depth   int    // nesting of re-parsed shell code
	inFunc  string // the function whose body is being walked
	calls   []string
	box     *box // the container the code runs in (containers.go), nil on the host
	fedSkip int
	fedWho  string
	// hashed are the programs hash -p put under other names (hash -p
	// /bin/rm tidy: tidy runs /bin/rm). Never changed once made: hash
	// copies it, so that a subshell's does not leak out.
	hashed map[string]string
	// fds are the descriptors exec or a coprocess left open, by number
	// (fds.go). Never changed once made: openFd copies it.
	fds map[string]Redir
}

// hash files path under each of names, as hash -p PATH NAME… does.
func (sc *scope) hash(path string, names []string) {
	m := make(map[string]string, len(sc.hashed)+len(names))
	for k, v := range sc.hashed {
		m[k] = v
	}
	for _, name := range names {
		m[name] = path
	}
	sc.hashed = m
}

// shellOpts are the shell options that change how words expand.
type shellOpts uint16

const (
	optGlobstar     shellOpts = 1 << iota // ** crosses folders
	optDotglob                            // * matches names starting with a dot
	optNullglob                           // a pattern without matches vanishes
	optNoglob                             // set -f: no pathname expansion
	optZsh                                // zsh rules: no word splitting, ** always recursive
	optShWordSplit                        // zsh's setopt shwordsplit: unquoted expansions split
	optGlobSubst                          // zsh's setopt globsubst: their pattern characters are live
	optNocaseglob                         // shopt -s nocaseglob: patterns match names in any case
	optExtendedGlob                       // zsh's setopt extendedglob: ^x, x~y and (#i) in patterns
)

// positional are $0 and $1… as a list of known or unknown words.
type positional struct {
	zero Arg
	list []Arg
	// none: run without arguments. $1… are unset, but a bare "$1" is
	// still read as unknown and possibly empty (the code may check $#
	// first); ${1:-default} is its default.
	none bool
}

// paramsUnknown tells whether $1, $# and "$@" are not known.
func (sc *scope) paramsUnknown() bool { return sc.params == nil || sc.params.none }

type shellVar struct {
	value      string
	known      bool
	set        bool
	maybeEmpty bool  // for an unknown value: whether it may be empty
	list       []Arg // an indexed array's elements, when known, in index order
	// index are the indexes of list's elements when they are not 0, 1, 2…
	// (a=([5]=/x), c[9]=y): nil for an array without gaps.
	index []int
	// assoc marks an associative array (declare -A); keys are its
	// elements by key while they are all known, nil when not. A map
	// once set is never changed: an assignment copies it.
	assoc   bool
	keys    map[string]Arg
	local   bool // declared local in the function being walked
	integer bool // declare -i: each value assigned is evaluated as arithmetic
	data    bool // an unknown value that is data read when the line runs (Arg.data)
	// origin is the Arg.Origin of the word assigned, kept so that a
	// value a wrapper supplies (find's {}) stays marked as such.
	origin string
	// sources are the Arg.Sources of an unknown value: the programs whose
	// output it is (x=$(kubectl get ns -o name), a loop over it).
	sources []string
	// numbers are the parts of an unknown value that always hold a
	// number (tmp=/tmp/deploy.$$): the rest of it is known, and $tmp
	// reads as /tmp/deploy.$$ would.
	numbers []string
	// shape: what the unknown value is known to be (d=$(date +%F) is a
	// piece of a name, see Arg.shape).
	shape wordShape
	// ref is the variable a nameref (declare -n r=target) names: every
	// read and assignment of r is one of target.
	ref string
	// everything: a loop variable standing, once, for every name a pattern
	// matches in its folder (for d in /opt/*), read as that pattern, quoted
	// or not, so that rules judge the folder emptied (walkFor).
	everything bool
}

// at is the element of an indexed array at index n, and whether it is set.
func (v shellVar) at(n int64) (Arg, bool) {
	if v.index == nil {
		if n < 0 || n >= int64(len(v.list)) {
			return Arg{}, false
		}
		return v.list[n], true
	}
	for i, at := range v.index {
		if int64(at) == n {
			return v.list[i], true
		}
	}
	return Arg{}, false
}

// end is one past the array's highest index: where a+=(x) puts x, and
// what a negative index counts back from.
func (v shellVar) end() int {
	if v.index == nil || len(v.index) == 0 {
		return len(v.list)
	}
	return v.index[len(v.index)-1] + 1
}

// elements are the array's elements by index.
func (v shellVar) elements() map[int]Arg {
	m := make(map[int]Arg, len(v.list))
	for i, a := range v.list {
		if v.index != nil {
			m[v.index[i]] = a
		} else {
			m[i] = a
		}
	}
	return m
}

// indexedArray is the shellVar of an array given its elements by index,
// kept in index order, as "${a[@]}" lists them.
func indexedArray(elems map[int]Arg) shellVar {
	at := make([]int, 0, len(elems))
	for i := range elems {
		at = append(at, i)
	}
	slices.Sort(at)
	v := shellVar{set: true, maybeEmpty: true, list: make([]Arg, 0, len(at))}
	for _, i := range at {
		v.list = append(v.list, elems[i])
	}
	if len(at) > 0 && at[len(at)-1] != len(at)-1 {
		v.index = at
	}
	return v
}

// maxRefHops bounds the namerefs followed from one name (bash stops a
// circular chain too).
const maxRefHops = 8

// varFrame is one level of the variable chain: a scope's own assignments,
// in front of the frames it was cloned from. Most frames hold one or two
// variables (a subshell's, a loop's): they are a short list, searched in
// order, with an index made only when a frame grows past frameListMax.
type varFrame struct {
	vars   []namedVar
	index  map[string]int // position in vars, once vars is long
	parent *varFrame
	depth  int
}

type namedVar struct {
	name string
	v    shellVar
}

const frameListMax = 8

// find returns the variable this frame itself holds under name.
func (f *varFrame) find(name string) (shellVar, bool) {
	if f.index != nil {
		if i, ok := f.index[name]; ok {
			return f.vars[i].v, true
		}
		return shellVar{}, false
	}
	for i := range f.vars {
		if f.vars[i].name == name {
			return f.vars[i].v, true
		}
	}
	return shellVar{}, false
}

// put assigns name in this frame.
func (f *varFrame) put(name string, v shellVar) {
	if f.index != nil {
		if i, ok := f.index[name]; ok {
			f.vars[i].v = v
			return
		}
		f.index[name] = len(f.vars)
		f.vars = append(f.vars, namedVar{name, v})
		return
	}
	for i := range f.vars {
		if f.vars[i].name == name {
			f.vars[i].v = v
			return
		}
	}
	f.vars = append(f.vars, namedVar{name, v})
	if len(f.vars) > frameListMax {
		f.index = make(map[string]int, len(f.vars))
		for i, nv := range f.vars {
			f.index[nv.name] = i
		}
	}
}

// maxFrameDepth bounds lookups: a chain longer than this is flattened into
// one frame, so a deep nest of subshells cannot make every lookup slow.
const maxFrameDepth = 16

func (sc *scope) clone() *scope {
	c := *sc
	c.ownFrame = false
	c.via = sc.via[:len(sc.via):len(sc.via)]
	c.calls = sc.calls[:len(sc.calls):len(sc.calls)]
	return &c
}

// maxExports bounds the exported names an invocation's environment takes.
const maxExports = 32

// exportName records that name is in the environment of the commands
// after this point.
func (sc *scope) exportName(name string) {
	if len(sc.exports) < maxExports && !slices.Contains(sc.exports, name) {
		sc.exports = append(sc.exports[:len(sc.exports):len(sc.exports)], name)
	}
}

// exportedEnv is what the exported names hold now, as the environment of
// a command run at this point.
func (sc *scope) exportedEnv() []EnvVar {
	var env []EnvVar
	for _, name := range sc.exports {
		if v, ok := sc.get(name); ok && v.set && v.known && len(v.list) == 0 {
			env = append(env, EnvVar{Name: name, Value: Arg{Text: v.value, Value: v.value, Known: true}})
		}
	}
	return env
}

// withVia records one more wrapper around what this scope runs.
func (sc *scope) withVia(via string) {
	sc.via = append(sc.via[:len(sc.via):len(sc.via)], via)
}

// nested returns the scope of shell code run by another shell (bash -c):
// same cwd and exported environment, but not the caller's unexported
// variables, which we cannot tell apart; keep them, as assignments on the
// same line are usually exported or used right away.
func (sc *scope) nested(via string) *scope {
	c := sc.clone()
	c.withVia(via)
	c.depth++
	c.inFunc = ""
	c.calls = nil
	c.fed, c.fedSkip = false, 0 // a shell of its own, with its code from elsewhere
	if via != "eval" {
		c.params = nil // a new shell has its own; eval runs in this one
	}
	return c
}

// forgetVars drops every variable assigned on the line: the command runs
// with another user's or another host's environment.
func (sc *scope) forgetVars() {
	sc.vars = &varFrame{}
	sc.ownFrame = true
}

// forgetValues makes every variable unknown after a builtin set one
// whose name guard cannot compute (declare "$(cat f)=/"): any of them,
// the environment's too, may now hold what by names.
func (sc *scope) forgetValues(by Arg) {
	seen := map[string]bool{}
	var names []string
	for f := sc.vars; f != nil; f = f.parent {
		for _, nv := range f.vars {
			if !seen[nv.name] {
				seen[nv.name] = true
				names = append(names, nv.name)
			}
		}
	}
	for _, name := range names {
		v, _ := sc.getOwn(name)
		if v.ref != "" {
			continue // a nameref still names its variable
		}
		sc.setOwn(name, shellVar{set: true, maybeEmpty: true, local: v.local, sources: by.Sources})
	}
	sc.valuesUnseen = true
}

// get looks a variable up through the chain of frames, through the
// namerefs that name it.
func (sc *scope) get(name string) (shellVar, bool) {
	return sc.getOwn(sc.target(name))
}

// getOwn looks a variable up by its own name, a nameref as itself.
func (sc *scope) getOwn(name string) (shellVar, bool) {
	for f := sc.vars; f != nil; f = f.parent {
		if v, ok := f.find(name); ok {
			return v, true
		}
	}
	return shellVar{}, false
}

// target is the variable name stands for: itself, or what the namerefs
// from it name, followed a bounded number of hops.
func (sc *scope) target(name string) string {
	for range maxRefHops {
		v, ok := sc.getOwn(name)
		if !ok || v.ref == "" {
			return name
		}
		name = v.ref
	}
	return name
}

// set assigns a variable in this scope's own frame, making one first; an
// assignment to a nameref is one to the variable it names.
func (sc *scope) set(name string, v shellVar) {
	if v.ref == "" {
		name = sc.target(name)
	}
	sc.setOwn(name, v)
}

// setOwn assigns the variable called name itself, a nameref too.
func (sc *scope) setOwn(name string, v shellVar) {
	if !sc.ownFrame {
		parent := sc.vars
		f := &varFrame{parent: parent}
		if parent != nil {
			f.depth = parent.depth + 1
		}
		if f.depth > maxFrameDepth {
			f = flatten(f)
		}
		sc.vars, sc.ownFrame = f, true
	}
	sc.vars.put(name, v)
}

// flatten copies a chain into one frame, nearest assignments winning.
func flatten(f *varFrame) *varFrame {
	var chain []*varFrame
	for ; f != nil; f = f.parent {
		chain = append(chain, f)
	}
	flat := &varFrame{}
	for i := len(chain) - 1; i >= 0; i-- {
		for _, nv := range chain[i].vars {
			flat.put(nv.name, nv.v)
		}
	}
	return flat
}

// own returns the variables assigned in this scope's own frame, in the
// order they were first assigned.
func (sc *scope) own() []namedVar {
	if !sc.ownFrame || sc.vars == nil {
		return nil
	}
	return sc.vars.vars
}

// mayBeEmpty tells whether an unknown variable may expand to nothing.
func (sc *scope) mayBeEmpty(name string) bool {
	if v, ok := sc.get(name); ok && !v.known {
		return v.maybeEmpty
	}
	if sc.remote != "" && remoteAlwaysSet[name] {
		return false
	}
	return true
}

// startIFS is IFS where the line did not set it: the environment's when
// it has one, else space, tab and newline, which every shell sets at
// start and an interactive one keeps unless told otherwise. Taken as
// known, so that rm${IFS}-rf${IFS}/usr splits where bash splits it.
func (sc *scope) startIFS() string {
	if sc.remote == "" && sc.env != nil {
		if v, ok := sc.env("IFS"); ok {
			return v
		}
	}
	return " \t\n"
}

// remoteAlwaysSet are variables a login on another host always has.
var remoteAlwaysSet = map[string]bool{"HOME": true, "USER": true, "LOGNAME": true, "PATH": true, "SHELL": true}

func (sc *scope) lookup(name string) (string, bool) {
	switch name {
	case "PWD":
		return sc.cwd, sc.cwd != ""
	case "OLDPWD":
		return sc.oldpwd, sc.oldpwd != ""
	}
	if v, ok := sc.get(name); ok {
		return v.value, v.known
	}
	if sc.valuesUnseen {
		return "", false // set by a name guard could not compute
	}
	if name == "IFS" {
		return sc.startIFS(), true
	}
	if sc.remote != "" {
		// The remote host's environment is not ours; only the home folder
		// of the user ssh logs in as can be read, as where it usually is.
		if name == "HOME" {
			if home := sc.remoteHome(); home != "" {
				return home, true
			}
		}
		return "", false
	}
	if sc.env != nil {
		if v, ok := sc.env(name); ok {
			return v, true
		}
		if sc.envOnly && syntax.ValidName(name) && !shellSetVars[name] && !strings.HasPrefix(name, "BASH") {
			return "", true // not in the environment of a new shell: unset
		}
	}
	return "", false
}

// shellSetVars are variables a shell sets itself in a new process, with
// or without an environment (bash, dash); BASH* are bash's too.
var shellSetVars = map[string]bool{
	"DIRSTACK": true, "EPOCHREALTIME": true, "EPOCHSECONDS": true, "EUID": true, "FUNCNAME": true,
	"GROUPS": true, "HISTCMD": true, "HISTFILE": true, "HISTFILESIZE": true, "HISTSIZE": true,
	"HOSTNAME": true, "HOSTTYPE": true, "IFS": true, "LINENO": true, "MACHTYPE": true, "MAILCHECK": true,
	"OPTARG": true, "OPTERR": true, "OPTIND": true, "OSTYPE": true, "PATH": true, "PIPESTATUS": true,
	"PPID": true, "PS1": true, "PS2": true, "PS4": true, "PWD": true, "OLDPWD": true, "RANDOM": true,
	"SRANDOM": true, "SECONDS": true, "SHELL": true, "SHELLOPTS": true, "SHLVL": true, "UID": true,
	"COLUMNS": true, "LINES": true, "REPLY": true, "COPROC": true, "MAPFILE": true, "READLINE_LINE": true,
	"READLINE_POINT": true, "TMOUT": true, "COMP_WORDS": true, "COMP_CWORD": true, "COMP_LINE": true,
	"COMP_POINT": true, "COMPREPLY": true, "_": true,
}

// remoteHome is the usual home folder of the user a remote command runs
// as: ssh logs in with the local user's name unless told otherwise.
func (sc *scope) remoteHome() string {
	user := sc.user
	if user == "" {
		user = sc.localUser
	}
	switch {
	case user == "root":
		return "/root"
	case user != "" && syntax.ValidName(user):
		return "/home/" + user
	}
	// Some user's home: where exactly does not change what is at risk.
	return "/home/<remote-user>"
}

func (sc *scope) isSet(name string) bool {
	if v, ok := sc.get(name); ok {
		return v.set
	}
	if name == "IFS" && !sc.valuesUnseen {
		return true // every shell starts with one (startIFS)
	}
	if sc.remote != "" {
		return remoteAlwaysSet[name]
	}
	if sc.env != nil {
		_, ok := sc.env(name)
		return ok
	}
	return false
}

// namesWithPrefix lists, sorted, the variables the line set whose names
// begin with prefix, as ${!prefix@} does (bounded by the frames' size).
// Variables only in the environment are not listed: guard sees them one
// name at a time.
func (sc *scope) namesWithPrefix(prefix string) []Arg {
	seen := map[string]bool{}
	var names []string
	for f := sc.vars; f != nil; f = f.parent {
		for _, nv := range f.vars {
			if seen[nv.name] || !strings.HasPrefix(nv.name, prefix) {
				continue
			}
			seen[nv.name] = true
			if v, _ := sc.getOwn(nv.name); v.set || v.list != nil || v.ref != "" {
				names = append(names, nv.name)
			}
		}
	}
	slices.Sort(names)
	out := make([]Arg, 0, len(names))
	for _, name := range names {
		out = append(out, Arg{Value: name, Known: true})
	}
	return out
}

func (sc *scope) assign(name string, a Arg) {
	v := shellVar{value: a.Value, known: a.Known, set: true, maybeEmpty: a.MaybeEmpty || a.Known, origin: a.Origin, data: a.data && !a.Known, sources: unknownSources(a),
		everything: a.Known && a.Glob && a.standIn && !a.unread}
	if !a.Known && !a.data && len(a.Sources) == 0 && onlyNumberParams(a.Unknown) {
		v.numbers = a.Unknown
	}
	if !a.Known {
		v.shape = a.unknownShape()
	}
	sc.set(name, v)
}

func (sc *scope) text(n syntax.Node) string {
	return sliceSrc(sc.src, n.Pos(), n.End())
}

func sliceSrc(src string, from, to syntax.Pos) string {
	start, end := int(from.Offset()), int(to.Offset())
	if !from.IsValid() || !to.IsValid() || start < 0 || end > len(src) || start > end {
		return ""
	}
	return src[start:end]
}

// unknownSources are the Sources a variable keeps of the word assigned:
// those of a value guard could not compute, nil for a known one.
func unknownSources(a Arg) []string {
	if a.Known {
		return nil
	}
	return a.Sources
}
