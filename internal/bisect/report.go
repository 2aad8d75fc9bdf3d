package bisect

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
)

// Candidate names a point of the search for people.
type Candidate struct {
	ID      string `json:"id"`                // "go1.22.5", "3.12.1", or a full commit hash
	Short   string `json:"short"`             // "go1.22.5", or "1a2b3c4"
	Subject string `json:"subject,omitempty"` // a commit's subject line
}

func (c Candidate) String() string {
	if c.Subject == "" {
		return c.Short
	}
	return c.Short + " " + c.Subject
}

// Report is a search's result in the user's terms; `bisect --json` prints
// it, and its field names are stable.
type Report struct {
	File       string           `json:"file"`
	Over       repro.Candidates `json:"over"`
	Direction  Direction        `json:"direction"`
	Culprit    Candidate        `json:"culprit"`
	Before     Candidate        `json:"before"`
	Suspects   []Candidate      `json:"suspects,omitempty"` // when ambiguous: every candidate that may be the change
	Ambiguous  bool             `json:"ambiguous"`
	First      string           `json:"first_verdict"` // the verdict at the first end (with its signature)
	Last       string           `json:"last_verdict"`
	Candidates int              `json:"candidates"`
	Probes     int              `json:"probes"` // candidates probed, ends included
	Runs       int              `json:"runs"`
	Builds     int              `json:"builds"` // commits built (cache hits excluded)
	// Library is the dependency bisected (its releases or commits), ""
	// when the toolchain was.
	Library string `json:"library,omitempty"`
	// Release is, for a library's commits, the release they lead to (the
	// chain's first answer).
	Release  string `json:"release,omitempty"`
	Installs int    `json:"installs,omitempty"` // releases or commits installed (cache hits excluded)
	LeftOut  []Note `json:"left_out,omitempty"` // releases in the range that are not candidates: yanked, pre-releases
	// Commits is the chain's second search: the commits between the two
	// releases around the change (bisect --with … --src).
	Commits    *Report  `json:"commits,omitempty"`
	Untestable []Note   `json:"untestable,omitempty"`
	Mixed      []Note   `json:"mixed,omitempty"`
	BugRate    float64  `json:"bug_rate,omitempty"` // reproducing share of the runs where the bug was judged present
	BugRuns    int      `json:"bug_runs,omitempty"`
	Confidence *float64 `json:"confidence,omitempty"` // with --count > 1
	CompareURL string   `json:"compare_url,omitempty"`
}

// Note is a probed candidate worth a line: untestable, or with mixed runs.
type Note struct {
	Candidate Candidate `json:"candidate"`
	Text      string    `json:"text"`
}

// NewReport names the result's candidates.
func NewReport(file string, over repro.Candidates, res Result, cands []Candidate) Report {
	rep := Report{
		File: file, Over: over, Direction: res.Direction,
		Culprit: cands[res.Culprit], Before: cands[res.Before],
		Ambiguous:  res.Ambiguous(),
		First:      describe(res.First),
		Last:       describe(res.Last),
		Candidates: len(cands),
		Probes:     len(res.Steps),
		BugRate:    res.BugRate,
		BugRuns:    res.BugRuns,
	}
	if rep.Ambiguous {
		for _, i := range res.Suspects {
			rep.Suspects = append(rep.Suspects, cands[i])
		}
	}
	for _, s := range res.Steps {
		rep.Runs += s.Runs
		if s.Class == Untestable {
			rep.Untestable = append(rep.Untestable, Note{cands[s.Index], s.Reason})
		}
		if s.Mix != "" {
			rep.Mixed = append(rep.Mixed, Note{cands[s.Index], fmt.Sprintf("%s, counted as %s", s.Mix, endName(s.Class, res, cands))})
		}
	}
	if !math.IsNaN(res.Confidence) {
		c := res.Confidence
		rep.Confidence = &c
	}
	return rep
}

func endName(c Class, res Result, cands []Candidate) string {
	switch c {
	case AsFirst:
		return "the first end's " + string(res.First.Verdict)
	case AsLast:
		return "the last end's " + string(res.Last.Verdict)
	}
	return "untestable"
}

// Headline is the one-line answer: "fixed in go1.22.5 (go1.22.4
// reproduces)", "introduced by 1a2b3c4 tool: new state machine".
func (r Report) Headline() string {
	verb := string(r.Direction)
	if r.Direction == Changed {
		verb = "verdict changed"
	}
	prep := map[repro.Candidates]string{repro.Releases: "in", repro.Commits: "by"}[r.Over]
	if r.Ambiguous {
		names := make([]string, len(r.Suspects))
		for i, c := range r.Suspects {
			names[i] = c.Short
		}
		return fmt.Sprintf("%s %s one of %d %s (untestable ones hide which): %s (%s %s)", verb, prep, len(r.Suspects), r.Over, strings.Join(names, ", "), r.Before.Short, firstWord(r.First))
	}
	if r.Over == repro.Commits {
		return fmt.Sprintf("%s %s %s", verb, prep, r.Culprit) // the commit before it gets a line of its own
	}
	if r.Library != "" {
		return fmt.Sprintf("%s in %s %s (%s %s)", verb, r.Library, r.Culprit.Short, r.Before.Short, firstWord(r.First))
	}
	return fmt.Sprintf("%s %s %s (%s %s)", verb, prep, r.Culprit.Short, r.Before.Short, firstWord(r.First))
}

// firstWord turns "reproduces (SIGSEGV)" into "reproduces", and any other
// verdict into "gives changed".
func firstWord(v string) string {
	w, _, _ := strings.Cut(v, " ")
	if w == string(repro.Reproduces) {
		return w
	}
	return "gives " + w
}

// Write prints the report for people.
func (r Report) Write(w io.Writer) {
	fmt.Fprintf(w, "%s: %s\n", r.File, r.Headline())
	if r.Over == repro.Commits && !r.Ambiguous {
		fmt.Fprintf(w, "  before it: %s\n", r.Before)
	}
	if r.Ambiguous {
		for _, c := range r.Suspects {
			fmt.Fprintf(w, "  suspect: %s\n", c)
		}
	}
	fmt.Fprintf(w, "  ends: %s at the first, %s at the last\n", r.First, r.Last)
	steps := int(math.Ceil(math.Log2(float64(r.Candidates))))
	switch {
	case r.Library != "":
		of := r.Library
		if r.Over == repro.Commits && r.Release != "" {
			of += " leading to " + r.Release
		}
		fmt.Fprintf(w, "  %s, %s (%s) over %d %s of %s (⌈log₂ %d⌉ = %d)\n", plural(r.Installs, "install"), plural(r.Probes, "probe"), plural(r.Runs, "run"), r.Candidates, r.Over, of, r.Candidates, steps)
	case r.Over == repro.Commits:
		fmt.Fprintf(w, "  %s, %s (%s) over %d commits (⌈log₂ %d⌉ = %d)\n", plural(r.Builds, "build"), plural(r.Probes, "probe"), plural(r.Runs, "run"), r.Candidates, r.Candidates, steps)
	default:
		fmt.Fprintf(w, "  %s (%s) over %d releases\n", plural(r.Probes, "probe"), plural(r.Runs, "run"), r.Candidates)
	}
	for _, n := range r.LeftOut {
		fmt.Fprintf(w, "  left out: %s (%s)\n", n.Candidate.Short, n.Text)
	}
	for _, n := range r.Untestable {
		fmt.Fprintf(w, "  untestable: %s: %s\n", n.Candidate.Short, n.Text)
	}
	for _, n := range r.Mixed {
		fmt.Fprintf(w, "  mixed: %s: %s\n", n.Candidate.Short, n.Text)
	}
	if r.Confidence != nil {
		fmt.Fprintf(w, "  confidence: %s (the bug reproduced in %.0f%% of %d runs where it was present)\n", percent(*r.Confidence), 100*r.BugRate, r.BugRuns)
	}
	if r.CompareURL != "" {
		fmt.Fprintf(w, "  compare: %s\n", r.CompareURL)
	}
	if c := r.Commits; c != nil {
		c.Write(w)
		if a := r.Answer(); a != "" {
			fmt.Fprintf(w, "%s: %s\n", r.File, a)
		}
	}
}

// Answer is a chain's one answer: "introduced in tinylib 1.6.0, by
// 1a2b3c4 parser: accept tabs"; "" when the report is not a chain's, or
// its commit search could not name one commit.
func (r Report) Answer() string {
	c := r.Commits
	if c == nil || r.Library == "" || r.Ambiguous {
		return ""
	}
	verb := string(r.Direction)
	if r.Direction == Changed {
		verb = "verdict changed"
	}
	if c.Ambiguous || c.Direction != r.Direction {
		return fmt.Sprintf("%s in %s %s; the commits did not tell which one", verb, r.Library, r.Culprit.Short)
	}
	return fmt.Sprintf("%s in %s %s, by %s", verb, r.Library, r.Culprit.Short, c.Culprit)
}

func percent(f float64) string {
	if f >= 0.9995 && f < 1 {
		return ">99.9%"
	}
	return fmt.Sprintf("%.1f%%", 100*f)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
