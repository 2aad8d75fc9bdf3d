package bisect

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/signature"
)

var (
	crash = &signature.Signature{Status: "SIGSEGV"}
	clean = &signature.Signature{Status: "exit 0"}
	other = &signature.Signature{Status: "exit 3", Exception: "ValueError: bad state"}
)

// history turns a string into an oracle, one letter per candidate and one
// run per letter group ("R", or "RRC" for three runs at that candidate):
// R reproduces with the crash, C is changed with a clean exit, O another
// crash, x a build that fails. Candidates are separated by spaces.
func history(s string) (int, Oracle, *[]int) {
	points := strings.Fields(s)
	var calls []int
	return len(points), func(_ context.Context, i int) Probe {
		calls = append(calls, i)
		var p Probe
		for _, r := range points[i] {
			switch r {
			case 'R':
				p.Runs = append(p.Runs, Observation{repro.Reproduces, crash, ""})
			case 'C':
				p.Runs = append(p.Runs, Observation{"changed", clean, ""})
			case 'O':
				p.Runs = append(p.Runs, Observation{repro.Reproduces, other, ""})
			case 'S':
				p.Runs = append(p.Runs, Observation{"skipped", nil, ""})
			case 'x':
				p.Skip = "build failed: exit status 2"
			}
		}
		return p
	}, &calls
}

func rep(s string, n int) string { return strings.TrimSpace(strings.Repeat(s+" ", n)) }

func TestSearch(t *testing.T) {
	for _, tc := range []struct {
		name      string
		hist      string
		dir       Direction
		before    int
		culprit   int
		suspects  int // > 1: ambiguous
		maxProbes int
		mixed     int
		untest    int
	}{
		{"introduced", "C C C C R R R R", Introduced, 3, 4, 1, 5, 0, 0},
		{"fixed", "R R R R R C C C", Fixed, 4, 5, 1, 5, 0, 0},
		{"adjacent ends", "R C", Fixed, 0, 1, 1, 2, 0, 0},
		{"skip in the middle", "C C C x R R R R", Introduced, 2, 4, 2, 6, 0, 1},
		{"skip away from the change", "C C C x C R R R R R R", Introduced, 4, 5, 1, 6, 0, 1},
		{"other crash is untestable", "C C O O R R R", Introduced, 1, 4, 3, 6, 0, 2},
		{"64 commits", "C " + rep("C", 30) + " " + rep("R", 33), Introduced, 30, 31, 1, 8, 0, 0},
		{"64 commits, broken build at the middle", rep("C", 32) + " x " + rep("R", 31), Introduced, 31, 33, 2, 9, 0, 1},
		{"64 commits, broken build near", rep("C", 20) + " x " + rep("C", 11) + " " + rep("R", 32), Introduced, 31, 32, 1, 9, 0, -1},
		{"flaky bug counts for the bug end", "CC CC CC RC RR RC", Introduced, 2, 3, 1, 6, 2, 0},
		{"every probe untestable", "R x x x C", Fixed, 0, 4, 4, 5, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, oracle, calls := history(tc.hist)
			res, err := Search(context.Background(), n, oracle)
			if err != nil {
				t.Fatal(err)
			}
			if res.Direction != tc.dir || res.Before != tc.before || res.Culprit != tc.culprit || len(res.Suspects) != tc.suspects {
				t.Errorf("got %s before=%d culprit=%d suspects=%v, want %s %d %d (%d suspects)", res.Direction, res.Before, res.Culprit, res.Suspects, tc.dir, tc.before, tc.culprit, tc.suspects)
			}
			if len(*calls) > tc.maxProbes || len(res.Steps) != len(*calls) {
				t.Errorf("%d probes (%v), want at most %d", len(*calls), *calls, tc.maxProbes)
			}
			seen := map[int]bool{}
			for _, c := range *calls {
				if seen[c] {
					t.Errorf("candidate %d probed twice", c)
				}
				seen[c] = true
			}
			if got := len(res.Mixed()); got != tc.mixed {
				t.Errorf("%d mixed steps, want %d: %+v", got, tc.mixed, res.Steps)
			}
			u := 0
			for _, s := range res.Steps {
				if s.Class == Untestable {
					u++
				}
			}
			if tc.untest >= 0 && u != tc.untest {
				t.Errorf("%d untestable, want %d", u, tc.untest)
			}
		})
	}
}

// A 1,000-candidate history with a broken build every tenth commit still
// ends in one culprit within a few probes of ⌈log₂ N⌉.
func TestSearchLongWithBrokenBuilds(t *testing.T) {
	for change := 1; change < 1000; change += 37 {
		var b strings.Builder
		for i := 0; i < 1000; i++ {
			switch {
			case i%10 == 5:
				b.WriteString("x ")
			case i < change:
				b.WriteString("C ")
			default:
				b.WriteString("R ")
			}
		}
		n, oracle, calls := history(b.String())
		res, err := Search(context.Background(), n, oracle)
		if err != nil {
			t.Fatal(err)
		}
		if change%10 == 5 || change%10 == 6 {
			continue // the change sits next to a broken build: ambiguous, checked above
		}
		if res.Culprit != change || res.Ambiguous() {
			t.Errorf("change at %d: got culprit %d, suspects %v", change, res.Culprit, res.Suspects)
		}
		if len(*calls) > 2+10+3 {
			t.Errorf("change at %d: %d probes", change, len(*calls))
		}
	}
}

func TestSearchEnds(t *testing.T) {
	for _, tc := range []struct{ hist, want string }{
		{"R R R", "both ends give reproduces (SIGSEGV)"},
		{"x C R", "the first end cannot be tested: build failed"},
		{"C C CR", ""}, // a flaky bug end is still the bug end
		{"CR C R", "both ends give reproduces"},
		{"R C CO", "both ends reproduce, with different signatures"},
		{"R C CCx", "the last end cannot be tested"},
		{"R C CRO", "the last end is unstable"},
		{"C R", ""},
		{"S C R", "the repro skips itself at the first end"},
		{"C S R", ""}, // a skip inside the range is only untestable
	} {
		n, oracle, _ := history(tc.hist)
		_, err := Search(context.Background(), n, oracle)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.hist, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.hist, err, tc.want)
		}
	}
}

func TestConfidence(t *testing.T) {
	// The bug reproduces 2 of 4 runs wherever it is; each of the
	// clean-judged probes hides a flaky bug with probability (1/2)^4.
	n, oracle, _ := history("CCCC CCCC CCCC RRCC RRCC")
	res, err := Search(context.Background(), n, oracle)
	if err != nil {
		t.Fatal(err)
	}
	clean := 0
	for _, s := range res.Steps {
		if s.Class == AsFirst {
			clean++
		}
	}
	want := math.Pow(1-math.Pow(0.5, 4), float64(clean))
	if math.Abs(res.Confidence-want) > 1e-9 || res.BugRate != 0.5 {
		t.Errorf("confidence %v rate %v, want %v 0.5", res.Confidence, res.BugRate, want)
	}
	// The bug end reproduced every time, but the probe next to it did
	// not: the rate comes from both (6 of 8).
	n, oracle, _ = history("CCCC CCCC RRCC RRRR")
	if res, _ := Search(context.Background(), n, oracle); res.BugRate != 0.75 || res.BugRuns != 8 {
		t.Errorf("rate %v over %d runs, want 0.75 over 8", res.BugRate, res.BugRuns)
	}
	n, oracle, _ = history("C R")
	if res, _ := Search(context.Background(), n, oracle); !math.IsNaN(res.Confidence) {
		t.Errorf("one run per probe: confidence %v, want none", res.Confidence)
	}
}

func TestHeadline(t *testing.T) {
	names := func(prefix string, n int) []Candidate {
		var c []Candidate
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("%s%d", prefix, i)
			c = append(c, Candidate{ID: id, Short: id})
		}
		return c
	}
	n, oracle, _ := history("R R R R R C C C C C C C C")
	res, _ := Search(context.Background(), n, oracle)
	if got, want := NewReport("x.txtar", "releases", res, names("go1.22.", n)).Headline(), "fixed in go1.22.5 (go1.22.4 reproduces)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	n, oracle, _ = history("C C C R")
	res, _ = Search(context.Background(), n, oracle)
	cands := names("c", n)
	cands[2].Short, cands[3].Short, cands[3].Subject = "9f8e7d6", "1a2b3c4", "tool: new state machine"
	var b strings.Builder
	r := NewReport("x.txtar", "commits", res, cands)
	r.Write(&b)
	for _, want := range []string{"x.txtar: introduced by 1a2b3c4 tool: new state machine\n", "before it: 9f8e7d6\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
