package snapshot

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// benchTree builds 10,000 files of 100 KiB (about 1 GiB) in 100 folders.
func benchTree(b *testing.B) string {
	return benchTreeIn(b, b.TempDir())
}

func benchTreeIn(b *testing.B, dir string) string {
	b.Helper()
	root := filepath.Join(dir, "tree")
	chunk := make([]byte, 100<<10)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	for d := range 100 {
		dir := filepath.Join(root, fmt.Sprintf("d%03d", d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := range 100 {
			chunk[0], chunk[1] = byte(d), byte(f)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", f)), chunk, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	return root
}

func benchmarkSnapshot(b *testing.B, overwrite bool) {
	benchmarkSnapshotOf(b, benchTree(b), overwrite)
}

func benchmarkSnapshotOf(b *testing.B, tree string, overwrite bool) {
	s := &Store{Dir: filepath.Join(filepath.Dir(tree), "store"), Budget: 2 << 30}
	b.SetBytes(1000 * 100 << 10 * 10)
	b.ResetTimer()
	for b.Loop() {
		m := takeTree(b, s, tree, overwrite)
		b.StopTimer()
		b.ReportMetric(float64(m.Size)/(1<<20), "MiB-written")
		if err := s.Remove(m.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkSnapshotHardLinks: a snapshot for a pure deletion on the same
// filesystem links every file; it writes no data, only reads it to hash.
func BenchmarkSnapshotHardLinks(b *testing.B) { benchmarkSnapshot(b, false) }

// BenchmarkSnapshotCopy: a snapshot for an overwrite copies every byte
// (reflinks where the filesystem has them; ext4 here has not).
func BenchmarkSnapshotCopy(b *testing.B) { benchmarkSnapshot(b, true) }

// BenchmarkSnapshotReflinkXFS: the overwrite snapshot on XFS with reflinks
// (a loop-mounted image; root only): clones instead of copies.
func BenchmarkSnapshotReflinkXFS(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root to loop-mount an XFS image")
	}
	img := filepath.Join(b.TempDir(), "xfs.img")
	mnt := b.TempDir()
	os.WriteFile(img, nil, 0o600)
	os.Truncate(img, 2<<30)
	for _, c := range [][]string{{"mkfs.xfs", "-q", "-m", "reflink=1", img}, {"mount", "-o", "loop", img, mnt}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			b.Fatalf("%v: %v %s", c, err, out)
		}
	}
	b.Cleanup(func() { exec.Command("umount", mnt).Run() })
	benchmarkSnapshotOf(b, benchTreeIn(b, mnt), true)
}
