package runner

import (
	"context"
	"errors"
	"fmt"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/usage"
)

// Job is one (repro, toolchain) cell of a plan.
type Job struct {
	Repro     *repro.Repro
	Toolchain toolchain.Toolchain
}

// Plan pairs each repro with the toolchains sel selects for its kind, from
// those discovered with env (a Go release missing here is fetched).
func Plan(ctx context.Context, repros []*repro.Repro, sel *toolchain.Selection, env func(string) string) ([]Job, error) {
	if sel.Python == "" && allOfKind(repros, toolchain.Python) {
		// Each repro runs on the default python3 alone: find only it.
		if tc, ok := toolchain.DefaultPython(ctx, env); ok {
			return PlanOn(ctx, []toolchain.Toolchain{tc}, repros, sel)
		}
	}
	all, err := toolchain.Discover(ctx, env)
	if err != nil {
		return nil, err
	}
	return PlanOn(ctx, all, repros, sel)
}

func allOfKind(repros []*repro.Repro, kind toolchain.Kind) bool {
	for _, r := range repros {
		if r.Kind() != kind {
			return false
		}
	}
	return true
}

// PlanOn is Plan over toolchains already discovered.
func PlanOn(ctx context.Context, all []toolchain.Toolchain, repros []*repro.Repro, sel *toolchain.Selection) ([]Job, error) {
	var jobs []Job
	for _, r := range repros {
		tcs, err := sel.For(ctx, all, r.Kind())
		var fe *toolchain.FetchError
		switch {
		case errors.As(err, &fe):
			// A broken download is the harness's failure, not bad input.
			return nil, fmt.Errorf("%s: %w", r.Path, err)
		case err != nil:
			return nil, usage.Errorf("%s: %v", r.Path, err)
		}
		for _, tc := range tcs {
			jobs = append(jobs, Job{r, tc})
		}
	}
	return jobs, nil
}

// RunAll runs jobs with opts on n workers and reports each result, in job
// order, as soon as it and those before it are done.
func RunAll(ctx context.Context, jobs []Job, n int, opts Options, report func(Result)) []Result {
	return RunEach(ctx, jobs, n, func(ctx context.Context, _ int, j Job) Result {
		return Run(ctx, j.Repro, j.Toolchain, opts)
	}, report)
}

// RunEach is RunAll with the run of job i given by run.
func RunEach(ctx context.Context, jobs []Job, n int, run func(context.Context, int, Job) Result, report func(Result)) []Result {
	results := make([]Result, len(jobs))
	done := make([]chan struct{}, len(jobs))
	for i := range done {
		done[i] = make(chan struct{})
	}
	sem := make(chan struct{}, max(n, 1))
	go func() {
		for i, j := range jobs {
			sem <- struct{}{}
			go func() {
				defer func() { <-sem }()
				results[i] = run(ctx, i, j)
				close(done[i])
			}()
		}
	}()
	for i := range jobs {
		<-done[i]
		if report != nil {
			report(results[i])
		}
	}
	return results
}
