package signature

import (
	"reflect"
	"testing"
)

// A faulthandler dump as 3.11 writes it at the deadline: newest thread
// first, the main thread last.
const joinDump = `Thread 0x00007f0000000002 (most recent call first):
  File "/usr/lib/python3.11/threading.py", line 320 in wait
  File "/usr/lib/python3.11/threading.py", line 622 in wait
  File "$WORK/repro.py", line 5 in work
  File "/usr/lib/python3.11/threading.py", line 975 in run
  File "/usr/lib/python3.11/threading.py", line 1038 in _bootstrap_inner
  File "/usr/lib/python3.11/threading.py", line 995 in _bootstrap

Current thread 0x00007f0000000001 (most recent call first):
  File "/usr/lib/python3.11/threading.py", line 1119 in _wait_for_tstate_lock
  File "/usr/lib/python3.11/threading.py", line 1099 in join
  File "$WORK/repro.py", line 8 in <module>
`

func TestHang(t *testing.T) {
	for _, tt := range []struct {
		name  string
		procs []HangProcess
		want  Signature
	}{
		{"main thread first, then the worker", []HangProcess{{PID: 5, PPID: 1, Top: true, Dump: joinDump}},
			Signature{Status: StatusHang, Frames: []string{"repro.py:8 in <module> ← threading.py in join", "repro.py:5 in work ← threading.py in wait"}}},
		{"the child that never finishes decides", []HangProcess{
			{PID: 5, PPID: 1, Top: true, Dump: "Current thread 0x1 (most recent call first):\n  File \"$WORK/repro.py\", line 7 in <module>\n"},
			{PID: 6, PPID: 5, Dump: "Current thread 0x1 (most recent call first):\n  File \"/usr/lib/python3.6/logging/__init__.py\", line 810 in acquire\n  File \"/usr/lib/python3.6/logging/__init__.py\", line 1306 in info\n  File \"repro.py\", line 21 in <module>\n"},
		}, Signature{Status: StatusHang, Process: "child", Frames: []string{"repro.py:21 in <module> ← logging/__init__.py in info"}}},
		{"threads blocked alike count once", []HangProcess{{PID: 5, Top: true, Dump: "Thread 0x2 (most recent call first):\n  File \"$WORK/r.py\", line 3 in w\nThread 0x3 (most recent call first):\n  File \"$WORK/r.py\", line 3 in w\n"}},
			Signature{Status: StatusHang, Frames: []string{"r.py:3 in w (×2)"}}},
		{"no dump (Python 2)", []HangProcess{{PID: 5, Top: true}}, Signature{Status: StatusHang}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Hang(tt.procs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Hang() = %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestMatchHang(t *testing.T) {
	rec := Signature{Status: StatusHang, Frames: []string{"repro.py:8 in <module> ← threading.py in join"}}
	for _, tt := range []struct {
		name string
		got  Signature
		want bool
	}{
		{"same place, other line", Signature{Status: StatusHang, Frames: []string{"repro.py:12 in <module> ← threading.py in join", "repro.py:5 in work ← threading.py in wait (×3)"}}, true},
		{"blocked elsewhere", Signature{Status: StatusHang, Frames: []string{"repro.py:8 in <module> ← queue.py in get"}}, false},
		{"in a child instead", Signature{Status: StatusHang, Process: "child", Frames: []string{"repro.py:8 in <module> ← threading.py in join"}}, false},
		{"finished", Signature{Status: "exit 0"}, false},
		{"no stacks to compare", Signature{Status: StatusHang}, true},
	} {
		if got := Match(rec, tt.got); got != tt.want {
			t.Errorf("%s: Match = %v, want %v (diff: %s)", tt.name, got, tt.want, Diff(rec, tt.got))
		}
	}
}

func TestGoHang(t *testing.T) {
	dump := "SIGQUIT: quit\n\ngoroutine 0 gp=0x1 m=0 mp=0x2 [idle]:\nruntime.futex(0x1)\n\truntime/sys_linux_amd64.s:569 +0x21\n\n" +
		"goroutine 1 gp=0x3 m=nil [chan receive]:\nruntime.chanrecv1(0x4?, 0x0?)\n\t/usr/local/go/src/runtime/chan.go:509 +0x12\nmain.main()\n\t$WORK/main.go:14 +0xbd\n\n" +
		"goroutine 7 gp=0x5 m=nil [sync.Mutex.Lock]:\nsync.(*Mutex).Lock(...)\n\t/usr/local/go/src/sync/mutex.go:46\nmain.main.func1()\n\t$WORK/main.go:13 +0x25\n"
	want := []string{"main.go:14 in main.main ← runtime.chanrecv1", "main.go:13 in main.main.func1 ← sync.(*Mutex).Lock"}
	if got := GoHang(dump); got.Status != StatusHang || !reflect.DeepEqual(got.Frames, want) {
		t.Errorf("GoHang() = %#v, want frames %q", got, want)
	}
}
