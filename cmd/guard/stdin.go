package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
)

// maxPrelude bounds what of a streamed script guard keeps as text to judge
// the next batch in (its folder, variables, functions). Past it, the text
// is replaced by code that leaves the same state (guard.StatePrelude); if
// even that is too long, the earlier parts are forgotten and the folder is
// taken as unknown: relative paths are then asked about, never guessed.
const maxPrelude = 1 << 20

// forgotten is the prelude that stands for forgotten earlier parts.
const forgotten = guard.ForgottenFolder

// gatherWindow is how long guard waits for more of a script that is
// arriving, so that a script piped in at once is judged as a whole, while
// a program that writes one command and waits for its output is not kept
// waiting.
const gatherWindow = 30 * time.Millisecond

// stdinScript is the login shell with a script on standard input (ssh host
// < fix.sh, printf … | ssh -T host, sshd with no command and no terminal):
// bash would read it and run it unseen. guard reads it first, in batches
// of complete statements (a script that arrives at once is one batch),
// takes each batch through the gate, and only then hands it to bash
// through a pipe, byte for byte. A refused batch never reaches bash and
// nothing after it is read: bash finishes what it already has, and guard
// exits 10 or 20.
//
// Commands in the script that read standard input themselves (cat > file
// followed by data lines) still get those lines, because bash reads the
// same bytes from the pipe; but guard judges them as the shell code bash
// would take them for if nothing consumed them, so data that looks like a
// dangerous command is refused. That is the safe side of a rare case.
//
// prelude is code standing for the state the shell starts in (its
// positional parameters).
func (a *app) stdinScript(args []string, login bool, prelude string) int {
	shell := a.realShell()
	argv0 := filepath.Base(shell)
	if login {
		argv0 = "-" + argv0
	}
	// bash sources $BASH_ENV as it starts, before it reads the script:
	// judged before the shell starts. The rest of what its environment
	// gives it (PS4, tracing, exported functions) stays for every batch.
	env := a.environmentCode()
	functions := exportedFunctions(os.Environ())
	if env != "" {
		wd, _ := os.Getwd()
		o := gateOptions{cwd: wd, from: "stdin", shell: "bash", prelude: prelude}
		o.hook.definitions = functions
		if _, code := a.gate(env, o); code != exitOK {
			return code
		}
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(a.stderr, "guard: not run: cannot make a pipe to the shell: %v\n", err)
		return exitRefused
	}
	cmd := &exec.Cmd{Path: shell, Args: append([]string{argv0}, args...), Stdin: pr, Stdout: os.Stdout, Stderr: os.Stderr, Env: os.Environ()}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(a.stderr, "guard: cannot start %s: %v\n", shell, err)
		return a.rescueShell(args)
	}
	pr.Close()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()

	refused := exitOK
	dir, _ := os.Getwd()
	batches := newBatcher(os.Stdin)
	past := history{start: dir, stdin: true}
	if prelude != "" {
		past.add(prelude)
	}
	if env != "" {
		past.add(env)
	}
	for {
		batch, ok := batches.next()
		if !ok {
			break
		}
		if strings.TrimSpace(batch) != "" {
			o := gateOptions{cwd: past.start, from: "stdin", shell: "bash", prelude: past.prelude()}
			o.hook.definitions = functions
			if _, code := a.gate(batch, o); code != exitOK {
				refused = code
				break
			}
		}
		past.add(batch)
		if _, err := io.WriteString(pw, batch); err != nil {
			break // the shell has exited: it reads no more
		}
	}
	pw.Close()
	err = cmd.Wait()
	signal.Stop(sigs)
	close(sigs)
	if refused != exitOK {
		fmt.Fprintln(a.stderr, "guard: the rest of the script was not run")
		return refused
	}
	if exit, ok := err.(*exec.ExitError); ok {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return exit.ExitCode()
	}
	return exitOK
}

// history is what one shell has been given so far, so that each new part
// is judged in the state the earlier ones leave: the folder (cd /, then rm
// -rf usr in a later batch), variables, functions. Past maxPrelude it
// forgets, and the folder becomes unknown.
type history struct {
	start string // the folder the shell started in
	text  strings.Builder
	// stdin: the shell reads the code on its standard input (selfread.go)
	stdin bool
	host  guard.Host // where the state is looked up; nil: this machine
}

func (h *history) add(code string) {
	if h.text.Len()+len(code) > maxPrelude {
		host := h.host
		if host == nil {
			host = &guard.OSHost{}
		}
		state := guard.StatePrelude(h.text.String()+code, h.start, host, syntax.LangBash, h.stdin)
		h.text.Reset()
		if len(state) > maxPrelude/2 {
			state = forgotten
		}
		h.text.WriteString(state)
		return
	}
	h.text.WriteString(code)
	if !strings.HasSuffix(code, "\n") {
		h.text.WriteByte('\n')
	}
}

func (h *history) prelude() string { return h.text.String() }

// batcher cuts a stream of shell code into batches of complete statements.
type batcher struct {
	chunks  chan []byte
	pending []byte
	eof     bool
	openAt  int  // pending was an open statement when this long
	paused  bool // the input stopped coming at the last read
}

// recheckBelow: an open statement shorter than this is checked again
// whenever the input pauses, so that a program that sends a loop and waits
// for its output is not kept waiting; a longer one only once it doubles.
const recheckBelow = 256 << 10

func newBatcher(r io.Reader) *batcher {
	b := &batcher{chunks: make(chan []byte, 16)}
	go func() {
		defer close(b.chunks)
		for {
			buf := make([]byte, 64<<10)
			n, err := r.Read(buf)
			if n > 0 {
				b.chunks <- buf[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	return b
}

// read waits for input, then gathers what else arrives at once. It reports
// whether the input then paused (nothing more waiting).
func (b *batcher) read() (paused bool) {
	chunk, ok := <-b.chunks
	if !ok {
		b.eof = true
		return true
	}
	b.pending = append(b.pending, chunk...)
	timer := time.NewTimer(gatherWindow)
	defer timer.Stop()
	for len(b.pending) <= guard.MaxLineBytes {
		select {
		case chunk, ok := <-b.chunks:
			if !ok {
				b.eof = true
				return true
			}
			b.pending = append(b.pending, chunk...)
		case <-timer.C:
			return len(b.chunks) == 0
		}
	}
	return false
}

// next returns the next batch of complete statements, with the exact
// bytes that were read; false at the end of the input.
func (b *batcher) next() (string, bool) {
	for {
		if b.eof {
			if len(b.pending) == 0 {
				return "", false
			}
			batch := string(b.pending)
			b.pending = nil
			return batch, true
		}
		// A statement still open (an if, a here-document) waits for more,
		// unless waiting could not help: a real syntax error, or more than
		// guard would judge anyway. An open statement is checked again only
		// once what is pending has doubled, so that one trickled in a few
		// bytes at a time costs linear work, not a parse per read.
		cut := bytes.LastIndexByte(b.pending, '\n') + 1
		if cut > 0 && (cut >= 2*b.openAt || b.paused && b.openAt < recheckBelow) {
			candidate := b.pending[:cut]
			if len(b.pending) > guard.MaxLineBytes || guard.Complete(candidate, syntax.LangBash) {
				batch := string(candidate)
				b.pending = b.pending[cut:]
				b.openAt = 0
				return batch, true
			}
			b.openAt = cut
		}
		b.paused = b.read()
	}
}
