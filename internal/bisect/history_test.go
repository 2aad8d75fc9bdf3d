package bisect

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestGitHubRemotes(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"https://github.com/python/cpython.git", "python/cpython"},
		{"https://github.com/golang/go", "golang/go"},
		{"git@github.com:reprokit/reprokit.git", "reprokit/reprokit"},
		{"ssh://git@github.com/o/r.js.git", "o/r.js"},
		{"https://gitlab.com/o/r.git", ""},
		{"https://github.com/o", ""},
	} {
		got := ""
		if m := githubRE().FindStringSubmatch(tc.url); m != nil {
			got = m[1]
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.url, got, tc.want)
		}
	}
}

// Range walks first parents by default: a merged side branch's commits
// are not candidates, the merge is.
func TestRangeFirstParent(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	commit := func(name string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
		run("add", name)
		run("commit", "-q", "-m", name)
	}
	run("init", "-q", "-b", "main")
	commit("a")
	run("tag", "start")
	run("checkout", "-q", "-b", "side")
	commit("s1")
	commit("s2")
	run("checkout", "-q", "main")
	commit("b")
	run("merge", "-q", "--no-ff", "-m", "merge side", "side")
	commit("c")
	ctx := context.Background()
	subjects := func(all bool) []string {
		cs, err := ListCommits(ctx, dir, "start", "main", all)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, c := range cs {
			s = append(s, c.Subject)
		}
		return s
	}
	if got := subjects(false); len(got) != 4 || got[0] != "a" || got[1] != "b" || got[2] != "merge side" || got[3] != "c" {
		t.Errorf("first parents: %q", got)
	}
	if got := subjects(true); len(got) != 6 {
		t.Errorf("all parents: %q", got)
	}
	if _, err := ListCommits(ctx, dir, "main", "start", false); err == nil {
		t.Error("a reversed range was accepted")
	}
}
