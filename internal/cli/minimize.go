package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/minimize"
	"github.com/reprokit/reprokit/internal/passes"
	"github.com/reprokit/reprokit/internal/reduce"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// MinimizeOptions are the parsed flags of `reprokit minimize`.
type MinimizeOptions struct {
	IO        *IOStreams
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
	Passes    []string // pass order; default passes.Names()
	Rounds    int      // rounds of passes at most; 0 = until nothing shrinks
	Env       func(string) string
}

func newMinimizeCmd(ios *IOStreams) *cobra.Command {
	opts := &MinimizeOptions{IO: ios, Env: os.Getenv}
	cmd := &cobra.Command{
		Use:   "minimize [flags] FILE",
		Short: "Shrink a repro while it still reproduces with the same signature",
		Long: `Shrink a repro archive while it still reproduces, with the same signature,
on one chosen toolchain: drop files, script lines, indentation blocks and
lines, unwrap blocks and simplify inside lines, until nothing more goes.

The result (NAME.min.txtar next to the input, or -o) is written atomically
and is 1-minimal at line level. The input is never overwritten unless
--in-place, which keeps NAME.txtar.orig. Ctrl-C or --budget writes the
smallest reproducing candidate found so far and says it is not minimal.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("minimize: name exactly one archive (e.g. `reprokit minimize repros/x.txtar`)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			return runMinimize(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "", "where to write the result (default NAME.min.txtar next to the input)")
	f.BoolVar(&opts.InPlace, "in-place", false, "replace the input with the result, keeping a backup NAME.txtar.orig")
	f.IntVarP(&opts.Jobs, "jobs", "j", runtime.NumCPU(), "candidates tested at once (the result is the same for any value)")
	f.DurationVar(&opts.Budget, "budget", 0, "stop after this long and write the best so far (0: no limit)")
	f.BoolVar(&opts.JSON, "json", false, "print statistics as JSON: tests, cache hits, wall time, sizes, per pass")
	f.StringVar(&opts.Python, "python", "", "the Python versions whose verdicts to keep, e.g. 3.9,3.12 (default: one per verdict in expect:, else python3 on PATH)")
	f.StringVar(&opts.Go, "go", "", "the Go release to reduce on, fetched if missing (default: go on PATH)")
	f.DurationVar(&opts.Timeout, "timeout", 0, "limit per test (default: 3x the input's run time, at least 2s)")
	f.IntVar(&opts.Confirm, "confirm", 3, "runs that must all reproduce, before minimizing and on the result")
	f.IntVar(&opts.Rounds, "rounds", 0, "rounds of passes at most (0: until nothing shrinks); 1 trades some bytes for fewer tests, the result still 1-minimal")
	f.StringVar(&opts.Isolation, "isolation", "auto", "sandbox: auto, namespaces, or process-group")
	f.StringSliceVar(&opts.Passes, "passes", passes.Names(), "the passes to run, in order; the last one certifies the result")
	return cmd
}

// MinimizeReport is what --json prints.
type MinimizeReport struct {
	Input       string `json:"input"`
	Output      string `json:"output"`
	Toolchain   string `json:"toolchain"`
	Signature   string `json:"signature"`
	Minimal     bool   `json:"minimal"` // false when interrupted or out of budget
	LinesBefore int    `json:"lines_before"`
	LinesAfter  int    `json:"lines_after"`
	BytesBefore int    `json:"bytes_before"`
	BytesAfter  int    `json:"bytes_after"`
	Recheck     string `json:"recheck"` // "3/3": reproducing runs of the result
	// Runs counts every sandboxed run of a candidate: an interesting
	// candidate is run twice (it must reproduce both times), so Runs is
	// Stats.Tests plus the confirming runs.
	Runs   int64          `json:"runs"`
	Stats  minimize.Stats `json:"stats"`
	WallMS int64          `json:"wall_ms"`
}

func runMinimize(ctx context.Context, opts *MinimizeOptions) error {
	iso, err := isolationFlag(ctx, opts.IO, opts.Isolation)
	if err != nil {
		return err
	}
	if opts.Confirm < 1 {
		return usagef("--confirm must be at least 1")
	}
	if opts.Rounds < 0 {
		return usagef("--rounds must be 0 (until nothing shrinks) or more")
	}
	repros, err := repro.Load([]string{opts.File})
	if err != nil {
		return err
	}
	r := repros[0]
	out, err := outputPath(opts)
	if err != nil {
		return err
	}
	var plan []minimize.Pass
	all := passes.All()
	for _, name := range opts.Passes {
		p, ok := all[name]
		if !ok {
			return usagef("--passes: unknown pass %q (known: %s)", name, strings.Join(passes.Names(), ", "))
		}
		plan = append(plan, p)
	}
	if err := checkWritable(filepath.Dir(out)); err != nil {
		return err
	}
	tcs, err := toolchain.Discover(ctx, opts.Env)
	if err != nil {
		return err
	}
	choice, err := chooseToolchains(ctx, r, tcs, opts)
	if err != nil {
		return err
	}
	if choice.Note != "" && !opts.JSON {
		fmt.Fprintln(opts.IO.ErrOut, choice.Note)
	}
	began := time.Now()
	// Confirm: the input must do the same thing every time, everywhere kept.
	sess, err := reduce.Start(ctx, r, choice, reduce.Options{Isolation: iso, Confirm: opts.Confirm, Timeout: opts.Timeout})
	var refusal *reduce.Refusal
	if errors.As(err, &refusal) {
		return &usageError{refusal}
	} else if err != nil {
		return err
	}
	want := sess.Want()
	valid, analyst, stopChecks, err := sess.Checks(reduce.AnalystPython(sess.Targets, tcs))
	if err != nil {
		return err
	}
	defer stopChecks()
	plan = passes.BindAnalyst(plan, analyst)
	rctx := ctx
	if opts.Budget > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, opts.Budget)
		defer cancel()
	}
	progress, done := progressLine(opts.IO, opts.JSON)
	// One run per candidate on every kept toolchain, and a second
	// opinion on each pass's result with the other cores busy: if the bug
	// turns out to depend on timing (a reduction of mt_fork_warning once
	// made it a race), every interesting candidate must then reproduce
	// three times.
	oracle := sess.Oracle()
	red := minimize.New(oracle, minimize.Options{
		Jobs:     opts.Jobs,
		Valid:    valid,
		Progress: progress,
		Confirm:  sess.Confirm(),
		// Two more runs of the result under load before it is written.
		FinalConfirms: 2,
		MaxRounds:     opts.Rounds,
	})
	result, stats, rerr := red.Run(rctx, r.Raw, plan)
	done()
	minimal := rerr == nil
	if rerr != nil && !errors.Is(rerr, context.Canceled) && !errors.Is(rerr, context.DeadlineExceeded) {
		return rerr
	}

	// Re-check the result (with a fresh context: an interrupt must not stop
	// us from writing the best so far).
	recheck := "skipped (interrupted)"
	if ctx.Err() == nil {
		reproducing, err := sess.Recheck(ctx, result, opts.Confirm)
		if err != nil {
			return err
		}
		recheck = fmt.Sprintf("%d/%d", reproducing, opts.Confirm)
		if reproducing != opts.Confirm {
			fmt.Fprintf(opts.IO.ErrOut, "reprokit: warning: the result kept its verdicts in only %s re-runs under load: it may have become flaky\n", recheck)
		}
	}

	if err := writeResult(opts, out, result); err != nil {
		return err
	}
	rep := MinimizeReport{
		Input: r.Path, Output: out, Toolchain: sess.Describe(), Signature: want.String(), Minimal: minimal,
		LinesBefore: countLines(r.Raw), LinesAfter: countLines(result),
		BytesBefore: len(r.Raw), BytesAfter: len(result),
		Recheck: recheck, Stats: stats, Runs: sess.Runs.Load(), WallMS: time.Since(began).Milliseconds(),
	}
	if opts.JSON {
		data, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Fprintf(opts.IO.Out, "%s\n", data)
		return nil
	}
	state := "1-minimal at line level"
	if !minimal {
		state = "NOT minimal: stopped early (" + stopReason(rerr) + "), this is the smallest reproducing candidate so far"
	}
	fmt.Fprintf(opts.IO.Out, "%s: %d → %d lines, %d → %d bytes on %s; %d tests in %d runs (%d cached, %d rejected by syntax), %s; %s\n",
		out, rep.LinesBefore, rep.LinesAfter, rep.BytesBefore, rep.BytesAfter, sess.Describe(),
		stats.Tests, rep.Runs, stats.CacheHits, stats.Invalid, time.Since(began).Round(100*time.Millisecond), state)
	fmt.Fprintf(opts.IO.Out, "signature kept: %s; re-check %s\n", want, recheck)
	return nil
}

func stopReason(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "budget used up"
	}
	return "interrupted"
}

func countLines(b []byte) int { return strings.Count(string(b), "\n") }

func outputPath(opts *MinimizeOptions) (string, error) {
	if opts.InPlace {
		if opts.Output != "" {
			return "", usagef("--in-place and -o exclude each other")
		}
		return opts.File, nil
	}
	out := opts.Output
	if out == "" {
		out = strings.TrimSuffix(opts.File, ".txtar") + ".min.txtar"
	}
	if sameFile(out, opts.File) {
		return "", usagef("-o %s is the input: the original is never overwritten (use --in-place, which keeps a backup)", out)
	}
	return out, nil
}

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	absA, _ := filepath.Abs(a)
	absB, _ := filepath.Abs(b)
	return absA == absB
}

// checkWritable fails now, not after an hour of minimizing.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".reprokit-write-test-*")
	if err != nil {
		return usagef("cannot write the result in %s: %v", dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

func writeResult(opts *MinimizeOptions, out string, data []byte) error {
	if opts.InPlace {
		backup := opts.File + ".orig"
		orig, err := os.ReadFile(opts.File)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(backup, orig, 0o644); err != nil {
			return fmt.Errorf("keeping a backup at %s: %w", backup, err)
		}
		if !opts.JSON {
			fmt.Fprintf(opts.IO.ErrOut, "backup of the original: %s\n", backup)
		}
	}
	if err := atomicfile.WriteFile(out, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return nil
}

// chooseToolchains picks what a reduction keeps: for Python, the
// versions named or one per expected verdict (reduce.Choose); for Go, the
// one release named, fetched if missing, as `run` resolves it.
func chooseToolchains(ctx context.Context, r *repro.Repro, all []toolchain.Toolchain, opts *MinimizeOptions) (reduce.Choice, error) {
	if r.Kind() != "go" {
		c, err := reduce.Choose(r, all, opts.Python)
		if err != nil {
			return c, usagef("%v", err)
		}
		return c, nil
	}
	if opts.Go == "all" {
		return reduce.Choice{}, usagef("--go all: minimize targets one release; name one (e.g. --go 1.22.12)")
	}
	sel := &toolchain.Selection{Python: opts.Python, Go: opts.Go, Log: opts.IO.ErrOut}
	tcs, err := sel.For(ctx, all, r.Kind())
	if err != nil {
		return reduce.Choice{}, usagef("%s: %v", r.Path, err)
	}
	tcs = toolchain.SortByVersion(tcs)
	c := reduce.Choice{Toolchains: tcs[len(tcs)-1:], Expected: map[string]string{}}
	if len(tcs) > 1 {
		c.Note = fmt.Sprintf("reprokit: %d releases match %q; minimizing on the newest, %s", len(tcs), opts.Go, c.Toolchains[0].Name)
	}
	return c, nil
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
