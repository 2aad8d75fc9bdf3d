package signature

import (
	"reflect"
	"testing"
)

func TestWithDeaths(t *testing.T) {
	segv, abrt := Death{Status: "SIGSEGV"}, Death{Status: "SIGABRT", Command: "python3"}
	for _, tt := range []struct {
		name   string
		sig    Signature
		deaths []Death
		want   Signature
	}{
		{"a reaped crash names the child",
			Signature{Status: "exit 0"}, []Death{{Status: "exit 0"}, segv},
			Signature{Status: "SIGSEGV", Process: "child", Exec: "exit 0"}},
		{"the first crash, with its name when seen",
			Signature{Status: "exit 1", Exception: "BrokenProcessPool: x"}, []Death{abrt, segv},
			Signature{Status: "SIGABRT", Process: "child", Exec: "exit 1", Command: "python3", Exception: "BrokenProcessPool: x"}},
		{"the command's own signal stays",
			Signature{Status: "SIGABRT"}, []Death{segv},
			Signature{Status: "SIGABRT"}},
		{"a child's fatal error gets the status it ended with",
			Signature{Process: "child", Exec: "exit 0", Fatal: "Fatal Python error: x"}, []Death{abrt},
			Signature{Status: "SIGABRT", Process: "child", Exec: "exit 0", Command: "python3", Fatal: "Fatal Python error: x"}},
		{"…or any failure when none crashed",
			Signature{Process: "child", Exec: "exit 0", Fatal: "Fatal Python error: x"}, []Death{{Status: "exit 0"}, {Status: "exit 1"}},
			Signature{Status: "exit 1", Process: "child", Exec: "exit 0", Fatal: "Fatal Python error: x"}},
		{"a status the output already proved stays",
			Signature{Status: "SIGSEGV", Process: "child", Exec: "exit 0"}, []Death{abrt},
			Signature{Status: "SIGSEGV", Process: "child", Exec: "exit 0"}},
		{"children ended on purpose or failing are not the bug",
			Signature{Status: "exit 0"}, []Death{{Status: "SIGTERM"}, {Status: "SIGKILL"}, {Status: "exit 1"}},
			Signature{Status: "exit 0"}},
		{"a hang stays a hang",
			Signature{Status: StatusHang}, []Death{segv},
			Signature{Status: StatusHang}},
	} {
		if got := tt.sig.WithDeaths(tt.deaths); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
	if got := (Signature{Status: "SIGSEGV", Process: "child", Command: "python3", Exec: "exit 0"}).String(); got != "child (python3) SIGSEGV (exec exit 0)" {
		t.Errorf("String() = %q", got)
	}
}

// The reap recorder's frame, under a wait call that raised, is not the
// repro's: the frames are the caller's.
func TestExtractSkipsRecorderFrame(t *testing.T) {
	out := `Traceback (most recent call last):
  File "$WORK/r.py", line 3, in <module>
    os.waitpid(pid, 0)
  File "/run/site/_reprokit_reaps.py", line 18, in w
    r = f(*a, **k)
ChildProcessError: [Errno 10] No child processes
`
	sig := Extract(out, "exit 1")
	if want := []string{"$WORK/r.py:3 in <module>"}; !reflect.DeepEqual(sig.Frames, want) {
		t.Errorf("frames %q, want %q", sig.Frames, want)
	}
}
