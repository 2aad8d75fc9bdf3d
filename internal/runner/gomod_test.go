package runner

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/reprokit/reprokit/internal/toolchain"
)

// An archive's imports choose what `go mod tidy` resolves on the host:
// with the proxy's "direct" fallback, a module other than the one the
// user named must never be cloned from a repository of the archive's
// choosing (GOVCS), even when the user's GOPROXY allows direct fetches.
func TestTidyNeverClonesWhatTheArchiveNames(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH")
	}
	t.Setenv("GOPROXY", "direct")
	t.Setenv("GOVCS", "") // restored after the test
	os.Unsetenv("GOVCS")
	files := []txtar.File{{Name: "main.go", Data: []byte("package main\n\nimport _ \"github.com/attacker/payload\"\n\nfunc main() {}\n")}}
	gomod := []byte("module repro\n\ngo 1.22\n")
	_, _, err = tidy(context.Background(), toolchain.Toolchain{Path: goCmd}, t.TempDir(), files, gomod, "example.com/lib")
	if err == nil || !strings.Contains(err.Error(), "GOVCS disallows using git for public github.com/attacker/payload") {
		t.Fatalf("tidy of an archive importing github.com/attacker/payload: %v, want a GOVCS refusal", err)
	}
}
