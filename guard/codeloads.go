package guard

import (
	"path/filepath"
	"strings"

	"github.com/guard-sh/guard/guard/lazyre"
)

// Code that loads more code of its own language from a file runs that
// file too: python's exec(open("x.py").read()), runpy.run_path and a
// module of the folder it runs in (import tidy, python3 -m tidy), perl's
// do and require, ruby's load and require_relative, node's require and
// import(), php's include and require, lua's dofile. A literal path is
// read (bounded, as scripts are) and judged as that language's code; a
// file that is not there is what the interpreter would fail on, and is not
// reported.

// maxCodeLoads bounds the files one piece of code loads.
const maxCodeLoads = 8

// codeLoads are, per language, the forms that load a file by a literal
// path; the first group is the path.
var codeLoads = map[string][]*lazyre.Regexp{
	"python": {
		lazyre.New(`\bopen\(\s*r?["']([^"']+\.py)["']\s*\)\s*\.read\(\)`),
		lazyre.New(`\brunpy\.run_path\(\s*r?["']([^"']+)["']`),
	},
	"perl": {lazyre.New(`\b(?:do|require)\s*\(?\s*["']([^"']+)["']`)},
	"ruby": {lazyre.New(`\b(?:load|require_relative|require)\s*\(?\s*["']((?:\.{0,2}/)?[^"']+)["']`)},
	"node": {lazyre.New(`\b(?:require|import)\s*\(\s*["'](\.{1,2}/[^"']+|/[^"']+)["']`)},
	"php":  {lazyre.New(`\b(?:include|require)(?:_once)?\s*\(?\s*["']([^"']+)["']`)},
	"lua":  {lazyre.New(`\b(?:dofile|loadfile)\s*\(?\s*["']([^"']+)["']`)},
}

// pyImport is a python import statement: import a, b / from a import b.
var pyImport = lazyre.New(`(?m)^\s*(?:import\s+([\w., ]+)|from\s+([\w.]+)\s+import\b)`)

// loadedFiles judges the files code loads as code of its language.
func (r *resolver) loadedFiles(site codeSite, lang language, code string, depth int) {
	if depth >= maxCodeDepth || site.outer.Remote != "" {
		return
	}
	dir := site.outer.Cwd
	if site.file != "" {
		// a script's relative loads: its own folder (python's sys.path[0],
		// require_relative, require("./x")), as guard can tell
		if p := site.outer.Path(site.file); p != "" {
			dir = filepath.Dir(p)
		}
	}
	if dir == "" {
		return
	}
	var paths []string
	for _, re := range codeLoads[lang.name] {
		for _, m := range re.FindAllStringSubmatch(code, maxCodeLoads) {
			paths = append(paths, loadCandidates(lang.name, m[1])...)
		}
	}
	if lang.name == "python" {
		for _, m := range pyImport.FindAllStringSubmatch(code, maxCodeLoads) {
			for _, mod := range strings.Split(m[1]+","+m[2], ",") {
				mod, _, _ = strings.Cut(strings.TrimSpace(mod), " ")
				if mod != "" {
					paths = append(paths, pythonModuleFiles(mod)...)
				}
			}
		}
	}
	if len(paths) > 4*maxCodeLoads {
		paths = paths[:4*maxCodeLoads] // import a, b, c, …: the first ones
	}
	loaded := 0
	for _, p := range paths {
		if loaded >= maxCodeLoads {
			return
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if site.file != "" && site.outer.Path(site.file) == p {
			continue // the file itself
		}
		content, state, _ := r.readFile(p)
		if state != fileRead || isBinary(content) {
			continue
		}
		loaded++
		own := lang
		own.bound = nil // the file's own names, not the code's that loads it
		r.readCodeDepth(codeSite{outer: site.outer, sc: site.sc, via: site.via + " → " + filepath.Base(p), file: p}, own, content, depth+1)
	}
}

// loadCandidates are the files a load names: node's require("./x") may
// mean x.js or x/index.js, ruby's require_relative "x" is x.rb.
func loadCandidates(lang, name string) []string {
	switch lang {
	case "node":
		if filepath.Ext(name) == "" {
			return []string{name + ".js", name + ".mjs", name + ".cjs", filepath.Join(name, "index.js")}
		}
	case "ruby":
		if !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "/") && !strings.Contains(name, "/") {
			// require "json": a library, unless require_relative; both
			// forms are looked for beside the code
			return []string{name + ".rb"}
		}
		if filepath.Ext(name) == "" {
			return []string{name + ".rb"}
		}
	case "lua":
		if filepath.Ext(name) == "" {
			return []string{name + ".lua"}
		}
	}
	return []string{name}
}

// pythonModuleFiles are the files of the folder python runs in that a
// module name means: tidy is tidy.py or tidy/__init__.py; a.b is a/b.py.
func pythonModuleFiles(mod string) []string {
	p := strings.ReplaceAll(mod, ".", "/")
	return []string{p + ".py", filepath.Join(p, "__init__.py")}
}
