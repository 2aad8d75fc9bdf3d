// This file remembers check results the way `go test` caches
// test results: a result is reused only when nothing that could change it
// has changed — the archive's bytes, the toolchain binary (path, size,
// mtime, version), reprokit itself (its executable's hash) and the options
// that shape a run.

package check

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
)

// ResultCache is a directory of results.
type ResultCache struct {
	Dir string
}

// DefaultResultCache is $XDG_CACHE_HOME/reprokit/check (or ~/.cache/…).
func DefaultResultCache(env func(string) string) ResultCache {
	base := env("XDG_CACHE_HOME")
	if base == "" {
		if home, err := os.UserHomeDir(); err == nil {
			base = filepath.Join(home, ".cache")
		} else {
			base = os.TempDir()
		}
	}
	return ResultCache{Dir: filepath.Join(base, "reprokit", "check")}
}

// ResultKey identifies one cell's inputs. Options is any run option that changes
// a result (count, timeout, isolation), already formatted.
func ResultKey(archive []byte, toolchainIdentity, toolchainVersion, options string) string {
	h := sha256.New()
	for _, part := range [][]byte{archive, []byte(toolchainIdentity), []byte(toolchainVersion), []byte(selfHash()), []byte(options)} {
		h.Write([]byte{0})
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

var selfHash = sync.OnceValue(func() string {
	// The running binary's hash: a rebuilt reprokit may judge differently.
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	f, err := os.Open(exe)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unknown"
	}
	return hex.EncodeToString(h.Sum(nil))
})

func (c ResultCache) path(key string) string {
	return filepath.Join(c.Dir, key[:2], key+".json")
}

// Get returns the cached result for key, if any.
func (c ResultCache) Get(key string) (runner.Result, bool) {
	// A FIFO or device where an entry should be is a miss, not a hang.
	data, err := atomicfile.ReadRegular(c.path(key), maxEntry)
	if err != nil {
		return runner.Result{}, false
	}
	var e entry
	if json.Unmarshal(data, &e) != nil || e.Result.Verdict == "" {
		return runner.Result{}, false // a damaged entry is a miss
	}
	e.Result.Log, e.Result.Output = e.Log, e.Output
	return e.Result, true
}

// maxEntry bounds what one entry may be: a result with its capped log.
const maxEntry = 64 << 20

// entry keeps the fields Result leaves out of its JSON.
type entry struct {
	Result runner.Result `json:"result"`
	Log    string        `json:"log,omitempty"`
	Output string        `json:"output,omitempty"`
}

// Put stores a result. Errors, interrupted runs and kept work directories
// are not results worth reusing.
func (c ResultCache) Put(key string, res runner.Result) error {
	if res.Verdict == repro.ErrorVerdict || len(res.Kept) > 0 {
		return nil
	}
	data, err := json.Marshal(entry{Result: res, Log: res.Log, Output: res.Output})
	if err != nil {
		return err
	}
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(p, data, 0o644)
}
