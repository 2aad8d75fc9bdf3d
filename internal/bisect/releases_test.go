package bisect

import (
	"reflect"
	"testing"

	"github.com/reprokit/reprokit/internal/toolchain"
)

func TestInstalled(t *testing.T) {
	var all []toolchain.Toolchain
	for _, v := range []string{"3.11.2", "3.13.0", "2.7.18", "3.9.18", "3.11.7", "3.12.1", "3.11.2", "3.10.13"} {
		all = append(all, toolchain.Toolchain{Kind: "python", Name: "cpython-" + v, Version: v})
	}
	all = append(all, toolchain.Toolchain{Kind: "go", Name: "go1.22.5", Version: "1.22.5"})
	for _, tc := range []struct {
		rg   string
		want []string
	}{
		{"3.9..3.13", []string{"3.9.18", "3.10.13", "3.11.2", "3.11.7", "3.12.1", "3.13.0"}},
		{"3.11..3.11.7", []string{"3.11.2", "3.11.7"}},
		{"3.10..3.12", []string{"3.10.13", "3.11.2", "3.11.7", "3.12.1"}},
		{"2..3.9", []string{"2.7.18", "3.9.18"}},
	} {
		lo, hi, err := ParseRange(tc.rg)
		if err != nil {
			t.Fatal(err)
		}
		if got := Installed(all, "python", lo, hi).Names; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.rg, got, tc.want)
		}
	}
	for _, bad := range []string{"3.12", "3.13..3.9", "..3.9", "3.9..", "3.9..3.9"} {
		if _, _, err := ParseRange(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if lo, hi, _ := ParseRange("go1.22.0..go1.22.12"); lo != "1.22.0" || hi != "1.22.12" {
		t.Errorf("go prefixes: %s..%s", lo, hi)
	}
}

func TestGoVersion(t *testing.T) {
	for in, want := range map[string]string{"go1.22.5": "1.22.5", "devel go1.27-1a2b3c4 Tue Nov 3 10:00:00 2026 +0000": "1.27", "go1.21rc2": "1.21rc2"} {
		if got := goVersion(in); got != want {
			t.Errorf("goVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
