package draft

import (
	"fmt"
	"strings"

	"github.com/reprokit/reprokit/internal/repro"
)

// Bisected states the archive's recorded bisections (`reprokit bisect`) in
// words, most precise first: "Introduced by 1a2b3c4 (tool: new state
// machine); 9f8e7d6 before it does not show the bug." One line per
// direction; "" when nothing was bisected.
func Bisected(r *repro.Repro, directions ...string) string {
	if len(directions) == 0 {
		directions = []string{"introduced", "fixed", "changed"}
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
	verb := strings.ToUpper(b.Direction[:1]) + b.Direction[1:]
	if b.Direction == "changed" {
		verb = "The verdict changed"
	}
	if b.Over == "releases" {
		return fmt.Sprintf("%s in %s (%s before it behaves as before); found by `reprokit bisect`.", verb, b.By, b.Before)
	}
	if len(b.Suspects) > 1 {
		short := make([]string, len(b.Suspects))
		for i, s := range b.Suspects {
			short[i] = shortHash(s)
		}
		return fmt.Sprintf("%s by one of %s (commits that did not build hide which); %s before them behaves as before; found by `reprokit bisect`.", verb, strings.Join(short, ", "), shortHash(b.Before))
	}
	line := fmt.Sprintf("%s by %s", verb, shortHash(b.By))
	if b.Subject != "" {
		line += fmt.Sprintf(" (%s)", b.Subject)
	}
	line += fmt.Sprintf("; %s before it behaves as before; found by `reprokit bisect`", shortHash(b.Before))
	if b.Compare != "" {
		line += fmt.Sprintf(": [compare](%s)", b.Compare)
	}
	return line + "."
}

func shortHash(h string) string { return h[:min(len(h), 10)] }
