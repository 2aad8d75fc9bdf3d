package pyindex

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A pyenv build packed as install_only and unpacked elsewhere runs on its
// own files: its libpython comes from the copy, not from pyenv.
func TestInstallOnlyRelocates(t *testing.T) {
	if testing.Short() {
		t.Skip("packs a whole interpreter (seconds): the full run only")
	}
	home, _ := os.UserHomeDir()
	builds, _ := filepath.Glob(filepath.Join(home, ".pyenv", "versions", "3.1[0-9].*"))
	if len(builds) == 0 {
		t.Skip("needs a pyenv build of Python 3.10 or newer")
	}
	prefix := builds[0]
	data, err := InstallOnly(prefix)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	untar(t, data, dir)
	py := filepath.Join(dir, "python", "bin", "python3")
	out, err := exec.Command(py, "-c", "import sys, ssl, sqlite3; print(sys.prefix); print(open('/proc/self/maps').read())").CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", py, err, out)
	}
	real, _ := filepath.EvalSymlinks(prefix)
	if strings.Contains(string(out), real) {
		t.Errorf("the unpacked copy still maps files of %s:\n%s", real, out)
	}
	if first, _, _ := strings.Cut(string(out), "\n"); !strings.HasPrefix(first, dir) {
		t.Errorf("sys.prefix = %s, want under %s", first, dir)
	}
}

func untar(t *testing.T, data []byte, dir string) {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, h.Name)
		switch h.Typeflag {
		case tar.TypeDir:
			os.MkdirAll(p, 0o755)
		case tar.TypeSymlink:
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.Symlink(h.Linkname, p)
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(p), 0o755)
			b, _ := io.ReadAll(tr)
			os.WriteFile(p, b, os.FileMode(h.Mode))
		}
	}
}
