package rules_test

import (
	"strings"
	"testing"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/rules"
)

// explainExamples returns the indented lines of a section of an explain
// page: the examples a reader would copy.
func explainExamples(page, section string) []string {
	_, rest, ok := strings.Cut(page, "\n## "+section)
	if !ok {
		return nil
	}
	if end := strings.Index(rest, "\n## "); end >= 0 {
		rest = rest[:end]
	}
	var lines []string
	for _, l := range strings.Split(rest, "\n") {
		if strings.HasPrefix(l, "    ") && strings.TrimSpace(l) != "" {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	return lines
}

// judgeExample judges an example line for its rule. A line may end with
// "# with: CONTEXT…", the host the example needs, in the keys of
// testdata/rules (ssh, link=lib->/lib, mount=/dev/sda1@/): a reader who
// copies the line gets a shell comment.
func judgeExample(t *testing.T, e *guard.Engine, rule, line string) guard.Decision {
	command, context, _ := strings.Cut(line, "# with:")
	c := testCase{file: "explain/" + rule + ".md", rule: rule, ctx: strings.Fields(context), line: strings.TrimSpace(command)}
	host, cwd := hostFor(t, c)
	d, _ := ruleDecision(e.Judge(c.line, host, guard.Options{Cwd: cwd}), rule)
	return d
}

// explainNeedsHost lists the pages written before this test whose
// examples hold only with a host they describe in a comment (an SSH
// session, a mount, a symbolic link, dirty cache blocks); they are judged
// by their cases in testdata/rules until they say so with "# with:".
var explainNeedsHost = map[string]bool{
	"copy-into-system": true, "rm-symlink-slash": true, "rm-protected": true, "rm-unknown-operand": true,
	"lvm-cachemode-dirty": true, "lvm-cleaner-policy": true, "ssh-power": true, "ssh-network-cut": true,
	"disk-overwrite": true, "fsck-mounted": true, "essential-package-removal": true,
}

// TestExplainExamples: an explain page's problematic lines are caught by
// its rule and its correct lines pass it, as gitleaks checks each rule
// against its own examples.
func TestExplainExamples(t *testing.T) {
	catalog, err := rules.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t)
	for _, r := range catalog {
		if explainNeedsHost[r.ID] {
			continue
		}
		problematic := explainExamples(r.Explain, "Problematic")
		correct := explainExamples(r.Explain, "Correct")
		if len(problematic) == 0 || len(correct) == 0 {
			t.Errorf("explain/%s.md: want indented lines under Problematic and Correct", r.ID)
		}
		for _, line := range problematic {
			if d := judgeExample(t, e, r.ID, line); d == guard.Allow {
				t.Errorf("explain/%s.md: problematic line %q is not caught", r.ID, line)
			}
		}
		for _, line := range correct {
			if d := judgeExample(t, e, r.ID, line); d != guard.Allow {
				t.Errorf("explain/%s.md: correct line %q is caught (%s)", r.ID, line, d)
			}
		}
	}
}
