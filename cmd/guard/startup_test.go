package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// Every guard process starts the packages it links, whatever it does: a
// regular expression compiled at package start costs every line, judged
// or not. They compile at first use (guard/lazyre). This finds any
// package-level variable whose value compiles one.
func TestNoRegexpCompiledAtStart(t *testing.T) {
	for _, dir := range []string{".", "../../guard", "../../rules"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s (%v)", dir, err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, decl := range f.Decls {
				gen, ok := decl.(*ast.GenDecl)
				if !ok || gen.Tok != token.VAR {
					continue
				}
				ast.Inspect(gen, func(n ast.Node) bool {
					if sel, ok := n.(*ast.SelectorExpr); ok {
						if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "regexp" && strings.HasPrefix(sel.Sel.Name, "MustCompile") {
							t.Errorf("%s: a package-level regexp.%s compiles at every start; use lazyre.New", name, sel.Sel.Name)
						}
					}
					return true
				})
			}
		}
	}
}
