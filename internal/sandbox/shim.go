package sandbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ShimMain is `reprokit __shim CAP TARGET ARGS…`, which runs every exec of
// a script and is put on PATH as python3, go, … (there with CAP -1, no
// cap: the exec's shim caps): it runs TARGET with its output capped at CAP
// bytes per stream (the rest is counted and dropped, with a note), stops waiting
// for output shortly after TARGET exits even if a grandchild still holds
// the pipe, and ends the way TARGET ended, signal included.
func ShimMain(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: reprokit __shim CAP TARGET [ARG…]")
		return 2
	}
	limit, index, err := parseShimArg(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "reprokit __shim: bad cap:", err)
		return 2
	}
	// Not dumpable: the program below us runs as our user and could
	// otherwise open /proc/<shim>/fd/1 and write past the cap.
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	if limit >= 0 {
		// The exec's own process group: a repro that kills its process
		// group (killpg(0)) ends itself, not the engine that judges it.
		syscall.Setpgid(0, 0)
	}
	target := args[1]
	cmd := exec.Command(target, args[2:]...)
	cmd.Stdin = os.Stdin
	// The record file is the shim's to write, not its program's: take it
	// out of the environment before the program's is made.
	rec := takeExecRecorder(index)
	cmd.Env = shimEnv(os.Environ())
	stdout := &capWriter{w: os.Stdout, max: limit}
	stderr := &capWriter{w: os.Stderr, max: limit}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// A grandchild that keeps our pipe open must not keep us waiting.
	cmd.WaitDelay = 500 * time.Millisecond

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGHUP)
	// An exec line's shim traces its command's tree when asked (the shims
	// of tools below it are its tracees, and must not trace).
	tracing := os.Getenv(traceEnv) != "" && index >= 0
	os.Unsetenv(traceEnv)
	cmd.Env = withoutVar(cmd.Env, traceEnv)
	if tracing {
		startTraced(cmd)
		defer runtime.UnlockOSThread()
	}
	if err := cmd.Start(); err != nil {
		rec.started(0)
		if errors.Is(err, exec.ErrNotFound) {
			// Where it looked, for `run -v` and bisect's "which program
			// is missing" (the engine shows the shims' directory as
			// $REPROKIT_BIN).
			err = fmt.Errorf("%w (PATH=%s)", err, os.Getenv("PATH"))
		}
		fmt.Fprintf(os.Stderr, "reprokit: %v\n", err)
		rec.ended("exit 127")
		return 127
	}
	rec.started(cmd.Process.Pid)
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	var ws syscall.WaitStatus
	if tracing {
		ws, err = serveTraced(cmd, os.Getenv(reapsEnv))
	} else {
		err = cmd.Wait()
		var ee *exec.ExitError
		if err != nil && (errors.As(err, &ee) || errors.Is(err, exec.ErrWaitDelay)) {
			err = nil
		}
		if err == nil {
			ws, _ = cmd.ProcessState.Sys().(syscall.WaitStatus)
		}
	}
	stdout.note()
	stderr.note()
	if err != nil {
		fmt.Fprintf(os.Stderr, "reprokit: %v\n", err)
		rec.ended("exit 127")
		return 127
	}
	rec.ended(statusOf(ws))
	if ws.Signaled() {
		signal.Reset()
		dieFromSignal(ws.Signal())
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// capWriter passes through the first max bytes and counts the rest.
type capWriter struct {
	mu      sync.Mutex
	w       io.Writer
	max     int64
	written int64
	dropped int64
}

func (c *capWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max < 0 {
		return c.w.Write(p)
	}
	if room := c.max - c.written; room > 0 {
		n := int64(len(p))
		if n > room {
			n = room
		}
		c.w.Write(p[:n])
		c.written += n
		c.dropped += int64(len(p)) - n
	} else {
		c.dropped += int64(len(p))
	}
	return len(p), nil
}

func (c *capWriter) note() {
	if c.dropped > 0 {
		fmt.Fprintf(c.w, "\n[reprokit: output truncated: %d bytes past the %d-byte cap were dropped]\n", c.dropped, c.max)
	}
}

// withoutVar drops name from an environment list.
func withoutVar(env []string, name string) []string {
	out := env[:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
