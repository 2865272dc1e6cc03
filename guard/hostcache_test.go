package guard

import (
	"errors"
	"io/fs"
	"strconv"
	"sync"
	"testing"
)

// countingHost counts the questions that reach the host under it.
type countingHost struct {
	Host
	mu                   sync.Mutex
	lstats, links, names int
}

func (h *countingHost) Lstat(path string) (fs.FileInfo, error) {
	h.mu.Lock()
	h.lstats++
	h.mu.Unlock()
	return h.Host.Lstat(path)
}

func (h *countingHost) Readlink(path string) (string, error) {
	h.mu.Lock()
	h.links++
	h.mu.Unlock()
	return h.Host.Readlink(path)
}

func (h *countingHost) Hostname() string {
	h.mu.Lock()
	h.names++
	h.mu.Unlock()
	return h.Host.Hostname()
}

func TestAnswersHostAsksOnce(t *testing.T) {
	mem := NewMemHost()
	mem.AddDir("/srv/app")
	mem.AddLink("/srv/app/current", "/srv/app/releases/7")
	under := &countingHost{Host: mem}
	h := rememberAnswers(under)
	for range 3 {
		if info, err := h.Lstat("/srv/app"); err != nil || !info.IsDir() {
			t.Fatalf("Lstat(/srv/app) = %v, %v; want the folder", info, err)
		}
		if target, err := h.Readlink("/srv/app/current"); err != nil || target != "/srv/app/releases/7" {
			t.Fatalf("Readlink = %q, %v", target, err)
		}
		if _, err := h.Lstat("/srv/web"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Lstat(/srv/web) = %v; want not there", err)
		}
		h.Hostname()
	}
	if under.lstats != 2 || under.links != 1 || under.names != 1 {
		t.Errorf("the host was asked %d lstat, %d readlink, %d hostname; want 2, 1, 1", under.lstats, under.links, under.names)
	}
	// in a folder the host said is not there nothing is: not asked
	if _, err := h.Lstat("/srv/web/.git"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Lstat in a missing folder = %v; want not there", err)
	}
	if under.lstats != 2 {
		t.Errorf("the host was asked %d lstat after a path in a missing folder; want still 2", under.lstats)
	}
	// a new judgement asks again: what changed between lines is seen
	mem.AddDir("/srv/web")
	if info, err := rememberAnswers(under).Lstat("/srv/web"); err != nil || !info.IsDir() {
		t.Errorf("a new judgement's Lstat(/srv/web) = %v, %v; want the folder made since", info, err)
	}
}

func TestAnswersHostResolvesOnce(t *testing.T) {
	mem := NewMemHost()
	mem.AddDir("/srv/app/releases/7")
	mem.AddLink("/srv/app/current", "/srv/app/releases/7")
	under := &countingHost{Host: mem}
	h := rememberAnswers(under)
	for range 3 {
		if p, certain := ResolvePath(h, "/srv/app/current/bin"); p != "/srv/app/releases/7/bin" || !certain {
			t.Fatalf("ResolvePath = %q, %v; want /srv/app/releases/7/bin, certain", p, certain)
		}
	}
	lstats, links := under.lstats, under.links
	if links != 1 {
		t.Errorf("the link was read %d times; want once", links)
	}
	if _, _ = ResolvePath(h, "/srv/app/current/bin"); under.lstats != lstats {
		t.Errorf("resolving the same path again asked the host %d more lstat; want none", under.lstats-lstats)
	}
	// the answer is the host's, not the cache's: a relative path is not resolved
	if p, certain := ResolvePath(h, "app/current"); p != "app/current" || certain {
		t.Errorf("ResolvePath(relative) = %q, %v; want it as given, not certain", p, certain)
	}
}

func TestAnswersHostBounded(t *testing.T) {
	under := &countingHost{Host: NewMemHost()}
	h := rememberAnswers(under)
	for i := range maxAnswers + 10 {
		h.Lstat("/x/" + strconv.Itoa(i))
	}
	if len(h.stats) > maxAnswers {
		t.Errorf("%d answers kept; the bound is %d", len(h.stats), maxAnswers)
	}
}

func TestAnswersHostConcurrent(t *testing.T) {
	mem := NewMemHost()
	mem.AddDir("/etc")
	h := rememberAnswers(&countingHost{Host: mem})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				h.Lstat("/etc")
				h.Lstat("/etc/nothing")
				h.Readlink("/etc")
				h.Hostname()
			}
		}()
	}
	wg.Wait()
}
