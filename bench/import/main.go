// Command import measures `reprokit import` on real upstream issues kept
// OUTSIDE the project (their texts are not ours to commit): a directory of
// Markdown files (`# Title` then the body, as the issue shows it) and a
// MANIFEST of "FILE URL" lines.
//
//	go run ./bench/import -corpus ../import-corpus [-n 5] [-python all]
//
// For each issue it times the import alone (--no-run: read, parse, the
// sandboxed analysis, the archive written), first cold and then warm (n
// runs, the median), then imports it once more with the run and records
// whether the archive runs and whether its matrix agrees with the
// versions the issue states. It prints one table, issues named by URL
// only, and the fractions. The machine must be quiet for the timings.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

type issue struct {
	file, url string
}

type row struct {
	issue
	cold, warm    time.Duration
	imported      bool
	runs          bool
	assertion     string
	verdicts      string
	comparison    string
	comparable    bool
	agrees        bool
	importFailure string
}

func main() {
	corpus := flag.String("corpus", filepath.Join("..", "import-corpus"), "directory of issue files and their MANIFEST")
	n := flag.Int("n", 5, "warm imports per issue (the median is reported)")
	python := flag.String("python", "all", "interpreters the run uses")
	only := flag.String("only", "", "only the issues whose file name contains this")
	flag.Parse()
	out, _ := filepath.Abs(filepath.Join("bench", "out"))
	must(os.MkdirAll(out, 0o755))
	bin := filepath.Join(out, "reprokit")
	run("go", "build", "-o", bin, "./cmd/reprokit")
	issues := manifest(filepath.Join(*corpus, "MANIFEST"))
	work, err := os.MkdirTemp("", "reprokit-bench-import-")
	must(err)
	defer os.RemoveAll(work)

	var rows []row
	for _, is := range issues {
		if *only != "" && !strings.Contains(is.file, *only) {
			continue
		}
		r := row{issue: is}
		path := filepath.Join(*corpus, is.file)
		archive := filepath.Join(work, strings.TrimSuffix(is.file, ".md")+".txtar")
		importArgs := []string{"import", "--no-run", "--force", "--upstream", is.url, "-o", archive, path}
		var outText string
		r.cold, outText, err = timed(bin, importArgs...)
		if err != nil {
			r.importFailure = firstLine(outText)
			rows = append(rows, r)
			continue
		}
		r.imported = true
		if m := regexp.MustCompile(`(?m)asserts "(.*?)"(?:;|$)|ASSERTION MISSING`).FindStringSubmatch(outText); m != nil {
			r.assertion = m[1]
			if m[0] == "ASSERTION MISSING" {
				r.assertion = "(missing)"
			}
		}
		var warm []time.Duration
		for i := 0; i < *n; i++ {
			d, _, _ := timed(bin, importArgs...)
			warm = append(warm, d)
		}
		sort.Slice(warm, func(a, b int) bool { return warm[a] < warm[b] })
		r.warm = warm[len(warm)/2]
		_, full, _ := timed(bin, "import", "--force", "-j", "2", "--python", *python, "--timeout", "60s", "--upstream", is.url, "-o", archive, path)
		r.verdicts, r.runs = verdicts(full)
		r.comparison = lastLine(full)
		r.comparable = strings.Contains(r.comparison, "the matrix agrees") || strings.Contains(r.comparison, "the matrix disagrees")
		r.agrees = strings.Contains(r.comparison, "the matrix agrees")
		rows = append(rows, r)
		fmt.Fprintf(os.Stderr, "%s: cold %s warm %s; %s\n", is.url, ms(r.cold), ms(r.warm), r.comparison)
	}
	report(rows, *n)
}

var lineRE = regexp.MustCompile(`(?m)^\S+\.txtar +(\S+) +(\S+)`)

// verdicts is "3.12.1 reproduces, …" from the run's lines, and whether any
// cell ran the script (a verdict other than error and skipped).
func verdicts(out string) (string, bool) {
	var parts []string
	runs := false
	for _, m := range lineRE.FindAllStringSubmatch(out, -1) {
		parts = append(parts, strings.TrimPrefix(m[1], "cpython-")+" "+m[2])
		if m[2] != "error" && m[2] != "skipped" {
			runs = true
		}
	}
	return strings.Join(parts, ", "), runs
}

func report(rows []row, n int) {
	fmt.Printf("| issue | import cold | import warm (median of %d) | assertion | runs | matrix | agrees with the issue |\n|---|---|---|---|---|---|---|\n", n)
	imported, runs, comparable, agrees := 0, 0, 0, 0
	var worst time.Duration
	for _, r := range rows {
		if !r.imported {
			fmt.Printf("| %s | %s | – | not imported: %s | – | – | – |\n", r.url, ms(r.cold), r.importFailure)
			continue
		}
		imported++
		if r.runs {
			runs++
		}
		verdict := "not comparable"
		if r.comparable {
			comparable++
			verdict = "no"
			if r.agrees {
				agrees++
				verdict = "yes"
			}
		}
		worst = max(worst, r.warm)
		fmt.Printf("| %s | %s | %s | `%s` | %v | %s | %s: %s |\n", r.url, ms(r.cold), ms(r.warm), r.assertion, r.runs, r.verdicts, verdict, strings.ReplaceAll(r.comparison, "|", `\|`))
	}
	fmt.Printf("\nissues: %d; imported to an archive: %d; archive runs: %d/%d; matrix comparable with the stated versions: %d; agrees: %d/%d of all, %d/%d of the comparable\n",
		len(rows), imported, runs, len(rows), comparable, agrees, len(rows), agrees, comparable)
	fmt.Printf("slowest warm import (before the run): %s (target < 2s)\n", ms(worst))
}

func manifest(path string) []issue {
	f, err := os.Open(path)
	must(err)
	defer f.Close()
	var out []issue
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 {
			out = append(out, issue{fields[0], fields[1]})
		}
	}
	return out
}

func timed(bin string, args ...string) (time.Duration, string, error) {
	start := time.Now()
	out, err := exec.Command(bin, args...).CombinedOutput()
	return time.Since(start), string(out), err
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	must(cmd.Run())
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.ReplaceAll(l, "|", `\|`)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if !strings.HasPrefix(lines[i], "reprokit:") {
			return lines[i]
		}
	}
	return ""
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
