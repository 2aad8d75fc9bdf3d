package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/check"
	"github.com/reprokit/reprokit/internal/sandbox"
)

// CheckOptions are the parsed flags of `reprokit check`.
type CheckOptions struct {
	Paths     []string
	Python    string
	Go        string
	Deps      DepsFlags
	Jobs      int
	Count     int
	CountSet  bool // an explicit --count bypasses the cache, as in `go test`
	NoCache   bool
	Timeout   time.Duration
	Isolation string
	JSON      bool
	JUnit     string
	HTML      string
	Shard     string
	Merge     bool
	Update    bool
	Upstream  bool
	APIURL    string
	Reports   string
	Trace     bool // --trace-deaths
}

// NewCmdCheck is `reprokit check`; runF, if not nil, replaces its run function.
func NewCmdCheck(f *Factory, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check [flags] [DIR|FILE ...]",
		Short: "Run the corpus on every toolchain and report which upstream fixes landed",
		Long: `Run every repro (default: repros/) on every selected toolchain (default: all
discovered), compare each verdict with the expectation recorded in the
archive's metadata (expect:), and report the transitions, the version
boundaries, and comment drafts for the upstream issues whose fix landed.

With --merge, the arguments are the --json outputs of sharded checks, and
the report is the one the unsharded check would have printed.

Results are cached like go test's: a cell is reused while the archive (less
its expect: block), the toolchain, reprokit and the run options are the
same; cached cells are marked *. Transitions, expectations, outputs and
shards: docs/check.md.

` + exitStatus("check"),
		Example: `  # the bundled corpus on every interpreter and Go release here
  reprokit check
  # after looking at the transitions: record this check's verdicts
  reprokit check --update
  # reports for CI
  reprokit check --junit out/check.xml --html out/check.html
  # one shard of three, then merge the shards' JSON
  reprokit check --shard 1/3 --json > s1.json
  reprokit check --merge s1.json s2.json s3.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			opts.CountSet = cmd.Flags().Changed("count")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCheck(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Python, "python", "all", "Python versions to check: `VERSIONS` is all (here, plus the newest release of each minor uv can fetch), here, or a list like 3.9,3.13 (fetched with uv when missing)")
	fl.StringVar(&opts.Go, "go", "here", goSelectHelp)
	opts.Deps.register(fl)
	jobsFlag(fl, &opts.Jobs, "cells run in parallel")
	fl.IntVar(&opts.Count, "count", 1, "runs per cell; given explicitly (even --count=1) it bypasses the result cache")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "run every cell, ignoring cached results")
	fl.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "wall-clock limit per script run")
	fl.StringVar(&opts.Isolation, "isolation", "auto", isolationHelp)
	fl.StringVar(&opts.JUnit, "junit", "", "write a JUnit XML report to `FILE`")
	fl.StringVar(&opts.HTML, "html", "", "write a self-contained HTML matrix to `FILE`")
	fl.StringVar(&opts.Shard, "shard", "", "run only shard `I/N` of the cells (for a CI matrix; combine with --merge)")
	fl.BoolVar(&opts.Merge, "merge", false, "combine the --json files of sharded checks given as arguments")
	fl.BoolVar(&opts.Update, "update", false, "rewrite each archive's expectations with this check's verdicts (after you looked)")
	fl.BoolVar(&opts.Upstream, "upstream", false, "read each linked upstream issue's state and flag contradictions")
	fl.StringVar(&opts.APIURL, "api-url", "", fmt.Sprintf(apiURLHelp, " for --upstream"))
	fl.StringVar(&opts.Reports, "reports", "reports", "directory for the comment drafts of landed fixes")
	fl.BoolVar(&opts.JSON, "json", false, "print one JSON object per cell (what --merge reads)")
	fl.BoolVar(&opts.Trace, "trace-deaths", false, traceDeathsHelp)
	return cmd
}

// plan validates the flags and turns them into the check's plan.
func (opts *CheckOptions) plan(f *Factory) (check.Plan, error) {
	count := check.RunsPerCell(opts.Count, opts.CountSet, opts.Update)
	deps, err := opts.Deps.builder(f.IO.ErrOut, "")
	if err != nil {
		return check.Plan{}, err
	}
	p := check.Plan{Paths: opts.Paths, Python: opts.Python, Go: opts.Go, With: opts.Deps.With, Deps: deps, Jobs: opts.Jobs, Count: count, NoCache: opts.NoCache || opts.CountSet,
		Timeout: opts.Timeout, Merge: opts.Merge, Reports: opts.Reports, Env: f.Env, Log: f.IO.ErrOut, Progress: checkProgress(f.IO), Reaps: reapsFlag(opts.Trace)}
	if opts.Shard != "" {
		s, err := check.ParseShard(opts.Shard)
		switch {
		case err != nil:
			return p, usagef("%v", err)
		case opts.Merge:
			return p, usagef("--shard and --merge exclude each other: run the shards, then merge their --json files")
		case opts.Update:
			return p, usagef("--update with --shard would record a part of the matrix: update after --merge")
		}
		p.Shard = s
	}
	if opts.Count < 1 {
		return p, usagef("--count must be at least 1")
	}
	for _, out := range []string{opts.JUnit, opts.HTML} {
		if out == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return p, usagef("%s: %v", out, err)
		}
		if err := atomicfile.CheckWritable(filepath.Dir(out)); err != nil {
			return p, usagef("cannot write the result in %s: %v", filepath.Dir(out), err)
		}
	}
	if opts.Upstream {
		p.Upstream = check.NewLookup(f.forge(opts.APIURL), f.Env)
	}
	return p, nil
}

func runCheck(ctx context.Context, f *Factory, opts *CheckOptions) error {
	p, err := opts.plan(f)
	if err != nil {
		return err
	}
	if !opts.Merge {
		if p.Isolation, p.Probe, err = f.Isolation(opts.Isolation); err != nil {
			return err
		}
		if p.Deps.AllowBuild && p.Isolation.Resolved() != sandbox.Namespaces {
			return usagef("--allow-build needs the sandbox's namespaces: with --isolation %s a build would run uncontained", p.Isolation)
		}
		p.Deps.Isolation = p.Isolation
	}
	srep, err := check.Check(ctx, p)
	if err != nil {
		return err
	}
	rep := check.ViewOf(srep)
	if opts.JSON {
		err = rep.WriteJSON(f.IO.Out)
	} else {
		rep.WriteTable(f.IO.Out, f.IO.IsTTY)
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{{opts.JUnit, rep.WriteJUnit}, {opts.HTML, rep.WriteHTML}} {
		if err == nil && out.path != "" {
			err = writeReport(out.path, out.write)
		}
	}
	switch attention, errs := rep.Attention(); {
	case err != nil:
		return err
	case opts.Update:
		return updated(f.IO, srep, errs)
	case errs:
		return &ExitError{Code: ExitHarness}
	case attention:
		return &ExitError{Code: ExitNotAsBefore}
	}
	return nil
}

// updated records the expectations; errored cells keep their old one, and
// the status says so.
func updated(ios *IOStreams, rep *check.Report, errs bool) error {
	if err := rep.Update(ios.ErrOut); err != nil {
		return err
	}
	if errs {
		fmt.Fprintln(ios.ErrOut, "reprokit: some cells ended in error; their old expectations were kept")
		return &ExitError{Code: ExitHarness}
	}
	return nil
}

func checkProgress(ios *IOStreams) func(int) (func(), func()) {
	if !ios.IsTTY {
		return nil
	}
	return func(total int) (func(), func()) {
		bar := progressbar.NewOptions(total,
			progressbar.OptionSetWriter(ios.ErrOut),
			progressbar.OptionSetDescription("checking"),
			progressbar.OptionShowCount(),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
		return func() { bar.Add(1) }, func() { bar.Finish() }
	}
}

func writeReport(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}
