// The version matrix: the table, its boundary in words, the flakiness,
// the versions-tested field and the `python -VV` of the builds that matter.

package draft

import (
	"fmt"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// decidingCell is the newest reproducing cell, else the newest one.
func decidingCell(cells []Cell, r *repro.Repro) Cell {
	for i := len(cells) - 1; i >= 0; i-- {
		if cells[i].Verdict == repro.Reproduces {
			return cells[i]
		}
	}
	if len(cells) > 0 {
		return cells[len(cells)-1]
	}
	return Cell{Signature: r.Meta.Signature}
}

func matrix(cells []Cell, boundary string) string {
	if len(cells) == 0 {
		return "Not run on any interpreter here."
	}
	var b strings.Builder
	b.WriteString("| version | verdict | what it shows |\n|---|---|---|\n")
	for _, c := range cells {
		v := string(c.Verdict)
		if c.Rate != "" && c.Verdict == repro.Flaky {
			v += " " + c.Rate
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.label(), v, strings.ReplaceAll(stable(shows(c)), "|", `\|`))
	}
	b.WriteString("\n" + boundary)
	return b.String()
}

// shows is a cell's one-line evidence.
func shows(c Cell) string {
	switch {
	case c.Verdict == repro.Skipped:
		return c.Reason
	case c.Signature != nil && (c.Signature.Fatal != "" || c.Signature.Exception != "" || isHang(c.Signature)):
		return "`" + c.Signature.String() + "`"
	}
	if first := firstLine(c.Output); first != "" {
		return "`" + first + "`"
	}
	if c.Signature != nil {
		return "`" + c.Signature.Status + "`"
	}
	return ""
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" {
			if len(t) > 100 {
				t = t[:97] + "..."
			}
			return t
		}
	}
	return ""
}

// Boundary states the matrix in words: consecutive versions with the same
// verdict form one range.
func Boundary(cells []Cell) string {
	if len(cells) == 0 {
		return ""
	}
	if along := alongAxis(cells); along != "" {
		return along
	}
	type run struct {
		from, to Cell
	}
	var runs []run
	for _, c := range cells {
		if n := len(runs); n > 0 && runs[n-1].to.Verdict == c.Verdict {
			runs[n-1].to = c
			continue
		}
		runs = append(runs, run{c, c})
	}
	span := func(r run) string {
		if r.from.label() == r.to.label() {
			return r.from.label()
		}
		return r.from.label() + "–" + r.to.label()
	}
	// Reproducing ranges first: they are the news.
	sort.SliceStable(runs, func(i, j int) bool {
		return runs[i].from.Verdict == repro.Reproduces && runs[j].from.Verdict != repro.Reproduces
	})
	var parts []string
	for _, r := range runs {
		s := span(r)
		// The verb agrees with the span: "3.8.18 fails", "3.9–3.11 fail".
		verb := func(plural, singular string) string {
			if r.from.label() == r.to.label() {
				return singular
			}
			return plural
		}
		switch r.from.Verdict {
		case repro.Reproduces:
			parts = append(parts, "reproduces on "+s)
		case repro.Fixed:
			parts = append(parts, s+" "+verb("work", "works")+" as the make-it-work tier asks")
		case repro.FailsCleanly:
			what := firstLine(r.to.Output)
			if r.to.Signature != nil && r.to.Signature.Exception != "" {
				what = r.to.Signature.Exception
			}
			if what != "" {
				parts = append(parts, fmt.Sprintf("%s %s cleanly instead (`%s`)", s, verb("fail", "fails"), stable(what)))
			} else {
				parts = append(parts, s+" "+verb("fail", "fails")+" cleanly instead")
			}
		case repro.Skipped:
			parts = append(parts, fmt.Sprintf("skipped on %s (%s)", s, r.from.Reason))
		case repro.Flaky:
			parts = append(parts, "reproduces intermittently on "+s)
		case repro.Slipped:
			parts = append(parts, s+" "+verb("show", "shows")+" a different bug")
		case repro.ErrorVerdict:
			parts = append(parts, s+" could not be run")
		default:
			parts = append(parts, s+" "+verb("behave", "behaves")+" differently")
		}
	}
	out := strings.Join(parts, "; ")
	return strings.ToUpper(out[:1]) + out[1:] + "." + axisChanges(cells)
}

func flaky(cells []Cell) string {
	var parts []string
	for _, c := range cells {
		if c.Rate == "" {
			continue
		}
		var n, total int
		fmt.Sscanf(c.Rate, "%d/%d", &n, &total)
		if n != total && n > 0 {
			parts = append(parts, fmt.Sprintf("%d of %d runs on %s", n, total, c.label()))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "**Flaky:** it reproduced in " + strings.Join(parts, ", ") + "."
}

// tested fills the form's "versions tested on" field with every minor
// version that ran here, whatever its verdict (a triager reads an absent
// version as "not tested"), and says in prose which versions the form
// offers that were not available here and which older ones ran.
func tested(cells []Cell, offered []string) (field, prose string) {
	ran := map[string]string{} // minor -> verdicts seen, in order
	var order []string
	for _, c := range cells {
		if c.Verdict == repro.Skipped {
			continue // the script did not run there
		}
		m := toolchain.Minor(c.Version)
		if _, ok := ran[m]; !ok {
			order = append(order, m)
		}
		if !strings.Contains(ran[m], string(c.Verdict)) {
			ran[m] = strings.TrimPrefix(ran[m]+", "+string(c.Verdict), ", ")
		}
	}
	if len(offered) == 0 {
		if len(order) == 0 {
			return "_none: the repro ran on no interpreter here_", ""
		}
		return strings.Join(order, ", "), sources(cells)
	}
	isOffered := map[string]bool{}
	var numeric []string
	for _, o := range offered {
		isOffered[o] = true
		if toolchain.Minor(o) == o {
			numeric = append(numeric, o)
		}
	}
	var in, older, notRun []string
	for _, m := range order {
		switch {
		case isOffered[m]:
			in = append(in, m)
		case len(numeric) > 0 && toolchain.CompareVersions(m, numeric[0]) < 0:
			older = append(older, fmt.Sprintf("%s (%s)", m, ran[m]))
		default:
			in = append(in, m)
		}
	}
	for _, o := range offered {
		if _, ok := ran[o]; !ok {
			notRun = append(notRun, o)
		}
	}
	field = strings.Join(in, ", ")
	if field == "" {
		field = "_none of the versions this form lists ran here_"
	}
	var parts []string
	if len(in) > 0 {
		parts = append(parts, "**Tested here:** "+runner.EnglishList(in)+" (every version the form lists that ran here, whatever its verdict).")
	}
	if len(older) > 0 {
		parts = append(parts, "Older than the versions the form lists, also run here: "+runner.EnglishList(older)+".")
	}
	if len(notRun) > 0 {
		parts = append(parts, "**Not tested here** (not on this machine, and not fetched): "+runner.EnglishList(notRun)+".")
	}
	if src := sources(cells); src != "" {
		parts = append(parts, src)
	}
	return field, strings.Join(parts, " ")
}

// sourceWords says where an interpreter came from, in a draft's words.
var sourceWords = []struct{ source, words string }{
	{"PATH", "on PATH"},
	{"system", "in /usr/bin"},
	{"pyenv", "from pyenv"},
	{"uv-managed", "uv-managed (python-build-standalone)"},
	{"fetched", "fetched with uv for this report (python-build-standalone)"},
}

// sources says where the interpreters that ran came from: a maintainer
// reads a distribution's build, a pyenv build and a python-build-standalone
// build differently. "" when no cell knows.
func sources(cells []Cell) string {
	by := map[string][]string{}
	for _, c := range cells {
		if c.Verdict == repro.Skipped || c.Source == "" {
			continue
		}
		vs := by[c.Source]
		if len(vs) == 0 || vs[len(vs)-1] != c.Version {
			by[c.Source] = append(vs, c.Version)
		}
	}
	var parts []string
	for _, w := range sourceWords {
		if vs := by[w.source]; len(vs) > 0 {
			parts = append(parts, runner.EnglishList(vs)+" "+w.words)
			delete(by, w.source)
		}
	}
	var rest []string
	for s := range by {
		rest = append(rest, s)
	}
	sort.Strings(rest)
	for _, s := range rest {
		parts = append(parts, runner.EnglishList(by[s])+" from "+s)
	}
	if len(parts) == 0 {
		return ""
	}
	return "Where the interpreters came from: " + strings.Join(parts, "; ") + "."
}

// pythonVV shows `python -VV` for the versions that reproduce and their
// neighbours across each boundary: the builds a triager compares. The
// others are in the matrix already.
func pythonVV(cells []Cell, env Environment) string {
	var ran []Cell
	for _, c := range cells {
		if c.Verdict != repro.Skipped {
			ran = append(ran, c)
		}
	}
	reproducing := func(c Cell) bool { return c.Verdict == repro.Reproduces || c.Verdict == repro.Flaky }
	// One line per interpreter: along a dependency axis it ran several
	// cells, whose verdicts go on its line ("reproduces with attrs 23.1.0,
	// fixed with attrs 23.2.0").
	var order []string
	notes := map[string][]string{}
	for i, c := range ran {
		near := reproducing(c) || (i > 0 && reproducing(ran[i-1])) || (i+1 < len(ran) && reproducing(ran[i+1]))
		if !near || env.VV[c.Version] == "" {
			continue
		}
		if _, ok := notes[c.Version]; !ok {
			order = append(order, c.Version)
		}
		note := string(c.Verdict)
		if c.Axis != "" {
			note += " with " + c.Axis + " " + c.AxisVersion
		}
		notes[c.Version] = append(notes[c.Version], note)
	}
	var b strings.Builder
	for _, v := range order {
		fmt.Fprintf(&b, "%s  # %s\n", env.VV[v], strings.Join(notes[v], ", "))
	}
	if b.Len() == 0 {
		return "_not collected_"
	}
	return fence("", b.String())
}
