package rules

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

func projectWipeRules(c classifier) []*guard.Rule {
	return []*guard.Rule{{
		ID:         "project-wipe",
		Programs:   []string{"rm", "find"},
		Decision:   guard.Confirm,
		Summary:    "every file of a project's working folder deleted (rm -r DIR/* or *, find DIR -delete with no test that narrows it), or the folder you are in deleted with it (cd .. && rm -rf *, rm -rf \"$(pwd)\"): a project is a folder with a build manifest, src/ or source files, or folders that hold one; a build output folder (build, dist, target, node_modules…) and the files of a git repository whose .git stays pass (a folder below the top of a work tree git reports on too: git-uncommitted-delete judges the work it would lose)",
		Postmortem: "rm -rf * typed in the wrong terminal tab, and cd .. && rm -rf * meant for a build folder: the project's files, with no copy",
		Machine:    true,
		Match:      c.matchProjectWipe,
	}}
}

// buildOutputNames are folders made by builds, package managers and test
// runners: emptying them is how they are cleaned.
var buildOutputNames = map[string]bool{
	"build": true, "builds": true, "dist": true, "target": true, "out": true, "output": true, "bin": true, "obj": true,
	"node_modules": true, "coverage": true, "__pycache__": true, ".cache": true, "cache": true, "tmp": true, "temp": true,
	".tox": true, ".venv": true, "venv": true, ".next": true, ".nuxt": true, "_build": true, "public": true, "site": true,
	"artifacts": true, "release": true, "debug": true, ".pytest_cache": true, ".gradle": true, "vendor": true, "logs": true,
}

// scratchRoots are emptied by design (rm -rf /var/tmp/*): what is kept
// in them is kept knowing that.
var scratchRoots = map[string]bool{"/tmp": true, "/var/tmp": true, "/dev/shm": true}

// projectFiles are the files a project's top folder is recognised by.
var projectFiles = map[string]bool{
	"Makefile": true, "makefile": true, "GNUmakefile": true, "package.json": true, "go.mod": true, "Cargo.toml": true,
	"pyproject.toml": true, "setup.py": true, "setup.cfg": true, "requirements.txt": true, "Pipfile": true,
	"pom.xml": true, "build.gradle": true, "build.gradle.kts": true, "Gemfile": true, "composer.json": true,
	"CMakeLists.txt": true, "mix.exs": true, "Dockerfile": true, "docker-compose.yml": true, "compose.yaml": true,
	"deno.json": true, "meson.build": true, "configure.ac": true, "main.tf": true, "ansible.cfg": true,
}

// sourceExts are the extensions of source files.
var sourceExts = map[string]bool{
	".go": true, ".py": true, ".js": true, ".ts": true, ".tsx": true, ".jsx": true, ".c": true, ".h": true, ".cc": true,
	".cpp": true, ".hpp": true, ".rs": true, ".java": true, ".kt": true, ".rb": true, ".php": true, ".cs": true,
	".swift": true, ".scala": true, ".ex": true, ".exs": true, ".sh": true, ".pl": true, ".lua": true, ".tf": true,
	".vue": true, ".svelte": true, ".sql": true, ".proto": true,
}

// Bounds of what guard reads to tell a project.
const (
	maxProjectEntries = 256 // entries read of one folder
	maxProjectSubdirs = 32  // folders looked into one level down
)

// projectLook is what guard saw of a folder: the things that make it a
// project, and whether it is a git repository's top.
type projectLook struct {
	marks []string // package.json, src/, main.go… (a few)
	git   bool
}

// lookAtProject reads dir (bounded) for the marks of a project.
func lookAtProject(host guard.Host, dir string) projectLook {
	var look projectLook
	entries, _, err := host.ReadDir(dir, maxProjectEntries)
	if err != nil {
		return look
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == ".git":
			look.git = true
		case e.IsDir() && name == "src":
			look.marks = append(look.marks, "src/")
		case !e.IsDir() && (projectFiles[name] || sourceExts[filepath.Ext(name)]):
			look.marks = append(look.marks, name)
		}
	}
	return look
}

// projectsIn are the project folders directly in dir, by name.
func projectsIn(host guard.Host, dir string) []string {
	entries, _, err := host.ReadDir(dir, maxProjectEntries)
	if err != nil {
		return nil
	}
	var found []string
	looked := 0
	for _, e := range entries {
		if !e.IsDir() || buildOutputNames[e.Name()] || looked >= maxProjectSubdirs {
			continue
		}
		looked++
		if look := lookAtProject(host, filepath.Join(dir, e.Name())); look.git || len(look.marks) > 0 {
			found = append(found, e.Name())
		}
	}
	return found
}

// wipe is a folder a command deletes everything of.
type wipe struct {
	dir      string
	self     bool // the folder itself goes (rm -rf "$(pwd)", find DIR -delete)
	gitStays bool // its .git is not among what goes (rm DIR/* without dotglob)
}

// wipesOf are the folders inv deletes whole or empties.
func (c classifier) wipesOf(inv *guard.Invocation, host guard.Host) []wipe {
	home := Home(inv, host)
	var wipes []wipe
	consider := func(t Target, w wipe) {
		if t.Path == "" || w.dir == "" || w.dir == "/" {
			return
		}
		if kind, _ := c.Worst(t, home); kind >= Data || madeByLine(inv, host, t) {
			return // rm-protected's, or made by the line to be thrown away
		}
		wipes = append(wipes, w)
	}
	if inv.Program == "find" {
		starts, expr := findStarts(inv)
		if e := readFindExpr(expr); !e.deletes || e.narrowed || slices.Equal(expr[:min(2, len(expr))], []string{"-maxdepth", "0"}) {
			return nil // -maxdepth 0: the starting point alone, which rmdir refuses unless empty
		}
		follows := slices.ContainsFunc(inv.Args[:min(len(inv.Args), 2)], func(a guard.Arg) bool { return a.Value == "-H" || a.Value == "-L" })
		for _, a := range starts {
			if !a.Known {
				continue
			}
			t := TargetOf(inv, host, a)
			if info, err := host.Lstat(t.Path); !follows && err == nil && info.Mode()&fs.ModeSymlink != 0 {
				continue // find does not follow a starting link: the link goes, not its target
			}
			dir := t.Resolved
			if follows {
				dir, _ = guard.ResolvePath(host, t.Path)
			}
			consider(t, wipe{dir: dir})
		}
		return wipes
	}
	recursive, operands := rmArgs(inv)
	if !recursive {
		return nil
	}
	targets := make([]Target, 0, len(operands))
	emptied := map[string]bool{}
	for _, a := range operands {
		t := TargetOf(inv, host, a)
		targets = append(targets, t)
		emptied[t.Emptied] = t.Emptied != ""
	}
	for i, a := range operands {
		if !a.Known || refusedByRm(a.Value) {
			continue
		}
		t := targets[i]
		switch {
		case t.Emptied != "":
			git := filepath.Join(filepath.Dir(t.Path), ".git") // a match of shopt -s dotglob
			gitGoes := slices.ContainsFunc(operands, func(o guard.Arg) bool { return inv.Path(o.Value) == git })
			consider(t, wipe{dir: t.Emptied, gitStays: !gitGoes})
		case emptied[filepath.Dir(t.Resolved)]:
			// a match of DIR/* the same command empties: judged with DIR
		case inv.Cwd != "" && (t.Resolved == inv.Cwd || strings.HasPrefix(inv.Cwd, t.Resolved+"/")):
			consider(t, wipe{dir: t.Resolved, self: true})
		}
	}
	return wipes
}

// refusedByRm: rm refuses an operand whose last part is . or ..
func refusedByRm(v string) bool {
	base := filepath.Base(strings.TrimRight(v, "/"))
	return base == "." || base == ".."
}

func (c classifier) matchProjectWipe(inv *guard.Invocation, host guard.Host) *guard.Finding {
	if inv.Remote != "" {
		return nil // another machine's folders: guard cannot look
	}
	for _, w := range c.wipesOf(inv, host) {
		if buildOutputNames[filepath.Base(w.dir)] || scratchRoots[w.dir] {
			continue
		}
		if gitRestores(inv, host, w.dir) {
			continue // git-uncommitted-delete judges the work it would lose
		}
		what := ""
		look := lookAtProject(host, w.dir)
		switch {
		case len(look.marks) > 0 && !(look.git && w.gitStays):
			what = fmt.Sprintf("the project in %s (%s)", w.dir, listSome(look.marks, 3))
			if !look.git {
				what += ", which has no .git to bring its files back from"
			}
		case len(look.marks) == 0:
			if projects := projectsIn(host, w.dir); len(projects) > 0 {
				what = fmt.Sprintf("the projects in %s (%s)", w.dir, listSome(projects, 4))
			}
		}
		if what == "" {
			continue
		}
		how := "every file of"
		if w.self {
			how = "the folder you are in with"
		}
		return guard.Found(guard.Confirm,
			"delete what you mean by name (rm -rf build dist), or in a git repository git clean -fdx for what git does not track; check where you are: pwd",
			"would delete %s %s", how, what).
			Saving(guard.Backup{Kind: guard.BackupFiles, Paths: []string{w.dir}})
	}
	return nil
}

// gitRestores: dir is a folder below the top of a git work tree git
// reports on, holding no ignored files but output: git checkout brings
// its committed files back, and git-uncommitted-delete asks for the rest.
func gitRestores(inv *guard.Invocation, host guard.Host, dir string) bool {
	tree, ok := workTreeAt(inv, host, dir, true)
	if !ok || dir == tree.Top || !tree.Complete {
		return false
	}
	for _, f := range tree.Files {
		abs := strings.TrimSuffix(f.Abs(tree.Top), "/")
		if f.Ignored && (within(dir, abs) || within(abs, dir) && !outputFile(f.Path)) {
			return false // not in git: nothing brings it back
		}
	}
	return true
}

// listSome names at most n of names, and how many more there are.
func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
