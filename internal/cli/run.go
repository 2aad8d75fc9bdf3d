package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	Trace     bool          // --trace-deaths
}

// NewCmdRun is `reprokit run`; runF, if not nil, replaces its run function.
func NewCmdRun(f *Factory, runF func(context.Context, *RunOptions) error) *cobra.Command {
	opts := &RunOptions{}
	cmd := &cobra.Command{
		Use:   "run [flags] FILE|DIR ...",
		Short: "Run repros in the sandbox and print one verdict per (repro, toolchain)",
		Long: `Run each repro on each selected toolchain, in a sandbox, and print one line
per (repro, toolchain): file, toolchain, verdict, signature or reason,
duration. The verdict is one of reproduces, fixed, fails-cleanly, changed,
slipped, flaky, skipped or error (reprokit help verdicts). Another verdict
than reproduces is marked "(as expected)" when the repro's expect: metadata
records it for that toolchain, "(expected X)" when it records another.

A directory runs every .txtar in it. Guide: docs/run.md.

` + exitStatus("run"),
		Example: `  # one repro, on python3 on PATH
  reprokit run repros/subint_fork.txtar
  # two interpreters, each its own line
  reprokit run --python 3.8,3.13 repros/subint_fork.txtar
  # the Go repros on two releases, fetched if missing
  reprokit run --go 1.22.0,1.22.12 repros/go_ice_zero_size_array.txtar
  # ten runs each; mixed results give flaky with the rate
  reprokit run --count 10 repros/mt_fork_warning.txtar
  # write the captured signature into the archive
  reprokit run --record repros/subint_fork.txtar`,
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
	fl.StringVar(&opts.Python, "python", "", "Python versions to run on: `VERSIONS` is all, here, or a list like 3.9,3.13; 3.11.2 names one build, 3.13t the free-threaded one, 3.12.* every 3.12 release; a release not here is fetched with uv (default: python3 on PATH)")
	fl.StringVar(&opts.Go, "go", "", goSelectHelp+" (default: go on PATH)")
	opts.Deps.register(fl)
	fl.IntVar(&opts.Count, "count", 1, "run each repro `N` times; mixed results give flaky with the rate of reproducing runs (7/10)")
	fl.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "wall-clock limit per script run; the whole process tree is killed after it")
	jobsFlag(fl, &opts.Jobs, "runs in parallel (the output stays in order)")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "show each run's testscript log (work dir as $WORK), the isolation used, and the lines where the repro selects code by version (sys.version_info, hasattr, except ImportError …); with --count, each distinct outcome once")
	fl.BoolVar(&opts.Keep, "keep", false, "keep each run's directory, with its testscript log as reprokit.log, and print where it is")
	fl.BoolVar(&opts.JSON, "json", false, "print one JSON object per (repro, toolchain) line; field names are stable (docs/run.md lists them)")
	fl.BoolVar(&opts.Record, "record", false, "write the captured signature into each reproducing archive's metadata, atomically, nothing else changed; a slipped run's signature replaces the old one, like updating a golden file")
	fl.StringVar(&opts.Isolation, "isolation", "auto", isolationHelp)
	fl.BoolVar(&opts.Trace, "trace-deaths", false, traceDeathsHelp)
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
	// The first sandbox's init starts now, while the repros are read and
	// the toolchains found (bench/run).
	sandbox.Prestart(iso)
	defer sandbox.Release()
	repros, err := repro.Load(opts.Paths)
	if err != nil {
		return err
	}
	jobs, err := runner.Plan(ctx, repros, &toolchain.Selection{Python: opts.Python, Go: opts.Go, With: opts.Deps.With, Log: f.IO.ErrOut}, f.Env)
	if err != nil {
		return err
	}
	deps, err := opts.Deps.builder(f.IO.ErrOut, iso)
	if err != nil {
		return err
	}
	ropts := runner.Options{Count: opts.Count, Limits: sandbox.Limits{Timeout: opts.Timeout}, Keep: opts.Keep, Isolation: iso, Deps: deps, Reaps: reapsFlag(opts.Trace)}
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

// traceDeathsHelp is --trace-deaths, on run and check.
const traceDeathsHelp = "trace every process each exec starts (ptrace), so that a child any program reaps is seen when it crashes, not only those Python reaps; it costs a stop per fork, exit and signal, and the repro's processes have a tracer (docs/verdicts.md)"

// reapsFlag is the reap mode --trace-deaths asks for ("": the default).
func reapsFlag(trace bool) sandbox.ReapMode {
	if trace {
		return sandbox.ReapsTrace
	}
	return ""
}
