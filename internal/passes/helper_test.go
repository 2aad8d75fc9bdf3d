package passes

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The helpers run outside the sandbox: a module the user saved from an
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
	os.WriteFile(filepath.Join(dir, "ast.py"), []byte("open("+quotePy(marker)+", 'w').write('ran')\n"), 0o644)
	t.Chdir(dir)
	t.Setenv("PYTHONPATH", dir)
	a, err := NewAnalyst(py)
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

func quotePy(s string) string { return "'" + s + "'" }
