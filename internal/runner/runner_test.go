package runner

import (
	"strings"
	"testing"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
)

const sampleLog = `# t (0.1s)
> exec python3 setup.py
[stdout]
ready
> ! exec python3 crash.py
[stderr]
Fatal Python error: Segmentation fault
[signal: segmentation fault (core dumped)]
> stderr 'Fatal'
> exec python3 after.py
[stdout]
fine
> [python:2.7] exec python3 old.py
> [!python:3.8] ! exec python3 -c 'raise SystemExit(3)'
[exit status 3]
PASS
`

// The shims' records of sampleLog's run: the last exec line's condition
// was not met, so it has none.
var sampleRan = []sandbox.Exec{{Index: 0, Status: "exit 0"}, {Index: 1, Status: "SIGSEGV"}, {Index: 2, Status: "exit 0"}, {Index: 4, Status: "exit 3"}}

func TestExecs(t *testing.T) {
	execs := Execs(sampleLog, sampleRan)
	want := []Exec{
		{Command: "exec python3 setup.py", Output: "ready\n", Status: "exit 0", index: 0},
		{Command: "exec python3 crash.py", Output: "Fatal Python error: Segmentation fault\n", Status: "SIGSEGV", index: 1},
		{Command: "exec python3 after.py", Output: "fine\n", Status: "exit 0", index: 2},
		{Command: "exec python3 -c 'raise SystemExit(3)'", Status: "exit 3", index: 4},
	}
	if len(execs) != len(want) {
		t.Fatalf("got %d execs: %+v", len(execs), execs)
	}
	for i := range want {
		if execs[i] != want[i] {
			t.Errorf("exec %d: got %+v, want %+v", i, execs[i], want[i])
		}
	}
	if got := pick(execs); got.Status != "SIGSEGV" {
		t.Errorf("pick chose %+v, want the signalled one", got)
	}
}

func TestAggregate(t *testing.T) {
	r := func(v repro.Verdict) Result { return Result{Verdict: v} }
	tests := []struct {
		runs    []Result
		verdict repro.Verdict
		rate    string
	}{
		{[]Result{r(repro.Reproduces)}, repro.Reproduces, ""},
		{[]Result{r(repro.Reproduces), r(repro.Reproduces), r(repro.Reproduces)}, repro.Reproduces, "3/3"},
		{[]Result{r(repro.Reproduces), r(repro.Changed), r(repro.Reproduces)}, repro.Flaky, "2/3"},
		{[]Result{r(repro.Fixed), r(repro.Fixed)}, repro.Fixed, "0/2"},
		{nil, repro.ErrorVerdict, ""},
	}
	for _, tt := range tests {
		got := aggregate(Result{}, tt.runs)
		if got.Verdict != tt.verdict || got.Rate != tt.rate {
			t.Errorf("aggregate(%v) = %s %s, want %s %s", tt.runs, got.Verdict, got.Rate, tt.verdict, tt.rate)
		}
	}
}

func TestExecsBackground(t *testing.T) {
	log := "> exec python3 -c 'print(1)'\n[stdout]\n1\n> ! exec python3 -c 'import os; os.abort()' &bg&\n> wait\n[background] python3 -c import os; os.abort(): signal: aborted (core dumped)\n[stderr]\nFatal Python error: Aborted\n"
	ran := []sandbox.Exec{{Index: 0, Status: "exit 0"}, {Index: 1, Status: "SIGABRT"}}
	execs := Execs(log, ran)
	if len(execs) != 2 || !execs[1].Background || execs[1].Status != "SIGABRT" || !strings.Contains(execs[1].Output, "Aborted") {
		t.Fatalf("background exec: %+v", execs)
	}
	sig, _ := Capture(log, "exec python3 -c 'print(1)'\n! exec python3 -c 'import os; os.abort()' &bg&\nwait\n", ran, nil)
	if sig.Status != "SIGABRT" || sig.Process != "background" || sig.Exec != "exit 0" {
		t.Errorf("signature %+v: want the background SIGABRT, the foreground exit 0 beside it", sig)
	}
}

// `wait NAME` logs the named exec's output without a status line (its
// status is the shim's record); a bare `wait` after it reports only the
// execs still running, so their outputs must not shift onto the named one.
func TestExecsWaitNamed(t *testing.T) {
	log := "> ! exec python3 -c 'import os; os.abort()' &a&\n> exec python3 -c 'print(2)' &b&\n> wait a\n[stderr]\nFatal Python error: Aborted\n> wait\n[background] python3 -c print(2): exit status 0\n[stdout]\n2\n"
	ran := []sandbox.Exec{{Index: 0, Status: "SIGABRT"}, {Index: 1, Status: "exit 0"}}
	execs := Execs(log, ran)
	if len(execs) != 2 {
		t.Fatalf("execs: %+v", execs)
	}
	if execs[0].Status != "SIGABRT" || strings.TrimSpace(execs[0].Output) != "Fatal Python error: Aborted" {
		t.Errorf("named exec: %+v, want SIGABRT with only its own output", execs[0])
	}
	if execs[1].Status != "exit 0" || strings.TrimSpace(execs[1].Output) != "2" {
		t.Errorf("exec collected by the bare wait: %+v, want exit 0 with output 2", execs[1])
	}
}
