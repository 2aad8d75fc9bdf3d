package scriptdeps

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := "#!/usr/bin/env python3\n# /// script\n# requires-python = \">=3.11\"\n# dependencies = [\n#   \"Trio_Websocket >= 0.9\",\n#   \"rich\",\n# ]\n# ///\nimport trio\n"
	md, err := Parse("repro.py", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if md.Line != 2 || md.RequiresPython != ">=3.11" || !reflect.DeepEqual(md.Dependencies, []string{"Trio_Websocket >= 0.9", "rich"}) {
		t.Errorf("Parse = %+v", md)
	}
	if md, err := Parse("x.py", []byte("import os\n# /// other\n# x = 1\n# ///\n")); md != nil || err != nil {
		t.Errorf("no script block: %v, %v", md, err)
	}
	_, err = Parse("x.py", []byte("# /// script\n# dependencies = []\n# ///\nimport os\n# /// script\n# dependencies = []\n# ///\n"))
	if err == nil || !strings.Contains(err.Error(), "x.py:5: a second `# /// script` block (the first is at line 1)") {
		t.Errorf("two blocks: %v", err)
	}
	_, err = Parse("x.py", []byte("# /// script\n# dependencies = [\n# ///\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "x.py:1: the `# /// script` block is not valid TOML") {
		t.Errorf("bad TOML: %v", err)
	}
}

func TestAllows(t *testing.T) {
	for _, tt := range []struct {
		spec, version string
		want          bool
	}{
		{">=3.8", "3.11.2", true}, {">=3.8", "3.7.16", false}, {"<3", "3.11.2", false}, {"<3", "2.7.18", true},
		{">=3.9,<3.13", "3.13.0", false}, {">=3.9,<3.13", "3.12.1", true}, {"~=3.10", "3.13.0", true}, {"~=3.10.2", "3.11.0", false},
		{"==3.12.*", "3.12.1", true}, {"==3.12.*", "3.13.0", false}, {"!=3.12.*", "3.13.0t", true}, {">=3.13", "3.13.0t", true},
	} {
		got, err := Allows(tt.spec, tt.version)
		if err != nil || got != tt.want {
			t.Errorf("Allows(%q, %q) = %v, %v; want %v", tt.spec, tt.version, got, err, tt.want)
		}
	}
	if _, err := Allows("3.8", "3.11.2"); err == nil {
		t.Error("a clause without an operator is an error")
	}
}

func TestNormalizeOverride(t *testing.T) {
	if got := Normalize([]string{"Trio_Websocket >= 0.9", "rich", "attrs==23.1.0"}); !reflect.DeepEqual(got, []string{"attrs==23.1.0", "rich", "trio-websocket>=0.9"}) {
		t.Errorf("Normalize = %q", got)
	}
	if got := Override([]string{"trio==0.27.0", "attrs"}, []string{"Trio==0.22.0"}); !reflect.DeepEqual(got, []string{"attrs", "Trio==0.22.0"}) {
		t.Errorf("Override = %q", got)
	}
}
