// Command bisect measures `reprokit bisect` across commits: builds and
// probes against ⌈log₂ N⌉ on generated histories of a C tool built by make
// (64 and 1,000 commits, with and without broken builds), the answer
// checked against the commit that really changed. The history generator
// is the specs' own (gen.sh in txtar/bisect_commits.txtar), so the
// benchmark bisects what the specs test.
//
// With -go REPRO -range OLD..NEW it also times a bisection across Go
// releases, cold (an empty toolchain cache, releases fetched as needed)
// and cached.
//
// With -lib REPRO -with 'pkg==A..B' [-src CHECKOUT] [-python 3.11] it
// times a library's bisection (its releases, then with -src its commits):
// installs, probes and wall time per stage, with the environments cold
// (an empty cache) and cached. The package index is the user's.
//
//	nice -n 10 go run ./bench/bisect [-sizes 64,1000] [-go repros/x.txtar -range 1.22.0..1.22.12]
//	nice -n 10 go run ./bench/bisect -sizes '' -lib repros/x.txtar -with 'packaging==20.0..23.0' -src ~/packaging -python 3.11
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
)

type scenario struct {
	name   string
	n      int
	change int    // 1-based commit that brings the bug
	broken []int  // commits that do not compile
	other  string // OTHER= for gen.sh
}

type report struct {
	Culprit struct {
		Short   string `json:"short"`
		Subject string `json:"subject"`
	} `json:"culprit"`
	Ambiguous  bool    `json:"ambiguous"`
	Candidates int     `json:"candidates"`
	Probes     int     `json:"probes"`
	Runs       int     `json:"runs"`
	Builds     int     `json:"builds"`
	Installs   int     `json:"installs"`
	Commits    *report `json:"commits"`
}

func main() {
	sizes := flag.String("sizes", "64,1000", "history lengths (empty: none)")
	goRepro := flag.String("go", "", "a Go repro to bisect across releases (timed cold and cached)")
	goRange := flag.String("range", "", "the Go release range for -go, OLD..NEW")
	libRepro := flag.String("lib", "", "a repro to bisect a library for (with -with)")
	libWith := flag.String("with", "", "the library's range for -lib: pkg==A..B")
	libSrc := flag.String("src", "", "the library's checkout for -lib: its commits are bisected next")
	libPython := flag.String("python", "", "the interpreter for -lib (default python3)")
	flag.Parse()
	out, _ := filepath.Abs(filepath.Join("bench", "out", "bisect"))
	removeAll(out)
	must(os.MkdirAll(out, 0o755))
	bin := filepath.Join(out, "reprokit")
	run(".", "go", "build", "-o", bin, "./cmd/reprokit")
	gen, repro := specFiles()
	must(os.WriteFile(filepath.Join(out, "gen.sh"), gen, 0o644))
	must(os.WriteFile(filepath.Join(out, "repro.txtar"), repro, 0o644))

	if *sizes != "" {
		fmt.Printf("| commits | broken builds | change at | builds | probes | ⌈log₂ N⌉ | ⌈log₂ N⌉+3 | answer |\n|---|---|---|---|---|---|---|---|\n")
	}
	for _, f := range strings.Split(*sizes, ",") {
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		must(err)
		var scs []scenario
		for _, at := range []int{n / 3, n/2 + 7} {
			scs = append(scs, scenario{name: "none", n: n, change: at})
			// One broken build where the search looks first: the middle.
			scs = append(scs, scenario{name: "1 (the middle)", n: n, change: at, broken: []int{n / 2}})
			var tenth []int
			for i := 5; i < n; i += 10 {
				if i != 1 && i != n && i != at && i != at-1 {
					tenth = append(tenth, i)
				}
			}
			scs = append(scs, scenario{name: fmt.Sprintf("%d (every 10th)", len(tenth)), n: n, change: at, broken: tenth})
		}
		for i, sc := range scs {
			dir := filepath.Join(out, fmt.Sprintf("h%d-%d", n, i))
			env := []string{"BROKEN=" + join(sc.broken)}
			runEnv(out, env, "sh", "gen.sh", dir, strconv.Itoa(n), strconv.Itoa(sc.change))
			arch := filepath.Join(out, fmt.Sprintf("r%d-%d.txtar", n, i))
			must(os.WriteFile(arch, repro, 0o644))
			cmd := exec.Command(bin, "bisect", "--json", "--record=false", "--src", dir, "--build", "make", "--bin", "bin",
				"--from", fmt.Sprintf("HEAD~%d", n-1), "--to", "HEAD", "--cache", filepath.Join(out, "cache"), arch)
			var stdout bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "bisect exited: %v\n", err)
			}
			var r report
			must(json.Unmarshal(stdout.Bytes(), &r))
			answer := "right"
			if r.Ambiguous || r.Culprit.Subject != "tool: new state machine" {
				answer = "WRONG: " + r.Culprit.Subject
			}
			lg := int(math.Ceil(math.Log2(float64(n))))
			fmt.Printf("| %d | %s | %d | %d | %d | %d | %d | %s |\n", n, sc.name, sc.change, r.Builds, r.Probes, lg, lg+3, answer)
		}
	}
	if *goRepro != "" {
		timeGo(bin, out, *goRepro, *goRange)
	}
	if *libRepro != "" {
		timeLib(bin, out, *libRepro, *libWith, *libSrc, *libPython)
	}
}

// timeLib bisects a library twice: with an empty cache (every probed
// release and commit installed) and again (all cached).
func timeLib(bin, out, file, with, src, python string) {
	cache := filepath.Join(out, "libcache")
	fmt.Printf("\n| library bisection | environments | stage | candidates | probes | ⌈log₂ N⌉+3 | installs | answer | wall (whole chain) |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, round := range []string{"cold", "cached"} {
		arch := filepath.Join(out, "lib-"+round+".txtar")
		data, err := os.ReadFile(file)
		must(err)
		must(os.WriteFile(arch, data, 0o644))
		args := []string{"bisect", "--json", "--record=false", "--with", with}
		if src != "" {
			args = append(args, "--src", src, "--cache", filepath.Join(cache, "builds"))
		}
		if python != "" {
			args = append(args, "--python", python)
		}
		cmd := exec.Command(bin, append(args, arch)...)
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
		var stdout bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
		began := time.Now()
		err = cmd.Run()
		wall := time.Since(began).Seconds()
		var r report
		if jerr := json.Unmarshal(stdout.Bytes(), &r); jerr != nil || err != nil {
			fmt.Printf("| %s | %s | failed: %v %v | | | | | | %.1fs |\n", with, round, err, jerr, wall)
			continue
		}
		stages := []struct {
			name string
			r    *report
		}{{"releases", &r}, {"commits", r.Commits}}
		for _, st := range stages {
			if st.r == nil {
				continue
			}
			answer := st.r.Culprit.Short
			if st.r.Culprit.Subject != "" {
				answer += " " + st.r.Culprit.Subject
			}
			if st.r.Ambiguous {
				answer = "ambiguous"
			}
			lg := int(math.Ceil(math.Log2(float64(st.r.Candidates))))
			fmt.Printf("| %s | %s | %s | %d | %d | %d | %d | %s | %.1fs |\n", with, round, st.name, st.r.Candidates, st.r.Probes, lg+3, st.r.Installs, answer, wall)
		}
	}
}

// timeGo bisects a Go repro across releases twice: with an empty
// toolchain cache (every probed release fetched) and again (all cached).
func timeGo(bin, out, file, rg string) {
	cache := filepath.Join(out, "gocache")
	for _, round := range []string{"cold", "cached"} {
		arch := filepath.Join(out, "go-"+round+".txtar")
		data, err := os.ReadFile(file)
		must(err)
		must(os.WriteFile(arch, data, 0o644))
		cmd := exec.Command(bin, "bisect", "--go", rg, arch)
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "GOMODCACHE="+filepath.Join(cache, "mod"))
		var stdout bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
		began := time.Now()
		err = cmd.Run()
		fmt.Printf("\nGo release bisect, %s: %.1fs (%v)\n%s", round, time.Since(began).Seconds(), err, stdout.String())
	}
}

// specFiles reads the history generator and the repro from the spec.
func specFiles() (gen, repro []byte) {
	ar, err := txtar.ParseFile(filepath.Join("txtar", "bisect_commits.txtar"))
	must(err)
	for _, f := range ar.Files {
		switch f.Name {
		case "gen.sh":
			gen = f.Data
		case "repro.txtar":
			repro = f.Data
		}
	}
	if gen == nil || repro == nil {
		panic("txtar/bisect_commits.txtar lacks gen.sh or repro.txtar")
	}
	return gen, repro
}

func join(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, " ")
}

func run(dir, name string, args ...string) { runEnv(dir, nil, name, args...) }

func runEnv(dir string, env []string, name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stderr, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	must(cmd.Run())
}

// removeAll also removes the read-only directories of a module cache.
func removeAll(dir string) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	must(os.RemoveAll(dir))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
