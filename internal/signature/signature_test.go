package signature

import (
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name   string
		out    string
		status string
		want   Signature
	}{
		{
			name: "python traceback",
			out: `Traceback (most recent call last):
  File "$WORK/p.py", line 5, in <module>
    main()
  File "$WORK/p.py", line 2, in main
    raise KeyError("x")
KeyError: 'x'
`,
			status: "exit 1",
			want:   Signature{Status: "exit 1", Exception: "KeyError: 'x'", Frames: []string{"$WORK/p.py:2 in main", "$WORK/p.py:5 in <module>"}},
		},
		{
			name: "chained exceptions keep the last",
			out: `Traceback (most recent call last):
  File "a.py", line 1, in <module>
ValueError: first

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "a.py", line 3, in <module>
RuntimeError: second
`,
			status: "exit 1",
			want:   Signature{Status: "exit 1", Exception: "RuntimeError: second", Frames: []string{"a.py:3 in <module>"}},
		},
		{
			name: "fatal error from faulthandler",
			out: `Fatal Python error: _PyInterpreterState_DeleteExceptMain: not main interpreter
Python runtime state: initialized

Current thread 0x00007f6b71a456c0 (most recent call first):
  File "<string>", line 4 in <module>
  File "$WORK/repro.py", line 30 in <module>
`,
			status: "exit 0",
			// A fatal error never exits 0: it was a child's, and its end was not seen.
			want: Signature{Process: "child", Exec: "exit 0", Fatal: "Fatal Python error: _PyInterpreterState_DeleteExceptMain: not main interpreter",
				Frames: []string{"<string>:4 in <module>", "$WORK/repro.py:30 in <module>"}},
		},
		{
			name: "a forked child's segfault, dumped by faulthandler, while the parent exits 0",
			out: `Fatal Python error: Segmentation fault

Current thread 0x00007f2e67a48b80 (most recent call first):
  File "/lib/ctypes/__init__.py", line 519 in string_at
  File "$WORK/seg.py", line 3 in crash
child exited with status -11
`,
			status: "exit 0",
			want:   Signature{Status: "SIGSEGV", Process: "child", Exec: "exit 0", Fatal: "Fatal Python error: Segmentation fault", Frames: []string{"/lib/ctypes/__init__.py:519 in string_at", "$WORK/seg.py:3 in crash"}},
		},
		{
			name: "frames from the crashing thread, whatever the order of the dump",
			out: `Fatal Python error: Aborted

Thread 0x00007f0000000002 (most recent call first):
  File "$WORK/t.py", line 9 in idle
Current thread 0x00007f0000000001 (most recent call first):
  File "$WORK/t.py", line 4 in boom
  File "/lib/threading.py", line 1 in run
Thread 0x00007f0000000003 (most recent call first):
  File "$WORK/t.py", line 20 in <module>
`,
			status: "SIGABRT",
			want:   Signature{Status: "SIGABRT", Fatal: "Fatal Python error: Aborted", Frames: []string{"$WORK/t.py:4 in boom", "/lib/threading.py:1 in run"}},
		},
		{
			name: "go: frames from the panicking goroutine, printed first",
			out: `panic: boom [recovered]
	panic: boom

goroutine 7 [running]:
main.work()
	/w/main.go:12 +0x1d
created by main.main

goroutine 1 [chan receive]:
main.main()
	/w/main.go:20 +0x1d
`,
			status: "exit 2",
			want:   Signature{Status: "exit 2", Fatal: "panic: boom", Frames: []string{"/w/main.go:12 in main.work"}},
		},
		{
			name:   "go: an internal compiler error without its moving position",
			out:    "# example\n./x.go:3:2: internal compiler error: panic: bad\n",
			status: "exit 1",
			want:   Signature{Status: "exit 1", Fatal: "internal compiler error: panic: bad"},
		},
		{
			name:   "warning line",
			out:    "$WORK/r.py:9: DeprecationWarning: This process (pid=14) is multi-threaded, use of fork() may lead to deadlocks in the child.\n  pid = os.fork()\n",
			status: "exit 0",
			want:   Signature{Status: "exit 0", Exception: "DeprecationWarning: This process (pid=14) is multi-threaded, use of fork() may lead to deadlocks in the child."},
		},
		{
			name:   "never-awaited coroutine, with the tracemalloc hint after it",
			out:    "$WORK/app.py:9: RuntimeWarning: coroutine 'refresh' was never awaited\n  handler(event)\nRuntimeWarning: Enable tracemalloc to get the object allocation traceback\n",
			status: "exit 0",
			want:   Signature{Status: "exit 0", Exception: "RuntimeWarning: coroutine 'refresh' was never awaited"},
		},
		{
			name: "go panic",
			out: `panic: runtime error: index out of range [3] with length 3

goroutine 1 [running]:
main.get(...)
	/w/main.go:6
main.main()
	/w/main.go:10 +0x1d
exit status 2
`,
			status: "exit 2",
			want:   Signature{Status: "exit 2", Fatal: "panic: runtime error: index out of range [3] with length 3", Frames: []string{"/w/main.go:6 in main.get", "/w/main.go:10 in main.main"}},
		},
		{
			name:   "bare signal",
			out:    "",
			status: "SIGSEGV",
			want:   Signature{Status: "SIGSEGV"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(tt.out, tt.status)
			if got.Status != tt.want.Status || got.Process != tt.want.Process || got.Exec != tt.want.Exec || got.Fatal != tt.want.Fatal || got.Exception != tt.want.Exception || strings.Join(got.Frames, "|") != strings.Join(tt.want.Frames, "|") {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestGoRunProgramStatus(t *testing.T) {
	out := "panic: x\n\ngoroutine 1 [running]:\nmain.main()\n\t/w/main.go:3 +0x1\nexit status 2\n"
	got := ExtractCommand("go run .", out, "exit 1")
	if got.Status != "exit 2" || got.Exec != "exit 1" {
		t.Errorf("go run: status %q exec %q, want the program's exit 2 beside go run's exit 1", got.Status, got.Exec)
	}
	got = ExtractCommand("go run .", "signal: segmentation fault\n", "exit 1")
	if got.Status != "SIGSEGV" {
		t.Errorf("go run killed program: status %q, want SIGSEGV", got.Status)
	}
}

func TestUnasserted(t *testing.T) {
	s := Extract("Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nValueError: x\na.py:3: DeprecationWarning: old\n", "exit 1")
	never := func(string) bool { return false }
	if got := s.Unasserted(never).Exception; got != "ValueError: x" {
		t.Errorf("unasserted warning: exception %q, want the ValueError", got)
	}
	always := func(string) bool { return true }
	if got := s.Unasserted(always).Exception; got != "DeprecationWarning: old" {
		t.Errorf("asserted warning: exception %q, want it kept", got)
	}
}

func TestMatch(t *testing.T) {
	rec := Signature{Status: "exit 0", Exception: "DeprecationWarning: This process (pid=14) is multi-threaded"}
	for _, tt := range []struct {
		got  Signature
		want bool
	}{
		{Signature{Status: "exit 0", Exception: "DeprecationWarning: This process (pid=99123) is multi-threaded"}, true},
		{Signature{Status: "exit 1", Exception: "DeprecationWarning: This process (pid=14) is multi-threaded"}, false},
		{Signature{Status: "exit 0", Exception: "RuntimeWarning: This process (pid=14) is multi-threaded"}, false},
		{Signature{Status: "exit 0", Exception: "DeprecationWarning: This process (pid=14) is multi-threaded", Frames: []string{"x:1 in y"}}, true},
	} {
		if got := Match(rec, tt.got); got != tt.want {
			t.Errorf("Match(%v) = %v, want %v", tt.got, got, tt.want)
		}
	}
	// The bug's warning, then an unrelated thread traceback: still the bug.
	noisy := Extract("app.py:3: DeprecationWarning: This process (pid=7) is multi-threaded\nException in thread Thread-1:\nTraceback (most recent call last):\nAttributeError: 'T' object has no attribute 'm'\n", "exit 0")
	if !Match(rec, noisy) {
		t.Errorf("an extra traceback after the recorded warning must not count as slippage: %+v", noisy)
	}
	if Match(Signature{Exception: "KeyError: 'x'"}, noisy) {
		t.Error("a different exception matched")
	}
	if !Match(Signature{}, Signature{Status: "SIGSEGV"}) {
		t.Error("an empty recorded signature matches anything")
	}
	if Normalize("thread 0x7f6b71a456c0 pid=802985") != "thread ADDR pid=N" {
		t.Error(Normalize("thread 0x7f6b71a456c0 pid=802985"))
	}
}
