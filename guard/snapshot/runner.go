package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/guard-sh/guard/guard/gitsafe"
)

// Runner runs the programs that save and restore system state: crontab,
// vgcfgbackup, iptables-save, nft, git. Tests of LVM and firewall use a
// fake Runner, since neither can run on a build machine.
type Runner interface {
	Run(dir string, stdin []byte, name string, args ...string) ([]byte, error)
}

// ExecRunner runs real programs with a timeout.
type ExecRunner struct {
	Timeout time.Duration // zero means 30 seconds
}

func (r ExecRunner) Run(dir string, stdin []byte, name string, args ...string) ([]byte, error) {
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if name == "git" {
		args = append(gitsafe.Args(dir), args...)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return out, fmt.Errorf("%s %s: %s", name, strings.Join(args, " "), msg)
	}
	return out, nil
}
