package bisect

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/reprokit/reprokit/internal/toolchain"
)

func TestInstalled(t *testing.T) {
	var all []toolchain.Toolchain
	for _, v := range []string{"3.11.2", "3.13.0", "2.7.18", "3.9.18", "3.11.7", "3.12.1", "3.11.2", "3.10.13"} {
		all = append(all, toolchain.Toolchain{Kind: "python", Name: "cpython-" + v, Version: v})
	}
	all = append(all, toolchain.Toolchain{Kind: "go", Name: "go1.22.5", Version: "1.22.5"})
	for _, tc := range []struct {
		rg   string
		want []string
	}{
		{"3.9..3.13", []string{"3.9.18", "3.10.13", "3.11.2", "3.11.7", "3.12.1", "3.13.0"}},
		{"3.11..3.11.7", []string{"3.11.2", "3.11.7"}},
		{"3.10..3.12", []string{"3.10.13", "3.11.2", "3.11.7", "3.12.1"}},
		{"2..3.9", []string{"2.7.18", "3.9.18"}},
	} {
		lo, hi, err := ParseRange(tc.rg)
		if err != nil {
			t.Fatal(err)
		}
		if got := Installed(all, "python", lo, hi).Names; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.rg, got, tc.want)
		}
	}
	for _, bad := range []string{"3.12", "3.13..3.9", "..3.9", "3.9..", "3.9..3.9"} {
		if _, _, err := ParseRange(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if lo, hi, _ := ParseRange("go1.22.0..go1.22.12"); lo != "1.22.0" || hi != "1.22.12" {
		t.Errorf("go prefixes: %s..%s", lo, hi)
	}
}

func TestGoVersion(t *testing.T) {
	for in, want := range map[string]string{"go1.22.5": "1.22.5", "devel go1.27-1a2b3c4 Tue Nov 3 10:00:00 2026 +0000": "1.27", "go1.21rc2": "1.21rc2"} {
		if got := goVersion(in); got != want {
			t.Errorf("goVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// A patch-release range of CPython is every patch release in uv's download
// list (here uv's own, built in: listing it needs no network) and on this
// machine, in version order; listing fetches nothing.
func TestPythonPatchReleases(t *testing.T) {
	uv, err := exec.LookPath("uv")
	if err != nil {
		t.Skip("needs uv on PATH (pip install uv)")
	}
	cache := t.TempDir()
	env := func(k string) string {
		return map[string]string{"PATH": filepath.Dir(uv), "XDG_CACHE_HOME": cache, "HOME": cache}[k]
	}
	here := []toolchain.Toolchain{{Kind: "python", Name: "cpython-3.12.1", Version: "3.12.1", Source: "pyenv"}, {Kind: "python", Name: "cpython-3.12.3t", Version: "3.12.3t", ABI: "t"}}
	var log bytes.Buffer
	r := pythonReleases(context.Background(), here, "3.12.0", "3.12.8", Range{Env: env, Log: &log})
	want := []string{"3.12.0", "3.12.1", "3.12.2", "3.12.3", "3.12.4", "3.12.5", "3.12.6", "3.12.7", "3.12.8"}
	if !reflect.DeepEqual(r.Names, want) {
		t.Fatalf("3.12.0..3.12.8 = %v, want %v (log: %s)", r.Names, want, log.String())
	}
	// The one here is used as it is, never fetched.
	tc, err := r.Ensure(context.Background(), 1)
	if err != nil || tc.Source != "pyenv" {
		t.Errorf("3.12.1: %+v, %v; want the pyenv build here", tc, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(cache, "reprokit", "python")); len(entries) > 0 {
		t.Errorf("listing fetched something: %v", entries)
	}
}
