package toolchain

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// goCandidates lists the Go toolchains this machine may have, the go on
// PATH first: go1.X.Y wrappers on PATH (golang.org/dl), the releases the go
// command downloaded into the module cache (golang.org/toolchain@…), and
// ~/sdk/go* (where the wrappers unpack).
func goCandidates(env func(string) string, pathList []string, dirs *listing) []Candidate {
	var out []Candidate
	if p := lookIn(pathList, "go"); p != "" {
		out = append(out, Candidate{Go, p, "PATH"})
	}
	for _, dir := range pathList {
		for _, m := range dirs.match(dir, "go1.*") {
			if isExec(m) {
				out = append(out, Candidate{Go, m, "wrapper"})
			}
		}
	}
	if mc := ModCache(env); mc != "" {
		matches, _ := filepath.Glob(filepath.Join(mc, "golang.org", "toolchain@v0.0.1-go*", "bin", "go"))
		for _, m := range matches {
			out = append(out, Candidate{Go, m, "modcache"})
		}
	}
	if home := env("HOME"); home != "" {
		matches, _ := filepath.Glob(filepath.Join(home, "sdk", "go*", "bin", "go"))
		for _, m := range matches {
			out = append(out, Candidate{Go, m, "sdk"})
		}
	}
	return out
}

// ModCache is the module cache the go command uses: $GOMODCACHE, else the
// first $GOPATH entry's pkg/mod, else ~/go/pkg/mod.
func ModCache(env func(string) string) string {
	if mc := env("GOMODCACHE"); mc != "" {
		return mc
	}
	if gp := filepath.SplitList(env("GOPATH")); len(gp) > 0 && gp[0] != "" {
		return filepath.Join(gp[0], "pkg", "mod")
	}
	if home := env("HOME"); home != "" {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// probeGo asks a go command for its version and GOROOT with
// GOTOOLCHAIN=local: with the caller's GOTOOLCHAIN a go1.26.8 would switch
// to (and answer as) another release. The toolchain's path is
// GOROOT/bin/go, not a go1.X.Y wrapper, so the sandbox runs the release
// itself.
func probeGo(ctx context.Context, c Candidate) (Toolchain, error) {
	cmd := exec.CommandContext(ctx, c.Path, "env", "GOVERSION", "GOROOT")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=")
	cmd.Dir = os.TempDir() // no go.mod or go.work of the caller's
	out, err := cmd.Output()
	if err != nil {
		return Toolchain{}, err
	}
	f := strings.Fields(string(out))
	if len(f) < 2 || !strings.HasPrefix(f[0], "go1") {
		return Toolchain{}, fmt.Errorf("%s: unexpected go env output %q", c.Path, out)
	}
	name, goroot := f[0], f[1]
	path := filepath.Join(goroot, "bin", "go")
	if !isExec(path) {
		path = c.Path
	}
	return Toolchain{Kind: Go, Name: name, Version: goVersion(name), Path: path, Source: c.Source, Roots: []string{realDir(goroot)}}, nil
}

// goVersion turns a release name into a dotted version with three parts:
// go1.20 (the first 1.20 release) is 1.20.0, so it sorts and selects like
// go1.21.0 and later.
func goVersion(name string) string {
	v := strings.TrimPrefix(name, "go")
	if strings.Count(v, ".") == 1 {
		v += ".0"
	}
	return v
}
