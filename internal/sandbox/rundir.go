package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// A run directory is locked (flock on the directory) for as long as the
// reprokit that made it lives: the kernel drops the lock when that process
// dies, SIGKILL included, so a later reprokit can tell a stale directory
// from a concurrent run's and sweep only the former.
type runDir struct {
	path string
	lock *os.File
}

const (
	runPrefix   = "reprokit-run-"
	newPrefix   = "reprokit-new-"   // made, not yet locked
	sweepPrefix = "reprokit-sweep-" // being swept: stale by definition
	keptMarker  = ".reprokit-kept"
	lockMarker  = ".reprokit-locked" // made by a reprokit that locks: older ones did not, and their live dirs are never swept
	staleUnlock = time.Minute        // a reprokit-new- directory this old lost its maker
)

// newRunDir makes a locked run directory: made under a staging name,
// locked, then renamed, so that no sweep ever sees it unlocked.
func newRunDir() (*runDir, error) {
	tmp := os.TempDir()
	staging, err := os.MkdirTemp(tmp, newPrefix)
	if err != nil {
		return nil, fmt.Errorf("creating the run directory in %s (TMPDIR): %w; set TMPDIR to an existing writable directory", tmp, err)
	}
	lock, err := os.Open(staging)
	if err == nil {
		err = unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(staging, lockMarker), nil, 0o644)
	}
	if err != nil {
		os.RemoveAll(staging)
		return nil, fmt.Errorf("locking the run directory %s: %w", staging, err)
	}
	final := filepath.Join(tmp, runPrefix+strings.TrimPrefix(filepath.Base(staging), newPrefix))
	if err := os.Rename(staging, final); err != nil {
		lock.Close()
		os.RemoveAll(staging)
		return nil, fmt.Errorf("creating the run directory in %s (TMPDIR): %w", tmp, err)
	}
	return &runDir{path: final, lock: lock}, nil
}

func (d *runDir) remove() {
	removeAll(d.path)
	d.lock.Close()
}

// keep marks the directory as kept on purpose (--keep): no sweep takes it.
func (d *runDir) keep() {
	os.WriteFile(filepath.Join(d.path, keptMarker), nil, 0o644)
	d.lock.Close()
}

// sweep runs sweepStale once per process, in the background; the first
// Run waits for it before it makes its own run directory (and Prestart
// starts it early, so that it overlaps the caller's own work).
var sweep = sync.OnceValue(func() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		sweepStale()
	}()
	return done
})

// sweepStale removes the run directories of reprokit processes that died
// without cleaning up (SIGKILL, a power cut): unlocked, not kept.
func sweepStale() {
	tmp := os.TempDir()
	f, err := os.Open(tmp)
	if err != nil {
		return
	}
	// Names only, unsorted: a shared /tmp has hundreds of entries, and
	// only ours are looked at further.
	names, _ := f.Readdirnames(-1)
	f.Close()
	for _, name := range names {
		if !strings.HasPrefix(name, "reprokit-") {
			continue
		}
		p := filepath.Join(tmp, name)
		e, err := os.Lstat(p)
		if err != nil || !e.IsDir() {
			continue
		}
		switch {
		case strings.HasPrefix(name, sweepPrefix):
			// A sweep that died half way: no marker left to check.
		case strings.HasPrefix(name, newPrefix):
			if time.Since(e.ModTime()) < staleUnlock {
				continue
			}
		case strings.HasPrefix(name, runPrefix):
			if _, err := os.Lstat(filepath.Join(p, keptMarker)); err == nil {
				continue
			}
			if _, err := os.Lstat(filepath.Join(p, lockMarker)); err != nil {
				continue
			}
		default:
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			// Renamed first (the lock goes with the inode), so that a
			// sweep killed half way leaves a name the next one takes
			// as stale, not a run directory without its marker.
			gone := filepath.Join(tmp, sweepPrefix+strings.TrimPrefix(strings.TrimPrefix(name, runPrefix), newPrefix))
			if name == filepath.Base(gone) || os.Rename(p, gone) == nil {
				removeAll(gone)
			}
		}
		f.Close()
	}
}
