// Package atomicfile writes files so that readers see either the old or the
// new content, never a half-written file: write a temporary file in the same
// directory, sync it, then rename it over the target.
package atomicfile

import (
	"os"
	"path/filepath"
)

// WriteFile replaces path with data. An existing file keeps its mode;
// a new one gets perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	if fi, err := os.Stat(path); err == nil {
		perm = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// CheckWritable fails now, not after an hour of work, when dir does not
// take a new file.
func CheckWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".reprokit-write-test-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
