package risk

import (
	"path/filepath"
	"slices"
	"strings"
)

// vital are files an operator recognises at once as the ones a machine
// cannot run or be reached without; a sample names them before the
// largest files. Patterns match the base name.
var vital = []string{
	"libc.so.*", "ld-linux*.so*", "libc-*.so", "libpthread.so.*", "libsystemd.so.*",
	"passwd", "shadow", "group", "sudoers", "fstab", "authorized_keys", "sshd_config",
	"grub.cfg", "vmlinuz*", "initrd.img*", "systemd", "init", "bash", "sh", "sshd",
}

// sampleSize is how many paths a sample names.
const sampleSize = 3

// sampler keeps the few paths worth naming: vital ones first, in the
// order met, then the largest.
type sampler struct {
	vital   []string
	largest []sized
}

type sized struct {
	path string
	size int64
}

func (s *sampler) add(path string, size int64) {
	if len(s.vital) < sampleSize && isVital(filepath.Base(path)) {
		s.vital = append(s.vital, path)
		return
	}
	s.largest = append(s.largest, sized{path, size})
	slices.SortStableFunc(s.largest, func(a, b sized) int {
		if a.size != b.size {
			return int(b.size - a.size)
		}
		return strings.Compare(a.path, b.path)
	})
	if len(s.largest) > sampleSize {
		s.largest = s.largest[:sampleSize]
	}
}

func (s *sampler) paths() []string {
	out := append([]string(nil), s.vital...)
	for _, l := range s.largest {
		if len(out) == sampleSize {
			break
		}
		out = append(out, l.path)
	}
	return out
}

func isVital(name string) bool {
	for _, pat := range vital {
		if ok, _ := filepath.Match(pat, name); ok {
			return true
		}
	}
	return false
}
