package minimize

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"testing"
)

// linesPass cuts a candidate into its lines.
type linesPass struct{}

func (linesPass) Name() string   { return "lines" }
func (linesPass) Traits() Traits { return Traits{} }
func (linesPass) Split(cur []byte) (int, func([]bool) []byte) {
	ls := strings.SplitAfter(string(cur), "\n")
	if ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	return len(ls), func(keep []bool) []byte {
		var b strings.Builder
		for i, l := range ls {
			if keep[i] {
				b.WriteString(l)
			}
		}
		return []byte(b.String())
	}
}

func input(n int) []byte {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return []byte(b.String())
}

func has(c []byte, ids ...int) bool {
	for _, id := range ids {
		if !strings.Contains("\n"+string(c), fmt.Sprintf("\n%d\n", id)) {
			return false
		}
	}
	return true
}

// countingOracle records how often each distinct candidate was asked.
type countingOracle struct {
	mu    sync.Mutex
	calls map[string]int
	f     func([]byte) bool
}

func (o *countingOracle) oracle(ctx context.Context, c []byte) bool {
	o.mu.Lock()
	if o.calls == nil {
		o.calls = map[string]int{}
	}
	o.calls[string(c)]++
	o.mu.Unlock()
	return o.f(c)
}

func TestDDMinTextbook(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		f     func([]byte) bool
		want  string
		tests int // oracle calls with Jobs=1: a regression guard on the search itself
	}{
		// Zeller & Hildebrandt's example: the failure needs units 1, 7 and 8.
		{"zeller 1 7 8", 8, func(c []byte) bool { return has(c, 1, 7, 8) }, "1\n7\n8\n", 12},
		// A single culprit among many.
		{"one of 100", 100, func(c []byte) bool { return has(c, 42) }, "42\n", 16},
		// Two far apart.
		{"two of 64", 64, func(c []byte) bool { return has(c, 3, 60) }, "3\n60\n", 23},
		// Everything is needed.
		{"all of 4", 4, func(c []byte) bool { return has(c, 1, 2, 3, 4) }, "1\n2\n3\n4\n", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &countingOracle{f: tt.f}
			got, stats, err := New(o.oracle, Options{}).Run(context.Background(), input(tt.n), []Pass{linesPass{}})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			for c, n := range o.calls {
				if n > 1 {
					t.Errorf("candidate %q tested %d times: the cache must answer repeats", c, n)
				}
			}
			if stats.Tests != len(o.calls) {
				t.Errorf("stats.Tests = %d, oracle saw %d distinct candidates", stats.Tests, len(o.calls))
			}
			if stats.Tests != tt.tests {
				t.Errorf("tests = %d, want %d", stats.Tests, tt.tests)
			}
		})
	}
}

// Whatever the oracle, the result is interesting and 1-minimal, and the
// same for any number of workers.
func TestOneMinimalAndDeterministic(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 60; trial++ {
		n := 5 + rng.Intn(60)
		// Interesting: contains every "required" unit and at least one of
		// each "alternative" pair, a shape that makes greedy searches stumble.
		var req []int
		var alts [][2]int
		for i := 0; i < 1+rng.Intn(4); i++ {
			req = append(req, 1+rng.Intn(n))
		}
		for i := 0; i < rng.Intn(3); i++ {
			alts = append(alts, [2]int{1 + rng.Intn(n), 1 + rng.Intn(n)})
		}
		f := func(c []byte) bool {
			if !has(c, req...) {
				return false
			}
			for _, a := range alts {
				if !has(c, a[0]) && !has(c, a[1]) {
					return false
				}
			}
			return true
		}
		var results []string
		for _, jobs := range []int{1, 2, 7} {
			got, _, err := New(func(_ context.Context, c []byte) bool { return f(c) }, Options{Jobs: jobs}).Run(context.Background(), input(n), []Pass{linesPass{}})
			if err != nil {
				t.Fatal(err)
			}
			if !f(got) {
				t.Fatalf("trial %d: result %q is not interesting", trial, got)
			}
			ls := strings.SplitAfter(string(got), "\n")
			ls = ls[:len(ls)-1]
			for i := range ls {
				smaller := strings.Join(append(append([]string{}, ls[:i]...), ls[i+1:]...), "")
				if f([]byte(smaller)) {
					t.Fatalf("trial %d: not 1-minimal: %q still interesting without line %q", trial, got, ls[i])
				}
			}
			results = append(results, string(got))
		}
		if results[0] != results[1] || results[0] != results[2] {
			t.Fatalf("trial %d: result depends on Jobs: %q", trial, results)
		}
	}
}

// Cancelled midway, the reducer returns the best interesting candidate so far.
func TestCancelKeepsBest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	f := func(_ context.Context, c []byte) bool {
		calls++
		if calls == 6 {
			cancel()
		}
		return has(c, 5)
	}
	got, _, err := New(f, Options{}).Run(ctx, input(40), []Pass{linesPass{}})
	if err == nil {
		t.Fatal("no error after cancellation")
	}
	if !has(got, 5) || len(got) >= len(input(40)) {
		t.Errorf("best so far %q: want an interesting, smaller candidate", got)
	}
}

// Valid rejects candidates before the oracle sees them.
func TestValidSkipsOracle(t *testing.T) {
	o := &countingOracle{f: func(c []byte) bool { return has(c, 2) }}
	valid := func(c []byte) bool { return has(c, 1) } // "syntax": line 1 must stay
	got, stats, _ := New(o.oracle, Options{Valid: valid}).Run(context.Background(), input(16), []Pass{linesPass{}})
	if string(got) != "1\n2\n" {
		t.Errorf("got %q", got)
	}
	for c := range o.calls {
		if !valid([]byte(c)) {
			t.Errorf("oracle saw invalid candidate %q", c)
		}
	}
	if stats.Invalid == 0 {
		t.Error("no candidate counted invalid")
	}
}

// A bug that reproduces only sometimes: Confirm catches a pass result that
// does not reproduce twice, the reduction turns strict, and the result is
// one that reproduced twice.
func TestConfirmTurnsStrictOnARace(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	// Interesting when unit 5 is present; candidates without unit 9 are
	// "racy": interesting on their first run only.
	oracle := func(_ context.Context, c []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		seen[string(c)]++
		if !has(c, 5) {
			return false
		}
		return has(c, 9) || seen[string(c)] == 1
	}
	confirms := 0
	confirm := func(ctx context.Context, c []byte) bool {
		confirms++
		return oracle(ctx, c)
	}
	got, _, err := New(oracle, Options{Confirm: confirm}).Run(context.Background(), input(12), []Pass{linesPass{}})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "5\n9\n" {
		t.Errorf("got %q, want the stable 5 and 9", got)
	}
	if confirms == 0 {
		t.Error("Confirm was never asked")
	}
}

// A deterministic bug pays one confirmation per pass that changed
// something, not one per interesting candidate.
func TestConfirmOncePerPass(t *testing.T) {
	oracle := func(_ context.Context, c []byte) bool { return has(c, 3, 40) }
	confirms := 0
	confirm := func(ctx context.Context, c []byte) bool { confirms++; return oracle(ctx, c) }
	got, _, err := New(oracle, Options{Confirm: confirm}).Run(context.Background(), input(64), []Pass{linesPass{}})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "3\n40\n" || confirms != 1 {
		t.Errorf("got %q with %d confirmations, want 3, 40 and 1", got, confirms)
	}
}

// evensPass removes even-numbered lines only; it is Fine and Keyed, so a
// later round skips the units it found needed.
type evensPass struct{ keyed bool }

func (evensPass) Name() string { return "evens" }
func (p evensPass) Traits() Traits {
	if !p.keyed {
		return Traits{Fine: true}
	}
	return Traits{Fine: true, Keys: p.unitKeys}
}
func even(l string) bool {
	var v int
	_, err := fmt.Sscanf(l, "%d", &v)
	return err == nil && v%2 == 0
}
func (evensPass) unitKeys(cur []byte) []string {
	var keys []string
	for _, l := range strings.SplitAfter(string(cur), "\n") {
		if even(l) {
			keys = append(keys, l)
		}
	}
	return keys
}
func (evensPass) Split(cur []byte) (int, func([]bool) []byte) { return dropLines(cur, even) }

// dropLines splits cur into the lines pick selects, as units.
func dropLines(cur []byte, pick func(line string) bool) (int, func([]bool) []byte) {
	ls := strings.SplitAfter(string(cur), "\n")
	var idx []int
	for i, l := range ls {
		if pick(l) {
			idx = append(idx, i)
		}
	}
	return len(idx), func(keep []bool) []byte {
		drop := map[int]bool{}
		for u, i := range idx {
			drop[i] = !keep[u]
		}
		var b strings.Builder
		for i, l := range ls {
			if !drop[i] {
				b.WriteString(l)
			}
		}
		return []byte(b.String())
	}
}

// A fine pass that runs again in a later round does not re-test the units
// it found needed, when they are unchanged: fewer tests, same result.
func TestKeyedUnitsNeededStayUntested(t *testing.T) {
	// 7 and the even numbers up to 20 but 6 are needed; so is 6 while 3
	// is there (the line pass removes 3 in round one, which lets the even
	// pass remove 6 in round two).
	f := func(c []byte) bool {
		return has(c, 2, 4, 7, 8, 10, 12, 14, 16, 18, 20) && (!has(c, 3) || has(c, 6))
	}
	var tests [2]int
	var results [2]string
	for k, keyed := range []bool{false, true} {
		o := &countingOracle{f: f}
		got, stats, err := New(o.oracle, Options{}).Run(context.Background(), input(24), []Pass{evensPass{keyed}, linesPass{}})
		if err != nil {
			t.Fatal(err)
		}
		tests[k], results[k] = stats.Tests, string(got)
	}
	if want := "2\n4\n7\n8\n10\n12\n14\n16\n18\n20\n"; results[0] != want || results[1] != want {
		t.Fatalf("results %q, want %q both times", results, want)
	}
	if tests[1] >= tests[0] {
		t.Errorf("keyed: %d tests, unkeyed %d: the memo saved nothing", tests[1], tests[0])
	}
}

// usesPass removes "u" lines.
type usesPass struct{}

func (usesPass) Name() string   { return "uses" }
func (usesPass) Traits() Traits { return Traits{} }
func (usesPass) Split(cur []byte) (int, func([]bool) []byte) {
	return dropLines(cur, func(l string) bool { return strings.HasPrefix(l, "u") })
}

// sweepPass removes "d" lines whose number no "u" line mentions.
type sweepPass struct{}

func (sweepPass) Name() string   { return "sweep" }
func (sweepPass) Traits() Traits { return Traits{Sweeps: true, AllFirst: true} }
func (sweepPass) Split(cur []byte) (int, func([]bool) []byte) {
	return dropLines(cur, func(l string) bool {
		return strings.HasPrefix(l, "d") && !strings.Contains(string(cur), "u"+l[1:])
	})
}

// A sweeper runs after every pass that shrinks: definitions whose users
// a pass removed go in one test, before the next pass.
func TestSweeperCleansUpAfterAShrink(t *testing.T) {
	in := []byte("d1\nd2\nd3\nd4\nu1\nu2\nu3\nu4\nbug\n")
	o := &countingOracle{f: func(c []byte) bool {
		// A use without its definition is an error, not the bug.
		for _, k := range []string{"1", "2", "3", "4"} {
			if strings.Contains(string(c), "u"+k) && !strings.Contains(string(c), "d"+k) {
				return false
			}
		}
		return strings.Contains(string(c), "bug")
	}}
	got, stats, err := New(o.oracle, Options{}).Run(context.Background(), in, []Pass{sweepPass{}, usesPass{}, linesPass{}})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "bug\n" {
		t.Fatalf("got %q", got)
	}
	for _, p := range stats.Passes {
		// The sweeper removed all four definitions in one test (and the
		// confirmation-free engine needs no more); the line pass only
		// certified.
		if p.Name == "sweep" && p.Tests != 1 {
			t.Errorf("sweep: %d tests, want 1", p.Tests)
		}
		if p.Name == "lines" && p.BytesBefore != len("bug\n") {
			t.Errorf("lines started at %d bytes: the sweeper did not run before it", p.BytesBefore)
		}
	}
}

// A race the per-pass confirmation missed shows in the final
// confirmations: the reduction steps back to the newest ancestor that
// holds (here the input) and goes on from there, strictly. Here the racy
// result 5 passes every first confirmation (which is what let it
// through) and fails the second.
func TestFinalConfirmsCatchALateRace(t *testing.T) {
	var mu sync.Mutex
	confirmed := map[string]int{}
	oracle := func(_ context.Context, c []byte) bool { return has(c, 5) }
	confirm := func(_ context.Context, c []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		confirmed[string(c)]++
		return has(c, 5) && (has(c, 9) || confirmed[string(c)] == 1)
	}
	got, _, err := New(oracle, Options{Confirm: confirm}).Run(context.Background(), input(12), []Pass{linesPass{}})
	if err != nil || string(got) != "5\n" {
		t.Fatalf("without final confirmations: %q, %v; want the racy 5 (the test's premise)", got, err)
	}
	confirmed = map[string]int{}
	got, _, err = New(oracle, Options{Confirm: confirm, FinalConfirms: 2}).Run(context.Background(), input(12), []Pass{linesPass{}})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "5\n9\n" {
		t.Errorf("got %q, want the stable 5 and 9", got)
	}
}

// splitsOf counts the candidates a pass was asked to split.
type splitsOf struct {
	Pass
	seen map[string]int
}

func (p splitsOf) Split(cur []byte) (int, func([]bool) []byte) {
	p.seen[string(cur)]++
	return p.Pass.Split(cur)
}

// A race that a late pass made, caught by the final confirmations, costs
// a step back to the last result that holds, not the whole reduction
// again: the first pass's work stands and it never sees the input twice.
// Lines 5 and 7 make the bug; without line 9 it is a race that passes a
// candidate's first confirmation only.
func TestALateRaceStepsBackNotToTheInput(t *testing.T) {
	var mu sync.Mutex
	confirmed := map[string]int{}
	oracle := func(_ context.Context, c []byte) bool { return has(c, 5, 7) }
	confirm := func(_ context.Context, c []byte) bool {
		mu.Lock()
		defer mu.Unlock()
		confirmed[string(c)]++
		return has(c, 5, 7) && (has(c, 9) || confirmed[string(c)] == 1)
	}
	evens := splitsOf{evensPass{}, map[string]int{}}
	in := input(12)
	got, _, err := New(oracle, Options{Confirm: confirm, FinalConfirms: 2}).Run(context.Background(), in, []Pass{evens, linesPass{}})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "5\n7\n9\n" {
		t.Errorf("got %q, want the stable 5, 7 and 9", got)
	}
	if n := evens.seen[string(in)]; n != 1 {
		t.Errorf("the first pass split the input %d times, want 1: the reduction started again from the input", n)
	}
	if confirmed["5\n7\n"] < 2 {
		t.Errorf("the racy 5 and 7 were confirmed %d times: the test's premise (a race the final confirmations catch) did not hold", confirmed["5\n7\n"])
	}
}

// keyedSweep is sweepPass with a memory: its units are named by their text.
type keyedSweep struct{ sweepPass }

func (keyedSweep) Traits() Traits {
	return Traits{Sweeps: true, AllFirst: true, Keys: keyedSweep{}.unitKeys}
}

func (keyedSweep) unitKeys(cur []byte) []string {
	n, _ := sweepPass{}.Split(cur)
	var keys []string
	for _, l := range strings.SplitAfter(string(cur), "\n") {
		if strings.HasPrefix(l, "d") && !strings.Contains(string(cur), "u"+l[1:]) {
			keys = append(keys, l)
		}
	}
	return keys[:n]
}

// prefixPass removes the lines that start with its prefix.
type prefixPass string

func (p prefixPass) Name() string { return "drop-" + string(p) }
func (prefixPass) Traits() Traits { return Traits{} }
func (p prefixPass) Split(cur []byte) (int, func([]bool) []byte) {
	return dropLines(cur, func(l string) bool { return strings.HasPrefix(l, string(p)) })
}

// A keyed sweeper remembers, from the first round on, the "dead" units it
// found needed (a Thread's run: nothing names it, the bug needs it): the
// sweeps after later passes neither put it in their all-at-once test nor
// retry it alone. Same result, fewer tests.
func TestKeyedSweeperSkipsWhatItFoundNeeded(t *testing.T) {
	in := []byte("d9\nd1\nd2\nd3\nu1\nu2\nu3\nbug\n")
	f := func(c []byte) bool {
		for _, k := range []string{"1", "2", "3"} {
			if strings.Contains(string(c), "u"+k) && !strings.Contains(string(c), "d"+k) {
				return false
			}
		}
		return strings.Contains(string(c), "bug") && strings.Contains(string(c), "d9")
	}
	var tests [2]int
	for k, sweep := range []Pass{sweepPass{}, keyedSweep{}} {
		o := &countingOracle{f: f}
		got, stats, err := New(o.oracle, Options{}).Run(context.Background(), in,
			[]Pass{sweep, prefixPass("u1"), prefixPass("u2"), prefixPass("u3"), linesPass{}})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "d9\nbug\n" {
			t.Fatalf("%s: got %q", sweep.Name(), got)
		}
		for _, p := range stats.Passes {
			if p.Name == "sweep" {
				tests[k] = p.Tests
			}
		}
	}
	if tests[1] >= tests[0] {
		t.Errorf("sweep tests: keyed %d, unkeyed %d: the memory saved nothing", tests[1], tests[0])
	}
	t.Logf("sweep tests: unkeyed %d, keyed %d", tests[0], tests[1])
}

// latePass drops "x" lines; it exposes work for the fine passes.
type latePass struct{}

func (latePass) Name() string { return "late" }
func (latePass) Traits() Traits {
	return Traits{Repeat: true, Closing: true, Exposes: true}
}
func (latePass) Split(cur []byte) (int, func([]bool) []byte) {
	return dropLines(cur, func(l string) bool { return strings.HasPrefix(l, "x") })
}

// finePass drops "y" lines and records what it was asked to split.
type finePass struct{ seen *[]string }

func (finePass) Name() string   { return "fine" }
func (finePass) Traits() Traits { return Traits{Fine: true} }
func (p finePass) Split(cur []byte) (int, func([]bool) []byte) {
	*p.seen = append(*p.seen, string(cur))
	return dropLines(cur, func(l string) bool { return strings.HasPrefix(l, "y") })
}

// When an exposing pass changed the candidate, the fine passes after it
// wait for the next round: they comb what is left, not the code the
// round's last pass then removes anyway.
func TestFinePassesWaitForTheTreeEditsToSettle(t *testing.T) {
	var seen []string
	o := &countingOracle{f: func(c []byte) bool { return strings.Contains(string(c), "bug") }}
	got, stats, err := New(o.oracle, Options{}).Run(context.Background(), []byte("x\nz1\nz2\ny1\ny2\nbug\n"),
		[]Pass{latePass{}, finePass{&seen}, linesPass{}})
	if err != nil || string(got) != "bug\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	for _, s := range seen {
		if strings.Contains(s, "z1") {
			t.Errorf("the fine pass split %q, before the round's last pass", s)
		}
	}
	for _, p := range stats.Passes {
		if p.Name == "fine" && p.Tests != 0 {
			t.Errorf("the fine pass ran %d tests, want 0: what it would remove was gone", p.Tests)
		}
	}
}

// rewritePass rewrites the lines that start with prefix; a unit switched
// off takes the rewritten line. Fine and keyed by the line's text.
type rewritePass struct {
	name, prefix string
	rewrite      func(string) string
}

func (p rewritePass) Name() string { return p.name }
func (p rewritePass) Traits() Traits {
	return Traits{Fine: true, Keys: func(cur []byte) []string {
		var keys []string
		for _, l := range strings.SplitAfter(string(cur), "\n") {
			if strings.HasPrefix(l, p.prefix) {
				keys = append(keys, l)
			}
		}
		return keys
	}}
}
func (p rewritePass) Split(cur []byte) (int, func([]bool) []byte) {
	ls := strings.SplitAfter(string(cur), "\n")
	var idx []int
	for i, l := range ls {
		if strings.HasPrefix(l, p.prefix) {
			idx = append(idx, i)
		}
	}
	return len(idx), func(keep []bool) []byte {
		out := append([]string{}, ls...)
		for u, i := range idx {
			if !keep[u] {
				out[i] = p.rewrite(out[i])
			}
		}
		return []byte(strings.Join(out, ""))
	}
}

// A keyed fine pass gets a last look at the result when a pass after it
// changed it: here dropping `y=` leaves parentheses the earlier pass can
// now drop. Without that look the result kept them.
func TestKeyedFinePassesLookAtTheResult(t *testing.T) {
	parens := rewritePass{"parens", "(", func(l string) string { return strings.TrimPrefix(strings.Replace(l, ")", "", 1), "(") }}
	prefix := rewritePass{"prefix", "y=", func(l string) string { return strings.TrimPrefix(l, "y=") }}
	o := &countingOracle{f: func(c []byte) bool { return strings.Contains(string(c), "bug") }}
	got, _, err := New(o.oracle, Options{}).Run(context.Background(), []byte("y=(x)\nbug\n"),
		[]Pass{parens, prefix, prefixPass("z")})
	if err != nil || string(got) != "x\nbug\n" {
		t.Fatalf("got %q, %v; want the parentheses gone", got, err)
	}
}

// No passes: the input is the result.
func TestNoPasses(t *testing.T) {
	got, _, err := New(func(context.Context, []byte) bool { return true }, Options{}).Run(context.Background(), []byte("a\n"), nil)
	if err != nil || string(got) != "a\n" {
		t.Fatalf("got %q, %v", got, err)
	}
}
