package check

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/draft"
	"github.com/reprokit/reprokit/internal/redact"
)

// draftComments writes, into dir, a comment draft for each repro whose fix
// landed, and records where.
func (rep *Report) draftComments(dir string) error {
	_, groups := ByFile(rep.Cells)
	red := redact.New()
	for _, f := range rep.Files {
		r := rep.Repros[f]
		if r == nil {
			continue
		}
		var all, landed []draft.Cell
		for _, c := range groups[f] {
			dc := draft.CellOf(c.Result)
			all = append(all, dc)
			if c.Landed() {
				landed = append(landed, dc)
			}
		}
		if len(landed) == 0 {
			continue
		}
		text := draft.LandedComment(r, all, landed, r.Meta.Upstream, red)
		path := filepath.Join(dir, r.Name()+".landed.md")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(path, []byte(text), 0o644); err != nil {
			return fmt.Errorf("writing the comment draft: %w", err)
		}
		rep.Comments[f] = path
	}
	return nil
}
