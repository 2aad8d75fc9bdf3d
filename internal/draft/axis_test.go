package draft

import (
	"testing"

	"github.com/reprokit/reprokit/internal/repro"
)

func TestAxisChanges(t *testing.T) {
	// Verdicts as cells, so the table reads whatever type Verdict has.
	rep, fixed, cleanly, skipped := Cell{Verdict: repro.Reproduces}, Cell{Verdict: repro.Fixed}, Cell{Verdict: repro.FailsCleanly}, Cell{Verdict: repro.Skipped}
	cell := func(py, dep string, v Cell) Cell {
		v.Version, v.Axis, v.AxisVersion = py, "packaging", dep
		return v
	}
	tests := []struct {
		cells []Cell
		want  string
	}{
		{[]Cell{{Version: "3.12.1", Verdict: repro.Reproduces}}, ""},
		{[]Cell{cell("3.12.1", "21.3", rep), cell("3.12.1", "22.0", cleanly)},
			" Along packaging: fails cleanly since packaging 22.0 (21.3 reproduces, 22.0 fails-cleanly)."},
		// A skipped version says nothing; alike interpreters are said once.
		{[]Cell{cell("3.11.7", "21.3", rep), cell("3.11.7", "21.9", skipped), cell("3.11.7", "22.0", fixed),
			cell("3.12.1", "21.3", rep), cell("3.12.1", "22.0", fixed)},
			" Along packaging: fixed in packaging 22.0 (21.3 reproduces, 22.0 fixed)."},
		{[]Cell{cell("3.11.7", "21.3", rep), cell("3.11.7", "22.0", rep),
			cell("3.12.1", "21.3", rep), cell("3.12.1", "22.0", fixed)},
			" Along packaging: on 3.11.7, reproduces with every version run; on 3.12.1, fixed in packaging 22.0 (21.3 reproduces, 22.0 fixed)."},
	}
	for _, tt := range tests {
		if got := axisChanges(tt.cells); got != tt.want {
			t.Errorf("axisChanges(%v)\n got %q\nwant %q", tt.cells, got, tt.want)
		}
	}
}
