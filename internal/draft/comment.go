package draft

import (
	"fmt"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// LandedComment drafts the comment that tells upstream a fix landed:
// which tier, on which versions, what the repro does there now, and the
// matrix. A person posts it; reprokit never comments or closes by itself.
func LandedComment(r *repro.Repro, cells, landed []Cell, upstream string, red *redact.Redactor) string {
	cells = append([]Cell{}, cells...)
	sort.SliceStable(cells, func(i, j int) bool { return toolchain.CompareVersions(cells[i].Version, cells[j].Version) < 0 })
	var b strings.Builder
	where := upstream
	if where == "" {
		where = "the upstream issue (the archive links none yet: add `upstream:` to its metadata)"
	}
	fmt.Fprintf(&b, "<!-- reprokit comment draft for %s: read it, then post it yourself -->\n", where)
	byTier := map[repro.Verdict][]string{}
	var order []repro.Verdict
	for _, c := range landed {
		if _, ok := byTier[c.Verdict]; !ok {
			order = append(order, c.Verdict)
		}
		byTier[c.Verdict] = append(byTier[c.Verdict], c.Version)
	}
	for _, verdict := range order {
		tier, t := "make-it-work", r.Meta.Tiers.MakeItWork
		if verdict == repro.FailsCleanly {
			tier, t = "fail-cleanly", r.Meta.Tiers.FailCleanly
		}
		fmt.Fprintf(&b, "\nConfirmed fixed in %s — the %s tier", strings.Join(byTier[verdict], ", "), tier)
		if t != nil {
			fmt.Fprintf(&b, ": %s", strings.TrimSpace(t.Ask))
		}
		b.WriteString("\n")
	}
	if fix := Bisected(r, repro.DirectionFixed); fix != "" {
		fmt.Fprintf(&b, "\n%s\n", fix)
	}
	for _, c := range landed {
		if s := shows(c); s != "" {
			fmt.Fprintf(&b, "\nOn %s, the repro now shows %s.\n", c.Version, s)
		}
	}
	fmt.Fprintf(&b, "\nThe repro (%s) on every interpreter here:\n\n%s\n", r.Title(), matrix(cells, Boundary(cells)))
	b.WriteString("\n" + details("The repro as a testscript archive (run it with `reprokit run FILE`)", fence("txtar", string(r.Raw))) + "\n")
	out := b.String()
	if red != nil {
		out = red.String(out)
	}
	return redact.Inert(out)
}
