// Package sandbox runs one testscript script in isolation: a re-exec of
// reprokit that becomes PID 1 of new PID, mount, network, IPC and UTS
// namespaces, sees the host read-only except its own work directory, runs
// as an unprivileged user with rlimits, and dies with everything it started
// when the deadline passes or reprokit itself dies.
//
// Where the kernel refuses namespaces, Run fails; a process group plus a
// child subreaper (ProcessGroup) is used only when asked for, and a result
// says which isolation it ran in (Result.Isolation).
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// sandboxUID picks the unprivileged uid (and gid) a root-run sandbox drops
// to: one of its own, far above real users, because RLIMIT_NPROC is counted
// per uid across the machine: with one shared uid, a fork bomb in one cell
// starved the forks of every concurrent cell. The pid keeps concurrent
// reprokit processes apart, the sequence their concurrent sandboxes.
func sandboxUID() int {
	return 2_000_000_000 + (os.Getpid()%(1<<20))*1000 + int(uidSeq.Add(1)%1000)
}

var uidSeq atomic.Uint32

// Limits are the rlimits and caps for one run. Zero means the default.
type Limits struct {
	Timeout   time.Duration `json:"timeout"`    // wall clock for the whole tree; default 60s
	Memory    uint64        `json:"memory"`     // RLIMIT_AS per process, bytes; default 4 GiB
	Procs     uint64        `json:"procs"`      // RLIMIT_NPROC; default 512
	FileSize  uint64        `json:"file_size"`  // RLIMIT_FSIZE, bytes; default 1 GiB
	Disk      uint64        `json:"disk"`       // the run's one quota (work dir, /tmp, /dev/shm, /var/tmp), bytes; default 2 GiB
	Inodes    uint64        `json:"inodes"`     // inodes in that quota; default 100,000
	OutputCap int64         `json:"output_cap"` // captured bytes per stream of every exec'd command; default 1 MiB
}

func (l Limits) withDefaults() Limits {
	if l.Timeout <= 0 {
		l.Timeout = 60 * time.Second
	}
	if l.Disk == 0 {
		l.Disk = 2 << 30
	}
	if l.Inodes == 0 {
		l.Inodes = 100_000
	}
	if l.Memory == 0 {
		l.Memory = 4 << 30
	}
	if l.Procs == 0 {
		l.Procs = 512
	}
	if l.FileSize == 0 {
		l.FileSize = 1 << 30
	}
	if l.OutputCap == 0 {
		l.OutputCap = 1 << 20
	}
	return l
}

// Tool is a command put on the script's PATH, e.g. python3 → the chosen
// interpreter. Its output is capped through reprokit's shim.
type Tool struct {
	Name   string `json:"name"`
	Target string `json:"target"`
}

// Spec is what the sandbox child needs; the parent writes it as JSON.
type Spec struct {
	Script    string            `json:"script"`  // txtar archive to run (main or tier check)
	Name      string            `json:"name"`    // how reasons and logs name it: the user's file
	RunDir    string            `json:"run_dir"` // private: bin/, script, work/
	Limits    Limits            `json:"limits"`
	Tools     []Tool            `json:"tools"`
	Keep      []string          `json:"keep"`      // host dirs to keep visible (toolchain roots)
	Mask      []string          `json:"mask"`      // host dirs to hide behind an empty tmpfs (HOME)
	Env       []string          `json:"env"`       // extra script environment
	Versions  map[string]string `json:"versions"`  // toolchain kind → version, for [python:3.12] conditions
	Isolation Isolation         `json:"isolation"` // Namespaces or ProcessGroup
	Exe       string            `json:"exe"`       // reprokit binary as seen inside the sandbox
	UID       int               `json:"uid"`       // the uid and gid a root-run sandbox drops to
	KeepWork  bool              `json:"keep_work"` // the work directory outlives the run (--keep): on disk, not a tmpfs
	Hang      time.Duration     `json:"hang"`      // still running after this is the bug (0: no hang deadline)
	Info      map[string]string `json:"info"`      // for logs only
	// HostNetwork keeps the host's network namespace (an installer must
	// reach the package index); everything else is as for a repro.
	HostNetwork bool `json:"host_network,omitempty"`
	// Writable are host directories mounted read-write: the one place on
	// disk, besides the quota, the script may write (an environment
	// being built).
	Writable []string `json:"writable,omitempty"`
	Reaps    ReapMode `json:"reaps"` // whether the repro's own reaps are recorded ("off": not)
}

// Outcome is how testscript ended a script; "" when the harness failed
// (Result.Err says why).
type Outcome string

// The outcomes of a script run.
const (
	Pass Outcome = "pass"
	Fail Outcome = "fail"
	Skip Outcome = "skip" // the script ran `skip`
)

// Result of one script run.
type Result struct {
	Outcome   Outcome       `json:"outcome"` // Pass, Fail, Skip, or "" on harness error
	Reason    string        `json:"reason"`  // failure or skip message
	Log       string        `json:"log"`     // testscript log, work dir shown as $WORK
	TimedOut  bool          `json:"timed_out"`
	Duration  time.Duration `json:"duration"`
	Isolation Isolation     `json:"isolation"`
	Err       string        `json:"err,omitempty"` // harness error
	WorkDir   string        `json:"work_dir,omitempty"`
	// Execs are the exec lines that ran, in the order they started, with
	// how each ended as its shim recorded it.
	Execs []Exec `json:"execs"`
	// Reaps are the repro's processes that ended and were reaped by the
	// repro's own code or by the init, in the order they were reaped.
	Reaps []Reap `json:"reaps,omitempty"`
	// Hung says the script was still running at Options.Hang: its tree
	// was killed after Stacks were taken (the same happens at the time
	// limit, with TimedOut).
	Hung   bool    `json:"hung,omitempty"`
	Stacks []Stack `json:"stacks,omitempty"`
	// Deadline is when the hang deadline or the time limit fired (zero if
	// neither did): bench/hang measures from it to the verdict.
	Deadline time.Time `json:"deadline,omitempty"`
}

// Options for Run.
type Options struct {
	Limits   Limits
	Tools    []Tool
	Keep     []string
	Env      []string
	Versions map[string]string
	KeepDir  bool   // keep the run directory afterwards
	Name     string // the user's file, named in reasons instead of the run's copy
	// Hang, when set, is the deadline after which a still-running script
	// shows the bug: stacks are taken, the tree is killed, Result.Hung.
	Hang time.Duration
	// Isolation is Namespaces (also when empty) or ProcessGroup. Where
	// the kernel refuses namespaces, Run fails: the weaker process group
	// is only ever used when asked for.
	Isolation Isolation
	// Reaps says whether the children the repro's own Python reaps are
	// recorded (Result.Reaps); "" is ReapsOn.
	Reaps ReapMode
	// HostNetwork leaves the script on the host's network (an installer
	// fetching from the package index) instead of a loopback of its own.
	HostNetwork bool
	// Writable are existing host directories the script may write, the
	// only ones besides its quota: they are handed to the sandbox's user
	// for the run (as root) and back afterwards, with no set-id bit left.
	Writable []string
	// Files are written into the run directory, read-only to the script
	// and removed with it; a value of Env may name their directory as
	// $REPROKIT_FILES (the user's installer configuration, say: never in
	// a place other processes could read).
	Files []File
}

// File is a file given to a run (Options.Files): Name is a base name.
type File struct {
	Name string
	Data []byte
}

// Run runs the txtar archive script in a fresh sandbox and waits for it.
// It returns an error only when no script ran: the sandbox could not be
// made (run directory, namespaces, mounts, privileges; a
// *NoNamespacesError when the kernel refused the namespaces), or ctx ended
// (ctx.Err(), with what the run had by then). So the first Run of a
// command is also its probe: see Probe.
func Run(ctx context.Context, archive []byte, opts Options) (res Result, err error) {
	lim := opts.Limits.withDefaults()
	<-sweep()
	memLimitOnce.Do(softMemoryLimit)
	rd, err := newRunDir()
	if err != nil {
		return res, err
	}
	defer func() {
		if opts.KeepDir {
			res.WorkDir = rd.path
			rd.keep()
			return
		}
		rd.remove()
	}()
	iso := opts.Isolation.Resolved()
	if iso == Namespaces && os.Geteuid() == 0 && len(opts.Writable) > 0 {
		defer handBack(opts.Writable)
	}
	return runIn(ctx, rd.path, archive, opts, lim, iso)
}

var memLimitOnce sync.Once

// softMemoryLimit keeps reprokit's heap near its live size: a large
// archive passes through a few short-lived copies (parse, script, the
// run's copy), and with the default GC pacing the garbage between
// collections doubled the peak. GOMEMLIMIT, when set, wins.
func softMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(100 << 20)
	}
}

func removeAll(dir string) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755) // a repro may leave read-only directories
		}
		return nil
	})
	os.RemoveAll(dir)
}

func runIn(ctx context.Context, runDir string, archive []byte, opts Options, lim Limits, iso Isolation) (Result, error) {
	self, err := os.Executable()
	if err != nil {
		return Result{}, fmt.Errorf("finding the reprokit binary: %w", err)
	}
	spec := Spec{
		Script:    filepath.Join(runDir, "repro.txtar"),
		Name:      opts.Name,
		RunDir:    runDir,
		Limits:    lim,
		Tools:     opts.Tools,
		Keep:      opts.Keep,
		Env:       opts.Env,
		Versions:  opts.Versions,
		Hang:      opts.Hang,
		Isolation: iso,
		Reaps:     opts.Reaps,
		Exe:       self,
		UID:       sandboxUID(),
		KeepWork:  opts.KeepDir,
		// The run's own files, then the ones it may write.
		HostNetwork: opts.HostNetwork,
		Writable:    opts.Writable,
	}
	if spec.Name == "" {
		spec.Name = "repro.txtar"
	}
	if iso == Namespaces {
		// Named reprokit: the binary dispatches on its name when it is a
		// test binary (testscript.Main).
		spec.Exe = filepath.Join(runDir, "reprokit")
		spec.Mask = masks(append(append([]string{runDir}, opts.Keep...), opts.Writable...))
	}
	if err := prepare(spec, archive, self); err != nil {
		return Result{}, err
	}
	if err := writeFiles(runDir, opts.Files); err != nil {
		return Result{}, err
	}
	data, _ := json.Marshal(spec)
	specPath := filepath.Join(runDir, "spec.json")
	if err := os.WriteFile(specPath, data, 0o644); err != nil {
		return Result{}, err
	}
	if iso == Namespaces && os.Geteuid() == 0 {
		if err := chownTree(runDir, spec.UID); err != nil {
			return Result{}, fmt.Errorf("handing the run directory to the sandbox user: %w", err)
		}
		for _, w := range opts.Writable {
			if err := chownTree(w, spec.UID); err != nil {
				return Result{}, fmt.Errorf("handing %s to the sandbox user: %w", w, err)
			}
		}
	}
	if iso == Namespaces && os.Getenv(SimulateNoNamespaces) != "" {
		return Result{}, &NoNamespacesError{fmt.Errorf("creating namespaces: %w (simulated by %s)", syscall.EPERM, SimulateNoNamespaces)}
	}
	return start(ctx, self, specPath, spec)
}

// NoNamespacesError is the kernel (or a container) refusing the
// namespaces: the one failure for which the degraded process-group mode
// is worth naming. Any other failure says what it is.
type NoNamespacesError struct{ Err error }

func (e *NoNamespacesError) Error() string { return e.Err.Error() }
func (e *NoNamespacesError) Unwrap() error { return e.Err }

// SimulateNoNamespaces names the environment variable that makes namespace
// creation fail as a locked-down kernel or container would (EPERM): how the
// tests check that reprokit refuses to run uncontained by default.
const SimulateNoNamespaces = "REPROKIT_SIMULATE_NO_NAMESPACES"

// masks are the host directories hidden behind an empty tmpfs: the user's
// home (by $HOME and by the password database: tokens live there), and any
// directory on the way to a kept path that the sandbox user could not
// traverse (a 0700 /root above ~/.pyenv); the kept paths are mounted back
// inside the mask.
func masks(keep []string) []string {
	var out []string
	add := func(p string) {
		if p == "" || p == "/" {
			return
		}
		for _, q := range out {
			if q == p {
				return
			}
		}
		out = append(out, p)
	}
	add(os.Getenv("HOME"))
	if u, err := user.Current(); err == nil {
		add(u.HomeDir)
	}
	for _, k := range keep {
		for dir := filepath.Dir(k); dir != "/" && dir != "."; dir = filepath.Dir(dir) {
			if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o001 == 0 {
				add(dir)
			}
		}
	}
	return out
}

// prepare lays out the run directory: the archive (every exec routed
// through the output cap), the work root, the quota's mount point, and
// bin/ with one shim per tool.
func prepare(spec Spec, archive []byte, self string) error {
	bin := filepath.Join(spec.RunDir, "bin")
	for _, d := range []string{bin, filepath.Join(spec.RunDir, "work"), filepath.Join(spec.RunDir, "quota"), filepath.Dir(spec.Exe)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := writeArchive(spec.Script, archive, shimWords(spec)); err != nil {
		return err
	}
	if err := prepareStacks(spec.RunDir); err != nil {
		return err
	}
	if spec.Isolation == Namespaces && filepath.Dir(spec.Exe) != filepath.Dir(self) {
		// Mount point for the reprokit binary, bound read-only inside.
		if err := os.WriteFile(spec.Exe, nil, 0o755); err != nil {
			return err
		}
	}
	// Tools with one target (python3, python, python3.12) share one file:
	// a hard link costs no inode, and creating inodes is most of what a
	// run directory costs on a busy ext4 (bench/run/RESULTS.md).
	written := map[string]string{}
	for _, t := range spec.Tools {
		p := filepath.Join(bin, t.Name)
		if first, ok := written[t.Target]; ok && os.Link(first, p) == nil {
			continue
		}
		if err := os.WriteFile(p, []byte(toolShim(t.Target)), 0o755); err != nil {
			return err
		}
		written[t.Target] = p
	}
	return nil
}

// toolShim is the script that puts target on the script's PATH under a
// tool's name: a shell that execs it, so the tool runs as its own
// process, directly below the exec's shim. No output cap of its own: the
// exec's shim (shimWords) caps every exec already, and a second cap would
// swallow the first one's note. It puts the stack-dumping sitecustomize
// first on PYTHONPATH as shimEnv does, for a Python started with an
// environment of the repro's making. (It was a `reprokit __shim -1`,
// which cost every Python a second start of reprokit: bench/run.)
func toolShim(target string) string {
	return `#!/bin/sh
if [ -n "$REPROKIT_SITE" ]; then
	case "$PYTHONPATH" in
	"$REPROKIT_SITE" | "$REPROKIT_SITE":*) ;;
	*) PYTHONPATH="$REPROKIT_SITE${PYTHONPATH+:$PYTHONPATH}"; export PYTHONPATH ;;
	esac
fi
exec ` + ShellQuote(target) + ` "$@"
`
}

// ShellQuote quotes s as one word for sh, and only when it needs it.
func ShellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>()*?[]#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shimWords is the command prefix that runs a program with its output
// capped: the same words in bin/'s shims and in every exec of the script.
func shimWords(spec Spec) string {
	return fmt.Sprintf("%s __shim %d", ShellQuote(spec.Exe), spec.Limits.OutputCap)
}

// filesDir is where Options.Files are, inside the run directory.
const filesDir = "files"

func writeFiles(runDir string, files []File) error {
	if len(files) == 0 {
		return nil
	}
	dir := filepath.Join(runDir, filesDir)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	for _, f := range files {
		if f.Name == "" || f.Name != filepath.Base(f.Name) || f.Name == "." || f.Name == ".." {
			return fmt.Errorf("run file %q: a base name is needed", f.Name)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// handBack gives Writable directories back to reprokit's user after a run
// as root, whose sandbox user owned them meanwhile; whatever the run left
// there loses its set-user-ID and set-group-ID bits (never follows a link).
func handBack(dirs []string) {
	uid, gid := os.Geteuid(), os.Getegid()
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			os.Lchown(p, uid, gid)
			if e.Type()&os.ModeSymlink == 0 {
				if fi, err := e.Info(); err == nil && fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
					os.Chmod(p, fi.Mode().Perm())
				}
			}
			return nil
		})
	}
}

func chownTree(dir string, uid int) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
}

// An initProc is a sandbox init that has started and waits for the path
// of its spec on a pipe (its fd 4): the init of a command's first sandbox
// can so be started early (Prestart), its start overlapping the command's
// own work (discovery, the run directory), and a run that takes it only
// hands it the path.
type initProc struct {
	iso     Isolation
	hostNet bool // in the host's network namespace (Spec.HostNetwork)
	cmd     *exec.Cmd
	diag    *cappedBuffer
	resR    *os.File // the result, which the init alone writes
	lifeW   *os.File // the lifeline: its EOF tells the init that reprokit died
	specW   *os.File // the spec's path, once the run directory is ready
	err     error    // why it could not start
}

// launch starts an init in iso (on the host's network if hostNet) that
// waits for its spec.
func launch(self string, iso Isolation, hostNet bool) *initProc {
	p := &initProc{iso: iso, hostNet: hostNet, diag: &cappedBuffer{max: 64 << 10}}
	var pipes [3][2]*os.File // result, lifeline, spec: read and write ends
	for i := range pipes {
		r, w, err := os.Pipe()
		if err != nil {
			for _, q := range pipes[:i] {
				q[0].Close()
				q[1].Close()
			}
			p.err = err
			return p
		}
		pipes[i] = [2]*os.File{r, w}
	}
	resR, resW := pipes[0][0], pipes[0][1]
	lifeR, lifeW := pipes[1][0], pipes[1][1]
	specR, specW := pipes[2][0], pipes[2][1]

	cmd := exec.Command(self, "__sandbox", string(iso))
	cmd.Args[0] = "reprokit"
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"}
	// The init watches its stdin: EOF means reprokit died, and it takes
	// everything down with it (in namespaces, Pdeathsig is the first line
	// of defence).
	cmd.Stdin = lifeR
	cmd.Stdout, cmd.Stderr = p.diag, p.diag
	cmd.ExtraFiles = []*os.File{resW, specR}
	cmd.SysProcAttr = sysProcAttr(iso, hostNet)
	// Never wait on output pipes after the init is gone.
	cmd.WaitDelay = time.Second
	if iso == ProcessGroup {
		adoptOrphans()
	}
	// Pdeathsig is tied to the thread that forks: keep it alive and ours.
	runtime.LockOSThread()
	err := cmd.Start()
	runtime.UnlockOSThread()
	lifeR.Close()
	resW.Close()
	specR.Close()
	if err != nil {
		resR.Close()
		lifeW.Close()
		specW.Close()
		if iso == Namespaces && namespaceDenied(err) {
			p.err = &NoNamespacesError{fmt.Errorf("starting the sandbox: %w", err)}
		} else {
			p.err = fmt.Errorf("starting the sandbox (%s): %w", iso, err)
		}
		return p
	}
	liveInits.add(cmd.Process.Pid)
	p.cmd, p.resR, p.lifeW, p.specW = cmd, resR, lifeW, specW
	return p
}

// release closes what the parent holds of an init that has ended.
func (p *initProc) release() {
	liveInits.remove(p.cmd.Process.Pid)
	p.resR.Close()
	p.lifeW.Close()
	p.specW.Close()
}

// discard ends an init no run took: without a spec it has started
// nothing, and it dies with its namespaces.
func (p *initProc) discard() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Kill()
	p.cmd.Wait()
	p.release()
}

// spare is the init started by Prestart, until a run takes it.
var spare struct {
	mu sync.Mutex
	p  *initProc
}

// Prestart starts the init of the next sandbox in iso now, so that its
// start (a new process with new namespaces, which prestarts the engine)
// overlaps what the caller does before its first Run; that Run takes it.
// Call Release when done, for the case no Run did. Only namespaces are
// prestarted; a failure to start is the first Run's error, as without.
func Prestart(iso Isolation) {
	iso = iso.Resolved()
	if iso != Namespaces || os.Getenv(SimulateNoNamespaces) != "" {
		return
	}
	self, err := os.Executable()
	if err != nil {
		return
	}
	sweep() // in the background too
	spare.mu.Lock()
	defer spare.mu.Unlock()
	if spare.p == nil {
		spare.p = launch(self, iso, false)
	}
}

// Release ends the prestarted init if no Run took it.
func Release() {
	spare.mu.Lock()
	p := spare.p
	spare.p = nil
	spare.mu.Unlock()
	if p != nil {
		p.discard()
	}
}

func takeSpare(iso Isolation, hostNet bool) *initProc {
	spare.mu.Lock()
	defer spare.mu.Unlock()
	if p := spare.p; p != nil && p.iso == iso && p.hostNet == hostNet {
		spare.p = nil
		return p
	}
	return nil
}

// start hands the spec to an init (the prestarted one, else a new one) and
// enforces the deadline.
func start(ctx context.Context, self, specPath string, spec Spec) (Result, error) {
	p := takeSpare(spec.Isolation, spec.HostNetwork)
	if p == nil {
		p = launch(self, spec.Isolation, spec.HostNetwork)
	}
	if p.err != nil {
		return Result{}, p.err
	}
	defer p.release()
	cmd, diag, resR, lifeW := p.cmd, p.diag, p.resR, p.lifeW
	began := time.Now()
	// An init that died before reading it (EPIPE) is reported below,
	// from what it said.
	io.WriteString(p.specW, specPath+"\n")
	p.specW.Close()

	out := make(chan []byte, 1)
	go func() { out <- readCapped(resR, resultMax+1) }()

	// The sandbox enforces the limit itself, so that the stacks and the
	// partial output come back; this timer is the backstop for a sandbox
	// that cannot.
	timer := time.NewTimer(spec.Limits.Timeout + backstop)
	defer timer.Stop()
	waitDone := make(chan error, 1)
	go func() { waitDone <- cmd.Wait() }()
	timedOut := false
	var waitErr error
	select {
	case waitErr = <-waitDone:
	case <-timer.C:
		timedOut = true
		waitErr = endRun(cmd, spec, lifeW, waitDone)
	case <-ctx.Done():
		waitErr = endRun(cmd, spec, lifeW, waitDone)
	}
	if spec.Isolation == ProcessGroup {
		// Whatever is left in the group, and any descendant whose
		// subreaper the repro killed (they were adopted by us).
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		killAdopted()
	}
	// Only the init held the result pipe; a bound anyway.
	var data []byte
	select {
	case data = <-out:
	case <-time.After(2 * time.Second):
		resR.SetReadDeadline(time.Now())
		data = <-out
	}
	dur := time.Since(began)

	res := Result{Duration: dur, Isolation: spec.Isolation, TimedOut: timedOut}
	switch {
	case timedOut:
		res.Err = fmt.Sprintf("time limit %s hit: the whole process tree was killed", spec.Limits.Timeout)
		return res, nil
	case ctx.Err() != nil:
		res.Err = "interrupted"
		return res, ctx.Err()
	}
	if len(data) == 0 {
		msg := strings.TrimSpace(diag.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if msg == "" && waitErr != nil {
			msg = waitErr.Error()
		}
		if isSetupDenied(msg) && spec.Isolation == Namespaces {
			return res, &NoNamespacesError{fmt.Errorf("%s: %w", msg, syscall.EPERM)}
		}
		if strings.HasPrefix(msg, setupPrefix) {
			// The init could not set up the isolation: no script ran.
			return res, errors.New("sandbox died without a result: " + msg)
		}
		res.Err = "sandbox died without a result: " + msg
		return res, nil
	}
	var child Result
	if len(data) > resultMax || json.Unmarshal(data, &child) != nil {
		res.Err = fmt.Sprintf("sandbox result malformed (%d bytes)", len(data))
		return res, nil
	}
	child.Duration, child.Isolation = dur, spec.Isolation
	if strings.HasPrefix(child.Err, setupPrefix) {
		// The engine could not drop its privileges or set its limits: no
		// script ran.
		return res, errors.New(child.Err)
	}
	if child.TimedOut {
		child.Err = fmt.Sprintf("time limit %s hit: the whole process tree was killed", spec.Limits.Timeout)
	}
	return child, nil
}

// backstop is how long past the time limit the parent waits for the
// sandbox's own deadline path (stacks, kill, result) before it ends the
// run itself: short, because an engine starved by a fork bomb (its uid's
// RLIMIT_NPROC spent, no thread to be had) may never get there.
const backstop = 2 * time.Second

// endRun ends a run that is still going (deadline or interrupt) and waits
// for the init. With namespaces, SIGKILL to the PID namespace's init ends
// every process in it (SIGTERM would be ignored by an init). In a process
// group, the init first kills every descendant it adopted (closing its
// lifeline asks for that); SIGKILL follows if it takes too long.
func endRun(cmd *exec.Cmd, spec Spec, lifeW *os.File, waitDone <-chan error) error {
	if spec.Isolation == ProcessGroup {
		lifeW.Close()
		select {
		case err := <-waitDone:
			return err
		case <-time.After(2 * time.Second):
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.Process.Kill()
	return <-waitDone
}

func namespaceDenied(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.ENOSPC) ||
		errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.EUSERS)
}

func isSetupDenied(msg string) bool {
	return strings.Contains(msg, setupPrefix) && (strings.Contains(msg, "operation not permitted") || strings.Contains(msg, "permission denied"))
}

// cappedBuffer keeps the first max bytes written to it.
type cappedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); room > 0 {
		if len(p) > room {
			c.buf.Write(p[:room])
		} else {
			c.buf.Write(p)
		}
	}
	return len(p), nil
}

func (c *cappedBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// Probe runs an empty script in the sandbox and reports which isolation
// this machine gives, and why namespaces failed when they did: a
// *NoNamespacesError when the kernel refused them, another error when
// something else is wrong (a TMPDIR that does not exist, say). A command
// that is about to run a sandbox anyway can skip it: Run's error says the
// same.
func Probe(ctx context.Context) (Isolation, error) {
	res, err := Run(ctx, []byte("# probe\nexists repro.txtar\n"), Options{Isolation: Namespaces, Limits: Limits{Timeout: 10 * time.Second}})
	if err != nil {
		return ProcessGroup, err
	}
	if res.Err != "" {
		return ProcessGroup, errors.New(res.Err)
	}
	return res.Isolation, nil
}
