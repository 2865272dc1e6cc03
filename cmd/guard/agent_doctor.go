package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// doctorLine is what guard doctor sends each installed hook: a line every
// guard blocks, so a working hook must answer deny. The hook only judges
// it; nothing runs it.
const (
	doctorLine    = "rm -rf /"
	doctorSession = "guard-doctor"
	probeTimeout  = 15 * time.Second
)

// agentChecks runs each installed agent hook as its agent would, with a
// test event of the agent's own shape, and fails when the answer is not a
// refusal: a hook whose program is gone exits 127, and most agents then
// run the command.
func (a *app) agentChecks(add func(name, status, format string, args ...any)) {
	self, _ := selfPath()
	for _, ag := range agentCatalog() {
		check := ag.name + " hook"
		path := ag.reg.path(a.getenv)
		commands, err := ag.reg.installedCommands(path, ag.name)
		switch {
		case err != nil:
			add(check, "warn", "cannot read %s: %v", path, err)
			continue
		case len(commands) == 0:
			add(check, "off", "not installed (guard install %s)", ag.name)
			continue
		case len(commands) > 1:
			add(check, "warn", "%s runs guard %d times; guard install %s leaves one", path, len(commands), ag.name)
		}
		for _, command := range commands {
			ans, took := probeHook(ag, command)
			switch {
			case ans.failed != "":
				add(check, "fail", "%s in %s: %s. %s %s when its hook fails. Reinstall it: guard install %s", command, path, ans.failed, ag.title, ag.onFailure, ag.name)
			case ans.decision != "deny":
				add(check, "fail", "%s in %s answered %q for %s, not deny. Reinstall it: guard install %s", command, path, orNone(ans.decision), doctorLine, ag.name)
			case self != "" && hookBinary(command) != self:
				add(check, "ok", "in %s, answers in %s (it runs %s, not this guard, %s)", path, took.Round(time.Millisecond), hookBinary(command), self)
			default:
				add(check, "ok", "in %s, answers in %s", path, took.Round(time.Millisecond))
			}
		}
	}
}

// probeHook runs a hook command the way agents do (sh -c), with a test
// event on standard input, and reads its answer as the agent would.
func probeHook(ag *agent, command string) (agentAnswer, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.WaitDelay = time.Second
	cmd.Stdin = bytes.NewReader(ag.sample(doctorLine, "/", doctorSession))
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &limitedWriter{w: &stdout, n: 64 << 10}
	cmd.Stderr = &limitedWriter{w: &stderr, n: 64 << 10}
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	exit := 0
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return agentAnswer{failed: fmt.Sprintf("it did not answer within %s", probeTimeout)}, took
	case errors.As(err, &exitErr):
		exit = exitErr.ExitCode()
	case err != nil:
		return agentAnswer{failed: err.Error()}, took
	}
	return ag.read(stdout.Bytes(), stderr.Bytes(), exit), took
}

func orNone(decision string) string {
	if decision == "" {
		return "no decision"
	}
	return decision
}
