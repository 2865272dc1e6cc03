// Package preview runs a tool's own dry run before guard asks, so that
// the question comes with the tool's answer to "what would you do":
// rsync --dry-run --itemize-changes counts what it would delete and
// overwrite, git clean --dry-run and git status name the work that would
// be lost, crontab -l counts the entries crontab -r would delete.
//
// A preview never runs the destructive form. Its command line is built
// from the resolved invocation by keeping only options known to be
// harmless, removing the destructive ones and adding the tool's dry-run
// flag; anything unknown means no preview. It reads nothing from
// standard input, runs with a timeout, and its failure or absence never
// decides anything: the caller shows the summary if there is one.
//
// Previews belong before a prompt (guard run, the shell hooks), never in
// guard check, which runs nothing.
package preview

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/gitsafe"
)

// DefaultTimeout bounds a dry run.
const DefaultTimeout = 3 * time.Second

// Runner runs a read-only program in dir and streams its standard output.
type Runner interface {
	Run(ctx context.Context, dir string, argv []string, stdout io.Writer) error
}

// Preview is one dry run, ready to start.
type Preview struct {
	// Argv is exactly what runs, program first.
	Argv []string
	// Dir is the folder it runs in.
	Dir string
	// Runner runs it; nil means ExecRunner.
	Runner Runner
	// Timeout bounds it; zero means DefaultTimeout.
	Timeout time.Duration
	// digest reads its output, line by line.
	digest func() digest
}

// digest reads a dry run's output and sums it up. done is false when the
// run was cut short, so that counts are said to be lower bounds.
type digest interface {
	line(s string)
	summary(done bool) string
}

// explainer is a digest that reads some failures as an answer: crontab -l
// fails when there is no crontab, which is worth saying.
type explainer interface {
	explain(err error) (string, bool)
}

// For returns the dry run of the command a finding is about, when its
// tool has one and the command line is understood well enough to build
// it safely.
func For(inv *guard.Invocation, f guard.Finding) (Preview, bool) {
	if inv == nil || inv.Remote != "" || inv.Unguarded {
		return Preview{}, false // nothing runs here, or nothing is checked
	}
	for _, a := range inv.Args {
		if !a.Known {
			return Preview{}, false // the dry run could differ from the real run
		}
	}
	switch inv.Program {
	case "rsync":
		return forRsync(inv)
	case "git":
		return forGit(inv, f)
	case "crontab":
		return forCrontab(inv, f)
	}
	return Preview{}, false
}

// Command is the dry run's command line, for display.
func (p Preview) Command() string {
	return strings.Join(p.Argv, " ")
}

// ErrTimeout is returned with a partial summary when the dry run did not
// finish in time.
var ErrTimeout = errors.New("the dry run did not finish in time")

// Run runs the dry run and sums up what it says the command would do. A
// summary may come with an error: when the dry run timed out, the counts
// so far are given as lower bounds along with ErrTimeout.
func (p Preview) Run(ctx context.Context) (string, error) {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	runner := p.Runner
	if runner == nil {
		runner = ExecRunner{}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := p.digest()
	lines := &lineWriter{line: d.line}
	err := runner.Run(ctx, p.Dir, p.Argv, lines)
	lines.flush()
	switch {
	case ctx.Err() != nil:
		return d.summary(false), fmt.Errorf("%s: %w (%v)", p.Argv[0], ErrTimeout, timeout)
	case err != nil:
		if e, ok := d.(explainer); ok {
			if s, ok := e.explain(err); ok {
				return s, nil
			}
		}
		return "", err
	}
	return d.summary(true), nil
}

// lineWriter splits a stream into lines, keeping at most maxLine bytes of
// each, so that a dry run's output costs bounded memory however long.
type lineWriter struct {
	line    func(string)
	partial []byte
}

const maxLine = 64 << 10

func (w *lineWriter) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			w.keep(b)
			break
		}
		w.keep(b[:i])
		w.line(string(w.partial))
		w.partial = w.partial[:0]
		b = b[i+1:]
	}
	return n, nil
}

func (w *lineWriter) keep(b []byte) {
	if room := maxLine - len(w.partial); room > 0 {
		w.partial = append(w.partial, b[:min(len(b), room)]...)
	}
}

func (w *lineWriter) flush() {
	if len(w.partial) > 0 {
		w.line(string(w.partial))
		w.partial = w.partial[:0]
	}
}

// ExecRunner runs real programs: standard input empty, the C locale (the
// output is parsed), git told not to take optional locks nor prompt, the
// whole process group killed at the deadline (a local rsync forks).
type ExecRunner struct{}

func (ExecRunner) Run(ctx context.Context, dir string, argv []string, stdout io.Writer) error {
	if argv[0] == "git" {
		argv = append(append([]string{"git"}, gitsafe.Args(dir)...), argv[1:]...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout = stdout
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, left: 4 << 10}
	cmd.Env = append(os.Environ(), "LC_ALL=C", "GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 200 * time.Millisecond
	err := cmd.Run()
	if err != nil && ctx.Err() == nil {
		msg := strings.TrimSpace(firstLine(stderr.String()))
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("%s: %s", argv[0], msg)
	}
	return err
}

type limitedBuffer struct {
	buf  *bytes.Buffer
	left int
}

func (l *limitedBuffer) Write(b []byte) (int, error) {
	if l.left > 0 {
		n := min(len(b), l.left)
		l.buf.Write(b[:n])
		l.left -= n
	}
	return len(b), nil
}

func firstLine(s string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			return t
		}
	}
	return ""
}

// examples renders the names a sample kept, with … when total says there
// are more.
func examples(names []string, total int) string {
	if len(names) == 0 {
		return ""
	}
	s := strings.Join(names, ", ")
	if total > len(names) {
		s += ", …"
	}
	return " (e.g. " + s + ")"
}

// sample keeps the first few names met.
type sample []string

func (s *sample) add(name string) {
	if len(*s) < 3 {
		*s = append(*s, name)
	}
}

func atLeast(done bool) string {
	if done {
		return ""
	}
	return "at least "
}

// andList joins "a", "b, c" as "a, b and c".
func andList(parts []string) string {
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// Summaries runs the dry runs of a verdict's findings that have one, one
// after another (each within its timeout, all within ctx), and returns
// what to show before the prompt: each summary, or why there is none. A
// command met by several findings is run once.
func Summaries(ctx context.Context, v *guard.Verdict, runner Runner) []string {
	var out []string
	seen := map[string]bool{}
	for i := range v.Findings {
		f := v.Findings[i]
		p, ok := For(v.InvocationOf(&f), f)
		if !ok || seen[p.Command()] || ctx.Err() != nil {
			continue
		}
		seen[p.Command()] = true
		p.Runner = runner
		summary, err := p.Run(ctx)
		switch {
		case err != nil && summary != "":
			out = append(out, summary+" ("+err.Error()+")")
		case err != nil:
			out = append(out, fmt.Sprintf("no dry run: %v", err))
		default:
			out = append(out, summary)
		}
	}
	return out
}
