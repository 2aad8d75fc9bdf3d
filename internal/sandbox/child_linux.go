package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ChildMain is the entry point of `reprokit __sandbox SPEC`: it sets up the
// isolation, runs the script and writes a Result as JSON to fd 3.
func ChildMain(specPath string) int {
	resultOut := os.NewFile(3, "result")
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "sandbox setup: "+format+"\n", args...)
		return 125
	}
	data, err := os.ReadFile(specPath)
	if err != nil {
		return fail("%v", err)
	}
	var spec Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fail("bad spec: %v", err)
	}
	// reprokit died (its end of stdin closed): end everything now. As PID 1
	// of the namespace, our exit kills every process in it.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		if spec.Isolation == ProcessGroup {
			killDescendants()
		}
		os.Exit(137)
	}()

	if spec.Isolation == Namespaces {
		if err := isolate(spec); err != nil {
			return fail("%v", err)
		}
	} else {
		// Orphans (daemons, double forks) reparent to us, so that we can
		// find and kill them at the end.
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	}
	if err := setLimits(spec.Limits); err != nil {
		return fail("rlimits: %v", err)
	}
	res := runScript(spec, watchDeadline(spec))
	res.Isolation = spec.Isolation
	out, _ := json.Marshal(res)
	resultOut.Write(out)
	resultOut.Close()
	if spec.Isolation == ProcessGroup {
		killDescendants()
	}
	return 0
}

// isolate sets up mounts and the network, then drops privileges.
func isolate(spec Spec) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	// Detached copies of what must stay visible, taken before anything is
	// masked: the run directory (writable) and the toolchains (read-only).
	type keep struct {
		path string
		fd   int
		rw   bool
	}
	var keeps []keep
	clone := func(p string, rw bool) error {
		fd, err := unix.OpenTree(unix.AT_FDCWD, p, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
		if err != nil {
			return fmt.Errorf("open_tree %s: %w", p, err)
		}
		keeps = append(keeps, keep{p, fd, rw})
		return nil
	}
	if err := clone(spec.RunDir, true); err != nil {
		return err
	}
	for _, k := range spec.Keep {
		if _, err := os.Stat(k); err == nil && !under(k, spec.RunDir) {
			if err := clone(k, false); err != nil {
				return err
			}
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	exeFD, err := unix.OpenTree(unix.AT_FDCWD, self, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return fmt.Errorf("open_tree %s: %w", self, err)
	}

	// Hide the host's home and temp directories behind empty tmpfs mounts;
	// the sandbox's /tmp and /dev/shm are its own.
	masks := append([]string{}, spec.Mask...)
	masks = append(masks, "/tmp", "/var/tmp", "/dev/shm", "/run/user")
	for _, m := range masks {
		if fi, err := os.Stat(m); err != nil || !fi.IsDir() {
			continue
		}
		if err := unix.Mount("tmpfs", m, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777,size=64m"); err != nil {
			return fmt.Errorf("masking %s: %w", m, err)
		}
	}
	// Put the kept trees back, shortest path first so parents come first.
	sort.Slice(keeps, func(i, j int) bool { return len(keeps[i].path) < len(keeps[j].path) })
	for _, k := range keeps {
		if err := os.MkdirAll(k.path, 0o755); err != nil {
			return fmt.Errorf("mount point %s: %w", k.path, err)
		}
		if err := unix.MoveMount(k.fd, "", unix.AT_FDCWD, k.path, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
			return fmt.Errorf("move_mount %s: %w", k.path, err)
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
	writable := []string{spec.RunDir, "/proc", "/tmp", "/dev/shm"}
	for _, w := range writable {
		if err := unix.MountSetattr(-1, w, 0, rw); err != nil && w == spec.RunDir {
			return fmt.Errorf("making %s writable: %w", w, err)
		}
	}
	_ = unix.MountSetattr(-1, spec.Exe, 0, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY})
	if !spec.KeepWork {
		if err := workQuota(spec); err != nil {
			return err
		}
	}
	if err := loopbackUp(); err != nil {
		return fmt.Errorf("loopback: %w", err)
	}
	unix.Sethostname([]byte("reprokit"))
	return dropPrivileges(spec.UID)
}

// workQuota puts the script's work directory on a tmpfs of Limits.Disk
// bytes: RLIMIT_FSIZE bounds one file, this bounds them all, so a repro
// writing many small files fills its quota and not the host's disk. (With
// --keep the work directory stays on disk, to be looked at afterwards.)
func workQuota(spec Spec) error {
	work := filepath.Join(spec.RunDir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	opts := fmt.Sprintf("size=%d,mode=0755", spec.Limits.Disk)
	if os.Geteuid() == 0 && isInitialUserNS() {
		opts += fmt.Sprintf(",uid=%d,gid=%d", spec.UID, spec.UID)
	}
	if err := unix.Mount("tmpfs", work, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("work directory quota: %w", err)
	}
	return nil
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
// subreaper, daemons that detached from their parents are still below us.
func killDescendants() {
	self := os.Getpid()
	for round := 0; round < 100; round++ {
		kids := descendants(self)
		if len(kids) == 0 {
			return
		}
		for _, pid := range kids {
			unix.Kill(pid, unix.SIGKILL)
		}
		for {
			var ws unix.WaitStatus
			pid, _ := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if pid <= 0 {
				break
			}
		}
	}
}

func descendants(root int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		var state string
		var ppid int
		fmt.Sscanf(s[i+2:], "%s %d", &state, &ppid)
		parent[pid] = ppid
	}
	var out []int
	for pid := range parent {
		for p, n := parent[pid], 0; p != 0 && n < 64; p, n = parent[p], n+1 {
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
