// Package toolchain discovers the interpreters and compilers on this machine
// (Python from PATH, pyenv, uv and /usr/bin; Go from PATH) and selects the
// ones a run asks for.
package toolchain

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reprokit/reprokit/internal/atomicfile"
)

// Toolchain is one interpreter or compiler.
type Toolchain struct {
	Kind    Kind   `json:"kind"`    // Python or Go
	Name    string `json:"name"`    // e.g. "cpython-3.12.1", "go1.26.8"
	Version string `json:"version"` // e.g. "3.12.1", "1.26.8"
	Path    string `json:"path"`    // the executable to run
	Source  string `json:"source"`  // where it was found: PATH, pyenv, uv, system
	// Roots are the directories the toolchain needs at run time (its
	// prefix); the sandbox keeps them visible.
	Roots []string `json:"roots,omitempty"`
	// Identity is what makes two probes of the same binary the same
	// toolchain: path, size and modification time.
	Identity string `json:"identity"`
}

// Short is the name shown in tables: the version for Python, go1.X for Go.
func (t Toolchain) Short() string {
	if t.Kind == "go" {
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
	pathList := filepath.SplitList(env("PATH"))
	for _, name := range []string{"python3"} {
		if p := lookIn(pathList, name); p != "" {
			out = append(out, Candidate{"python", p, "PATH"})
		}
	}
	for _, dir := range pathList {
		if strings.Contains(dir, "/.pyenv/shims") {
			continue // pyenv's shims stand for the versions listed below
		}
		matches, _ := filepath.Glob(filepath.Join(dir, "python3.[0-9]*"))
		for _, m := range matches {
			if isPythonName(filepath.Base(m)) {
				out = append(out, Candidate{"python", m, "PATH"})
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
					out = append(out, Candidate{"python", p, "pyenv"})
					break
				}
			}
		}
	}
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
	if uvDir != "" {
		uvs, _ := filepath.Glob(filepath.Join(uvDir, "*", "bin", "python3"))
		for _, p := range uvs {
			out = append(out, Candidate{"python", p, "uv"})
		}
	}
	sys, _ := filepath.Glob("/usr/bin/python3.[0-9]*")
	for _, p := range sys {
		if isPythonName(filepath.Base(p)) {
			out = append(out, Candidate{"python", p, "system"})
		}
	}
	if p := lookIn(pathList, "go"); p != "" {
		out = append(out, Candidate{"go", p, "PATH"})
	}
	return out
}

func isPythonName(n string) bool {
	rest := strings.TrimPrefix(n, "python3.")
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
			id := identity(c.Path)
			if t, ok := cache.get(id); ok {
				if t.Kind != "" { // "" caches a candidate that does not work
					t.Source = c.Source
					results[i] = &t
				}
				return
			}
			t, err := probe(ctx, c)
			if err != nil {
				cache.put(id, Toolchain{Identity: id})
				return // not a working toolchain: skip it
			}
			t.Identity = id
			cache.put(id, t)
			results[i] = &t
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
print(getattr(sys, "base_prefix", sys.prefix))`

func probe(ctx context.Context, c Candidate) (Toolchain, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	switch c.Kind {
	case "go":
		out, err := exec.CommandContext(ctx, c.Path, "env", "GOVERSION", "GOROOT").Output()
		if err != nil {
			return Toolchain{}, err
		}
		f := strings.Fields(string(out))
		if len(f) < 2 {
			return Toolchain{}, fmt.Errorf("%s: unexpected go env output", c.Path)
		}
		return Toolchain{Kind: "go", Name: f[0], Version: strings.TrimPrefix(f[0], "go"), Path: c.Path, Source: c.Source, Roots: []string{f[1]}}, nil
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
		roots := []string{realDir(f[3])}
		if b := realDir(f[4]); b != roots[0] {
			roots = append(roots, b)
		}
		return Toolchain{Kind: "python", Name: impl + "-" + ver, Version: ver, Path: exe, Source: c.Source, Roots: roots}, nil
	}
}

func realDir(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// Select picks toolchains of a kind by a spec: "" (the default: the first
// discovered, i.e. python3 on PATH), "all", or a comma list of version
// prefixes ("3.12", "3.9,3.13", "3.11.2"). Unknown versions are an error
// that lists what exists.
func Select(all []Toolchain, kind Kind, spec string) ([]Toolchain, error) {
	var ofKind []Toolchain
	for _, t := range all {
		if t.Kind == kind {
			ofKind = append(ofKind, t)
		}
	}
	if len(ofKind) == 0 {
		return nil, fmt.Errorf("no %s toolchain found (looked on PATH%s)", kind, map[bool]string{true: ", in pyenv, uv and /usr/bin", false: ""}[kind == "python"])
	}
	switch spec {
	case "":
		return ofKind[:1], nil
	case "all":
		return SortByVersion(ofKind), nil
	}
	var out []Toolchain
	seen := map[string]bool{}
	for _, want := range strings.Split(spec, ",") {
		want = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(want), "python"))
		found := false
		for _, t := range ofKind {
			if t.Version == want || strings.HasPrefix(t.Version, want+".") || t.Name == want {
				found = true
				if !seen[t.Name] {
					seen[t.Name] = true
					out = append(out, t)
				}
			}
		}
		if !found {
			var have []string
			for _, t := range SortByVersion(ofKind) {
				have = append(have, t.Version)
			}
			return nil, fmt.Errorf("no %s %q on this machine (have: %s); run `reprokit toolchains` to see where they come from", kind, want, strings.Join(have, ", "))
		}
	}
	return SortByVersion(out), nil
}

// SortByVersion returns toolchains sorted by numeric version.
func SortByVersion(ts []Toolchain) []Toolchain {
	out := append([]Toolchain{}, ts...)
	sort.SliceStable(out, func(i, j int) bool { return CompareVersions(out[i].Version, out[j].Version) < 0 })
	return out
}

// CompareVersions compares dotted numeric versions.
// Minor is the major.minor of a version: "3.12" of "3.12.1".
func Minor(version string) string {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return version
	}
	return parts[0] + "." + parts[1]
}

func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x = leadingInt(as[i])
		}
		if i < len(bs) {
			y = leadingInt(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// leadingInt is the number a version component starts with: 22 for
// "22rc1", so that a release candidate sorts with its release.
func leadingInt(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// HasVersionPrefix reports whether version is prefix or starts with it as
// whole components: "3.12.1" has the prefix "3.12", not "3.1".
func HasVersionPrefix(version, prefix string) bool {
	return version == prefix || strings.HasPrefix(version, prefix+".")
}

type cacheFile struct {
	path    string
	mu      sync.Mutex
	Entries map[string]Toolchain `json:"entries"`
	dirty   bool
}

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
	if data, err := os.ReadFile(c.path); err == nil {
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
