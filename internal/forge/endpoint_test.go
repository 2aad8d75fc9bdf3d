package forge

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestEndpointBase(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tt := range []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"", nil, "https://api.github.com/"},
		{"", map[string]string{"GH_HOST": "github.com"}, "https://api.github.com/"},
		{"", map[string]string{"GH_HOST": "ghe.example"}, "https://ghe.example/api/v3/"},
		{"", map[string]string{"GH_HOST": "ghe.example", "GITHUB_API_URL": "http://127.0.0.1:9/x"}, "http://127.0.0.1:9/x/"},
		{"http://127.0.0.1:9/y/", map[string]string{"GITHUB_API_URL": "http://127.0.0.1:9/x"}, "http://127.0.0.1:9/y/"},
	} {
		if got := EndpointFrom(tt.flag, env(tt.env)).Base(); got != tt.want {
			t.Errorf("EndpointFrom(%q, %v).Base() = %q, want %q", tt.flag, tt.env, got, tt.want)
		}
	}
}

// The base-URL rule exists once: no other Go file spells the API's base
// URLs, so a dry run cannot print another URL than the one a run sends to.
func TestBaseURLRuleOnce(t *testing.T) {
	fset := gotoken.NewFileSet()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Base(path) == "endpoint.go" {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
				s, _ := strconv.Unquote(lit.Value)
				if s == "https://api.github.com/" || s == "/api/v3/" || strings.HasPrefix(s, "https://api.github.com/") {
					t.Errorf("%s: %q: the API base URL is forge.Endpoint's to decide", fset.Position(lit.Pos()), s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
