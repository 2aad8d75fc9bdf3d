package sandbox

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Reap is a process of the repro that ended and was reaped by one of the
// repro's own processes (a parent's os.waitpid, subprocess, multiprocessing)
// or by the sandbox's init (an orphan): how it ended, which the script's
// commands may never show (a parent that reaps its child killed by
// SIGSEGV and exits 0).
type Reap struct {
	PID    int    `json:"pid"`
	Status string `json:"status"` // "exit N" or a signal name, as Exec.Status
	// Exec is the exec line (its index, as Exec.Index) whose command reaped
	// it or was running when it was reaped; -1 when none was.
	Exec int `json:"exec"`
	// By says who saw it end: "python" (the repro's own Python reaped it)
	// or "init" (an orphan, reaped by the sandbox).
	By string `json:"by"`
	// Command is its name as the kernel had it (/proc/PID/comm), when the
	// one that reaped it could still read it (the init can).
	Command string `json:"command,omitempty"`
	At      int64  `json:"at"`     // when it was reaped, microseconds since the epoch
	Reaper  int    `json:"reaper"` // the pid of the process that reaped it
}

// reapsEnv names the file the recorder below appends to; the sandbox sets
// it for the script (REPROKIT_REAPS=off in reprokit's own environment
// turns the recorder off: see ReapMode).
const reapsEnv = "REPROKIT_REAPS"

// reapRecorder is imported by the sitecustomize into every Python
// interpreter the script starts (sub-interpreters too: each has its own
// os module). It wraps the os module's wait functions, which subprocess,
// multiprocessing, pty and os.spawn* call, and appends one line per child
// reaped: its pid, its raw wait status, the reaper's pid and the time.
// What the wrapped function returns or raises is untouched; the one
// difference a repro can see is a traceback through a wait call that
// raised (ECHILD, or an exception from a signal handler run during the
// wait), which shows this file's frame below the caller's (the signature
// leaves it out). os.system waits in C and is not seen.
// (Kept under 1000 bytes, like sitecustomize.)
const reapRecorder = `# reprokit: the children this process reaps
import os as _o

def _rec(pid, st, o=_o, p=_o.environ.get("REPROKIT_REAPS")):
    try:
        if pid > 0 and (o.WIFEXITED(st) or o.WIFSIGNALED(st)):
            import time
            fd = o.open(p, o.O_WRONLY | o.O_APPEND | o.O_CREAT, 384)
            try:
                o.write(fd, ("%d %d %d %d\n" % (pid, st, o.getpid(), time.time() * 1e6)).encode())
            finally:
                o.close(fd)
    except Exception:
        pass

def _wrap(f):
    def w(*a, **k):
        r = f(*a, **k)
        if f.__name__ != "waitid":
            _rec(r[0], r[1])
        elif r and not (a[2:] and a[2] & _o.WNOWAIT):
            _rec(r.si_pid, r.si_status << 8 * (r.si_code == 1))
        return r
    w.__name__, w.__doc__ = f.__name__, f.__doc__
    return w

if "REPROKIT_REAPS" in _o.environ:
    for n in ("wait", "waitpid", "wait3", "wait4", "waitid"):
        hasattr(_o, n) and setattr(_o, n, _wrap(getattr(_o, n)))
`

// ReapMode is how deaths reaped by the repro's own processes are
// recorded: ReapsOn (the default: the Python recorder and the init's
// orphans, and the signature uses them), ReapsTrace (that, and every
// exec's command traced: any program's children, at a cost: see
// deathTracer), ReapsObserve (recorded, not used: the recorder's
// presence alone, which must change nothing) or ReapsOff (no recorder).
// Set by REPROKIT_REAPS=on|trace|observe|off in reprokit's environment,
// or by --trace-deaths.
type ReapMode string

const (
	ReapsOn      ReapMode = "on"
	ReapsTrace   ReapMode = "trace"
	ReapsObserve ReapMode = "observe"
	ReapsOff     ReapMode = "off"
)

// ReapModeFromEnv reads REPROKIT_REAPS; anything else is ReapsOn.
func ReapModeFromEnv() ReapMode {
	switch m := ReapMode(os.Getenv(reapsEnv)); m {
	case ReapsTrace, ReapsObserve, ReapsOff:
		return m
	}
	return ReapsOn
}

// Uses says whether a signature may use the deaths recorded in this mode.
func (m ReapMode) Uses() bool { return m != ReapsObserve && m != ReapsOff }

// readReaps reads the recorder's file: one Reap per line it can parse
// (the repro can write there too, as it can print what it likes).
func readReaps(path string) []Reap {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []Reap
	sc := bufio.NewScanner(f)
	traced := map[[2]int]bool{}
	for sc.Scan() && len(out) < reapsMax {
		// "PID STATUS REAPER TIME" (the Python recorder), or with
		// "trace NAME" after it (the shim's tracer)
		var n [4]int64
		fields := strings.Fields(sc.Text())
		if len(fields) != 4 && (len(fields) != 6 || fields[4] != "trace") {
			continue
		}
		ok := true
		for i, s := range fields[:4] {
			v, err := strconv.ParseInt(s, 10, 64)
			ok = ok && err == nil
			n[i] = v
		}
		if !ok || n[0] <= 0 {
			continue
		}
		r := Reap{PID: int(n[0]), Status: statusOf(syscall.WaitStatus(n[1])), By: "python", Reaper: int(n[2]), At: n[3], Exec: -1}
		if len(fields) == 6 {
			r.By, r.Command = "trace", fields[5]
			traced[[2]int{r.PID, int(n[1])}] = true
		}
		out = append(out, r)
	}
	// A death both traced and reaped by Python is one death: the tracer's
	// record has its name.
	kept := out[:0]
	for _, r := range out {
		if r.By != "python" || !traced[[2]int{r.PID, rawStatus(r.Status)}] {
			kept = append(kept, r)
		}
	}
	return kept
}

// rawStatus is the wait status a Status names (for matching records).
func rawStatus(status string) int {
	if code, ok := strings.CutPrefix(status, "exit "); ok {
		n, _ := strconv.Atoi(code)
		return n << 8
	}
	return int(unix.SignalNum(status))
}

// reapsMax bounds what a run keeps: a repro that forks thousands of
// children needs only the first deaths for its signature.
const reapsMax = 256

// attributeReaps gives each reap the exec line it belongs to: the exec whose
// own command reaped it, else the last exec to start that was still
// running at the time (its start and end as the shims recorded them).
// An orphan the init reaped when no exec was running belongs to the last
// exec to start before: a forked child that outlives its parent by a
// moment ends after its exec's end was recorded (it closed the exec's
// output as it exited), and it is still that exec's child.
func attributeReaps(reaps []Reap, execs []execSpan) {
	for i := range reaps {
		r := &reaps[i]
		r.Exec = -1
		for _, e := range execs {
			if e.pid != 0 && e.pid == r.Reaper {
				r.Exec = e.Index
				break
			}
		}
		if r.Exec >= 0 {
			continue
		}
		best := int64(-1)
		for _, e := range execs {
			if e.start <= r.At && (e.end == 0 || r.At <= e.end) && e.start > best {
				best, r.Exec = e.start, e.Index
			}
		}
		if r.Exec >= 0 || r.By != "init" {
			continue
		}
		for _, e := range execs {
			if e.start <= r.At && e.start > best {
				best, r.Exec = e.start, e.Index
			}
		}
	}
	sort.SliceStable(reaps, func(i, j int) bool { return reaps[i].At < reaps[j].At })
}

// orphanReaper is the init's side: it reaps every process that ends below
// it (orphans and daemons reparent to it) and notes how each ended, with
// its name, which a zombie still has.
type orphanReaper struct {
	engine int
	reaps  []Reap
}

// reap waits for the next child of the init to end, notes it unless it is
// the engine, and reaps it; it returns the pid and status reaped. It peeks
// first (WNOWAIT), so that a process that crashed still has its name to
// read; nothing else costs more than that one call (at a deadline the
// init reaps hundreds of killed processes, the engine among them).
func (o *orphanReaper) reap() (int, unix.WaitStatus, error) {
	var info unix.Siginfo
	var ws unix.WaitStatus
	if err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		return 0, ws, err
	}
	pid, code, sig := siginfoChild(&info)
	comm := ""
	crashed := (code == cldKilled || code == cldDumped) && crashSignal(sig)
	if pid != o.engine && crashed {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		comm = strings.TrimSpace(string(b))
	}
	got, err := unix.Wait4(pid, &ws, 0, nil)
	if err != nil {
		return 0, ws, err
	}
	// Only what a signature can use is kept: a crash, or an exit (a
	// killed orphan is the deadline's doing, or the repro's on purpose).
	if got != o.engine && len(o.reaps) < reapsMax && (crashed || ws.Exited()) {
		o.reaps = append(o.reaps, Reap{PID: got, Status: statusOf(syscall.WaitStatus(ws)), Exec: -1, By: "init", Command: comm, At: time.Now().UnixMicro(), Reaper: 1})
	}
	return got, ws, nil
}

// drain reaps, for at most grace, the processes that outlive the engine:
// a forked child whose parent exited first may still be exiting when the
// script ends (the exec read its last output as it closed it), and it
// would otherwise die with the namespace, its end unseen. Only a run that
// leaves a process behind waits; a daemon is killed after the grace as
// before.
func (o *orphanReaper) drain(grace time.Duration) {
	deadline := time.Now().Add(grace)
	// The deadline holds even while zombies keep coming: a daemon forking
	// children that exit at once must not keep the init here.
	for time.Now().Before(deadline) {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOWAIT|unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return // ECHILD: nothing is left
		}
		if pid, _, _ := siginfoChild(&info); pid != 0 {
			if _, _, err := o.reap(); err != nil {
				return
			}
			continue
		}
		time.Sleep(time.Millisecond)
	}
}

// The si_code values of a SIGCHLD siginfo for a child that a signal ended.
const (
	cldKilled = 2
	cldDumped = 3
)

// siginfoChild reads si_pid, si_code and si_status of a SIGCHLD siginfo
// (the union's si_pid, si_uid, si_status follow three ints and padding).
func siginfoChild(info *unix.Siginfo) (pid int, code int32, status int32) {
	p := unsafe.Pointer(info)
	return int(*(*int32)(unsafe.Add(p, 16))), info.Code, *(*int32)(unsafe.Add(p, 24))
}

// crashSignal says whether a signal is one a process crashes by
// (signature.WithDeaths keeps the same list).
func crashSignal(sig int32) bool {
	switch unix.Signal(sig) {
	case unix.SIGSEGV, unix.SIGABRT, unix.SIGBUS, unix.SIGFPE, unix.SIGILL, unix.SIGTRAP, unix.SIGSYS:
		return true
	}
	return false
}

// addOrphans merges the init's reaps into the engine's result, each given
// the exec it belongs to by time (the records are on the run's disk).
func addOrphans(res *Result, orphans []Reap, records string) {
	if len(orphans) == 0 {
		return
	}
	_, spans := readExecs(records)
	attributeReaps(orphans, spans)
	res.Reaps = append(res.Reaps, orphans...)
	sort.SliceStable(res.Reaps, func(i, j int) bool { return res.Reaps[i].At < res.Reaps[j].At })
}

// withoutRecorderFrames drops the reap recorder's own frame from a
// faulthandler dump: a process blocked in os.waitpid is blocked in the
// recorder's wrapper, one frame below its caller, and that frame is
// reprokit's, not the repro's (the caller's frame, kept, says where).
func withoutRecorderFrames(dump string) string {
	if !strings.Contains(dump, recorderFile) {
		return dump
	}
	lines := strings.SplitAfter(dump, "\n")
	out := lines[:0]
	for _, l := range lines {
		if !strings.Contains(l, recorderFile) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// recorderFile is how the recorder's frames name its file.
const recorderFile = "/_reprokit_reaps.py\""
