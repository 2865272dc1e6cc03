package guard

import (
	"slices"
	"strings"
)

// OneLineSource marks, among a word's Sources, a substitution whose
// output is cut to one line ($(kubectl get pods -o name | head -1)): it
// gives one name, not every entry of the listing before it.
const OneLineSource = "(one line)"

// FromOneLine reports whether the word's substitution output is cut to
// one line.
func (a Arg) FromOneLine() bool {
	return slices.Contains(a.Sources, OneLineSource)
}

// OneLineInput reports whether the command's standard input is cut to
// one line by the last command upstream (… | head -1 | xargs …).
func OneLineInput(inv *Invocation) bool {
	return len(inv.Stdin) > 0 && cutsToOneLine(inv.Stdin[len(inv.Stdin)-1])
}

// cutsToOneLine: head or tail keeping one line (-1, -n 1, -n1, --lines=1),
// or sed -n 1p / sed 1q.
func cutsToOneLine(inv *Invocation) bool {
	switch inv.Program {
	case "head", "tail":
		args := inv.Values()
		for i, a := range args {
			switch {
			case a == "-1", a == "-n1", a == "--lines=1", a == "-n+1" && inv.Program == "head":
				return true
			case (a == "-n" || a == "--lines") && i+1 < len(args) && strings.TrimPrefix(args[i+1], "+") == "1":
				return inv.Program == "head" || args[i+1] == "1"
			}
		}
	case "sed":
		args := inv.Values()
		return slices.Contains(args, "1q") || slices.Contains(args, "-n") && slices.Contains(args, "1p")
	}
	return false
}
