package toolchain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// oldestPython is the oldest minor `--python all` reaches by default: the
// oldest the CPython bug form asks about.
const oldestPython = "3.9"

func (r *Resolver) uv() *UV {
	if r.UV == nil {
		r.UV = NewUV(os.Getenv)
	}
	return r.UV
}

// EnsurePython returns CPython release d, fetching it through uv into
// uv's install directory when it is not there, said on Log with the time
// taken. This is the API a release bisection uses. The fetched interpreter
// must say it is the release asked for.
func (r *Resolver) EnsurePython(ctx context.Context, d Download) (Toolchain, error) {
	u := r.uv()
	began := time.Now()
	fetching := installed(u.Dir, d.Key) == ""
	if fetching && u.cannot() == "" && u.Offline == "" {
		r.logf("fetching %s: not on this machine; with uv as %s from %s (uv checks its sha256)", d.Version, d.Key, d.URL)
	}
	p, err := u.Install(ctx, d)
	if err != nil {
		return Toolchain{}, err
	}
	if fetching {
		r.logf("fetched %s in %.1fs into %s", d.Version, time.Since(began).Seconds(), u.Dir)
	}
	t, err := probe(ctx, Candidate{Kind: Python, Path: p, Source: "fetched"})
	if err != nil {
		return Toolchain{}, fmt.Errorf("%s fetched into %s but does not run: %w", d.Version, p, err)
	}
	if t.Version != d.Version {
		return Toolchain{}, fmt.Errorf("uv installed %s as %s, but its interpreter says it is %s: the download list is wrong", d.Key, d.Version, t.Version)
	}
	t.Identity = identity(t.Path) + "|" + probeKey
	return t, nil
}

// Python selects CPython interpreters by spec, fetching through uv the
// releases this machine lacks: "" the python3 on PATH; "here" every
// interpreter on this machine; "all" those plus the newest release of
// every minor from 3.9 on that uv can fetch; "3.12" the 3.12.x here, else
// the newest 3.12 release; "3.12.4" or "3.13.0t" exactly that; "3.12.*"
// every 3.12 release. A release that cannot be fetched (no uv, offline,
// the mirror unreachable) comes back Unavailable, so its cells are
// skipped with the reason and the command that fetches it; a download
// that is broken (its sha256 differs) is an error.
func (r *Resolver) Python(ctx context.Context, all []Toolchain, spec string) ([]Toolchain, error) {
	here := OfKind(all, Python)
	switch spec {
	case "":
		return Select(all, Python, "")
	case "here":
		return Select(all, Python, "all")
	}
	var (
		downloads []Download
		listErr   error
		listed    bool
	)
	list := func() ([]Download, error) {
		if !listed {
			listed = true
			downloads, listErr = r.uv().Downloads(ctx)
		}
		return downloads, listErr
	}
	var out []Toolchain
	var want []Download
	// optional: the releases wanted are all's newest of each minor, which
	// are wanted if they can be had: one that cannot is left out (said
	// once), not a skipped cell that a check would count as a transition.
	optional := false
	add := func(d Download) {
		for _, t := range here {
			if t.Version == d.Version {
				out = append(out, t)
				return
			}
		}
		want = append(want, d)
	}
	items := strings.Split(spec, ",")
	if spec == "all" {
		items = nil
		out = append(out, here...)
		dl, err := list()
		if err != nil {
			r.logf("--python all: %v; running the interpreters on this machine only", err)
			if len(here) == 0 {
				return nil, fmt.Errorf("no python toolchain found (looked %s) and %v", where[Python], err)
			}
			return SortByVersion(here), nil
		}
		for _, d := range NewestPerMinor(dl, oldestPython) {
			add(d)
		}
		optional = true
	}
	for _, item := range items {
		item = strings.TrimSpace(item)
		item = strings.TrimPrefix(strings.TrimPrefix(item, "cpython-"), "python")
		if item == "" {
			return nil, fmt.Errorf("--python %q: an empty version; want all, 3.12, 3.9,3.13, 3.12.4, 3.13t or 3.12.*", spec)
		}
		star := strings.HasSuffix(item, ".*")
		num, _ := splitABI(strings.TrimSuffix(item, ".*"))
		exact := !star && strings.Count(num, ".") == 2
		var mine []Toolchain
		for _, t := range here {
			if Matches(t, item) {
				mine = append(mine, t)
			}
		}
		if !star && len(mine) > 0 {
			out = append(out, mine...)
			continue
		}
		dl, err := list()
		if err != nil {
			if len(mine) > 0 {
				r.logf("--python %s: %v; using the %s interpreters on this machine", item, err, item)
				out = append(out, mine...)
				continue
			}
			out = append(out, Toolchain{Kind: Python, Name: "cpython-" + item, Version: item,
				Unavailable: fmt.Sprintf("no %s here, and %v; to fetch it by hand: %s", item, err, r.uv().Command(Download{Key: item}))})
			continue
		}
		match := Releases(dl, item)
		if !star && len(match) > 0 {
			match = match[len(match)-1:] // the newest: 3.12 is 3.12's newest release
		}
		if len(match) == 0 && len(mine) == 0 {
			newest := "none"
			if len(dl) > 0 {
				newest = dl[0].Version
			}
			if exact {
				return nil, fmt.Errorf("no python %q on this machine (have: %s), and uv's download list has no such release (newest: %s)", item, strings.Join(Versions(here), ", "), newest)
			}
			return nil, fmt.Errorf("no python %q on this machine (have: %s), and uv's download list has no such release (newest: %s); run `reprokit toolchains --available` to see what can be fetched", item, strings.Join(Versions(here), ", "), newest)
		}
		out = append(out, mine...)
		for _, d := range match {
			add(d)
		}
	}
	// Fetch what is missing, once each. After a release could not be
	// fetched at all (offline, the mirror down), the others are not tried:
	// each try would wait out uv's retries for the same answer.
	seen := map[string]bool{}
	var blocked *FetchError
	var left []string
	for _, d := range want {
		if seen[d.Key] {
			continue
		}
		seen[d.Key] = true
		var t Toolchain
		var err error
		if blocked != nil {
			err = &FetchError{Version: d.Version, Reason: fmt.Sprintf("not tried, as fetching %s just failed (%s)", blocked.Version, cause(blocked.Reason)), Command: r.uv().Command(d), Err: ErrCannotFetch}
		} else {
			t, err = r.EnsurePython(ctx, d)
		}
		if err != nil {
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Err == nil {
				return nil, fmt.Errorf("--python %s: %w", d.Version, err)
			}
			if blocked == nil {
				blocked = fe
			}
			if optional {
				left = append(left, d.Version)
				continue
			}
			r.logf("skipping %s: %v", d.Version, err)
			out = append(out, Toolchain{Kind: Python, Name: "cpython-" + d.Version, Version: d.Version, ABI: abiOf(d.Version), Unavailable: err.Error()})
			continue
		}
		out = append(out, t)
	}
	if len(left) > 0 {
		r.logf("--python all: cannot fetch %s (%s: %s); running the interpreters here and those fetched before. Fetch by hand with: %s",
			and(left), blocked.Version, blocked.Reason, r.uv().Command(Download{Key: strings.Join(left, " ")}))
	}
	return dedupe(SortByVersion(out)), nil
}

// cause is the root cause at the end of a reason ("…: Connection refused").
func cause(reason string) string {
	if i := strings.LastIndex(reason, ": "); i >= 0 {
		return reason[i+2:]
	}
	return reason
}

// and joins "a, b and c".
func and(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// dedupe keeps one toolchain per version (the first: found before fetched).
func dedupe(ts []Toolchain) []Toolchain {
	var out []Toolchain
	seen := map[string]bool{}
	for _, t := range ts {
		if !seen[t.Version] {
			seen[t.Version] = true
			out = append(out, t)
		}
	}
	return out
}

func abiOf(version string) string {
	_, abi := splitABI(version)
	return abi
}

// Releases keeps the final releases among dl that answer one selection
// item ("3.12", "3.12.*", "3.12.4", "3.13t"), oldest first. Pre-releases
// count only when the item names no final release (3.16 before 3.16.0).
func Releases(dl []Download, item string) []Download {
	item = strings.TrimSuffix(strings.TrimSpace(item), ".*")
	var final, pre []Download
	for _, d := range dl {
		t := Toolchain{Version: d.Version, ABI: abiOf(d.Version)}
		if !Matches(t, item) && d.Version != item {
			continue
		}
		if d.Prerelease {
			pre = append(pre, d)
		} else {
			final = append(final, d)
		}
	}
	if len(final) == 0 {
		final = pre
	}
	sortDownloads(final)
	return final
}

// NewestPerMinor keeps the newest final default build of every minor from
// oldest on, oldest minor first.
func NewestPerMinor(dl []Download, oldest string) []Download {
	newest := map[string]Download{}
	for _, d := range dl {
		if d.Prerelease || abiOf(d.Version) != "" || CompareVersions(Minor(d.Version), oldest) < 0 {
			continue
		}
		m := Minor(d.Version)
		if cur, ok := newest[m]; !ok || CompareVersions(d.Version, cur.Version) > 0 {
			newest[m] = d
		}
	}
	var out []Download
	for _, d := range newest {
		out = append(out, d)
	}
	sortDownloads(out)
	return out
}

// DownloadsInRange keeps the final releases of dl in lo..hi (either end a prefix:
// 3.13 holds 3.13.1) of the default build, oldest first.
func DownloadsInRange(dl []Download, lo, hi string) []Download {
	var out []Download
	for _, d := range dl {
		if d.Prerelease || abiOf(d.Version) != "" {
			continue
		}
		v := d.Version
		if CompareVersions(v, lo) >= 0 && (CompareVersions(v, hi) <= 0 || strings.HasPrefix(v, hi+".")) {
			out = append(out, d)
		}
	}
	sortDownloads(out)
	return out
}

func sortDownloads(dl []Download) {
	sort.SliceStable(dl, func(i, j int) bool { return CompareVersions(dl[i].Version, dl[j].Version) < 0 })
}
