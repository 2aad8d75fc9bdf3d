// Package reduce is the minimize session around the pure engine
// (internal/minimize): it decides which toolchains a reduction must keep
// and with which verdicts, builds the oracle that asks all of them, and
// keeps results clean (no new exception or warning type, no name that
// nothing binds) and stable under load.
package reduce

import (
	"fmt"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Choice is the toolchains a reduction keeps and why.
type Choice struct {
	Toolchains []toolchain.Toolchain
	// Expected holds, per toolchain name, the verdict the archive's
	// `expect:` entries give it (empty when chosen by --python).
	Expected map[string]repro.Verdict
	Note     string // what was chosen, for the user; empty when obvious
}

// Choose picks the toolchains a reduction keeps, from all discovered ones:
//
//   - spec names versions ("3.9,3.12"): every toolchain it names, each to
//     keep the verdict the input has there;
//   - no spec, and the archive has `expect:` entries: one toolchain per
//     distinct expected verdict present here (the oldest of each, so the
//     compatibility code older versions need survives), skipped ones
//     aside (a skip line is never removed), so the tiers keep working and
//     the version boundary survives; and the newest that reproduces, the
//     one a maintainer runs first (kept on the oldest alone, subint_fork's
//     result lost its 3.13 import and failed there with a NameError);
//   - otherwise the default toolchain (python3 on PATH), as `run` does.
func Choose(r *repro.Repro, all []toolchain.Toolchain, spec string) (Choice, error) {
	if spec == "all" {
		return Choice{}, fmt.Errorf("--python all: a reduction keeps the verdicts of the versions it names; name them (e.g. --python 3.9,3.12), or leave the flag out to keep one version per expected verdict")
	}
	if r.Kind() != toolchain.Python {
		spec = "" // --python selects Python versions only
	}
	if spec != "" || len(r.Meta.Expect) == 0 {
		tcs, err := toolchain.Select(all, r.Kind(), spec)
		if err != nil {
			return Choice{}, err
		}
		c := Choice{Toolchains: tcs, Expected: map[string]repro.Verdict{}}
		if len(tcs) > 1 {
			c.Note = fmt.Sprintf("reprokit: keeping the input's verdict on each of %s", names(tcs))
		}
		return c, nil
	}
	avail, err := toolchain.Select(all, r.Kind(), "all")
	if err != nil {
		return Choice{}, err
	}
	byVerdict := map[repro.Verdict]toolchain.Toolchain{}
	var newest *toolchain.Toolchain // the newest that reproduces
	var missing []string
	for _, tc := range avail { // oldest first
		v, ok := r.Meta.Expected(tc.Version)
		if !ok || v == repro.Skipped {
			continue
		}
		if _, seen := byVerdict[v]; !seen {
			byVerdict[v] = tc
		}
		if v == repro.Reproduces {
			newest = &tc
		}
	}
	if _, ok := byVerdict[repro.Reproduces]; !ok {
		var want []string
		for k, v := range r.Meta.Expect {
			if v == repro.Reproduces {
				want = append(want, k)
			}
		}
		sort.Strings(want)
		missing = want
		return Choice{}, fmt.Errorf("%s: expects the bug to reproduce on %s, and no such toolchain is here (have %s): install one, or name the versions to keep with --python", r.Path, orNone(missing), names(avail))
	}
	c := Choice{Expected: map[string]repro.Verdict{}}
	var parts []string
	for _, v := range repro.Verdicts {
		tc, ok := byVerdict[v]
		if !ok {
			continue
		}
		c.Toolchains = append(c.Toolchains, tc)
		c.Expected[tc.Name] = v
		parts = append(parts, fmt.Sprintf("%s on %s", v, tc.Name))
	}
	if _, kept := c.Expected[newest.Name]; !kept {
		c.Toolchains = append(c.Toolchains, *newest)
		c.Expected[newest.Name] = repro.Reproduces
		parts = append(parts, fmt.Sprintf("the newest that reproduces, %s", newest.Name))
	}
	c.Toolchains = toolchain.SortByVersion(c.Toolchains)
	if len(c.Toolchains) > 1 {
		c.Note = "reprokit: keeping one toolchain per expected verdict: " + strings.Join(parts, ", ")
	}
	return c, nil
}

func names(tcs []toolchain.Toolchain) string {
	var out []string
	for _, t := range tcs {
		out = append(out, t.Name)
	}
	return strings.Join(out, ", ")
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "no version"
	}
	return strings.Join(s, ", ")
}
