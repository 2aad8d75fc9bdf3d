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

// A probe killed by an interrupt says nothing about the interpreter: it is
// not cached as broken (minimize interrupted during discovery left a cache
// in which python3 did not work, and every later run found no Python).
func TestInterruptedProbeIsNotCached(t *testing.T) {
	real, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "python3"), []byte("#!/bin/sh\nexec "+real+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		switch k {
		case "PATH":
			return dir
		case "XDG_CACHE_HOME":
			return filepath.Join(dir, "cache")
		}
		return ""
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	Discover(ctx, env)
	tcs, _ := Discover(context.Background(), env)
	if len(tcs) == 0 || tcs[0].Kind != "python" || tcs[0].Source != "PATH" {
		t.Fatalf("after an interrupted discovery, python3 on PATH is not found: %+v", tcs)
	}
}
