package reduce

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reprokit/reprokit/internal/minimize"
	"github.com/reprokit/reprokit/internal/passes"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/scriptdeps"
	"github.com/reprokit/reprokit/internal/signature"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Target is one toolchain a reduction keeps, with what the input does
// there: every interesting candidate must do the same.
type Target struct {
	TC      toolchain.Toolchain
	Verdict repro.Verdict        // repro.Reproduces, repro.FailsCleanly, ...
	Want    *signature.Signature // the signature kept, where it reproduces
	// Types are the exception and warning types the input's runs print:
	// a candidate printing another one has found a new way to fail.
	Types map[string]bool
	// Duration of one run of the input.
	Duration time.Duration
	// LateStart is set when the input kept its verdicts with every
	// thread's start() returning late (latestart.go): the oracle then
	// asks that of every candidate too.
	LateStart bool
	reason    string // why the input's verdict is what it is
}

// Refusal is an input a session cannot reduce; the message says why and
// what to do.
type Refusal struct{ Msg string }

func (e *Refusal) Error() string { return e.Msg }

// Options configure a session. Zero values are the defaults.
type Options struct {
	Isolation sandbox.Isolation
	Deps      *scriptdeps.Builder // environments of PEP 723 dependencies; nil: the default
	Confirm   int                 // runs of the input (and of the result) that must all agree; default 3
	Timeout   time.Duration       // per test; 0: PerTest decides
	// PerTest derives the per-test limit from the input's runs when
	// Timeout is 0 (default: 3x the slowest target's run, at least 2s).
	// A hang repro, whose run ends at its own time bound, plugs in here.
	PerTest func(targets []Target) time.Duration
}

// Session is one reduction of one archive.
type Session struct {
	Repro   *repro.Repro
	Targets []Target
	PerTest time.Duration
	Runs    atomic.Int64 // every sandboxed run of a candidate
	// FoldRuns counts the sandboxed runs that computed folds (Evaluator):
	// not tests of a candidate.
	FoldRuns  atomic.Int64
	opts      Options
	lateStart string // the late-start check's directory, "" when none
}

// Start runs the input Confirm times on every chosen toolchain and
// records what a candidate must keep; it refuses a flaky input, a
// toolchain where the input does not do what `expect:` says, and an
// input that reproduces nowhere.
func Start(ctx context.Context, r *repro.Repro, c Choice, opts Options) (*Session, error) {
	opts.Confirm = max(opts.Confirm, 1)
	s := &Session{Repro: r, opts: opts}
	reproducing := false
	for _, tc := range c.Toolchains {
		exp := c.Expected[tc.Name]
		ropts := runner.Options{Count: 1, Isolation: opts.Isolation, Deps: opts.Deps, Limits: sandbox.Limits{Timeout: max(opts.Timeout, 60*time.Second)}}
		t := Target{TC: tc, Types: map[string]bool{}}
		var verdicts []repro.Verdict
		var first runner.Result
		for i := 0; i < opts.Confirm && ctx.Err() == nil; i++ {
			res := runner.Run(ctx, r, tc, ropts)
			if i == 0 {
				first = res
			}
			verdicts = append(verdicts, res.Verdict)
			for ty := range Types(res.Output) {
				t.Types[ty] = true
			}
			t.Duration = max(t.Duration, time.Duration(res.DurationMS)*time.Millisecond)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t.Verdict, t.reason = first.Verdict, detail(first)
		n := 0
		for _, v := range verdicts {
			if v == t.Verdict {
				n++
			}
		}
		switch {
		case n != len(verdicts) && (exp == "" || exp == repro.Reproduces || t.Verdict == repro.Reproduces):
			return nil, &Refusal{fmt.Sprintf("%s: flaky on %s (reproduced %d/%d runs): minimizing a flaky repro chases noise; see the rate with `reprokit run --count 20 %s`, then make it deterministic", r.Path, tc.Name, count(verdicts, repro.Reproduces), len(verdicts), r.Path)}
		case n != len(verdicts):
			return nil, &Refusal{fmt.Sprintf("%s: on %s the verdict varies over %d runs (%s): a tier that cannot be kept stable cannot be kept; name the versions to keep with --python", r.Path, tc.Name, len(verdicts), joinVerdicts(verdicts))}
		case exp != "" && t.Verdict != exp:
			return nil, &Refusal{fmt.Sprintf("%s: expects %s on %s but it gives %s now (%s): run `reprokit check --update %s` first, or name the versions to keep with --python", r.Path, exp, tc.Name, t.Verdict, detail(first), r.Path)}
		case t.Verdict == repro.ErrorVerdict || t.Verdict == repro.Skipped && len(c.Toolchains) > 1:
			return nil, &Refusal{fmt.Sprintf("%s: %s on %s (%s): nothing to keep there; leave that version out of --python", r.Path, t.Verdict, tc.Name, detail(first))}
		}
		if t.Verdict == repro.Reproduces {
			reproducing = true
			want := *first.Signature
			if r.Meta.Signature != nil {
				want = *r.Meta.Signature
			}
			t.Want = &want
		}
		t.LateStart = s.calibrateLateStart(ctx, r, &t, ropts)
		s.Targets = append(s.Targets, t)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !reproducing {
		t := s.Targets[0]
		if len(s.Targets) == 1 {
			return nil, &Refusal{fmt.Sprintf("%s: does not reproduce on %s (verdict %s: %s): nothing to minimize", r.Path, t.TC.Name, t.Verdict, t.reason)}
		}
		return nil, &Refusal{fmt.Sprintf("%s: reproduces on none of %s: nothing to minimize", r.Path, names(c.Toolchains))}
	}
	// The reproducing toolchains first: they reject most candidates.
	sort.SliceStable(s.Targets, func(i, j int) bool {
		return s.Targets[i].Verdict == repro.Reproduces && s.Targets[j].Verdict != repro.Reproduces
	})
	s.PerTest = opts.Timeout
	if s.PerTest == 0 {
		per := opts.PerTest
		if per == nil {
			per = DefaultPerTest
		}
		s.PerTest = per(s.Targets)
	}
	// A hang repro's runs end at its own `hang:` bound: the limit per
	// test leaves room for it.
	s.PerTest = runner.TestLimit(r, s.PerTest)
	return s, nil
}

// calibrateLateStart runs the input Confirm times more on a Python
// target with the late-start check, and reports whether it kept its
// verdicts every time: only then is the check asked of candidates.
func (s *Session) calibrateLateStart(ctx context.Context, r *repro.Repro, t *Target, ropts runner.Options) bool {
	if t.TC.Kind != toolchain.Python {
		return false
	}
	s.lateStart = lateStartOnce()
	if s.lateStart == "" {
		return false
	}
	rr := *r
	if t.Want != nil {
		rr.Meta.Signature = t.Want
	}
	s.withLateStart(&ropts, true)
	for i := 0; i < s.opts.Confirm && ctx.Err() == nil; i++ {
		res := runner.Run(ctx, &rr, t.TC, ropts)
		if !t.Keeps(res) {
			return false
		}
		t.Duration = max(t.Duration, time.Duration(res.DurationMS)*time.Millisecond)
	}
	return ctx.Err() == nil
}

// lateStartOnce writes the late-start check's file once per process.
var lateStartOnce = sync.OnceValue(lateStartDir)

// withLateStart adds the late-start check to a run's options when on.
func (s *Session) withLateStart(o *runner.Options, on bool) {
	if on && s.lateStart != "" {
		o.Env = append(o.Env, "PYTHONPATH="+s.lateStart)
		o.Mounts = append(o.Mounts, s.lateStart)
	}
}

// DefaultPerTest is 3x the slowest target's run, at least 2s.
func DefaultPerTest(targets []Target) time.Duration {
	var d time.Duration
	for _, t := range targets {
		d = max(d, t.Duration)
	}
	return max(3*d, 2*time.Second)
}

func joinVerdicts(vs []repro.Verdict) string {
	var s []string
	for _, v := range vs {
		s = append(s, string(v))
	}
	return strings.Join(s, ", ")
}

func count(vs []repro.Verdict, v repro.Verdict) int {
	n := 0
	for _, x := range vs {
		if x == v {
			n++
		}
	}
	return n
}

func detail(res runner.Result) string {
	if res.Error != "" {
		return res.Error
	}
	return res.Reason
}

// typeRE finds exception and warning types where Python prints them: at
// the start of a traceback's last line, or after "file:line: " in a
// warning.
var typeRE = regexp.MustCompile(`(?m)(?:^|:\d+: )((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Warning|Exit|Interrupt))(?::|$)`)

// failureHeaders are the lines Python prints before an exception it
// reports without stopping: in a thread, in a destructor or callback, and
// a traceback. They count as types of their own, because a process that
// exits at once (after a fork, say) can cut the report off before its
// type line: "Exception in thread " and nothing more.
var failureHeaders = []string{"Exception in thread ", "Exception ignored in", "Traceback (most recent call last)"}

// Types returns the exception and warning types an output prints, and
// the failure headers it shows.
func Types(output string) map[string]bool {
	out := map[string]bool{}
	for _, m := range typeRE.FindAllStringSubmatch(output, -1) {
		out[m[1]] = true
	}
	for _, h := range failureHeaders {
		if strings.Contains(output, h) {
			out[strings.TrimSpace(h)] = true
		}
	}
	return out
}

// Keeps reports whether res shows target t doing what the input did: the
// same verdict, and no exception or warning type the input never printed.
func (t Target) Keeps(res runner.Result) bool {
	if res.Verdict != t.Verdict {
		return false
	}
	for ty := range Types(res.Output) {
		if !t.Types[ty] {
			return false
		}
	}
	return true
}

// Oracle returns the engine's test: a candidate is interesting when every
// target keeps its verdict on one run each (the reproducing ones first).
func (s *Session) Oracle() minimize.Oracle { return s.oracle(true) }

// oracle is Oracle with the late-start check where it was calibrated
// (lateStart), or with none.
func (s *Session) oracle(lateStart bool) minimize.Oracle {
	return func(ctx context.Context, cand []byte) bool {
		r, err := repro.Parse("candidate.txtar", cand)
		if err != nil {
			return false
		}
		for _, t := range s.Targets {
			s.Runs.Add(1)
			if !t.Keeps(s.run(ctx, r, t, s.PerTest, lateStart && t.LateStart)) {
				return false
			}
		}
		return true
	}
}

// run runs candidate r once on target t: the signature kept there, and
// the tier checks only where the verdict kept is a tier's.
func (s *Session) run(ctx context.Context, r *repro.Repro, t Target, limit time.Duration, lateStart bool) runner.Result {
	rr := *r
	rr.Meta.Signature = t.Want
	if t.Want == nil {
		rr.Meta.Signature = s.Repro.Meta.Signature
	}
	o := runner.Options{
		Count: 1, NoTiers: t.Verdict == repro.Reproduces, Isolation: s.opts.Isolation, Deps: s.opts.Deps,
		Limits: sandbox.Limits{Timeout: limit},
	}
	s.withLateStart(&o, lateStart)
	return runner.Run(ctx, &rr, t.TC, o)
}

// Confirm is a candidate's run again with every core busy, without the
// late-start check: the result must reproduce as the user will run it.
// The oracle's own runs are the ones alone. A reduction that turned a
// deterministic bug into a race shows in one of them. Measured with
// Python 3.12 on 2 cores, on a reduction of the mt_fork_warning bench
// input whose thread now ends at once (a Thread subclass without its run
// method), forking just after start(): 27/30 runs warn on a quiet
// machine and 29/30 with one core busy, but 0/30 with both cores busy,
// where the main thread waits for a core while the thread ends. On a
// machine busy with something else, though, that reduction warned in
// 4 to 8 runs of 10 whatever the contention: the late-start check
// (latestart.go) is what rejects it every time. One run, not a pair: a
// strict reduction asks this of every interesting candidate, twice.
func (s *Session) Confirm() minimize.Oracle {
	o := s.oracle(false)
	return func(ctx context.Context, cand []byte) bool {
		stop := Contend(runtime.NumCPU())
		defer stop()
		return o(ctx, cand)
	}
}

// Contend keeps n cores busy until stop is called.
func Contend(n int) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := 0
			for !done.Load() {
				for j := 0; j < 1<<16; j++ {
					x += j
				}
			}
			_ = x
		}()
	}
	return func() { done.Store(true); wg.Wait() }
}

// Recheck runs the result n times on every target, alternately with
// every core busy and alone (see Confirm), and returns how many
// runs kept every verdict.
func (s *Session) Recheck(ctx context.Context, result []byte, n int) (int, error) {
	r, err := repro.Parse(s.Repro.Path, result)
	if err != nil {
		return 0, fmt.Errorf("internal error: the minimized archive does not parse: %w", err)
	}
	ok := 0
	for i := 0; i < n && ctx.Err() == nil; i++ {
		stop := func() {}
		if i%2 == 0 {
			stop = Contend(runtime.NumCPU())
		}
		all := true
		for _, t := range s.Targets {
			// A generous limit: the per-test one is tight on purpose, but
			// a loaded machine must not make the answer look flaky.
			if s.run(ctx, r, t, max(10*s.PerTest, 30*time.Second), false).Verdict != t.Verdict {
				all = false
				break
			}
		}
		stop()
		if all {
			ok++
		}
	}
	return ok, nil
}

// Evaluator computes the values of the folds the semantic passes find
// (pure expressions over literals, from the analyst's whitelist) with
// the interpreter of the first reproducing Python target, in the
// sandbox: one run of fold.py per batch of new expressions, each
// expression with a time limit of its own and the run with one of
// foldLimit. A run that fails or is cut off folds nothing. Values are
// cached by expression; nil when no Python target reproduces.
func (s *Session) Evaluator(ctx context.Context) passes.Evaluator {
	var target *Target
	for i, t := range s.Targets {
		if t.TC.Kind == toolchain.Python && t.Verdict == repro.Reproduces {
			target = &s.Targets[i]
			break
		}
	}
	if target == nil {
		return nil
	}
	var mu sync.Mutex
	cache := map[string]string{}
	key := func(e passes.FoldExpr) string {
		b, _ := json.Marshal(e)
		return string(b)
	}
	return func(exprs []passes.FoldExpr) []string {
		mu.Lock()
		defer mu.Unlock()
		var todo []passes.FoldExpr
		queued := map[string]bool{}
		for _, e := range exprs {
			if _, ok := cache[key(e)]; !ok && !queued[key(e)] {
				queued[key(e)] = true
				todo = append(todo, e)
			}
		}
		if len(todo) > 0 && ctx.Err() == nil {
			vals := s.fold(ctx, *target, todo)
			if ctx.Err() == nil {
				for i, e := range todo {
					v := ""
					if vals != nil {
						v = vals[i]
					}
					cache[key(e)] = v
				}
			}
		}
		out := make([]string, len(exprs))
		for i, e := range exprs {
			out[i] = cache[key(e)]
		}
		return out
	}
}

// foldLimit bounds one run of the constant folder.
const foldLimit = 20 * time.Second

func (s *Session) fold(ctx context.Context, t Target, exprs []passes.FoldExpr) []string {
	r, err := repro.Parse("fold.txtar", passes.FoldArchive(exprs))
	if err != nil {
		return nil
	}
	s.FoldRuns.Add(1)
	res := runner.Run(ctx, r, t.TC, runner.Options{Count: 1, NoTiers: true, Isolation: s.opts.Isolation,
		Limits: sandbox.Limits{Timeout: foldLimit}})
	return passes.FoldResults(res.Output, len(exprs))
}

// Describe names the targets and their verdicts: "cpython-3.12.1".
func (s *Session) Describe() string {
	if len(s.Targets) == 1 {
		return s.Targets[0].TC.Name
	}
	var parts []string
	for _, t := range s.Targets {
		parts = append(parts, t.TC.Name+" ("+string(t.Verdict)+")")
	}
	return strings.Join(parts, ", ")
}

// Want is the signature kept (of the first reproducing target).
func (s *Session) Want() signature.Signature { return *s.Targets[0].Want }

// Checks returns the engine's cheap validity check: every .py member
// compiles on every target's Python, and names no name that nothing
// binds unless the input already did. One helper process per interpreter
// answers both: the one running analystPython (Python 3.9+, usually a
// target's) also analyses sources for the semantic passes, and is
// returned (nil when there is none). stop ends the helpers.
func (s *Session) Checks(analystPython string) (valid func([]byte) bool, an *passes.Helper, stop func(), err error) {
	var checks []func([]byte) bool
	var closers []func()
	stop = func() {
		for _, c := range closers {
			c()
		}
	}
	analyse := analystPython != "" && s.Repro.Kind() == toolchain.Python
	start := func(python string, analyse bool) (*passes.Helper, error) {
		h, err := passes.StartHelper(python, analyse)
		if err != nil && analyse {
			// No analyst there: the syntax checks still run.
			return passes.StartHelper(python, false)
		}
		return h, err
	}
	seen := map[string]bool{}
	for _, t := range s.Targets {
		if t.TC.Kind != toolchain.Python || seen[t.TC.Path] {
			continue
		}
		seen[t.TC.Path] = true
		h, err := start(t.TC.Path, analyse && t.TC.Path == analystPython)
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		closers = append(closers, h.Close)
		checks = append(checks, h.Valid)
		if analyse && t.TC.Path == analystPython {
			an = h
		}
	}
	if analyse && !seen[analystPython] {
		if h, err := passes.StartHelper(analystPython, true); err == nil {
			an = h
			closers = append(closers, h.Close)
		}
	}
	if an != nil && an.Analyses() {
		checks = append(checks, an.NoNewUndefined(s.Repro.Raw, s.pythonVersions()...))
	} else {
		an = nil
	}
	if len(checks) == 0 {
		return nil, an, stop, nil
	}
	return func(cand []byte) bool {
		for _, c := range checks {
			if !c(cand) {
				return false
			}
		}
		return true
	}, an, stop, nil
}

// pythonVersions are the versions of the Python targets kept: the
// undefined-name check follows each one's `if sys.version_info` branches.
func (s *Session) pythonVersions() []string {
	var out []string
	for _, t := range s.Targets {
		if t.TC.Kind == toolchain.Python && !slices.Contains(out, t.TC.Version) {
			out = append(out, t.TC.Version)
		}
	}
	return out
}

// AnalystPython picks the interpreter that analyses sources: the newest
// Python 3.9+ among the targets, else among all discovered ones; "" when
// none (then there are no semantic passes and no undefined-name check).
func AnalystPython(targets []Target, all []toolchain.Toolchain) string {
	var tcs []toolchain.Toolchain
	for _, t := range targets {
		tcs = append(tcs, t.TC)
	}
	for _, set := range [][]toolchain.Toolchain{tcs, all} {
		best := ""
		bestV := ""
		for _, tc := range set {
			if tc.Kind == toolchain.Python && toolchain.CompareVersions(tc.Version, "3.9") >= 0 && (best == "" || toolchain.CompareVersions(tc.Version, bestV) > 0) {
				best, bestV = tc.Path, tc.Version
			}
		}
		if best != "" {
			return best
		}
	}
	return ""
}
