package main

import (
	"io"
	"os"
	"testing"
)

// BenchmarkCheckStartup is what one `guard check` process does after the
// Go runtime starts: read the (absent) policy, build the engine, judge one
// typical line, print the verdict. The hooks pay it on every Enter.
func BenchmarkCheckStartup(b *testing.B) {
	b.ReportAllocs()
	etc := b.TempDir() // no site policy
	env := withHome(func(name string) string {
		if name == "GUARD_ETC" {
			return etc
		}
		return os.Getenv(name)
	})
	for i := 0; i < b.N; i++ {
		a := &app{stdout: io.Discard, stderr: io.Discard, stdin: os.Stdin, getenv: env}
		if code := a.run([]string{"check", "--json", "--", "sudo rsync -a /srv/a/ /srv/b/ && systemctl reload nginx"}); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
