package rules

import (
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// Signals are read the way kill, pkill and killall read them: by name
// (KILL, SIGKILL, kill), by number (9), and the real-time ones as bash and
// procps spell them (RTMIN+4, SIGRTMAX-10, 38), all turned into Linux's
// numbers so that every spelling of one signal is the same signal.
const (
	sigHUP    = 1
	sigINT    = 2
	sigPWR    = 30
	sigKILL   = 9
	sigTERM   = 15
	sigCHLD   = 17
	sigCONT   = 18
	sigURG    = 23
	sigWINCH  = 28
	sigRTMIN  = 34 // glibc keeps the kernel's first two for itself
	sigRTMAX  = 64
	sigUnread = -1
)

var signalNumbers = map[string]int{
	"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8,
	"KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16,
	"CHLD": 17, "CLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23,
	"XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31,
	"RTMIN": sigRTMIN, "RTMAX": sigRTMAX,
}

// signalNumber reads a signal as written after kill -s or kill -.
func signalNumber(s string) (int, bool) {
	s = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "SIG")
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= sigRTMAX {
		return n, true
	}
	if n, ok := signalNumbers[s]; ok {
		return n, true
	}
	for _, base := range []string{"RTMIN+", "RTMAX-"} {
		if rest, ok := strings.CutPrefix(s, base); ok {
			n, err := strconv.Atoi(rest)
			if err != nil || n < 0 || n > sigRTMAX-sigRTMIN {
				return 0, false
			}
			if base == "RTMIN+" {
				return sigRTMIN + n, true
			}
			return sigRTMAX - n, true
		}
	}
	return 0, false
}

// signalName spells a signal for messages.
func signalName(n int) string {
	for name, m := range signalNumbers {
		if m == n && name != "IOT" && name != "CLD" && name != "POLL" && n < sigRTMIN {
			return "SIG" + name
		}
	}
	if n >= sigRTMIN {
		return "SIGRTMIN+" + strconv.Itoa(n-sigRTMIN)
	}
	return "signal " + strconv.Itoa(n)
}

// initSignals: what systemd (and, for SIGINT, sysvinit) does when PID 1
// receives a signal; those not listed it ignores or handles harmlessly
// (SIGTERM re-executes systemd, SIGHUP reloads it).
var initSignals = map[int]struct {
	action    string
	immediate bool // without stopping services or unmounting
}{
	sigINT: {"reboot (ctrl-alt-del.target)", false},
	// SIGPWR: systemd starts sigpwr.target, where a UPS daemon hooks its
	// power-failure shutdown; sysvinit runs inittab's powerfail entry,
	// which on most distributions shuts down in two minutes
	sigPWR:        {"shut down as for a power failure (sysvinit's powerfail entry; systemd's sigpwr.target, where a UPS daemon hooks its shutdown)", false},
	sigRTMIN + 0:  {"isolate default.target", false},
	sigRTMIN + 1:  {"drop to rescue mode", false},
	sigRTMIN + 2:  {"drop to emergency mode", false},
	sigRTMIN + 3:  {"halt", false},
	sigRTMIN + 4:  {"power off", false},
	sigRTMIN + 5:  {"reboot", false},
	sigRTMIN + 6:  {"reboot with kexec", false},
	sigRTMIN + 7:  {"soft-reboot", false},
	sigRTMIN + 13: {"halt at once", true},
	sigRTMIN + 14: {"power off at once", true},
	sigRTMIN + 15: {"reboot at once", true},
	sigRTMIN + 16: {"reboot with kexec at once", true},
}

// endsProcess: the signal ends (or freezes) a process that does not
// handle it; HUP, USR1 and USR2 are how daemons are told to reload or
// reopen their logs. A signal guard cannot read may be any of them.
func endsProcess(sig int) bool {
	switch sig {
	case sigKILL, sigTERM, sigINT, 3, 6, 19, sigUnread: // QUIT, ABRT, STOP
		return true
	}
	return false
}

// harmlessSignals change nothing for a process that does not ask for them.
var harmlessSignals = map[int]bool{0: true, sigCHLD: true, sigCONT: true, sigURG: true, sigWINCH: true}

// signalCall is a kill, pkill or killall command read for what it sends to
// which processes.
type signalCall struct {
	signal   int    // sigUnread when it cannot be known
	init     bool   // PID 1 is among the targets
	everyone bool   // every process the caller may signal (kill -1, pkill -u root)
	whom     string // the targets, for messages
	// matches tells whether a process of that name is among the targets
	// (pkill sshd, killall -r '^dbus', kill $(pidof sshd)); nil when the
	// targets are PIDs alone.
	matches func(name string) bool
}

// readSignalCall reads kill the way bash's builtin and procps do: one
// signal option (-9, -KILL, -s KILL, -n 9), then PIDs; "-1" after the
// signal is a PID. A PID is a number however it is written (+1, 01).
func readSignalCall(inv *guard.Invocation) (signalCall, bool) {
	switch inv.Program {
	case "kill":
		c := readKill(inv.Args)
		if a, ok := pipedPIDs(inv); ok {
			c.addComputed(a) // pgrep -x systemd | head -1 | xargs kill -9
		}
		return c, true
	case "pkill":
		return readPkill(inv.Args)
	case "killall":
		return readKillall(inv.Args)
	case "killall5":
		return readKillall5(inv.Args)
	}
	return signalCall{}, false
}

// readKillall5 reads sysvinit's killall5 -SIGNAL [-o PID]: the signal
// goes to every process but the kernel's and the caller's own session;
// it is how shutdown scripts end everything. Only a form with the signal
// written is read: a program word guard cannot compute is tried as each
// program, and killall5 with any words at all would ask about every one.
func readKillall5(args []guard.Arg) (signalCall, bool) {
	c := signalCall{signal: sigUnread, everyone: true, whom: "every process on the host (killall5)"}
	for i := 0; i < len(args); i++ {
		v := args[i].Value
		switch {
		case !args[i].Known:
			return signalCall{}, false
		case v == "-o":
			i++ // a PID to spare
		case strings.HasPrefix(v, "-o"):
		case strings.HasPrefix(v, "-"):
			n, ok := signalNumber(v[1:])
			if !ok {
				return signalCall{}, false
			}
			c.signal = n
		default:
			return signalCall{}, false // killall5 takes no operands
		}
	}
	return c, c.signal != sigUnread
}

func readKill(args []guard.Arg) signalCall {
	c := signalCall{signal: sigTERM}
	sawSignal := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.Value
		switch {
		case !a.Known && i == 0 && strings.HasPrefix(a.Text, "-"):
			c.signal, sawSignal = sigUnread, true
		case (v == "-s" || v == "-n" || v == "--signal") && i+1 < len(args):
			i++
			c.signal, sawSignal = readSignal(args[i]), true
		case strings.HasPrefix(v, "--signal="):
			c.signal, sawSignal = readSignal(guard.Arg{Value: strings.TrimPrefix(v, "--signal="), Known: a.Known}), true
		case v == "--":
			for _, p := range args[i+1:] {
				c.addPID(p)
			}
			return c
		case strings.HasPrefix(v, "-") && len(v) > 1 && !sawSignal:
			c.signal, sawSignal = readSignal(guard.Arg{Value: v[1:], Known: a.Known}), true
		default:
			c.addPID(a)
		}
	}
	return c
}

// pidFinders print the PIDs of processes they match by name, or read them
// from a PID file: kill -9 $(pidof sshd) is killall -9 sshd.
var pidFinders = map[string]bool{"pidof": true, "pgrep": true, "cat": true, "head": true}

// pidPickers pick some of the PIDs a finder prints, and print nothing
// else: $(pgrep -x systemd | head -1) is PID 1.
var pidPickers = map[string]bool{"head": true, "tail": true, "sort": true, "uniq": true, "tr": true, "cut": true, "awk": true, "xargs": true, "grep": true}

// computedTargets reads a PID word that is one command substitution of
// a finder, $(pgrep -x systemd), `pidof sshd`, "$(cat /run/sshd.pid)", as
// the pkill or killall that would match the same processes. The words are
// read as written: a finder is one simple command.
func computedTargets(a guard.Arg) (signalCall, bool) {
	if a.Known || len(a.Sources) == 0 || !pidFinders[a.Sources[0]] {
		return signalCall{}, false
	}
	for _, s := range a.Sources[1:] {
		if !pidPickers[s] && !strings.HasPrefix(s, "(") { // "(one line)" says how the output is read
			return signalCall{}, false
		}
	}
	t := strings.Trim(a.Text, `"`)
	switch {
	case strings.HasPrefix(t, "$(") && strings.HasSuffix(t, ")") && !strings.HasPrefix(t, "$(("):
		t = t[2 : len(t)-1]
	case strings.HasPrefix(t, "`") && strings.HasSuffix(t, "`") && len(t) > 1:
		t = t[1 : len(t)-1]
	default:
		return signalCall{}, false
	}
	if finder, _, piped := strings.Cut(t, "|"); piped && len(a.Sources) > 1 {
		t = finder // $(pgrep -x systemd | head -1): some of what the finder prints
	}
	if strings.ContainsAny(t, "|;&<>$`()") {
		return signalCall{}, false
	}
	fields := strings.Fields(t)
	if len(fields) < 2 {
		return signalCall{}, false
	}
	args := make([]guard.Arg, 0, len(fields)-1)
	for _, f := range fields[1:] {
		f = strings.Trim(f, `'"`)
		args = append(args, guard.Arg{Text: f, Value: f, Known: true})
	}
	switch filepath.Base(fields[0]) {
	case "pgrep":
		return readPkill(args)
	case "pidof":
		p := guard.ParseOptions(args, guard.OptSpec{ShortValue: "od"})
		return readKillall(p.Operands)
	case "cat", "head":
		ops := guard.ParseOptions(args, guard.OptSpec{ShortValue: "nc"}).Operands
		if len(ops) != 1 || !strings.HasSuffix(ops[0].Value, ".pid") {
			return signalCall{}, false
		}
		name := strings.TrimSuffix(filepath.Base(ops[0].Value), ".pid")
		return readKillall([]guard.Arg{{Text: name, Value: name, Known: true}})
	}
	return signalCall{}, false
}

// pipedPIDs reads the PIDs xargs appends to kill from the pipeline before
// it as the word $(…) of that pipeline would be read: a finder and the
// commands that pick some of its lines.
func pipedPIDs(inv *guard.Invocation) (guard.Arg, bool) {
	if inv.MoreOperands != "xargs" || len(inv.Stdin) == 0 {
		return guard.Arg{}, false
	}
	var texts, sources []string
	for _, up := range inv.Stdin {
		if up.Program == "xargs" {
			continue
		}
		texts, sources = append(texts, up.Text), append(sources, up.Program)
	}
	if len(texts) == 0 {
		return guard.Arg{}, false
	}
	return guard.Arg{Text: "$(" + strings.Join(texts, " | ") + ")", Sources: sources}, true
}

// addComputed adds the processes a computed PID word names.
func (c *signalCall) addComputed(a guard.Arg) {
	sub, ok := computedTargets(a)
	if !ok {
		return
	}
	if sub.init {
		c.init, c.whom = true, "PID 1, which "+a.Text+" prints"
	}
	if sub.matches != nil {
		prev := c.matches
		c.matches = func(name string) bool { return sub.matches(name) || prev != nil && prev(name) }
	}
}

func readSignal(a guard.Arg) int {
	if !a.Known {
		return sigUnread
	}
	if n, ok := signalNumber(a.Value); ok {
		return n
	}
	return sigUnread
}

func (c *signalCall) addPID(a guard.Arg) {
	if !a.Known {
		c.addComputed(a)
		return
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(a.Value), "+"), 10, 64)
	if err != nil {
		return // %1 (a job), or not a number
	}
	switch n {
	case 1:
		c.init, c.whom = true, "PID 1 (init)"
	case -1:
		c.everyone, c.whom = true, "every process you are allowed to signal"
	}
}

// initNames are what PID 1 is called: its name, and its command line for
// pkill -f.
var initNames = []string{"systemd", "init", "/sbin/init", "/lib/systemd/systemd", "/usr/lib/systemd/systemd --system"}

var pkillSpec = guard.OptSpec{
	ShortValue: "gGPstuUFd",
	LongValue:  []string{"signal", "pgroup", "group", "parent", "session", "terminal", "euid", "uid", "pidfile", "ns", "nslist", "delimiter", "logpidfile", "cgroup", "env"},
}

// leadingSignal takes pkill's and killall's -SIGNAL option (-9, -KILL)
// off the front, where it is read as a signal and not as option letters.
func leadingSignal(args []guard.Arg) (int, []guard.Arg) {
	if len(args) > 0 && args[0].Known && strings.HasPrefix(args[0].Value, "-") {
		if n, ok := signalNumber(args[0].Value[1:]); ok {
			return n, args[1:]
		}
	}
	return sigTERM, args
}

func readPkill(args []guard.Arg) (signalCall, bool) {
	sig, args := leadingSignal(args)
	p := guard.ParseOptions(args, pkillSpec)
	if s, ok := p.Value("signal"); ok {
		sig = readSignal(s)
	}
	c := signalCall{signal: sig}
	if p.Has("v", "inverse") {
		return c, false // everything but the pattern: not judged here
	}
	rootUser := anyValue(p.Values("u", "euid", "U", "uid"), "root", "0")
	filters := p.Has("u", "euid", "U", "uid", "P", "parent", "g", "pgroup", "G", "group", "s", "session", "t", "terminal", "o", "oldest")
	if len(p.Operands) == 0 {
		switch {
		case rootUser && !p.Has("P", "parent", "g", "pgroup", "t", "terminal", "n", "newest", "o", "oldest"):
			c.everyone, c.whom = true, "every process of root"
			return c, true
		case anyValue(p.Values("P", "parent"), "0"), p.Has("o", "oldest") && !p.Has("u", "euid", "U", "uid", "t", "terminal"):
			c.init, c.whom = true, "PID 1 (init)"
			return c, true
		}
		return c, filters
	}
	pattern := p.Operands[0]
	if !pattern.Known {
		return c, false
	}
	expr := pattern.Value
	if p.Has("x", "exact") {
		expr = "^(?:" + expr + ")$"
	}
	if p.Has("i", "ignore-case") {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return c, false
	}
	parentOK := !p.Has("P", "parent") || anyValue(p.Values("P", "parent"), "0")
	userOK := !p.Has("u", "euid", "U", "uid") || rootUser
	names := initNames[:2]
	if p.Has("f", "full") {
		names = initNames
	}
	if parentOK && userOK && !p.Has("t", "terminal") {
		c.matches = re.MatchString
	}
	for _, name := range names {
		if re.MatchString(name) && parentOK && userOK && !p.Has("t", "terminal") {
			c.init, c.whom = true, "PID 1 ("+name+"), which "+pattern.Value+" matches"
		}
	}
	return c, true
}

// killallSpec is killall's options that take a value.
var killallSpec = guard.OptSpec{ShortValue: "suoyZn", LongValue: []string{"signal", "user", "older-than", "younger-than", "context", "ns"}}

func readKillall(args []guard.Arg) (signalCall, bool) {
	sig, args := leadingSignal(args)
	p := guard.ParseOptions(args, killallSpec)
	if s, ok := p.Value("s", "signal"); ok {
		sig = readSignal(s)
	}
	c := signalCall{signal: sig}
	rootUser := anyValue(p.Values("u", "user"), "root")
	if len(p.Operands) == 0 && rootUser {
		c.everyone, c.whom = true, "every process of root"
		return c, true
	}
	var patterns []func(string) bool
	for _, name := range p.Operands {
		if !name.Known {
			continue
		}
		value := name.Value
		match := func(s string) bool { return s == value }
		if p.Has("r", "regexp") {
			re, err := regexp.Compile(value)
			if err != nil {
				continue
			}
			match = re.MatchString
		}
		if p.Has("u", "user") && !rootUser {
			continue
		}
		patterns = append(patterns, match)
		if match("systemd") || match("init") {
			c.init, c.whom = true, "PID 1 ("+value+")"
		}
	}
	if len(patterns) > 0 {
		c.matches = func(s string) bool {
			return slices.ContainsFunc(patterns, func(m func(string) bool) bool { return m(s) })
		}
	}
	return c, true
}

func anyValue(values []guard.Arg, want ...string) bool {
	for _, v := range values {
		for _, item := range strings.Split(v.Value, ",") {
			if slices.Contains(want, item) {
				return true
			}
		}
	}
	return false
}
