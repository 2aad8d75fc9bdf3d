package bisect

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/internal/toolchain"
)

func TestParseLibrary(t *testing.T) {
	for _, c := range []struct {
		spec string
		kind toolchain.Kind
		want Library
		err  string
	}{
		{"trio==0.22.0..0.27.0", toolchain.Python, Library{Kind: toolchain.Python, Name: "trio", Lo: "0.22.0", Hi: "0.27.0"}, ""},
		{"Zope.Interface==..6.0", toolchain.Python, Library{Kind: toolchain.Python, Name: "zope-interface", Hi: "6.0"}, ""},
		{"attrs==22.1.0..", toolchain.Python, Library{Kind: toolchain.Python, Name: "attrs", Lo: "22.1.0"}, ""},
		{"trio==0.22.0", toolchain.Python, Library{}, "NAME==OLD..NEW"},
		{"trio==x..y", toolchain.Python, Library{}, "not a PEP 440 version"},
		{"example.com/mod@v0.3.0..v0.14.0", toolchain.Go, Library{Kind: toolchain.Go, Name: "example.com/mod", Lo: "v0.3.0", Hi: "v0.14.0"}, ""},
		{"example.com/mod@..v1.2.0", toolchain.Go, Library{Kind: toolchain.Go, Name: "example.com/mod", Hi: "v1.2.0"}, ""},
		{"example.com/mod==1..2", toolchain.Go, Library{}, "MODULE@OLD..NEW"},
	} {
		got, err := ParseLibrary(c.spec, c.kind)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseLibrary(%q): %v, want an error saying %q", c.spec, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseLibrary(%q) = %+v, %v; want %+v", c.spec, got, err, c.want)
		}
	}
}

// TagOf finds a release's tag in the forms projects use, and says how
// to name another form.
func TestTagOf(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	dir := t.TempDir()
	for _, args := range [][]string{
		{"init", "-q", "."}, {"-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "one"},
		{"tag", "v1.2.0"}, {"tag", "21.3"}, {"tag", "lib-2.0"}, {"tag", "release-3.1"}, {"tag", "sub/v0.4.0"},
	} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	py := Library{Kind: toolchain.Python, Name: "lib"}
	gomod := Library{Kind: toolchain.Go, Name: "example.com/lib/sub"}
	for _, c := range []struct {
		lib             Library
		format, version string
		want, err       string
	}{
		{py, "", "1.2.0", "v1.2.0", ""},
		{py, "", "1.2", "v1.2.0", ""}, // PEP 440: 1.2 is 1.2.0
		{py, "", "21.3", "21.3", ""},
		{py, "", "2.0", "lib-2.0", ""},
		{py, "release-{version}", "3.1", "release-3.1", ""},
		{py, "", "3.1", "", "--tag-format"},
		{gomod, "", "v0.4.0", "sub/v0.4.0", ""},
	} {
		got, err := TagOf(context.Background(), dir, c.format, c.lib, c.version)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("TagOf(%s): %v, want an error naming %s", c.version, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("TagOf(%q, %q) = %q, %v; want %q", c.format, c.version, got, err, c.want)
		}
	}
}
