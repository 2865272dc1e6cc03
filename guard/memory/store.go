package memory

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/guard-sh/guard/guard"
)

// Defaults that keep the file small and its memory short: a refusal is
// about one piece of work, and an agent session rarely outlives a day.
const (
	DefaultMaxAge     = 24 * time.Hour
	DefaultMaxEntries = 1000
	// maxFileBytes bounds what is read back; a bigger file (never written
	// by Remember, which prunes) is ignored as if empty.
	maxFileBytes = 1 << 20
	maxLineBytes = 300
	maxIDBytes   = 200
	// lockWait bounds the wait for another guard writing the file.
	lockWait = 2 * time.Second
)

// Entry is one remembered refusal.
type Entry struct {
	Agent   string    `json:"agent"`
	Session string    `json:"session"`
	Time    time.Time `json:"time"`
	Effect
	// Line is the refused line, shortened, to say which one it was.
	Line string `json:"line"`
}

// Store is the file of refusals: one JSON document, replaced atomically
// (written beside it and renamed), its writers serialised by a lock file.
type Store struct {
	Path string
	// MaxAge forgets older refusals; 0 means DefaultMaxAge.
	MaxAge time.Duration
	// MaxEntries keeps only the newest; 0 means DefaultMaxEntries.
	MaxEntries int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

type document struct {
	Entries []Entry `json:"entries"`
}

// Recall returns the first remembered refusal, in this agent's session,
// of one of effects. An agent event without a session id has no memory.
func (s *Store) Recall(agent, session string, effects []Effect) (Entry, bool, error) {
	if session == "" || len(effects) == 0 {
		return Entry{}, false, nil
	}
	doc, err := s.read()
	if err != nil {
		return Entry{}, false, err
	}
	session = clip(session, maxIDBytes)
	for _, e := range doc.Entries { // oldest first: the refusal that started it
		if e.Agent != agent || e.Session != session || !s.fresh(e) {
			continue
		}
		for _, eff := range effects {
			if e.Effect.Same(eff) {
				return e, true, nil
			}
		}
	}
	return Entry{}, false, nil
}

// Remember records that line, refused in this agent's session, had these
// effects.
func (s *Store) Remember(agent, session, line string, effects []Effect) error {
	if session == "" || len(effects) == 0 {
		return nil
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	doc, err := s.read()
	if err != nil {
		doc = document{} // an unreadable file is replaced, not kept growing
	}
	kept := doc.Entries[:0]
	for _, e := range doc.Entries {
		if s.fresh(e) {
			kept = append(kept, e)
		}
	}
	now := s.now().UTC()
	session = clip(session, maxIDBytes)
	for _, eff := range effects {
		known := slices.ContainsFunc(kept, func(e Entry) bool {
			return e.Agent == agent && e.Session == session && e.Effect == eff
		})
		if !known { // the first refusal is the one to name; retries add nothing
			kept = append(kept, Entry{Agent: agent, Session: session, Time: now, Effect: eff, Line: clip(line, maxLineBytes)})
		}
	}
	if limit := s.maxEntries(); len(kept) > limit {
		kept = kept[len(kept)-limit:]
	}
	doc.Entries = slices.Clone(kept)
	return s.write(doc)
}

func (s *Store) read() (document, error) {
	var doc document
	data, err := guard.ReadRegular(s.Path, maxFileBytes+1)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return doc, nil
	case err != nil:
		return doc, fmt.Errorf("reading %s: %w", s.Path, err)
	case len(data) > maxFileBytes:
		return doc, fmt.Errorf("reading %s: larger than %d bytes", s.Path, maxFileBytes)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return document{}, fmt.Errorf("reading %s: %w", s.Path, err)
	}
	return doc, nil
}

func (s *Store) write(doc document) error {
	data, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("writing %s: %w", s.Path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.Path), ".refusals-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", s.Path, err)
	}
	defer os.Remove(tmp.Name()) // after a rename there is nothing left to remove
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", s.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", s.Path, err)
	}
	if err := os.Rename(tmp.Name(), s.Path); err != nil {
		return fmt.Errorf("writing %s: %w", s.Path, err)
	}
	return nil
}

// lock takes the lock file beside the store, waiting at most lockWait for
// another guard that is writing it.
func (s *Store) lock() (func(), error) {
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the folder of %s: %w", s.Path, err)
	}
	f, err := os.OpenFile(s.Path+".lock", os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", s.Path, err)
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { unix.Flock(int(f.Fd()), unix.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", s.Path, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Store) fresh(e Entry) bool {
	age := s.MaxAge
	if age == 0 {
		age = DefaultMaxAge
	}
	return s.now().Sub(e.Time) < age
}

func (s *Store) maxEntries() int {
	if s.MaxEntries > 0 {
		return s.MaxEntries
	}
	return DefaultMaxEntries
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// clip shortens s to at most n bytes without cutting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
