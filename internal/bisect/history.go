// This file lists the commits a bisection walks: the range FROM..TO
// of a git checkout, along first parents by default (a merge-heavy
// history then bisects to the merge that brought a change in, and every
// commit on the way is one the main line really had), oldest first.

package bisect

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync"
)

// Commit is one commit of the range.
type Commit struct {
	Hash    string
	Subject string
}

// Short is the hash's first seven characters.
func (c Commit) Short() string { return c.Hash[:min(len(c.Hash), 7)] }

// ListCommits returns FROM followed by the commits of FROM..TO, oldest first.
// FROM must be an ancestor of TO.
func ListCommits(ctx context.Context, src, from, to string, allParents bool) ([]Commit, error) {
	if _, err := git(ctx, src, "rev-parse", "--git-dir"); err != nil {
		return nil, fmt.Errorf("--src %q is not a git checkout: %w", src, err)
	}
	var ends [2]string
	for i, rev := range []string{from, to} {
		h, err := git(ctx, src, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
		if err != nil {
			return nil, fmt.Errorf("%q is not a commit of %s (try a hash, a tag or a branch)", rev, src)
		}
		ends[i] = strings.TrimSpace(h)
	}
	if _, err := git(ctx, src, "merge-base", "--is-ancestor", ends[0], ends[1]); err != nil {
		return nil, fmt.Errorf("--from %s is not an ancestor of --to %s: give the older commit as --from", from, to)
	}
	args := []string{"log", "--reverse", "--topo-order", "--format=%H %s"}
	if !allParents {
		args = append(args, "--first-parent")
	}
	out, err := git(ctx, src, append(args, ends[0]+".."+ends[1])...)
	if err != nil {
		return nil, err
	}
	first, err := git(ctx, src, "log", "-1", "--format=%H %s", ends[0])
	if err != nil {
		return nil, err
	}
	var commits []Commit
	for _, l := range strings.Split(strings.TrimSpace(first+"\n"+out), "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		h, s, _ := strings.Cut(l, " ")
		commits = append(commits, Commit{h, s})
	}
	if len(commits) < 2 {
		return nil, fmt.Errorf("%s..%s holds no commit: nothing to bisect", from, to)
	}
	if !allParents && commits[len(commits)-1].Hash != ends[1] {
		return nil, fmt.Errorf("--to %s is not on the first-parent line from --from %s", to, from)
	}
	return commits, nil
}

// Regexps and templates here are built on first use (sync.OnceValue), not
// at init: every start of reprokit, four per sandboxed run, paid for all of
// them (bench/run/RESULTS.md).
var githubRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)([\w.-]+/[\w.-]+?)(?:\.git)?/?$`)
})

// CompareURL is GitHub's compare page for before...after when the
// checkout's origin remote is on GitHub, else "".
func CompareURL(ctx context.Context, src, before, after string) string {
	out, err := git(ctx, src, "remote", "get-url", "origin")
	if err != nil {
		return ""
	}
	m := githubRE().FindStringSubmatch(strings.TrimSpace(out))
	if m == nil {
		return ""
	}
	return fmt.Sprintf("https://github.com/%s/compare/%s...%s", m[1], before, after)
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
