package preview

import (
	"fmt"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// forCrontab previews what a crontab command would delete with crontab -l
// of the same user: the user the finding's backup names (the rule has
// read -u and sudo -u), else the command's own -u or sudo -u.
func forCrontab(inv *guard.Invocation, f guard.Finding) (Preview, bool) {
	p := guard.ParseOptions(inv.Args, guard.OptSpec{ShortValue: "us"})
	user := inv.User
	if u, ok := p.Value("u"); ok {
		user = u.Value
	}
	switch {
	case f.Backup != nil && f.Backup.Kind == guard.BackupCrontab:
		user = f.Backup.User
	case !p.Has("r"):
		return Preview{}, false
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
