package preview

import (
	"fmt"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// forCrontab previews crontab -r with crontab -l of the same user.
func forCrontab(inv *guard.Invocation, f guard.Finding) (Preview, bool) {
	args := inv.Values()
	user, removes := "", false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-u" && i+1 < len(args):
			user = args[i+1]
			i++
		case strings.HasPrefix(a, "-u") && len(a) > 2:
			user = a[2:]
		case strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--"):
			removes = removes || strings.Contains(a, "r")
		}
	}
	if !removes {
		return Preview{}, false
	}
	if user == "" && f.Backup != nil {
		user = f.Backup.User
	}
	argv := []string{"crontab", "-l"}
	who := "your crontab"
	if user != "" {
		argv = []string{"crontab", "-u", user, "-l"}
		who = "the crontab of " + user
	}
	dir := inv.Cwd
	if dir == "" {
		dir = "/"
	}
	return Preview{Argv: argv, Dir: dir, digest: func() digest { return &crontabDigest{who: who} }}, true
}

// crontabDigest counts the entries of a crontab: lines that are neither
// blank, comments nor VAR=value settings.
type crontabDigest struct {
	who     string
	entries int
	names   sample
}

func (d *crontabDigest) line(s string) {
	t := strings.TrimSpace(s)
	if t == "" || strings.HasPrefix(t, "#") || isSetting(t) {
		return
	}
	d.entries++
	d.names.add(t)
}

func isSetting(line string) bool {
	name, _, ok := strings.Cut(line, "=")
	return ok && !strings.ContainsAny(strings.TrimSpace(name), " \t*@")
}

func (d *crontabDigest) summary(done bool) string {
	if d.entries == 0 && done {
		return fmt.Sprintf("crontab -l: %s has no entries", d.who)
	}
	return fmt.Sprintf("crontab -l: %s has %s%s that crontab -r would delete%s", d.who, atLeast(done), guard.Plural(int64(d.entries), "entry"), examples(d.names, d.entries))
}

func (d *crontabDigest) explain(err error) (string, bool) {
	if strings.Contains(err.Error(), "no crontab for") {
		return fmt.Sprintf("crontab -l: %s does not exist: crontab -r would delete nothing", d.who), true
	}
	return "", false
}
