package gate

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/snapshot"
)

// Question is what a person is asked before a line that needs confirming.
type Question struct {
	Line string
	// Findings are the ones to confirm.
	Findings []guard.Finding
	// Word is what must be typed to confirm: yes, or a host name.
	Word string
	// Snapshot was taken first, nil if none.
	Snapshot *snapshot.Manifest
	// Unrecoverable says why what the line destroys could not be saved.
	Unrecoverable []string
	// Previews are the tools' own dry runs: what rsync would delete, the
	// work git would lose, the entries of a crontab.
	Previews []string
}

// Answer is what came back.
type Answer int

const (
	// Declined: anything but the word, Ctrl-C, end of input, a hang-up.
	Declined Answer = iota
	// Confirmed: the word was typed.
	Confirmed
	// Deferred: the question went to someone guard cannot hear from (a
	// coding agent asks its user); the agent runs the line only on yes.
	Deferred
)

// Asker puts a question to a person.
type Asker interface {
	// Ready says why nobody can be asked; nil when somebody can. It is
	// called before a snapshot is spent on a question nobody can answer.
	Ready() error
	// Ask asks, and waits as long as the person takes: only guard's own
	// judging is bounded in time, never a human.
	Ask(Question) Answer
}

// ErrNoTerminal: there is no terminal to ask on.
var ErrNoTerminal = errors.New("there is no terminal to ask on")

// Nobody is the asker where there is no one: a refusal, with the way past.
type Nobody struct{ Why error }

func (n Nobody) Ready() error {
	if n.Why != nil {
		return n.Why
	}
	return ErrNoTerminal
}

func (Nobody) Ask(Question) Answer { return Declined }

// Terminal asks on the controlling terminal, /dev/tty: never on standard
// input, which belongs to the command (a script, a pipe).
type Terminal struct {
	// Path is the terminal to open; "" means /dev/tty.
	Path string
}

func (t Terminal) path() string {
	if t.Path == "" {
		return "/dev/tty"
	}
	return t.Path
}

func (t Terminal) Ready() error {
	f, err := os.OpenFile(t.path(), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrNoTerminal, errors.Unwrap(err))
	}
	f.Close()
	return nil
}

// Ask prints the question on the terminal and reads one line. Text typed
// before the question appeared is thrown away, so that type-ahead is not
// taken as the answer. Ctrl-C, Ctrl-\, Ctrl-Z, end of input and a hang-up
// all mean no.
func (t Terminal) Ask(q Question) Answer {
	tty, err := os.OpenFile(t.path(), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return Declined
	}
	defer tty.Close()
	fd := int(tty.Fd())
	if saved, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		// The shell's line editor may have left the terminal raw: ask in
		// its normal line mode, with signals, and put it back after.
		cooked := *saved
		cooked.Lflag |= unix.ICANON | unix.ECHO | unix.ISIG
		cooked.Iflag |= unix.ICRNL
		_ = unix.IoctlSetTermios(fd, unix.TCSETS, &cooked)
		defer unix.IoctlSetTermios(fd, unix.TCSETS, saved)
	}
	// Interrupts while asking mean no; they must not kill guard half-way.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTSTP, syscall.SIGHUP, syscall.SIGTERM)
	defer signal.Stop(sigs)

	_ = unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH) // type-ahead is not an answer
	fmt.Fprint(tty, prompt(q))
	answers := make(chan string, 1)
	go func() {
		line, err := bufio.NewReader(tty).ReadString('\n')
		if err != nil {
			answers <- "" // end of input: no
			return
		}
		answers <- strings.TrimSpace(line)
	}()
	select {
	case a := <-answers:
		if a == q.Word {
			return Confirmed
		}
		fmt.Fprintln(tty, "guard: not confirmed")
		return Declined
	case <-sigs:
		fmt.Fprintln(tty, "\nguard: interrupted: not confirmed")
		return Declined
	}
}

// prompt is the question as printed: what is at stake, then what to type.
func prompt(q Question) string {
	var b strings.Builder
	for _, p := range q.Previews {
		fmt.Fprintf(&b, "guard: dry run: %s\n", guard.Shown(p))
	}
	if len(q.Unrecoverable) > 0 {
		fmt.Fprintf(&b, "guard: NO snapshot can be taken: %s. If this goes wrong it cannot be undone.\n", guard.Shown(strings.Join(q.Unrecoverable, "; ")))
	}
	if q.Word == "yes" {
		b.WriteString("guard: type yes to run it, anything else to cancel: ")
	} else {
		fmt.Fprintf(&b, "guard: type the host name (%s) to run it, anything else to cancel: ", guard.Shown(q.Word))
	}
	return b.String()
}
