package preview_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/preview"
)

// resolve reads line as typed in cwd, as the engine does.
func resolve(t *testing.T, line, cwd string) *guard.Invocation {
	t.Helper()
	invs, _, _ := guard.Resolve(line, cwd, &guard.OSHost{}, syntax.LangBash)
	// the line's last command, not the one rsync -e CMD runs
	for i := len(invs) - 1; i >= 0; i-- {
		if via := invs[i].Via; len(via) == 0 || !strings.HasPrefix(via[len(via)-1], "rsync -") {
			return invs[i]
		}
	}
	t.Fatalf("%s: nothing resolved", line)
	return nil
}

// state describes a tree: every path with its mode, size, content and
// modification time, to prove a preview changed nothing.
func state(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := os.Lstat(p)
		data := ""
		if info.Mode().IsRegular() {
			raw, _ := os.ReadFile(p)
			data = string(raw)
		}
		fmt.Fprintf(&b, "%s %v %d %q %d\n", p, info.Mode(), info.Size(), data, info.ModTime().UnixNano())
		return nil
	})
	return b.String()
}

func write(t *testing.T, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func need(t *testing.T, program string) {
	t.Helper()
	if _, err := exec.LookPath(program); err != nil {
		t.Fatalf("%s is not installed: .ci/run installs it", program)
	}
}

func run(t *testing.T, p preview.Preview) string {
	t.Helper()
	summary, err := p.Run(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", p.Command(), err)
	}
	return summary
}

// TestRsyncPreviewLeavesTheDestinationUntouched: the real rsync, asked
// with --delete, counts what it would delete and overwrite, and changes
// nothing on either side.
func TestRsyncPreviewLeavesTheDestinationUntouched(t *testing.T) {
	need(t, "rsync")
	dir := t.TempDir()
	write(t, dir+"/src/keep.conf", "new content\n")
	write(t, dir+"/src/added.conf", "added\n")
	write(t, dir+"/dst/keep.conf", "older content\n") // another size: rsync's quick check sees it
	write(t, dir+"/dst/extra1", "only in dst\n")
	write(t, dir+"/dst/sub/extra2", "only in dst\n")
	before := state(t, dir)
	for _, line := range []string{
		"rsync -a --delete src/ dst/",
		"rsync -avP --delete --remove-source-files --log-file=" + dir + "/log src/ dst/",
		"rsync -rlt --del --info=progress2 -e 'ssh -p 2222' src/ dst/",
	} {
		p, ok := preview.For(resolve(t, line, dir), guard.Finding{})
		if !ok {
			t.Fatalf("%s: no preview", line)
		}
		if !slices.Contains(p.Argv, "--dry-run") {
			t.Fatalf("%s: the preview %q has no --dry-run", line, p.Command())
		}
		for _, bad := range []string{"--remove-source-files", "--log-file", "-e", "-avP"} {
			if slices.ContainsFunc(p.Argv, func(a string) bool { return strings.HasPrefix(a, bad) }) {
				t.Errorf("%s: the preview %q keeps %s", line, p.Command(), bad)
			}
		}
		summary := run(t, p)
		const want = "rsync --dry-run: in " // then dst/, the counts, examples
		if !strings.HasPrefix(summary, want) || !strings.Contains(summary, "delete 3 files") || !strings.Contains(summary, "overwrite 1 file (e.g. keep.conf)") || !strings.Contains(summary, "create 1 file") {
			t.Errorf("%s: summary %q", line, summary)
		}
		if after := state(t, dir); after != before {
			t.Fatalf("%s: the preview changed the trees:\nbefore\n%s\nafter\n%s", line, before, after)
		}
	}
	if _, err := os.Stat(dir + "/log"); err == nil {
		t.Error("the preview wrote rsync's log file")
	}
	// Nothing at risk says so.
	p, _ := preview.For(resolve(t, "rsync -a src/ fresh/", dir), guard.Finding{})
	if s := run(t, p); !strings.Contains(s, "nothing in "+dir+"/fresh/ would be deleted or overwritten (3 files new)") {
		t.Errorf("into a new folder: %q", s)
	}
}

func TestRsyncNoPreview(t *testing.T) {
	for _, line := range []string{
		"rsync -a --delete src/ host:dst/",      // remote: a dry run would log in
		"rsync -a src/ rsync://mirror/module/",  // a daemon
		"rsync -a --files-from=- src/ dst/",     // reads standard input
		"rsync -a --read-batch=b dst/",          // applies a batch
		"rsync -a --frobnicate src/ dst/",       // unknown to the table
		"rsync -aZ src/ dst/",                   // unknown letter
		"rsync --daemon",                        // no transfer
		"rsync -a src/",                         // lists only
		"rsync -a --delete=yes src/ dst/",       // a value where none goes
		"rsync -a \"$SRC\" dst/",                // not known
		"rsync -a --filter='merge -' src/ dst/", // filter rules from standard input
	} {
		if p, ok := preview.For(resolve(t, line, "/tmp"), guard.Finding{}); ok {
			t.Errorf("%s: want no preview, got %q", line, p.Command())
		}
	}
	inv := resolve(t, "rsync -a src/ dst/", "/tmp")
	inv.Remote = "db1"
	if _, ok := preview.For(inv, guard.Finding{}); ok {
		t.Error("a command sent to another host has no local preview")
	}
}

func TestRsyncArgv(t *testing.T) {
	for line, want := range map[string]string{
		"rsync -avz --delete src/ /srv/www/":                      "rsync --dry-run --itemize-changes --stats -az --delete -- src/ /srv/www/",
		"rsync -a --no-D --exclude '*.tmp' --exclude=.git a b":    "rsync --dry-run --itemize-changes --stats -a --no-D --exclude=*.tmp --exclude=.git -- a b",
		"rsync -aHAX -f'- *.o' --backup-dir /b -- -weird/ dst":    "rsync --dry-run --itemize-changes --stats -aHAX -f - *.o --backup-dir=/b -- -weird/ dst",
		"rsync -n -i -q --stats -h a/ b/":                         "rsync --dry-run --itemize-changes --stats -- a/ b/",
		"rsync -a --bwlimit 100 --timeout=10 -T /tmp/x a/ b/":     "rsync --dry-run --itemize-changes --stats -a --timeout=10 -T /tmp/x -- a/ b/",
		"sudo rsync -a --delete-after --max-delete=5 /etc/ /mnt/": "rsync --dry-run --itemize-changes --stats -a --delete-after --max-delete=5 -- /etc/ /mnt/",
	} {
		p, ok := preview.For(resolve(t, line, "/tmp"), guard.Finding{})
		if !ok || p.Command() != want {
			t.Errorf("%s:\n got  %q (%v)\n want %q", line, p.Command(), ok, want)
		}
	}
}

// git runs git in dir with a fixed identity.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func gitRepo(t *testing.T) string {
	t.Helper()
	need(t, "git")
	repo := t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	write(t, repo+"/tracked.txt", "v1\n")
	write(t, repo+"/other.txt", "v1\n")
	write(t, repo+"/.gitignore", "*.log\n")
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-qm", "v1")
	write(t, repo+"/tracked.txt", "v2 stashed\n")
	git(t, repo, "stash", "push", "-q")
	write(t, repo+"/tracked.txt", "v3 uncommitted\n")
	write(t, repo+"/other.txt", "v3 uncommitted\n")
	write(t, repo+"/new/dir/untracked.txt", "untracked\n")
	write(t, repo+"/loose.txt", "untracked\n")
	write(t, repo+"/debug.log", "ignored\n")
	return repo
}

// TestGitPreviewsLeaveTheWorkTree: git clean -fdx previewed with git
// clean --dry-run leaves every untracked and ignored file in place.
func TestGitPreviewsLeaveTheWorkTree(t *testing.T) {
	repo := gitRepo(t)
	backup := guard.Finding{Backup: &guard.Backup{Kind: guard.BackupGit, Dir: repo}}
	before := state(t, repo)
	stashes := git(t, repo, "stash", "list")
	for line, want := range map[string]string{
		"git clean -fdx":                "git clean --dry-run: would delete 2 untracked files and 1 untracked folder in " + repo,
		"git clean -f":                  "would delete 1 untracked file in " + repo + " (e.g. loose.txt)",
		"git clean -ffd -e loose.txt":   "would delete 1 untracked folder in " + repo + " (e.g. new/)",
		"git -C " + repo + " clean -fX": "would delete 1 untracked file in " + repo + " (e.g. debug.log)",
		"git reset --hard":              "git status: 2 tracked files in " + repo + " with uncommitted changes that would be lost (e.g. other.txt, tracked.txt)",
		"git checkout -- other.txt":     "git status: 1 tracked file in " + repo + " with uncommitted changes that would be lost (e.g. other.txt)",
		"git restore .":                 "git status: 2 tracked files",
		"git stash clear":               "git stash list: would delete 1 stash entry (e.g. stash@{0}: WIP on main",
		"git stash drop":                "git stash list: would delete stash@{0}: WIP on main",
	} {
		p, ok := preview.For(resolve(t, line, repo), backup)
		if !ok {
			t.Errorf("%s: no preview", line)
			continue
		}
		if slices.Contains(p.Argv, "-f") || slices.Contains(p.Argv, "--hard") || slices.Contains(p.Argv, "clear") {
			t.Errorf("%s: the preview %q keeps a destructive word", line, p.Command())
		}
		if got := run(t, p); !strings.Contains(got, want) {
			t.Errorf("%s:\n got  %q\n want %q", line, got, want)
		}
	}
	if after := state(t, repo); after != before {
		t.Fatalf("a preview changed the work tree")
	}
	if git(t, repo, "stash", "list") != stashes {
		t.Fatal("a preview changed the stash")
	}
	for _, line := range []string{"git -c core.pager=evil clean -fd", "git clean -fi", "git clean --frob", "git push --force", "git stash pop"} {
		if p, ok := preview.For(resolve(t, line, repo), backup); ok {
			t.Errorf("%s: want no preview, got %q", line, p.Command())
		}
	}
}

// TestCrontabPreview counts a real crontab of the test user, which .ci/run
// creates; it is left as it was.
func TestCrontabPreview(t *testing.T) {
	const user = "guardtest"
	need(t, "crontab")
	if os.Geteuid() != 0 {
		t.Skip("crontab -u needs root; CI runs as root")
	}
	if _, err := exec.Command("id", user).Output(); err != nil {
		t.Skipf("user %s is missing: .ci/run creates it", user)
	}
	spec := filepath.Join(t.TempDir(), "cron")
	write(t, spec, "# guard preview test\nMAILTO=root\n17 3 * * * /usr/bin/true backup\n@reboot /usr/bin/true boot\n")
	if out, err := exec.Command("crontab", "-u", user, spec).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("crontab", "-u", user, "-r").Run() })
	p, ok := preview.For(resolve(t, "crontab -u guardtest -r", "/"), guard.Finding{})
	if !ok || strings.Contains(p.Command(), "-r") {
		t.Fatalf("preview %q %v", p.Command(), ok)
	}
	want := "crontab -l: the crontab of guardtest has 2 entries that crontab -r would delete (e.g. 17 3 * * * /usr/bin/true backup, @reboot /usr/bin/true boot)"
	if got := run(t, p); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if out, _ := exec.Command("crontab", "-u", user, "-l").Output(); !strings.Contains(string(out), "backup") {
		t.Fatal("the preview changed the crontab")
	}
	for _, line := range []string{"sudo -u guardtest crontab -r", "crontab -ru guardtest"} {
		p, ok := preview.For(resolve(t, line, "/"), guard.Finding{})
		if got, _ := p.Run(context.Background()); !ok || got != want {
			t.Errorf("%s: %q", line, got)
		}
	}
	// crontab /dev/null replaces it with nothing: the rule's backup names
	// whose crontab is at risk.
	backup := guard.Finding{Backup: &guard.Backup{Kind: guard.BackupCrontab, User: user}}
	if p, ok := preview.For(resolve(t, "crontab -u guardtest /dev/null", "/"), backup); !ok || run(t, p) != want {
		t.Errorf("crontab /dev/null: %q %v", p.Command(), ok)
	}
	if p, ok := preview.For(resolve(t, "crontab -l", "/"), guard.Finding{}); ok {
		t.Errorf("crontab -l deletes nothing: %q", p.Command())
	}
	exec.Command("crontab", "-u", user, "-r").Run()
	if got := run(t, p); got != "crontab -l: the crontab of guardtest does not exist: crontab -r would delete nothing" {
		t.Errorf("no crontab: %q", got)
	}
}

// slowRunner prints some itemized lines, then waits for the deadline, as
// an rsync over a huge tree would.
type slowRunner struct{}

func (slowRunner) Run(ctx context.Context, dir string, argv []string, stdout io.Writer) error {
	io.WriteString(stdout, "*deleting   a\n*deleting   b\n>f.st...... c\n")
	<-ctx.Done()
	return ctx.Err()
}

func TestPreviewTimesOutWithALowerBound(t *testing.T) {
	p, _ := preview.For(resolve(t, "rsync -a --delete src/ dst/", "/tmp"), guard.Finding{})
	p.Runner = slowRunner{}
	p.Timeout = 50 * time.Millisecond
	summary, err := p.Run(context.Background())
	if !errors.Is(err, preview.ErrTimeout) {
		t.Fatalf("want ErrTimeout, got %v", err)
	}
	if !strings.Contains(summary, "delete at least 2 files (e.g. a, b)") || !strings.Contains(summary, "overwrite at least 1 file") {
		t.Errorf("partial summary: %q", summary)
	}
}

// TestExecRunnerKillsTheProcessGroup: a dry run that outlives its
// timeout is ended with everything it started.
func TestExecRunnerKillsTheProcessGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := preview.ExecRunner{}.Run(ctx, "/", []string{"sh", "-c", "sleep 30 & sleep 30"}, io.Discard)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
	if out, _ := exec.Command("pgrep", "-f", "^sleep 30$").Output(); len(out) > 0 {
		t.Errorf("left running: %s", out)
	}
	missing := preview.ExecRunner{}.Run(context.Background(), "/", []string{"no-such-program-guard"}, io.Discard)
	if missing == nil {
		t.Error("a missing program must be an error, never a hang")
	}
}

// TestSummaries: what the gate shows before its prompt, from a verdict as
// the engine returns it: one line per command with a dry run.
func TestSummaries(t *testing.T) {
	need(t, "rsync")
	dir := t.TempDir()
	write(t, dir+"/src/a", "a")
	write(t, dir+"/dst/old", "old")
	line := "rsync -a --delete src/ dst/ && crontab -l && rsync -a --delete src/ dst/"
	invs, _, _ := guard.Resolve(line, dir, &guard.OSHost{}, syntax.LangBash)
	v := &guard.Verdict{Invocations: invs, Findings: []guard.Finding{
		{Rule: "copy-into-system", Command: invs[0].Text},
		{Rule: "other", Command: invs[0].Text},
		{Rule: "third", Command: "echo unrelated"},
	}}
	got := preview.Summaries(context.Background(), v, nil)
	want := []string{"rsync --dry-run: in " + dir + "/dst/ it would delete 1 file (e.g. old) and create 1 file"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if _, err := os.Stat(dir + "/dst/old"); err != nil {
		t.Fatal("the preview deleted old")
	}
	v.Findings[0].Command, v.Findings[1].Command = "nothing", "nothing"
	if got := preview.Summaries(context.Background(), v, nil); len(got) != 0 {
		t.Errorf("no command, no dry run: %q", got)
	}
}
