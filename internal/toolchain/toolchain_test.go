package toolchain

import (
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	all := []Toolchain{
		{Kind: "python", Name: "cpython-3.11.7", Version: "3.11.7"},
		{Kind: "python", Name: "cpython-3.9.18", Version: "3.9.18"},
		{Kind: "python", Name: "cpython-3.12.1", Version: "3.12.1"},
		{Kind: "python", Name: "cpython-3.11.2", Version: "3.11.2"},
		{Kind: "go", Name: "go1.26.8", Version: "1.26.8"},
	}
	names := func(ts []Toolchain) string {
		var n []string
		for _, t := range ts {
			n = append(n, t.Version)
		}
		return strings.Join(n, ",")
	}
	for spec, want := range map[string]string{
		"":           "3.11.7",
		"all":        "3.9.18,3.11.2,3.11.7,3.12.1",
		"3.12":       "3.12.1",
		"3.11":       "3.11.2,3.11.7",
		"3.12,3.9":   "3.9.18,3.12.1",
		"3.11.2":     "3.11.2",
		"python3.12": "3.12.1",
	} {
		got, err := Select(all, "python", spec)
		if err != nil || names(got) != want {
			t.Errorf("Select(%q) = %s, %v; want %s", spec, names(got), err, want)
		}
	}
	_, err := Select(all, "python", "3.1")
	if err == nil || !strings.Contains(err.Error(), `no python "3.1" on this machine (have: 3.9.18, 3.11.2, 3.11.7, 3.12.1)`) {
		t.Errorf("Select(3.1): %v", err)
	}
	if got, _ := Select(all, "go", ""); names(got) != "1.26.8" {
		t.Errorf("go: %s", names(got))
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"3.9", "3.10", -1}, {"3.12.1", "3.12", 1}, {"3.12.0", "3.12", 0}, {"2.7.18", "3.6", -1}} {
		if got := CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%s, %s) = %d", tt.a, tt.b, got)
		}
	}
}

func TestSelectABIAndPatterns(t *testing.T) {
	all := []Toolchain{
		{Kind: "python", Name: "cpython-3.13.0", Version: "3.13.0"},
		{Kind: "python", Name: "cpython-3.13.0t", Version: "3.13.0t", ABI: "t"},
		{Kind: "python", Name: "cpython-3.13.0d", Version: "3.13.0d", ABI: "d"},
		{Kind: "go", Name: "go1.22.0", Version: "1.22.0"},
		{Kind: "go", Name: "go1.22.12", Version: "1.22.12"},
		{Kind: "go", Name: "go1.21.13", Version: "1.21.13"},
	}
	for _, tt := range []struct {
		kind       Kind
		spec, want string
	}{
		{"python", "3.13", "3.13.0"},
		{"python", "3.13t", "3.13.0t"},
		{"python", "3.13.0d", "3.13.0d"},
		{"python", "all", "3.13.0,3.13.0d,3.13.0t"},
		{"go", "1.22.*", "1.22.0,1.22.12"},
		{"go", "go1.22.12,1.21", "1.21.13,1.22.12"},
	} {
		got, err := Select(all, tt.kind, tt.spec)
		var vs []string
		for _, t := range got {
			vs = append(vs, t.Version)
		}
		if err != nil || strings.Join(vs, ",") != tt.want {
			t.Errorf("Select(%s, %q) = %v, %v; want %s", tt.kind, tt.spec, vs, err, tt.want)
		}
	}
}
