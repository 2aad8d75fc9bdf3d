package sandbox

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/internal/toolchain"
)

// The child reports its result to the parent as JSON: the typed outcome
// and stack kind keep their spelling and read back as the same values.
func TestOutcomeAndStackKindKeepTheirSpelling(t *testing.T) {
	for _, tc := range []struct {
		res  Result
		want []string
	}{
		{Result{Outcome: Pass}, []string{`"outcome":"pass"`}},
		{Result{Outcome: Fail}, []string{`"outcome":"fail"`}},
		{Result{Outcome: Skip}, []string{`"outcome":"skip"`}},
		{Result{Err: "boom"}, []string{`"outcome":""`}},
		{Result{Stacks: []Stack{{PID: 7, Kind: toolchain.Go}, {PID: 8, Kind: toolchain.Python}, {PID: 9}}},
			[]string{`"kind":"go"`, `"kind":"python"`, `"kind":""`}},
	} {
		data, err := json.Marshal(tc.res)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(data), w) {
				t.Errorf("JSON %s lacks %s", data, w)
			}
		}
		var back Result
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if back.Outcome != tc.res.Outcome || len(back.Stacks) != len(tc.res.Stacks) {
			t.Errorf("read back as %+v, want %+v", back, tc.res)
		}
		for i := range back.Stacks {
			if back.Stacks[i].Kind != tc.res.Stacks[i].Kind {
				t.Errorf("stack %d kind read back as %q, want %q", i, back.Stacks[i].Kind, tc.res.Stacks[i].Kind)
			}
		}
	}
}
