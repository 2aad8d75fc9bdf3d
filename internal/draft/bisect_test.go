package draft

import (
	"strings"
	"testing"

	"github.com/reprokit/reprokit/internal/repro"
)

// A recorded bisection reaches the report ("Introduced by …") and the
// landed-fix comment ("Fixed by …"), the commit beating the release.
func TestBisected(t *testing.T) {
	r, err := repro.Parse("x.txtar", []byte(`# tool aborts on boom
! exec tool boom
-- .reprokit.yaml --
bisect:
  - direction: introduced
    over: commits
    by: 1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d
    subject: 'tool: new state machine'
    before: 9f8e7d6c5b4a39281706f5e4d3c2b1a098765432
    compare: https://github.com/o/r/compare/9f8e7d6...1a2b3c4
  - direction: fixed
    over: releases
    by: go1.22.5
    before: go1.22.4
`))
	if err != nil {
		t.Fatal(err)
	}
	got := Bisected(r)
	for _, want := range []string{
		"Introduced by 1a2b3c4d5e (tool: new state machine); the commit before it, 9f8e7d6c5b, does not reproduce. Found by `reprokit bisect`: [compare](https://github.com/o/r/compare/9f8e7d6...1a2b3c4).",
		"Fixed in go1.22.5; the release before it, go1.22.4, still reproduces. Found by `reprokit bisect`.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Bisected lacks %q:\n%s", want, got)
		}
	}
	c := LandedComment(r, []Cell{{Name: "go1.22.5", Version: "1.22.5", Verdict: repro.Fixed}}, []Cell{{Name: "go1.22.5", Version: "1.22.5", Verdict: repro.Fixed}}, "", nil)
	if !strings.Contains(c, "\nFixed in go1.22.5") || strings.Contains(c, "Introduced") {
		t.Errorf("the landed comment should name the fix, only:\n%s", c)
	}
}

// A library's bisection names the library: its release alone, or the
// release and the commit of a chain; the landed comment says the fix.
func TestBisectedLibrary(t *testing.T) {
	r, err := repro.Parse("x.txtar", []byte(`# trio hangs on cancel
! exec python3 repro.py
-- .reprokit.yaml --
bisect:
  - direction: introduced
    over: releases
    by: 0.25.0
    before: 0.24.0
    library: trio
  - direction: fixed
    over: releases
    by: 0.27.0
    before: 0.26.2
    library: trio
  - direction: fixed
    over: commits
    by: 1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d
    subject: 'Merge pull request #3000'
    before: 9f8e7d6c5b4a39281706f5e4d3c2b1a098765432
    library: trio
    release: 0.27.0
`))
	if err != nil {
		t.Fatal(err)
	}
	got := Bisected(r)
	for _, want := range []string{
		"Introduced in trio 0.25.0; the trio release before it, 0.24.0, does not reproduce.",
		"Fixed in trio 0.27.0 by 1a2b3c4d5e (Merge pull request #3000); the commit before it, 9f8e7d6c5b, still reproduces.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Bisected lacks %q:\n%s", want, got)
		}
	}
	c := LandedComment(r, []Cell{{Name: "cpython-3.12.1+trio==0.27.0", Version: "0.27.0", Verdict: repro.Fixed}}, []Cell{{Name: "cpython-3.12.1+trio==0.27.0", Version: "0.27.0", Verdict: repro.Fixed}}, "", nil)
	if !strings.Contains(c, "Fixed in trio 0.27.0 by 1a2b3c4d5e") {
		t.Errorf("the landed comment should name the library's fix:\n%s", c)
	}
}
