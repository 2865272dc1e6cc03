package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	flag "github.com/spf13/pflag"

	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/policy"
)

// guard serve is the guard a shell hook keeps running beside the shell (a
// coprocess), so that a line typed at the prompt costs no process start.
// It is the same gate as guard gate, stopped short: it answers alone only
// for a line guard finds nothing in (it may run, recorded where the site
// records allowed lines) or one the shell has not finished reading. Every
// other line, and every line it cannot take for any reason, it hands back
// (exitDefer): the hook then runs guard gate, which shows the findings,
// takes the snapshot and asks. So a fault in serve costs time, never a
// judgement.
//
// The hook writes one request at a time, its fields ended by NUL bytes,
// which no shell string can hold:
//
//	G1 NUL seq NUL options NUL cwd NUL text NUL definitions NUL exports NUL
//
// options holds "i" when a line still being typed is answered
// exitIncomplete; exports is what `export -p` prints in that shell. The
// answer is one line: "seq status". seq holds a nonce the hook drew, so
// that an answer to a request someone else wrote into the pipe is not
// taken for the hook's. serve ends at end of input, when the
// shell that started it is gone, or, after answering exitGone, when its
// own program file was replaced (an upgrade takes effect at once).

const (
	// exitDefer: serve did not decide; guard gate must.
	exitDefer = 98
	// exitGone: as exitDefer, and this serve has ended.
	exitGone = 99

	// maxRequest bounds one request; a hook sends larger lines to guard
	// gate itself.
	maxRequest = 4 << 20
)

// request is one line a hook asks about.
type request struct {
	seq, options, cwd, text, definitions string
	exports                              []byte
	tooBig                               bool // cut at maxRequest: deferred
}

// server holds what stays the same from one line to the next: the app
// for the shell's current environment and site policy.
type server struct {
	from    string
	exports []byte // the environment the app was made for
	stamp   string // the policy files' identity when it was made
	served  *app
	held    *bytes.Buffer // what the served app would have said: it defers then
}

func serveFlags(from *string) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(from, "from", "", "the shell hook it serves: bash or zsh")
	return fs
}

// serveCmd is guard serve --from bash|zsh.
func (a *app) serveCmd(args []string) int {
	var from string
	fs := serveFlags(&from)
	fs.SetOutput(a.stderr)
	if err := fs.Parse(args); err != nil {
		return a.flagError("serve", err)
	}
	if from != "bash" && from != "zsh" {
		fmt.Fprintln(a.stderr, "guard serve: --from bash or --from zsh (the hooks start it; see guard init)")
		return exitUsage
	}
	// It never reads the terminal and writes only to the hook: keys meant
	// for the shell's foreground job must not end it.
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU)
	go watchParent(os.Getppid())
	s := &server{from: from}
	in := bufio.NewReaderSize(a.stdin, 64<<10)
	out := bufio.NewWriter(a.stdout)
	for {
		req, err := readRequest(in)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				fmt.Fprintf(a.stderr, "guard serve: %v\n", err)
			}
			return exitOK
		}
		status := s.answer(req)
		fmt.Fprintf(out, "%s %d\n", req.seq, status)
		if err := out.Flush(); err != nil || status == exitGone {
			return exitOK
		}
	}
}

// watchParent ends serve when the shell that started it is gone, even if
// a program the shell started still holds the request pipe open.
func watchParent(parent int) {
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			os.Exit(exitOK)
		}
	}
}

// answer is the gate's quick path for one request. A panic defers.
func (s *server) answer(req request) (status int) {
	defer func() {
		if recover() != nil {
			status = exitDefer
		}
	}()
	if s.replaced() {
		return exitGone
	}
	if req.tooBig {
		return exitDefer
	}
	a := s.appFor(req.exports)
	o := gateOptions{cwd: req.cwd, from: s.from, shell: s.from, quick: true,
		hook: hookOptions{length: -1, incomplete: strings.Contains(req.options, "i")}}
	o.host = &guard.OSHost{Env: a.env}
	if code, done := a.hookStep(req.text, &o); done {
		if code == exitIncomplete {
			return code
		}
		return exitDefer
	}
	o.hook.definitions = req.definitions
	_, code := a.gate(req.text, o)
	if code != exitOK && code != exitIncomplete {
		return exitDefer
	}
	return code
}

// replaced: this program's file is no longer the one serve runs (guard
// was upgraded or removed): the hook should use the new one. The running
// image is compared with the path each time, so an upgrade that lands
// while serve is still starting is seen too.
func (s *server) replaced() bool {
	running, err := os.Stat("/proc/self/exe")
	if err != nil {
		return false // no /proc: nothing to compare
	}
	exe, err := os.Executable()
	if err != nil {
		return true
	}
	now, err := os.Stat(exe)
	return err != nil || !os.SameFile(now, running)
}

// appFor returns the app for the shell's environment: the one made for
// the last line if neither the environment nor a policy file changed.
func (s *server) appFor(exports []byte) *app {
	if s.served != nil && bytes.Equal(exports, s.exports) && policyStamp(s.served.getenv) == s.stamp {
		s.held.Reset()
		return s.served
	}
	env, err := parseExports(string(exports), s.from == "zsh")
	s.held = &bytes.Buffer{}
	if err != nil {
		fmt.Fprintln(s.held, err) // held: every line is deferred to guard gate
	}
	s.served = &app{stdout: io.Discard, stderr: s.held, stdin: strings.NewReader(""), env: env, held: s.held,
		getenv: withHome(func(name string) string { return env[name] })}
	s.exports = bytes.Clone(exports)
	s.stamp = policyStamp(s.served.getenv)
	return s.served
}

// policyStamp names the site policy files as they are now: their paths,
// sizes, times and inodes.
func policyStamp(getenv func(string) string) string {
	var b strings.Builder
	for _, src := range policy.Paths(getenv) {
		fmt.Fprintf(&b, "%s\x00", src.Path)
		if fi, err := os.Stat(src.Path); err == nil {
			ino := uint64(0)
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				ino = st.Ino
			}
			fmt.Fprintf(&b, "%d %d %d\x00", fi.Size(), fi.ModTime().UnixNano(), ino)
		}
	}
	return b.String()
}

// readRequest reads one request, bounded: past maxRequest the rest of it
// is read and dropped (tooBig), so that the hook, still writing, never
// meets a closed pipe (bash dies of SIGPIPE).
func readRequest(in *bufio.Reader) (request, error) {
	var fields [7][]byte
	total := 0
	for i := range fields {
		for {
			chunk, err := in.ReadSlice(0)
			total += len(chunk)
			if total <= maxRequest {
				fields[i] = append(fields[i], chunk...)
			}
			if err == nil {
				if total <= maxRequest {
					fields[i] = fields[i][:len(fields[i])-1]
				}
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) && i == 0 && total == 0 {
				return request{}, io.EOF
			}
			return request{}, fmt.Errorf("reading a request: %w", err)
		}
	}
	if string(fields[0]) != "G1" {
		return request{}, fmt.Errorf("not a request (%q)", fields[0])
	}
	if !validSeq(string(fields[1])) {
		return request{}, fmt.Errorf("a request numbered %q", fields[1])
	}
	return request{seq: string(fields[1]), options: string(fields[2]), cwd: string(fields[3]),
		text: string(fields[4]), definitions: string(fields[5]), exports: fields[6], tooBig: total > maxRequest}, nil
}

// validSeq: a request's number, a counter and a nonce the hook drew
// ("17.2975817650"): letters, digits, dots and dashes.
func validSeq(seq string) bool {
	if seq == "" || len(seq) > 80 {
		return false
	}
	for _, c := range []byte(seq) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// parseExports reads what `export -p` prints, in bash (declare -x NAME="…",
// or export NAME="…" in POSIX mode) or zsh (export NAME=…, with \M- and
// \C- escapes, and export -T PATH path=( … ) for a tied array), into the
// environment it describes. Names exported without a value are left out,
// as the environment of a command would. An error means some of it could
// not be read: nothing is judged in a partial environment.
func parseExports(text string, zsh bool) (map[string]string, error) {
	env := map[string]string{}
	var stmts []*syntax.Stmt
	parser := syntax.NewParser(syntax.Variant(syntax.LangBash))
	if zsh {
		// zsh writes each variable on a line of its own ($'\n' for a
		// newline), but the byte \M-' (0xa7) as a bare quote, which would
		// shift every quote after it: each line must be one declaration,
		// and one with that byte is not read at all.
		if strings.Contains(text, `\M-'`) {
			return nil, fmt.Errorf("reading the shell's environment: zsh wrote a value it cannot quote")
		}
		for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			f, err := parser.Parse(strings.NewReader(line), "")
			if err != nil || len(f.Stmts) != 1 {
				return nil, fmt.Errorf("reading the shell's environment: line %d is not one declaration", i+1)
			}
			stmts = append(stmts, f.Stmts[0])
		}
	} else {
		file, err := parser.Parse(strings.NewReader(text), "")
		if err != nil {
			return nil, fmt.Errorf("reading the shell's environment: %w", err)
		}
		stmts = file.Stmts
	}
	var err error
	word := func(w *syntax.Word) string {
		v, ok := guard.LiteralWord(w, zsh)
		if !ok {
			err = fmt.Errorf("reading the shell's environment: a value that is not plain text")
		}
		return v
	}
	for _, st := range stmts {
		decl, ok := st.Cmd.(*syntax.DeclClause)
		if !ok || (decl.Variant.Value != "declare" && decl.Variant.Value != "export" && decl.Variant.Value != "typeset") {
			return nil, fmt.Errorf("reading the shell's environment: not a declaration at line %d", st.Pos().Line())
		}
		tied := ""
		for _, as := range decl.Args {
			switch {
			case as.Naked && as.Name == nil && as.Value != nil:
				if word(as.Value) == "-T" {
					tied = "next"
				}
			case as.Naked && as.Name != nil:
				if tied == "next" {
					tied = as.Name.Value
				}
			case as.Name != nil && as.Array != nil && tied != "" && tied != "next":
				var parts []string
				for _, el := range as.Array.Elems {
					parts = append(parts, word(el.Value))
				}
				env[tied] = strings.Join(parts, ":")
				tied = ""
			case as.Name != nil && as.Value != nil:
				env[as.Name.Value] = word(as.Value)
			case as.Name != nil && as.Array == nil && !as.Naked:
				env[as.Name.Value] = "" // NAME= (exported, empty)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return env, nil
}
