package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// The CLI is tested end to end: each testdata/script/*.txtar is a small
// story of guard commands run as a real process, with the output and exit
// status they must give.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"guard": func() {
			a := &app{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, getenv: withHome(os.Getenv)}
			os.Exit(a.run(os.Args[1:]))
		},
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			env.Setenv("HOME", env.WorkDir+"/home")
			// Never the machine's /etc/guard, /var/log/guard or syslog.
			env.Setenv("GUARD_ETC", env.WorkDir+"/no-etc")
			env.Setenv("GUARD_AUDIT_FILE", env.WorkDir+"/audit.jsonl")
			env.Setenv("GUARD_STATE", env.WorkDir+"/state")
			return os.MkdirAll(env.WorkDir+"/home", 0o755)
		},
	})
}
