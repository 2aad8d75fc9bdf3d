package bisect

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Commits is a range of commits of a checkout, each built by the cache.
// The built program becomes the toolchain: the `python` binary at the top
// of a CPython build tree, bin/go of a Go tree, or every program in Bin.
type Commits struct {
	Src     string
	Commits []Commit
	Cache   *BuildCache
	Kind    toolchain.Kind // the repro's kind (ignored with Bin)
	Bin     string         // a subdirectory of the build tree to put first on PATH
	builds  int
}

// Over implements Source.
func (c *Commits) Over() repro.Candidates { return repro.Commits }

// Candidates implements Source.
func (c *Commits) Candidates() []Candidate {
	out := make([]Candidate, len(c.Commits))
	for i, cm := range c.Commits {
		out[i] = Candidate{ID: cm.Hash, Short: cm.Short(), Subject: cm.Subject}
	}
	return out
}

// Builds implements Source.
func (c *Commits) Builds() int { return c.builds }

// CompareURL implements Source.
func (c *Commits) CompareURL(ctx context.Context, before, culprit int) string {
	return CompareURL(ctx, c.Src, c.Commits[before].Hash, c.Commits[culprit].Hash)
}

// Toolchain implements Source: builds commit i (or finds its build).
func (c *Commits) Toolchain(ctx context.Context, i int) (toolchain.Toolchain, string, error) {
	cm := c.Commits[i]
	b, err := c.Cache.Get(ctx, cm.Hash)
	if err != nil {
		return toolchain.Toolchain{}, "", err
	}
	if !b.Cached {
		c.builds++
	}
	if !b.OK {
		return toolchain.Toolchain{}, b.Reason, nil
	}
	tc := toolchain.Toolchain{Name: cm.Short(), Version: cm.Short(), Source: "build " + b.Dir, Roots: []string{b.Dir}, Identity: b.Dir}
	switch {
	case c.Bin != "":
		tc.Kind, tc.Path = toolchain.Dir, filepath.Join(b.Dir, c.Bin)
		if fi, err := os.Stat(tc.Path); err != nil || !fi.IsDir() {
			return tc, fmt.Sprintf("the build made no directory %s", c.Bin), nil
		}
	case c.Kind == toolchain.Go:
		tc.Kind, tc.Path = toolchain.Go, filepath.Join(b.Dir, "bin", "go")
		v, err := output(ctx, b.Dir, tc.Path, "env", "GOVERSION")
		if err != nil {
			return tc, "the build made no working bin/go: " + err.Error(), nil
		}
		tc.Name, tc.Version = v, goVersion(v)
	default:
		// A CPython build tree runs from where it was built: ./python
		// finds Lib/ and the built extension modules next to it.
		tc.Kind, tc.Path = toolchain.Python, filepath.Join(b.Dir, "python")
		v, err := output(ctx, b.Dir, tc.Path, "-E", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])")
		if err != nil {
			return tc, "the build made no working ./python (for another program, pass --bin SUBDIR): " + err.Error(), nil
		}
		tc.Version = v
		tc.Name = "cpython-" + v + "@" + cm.Short()
	}
	return tc, "", nil
}

// output runs a built program in its build tree, with GOTOOLCHAIN=local so
// that no go.mod around reprokit makes a built go switch to another release.
func output(ctx context.Context, dir, prog string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// goVersion is the release a go build reports, "1.22.5" of "go1.22.5"; a
// development build ("devel go1.27-1a2b3c4 Tue …") counts as its minor, so
// that go.mod go lines and [go1.N] conditions compare against it.
func goVersion(v string) string {
	if rest, ok := strings.CutPrefix(v, "devel "); ok {
		v, _, _ = strings.Cut(rest, "-")
		v, _, _ = strings.Cut(v, " ")
	}
	return strings.TrimPrefix(v, "go")
}
