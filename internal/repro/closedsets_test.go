package repro

import (
	"fmt"
	"strings"
	"testing"
)

// Verdicts, bisection directions and candidates are typed, but an archive
// spells them as the design does: a typed value writes what an untyped one
// wrote, and an archive written before reads back as the same value.
func TestClosedSetsKeepTheirSpelling(t *testing.T) {
	spelled := map[Verdict]string{
		Reproduces: "reproduces", Fixed: "fixed", FailsCleanly: "fails-cleanly", Changed: "changed",
		Slipped: "slipped", Flaky: "flaky", Skipped: "skipped", ErrorVerdict: "error",
	}
	if len(spelled) != len(Verdicts) {
		t.Fatalf("%d verdicts spelled here, %d in Verdicts", len(spelled), len(Verdicts))
	}
	r, err := Parse("a.txtar", []byte("# t\nexec python3 a.py\n-- a.py --\nprint(1)\n"))
	if err != nil {
		t.Fatal(err)
	}
	expect := map[string]Verdict{}
	for i, v := range Verdicts {
		expect[fmt.Sprintf("3.%d", i)] = v
	}
	out, err := r.WithExpect(expect)
	if err != nil {
		t.Fatal(err)
	}
	for ver, v := range expect {
		if want := fmt.Sprintf("%q: %s\n", ver, spelled[v]); !strings.Contains(string(out), want) {
			t.Errorf("archive lacks %q:\n%s", want, out)
		}
	}
	if r, err = Parse("a.txtar", out); err != nil {
		t.Fatal(err)
	}
	b := Bisection{Direction: DirectionFixed, Over: Commits, By: "cccc", Before: "dddd"}
	if out, err = r.WithBisection(b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"direction: fixed\n", "over: commits\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("archive lacks %q:\n%s", want, out)
		}
	}
	back, err := Parse("a.txtar", out)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Meta.Bisect) != 1 || back.Meta.Bisect[0].Direction != DirectionFixed || back.Meta.Bisect[0].Over != Commits {
		t.Errorf("bisection read back as %+v, want %+v", back.Meta.Bisect, b)
	}
	for ver, v := range expect {
		if back.Meta.Expect[ver] != v {
			t.Errorf("expect %s read back as %q, want %q", ver, back.Meta.Expect[ver], v)
		}
	}

	// Written by hand, or by a reprokit from before the types.
	old := "# t\nexec python3 a.py\n-- .reprokit.yaml --\nexpect:\n  \"3.12\": fails-cleanly\nbisect:\n  - direction: introduced\n    over: releases\n    by: 3.12.1\n    before: 3.12.0\n"
	r, err = Parse("old.txtar", []byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Meta.Bisected(DirectionIntroduced); got == nil || got.Over != Releases {
		t.Errorf("Bisected(introduced) = %+v, want the releases result", got)
	}
	if v, _ := r.Meta.Expected("3.12.4"); v != FailsCleanly {
		t.Errorf("Expected(3.12.4) = %q, want %q", v, FailsCleanly)
	}
}
