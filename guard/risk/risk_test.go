package risk_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guard-sh/guard/guard"
	"github.com/guard-sh/guard/guard/risk"
	"github.com/guard-sh/guard/rules"
)

func deletes(paths ...string) *guard.Finding {
	return (&guard.Finding{Rule: "test"}).Saving(guard.Backup{Kind: guard.BackupFiles, Paths: paths})
}

// memTree is /srv/app with 3 folders and 7 files of known sizes, a link
// out of the tree to /etc (which holds files that must not be counted),
// and a FIFO.
func memTree() *guard.MemHost {
	h := guard.NewMemHost()
	h.Mnts = []guard.Mount{{Source: "/dev/vda1", Dir: "/", FSType: "ext4"}}
	h.AddFileSize("/srv/app/big.bin", 3<<20)
	h.AddFileSize("/srv/app/conf/app.toml", 400)
	h.AddFileSize("/srv/app/conf/passwd", 10)
	h.AddFileSize("/srv/app/data/a", 1000)
	h.AddFileSize("/srv/app/data/b", 2000)
	h.AddFileSize("/srv/app/data/c", 3000)
	h.AddLink("/srv/app/etc", "/etc")
	h.AddFIFO("/srv/app/data/pipe")
	for i := range 50 {
		h.AddFileSize(fmt.Sprintf("/etc/f%d", i), 1<<20)
	}
	return h
}

func TestAssessCountsExactlyBelowTheBudget(t *testing.T) {
	r := risk.Assess(deletes("/srv/app"), nil, memTree(), risk.Options{StoreDir: "/var/lib/guard/snapshots"})
	want := guard.AtRisk{Action: "delete", Paths: []string{"/srv/app"}, Files: 8, Dirs: 3, Bytes: 3<<20 + 6410,
		Sample: []string{"/srv/app/conf/passwd", "/srv/app/big.bin", "/srv/app/data/c"}, Complete: true, Recoverable: "snapshot",
		Why: "a snapshot will be taken first (hard links, nothing copied)"}
	if fmt.Sprint(*r) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", *r, want)
	}
	const summary = "would delete 8 files in 3 folders (3.0 MiB) under /srv/app, e.g. /srv/app/conf/passwd, /srv/app/big.bin, /srv/app/data/c — a snapshot will be taken first (hard links, nothing copied)"
	if got := r.Summary(); got != summary {
		t.Errorf("summary:\n got  %s\n want %s", got, summary)
	}
}

func TestAssessStopsAtTheEntryBudget(t *testing.T) {
	h := guard.NewMemHost()
	for i := range 3000 {
		h.AddFileSize(fmt.Sprintf("/lib/d%d/f%d", i%30, i), 100)
	}
	r := risk.Assess(deletes("/lib"), nil, h, risk.Options{Budget: risk.Budget{Entries: 500}})
	if r.Complete || r.Files+r.Dirs > 500 || r.Files == 0 {
		t.Fatalf("want an incomplete count of at most 500 entries, got %+v", *r)
	}
	if !strings.Contains(r.Summary(), "would delete at least ") || !strings.Contains(r.Why, "counting stopped after 500 entries") {
		t.Errorf("the summary must say it is a lower bound: %s", r.Summary())
	}
	full := risk.Assess(deletes("/lib"), nil, h, risk.Options{Budget: risk.Budget{Entries: 10000}})
	if !full.Complete || full.Files != 3000 || full.Dirs != 31 || full.Bytes != 300000 {
		t.Errorf("with room in the budget: %+v", *full)
	}
}

func TestAssessStopsAtTheTimeBudget(t *testing.T) {
	h := guard.NewMemHost()
	for i := range 200 {
		h.AddFileSize(fmt.Sprintf("/srv/d%03d/f", i), 1)
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tick := func() time.Time { clock = clock.Add(time.Millisecond); return clock }
	r := risk.Assess(deletes("/srv"), nil, h, risk.Options{Budget: risk.Budget{Time: 50 * time.Millisecond, Now: tick}})
	if r.Complete || r.Files >= 200 || !strings.Contains(r.Why, "counting stopped after 50ms") {
		t.Errorf("want a count cut by the clock, got %+v", *r)
	}
}

func TestAssessDoesNotEnterAnotherFilesystem(t *testing.T) {
	h := memTree()
	h.AddFileSize("/srv/app/mnt/huge", 1<<40)
	h.Mnts = append(h.Mnts, guard.Mount{Source: "/dev/sdb1", Dir: "/srv/app/mnt", FSType: "xfs"})
	r := risk.Assess(deletes("/srv/app"), nil, h, risk.Options{})
	if r.Complete || r.Bytes > 1<<30 || !strings.Contains(r.Why, "/srv/app/mnt is another filesystem (xfs /dev/sdb1), which rm -r would empty too") {
		t.Errorf("got %+v", *r)
	}
}

func TestAssessRecoverability(t *testing.T) {
	h := memTree()
	h.Mnts = append(h.Mnts, guard.Mount{Source: "/dev/sdc1", Dir: "/var/lib/guard", FSType: "ext4"},
		guard.Mount{Source: "/dev/sdd1", Dir: "/data", FSType: "xfs"}, guard.Mount{Source: "/dev/sdd1", Dir: "/data/.snap", FSType: "xfs"})
	h.AddFileSize("/data/db/x", 5<<30)
	tests := []struct {
		name    string
		backup  guard.Backup
		opts    risk.Options
		recover string
		why     string
	}{
		{"another filesystem: copies", guard.Backup{Kind: guard.BackupFiles, Paths: []string{"/srv/app"}},
			risk.Options{StoreDir: "/var/lib/guard/snapshots"}, "snapshot", "a snapshot will be taken first (a copy of 3.0 MiB)"},
		{"overwrite on xfs: reflinks, even through another mount", guard.Backup{Kind: guard.BackupFiles, Paths: []string{"/data/db"}, Overwrite: true},
			risk.Options{StoreDir: "/data/.snap/guard"}, "snapshot", "a snapshot will be taken first (reflinks on xfs, nothing copied)"},
		{"too large to copy", guard.Backup{Kind: guard.BackupFiles, Paths: []string{"/data/db"}},
			risk.Options{StoreDir: "/var/lib/guard/snapshots", SnapshotBudget: 4 << 30}, "no", "too large to snapshot: 5.0 GiB to copy, the budget is 4.0 GiB"},
		{"a disk", guard.Backup{Kind: guard.BackupDisk, Paths: []string{"/dev/sdb"}}, risk.Options{}, "no", "NOT recoverable: a disk cannot be snapshotted"},
		{"unknown", guard.Backup{Kind: guard.BackupFiles, Unknown: "$DIR is not known before the line runs"}, risk.Options{}, "no", "$DIR is not known"},
		{"crontab", guard.Backup{Kind: guard.BackupCrontab, User: "www"}, risk.Options{}, "snapshot", "crontab -l"},
		{"lvm", guard.Backup{Kind: guard.BackupLVM, VG: "vg0"}, risk.Options{}, "no", "only the LVM metadata is saved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := (&guard.Finding{}).Saving(tt.backup)
			r := risk.Assess(f, nil, h, tt.opts)
			if r.Recoverable != tt.recover || !strings.Contains(r.Why, tt.why) {
				t.Errorf("got %s, %q; want %s, %q", r.Recoverable, r.Why, tt.recover, tt.why)
			}
		})
	}
	disk := risk.Assess((&guard.Finding{}).Saving(guard.Backup{Kind: guard.BackupDisk, Paths: []string{"/dev/sdb"}}), nil, h, risk.Options{})
	if got := disk.Summary(); got != "would wipe /dev/sdb — NOT recoverable: a disk cannot be snapshotted" {
		t.Errorf("disk summary: %s", got)
	}
	if risk.Assess(&guard.Finding{}, nil, h, risk.Options{}) != nil {
		t.Error("a finding without a backup plan puts nothing countable at risk")
	}
}

// realTree builds a tree in a temporary folder: 5 files of known sizes in
// 3 folders, a link out of the tree, an empty folder.
func realTree(t *testing.T) (root, outside string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "app")
	outside = filepath.Join(dir, "outside")
	files := map[string]int{"a.txt": 10, "sub/b.bin": 2000, "sub/c.bin": 3000, "sub/deeper/d": 1, "sub/deeper/.hidden": 7}
	for name, size := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(root, "empty"), 0o755)
	os.MkdirAll(outside, 0o755)
	for i := range 20 {
		os.WriteFile(filepath.Join(outside, fmt.Sprint(i)), make([]byte, 100), 0o644)
	}
	if err := os.Symlink(outside, filepath.Join(root, "out")); err != nil {
		t.Fatal(err)
	}
	return root, outside
}

func TestAssessRealTree(t *testing.T) {
	root, _ := realTree(t)
	r := risk.Assess(deletes(root), nil, &guard.OSHost{}, risk.Options{})
	if r.Files != 6 || r.Dirs != 4 || r.Bytes != 5018 || !r.Complete {
		t.Errorf("got files=%d dirs=%d bytes=%d complete=%v, want 6 (5 files and the link), 4, 5018, true", r.Files, r.Dirs, r.Bytes, r.Complete)
	}
	if len(r.Sample) == 0 || r.Sample[0] != filepath.Join(root, "sub/c.bin") {
		t.Errorf("sample %v: the largest file first", r.Sample)
	}
	// The link itself, with a trailing-slash rule resolving to its target,
	// is what a rule saves; counting the link alone is one entry.
	link := risk.Assess(deletes(filepath.Join(root, "out")), nil, &guard.OSHost{}, risk.Options{})
	if link.Files != 1 || link.Dirs != 0 || !link.Complete {
		t.Errorf("a symbolic link counts as one entry: %+v", *link)
	}
	gone := risk.Assess(deletes(filepath.Join(root, "nothing-here")), nil, &guard.OSHost{}, risk.Options{})
	if !gone.Complete || gone.Files != 0 || !strings.HasPrefix(gone.Summary(), "would delete nothing under "+filepath.Join(root, "nothing-here")) || !strings.Contains(gone.Why, "nothing-here does not exist") {
		t.Errorf("a path that does not exist: %+v %s", *gone, gone.Summary())
	}
}

// TestAssessLargeTreeRespectsTheBudget: 50,000 real files; the default
// budget must stop the count well within a second.
func TestAssessLargeTreeRespectsTheBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 50,000 files")
	}
	root := largeTree(t, 50_000)
	start := time.Now()
	r := risk.Assess(deletes(root), nil, &guard.OSHost{}, risk.Options{})
	took := time.Since(start)
	if r.Complete || r.Files+r.Dirs > int64(risk.DefaultBudget.Entries) {
		t.Errorf("want an incomplete count within %d entries, got %+v", risk.DefaultBudget.Entries, *r)
	}
	// 200 ms of budget, plus one folder listing of slack on a busy machine.
	if took > time.Second {
		t.Errorf("counting took %v", took)
	}
	t.Logf("counted %d files in %v (at least)", r.Files, took)
}

// largeTree builds n empty files in folders of 500, in /dev/shm when the
// machine has it: the test is about the budget, not the disk, and creating
// 50,000 files on a busy ext4 takes longer than everything else here.
func largeTree(t testing.TB, n int) string {
	base := t.TempDir()
	if dir, err := os.MkdirTemp("/dev/shm", "guard-risk-"); err == nil {
		base = dir
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	root := filepath.Join(base, "big")
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("d%03d", i/500))
		if i%500 == 0 {
			os.MkdirAll(dir, 0o755)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func BenchmarkAssessLargeTree(b *testing.B) {
	root := largeTree(b, 50_000)
	host := &guard.OSHost{}
	for b.Loop() {
		r := risk.Assess(deletes(root), nil, host, risk.Options{})
		if r.Complete {
			b.Fatal("complete within the budget?")
		}
	}
}

// TestAssessVerdict judges real lines with the catalog, as the gate
// does, and checks what each finding carries.
func TestAssessVerdict(t *testing.T) {
	e, err := rules.NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	h := memTree()
	h.AddFileSize("/etc/app.conf.bak", 50)
	h.AddFileSize("/etc/ssl/old.bak", 70)
	h.AddLink("/home/op/data", "/srv/app")
	h.AddLink("/lib", "usr/lib")
	h.AddFileSize("/usr/lib/x86_64-linux-gnu/libc.so.6", 1000)
	h.AddFileSize("/usr/lib/x86_64-linux-gnu/libm.so.6", 500)
	tests := []struct {
		line string
		want string // in the summary
	}{
		{"rm -rf data/", "would delete 8 files in 3 folders (3.0 MiB) under /srv/app"},
		{"find /etc -name '*.bak' -delete", "would delete 2 files (120 B) under /etc"},
		{"crontab -r", "would delete your crontab — a snapshot will be taken first (crontab -l)"},
		// find -P does not follow a start point that is a link: nothing
		// under /usr/lib is reached, whatever the rule saves.
		{"find /lib -name '*.so' -delete", "would delete nothing under /lib — NOT recoverable: guard warns and lets it run, without a snapshot; find matches 0 files in /lib"},
		// a blocked command does not run: no snapshot to speak of
		{"rm -rf /usr/lib", "under /usr/lib, e.g. /usr/lib/x86_64-linux-gnu/libc.so.6, /usr/lib/x86_64-linux-gnu/libm.so.6 — blocked, so it does not run"},
		{"find /lib/ -name '*.so*' -delete", "would delete 2 files (1.5 KiB) under /usr/lib, e.g. /usr/lib/x86_64-linux-gnu/libc.so.6, /usr/lib/x86_64-linux-gnu/libm.so.6"},
	}
	for _, tt := range tests {
		v := e.Judge(tt.line, h, guard.Options{Cwd: "/home/op"})
		risk.AssessVerdict(&v, h, risk.Options{})
		var got []string
		for _, f := range v.Findings {
			got = append(got, f.AtRisk.Summary())
		}
		if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, tt.want) }) {
			t.Errorf("%s: summaries %q, want one holding %q", tt.line, got, tt.want)
		}
	}
}
