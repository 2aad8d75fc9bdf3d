package repro

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The lint's tables are the engine's: the commands are the keys of
// go-internal's scriptCmds, the fixed conditions the names its condition
// method compares with, both read from the go-internal source this module
// builds with (the module cache holds it whenever the build works).
func TestLintTablesMatchEngine(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/rogpeppe/go-internal").Output()
	if err != nil {
		t.Skipf("go list: %v: cannot locate go-internal's source", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "testscript")
	fset := token.NewFileSet()
	cmds := map[string]bool{}
	conds := map[string]bool{}
	for _, name := range []string{"cmd.go", "testscript.go"} {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				if len(n.Names) == 1 && n.Names[0].Name == "scriptCmds" && len(n.Values) == 1 {
					for _, e := range n.Values[0].(*ast.CompositeLit).Elts {
						cmds[unquote(t, e.(*ast.KeyValueExpr).Key)] = true
					}
				}
			case *ast.FuncDecl:
				if n.Name.Name == "condition" && n.Recv != nil {
					ast.Inspect(n.Body, func(m ast.Node) bool {
						if b, ok := m.(*ast.BinaryExpr); ok && b.Op == token.EQL {
							if id, ok := b.X.(*ast.Ident); ok && id.Name == "cond" {
								if _, lit := b.Y.(*ast.BasicLit); lit {
									conds[unquote(t, b.Y)] = true
								}
							}
						}
						return true
					})
				}
			}
			return true
		})
	}
	cmds["go"] = true // reprokit's own: exec go
	if got, want := sorted(Commands), keys(cmds); !reflect.DeepEqual(got, want) {
		t.Errorf("repro.Commands = %v\ngo-internal's scriptCmds = %v", got, want)
	}
	if got, want := sorted(fixedConditions), keys(conds); !reflect.DeepEqual(got, want) {
		t.Errorf("fixedConditions = %v\ngo-internal's condition() compares with %v", got, want)
	}
}

func unquote(t *testing.T, e ast.Expr) string {
	lit, ok := e.(*ast.BasicLit)
	if !ok {
		t.Fatalf("not a string literal: %#v", e)
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}
