// Command check measures a full `reprokit check` of the bundled corpus on
// every interpreter found: cold (empty result cache), then cached. It prints
// the parallel efficiency of the cold run — the sum of the cells' own run
// times ÷ (wall time × workers) — the cached run's share of the cold run's
// wall time, and reprokit's own peak RSS (VmHWM of the reprokit process,
// sampled from /proc while it runs; the interpreters it starts are not
// counted).
//
//	go run ./bench/check [-j N] [-rounds 3]
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

type cell struct {
	DurationMS int64 `json:"duration_ms"`
	Cached     bool  `json:"cached"`
	Verdict    string
}

type measure struct {
	wall   time.Duration
	cells  []cell
	hwmKiB int64
}

func main() {
	jobs := flag.Int("j", runtime.NumCPU(), "workers (reprokit check -j)")
	rounds := flag.Int("rounds", 3, "cold+cached rounds; the median round is reported")
	flag.Parse()
	out, _ := filepath.Abs(filepath.Join("bench", "out"))
	must(os.MkdirAll(out, 0o755))
	bin := filepath.Join(out, "reprokit")
	build := exec.Command("go", "build", "-o", bin, "./cmd/reprokit")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	must(build.Run())

	type round struct{ cold, cached measure }
	var rs []round
	for i := 0; i < *rounds; i++ {
		cache, err := os.MkdirTemp("", "reprokit-bench-check-")
		must(err)
		cold := runCheck(bin, cache, *jobs)
		cached := runCheck(bin, cache, *jobs)
		os.RemoveAll(cache)
		rs = append(rs, round{cold, cached})
		fmt.Fprintf(os.Stderr, "round %d: cold %.2fs, cached %.3fs\n", i+1, cold.wall.Seconds(), cached.wall.Seconds())
	}
	// The median round by cold wall time.
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			if rs[j].cold.wall < rs[i].cold.wall {
				rs[i], rs[j] = rs[j], rs[i]
			}
		}
	}
	r := rs[len(rs)/2]
	var sum int64
	for _, c := range r.cold.cells {
		sum += c.DurationMS
	}
	workers := min(*jobs, len(r.cold.cells))
	eff := float64(sum) / (float64(r.cold.wall.Milliseconds()) * float64(workers))
	cachedCells := 0
	for _, c := range r.cached.cells {
		if c.Cached {
			cachedCells++
		}
	}
	fmt.Printf("reprokit check, bundled corpus, every interpreter, -j %d (%d CPUs), median of %d rounds\n", *jobs, runtime.NumCPU(), *rounds)
	fmt.Printf("%-34s %10s %8s %14s\n", "run", "wall", "cells", "peak RSS")
	fmt.Printf("%-34s %9.2fs %8d %11.1f MB\n", "cold (empty cache)", r.cold.wall.Seconds(), len(r.cold.cells), float64(r.cold.hwmKiB)/1024)
	fmt.Printf("%-34s %9.3fs %8d %11.1f MB\n", fmt.Sprintf("cached (%d of %d cells cached)", cachedCells, len(r.cached.cells)), r.cached.wall.Seconds(), len(r.cached.cells), float64(r.cached.hwmKiB)/1024)
	fmt.Printf("parallel efficiency (cold): %.1f%%  (cells' own time %.2fs ÷ (wall %.2fs × %d workers); target ≥ 85%%)\n", 100*eff, float64(sum)/1000, r.cold.wall.Seconds(), workers)
	fmt.Printf("cached share of cold:       %.1f%%  (target ≤ 5%%)\n", 100*r.cached.wall.Seconds()/r.cold.wall.Seconds())
}

func runCheck(bin, cache string, jobs int) measure {
	cmd := exec.Command(bin, "check", "--python", "all", "--json", "-j", strconv.Itoa(jobs), "repros/")
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	start := time.Now()
	must(cmd.Start())
	hwm := make(chan int64)
	stop := make(chan struct{})
	go func() {
		var peak int64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if v := vmHWM(cmd.Process.Pid); v > peak {
				peak = v
			}
			select {
			case <-stop:
				hwm <- peak
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(stop)
	peak := <-hwm
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			fmt.Fprintf(os.Stderr, "reprokit check: %v\n", err)
			os.Exit(1)
		}
	}
	var cells []cell
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var c cell
		must(json.Unmarshal(sc.Bytes(), &c))
		cells = append(cells, c)
	}
	return measure{wall: wall, cells: cells, hwmKiB: peak}
}

// vmHWM reads a process's peak resident set size in KiB (0 once it is gone).
func vmHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				v, _ := strconv.ParseInt(f[1], 10, 64)
				return v
			}
		}
	}
	return 0
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
