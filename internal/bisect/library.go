// This file bisects a library the repro depends on rather than the
// interpreter: its published releases (a Python project on the user's
// package index, a Go module through the module proxy), then, with a
// checkout, the commits between the two releases around the change,
// each installed into the repro's environment (Python) or put in place
// of the module through a replace directive (Go).

package bisect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Library is a dependency whose versions are bisected.
type Library struct {
	Kind toolchain.Kind // Python: a project on the package index; Go: a module
	Name string         // "attrs", "example.com/mod"
	// Lo and Hi are the range's ends as given; either may be "" (open).
	Lo, Hi string
}

func (l Library) String() string { return l.Name }

var (
	pyLibRE = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^.\s][^\s]*?)?\s*\.\.\s*([^\s]+)?\s*$`)
	goLibRE = regexp.MustCompile(`^\s*([^@\s]+)@(v[^.\s][^\s]*?)?\s*\.\.\s*(v[^\s]+)?\s*$`)
)

// ParseLibrary reads --with for a bisection: "pkg==A..B" for a Python
// repro, "example.com/mod@vA..vB" for a Go one; either end may be left
// out ("pkg==..B").
func ParseLibrary(spec string, kind toolchain.Kind) (Library, error) {
	if kind == toolchain.Go {
		m := goLibRE.FindStringSubmatch(spec)
		if m == nil {
			return Library{}, fmt.Errorf("--with %q: a Go repro bisects a module as MODULE@OLD..NEW, e.g. example.com/mod@v0.3.0..v0.14.0 (either end may be left out)", spec)
		}
		return Library{Kind: kind, Name: m[1], Lo: m[2], Hi: m[3]}, nil
	}
	m := pyLibRE.FindStringSubmatch(spec)
	if m == nil {
		return Library{}, fmt.Errorf("--with %q: bisect a dependency's releases as NAME==OLD..NEW, e.g. trio==0.22.0..0.27.0 (either end may be left out)", spec)
	}
	for _, v := range []string{m[2], m[3]} {
		if v != "" && !scriptdeps.ValidVersion(v) {
			return Library{}, fmt.Errorf("--with %q: %q is not a PEP 440 version", spec, v)
		}
	}
	return Library{Kind: kind, Name: scriptdeps.Name(m[1]), Lo: m[2], Hi: m[3]}, nil
}

// Version is one published version of a library, and why it is left out
// of the range, if it is.
type Version struct {
	Name    string
	LeftOut string // "yanked", "pre-release"; "" when it is a candidate
	// Untestable, when set, says why the version cannot be probed
	// without trying (no wheel at all, and builds are not allowed).
	Untestable string
}

// Prepare readies a candidate's environment before the repro runs on it:
// built says whether something was installed now (not a cache hit); an
// install that fails is an error the source turns into untestable.
type Prepare func(ctx context.Context, tc toolchain.Toolchain) (built bool, skip string, err error)

// LibReleases is a range of a library's published versions, each one
// required by the repro on one toolchain.
type LibReleases struct {
	Lib      Library
	Base     toolchain.Toolchain // the interpreter or Go release every probe runs on
	Versions []Version           // the candidates, in version order
	LeftOut  []Version           // in the range but not candidates (yanked, pre-releases)
	Index    string              // where the list came from, for messages
	Prepare  Prepare
	installs int
}

// Over implements Source.
func (l *LibReleases) Over() repro.Candidates { return repro.Releases }

// Candidates implements Source.
func (l *LibReleases) Candidates() []Candidate {
	out := make([]Candidate, len(l.Versions))
	for i, v := range l.Versions {
		out[i] = Candidate{ID: v.Name, Short: v.Name}
	}
	return out
}

// Builds implements Source: nothing is built.
func (l *LibReleases) Builds() int { return 0 }

// Installs is how many versions were installed (cache hits excluded).
func (l *LibReleases) Installs() int { return l.installs }

// CompareURL implements Source.
func (l *LibReleases) CompareURL(context.Context, int, int) string { return "" }

// Toolchain implements Source: the base toolchain requiring version i.
func (l *LibReleases) Toolchain(ctx context.Context, i int) (toolchain.Toolchain, string, error) {
	v := l.Versions[i]
	tc := l.Base
	tc.With = []string{l.Lib.require(v.Name)}
	tc.Identity += "|with=" + tc.With[0]
	if v.Untestable != "" {
		return tc, v.Untestable, nil
	}
	return prepared(ctx, tc, l.Prepare, &l.installs)
}

// require is how a probe asks for version v: "pkg==1.2.0", "mod@v1.2.0".
func (l Library) require(v string) string {
	if l.Kind == toolchain.Go {
		return l.Name + "@" + v
	}
	return l.Name + "==" + v
}

// prepared runs prep on tc: what does not install makes the candidate
// untestable (searched around, like a build that fails); what reprokit
// itself could not do, or an install it refuses, ends the bisection.
func prepared(ctx context.Context, tc toolchain.Toolchain, prep Prepare, installs *int) (toolchain.Toolchain, string, error) {
	if prep == nil {
		return tc, "", nil
	}
	built, skip, err := prep(ctx, tc)
	if built {
		*installs++
	}
	var nb *scriptdeps.NoBuildError
	var ie *scriptdeps.InstallError
	var me *runner.ModuleError
	switch {
	case errors.As(err, &nb):
		return tc, "no wheel to install: " + nb.Why, nil
	case errors.As(err, &ie):
		if ie.Tree {
			*installs++ // it was tried
		}
		return tc, "does not install: " + ie.Msg, nil
	case errors.As(err, &me):
		return tc, me.Error(), nil
	case err != nil:
		return tc, "", err
	}
	return tc, skip, nil
}

// PyLibReleases lists the releases of a Python library on the user's
// index within l's range: yanked releases and pre-releases (and
// development releases) are left out unless pre; a release that has no
// wheel at all is untestable unless builds are allowed.
func PyLibReleases(ctx context.Context, l Library, b *scriptdeps.Builder, pre bool) (*LibReleases, error) {
	rels, index, err := b.Releases(ctx, l.Name)
	if err != nil {
		return nil, err
	}
	src := &LibReleases{Lib: l, Index: index}
	for _, r := range rels {
		if l.Lo != "" && scriptdeps.CompareVersions(r.Version, l.Lo) < 0 || l.Hi != "" && scriptdeps.CompareVersions(r.Version, l.Hi) > 0 {
			continue
		}
		v := Version{Name: r.Version}
		isEnd := r.Version == l.Lo || r.Version == l.Hi
		switch {
		case r.Yanked() && !isEnd:
			v.LeftOut = "yanked"
		case r.Pre() && !pre && !isEnd:
			v.LeftOut = "pre-release"
		case !r.HasWheel() && !b.AllowBuild:
			v.Untestable = "no wheel to install: has no wheel (sdist only); pass --allow-build to build it inside the installer's sandbox"
		}
		if v.LeftOut != "" {
			src.LeftOut = append(src.LeftOut, v)
			continue
		}
		src.Versions = append(src.Versions, v)
	}
	for _, end := range []string{l.Lo, l.Hi} {
		if end != "" && !hasVersion(src.Versions, end) {
			return nil, usage("--with %s==%s..%s: %s has no release %s on %s (it has %s)", l.Name, l.Lo, l.Hi, l.Name, end, index, versionList(rels))
		}
	}
	return src, nil
}

func hasVersion(vs []Version, want string) bool {
	for _, v := range vs {
		if scriptdeps.CompareVersions(v.Name, want) == 0 {
			return true
		}
	}
	return false
}

func versionList(rels []scriptdeps.Release) string {
	var names []string
	for _, r := range rels {
		names = append(names, r.Version)
	}
	if len(names) > 12 {
		names = append(append(names[:5:5], "…"), names[len(names)-5:]...)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// LibCommits is a range of commits of a library's checkout, each put in
// place of the library's release for the repro: a Python project's
// worktree installed over the environment with no dependencies of its
// own, inside the installer's sandbox; a Go module's worktree through a
// replace directive. Nothing is built on the host: the cache only checks
// the commits out.
type LibCommits struct {
	*Commits
	Lib  Library
	Base toolchain.Toolchain
	// With is the release whose dependencies every probe's environment
	// has (the older end's, in a chain); "": the script's own.
	With           string
	FromTag, ToTag string // in a chain: the tags the range runs between
	Prepare        Prepare
	installs       int
}

// Installs is how many commits were installed (cache hits excluded; a
// commit that failed to install counts).
func (l *LibCommits) Installs() int { return l.installs }

// Builds implements Source: nothing is built on the host.
func (l *LibCommits) Builds() int { return 0 }

// Toolchain implements Source.
func (l *LibCommits) Toolchain(ctx context.Context, i int) (toolchain.Toolchain, string, error) {
	cm := l.Commits.Commits[i]
	b, err := l.Cache.Get(ctx, cm.Hash)
	if err != nil {
		return toolchain.Toolchain{}, "", err
	}
	if !b.OK {
		return toolchain.Toolchain{}, b.Reason, nil
	}
	tc := l.Base
	tc.With = nil
	if l.With != "" {
		tc.With = []string{l.Lib.require(l.With)}
	}
	version := l.With
	if version == "" {
		version = "0"
	}
	if l.Lib.Kind != toolchain.Go {
		// A local version label: the release it grew from, and the commit.
		version = fmt.Sprintf("%s+g%s", strings.SplitN(version, "+", 2)[0], cm.Short())
	}
	tc.Tree = &toolchain.SourceTree{Module: l.Lib.Name, Dir: b.Dir, Commit: cm.Hash, Version: version}
	tc.Identity += "|tree=" + cm.Hash
	return prepared(ctx, tc, l.Prepare, &l.installs)
}

// goModuleReleases lists a Go module's published versions in lo..hi the
// way the go command does (`go list -m -versions`, through the user's
// GOPROXY): retracted versions are left out by the go command itself,
// pre-releases here unless Pre.
func goModuleReleases(ctx context.Context, l Library, base toolchain.Toolchain, rg Range) (*LibReleases, error) {
	list := func(args ...string) ([]string, error) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		goCmd := base.Path
		cmd := exec.CommandContext(ctx, goCmd, append([]string{"list", "-m", "-versions", "-json"}, args...)...)
		cmd.Dir = os.TempDir() // outside any module or workspace
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=-mod=mod", "GO111MODULE=on")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list -m -versions %s: %v: %s", l.Name, err, strings.TrimSpace(stderr.String()))
		}
		var m struct{ Versions []string }
		if err := json.Unmarshal(out, &m); err != nil {
			return nil, fmt.Errorf("go list -m -versions %s: %v", l.Name, err)
		}
		return m.Versions, nil
	}
	kept, err := list(l.Name)
	if err != nil {
		return nil, err
	}
	all, err := list("-retracted", l.Name)
	if err != nil {
		all = kept
	}
	isKept := map[string]bool{}
	for _, v := range kept {
		isKept[v] = true
	}
	semver.Sort(all)
	src := &LibReleases{Lib: l, Base: base, Index: "the module proxy", Prepare: rg.Prepare}
	for _, name := range all {
		if l.Lo != "" && semver.Compare(name, l.Lo) < 0 || l.Hi != "" && semver.Compare(name, l.Hi) > 0 {
			continue
		}
		v := Version{Name: name}
		isEnd := name == l.Lo || name == l.Hi
		switch {
		case !isKept[name] && !isEnd:
			v.LeftOut = "retracted"
		case semver.Prerelease(name) != "" && !rg.Pre && !isEnd:
			v.LeftOut = "pre-release"
		}
		if v.LeftOut != "" {
			src.LeftOut = append(src.LeftOut, v)
			continue
		}
		src.Versions = append(src.Versions, v)
	}
	for _, end := range []string{l.Lo, l.Hi} {
		if end != "" && !slices.Contains(all, end) {
			return nil, usage("--with %s@%s..%s: the module proxy lists no version %s of %s (it lists %s)", l.Name, l.Lo, l.Hi, end, l.Name, strings.Join(all, ", "))
		}
	}
	if len(src.Versions) < 2 {
		return nil, usage("--with %s: %d version(s) of %s in that range (%s); bisecting needs two", rg.With, len(src.Versions), l.Name, versionNames(src.Versions))
	}
	return src, nil
}
