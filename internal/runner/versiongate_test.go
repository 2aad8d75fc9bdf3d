package runner

import (
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

func TestFind(t *testing.T) {
	py := `import sys
# sys.version_info in a comment is not code
try:
    import _interpreters
except ImportError:
    import _xxsubinterpreters as _interpreters
if sys.version_info >= (3, 13):
    x = 1
elif hasattr(os, "fork"):
    x = 2
if sys.hexversion > 0x030c0000: pass
print("plain")
`
	goSrc := "//go:build go1.22\n\npackage main\n"
	script := "[!python:3.8] skip 'too old'\n[python:3.12] exec python3 new.py\nexec python3 a.py\n"
	got := FindGates([]txtar.File{{Name: "a.py", Data: []byte(py)}, {Name: "m.go", Data: []byte(goSrc)}, {Name: "notes.txt", Data: []byte("sys.version_info")}}, script)
	want := []struct {
		file string
		line int
		kind string
	}{
		{"a.py", 5, "ImportError fallback"},
		{"a.py", 7, "sys.version_info"},
		{"a.py", 9, "hasattr"},
		{"a.py", 11, "sys.hexversion"},
		{"m.go", 1, "go build constraint"},
		{"script", 2, "version condition"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d gates %v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if got[i].File != w.file || got[i].Line != w.line || got[i].Kind != w.kind {
			t.Errorf("gate %d: got %v (%s), want %s:%d (%s)", i, got[i], got[i].Kind, w.file, w.line, w.kind)
		}
	}
	if n := GateNote(got[:2]); n != "**The versions run different code:** the reproducer selects code by version at `a.py` lines 5 and 7 (`ImportError fallback`, `sys.version_info`), so each row of the matrix ran the branch its version chose." {
		t.Errorf("note: %s", n)
	}
	if GateNote(nil) != "" {
		t.Error("no gates, no note")
	}
}
