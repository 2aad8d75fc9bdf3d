package check

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/reprokit/reprokit/internal/runner"
)

// A result comes back only for the very same inputs; errors never do.
func TestKeyAndRoundTrip(t *testing.T) {
	c := ResultCache{Dir: t.TempDir()}
	archive := []byte("# t\nexec python3 -c 'print(1)'\n")
	key := ResultKey(archive, "/usr/bin/python3|/usr/bin/python3.11|1000|1700000000", "3.11.2", "count=1")
	for name, other := range map[string]string{
		"archive":   ResultKey(append(archive, '\n'), "/usr/bin/python3|/usr/bin/python3.11|1000|1700000000", "3.11.2", "count=1"),
		"toolchain": ResultKey(archive, "/usr/bin/python3|/usr/bin/python3.11|1000|1700000001", "3.11.2", "count=1"),
		"version":   ResultKey(archive, "/usr/bin/python3|/usr/bin/python3.11|1000|1700000000", "3.11.3", "count=1"),
		"options":   ResultKey(archive, "/usr/bin/python3|/usr/bin/python3.11|1000|1700000000", "3.11.2", "count=2"),
	} {
		if other == key {
			t.Errorf("changing the %s keeps the key", name)
		}
	}
	if _, ok := c.Get(key); ok {
		t.Fatal("hit in an empty cache")
	}
	res := runner.Result{File: "a.txtar", Verdict: "reproduces", Output: "boom\n", Log: "> exec\n"}
	if err := c.Put(key, res); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get(key)
	if !ok || got.Verdict != "reproduces" || got.Output != "boom\n" || got.Log != "> exec\n" {
		t.Fatalf("round trip: %+v %v", got, ok)
	}
	errKey := ResultKey(archive, "x", "3.12.1", "")
	if err := c.Put(errKey, runner.Result{Verdict: "error", Error: "time limit"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(errKey); ok {
		t.Error("an error was cached")
	}
}

// A FIFO where an entry should be is a miss, at once: opening it must not
// wait for a writer.
func TestFIFOEntryIsAMiss(t *testing.T) {
	c := ResultCache{Dir: t.TempDir()}
	key := ResultKey([]byte("archive"), "id", "3.12", "")
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan bool)
	go func() { _, ok := c.Get(key); done <- ok }()
	select {
	case ok := <-done:
		if ok {
			t.Error("a FIFO was read as a cached result")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Get blocked on a FIFO")
	}
}
