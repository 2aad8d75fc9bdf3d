package check

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// ReadReport reads the JSON lines `check --json` wrote: one cell a line.
// Errors name the file and line.
func ReadReport(path string) ([]Cell, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cells []Cell
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		if bytes.HasPrefix(text, []byte("<<<<<<< ")) {
			return nil, fmt.Errorf("%s:%d: unresolved merge conflict marker: regenerate the file with `reprokit check --json` instead of merging it by hand", path, line)
		}
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		var c Cell
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s:%d: not a cell of `reprokit check --json`: %v", path, line, err)
		}
		if c.File == "" || c.Toolchain.Name == "" || c.Verdict == "" {
			return nil, fmt.Errorf("%s:%d: not a cell of `reprokit check --json`: file, toolchain and verdict are required", path, line)
		}
		cells = append(cells, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cells, nil
}

// Merge combines the cells of several shard reports. The same cell twice
// is an error (two shards ran it: different plans); so is a shard count
// that differs between files or a missing shard.
func Merge(reports map[string][]Cell, order []string) ([]Cell, error) {
	seen := map[string]string{}
	shards := map[string]bool{}
	total := ""
	var out []Cell
	for _, path := range order {
		for _, c := range reports[path] {
			key := c.File + "\x00" + c.Toolchain.Name
			if prev, ok := seen[key]; ok {
				return nil, fmt.Errorf("%s: %s on %s is also in %s: the shards come from different plans (same --python and corpus on every shard?)", path, c.File, c.Toolchain.Name, prev)
			}
			seen[key] = path
			if c.Shard != "" {
				_, n, _ := strings.Cut(c.Shard, "/")
				if total != "" && n != total {
					return nil, fmt.Errorf("%s: shard %s does not belong to a split into %s", path, c.Shard, total)
				}
				total = n
				shards[c.Shard] = true
			}
			out = append(out, c)
		}
	}
	if total != "" {
		var missing []string
		var n int
		fmt.Sscan(total, &n)
		for i := 1; i <= n; i++ {
			if s := fmt.Sprintf("%d/%d", i, n); !shards[s] {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("shard %s missing from the merge: pass every shard's JSON", strings.Join(missing, ", "))
		}
	}
	Sort(out)
	return out, nil
}
