package bisect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"golang.org/x/mod/modfile"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Range is what the user asked to bisect over: exactly one of Python, Go
// or Src.
type Range struct {
	Python string // "3.9..3.13": CPython releases, here or fetched through uv
	Go     string // "1.22.0..1.22.12": Go releases
	// Commits of a checkout, each built by Build.
	Src, Build, From, To string
	Bin                  string        // SUBDIR of the build put first on PATH
	AllParents           bool          // walk every parent, not only first parents
	BuildTimeout         time.Duration // per build
	CacheDir             string        // default DefaultBuildCacheDir
	Env                  func(string) string
	Log                  io.Writer // where fetching releases is said; nil: nowhere

	// With bisects a library instead of the toolchain: "pkg==A..B" (a
	// Python project's releases on the user's index) or
	// "example.com/mod@vA..vB" (a Go module's, through the module proxy),
	// on the one interpreter or Go release that Python or Go selects.
	// With Src too, the commits between the two releases around the
	// change are bisected next (CommitsBetween).
	With string
	Pre  bool // keep pre-releases and development releases in the range
	// Install makes Src a library's checkout: each probed commit is put
	// in place of its release (installed, or a replace directive)
	// instead of being built into a toolchain.
	Install   bool
	TagFormat string // how releases are tagged: "v{version}"; "": found
	// Deps lists a Python library's releases (the user's index) and
	// installs them; Prepare readies a probe's environment (see Prepare).
	Deps    *scriptdeps.Builder
	Prepare Prepare
}

// UsageError marks a Range that cannot be bisected as given.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usage(format string, args ...any) error { return &UsageError{fmt.Sprintf(format, args...)} }

// NewSource turns a Range into the candidates to bisect over.
func NewSource(ctx context.Context, r *repro.Repro, rg Range) (Source, error) {
	if rg.With != "" || rg.Install {
		return librarySource(ctx, r, rg)
	}
	set := 0
	for _, s := range []string{rg.Python, rg.Go, rg.Src} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		return nil, usage("name one range: --python OLD..NEW, --go OLD..NEW, or --src DIR --build CMD --from REV --to REV")
	}
	if rg.Src != "" {
		if rg.Build == "" || rg.From == "" || rg.To == "" {
			return nil, usage("--src needs --build CMD, --from REV and --to REV")
		}
		commits, err := ListCommits(ctx, rg.Src, rg.From, rg.To, rg.AllParents)
		if err != nil {
			return nil, usage("%v", err)
		}
		dir := rg.CacheDir
		if dir == "" {
			dir = DefaultBuildCacheDir(rg.Env)
		}
		return &Commits{
			Src: rg.Src, Commits: commits, Kind: r.Kind(), Bin: rg.Bin, Log: rg.Log,
			Cache: &BuildCache{Dir: dir, Src: rg.Src, Command: rg.Build, Timeout: rg.BuildTimeout},
		}, nil
	}
	kind, spec := toolchain.Python, rg.Python
	if rg.Go != "" {
		kind, spec = toolchain.Go, rg.Go
	}
	lo, hi, err := ParseRange(spec)
	if err != nil {
		return nil, usage("--%s %v", kind, err)
	}
	if kind != r.Kind() {
		return nil, usage("%s runs on %s, not %s: use --%s", r.Path, r.Kind(), kind, r.Kind())
	}
	all, err := toolchain.Discover(ctx, rg.Env)
	if err != nil {
		return nil, err
	}
	var src *Releases
	if kind == toolchain.Go {
		if src, err = goReleases(ctx, all, lo, hi, rg); err != nil {
			return nil, err
		}
	} else {
		src = pythonReleases(ctx, all, lo, hi, rg)
	}
	if len(src.Names) < 2 {
		return nil, usage("--%s %s: found %d %s release(s) in that range here (%v); bisecting needs two. `reprokit toolchains` lists what exists", kind, spec, len(src.Names), kind, src.Names)
	}
	return src, nil
}

// librarySource is the first range of a library's bisection: its
// releases (With), or, with Install alone, the commits FROM..TO of its
// checkout.
func librarySource(ctx context.Context, r *repro.Repro, rg Range) (Source, error) {
	kind := r.Kind()
	switch {
	case rg.Install && rg.Src == "":
		return nil, usage("--install needs --src DIR: the library's checkout")
	case rg.Install && rg.Build != "":
		return nil, usage("--install takes the place of --build: each commit is installed inside the installer's sandbox, nothing is built on the host")
	case rg.With != "" && rg.Src != "" && (rg.From != "" || rg.To != ""):
		return nil, usage("with --with NAME==OLD..NEW and --src, the commits are those between the tags of the two releases around the change: leave out --from and --to")
	case kind == toolchain.Python && strings.Contains(rg.Python, ".."), kind == toolchain.Go && strings.Contains(rg.Go, ".."):
		return nil, usage("--with bisects a library on one toolchain: select one (--python 3.12, --go 1.22.5), not a range")
	case kind == toolchain.Python && rg.Go != "", kind == toolchain.Go && rg.Python != "":
		return nil, usage("%s runs on %s: select its toolchain with --%s", r.Path, kind, kind)
	}
	base, err := BaseToolchain(ctx, r, rg)
	if err != nil {
		return nil, err
	}
	var lib Library
	if rg.With != "" && strings.Contains(rg.With, "..") {
		if lib, err = ParseLibrary(rg.With, kind); err != nil {
			return nil, usage("%v", err)
		}
	} else {
		// --src --install alone: the library is named by --with NAME, or
		// by the checkout's own metadata.
		if lib, err = libraryOfCheckout(ctx, rg, kind); err != nil {
			return nil, err
		}
		if rg.From == "" || rg.To == "" {
			return nil, usage("--src --install needs --from REV and --to REV (or --with %s==OLD..NEW to find them from its releases)", lib.Name)
		}
		commits, err := ListCommits(ctx, rg.Src, rg.From, rg.To, rg.AllParents)
		if err != nil {
			return nil, usage("%v", err)
		}
		return libCommits(rg, lib, commits, base), nil
	}
	if kind == toolchain.Go {
		return goModuleReleases(ctx, lib, base, rg)
	}
	if rg.Deps == nil {
		rg.Deps = &scriptdeps.Builder{}
	}
	src, err := PyLibReleases(ctx, lib, rg.Deps, rg.Pre)
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			return nil, err
		}
		return nil, fmt.Errorf("--with %s: %w", rg.With, err)
	}
	src.Base, src.Prepare = base, rg.Prepare
	if len(src.Versions) < 2 {
		return nil, usage("--with %s: %d release(s) of %s in that range on %s (%s); bisecting needs two", rg.With, len(src.Versions), lib.Name, src.Index, versionNames(src.Versions))
	}
	return src, nil
}

func versionNames(vs []Version) string {
	var n []string
	for _, v := range vs {
		n = append(n, v.Name)
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

// BaseToolchain is the one interpreter or Go release a library is
// bisected on: the newest that --python or --go selects (default python3
// or go on PATH).
func BaseToolchain(ctx context.Context, r *repro.Repro, rg Range) (toolchain.Toolchain, error) {
	all, err := toolchain.Discover(ctx, rg.Env)
	if err != nil {
		return toolchain.Toolchain{}, err
	}
	res := &toolchain.Resolver{Log: rg.Log}
	var tcs []toolchain.Toolchain
	if r.Kind() == toolchain.Go {
		tcs, err = res.Go(ctx, all, rg.Go)
	} else {
		tcs, err = res.Python(ctx, all, rg.Python)
	}
	if err != nil {
		return toolchain.Toolchain{}, usage("%v", err)
	}
	if len(tcs) == 0 {
		return toolchain.Toolchain{}, usage("no %s toolchain selected to bisect the library on", r.Kind())
	}
	tcs = toolchain.SortByVersion(tcs)
	return tcs[len(tcs)-1], nil
}

// libraryOfCheckout names the library of --src --install: --with NAME,
// else the checkout's own: a Python project's pyproject.toml [project]
// name, a Go module's go.mod module path (at --to).
func libraryOfCheckout(ctx context.Context, rg Range, kind toolchain.Kind) (Library, error) {
	if rg.With != "" {
		name := strings.TrimSpace(rg.With)
		if kind == toolchain.Python {
			name = scriptdeps.Name(name)
		}
		return Library{Kind: kind, Name: name}, nil
	}
	rev := rg.To
	if rev == "" {
		rev = "HEAD"
	}
	if kind == toolchain.Go {
		data, err := git(ctx, rg.Src, "show", rev+":go.mod")
		if err == nil {
			if p := modfile.ModulePath([]byte(data)); p != "" {
				return Library{Kind: kind, Name: p}, nil
			}
		}
		return Library{}, usage("%s has no go.mod at %s naming its module: name it with --with MODULE", rg.Src, rev)
	}
	data, err := git(ctx, rg.Src, "show", rev+":pyproject.toml")
	if err == nil {
		var pp struct {
			Project struct {
				Name string `toml:"name"`
			} `toml:"project"`
		}
		if _, err := toml.Decode(data, &pp); err == nil && pp.Project.Name != "" {
			return Library{Kind: kind, Name: scriptdeps.Name(pp.Project.Name)}, nil
		}
	}
	return Library{}, usage("%s has no pyproject.toml naming its project at %s: name it with --with NAME", rg.Src, rev)
}

// goReleases lists the published Go releases in lo..hi (the module proxy's
// list, through the host go); only the releases the search probes are
// fetched, and a release already on this machine is not fetched at all.
// Offline, the Go toolchains on this machine are the range.
func goReleases(ctx context.Context, all []toolchain.Toolchain, lo, hi string, rg Range) (*Releases, error) {
	published, err := (&toolchain.GoFetcher{}).Releases(ctx)
	if err != nil {
		if rg.Log != nil {
			fmt.Fprintf(rg.Log, "reprokit: %v; bisecting over the Go releases on this machine\n", err)
		}
		return Installed(all, toolchain.Go, lo, hi), nil
	}
	here := map[string]toolchain.Toolchain{}
	for _, t := range all {
		if t.Kind == toolchain.Go {
			here[t.Version] = t
		}
	}
	var versions []string
	for _, name := range published {
		v := strings.TrimPrefix(name, "go")
		if strings.Count(v, ".") == 1 {
			v += ".0" // "go1.20" is the first release of 1.20
		}
		if InRange(v, lo, hi) {
			versions = append(versions, v)
		}
	}
	resolver := &toolchain.Resolver{Log: rg.Log}
	r := &Releases{Ensure: func(ctx context.Context, i int) (toolchain.Toolchain, error) {
		if t, ok := here[versions[i]]; ok {
			return t, nil
		}
		return resolver.Ensure(ctx, versions[i])
	}}
	for _, v := range versions {
		r.Names = append(r.Names, toolchain.GoReleaseName(v))
	}
	return r, nil
}

// pythonReleases lists every CPython release in lo..hi that is on this
// machine or in uv's download list (final releases of the default build),
// oldest first; only the releases the search probes are fetched, and a
// release already here is not fetched at all. Without uv or its list, the
// interpreters on this machine are the range.
func pythonReleases(ctx context.Context, all []toolchain.Toolchain, lo, hi string, rg Range) *Releases {
	env := rg.Env
	if env == nil {
		env = os.Getenv
	}
	resolver := &toolchain.Resolver{Log: rg.Log, UV: toolchain.NewUV(env)}
	dl, err := resolver.UV.Downloads(ctx)
	if err == nil && resolver.UV.Offline != "" {
		err = fmt.Errorf("%w: %s", toolchain.ErrCannotFetch, resolver.UV.Offline)
	}
	if err != nil {
		if rg.Log != nil {
			fmt.Fprintf(rg.Log, "reprokit: %v; bisecting over the Python interpreters on this machine\n", err)
		}
		return Installed(all, toolchain.Python, lo, hi)
	}
	type release struct {
		tc *toolchain.Toolchain // here, or nil: fetch d
		d  toolchain.Download
	}
	byVersion := map[string]release{}
	for _, d := range toolchain.DownloadsInRange(dl, lo, hi) {
		byVersion[d.Version] = release{d: d}
	}
	for _, t := range toolchain.OfKind(all, toolchain.Python) {
		if t.ABI == "" && InRange(t.Version, lo, hi) {
			if r, ok := byVersion[t.Version]; !ok || r.tc == nil {
				byVersion[t.Version] = release{tc: &t}
			}
		}
	}
	var versions []string
	for v := range byVersion {
		versions = append(versions, v)
	}
	sort.Slice(versions, func(i, j int) bool { return toolchain.CompareVersions(versions[i], versions[j]) < 0 })
	r := &Releases{Names: versions, Ensure: func(ctx context.Context, i int) (toolchain.Toolchain, error) {
		rel := byVersion[versions[i]]
		if rel.tc != nil {
			return *rel.tc, nil
		}
		t, err := resolver.EnsurePython(ctx, rel.d)
		if errors.Is(err, toolchain.ErrCannotFetch) {
			return t, fmt.Errorf("%w (set UV_OFFLINE=1 to bisect over the interpreters on this machine only)", err)
		}
		return t, err
	}}
	return r
}

// Record writes the report into the archive's metadata (a `bisect:`
// entry), atomically; nothing else in the archive changes.
func Record(r *repro.Repro, rep Report) error {
	data, err := r.WithBisection(Bisection(rep))
	if err != nil {
		return err
	}
	if c := rep.Commits; c != nil {
		// A chain records both answers: the release, and the commit.
		r2, err := repro.Parse(r.Path, data)
		if err != nil {
			return err
		}
		if data, err = r2.WithBisection(Bisection(*c)); err != nil {
			return err
		}
	}
	if err := atomicfile.WriteFile(r.Path, data, 0o644); err != nil {
		return fmt.Errorf("%s: recording the bisection: %w", r.Path, err)
	}
	return nil
}
