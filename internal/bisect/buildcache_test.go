package bisect

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A build happens once per (commit, command): a second Get is a cache
// hit, a failed build is cached as failed with its log's gist, a build cut
// short by the time limit is not cached, and the user's checkout is left
// as it was.
func TestGet(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	src := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", src, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	os.WriteFile(filepath.Join(src, "build.sh"), []byte("echo built >> count; echo ok > out\n"), 0o644)
	git("add", "build.sh")
	git("commit", "-q", "-m", "good")
	good := git("rev-parse", "HEAD")
	os.WriteFile(filepath.Join(src, "build.sh"), []byte("echo 'main.c:1: error: nope'; exit 2\n"), 0o644)
	git("commit", "-q", "-am", "bad")
	bad := git("rev-parse", "HEAD")
	status := git("status", "--porcelain", "--ignored")

	ctx := context.Background()
	c := &BuildCache{Dir: t.TempDir(), Src: src, Command: "sh build.sh"}
	b, err := c.Get(ctx, good)
	if err != nil || !b.OK || b.Cached {
		t.Fatalf("first build: %+v, %v", b, err)
	}
	if data, _ := os.ReadFile(filepath.Join(b.Dir, "out")); string(data) != "ok\n" {
		t.Errorf("the build ran elsewhere: out = %q", data)
	}
	b, err = c.Get(ctx, good)
	if err != nil || !b.OK || !b.Cached {
		t.Fatalf("second build: %+v, %v", b, err)
	}
	if data, _ := os.ReadFile(filepath.Join(b.Dir, "count")); string(data) != "built\n" {
		t.Errorf("built %q times", data)
	}
	b, err = c.Get(ctx, bad)
	if err != nil || b.OK || b.Reason != "build failed: exit status 2: main.c:1: error: nope" {
		t.Fatalf("bad build: %+v, %v", b, err)
	}
	if b, _ = c.Get(ctx, bad); !b.Cached {
		t.Error("a failed build is built again")
	}
	other := &BuildCache{Dir: c.Dir, Src: src, Command: "sh build.sh # another command"}
	if b, _ = other.Get(ctx, good); b.Cached {
		t.Error("another command shares a build")
	}
	slow := &BuildCache{Dir: c.Dir, Src: src, Command: "sleep 30", Timeout: 200 * time.Millisecond}
	for i := 0; i < 2; i++ {
		b, err = slow.Get(ctx, good)
		if err != nil || b.OK || b.Cached || !strings.Contains(b.Reason, "time limit") {
			t.Fatalf("slow build %d: %+v, %v", i, b, err)
		}
	}
	if got := git("status", "--porcelain", "--ignored"); got != status {
		t.Errorf("the checkout changed: %q, was %q", got, status)
	}
	if got := git("rev-parse", "HEAD"); got != bad {
		t.Errorf("HEAD moved to %s", got)
	}
}
