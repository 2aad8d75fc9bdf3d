// Command pyfetch measures fetching CPython releases with uv: a run on a
// release this machine lacks (`reprokit run --python 3.12`) and a release
// bisection that fetches the releases it probes (`reprokit bisect --python
// 3.9..3.13`), each cold (an empty reprokit cache: uv downloads, checks
// and unpacks) and cached (the releases fetched before are found by
// discovery), beside the same run on the local interpreter.
//
// The releases come from a downloads mirror on loopback (the specs' own,
// internal/fake/pyindex): this machine's pyenv builds packed as
// python-build-standalone install_only archives, with pyenv hidden from
// reprokit's discovery. First it asks uv for one real release from its
// real download list, to say whether the public downloads are reachable
// from here at all.
//
//	nice -n 10 go run ./bench/pyfetch [-uv uv] [-repro repros/float_sum_precision.txtar]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/reprokit/reprokit/internal/fake/pyindex"
	"github.com/reprokit/reprokit/internal/toolchain"
)

func main() {
	uvFlag := flag.String("uv", "uv", "the uv to fetch with")
	reproFlag := flag.String("repro", "repros/float_sum_precision.txtar", "the repro to run and bisect (sum() of floats: exact from 3.12)")
	flag.Parse()
	uv, err := exec.LookPath(*uvFlag)
	must(err)
	home, _ := os.UserHomeDir()
	pyenv := filepath.Join(home, ".pyenv", "versions")

	out, _ := filepath.Abs(filepath.Join("bench", "out", "pyfetch"))
	os.RemoveAll(out)
	must(os.MkdirAll(out, 0o755))
	bin := filepath.Join(out, "reprokit")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/reprokit")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	must(cmd.Run())
	repro := filepath.Join(out, "repro.txtar")
	data, err := os.ReadFile(*reproFlag)
	must(err)

	// 0. The public downloads, as uv lists them (built into uv).
	fmt.Printf("uv: %s\n", strings.TrimSpace(output(exec.Command(uv, "--version"))))
	u := &toolchain.UV{Path: uv, Dir: filepath.Join(out, "upstream"), Env: append(os.Environ(), "UV_PYTHON_DOWNLOADS_JSON_URL=", "UV_PYTHON_INSTALL_MIRROR=")}
	if dl, err := u.Downloads(context.Background()); err != nil {
		fmt.Printf("uv's own download list: %v\n", err)
	} else if newest := toolchain.NewestPerMinor(dl, "3.14"); len(newest) > 0 {
		began := time.Now()
		_, err := u.Install(context.Background(), newest[0])
		fmt.Printf("uv's own download list: %d CPython builds; fetching %s from the public downloads: %.1fs, %v\n", len(dl), newest[0].Version, time.Since(began).Seconds(), err)
	}

	// The mirror: pyenv's builds, packed once (not part of the fetch times).
	m := pyindex.NewMirror()
	defer m.Close()
	for _, minor := range []string{"3.9", "3.10", "3.12", "3.13"} {
		found, _ := filepath.Glob(filepath.Join(pyenv, minor+".*"))
		if len(found) == 0 {
			fmt.Printf("no pyenv build of %s: skipped\n", minor)
			continue
		}
		v := strings.TrimSpace(output(exec.Command(filepath.Join(found[0], "bin", "python3"), "-c", `import sys; print("%d.%d.%d" % sys.version_info[:3])`)))
		began := time.Now()
		must(m.Add(v, found[0]))
		arch, _ := pyindex.InstallOnly(found[0])
		fmt.Printf("mirror: %s packed in %.1fs (%.1f MiB)\n", v, time.Since(began).Seconds(), float64(len(arch))/(1<<20))
	}

	cache := filepath.Join(out, "cache")
	env := func(withPyenv bool) []string {
		var e []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "PYENV_ROOT=") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_CACHE_HOME=") && !strings.HasPrefix(kv, "UV_") {
				e = append(e, kv)
			}
		}
		e = append(e, "HOME="+filepath.Join(out, "home"), "XDG_CACHE_HOME="+cache, "UV_PYTHON_DOWNLOADS_JSON_URL="+m.JSONURL(), "REPROKIT_NO_GOCACHE=1")
		if withPyenv {
			e = append(e, "PYENV_ROOT="+filepath.Dir(pyenv))
		}
		return e
	}
	step := func(name string, withPyenv bool, args ...string) {
		must(os.WriteFile(repro, data, 0o644))
		before := len(m.Requests())
		c := exec.Command(bin, args...)
		c.Dir = out
		c.Env = env(withPyenv)
		var stdout, stderr bytes.Buffer
		c.Stdout, c.Stderr = &stdout, &stderr
		began := time.Now()
		err := c.Run()
		took := time.Since(began)
		fetched := 0
		for _, r := range m.Requests()[before:] {
			if strings.HasSuffix(r, ".tar.gz") {
				fetched++
			}
		}
		fmt.Printf("\n## %s: %.2fs, %d archive(s) fetched, exit %v\n$ reprokit %s\n%s%s", name, took.Seconds(), fetched, exitCode(err), strings.Join(args, " "), stdout.String(), indent(stderr.String()))
	}
	os.MkdirAll(filepath.Join(out, "home"), 0o755)
	step("run on the local pyenv 3.12 (for comparison)", true, "run", "--python", "3.12", "repro.txtar")
	os.RemoveAll(cache)
	step("run --python 3.12, cold (fetched)", false, "run", "--python", "3.12", "repro.txtar")
	step("run --python 3.12, cached", false, "run", "--python", "3.12", "repro.txtar")
	os.RemoveAll(cache)
	step("bisect --python 3.9..3.13, cold", false, "bisect", "--record=false", "--python", "3.9..3.13", "repro.txtar")
	step("bisect --python 3.9..3.13, cached", false, "bisect", "--record=false", "--python", "3.9..3.13", "repro.txtar")
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "stderr:\n  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ") + "\n"
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func output(c *exec.Cmd) string {
	b, _ := c.Output()
	return string(b)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "pyfetch:", err)
		os.Exit(1)
	}
}
