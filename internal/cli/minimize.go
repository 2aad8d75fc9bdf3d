package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/minimize"
	"github.com/reprokit/reprokit/internal/passes"
	"github.com/reprokit/reprokit/internal/reduce"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// MinimizeOptions are the parsed flags of `reprokit minimize`.
type MinimizeOptions struct {
	File      string
	Output    string        // default NAME.min.txtar next to the input
	InPlace   bool          // replace the input, keeping NAME.txtar.orig
	Jobs      int           // candidates tested at once
	Budget    time.Duration // stop after this long with the best so far; 0 = none
	JSON      bool
	Python    string
	Go        string
	Timeout   time.Duration // per test; 0 = 3x the input's run time, at least 2s
	Confirm   int           // runs that must all reproduce before and after
	Isolation string
	Passes    []string  // pass order; default passes.Names()
	Rounds    int       // rounds of passes at most; 0 = until nothing shrinks
	Deps      DepsFlags // --index-url, --find-links, --allow-build, --installer
}

// NewCmdMinimize is `reprokit minimize`; runF, if not nil, replaces its run function.
func NewCmdMinimize(f *Factory, runF func(context.Context, *MinimizeOptions) error) *cobra.Command {
	opts := &MinimizeOptions{}
	cmd := &cobra.Command{
		Use:   "minimize [flags] FILE",
		Short: "Shrink a repro while it still reproduces with the same signature",
		Long: `Shrink a repro archive while it still reproduces with the same signature (a
candidate that crashes differently has slipped to another bug and is
rejected) on every toolchain it keeps, each with its own verdict: drop
files, script lines, definitions and blocks, apply tree edits (inline,
hoist, unwrap), simplify expressions and inside lines, until nothing more
goes. A candidate that prints an exception or warning the input did not, or
loads a name nothing binds, is rejected too.

Which toolchains it keeps: --python names them; else, for an archive with
expect: entries, the oldest toolchain of each expected verdict present here
and the newest that reproduces (it says which); else python3 on PATH. The
input must reproduce in every one of --confirm runs first; each pass's
result is confirmed once more with every core busy.

The result (NAME.min.txtar next to the input, or -o) is written atomically
and is 1-minimal at line level. The input is never overwritten unless
--in-place, which keeps NAME.txtar.orig. Ctrl-C or --budget writes the
smallest reproducing candidate found so far and says it is not minimal.
The passes and the engine: docs/minimize.md.

` + exitStatus("minimize"),
		Example: `  # minimize on the toolchains the archive's expect: entries call for
  reprokit minimize bench/minimize/inputs/deep_exception.txtar
  # keep the verdicts of two versions, write elsewhere
  reprokit minimize --python 3.9,3.12 -o small.txtar repros/x.txtar
  # keep the repro's own names and layout: leave out rename, reindent, spaces
  reprokit minimize --passes files,blank,script,dead,lines repros/x.txtar
  # at most ten minutes, then the best so far
  reprokit minimize --budget 10m repros/x.txtar`,
		Args: nArgs(one, "minimize: name exactly one archive (e.g. `reprokit minimize repros/x.txtar`)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runMinimize(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Output, "output", "o", "", "where to write the result, never the input (default NAME.min.txtar next to the input)")
	fl.BoolVar(&opts.InPlace, "in-place", false, "replace the input with the result, keeping a backup NAME.txtar.orig")
	jobsFlag(fl, &opts.Jobs, "candidates tested at once (the result is the same for any value)")
	fl.DurationVar(&opts.Budget, "budget", 0, "stop after this long and write the best so far (0: no limit)")
	fl.BoolVar(&opts.JSON, "json", false, "print statistics as JSON: tests, cache hits, syntax rejections, wall time, sizes, per pass")
	fl.StringVar(&opts.Python, "python", "", "the Python versions whose verdicts to keep, e.g. 3.9,3.12, fetched with uv when missing (default: one per verdict in expect:, else python3 on PATH)")
	fl.StringVar(&opts.Go, "go", "", "the Go release to reduce on, fetched if missing (default: go on PATH)")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "limit per test (default: 3x the input's run time, at least 2s)")
	fl.IntVar(&opts.Confirm, "confirm", 3, "runs that must all reproduce, before minimizing and on the result (alone and under load, in turn)")
	fl.IntVar(&opts.Rounds, "rounds", 0, "rounds of passes at most (0: until nothing shrinks); 1 trades some bytes for fewer tests, the result still 1-minimal")
	fl.StringVar(&opts.Isolation, "isolation", "auto", isolationHelp)
	fl.StringSliceVar(&opts.Passes, "passes", passes.Names(), "the passes to run, in order; the last one certifies the result")
	opts.Deps.registerInstall(fl)
	return cmd
}

// config validates the flags and turns them into the session's config.
func (opts *MinimizeOptions) config(ctx context.Context, f *Factory) (reduce.Config, error) {
	c := reduce.Config{Jobs: opts.Jobs, Budget: opts.Budget, Timeout: opts.Timeout, Confirm: opts.Confirm, Rounds: opts.Rounds}
	var err error
	if c.Isolation, err = f.IsolationNow(ctx, opts.Isolation); err != nil {
		return c, err
	}
	if c.Deps, err = opts.Deps.builder(f.IO.ErrOut, c.Isolation); err != nil {
		return c, err
	}
	if opts.Confirm < 1 {
		return c, usagef("--confirm must be at least 1")
	}
	if opts.Rounds < 0 {
		return c, usagef("--rounds must be 0 (until nothing shrinks) or more")
	}
	repros, err := repro.Load([]string{opts.File})
	if err != nil {
		return c, err
	}
	c.Repro = repros[0]
	if c.Plan, err = reduce.Passes(opts.Passes); err != nil {
		return c, err
	}
	return c, nil
}

func runMinimize(ctx context.Context, f *Factory, opts *MinimizeOptions) error {
	c, err := opts.config(ctx, f)
	if err != nil {
		return err
	}
	output := reduce.Output{Input: opts.File, Path: opts.Output, InPlace: opts.InPlace}
	out, err := output.Resolve()
	if err != nil {
		return err
	}
	if c.All, err = toolchain.Discover(ctx, f.Env); err != nil {
		return err
	}
	sel := &toolchain.Selection{Python: opts.Python, Go: opts.Go, Log: f.IO.ErrOut}
	if c.Choice, err = reduce.ChooseFor(ctx, c.Repro, c.All, sel); err != nil {
		return err
	}
	if c.Choice.Note != "" && !opts.JSON {
		fmt.Fprintln(f.IO.ErrOut, c.Choice.Note)
	}
	var done func()
	c.Progress, done = progressLine(f.IO, opts.JSON)
	rep, err := reduce.Run(ctx, c)
	done()
	if err != nil {
		return err
	}
	if rep.Flaky {
		fmt.Fprintf(f.IO.ErrOut, "reprokit: warning: the result kept its verdicts in only %s re-runs (alone and under load, in turn): it may have become flaky\n", rep.Recheck)
	}
	backup, err := output.Write(out, rep.Result)
	if backup != "" && !opts.JSON {
		fmt.Fprintf(f.IO.ErrOut, "backup of the original: %s\n", backup)
	}
	if err != nil {
		return err
	}
	rep.Output = out
	printMinimized(f.IO, opts.JSON, rep)
	return nil
}

func printMinimized(ios *IOStreams, asJSON bool, rep *reduce.Report) {
	if asJSON {
		data, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(ios.Out, "%s\n", data)
		return
	}
	state := "1-minimal at line level"
	if !rep.Minimal {
		state = "NOT minimal: stopped early (" + reduce.StopReason(rep.Stopped) + "), this is the smallest reproducing candidate so far"
	}
	fmt.Fprintf(ios.Out, "%s: %d → %d lines, %d → %d bytes on %s; %d tests in %d runs (%d cached, %d rejected by syntax), %s; %s\n",
		rep.Output, rep.LinesBefore, rep.LinesAfter, rep.BytesBefore, rep.BytesAfter, rep.Toolchain,
		rep.Stats.Tests, rep.Runs, rep.Stats.CacheHits, rep.Stats.Invalid, (time.Duration(rep.WallMS) * time.Millisecond).Round(100*time.Millisecond), state)
	fmt.Fprintf(ios.Out, "signature kept: %s; re-check %s\n", rep.Signature, rep.Recheck)
}

// progressLine shows size, tests, cache hits, elapsed time and the pass on
// a terminal, and nothing otherwise.
func progressLine(ios *IOStreams, quiet bool) (func(minimize.Progress), func()) {
	if quiet || !ios.IsTTY {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(ios.ErrOut),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
	return func(p minimize.Progress) {
			bar.Describe(fmt.Sprintf("%-22s %4d lines %6d bytes · %d tests, %d cached · %s", p.Pass, p.Lines, p.Size, p.Tests, p.CacheHits, p.Elapsed.Round(time.Second)))
			bar.Add(1)
		}, func() {
			bar.Finish()
		}
}
