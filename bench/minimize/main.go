// Command minimize benchmarks `reprokit minimize` against cvise, creduce and
// delta (Debian's singledelta) on the bloated repros in inputs/, with the
// same interestingness test for all: the same Python, the repro's own
// command line, the same exit status and the same signature line on
// stderr (numbers normalized), 2 parallel jobs where a tool allows. It
// prints one table: tool x input -> tests, wall seconds, final lines and
// bytes of the reduced Python file, and whether the result still
// reproduces (checked with `reprokit run`).
//
//	bash bench/minimize/run.sh            # installs the peers, then runs this
//	go run ./bench/minimize -python 3.12 -tools reprokit,delta
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
)

type row struct {
	tool, input  string
	tests        int
	wall         time.Duration
	lines, bytes int
	reproduces   string
	note         string
}

func main() {
	python := flag.String("python", "3.12", "Python version for every tool")
	tools := flag.String("tools", "reprokit,cvise,creduce,delta", "tools to compare")
	jobs := flag.Int("j", 2, "parallel jobs where a tool allows")
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
			switch tool {
			case "reprokit":
				r = benchReprokit(reprokit, in, dir, *python, *jobs, *results)
			default:
				r = benchPeer(tool, reprokit, pyBin, in, dir, *python, *jobs)
			}
			r.tool, r.input = tool, filepath.Base(in)
			fmt.Fprintf(os.Stderr, "%-10s %-22s tests=%d wall=%.1fs lines=%d bytes=%d reproduces=%s %s\n", r.tool, r.input, r.tests, r.wall.Seconds(), r.lines, r.bytes, r.reproduces, r.note)
			rows = append(rows, r)
		}
	}
	fmt.Printf("\nPython %s (%s), %d jobs; lines and bytes are those of the reduced Python file\n\n", *python, pyBin, *jobs)
	fmt.Printf("| input | tool | tests | wall s | lines | bytes | reproduces |\n|---|---|---:|---:|---:|---:|---|\n")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %d | %.1f | %d | %d | %s |\n", r.input, r.tool, r.tests, r.wall.Seconds(), r.lines, r.bytes, r.reproduces)
	}
}

// mainFile is the Python file the script runs (the one every tool reduces).
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

// benchReprokit minimizes in with reprokit; resultsDir, if set, receives
// the result (bench/minimize/results is where the committed ones live; a
// test re-checks they are 1-minimal).
func benchReprokit(reprokit, in, dir, python string, jobs int, resultsDir string) row {
	outFile := filepath.Join(dir, "min.txtar")
	began := time.Now()
	cmd := exec.Command(reprokit, "minimize", "--python", python, "-j", fmt.Sprint(jobs), "--json", "-o", outFile, in)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	err := cmd.Run()
	wall := time.Since(began)
	var rep struct {
		Runs int `json:"runs"` // every sandboxed run, confirmations included
	}
	if err != nil || json.Unmarshal(stdout.Bytes(), &rep) != nil {
		return row{wall: wall, reproduces: "no", note: fmt.Sprint(err)}
	}
	data, _ := os.ReadFile(outFile)
	ar := txtar.Parse(data)
	name, _ := mainFile(txtar.Parse(mustRead(in)))
	r := row{tests: rep.Runs, wall: wall}
	for _, f := range ar.Files {
		if f.Name == name {
			r.lines, r.bytes = bytes.Count(f.Data, []byte("\n")), len(f.Data)
		}
	}
	r.reproduces = verify(reprokit, outFile, python)
	if resultsDir != "" {
		base := strings.TrimSuffix(filepath.Base(in), ".txtar")
		must(os.WriteFile(filepath.Join(resultsDir, base+".min.txtar"), data, 0o644))
	}
	return r
}

const testScript = `#!/bin/sh
# Interestingness test shared by the peers: the same Python, command line,
# exit status and signature as reprokit's oracle.
src="${1:-%[1]s}"
case "$src" in /*) ;; *) src="$PWD/$src" ;; esac
echo x >> %[2]q
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
cp -r %[3]q/. "$work/" && cp "$src" "$work/%[1]s" || exit 1
cd "$work" || exit 1
timeout %[7]d %[4]q %[5]s >stdout 2>stderr
status=$?
[ "$status" = %[6]d ] || exit 1
exec %[4]q %[8]q stderr
`

const checkSignature = `import re, sys
norm = lambda s: re.sub(r"\d+", "N", re.sub(r"0x[0-9a-fA-F]+", "ADDR", s))
want = norm(%q)
text = open(sys.argv[1], errors="replace").read()
sys.exit(0 if any(norm(l.rstrip()) == want or norm(l.rstrip()).endswith(": " + want) for l in text.splitlines()) else 1)
`

func benchPeer(tool, reprokit, pyBin, in, dir, python string, jobs int) row {
	ar := txtar.Parse(mustRead(in))
	name, argv := mainFile(ar)
	data := filepath.Join(dir, "data")
	must(os.MkdirAll(data, 0o755))
	var src []byte
	for _, f := range ar.Files {
		if f.Name == name {
			src = f.Data
		} else if !strings.HasPrefix(f.Name, ".reprokit") {
			must(os.WriteFile(filepath.Join(data, f.Name), f.Data, 0o644))
		}
	}
	// The signature the oracle keeps, from reprokit itself.
	status, sig := signatureOf(reprokit, in, python)
	must(os.WriteFile(filepath.Join(dir, "check.py"), []byte(fmt.Sprintf(checkSignature, sig)), 0o644))
	counter := filepath.Join(dir, "tests.count")
	test := filepath.Join(dir, "test.sh")
	must(os.WriteFile(test, []byte(fmt.Sprintf(testScript, name, counter, data, pyBin, shellArgs(argv), status, 10, filepath.Join(dir, "check.py"))), 0o755))
	work := filepath.Join(dir, "work")
	must(os.MkdirAll(work, 0o755))
	target := filepath.Join(work, name)
	must(os.WriteFile(target, src, 0o644))
	check := exec.Command(test)
	check.Dir = work
	if err := check.Run(); err != nil {
		return row{reproduces: "no", note: "the interestingness test fails on the input: " + err.Error()}
	}
	os.Remove(counter)

	var cmd *exec.Cmd
	switch tool {
	case "cvise":
		cmd = exec.Command("cvise", "--n", fmt.Sprint(jobs), "--not-c", "--tidy", "--timeout", "20", test, name)
	case "creduce":
		cmd = exec.Command("creduce", "--n", fmt.Sprint(jobs), "--not-c", "--tidy", "--timeout", "20", test, name)
	case "delta":
		cmd = exec.Command("singledelta", "-test="+test, "-suffix=.py", "-cp_minimal="+name+".min", "-quiet")
		cmd.Stdin = bytes.NewReader(src)
	default:
		panic("unknown tool " + tool)
	}
	cmd.Dir = work
	logf, _ := os.Create(filepath.Join(dir, tool+".log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	began := time.Now()
	err := cmd.Run()
	wall := time.Since(began)
	logf.Close()
	result := target
	if tool == "delta" {
		result = target + ".min"
	}
	out, rerr := os.ReadFile(result)
	if err != nil || rerr != nil {
		return row{wall: wall, reproduces: "no", note: fmt.Sprintf("%v %v", err, rerr)}
	}
	counted, _ := os.ReadFile(counter)
	r := row{tests: bytes.Count(counted, []byte("\n")), wall: wall, lines: bytes.Count(out, []byte("\n")), bytes: len(out)}
	// Reassemble the archive around the reduced file and let reprokit judge.
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = out
		}
	}
	archive := filepath.Join(dir, "result.txtar")
	must(os.WriteFile(archive, txtar.Format(ar), 0o644))
	r.reproduces = verify(reprokit, archive, python)
	return r
}

var exitRE = regexp.MustCompile(`^exit (\d+)$`)

func signatureOf(reprokit, in, python string) (int, string) {
	out, err := exec.Command(reprokit, "run", "--json", "--python", python, in).Output()
	if err != nil {
		panic(fmt.Sprintf("%s does not reproduce: %v\n%s", in, err, out))
	}
	var res struct {
		Signature struct{ Status, Fatal, Exception string }
	}
	must(json.Unmarshal(out, &res))
	status := 0
	if m := exitRE.FindStringSubmatch(res.Signature.Status); m != nil {
		fmt.Sscan(m[1], &status)
	}
	if res.Signature.Fatal != "" {
		return status, res.Signature.Fatal
	}
	return status, res.Signature.Exception
}

// verify runs the result 5 times: "yes 5/5", or "no" with the rate.
func verify(reprokit, archive, python string) string {
	out, _ := exec.Command(reprokit, "run", "--json", "--count", "5", "--python", python, archive).Output()
	var res struct{ Verdict, Rate string }
	json.Unmarshal(out, &res)
	if res.Verdict == "reproduces" {
		return "yes " + res.Rate
	}
	return "no (" + res.Verdict + " " + res.Rate + ")"
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
