// This file records what reprokit filed upstream (reports/filed.json),
// so that a retry or a second run cannot file the same draft twice. Writes
// are atomic and serialized between processes by a lock file.

package forge

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/reprokit/reprokit/internal/atomicfile"
)

// EntryKind is what a ledger entry records.
type EntryKind string

// The kinds of ledger entries.
const (
	IssueEntry   EntryKind = "issue"
	CommentEntry EntryKind = "comment"
)

// Entry is one filed issue or comment.
type Entry struct {
	Fingerprint string    `json:"fingerprint"`
	Repo        string    `json:"repo"`
	Number      int       `json:"number"`
	URL         string    `json:"url"`
	Kind        EntryKind `json:"kind"`
	Title       string    `json:"title"`
	Draft       string    `json:"draft"` // the draft file it came from
	Date        time.Time `json:"date"`
}

// Ledger is the file.
type Ledger struct{ Path string }

// Lock takes an exclusive lock that serializes reprokit processes filing
// into the same ledger; the returned function releases it.
func (l Ledger) Lock() (func(), error) {
	if err := os.MkdirAll(filepath.Dir(l.Path), 0o755); err != nil {
		return nil, err
	}
	return atomicfile.Lock(l.Path+".lock", nil)
}

// maxLedger bounds the ledger: a few hundred bytes per filed issue.
const maxLedger = 64 << 20

// Load reads the entries; a missing file is an empty ledger.
func (l Ledger) Load() ([]Entry, error) {
	data, err := atomicfile.ReadRegular(l.Path, maxLedger)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var entries []Entry
	if err := json.Unmarshal(data, &entries); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s: offset %d: %v (fix or move the file; it records what was filed)", l.Path, se.Offset, err)
		}
		return nil, fmt.Errorf("%s: %v", l.Path, err)
	}
	return entries, nil
}

// Find returns the entry for a fingerprint and repository.
func (l Ledger) Find(fingerprint, repo string) (*Entry, error) {
	entries, err := l.Load()
	if err != nil {
		return nil, err
	}
	for i := range entries {
		if entries[i].Fingerprint == fingerprint && entries[i].Repo == repo {
			return &entries[i], nil
		}
	}
	return nil, nil
}

// Add appends an entry (call it with the lock held).
func (l Ledger) Add(e Entry) error {
	entries, err := l.Load()
	if err != nil {
		return err
	}
	entries = append(entries, e)
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Date.Before(entries[j].Date) })
	data, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(l.Path, append(data, '\n'), 0o644)
}
