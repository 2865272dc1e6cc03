package guard

import (
	"strconv"
	"strings"

	"github.com/guard-sh/guard/guard/lazyre"
)

// Values an interpreter's code is known to hold, so that a call given a
// name instead of a string literal is judged as well: the arguments the
// line gives the code (python3 -c '…sys.argv[1]…' /etc, perl -e
// 'rmtree(shift)' /etc), and names assigned once, to a string or a list
// of strings (c = "rm -rf /etc"; os.system(c)). A name assigned more than
// once, or in a loop, is left unknown: which value a call sees would take
// running the code to tell.

// codeValue is what a name or an expression holds: a string, or a list.
type codeValue struct {
	text   string
	list   []string
	isList bool
	glob   bool // text is a pattern: a loop's variable over glob("/x/*")
}

// maxCodeValues bounds the names read in one piece of code.
const maxCodeValues = 64

var (
	// an assignment: NAME = …, my $x = …, const x = …, local x = …
	codeAssign = lazyre.New(`(?m)(?:^|[;{(\s])(?:(?:my|our|local|const|let|var)\s+)?([$@]?[A-Za-z_]\w*)\s*=([^=~>][^;\n]*)`)
	// perl's my ($a, $b) = @ARGV;
	perlListFromArgv = lazyre.New(`\(\s*(\$\w+(?:\s*,\s*\$\w+)*)\s*\)\s*=\s*@ARGV\b`)
	// perl's bare shift, which takes @ARGV's next word outside a sub
	perlShift = lazyre.New(`\bshift\b(?:\s*\(\s*\))?(?:\s*\(?\s*@ARGV\s*\)?)?`)
	loopVar   = lazyre.New(`\b(?:for|foreach)\s+(?:my\s+)?([$@]?[A-Za-z_]\w*)`)
	// a loop over the matches of a pattern: python's for f in
	// glob.glob("/x/*"), perl's for my $f (glob "/x/*"), ruby's
	// Dir.glob("/x/*").each { |f| … } and Dir["/x/*"].each do |f|
	globLoops = []*lazyre.Regexp{
		lazyre.New(`\bfor\s+(\w+)\s+in\s+(?:glob\.i?glob|glob)\(\s*r?["']([^"']+)["']`),
		lazyre.New(`\bfor(?:each)?\s*(?:my\s+)?(\$\w+)\s*\(\s*glob\s*\(?\s*["']([^"']+)["']`),
		lazyre.New(`\bDir(?:\.glob\(|\[)\s*["']([^"']+)["']\s*[)\]]\s*\.each\s*(?:do\s*|\{\s*)\|(\w+)\|`),
	}
	// php's foreach (glob("/x/*") as $f), the pattern before the name
	// as in ruby's
	phpGlobLoop = lazyre.New(`\bforeach\s*\(\s*glob\s*\(\s*["']([^"']+)["']\s*(?:,[^)]*)?\)\s*as\s+(?:\$\w+\s*=>\s*)?(\$\w+)`)
)

// argvNames are how each language names the arguments after its code:
// the expression for the first one, and what it is for the list.
var argvNames = map[string]struct {
	element string // "sys.argv[%d]": the prefix before the index
	first   int    // the index of the first argument
	list    []string
}{
	"python": {element: "sys.argv[", first: 1, list: []string{"sys.argv[1:]"}},
	"perl":   {element: "$ARGV[", first: 0, list: []string{"@ARGV"}},
	"ruby":   {element: "ARGV[", first: 0, list: []string{"ARGV"}},
	"php":    {element: "$argv[", first: 1},
	"lua":    {element: "arg[", first: 1},
}

// codeValues finds the values the code is known to hold. args are the
// arguments the line gives it, as far as they are known; fromLine tells
// code written on the line (-c, -e), where node's first argument is
// process.argv[1] (a script's is process.argv[2]) and perl's bare shift
// is @ARGV's.
func codeValues(code string, lang language, args []string, fromLine bool) map[string]codeValue {
	values := map[string]codeValue{}
	names, ok := argvNames[lang.name]
	if lang.name == "node" {
		first := 2
		if fromLine {
			first = 1
		}
		names.element, names.first, ok = "process.argv[", first, true
	}
	if ok && len(args) > 0 {
		for i, a := range args {
			values[names.element+strconv.Itoa(i+names.first)+"]"] = codeValue{text: a}
			if lang.name != "lua" && lang.name != "php" && lang.name != "node" {
				values[names.element+strconv.Itoa(i-len(args))+"]"] = codeValue{text: a} // sys.argv[-1]
			}
		}
		if lang.name == "python" {
			values["argv["+strconv.Itoa(1)+"]"] = codeValue{text: args[0]} // from sys import argv
		}
		for _, l := range names.list {
			values[l] = codeValue{list: args, isList: true}
		}
		if lang.name == "node" {
			// process.argv.slice(2): the arguments from that index on
			for k := range len(args) + 1 {
				values["process.argv.slice("+strconv.Itoa(k+names.first)+")"] = codeValue{list: args[k:], isList: true}
			}
		}
		if lang.name == "perl" {
			for _, m := range perlListFromArgv.FindAllStringSubmatch(code, 8) {
				for i, name := range strings.Split(m[1], ",") {
					if i < len(args) {
						values[strings.TrimSpace(name)] = codeValue{text: args[i]}
					}
				}
			}
		}
	}
	if lang.name == "perl" && fromLine && !strings.Contains(code, "sub ") {
		for i := range perlShift.FindAllStringIndex(code, len(args)) {
			if i < len(args) {
				values["shift#"+strconv.Itoa(i)] = codeValue{text: args[i]}
			}
		}
	}
	assigned := map[string]int{}
	for _, m := range loopVar.FindAllStringSubmatch(code, maxCodeValues) {
		assigned[m[1]] += 2 // a loop's variable holds each value in turn
	}
	var found [][]string
	for _, m := range codeAssign.FindAllStringSubmatch(code, maxCodeValues) {
		assigned[m[1]]++
		found = append(found, m)
	}
	lv := lang
	lv.bound = values
	for _, m := range found {
		name, expr := m[1], strings.TrimSpace(m[2])
		if assigned[name] != 1 || len(values) >= maxCodeValues {
			continue
		}
		if v, ok := values[expr]; ok {
			values[name] = v
			continue
		}
		if strings.HasPrefix(expr, "[") || strings.HasPrefix(expr, "(") && strings.HasPrefix(name, "@") {
			if end := matchingClose(expr, 1, expr[0]); end > 0 {
				var list []string
				for _, el := range splitTopLevel(expr[1:end]) {
					a := callArg{pieces: stringPieces(el, lv)}
					if !a.literal() {
						list = nil
						break
					}
					list = append(list, a.text())
				}
				if list != nil {
					values[name] = codeValue{list: list, isList: true}
				}
			}
			continue
		}
		if a := (callArg{pieces: stringPieces(strings.TrimSuffix(expr, ";"), lv)}); a.literal() {
			values[name] = codeValue{text: a.text()}
		}
	}
	for i, re := range globLoops {
		for _, m := range re.FindAllStringSubmatch(code, 8) {
			name, pattern := m[1], m[2]
			if i == 2 {
				name, pattern = m[2], m[1] // ruby names the variable after the pattern
			}
			values[name] = codeValue{text: pattern, glob: true}
		}
	}
	for _, m := range phpGlobLoop.FindAllStringSubmatch(code, 8) {
		values[m[2]] = codeValue{text: m[1], glob: true}
	}
	if len(values) == 0 {
		return nil
	}
	return values
}

// globCall is an argument that is the matches of a pattern: glob("/x/*"),
// glob "/x/*", glob.glob(…), Dir.glob(…), Dir["/x/*"].
var globCall = lazyre.New(`^(?:glob\.i?glob|glob|Dir\.glob|Dir)\s*[\[(]?\s*r?["']([^"']+)["']`)

// globOf is the pattern an argument of a call names, if it names one.
func (l language) globOf(a callArg) (string, bool) {
	raw := strings.TrimSpace(a.raw)
	if m := globCall.FindStringSubmatch(raw); m != nil {
		return m[1], true
	}
	v, ok := l.bound[raw]
	return v.text, ok && v.glob
}

// globWord writes a pattern as a shell word that the shell expands the
// same way: its glob characters bare, every other special one escaped.
func globWord(pattern string) string {
	var b strings.Builder
	for _, c := range pattern {
		if strings.ContainsRune(" \t'\"$`\\;&|<>(){}#~!", c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// known replaces an expression of the code by the string it is known to
// hold; ok is false when it holds none.
func (l language) known(expr string) (string, bool) {
	if l.bound == nil {
		return "", false
	}
	expr = strings.TrimSpace(expr)
	if list, ok := l.joined(expr); ok {
		return list, true
	}
	v, ok := l.bound[expr]
	if !ok || v.isList {
		return "", false
	}
	return v.text, true
}

// maxCallChain bounds the method calls read after a name
// (process.argv.slice(2).join(" ")).
const maxCallChain = 4

// knownCallEnd extends the expression code[start:end] over the method
// calls that follow it (.slice(2), .join(" ")) when the longer
// expression is one the code is known to hold; else it returns end.
func (l language) knownCallEnd(code string, start, end int) int {
	if l.bound == nil {
		return end
	}
	best, j := end, end
	for range maxCallChain {
		for j < len(code) && code[j] == '.' {
			k := j + 1
			for k < len(code) && (code[k] == '_' || code[k] >= 'a' && code[k] <= 'z' || code[k] >= 'A' && code[k] <= 'Z') {
				k++
			}
			j = k
		}
		if j >= len(code) || code[j] != '(' {
			break
		}
		closing := matchingClose(code, j+1, '(')
		if closing < 0 {
			break
		}
		j = closing + 1
		expr := code[start:j]
		if _, ok := l.knownList(expr); ok {
			best = j
		} else if _, ok := l.known(expr); ok {
			best = j
		}
	}
	return best
}

// listJoin is a known list joined with spaces into one string: node's
// LIST.join(" ").
var listJoin = lazyre.New(`^(.+)\.join\(\s*["'] ["']\s*\)$`)

// joined is the text of a known list joined with spaces, as the code
// hands it to a shell: execSync(process.argv.slice(1).join(" ")).
func (l language) joined(expr string) (string, bool) {
	m := listJoin.FindStringSubmatch(expr)
	if m == nil {
		return "", false
	}
	v, ok := l.bound[strings.TrimSpace(m[1])]
	if !ok || !v.isList {
		return "", false
	}
	return strings.Join(v.list, " "), true
}

// knownList is the list an expression is known to hold.
func (l language) knownList(expr string) ([]string, bool) {
	if l.bound == nil {
		return nil, false
	}
	// *ARGV, *sys.argv[1:]: the list spread into the call's arguments
	v, ok := l.bound[strings.TrimLeft(strings.TrimSpace(expr), "*")]
	return v.list, ok && v.isList
}

// numberShifts names each bare shift of perl code on the line by its
// order (shift#0, shift#1…), so that each takes its own argument.
func numberShifts(code string, lang language) string {
	if lang.name != "perl" || lang.bound == nil {
		return code
	}
	n := 0
	return perlShift.Compiled().ReplaceAllStringFunc(code, func(string) string {
		s := "shift#" + strconv.Itoa(n)
		n++
		return s
	})
}

// stdinReads are the expressions with which each language reads its
// standard input whole.
var stdinReads = map[string][]string{
	"python": {"sys.stdin.read", "sys.stdin.readline", "input"},
	"ruby":   {"STDIN.read", "$stdin.read", "gets", "STDIN.gets", "$stdin.gets"},
	"perl":   {"<STDIN>", "<>"},
	"php":    {`file_get_contents("php://stdin")`, "fgets(STDIN)"},
}

// bindStdin adds what the code reads on its standard input to what its
// names hold: echo 'rm -rf /x' | python3 -c 'os.system(sys.stdin.read())'.
func bindStdin(lang language, values map[string]codeValue, stdin string) map[string]codeValue {
	names := stdinReads[lang.name]
	if len(names) == 0 {
		return values
	}
	if values == nil {
		values = map[string]codeValue{}
	}
	line, _, _ := strings.Cut(stdin, "\n")
	for _, n := range names {
		v := stdin
		if strings.Contains(n, "line") || strings.Contains(n, "gets") || n == "input" {
			v = line
		}
		values[n] = codeValue{text: v}
	}
	return values
}

var (
	// envKey is a subscript that names an environment variable: "CMD", CMD
	envKey = lazyre.New(`^\s*["']?[A-Za-z_]\w*["']?\s*$`)
	// envRead finds the environment variables code reads:
	// os.environ["X"], os.getenv("X"), $ENV{X}, ENV["X"], process.env.X,
	// getenv("X")
	envRead = lazyre.New(`(?:\benviron\[\s*["']|\bgetenv\(\s*["']|\$ENV\{\s*["']?|\bENV\[\s*["']|\bprocess\.env\.|\bos\.environ\.get\(\s*["'])([A-Za-z_]\w*)`)
)

// homeExprs are calls that return the home folder: shutil.rmtree(
// os.path.expanduser("~")) is shutil.rmtree of $HOME.
var homeExprs = []string{`os.path.expanduser("~")`, `os.path.expanduser('~')`, "Path.home()", "pathlib.Path.home()", "os.homedir()",
	`require("os").homedir()`, `require('os').homedir()`, "Dir.home", `File.expand_path("~")`, `File.expand_path('~')`}

// bindEnv adds the environment variables the code reads, where the line
// knows them: CMD='rm -rf /x' python3 -c 'os.system(os.environ["CMD"])'.
func bindEnv(code string, values map[string]codeValue, sc *scope) map[string]codeValue {
	if sc == nil {
		return values
	}
	if home, known := sc.lookup("HOME"); known && (strings.Contains(code, "ome") || strings.Contains(code, "~")) {
		// the home folder as the languages' libraries spell it
		for _, expr := range homeExprs {
			if strings.Contains(code, expr) {
				if values == nil {
					values = map[string]codeValue{}
				}
				values[expr] = codeValue{text: home}
			}
		}
	}
	if !strings.ContainsAny(code, "vV") {
		return values
	}
	for _, m := range envRead.FindAllStringSubmatch(code, maxCodeValues) {
		name := m[1]
		v, known := sc.lookup(name)
		if !known {
			continue
		}
		if values == nil {
			values = map[string]codeValue{}
		}
		for _, expr := range []string{`os.environ["` + name + `"]`, `os.environ['` + name + `']`, "$ENV{" + name + "}", `$ENV{"` + name + `"}`,
			`ENV["` + name + `"]`, `ENV['` + name + `']`, "process.env." + name} {
			values[expr] = codeValue{text: v}
		}
	}
	return values
}
