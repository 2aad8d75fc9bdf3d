// Command deps measures what PEP 723 dependencies cost a cell, with each
// installer, side by side: a cold environment build (nothing cached: the
// installer runs in its sandbox, downloads from a loopback index, wheels
// only), a cell whose environment is cached, and the same cell with no
// dependencies at all. The target: a cached cell costs at most 0.3 s
// more than a cell without dependencies.
//
//	go run ./bench/deps [-n 10] [-cold 3]
//
// It builds reprokit into bench/out/ and serves two small pure-Python
// wheels from internal/pyindex on loopback, so no public index is used.
// uv is measured when it is on PATH (pip install uv).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/reprokit/reprokit/internal/fake/pyindex"
)

func main() {
	n := flag.Int("n", 10, "runs of each warm case")
	cold := flag.Int("cold", 3, "cold builds per installer")
	flag.Parse()
	out, _ := filepath.Abs(filepath.Join("bench", "out"))
	must(os.MkdirAll(out, 0o755))
	bin := filepath.Join(out, "reprokit")
	run("go", "build", "-o", bin, "./cmd/reprokit")

	idx, err := pyindex.New(
		pyindex.Project{Name: "tinydep", Version: "1.0.0", Files: map[string]string{"tinydep/__init__.py": "def answer():\n    return 'old answer'\n"}},
		pyindex.Project{Name: "otherdep", Version: "1.0.0", Files: map[string]string{"otherdep/__init__.py": "X = 1\n"}},
	)
	must(err)
	defer idx.Close()

	dir, err := os.MkdirTemp("", "reprokit-bench-deps-")
	must(err)
	defer os.RemoveAll(dir)
	deps := filepath.Join(dir, "deps.txtar")
	plain := filepath.Join(dir, "plain.txtar")
	must(os.WriteFile(deps, []byte(depsArchive), 0o644))
	must(os.WriteFile(plain, []byte(plainArchive), 0o644))

	installers := []string{"pip"}
	if _, err := exec.LookPath("uv"); err == nil {
		installers = append(installers, "uv")
	} else {
		fmt.Fprintln(os.Stderr, "bench: uv is not on PATH: measuring pip only (pip install uv)")
	}
	py, _ := exec.Command("python3", "-c", "import sys; print(sys.version.split()[0])").Output()
	fmt.Printf("python3 %s, %d cold builds and %d warm runs per case, loopback index, 2 wheels\n\n", strings.TrimSpace(string(py)), *cold, *n)
	fmt.Printf("%-9s %12s %12s %12s %14s\n", "installer", "cold build", "cached cell", "no deps", "cached - none")
	for _, inst := range installers {
		args := []string{"run", "--installer", inst, "--index-url", idx.IndexURL()}
		var coldT []time.Duration
		for i := 0; i < *cold; i++ {
			cache := filepath.Join(dir, fmt.Sprintf("cache-%s-%d", inst, i))
			coldT = append(coldT, timeRun(cache, append(args, deps)))
		}
		cache := filepath.Join(dir, fmt.Sprintf("cache-%s-0", inst))
		var cached, none []time.Duration
		for i := 0; i < *n; i++ {
			cached = append(cached, timeRun(cache, append(args, deps)))
			none = append(none, timeRun(cache, append(args, plain)))
		}
		c, p := median(cached), median(none)
		fmt.Printf("%-9s %12s %12s %12s %14s\n", inst, secs(median(coldT)), secs(c), secs(p), secs(c-p))
	}
	fmt.Printf("\ntarget: cached - none <= 0.300s (medians); the cold build includes the installer's sandbox and the environment's creation\n")
}

func timeRun(cache string, args []string) time.Duration {
	cmd := exec.Command(filepath.Join("bench", "out", "reprokit"), args...)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	began := time.Now()
	err := cmd.Run()
	d := time.Since(began)
	if err != nil || !strings.Contains(buf.String(), "reproduces") {
		fmt.Fprintf(os.Stderr, "bench: reprokit %s: %v\n%s", strings.Join(args, " "), err, buf.String())
		os.Exit(1)
	}
	return d
}

func median(t []time.Duration) time.Duration {
	s := append([]time.Duration{}, t...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

func run(argv ...string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	must(cmd.Run())
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

const depsArchive = `# two dependencies
exec python3 repro.py
stdout '^old answer$'

-- repro.py --
# /// script
# dependencies = ["tinydep==1.0.0", "otherdep==1.0.0"]
# ///
import tinydep, otherdep
print(tinydep.answer())
`

const plainArchive = `# no dependencies
exec python3 repro.py
stdout '^old answer$'

-- repro.py --
print('old answer')
`
