// This file builds commits of a git checkout for bisection, each
// in a worktree of its own under a cache directory, and remembers the
// result by commit and build command: a second bisection over the same
// range builds nothing. The user's checkout is never touched: its working
// tree, index and HEAD stay as they were (git only records the extra
// worktrees under .git/worktrees, which `git worktree prune` clears once
// the cache is deleted).

package bisect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/reprokit/reprokit/internal/atomicfile"
)

// BuildCache builds commits of one checkout with one command.
type BuildCache struct {
	// Dir holds one directory per (commit, command); default
	// $XDG_CACHE_HOME/reprokit/builds (see DefaultDir).
	Dir string
	// Src is the user's git checkout; it is only read.
	Src string
	// Command is run with sh -c in the commit's worktree, outside the
	// sandbox, with the user's environment; "": the commit is only
	// checked out (a library's tree, installed inside a sandbox).
	Command string
	// Timeout bounds one build; the whole process group is killed after
	// it. Zero means 30 minutes.
	Timeout time.Duration
}

// Build is one commit's build.
type Build struct {
	Commit   string        `json:"commit"`
	Dir      string        `json:"dir"` // the worktree, where the build's outputs are
	OK       bool          `json:"ok"`
	Reason   string        `json:"reason,omitempty"` // why it failed: exit status and the log's last lines
	Log      string        `json:"log"`              // the full build log's path
	Duration time.Duration `json:"duration"`
	Cached   bool          `json:"-"` // nothing was built this time
}

// DefaultBuildCacheDir is where builds are cached when no directory is given.
func DefaultBuildCacheDir(env func(string) string) string {
	dir := env("XDG_CACHE_HOME")
	if dir == "" {
		dir = filepath.Join(env("HOME"), ".cache")
	}
	return filepath.Join(dir, "reprokit", "builds")
}

// key names a build: the commit and a hash of the command, so that a
// different command (another configure flag) is another build.
func (c *BuildCache) key(commit string) string {
	h := sha256.Sum256([]byte(c.Command))
	return commit + "-" + hex.EncodeToString(h[:6])
}

// Get returns commit's build, building it first unless the cache has it.
// A build that fails is a Build with OK false, not an error (bisection
// skips it); errors are for what reprokit itself could not do. A build cut
// short by the time limit or an interrupt is not cached.
func (c *BuildCache) Get(ctx context.Context, commit string) (Build, error) {
	dir := filepath.Join(c.Dir, c.key(commit))
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return Build{}, fmt.Errorf("build cache: %w", err)
	}
	// Two bisections of one range may run at once: one builds, the other waits.
	unlock, err := atomicfile.Lock(dir+".lock", nil)
	if err != nil {
		return Build{}, err
	}
	defer unlock()
	resultPath := filepath.Join(dir, "result.json")
	if data, err := os.ReadFile(resultPath); err == nil {
		var b Build
		if json.Unmarshal(data, &b) == nil && b.Commit == commit {
			if _, err := os.Stat(b.Dir); err == nil {
				b.Cached = true
				return b, nil
			}
		}
	}
	b, cache, err := c.build(ctx, commit, dir)
	if err != nil || !cache {
		return b, err
	}
	data, _ := json.MarshalIndent(b, "", "  ")
	if err := atomicfile.WriteFile(resultPath, data, 0o644); err != nil {
		return b, fmt.Errorf("build cache: %w", err)
	}
	return b, nil
}

func (c *BuildCache) build(ctx context.Context, commit, dir string) (b Build, cache bool, err error) {
	src := filepath.Join(dir, "src")
	b = Build{Commit: commit, Dir: src, Log: filepath.Join(dir, "build.log")}
	// A worktree left half-made by an interrupted run goes first.
	if _, err := os.Stat(src); err == nil {
		_ = c.git(ctx, "worktree", "remove", "--force", src)
		os.RemoveAll(src)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return b, false, err
	}
	// --force: the cache may have been deleted while git still lists the
	// worktree; pruning instead would also drop the user's own stale ones.
	if err := c.git(ctx, "worktree", "add", "--detach", "--force", src, commit); err != nil {
		return b, false, err
	}
	if c.Command == "" {
		// Only checked out: a library's tree, installed in a sandbox.
		b.OK, b.Log = true, ""
		return b, true, nil
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Minute
	}
	logf, err := os.Create(b.Log)
	if err != nil {
		return b, false, err
	}
	defer logf.Close()
	cmd := exec.Command("sh", "-c", c.Command)
	cmd.Dir = src
	cmd.Stdout, cmd.Stderr = logf, logf
	// A process group of its own, so the time limit kills make's children too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return b, false, fmt.Errorf("starting the build of %s: %w", short(commit), err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var werr error
	cache = true
	select {
	case werr = <-done:
	case <-timer.C:
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		werr, cache = fmt.Errorf("time limit %s hit (raise --build-timeout)", timeout), false
	case <-ctx.Done():
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return b, false, ctx.Err()
	}
	b.Duration = time.Since(began)
	b.OK = werr == nil
	if werr != nil {
		b.Reason = fmt.Sprintf("build failed: %v%s", werr, logGist(b.Log))
	}
	return b, cache, nil
}

func (c *BuildCache) git(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", c.Src}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// logGist is what a skipped commit's reason quotes from its build log:
// the first line that says error, and the last line.
func logGist(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var out []string
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for _, l := range lines {
		if strings.Contains(strings.ToLower(l), "error") {
			out = append(out, strings.TrimSpace(l))
			break
		}
	}
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" && (len(out) == 0 || out[0] != last) {
		out = append(out, last)
	}
	if len(out) == 0 {
		return ""
	}
	return ": " + strings.Join(out, " / ")
}

func short(commit string) string { return commit[:min(len(commit), 7)] }
