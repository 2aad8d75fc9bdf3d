package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The sandbox is two processes, so that what the repro can reach never
// carries its verdict:
//
//   - the init (`reprokit __sandbox SPEC`) is PID 1 of the namespaces (or, in
//     process-group mode, a child subreaper). It sets up the mounts, keeps its
//     privileges (so a repro can neither ptrace nor signal it: it is not
//     dumpable, ignores every catchable signal, and PID 1 of a namespace gets
//     no signal its children send without a handler), reaps every orphan, and
//     alone holds the result descriptor (fd 3) to reprokit, close-on-exec;
//   - the engine (the same command with engineEnv set) drops to the repro's
//     user, runs the testscript and hands its result to the init on a pipe
//     only it holds (close-on-exec, not dumpable, so /proc/PID/fd is closed
//     to the repro). A repro that kills the engine gets an error verdict that
//     says so; it cannot forge a pass.
const engineEnv = "REPROKIT_SANDBOX_ENGINE"

// resultMax bounds the result JSON in both hops; the engine keeps its log
// under logMax so that even a log of NUL bytes (6 bytes each once escaped)
// fits.
const (
	resultMax = 16 << 20
	logMax    = 2 << 20
	reasonMax = 4 << 10
)

// ChildMain is the entry point of `reprokit __sandbox ISOLATION` (the init;
// the engine is `reprokit __sandbox engine` with engineEnv set). Both read
// the path of their spec from fd 4 when it is ready: a prestarted init
// waits there while reprokit prepares the run directory, and the init
// starts its engine before it sets up the isolation.
func ChildMain(arg string) int {
	if os.Getenv(engineEnv) != "" {
		return engineMain()
	}
	return initMain(Isolation(arg))
}

// readSpecPath reads the one line the parent writes on fd 4 (marked
// close-on-exec first); ok is false when the parent closed it without
// one: it has no run for us.
func readSpecPath() (path string, ok bool) {
	syscall.CloseOnExec(4)
	f := os.NewFile(4, "spec")
	defer f.Close()
	data, _ := io.ReadAll(io.LimitReader(f, 1<<16))
	path, ok = strings.CutSuffix(string(data), "\n")
	return path, ok && path != ""
}

func readSpec(path string) (Spec, error) {
	var spec Spec
	data, err := os.ReadFile(path)
	if err != nil {
		return spec, err
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return spec, fmt.Errorf("bad spec: %v", err)
	}
	return spec, nil
}

// setupPrefix starts the one line the init or the engine prints when it
// cannot set up the isolation, before any script runs.
const setupPrefix = "sandbox setup:"

func setupFail(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, setupPrefix+" "+format+"\n", args...)
	return 125
}

// initMain sets up the isolation, starts the engine, reaps, and writes the
// one result reprokit reads.
func initMain(iso Isolation) int {
	resultOut := os.NewFile(3, "result")
	syscall.CloseOnExec(3)
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	ignoreSignals()
	if iso != Namespaces && iso != ProcessGroup {
		return setupFail("unknown isolation %q", iso)
	}
	// reprokit died (its end of stdin closed): end everything now. As PID 1
	// of the namespace, our exit kills every process in it; as a subreaper
	// we kill what is below us first.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		if iso == ProcessGroup {
			killDescendants()
		}
		os.Exit(137)
	}()
	if iso == ProcessGroup {
		// Orphans (daemons, double forks, setsid) reparent to us, so that
		// we can find and kill them at the end.
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	}
	// The engine starts now, while we wait for the spec and set up the
	// isolation; it does nothing before it has its spec, which it gets
	// only once the isolation is in place.
	eng := startEngine()
	specPath, ok := readSpecPath()
	if !ok {
		return 0 // never given a run
	}
	spec, err := readSpec(specPath)
	if err != nil {
		return setupFail("%v", err)
	}
	if spec.Isolation != iso {
		return setupFail("spec for %s isolation in a %s init", spec.Isolation, iso)
	}
	if iso == Namespaces {
		if err := isolate(spec); err != nil {
			return setupFail("%v", err)
		}
	}

	res := eng.run(spec, specPath)
	res.Isolation = spec.Isolation
	if spec.Isolation == ProcessGroup {
		killDescendants()
	}
	out, _ := json.Marshal(res)
	resultOut.Write(out)
	resultOut.Close()
	return 0
}

// ignoreSignals takes every signal a repro could send to make the init
// die or dump, and drops it. Notify, not Ignore: the Go runtime crashes on
// a SIGBUS, SIGSEGV or SIGFPE sent with kill(2) unless the program asked
// for it; relayed to a channel, it is harmless. (SIGKILL and SIGSTOP from
// inside a PID namespace never reach its init.)
func ignoreSignals() {
	c := make(chan os.Signal, 64)
	signal.Notify(c)
	go func() {
		for range c {
		}
	}()
}

// engineProc is the engine, started and waiting for its spec.
type engineProc struct {
	proc     *os.Process
	specW    *os.File
	result   chan []byte
	diag     *cappedBuffer
	diagDone chan struct{}
	err      error // why it could not start
}

// startEngine starts the engine, which waits for the path of its spec on
// its fd 4. It is reprokit again, started before the isolation is set up
// (which may mask the path we were started from).
func startEngine() *engineProc {
	e := &engineProc{diag: &cappedBuffer{max: 64 << 10}}
	var pipes [3][2]*os.File // result, diagnostics, spec: read and write ends
	for i := range pipes {
		r, w, err := os.Pipe()
		if err != nil {
			e.err = err
			return e
		}
		pipes[i] = [2]*os.File{r, w}
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		e.err = err
		return e
	}
	resR, resW := pipes[0][0], pipes[0][1]
	diagR, diagW := pipes[1][0], pipes[1][1]
	specR, specW := pipes[2][0], pipes[2][1]
	exe, err := os.Executable()
	if err != nil {
		exe = "/proc/self/exe" // the same file, under a name ps shows as "exe"
	}
	proc, err := os.StartProcess(exe, []string{"reprokit", "__sandbox", "engine"}, &os.ProcAttr{
		Files: []*os.File{null, diagW, diagW, resW, specR},
		Env:   []string{engineEnv + "=1", "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	})
	null.Close()
	resW.Close()
	diagW.Close()
	specR.Close()
	if err != nil {
		e.err = fmt.Errorf("starting the script engine: %w", err)
		return e
	}
	e.proc, e.specW = proc, specW
	e.result = make(chan []byte, 1)
	go func() { e.result <- readCapped(resR, resultMax+1) }()
	e.diagDone = make(chan struct{})
	go func() { io.Copy(e.diag, diagR); close(e.diagDone) }()
	return e
}

// orphanGrace is how long the init waits, after the engine, for processes
// still below it to end on their own before the namespace kills them.
const orphanGrace = 100 * time.Millisecond

// run hands the engine its spec, reaps every process that exits below
// the init until the engine has, and returns the engine's result or why
// there is none.
func (e *engineProc) run(spec Spec, specPath string) Result {
	if e.err != nil {
		return Result{Err: "sandbox: " + e.err.Error()}
	}
	io.WriteString(e.specW, specPath+"\n")
	e.specW.Close()

	// The init reaps: every orphan reparents here, and an exited one left
	// unreaped would hold a slot of RLIMIT_NPROC for the rest of the run.
	// How each ended is kept: no one else sees an orphan die.
	var ws unix.WaitStatus
	orphans := orphanReaper{engine: e.proc.Pid}
	for {
		pid, st, err := orphans.reap()
		if err == unix.EINTR {
			continue
		}
		ws = st
		if err != nil || pid == e.proc.Pid {
			break
		}
	}
	orphans.drain(orphanGrace)
	// The engine's descriptors are close-on-exec: nothing else holds the
	// pipes, so EOF follows its exit. A bound anyway, never a hang.
	var data []byte
	select {
	case data = <-e.result:
	case <-time.After(2 * time.Second):
	}
	select {
	case <-e.diagDone:
	case <-time.After(500 * time.Millisecond):
	}
	var res Result
	if len(data) > 0 && len(data) <= resultMax && json.Unmarshal(data, &res) == nil {
		if spec.Reaps != ReapsOff {
			addOrphans(&res, orphans.reaps, filepath.Join(spec.RunDir, "work", ".execs"))
		}
		return res
	}
	return Result{Err: engineDeath(ws, e.diag.String(), len(data))}
}

// engineDeath says, in one line, why the engine left no result: never a
// Go crash dump as a verdict's reason.
func engineDeath(ws unix.WaitStatus, diag string, resultLen int) string {
	switch {
	case strings.Contains(diag, "out of memory") || strings.Contains(diag, "cannot allocate memory"):
		return "the script engine ran out of memory (4 GiB): a built-in command (grep, cmp, cp, stdin) over a huge file, or too many commands' output kept in the log"
	case ws.Signaled():
		return fmt.Sprintf("the script engine was killed by %s (by the repro: it runs as the repro's user); no verdict", unix.SignalName(ws.Signal()))
	case resultLen > resultMax:
		return fmt.Sprintf("the script engine's result is over %d MiB", resultMax>>20)
	}
	line := strings.TrimSpace(diag)
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if strings.HasPrefix(line, setupPrefix) {
		return line
	}
	if len(line) > 300 {
		line = line[:300] + "…"
	}
	if line == "" {
		line = fmt.Sprintf("exit status %d", ws.ExitStatus())
	}
	return "the script engine died without a result: " + line
}

func readCapped(r io.Reader, max int64) []byte {
	data, _ := io.ReadAll(io.LimitReader(r, max))
	io.Copy(io.Discard, r)
	return data
}

// engineMain drops to the repro's user, runs the script and writes its
// result to fd 3, which it marks close-on-exec first: no command of the
// script inherits it.
func engineMain() int {
	syscall.CloseOnExec(3)
	resultOut := os.NewFile(3, "result")
	os.Unsetenv(engineEnv)
	specPath, ok := readSpecPath()
	if !ok {
		return 0 // the init ended before its run
	}
	spec, err := readSpec(specPath)
	if err != nil {
		return setupFail("%v", err)
	}
	if spec.Isolation == Namespaces {
		if err := dropPrivileges(spec.UID); err != nil {
			return setupFail("%v", err)
		}
	}
	if err := setLimits(spec.Limits); err != nil {
		return setupFail("rlimits: %v", err)
	}
	// Not dumpable: the repro, running as our user, can neither ptrace us
	// nor open /proc/<engine>/fd/3.
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	res := runScript(spec, watchDeadline(spec))
	out, _ := json.Marshal(res)
	resultOut.Write(out)
	resultOut.Close()
	return 0
}

// isolate sets up mounts and the network; the init keeps its privileges,
// the engine drops them.
//
// Everything the repro can write is one tmpfs (Limits.Disk bytes,
// Limits.Inodes inodes) mounted at RUN/quota: its work/ is the work
// directory, its tmp/, shm/ and var-tmp/ are the sandbox's /tmp, /dev/shm
// and /var/tmp. The rest of the run directory (the archive, bin/ with the
// shims, the spec) is read-only, like the host.
func isolate(spec Spec) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	quota := filepath.Join(spec.RunDir, "quota")
	opts := fmt.Sprintf("size=%d,nr_inodes=%d,mode=0755", spec.Limits.Disk, spec.Limits.Inodes)
	if os.Geteuid() == 0 && isInitialUserNS() {
		opts += fmt.Sprintf(",uid=%d,gid=%d", spec.UID, spec.UID)
	}
	if err := unix.Mount("tmpfs", quota, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("the run's quota (tmpfs at %s): %w", quota, err)
	}
	for _, d := range quotaDirs {
		p := filepath.Join(quota, d.dir)
		if err := os.Mkdir(p, 0o755); err != nil {
			return err
		}
		if d.dir != "work" {
			os.Chmod(p, 0o777|os.ModeSticky) // like /tmp
		} else if os.Geteuid() == 0 && isInitialUserNS() {
			os.Chown(p, spec.UID, spec.UID)
		}
	}

	// Detached copies of what must stay visible, taken before anything is
	// masked: the run directory and the toolchains (trees), and the
	// quota's parts (places).
	type bind struct {
		path string
		fd   int
	}
	var places, trees, workBind []bind
	clone := func(to *[]bind, src, dst string, recursive bool) error {
		flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
		if recursive {
			flags |= unix.AT_RECURSIVE
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, src, flags)
		if err != nil {
			return fmt.Errorf("open_tree %s: %w", src, err)
		}
		*to = append(*to, bind{dst, fd})
		return nil
	}
	if err := clone(&trees, spec.RunDir, spec.RunDir, true); err != nil {
		return err
	}
	for _, k := range spec.Keep {
		if _, err := os.Stat(k); err == nil && !under(k, spec.RunDir) {
			if err := clone(&trees, k, k, true); err != nil {
				return err
			}
		}
	}
	var writableTrees []string
	for _, w := range spec.Writable {
		if fi, err := os.Stat(w); err != nil || !fi.IsDir() {
			return fmt.Errorf("writable directory %s: not a directory", w)
		}
		if err := clone(&trees, w, w, false); err != nil {
			return err
		}
		writableTrees = append(writableTrees, w)
	}
	sortByLen(trees, func(b bind) string { return b.path })
	work := filepath.Join(spec.RunDir, "work")
	writable := []string{"/proc"}
	for _, d := range quotaDirs {
		switch {
		case d.at == "$WORK" && spec.KeepWork:
			// --keep: the work directory stays on disk to be looked at,
			// a bind of itself so that it alone is writable.
			if err := clone(&workBind, work, work, false); err != nil {
				return err
			}
		case d.at == "$WORK":
			if err := clone(&workBind, filepath.Join(quota, d.dir), work, false); err != nil {
				return err
			}
		default:
			if fi, err := os.Stat(d.at); err != nil || !fi.IsDir() {
				continue
			}
			if err := clone(&places, filepath.Join(quota, d.dir), d.at, false); err != nil {
				return err
			}
		}
		writable = append(writable, strings.ReplaceAll(d.at, "$WORK", work))
	}
	writable = append(writable, writableTrees...)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	exeFD, err := unix.OpenTree(unix.AT_FDCWD, self, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return fmt.Errorf("open_tree %s: %w", self, err)
	}

	// Hide the host's home directories behind empty read-only tmpfs
	// mounts: tokens live there.
	for _, m := range append(append([]string{}, spec.Mask...), "/run/user") {
		if fi, err := os.Stat(m); err != nil || !fi.IsDir() {
			continue
		}
		if err := unix.Mount("tmpfs", m, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=1m,nr_inodes=1024"); err != nil {
			return fmt.Errorf("masking %s: %w", m, err)
		}
	}
	// Mount in order: the quota's /tmp, /dev/shm, /var/tmp over the
	// host's; then the run directory and toolchains, parents first (the
	// run directory may sit in /tmp); then the work directory inside it.
	for _, group := range [][]bind{places, trees, workBind} {
		for _, b := range group {
			if err := os.MkdirAll(b.path, 0o755); err != nil {
				return fmt.Errorf("mount point %s: %w", b.path, err)
			}
			if err := unix.MoveMount(b.fd, "", unix.AT_FDCWD, b.path, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
				return fmt.Errorf("move_mount %s: %w", b.path, err)
			}
			unix.Close(b.fd)
		}
	}
	if err := unix.MoveMount(exeFD, "", unix.AT_FDCWD, spec.Exe, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("binding reprokit at %s: %w", spec.Exe, err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting /proc: %w", err)
	}
	// Everything read-only, then the few writable places back to rw.
	ro := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID}
	if err := unix.MountSetattr(-1, "/", unix.AT_RECURSIVE, ro); err != nil {
		return fmt.Errorf("making the host read-only: %w", err)
	}
	rw := &unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_RDONLY}
	for _, w := range writable {
		if err := unix.MountSetattr(-1, w, 0, rw); err != nil {
			return fmt.Errorf("making %s writable: %w", w, err)
		}
	}
	if !spec.HostNetwork {
		if err := loopbackUp(); err != nil {
			return fmt.Errorf("loopback: %w", err)
		}
	}
	unix.Sethostname([]byte("reprokit"))
	return nil
}

// quotaDirs are the parts of the run's one quota and where each is seen:
// one line per writable place.
var quotaDirs = []struct{ dir, at string }{
	{"work", "$WORK"}, // testscript's work root
	{"tmp", "/tmp"},
	{"shm", "/dev/shm"},
	{"var-tmp", "/var/tmp"},
}

func sortByLen[T any](s []T, key func(T) string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && len(key(s[j])) < len(key(s[j-1])); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func under(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && !strings.HasPrefix(rel, "..")
}

// loopbackUp brings up lo in the new network namespace: repros may talk to
// themselves over 127.0.0.1, never to the host.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// dropPrivileges leaves the script no way back to root: as real root we
// become an unprivileged user (which also makes RLIMIT_NPROC count); in a
// user namespace we keep uid 0 there but lose every capability for good.
func dropPrivileges(uid int) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if os.Geteuid() == 0 && isInitialUserNS() {
		if err := syscall.Setgroups(nil); err != nil {
			return fmt.Errorf("setgroups: %w", err)
		}
		if err := syscall.Setgid(uid); err != nil {
			return fmt.Errorf("setgid: %w", err)
		}
		if err := syscall.Setuid(uid); err != nil {
			return fmt.Errorf("setuid: %w", err)
		}
	} else {
		const secbits = 0x2f // NOROOT, NOROOT_LOCKED, NO_SETUID_FIXUP, NO_SETUID_FIXUP_LOCKED, KEEP_CAPS_LOCKED
		if err := unix.Prctl(unix.PR_SET_SECUREBITS, secbits, 0, 0, 0); err != nil {
			return fmt.Errorf("securebits: %w", err)
		}
		for c := 0; c <= unix.CAP_LAST_CAP; c++ {
			unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0)
		}
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capset(&hdr, &data[0]); err != nil {
			return fmt.Errorf("dropping capabilities: %w", err)
		}
	}
	// A credential change clears the parent-death signal: set it again.
	return unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)
}

func isInitialUserNS() bool {
	data, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return true
	}
	f := strings.Fields(string(data))
	return len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}

func setLimits(l Limits) error {
	set := func(res int, v uint64) error {
		// Only ever lower: where the caller already runs under a tighter
		// hard limit (prlimit, a CI runner), keep that one.
		var cur unix.Rlimit
		if err := unix.Getrlimit(res, &cur); err == nil && cur.Max < v {
			v = cur.Max
		}
		return unix.Setrlimit(res, &unix.Rlimit{Cur: v, Max: v})
	}
	cpu := uint64(l.Timeout.Seconds()) + 5
	for _, r := range []struct {
		res int
		v   uint64
	}{
		{unix.RLIMIT_CORE, 0},
		{unix.RLIMIT_AS, l.Memory},
		{unix.RLIMIT_NPROC, l.Procs},
		{unix.RLIMIT_FSIZE, l.FileSize},
		{unix.RLIMIT_CPU, cpu},
		{unix.RLIMIT_NOFILE, 4096},
	} {
		if err := set(r.res, r.v); err != nil {
			return err
		}
	}
	return nil
}

// killDescendants kills every process below us until none is left; as a
// subreaper, daemons that detached from their parents (setsid, double
// fork) are still below us, and a stopped process dies of SIGKILL too.
func killDescendants() {
	killTree(os.Getpid(), func(int) bool { return true })
}

// killTree SIGKILLs every descendant of root that pick accepts, reaps what
// it can, and repeats until none is left (a process forking while we kill
// is caught in the next round).
func killTree(root int, pick func(pid int) bool) {
	for round := 0; round < 100; round++ {
		var kids []int
		for _, pid := range descendants(root) {
			if pick(pid) {
				kids = append(kids, pid)
			}
		}
		if len(kids) == 0 {
			return
		}
		for _, pid := range kids {
			unix.Kill(pid, unix.SIGKILL)
		}
		for _, pid := range kids {
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		}
		time.Sleep(time.Duration(round) * time.Millisecond)
	}
}

// procStat is what /proc/PID/stat says about a process's place in the tree.
type procStat struct{ ppid, sid int }

func readProcStat(pid string) (procStat, bool) {
	stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return procStat{}, false
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return procStat{}, false
	}
	var state string
	var st procStat
	var pgrp int
	fmt.Sscanf(s[i+2:], "%s %d %d %d", &state, &st.ppid, &pgrp, &st.sid)
	return st, true
}

func processTable() map[int]procStat {
	table := map[int]procStat{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		if st, ok := readProcStat(e.Name()); ok {
			table[pid] = st
		}
	}
	return table
}

func descendants(root int) []int {
	table := processTable()
	var out []int
	for pid := range table {
		for p, n := table[pid].ppid, 0; p != 0 && n < 64; p, n = table[p].ppid, n+1 {
			if p == root {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// dieFromSignal ends this process with sig, the way the kernel would have,
// so that our parent sees "signal: segmentation fault" rather than an exit
// code. The Go runtime ignores a SIGSEGV sent by kill, so the handler is
// reset to SIG_DFL by hand first.
func dieFromSignal(sig syscall.Signal) {
	var sa struct {
		handler  uintptr
		flags    uint64
		restorer uintptr
		mask     uint64
	}
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&sa)), 0, 8, 0, 0)
	var set unix.Sigset_t
	set.Val[0] = 1 << (uint(sig) - 1)
	unix.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_UNBLOCK, uintptr(unsafe.Pointer(&set)), 0, 8, 0, 0)
	unix.Tgkill(unix.Getpid(), unix.Gettid(), sig)
}
