package importer

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden archives (never the issues)")

// TestGolden imports each testdata/*.md (an issue: `# Title`, then the
// body) without the sandboxed analysis — the specs cover that — and
// compares the archive with testdata/*.txtar.
func TestGolden(t *testing.T) {
	issues, _ := filepath.Glob(filepath.Join("testdata", "*.md"))
	if len(issues) == 0 {
		t.Fatal("no testdata")
	}
	stdlib := map[string]bool{"os": true, "sys": true, "json": true, "math": true, "itertools": true, "ctypes": true, "threading": true}
	for _, path := range issues {
		name := strings.TrimSuffix(filepath.Base(path), ".md")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			title, body := splitTitle(string(data))
			iss := Issue{Title: title, Body: body, Source: path, Repo: "python/cpython", Number: 1, URL: "https://github.com/python/cpython/issues/1"}
			if strings.HasPrefix(name, "go_") {
				iss.Repo, iss.URL = "golang/go", "https://github.com/golang/go/issues/1"
			}
			if strings.HasPrefix(name, "lib_") {
				iss.Repo, iss.URL = "example/widgets", "https://github.com/example/widgets/issues/1"
			}
			var got string
			res, err := Import(context.Background(), iss, Options{Stdlib: stdlib})
			if err != nil {
				got = "error: " + err.Error() + "\n"
			} else {
				got = string(res.Archive)
			}
			golden := filepath.Join("testdata", name+".txtar")
			if *update {
				os.WriteFile(golden, []byte(got), 0o644)
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./internal/importer -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("import of %s differs from %s (-update rewrites it):\n--- got\n%s\n--- want\n%s", path, golden, got, want)
			}
		})
	}
}

func TestStatedVersions(t *testing.T) {
	for _, tt := range []struct {
		prose, kind, affected, unaffected string
	}{
		{"Crashes on Python 3.12.1.\nIt works in 3.11.", "python", "3.12.1", "3.11"},
		{"### CPython versions tested on:\n\n3.11, 3.12, CPython main branch", "python", "3.11 3.12", ""},
		{"labels = ['3.7', 'type-crash']", "python", "3.7", ""},
		{"go version go1.21.3 linux/amd64\nFixed in go1.22.", "go", "1.21.3", "1.22"},
		{"I bought 3.5 apples", "python", "", ""},
		{"Crash does not occur in python 3.8-3.10, but does occur in 3.12 and 3.13.", "python", "3.12 3.13", "3.8 3.9 3.10"},
	} {
		st := StatedVersions(tt.prose, tt.kind)
		if a, u := strings.Join(st.Affected, " "), strings.Join(st.Unaffected, " "); a != tt.affected || u != tt.unaffected {
			t.Errorf("StatedVersions(%q) = %q / %q; want %q / %q", tt.prose, a, u, tt.affected, tt.unaffected)
		}
	}
}

func TestWordsAndCommands(t *testing.T) {
	c, ok := parseCommand(`PYTHONMALLOC=debug ./python.exe -X dev "my file.py" --flag 'a b'`)
	if !ok || c.Prog != "python3" || strings.Join(c.Env, ",") != "PYTHONMALLOC=debug" || strings.Join(c.Args, "|") != "-X|dev|my file.py|--flag|a b" {
		t.Errorf("parseCommand = %+v, %v", c, ok)
	}
	if _, ok := parseCommand("pip install trio"); ok {
		t.Error("pip is not a reproducer command")
	}
	if c, ok := parseCommand("go build -gcflags=-m ./cmd/x | head"); !ok || strings.Join(c.Args, " ") != "build -gcflags=-m ./cmd/x" {
		t.Errorf("go command = %+v", c)
	}
	if got := execLine(Command{Prog: "python3", Args: []string{"-c", "print('x y')"}}, true); got[0] != `! exec python3 -c 'print(''x y'')'` {
		t.Errorf("execLine = %q", got)
	}
}
