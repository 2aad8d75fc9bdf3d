// Package minimize is reprokit's reduction engine. It is pure: it knows
// nothing of Python, testscript or processes. It gets an input, passes that
// cut the current candidate into units, and an oracle that says whether a
// candidate is still interesting; it returns the smallest interesting
// candidate it finds.
//
// Each pass runs delta debugging (ddmin) over its units: coarse to fine
// granularity, complements tested before subsets, candidates of one round
// tested in parallel but chosen in a fixed order (so the result does not
// depend on the number of workers), and every oracle answer cached by the
// candidate's content hash. Passes repeat until a whole round shrinks
// nothing. When the last pass cuts the candidate into lines, the result is
// 1-minimal at line level: removing any single line of it makes it
// uninteresting.
package minimize

import (
	"bytes"
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// Oracle reports whether a candidate is still interesting. It is called
// from several goroutines at once and must honour ctx.
type Oracle func(ctx context.Context, candidate []byte) bool

// Pass cuts the current candidate into units that can be removed (or, for
// transforming passes, "switched off"): Split returns how many units there
// are and a function that builds the candidate keeping only the units
// marked true. Build(all true) must return cur unchanged. Traits say how
// the engine runs the pass; the zero Traits are plain delta debugging.
type Pass interface {
	Name() string
	Split(cur []byte) (n int, build func(keep []bool) []byte)
	Traits() Traits
}

// Traits describe what a pass's units are like and how the engine should
// schedule it: one place to read what a pass can do (as one usage struct
// describes a command in cmd/internal/script). The zero value is a plain
// pass: ddmin from halves, once per round in the first round.
type Traits struct {
	// AllFirst: the units are likely all removable (unused definitions,
	// say): the engine tries removing every unit with one test before it
	// splits.
	AllFirst bool
	// Fine: small edits (in-line simplification): after the first round
	// the pass runs again only while it still shrinks, together with the
	// last pass.
	Fine bool
	// Start is where splitting starts: a pass over units that are mostly
	// needed saves tests by starting fine.
	Start Start
	// Repeat: removals expose more units (dead code made dead by removing
	// its only user): the engine repeats the pass while it shrinks.
	Repeat bool
	// Keys, when set, names each unit of cur with an identity that is
	// stable across rounds (an edit of a line, named by the line's text
	// and the span): a unit that was needed in an earlier round is kept
	// without a test in later rounds, where the candidate has hardly
	// changed. Only the last pass certifies 1-minimality, so this costs
	// no guarantee. A nil answer means the units have no names.
	Keys func(cur []byte) []string
	// Sweeps: a cheap pass that cleans up after others (dead code left by
	// removing its last user): the engine runs it again after every pass
	// that shrinks the candidate, so what became dead goes in one test
	// instead of unit by unit in the passes after.
	Sweeps bool
	// Closing: the pass closes a round (a final sweep of blocks, say)
	// besides the last pass: when it shrinks, the round's earlier passes
	// did not see the final state, and another round follows.
	Closing bool
	// Exposes: the pass's edits expose work for the fine passes (inlining
	// a function puts its body where the in-line passes have not looked):
	// when it changes the candidate, every fine pass runs again in the
	// next round.
	Exposes bool
}

// Start is the granularity a pass's first sweep splits its units at.
type Start int

const (
	// StartHalves is ddmin's own start: two chunks.
	StartHalves Start = iota
	// StartFours starts with chunks of about four units.
	StartFours
	// StartUnits starts unit by unit.
	StartUnits
)

// chunks is how many chunks n units are split into first.
func (s Start) chunks(n int) int {
	switch s {
	case StartFours:
		return max(2, n/4)
	case StartUnits:
		return max(2, n)
	}
	return 2
}

// Options tune a reduction. Zero values are the defaults.
type Options struct {
	// Jobs is how many candidates are tested at once; default 1. The result
	// is the same for any value.
	Jobs int
	// Valid is an optional cheap check (a syntax check, say): a candidate it
	// rejects is not given to the oracle and counts as uninteresting.
	Valid func(candidate []byte) bool
	// Progress, if set, is called after each oracle test.
	Progress func(Progress)
	// MaxRounds bounds the fixpoint loop; default 20.
	MaxRounds int
	// Confirm, if set, is asked once more about each pass's result before
	// it is kept. A "no" means the bug depends on timing: the reduction
	// turns strict, and from then on an interesting candidate must
	// convince Confirm too. Deterministic bugs pay one run per pass
	// instead of one per interesting candidate.
	Confirm Oracle
	// FinalConfirms is how many more times Confirm must say yes to the
	// fixpoint's result (twice that once the reduction is strict); on a
	// "no" the result is dropped for the newest pass result that holds.
	// Default 0.
	FinalConfirms int
}

// Progress is a snapshot for a progress line.
type Progress struct {
	Pass      string
	Size      int // bytes of the best candidate so far
	Lines     int
	Tests     int
	CacheHits int
	Elapsed   time.Duration
}

// Stats describe a finished (or interrupted) reduction.
type Stats struct {
	Tests     int           `json:"tests"`      // oracle invocations
	CacheHits int           `json:"cache_hits"` // candidates answered from the cache
	Invalid   int           `json:"invalid"`    // candidates rejected by Valid, never run
	Rounds    int           `json:"rounds"`
	Wall      time.Duration `json:"wall_ns"`
	Passes    []PassStats   `json:"passes"`
}

// PassStats are per pass, summed over rounds.
type PassStats struct {
	Name        string `json:"name"`
	Tests       int    `json:"tests"`
	CacheHits   int    `json:"cache_hits"`
	BytesBefore int    `json:"bytes_before"`
	BytesAfter  int    `json:"bytes_after"`
	LinesBefore int    `json:"lines_before"`
	LinesAfter  int    `json:"lines_after"`
}

// Reducer holds the cache and counters of one reduction.
type Reducer struct {
	oracle Oracle
	opts   Options

	mu        sync.Mutex
	cache     map[[32]byte]bool
	confirmed map[[32]byte]int // how many times Confirm said yes, after the oracle
	needed    map[string]bool  // pass+unit keys whose removal alone was uninteresting
	strict    bool             // Confirm once disagreed: confirm every interesting candidate
	passIndex map[string]int   // a pass's place in stats.Passes
	stats     Stats
	pass      string
	best      []byte
	began     time.Time
	progress  func(Progress)
}

// New returns a reducer for oracle.
func New(oracle Oracle, opts Options) *Reducer {
	if opts.Jobs < 1 {
		opts.Jobs = 1
	}
	if opts.MaxRounds < 1 {
		opts.MaxRounds = 20
	}
	return &Reducer{oracle: oracle, opts: opts, cache: map[[32]byte]bool{}, confirmed: map[[32]byte]int{}, needed: map[string]bool{}, progress: opts.Progress}
}

// Run reduces input, which must be interesting, with passes in order,
// repeating them until nothing shrinks. On cancellation it returns the best
// candidate found so far with ctx's error.
func (r *Reducer) Run(ctx context.Context, input []byte, passes []Pass) ([]byte, Stats, error) {
	r.began = time.Now()
	r.best = input
	r.cache[sha256.Sum256(input)] = true
	r.passIndex = map[string]int{}
	for _, p := range passes {
		if _, ok := r.passIndex[p.Name()]; !ok {
			r.passIndex[p.Name()] = len(r.stats.Passes)
			r.stats.Passes = append(r.stats.Passes, PassStats{Name: p.Name()})
		}
	}
	cur := input
	// accepted holds, oldest first, the input and every candidate a pass
	// ended on: where a reduction that turned out to ride on a race
	// steps back to, rather than starting again from the input.
	accepted := [][]byte{input}
	changed := map[string]bool{}
	closerShrank := false
	resumed := false // the rounds went on once from the ancestor of a result that failed its final confirmations
	exposed := false
	// seen is the candidate each pass last finished on; polish is set
	// once the rounds are done, for the rounds that give the keyed fine
	// passes a last look (see below).
	seen := map[string][32]byte{}
	polish := false
again:
rounds:
	for round := 0; round < r.opts.MaxRounds; round++ {
		r.stats.Rounds++
		before := cur
		closerShrank = false
		exposedLast := exposed
		exposed = false
		for i, p := range passes {
			last := i == len(passes)-1
			// After the first round the candidate is nearly minimal: the
			// coarse passes would mostly re-test what they kept. Later
			// rounds run the repeating passes, the fine passes that still
			// shrank last round, and the last pass, whose empty round
			// certifies the fixpoint.
			tr := p.Traits()
			switch {
			case polish:
				if !last && !(tr.Fine && tr.Keys != nil && seen[p.Name()] != sha256.Sum256(cur)) {
					continue
				}
			case round > 0 && !last && !tr.Repeat && !(tr.Fine && (changed[p.Name()] || exposedLast)):
				continue
			}
			// The fine passes wait for the tree edits to settle: when an
			// exposing pass changed the candidate in this round, the fine
			// passes after it run in the next round (which follows: such
			// a pass closes the round), on what is left of the code they
			// would have combed line by line. Not in the last round.
			if tr.Fine && exposed && !last && round < r.opts.MaxRounds-1 {
				continue
			}
			ps := &r.stats.Passes[r.passIndex[p.Name()]]
			t0, h0 := r.stats.Tests, r.stats.CacheHits
			if ps.BytesBefore == 0 {
				ps.BytesBefore, ps.LinesBefore = len(cur), lines(cur)
			}
			r.mu.Lock()
			r.pass = p.Name()
			r.mu.Unlock()
			start := cur
			wasStrict := r.strict
			cur = r.runPass(ctx, cur, p, last, round > 0)
			if tr.Repeat && !bytes.Equal(start, cur) && r.strict == wasStrict {
				cur = r.untilStill(ctx, cur, p, round > 0)
			}
			changed[p.Name()] = !bytes.Equal(start, cur)
			seen[p.Name()] = sha256.Sum256(cur)
			if last || tr.Closing {
				closerShrank = closerShrank || changed[p.Name()]
			}
			if tr.Exposes && changed[p.Name()] {
				exposed = true
			}
			ps.Tests += r.stats.Tests - t0
			ps.CacheHits += r.stats.CacheHits - h0
			ps.BytesAfter, ps.LinesAfter = len(cur), lines(cur)
			if changed[p.Name()] && r.strict == wasStrict {
				cur = r.sweep(ctx, cur, passes, p, round > 0)
			}
			if r.strict && !wasStrict && ctx.Err() == nil {
				// The bug depends on timing, and the passes before this one
				// took their results on one confirmation: each ancestor,
				// newest first, must now pass as many as a strict
				// candidate. This pass's own result was taken strictly,
				// so when the candidate it started from holds, it stands;
				// otherwise the rounds start again from the newest
				// ancestor that holds. The cache keeps every "no".
				anc := r.stepBack(ctx, accepted)
				if !bytes.Equal(anc, start) {
					accepted = upTo(accepted, anc)
					cur, changed, exposed = anc, map[string]bool{}, false
					seen, polish = map[string][32]byte{}, false
					round = -1
					continue rounds
				}
			}
			if !bytes.Equal(cur, accepted[len(accepted)-1]) {
				accepted = append(accepted, cur)
			}
			if ctx.Err() != nil {
				r.stats.Wall = time.Since(r.began)
				return cur, r.stats, ctx.Err()
			}
		}
		// Another round only when a closing pass removed something:
		// otherwise the last one has just certified the state every other
		// pass left. Then the keyed fine passes that have not seen the
		// result get a last look (a pass after them may have made an edit
		// of theirs possible: a prefix gone leaves parentheses around a
		// statement), round after round while they shrink; their memory
		// of needed units keeps that to the units on changed lines.
		if polish {
			if bytes.Equal(before, cur) {
				break
			}
			continue
		}
		if bytes.Equal(before, cur) || !closerShrank {
			if !stale(passes, seen, cur) {
				break
			}
			polish = true
		}
	}
	// The result must convince Confirm FinalConfirms times more (twice
	// that when the bug has shown it depends on timing): a late pass can
	// make the bug a race that its one confirmation missed. A result that
	// fails is dropped for the newest ancestor that holds; the rounds go
	// on from there once, strictly, and what they reach must hold too.
	for ctx.Err() == nil && r.opts.Confirm != nil && !bytes.Equal(cur, input) {
		if r.holds(ctx, cur, r.finalConfirms()) || ctx.Err() != nil {
			break
		}
		cur = r.stepBack(ctx, accepted)
		accepted = upTo(accepted, cur)
		if !resumed && ctx.Err() == nil {
			resumed = true
			changed, exposed = map[string]bool{}, false
			seen, polish = map[string][32]byte{}, false
			goto again
		}
	}
	r.stats.Wall = time.Since(r.began)
	return cur, r.stats, ctx.Err()
}

// finalConfirms is how many more times the result must convince
// Confirm: FinalConfirms, doubled once the bug has shown it depends on
// timing.
func (r *Reducer) finalConfirms() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.strict {
		return 2 * r.opts.FinalConfirms
	}
	return r.opts.FinalConfirms
}

// holds asks Confirm n more times about cand.
func (r *Reducer) holds(ctx context.Context, cand []byte, n int) bool {
	for i := 0; i < n; i++ {
		if !r.askConfirm(ctx, cand) {
			return false
		}
	}
	return true
}

// askConfirm asks Confirm once about cand and counts the test. A "no"
// makes cand uninteresting and the reduction strict; an interrupted
// answer is a "no" that changes nothing.
func (r *Reducer) askConfirm(ctx context.Context, cand []byte) bool {
	ok := r.opts.Confirm(ctx, cand)
	if ctx.Err() != nil {
		return false
	}
	key := sha256.Sum256(cand)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.Tests++
	if !ok {
		r.cache[key] = false
		r.strict = true
		return false
	}
	r.confirmed[key]++
	return true
}

// stepBack returns the newest of the accepted candidates that is still
// interesting and passes a strict candidate's confirmations; the input,
// confirmed before the reduction began, when none does. Interrupted, it
// returns the newest one not yet found wanting: the best so far.
func (r *Reducer) stepBack(ctx context.Context, accepted [][]byte) []byte {
	for i := len(accepted) - 1; i > 0; i-- {
		r.mu.Lock()
		v, ok := r.cache[sha256.Sum256(accepted[i])]
		r.mu.Unlock()
		if ok && !v {
			continue
		}
		if r.confirm(ctx, accepted[i]) || ctx.Err() != nil {
			return accepted[i]
		}
	}
	return accepted[0]
}

// upTo returns accepted up to and including c (all of it when c is not
// there).
func upTo(accepted [][]byte, c []byte) [][]byte {
	for i := len(accepted) - 1; i >= 0; i-- {
		if bytes.Equal(accepted[i], c) {
			return accepted[:i+1]
		}
	}
	return accepted
}

// sweep runs the sweepers after pass after shrank the candidate, each
// while it shrinks. Their tests count as theirs.
func (r *Reducer) sweep(ctx context.Context, cur []byte, passes []Pass, after Pass, later bool) []byte {
	for _, s := range passes {
		if !s.Traits().Sweeps || s.Name() == after.Name() {
			continue
		}
		r.mu.Lock()
		r.pass = s.Name()
		r.mu.Unlock()
		t0, h0 := r.stats.Tests, r.stats.CacheHits
		cur = r.untilStill(ctx, cur, s, later)
		ps := &r.stats.Passes[r.passIndex[s.Name()]]
		ps.Tests += r.stats.Tests - t0
		ps.CacheHits += r.stats.CacheHits - h0
	}
	return cur
}

// untilStill runs p until it shrinks nothing more.
func (r *Reducer) untilStill(ctx context.Context, cur []byte, p Pass, later bool) []byte {
	for prev := []byte(nil); !bytes.Equal(prev, cur) && ctx.Err() == nil; {
		prev = cur
		cur = r.runPass(ctx, cur, p, false, later)
	}
	return cur
}

func (r *Reducer) runPass(ctx context.Context, cur []byte, p Pass, certify, later bool) []byte {
	n, build := p.Split(cur)
	if n == 0 {
		return cur
	}
	tr := p.Traits()
	gran := tr.Start.chunks(n)
	// Units known to be needed from an earlier round stay without a test.
	var keys []string
	if tr.Keys != nil && !certify {
		for _, k := range tr.Keys(cur) {
			keys = append(keys, p.Name()+"\x00"+k)
		}
	}
	// A sweeper runs after every pass that shrinks: its memory holds from
	// the first round on.
	if tr.Sweeps {
		later = true
	}
	var free []int
	for u := 0; u < n; u++ {
		if !later || keys == nil || !r.isNeeded(keys[u]) {
			free = append(free, u)
		}
	}
	if tr.AllFirst && len(free) > 0 {
		// Every unit not known to be needed, in one test.
		keep := make([]bool, n)
		for u := range keep {
			keep[u] = true
		}
		for _, u := range free {
			keep[u] = false
		}
		if none := build(keep); r.Test(ctx, none) {
			return none
		}
	}
	needed := func(u int) {
		if keys != nil {
			r.mu.Lock()
			r.needed[keys[u]] = true
			r.mu.Unlock()
		}
	}
	keep := r.ddmin(ctx, n, free, build, certify, gran, needed)
	out := build(keep)
	if ctx.Err() != nil && !r.known(out) {
		return cur
	}
	if !bytes.Equal(out, cur) && !r.confirm(ctx, out) && ctx.Err() == nil {
		// The pass's result did not reproduce a second time: redo the
		// pass, strictly, from where it started.
		return r.runPass(ctx, cur, p, certify, later)
	}
	return out
}

// stale reports whether a keyed fine pass last finished on another
// candidate than cur.
func stale(passes []Pass, seen map[string][32]byte, cur []byte) bool {
	if len(passes) == 0 {
		return false
	}
	h := sha256.Sum256(cur)
	for _, p := range passes[:len(passes)-1] {
		if tr := p.Traits(); tr.Fine && tr.Keys != nil && seen[p.Name()] != h {
			return true
		}
	}
	return false
}

func (r *Reducer) isNeeded(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.needed[key]
}

// strictConfirmations is how many runs of Confirm a candidate must pass,
// after the oracle's, once the reduction is strict: three runs in a row.
// Two let through a candidate that reproduces half the time once in four;
// three, once in eight, and a racy base is what ruins a reduction (every
// candidate built on it is racy too).
const strictConfirmations = 2

// confirm asks Confirm about an interesting candidate: once at the end of
// each pass, and for every interesting candidate once the reduction is
// strict (then twice). On a "no" the candidate becomes uninteresting and
// the reduction strict.
func (r *Reducer) confirm(ctx context.Context, cand []byte) bool {
	if r.opts.Confirm == nil {
		return true
	}
	key := sha256.Sum256(cand)
	for {
		r.mu.Lock()
		need := 1
		if r.strict {
			need = strictConfirmations
		}
		done := r.confirmed[key] >= need
		r.mu.Unlock()
		if done {
			return true
		}
		if !r.askConfirm(ctx, cand) {
			return false
		}
	}
}

// ddmin without certify stops after the first sweep at the finest
// granularity: enough for the coarse passes, whose units the last pass
// covers again line by line. It works on the units in free (the others are
// always kept) and tells needed about each unit whose removal alone was
// uninteresting.
func (r *Reducer) ddmin(ctx context.Context, n int, free []int, build func(keep []bool) []byte, certify bool, gran int, needed func(int)) []bool {
	cur := free
	pinned := make([]bool, n)
	for u := range pinned {
		pinned[u] = true
	}
	for _, u := range free {
		pinned[u] = false
	}
	mask := func(units []int) []bool {
		keep := append([]bool(nil), pinned...)
		for _, u := range units {
			keep[u] = true
		}
		return keep
	}
	idle := 0   // consecutive sweeps that removed nothing
	streak := 0 // consecutive removals just before
	for len(cur) > 0 && ctx.Err() == nil {
		finest := gran >= len(cur)
		chunks := split(cur, min(gran, len(cur)))
		progressed := false
		for i := 0; i < len(chunks) && ctx.Err() == nil; {
			// The sequential search asks, chunk by chunk, whether the
			// current candidate without that chunk is still interesting.
			// Test the next Jobs of those questions at once, guessing the
			// answers before them: "no" (each candidate drops one chunk)
			// unless the last answer was "yes" (then each drops the next
			// chunk too). Only answers to the questions the sequential
			// search really asks are used, so the result does not depend
			// on Jobs.
			var cands [][]int
			acc := cur
			for k := i; k < len(chunks) && k < i+r.opts.Jobs; k++ {
				if streak >= 2 {
					acc = without(acc, chunks[k])
					cands = append(cands, acc)
				} else {
					cands = append(cands, without(cur, chunks[k]))
				}
			}
			results := r.testAll(ctx, cands, mask, build)
			if ctx.Err() != nil {
				break
			}
			guess := streak >= 2
			for k, ok := range results {
				if ok {
					cur = cands[k]
					chunks = append(chunks[:i], chunks[i+1:]...)
					progressed = true
				} else {
					if len(chunks[i]) == 1 && needed != nil {
						needed(chunks[i][0])
					}
					i++
				}
				if ok {
					streak++
				} else {
					streak = 0
				}
				if ok != guess {
					break // the next candidate answers a question never asked
				}
			}
		}
		if progressed {
			idle = 0
		} else {
			idle++
		}
		switch {
		case finest && (!progressed || !certify):
			return mask(cur) // every single unit was tried: 1-minimal
		case !finest && idle >= 2:
			// Two sweeps in a row removed nothing: the units are most
			// likely each needed (what the earlier passes leave), and the
			// sweeps in between would cost as much again as the finest one.
			gran = len(cur)
		case !finest:
			gran *= 2
		}
	}
	return mask(cur)
}

// testAll tests candidates in parallel.
func (r *Reducer) testAll(ctx context.Context, cands [][]int, mask func([]int) []bool, build func([]bool) []byte) []bool {
	results := make([]bool, len(cands))
	var wg sync.WaitGroup
	for i := range cands {
		cand := build(mask(cands[i]))
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = r.Test(ctx, cand)
		}()
	}
	wg.Wait()
	return results
}

// Test asks the oracle about cand, through the cache and the Valid check.
func (r *Reducer) Test(ctx context.Context, cand []byte) bool {
	key := sha256.Sum256(cand)
	r.mu.Lock()
	if v, ok := r.cache[key]; ok {
		r.stats.CacheHits++
		strict := r.strict
		r.mu.Unlock()
		if v && strict {
			return r.confirm(ctx, cand)
		}
		return v
	}
	r.mu.Unlock()
	if r.opts.Valid != nil && !r.opts.Valid(cand) {
		r.mu.Lock()
		r.cache[key] = false
		r.stats.Invalid++
		r.mu.Unlock()
		return false
	}
	ok := r.oracle(ctx, cand)
	if ctx.Err() != nil {
		return false // an interrupted answer is no answer: not cached
	}
	r.mu.Lock()
	r.cache[key] = ok
	r.stats.Tests++
	strict := r.strict
	r.mu.Unlock()
	if ok && strict {
		ok = r.confirm(ctx, cand)
	}
	r.mu.Lock()
	if ok && len(cand) < len(r.best) {
		r.best = cand
	}
	p := Progress{Pass: r.pass, Size: len(r.best), Lines: lines(r.best), Tests: r.stats.Tests, CacheHits: r.stats.CacheHits, Elapsed: time.Since(r.began)}
	r.mu.Unlock()
	if r.progress != nil {
		r.progress(p)
	}
	return ok
}

func (r *Reducer) known(cand []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.cache[sha256.Sum256(cand)]
	return ok && v
}

func split(units []int, n int) [][]int {
	var out [][]int
	for i := 0; i < n; i++ {
		lo, hi := i*len(units)/n, (i+1)*len(units)/n
		if lo < hi {
			out = append(out, units[lo:hi])
		}
	}
	return out
}

func without(units, remove []int) []int {
	drop := map[int]bool{}
	for _, u := range remove {
		drop[u] = true
	}
	var out []int
	for _, u := range units {
		if !drop[u] {
			out = append(out, u)
		}
	}
	return out
}

func lines(b []byte) int { return bytes.Count(b, []byte("\n")) }
