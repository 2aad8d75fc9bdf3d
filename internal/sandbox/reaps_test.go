package sandbox

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestReadAndAttributeReaps(t *testing.T) {
	dir := t.TempDir()
	execs := filepath.Join(dir, ".execs")
	os.WriteFile(execs, []byte("start 0 100 7\nend 0 200 exit 0\nstart 1 300 9\nstart 2 400 11\nend 2 500 SIGSEGV\nend 1 900 exit 0\n"), 0o600)
	reaps := filepath.Join(dir, ".reaps")
	// pid, raw status, reaper, time: exec 1's own command reaps a SIGSEGV
	// child at 950 (its end was recorded first); a grandchild of exec 1
	// reaps one at 450 (exec 2 started later, but by time both ran);
	// garbage and a pid 0 are passed over.
	os.WriteFile(reaps, []byte("12 11 9 950\n13 256 42 450\nnot a line\n0 0 1 1\n14 134 7 150\n"), 0o600)
	ran, spans := readExecs(execs)
	if want := []Exec{{0, "exit 0"}, {1, "exit 0"}, {2, "SIGSEGV"}}; !reflect.DeepEqual(ran, want) {
		t.Fatalf("execs %v, want %v", ran, want)
	}
	got := readReaps(reaps)
	attributeReaps(got, spans)
	var summary []Reap
	for _, r := range got {
		summary = append(summary, Reap{PID: r.PID, Status: r.Status, Exec: r.Exec})
	}
	want := []Reap{{PID: 14, Status: "SIGABRT", Exec: 0}, {PID: 13, Status: "exit 1", Exec: 2}, {PID: 12, Status: "SIGSEGV", Exec: 1}}
	if !reflect.DeepEqual(summary, want) {
		t.Errorf("reaps %+v, want %+v", summary, want)
	}
}

// A death both traced and reaped by Python is one, with the tracer's name.
func TestReadReapsTraced(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".reaps")
	os.WriteFile(path, []byte("12 11 9 100 trace python3\n12 11 9 101\n13 256 9 102\n14 6 9 103 trace sh\n"), 0o600)
	var got []Reap
	for _, r := range readReaps(path) {
		got = append(got, Reap{PID: r.PID, Status: r.Status, By: r.By, Command: r.Command})
	}
	want := []Reap{{PID: 12, Status: "SIGSEGV", By: "trace", Command: "python3"}, {PID: 13, Status: "exit 1", By: "python"}, {PID: 14, Status: "SIGABRT", By: "trace", Command: "sh"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestWithoutRecorderFrames(t *testing.T) {
	dump := "Current thread 0x00007f (most recent call first):\n  File \"/run/x/site/_reprokit_reaps.py\", line 18 in w\n  File \"/w/repro.py\", line 9 in <module>\n"
	want := "Current thread 0x00007f (most recent call first):\n  File \"/w/repro.py\", line 9 in <module>\n"
	if got := withoutRecorderFrames(dump); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// An orphan the init reaps after its exec's end was recorded, before the
// next exec starts, is that exec's child; one reaped while an exec runs is
// the running exec's; a reap by Python outside every exec belongs to none.
func TestOrphansReapedAfterTheirExecEnded(t *testing.T) {
	spans := []execSpan{{Index: 0, start: 100, end: 200}, {Index: 1, start: 300, end: 400}}
	got := []Reap{
		{PID: 5, By: "init", At: 250},
		{PID: 6, By: "init", At: 450},
		{PID: 7, By: "init", At: 350},
		{PID: 8, By: "python", Reaper: 99, At: 250},
		{PID: 9, By: "init", At: 50},
	}
	attributeReaps(got, spans)
	want := map[int]int{5: 0, 6: 1, 7: 1, 8: -1, 9: -1}
	for _, r := range got {
		if r.Exec != want[r.PID] {
			t.Errorf("pid %d (%s, at %d): exec %d, want %d", r.PID, r.By, r.At, r.Exec, want[r.PID])
		}
	}
}
