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

func (linesPass) Name() string { return "lines" }
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
