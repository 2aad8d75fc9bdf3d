package atomicfile

import (
	"fmt"
	"os"
	"syscall"
)

// Lock takes an exclusive flock on path — a directory, or a lock file it
// creates — serializing reprokit processes that rewrite files there. When
// another process holds it, waiting is called once before blocking. The
// returned function releases the lock.
func Lock(path string, waiting func()) (func(), error) {
	// Opened without blocking, so a FIFO placed there is refused at once
	// instead of waiting for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		f, err = os.OpenFile(path, os.O_CREATE|os.O_RDWR|syscall.O_NONBLOCK, 0o644)
	}
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !(fi.Mode().IsRegular() || fi.IsDir()) {
		f.Close()
		if err == nil {
			err = fmt.Errorf("not a regular file (%s); remove or move it", fi.Mode().Type())
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	fd := int(f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if waiting != nil {
			waiting()
		}
		if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
	}
	return func() {
		syscall.Flock(fd, syscall.LOCK_UN)
		f.Close()
	}, nil
}
