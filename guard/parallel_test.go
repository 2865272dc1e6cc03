package guard_test

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/rules"
)

// The rules of a long line are asked on several processors; the verdict
// must be the one asked in step: the same findings, in the same order.
func TestRulesInParallelSameVerdict(t *testing.T) {
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{
		"rm -rf /srv/data%d /usr/lib/x%d",
		"sudo rm -rf /etc/app%d",
		"GUARD=off rm -rf /opt/x%d",
		"$(printf %%s rm) -rf /etc/unknown%d",
		"echo ok%d > /tmp/out%d; ls -la /srv/app%d",
		"bash -c 'rm -rf /boot/x%d'",
		"sudo systemctl restart app%d",
		// rules that read the host or share memos between invocations
		"userdel -r op%d; sed -i '/^x%d:/d' /etc/passwd; crontab -r -u u%d",
		"git -C /srv/app%d reset --hard; git clean -fdx; kubectl delete -f /srv/k%d.yaml",
		"ufw --force enable; iptables -P INPUT DROP; swapoff -a; umount /mnt/x%d",
		"find /srv/app%d -name '*.log' -delete; ls /srv | xargs -I{} rm -rf /srv/{}",
		"python3 -c 'import shutil; shutil.rmtree(\"/etc/x%d\")'; echo rm -rf /x%d | sh",
	}
	var sb strings.Builder
	for i := 0; i < 800; i++ {
		sb.WriteString(strings.ReplaceAll(lines[i%len(lines)], "%d", fmt.Sprint(i)) + "\n")
	}
	script := sb.String()
	host := guard.NewMemHost()
	opts := guard.Options{Cwd: "/home/op"}

	parallel := e.Judge(script, host, opts)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	inStep := e.Judge(script, host, opts)

	if len(inStep.Findings) < 100 || len(inStep.Invocations) < 1000 {
		t.Fatalf("%d findings over %d commands: the script is not what the test means", len(inStep.Findings), len(inStep.Invocations))
	}
	// Each command with a finding of its own has it (none lost at a share's edge).
	var messages strings.Builder
	for _, f := range parallel.Findings {
		messages.WriteString(f.Message + "\n")
	}
	for i := 1; i < 800; i += len(lines) {
		if path := fmt.Sprintf("/etc/app%d", i); !strings.Contains(messages.String(), path+",") && !strings.Contains(messages.String(), path+" ") {
			t.Fatalf("no finding about %s", path)
		}
	}
	if parallel.Decision != inStep.Decision || !reflect.DeepEqual(parallel.Findings, inStep.Findings) {
		for i := range min(len(parallel.Findings), len(inStep.Findings)) {
			if !reflect.DeepEqual(parallel.Findings[i], inStep.Findings[i]) {
				t.Fatalf("finding %d differs:\nparallel: %+v\nin step:  %+v", i, parallel.Findings[i], inStep.Findings[i])
			}
		}
		t.Fatalf("%d findings in parallel, %d in step", len(parallel.Findings), len(inStep.Findings))
	}
}
