package draft

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/usage"
)

// Request says how to draft repros: which tracker's shape, and how to run
// the matrix the draft reports. Zero values are the defaults given.
type Request struct {
	Tracker     string            // profile; default the repro's metadata, else github
	TrackersDir string            // profile files that add to or override the built-in ones
	Python      string            // Python versions for the matrix ("all", "3.11,3.12")
	Go          string            // Go releases for the matrix ("here", "all", "1.22.*"); missing ones are fetched
	Count       int               // runs per toolchain, for the flakiness rate (at least 1)
	Timeout     time.Duration     // per script run
	Jobs        int               // runs in parallel
	Force       bool              // draft even when it reproduces nowhere
	Isolation   sandbox.Isolation // the sandbox mode
	Log         io.Writer         // warnings
	// With is a dependency axis ("packaging==21.3,22.0"): each version is
	// its own cell, as in run and check.
	With string
	// Deps builds the environments of scripts with inline metadata
	// (PEP 723); nil: the default builder.
	Deps *scriptdeps.Builder
	// Related, if set, finds likely related upstream issues for a
	// rendered draft (forge.RelatedSearch); they are then listed in it.
	Related func(context.Context, *Draft) []Related
}

// Made is a draft with how it was made.
type Made struct {
	*Draft
	Tracker            string // the profile's name
	Reproducing, Total int    // toolchains that reproduce, of those run
}

// Select is the repros to draft: files, or with none, every repro in
// corpus whose metadata names tracker.
func Select(files []string, corpus, trackerName string) ([]*repro.Repro, error) {
	if len(files) > 0 {
		return repro.Load(files)
	}
	if trackerName == "" {
		return nil, usage.Errorf("draft: name archives, or a --tracker to draft every repro in %s/ that names it", corpus)
	}
	all, err := repro.Load([]string{corpus})
	if err != nil {
		return nil, err
	}
	var out []*repro.Repro
	for _, r := range all {
		if r.Meta.Tracker == trackerName {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, usage.Errorf("no repro in %s/ names tracker %q in its metadata", corpus, trackerName)
	}
	return out, nil
}

// Make runs r on its toolchains among all and renders its draft.
func Make(ctx context.Context, req Request, r *repro.Repro, all []toolchain.Toolchain, red *redact.Redactor) (*Made, error) {
	if req.Log == nil {
		req.Log = io.Discard
	}
	name := firstOf(req.Tracker, r.Meta.Tracker, "github")
	prof, err := LoadProfile(name, req.TrackersDir, Funcs())
	if err != nil {
		return nil, usage.Wrap(fmt.Errorf("%s: %w", r.Path, err))
	}
	if prof.Repo == "" && r.Meta.Repo == "" {
		fmt.Fprintf(req.Log, "reprokit: warning: %s: tracker %s needs `repo: OWNER/NAME` in the metadata to be filed\n", r.Path, name)
	}
	cells, tcs, reproTCs, ropts, err := runMatrix(ctx, req, r, all)
	if err != nil {
		return nil, err
	}
	reproducing := len(reproTCs)
	if reproducing == 0 && !req.Force {
		return nil, usage.Errorf("%s: reproduces on none of %d interpreters: nothing to report (see `reprokit run --python all %s`; --force drafts it anyway)", r.Path, len(cells), r.Path)
	}
	in := Input{Repro: r, Cells: cells, Env: Probe(ctx, tcs)}
	in.Env.GoVersion, in.Env.GoEnv = GoEnv(ctx, r, reproTCs, ropts)
	d, err := Render(in, prof, red)
	if err != nil {
		return nil, err
	}
	if req.Related != nil && d.Repo != "" {
		if in.Related = req.Related(ctx, d); len(in.Related) > 0 {
			if d, err = Render(in, prof, red); err != nil {
				return nil, err
			}
		}
	}
	if reproducing == 0 {
		d.Body = "> **Warning: this repro reproduces on none of the interpreters it was run on. Do not file it as is.**\n\n" + d.Body
	}
	if len(d.Missing) > 0 {
		fmt.Fprintf(req.Log, "reprokit: warning: %s states no %s tier; the draft says so\n", r.Path, strings.Join(d.Missing, " or "))
	}
	return &Made{Draft: d, Tracker: name, Reproducing: reproducing, Total: len(cells)}, nil
}

// runMatrix runs r on its toolchains among all: the cells, the
// toolchains they ran on, those that reproduced, and the run options.
func runMatrix(ctx context.Context, req Request, r *repro.Repro, all []toolchain.Toolchain) ([]Cell, []toolchain.Toolchain, []toolchain.Toolchain, runner.Options, error) {
	sel := &toolchain.Selection{Python: req.Python, Go: req.Go, With: req.With, Log: req.Log}
	ropts := runner.Options{Count: max(req.Count, 1), Isolation: req.Isolation, Limits: sandbox.Limits{Timeout: req.Timeout}, Deps: req.Deps}
	jobs, err := runner.PlanOn(ctx, all, []*repro.Repro{r}, sel)
	if err != nil {
		return nil, nil, nil, ropts, err
	}
	var cells []Cell
	var tcs, reproTCs []toolchain.Toolchain
	for i, res := range runner.RunAll(ctx, jobs, req.Jobs, ropts, nil) {
		if res.Verdict == repro.ErrorVerdict {
			return nil, nil, nil, ropts, fmt.Errorf("%s on %s: %s", r.Path, res.Toolchain.Name, res.Error)
		}
		if res.Verdict == repro.Reproduces || res.Verdict == repro.Flaky {
			reproTCs = append(reproTCs, jobs[i].Toolchain)
		}
		cell := CellOf(res).On(jobs[i].Toolchain)
		if res.Verdict != repro.Skipped && hasDeps(r, jobs[i].Toolchain) {
			cell.Installed = Installed(ctx, r, jobs[i].Toolchain, ropts)
		}
		cells, tcs = append(cells, cell), append(tcs, jobs[i].Toolchain)
	}
	return cells, tcs, reproTCs, ropts, nil
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
