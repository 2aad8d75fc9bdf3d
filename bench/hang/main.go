// Command hang measures the time from a hang deadline to the verdict, stacks
// included, for a Python process with 50 threads and 3 child processes (each
// with threads of its own), all blocked: the sandbox's deadline path asks
// every process for its dump one at a time, kills the tree, and the runner
// builds the hang signature.
//
//	go run ./bench/hang [-n 10] [-python 3.12]
//
// It prints the median and the worst of n runs, and how many threads'
// stacks each verdict carried.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/reprokit/reprokit/internal/cli"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/runner"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/toolchain"
)

const archive = `# 50 threads and 3 children, all blocked
exec python3 tree.py

-- tree.py --
import os, threading
never = threading.Event()
def threads(n):
    for _ in range(n):
        threading.Thread(target=never.wait).start()
children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        threads(5)
        never.wait()
    children.append(pid)
threads(50)
for pid in children:
    os.waitpid(pid, 0)
-- .reprokit.yaml --
hang: 2s
`

func main() {
	// The sandbox re-executes this binary as its child and as the shim.
	if len(os.Args) > 1 && strings.HasPrefix(os.Args[1], "__") {
		os.Exit(cli.Main(os.Args[1:]))
	}
	n := flag.Int("n", 10, "runs")
	python := flag.String("python", "", "interpreter version (default: python3 on PATH)")
	flag.Parse()
	ctx := context.Background()
	all, err := toolchain.Discover(ctx, os.Getenv)
	must(err)
	tcs, err := toolchain.Select(all, toolchain.Python, *python)
	must(err)
	tc := tcs[0]
	r, err := repro.Parse("tree.txtar", []byte(archive))
	must(err)
	var lat []time.Duration
	threads := 0
	for i := 0; i < *n; i++ {
		res := runner.Run(ctx, r, tc, runner.Options{Limits: sandbox.Limits{Timeout: 30 * time.Second}})
		done := time.Now()
		if res.Verdict != repro.Reproduces || res.Deadline.IsZero() {
			fmt.Fprintf(os.Stderr, "run %d: %s %s %s\n", i, res.Verdict, res.Reason, res.Error)
			os.Exit(1)
		}
		lat = append(lat, done.Sub(res.Deadline))
		threads = strings.Count(res.Stacks, "hread 0x")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("hang deadline → verdict (%s, 1 process with 50 threads + 3 children with 5 each; %d threads' stacks in the verdict), %d runs: median %s, worst %s\n",
		tc.Name, threads, len(lat), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/hang:", err)
		os.Exit(1)
	}
}
