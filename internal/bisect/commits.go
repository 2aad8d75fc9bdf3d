package bisect

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
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
	Log     io.Writer      // says what outside the build the sandbox must show; nil: nowhere
	builds  int
	said    bool
}

// outsideLink is a program of --bin that resolves outside the build tree:
// a virtual environment's python3, a link to the interpreter it was made
// with.
type outsideLink struct {
	link, target, root string
}

func rootsOf(links []outsideLink) []string {
	var out []string
	for _, l := range links {
		if !slices.Contains(out, l.root) {
			out = append(out, l.root)
		}
	}
	return out
}

// linkedRoots finds the programs in bin that resolve outside the build
// tree, and the installation each needs: the sandbox shows the host
// read-only but masks home directories, where pyenv and uv keep
// interpreters, so a virtual environment's python3 would not start there
// (exit 127, "not found", with the link plainly in place). The root of
// an installation is the directory above its bin/; a virtual
// environment's pyvenv.cfg names its base interpreter's home too (with
// --copies there is no link to follow). A link that resolves nowhere on
// the host makes the commit untestable, said plainly.
func linkedRoots(tree, bin string) (out []outsideLink, skip string) {
	realTree, err := filepath.EvalSymlinks(tree)
	if err != nil {
		realTree = tree
	}
	// Only what the sandbox hides needs showing: home directories.
	var homes []string
	if h := os.Getenv("HOME"); h != "" && h != "/" {
		homes = append(homes, h)
	}
	if u, err := user.Current(); err == nil && u.HomeDir != "/" {
		homes = append(homes, u.HomeDir)
	}
	add := func(link, target string) {
		dir := filepath.Dir(target)
		root := dir
		if filepath.Base(dir) == "bin" {
			root = filepath.Dir(dir)
		}
		for _, h := range homes {
			if real, err := filepath.EvalSymlinks(h); err == nil && (within(root, h) || within(root, real)) && root != h && root != real {
				out = append(out, outsideLink{link, target, root})
				return
			}
		}
	}
	entries, _ := os.ReadDir(bin)
	for _, e := range entries {
		if e.Type()&os.ModeSymlink == 0 {
			continue
		}
		p := filepath.Join(bin, e.Name())
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			rel, _ := filepath.Rel(tree, p)
			return nil, fmt.Sprintf("%s links to %s, which is not on this machine: the repro could not start it (fix the build, or pick another range)", rel, finalLink(p))
		}
		if !within(target, realTree) {
			rel, _ := filepath.Rel(tree, p)
			add(rel+" → "+target, target)
		}
	}
	// A virtual environment: pyvenv.cfg beside bin/ names the base
	// interpreter's directory.
	if data, err := os.ReadFile(filepath.Join(filepath.Dir(bin), "pyvenv.cfg")); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(l, "=")
			if !ok || strings.TrimSpace(k) != "home" {
				continue
			}
			home := strings.TrimSpace(v)
			if real, err := filepath.EvalSymlinks(home); err == nil && !within(real, realTree) {
				add("pyvenv.cfg home = "+home, filepath.Join(real, "python3"))
			}
		}
	}
	return out, ""
}

// finalLink follows a chain of links as far as it goes: where a dangling
// one points.
func finalLink(p string) string {
	for range 40 {
		dest, err := os.Readlink(p)
		if err != nil {
			return p
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(p), dest)
		}
		p = dest
	}
	return p
}

func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
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
		outside, skip := linkedRoots(b.Dir, tc.Path)
		if skip != "" {
			return tc, skip, nil
		}
		if len(outside) > 0 && !c.said {
			c.said = true
			if c.Log != nil {
				fmt.Fprintf(c.Log, "reprokit: programs in %s link outside the build (%s): the sandbox shows %s read-only\n", c.Bin, outside[0].link, strings.Join(rootsOf(outside), ", "))
			}
		}
		tc.Roots = append(tc.Roots, rootsOf(outside)...)
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
