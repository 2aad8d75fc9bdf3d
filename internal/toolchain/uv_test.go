package toolchain

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// uvList is `uv python list --only-downloads --all-versions --show-urls
// --output-format json` as uv 0.13 prints it (shortened), PyPy included.
const uvList = `[
{"key":"cpython-3.16.0a2-linux-x86_64-gnu","version":"3.16.0a2","variant":"default","implementation":"cpython","url":"https://example.invalid/cpython-3.16.0a2%2B20261110-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"},
{"key":"cpython-3.14.10-linux-x86_64-gnu","version":"3.14.10","variant":"default","implementation":"cpython","url":"u"},
{"key":"cpython-3.14.10+freethreaded-linux-x86_64-gnu","version":"3.14.10","variant":"freethreaded","implementation":"cpython","url":"u"},
{"key":"cpython-3.14.9-linux-x86_64-gnu","version":"3.14.9","variant":"default","implementation":"cpython","url":"u"},
{"key":"cpython-3.12.4-linux-x86_64-gnu","version":"3.12.4","variant":"default","implementation":"cpython","url":"u"},
{"key":"cpython-3.12.3-linux-x86_64-gnu","version":"3.12.3","variant":"default","implementation":"cpython","url":"u"},
{"key":"cpython-3.12.0-linux-x86_64-gnu","version":"3.12.0","variant":"default","implementation":"cpython","url":"u"},
{"key":"cpython-3.8.20-linux-x86_64-gnu","version":"3.8.20","variant":"default","implementation":"cpython","url":"u"},
{"key":"pypy-3.12.15-linux-x86_64-gnu","version":"3.12.15","variant":"default","implementation":"pypy","url":"u"}
]`

func versionsOf(dl []Download) []string {
	var out []string
	for _, d := range dl {
		out = append(out, d.Version)
	}
	return out
}

func TestParseDownloads(t *testing.T) {
	dl, err := ParseDownloads([]byte(uvList))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"3.16.0a2", "3.14.10", "3.14.10t", "3.14.9", "3.12.4", "3.12.3", "3.12.0", "3.8.20"}
	if got := versionsOf(dl); !reflect.DeepEqual(got, want) {
		t.Errorf("versions = %q, want %q (CPython only, free-threaded as t)", got, want)
	}
	if !dl[0].Prerelease || dl[1].Prerelease {
		t.Errorf("3.16.0a2 is a pre-release, 3.14.10 is not: %+v", dl[:2])
	}
	if f := dl[0].File(); f != "cpython-3.16.0a2+20261110-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz" {
		t.Errorf("File() = %q", f)
	}
}

func TestSelectDownloads(t *testing.T) {
	dl, _ := ParseDownloads([]byte(uvList))
	for _, c := range []struct {
		item string
		want []string
	}{
		{"3.12", []string{"3.12.0", "3.12.3", "3.12.4"}},
		{"3.12.*", []string{"3.12.0", "3.12.3", "3.12.4"}},
		{"3.12.3", []string{"3.12.3"}},
		{"3.14t", []string{"3.14.10t"}},
		{"3.14", []string{"3.14.9", "3.14.10"}},
		{"3.16", []string{"3.16.0a2"}}, // no final release yet: the pre-release
		{"3.13", nil},
	} {
		if got := versionsOf(Releases(dl, c.item)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Releases(%q) = %q, want %q", c.item, got, c.want)
		}
	}
	if got, want := versionsOf(NewestPerMinor(dl, "3.9")), []string{"3.12.4", "3.14.10"}; !reflect.DeepEqual(got, want) {
		t.Errorf("NewestPerMinor = %q, want %q (no 3.8: older than 3.9; no pre-release, no free-threaded)", got, want)
	}
	if got, want := versionsOf(DownloadsInRange(dl, "3.12.1", "3.14")), []string{"3.12.3", "3.12.4", "3.14.9", "3.14.10"}; !reflect.DeepEqual(got, want) {
		t.Errorf("DownloadsInRange = %q, want %q", got, want)
	}
}

// Without uv, a release that is not here is a skipped cell naming the
// reason and the command; what is here is used as it is, and `all` is
// what is here, said once.
func TestPythonWithoutUV(t *testing.T) {
	env := func(k string) string {
		return map[string]string{"PATH": t.TempDir(), "XDG_CACHE_HOME": "/cache"}[k]
	}
	var log bytes.Buffer
	r := &Resolver{UV: NewUV(env), Log: &log}
	here := []Toolchain{{Kind: Python, Name: "cpython-3.11.2", Version: "3.11.2", Path: "/usr/bin/python3.11"}}
	got, err := r.Python(context.Background(), here, "3.11,3.14")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Version != "3.11.2" || got[0].Unavailable != "" {
		t.Fatalf("got %+v, want 3.11.2 then an unavailable 3.14", got)
	}
	want := "no 3.14 here, and cannot fetch: uv is not on PATH; to fetch it by hand: pip install uv && uv python install --no-bin --install-dir /cache/reprokit/python 3.14"
	if got[1].Version != "3.14" || got[1].Unavailable != want {
		t.Errorf("3.14: %+v\nwant Unavailable %q", got[1], want)
	}
	all, err := r.Python(context.Background(), here, "all")
	if err != nil || len(all) != 1 {
		t.Errorf("all = %+v, %v; want what is here", all, err)
	}
	if !strings.Contains(log.String(), "--python all: cannot fetch: uv is not on PATH; running the interpreters on this machine only") {
		t.Errorf("log: %s", log.String())
	}
}

// The user's offline settings are honoured: nothing is downloaded, and
// the cell says why.
func TestPythonOffline(t *testing.T) {
	dir := t.TempDir()
	uv := filepath.Join(dir, "uv")
	// A stand-in uv that can list but must never be asked to install.
	os.WriteFile(uv, []byte("#!/bin/sh\n[ \"$2\" = list ] && { cat <<'EOF'\n"+uvList+"\nEOF\nexit 0; }\necho install called >&2; exit 9\n"), 0o755)
	env := func(k string) string {
		return map[string]string{"PATH": dir, "XDG_CACHE_HOME": dir, "UV_OFFLINE": "1"}[k]
	}
	r := &Resolver{UV: NewUV(env)}
	got, err := r.Python(context.Background(), nil, "3.14")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[0].Unavailable, "cannot fetch 3.14.10: offline (UV_OFFLINE is set); to fetch it by hand: uv python install --no-bin --install-dir "+dir+"/reprokit/python cpython-3.14.10-linux-x86_64-gnu") {
		t.Errorf("got %+v", got)
	}
}

// uv's failures: the unreachable ones are "cannot fetch" (skip), a hash
// mismatch is an error naming the archive.
func TestInstallFailures(t *testing.T) {
	dir := t.TempDir()
	uv := filepath.Join(dir, "uv")
	d := Download{Key: "cpython-3.12.1-linux-x86_64-gnu", Version: "3.12.1", URL: "http://127.0.0.1:1/cpython-3.12.1%2B20240101-x86_64-unknown-linux-gnu-install_only.tar.gz"}
	for _, c := range []struct {
		stderr   string
		skip     bool
		contains string
	}{
		{"error: Failed to install cpython-3.12.1-linux-x86_64-gnu\n  Caused by: Hash mismatch for `cpython-3.12.1-linux-x86_64-gnu`\n\nExpected:\naaaa\n\nComputed:\nbbbb\n", false,
			"fetching 3.12.1: cpython-3.12.1+20240101-x86_64-unknown-linux-gnu-install_only.tar.gz: its sha256 is not the one uv's download list gives (expected aaaa computed bbbb); uv installed nothing"},
		{"error: Failed to install cpython-3.12.1-linux-x86_64-gnu\n  cause: error sending request for url\n  cause: tcp connect error\n  cause: Connection refused (os error 111)\n", true,
			"cannot fetch 3.12.1: cpython-3.12.1+20240101-x86_64-unknown-linux-gnu-install_only.tar.gz: Failed to install cpython-3.12.1-linux-x86_64-gnu: Connection refused (os error 111); to fetch it by hand: uv python install"},
	} {
		os.WriteFile(uv, []byte("#!/bin/sh\ncat >&2 <<'EOF'\n"+c.stderr+"EOF\nexit 1\n"), 0o755)
		u := &UV{Path: uv, Dir: filepath.Join(dir, "py")}
		_, err := u.Install(context.Background(), d)
		if err == nil {
			t.Fatal("Install succeeded")
		}
		if errors.Is(err, ErrCannotFetch) != c.skip {
			t.Errorf("%v: cannot-fetch = %v, want %v", err, !c.skip, c.skip)
		}
		if !strings.Contains(err.Error(), c.contains) {
			t.Errorf("error %q\nwant it to contain %q", err, c.contains)
		}
	}
}

// uv runs in an empty directory: a uv.toml where reprokit is started (an
// unpacked archive, a project) does not choose where CPython comes from.
func TestUVIgnoresTheWorkingDirectory(t *testing.T) {
	uv, err := exec.LookPath("uv")
	if err != nil {
		t.Skip("needs uv on PATH (pip install uv)")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "empty.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(dir, "uv.toml"), []byte(`python-downloads-json-url = "`+filepath.Join(dir, "empty.json")+`"`+"\n"), 0o644)
	t.Chdir(dir)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "UV_") {
			env = append(env, kv)
		}
	}
	u := &UV{Path: uv, Dir: filepath.Join(dir, "py"), Env: append(env, "XDG_CONFIG_HOME="+filepath.Join(dir, "noconfig"))}
	dl, err := u.Downloads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) == 0 {
		t.Errorf("uv read the uv.toml of the directory reprokit runs in: no downloads listed")
	}
}

// all, when the downloads cannot be reached: the releases that could not
// be had are left out and named once, not turned into skipped cells (a
// check would count those as transitions); one release named by itself is
// a skipped cell with the reason. uv is asked to install once: after the
// first failure the others are not tried.
func TestAllUnreachable(t *testing.T) {
	dir := t.TempDir()
	uv := filepath.Join(dir, "uv")
	os.WriteFile(uv, []byte("#!/bin/sh\n[ \"$2\" = list ] && { cat <<'EOF'\n"+uvList+"\nEOF\nexit 0; }\necho x >> "+dir+"/installs\necho 'error: Failed to install\n  cause: tcp connect error\n  cause: Connection refused (os error 111)' >&2; exit 1\n"), 0o755)
	env := func(k string) string { return map[string]string{"PATH": dir, "XDG_CACHE_HOME": dir}[k] }
	var log bytes.Buffer
	r := &Resolver{UV: NewUV(env), Log: &log}
	here := []Toolchain{{Kind: Python, Name: "cpython-3.11.2", Version: "3.11.2"}}
	got, err := r.Python(context.Background(), here, "all")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Version != "3.11.2" {
		t.Errorf("all = %+v, want 3.11.2 alone", got)
	}
	if n, _ := os.ReadFile(filepath.Join(dir, "installs")); string(n) != "x\n" {
		t.Errorf("uv was asked to install %d times, want once", strings.Count(string(n), "x"))
	}
	if want := "--python all: cannot fetch 3.12.4 and 3.14.10 (3.12.4: "; !strings.Contains(log.String(), want) || strings.Count(log.String(), "\n") != 2 {
		t.Errorf("log:\n%s\nwant the fetching line and one line with %q", log.String(), want)
	}
	r = &Resolver{UV: NewUV(env)}
	got, err = r.Python(context.Background(), here, "3.14,3.12")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Version != "3.12.4" || !strings.Contains(got[0].Unavailable, "cannot fetch 3.12.4: not tried, as fetching 3.14.10 just failed (Connection refused (os error 111))") || !strings.Contains(got[1].Unavailable, "cannot fetch 3.14.10: u: Failed to install: Connection refused (os error 111); to fetch it by hand: ") {
		t.Errorf("got %+v", got)
	}
}
