package passes

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/reprokit/reprokit/internal/toolchain"
)

// One helper process serves every interpreter found here, 2.7 on: it
// compiles with that interpreter's grammar, and it loads the analyst
// exactly where the analyst can run (3.9 on).
func TestHelperOnEveryPython(t *testing.T) {
	all, err := toolchain.Discover(context.Background(), os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tc := range all {
		if tc.Kind != toolchain.Python {
			continue
		}
		n++
		t.Run(tc.Name, func(t *testing.T) {
			py3 := toolchain.CompareVersions(tc.Version, "3") >= 0
			h, err := StartHelper(tc.Path, false)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			for _, c := range []struct {
				src  string
				want bool
			}{
				{"x = 1\n", true},
				{"x = (\n", false},
				{"print 'x'\n", !py3}, // a statement only Python 2 has
				{"async def f():\n    await g()\n", py3 && toolchain.CompareVersions(tc.Version, "3.5") >= 0},
			} {
				if got := h.Valid(archive("exec python a.py\n", "a.py", c.src)); got != c.want {
					t.Errorf("compiles %q = %v, want %v", c.src, got, c.want)
				}
			}
			if h.Analyses() {
				t.Error("started without the analyst, it claims to analyse")
			}
			wantAnalyst := toolchain.CompareVersions(tc.Version, "3.9") >= 0
			a, err := StartHelper(tc.Path, true)
			if (err == nil) != wantAnalyst {
				t.Fatalf("with the analyst: err %v, want an analyst %v", err, wantAnalyst)
			}
			if err != nil {
				return
			}
			defer a.Close()
			// The same process compiles and analyses.
			if !a.Valid(archive("exec python a.py\n", "a.py", "print(x)\n")) || a.Valid(archive("exec python a.py\n", "a.py", "print(\n")) {
				t.Error("the analysing helper's syntax check is wrong")
			}
			if names, ok := a.Undefined([]byte("print(x)\n")); !ok || len(names) != 1 || names[0] != "x" {
				t.Errorf("undefined = %q, %v; want x", names, ok)
			}
		})
	}
	if n == 0 {
		t.Skip("no Python found by toolchain discovery")
	}
}

// The helper runs outside the sandbox: a module the user saved from an
// archive next to where they run reprokit (ast.py, which the analyst
// imports) must not be imported in the standard library's place, nor one
// that PYTHONPATH names.
func TestHelpersIgnoreTheCallersDirectory(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("needs python3")
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "hijacked")
	os.WriteFile(filepath.Join(dir, "ast.py"), []byte("open('"+marker+"', 'w').write('ran')\n"), 0o644)
	t.Chdir(dir)
	t.Setenv("PYTHONPATH", dir)
	a, err := StartHelper(py, true)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if names, ok := a.Undefined([]byte("print(x)\n")); !ok || len(names) != 1 {
		t.Fatalf("the analyst did not answer: %q %v", names, ok)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the caller's ast.py ran in the helper")
	}
}
