package toolchain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Resolver selects Go releases and CPython interpreters, fetching the
// ones this machine lacks (Go through the module proxy, CPython through
// uv).
type Resolver struct {
	Fetcher *GoFetcher // nil: the go on PATH, with the caller's environment
	UV      *UV        // nil: NewUV of the process's environment
	Log     io.Writer  // where fetching is said; nil: nowhere
	// Oldest is the oldest minor `all` reaches; default 1.18.
	Oldest string
}

func (r *Resolver) fetcher() *GoFetcher {
	if r.Fetcher != nil {
		return r.Fetcher
	}
	return &GoFetcher{}
}

func (r *Resolver) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, "reprokit: "+format+"\n", args...)
	}
}

// Ensure returns Go release v ("go1.22.5" or "1.22.5"), fetching it into
// the module cache when it is not there. This is the API a release
// bisection uses.
func (r *Resolver) Ensure(ctx context.Context, v string) (Toolchain, error) {
	name := GoReleaseName(v)
	began := time.Now()
	r.logf("fetching %s: not on this machine; through the Go module proxy as %s@%s (the go command verifies it against the checksum database)", name, GoToolchainModule, GoModuleVersion(name))
	goroot, err := r.fetcher().Fetch(ctx, name)
	if err != nil {
		return Toolchain{}, err
	}
	r.logf("fetched %s in %.1fs into the module cache", name, time.Since(began).Seconds())
	c := Candidate{Kind: Go, Path: goroot + "/bin/go", Source: "fetched"}
	t, err := probe(ctx, c)
	if err != nil {
		return Toolchain{}, fmt.Errorf("%s fetched but does not run: %w", name, err)
	}
	t.Identity = identity(t.Path) + "|" + probeKey
	return t, nil
}

// Go selects Go toolchains by spec, like --python, fetching what is
// missing: "" the go on PATH; "here" every Go on this machine; "all" the
// newest patch of every minor from Oldest to the newest release; "1.22"
// the 1.22.x here, else the newest 1.22 release; "1.22.0,1.22.12" exactly
// those; "1.22.*" every 1.22 release. A release that cannot be fetched
// offline comes back Unavailable, so its cells are skipped with the reason.
func (r *Resolver) Go(ctx context.Context, all []Toolchain, spec string) ([]Toolchain, error) {
	here := OfKind(all, Go)
	switch spec {
	case "":
		if len(here) == 0 {
			return nil, fmt.Errorf("no go toolchain found (looked %s); name releases with --go to fetch them", where[Go])
		}
		return here[:1], nil
	case "here":
		if len(here) == 0 {
			return nil, fmt.Errorf("no go toolchain found (looked %s)", where[Go])
		}
		return SortByVersion(here), nil
	}
	var releases []string // published releases, fetched lazily
	var listErr error
	listed := false
	list := func() ([]string, error) {
		if !listed {
			listed = true
			releases, listErr = r.fetcher().Releases(ctx)
		}
		return releases, listErr
	}
	var want []string // exact versions, "1.22.5"
	var out []Toolchain
	add := func(v string) { want = append(want, v) }
	items := strings.Split(spec, ",")
	if spec == "all" {
		items = nil
		rel, err := list()
		if err != nil {
			r.logf("--go all: %v; using the Go toolchains on this machine", err)
			return r.Go(ctx, all, "here")
		}
		oldest := r.Oldest
		if oldest == "" {
			oldest = "1.18"
		}
		newest := map[string]string{}
		var minors []string
		for _, v := range rel {
			v = goVersion(v)
			m := Minor(v)
			if CompareVersions(m, oldest) < 0 {
				continue
			}
			if _, ok := newest[m]; !ok {
				minors = append(minors, m)
			}
			newest[m] = v // releases come oldest first
		}
		for _, m := range minors {
			add(newest[m])
		}
	}
	for _, item := range items {
		item = strings.TrimPrefix(strings.TrimSpace(item), "go")
		if item == "" {
			return nil, fmt.Errorf("--go %q: an empty version; want all, 1.22, 1.22.0,1.22.12 or 1.22.*", spec)
		}
		star := strings.HasSuffix(item, ".*")
		exact := !star && strings.Count(item, ".") == 2
		var mine []Toolchain
		for _, t := range here {
			if Matches(t, item) {
				mine = append(mine, t)
			}
		}
		switch {
		case exact:
			add(item)
		case !star && len(mine) > 0:
			for _, t := range mine {
				add(t.Version)
			}
		default:
			rel, err := list()
			if err != nil {
				if len(mine) > 0 {
					r.logf("--go %s: %v; using the %s releases on this machine", item, err, item)
					for _, t := range mine {
						add(t.Version)
					}
					continue
				}
				out = append(out, Toolchain{Kind: Go, Name: "go" + item, Version: item, Unavailable: fmt.Sprintf("no go%s here and %v", item, err)})
				continue
			}
			var match []string
			for _, v := range rel {
				if Matches(Toolchain{Version: goVersion(v)}, item) {
					match = append(match, goVersion(v))
				}
			}
			if len(match) == 0 {
				return nil, fmt.Errorf("--go %s: no such Go release (newest published: %s)", item, rel[len(rel)-1])
			}
			if star {
				for _, v := range match {
					add(v)
				}
			} else {
				add(match[len(match)-1])
			}
		}
	}
	seen := map[string]bool{}
	for _, v := range want {
		if seen[v] {
			continue
		}
		seen[v] = true
		var have *Toolchain
		for i, t := range here {
			if t.Version == v {
				have = &here[i]
				break
			}
		}
		if have != nil {
			out = append(out, *have)
			continue
		}
		t, err := r.Ensure(ctx, v)
		if err != nil {
			reason := err.Error()
			if !errors.Is(err, ErrOffline) {
				return nil, fmt.Errorf("--go %s: %w", v, err)
			}
			r.logf("skipping go%s: %s", v, reason)
			out = append(out, Toolchain{Kind: Go, Name: GoReleaseName(v), Version: v, Unavailable: reason})
			continue
		}
		out = append(out, t)
	}
	return SortByVersion(out), nil
}
