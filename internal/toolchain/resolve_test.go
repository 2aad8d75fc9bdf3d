package toolchain

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestResolveAll reads the release list through a real module proxy (a
// file:// GOPROXY holding golang.org/toolchain's version list) and checks
// that `all` keeps the newest patch of each minor from 1.18: here the host
// go's own release, so nothing is fetched.
func TestResolveAll(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs a go command on PATH")
	}
	out, err := exec.Command(gobin, "env", "GOVERSION").Output()
	if err != nil {
		t.Skip("go env GOVERSION failed:", err)
	}
	host := strings.TrimSpace(string(out))
	if strings.Count(host, ".") != 2 {
		t.Skipf("host go %s is not a point release", host)
	}
	minor := host[:strings.LastIndex(host, ".")]
	dir := t.TempDir()
	list := filepath.Join(dir, "golang.org", "toolchain", "@v", "list")
	os.MkdirAll(filepath.Dir(list), 0o755)
	plat := runtime.GOOS + "-" + runtime.GOARCH
	versions := []string{"go1.17.13", minor + ".0", host, "go1.99rc1"}
	var b bytes.Buffer
	for _, v := range versions {
		mv := fmt.Sprintf("v0.0.1-%s.%s", v, plat)
		fmt.Fprintln(&b, mv)
		// The go command reads the latest version's go.mod for retractions.
		base := filepath.Join(filepath.Dir(list), mv)
		os.WriteFile(base+".info", []byte(`{"Version":"`+mv+`","Time":"2024-01-01T00:00:00Z"}`), 0o644)
		os.WriteFile(base+".mod", []byte("module golang.org/toolchain\n"), 0o644)
	}
	os.WriteFile(list, b.Bytes(), 0o644)

	env := append(os.Environ(), "GOPROXY=file://"+dir, "GONOSUMDB=*", "GOFLAGS=")
	var log bytes.Buffer
	r := &Resolver{Fetcher: &GoFetcher{Go: gobin, Env: env}, Log: &log}
	here := []Toolchain{{Kind: "go", Name: host, Version: strings.TrimPrefix(host, "go"), Path: gobin}}
	got, err := r.Go(context.Background(), here, "all")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != host || got[0].Unavailable != "" {
		t.Errorf("all = %+v, want just %s (1.17 is older than 1.18, %s.0 is not the newest patch, rc releases are not releases); log: %s", got, host, minor, log.String())
	}
	if log.Len() != 0 {
		t.Errorf("nothing should be fetched; log: %s", log.String())
	}
}
