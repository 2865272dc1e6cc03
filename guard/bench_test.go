package guard_test

import (
	"fmt"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/rules"
)

// scriptOf builds a deployment-style script of about size bytes: functions,
// loops, pipelines, substitutions, here-documents and conditionals, the
// shapes that make the resolver copy and walk scopes.
func scriptOf(size int) string {
	blocks := []string{
		"cd /srv/app%d && git pull --ff-only",
		"for f in /var/log/app%d/*.log; do gzip \"$f\"; done",
		"if [ -d build%d ]; then rm -rf build%d/; fi",
		"sudo systemctl restart app%d.service",
		"echo \"deployed $(date) on $(hostname)\" >> /var/log/deploy%d.log",
		"release%d=$(git rev-parse --short HEAD)",
		"ps aux | grep -v grep | grep app%d | awk '{print $2}' | head -n 1",
		"deploy%d() { local dir=\"$1\"; tar -xzf \"/tmp/rel.tgz\" -C \"$dir\"; ( cd \"$dir\" && make install ); }",
		"case \"$MODE\" in prod) export TIER=%d ;; *) export TIER=0 ;; esac",
		"cat <<EOF > /tmp/app%d.conf\nport=8080\nhost=$(hostname)\nEOF",
		"while read -r line; do echo \"$line\" | sed 's/a/b/' >> out%d.txt; done < in.txt",
		"n=$(( ${n:-0} + %d )); [[ $n -gt 10 ]] && echo big",
	}
	var sb strings.Builder
	for i := 0; sb.Len() < size; i++ {
		b := blocks[i%len(blocks)]
		sb.WriteString(strings.ReplaceAll(b, "%d", fmt.Sprint(i)))
		sb.WriteByte('\n')
	}
	return sb.String()
}

func benchJudgeScript(b *testing.B, size int) { benchJudgeScriptOn(b, size, guard.NewMemHost()) }

func benchJudgeScriptOn(b *testing.B, size int, h guard.Host) {
	e, err := rules.NewEngine()
	if err != nil {
		b.Fatal(err)
	}
	script := scriptOf(size)
	b.SetBytes(int64(len(script)))
	b.ReportAllocs()
	for b.Loop() {
		v := e.Judge(script, h, guard.Options{Cwd: "/home/op"})
		if v.Decision == guard.Block {
			b.Fatalf("the benchmark script must not block: %+v", v.Findings)
		}
	}
}

func benchParseScript(b *testing.B, size int) {
	script := scriptOf(size)
	b.SetBytes(int64(len(script)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := syntax.NewParser().Parse(strings.NewReader(script), ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJudgeScript10KB(b *testing.B)  { benchJudgeScript(b, 10<<10) }
func BenchmarkJudgeScript100KB(b *testing.B) { benchJudgeScript(b, 100<<10) }
func BenchmarkJudgeScript400KB(b *testing.B) { benchJudgeScript(b, 400<<10) }

// The parse-only figures are the yardstick: judging should cost a small
// multiple of parsing, and grow with the script as parsing does.
func BenchmarkParseScript10KB(b *testing.B)  { benchParseScript(b, 10<<10) }
func BenchmarkParseScript100KB(b *testing.B) { benchParseScript(b, 100<<10) }
func BenchmarkParseScript400KB(b *testing.B) { benchParseScript(b, 400<<10) }

// BenchmarkJudgeScript400KBOnHost judges the same script against the live
// machine (OSHost), as guard check --file does: every path the rules and
// the walk look up is a system call.
func BenchmarkJudgeScript400KBOnHost(b *testing.B) { benchJudgeScriptOn(b, 400<<10, &guard.OSHost{}) }
