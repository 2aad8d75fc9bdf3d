package toolchain

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A FIFO where the probe cache should be is a cold cache, at once: opening
// it must not wait for a writer (check and run hung there).
func TestFIFOCacheIsCold(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "reprokit", "toolchains.json")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	env := func(k string) string {
		if k == "XDG_CACHE_HOME" {
			return dir
		}
		return ""
	}
	done := make(chan int)
	go func() { done <- len(loadCache(env).Entries) }()
	select {
	case n := <-done:
		if n != 0 {
			t.Errorf("a FIFO gave %d cached toolchains", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("loadCache blocked on a FIFO")
	}
}

// A probe cut short (an interrupt while discovering) is not remembered as
// a broken interpreter: the next discovery probes it again. minimize
// interrupted at the wrong moment left every interpreter cached as broken.
func TestInterruptedProbeIsNotCached(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("needs python3 on PATH")
	}
	cache := t.TempDir()
	env := func(k string) string {
		return map[string]string{"PATH": filepath.Dir(py), "XDG_CACHE_HOME": cache}[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, _ := Discover(ctx, env); len(OfKind(got, Python)) != 0 {
		t.Fatalf("a cancelled discovery found %v", got)
	}
	got, err := Discover(context.Background(), env)
	if err != nil || len(OfKind(got, Python)) == 0 {
		t.Errorf("after a cancelled discovery: %v, %v; want the python3 on PATH", got, err)
	}
}

// Discovery reads each directory once (listing.match) and must find what
// filepath.Glob finds, in the same order, through a second name of the
// same directory too (/bin and /usr/bin).
func TestListingMatchesGlob(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"python3", "python3.9", "python3.12", "python3.13t", "python3.10-config", "go1.22.0", "go", "gofmt", "x[1]", "python2.7"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	alias := filepath.Join(t.TempDir(), "alias")
	if err := os.Symlink(dir, alias); err != nil {
		t.Fatal(err)
	}
	l := &listing{}
	for _, d := range []string{dir, alias, filepath.Join(dir, "missing"), filepath.Join(dir, "go")} {
		for _, pattern := range []string{"python3.[0-9]*", "go1.*", "*", "x\\[1]", "go?"} {
			want, _ := filepath.Glob(filepath.Join(d, pattern))
			if got := l.match(d, pattern); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("match(%s, %q) = %v, filepath.Glob: %v", d, pattern, got, want)
			}
		}
	}
}

// DefaultPython finds what Select(Discover(), Python, "") selects, or
// says it cannot (a python3 on PATH that does not work, none at all).
func TestDefaultPythonIsWhatSelectPicks(t *testing.T) {
	real, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH")
	}
	cache := t.TempDir()
	for _, tc := range []struct {
		name   string
		python string // python3's script in PATH's one directory; "" for none
		ok     bool
	}{
		{"working", "#!/bin/sh\nexec " + real + " \"$@\"\n", true},
		{"broken", "#!/bin/sh\nexit 3\n", false},
		{"absent", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.python != "" {
				if err := os.WriteFile(filepath.Join(dir, "python3"), []byte(tc.python), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			env := func(k string) string {
				return map[string]string{"PATH": dir, "XDG_CACHE_HOME": cache}[k]
			}
			got, ok := DefaultPython(context.Background(), env)
			if ok != tc.ok {
				t.Fatalf("DefaultPython: ok %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			all, _ := Discover(context.Background(), env)
			want, err := Select(all, Python, "")
			if err != nil || len(want) != 1 || want[0].Identity != got.Identity || want[0].Source != got.Source {
				t.Errorf("DefaultPython: %+v; Select(Discover()): %+v, %v", got, want, err)
			}
		})
	}
}
