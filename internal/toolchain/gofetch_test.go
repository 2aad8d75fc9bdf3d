package toolchain

import (
	"reflect"
	"testing"
)

func TestParseReleases(t *testing.T) {
	mods := []string{"v0.0.1-go1.22.10.linux-amd64", "v0.0.1-go1.21rc2.linux-amd64", "v0.0.1-go1.20.linux-amd64", "v0.0.1-go1.22.2.linux-amd64", "v0.0.1-go1.22.2.darwin-arm64", "v0.0.1-go1.9.linux-amd64"}
	// The patch releases the list leaves out are added: Go numbers a
	// minor's releases without gaps.
	want := []string{"go1.9", "go1.20", "go1.22.0", "go1.22.1", "go1.22.2", "go1.22.3", "go1.22.4", "go1.22.5", "go1.22.6", "go1.22.7", "go1.22.8", "go1.22.9", "go1.22.10"}
	if got := ParseGoReleases(mods, "linux-amd64"); !reflect.DeepEqual(got, want) {
		t.Errorf("ParseReleases = %q, want %q", got, want)
	}
}

func TestReleaseName(t *testing.T) {
	for in, want := range map[string]string{"1.20.0": "go1.20", "1.21.0": "go1.21.0", "go1.22.12": "go1.22.12", "1.18.10": "go1.18.10"} {
		if got := GoReleaseName(in); got != want {
			t.Errorf("ReleaseName(%q) = %q, want %q", in, got, want)
		}
	}
}
