package memory_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/memory"
	"github.com/guard-sh/guard/rules"
)

func effects(t *testing.T, line, cwd string) []memory.Effect {
	t.Helper()
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	h := guard.NewMemHost()
	h.AddLink("/home/op/data", "/srv/store")
	h.AddDir("/srv/store/x")
	v := e.Judge(line, h, guard.Options{Cwd: cwd})
	return memory.EffectsOf(v, guard.Warn)
}

func sameEffect(a, b []memory.Effect) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Same(y) {
				return true
			}
		}
	}
	return false
}

// TestSpellingsOfOneEffect: every spelling of one deletion is one effect;
// an unrelated command, or the same command on another target, is not.
func TestSpellingsOfOneEffect(t *testing.T) {
	groups := []struct {
		first  string
		same   []string
		others []string
	}{
		{
			first: "rm -rf /usr",
			same: []string{
				"rm -r -f /usr/", "rm -fr /usr", "rm --recursive --force /usr", "sudo rm -rf /usr",
				"cd / && rm -rf usr", "bash -c 'rm -rf /usr'", "find /usr -delete",
				`python3 -c "import shutil; shutil.rmtree('/usr')"`,
				`python3 -c "import os; os.system('rm -rf /usr')"`,
				"guard run -- rm -rf /usr", "d=/usr; rm -rf \"$d\"",
			},
			others: []string{"rm -rf /etc", "find /etc -delete", "crontab -r", "rm -rf /usr/local/src/old"},
		},
		{
			first:  "rm -rf data/",
			same:   []string{"rm -r -f data/", "rm -rf /home/op/data/", "rm -rf /srv/store", "rm -rf /srv/store/*"},
			others: []string{"rm -rf /srv/other", "rm -rf /usr"},
		},
		{
			first:  "dd if=/dev/zero of=/dev/sda bs=1M",
			same:   []string{"dd of=/dev/sda if=/dev/urandom", "wipefs -a /dev/sda", "mkfs.ext4 /dev/sda"},
			others: []string{"dd if=/dev/zero of=/dev/sdb", "mkfs.ext4 /dev/sdb"},
		},
		{
			first:  "crontab -r",
			same:   []string{"bash -c 'crontab -r'", "/usr/bin/crontab -r"},
			others: []string{"crontab -u backup -r", "sudo crontab -r", "kubectl delete namespace prod"},
		},
		{
			first:  "kill -9 1",
			same:   []string{"kill -KILL 1", "sudo kill -s KILL 1"},
			others: []string{"kubectl delete namespace prod", "rm -rf /usr"},
		},
	}
	for _, g := range groups {
		first := effects(t, g.first, "/home/op")
		if len(first) == 0 {
			t.Fatalf("%q has no effect", g.first)
		}
		for _, line := range g.same {
			if got := effects(t, line, "/home/op"); !sameEffect(first, got) {
				t.Errorf("%q (%v) should be the same effect as %q (%v)", line, got, g.first, first)
			}
		}
		for _, line := range g.others {
			if got := effects(t, line, "/home/op"); sameEffect(first, got) {
				t.Errorf("%q (%v) should not be the same effect as %q (%v)", line, got, g.first, first)
			}
		}
	}
}

func TestStoreRecallsPerSessionAndForgets(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := &memory.Store{Path: filepath.Join(t.TempDir(), "state", "refusals.json"), Now: func() time.Time { return now }}
	usr := []memory.Effect{{Rule: "rm-protected", Target: "/usr"}}
	if err := s.Remember("claude", "s1", "rm -rf /usr", usr); err != nil {
		t.Fatal(err)
	}
	retry := []memory.Effect{{Rule: "find-delete-system", Target: "/usr"}}
	if e, ok, err := s.Recall("claude", "s1", retry); err != nil || !ok || e.Line != "rm -rf /usr" {
		t.Fatalf("recall: %+v %v %v", e, ok, err)
	}
	for _, c := range []struct{ agent, session string }{{"claude", "s2"}, {"codex", "s1"}, {"claude", ""}} {
		if _, ok, _ := s.Recall(c.agent, c.session, retry); ok {
			t.Errorf("%s/%s recalled another session's refusal", c.agent, c.session)
		}
	}
	if _, ok, _ := s.Recall("claude", "s1", []memory.Effect{{Rule: "rm-protected", Target: "/etc"}}); ok {
		t.Error("another target recalled")
	}
	now = now.Add(25 * time.Hour)
	if _, ok, _ := s.Recall("claude", "s1", retry); ok {
		t.Error("a refusal older than a day is still recalled")
	}
	info, err := os.Stat(s.Path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("store file: %v %v", info, err)
	}
}

// TestStoreStaysBounded: concurrent writers lose nothing, and the file
// keeps only the newest entries.
func TestStoreStaysBounded(t *testing.T) {
	s := &memory.Store{Path: filepath.Join(t.TempDir(), "refusals.json"), MaxEntries: 50}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				eff := []memory.Effect{{Rule: "r", Target: filepath.Join("/x", string(rune('a'+i)), string(rune('a'+j)))}}
				if err := s.Remember("claude", "s", "line", eff); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	last := []memory.Effect{{Rule: "r", Target: "/x/z"}}
	if err := s.Remember("claude", "s", "line", last); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Recall("claude", "s", last); !ok {
		t.Error("the newest entry is gone")
	}
	data, _ := os.ReadFile(s.Path)
	if n := len(data); n > 50*200 {
		t.Errorf("the store grew to %d bytes", n)
	}
	os.WriteFile(s.Path, []byte("not json"), 0o600)
	if err := s.Remember("claude", "s", "line", last); err != nil {
		t.Errorf("a damaged store is not replaced: %v", err)
	}
}
