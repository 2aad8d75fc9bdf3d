package bisect

import (
	"context"
	"fmt"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Releases is a range of interpreter or compiler releases. Where they come
// from is injected: the interpreters found on this machine, or a list of
// Go releases fetched on demand (only the ones probed are fetched).
type Releases struct {
	Names []string // in version order: "3.9.18", "go1.22.5"
	// Ensure makes release i runnable (finding or fetching it).
	Ensure func(ctx context.Context, i int) (toolchain.Toolchain, error)
}

// Over implements Source.
func (r *Releases) Over() repro.Candidates { return repro.Releases }

// Candidates implements Source.
func (r *Releases) Candidates() []Candidate {
	out := make([]Candidate, len(r.Names))
	for i, n := range r.Names {
		out[i] = Candidate{ID: n, Short: n}
	}
	return out
}

// Toolchain implements Source: a release that cannot be had is an error,
// not a skip (the range named it).
func (r *Releases) Toolchain(ctx context.Context, i int) (toolchain.Toolchain, string, error) {
	tc, err := r.Ensure(ctx, i)
	return tc, "", err
}

// Builds implements Source: releases are not built.
func (r *Releases) Builds() int { return 0 }

// CompareURL implements Source.
func (r *Releases) CompareURL(context.Context, int, int) string { return "" }

// ParseRange reads "3.9..3.13" (either end may be a prefix: 3.13 holds
// 3.13.1).
func ParseRange(s string) (lo, hi string, err error) {
	lo, hi, ok := strings.Cut(s, "..")
	lo, hi = strings.TrimPrefix(strings.TrimSpace(lo), "go"), strings.TrimPrefix(strings.TrimSpace(hi), "go")
	if !ok || lo == "" || hi == "" || toolchain.CompareVersions(lo, hi) >= 0 {
		return "", "", fmt.Errorf("range %q: want OLD..NEW, e.g. 3.9..3.13 or 1.22.0..1.22.12", s)
	}
	return lo, hi, nil
}

// InRange reports whether version lies in lo..hi, ends included as
// prefixes.
func InRange(version, lo, hi string) bool {
	return toolchain.CompareVersions(version, lo) >= 0 &&
		(toolchain.CompareVersions(version, hi) <= 0 || strings.HasPrefix(version, hi+"."))
}

// Installed is the releases of one kind found on this machine within
// lo..hi, one per version, oldest first.
func Installed(all []toolchain.Toolchain, kind toolchain.Kind, lo, hi string) *Releases {
	var tcs []toolchain.Toolchain
	for _, t := range toolchain.SortByVersion(all) {
		if t.Kind == kind && InRange(t.Version, lo, hi) && (len(tcs) == 0 || tcs[len(tcs)-1].Version != t.Version) {
			tcs = append(tcs, t)
		}
	}
	r := &Releases{Ensure: func(_ context.Context, i int) (toolchain.Toolchain, error) { return tcs[i], nil }}
	for _, t := range tcs {
		r.Names = append(r.Names, t.Short())
	}
	return r
}
