package check

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is "I/N": the I-th of N (1-based) parts of a check.
type Shard struct{ I, N int }

// ParseShard parses "I/N" with 1 ≤ I ≤ N.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	a, err1 := strconv.Atoi(strings.TrimSpace(i))
	b, err2 := strconv.Atoi(strings.TrimSpace(n))
	switch {
	case !ok || err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("--shard %q: want I/N, e.g. 2/3 for the second of three shards", s)
	case b < 1:
		return Shard{}, fmt.Errorf("--shard %q: N must be at least 1", s)
	case a < 1 || a > b:
		return Shard{}, fmt.Errorf("--shard %q: I must be between 1 and %d (shards are numbered from 1)", s, b)
	}
	return Shard{a, b}, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }

// Take reports whether the k-th cell (0-based, in Sort order of the whole
// plan) belongs to the shard: cells are dealt round-robin, so every shard
// gets a share of every archive and the shards' running times even out.
func (s Shard) Take(k int) bool {
	return s.N <= 1 || k%s.N == s.I-1
}
