// Command deaths measures what seeing the repro's own reaped children
// costs: each workload runs in the sandbox with the recorder off
// (REPROKIT_REAPS=off), with the default recorder (the Python one and the
// init's orphans) and with --trace-deaths (ptrace of every exec's tree),
// and the time the workload took inside its program is printed side by
// side, median of n runs (the modes take turns, run by run).
//
//	go run ./bench/deaths [-n 5] [-python 3.12]
//
// Run it on a quiet machine: the figures are milliseconds of fork, exec,
// thread and signal round trips.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/reprokit/reprokit/internal/cli"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// Each workload prints "elapsed_ms N", timed by the program itself.
var workloads = []struct{ name, archive string }{
	{"python: 200 forks, each reaped", `# forks
exec python3 w.py
-- w.py --
import os, time
t = time.perf_counter()
for _ in range(200):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
print("elapsed_ms", int((time.perf_counter() - t) * 1000))
`},
	{"python: 50 subprocess.run", `# subprocesses
exec python3 w.py
-- w.py --
import subprocess, time
t = time.perf_counter()
for _ in range(50):
    subprocess.run(["/bin/true"])
print("elapsed_ms", int((time.perf_counter() - t) * 1000))
`},
	{"python: 200 threads", `# threads
exec python3 w.py
-- w.py --
import threading, time
t = time.perf_counter()
for _ in range(200):
    th = threading.Thread(target=lambda: None)
    th.start()
    th.join()
print("elapsed_ms", int((time.perf_counter() - t) * 1000))
`},
	{"python: 2000 signals to itself", `# signals
exec python3 w.py
-- w.py --
import os, signal, time
signal.signal(signal.SIGUSR1, lambda *a: None)
t = time.perf_counter()
for _ in range(2000):
    os.kill(os.getpid(), signal.SIGUSR1)
print("elapsed_ms", int((time.perf_counter() - t) * 1000))
`},
	{"sh: 300 fork+exec of /bin/true", `# execs
exec python3 w.py
-- w.py --
import subprocess, time
t = time.perf_counter()
subprocess.run(["sh", "-c", "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done"])
print("elapsed_ms", int((time.perf_counter() - t) * 1000))
`},
}

var elapsedRE = regexp.MustCompile(`elapsed_ms (\d+)`)

func main() {
	// The sandbox re-executes this binary as its child and as the shim.
	if len(os.Args) > 1 && strings.HasPrefix(os.Args[1], "__") {
		os.Exit(cli.Main(os.Args[1:]))
	}
	n := flag.Int("n", 5, "runs per workload and mode")
	python := flag.String("python", "", "interpreter version (default: python3 on PATH)")
	flag.Parse()
	ctx := context.Background()
	all, err := toolchain.Discover(ctx, os.Getenv)
	must(err)
	tcs, err := toolchain.Select(all, "python", *python)
	must(err)
	tc := tcs[0]
	modes := []sandbox.ReapMode{sandbox.ReapsOff, sandbox.ReapsOn, sandbox.ReapsTrace}
	fmt.Printf("%s, median of %d runs, ms inside the program (whole run in brackets)\n\n", tc.Name, *n)
	fmt.Printf("| workload | off | on (default) | --trace-deaths |\n|---|---:|---:|---:|\n")
	for _, w := range workloads {
		r, err := repro.Parse("w.txtar", []byte(w.archive))
		must(err)
		inner := make([][]int, len(modes))
		whole := make([][]int, len(modes))
		// The modes take turns, run by run, so that a machine whose load
		// changes weighs on each alike.
		for i := 0; i < *n; i++ {
			for k, m := range modes {
				began := time.Now()
				res := runner.Run(ctx, r, tc, runner.Options{Reaps: m, Limits: sandbox.Limits{Timeout: 120 * time.Second}})
				took := time.Since(began)
				mm := elapsedRE.FindStringSubmatch(res.Output)
				if res.Verdict != repro.Reproduces || mm == nil {
					fmt.Fprintf(os.Stderr, "%s (%s): %s %s %s\n%s\n", w.name, m, res.Verdict, res.Reason, res.Error, res.Log)
					os.Exit(1)
				}
				v, _ := strconv.Atoi(mm[1])
				inner[k], whole[k] = append(inner[k], v), append(whole[k], int(took.Milliseconds()))
			}
		}
		row := "| " + w.name
		for k := range modes {
			row += fmt.Sprintf(" | %d (%d)", median(inner[k]), median(whole[k]))
		}
		fmt.Println(row + " |")
	}
}

func median(xs []int) int {
	sort.Ints(xs)
	return xs[len(xs)/2]
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
