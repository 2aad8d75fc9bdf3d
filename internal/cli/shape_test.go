package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines bounds every function in this package: the cli parses
// flags and calls one workflow, so a long function here is a workflow
// that belongs in a domain package (docs/architecture.md).
const maxFuncLines = 60

func TestFunctionsAreShort(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	longest := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			fn, ok := n.(*ast.FuncDecl)
			if !ok {
				return true
			}
			lines := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
			longest = max(longest, lines)
			if lines > maxFuncLines {
				t.Errorf("%s: %s is %d lines (at most %d): move its logic to a domain package", fset.Position(fn.Pos()), fn.Name.Name, lines, maxFuncLines)
			}
			return false
		})
	}
	t.Logf("longest function: %d lines", longest)
}
