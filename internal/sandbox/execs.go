package sandbox

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Exec is how one exec line of a script ended, as the shim that ran it
// recorded it: the data a verdict is decided from, not testscript's log.
type Exec struct {
	// Index is the exec's place among the script's exec lines, from 0:
	// testscript echoes every line it reaches, so it is also the exec's
	// place among the log's "> … exec …" lines.
	Index int `json:"index"`
	// Status is "exit N" or the signal that ended it ("SIGSEGV"); "" when
	// it was still running when the script ended (a deadline).
	Status string `json:"status"`
}

// execRecordEnv names the file the shims record into; the sandbox sets it
// for the script, and each shim takes it out of its program's environment.
const execRecordEnv = "REPROKIT_EXECS"

// parseShimArg reads the shim's first argument: the cap, and for the shim
// of an exec line its index ("1048576:3", written by writeArchive after
// shimWords). bin/'s tool shims give "-1"; index is -1 when there is none.
func parseShimArg(s string) (limit int64, index int, err error) {
	capStr, idx, found := strings.Cut(s, ":")
	index = -1
	if found {
		if index, err = strconv.Atoi(idx); err != nil {
			return 0, 0, err
		}
	}
	limit, err = strconv.ParseInt(capStr, 10, 64)
	return limit, index, err
}

// execRecorder appends an exec's start and end to the record file.
type execRecorder struct {
	path  string
	index int
}

// takeExecRecorder is the recorder of an exec line's shim, or nil; either
// way the record file is no longer in the environment its program sees.
func takeExecRecorder(index int) *execRecorder {
	path := os.Getenv(execRecordEnv)
	os.Unsetenv(execRecordEnv)
	if path == "" || index < 0 {
		return nil
	}
	return &execRecorder{path, index}
}

func (r *execRecorder) write(line string) {
	// One short O_APPEND write per line: concurrent background execs'
	// lines do not interleave.
	if f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
		f.WriteString(line)
		f.Close()
	}
}

// started and ended record, for an exec line's shim (r not nil), with
// the time and the pid of its command: what tells the children its
// command reaped (readReaps) from those of the other execs.
func (r *execRecorder) started(pid int) {
	if r != nil {
		r.write(fmt.Sprintf("start %d %d %d\n", r.index, time.Now().UnixMicro(), pid))
	}
}

func (r *execRecorder) ended(status string) {
	if r != nil {
		r.write(fmt.Sprintf("end %d %d %s\n", r.index, time.Now().UnixMicro(), status))
	}
}

// statusOf names how a process ended.
func statusOf(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		if name := unix.SignalName(ws.Signal()); name != "" {
			return name
		}
		return fmt.Sprintf("signal %d", int(ws.Signal()))
	}
	return fmt.Sprintf("exit %d", ws.ExitStatus())
}

// execSpan is when an exec's command ran, and its pid.
type execSpan struct {
	Index      int
	pid        int
	start, end int64 // microseconds since the epoch; end 0 while running
}

// readExecs reads the record file: the execs that started, by index,
// and when each ran.
func readExecs(path string) ([]Exec, []execSpan) {
	f, err := os.Open(path)
	if err != nil {
		return []Exec{}, nil // no exec ran
	}
	defer f.Close()
	var out []Exec
	var spans []execSpan
	at := map[int]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "start I TIME PID", "end I TIME STATUS…"
		f := strings.SplitN(sc.Text(), " ", 4)
		if len(f) < 4 {
			continue
		}
		i, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		t, _ := strconv.ParseInt(f[2], 10, 64)
		switch f[0] {
		case "start":
			pid, _ := strconv.Atoi(f[3])
			at[i] = len(out)
			out = append(out, Exec{Index: i})
			spans = append(spans, execSpan{Index: i, pid: pid, start: t})
		case "end":
			if k, ok := at[i]; ok {
				out[k].Status = f[3]
				spans[k].end = t
			}
		}
	}
	if out == nil {
		out = []Exec{}
	}
	return out, spans
}
