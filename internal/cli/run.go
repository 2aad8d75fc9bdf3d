package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// RunOptions are the parsed flags of `reprokit run`.
type RunOptions struct {
	Paths     []string
	Python    string        // "" (python3 on PATH), "all", or "3.12,3.13"
	Go        string        // "" (go on PATH), "here", "all", "1.22", "1.22.0,1.22.12", "1.22.*"
	Deps      DepsFlags     // --with, --index-url, --find-links
	Count     int           // runs per (repro, toolchain)
	Timeout   time.Duration // wall clock per script run
	Jobs      int           // parallel runs
	Verbose   bool          // show the testscript log
	Keep      bool          // keep work directories
	JSON      bool          // one JSON object per line
	Record    bool          // write the captured signature into the archive
	Isolation string        // auto, namespaces, process-group
}

// NewCmdRun is `reprokit run`; runF, if not nil, replaces its run function.
func NewCmdRun(f *Factory, runF func(context.Context, *RunOptions) error) *cobra.Command {
	opts := &RunOptions{}
	cmd := &cobra.Command{
		Use:   "run [flags] FILE|DIR ...",
		Short: "Run repros in the sandbox and print one verdict per (repro, toolchain)",
		Long: `Run each repro on each selected toolchain, in a sandbox, and print a verdict:
reproduces, fixed, fails-cleanly, changed, slipped, flaky, skipped or error.

Exit status: 0 when every run reproduced or matched the expectation recorded
for its toolchain, 1 when some did not, 2 for bad input, 3 when a run ended
in error (harness failure or time limit).`,
		Args: nArgs(atLeastOne, "run: name at least one archive or directory (e.g. `reprokit run repros/`)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRun(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Python, "python", "", "Python versions to run on: `all`, or a list like 3.9,3.13 (default: python3 on PATH)")
	fl.StringVar(&opts.Go, "go", "", "Go releases to run on: `all`, 1.22, 1.22.0,1.22.12, 1.22.*, here; missing ones are fetched (default: go on PATH)")
	opts.Deps.register(fl)
	fl.IntVar(&opts.Count, "count", 1, "run each repro `N` times; mixed results give flaky with the rate")
	fl.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "wall-clock limit per script run; the whole process tree is killed after it")
	fl.IntVarP(&opts.Jobs, "jobs", "j", runtime.NumCPU(), "runs in parallel")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "show the testscript log of each run (work dir shown as $WORK)")
	fl.BoolVar(&opts.Keep, "keep", false, "keep each run's work directory and print where it is")
	fl.BoolVar(&opts.JSON, "json", false, "print one JSON object per (repro, toolchain) line")
	fl.BoolVar(&opts.Record, "record", false, "record the captured signature in each reproducing archive's metadata")
	fl.StringVar(&opts.Isolation, "isolation", "auto", isolationHelp)
	return cmd
}

func runRun(ctx context.Context, f *Factory, opts *RunOptions) error {
	if opts.Count < 1 {
		return usagef("--count must be at least 1")
	}
	iso, probe, err := f.Isolation(opts.Isolation)
	if err != nil {
		return err
	}
	repros, err := repro.Load(opts.Paths)
	if err != nil {
		return err
	}
	jobs, err := runner.Plan(ctx, repros, &toolchain.Selection{Python: opts.Python, Go: opts.Go, With: opts.Deps.With, Log: f.IO.ErrOut}, f.Env)
	if err != nil {
		return err
	}
	ropts := runner.Options{Count: opts.Count, Limits: sandbox.Limits{Timeout: opts.Timeout}, Keep: opts.Keep, Isolation: iso, Deps: opts.Deps.builder(f.IO.ErrOut)}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	gate := &firstSandbox{check: probe != nil, cancel: cancel}
	results := runner.RunAll(ctx, jobs, opts.Jobs, ropts, func(res runner.Result) {
		if gate.admit(res) {
			printResult(f.IO.Out, opts, res)
		}
	})
	if gate.refused != nil {
		return gate.refused
	}
	if opts.Record {
		log := f.IO.ErrOut
		if opts.JSON {
			log = io.Discard
		}
		if err := runner.Record(repros, results, log); err != nil {
			return err
		}
	}
	return exitFor(results)
}

func printResult(w io.Writer, opts *RunOptions, res runner.Result) {
	if opts.JSON {
		data, _ := json.Marshal(res)
		fmt.Fprintf(w, "%s\n", data)
		return
	}
	fmt.Fprintln(w, res.Line())
	res.Details(w, opts.Verbose)
}

// exitFor maps results to the documented exit status.
func exitFor(results []runner.Result) error {
	code := ExitOK
	for _, r := range results {
		switch {
		case r.Verdict == repro.ErrorVerdict:
			return &ExitError{Code: ExitHarness}
		case !r.AsExpected():
			code = ExitNotAsBefore
		}
	}
	if code != ExitOK {
		return &ExitError{Code: code}
	}
	return nil
}
