package guard

import (
	"fmt"
	"os"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

func TestZZDebugVia(t *testing.T) {
	line := os.Getenv("ZZLINE")
	if line == "" {
		t.Skip()
	}
	invs, notes, _ := Resolve(line, "/tmp/h63/sb", &OSHost{}, syntax.LangBash)
	for _, inv := range invs {
		fmt.Printf("%q via=%q args=%d stdin=%d code=%+v\n", inv.Text, inv.Via, len(inv.Args), len(inv.Stdin), inv.Code)
	}
	fmt.Println(notes)
}
