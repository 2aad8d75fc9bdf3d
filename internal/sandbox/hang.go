package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reprokit/reprokit/internal/toolchain"
)

// StackSignal is the signal on which every Python process in the sandbox
// dumps all its threads' stacks: a real-time signal no repro is likely to
// use, registered with faulthandler (which needs no GIL, so a process whose
// GIL is starved or held forever still answers) by the sitecustomize below.
const StackSignal = unix.Signal(40) // SIGRTMIN+6 under glibc

// Stack is what one process was doing when the deadline passed.
type Stack struct {
	PID     int            `json:"pid"`
	PPID    int            `json:"ppid"`
	Command string         `json:"command"` // its command line
	Kind    toolchain.Kind `json:"kind"`    // Python, Go or "" (no dump: not ours to ask)
	// Dump is faulthandler's all-threads dump (most recent call first) for
	// a Python process; a Go process's goroutine dump goes to its own
	// stderr, so it is in the log.
	Dump string `json:"dump,omitempty"`
	// Top says the process is the first of the tree below the script (a
	// command the script started, not a child of one).
	Top bool `json:"top,omitempty"`
}

// sitecustomize is put on every Python's path by the shim (REPROKIT_SITE):
// it registers the stack dump in the main interpreter of every process
// (a sub-interpreter would re-register itself and dump only its own
// threads; the environment marker, which sub-interpreters share and exec'd
// children inherit with another pid, tells them apart). The file is shared
// and opened for appending: processes are asked one at a time, so dumps do
// not interleave, and a forked child, which inherits the registration,
// writes to the same file. It then defers to any other sitecustomize.
//
// Only a repro that declares a hang gets faulthandler.register, which dumps
// even when no thread can take the GIL: registering it changes what some
// bugs do (subint_fork's forked child exits 1 on 3.12.1 and 3.13.0
// without it, and dies of SIGSEGV with it, measured outside reprokit), so
// the others get a Python-level handler instead, which leaves them as they
// are and dumps at a --timeout whenever the main thread can still run.
// (Kept under 1000 bytes: faults_disk_full runs check under a 1000-byte
// RLIMIT_FSIZE, and the sandbox writes this file; hence the two-space
// indent.) It returns at once on Python 2, which has no faulthandler, and
// takes the signal module's C half, _signal, where it can: signal.py
// imports enum, which Debian's python3 does not load at startup, and that
// import made every start of it markedly dearer (bench/run/RESULTS.md).
const sitecustomize = `# reprokit: stacks and reaps
import os as _os, sys as _sys

def _reg():
  e = _os.environ
  path = e.get("REPROKIT_STACKS")
  if not path or e.get("REPROKIT_STACKS_PID") == str(_os.getpid()):
    return
  try:
    import faulthandler as fh
  except ImportError:
    return
  f = open(path, "a")
  n = int(e["REPROKIT_STACK_SIGNAL"])
  if e.get("REPROKIT_HANG"):
    fh.register(n, file=f, all_threads=True, chain=False)
  else:
    try:
      import _signal as s
    except ImportError:
      import signal as s
    s.signal(n, lambda *a: fh.dump_traceback(f, True))
  _sys.modules["_reprokit_stacks_file"] = f
  e["REPROKIT_STACKS_PID"] = str(_os.getpid())

try:
  import _reprokit_reaps
  _reg()
except Exception:
  pass
_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here]
_self = _sys.modules.pop("sitecustomize", None)
try:
  import sitecustomize
except ImportError:
  _sys.modules["sitecustomize"] = _self
`

// stackEnv is the script environment for the stack capture ($WORK is
// replaced by the work directory).
func stackEnv(runDir string, hang time.Duration) []string {
	env := []string{
		"REPROKIT_SITE=" + filepath.Join(runDir, "site"),
		"REPROKIT_STACKS=" + stackFile("$WORK"),
		"REPROKIT_STACK_SIGNAL=" + strconv.Itoa(int(StackSignal)),
		// Unbuffered, so that a process killed at the deadline has shown
		// everything it printed.
		"PYTHONUNBUFFERED=1",
	}
	if hang > 0 {
		env = append(env, "REPROKIT_HANG=1")
	}
	return env
}

// stackFile is where every Python process appends its dump: in the
// script's TMPDIR, the one place below the (otherwise read-only) run
// directory that the repro's processes can write.
func stackFile(workDir string) string { return filepath.Join(workDir, ".tmp", ".reprokit-stacks") }

func prepareStacks(runDir string) error {
	if err := os.MkdirAll(filepath.Join(runDir, "site"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(runDir, "site", "sitecustomize.py"), []byte(sitecustomize), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(runDir, "site", "_reprokit_reaps.py"), []byte(reapRecorder), 0o644)
}

// shimEnv puts the stack-dumping sitecustomize first on PYTHONPATH.
func shimEnv(env []string) []string {
	site := os.Getenv("REPROKIT_SITE")
	if site == "" {
		return env
	}
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PYTHONPATH="); ok {
			if v == site || strings.HasPrefix(v, site+":") {
				return env // a shim below a shim
			}
			env[i] = "PYTHONPATH=" + site + ":" + v
			return env
		}
	}
	return append(env, "PYTHONPATH="+site)
}

// deadline is the sandbox child's side of the time limits: at the hang
// deadline (the bug) or the harness's own limit, captureAndKill runs once,
// and the kill is repeated until the script has returned, so that nothing
// the script starts afterwards runs on.
type deadline struct {
	spec    Spec
	mu      sync.Mutex
	stop    chan struct{}
	done    chan struct{}
	hung    bool
	timeout bool
	stacks  []Stack
	fired   time.Time
	work    string // the script's work directory, once testscript made it
}

// setWork tells the watch where the script runs (and so where the dumps
// are written).
func (d *deadline) setWork(dir string) {
	d.mu.Lock()
	d.work = dir
	d.mu.Unlock()
}

func watchDeadline(spec Spec) *deadline {
	d := &deadline{spec: spec, stop: make(chan struct{}), done: make(chan struct{})}
	go d.watch()
	return d
}

func (d *deadline) watch() {
	defer close(d.done)
	var hang <-chan time.Time
	if d.spec.Hang > 0 {
		t := time.NewTimer(d.spec.Hang)
		defer t.Stop()
		hang = t.C
	}
	limit := time.NewTimer(d.spec.Limits.Timeout)
	defer limit.Stop()
	select {
	case <-d.stop:
		return
	case <-hang:
		d.mu.Lock()
		d.hung, d.fired = true, time.Now()
		d.mu.Unlock()
	case <-limit.C:
		d.mu.Lock()
		d.timeout, d.fired = true, time.Now()
		d.mu.Unlock()
	}
	d.mu.Lock()
	work := d.work
	d.mu.Unlock()
	stacks := captureAndKill(stackFile(work), d.spec.Isolation)
	d.mu.Lock()
	d.stacks = stacks
	d.mu.Unlock()
	for {
		select {
		case <-d.stop:
			return
		case <-time.After(10 * time.Millisecond):
			killRest(d.spec.Isolation)
		}
	}
}

// finish stops the watch and fills in what it saw.
func (d *deadline) finish(res *Result) {
	close(d.stop)
	<-d.done
	d.mu.Lock()
	defer d.mu.Unlock()
	res.Hung, res.Stacks, res.Deadline = d.hung, d.stacks, d.fired
	if d.timeout {
		res.TimedOut = true
	}
}

// captureBudget and captureMax bound the asking part of captureAndKill:
// a tree of hundreds of Python processes is a fork bomb, not a report.
const (
	captureBudget = 700 * time.Millisecond // within the parent's backstop
	captureMax    = 32
)

// captureAndKill is the whole deadline path, in one place: every Python
// process below us dumps its threads (one at a time, so that dumps do not
// interleave in the shared file), every Go process gets SIGQUIT (its
// goroutines go to its stderr), then the leaves are killed before the shims
// that relay their output (a shim drains what is already in the pipe and
// ends the way its command did), and finally everything.
//
// It runs in the script engine, whose parent is the sandbox's init: every
// process below the init but the engine itself is the repro's (orphans
// and daemons are adopted by the init).
func captureAndKill(dump string, iso Isolation) []Stack {
	root, self := os.Getppid(), os.Getpid()
	procs := processes(root, self)
	goParent := map[int]bool{}
	for _, p := range procs {
		if !p.shim && isGo(p.PID) {
			goParent[p.PPID] = true
		}
	}
	var goProcs []int
	// A bound on the whole capture, whatever the repro does (a fork bomb
	// of Python processes answers one dump at a time): past it, the rest
	// are killed without being asked.
	budget, asked := time.Now().Add(captureBudget), 0
	for i := range procs {
		p := &procs[i]
		switch {
		case p.shim || time.Now().After(budget) || asked >= captureMax:
			continue
		case isGo(p.PID):
			if goParent[p.PID] {
				continue // `go run`, `go test` waiting for its program: only the program's dump matters
			}
			p.Kind = toolchain.Go
			unix.Kill(p.PID, unix.SIGQUIT)
			goProcs = append(goProcs, p.PID)
		case catches(p.PID, StackSignal):
			p.Kind = toolchain.Python
			p.Dump = withoutRecorderFrames(askDump(p.PID, dump))
			asked++
		}
	}
	waitGone(goProcs, 500*time.Millisecond)
	var leaves []int
	for _, p := range procs {
		if !p.shim {
			leaves = append(leaves, p.PID)
			unix.Kill(p.PID, unix.SIGKILL)
		}
	}
	waitGone(leaves, 200*time.Millisecond)
	time.Sleep(20 * time.Millisecond) // the shims copy what was left in their pipes
	killRest(iso)
	// The script's own commands are children of the shims: mark the
	// topmost non-shim processes.
	pids := map[int]bool{}
	for _, p := range procs {
		if !p.shim {
			pids[p.PID] = true
		}
	}
	var out []Stack
	for _, p := range procs {
		if p.shim {
			continue
		}
		p.Top = !pids[p.PPID]
		out = append(out, p.Stack)
	}
	return out
}

type proc struct {
	Stack
	shim bool
}

// processes lists the processes below root but self, oldest first.
func processes(root, self int) []proc {
	pids := descendants(root)
	sort.Ints(pids)
	var out []proc
	for _, pid := range pids {
		if pid == self {
			continue
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		args := strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
		p := proc{Stack: Stack{PID: pid, PPID: ppidOf(pid), Command: strings.Join(args, " ")}, shim: isShim(args)}
		out = append(out, p)
	}
	return out
}

func ppidOf(pid int) int {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	var state string
	var ppid int
	fmt.Sscanf(s[i+2:], "%s %d", &state, &ppid)
	return ppid
}

// isShim reports whether a process is one of reprokit's shims (by its
// command line: the engine may not read other processes' /proc/PID/exe):
// a shim relays signals, so it must not be sent SIGQUIT, and is killed
// last.
func isShim(cmdline []string) bool {
	return len(cmdline) > 1 && cmdline[1] == "__shim" && filepath.Base(cmdline[0]) == "reprokit"
}

// catches reports whether pid has a handler for sig (SigCgt in its status):
// the sitecustomize's registration for Python, the runtime's for Go. A
// process without one would die of the signal instead of dumping.
func catches(pid int, sig unix.Signal) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "SigCgt:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && mask&(1<<(uint(sig)-1)) != 0
		}
	}
	return false
}

// isGo: the Go runtime catches nearly every signal, our dump signal too;
// SIGURG (its preemption signal) with SIGQUIT is the runtime's mark, where
// a Python process catches neither.
func isGo(pid int) bool {
	return catches(pid, unix.SIGQUIT) && catches(pid, unix.SIGURG)
}

// askDump signals one process and returns what it appended to the shared
// dump file: the dump is done when the file has grown and then stayed the
// same for a few milliseconds (faulthandler writes a thread at a time).
func askDump(pid int, path string) string {
	before := fileSize(path)
	if unix.Kill(pid, StackSignal) != nil {
		return ""
	}
	size, still := before, 0
	for waited := time.Duration(0); waited < 300*time.Millisecond; waited += 2 * time.Millisecond {
		time.Sleep(2 * time.Millisecond)
		n := fileSize(path)
		switch {
		case n != size:
			size, still = n, 0
		case n > before:
			if still++; still >= 3 {
				waited = time.Hour
			}
		}
	}
	if size <= before {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, size-before)
	n, _ := f.ReadAt(buf, before)
	return string(buf[:n])
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// waitGone waits until the processes have exited (or are zombies), at most d.
func waitGone(pids []int, d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		alive := false
		for _, pid := range pids {
			stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err == nil {
				s := string(stat)
				if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 && s[i+2] != 'Z' {
					alive = true
					break
				}
			}
		}
		if !alive {
			return
		}
	}
}

// killRest kills whatever the script left. In a PID namespace the engine
// uses kill(-1): every process it may signal in the namespace but itself
// and the init, in one atomic sweep that a fork bomb cannot outrun. In a
// process group (the host's PID namespace, where kill(-1) would reach the
// user's own processes) it kills the init's descendants one by one, and
// the init and reprokit sweep after it.
func killRest(iso Isolation) {
	if iso == Namespaces {
		unix.Kill(-1, unix.SIGKILL)
		return
	}
	killAll(os.Getppid(), os.Getpid())
}

// killAll SIGKILLs every process below root but self (without reaping:
// the script's exec reaps its own, the init the rest).
func killAll(root, self int) {
	for _, pid := range descendants(root) {
		if pid != self {
			unix.Kill(pid, unix.SIGKILL)
		}
	}
}
