package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guard-sh/guard/guard"
)

// deployScript is an ordinary deploy script of about size bytes.
func deployScript(size int) string {
	lines := []string{
		`#!/bin/bash`,
		`set -euo pipefail`,
		`tmp=$(mktemp -d)`,
		`trap 'rm -rf "$tmp"' EXIT`,
		`cd /srv/app && git pull --ff-only`,
		`for f in "$tmp"/*.log; do gzip "$f"; done`,
		`if [ -d build ]; then rm -rf build/; fi`,
		`sudo systemctl restart app.service`,
		`echo "deployed $(date)" >> /var/log/deploy.log`,
	}
	var sb strings.Builder
	for sb.Len() < size {
		for _, l := range lines {
			sb.WriteString(l)
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// benchmarkJudgeRunsScript judges `bash ./deploy.sh`, reading the script
// from a real file through OSHost: the cost a script adds to the line
// that runs it.
func benchmarkJudgeRunsScript(b *testing.B, size int) {
	e := newEngine(b)
	dir := b.TempDir()
	script := deployScript(size)
	if err := os.WriteFile(filepath.Join(dir, "deploy.sh"), []byte(script), 0o755); err != nil {
		b.Fatal(err)
	}
	h := &guard.OSHost{}
	opts := guard.Options{Cwd: dir}
	b.SetBytes(int64(len(script)))
	b.ReportAllocs()
	for b.Loop() {
		if v := e.Judge("bash ./deploy.sh", h, opts); v.Decision > guard.Warn {
			b.Fatalf("an ordinary script asks: %+v", v.Findings)
		}
	}
}

func BenchmarkJudgeRunsScript4KB(b *testing.B)   { benchmarkJudgeRunsScript(b, 4<<10) }
func BenchmarkJudgeRunsScript100KB(b *testing.B) { benchmarkJudgeRunsScript(b, 100<<10) }

// BenchmarkJudgeRunsBinary judges a program run by its path: only its
// first bytes are read to tell it from a script.
func BenchmarkJudgeRunsBinary(b *testing.B) {
	e := newEngine(b)
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prog"), append([]byte("\x7fELF"), make([]byte, 4<<20)...), 0o755); err != nil {
		b.Fatal(err)
	}
	h := &guard.OSHost{}
	b.ReportAllocs()
	for b.Loop() {
		e.Judge("./prog --serve", h, guard.Options{Cwd: dir})
	}
}

// BenchmarkJudgeFilterToShell computes what a pipeline of filters feeds a
// shell.
func BenchmarkJudgeFilterToShell(b *testing.B) {
	e := newEngine(b)
	h := guard.NewMemHost()
	b.ReportAllocs()
	for b.Loop() {
		e.Judge(`echo 'cnl -hd /bffs' | tr a-z b-za | rev | rev | sh`, h, guard.Options{Cwd: "/home/op"})
	}
}
