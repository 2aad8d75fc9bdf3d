// This file keeps a warm Go build cache per toolchain outside the
// sandbox, so that a cell does not spend seconds recompiling the standard
// library. Before a cell, the standard packages its Go files import are
// built (outside the sandbox: only Go's own sources are compiled, no repro
// code runs) into a cache directory keyed by the toolchain's identity and
// the script's GOEXPERIMENT and GODEBUG. The sandbox mounts that directory
// read-only and seeds the cell's own, writable GOCACHE from it: a
// read-only GOCACHE is not enough, since the go command fails when it
// cannot record what it had to build.

package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// goSource is an archive member.
type goSource struct {
	Name string
	Data []byte
}

// goBuildEnvNames are the variables that change what the standard library
// compiles to, as the script sets them (`env GOEXPERIMENT=…`). GODEBUG
// only changes a binary's defaults, but it is kept in the key too, so a
// cache never mixes two settings a repro tells apart.
var goBuildEnvNames = []string{"GOEXPERIMENT", "GODEBUG", "CGO_ENABLED", "GOAMD64", "GOARCH", "GOOS"}

// goScriptEnv reads the build-relevant `env NAME=VALUE` lines of a script.
func goScriptEnv(script string) []string {
	var out []string
	for _, l := range strings.Split(script, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || f[0] != "env" {
			continue
		}
		for _, kv := range f[1:] {
			k, _, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			for _, b := range goBuildEnvNames {
				if k == b {
					out = append(out, strings.Trim(kv, "'"))
				}
			}
		}
	}
	return out
}

// stdPathRE is what a standard-library import path looks like: lower-case
// elements of letters, digits and underscores (no dot in the first one,
// which would make it a module path). The paths become arguments of a go
// command run outside the sandbox, so nothing else passes: an import of
// "-toolexec" followed by "/usr/bin/x" would otherwise be read as a flag
// and its value.
var stdPathRE = regexp.MustCompile(`^[a-z0-9_]+(/[a-z0-9_]+)*$`)

// goStdImports lists the standard-library packages the Go files import
// (import paths without a dot in their first element), plus runtime and,
// with test files, testing.
func goStdImports(files []goSource) []string {
	set := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if !strings.HasSuffix(f.Name, ".go") {
			continue
		}
		ast, err := parser.ParseFile(fset, f.Name, f.Data, parser.ImportsOnly)
		if err != nil {
			continue
		}
		if len(ast.Imports) > 0 || strings.HasSuffix(f.Name, ".go") {
			set["runtime"] = true
		}
		if strings.HasSuffix(f.Name, "_test.go") {
			set["testing"] = true
		}
		for _, imp := range ast.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil || p == "C" {
				continue
			}
			if stdPathRE.MatchString(p) {
				set[p] = true
			}
		}
	}
	var out []string
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// goCacheDir is the warm cache of one toolchain identity and build environment,
// under root (e.g. ~/.cache/reprokit/gocache).
func goCacheDir(root, identity string, buildEnv []string) string {
	h := sha256.New()
	fmt.Fprintln(h, identity)
	for _, kv := range buildEnv {
		fmt.Fprintln(h, kv)
	}
	return filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
}

// buildStdPackages builds pkgs with the go command goBin into the cache dir, in the
// environment the sandbox gives (env: PATH, GOTOOLCHAIN=local … plus the
// script's build variables), under a lock so that concurrent cells build
// once. Packages that do not exist in this release are left out: the
// cell itself reports them.
func buildStdPackages(ctx context.Context, goBin, dir string, env, pkgs []string) error {
	if len(pkgs) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".reprokit.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	tmp, err := os.MkdirTemp("", "reprokit-gocache-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, goBin, args...)
		cmd.Dir = tmp // no go.mod: the standard library alone
		cmd.Env = append(append([]string{}, env...), "GOCACHE="+dir, "GOFLAGS=", "GO111MODULE=on", "GOPATH="+filepath.Join(tmp, "gopath"))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("warming the Go build cache: go %s: %v: %s", args[0], err, strings.TrimSpace(stderr.String()))
		}
		return stdout.String(), nil
	}
	// "--": the packages are never flags (goStdImports already keeps
	// only standard-library paths).
	if _, err := run(append([]string{"build", "--"}, pkgs...)...); err != nil {
		// A package missing from an old release is the cell's business
		// (it reports it); the rest can still be warmed.
		out, lerr := run(append([]string{"list", "-e", "-f", "{{if not .Error}}{{.ImportPath}}{{end}}", "--"}, pkgs...)...)
		if lerr != nil {
			return err
		}
		if have := strings.Fields(out); len(have) > 0 && len(have) < len(pkgs) {
			_, err = run(append([]string{"build", "--"}, have...)...)
		}
		return err
	}
	return nil
}
