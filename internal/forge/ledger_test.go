package forge

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test if f has not returned after a generous bound: the
// functions tested here used to block for ever on a FIFO.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s blocked on a FIFO", what)
	}
}

func fifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

// A FIFO where the ledger should be is an error naming the file, at once.
func TestFIFOLedgerIsAnError(t *testing.T) {
	l := Ledger{Path: filepath.Join(t.TempDir(), "filed.json")}
	fifo(t, l.Path)
	var err error
	within(t, "Load", func() { _, err = l.Load() })
	if err == nil || !strings.Contains(err.Error(), l.Path) || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Load of a FIFO: %v, want an error naming %s as not a regular file", err, l.Path)
	}
}

// A FIFO where the ledger's lock file should be is an error, at once.
func TestFIFOLockIsAnError(t *testing.T) {
	l := Ledger{Path: filepath.Join(t.TempDir(), "filed.json")}
	fifo(t, l.Path+".lock")
	var err error
	within(t, "Lock", func() {
		var unlock func()
		if unlock, err = l.Lock(); err == nil {
			unlock()
		}
	})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Lock on a FIFO: %v, want an error saying it is not a regular file", err)
	}
}

// The ledger round-trips, so the FIFO tests do not pass by refusing all.
func TestLoadRegular(t *testing.T) {
	l := Ledger{Path: filepath.Join(t.TempDir(), "filed.json")}
	if es, err := l.Load(); err != nil || len(es) != 0 {
		t.Fatalf("missing ledger: %v %v", es, err)
	}
	if err := os.WriteFile(l.Path, []byte(`[]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Load(); err != nil {
		t.Fatal(err)
	}
}
