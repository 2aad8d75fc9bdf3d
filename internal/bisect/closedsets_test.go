package bisect

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/internal/repro"
)

// `bisect --json` spells the typed direction and candidates as before, and
// reads back as the same values; the metadata a report records carries them.
func TestReportKeepsItsSpelling(t *testing.T) {
	for _, tc := range []struct {
		dir  Direction
		over repro.Candidates
		want []string
	}{
		{Fixed, repro.Commits, []string{`"over":"commits"`, `"direction":"fixed"`}},
		{Introduced, repro.Releases, []string{`"over":"releases"`, `"direction":"introduced"`}},
		{Changed, repro.Releases, []string{`"direction":"changed"`}},
	} {
		rep := Report{File: "x.txtar", Over: tc.over, Direction: tc.dir}
		data, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(data), w) {
				t.Errorf("JSON %s lacks %s", data, w)
			}
		}
		var back Report
		if err := json.Unmarshal(data, &back); err != nil || back.Over != tc.over || back.Direction != tc.dir {
			t.Errorf("read back as %+v (%v)", back, err)
		}
		if b := Bisection(rep); b.Direction != tc.dir || b.Over != tc.over {
			t.Errorf("Bisection = %+v, want direction %s over %s", b, tc.dir, tc.over)
		}
	}
}
