// Command run compares `reprokit run` with the stock `testscript` command
// on the same trivial archive, side by side in one run, and prints the
// ratio of their median wall times; then it floods 100 MB through reprokit
// and prints its peak RSS.
//
//	go run ./bench/run [-n 40]
//
// It installs testscript@v1.16.0 into bench/out/ (from the Go module proxy)
// and builds reprokit there.
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
	flag.Parse()
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
	times := make([][]time.Duration, len(cmds))
	for i := 0; i < *n; i++ {
		for j, c := range cmds {
			d, _ := timeRun(env, c.argv)
			times[j] = append(times[j], d)
		}
	}
	iso, _ := exec.Command(filepath.Join(out, "reprokit"), "toolchains").Output()
	fmt.Printf("trivial archive, %d runs each, python3 = %s\n", *n, strings.TrimSpace(string(py)))
	fmt.Printf("%s\n\n", lastLine(string(iso)))
	fmt.Printf("%-14s %10s %10s %10s\n", "command", "median", "p10", "p90")
	med := make([]time.Duration, len(cmds))
	for j, c := range cmds {
		t := times[j]
		sort.Slice(t, func(a, b int) bool { return t[a] < t[b] })
		med[j] = t[len(t)/2]
		fmt.Printf("%-14s %10s %10s %10s\n", c.name, ms(med[j]), ms(t[len(t)/10]), ms(t[len(t)*9/10]))
	}
	fmt.Printf("\nratio reprokit/testscript (median): %.2fx (target <= 1.20x)\n\n", float64(med[1])/float64(med[0]))

	flood := filepath.Join(dir, "flood.txtar")
	must(os.WriteFile(flood, []byte(floodArchive), 0o644))
	d, rss := timeRun(env, []string{filepath.Join(out, "reprokit"), "run", flood})
	fmt.Printf("flood 100 MB through stdout: %s, peak RSS of reprokit and every process it ran (largest): %.1f MB (target < 100 MB)\n", ms(d), float64(rss)/1024)
}

func timeRun(env, argv []string) (time.Duration, int64) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	began := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(began)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n%s", strings.Join(argv, " "), err, out)
		os.Exit(1)
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	self := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	return d, max(self, ru.Maxrss)
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
