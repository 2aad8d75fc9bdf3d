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

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/repro"
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
}

// UsageError marks a Range that cannot be bisected as given.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usage(format string, args ...any) error { return &UsageError{fmt.Sprintf(format, args...)} }

// NewSource turns a Range into the candidates to bisect over.
func NewSource(ctx context.Context, r *repro.Repro, rg Range) (Source, error) {
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
			Src: rg.Src, Commits: commits, Kind: r.Kind(), Bin: rg.Bin,
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
	if err := atomicfile.WriteFile(r.Path, data, 0o644); err != nil {
		return fmt.Errorf("%s: recording the bisection: %w", r.Path, err)
	}
	return nil
}
