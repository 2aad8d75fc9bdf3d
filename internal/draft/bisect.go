package draft

import (
	"fmt"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
)

// Bisected states the archive's recorded bisections (`reprokit bisect`) in
// words: "Introduced by 1a2b3c4d5e (tool: new state machine); the commit
// before it, 9f8e7d6c5b, does not reproduce." One line per direction, the
// most precise result (a commit beats a release); "" when nothing was
// bisected.
func Bisected(r *repro.Repro, directions ...repro.Direction) string {
	if len(directions) == 0 {
		directions = []repro.Direction{repro.DirectionIntroduced, repro.DirectionFixed, repro.DirectionChanged}
	}
	var lines []string
	for _, d := range directions {
		if b := r.Meta.Bisected(d); b != nil {
			lines = append(lines, bisectionLine(*b))
		}
	}
	return strings.Join(lines, "\n")
}

func bisectionLine(b repro.Bisection) string {
	verb := strings.ToUpper(string(b.Direction[:1])) + string(b.Direction[1:])
	before := map[repro.Direction]string{repro.DirectionIntroduced: "does not reproduce", repro.DirectionFixed: "still reproduces"}[b.Direction]
	if before == "" {
		verb, before = "The verdict changed", "behaves as the older ones"
	}
	kind, prep, name, prev := "release", "in", b.By, b.Before
	if b.Library != "" && b.Over != repro.Commits {
		kind, name = b.Library+" release", b.Library+" "+b.By
	}
	if b.Over == repro.Commits {
		kind, prep, name, prev = "commit", "by", shortHash(b.By), shortHash(b.Before)
		if b.Subject != "" {
			name += fmt.Sprintf(" (%s)", b.Subject)
		}
		switch {
		case b.Library != "" && b.Release != "":
			prep = fmt.Sprintf("in %s %s by", b.Library, b.Release)
		case b.Library != "":
			prep = fmt.Sprintf("by the %s commit", b.Library)
		}
	}
	if len(b.Suspects) > 1 {
		short := make([]string, len(b.Suspects))
		for i, s := range b.Suspects {
			short[i] = shortHash(s)
		}
		return fmt.Sprintf("%s by one of %s (untestable commits hide which); the commit before them, %s, %s. Found by `reprokit bisect`.", verb, strings.Join(short, ", "), shortHash(b.Before), before)
	}
	line := fmt.Sprintf("%s %s %s; the %s before it, %s, %s. Found by `reprokit bisect`", verb, prep, name, kind, prev, before)
	if b.Compare != "" {
		line += fmt.Sprintf(": [compare](%s)", b.Compare)
	}
	return line + "."
}

func shortHash(h string) string { return h[:min(len(h), 10)] }
