// Command rss measures reprokit's own peak resident set size (VmHWM of the
// reprokit process, not of the sandbox it runs) while a repro floods
// output of every kind, and while it runs large archives, and prints both
// figures against their bounds: under 150 MB for any output, under
// 150 MB + 2x the archive's size for large archives.
//
//	go run ./bench/rss
//
// It builds reprokit into bench/out/.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const mb = 1 << 20

func main() {
	out, _ := filepath.Abs(filepath.Join("bench", "out"))
	must(os.MkdirAll(out, 0o755))
	build := exec.Command("go", "build", "-o", filepath.Join(out, "reprokit"), "./cmd/reprokit")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	must(build.Run())
	dir, err := os.MkdirTemp("", "reprokit-bench-rss-")
	must(err)
	defer os.RemoveAll(dir)

	outputs := []struct{ name, script string }{
		{"100 MB of lines (python3)", "exec python3 -c 'import sys; sys.stdout.write((\"x\" * 1023 + \"\\n\") * 102400)'"},
		{"50 MB of yes (sh)", "exec sh -c 'yes | head -c 50000000'"},
		{"20 MB of NUL bytes", "exec sh -c 'head -c 20000000 /dev/zero'"},
		{"20 MB of invalid UTF-8", "exec python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(128, 256)) * 160000)'"},
		{"one 20 MB line, no newline", "exec python3 -c 'import sys; sys.stdout.write(\"L\" * 20000000)'"},
		{"200 execs of 2 MB each", strings.Repeat("exec sh -c 'head -c 2000000 /dev/zero | tr \"\\0\" a'\n", 200)},
		{"endless yes until the deadline", "exec sh -c 'yes'"},
		{"endless stderr from a grandchild", "exec sh -c '(yes >&2 &) ; sleep 60'"},
	}
	fmt.Printf("reprokit's own peak RSS (VmHWM), this machine\n\n%-36s %10s %10s\n", "output", "peak RSS", "bound")
	worstOut := 0.0
	for i, o := range outputs {
		p := filepath.Join(dir, fmt.Sprintf("out%d.txtar", i))
		must(os.WriteFile(p, []byte("# "+o.name+"\n"+o.script+"\n"), 0o644))
		hwm, took := peak(filepath.Join(out, "reprokit"), "run", "--timeout", "8s", p)
		worstOut = max(worstOut, hwm)
		fmt.Printf("%-36s %8.1f MB %7d MB  (%.1fs)\n", o.name, hwm, 150, took.Seconds())
	}

	fmt.Printf("\n%-36s %10s %10s %10s\n", "archive", "size", "peak RSS", "bound")
	worstOver := -1e9
	for _, size := range []int{10, 30, 60} {
		for _, shape := range []string{"member", "comment line"} {
			p := filepath.Join(dir, fmt.Sprintf("big-%d-%s.txtar", size, strings.ReplaceAll(shape, " ", "-")))
			must(os.WriteFile(p, archive(size*mb, shape), 0o644))
			fi, err := os.Stat(p)
			must(err)
			hwm, took := peak(filepath.Join(out, "reprokit"), "run", p)
			bound := 150 + 2*float64(fi.Size())/mb
			worstOver = max(worstOver, hwm-2*float64(fi.Size())/mb)
			fmt.Printf("%-36s %7.1f MB %7.1f MB %7.1f MB  (%.1fs)\n", fmt.Sprintf("%d MB %s", size, shape), float64(fi.Size())/mb, hwm, bound, took.Seconds())
		}
	}
	fmt.Printf("\nany output: peak RSS at most %.1f MB (bound 150 MB)\n", worstOut)
	fmt.Printf("large archives: peak RSS at most 2x the archive + %.1f MB (bound 2x the archive + 150 MB)\n", worstOver)
}

// archive is a repro of about size bytes: the bulk in a data member, or
// in one comment line of the script (which testscript logs).
func archive(size int, shape string) []byte {
	var b strings.Builder
	b.WriteString("# a large archive\n")
	if shape == "comment line" {
		b.WriteString("# " + strings.Repeat("c", size) + "\n")
		b.WriteString("exec python3 -c 'print(1)'\nstdout 1\n")
		return []byte(b.String())
	}
	b.WriteString("exec python3 -c 'import os; print(os.path.getsize(\"data.txt\"))'\nstdout .\n-- data.txt --\n")
	line := strings.Repeat("d", 1023) + "\n"
	b.WriteString(strings.Repeat(line, size/len(line)))
	return []byte(b.String())
}

// peak runs argv and samples the VmHWM of its process (the high-water
// mark only grows, so the last sample before exit is the peak, give or
// take the last 2 ms).
func peak(argv ...string) (float64, time.Duration) {
	cmd := exec.Command(argv[0], argv[1:]...)
	began := time.Now()
	must(cmd.Start())
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	hwm := 0
	for {
		select {
		case <-done:
			return float64(hwm) / 1024, time.Since(began)
		case <-time.After(2 * time.Millisecond):
		}
		data, err := os.ReadFile(status)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
				if kb, err := strconv.Atoi(f[1]); err == nil {
					hwm = max(hwm, kb)
				}
			}
		}
	}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
