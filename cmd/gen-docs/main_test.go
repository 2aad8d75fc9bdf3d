package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/reprokit/reprokit/internal/cli"
)

// The command reference in docs/cmd is what cobra's doc generator makes of
// the command tree now: a flag or a help text changed without
// regenerating fails here.
func TestReferenceIsCurrent(t *testing.T) {
	pages, err := reference()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", referenceDir)
	for name, want := range pages {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s/%s is stale or missing: regenerate with `%s` from the repository root", referenceDir, name, regenerate)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, path := range files {
		if _, ok := pages[filepath.Base(path)]; !ok {
			t.Errorf("%s/%s documents no command: regenerate with `%s` (it removes such pages)", referenceDir, filepath.Base(path), regenerate)
		}
	}
	ios, _, _ := cli.Test()
	for _, c := range cli.NewRoot(cli.NewFactory(ios)).Commands() {
		if c.IsAvailableCommand() && c.Name() != "help" && c.Name() != "completion" && pages["reprokit_"+c.Name()+".md"] == nil {
			t.Errorf("no reference page for reprokit %s", c.Name())
		}
	}
}
