package atomicfile

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// ReadRegular reads path only if it is a regular file of at most max bytes.
// It opens without blocking, so a FIFO (or a device) placed where a cache
// or ledger file should be is an error at once, not a hang waiting for a
// writer. Callers treat the error as they treat a damaged file.
func ReadRegular(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s); remove or move it", path, fi.Mode().Type())
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d allowed; remove or move it", path, fi.Size(), max)
	}
	return io.ReadAll(io.LimitReader(f, max))
}
