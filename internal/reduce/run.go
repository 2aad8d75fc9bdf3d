package reduce

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/minimize"
	"github.com/reprokit/reprokit/internal/passes"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/usage"
)

// Config is one `reprokit minimize`. Zero values are the defaults given.
type Config struct {
	Repro     *repro.Repro
	Choice    Choice                // what the reduction keeps (ChooseFor)
	All       []toolchain.Toolchain // every toolchain discovered (the analyst's interpreter)
	Plan      []minimize.Pass       // from Passes
	Jobs      int                   // candidates tested at once
	Budget    time.Duration         // stop after this long with the best so far; 0 = none
	Timeout   time.Duration         // per test; 0 = derived from the input's runs
	Confirm   int                   // runs that must all agree, before and after (at least 1)
	Rounds    int                   // rounds of passes at most; 0 = until nothing shrinks
	Isolation sandbox.Isolation
	Deps      *scriptdeps.Builder // environments of PEP 723 dependencies; nil: the default
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
	Recheck     string `json:"recheck"` // "3/3": runs of the result that kept their verdicts
	// LateStart names the toolchains where the input kept its verdicts
	// with every thread's start() returning late, so that every candidate
	// had to as well (see latestart.go).
	LateStart []string `json:"late_start"`
	// Runs counts every sandboxed run of a candidate.
	Runs int64 `json:"runs"`
	// FoldRuns counts the sandboxed runs that computed constant folds.
	FoldRuns int64          `json:"fold_runs"`
	Stats    minimize.Stats `json:"stats"`
	WallMS   int64          `json:"wall_ms"`

	// Result is the smallest archive found; Stopped says why it may not be
	// minimal (interrupt or budget), nil when it is.
	Result  []byte `json:"-"`
	Stopped error  `json:"-"`
	// Flaky is set when the re-check did not keep the verdicts every time.
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

// ChooseFor picks what a reduction keeps: for Python, the versions named or
// one per expected verdict (Choose); for Go, the one release sel names,
// fetched if missing, as `run` resolves it.
func ChooseFor(ctx context.Context, r *repro.Repro, all []toolchain.Toolchain, sel *toolchain.Selection) (Choice, error) {
	if r.Kind() != toolchain.Go {
		if sel.Python != "" && sel.Python != "all" {
			// The versions named may have to be fetched first, as `run`
			// fetches them; one that cannot be had cannot keep a verdict.
			tcs, err := sel.For(ctx, all, r.Kind())
			if err != nil {
				return Choice{}, usage.Errorf("%s: %v", r.Path, err)
			}
			for _, t := range tcs {
				if t.Unavailable != "" {
					return Choice{}, fmt.Errorf("%s: cannot keep the verdict on %s: %s", r.Path, t.Name, t.Unavailable)
				}
			}
			all = append(append([]toolchain.Toolchain{}, all...), tcs...)
		}
		c, err := Choose(r, all, sel.Python)
		return c, usage.Wrap(err)
	}
	if sel.Go == "all" {
		return Choice{}, usage.Errorf("--go all: minimize targets one release; name one (e.g. --go 1.22.12)")
	}
	tcs, err := sel.For(ctx, all, r.Kind())
	if err != nil {
		return Choice{}, usage.Errorf("%s: %v", r.Path, err)
	}
	tcs = toolchain.SortByVersion(tcs)
	c := Choice{Toolchains: tcs[len(tcs)-1:], Expected: map[string]repro.Verdict{}}
	if len(tcs) > 1 {
		c.Note = fmt.Sprintf("reprokit: %d releases match %q; minimizing on the newest, %s", len(tcs), sel.Go, c.Toolchains[0].Name)
	}
	return c, nil
}

// Run confirms the input (a Session), runs the pure engine with the plan
// under the budget, and re-checks the result. An interrupt or the budget
// ends it early with the best so far (Report.Stopped says which); ctx's
// own interrupt also skips the re-check.
func Run(ctx context.Context, c Config) (*Report, error) {
	began := time.Now()
	c.Confirm = max(c.Confirm, 1)
	sess, err := Start(ctx, c.Repro, c.Choice, Options{Isolation: c.Isolation, Confirm: c.Confirm, Timeout: c.Timeout, Deps: c.Deps})
	var refusal *Refusal
	if errors.As(err, &refusal) {
		return nil, usage.Wrap(refusal)
	} else if err != nil {
		return nil, err
	}
	valid, analyst, stopChecks, err := sess.Checks(AnalystPython(sess.Targets, c.All))
	if err != nil {
		return nil, err
	}
	defer stopChecks()
	rctx := ctx
	if c.Budget > 0 {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(ctx, c.Budget)
		defer cancel()
	}
	// One run per candidate on every kept toolchain, and a second opinion
	// on each pass's result with every core busy: if the bug turns out to
	// depend on timing (a reduction of mt_fork_warning once made it a
	// race), every interesting candidate must then pass that opinion
	// twice more.
	red := minimize.New(sess.Oracle(), minimize.Options{Jobs: c.Jobs, Valid: valid, Progress: c.Progress, Confirm: sess.Confirm(),
		FinalConfirms: 2, // the opinion twice more on the result (four times for a race) before it is written
		MaxRounds:     c.Rounds})
	result, stats, rerr := red.Run(rctx, c.Repro.Raw, passes.Bind(c.Plan, analyst, sess.Evaluator(rctx)))
	if rerr != nil && !errors.Is(rerr, context.Canceled) && !errors.Is(rerr, context.DeadlineExceeded) {
		return nil, rerr
	}
	rep := &Report{Input: c.Repro.Path, Toolchain: sess.Describe(), Signature: sess.Want().String(), Minimal: rerr == nil,
		LinesBefore: countLines(c.Repro.Raw), LinesAfter: countLines(result), BytesBefore: len(c.Repro.Raw), BytesAfter: len(result),
		Stats: stats, Result: result, Stopped: rerr, Recheck: "skipped (interrupted)"}
	// Re-check with the caller's context: the budget must not stop it.
	if ctx.Err() == nil {
		reproducing, err := sess.Recheck(ctx, result, c.Confirm)
		if err != nil {
			return nil, err
		}
		rep.Recheck, rep.Flaky = fmt.Sprintf("%d/%d", reproducing, c.Confirm), reproducing != c.Confirm
	}
	for _, t := range sess.Targets {
		if t.LateStart {
			rep.LateStart = append(rep.LateStart, t.TC.Name)
		}
	}
	rep.Runs, rep.FoldRuns, rep.WallMS = sess.Runs.Load(), sess.FoldRuns.Load(), time.Since(began).Milliseconds()
	return rep, nil
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
