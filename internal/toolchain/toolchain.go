// Package toolchain discovers the interpreters and compilers on this machine
// (Python from PATH, pyenv, uv and /usr/bin; Go from PATH) and selects the
// ones a run asks for. Go releases it lacks are fetched the way the go
// command fetches them (gofetch.go).
package toolchain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/reprokit/reprokit/internal/atomicfile"
)

// Toolchain is one interpreter or compiler.
type Toolchain struct {
	Kind    Kind   `json:"kind"`          // Python or Go
	Name    string `json:"name"`          // e.g. "cpython-3.12.1", "go1.26.8"
	Version string `json:"version"`       // e.g. "3.12.1", "1.26.8"
	ABI     string `json:"abi,omitempty"` // Python's ABI flags beyond the default: "t" free-threaded, "d" debug
	Path    string `json:"path"`          // the executable to run
	// Source says where it came from: PATH, system (/usr/bin), pyenv,
	// uv-managed (the user's uv installs), fetched (by reprokit: CPython
	// through uv, Go through the module proxy), and for Go wrapper,
	// modcache, sdk.
	Source string `json:"source"`
	// Roots are the directories the toolchain needs at run time (its
	// prefix); the sandbox keeps them visible.
	Roots []string `json:"roots,omitempty"`
	// Identity is what makes two probes of the same binary the same
	// toolchain: path, size and modification time.
	Identity string `json:"identity"`
	// Unavailable, when set, says why a requested toolchain is not here
	// (a Go release that could not be fetched offline): its cells are
	// skipped with this reason.
	Unavailable string `json:"unavailable,omitempty"`
	// With are requirements that override the script's own (PEP 723)
	// for this cell: one value of a --with dependency axis, e.g.
	// ["trio==0.22.0"].
	With []string `json:"with,omitempty"`
	// Tree, when set, is a source tree of the dependency in With (a
	// commit of a library being bisected), put in place of its release:
	// a Python project installed over it with no dependencies of its
	// own, a Go module through a replace directive.
	Tree *SourceTree `json:"tree,omitempty"`
}

// SourceTree is a library's source at one commit.
type SourceTree struct {
	Module string `json:"module"` // the project or module it is the source of
	Dir    string `json:"dir"`    // a worktree on the host, only read
	Commit string `json:"commit"`
	// Version is what a Python build backend that reads its version from
	// version control is told (the sandbox's copy has no repository).
	Version string `json:"version,omitempty"`
}

// Short is the name shown in tables: the version for Python, go1.X for Go.
func (t Toolchain) Short() string {
	if t.Kind == Go {
		return t.Name
	}
	return t.Version
}

// Candidate is an executable that may be a toolchain.
type Candidate struct {
	Kind         Kind
	Path, Source string
}

// Candidates lists where toolchains may be, in order of preference: the
// python3 on PATH (the user's default) comes first.
func Candidates(env func(string) string) []Candidate {
	var out []Candidate
	dirs := &listing{}
	pathList := filepath.SplitList(env("PATH"))
	for _, name := range []string{"python3"} {
		if p := lookIn(pathList, name); p != "" {
			out = append(out, Candidate{Python, p, "PATH"})
		}
	}
	for _, dir := range pathList {
		if strings.Contains(dir, "/.pyenv/shims") {
			continue // pyenv's shims stand for the versions listed below
		}
		for _, m := range dirs.match(dir, "python3.[0-9]*") {
			if isPythonName(filepath.Base(m)) {
				out = append(out, Candidate{Python, m, "PATH"})
			}
		}
	}
	pyenv := env("PYENV_ROOT")
	home := env("HOME")
	if pyenv == "" && home != "" {
		pyenv = filepath.Join(home, ".pyenv")
	}
	if pyenv != "" {
		vers, _ := filepath.Glob(filepath.Join(pyenv, "versions", "*"))
		for _, v := range vers {
			for _, n := range []string{"python3", "python"} {
				if p := filepath.Join(v, "bin", n); isExec(p) {
					out = append(out, Candidate{Python, p, "pyenv"})
					break
				}
			}
		}
	}
	// uv's managed installs (the user's `uv python install`), then the
	// releases reprokit had uv fetch into its cache. With
	// UV_PYTHON_INSTALL_DIR set the two are one directory: uv-managed.
	uvDir := env("UV_PYTHON_INSTALL_DIR")
	if uvDir == "" {
		data := env("XDG_DATA_HOME")
		if data == "" && home != "" {
			data = filepath.Join(home, ".local", "share")
		}
		if data != "" {
			uvDir = filepath.Join(data, "uv", "python")
		}
	}
	out = append(out, uvInstalls(uvDir, "uv-managed")...)
	if fd := FetchDir(env); fd != "" && fd != uvDir {
		out = append(out, uvInstalls(fd, "fetched")...)
	}
	for _, p := range dirs.match("/usr/bin", "python3.[0-9]*") {
		if isPythonName(filepath.Base(p)) {
			out = append(out, Candidate{Python, p, "system"})
		}
	}
	return append(out, goCandidates(env, pathList, dirs)...)
}

// listing reads each directory once for all the patterns asked of it, and
// once for all the names it has on PATH (/bin and /usr/bin are often one
// directory): a glob per pattern and PATH entry read /usr/bin four times
// per discovery, the largest part of a `run`'s own start (bench/run).
type listing struct {
	names map[[2]uint64][]string // by device and inode, in directory order
}

// match is filepath.Glob(filepath.Join(dir, pattern)) for a pattern
// without a separator, dir taken literally: the names that match, sorted.
func (l *listing) match(dir, pattern string) []string {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return nil
	}
	var key [2]uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		key = [2]uint64{uint64(st.Dev), st.Ino}
	}
	names, ok := l.names[key]
	if !ok || key == [2]uint64{} {
		f, err := os.Open(dir)
		if err != nil {
			return nil
		}
		names, _ = f.Readdirnames(-1)
		f.Close()
		if l.names == nil {
			l.names = map[[2]uint64][]string{}
		}
		l.names[key] = names
	}
	// The pattern's literal start rules out most names (a /usr/bin has
	// a thousand) before the pattern is matched.
	prefix := pattern[:strings.IndexAny(pattern+"*", `*?[\`)]
	var out []string
	for _, n := range names {
		if !strings.HasPrefix(n, prefix) {
			continue
		}
		if ok, _ := filepath.Match(pattern, n); ok {
			out = append(out, filepath.Join(dir, n))
		}
	}
	sort.Strings(out)
	return out
}

// uvInstalls lists the interpreters of the installs in a uv install
// directory. uv also links each minor to its newest install
// (cpython-3.12-linux-x86_64-gnu -> cpython-3.12.1-linux-x86_64-gnu):
// those links are not installs of their own.
func uvInstalls(dir, source string) []Candidate {
	if dir == "" {
		return nil
	}
	var out []Candidate
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue // a symlink's DirEntry is not a directory
		}
		if p := installed(dir, e.Name()); p != "" {
			out = append(out, Candidate{Python, p, source})
		}
	}
	return out
}

// isPythonName accepts python3.X and the free-threaded and debug builds'
// python3.Xt, python3.Xd.
func isPythonName(n string) bool {
	rest := strings.TrimRight(strings.TrimPrefix(n, "python3."), "td")
	_, err := strconv.Atoi(rest)
	return err == nil
}

func lookIn(dirs []string, name string) string {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if p := filepath.Join(d, name); isExec(p) {
			return p
		}
	}
	return ""
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Discover probes every candidate (in parallel, with a cache) and returns
// the distinct toolchains, the default python3 first, then by kind and version.
func Discover(ctx context.Context, env func(string) string) ([]Toolchain, error) {
	cands := Candidates(env)
	cache := loadCache(env)
	results := make([]*Toolchain, len(cands))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, c := range cands {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = discoverOne(ctx, c, cache)
		}()
	}
	wg.Wait()
	cache.save()
	var out []Toolchain
	seen := map[string]bool{}
	for _, t := range results {
		if t == nil {
			continue
		}
		key := string(t.Kind) + " " + t.Version
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, *t)
	}
	return out, nil
}

// discoverOne is the toolchain at a candidate (from the cache, else
// probed), or nil when it is not a working one.
func discoverOne(ctx context.Context, c Candidate, cache *cacheFile) *Toolchain {
	id := identity(c.Path) + "|" + probeKey
	if t, ok := cache.get(id); ok {
		if t.Kind == "" { // "" caches a candidate that does not work
			return nil
		}
		t.Source = c.Source
		return &t
	}
	t, err := probe(ctx, c)
	if err != nil {
		// Not a working toolchain: skip it, and remember that — unless
		// the probe was cut short (an interrupt, its time limit on a
		// loaded machine): that says nothing about the candidate, and a
		// remembered failure would hide it from every later run.
		if !errors.Is(err, errUnfinished) {
			cache.put(id, Toolchain{Identity: id})
		}
		return nil
	}
	t.Identity = id
	cache.put(id, t)
	return &t
}

// DefaultPython is what `--python ""` selects (Select(Discover(), Python,
// "")[0]) found without discovering the rest: the python3 on PATH, which
// Candidates lists first, when it is a working interpreter. ok is false
// otherwise, and then Discover and Select decide. Listing every PATH
// directory, pyenv, uv and the module cache was most of a one-repro
// `run`'s own work before its sandbox (bench/run/RESULTS.md).
func DefaultPython(ctx context.Context, env func(string) string) (Toolchain, bool) {
	p := lookIn(filepath.SplitList(env("PATH")), "python3")
	if p == "" {
		return Toolchain{}, false
	}
	cache := loadCache(env)
	t := discoverOne(ctx, Candidate{Python, p, "PATH"}, cache)
	cache.save()
	if t == nil {
		return Toolchain{}, false
	}
	return *t, true
}

// probeKey is part of every probe cache key: it changes when the probe
// changes what it asks. Go is probed with GOTOOLCHAIN=local, so that a
// caller's GOTOOLCHAIN=go1.22.12 cannot make go1.26.8 answer as
// go1.22.12 — and the cache never keeps a label from such a switch.
const probeKey = "probe2:GOTOOLCHAIN=local"

// identity of an executable: its resolved path, size and mtime.
func identity(p string) string {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		real = p
	}
	fi, err := os.Stat(real)
	if err != nil {
		return p
	}
	return fmt.Sprintf("%s|%s|%d|%d", p, real, fi.Size(), fi.ModTime().UnixNano())
}

const pyProbe = `import sys, platform
print(platform.python_implementation().lower())
print("%d.%d.%d" % tuple(sys.version_info[:3]))
print(sys.executable)
print(sys.prefix)
print(getattr(sys, "base_prefix", sys.prefix))
import sysconfig
print(getattr(sys, "abiflags", "") + ("t" if sysconfig.get_config_var("Py_GIL_DISABLED") and "t" not in getattr(sys, "abiflags", "") else ""))`

// errUnfinished marks a probe cut short by its context: no answer about
// the candidate.
var errUnfinished = errors.New("probe cut short")

func probe(ctx context.Context, c Candidate) (Toolchain, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	t, err := probeOnce(ctx, c)
	if err != nil && ctx.Err() != nil {
		return t, fmt.Errorf("%w: %s: %v", errUnfinished, c.Path, ctx.Err())
	}
	return t, err
}

func probeOnce(ctx context.Context, c Candidate) (Toolchain, error) {
	switch c.Kind {
	case Go:
		return probeGo(ctx, c)
	default:
		cmd := exec.CommandContext(ctx, c.Path, "-I", "-c", pyProbe)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PYENV_ROOT=" + os.Getenv("PYENV_ROOT")}
		out, err := cmd.Output()
		if err != nil {
			// Python 2 has no -I.
			cmd = exec.CommandContext(ctx, c.Path, "-E", "-s", "-c", pyProbe)
			if out, err = cmd.Output(); err != nil {
				return Toolchain{}, err
			}
		}
		f := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(f) < 5 {
			return Toolchain{}, fmt.Errorf("%s: unexpected probe output", c.Path)
		}
		impl, ver, exe := f[0], f[1], f[2]
		if exe == "" {
			exe = c.Path
		}
		// Free-threaded ("t") and debug ("d") builds are toolchains of
		// their own: 3.13.0t is not 3.13.0. The ABI flags are part of
		// the version, so selection (--python 3.13t), expectations and
		// the matrix tell them apart.
		abi := ""
		if len(f) >= 6 {
			abi = strings.TrimSpace(f[5])
			abi = strings.Trim(abi, "m") // 3.6/3.7's pymalloc "m" is the default build
		}
		ver += abi
		roots := []string{realDir(f[3])}
		if b := realDir(f[4]); b != roots[0] {
			roots = append(roots, b)
		}
		return Toolchain{Kind: Python, Name: impl + "-" + ver, Version: ver, ABI: abi, Path: exe, Source: c.Source, Roots: roots}, nil
	}
}

func realDir(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// SortByVersion returns toolchains sorted by numeric version.
func SortByVersion(ts []Toolchain) []Toolchain {
	out := append([]Toolchain{}, ts...)
	sort.SliceStable(out, func(i, j int) bool { return CompareVersions(out[i].Version, out[j].Version) < 0 })
	return out
}

// Minor is the major.minor of a version: "3.12" of "3.12.1".
func Minor(version string) string {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return version
	}
	return parts[0] + "." + parts[1]
}

// CompareVersions compares dotted numeric versions; an ABI suffix
// ("3.13.0t") sorts right after the plain build.
func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		var xs, ys string
		if i < len(as) {
			x, xs = leadingInt(as[i])
		}
		if i < len(bs) {
			y, ys = leadingInt(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
		if c := strings.Compare(xs, ys); c != 0 {
			return c
		}
	}
	return 0
}

func leadingInt(s string) (int, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:]
}

type cacheFile struct {
	path    string
	mu      sync.Mutex
	Entries map[string]Toolchain `json:"entries"`
	dirty   bool
}

// maxCache bounds the probe cache: a few hundred bytes per toolchain.
const maxCache = 16 << 20

func loadCache(env func(string) string) *cacheFile {
	c := &cacheFile{Entries: map[string]Toolchain{}}
	dir := env("XDG_CACHE_HOME")
	if dir == "" && env("HOME") != "" {
		dir = filepath.Join(env("HOME"), ".cache")
	}
	if dir == "" {
		return c
	}
	c.path = filepath.Join(dir, "reprokit", "toolchains.json")
	// Only a regular file, opened without blocking: a FIFO there is a cold
	// cache, not a hang.
	if data, err := atomicfile.ReadRegular(c.path, maxCache); err == nil {
		_ = json.Unmarshal(data, c) // a bad cache is just a cold cache
		if c.Entries == nil {
			c.Entries = map[string]Toolchain{}
		}
	}
	return c
}

func (c *cacheFile) get(id string) (Toolchain, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.Entries[id]
	return t, ok
}

func (c *cacheFile) put(id string, t Toolchain) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Entries[id] = t
	c.dirty = true
}

func (c *cacheFile) save() {
	if c.path == "" || !c.dirty {
		return
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(c.path), 0o755) != nil {
		return
	}
	_ = atomicfile.WriteFile(c.path, data, 0o644) // a cache that cannot be saved is only slower
}

// HasVersionPrefix reports whether version is prefix or starts with it as
// whole components: "3.12.1" has the prefix "3.12", not "3.1".
func HasVersionPrefix(version, prefix string) bool {
	return version == prefix || strings.HasPrefix(version, prefix+".")
}
