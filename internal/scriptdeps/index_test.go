package scriptdeps

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/internal/fake/pyindex"
)

func TestFileVersion(t *testing.T) {
	for _, c := range []struct{ file, project, want string }{
		{"attrs-23.1.0-py3-none-any.whl", "attrs", "23.1.0"},
		{"zope.interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl", "zope.interface", "6.0"},
		{"zope.interface-6.0.tar.gz", "zope-interface", "6.0"},
		{"typing_extensions-4.0.0rc1.tar.gz", "typing-extensions", "4.0.0rc1"},
		{"my-pkg-1.0.zip", "my_pkg", "1.0"},
		{"other-1.0.tar.gz", "attrs", ""},
		{"attrs-23.1.0.exe", "attrs", ""},
	} {
		if got := fileVersion(c.file, c.project); got != c.want {
			t.Errorf("fileVersion(%q, %q) = %q, want %q", c.file, c.project, got, c.want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	// PEP 440 order, not text order: 1.10 after 1.9, pre-releases before
	// their release, post-releases after it.
	order := []string{"1.0.dev1", "1.0a1", "1.0rc1", "1.0", "1.0.post1", "1.9", "1.10", "2.0"}
	for i := 1; i < len(order); i++ {
		if CompareVersions(order[i-1], order[i]) >= 0 {
			t.Errorf("%s is not before %s", order[i-1], order[i])
		}
	}
	if CompareVersions("2.0", "2.0.0") != 0 {
		t.Errorf("2.0 and 2.0.0 differ")
	}
}

// Releases reads both forms of the simple API, with yanked files marked,
// and orders by PEP 440 whatever the upload order.
func TestReleasesBothForms(t *testing.T) {
	srv, err := pyindex.New(
		pyindex.Project{Name: "lib", Version: "1.10.0", Files: map[string]string{"lib/__init__.py": ""}},
		pyindex.Project{Name: "lib", Version: "1.9.0", Files: map[string]string{"lib/__init__.py": ""}},
		pyindex.Project{Name: "lib", Version: "1.9.1", Yanked: "broken", Files: map[string]string{"lib/__init__.py": ""}},
		pyindex.Project{Name: "lib", Version: "2.0rc1", Files: map[string]string{"lib/__init__.py": ""}},
		pyindex.Project{Name: "lib", Version: "1.9.2", Sdist: true, Files: map[string]string{"setup.py": ""}},
	)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	b := &Builder{IndexURL: srv.IndexURL(), Environ: []string{}}
	for _, form := range []string{"json", "html"} {
		if form == "html" {
			srv.HTMLOnly()
		}
		rels, _, err := b.Releases(context.Background(), "Lib")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rels {
			s := r.Version
			if r.Yanked() {
				s += " yanked"
			}
			if r.Pre() {
				s += " pre"
			}
			if !r.HasWheel() {
				s += " no-wheel"
			}
			got = append(got, s)
		}
		want := "1.9.0, 1.9.1 yanked, 1.9.2 no-wheel, 1.10.0, 2.0rc1 pre"
		if strings.Join(got, ", ") != want {
			t.Errorf("%s: releases %q, want %q", form, strings.Join(got, ", "), want)
		}
	}
	if srv.JSONAsked() != 1 {
		t.Errorf("JSON pages served: %d, want 1 (then the index turned HTML only)", srv.JSONAsked())
	}
	if _, _, err := b.Releases(context.Background(), "nosuch"); err == nil || !strings.Contains(err.Error(), `no project "nosuch"`) {
		t.Errorf("a missing project: %v", err)
	}
}

func TestIndexFromSettings(t *testing.T) {
	for _, c := range []struct {
		name    string
		environ []string
		pipConf string
		want    string
	}{
		{"flag", nil, "", "http://flag/simple/"},
		{"PIP_INDEX_URL", []string{"PIP_INDEX_URL=http://env/simple/"}, "", "http://env/simple/"},
		{"UV_DEFAULT_INDEX", []string{"UV_DEFAULT_INDEX=http://uv/simple/"}, "", "http://uv/simple/"},
		{"pip.conf", nil, "[global]\ntimeout = 5\nindex-url = http://conf/simple/\n", "http://conf/simple/"},
		{"pip.conf install wins", nil, "[install]\nindex-url = http://install/simple/\n[global]\nindex-url = http://global/simple/\n", "http://install/simple/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := t.TempDir()
			b := &Builder{Environ: c.environ, Getenv: func(k string) string {
				if k == "HOME" {
					return home
				}
				return ""
			}}
			if c.name == "flag" {
				b.IndexURL = c.want
			}
			if c.pipConf != "" {
				writeFile(t, home+"/.config/pip/pip.conf", c.pipConf)
			}
			got, err := b.Index(context.Background())
			if err != nil || got != c.want {
				t.Errorf("Index() = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
