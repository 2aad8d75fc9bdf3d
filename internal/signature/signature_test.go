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
			want: Signature{Status: "exit 0", Fatal: "Fatal Python error: _PyInterpreterState_DeleteExceptMain: not main interpreter",
				Frames: []string{"<string>:4 in <module>", "$WORK/repro.py:30 in <module>"}},
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
			if got.Status != tt.want.Status || got.Fatal != tt.want.Fatal || got.Exception != tt.want.Exception || strings.Join(got.Frames, "|") != strings.Join(tt.want.Frames, "|") {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
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
