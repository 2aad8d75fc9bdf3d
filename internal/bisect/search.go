// Package bisect finds where a repro's verdict changes along an ordered list
// of candidates (releases, or the commits of a range) and says whether that
// change introduced the bug or fixed it: `reprokit bisect`.
//
// The search (search.go, report.go) is pure: the oracle that runs the repro on a candidate is a parameter,
// so the search is table-tested without processes. What it takes from the
// bisection tools whose users complained most (off-by-one answers, an
// unrelated failure bisected instead of the bug, flaky bugs giving a wrong
// commit without warning):
//
//   - both ends are probed before the search, and must differ;
//   - a probe counts only when a run's verdict and signature equal an
//     end's; anything else (a build that fails, another crash, another
//     error) makes that candidate untestable, and the search probes
//     around it instead of guessing (like exit 125 in `git bisect run`);
//   - when untestable candidates sit next to the change, the answer is the
//     list of suspects, not one of them;
//   - with several runs per probe, a mix of verdicts is reported, and the
//     result carries a confidence computed from the bug's own rate.
//
// The rest runs the search for real (probe.go): each candidate, a release
// or a commit of a git range (history.go) built in a cache
// (buildcache.go), becomes a toolchain the runner runs the repro on.
package bisect

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/signature"
)

// Direction is what the change between the two ends did to the bug; the
// archive's metadata records it (repro.Bisection).
type Direction = repro.Direction

// The directions, judged from the verdicts at the two ends.
const (
	Introduced = repro.DirectionIntroduced // the last end reproduces, the first does not
	Fixed      = repro.DirectionFixed      // the first end reproduces, the last does not
	Changed    = repro.DirectionChanged    // neither end reproduces: another verdict changed
)

// Observation is one run of the repro on a candidate.
type Observation struct {
	Verdict   repro.Verdict
	Signature *signature.Signature
	Err       string // why the harness failed, for an "error" verdict
}

// Probe is what the oracle saw on one candidate: its runs, or why nothing
// could run (Skip: "build failed: …"), which makes the candidate untestable.
type Probe struct {
	Runs []Observation
	Skip string
}

// Oracle probes candidate i. The search calls it at most once per index.
type Oracle func(ctx context.Context, i int) Probe

// Class is what a probe says about its candidate.
type Class string

// The classes of a probed candidate.
const (
	AsFirst    Class = "as-first"   // behaves as the first end
	AsLast     Class = "as-last"    // behaves as the last end
	Untestable Class = "untestable" // could not tell: searched around, never guessed
)

// Step is one probed candidate, in the order probed.
type Step struct {
	Index int   `json:"index"`
	Class Class `json:"class"`
	Runs  int   `json:"runs"`
	// Reproduced counts the runs that matched the reproducing end.
	Reproduced int    `json:"reproduced"`
	Mix        string `json:"mix,omitempty"`    // verdict mix over the runs, when they disagreed
	Reason     string `json:"reason,omitempty"` // why untestable, or what the odd runs were
}

// Result of a search over n candidates.
type Result struct {
	Direction Direction
	First     Observation // the first end's verdict (its reproducing run, for the bug end)
	Last      Observation
	// Before is the last candidate that behaves as the first end; Culprit
	// the first that behaves as the last end. When candidates between them
	// were untestable, Suspects lists all that may be the change (Before+1
	// through Culprit) and the answer is ambiguous.
	Before, Culprit int
	Suspects        []int
	Steps           []Step
	// BugRate is the reproducing share of the runs on every probed
	// candidate judged to have the bug (BugReproduced of BugRuns): the
	// bug end alone can reproduce every time by chance while the probes
	// around it show the bug is flaky. 0 when neither end reproduces.
	BugRate                float64
	BugRuns, BugReproduced int
	// Confidence that no candidate judged bug-free was a flaky miss,
	// estimated from BugRate and the runs per probe; NaN when each probe ran
	// once (one run says nothing about a rate).
	Confidence float64
}

// Ambiguous reports whether untestable candidates hide which one changed.
func (r Result) Ambiguous() bool { return len(r.Suspects) > 1 }

// Mixed are the steps whose runs disagreed.
func (r Result) Mixed() []Step {
	var out []Step
	for _, s := range r.Steps {
		if s.Mix != "" {
			out = append(out, s)
		}
	}
	return out
}

// EndError says why an end cannot anchor the search (it does not build, it
// is unstable, or both ends behave alike); Index is the end's candidate.
type EndError struct {
	Index int
	Msg   string
}

func (e *EndError) Error() string { return e.Msg }

// Search finds the change between candidate 0 and candidate n-1. Both ends
// are probed first; then a binary search that, on an untestable candidate,
// probes its nearest untried neighbour inside the remaining range.
func Search(ctx context.Context, n int, oracle Oracle) (Result, error) {
	if n < 2 {
		return Result{}, fmt.Errorf("bisect needs at least two candidates, got %d", n)
	}
	var res Result
	probe := func(i int) Probe { return oracle(ctx, i) }
	first, last := probe(0), probe(n-1)
	fRep, err := endRep(0, "first", first)
	if err != nil {
		return res, err
	}
	lRep, err := endRep(n-1, "last", last)
	if err != nil {
		return res, err
	}
	if fRep.Verdict == repro.Reproduces && lRep.Verdict == repro.Reproduces && !same(fRep, lRep) {
		return res, &EndError{n - 1, fmt.Sprintf("both ends reproduce, with different signatures (%s, %s): the bug slipped to another in this range; bisect one of them with a narrower range or a recorded signature", describe(fRep), describe(lRep))}
	}
	if same(fRep, lRep) {
		return res, &EndError{n - 1, fmt.Sprintf("both ends give %s: the verdict does not change in this range, so there is nothing to bisect; widen the range", describe(fRep))}
	}
	res.First, res.Last = fRep, lRep
	bugEnd := -1
	switch {
	case fRep.Verdict == repro.Reproduces:
		res.Direction, bugEnd = Fixed, 0
	case lRep.Verdict == repro.Reproduces:
		res.Direction, bugEnd = Introduced, n-1
	default:
		res.Direction = Changed
	}
	c := classifier{first: fRep, last: lRep, bugFirst: bugEnd == 0, bugLast: bugEnd == n-1}
	res.Steps = append(res.Steps, c.step(0, first), c.step(n-1, last))

	lo, hi := 0, n-1
	untestable := map[int]bool{}
	for hi-lo > 1 && ctx.Err() == nil {
		m := pick(lo, hi, untestable)
		if m < 0 {
			break
		}
		st := c.step(m, probe(m))
		res.Steps = append(res.Steps, st)
		switch st.Class {
		case AsFirst:
			lo = m
		case AsLast:
			hi = m
		default:
			untestable[m] = true
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	res.Before, res.Culprit = lo, hi
	for i := lo + 1; i <= hi; i++ {
		res.Suspects = append(res.Suspects, i)
	}
	res.BugRuns, res.BugReproduced = bugRuns(res, bugEnd)
	if res.BugRuns > 0 {
		res.BugRate = float64(res.BugReproduced) / float64(res.BugRuns)
	}
	res.Confidence = confidence(res, bugEnd)
	return res, nil
}

// pick returns the untried candidate nearest the middle of (lo, hi),
// looking right then left at each distance, or -1 when every one between
// is untestable.
func pick(lo, hi int, untestable map[int]bool) int {
	mid := lo + (hi-lo)/2
	for d := 0; mid-d > lo || mid+d < hi; d++ {
		for _, i := range []int{mid + d, mid - d} {
			if i > lo && i < hi && !untestable[i] {
				return i
			}
		}
	}
	return -1
}

// endRep picks the run that stands for an end: its first reproducing run
// if any (a flaky bug end is still the bug end), else its first run.
func endRep(i int, name string, p Probe) (Observation, error) {
	if p.Skip != "" {
		return Observation{}, &EndError{i, fmt.Sprintf("the %s end cannot be tested: %s; pick another end", name, p.Skip)}
	}
	if len(p.Runs) == 0 {
		return Observation{}, &EndError{i, fmt.Sprintf("the %s end gave no run", name)}
	}
	rep := p.Runs[0]
	for _, o := range p.Runs {
		if o.Verdict == repro.Reproduces {
			rep = o
			break
		}
	}
	for _, o := range p.Runs {
		// A flaky bug end mixes the bug with other verdicts; anything
		// else must be the same every run.
		if !same(rep, o) && (rep.Verdict != repro.Reproduces || o.Verdict == repro.Reproduces) {
			return Observation{}, &EndError{i, fmt.Sprintf("the %s end is unstable: %s and %s in %d runs; pick another end", name, describe(rep), describe(o), len(p.Runs))}
		}
	}
	switch rep.Verdict {
	case repro.ErrorVerdict:
		why := "the harness failed or the time limit hit"
		if rep.Err != "" {
			why = rep.Err
		}
		return Observation{}, &EndError{i, fmt.Sprintf("the %s end ended in error (%s); fix that first", name, why)}
	case repro.Skipped:
		return Observation{}, &EndError{i, fmt.Sprintf("the repro skips itself at the %s end; pick an end it runs on", name)}
	}
	return rep, nil
}

type classifier struct {
	first, last       Observation
	bugFirst, bugLast bool
}

// step classifies a probe. Runs that match neither end make the candidate
// untestable only when no run matched an end; runs that match both ends
// (a flaky bug) count for the bug end, because a reproducing run with the
// bug's signature is evidence and a clean run of a flaky bug is not; the
// mix is reported either way.
func (c classifier) step(i int, p Probe) Step {
	st := Step{Index: i, Runs: len(p.Runs)}
	if p.Skip != "" {
		st.Class, st.Reason = Untestable, p.Skip
		return st
	}
	nf, nl := 0, 0
	var others []string
	for _, o := range p.Runs {
		switch {
		case same(c.first, o):
			nf++
		case same(c.last, o):
			nl++
		default:
			others = append(others, describe(o))
		}
	}
	if len(others) > 0 {
		st.Reason = "neither end's verdict: " + strings.Join(dedupe(others), "; ")
	}
	if m := Mix(p.Runs); strings.Contains(m, ", ") {
		st.Mix = m // the runs disagreed
	}
	switch {
	case c.bugFirst:
		st.Reproduced = nf
	case c.bugLast:
		st.Reproduced = nl
	}
	switch {
	case nf > 0 && nl > 0:
		switch {
		case c.bugFirst:
			st.Class = AsFirst
		case c.bugLast:
			st.Class = AsLast
		default:
			st.Class, st.Reason = Untestable, "runs disagree and neither end reproduces"
		}
	case nf > 0:
		st.Class = AsFirst
	case nl > 0:
		st.Class = AsLast
	default:
		st.Class = Untestable
	}
	return st
}

// same reports whether two runs show the same behaviour: equal verdicts
// and signatures that match each other both ways (a recorded field missing
// on one side is a difference, not a wildcard).
func same(a, b Observation) bool {
	if a.Verdict != b.Verdict {
		return false
	}
	var x, y signature.Signature
	if a.Signature != nil {
		x = *a.Signature
	}
	if b.Signature != nil {
		y = *b.Signature
	}
	return signature.Match(x, y) && signature.Match(y, x)
}

func describe(o Observation) string {
	if o.Signature == nil || o.Signature.IsZero() {
		return string(o.Verdict)
	}
	return string(o.Verdict) + " (" + o.Signature.String() + ")"
}

// Mix is "reproduces 3/5, changed 2/5", in order of first appearance.
func Mix(runs []Observation) string {
	if len(runs) == 1 {
		return describe(runs[0])
	}
	var order []string
	counts := map[string]int{}
	for _, o := range runs {
		d := describe(o)
		if counts[d] == 0 {
			order = append(order, d)
		}
		counts[d]++
	}
	parts := make([]string, len(order))
	for i, d := range order {
		parts[i] = fmt.Sprintf("%s %d/%d", d, counts[d], len(runs))
	}
	return strings.Join(parts, ", ")
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// confidence that every candidate judged bug-free really is: each such
// probe ran k times, and a bug reproducing at rate p hides from k runs with
// probability (1-p)^k. NaN when no probe ran more than once.
func confidence(res Result, bugEnd int) float64 {
	maxRuns := 0
	for _, s := range res.Steps {
		maxRuns = max(maxRuns, s.Runs)
	}
	if maxRuns < 2 {
		return math.NaN()
	}
	if bugEnd < 0 {
		return 1
	}
	clean := AsFirst
	if bugEnd == 0 {
		clean = AsLast
	}
	conf := 1.0
	for _, s := range res.Steps {
		if s.Class == clean {
			conf *= 1 - math.Pow(1-res.BugRate, float64(s.Runs))
		}
	}
	return conf
}

// bugRuns counts the runs on candidates judged to have the bug, and how
// many of them reproduced it.
func bugRuns(res Result, bugEnd int) (runs, reproduced int) {
	if bugEnd < 0 {
		return 0, 0
	}
	class := AsLast
	if bugEnd == 0 {
		class = AsFirst
	}
	for _, s := range res.Steps {
		if s.Class == class {
			runs += s.Runs
			reproduced += s.Reproduced
		}
	}
	return runs, reproduced
}
