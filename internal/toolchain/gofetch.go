// This file brings Go releases onto this machine the way the go
// command itself does when GOTOOLCHAIN names a release it lacks: as the
// module golang.org/toolchain@v0.0.1-goX.Y.Z.GOOS-GOARCH, downloaded through
// GOPROXY, verified against the checksum database (GOSUMDB), unpacked into
// the module cache with its executable bits restored. Rather than
// re-implement that (cmd/go/internal/toolchain/switch.go), it asks the host
// go to do it: `GOTOOLCHAIN=go1.X.Y go version` downloads, verifies and runs
// the release, and leaves it in $GOMODCACHE for every later run.

package toolchain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// GoToolchainModule is the module path Go releases are published under.
const GoToolchainModule = "golang.org/toolchain"

// GoFetcher fetches releases with a host go command.
type GoFetcher struct {
	// Go is the go command that downloads (Go 1.21 or newer: older ones
	// do not know GOTOOLCHAIN). Default: go on PATH.
	Go string
	// Env is the environment the host go runs with (GOPROXY, GOSUMDB,
	// GOMODCACHE, GOFLAGS …). Default: os.Environ().
	Env []string
}

// Regexps and templates here are built on first use (sync.OnceValue), not
// at init: every start of reprokit, four per sandboxed run, paid for all of
// them (bench/run/RESULTS.md).
var versionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^go1\.\d+(\.\d+)?((rc|beta)\d+)?$`) })

// GoReleaseName is the go command's name for version v: "go1.22.0" from
// Go 1.21 on, but "go1.20" for the first release of 1.20 and before.
func GoReleaseName(v string) string {
	v = strings.TrimPrefix(v, "go")
	parts := strings.Split(v, ".")
	if len(parts) == 3 && parts[2] == "0" && parts[0] == "1" {
		if minor, err := strconv.Atoi(parts[1]); err == nil && minor < 21 {
			v = parts[0] + "." + parts[1]
		}
	}
	return "go" + v
}

// GoModuleVersion is the golang.org/toolchain version holding release v
// ("go1.22.5") for this machine's GOOS/GOARCH.
func GoModuleVersion(v string) string {
	return fmt.Sprintf("v0.0.1-%s.%s-%s", v, runtime.GOOS, runtime.GOARCH)
}

func (f *GoFetcher) gocmd() string {
	if f.Go != "" {
		return f.Go
	}
	return "go"
}

func (f *GoFetcher) env(extra ...string) []string {
	env := f.Env
	if env == nil {
		env = os.Environ()
	}
	// GOFLAGS such as -mod=vendor would break `go version` outside a module.
	return append(append(append([]string{}, env...), "GOFLAGS="), extra...)
}

// ErrOffline says the module proxy could not be reached: the caller skips
// the release with the reason instead of failing the run.
var ErrOffline = errors.New("the Go module proxy is unreachable")

// Fetch makes release v ("go1.22.5") present in the module cache and
// returns its GOROOT. It runs in an empty temporary directory so that no
// go.mod or go.work around the caller redirects the toolchain choice.
func (f *GoFetcher) Fetch(ctx context.Context, v string) (string, error) {
	if !versionRE().MatchString(v) {
		return "", fmt.Errorf("%q is not a Go release name (want e.g. go1.22.5)", v)
	}
	dir, err := os.MkdirTemp("", "reprokit-gofetch-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, f.gocmd(), "env", "GOROOT", "GOVERSION")
	cmd.Dir = dir
	cmd.Env = f.env("GOTOOLCHAIN=" + v)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if offline(msg) {
			return "", fmt.Errorf("fetching %s: %w: %s", v, ErrOffline, lastLine(msg))
		}
		return "", fmt.Errorf("fetching %s with %s: %v: %s", v, f.gocmd(), err, lastLine(msg))
	}
	lines := strings.Fields(string(out))
	if len(lines) < 2 || lines[1] != v {
		return "", fmt.Errorf("fetching %s: the go command reported %q instead", v, strings.TrimSpace(string(out)))
	}
	return lines[0], nil
}

func offline(msg string) bool {
	for _, s := range []string{"dial tcp", "no such host", "connection refused", "network is unreachable", "i/o timeout", "GOPROXY=off", "TLS handshake timeout", "server misbehaving"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// Releases lists the Go releases published as toolchain modules for this
// machine (oldest first), from the module proxy's version list.
func (f *GoFetcher) Releases(ctx context.Context) ([]string, error) {
	dir, err := os.MkdirTemp("", "reprokit-gofetch-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, f.gocmd(), "list", "-m", "-json", "-versions", GoToolchainModule)
	cmd.Dir = dir
	cmd.Env = f.env("GOTOOLCHAIN=local", "GO111MODULE=on")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if offline(msg) {
			return nil, fmt.Errorf("listing Go releases: %w: %s", ErrOffline, lastLine(msg))
		}
		return nil, fmt.Errorf("listing Go releases: %v: %s", err, lastLine(msg))
	}
	var m struct{ Versions []string }
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("listing Go releases: %v", err)
	}
	return ParseGoReleases(m.Versions, runtime.GOOS+"-"+runtime.GOARCH), nil
}

// ParseGoReleases keeps the final releases (no rc, no beta) of a platform
// from golang.org/toolchain module versions, sorted oldest first.
func ParseGoReleases(modVersions []string, platform string) []string {
	var out []string
	for _, mv := range modVersions {
		rest, ok := strings.CutPrefix(mv, "v0.0.1-")
		if !ok {
			continue
		}
		// "go1.22.5.linux-amd64": the platform follows the last dot.
		i := strings.LastIndex(rest, ".")
		if i < 0 {
			continue
		}
		rel, plat := rest[:i], rest[i+1:]
		if plat != platform || strings.Contains(rel, "rc") || strings.Contains(rel, "beta") {
			continue
		}
		out = append(out, rel)
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	return withUnlisted(out)
}

// withUnlisted adds the patch releases a proxy's list leaves out. Go
// numbers the releases of a minor version without gaps, and a list can
// still miss some that are there to fetch (one proxy listed 1.22.0, 1.22.2
// and 1.22.5 but not 1.22.1, 1.22.3 or 1.22.4, which the go command
// fetched at once); a bisection over the list alone would skip them.
// Patches below the first one listed are added too. sorted is oldest
// first; so is the result.
func withUnlisted(sorted []string) []string {
	var out []string
	for i, rel := range sorted {
		minor, patch := minorPatch(rel)
		next := 0 // the first patch of this minor not yet in out
		if i > 0 {
			if prevMinor, prevPatch := minorPatch(sorted[i-1]); prevMinor == minor {
				next = prevPatch + 1
			}
		}
		for p := next; p < patch; p++ {
			out = append(out, GoReleaseName(fmt.Sprintf("%s.%d", minor, p)))
		}
		out = append(out, rel)
	}
	return out
}

// minorPatch splits "go1.22.5" into "1.22" and 5 ("go1.20" is 1.20's
// patch 0).
func minorPatch(rel string) (string, int) {
	v := strings.TrimPrefix(rel, "go")
	if strings.Count(v, ".") == 1 {
		return v, 0
	}
	i := strings.LastIndex(v, ".")
	p, _ := strconv.Atoi(v[i+1:])
	return v[:i], p
}

func less(a, b string) bool {
	as := strings.Split(strings.TrimPrefix(a, "go"), ".")
	bs := strings.Split(strings.TrimPrefix(b, "go"), ".")
	for i := 0; i < 3; i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
