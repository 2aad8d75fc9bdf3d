package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// RunOptions are the parsed flags of `reprokit run`.
type RunOptions struct {
	IO        *IOStreams
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
	Env       func(string) string
}

func newRunCmd(ios *IOStreams) *cobra.Command {
	opts := &RunOptions{IO: ios, Env: os.Getenv}
	cmd := &cobra.Command{
		Use:   "run [flags] FILE|DIR ...",
		Short: "Run repros in the sandbox and print one verdict per (repro, toolchain)",
		Long: `Run each repro on each selected toolchain, in a sandbox, and print a verdict:
reproduces, fixed, fails-cleanly, changed, slipped, flaky, skipped or error.

Exit status: 0 when every run reproduced or matched the expectation recorded
for its toolchain, 1 when some did not, 2 for bad input, 3 when a run ended
in error (harness failure or time limit).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("run: name at least one archive or directory (e.g. `reprokit run repros/`)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			return runRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Python, "python", "", "Python versions to run on: `all`, or a list like 3.9,3.13 (default: python3 on PATH)")
	f.StringVar(&opts.Go, "go", "", "Go releases to run on: `all`, 1.22, 1.22.0,1.22.12, 1.22.*, here; missing ones are fetched (default: go on PATH)")
	opts.Deps.register(f)
	f.IntVar(&opts.Count, "count", 1, "run each repro `N` times; mixed results give flaky with the rate")
	f.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "wall-clock limit per script run; the whole process tree is killed after it")
	f.IntVarP(&opts.Jobs, "jobs", "j", runtime.NumCPU(), "runs in parallel")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "show the testscript log of each run (work dir shown as $WORK)")
	f.BoolVar(&opts.Keep, "keep", false, "keep each run's work directory and print where it is")
	f.BoolVar(&opts.JSON, "json", false, "print one JSON object per (repro, toolchain) line")
	f.BoolVar(&opts.Record, "record", false, "record the captured signature in each reproducing archive's metadata")
	f.StringVar(&opts.Isolation, "isolation", "auto", "sandbox: auto (namespaces, else process group), namespaces, or process-group")
	return cmd
}

// job is one (repro, toolchain) cell.
type job struct {
	r  *repro.Repro
	tc toolchain.Toolchain
}

func runRun(ctx context.Context, opts *RunOptions) error {
	if opts.Count < 1 {
		return usagef("--count must be at least 1")
	}
	if opts.Jobs < 1 {
		opts.Jobs = 1
	}
	iso, err := isolationFlag(ctx, opts.IO, opts.Isolation)
	if err != nil {
		return err
	}
	repros, err := repro.Load(opts.Paths)
	if err != nil {
		return err
	}
	jobs, err := plan(ctx, repros, &toolchain.Selection{Python: opts.Python, Go: opts.Go, With: opts.Deps.With, Log: opts.IO.ErrOut}, opts.Env)
	if err != nil {
		return err
	}
	ropts := runner.Options{
		Deps:      opts.Deps.builder(opts.IO.ErrOut),
		Count:     opts.Count,
		Limits:    sandbox.Limits{Timeout: opts.Timeout},
		Keep:      opts.Keep,
		Isolation: iso,
	}
	results := runAll(ctx, jobs, opts.Jobs, ropts, func(res runner.Result) {
		printResult(opts, res)
	})
	if opts.Record {
		if err := record(opts, repros, results); err != nil {
			return err
		}
	}
	return exitFor(results)
}

// isolationFlag turns --isolation into the sandbox's mode. auto means
// namespaces, checked once now: where the kernel refuses them, reprokit
// refuses too rather than run repros uncontained, and names the flag that
// accepts the degraded mode.
func isolationFlag(ctx context.Context, ios *IOStreams, s string) (string, error) {
	mode, auto, err := parseIsolation(ios, s)
	if err == nil && auto {
		err = requireNamespaces(ctx)
	}
	return mode, err
}

// parseIsolation reads --isolation without starting anything; auto says
// the namespaces still have to be checked before the first run.
func parseIsolation(ios *IOStreams, s string) (mode string, auto bool, err error) {
	switch s {
	case "auto", "":
		return sandbox.Namespaces, true, nil
	case sandbox.ProcessGroup:
		fmt.Fprintln(ios.ErrOut, "reprokit: isolation: process-group, as asked: every descendant is killed at the end, but the file system and network are not contained")
		return s, false, nil
	case sandbox.Namespaces:
		return s, false, nil
	}
	return "", false, usagef("--isolation %q: want auto, namespaces or process-group", s)
}

// requireNamespaces starts one empty sandbox and refuses, naming the flag
// for the degraded mode, where the kernel denies namespaces.
func requireNamespaces(ctx context.Context) error {
	mode, err := sandbox.Probe(ctx)
	var denied *sandbox.NoNamespacesError
	if mode != sandbox.Namespaces && !errors.As(err, &denied) {
		// Not the kernel's refusal: say what it is, and never suggest
		// weaker isolation for it.
		return &ExitError{Code: ExitUsage, msg: fmt.Sprintf("cannot start a sandbox: %v", err)}
	}
	if mode != sandbox.Namespaces {
		return &ExitError{Code: ExitUsage, msg: fmt.Sprintf("namespaces are unavailable here (%v), so a repro could reach the network, write the file system and leave daemons behind; reprokit will not run it uncontained by default. Pass --isolation process-group to run in a process group only (every descendant is still killed at the end; the file system and network are not contained), or run where user namespaces are allowed", err)}
	}
	return nil
}

// plan pairs each repro with the toolchains it runs on.
func plan(ctx context.Context, repros []*repro.Repro, sel *toolchain.Selection, env func(string) string) ([]job, error) {
	all, err := toolchain.Discover(ctx, env)
	if err != nil {
		return nil, err
	}
	var jobs []job
	for _, r := range repros {
		tcs, err := sel.For(ctx, all, r.Kind())
		if err != nil {
			return nil, usagef("%s: %v", r.Path, err)
		}
		for _, tc := range tcs {
			jobs = append(jobs, job{r, tc})
		}
	}
	return jobs, nil
}

// runAll runs jobs on n workers and reports results in job order.
func runAll(ctx context.Context, jobs []job, n int, opts runner.Options, report func(runner.Result)) []runner.Result {
	return runEach(ctx, jobs, n, func(ctx context.Context, _ int, j job) runner.Result {
		return runner.Run(ctx, j.r, j.tc, opts)
	}, report)
}

// runEach runs jobs on n workers with run and reports results in job order.
func runEach(ctx context.Context, jobs []job, n int, run func(context.Context, int, job) runner.Result, report func(runner.Result)) []runner.Result {
	results := make([]runner.Result, len(jobs))
	done := make([]chan struct{}, len(jobs))
	for i := range done {
		done[i] = make(chan struct{})
	}
	sem := make(chan struct{}, n)
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
		report(results[i])
	}
	return results
}

func printResult(opts *RunOptions, res runner.Result) {
	w := opts.IO.Out
	if opts.JSON {
		data, _ := json.Marshal(res)
		fmt.Fprintf(w, "%s\n", data)
		return
	}
	verdict := res.Verdict
	if res.Rate != "" {
		verdict += " " + res.Rate
	}
	detail := ""
	switch {
	case res.Error != "":
		detail = res.Error
	case res.Verdict == repro.Skipped || res.Verdict == repro.Slipped || res.Verdict == repro.Flaky:
		detail = res.Reason
	case res.Signature != nil:
		detail = res.Signature.String()
	}
	if res.Verdict == repro.Changed && res.Reason != "" {
		detail += " — " + res.Reason
	}
	exp := ""
	if res.Expected != "" && res.Verdict != repro.Reproduces {
		if res.Expected == res.Verdict {
			exp = " (as expected)"
		} else {
			exp = fmt.Sprintf(" (expected %s)", res.Expected)
		}
	}
	fmt.Fprintf(w, "%-28s %-16s %-16s %s%s  [%s]\n", res.File, res.Toolchain.Name, verdict, detail, exp, fmtMS(res.DurationMS))
	for _, k := range res.Kept {
		fmt.Fprintf(w, "    kept: %s\n", k)
	}
	if opts.Verbose {
		fmt.Fprintf(w, "    isolation: %s\n", res.Isolation)
		for _, g := range res.Gates {
			fmt.Fprintf(w, "    version-dependent code (%s): %s\n", g.Kind, g)
		}
		if len(res.Outcomes) > 1 {
			for i, o := range res.Outcomes {
				fmt.Fprintf(w, "    outcome %d of %d: %s in %d run(s): %s\n", i+1, len(res.Outcomes), o.Verdict, o.Runs, o.Signature)
				writeIndented(w, o.Log, "    | ")
			}
			return
		}
		writeIndented(w, res.Log, "    | ")
	}
}

func fmtMS(ms int64) string {
	return fmt.Sprintf("%.2fs", float64(ms)/1000)
}

func writeIndented(w io.Writer, text, prefix string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(w, "%s%s\n", prefix, l)
	}
}

// exitFor maps results to the documented exit status.
func exitFor(results []runner.Result) error {
	code := ExitOK
	for _, r := range results {
		switch {
		case r.Verdict == repro.ErrorVerdict:
			return &ExitError{Code: ExitHarness}
		case r.Verdict == repro.Reproduces, r.Verdict == repro.Skipped, r.Expected != "" && r.Verdict == r.Expected:
		default:
			code = ExitNotAsBefore
		}
	}
	if code != ExitOK {
		return &ExitError{Code: code}
	}
	return nil
}

// record writes the signature of the first run of each repro whose script
// passed: a reproducing run, or a slipped one (recording accepts the new
// signature, like updating a golden file).
func record(opts *RunOptions, repros []*repro.Repro, results []runner.Result) error {
	for _, r := range repros {
		for _, res := range results {
			if res.File != r.Path || (res.Verdict != repro.Reproduces && res.Verdict != repro.Slipped) || res.Signature == nil {
				continue
			}
			data, err := r.WithSignature(*res.Signature)
			if err != nil {
				return err
			}
			if string(data) == string(r.Raw) {
				break
			}
			if err := atomicfile.WriteFile(r.Path, data, 0o644); err != nil {
				return fmt.Errorf("%s: recording the signature: %w", r.Path, err)
			}
			if !opts.JSON {
				fmt.Fprintf(opts.IO.ErrOut, "recorded signature of %s (from %s): %s\n", r.Path, res.Toolchain.Name, res.Signature)
			}
			break
		}
	}
	return nil
}
