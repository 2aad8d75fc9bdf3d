package scriptdeps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		req  string
		src  Source
		name string
		path string
	}{
		{"trio", FromIndex, "trio", ""},
		{"Trio_Websocket >= 0.9", FromIndex, "trio-websocket", ""},
		{"a[x,y]>=1,<2; python_version < '3.8'", FromIndex, "a", ""},
		{"pkg (>=1.0)", FromIndex, "pkg", ""},
		{"pkg; os_name == 'a@b'", FromIndex, "pkg", ""},
		{"pkg @ file:///src/pkg", FromPath, "pkg", "/src/pkg"},
		{"pkg@file://localhost/src/pkg", FromPath, "pkg", "/src/pkg"},
		{"pkg @ https://example.org/pkg-1.0-py3-none-any.whl", FromURL, "pkg", ""},
		{"requests[socks] @ https://example.org/r.tar.gz ; python_version>'3'", FromURL, "requests", ""},
		{"pkg @ git+https://example.org/pkg", FromVCS, "pkg", ""},
		{"git+https://example.org/pkg#egg=pkg", FromVCS, "", ""},
		{"https://example.org/pkg.tar.gz", FromURL, "", ""},
		{"./pkg", FromPath, "", "./pkg"},
		{"/src/pkg", FromPath, "", "/src/pkg"},
		{"pkg-1.0.tar.gz", FromPath, "", "pkg-1.0.tar.gz"},
		{"pkg-1.0-py3-none-any.whl", FromPath, "", "pkg-1.0-py3-none-any.whl"},
		{"-e ./pkg", Editable, "", ""},
		{"--editable=./pkg", Editable, "", ""},
		{"--index-url=http://example.org/simple", Option, "", ""},
		{"-i http://example.org/simple", Option, "", ""},
		{"-r requirements.txt", Option, "", ""},
	} {
		r, err := Classify(tt.req)
		if err != nil || r.Source != tt.src || r.Name != tt.name || r.Path != tt.path {
			t.Errorf("Classify(%q) = %v %q %q, %v; want %v %q %q", tt.req, r.Source, r.Name, r.Path, err, tt.src, tt.name, tt.path)
		}
	}
	for _, bad := range []string{"", "foo bar", "pkg\nexec sh", "pkg==1.0\x00", "pkg @ file://otherhost/x"} {
		if _, err := Classify(bad); err == nil {
			t.Errorf("Classify(%q): no error", bad)
		}
	}
}

// The policy: options and editable installs never; direct references and
// local paths only with AllowBuild, and then a path only inside the
// archive's directory and only a source tree.
func TestCheckPolicy(t *testing.T) {
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	os.MkdirAll(tree, 0o755)
	os.WriteFile(filepath.Join(tree, "setup.py"), []byte("x"), 0o644)
	notTree := filepath.Join(dir, "docs")
	os.MkdirAll(notTree, 0o755)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "setup.py"), []byte("x"), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink(outside, link)
	in := Interpreter{Name: "cpython-3.12.1"}
	req := func(r ...string) Request { return Request{Interp: in, Reqs: r, From: "x.txtar: repro.py:1", Dir: dir} }

	for _, tt := range []struct {
		allow bool
		req   string
		want  string // "" allowed; else a part of the error
	}{
		{false, "trio==0.22", ""},
		{false, "pkg @ file://" + tree, "pkg @ file://" + tree + " is a local path: reprokit does not build packages outside the sandbox; pass --allow-build to build it inside"},
		{false, "pkg @ https://example.org/p.whl", "is a direct reference (a URL): reprokit does not build packages"},
		{false, "pkg @ git+https://example.org/p", "is a direct reference (a repository)"},
		{false, "--index-url=http://evil/simple", `x.txtar: repro.py:1: dependency "--index-url=http://evil/simple" is an installer option`},
		{true, "--extra-index-url http://evil/simple", "is an installer option"},
		{true, "-e " + tree, "is an editable install"},
		{true, "pkg @ file://" + tree, ""},
		{true, "pkg @ https://example.org/p.whl", ""},
		{true, "pkg @ file:relative/tree", "a relative path"},
		{true, "pkg @ file://" + notTree, "has no pyproject.toml or setup.py"},
		{true, "pkg @ file://" + outside, "is outside the archive's directory"},
		{true, "pkg @ file://" + link, "is outside the archive's directory"}, // a link out is resolved first
		{true, "pkg @ file://" + dir + "/../" + filepath.Base(outside), "is outside the archive's directory"},
	} {
		b := &Builder{AllowBuild: tt.allow}
		p, err := b.check(req(tt.req))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("allow=%v %q: %v", tt.allow, tt.req, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("allow=%v %q: error %v, want %q", tt.allow, tt.req, err, tt.want)
		case tt.want == "" && strings.Contains(tt.req, "file://"):
			// A tree is built from its copy in the sandbox.
			if len(p.sources) != 1 || p.sources[0] != tree || p.args[0] != "pkg @ file://"+SourcePath(0) {
				t.Errorf("%q: sources %q args %q", tt.req, p.sources, p.args)
			}
		}
	}
	var nb *NoBuildError
	_, err := (&Builder{}).check(req("pkg @ git+https://example.org/p"))
	if !errors.As(err, &nb) {
		t.Errorf("a direct reference without --allow-build: %T, want *NoBuildError", err)
	}
}

func TestNoBuildSentence(t *testing.T) {
	e := &NoBuildError{What: "pkg 1.0", Interp: "cpython-3.12.1", Why: "has no wheel for cpython-3.12.1 (sdist only)"}
	want := "pkg 1.0 has no wheel for cpython-3.12.1 (sdist only): reprokit does not build packages outside the sandbox; pass --allow-build to build it inside"
	if e.Error() != want {
		t.Errorf("got %q\nwant %q", e.Error(), want)
	}
	if m := uvNoWheelRE().FindStringSubmatch("  cause: Because sdonly==1.0 has no usable wheels and you require sdonly==1.0, we can conclude"); m == nil || m[1] != "sdonly" || m[2] != "1.0" {
		t.Errorf("uv's message: %q", m)
	}
	if m := pipNoMatchRE().FindStringSubmatch("ERROR: No matching distribution found for sdonly>=0.5"); m == nil || m[1] != "sdonly" || m[2] != ">=0.5" {
		t.Errorf("pip's message: %q", m)
	}
	for _, tt := range []struct{ spec, want string }{{"==1.0", "1.0"}, {"", "2.0"}, {">=1,<2", "1.5"}, {">=3", ""}} {
		if got := pickVersion([]string{"2.0", "1.5", "1.0"}, tt.spec); got != tt.want {
			t.Errorf("pickVersion(%q) = %q, want %q", tt.spec, got, tt.want)
		}
	}
}

// The installer's settings are the user's: their variables (less those
// reprokit sets itself) and a copy of their configuration files, which
// the sandbox's masked home would hide.
func TestUserConfig(t *testing.T) {
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".config", "pip"), 0o755)
	os.MkdirAll(filepath.Join(home, ".pip"), 0o755)
	os.WriteFile(filepath.Join(home, ".config", "pip", "pip.conf"), []byte("[global]\nindex-url = http://mirror/simple\n"), 0o600)
	os.WriteFile(filepath.Join(home, ".pip", "pip.conf"), []byte("[global]\nindex-url = http://legacy/simple\n"), 0o600)
	vars := map[string]string{"HOME": home, "UV_NO_CONFIG": ""}
	b := &Builder{
		Getenv:  func(k string) string { return vars[k] },
		Environ: []string{"HOME=" + home, "PIP_INDEX_URL=http://mine/simple", "UV_EXTRA_INDEX_URL=http://mine2/simple", "PIP_TARGET=/elsewhere", "UV_CACHE_DIR=/c", "HTTPS_PROXY=http://proxy:3128", "GH_TOKEN=secret"},
	}
	c := b.userConfig()
	if got := strings.Join(c.vars, " "); got != "HTTPS_PROXY=http://proxy:3128 PIP_INDEX_URL=http://mine/simple UV_EXTRA_INDEX_URL=http://mine2/simple" {
		t.Errorf("vars = %s", got)
	}
	if !strings.Contains(string(c.pipConf), "http://mirror/simple") || c.uvConf != nil {
		t.Errorf("pip.conf from %s = %q, uv.toml = %q", c.pipFrom, c.pipConf, c.uvConf)
	}
	env, files := c.env(false)
	joined := strings.Join(env, " ")
	for _, want := range []string{"PIP_CONFIG_FILE=$REPROKIT_FILES/pip.conf", "UV_NO_CONFIG=1", "UV_CACHE_DIR=$WORK/.cache/uv", "PIP_INDEX_URL=http://mine/simple"} {
		if !strings.Contains(joined, want) {
			t.Errorf("env lacks %s: %s", want, joined)
		}
	}
	if strings.Contains(joined, "GH_TOKEN") || strings.Contains(joined, "PIP_TARGET") || len(files) != 1 {
		t.Errorf("env %s, files %d", joined, len(files))
	}
	// PIP_CONFIG_FILE=/dev/null: no file at all, as pip has it.
	vars["PIP_CONFIG_FILE"] = os.DevNull
	if env, _ := b.userConfig().env(false); !strings.Contains(strings.Join(env, " "), "PIP_CONFIG_FILE="+os.DevNull) {
		t.Errorf("PIP_CONFIG_FILE=/dev/null lost: %v", env)
	}
	// A change of the user's settings is a new environment.
	k1 := b.key(Interpreter{}, []string{"x"}, Pip, nil)
	b.Environ = append(b.Environ, "PIP_EXTRA_INDEX_URL=http://other/simple")
	if k2 := b.key(Interpreter{}, []string{"x"}, Pip, nil); k1 == k2 {
		t.Error("the cache key ignores the user's installer variables")
	}
	if k3 := (&Builder{Getenv: b.Getenv, Environ: b.Environ, AllowBuild: true}).key(Interpreter{}, []string{"x"}, Pip, nil); k3 == k1 {
		t.Error("an environment built with --allow-build shares the key of a wheels-only one")
	}
}

func TestIgnoredToolSettings(t *testing.T) {
	md, err := Parse("repro.py", []byte("# /// script\n# dependencies = [\"tinydep\"]\n# [tool.uv]\n# index-url = \"http://evil/simple\"\n# [tool.uv.sources]\n# tinydep = { git = \"https://evil/x\" }\n# ///\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(md.Ignored(), ", "); got != "[tool.uv] index-url, [tool.uv] sources" {
		t.Errorf("Ignored = %s", got)
	}
	if got := ConfigMembers([]File{{Name: "repro.py"}, {Name: "pip.conf"}, {Name: ".config/uv/uv.toml"}, {Name: "pyproject.toml"}}); strings.Join(got, " ") != "pip.conf .config/uv/uv.toml" {
		t.Errorf("ConfigMembers = %q", got)
	}
}
