package toolchain

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
