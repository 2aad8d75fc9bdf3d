package check

import (
	"reflect"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/signature"
)

func c(version string, expected, verdict repro.Verdict) Cell {
	return Cell{Result: runner.Result{File: "repros/x.txtar", Verdict: verdict, Expected: expected,
		Toolchain: runner.ToolchainRef{Name: "cpython-" + version, Version: version}}}
}

func syntaxError(version string) Cell {
	cell := c(version, "", "changed")
	cell.Signature = &signature.Signature{Status: "exit 1", Exception: "SyntaxError: invalid syntax"}
	return cell
}

func TestRunsPerCell(t *testing.T) {
	if n := RunsPerCell(1, false, true); n != UpdateRuns {
		t.Errorf("update without --count: %d runs, want %d", n, UpdateRuns)
	}
	if n := RunsPerCell(1, true, true); n != 1 {
		t.Errorf("update with an explicit --count 1: %d runs, want 1", n)
	}
	if n := RunsPerCell(1, false, false); n != 1 {
		t.Errorf("check: %d runs, want 1", n)
	}
}

func TestUpdatedExpectationsFlaky(t *testing.T) {
	got := UpdatedExpectations(map[string]repro.Verdict{"3.12": "reproduces"}, []Cell{c("3.12.1", "reproduces", "flaky")})
	if got["3.12"] != "flaky" {
		t.Errorf("a flaky cell is recorded as %q, want flaky", got["3.12"])
	}
}

func TestClassifyCountedFlaky(t *testing.T) {
	// Counted runs that all agree say the repro is no longer flaky.
	cell := c("3.12.1", "flaky", "reproduces")
	cell.Rate = "5/5"
	Classify(&cell)
	if cell.Transition != "flaky → reproduces" || !cell.Attention {
		t.Errorf("got %q attention=%v", cell.Transition, cell.Attention)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		expected, verdict repro.Verdict
		transition, means string
		attention, landed bool
	}{
		{"reproduces", "reproduces", "", "", false, false},
		{"", "reproduces", "new", "no expectation recorded", false, false},
		{"", "error", "new", "no expectation recorded", true, false},
		{"reproduces", "fixed", "reproduces → fixed", "the make-it-work fix landed", true, true},
		{"reproduces", "fails-cleanly", "reproduces → fails-cleanly", "the fail-cleanly fix landed", true, true},
		{"fails-cleanly", "fixed", "fails-cleanly → fixed", "the make-it-work fix landed (it used to fail cleanly)", true, true},
		{"fixed", "reproduces", "fixed → reproduces", "regression: the bug is back", true, false},
		{"fails-cleanly", "reproduces", "fails-cleanly → reproduces", "regression: the bug is back", true, false},
		{"fixed", "fails-cleanly", "fixed → fails-cleanly", "regression: it no longer works", true, false},
		{"reproduces", "changed", "reproduces → changed", "triage needed", true, false},
		{"fixed", "changed", "fixed → changed", "triage needed", true, false},
		{"reproduces", "slipped", "reproduces → slipped", "a different bug now", true, false},
		{"reproduces", "flaky", "reproduces → flaky", "intermittent", true, false},
		{"reproduces", "error", "reproduces → error", "the harness failed", true, false},
		{"reproduces", "skipped", "reproduces → skipped", "no longer runs here", true, false},
		{"skipped", "reproduces", "skipped → reproduces", "runs here now", true, false},
		// One run of a flaky repro cannot show the mix: any verdict about
		// the bug is what it does; an error is still a harness failure.
		{"flaky", "reproduces", "", "", false, false},
		{"flaky", "changed", "", "", false, false},
		{"flaky", "error", "flaky → error", "the harness failed", true, false},
	} {
		cell := c("3.12.1", tc.expected, tc.verdict)
		Classify(&cell)
		if cell.Transition != tc.transition || !strings.Contains(cell.Meaning, tc.means) || cell.Attention != tc.attention || cell.Landed() != tc.landed {
			t.Errorf("%s → %s: got %q %q attention=%v landed=%v", tc.expected, tc.verdict, cell.Transition, cell.Meaning, cell.Attention, cell.Landed())
		}
	}
}

func TestBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cells []Cell
		want  []string
	}{
		{"introduced", []Cell{c("3.10.13", "", "fixed"), c("3.11.7", "", "fixed"), c("3.12.1", "", "reproduces"), c("3.13.0", "", "reproduces")},
			[]string{"introduced in 3.12 (3.11.7 fixed, 3.12.1 reproduces)"}},
		{"fixed, skipping skips", []Cell{c("2.7.18", "", "skipped"), c("3.12.1", "", "reproduces"), c("3.13.0", "", "skipped"), c("3.14.1", "", "fixed")},
			[]string{"fixed in 3.14 (3.12.1 reproduces, 3.14.1 fixed)"}},
		{"within a minor", []Cell{c("3.11.2", "", "reproduces"), c("3.11.7", "", "fails-cleanly")},
			[]string{"fails cleanly since a release between 3.11.2 and 3.11.7 (3.11.2 reproduces, 3.11.7 fails-cleanly)"}},
		{"two boundaries", []Cell{c("3.8.18", "", "fails-cleanly"), c("3.12.1", "", "reproduces"), c("3.13.0", "", "fixed")},
			[]string{"introduced in 3.12 (3.8.18 fails-cleanly, 3.12.1 reproduces)", "fixed in 3.13 (3.12.1 reproduces, 3.13.0 fixed)"}},
		{"none", []Cell{c("3.12.1", "", "reproduces"), c("3.13.0", "", "reproduces")},
			[]string{"reproduces on every version run (3.12.1–3.13.0)"}},
		{"all skipped", []Cell{c("3.12.1", "", "skipped")}, []string{"skipped on every version run"}},
		{"no boundary where the script cannot run", []Cell{syntaxError("2.7.18"), c("3.6.15", "", "reproduces"), c("3.12.1", "", "fixed")},
			[]string{"fixed in 3.12 (3.6.15 reproduces, 3.12.1 fixed)"}},
	} {
		if got := Boundaries(tc.cells); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	for in, want := range map[string]string{
		"1/3": "", "3/3": "", "1/1": "",
		"3/2": "I must be between 1 and 2", "0/4": "I must be between 1 and 4",
		"1/0": "N must be at least 1", "-1/3": "I must be between", "x": "want I/N", "1/": "want I/N", "": "want I/N",
	} {
		_, err := ParseShard(in)
		if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("ParseShard(%q) = %v, want %q", in, err, want)
		}
	}
	// Every cell lands in exactly one shard.
	for n := 1; n <= 5; n++ {
		for k := 0; k < 23; k++ {
			hits := 0
			for i := 1; i <= n; i++ {
				if (Shard{i, n}).Take(k) {
					hits++
				}
			}
			if hits != 1 {
				t.Fatalf("cell %d is in %d of %d shards", k, hits, n)
			}
		}
	}
}

func TestUpdatedExpectations(t *testing.T) {
	old := map[string]repro.Verdict{"2": "skipped", "3.11": "reproduces", "3.14": "fixed"}
	cells := []Cell{
		c("2.7.18", "skipped", "skipped"),
		c("3.11.2", "reproduces", "reproduces"),
		c("3.11.7", "reproduces", "fails-cleanly"), // disagrees within 3.11
		c("3.12.1", "", "reproduces"),
		c("3.13.0", "reproduces", "error"), // an error keeps the expectation
	}
	got := UpdatedExpectations(old, cells)
	want := map[string]repro.Verdict{
		"2.7": "skipped", "3.11.2": "reproduces", "3.11.7": "fails-cleanly",
		"3.12": "reproduces", "3.13.0": "reproduces", "3.14": "fixed",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}
