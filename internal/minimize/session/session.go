// Package session is one `reprokit minimize`: it picks the toolchain,
// confirms that the input reproduces, derives the per-test limit, builds
// the oracle from the runner, runs the pure engine (package minimize) with
// the pass plan under the budget, re-checks the result and writes it.
package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/minimize"
	"github.com/reprokit/reprokit/internal/passes"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/signature"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/usage"
)

// Config is one minimization. Zero values are the defaults given per field.
type Config struct {
	Repro     *repro.Repro
	Toolchain toolchain.Toolchain
	Plan      []minimize.Pass   // from Passes
	Jobs      int               // candidates tested at once
	Budget    time.Duration     // stop after this long with the best so far; 0 = none
	Timeout   time.Duration     // per test; 0 = 3x the input's run time, at least 2s
	Confirm   int               // runs that must all reproduce, before and after (at least 1)
	Rounds    int               // rounds of passes at most; 0 = until nothing shrinks
	Isolation sandbox.Isolation // the sandbox mode
	Progress  func(minimize.Progress)
}

// Report is what `minimize --json` prints.
type Report struct {
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
	// Runs counts every sandboxed run of a candidate: Stats.Tests plus
	// the confirming runs of each pass's result.
	Runs   int64          `json:"runs"`
	Stats  minimize.Stats `json:"stats"`
	WallMS int64          `json:"wall_ms"`

	// Result is the smallest reproducing archive found; Stopped says why
	// it may not be minimal (interrupt or budget), nil when it is.
	Result  []byte `json:"-"`
	Stopped error  `json:"-"`
	// Flaky is set when the re-check did not reproduce every time.
	Flaky bool `json:"-"`
}

// Passes is the pass plan for names, in order.
func Passes(names []string) ([]minimize.Pass, error) {
	var plan []minimize.Pass
	all := passes.All()
	for _, name := range names {
		p, ok := all[name]
		if !ok {
			return nil, usage.Errorf("--passes: unknown pass %q (known: %s)", name, strings.Join(passes.Names(), ", "))
		}
		plan = append(plan, p)
	}
	return plan, nil
}

// Toolchain picks the toolchain a reduction targets: the newest that sel
// selects. The note, if any, says there was a choice.
func Toolchain(ctx context.Context, r *repro.Repro, sel *toolchain.Selection, env func(string) string) (toolchain.Toolchain, string, error) {
	spec := sel.Python
	if r.Kind() == toolchain.Go {
		spec = sel.Go
	}
	if spec == "all" {
		if r.Kind() == toolchain.Go {
			return toolchain.Toolchain{}, "", usage.Errorf("--go all: minimize targets one release; name one (e.g. --go 1.22.12)")
		}
		return toolchain.Toolchain{}, "", usage.Errorf("--python all: minimize targets one interpreter; name one (e.g. --python 3.12)")
	}
	jobs, err := runner.Plan(ctx, []*repro.Repro{r}, sel, env)
	if err != nil {
		return toolchain.Toolchain{}, "", err
	}
	var tcs []toolchain.Toolchain
	for _, j := range jobs {
		tcs = append(tcs, j.Toolchain)
	}
	sort.SliceStable(tcs, func(i, j int) bool { return toolchain.CompareVersions(tcs[i].Version, tcs[j].Version) > 0 })
	note := ""
	if len(tcs) > 1 {
		note = fmt.Sprintf("reprokit: %d interpreters match %q; minimizing on the newest, %s", len(tcs), spec, tcs[0].Name)
	}
	return tcs[0], note, nil
}

// Run minimizes c.Repro. An interrupt or the budget ends it early with the
// best so far (Report.Stopped says which); ctx's own interrupt also skips
// the re-check.
func Run(ctx context.Context, c Config) (*Report, error) {
	began := time.Now()
	c.Confirm = max(c.Confirm, 1)
	want, perTest, err := c.confirmInput(ctx)
	if err != nil {
		return nil, err
	}
	var valid func([]byte) bool
	// Syntax pre-checks are a Python plug-in: other toolchains go
	// straight to the oracle.
	if c.Toolchain.Kind == toolchain.Python {
		syntax, err := passes.NewPythonSyntax(c.Toolchain.Path)
		if err != nil {
			return nil, err
		}
		defer syntax.Close()
		valid = syntax.Valid
	}
	rctx := ctx
	if c.Budget > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, c.Budget)
		defer cancel()
	}
	var runs atomic.Int64
	// One run per candidate, and a second opinion on each pass's result:
	// if the bug turns out to depend on timing (a reduction of
	// mt_fork_warning once made it a race), every interesting candidate
	// must then reproduce twice.
	oracle := runner.Oracle(c.Toolchain, runner.Options{Isolation: c.Isolation, Limits: sandbox.Limits{Timeout: perTest}}, want, &runs)
	red := minimize.New(oracle, minimize.Options{Jobs: c.Jobs, Valid: valid, Progress: c.Progress, Confirm: oracle, MaxRounds: c.Rounds})
	result, stats, rerr := red.Run(rctx, c.Repro.Raw, c.Plan)
	if rerr != nil && !errors.Is(rerr, context.Canceled) && !errors.Is(rerr, context.DeadlineExceeded) {
		return nil, rerr
	}
	rep := &Report{Input: c.Repro.Path, Toolchain: c.Toolchain.Name, Signature: want.String(), Minimal: rerr == nil,
		LinesBefore: countLines(c.Repro.Raw), LinesAfter: countLines(result), BytesBefore: len(c.Repro.Raw), BytesAfter: len(result),
		Stats: stats, Result: result, Stopped: rerr, Recheck: "skipped (interrupted)"}
	if ctx.Err() == nil {
		if err := c.recheck(ctx, rep, want, perTest); err != nil {
			return nil, err
		}
	}
	rep.Runs, rep.WallMS = runs.Load(), time.Since(began).Milliseconds()
	return rep, nil
}

// confirmInput checks that the input reproduces every time and returns the
// signature to keep and the per-test limit.
func (c Config) confirmInput(ctx context.Context) (signature.Signature, time.Duration, error) {
	r, tc := c.Repro, c.Toolchain
	first := runner.Run(ctx, r, tc, runner.Options{Count: c.Confirm, Isolation: c.Isolation, Limits: sandbox.Limits{Timeout: max(c.Timeout, 60*time.Second)}})
	switch {
	case first.Verdict == repro.Flaky:
		return signature.Signature{}, 0, usage.Errorf("%s: flaky on %s (reproduced %s runs): minimizing a flaky repro chases noise; see the rate with `reprokit run --count 20 %s`, then make it deterministic", r.Path, tc.Name, first.Rate, r.Path)
	case first.Verdict != repro.Reproduces:
		detail := first.Reason
		if first.Error != "" {
			detail = first.Error
		}
		return signature.Signature{}, 0, usage.Errorf("%s: does not reproduce on %s (verdict %s: %s): nothing to minimize", r.Path, tc.Name, first.Verdict, detail)
	}
	want := *first.Signature
	if r.Meta.Signature != nil {
		want = *r.Meta.Signature
	}
	perTest := c.Timeout
	if perTest == 0 {
		perTest = max(3*time.Duration(first.DurationMS/int64(c.Confirm))*time.Millisecond, 2*time.Second)
	}
	// A hang repro's test runs past its hang deadline, so that a hanging
	// candidate is judged there.
	perTest = runner.TestLimit(r, perTest)
	return want, perTest, nil
}

// recheck runs the result c.Confirm times.
func (c Config) recheck(ctx context.Context, rep *Report, want signature.Signature, perTest time.Duration) error {
	rr, err := repro.Parse(c.Repro.Path, rep.Result)
	if err != nil {
		return fmt.Errorf("internal error: the minimized archive does not parse: %w", err)
	}
	rr.Meta.Signature = &want
	// A generous limit: the per-test one is tight on purpose (hung
	// candidates are dropped fast), but a loaded machine must not make the
	// answer look flaky.
	res := runner.Run(ctx, rr, c.Toolchain, runner.Options{Count: c.Confirm, NoTiers: true, Isolation: c.Isolation, Limits: sandbox.Limits{Timeout: max(10*perTest, 30*time.Second)}})
	rep.Recheck = fmt.Sprintf("%d/%d", res.Reproducing, c.Confirm)
	rep.Flaky = res.Reproducing != c.Confirm
	return nil
}

// StopReason says why a minimization stopped early.
func StopReason(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "budget used up"
	}
	return "interrupted"
}

func countLines(b []byte) int { return strings.Count(string(b), "\n") }

// Output is where a result goes.
type Output struct {
	Input   string
	Path    string // -o; default NAME.min.txtar next to the input
	InPlace bool   // replace the input, keeping NAME.txtar.orig
}

// Resolve checks the output against the input and returns where the
// result will go; it fails now, not after an hour of minimizing, when
// that directory is not writable.
func (o Output) Resolve() (string, error) {
	out := o.Path
	switch {
	case o.InPlace && out != "":
		return "", usage.Errorf("--in-place and -o exclude each other")
	case o.InPlace:
		out = o.Input
	case out == "":
		out = strings.TrimSuffix(o.Input, ".txtar") + ".min.txtar"
		fallthrough
	default:
		if sameFile(out, o.Input) {
			return "", usage.Errorf("-o %s is the input: the original is never overwritten (use --in-place, which keeps a backup)", out)
		}
	}
	if err := atomicfile.CheckWritable(filepath.Dir(out)); err != nil {
		return "", usage.Errorf("cannot write the result in %s: %v", filepath.Dir(out), err)
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

// Write writes data to out atomically; in place, it first keeps the
// original as NAME.txtar.orig and returns that backup's path.
func (o Output) Write(out string, data []byte) (backup string, err error) {
	if o.InPlace {
		backup = o.Input + ".orig"
		orig, err := os.ReadFile(o.Input)
		if err != nil {
			return "", err
		}
		if err := atomicfile.WriteFile(backup, orig, 0o644); err != nil {
			return "", fmt.Errorf("keeping a backup at %s: %w", backup, err)
		}
	}
	if err := atomicfile.WriteFile(out, data, 0o644); err != nil {
		return backup, fmt.Errorf("writing %s: %w", out, err)
	}
	return backup, nil
}
