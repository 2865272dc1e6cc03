package snapshot

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// Problem is one thing verify found wrong.
type Problem struct {
	Path string
	What string
}

// check is one stored file to read: where it is, what it stands for, and
// what the manifest says about it.
type check struct {
	name   string // the original path, or the kind of item
	stored string // absolute path of the stored copy
	want   string // sha256; "" when it was not hashed at take time
	item   *Item  // the item, to record a lazily computed sha256
}

// Verify re-reads every stored file, on every core, and checks it against
// the manifest: its sha256 where the manifest has one. A file saved by
// hard link or reflink was not hashed when the snapshot was taken (it is
// the only remaining reference to the old data, and hashing it would cost
// a read of every byte before the command may run); its size, and for a
// hard link its modification time, are checked instead, and its sha256 is
// then written into the manifest so that every later verify checks the
// bytes themselves.
func (s *Store) Verify(id string) ([]Problem, error) {
	m, err := s.Load(id)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.Dir, id)
	var checks []check
	for i := range m.Items {
		it := &m.Items[i]
		name := it.Path
		if name == "" {
			name = it.Kind
		}
		if it.Stored != "" && (it.SHA256 != "" || it.Kind == "file") {
			checks = append(checks, check{name: name, stored: filepath.Join(dir, it.Stored), want: it.SHA256, item: it})
		}
		for _, x := range it.Extra {
			checks = append(checks, check{name: x.Name, stored: filepath.Join(dir, x.Stored), want: x.SHA256})
		}
	}
	problems := make([]*Problem, len(checks))
	sums := make([]string, len(checks))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for i := range jobs {
				sums[i], problems[i] = verifyOne(checks[i], buf)
			}
		}()
	}
	for i := range checks {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var found []Problem
	learned := false
	for i, c := range checks {
		if problems[i] != nil {
			found = append(found, *problems[i])
			continue
		}
		if c.want == "" && c.item != nil {
			c.item.SHA256 = sums[i]
			learned = true
		}
	}
	if learned {
		// Best effort: a store this user may not write is verified again
		// in full next time.
		_ = s.rewriteManifest(m)
	}
	return found, nil
}

func verifyOne(c check, buf []byte) (string, *Problem) {
	if c.want == "" {
		info, err := os.Lstat(c.stored)
		if err != nil {
			return "", &Problem{c.name, "stored copy unreadable: " + err.Error()}
		}
		it := c.item
		switch {
		case info.Size() != it.Size:
			return "", &Problem{c.name, fmt.Sprintf("the stored copy has %d bytes, the manifest says %d: it was changed after the snapshot", info.Size(), it.Size)}
		case it.Method == "hardlink" && !info.ModTime().Equal(it.MTime):
			return "", &Problem{c.name, fmt.Sprintf("the stored copy was modified at %s, after the snapshot (the command wrote into the file instead of deleting it)", info.ModTime().Format("2006-01-02 15:04:05"))}
		}
	}
	got, err := hashFileWith(c.stored, buf)
	switch {
	case err != nil:
		return "", &Problem{c.name, "stored copy unreadable: " + err.Error()}
	case c.want != "" && got != c.want:
		return "", &Problem{c.name, fmt.Sprintf("sha256 is %s, the manifest says %s", got[:12], c.want[:12])}
	}
	return got, nil
}

// rewriteManifest replaces a complete snapshot's manifest, atomically.
func (s *Store) rewriteManifest(m *Manifest) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	dir := filepath.Join(s.Dir, m.ID)
	tmp := filepath.Join(dir, fmt.Sprintf(".manifest-%d.json", os.Getpid()))
	os.Remove(tmp)
	if err := writeFileSync(tmp, data); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "manifest.json")); err != nil {
		os.Remove(tmp)
		return err
	}
	return fsyncDir(dir)
}
