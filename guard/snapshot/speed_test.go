package snapshot

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The benchmarks in this file time guard against the tool an operator
// would otherwise use, on the same tree in the same run, and report the
// ratio: take of a deletion against cp -al, restore --to against cp -a,
// verify against sha256sum over the same stored files.
//
//	go test -run '^$' -bench 'Take|Restore|Verify' -benchtime 5x ./guard/snapshot/

// smallTree builds n files of 4 KiB in folders of 100, with distinct content.
func smallTree(b *testing.B, dir string, n int) string {
	b.Helper()
	root := filepath.Join(dir, "tree")
	chunk := make([]byte, 4096)
	for i := range n {
		sub := filepath.Join(root, fmt.Sprintf("d%04d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		for j := range chunk {
			chunk[j] = byte(i*31 + j)
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%03d", i%100)), chunk, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return root
}

// timed runs a program and returns how long it took.
func timed(b *testing.B, name string, args ...string) time.Duration {
	b.Helper()
	start := time.Now()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		b.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return time.Since(start)
}

// settle writes back what earlier steps left dirty, so that neither side
// of a comparison pays for the other's writes (this machine is shared).
func settle(b *testing.B) {
	b.StopTimer()
	syscall.Sync()
	b.StartTimer()
}

// both times the reference and guard in turn, the reference first on even
// iterations and second on odd ones, so that neither always runs on a
// colder or busier disk.
func both(b *testing.B, i int, r *ratio, ref, guard func() time.Duration) {
	first, second := ref, guard
	if i%2 == 1 {
		first, second = guard, ref
	}
	settle(b)
	d1 := first()
	settle(b)
	d2 := second()
	if i%2 == 1 {
		d1, d2 = d2, d1
	}
	r.ref += d1
	r.guard += d2
}

// ratio accumulates guard's time and the reference tool's, to report both
// and their quotient.
type ratio struct{ guard, ref time.Duration }

func (r ratio) report(b *testing.B, refName string) {
	n := float64(b.N)
	b.ReportMetric(float64(r.guard.Milliseconds())/n, "guard-ms")
	b.ReportMetric(float64(r.ref.Milliseconds())/n, refName+"-ms")
	b.ReportMetric(r.guard.Seconds()/r.ref.Seconds(), "x-"+refName)
}

var sizes = []int{10_000, 100_000}

func BenchmarkTakeVsCpAl(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			tree := smallTree(b, dir, n)
			s := &Store{Dir: filepath.Join(dir, "store"), Budget: 1 << 30}
			var r ratio
			for i := 0; b.Loop(); i++ {
				copyDir := filepath.Join(dir, fmt.Sprint("cp-al-", i))
				var id string
				both(b, i, &r, func() time.Duration { return timed(b, "cp", "-al", tree, copyDir) }, func() time.Duration {
					start := time.Now()
					m := takeTree(b, s, tree, false)
					id = m.ID
					return time.Since(start)
				})
				b.StopTimer()
				os.RemoveAll(copyDir)
				s.Remove(id)
				b.StartTimer()
			}
			r.report(b, "cp-al")
		})
	}
}

func BenchmarkRestoreVsCpA(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			tree := smallTree(b, dir, n)
			s := &Store{Dir: filepath.Join(dir, "store"), Budget: 1 << 30}
			m := takeTree(b, s, tree, false)
			var r ratio
			for i := 0; b.Loop(); i++ {
				copyDir := filepath.Join(dir, fmt.Sprint("cp-a-", i))
				to := filepath.Join(dir, fmt.Sprint("to-", i))
				both(b, i, &r, func() time.Duration { return timed(b, "cp", "-a", tree, copyDir) }, func() time.Duration {
					start := time.Now()
					if err := s.Restore(m.ID, RestoreOptions{To: to}); err != nil {
						b.Fatal(err)
					}
					return time.Since(start)
				})
				b.StopTimer()
				os.RemoveAll(copyDir)
				os.RemoveAll(to)
				b.StartTimer()
			}
			r.report(b, "cp-a")
		})
	}
}

func BenchmarkVerifyVsSha256sum(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			tree := smallTree(b, dir, n)
			s := &Store{Dir: filepath.Join(dir, "store"), Budget: 1 << 30}
			m := takeTree(b, s, tree, false)
			stored := filepath.Join(s.Dir, m.ID, "files")
			var r ratio
			for i := 0; b.Loop(); i++ {
				both(b, i, &r, func() time.Duration {
					return timed(b, "sh", "-c", `find "$1" -type f -print0 | xargs -0 sha256sum >/dev/null`, "sh", stored)
				}, func() time.Duration {
					start := time.Now()
					problems, err := s.Verify(m.ID)
					if err != nil || len(problems) > 0 {
						b.Fatal(err, problems)
					}
					return time.Since(start)
				})
			}
			r.report(b, "sha256sum")
		})
	}
}
