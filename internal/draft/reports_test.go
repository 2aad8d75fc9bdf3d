package draft

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReportsAreFresh fails when a committed report was drafted from an
// archive other than the one in the tree: a report that tells an old
// story (a repro fixed since, expectations updated since) must be
// regenerated with `reprokit draft --tracker NAME`.
func TestReportsAreFresh(t *testing.T) {
	root := filepath.Join("..", "..")
	reports, _ := filepath.Glob(filepath.Join(root, "reports", "*.md"))
	checked := 0
	for _, path := range reports {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Read(path, data)
		if err != nil {
			continue // not a draft (a landed-fix comment, notes)
		}
		rel, _ := filepath.Rel(root, path)
		if d.Source == "" || d.Archive == "" {
			t.Errorf("%s: the draft does not say which archive it was drafted from (no source:/archive: in its header); regenerate it with `reprokit draft`", rel)
			continue
		}
		archive, err := os.ReadFile(filepath.Join(root, d.Source))
		if err != nil {
			t.Errorf("%s: drafted from %s, which is gone: %v", rel, d.Source, err)
			continue
		}
		if got := ArchiveHash(archive); got != d.Archive {
			t.Errorf("%s is stale: drafted from %s %s, which is now %s; regenerate it with `reprokit draft %s`", rel, d.Source, d.Archive, got, d.Source)
		}
		checked++
	}
	t.Logf("%d reports checked against their archives", checked)
}
