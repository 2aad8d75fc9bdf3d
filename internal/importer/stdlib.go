package importer

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// stdlibProbe lists an interpreter's standard library: 3.10+ knows it
// (sys.stdlib_module_names); older ones list their built-in modules and
// what is beside os.py and in lib-dynload. It is a trusted probe run on
// the host with -I -S (no site, no user paths, no PYTHON* variables): no
// text from the issue reaches it. It runs on 2.7 too.
const stdlibProbe = `
import sys
names = set(getattr(sys, "stdlib_module_names", ()))
if not names:
    import os, pkgutil
    names.update(sys.builtin_module_names)
    lib = os.path.dirname(os.__file__)
    for _, name, _ in pkgutil.iter_modules([lib, os.path.join(lib, "lib-dynload")]):
        names.add(name)
sys.stdout.write(" ".join(sorted(names)))
`

// Stdlib is the union of the standard libraries of the interpreters
// here: a module any of them ships is never a dependency to install (an
// issue about distutils on 3.11 must not ask the index for "distutils").
// Each interpreter's list is cached by its identity under cacheDir.
func Stdlib(ctx context.Context, tcs []toolchain.Toolchain, cacheDir string) map[string]bool {
	path := filepath.Join(cacheDir, "stdlib.json")
	cache := map[string][]string{}
	if data, err := os.ReadFile(path); err == nil {
		json.Unmarshal(data, &cache)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	changed := false
	for _, tc := range tcs {
		if tc.Kind != "python" || tc.Identity == "" {
			continue
		}
		if _, ok := cache[tc.Identity]; ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, tc.Path, "-I", "-S", "-c", stdlibProbe)
			if strings.HasPrefix(tc.Version, "2.") {
				cmd.Args = []string{tc.Path, "-E", "-s", "-S", "-c", stdlibProbe} // 2.7 has no -I
			}
			cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8"}
			out, err := cmd.Output()
			if err != nil {
				return
			}
			mu.Lock()
			cache[tc.Identity] = strings.Fields(string(out))
			changed = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	if changed {
		if data, err := json.MarshalIndent(cache, "", " "); err == nil && os.MkdirAll(cacheDir, 0o755) == nil {
			atomicfile.WriteFile(path, data, 0o644)
		}
	}
	names := map[string]bool{"__future__": true}
	for _, tc := range tcs {
		for _, n := range cache[tc.Identity] {
			names[n] = true
		}
	}
	return names
}

// CacheDir is where the import keeps its cache: $XDG_CACHE_HOME/reprokit
// (else ~/.cache/reprokit).
func CacheDir(env func(string) string) string {
	dir := env("XDG_CACHE_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "reprokit")
}

// distributions maps import names to the distribution that provides them
// where the two differ (the usual surprises); any other import name is
// its own distribution.
var distributions = map[string]string{
	"yaml": "PyYAML", "PIL": "Pillow", "attr": "attrs", "dateutil": "python-dateutil",
	"sklearn": "scikit-learn", "cv2": "opencv-python", "bs4": "beautifulsoup4",
	"google": "protobuf", "Crypto": "pycryptodome", "OpenSSL": "pyOpenSSL", "jwt": "PyJWT",
	"dotenv": "python-dotenv", "magic": "python-magic", "serial": "pyserial", "usb": "pyusb",
	"zmq": "pyzmq", "MySQLdb": "mysqlclient", "psycopg2": "psycopg2-binary", "win32api": "pywin32",
	"typing_extensions": "typing-extensions", "pkg_resources": "setuptools", "_pytest": "pytest",
	"Levenshtein": "python-Levenshtein", "multipart": "python-multipart", "docx": "python-docx",
}

// Distribution is the distribution an import name comes from.
func Distribution(module string) string {
	if d, ok := distributions[module]; ok {
		return d
	}
	return module
}

// normalize is PEP 503's name normalization.
func normalize(name string) string {
	return strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(name))
}
