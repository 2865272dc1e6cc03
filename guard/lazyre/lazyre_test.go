package lazyre

import "testing"

func TestLazy(t *testing.T) {
	r := New(`a(b+)c`)
	if r.re != nil {
		t.Fatal("compiled before first use")
	}
	if !r.MatchString("xabbc") || r.FindStringSubmatch("abbbc")[1] != "bbb" {
		t.Error("does not match as regexp does")
	}
	defer func() {
		if recover() == nil {
			t.Error("an invalid expression must panic at first use")
		}
	}()
	New(`(`).MatchString("x")
}
