package rules

import (
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// What the line itself kept or made before a command destroys it: the
// helpers rules share to read guard.Invocation.RanBefore for a copy
// written to a real file (crontab -l > cron.bak, pg_dump app > app.sql)
// and for a thing the line created (createdb t, lvcreate -n t).

// keptCopy walks the commands that certainly ran before inv, the latest
// first, and returns the first one copies accepts with the real file it
// wrote, as long as no command in between deleted, moved or emptied that
// file. copies returns the file argument the command writes its copy
// to (its output option), or ok false when it is no copy of what inv
// destroys; stdout is used when out is the zero Arg.
func keptCopy(inv *guard.Invocation, copies func(b *guard.Invocation) (out guard.Arg, ok bool)) (b *guard.Invocation, file string) {
	var between []*guard.Invocation
	for b := range inv.SucceededBefore {
		out, ok := copies(b)
		if !ok {
			between = append(between, b)
			continue
		}
		file := realOutput(b, out)
		if file != "" && !slices.ContainsFunc(between, func(c *guard.Invocation) bool { return spoils(c, file) }) {
			return b, file
		}
		between = append(between, b)
	}
	return nil, ""
}

// realOutput is the absolute path of the regular file a command writes
// its copy to: out when given, else its standard output redirected into
// a file. "" for a device (/dev/null, /dev/stdout), a word guard cannot
// know the start of ("$OUT"; app-$(date +%F).sql is a file whatever the
// date), or output left on the terminal.
func realOutput(b *guard.Invocation, out guard.Arg) string {
	if out.Text == "" {
		for _, rd := range b.Redirs {
			if rd.Writes() && (rd.Fd == "" || rd.Fd == "1") && rd.Op != "<>" {
				out = rd.Target
			}
		}
	}
	if out.Glob || out.Value == "" || out.Value == "-" {
		return ""
	}
	if !out.Known && (strings.HasPrefix(out.Text, "$") || strings.HasPrefix(out.Text, "`") || strings.HasPrefix(out.Text, "\"$")) {
		return "" // the whole name may be anything, /dev/null too
	}
	p := b.Path(out.Value)
	if p == "" || strings.HasPrefix(p, "/dev/") || strings.HasPrefix(p, "/proc/") {
		return ""
	}
	return p
}

// spoils: the command deletes, moves away or empties the file.
func spoils(c *guard.Invocation, file string) bool {
	for _, rd := range c.Redirs {
		if rd.Truncates() && rd.Target.Known && c.Path(rd.Target.Value) == file {
			return true
		}
	}
	switch c.Program {
	case "rm", "unlink", "shred", "truncate", "mv":
		for _, a := range c.Args {
			if !a.Known || a.Glob || c.Path(a.Value) == file {
				return true // a pattern or an unknown word may name it
			}
		}
	}
	return false
}
