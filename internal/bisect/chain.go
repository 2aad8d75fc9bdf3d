// This file chains a library's two searches: once its releases have
// named the release that changed the verdict, the two releases around it
// are found as tags of the user's checkout, and the commits between
// them are bisected — "introduced in pkg 2.4.0, by 1a2b3c4 …", the way
// cargo-bisect-rustc goes from nightlies to the commits of one.

package bisect

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// TagOf finds the tag of a library's release in a checkout: with format
// ("release-{version}"), exactly that tag; else vVERSION or VERSION, else
// any tag whose version (after a "v" or a "NAME-"/"NAME_" prefix) equals
// the release's by the ecosystem's rules (PEP 440: "v2.0" is 2.0.0).
func TagOf(ctx context.Context, src, format string, lib Library, version string) (string, error) {
	exists := func(tag string) bool {
		_, err := git(ctx, src, "rev-parse", "--verify", "--quiet", "refs/tags/"+tag+"^{commit}")
		return err == nil
	}
	if format != "" {
		tag := strings.ReplaceAll(format, "{version}", version)
		if exists(tag) {
			return tag, nil
		}
		return "", fmt.Errorf("%s has no tag %s (--tag-format %s) for %s %s", src, tag, format, lib.Name, version)
	}
	plain := strings.TrimPrefix(version, "v")
	for _, tag := range []string{"v" + plain, plain} {
		if exists(tag) {
			return tag, nil
		}
	}
	out, err := git(ctx, src, "tag", "--list")
	if err != nil {
		return "", err
	}
	for _, tag := range strings.Fields(out) {
		v := tag
		if i := strings.LastIndex(v, "/"); i >= 0 && lib.Kind == toolchain.Go {
			v = v[i+1:] // a module in a subdirectory: sub/v1.2.3
		}
		for _, p := range []string{lib.Name + "-", lib.Name + "_", "v"} {
			v = strings.TrimPrefix(v, p)
		}
		if lib.Kind == toolchain.Go {
			if semver.IsValid("v"+v) && semver.Compare("v"+v, version) == 0 {
				return tag, nil
			}
		} else if scriptdeps.ValidVersion(v) && scriptdeps.CompareVersions(v, version) == 0 {
			return tag, nil
		}
	}
	return "", fmt.Errorf("%s has no tag for %s %s (looked for v%s, %s and tags of that version): name the tags' form with --tag-format, e.g. 'release-{version}'", src, lib.Name, version, plain, plain)
}

// CommitsBetween is the chain's second range: the commits from the tag
// of the release before the change to the tag of the release that made
// it. When the older tag is not an ancestor of the newer (it was made on
// a maintenance branch), the range starts at their merge base, said on
// rg.Log; both ends are re-verified by the search anyway.
func CommitsBetween(ctx context.Context, r *repro.Repro, rg Range, lib Library, rel Report, base toolchain.Toolchain) (*LibCommits, error) {
	older, newer := rel.Before.ID, rel.Culprit.ID
	from, err := TagOf(ctx, rg.Src, rg.TagFormat, lib, older)
	if err != nil {
		return nil, usage("%v", err)
	}
	to, err := TagOf(ctx, rg.Src, rg.TagFormat, lib, newer)
	if err != nil {
		return nil, usage("%v", err)
	}
	if _, err := git(ctx, rg.Src, "merge-base", "--is-ancestor", from, to); err != nil {
		mb, err := git(ctx, rg.Src, "merge-base", from, to)
		if err != nil {
			return nil, usage("tags %s and %s of %s share no history: %v", from, to, rg.Src, err)
		}
		mb = strings.TrimSpace(mb)
		if rg.Log != nil {
			fmt.Fprintf(rg.Log, "reprokit: %s is not an ancestor of %s (a maintenance branch): bisecting from their merge base %s\n", from, to, short(mb))
		}
		from = mb
	}
	commits, err := ListCommits(ctx, rg.Src, from, to, rg.AllParents)
	if err != nil {
		return nil, usage("%v", err)
	}
	c := libCommits(rg, lib, commits, base)
	c.With = older
	c.FromTag, c.ToTag = from, to
	return c, nil
}

func libCommits(rg Range, lib Library, commits []Commit, base toolchain.Toolchain) *LibCommits {
	dir := rg.CacheDir
	if dir == "" {
		dir = DefaultBuildCacheDir(rg.Env)
	}
	return &LibCommits{
		Commits: &Commits{Src: rg.Src, Commits: commits, Kind: base.Kind, Cache: &BuildCache{Dir: dir, Src: rg.Src}},
		Lib:     lib,
		Base:    base,
		Prepare: rg.Prepare,
	}
}

// Chain goes on from a library's releases to its commits: when src was a
// library's releases, rg names its checkout (Src) and the releases gave
// one answer, the commits between the two releases around the change are
// bisected, and their report becomes rep.Commits.
func Chain(ctx context.Context, r *repro.Repro, rg Range, src Source, rep Report, opts Options) (Report, error) {
	rels, ok := src.(*LibReleases)
	if !ok || rg.Src == "" || rep.Ambiguous {
		return rep, nil
	}
	commits, err := CommitsBetween(ctx, r, rg, rels.Lib, rep, rels.Base)
	if err != nil {
		return rep, err
	}
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "reprokit: %s %s: bisecting the commits %s..%s of %s\n", rep.Library, rep.Culprit.Short, commits.FromTag, commits.ToTag, rg.Src)
	}
	crep, err := Run(ctx, r, commits, opts)
	if err != nil {
		return rep, fmt.Errorf("the commits between %s %s and %s: %w", rep.Library, rep.Before.Short, rep.Culprit.Short, err)
	}
	crep.Release = rep.Culprit.ID
	rep.Commits = &crep
	return rep, nil
}

// PrepareFor readies a probe's environment the way the runner will use
// it: a Python repro's (installed inside the installer's sandbox by
// deps), a Go repro's modules (resolved on the host, served read-only).
func PrepareFor(r *repro.Repro, deps *scriptdeps.Builder) Prepare {
	return func(ctx context.Context, tc toolchain.Toolchain) (bool, string, error) {
		if tc.Kind == toolchain.Go {
			built, err := runner.GoModules(ctx, r, tc)
			return built, "", err
		}
		return runner.Environment(ctx, r, tc, deps)
	}
}
