package runner

import (
	"strings"
	"testing"

	"github.com/reprokit/reprokit/internal/repro"
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
> [!python:3.8] ! exec python3 -c 'raise SystemExit(3)'
[exit status 3]
PASS
`

func TestExecs(t *testing.T) {
	execs := Execs(sampleLog)
	want := []Exec{
		{Command: "exec python3 setup.py", Output: "ready\n", Status: "exit 0"},
		{Command: "exec python3 crash.py", Output: "Fatal Python error: Segmentation fault\n", Status: "SIGSEGV"},
		{Command: "exec python3 after.py", Output: "fine\n", Status: "exit 0"},
		{Command: "exec python3 -c 'raise SystemExit(3)'", Status: "exit 3"},
	}
	if len(execs) != len(want) {
		t.Fatalf("got %d execs: %+v", len(execs), execs)
	}
	for i := range want {
		if execs[i] != want[i] {
			t.Errorf("exec %d: got %+v, want %+v", i, execs[i], want[i])
		}
	}
	if got := LastExec(sampleLog); got.Status != "SIGSEGV" {
		t.Errorf("LastExec picked %+v, want the signalled one", got)
	}
}

func TestAggregate(t *testing.T) {
	r := func(v string) Result { return Result{Verdict: v} }
	tests := []struct {
		runs    []Result
		verdict string
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
	execs := Execs(log)
	if len(execs) != 2 || !execs[1].Background || execs[1].Status != "SIGABRT" || !strings.Contains(execs[1].Output, "Aborted") {
		t.Fatalf("background exec: %+v", execs)
	}
	sig, _ := Capture(log, "exec python3 -c 'print(1)'\n! exec python3 -c 'import os; os.abort()' &bg&\nwait\n")
	if sig.Status != "SIGABRT" || sig.Process != "background" || sig.Exec != "exit 0" {
		t.Errorf("signature %+v: want the background SIGABRT, the foreground exit 0 beside it", sig)
	}
}
