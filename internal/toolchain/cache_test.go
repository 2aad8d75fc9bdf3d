package toolchain

import (
	"os"
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
