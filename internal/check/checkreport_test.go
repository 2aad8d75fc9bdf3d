package check

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	junit "github.com/joshdk/go-junit"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
)

func cell(file, version string, expected, verdict repro.Verdict) Cell {
	c := Cell{Result: runner.Result{
		File: file, Title: "t", Verdict: verdict, Expected: expected, DurationMS: 120,
		Toolchain: runner.ToolchainRef{Name: "cpython-" + version, Version: version},
	}}
	if verdict == "error" {
		c.Error = "time limit 2s hit"
	}
	if verdict == "skipped" {
		c.Reason = "no sub-interpreters"
	}
	Classify(&c)
	return c
}

// TestJUnitParsesWithAConsumer feeds the report to a maintained JUnit
// parser (the one CI tooling in Go uses) and checks what it understood.
func TestJUnitParsesWithAConsumer(t *testing.T) {
	cells := []Cell{
		cell("repros/a.txtar", "3.11.7", "reproduces", "reproduces"),
		cell("repros/a.txtar", "3.12.1", "reproduces", "fixed"),
		cell("repros/a.txtar", "3.13.0", "reproduces", "error"),
		cell("repros/b.txtar", "3.11.7", "skipped", "skipped"),
		cell("repros/b.txtar", "3.12.1", "", "reproduces"),
	}
	Sort(cells)
	var buf bytes.Buffer
	if err := NewView(cells).WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	// Well-formed XML first.
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	for {
		if _, err := dec.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
			}
			break
		}
	}
	suites, err := junit.Ingest(buf.Bytes())
	if err != nil {
		t.Fatalf("go-junit refused the report: %v", err)
	}
	if len(suites) != 2 {
		t.Fatalf("want 2 suites (one per archive), got %d", len(suites))
	}
	got := map[string]junit.Status{}
	var failure string
	for _, s := range suites {
		for _, tc := range s.Tests {
			got[s.Name+" "+tc.Name] = tc.Status
			if tc.Status == junit.StatusFailed {
				failure = tc.Message
			}
		}
	}
	want := map[string]junit.Status{
		"repros/a.txtar cpython-3.11.7": junit.StatusPassed,
		"repros/a.txtar cpython-3.12.1": junit.StatusFailed,
		"repros/a.txtar cpython-3.13.0": junit.StatusError,
		"repros/b.txtar cpython-3.11.7": junit.StatusSkipped,
		"repros/b.txtar cpython-3.12.1": junit.StatusPassed, // new is not a failure
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: status %q, want %q", k, got[k], w)
		}
	}
	if !strings.Contains(failure, "reproduces → fixed: the make-it-work fix landed") {
		t.Errorf("failure message %q does not carry the transition and its meaning", failure)
	}
	if suites[0].Totals.Tests != 3 || suites[0].Totals.Failed != 1 || suites[0].Totals.Error != 1 {
		t.Errorf("totals of %s: %+v", suites[0].Name, suites[0].Totals)
	}
}

// TestMergedShardsRenderLikeTheWhole checks the report depends on the
// cells only: dealing them into shards and merging gives the same table.
func TestMergedShardsRenderLikeTheWhole(t *testing.T) {
	var cells []Cell
	for _, f := range []string{"repros/a.txtar", "repros/b.txtar", "repros/c.txtar"} {
		for _, v := range []string{"3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"} {
			cells = append(cells, cell(f, v, "reproduces", map[bool]repro.Verdict{true: "fixed", false: "reproduces"}[strings.HasPrefix(v, "3.12") || strings.HasPrefix(v, "3.13")]))
		}
	}
	Sort(cells)
	var whole bytes.Buffer
	NewView(cells).WriteTable(&whole, false)
	for n := 1; n <= 7; n++ {
		reports := map[string][]Cell{}
		var order []string
		for i := n; i >= 1; i-- { // merge in reverse order on purpose
			s := Shard{I: i, N: n}
			name := s.String()
			order = append(order, name)
			for k, c := range cells {
				if s.Take(k) {
					c.Shard = name
					reports[name] = append(reports[name], c)
				}
			}
		}
		merged, err := Merge(reports, order)
		if err != nil {
			t.Fatalf("%d shards: %v", n, err)
		}
		for i := range merged {
			merged[i].Shard = ""
		}
		var got bytes.Buffer
		NewView(merged).WriteTable(&got, false)
		if got.String() != whole.String() {
			t.Errorf("%d shards merged:\n%s\nwant:\n%s", n, got.String(), whole.String())
		}
	}
}
