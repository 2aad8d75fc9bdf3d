package reduce

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"os"
	"path/filepath"

	"github.com/reprokit/reprokit/internal/atomicfile"
)

// lateStartPy makes every threading.Thread.start() return 0.2 s late.
// The minimizer's oracle runs a Python candidate with it when the input
// keeps its verdicts so (calibrated in Start): a candidate then cannot
// keep a bug that needs a thread still alive by winning a race. Measured
// on the mt_fork_warning bench input (Python 3.12, 2 cores): a bench
// result whose thread ends at once warned in 4 to 8 runs of 10 plain,
// with 0 to 3 cores' worth of spinners, on a machine busy with another
// benchmark; with late starts, a thread that ends at once and one that
// ends after 0.05 s warned in 0/10, the input in 5/5, the hand-minimal
// and a thread that waits 1 s in 10/10.
//
//go:embed latestart/sitecustomize.py
var lateStartPy []byte

// lateStartDir returns the directory that holds lateStartPy as
// sitecustomize.py, written once under the user's cache directory
// ($XDG_CACHE_HOME/reprokit/latestart/HASH), or "" when there is none.
func lateStartDir() string {
	base, err := os.UserCacheDir() // $XDG_CACHE_HOME, else ~/.cache
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(lateStartPy)
	dir := filepath.Join(base, "reprokit", "latestart", hex.EncodeToString(sum[:6]))
	file := filepath.Join(dir, "sitecustomize.py")
	if b, err := os.ReadFile(file); err == nil && string(b) == string(lateStartPy) {
		return dir
	}
	if os.MkdirAll(dir, 0o755) != nil || atomicfile.WriteFile(file, lateStartPy, 0o644) != nil {
		return ""
	}
	return dir
}
