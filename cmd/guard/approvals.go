package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/gate"
)

// A line confirmed at the shell's prompt may itself run guard: with
// alias sudo='guard sudo', `sudo rm -rf data/` is judged whole by the hook
// (guard is judged as the wrapper it is), asked about and snapshotted, and
// then `guard sudo rm -rf data/` runs and would ask and snapshot again.
// The hook's gate therefore leaves a note, for that shell only, of the
// guard commands inside the line it let through after a question; such a
// command, run with exactly those arguments in that folder by that shell
// within approvalTTL, goes ahead without asking again (and says so).
//
// The note is no way past: it names commands the gate has just judged
// whole, lives in this user's own state folder, is replaced by the shell's
// next line, and a command an agent sends is judged by the agent's hook
// however it is spelled. Each command it names is let through once: the
// first guard to use it takes it out of the note, so that a background
// job of the same shell running the same command later (a loop started
// before the line was confirmed) is judged and asked about again.
const approvalTTL = 10 * time.Minute

type approval struct {
	Time     time.Time `json:"time"`
	Commands []string  `json:"commands"` // fingerprints: folder and arguments
}

// shellKey names the note of one shell process: its PID and start time
// (procStat), so that a PID used again by another process finds nothing.
func shellKey(pid int, start string) string {
	return fmt.Sprintf("%d-%s", pid, start)
}

// procStat reads a process's start time and parent from /proc.
func procStat(pid int) (start string, ppid int, ok bool) {
	data, err := guard.ReadRegular(fmt.Sprintf("/proc/%d/stat", pid), 4096)
	if err != nil {
		return "", 0, false
	}
	// The command name may hold spaces and parentheses: fields start
	// after the last ")".
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return "", 0, false
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 20 {
		return "", 0, false
	}
	ppid, _ = strconv.Atoi(fields[1])
	return fields[19], ppid, true
}

func fingerprint(cwd string, argv []string) string {
	sum := sha256.Sum256([]byte(cwd + "\x00" + strings.Join(argv, "\x00")))
	return hex.EncodeToString(sum[:16])
}

func (a *app) approvalPath(key string) string {
	dir := a.stateDir()
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "approved", key)
}

// noteApprovals is called by the hook's gate (its parent is the shell):
// the guard commands of a line let through after a question or an
// acknowledgment are noted; any other outcome clears the shell's note.
func (a *app) noteApprovals(out gate.Outcome) {
	shell := os.Getppid()
	start, _, ok := procStat(shell)
	if !ok {
		return
	}
	path := a.approvalPath(shellKey(shell, start))
	if path == "" {
		return
	}
	var commands []string
	if out.Status == gate.Run && out.Verdict.Decision >= guard.Confirm {
		for _, inv := range out.Verdict.Invocations {
			if inv.Program != "guard" || len(inv.Via) > 0 || !allKnown(inv) {
				continue
			}
			commands = append(commands, fingerprint(inv.Cwd, inv.Values()))
		}
	}
	if len(commands) == 0 {
		os.Remove(path)
		return
	}
	data, _ := json.Marshal(approval{Time: time.Now(), Commands: commands})
	_ = writeStateFile(path, data)
}

func allKnown(inv *guard.Invocation) bool {
	for _, arg := range inv.Args {
		if !arg.Known {
			return false
		}
	}
	return true
}

// approvedAtPrompt reports whether this guard command (its arguments, in
// dir) is one the shell it runs under has just let through after a
// question, and takes it out of the note. The shell is a near ancestor:
// the parent, or the parent of a subshell or pipeline part.
func (a *app) approvedAtPrompt(dir string, argv []string) bool {
	want := fingerprint(dir, argv)
	pid := os.Getppid()
	for depth := 0; depth < 4 && pid > 1; depth++ {
		start, ppid, ok := procStat(pid)
		if !ok {
			return false
		}
		if path := a.approvalPath(shellKey(pid, start)); path != "" && takeApproval(path, want) {
			return true
		}
		pid = ppid
	}
	return false
}

// takeApproval takes the command want out of the note at path, if the
// note is recent and names it. The note is first renamed away, which only
// one process can do, so that two guards running the same command at the
// same moment do not both go ahead; the commands it still names are put
// back.
func takeApproval(path, want string) bool {
	data, err := guard.ReadRegular(path, 64<<10)
	if err != nil {
		return false
	}
	var ap approval
	if json.Unmarshal(data, &ap) != nil || time.Since(ap.Time) >= approvalTTL || !slices.Contains(ap.Commands, want) {
		return false
	}
	claimed := fmt.Sprintf("%s.taken-%d", path, os.Getpid())
	if os.Rename(path, claimed) != nil {
		return false // another guard took the note first
	}
	defer os.Remove(claimed)
	// What was renamed is read again: the shell's next line may have
	// replaced the note in between.
	if data, err = guard.ReadRegular(claimed, 64<<10); err != nil || json.Unmarshal(data, &ap) != nil {
		return false
	}
	i := slices.Index(ap.Commands, want)
	if i < 0 || time.Since(ap.Time) >= approvalTTL {
		return false
	}
	ap.Commands = slices.Delete(ap.Commands, i, i+1)
	if len(ap.Commands) > 0 {
		if data, err := json.Marshal(ap); err == nil {
			_ = writeStateFile(path, data)
		}
	}
	return true
}
