// Command minimize benchmarks `reprokit minimize` against cvise, creduce,
// delta (Debian's singledelta), shrinkray and pysource-minimize on the
// bloated repros in inputs/, with the same interestingness test for all:
// the same Python, the repro's own command line, the same exit status, the
// same signature line and every `stderr` assertion of the script (numbers
// normalized), 2 parallel jobs where a tool allows, and one wall budget per
// tool and input (a run stopped there keeps its best so far, and says so). The
// single-file tools (delta, shrinkray, pysource-minimize) reduce each .py
// file of the repro in turn within that budget, so their tests count the
// same work as those of the tools that take every file. It prints
// one table: tool x input -> tests, wall seconds, bytes of the Python
// files, names pyflakes finds undefined, and how many of 20 runs
// reproduce with the other core busy; hand/ holds the hand-minimal
// reproducer of each input, measured the same way.
//
//	bash bench/minimize/run.sh            # installs the peers, then runs this
//	go run ./bench/minimize -python 3.12 -tools reprokit,delta
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
)

type row struct {
	tool, input string
	tests       int
	wall        time.Duration
	bytes       int    // of every .py file of the result
	undefined   int    // pyflakes "undefined name" reports
	underLoad   string // "20/20": reproducing runs with the other cores busy
	stopped     bool   // stopped at the wall budget: best so far
	note        string
}

var (
	venv     = flag.String("venv", filepath.Join(cacheDir(), "reprokit-bench", "venv"), "virtualenv holding shrinkray, pysource-minimize and pyflakes (run.sh makes it)")
	loadRuns = flag.Int("load-runs", 20, "runs of each result with the other cores busy")
)

func cacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache")
}

func main() {
	python := flag.String("python", "3.12", "Python version for every tool")
	tools := flag.String("tools", "hand,reprokit,delta,cvise,creduce,shrinkray,pysource-minimize", "tools to compare (hand: the hand-minimal reproducer in hand/)")
	jobs := flag.Int("j", 2, "parallel jobs where a tool allows")
	budget := flag.Duration("budget", 8*time.Minute, "wall budget per tool and input (the single-file tools share it across the files); a run stopped there keeps its best so far")
	ownBudget := flag.Duration("reprokit-budget", 0, "wall budget for reprokit's runs (default: -budget)")
	results := flag.String("results", "", "copy reprokit's minimized archives to this directory (as NAME.min.txtar)")
	flag.Parse()
	inputs := flag.Args()
	if len(inputs) == 0 {
		inputs, _ = filepath.Glob("bench/minimize/inputs/*.txtar")
	}
	out, _ := filepath.Abs("bench/out/minimize")
	must(os.MkdirAll(out, 0o755))
	reprokit := filepath.Join(out, "reprokit")
	run("go", "build", "-o", reprokit, "./cmd/reprokit")
	pyBin := findPython(reprokit, *python)

	var rows []row
	for _, in := range inputs {
		for _, tool := range strings.Split(*tools, ",") {
			dir := filepath.Join(out, strings.TrimSuffix(filepath.Base(in), ".txtar"), tool)
			os.RemoveAll(dir)
			must(os.MkdirAll(dir, 0o755))
			var r row
			archive := ""
			switch tool {
			case "hand":
				archive = filepath.Join("bench/minimize/hand", filepath.Base(in))
			case "reprokit":
				r, archive = benchReprokit(reprokit, in, dir, *python, *jobs, cmp.Or(*ownBudget, *budget), *results)
			default:
				r, archive = benchPeer(tool, reprokit, pyBin, in, dir, *python, *jobs, *budget)
			}
			if archive != "" {
				r.bytes, r.undefined = measure(archive, dir)
				r.underLoad = underLoad(reprokit, archive, *python, *loadRuns)
			}
			r.tool, r.input = tool, filepath.Base(in)
			fmt.Fprintf(os.Stderr, "%-18s %-24s tests=%d wall=%.1fs bytes=%d undefined=%d load=%s stopped=%v %s\n", r.tool, r.input, r.tests, r.wall.Seconds(), r.bytes, r.undefined, r.underLoad, r.stopped, r.note)
			rows = append(rows, r)
		}
	}
	fmt.Printf("\nPython %s (%s), %d jobs, wall budget %s per tool and input; bytes are those of the .py files; undefined = pyflakes' undefined names; under load = reproducing runs of %d with the other cores busy\n\n", *python, pyBin, *jobs, *budget, *loadRuns)
	fmt.Printf("| input | tool | tests | wall s | bytes | undefined | under load |\n|---|---|---:|---:|---:|---:|---|\n")
	for _, r := range rows {
		wall := fmt.Sprintf("%.1f", r.wall.Seconds())
		tests := fmt.Sprint(r.tests)
		if r.tool == "hand" {
			wall, tests = "–", "–"
		}
		if r.stopped {
			wall += " (budget; best so far)"
		}
		under := r.underLoad
		if r.note != "" && under == "" {
			under = "no result: " + r.note
		}
		fmt.Printf("| %s | %s | %s | %s | %d | %d | %s |\n", r.input, r.tool, tests, wall, r.bytes, r.undefined, under)
	}
}

// mainFile is the Python file the script runs (the single-file tools
// reduce it first).
func mainFile(ar *txtar.Archive) (name string, argv []string) {
	for _, l := range strings.Split(string(ar.Comment), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), "! "))
		if len(f) >= 3 && f[0] == "exec" && strings.HasPrefix(f[1], "python") {
			for _, a := range f[2:] {
				if strings.HasSuffix(a, ".py") {
					return a, f[2:]
				}
			}
		}
	}
	panic("no `exec python3 FILE.py` line")
}

// stderrAsserts are the regexps of the script's `stderr 'RE'` lines.
func stderrAsserts(ar *txtar.Archive) []string {
	var out []string
	for _, l := range strings.Split(string(ar.Comment), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "stderr '") && strings.HasSuffix(l, "'") {
			out = append(out, strings.ReplaceAll(l[len("stderr '"):len(l)-1], "''", "'"))
		}
	}
	return out
}

// benchReprokit minimizes in with reprokit; resultsDir, if set, receives
// the result (bench/minimize/results is where the committed ones live; a
// test re-checks they are 1-minimal).
func benchReprokit(reprokit, in, dir, python string, jobs int, budget time.Duration, resultsDir string) (row, string) {
	outFile := filepath.Join(dir, "min.txtar")
	began := time.Now()
	cmd := exec.Command(reprokit, "minimize", "--python", python, "-j", fmt.Sprint(jobs), "--budget", budget.String(), "--json", "-o", outFile, in)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	err := cmd.Run()
	wall := time.Since(began)
	var rep struct {
		Runs    int  `json:"runs"` // every sandboxed run, confirmations included
		Minimal bool `json:"minimal"`
	}
	if err != nil || json.Unmarshal(stdout.Bytes(), &rep) != nil {
		return row{wall: wall, note: fmt.Sprint(err)}, ""
	}
	data, _ := os.ReadFile(outFile)
	if resultsDir != "" {
		base := strings.TrimSuffix(filepath.Base(in), ".txtar")
		must(os.WriteFile(filepath.Join(resultsDir, base+".min.txtar"), data, 0o644))
	}
	return row{tests: rep.Runs, wall: wall, stopped: !rep.Minimal}, outFile
}

// testScript is the interestingness test shared by the peers: the same
// Python, command line, exit status, signature and stderr assertions as
// reprokit's oracle. The candidate is its argument (delta, shrinkray,
// pysource-minimize) or, without one, the target file in the tool's cwd
// (cvise and creduce run it in a temp copy holding every file). The target
// is $BENCH_TARGET (default: the script's main file), so the single-file
// tools can reduce each .py file in turn; the other .py files come from the
// cwd when the tool keeps them there, else from the driver's work dir,
// which holds their current versions. One line per run goes to the counter.
const testScript = `#!/bin/sh
target="${BENCH_TARGET:-%[1]s}"
src="${1:-$target}"
case "$src" in /*) ;; *) src="$PWD/$src" ;; esac
echo x >> %[2]q
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
cp -r %[3]q/. "$work/" || exit 1
for f in %[9]s; do
  [ "$f" = "$target" ] && continue
  from=%[10]q/"$f"
  [ -f "$f" ] && from="$f"
  mkdir -p "$work/$(dirname "$f")" && cp "$from" "$work/$f" || exit 1
done
mkdir -p "$work/$(dirname "$target")" && cp "$src" "$work/$target" || exit 1
cd "$work" || exit 1
# timeout runs the candidate in a process group of its own: whatever is
# left of it when it ends (a forked child of mt_fork_warning that loops)
# is killed with it, or it would go on eating a core for the rest of the
# bench (two such children did, at 60 %% each, in one run). SIGKILL at the
# limit: such a child ignores SIGTERM, and when a peer kills this script
# before the kill below, the limit is what ends it (the recorded run of
# 2026-12-08 had two leak that way, from 02:05 on).
timeout -s KILL %[7]d %[4]q %[5]s >stdout 2>stderr &
pid=$!
wait "$pid"
status=$?
kill -9 -"$pid" 2>/dev/null
[ "$status" = %[6]d ] || exit 1
# Not exec: the EXIT trap must run, or every test leaves its work dir in
# $TMPDIR (one run of the bench left 49,751, and a $TMPDIR that full
# slowed every reprokit run, whose start reads $TMPDIR's names).
%[4]q %[8]q stderr
`

const checkSignature = `import re, sys
norm = lambda s: re.sub(r"\d+", "N", re.sub(r"0x[0-9a-fA-F]+", "ADDR", s))
want = norm(%q)
asserts = %s
text = open(sys.argv[1], errors="replace").read()
ok = not want or any(norm(l.rstrip()) == want or norm(l.rstrip()).endswith(": " + want) for l in text.splitlines())
ok = ok and all(re.search(a, text, re.M) for a in asserts)
sys.exit(0 if ok else 1)
`

// psmDriver runs pysource-minimize's library (its command line is
// interactive) with the shared test; it writes each smaller interesting
// candidate to the target, so a run stopped at the budget leaves its best.
const psmDriver = `import subprocess, sys
from pysource_minimize import minimize
target, test = sys.argv[1], sys.argv[2]
src = open(target).read()
best = [len(src)]
def check(s):
    open(target + ".cand", "w").write(s)
    ok = subprocess.call([test, target + ".cand"]) == 0
    if ok and len(s) < best[0]:
        best[0] = len(s)
        open(target, "w").write(s)
    return ok
minimize(src, check)
`

// benchPeer minimizes in with a peer tool. cvise and creduce take every
// .py file at once; delta, shrinkray and pysource-minimize take one file,
// so they reduce each .py file in turn (the main file first, then the
// others in archive order), as a user with a multi-file repro would: each
// run starts from the current state of the other files and gets what the
// runs before it left of the wall budget; the tests of all runs are summed.
func benchPeer(tool, reprokit, pyBin, in, dir, python string, jobs int, budget time.Duration) (row, string) {
	ar := txtar.Parse(mustRead(in))
	name, argv := mainFile(ar)
	data := filepath.Join(dir, "data") // the archive's other files
	work := filepath.Join(dir, "work") // current version of every .py file
	pyFiles := []string{name}
	for _, f := range ar.Files {
		into := data
		switch {
		case strings.HasPrefix(f.Name, ".reprokit"):
			continue
		case strings.HasSuffix(f.Name, ".py"):
			into = work
			if f.Name != name {
				pyFiles = append(pyFiles, f.Name)
			}
		}
		must(os.MkdirAll(filepath.Dir(filepath.Join(into, f.Name)), 0o755))
		must(os.WriteFile(filepath.Join(into, f.Name), f.Data, 0o644))
	}
	must(os.MkdirAll(data, 0o755))
	// The signature the oracle keeps, from reprokit itself.
	status, sig := signatureOf(reprokit, in, python)
	asserts, _ := json.Marshal(stderrAsserts(ar))
	must(os.WriteFile(filepath.Join(dir, "check.py"), []byte(fmt.Sprintf(checkSignature, sig, asserts)), 0o644))
	counter := filepath.Join(dir, "tests.count")
	test := filepath.Join(dir, "test.sh")
	must(os.WriteFile(test, []byte(fmt.Sprintf(testScript, name, counter, data, pyBin, shellArgs(argv), status, 20, filepath.Join(dir, "check.py"), shellArgs(pyFiles), work)), 0o755))
	for _, target := range pyFiles {
		check := exec.Command(test)
		check.Dir, check.Env = work, append(os.Environ(), "BENCH_TARGET="+target)
		if err := check.Run(); err != nil {
			return row{note: "the interestingness test fails on the input (target " + target + "): " + err.Error()}, ""
		}
	}
	os.Remove(counter)

	targets := pyFiles[:1] // one run: cvise and creduce take every file
	if tool != "cvise" && tool != "creduce" {
		targets = pyFiles
	}
	logf, _ := os.Create(filepath.Join(dir, tool+".log"))
	began := time.Now()
	stopped := false
	for _, target := range targets {
		left := budget - time.Since(began)
		if left <= 0 {
			stopped = true
			break
		}
		fmt.Fprintf(logf, "== %s: %s, %s of the budget left\n", tool, target, left.Round(time.Second))
		cmd := peerCommand(tool, test, target, pyFiles, dir, jobs)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "BENCH_TARGET="+target)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Stdout, cmd.Stderr = logf, logf
		if tool == "delta" {
			cmd.Stdin = bytes.NewReader(mustRead(filepath.Join(work, target)))
		}
		stopped = runWithBudget(cmd, left)
		if tool == "delta" {
			// singledelta leaves its best in TARGET.min, absent when it
			// found nothing to remove (or was stopped before): the file
			// then stays as it was.
			if best, err := os.ReadFile(filepath.Join(work, target+".min")); err == nil {
				must(os.WriteFile(filepath.Join(work, target), best, 0o644))
			}
		}
		if stopped {
			break
		}
	}
	wall := time.Since(began)
	logf.Close()
	counted, _ := os.ReadFile(counter)
	r := row{tests: bytes.Count(counted, []byte("\n")), wall: wall, stopped: stopped}
	// Reassemble the archive around the reduced files and let reprokit judge.
	for i, f := range ar.Files {
		if strings.HasSuffix(f.Name, ".py") {
			ar.Files[i].Data = mustRead(filepath.Join(work, f.Name))
		}
	}
	archive := filepath.Join(dir, "result.txtar")
	must(os.WriteFile(archive, txtar.Format(ar), 0o644))
	return r, archive
}

// peerCommand is the command line that makes tool reduce target (every
// file of files at once for cvise and creduce), run in the work dir.
func peerCommand(tool, test, target string, files []string, dir string, jobs int) *exec.Cmd {
	switch tool {
	case "cvise", "creduce":
		return exec.Command(tool, append([]string{"--n", fmt.Sprint(jobs), "--not-c", "--tidy", "--timeout", "20", test}, files...)...)
	case "delta":
		// The candidate goes to the test as an argument, run in an arena
		// dir of singledelta's own.
		return exec.Command("singledelta", "-test="+test, "-suffix=.py", "-cp_minimal="+target+".min", "-quiet")
	case "shrinkray":
		// --input-type arg: the candidate's path is the test's argument
		// (a temp dir that holds only it is the cwd).
		return exec.Command(filepath.Join(*venv, "bin", "shrinkray"), "--ui", "basic", "--parallelism", fmt.Sprint(jobs), "--timeout", "20", "--input-type", "arg", "--no-history", test, target)
	case "pysource-minimize":
		psm := filepath.Join(dir, "psm.py")
		must(os.WriteFile(psm, []byte(psmDriver), 0o644))
		return exec.Command(filepath.Join(*venv, "bin", "python"), psm, target, test)
	}
	panic("unknown tool " + tool)
}

// runWithBudget runs cmd; at the budget it interrupts the tool's process
// group (the tools then write their best so far) and kills it 30s later.
func runWithBudget(cmd *exec.Cmd, budget time.Duration) (stopped bool) {
	if err := cmd.Start(); err != nil {
		return false
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
		return false
	case <-time.After(budget):
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	return true
}

// measure returns the bytes of the archive's .py files and how many
// undefined names pyflakes reports in them.
func measure(archive, dir string) (int, int) {
	ar := txtar.Parse(mustRead(archive))
	tmp := filepath.Join(dir, "pyflakes")
	os.RemoveAll(tmp)
	must(os.MkdirAll(tmp, 0o755))
	n := 0
	var files []string
	for _, f := range ar.Files {
		if strings.HasSuffix(f.Name, ".py") {
			n += len(f.Data)
			must(os.WriteFile(filepath.Join(tmp, f.Name), f.Data, 0o644))
			files = append(files, f.Name)
		}
	}
	cmd := exec.Command(filepath.Join(*venv, "bin", "pyflakes"), files...)
	cmd.Dir = tmp
	out, _ := cmd.Output()
	return n, strings.Count(string(out), "undefined name")
}

var exitRE = regexp.MustCompile(`^exit (\d+)$`)

func signatureOf(reprokit, in, python string) (int, string) {
	out, err := exec.Command(reprokit, "run", "--json", "--python", python, in).Output()
	if err != nil {
		panic(fmt.Sprintf("%s does not reproduce: %v\n%s", in, err, out))
	}
	var res struct {
		Signature struct{ Status, Exec, Fatal, Exception string }
	}
	must(json.Unmarshal(out, &res))
	// The exit status the script's command must keep: its own (Exec) when
	// the signature is of another process that died (subint_fork's forked
	// child exits 1 with the fatal error; the script's python exits 0).
	status := 0
	st := res.Signature.Status
	if res.Signature.Exec != "" {
		st = res.Signature.Exec
	}
	if m := exitRE.FindStringSubmatch(st); m != nil {
		fmt.Sscan(m[1], &status)
	}
	if res.Signature.Fatal != "" {
		return status, res.Signature.Fatal
	}
	return status, res.Signature.Exception
}

// underLoad runs the result n times with every other core kept busy by a
// spinning process: "20/20", or the rate and verdict when it does not hold.
func underLoad(reprokit, archive, python string, n int) string {
	ctx, cancel := context.WithCancel(context.Background())
	var spinners []*exec.Cmd
	for i := 0; i < max(runtime.NumCPU()-1, 1); i++ {
		spin := exec.CommandContext(ctx, "sh", "-c", "while :; do :; done")
		if spin.Start() == nil {
			spinners = append(spinners, spin)
		}
	}
	out, _ := exec.Command(reprokit, "run", "--json", "--count", fmt.Sprint(n), "--python", python, archive).Output()
	cancel()
	for _, s := range spinners {
		s.Wait()
	}
	var res struct{ Verdict, Rate string }
	json.Unmarshal(out, &res)
	if res.Verdict == "reproduces" {
		return res.Rate
	}
	return res.Rate + " (" + res.Verdict + ")"
}

func findPython(reprokit, version string) string {
	out, err := exec.Command(reprokit, "toolchains", "--json").Output()
	must(err)
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var t struct{ Kind, Version, Path string }
		json.Unmarshal([]byte(l), &t)
		if t.Kind == "python" && (t.Version == version || strings.HasPrefix(t.Version, version+".")) {
			return t.Path
		}
	}
	panic("no python " + version)
}

func shellArgs(argv []string) string {
	var q []string
	for _, a := range argv {
		q = append(q, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(q, " ")
}

func mustRead(p string) []byte {
	data, err := os.ReadFile(p)
	must(err)
	return data
}

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
