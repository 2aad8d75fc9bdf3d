package bisect

import (
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// The search shares its package with the code that builds and runs
// candidates, but stays pure: search.go and report.go import only what
// computes (no os, os/exec, runner, sandbox or toolchain), so the oracle is
// the only way a probe happens and the search is table-tested without
// processes.
func TestSearchIsPure(t *testing.T) {
	allowed := map[string]bool{
		"context": true, "fmt": true, "io": true, "math": true, "strings": true,
		"github.com/reprokit/reprokit/internal/repro":     true, // Verdict, Direction, Candidates
		"github.com/reprokit/reprokit/internal/signature": true,
	}
	for _, name := range []string{"search.go", "report.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowed[path] {
				t.Errorf("%s imports %s: the search must stay pure (its oracle is a parameter); put what runs things in probe.go", name, path)
			}
		}
	}
}
