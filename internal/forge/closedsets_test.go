package forge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The ledger spells an entry's kind as before ("issue", "comment"), and a
// ledger written before the type reads back as the same values.
func TestEntryKindKeepsItsSpelling(t *testing.T) {
	l := Ledger{Path: filepath.Join(t.TempDir(), "filed.json")}
	date := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for i, k := range []EntryKind{IssueEntry, CommentEntry} {
		if err := l.Add(Entry{Fingerprint: "f", Repo: "o/r", Number: i + 1, Kind: k, Date: date.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(l.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind": "issue"`, `"kind": "comment"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("ledger lacks %s:\n%s", want, data)
		}
	}
	old := `[{"fingerprint":"f","repo":"o/r","number":3,"url":"u","kind":"comment","title":"t","draft":"d","date":"2024-05-01T00:00:00Z"}]`
	if err := os.WriteFile(l.Path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	es, err := l.Load()
	if err != nil || len(es) != 1 || es[0].Kind != CommentEntry {
		t.Errorf("old ledger read as %+v (%v), want one comment entry", es, err)
	}
}
