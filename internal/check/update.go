package check

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/reprokit/reprokit/internal/atomicfile"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/toolchain"
	"github.com/reprokit/reprokit/internal/usage"
)

// Update records the report's verdicts in each archive that is here, under
// a lock on its directory so that two updates never interleave; each
// archive is re-read under the lock and replaced atomically. log hears of
// waits and of what changed.
func (rep *Report) Update(log io.Writer) error {
	_, groups := ByFile(rep.Cells)
	for _, f := range rep.Files {
		if rep.Repros[f] == nil {
			continue
		}
		dir := filepath.Dir(f)
		unlock, err := atomicfile.Lock(dir, func() {
			fmt.Fprintf(log, "reprokit: waiting for another `check --update` on %s\n", dir)
		})
		if err != nil {
			return err
		}
		changed, err := updateOne(f, groups[f])
		unlock()
		if err != nil {
			return err
		}
		if changed != "" {
			fmt.Fprintf(log, "updated expectations of %s: %s\n", f, changed)
		}
	}
	return nil
}

// updateOne rewrites one archive's expectations and says what changed.
func updateOne(path string, cells []Cell) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	r, err := repro.Parse(path, data)
	if err != nil {
		return "", usage.Wrap(err)
	}
	next := UpdatedExpectations(r.Meta.Expect, cells)
	out, err := r.WithExpect(next)
	if err != nil {
		return "", err
	}
	if bytes.Equal(out, data) {
		return "", nil
	}
	if err := atomicfile.WriteFile(path, out, 0o644); err != nil {
		return "", fmt.Errorf("%s: writing expectations: %w", path, err)
	}
	return expectationDiff(r.Meta, next), nil
}

// expectationDiff says, in version order, which expectations changed.
func expectationDiff(old repro.Meta, next map[string]repro.Verdict) string {
	var diffs []string
	keys := make([]string, 0, len(next))
	for k := range next {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return toolchain.CompareVersions(keys[i], keys[j]) < 0 })
	for _, k := range keys {
		if was, _ := old.Expected(k); was != next[k] {
			if was == "" {
				was = "(none)"
			}
			diffs = append(diffs, fmt.Sprintf("%s %s → %s", k, was, next[k]))
		}
	}
	if len(diffs) == 0 {
		return "rewritten (same verdicts, new keys)"
	}
	return strings.Join(diffs, ", ")
}
