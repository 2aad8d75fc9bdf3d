// This file runs a bisection for real: it turns each candidate of a
// range (an interpreter release, or a commit built by buildcache.go) into
// a toolchain, runs the repro on it in the sandbox through runner, and hands
// the verdicts to the pure search in search.go.

package bisect

import (
	"context"
	"fmt"
	"io"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Source is an ordered range of candidates, oldest first.
type Source interface {
	// Over is what the source's candidates are.
	Over() repro.Candidates
	Candidates() []Candidate
	// Toolchain readies candidate i: fetches a release, builds a commit.
	// skip is non-empty when the candidate cannot be tested (a build that
	// fails); err is for what reprokit itself could not do, and ends the
	// bisection.
	Toolchain(ctx context.Context, i int) (tc toolchain.Toolchain, skip string, err error)
	// Builds is how many candidates were built so far (cache hits excluded).
	Builds() int
	// CompareURL links the change for people, or "".
	CompareURL(ctx context.Context, before, culprit int) string
}

// Options for Run.
type Options struct {
	Count  int            // runs per probed candidate; default 1
	Runner runner.Options // sandbox limits and isolation (Count is ignored)
	// Progress, if not nil, gets one line per probe.
	Progress io.Writer
	// Verbose adds each probe run's testscript log to Progress, under
	// its line, as `run -v` shows it.
	Verbose bool
}

// Run bisects r over src and returns the report.
func Run(ctx context.Context, r *repro.Repro, src Source, opts Options) (Report, error) {
	cands := src.Candidates()
	count := max(opts.Count, 1)
	ropts := opts.Runner
	ropts.Count = 1 // each run is an observation of its own: the search judges the mix
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		failure error // what reprokit itself could not do: ends the search
		probes  int
	)
	oracle := func(ctx context.Context, i int) Probe {
		if failure != nil {
			// The search asks for the other end after the first failed:
			// keep the first failure, not the cancellation it caused.
			return Probe{Skip: failure.Error()}
		}
		probes++
		tc, skip, err := src.Toolchain(ctx, i)
		if err != nil {
			failure = fmt.Errorf("%s: %w", cands[i].Short, err)
			cancel()
			return Probe{Skip: err.Error()}
		}
		var p Probe
		var ran []runner.Result
		if skip != "" {
			p.Skip = skip
		} else {
			for k := 0; k < count && ctx.Err() == nil; k++ {
				res := runner.Run(ctx, r, tc, ropts)
				ran = append(ran, res)
				// A program the script runs is not there: this candidate
				// cannot tell, and an end that is so is named for it.
				if why := runner.MissingProgram(res, tc); why != "" && res.Verdict != repro.Reproduces {
					p.Skip = why
					break
				}
				p.Runs = append(p.Runs, Observation{Verdict: res.Verdict, Signature: res.Signature, Err: res.Error})
			}
			if p.Skip != "" {
				p.Runs = nil
			}
		}
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "probe %d: %s: %s\n", probes, cands[i], summary(p))
			if opts.Verbose {
				for _, res := range ran {
					res.Details(opts.Progress, true)
				}
			}
		}
		return p
	}
	res, err := Search(ctx, len(cands), oracle)
	if failure != nil {
		return Report{}, failure
	}
	if err != nil {
		return Report{}, err
	}
	rep := NewReport(r.Path, src.Over(), res, cands)
	rep.Builds = src.Builds()
	switch s := src.(type) {
	case *LibReleases:
		rep.Library, rep.Installs = s.Lib.Name, s.Installs()
		for _, v := range s.LeftOut {
			rep.LeftOut = append(rep.LeftOut, Note{Candidate{ID: v.Name, Short: v.Name}, v.LeftOut})
		}
	case *LibCommits:
		rep.Library, rep.Installs = s.Lib.Name, s.Installs()
	}
	if !rep.Ambiguous {
		rep.CompareURL = src.CompareURL(ctx, res.Before, res.Culprit)
	}
	return rep, nil
}

func summary(p Probe) string {
	if p.Skip != "" {
		return "untestable: " + p.Skip
	}
	return Mix(p.Runs)
}

// Bisection is the report as the archive's metadata records it.
func Bisection(rep Report) repro.Bisection {
	b := repro.Bisection{
		Direction: rep.Direction,
		Over:      rep.Over,
		By:        rep.Culprit.ID,
		Subject:   rep.Culprit.Subject,
		Before:    rep.Before.ID,
		Compare:   rep.CompareURL,
		Library:   rep.Library,
		Release:   rep.Release,
	}
	for _, s := range rep.Suspects {
		b.Suspects = append(b.Suspects, s.ID)
	}
	return b
}
