package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// traceEnv tells an exec's shim to trace its command (ReapsTrace): every
// process the command starts, in any language, is seen when it ends.
const traceEnv = "REPROKIT_TRACE_DEATHS"

// deathTracer is the shim's ptrace of its command's whole tree (the
// language-independent way to see a child die that its own parent reaps:
// a C program's fork, a shell's subshell, a Go program's exec). Every
// process and thread of the tree is traced (fork, vfork and clone
// events), and each process's end is read at its exit event, while it
// still has its name. It costs stops: one per fork, clone, exec, exit and
// signal delivered, each a round trip through the shim; and it is seen by
// the repro: its processes have a tracer (TracerPid in /proc/PID/status),
// so a repro cannot ptrace them itself (gdb, strace), and a process that
// stops itself (SIGSTOP, SIGTSTP) is resumed at once. Hence an option.
type deathTracer struct {
	target int
	path   string       // the reaps file the deaths are appended to
	known  map[int]bool // tracees whose first stop was seen
}

const traceOptions = unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE |
	unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACEEXIT

// startTraced prepares cmd to start traced (PTRACE_TRACEME: it stops
// after its execve) and locks the calling goroutine to its OS thread, the
// tracer: every ptrace request must come from it. serveTraced, on the
// same goroutine, serves the tree.
func startTraced(cmd *exec.Cmd) {
	runtime.LockOSThread()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Ptrace = true
}

// serveTraced serves the stops of cmd's tree until cmd's own process
// ends, and returns how it ended; then, while cmd.Wait collects the
// output (a grandchild may hold the pipes up to cmd.WaitDelay), it goes on
// serving the tracees that are left, so that none waits on a stop.
func serveTraced(cmd *exec.Cmd, reaps string) (syscall.WaitStatus, error) {
	t := &deathTracer{target: cmd.Process.Pid, path: reaps, known: map[int]bool{}}
	ws, err := t.serve()
	if err != nil {
		return ws, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }() // its own wait fails: the status is ours
	for {
		select {
		case <-done:
			return ws, nil
		default:
		}
		var st syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &st, syscall.WALL|syscall.WNOHANG, nil)
		switch {
		case err == nil && pid > 0 && st.Stopped():
			t.stopped(pid, st)
		case err == nil && pid > 0:
		case err == syscall.ECHILD:
			<-done
			return ws, nil
		default:
			time.Sleep(time.Millisecond)
		}
	}
}

func (t *deathTracer) serve() (syscall.WaitStatus, error) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WALL, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		switch {
		case ws.Exited() || ws.Signaled():
			if pid == t.target {
				return ws, nil
			}
			delete(t.known, pid)
		case ws.Stopped():
			t.stopped(pid, ws)
		}
	}
}

// stopped answers one ptrace-stop of pid and lets it run on.
func (t *deathTracer) stopped(pid int, ws syscall.WaitStatus) {
	sig := ws.StopSignal()
	event := ws.TrapCause()
	first := !t.known[pid]
	t.known[pid] = true
	switch {
	case pid == t.target && first:
		// The stop after its execve (PTRACE_TRACEME): from here on its
		// children are traced too, and an exec is an event, not a SIGTRAP.
		syscall.PtraceSetOptions(pid, traceOptions)
		syscall.PtraceCont(pid, 0)
	case sig == syscall.SIGTRAP && event == unix.PTRACE_EVENT_EXIT:
		if msg, err := syscall.PtraceGetEventMsg(pid); err == nil && pid != t.target && isProcess(pid) {
			t.record(pid, syscall.WaitStatus(msg), comm(pid))
		}
		syscall.PtraceCont(pid, 0)
	case sig == syscall.SIGTRAP && event > 0:
		// fork, vfork, clone, exec: the new tracee reports on its own
		syscall.PtraceCont(pid, 0)
	case sig == syscall.SIGSTOP && first:
		// An auto-attached tracee's first stop, not a signal of the repro's.
		syscall.PtraceCont(pid, 0)
	default:
		// A signal on its way to the tracee: deliver it. (A stop signal
		// then stops it, which is reported again, without siginfo: a
		// group-stop, which this old-style tracing cannot hold; it runs on.)
		if _, err := getSiginfo(pid); err != nil && (sig == syscall.SIGSTOP || sig == syscall.SIGTSTP || sig == syscall.SIGTTIN || sig == syscall.SIGTTOU) {
			sig = 0
		}
		syscall.PtraceCont(pid, int(sig))
	}
}

// isProcess says whether a tracee is a thread group's leader (a process,
// not one of its threads), from /proc while it still exists.
func isProcess(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "Tgid:"); ok {
			tgid, _ := strconv.Atoi(strings.TrimSpace(v))
			return tgid == pid
		}
	}
	return false
}

func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

// getSiginfo is PTRACE_GETSIGINFO: it fails for a group-stop.
func getSiginfo(pid int) (unix.Siginfo, error) {
	var info unix.Siginfo
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(pid), 0, uintptr(unsafe.Pointer(&info)), 0, 0)
	if errno != 0 {
		return info, errno
	}
	return info, nil
}

// record appends a death to the reaps file in its format, with two more
// fields: "trace" and the process's name. The reaper is the exec's own
// command, whose exec line the death then belongs to.
func (t *deathTracer) record(pid int, ws syscall.WaitStatus, name string) {
	if t.path == "" {
		return
	}
	if f, err := os.OpenFile(t.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
		fmt.Fprintf(f, "%d %d %d %d trace %s\n", pid, int(ws), t.target, time.Now().UnixMicro(), strings.ReplaceAll(name, " ", "_"))
		f.Close()
	}
}
