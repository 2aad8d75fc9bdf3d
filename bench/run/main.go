// Command run compares `reprokit run` with the stock `testscript` command
// on the same trivial archive, side by side in one run, and prints the
// ratio of their median wall times, and of their median CPU times (user
// and system, summed over every process each ran: a figure the machine's
// other load moves much less than wall time, where this machine has no
// instruction counters); then it floods 100 MB through reprokit and
// prints its peak RSS.
//
//	go run ./bench/run [-n 40]
//
// It installs testscript@v1.16.0 into bench/out/ (from the Go module proxy)
// and builds reprokit there. Results: bench/run/RESULTS.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 40, "runs of each command")
	rss := flag.Bool("rss", false, "run the command in the arguments and print the peak RSS of it and every process it ran (used by the flood measurement)")
	flag.Parse()
	if *rss {
		_, _, maxRSS := timeRun(os.Environ(), flag.Args())
		fmt.Println(maxRSS)
		return
	}
	loadAvg, _ := os.ReadFile("/proc/loadavg")
	loadBefore := strings.Join(strings.Fields(string(loadAvg))[:3], " ")
	out, _ := filepath.Abs(filepath.Join("bench", "out"))
	must(os.MkdirAll(out, 0o755))
	run(nil, "go", "build", "-o", filepath.Join(out, "reprokit"), "./cmd/reprokit")
	run([]string{"GOBIN=" + out}, "go", "install", "github.com/rogpeppe/go-internal/cmd/testscript@v1.16.0")

	// Both tools must run the same interpreter: put its directory first.
	py, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	must(err)
	pyDir := filepath.Dir(strings.TrimSpace(string(py)))
	env := append(os.Environ(), "PATH="+pyDir+":"+os.Getenv("PATH"))

	dir, err := os.MkdirTemp("", "reprokit-bench-")
	must(err)
	defer os.RemoveAll(dir)
	trivial := filepath.Join(dir, "trivial.txtar")
	must(os.WriteFile(trivial, []byte("# trivial\nexec python3 -c 'print(\"hi\")'\nstdout hi\n"), 0o644))

	cmds := []struct {
		name string
		argv []string
	}{
		{"testscript", []string{filepath.Join(out, "testscript"), trivial}},
		{"reprokit run", []string{filepath.Join(out, "reprokit"), "run", trivial}},
	}
	// Warm up (toolchain cache, page cache), then alternate the two.
	for _, c := range cmds {
		timeRun(env, c.argv)
	}
	walls := make([][]time.Duration, len(cmds))
	cpus := make([][]time.Duration, len(cmds))
	for i := 0; i < *n; i++ {
		for j, c := range cmds {
			wall, cpu, _ := timeRun(env, c.argv)
			walls[j] = append(walls[j], wall)
			cpus[j] = append(cpus[j], cpu)
		}
	}
	iso, _ := exec.Command(filepath.Join(out, "reprokit"), "toolchains").Output()
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("trivial archive, %d runs each, python3 = %s\n", *n, strings.TrimSpace(string(py)))
	fmt.Printf("%s; load average before and after: %s, %s\n\n", lastLine(string(iso)), loadBefore, strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Printf("%-14s %10s %10s %10s %10s\n", "command", "median", "p10", "p90", "CPU median")
	med := make([]time.Duration, len(cmds))
	cpuMed := make([]time.Duration, len(cmds))
	for j, c := range cmds {
		t := walls[j]
		sort.Slice(t, func(a, b int) bool { return t[a] < t[b] })
		u := cpus[j]
		sort.Slice(u, func(a, b int) bool { return u[a] < u[b] })
		med[j], cpuMed[j] = t[len(t)/2], u[len(u)/2]
		fmt.Printf("%-14s %10s %10s %10s %10s\n", c.name, ms(med[j]), ms(t[len(t)/10]), ms(t[len(t)*9/10]), ms(cpuMed[j]))
	}
	fmt.Printf("\nratio reprokit/testscript (median): %.2fx (target <= 1.20x)\n", float64(med[1])/float64(med[0]))
	fmt.Printf("ratio of CPU time (median): %.2fx\n\n", float64(cpuMed[1])/float64(cpuMed[0]))

	flood := filepath.Join(dir, "flood.txtar")
	must(os.WriteFile(flood, []byte(floodArchive), 0o644))
	// Measured in a process of its own: RUSAGE_CHILDREN's peak here would
	// be the go build's above.
	self, err := os.Executable()
	must(err)
	began := time.Now()
	rssCmd := exec.Command(self, "-rss", filepath.Join(out, "reprokit"), "run", flood)
	rssCmd.Env = env
	peak, err := rssCmd.Output()
	must(err)
	fmt.Printf("flood 100 MB through stdout: %s, peak RSS of reprokit and every process it ran (largest): %.1f MB (target < 100 MB)\n", ms(time.Since(began)), atof(peak)/1024)
}

// timeRun runs argv and returns its wall time, the CPU time of it and
// every process it ran (waited for), and the largest peak RSS of any
// process this one has waited for so far.
func timeRun(env, argv []string) (wall, cpu time.Duration, maxRSS int64) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	before := childrenCPU()
	began := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(began)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n%s", strings.Join(argv, " "), err, out)
		os.Exit(1)
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	self := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	return wall, childrenCPU() - before, max(self, ru.Maxrss)
}

func childrenCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func atof(b []byte) float64 {
	var f float64
	fmt.Sscan(strings.TrimSpace(string(b)), &f)
	return f
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func run(env []string, argv ...string) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	must(cmd.Run())
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

const floodArchive = `# 100 MB on stdout
exec python3 flood.py
-- flood.py --
import sys
line = "x" * 1023 + "\n"
for _ in range(100 * 1024):
    sys.stdout.write(line)
`
