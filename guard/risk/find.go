package risk

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// ErrNotCountable is returned for a find whose expression uses a test
// guard does not evaluate (-mtime, -size, -newer, -regex, …), follows
// symbolic links (-L), or whose words are not known.
var ErrNotCountable = errors.New("find expression not countable")

// CountFind counts what a find command would delete: the entries under
// its start points for which its expression reaches -delete (or -exec
// rm, shred, unlink, rmdir), evaluating -name, -iname, -path, -ipath,
// -type, -empty, -prune, -true, -false, ! ( ) -a -o and , with the
// options -mindepth, -maxdepth, -depth and -xdev, within budget b. The
// start points are resolved in the command's working directory. It reads
// only names and metadata through host, never file contents.
func CountFind(inv *guard.Invocation, host guard.Host, b Budget) (*guard.AtRisk, error) {
	return countFind(inv, host, newMeter(b))
}

func countFind(inv *guard.Invocation, host guard.Host, m *meter) (*guard.AtRisk, error) {
	if inv.Program != "find" || inv.Remote != "" || inv.MoreOperands != "" {
		return nil, fmt.Errorf("%w: not a find run on this host", ErrNotCountable)
	}
	args := make([]string, len(inv.Args))
	for i, a := range inv.Args {
		if !a.Known {
			return nil, fmt.Errorf("%w: %s is not known", ErrNotCountable, a.Text)
		}
		args[i] = a.Value
	}
	q, err := parseFind(args)
	if err != nil {
		return nil, err
	}
	if !q.deletes {
		return nil, fmt.Errorf("%w: it deletes nothing", ErrNotCountable)
	}
	c := &findCounter{counter: newCounter(host, m), q: q}
	var resolved []string
	for _, start := range q.starts {
		p := inv.Path(start)
		if p == "" {
			return nil, fmt.Errorf("%w: the folder %s is taken in is not known", ErrNotCountable, start)
		}
		if q.followStarts || strings.HasSuffix(start, "/") {
			// -H, or a trailing slash, which makes the kernel follow a
			// start point that is a link
			p, _ = guard.ResolvePath(host, p)
		}
		resolved = append(resolved, p)
		c.walk(start, p)
	}
	r := c.result("delete", resolved)
	if len(c.skipped) == 0 && !c.cut {
		r.Why = ""
	}
	r.Why = joinWhy(fmt.Sprintf("find matches %s", describeMatches(r)), r.Why)
	return r, nil
}

func describeMatches(r *guard.AtRisk) string {
	n := guard.Plural(r.Files, "file")
	if r.Dirs > 0 {
		n += " and " + guard.Plural(r.Dirs, "folder")
	}
	if !r.Complete {
		n = "at least " + n
	}
	return n + " in " + strings.Join(r.Paths, ", ")
}

// findCounter walks like find -P: depth first is not needed for counting,
// so it goes breadth first like the tree counter, and evaluates the
// expression on each entry.
type findCounter struct {
	*counter
	q *findQuery
}

// node is one entry as find sees it.
type node struct {
	shown string // the path as find prints it: the start point as given, then names
	path  string // the absolute path on the host
	depth int
	info  fs.FileInfo
}

func (c *findCounter) walk(start, abs string) {
	if !c.m.more() {
		c.cut = true
		return
	}
	info, err := c.host.Lstat(abs)
	if err != nil {
		if !isNotExist(err) {
			c.skipped = append(c.skipped, fmt.Sprintf("%s could not be read (%v)", abs, err))
		}
		return
	}
	c.m.left--
	queue := []node{{shown: start, path: abs, depth: 0, info: info}}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		descend := c.visit(n)
		if !n.info.IsDir() || !descend || (c.q.maxDepth >= 0 && n.depth >= c.q.maxDepth) || c.cut {
			continue
		}
		if n.depth > 0 {
			if mt, ok := c.mounts[n.path]; ok {
				if !c.q.xdev {
					c.skipped = append(c.skipped, fmt.Sprintf("%s is another filesystem (%s %s), which find would enter too: not counted", n.path, mt.FSType, mt.Source))
				}
				continue
			}
		}
		if !c.m.more() {
			c.cut = true // what is listed already is still evaluated
			continue
		}
		entries, complete, err := c.host.ReadDir(n.path, c.m.left)
		if err != nil {
			c.skipped = append(c.skipped, fmt.Sprintf("%s could not be read", n.path))
			continue
		}
		for _, e := range entries {
			c.m.left--
			info, err := e.Info()
			if err != nil {
				continue // gone since the listing
			}
			queue = append(queue, node{shown: joinShown(n.shown, e.Name()), path: filepath.Join(n.path, e.Name()), depth: n.depth + 1, info: info})
		}
		if !complete {
			c.m.exhaust()
			c.cut = true
		}
	}
}

// visit evaluates the expression on one entry, counts it if a deleting
// action ran, and reports whether find would descend into it (-prune).
func (c *findCounter) visit(n node) bool {
	if n.depth < c.q.minDepth {
		return true
	}
	ev := &evaluation{node: n, host: c.host}
	c.q.expr.eval(ev)
	if ev.deleted {
		if n.info.IsDir() {
			c.dirs++
		} else {
			c.entry(n.path, n.info)
		}
	}
	return !ev.pruned || c.q.depthFirst
}

func joinShown(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

// findQuery is a parsed find command line.
type findQuery struct {
	starts       []string
	expr         findExpr
	minDepth     int
	maxDepth     int // -1: no limit
	depthFirst   bool
	xdev         bool
	followStarts bool // -H
	deletes      bool
}

// evaluation is the state of evaluating the expression on one entry.
type evaluation struct {
	node    node
	host    guard.Host
	deleted bool
	pruned  bool
}

// findExpr is a node of a find expression.
type findExpr interface {
	eval(ev *evaluation) bool
}

type (
	andExpr   struct{ l, r findExpr }
	orExpr    struct{ l, r findExpr }
	commaExpr struct{ l, r findExpr }
	notExpr   struct{ x findExpr }
	testExpr  func(ev *evaluation) bool
)

func (e andExpr) eval(ev *evaluation) bool   { return e.l.eval(ev) && e.r.eval(ev) }
func (e orExpr) eval(ev *evaluation) bool    { return e.l.eval(ev) || e.r.eval(ev) }
func (e commaExpr) eval(ev *evaluation) bool { e.l.eval(ev); return e.r.eval(ev) }
func (e notExpr) eval(ev *evaluation) bool   { return !e.x.eval(ev) }
func (t testExpr) eval(ev *evaluation) bool  { return t(ev) }

// findOptions are the find options that take no part in the expression's
// value: they are true and change how the walk goes.
var findOptions = map[string]int{ // option → number of arguments
	"-depth": 0, "-d": 0, "-xdev": 0, "-mount": 0, "-noleaf": 0, "-ignore_readdir_race": 0,
	"-noignore_readdir_race": 0, "-daystart": 0, "-warn": 0, "-nowarn": 0, "-maxdepth": 1, "-mindepth": 1,
}

// deleters are the programs that make -exec a deletion.
var deleters = map[string]bool{"rm": true, "shred": true, "unlink": true, "rmdir": true}

// parseFind reads find's arguments (after the program name).
func parseFind(args []string) (*findQuery, error) {
	q := &findQuery{maxDepth: -1}
	i := 0
	for ; i < len(args); i++ { // leading options
		switch a := args[i]; {
		case a == "-P":
		case a == "-H":
			q.followStarts = true
		case a == "-L":
			return nil, fmt.Errorf("%w: -L follows symbolic links", ErrNotCountable)
		case a == "-D":
			i++
		case strings.HasPrefix(a, "-O"):
		default:
			goto starts
		}
	}
starts:
	for ; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") || a == "(" || a == "!" || a == "," {
			break
		}
		q.starts = append(q.starts, a)
	}
	if len(q.starts) == 0 {
		q.starts = []string{"."}
	}
	p := &findParser{args: args[i:], q: q}
	if len(p.args) == 0 {
		return nil, fmt.Errorf("%w: it deletes nothing", ErrNotCountable)
	}
	expr, err := p.comma()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.args) {
		return nil, fmt.Errorf("%w: unexpected %s", ErrNotCountable, p.args[p.pos])
	}
	q.expr = expr
	return q, nil
}

type findParser struct {
	args []string
	pos  int
	q    *findQuery
}

func (p *findParser) peek() string {
	if p.pos < len(p.args) {
		return p.args[p.pos]
	}
	return ""
}

func (p *findParser) next() string {
	a := p.peek()
	p.pos++
	return a
}

// comma := or { "," or }
func (p *findParser) comma() (findExpr, error) {
	l, err := p.or()
	for err == nil && p.peek() == "," {
		p.next()
		var r findExpr
		if r, err = p.or(); err == nil {
			l = commaExpr{l, r}
		}
	}
	return l, err
}

// or := and { (-o | -or) and }
func (p *findParser) or() (findExpr, error) {
	l, err := p.and()
	for err == nil && (p.peek() == "-o" || p.peek() == "-or") {
		p.next()
		var r findExpr
		if r, err = p.and(); err == nil {
			l = orExpr{l, r}
		}
	}
	return l, err
}

// and := unary { [-a | -and] unary }
func (p *findParser) and() (findExpr, error) {
	l, err := p.unary()
	for err == nil {
		switch p.peek() {
		case "", "-o", "-or", ")", ",":
			return l, nil
		case "-a", "-and":
			p.next()
		}
		var r findExpr
		if r, err = p.unary(); err == nil {
			l = andExpr{l, r}
		}
	}
	return l, err
}

// unary := (! | -not) unary | ( comma ) | primary
func (p *findParser) unary() (findExpr, error) {
	switch p.peek() {
	case "!", "-not":
		p.next()
		x, err := p.unary()
		return notExpr{x}, err
	case "(":
		p.next()
		x, err := p.comma()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("%w: unbalanced (", ErrNotCountable)
		}
		return x, nil
	case "":
		return nil, fmt.Errorf("%w: the expression ends early", ErrNotCountable)
	}
	return p.primary()
}

func (p *findParser) arg(name string) (string, error) {
	if p.pos >= len(p.args) {
		return "", fmt.Errorf("%w: %s needs an argument", ErrNotCountable, name)
	}
	return p.next(), nil
}

func always() testExpr { return func(*evaluation) bool { return true } }

func (p *findParser) primary() (findExpr, error) {
	name := p.next()
	if n, ok := findOptions[name]; ok {
		var value string
		if n == 1 {
			var err error
			if value, err = p.arg(name); err != nil {
				return nil, err
			}
		}
		return always(), p.option(name, value)
	}
	switch name {
	case "-true":
		return always(), nil
	case "-false":
		return testExpr(func(*evaluation) bool { return false }), nil
	case "-name", "-iname", "-path", "-wholename", "-ipath", "-iwholename":
		pat, err := p.arg(name)
		if err != nil {
			return nil, err
		}
		fold := strings.HasPrefix(name, "-i")
		whole := strings.HasSuffix(name, "path") || strings.HasSuffix(name, "wholename")
		if fold {
			pat = strings.ToLower(pat)
		}
		return testExpr(func(ev *evaluation) bool {
			s := ev.node.shown
			if !whole {
				s = baseName(s)
			}
			if fold {
				s = strings.ToLower(s)
			}
			return fnmatch(pat, s)
		}), nil
	case "-type":
		types, err := p.arg(name)
		if err != nil {
			return nil, err
		}
		var modes []fs.FileMode
		for _, t := range strings.Split(types, ",") {
			m, ok := map[string]fs.FileMode{"f": 0, "d": fs.ModeDir, "l": fs.ModeSymlink, "b": fs.ModeDevice,
				"c": fs.ModeDevice | fs.ModeCharDevice, "p": fs.ModeNamedPipe, "s": fs.ModeSocket}[t]
			if !ok {
				return nil, fmt.Errorf("%w: -type %s", ErrNotCountable, types)
			}
			modes = append(modes, m)
		}
		return testExpr(func(ev *evaluation) bool {
			got := ev.node.info.Mode().Type()
			for _, m := range modes {
				if got == m {
					return true
				}
			}
			return false
		}), nil
	case "-empty":
		return testExpr(func(ev *evaluation) bool {
			info := ev.node.info
			if info.IsDir() {
				entries, _, err := ev.host.ReadDir(ev.node.path, 1) // one entry is enough to know
				return err == nil && len(entries) == 0
			}
			return info.Mode().IsRegular() && info.Size() == 0
		}), nil
	case "-prune":
		return testExpr(func(ev *evaluation) bool { ev.pruned = true; return true }), nil
	case "-delete":
		p.q.deletes = true
		p.q.depthFirst = true // -delete implies -depth, where -prune has no effect
		return testExpr(func(ev *evaluation) bool { ev.deleted = true; return true }), nil
	case "-print", "-print0", "-ls":
		return always(), nil
	case "-printf", "-fprint", "-fprint0", "-fls":
		_, err := p.arg(name)
		return always(), err
	case "-exec", "-execdir", "-ok", "-okdir":
		var command []string
		for {
			a, err := p.arg(name)
			if err != nil {
				return nil, err
			}
			if a == ";" || (a == "+" && len(command) > 0 && command[len(command)-1] == "{}") {
				break
			}
			command = append(command, a)
		}
		if len(command) > 0 && deleters[filepath.Base(command[0])] {
			p.q.deletes = true
			// Its value is rm's exit status; counting takes it as success.
			return testExpr(func(ev *evaluation) bool { ev.deleted = true; return true }), nil
		}
		return always(), nil
	}
	return nil, fmt.Errorf("%w: %s is not evaluated", ErrNotCountable, name)
}

func (p *findParser) option(name, value string) error {
	switch name {
	case "-depth", "-d":
		p.q.depthFirst = true
	case "-xdev", "-mount":
		p.q.xdev = true
	case "-maxdepth", "-mindepth":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: %s %s", ErrNotCountable, name, value)
		}
		if name == "-maxdepth" {
			p.q.maxDepth = n
		} else {
			p.q.minDepth = n
		}
	}
	return nil
}

// baseName is find's %f: the last name of the path, trailing slashes
// dropped, "/" for the root.
func baseName(shown string) string {
	trimmed := strings.TrimRight(shown, "/")
	if trimmed == "" {
		return "/"
	}
	return trimmed[strings.LastIndexByte(trimmed, '/')+1:]
}
