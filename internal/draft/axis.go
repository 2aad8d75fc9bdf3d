package draft

import (
	"fmt"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
)

// axisChanges says where the verdict changes along a dependency axis
// (--with), interpreter by interpreter: "fails cleanly since packaging
// 22.0 (21.3 reproduces, 22.0 fails-cleanly)"; when every interpreter
// changes alike it is said once. "" without an axis.
func axisChanges(cells []Cell) string {
	axis := ""
	var order []string
	byVersion := map[string][]Cell{}
	for _, c := range cells {
		if c.Axis == "" {
			continue
		}
		axis = c.Axis
		if _, ok := byVersion[c.Version]; !ok {
			order = append(order, c.Version)
		}
		byVersion[c.Version] = append(byVersion[c.Version], c)
	}
	if axis == "" {
		return ""
	}
	var each []string
	first := changesAlong(byVersion[order[0]])
	alike := true
	for _, v := range order {
		ch := changesAlong(byVersion[v])
		each = append(each, "on "+v+", "+ch)
		alike = alike && ch == first
	}
	if alike {
		return " Along " + axis + ": " + first + "."
	}
	return " Along " + axis + ": " + strings.Join(each, "; ") + "."
}

// changesAlong words the verdict changes between consecutive versions of
// the dependency on one interpreter; skipped and errored cells say nothing
// about the bug and are passed over.
func changesAlong(cells []Cell) string {
	var out []string
	var prev *Cell
	for i := range cells {
		cur := &cells[i]
		if cur.Verdict == repro.Skipped || cur.Verdict == repro.ErrorVerdict {
			continue
		}
		if prev != nil && prev.Verdict != cur.Verdict {
			out = append(out, fmt.Sprintf("%s (%s %s, %s %s)", changeWord(cur), prev.AxisVersion, prev.Verdict, cur.AxisVersion, cur.Verdict))
		}
		prev = cur
	}
	if len(out) == 0 && prev != nil {
		return fmt.Sprintf("%s with every version run", prev.Verdict)
	}
	return strings.Join(out, "; ")
}

// changeWord says what a change into cur's verdict means for the bug.
func changeWord(cur *Cell) string {
	at := cur.Axis + " " + cur.AxisVersion
	switch cur.Verdict {
	case repro.Reproduces:
		return "introduced in " + at
	case repro.Fixed:
		return "fixed in " + at
	case repro.FailsCleanly:
		return "fails cleanly since " + at
	}
	return fmt.Sprintf("%s since %s", cur.Verdict, at)
}

// alongAxis states the matrix of a dependency axis (--with) the way the
// dependency's maintainer reads it, one dependency version at a time:
// "With packaging 21.3, reproduces on 3.11.2–3.12.1; with packaging 22.0,
// 3.11.2–3.12.1 fail cleanly instead (…)." "" without an axis.
func alongAxis(cells []Cell) string {
	axis := ""
	var order []string
	byVersion := map[string][]Cell{}
	for _, c := range cells {
		if c.Axis == "" {
			return ""
		}
		axis = c.Axis
		if _, ok := byVersion[c.AxisVersion]; !ok {
			order = append(order, c.AxisVersion)
		}
		plain := c
		plain.Axis, plain.AxisVersion = "", ""
		byVersion[c.AxisVersion] = append(byVersion[c.AxisVersion], plain)
	}
	var parts []string
	for _, v := range order {
		b := strings.TrimSuffix(Boundary(byVersion[v]), ".")
		parts = append(parts, "with "+axis+" "+v+", "+strings.ToLower(b[:1])+b[1:])
	}
	out := strings.Join(parts, "; ")
	return strings.ToUpper(out[:1]) + out[1:] + "." + axisChanges(cells)
}

// installedTable lists what was installed in the environment of each cell
// with dependencies, one row per cell and one column per distribution,
// as measured inside the sandbox ("" when no cell has dependencies).
func installedTable(cells []Cell) string {
	var names []string
	seen := map[string]bool{}
	var rows []Cell
	for _, c := range cells {
		if len(c.Installed) == 0 {
			continue
		}
		rows = append(rows, c)
		for _, d := range c.Installed {
			name, _, _ := strings.Cut(d, "==")
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
	}
	if len(rows) == 0 {
		return ""
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Installed in the environment each ran in (listed inside the sandbox):\n\n")
	b.WriteString("| version | " + strings.Join(names, " | ") + " |\n|---|" + strings.Repeat("---|", len(names)) + "\n")
	for _, c := range rows {
		have := map[string]string{}
		for _, d := range c.Installed {
			name, version, _ := strings.Cut(d, "==")
			have[name] = version
		}
		b.WriteString("| " + c.label())
		for _, n := range names {
			b.WriteString(" | " + orDash(have[n]))
		}
		b.WriteString(" |\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// named is how a draft's sentences name a cell's toolchain: its name, or
// along a dependency axis the interpreter with the dependency's version
// ("cpython-3.12.1 with packaging 22.0"; runner.Ref names that cell
// cpython-3.12.1+packaging==22.0).
func (c Cell) named() string {
	if c.Axis == "" {
		return c.Name
	}
	name, _, _ := strings.Cut(c.Name, "+")
	return name + " with " + c.Axis + " " + c.AxisVersion
}
