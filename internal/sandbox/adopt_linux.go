package sandbox

import (
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// In process-group mode the init is a child subreaper, but a repro runs as
// reprokit's own user and can SIGKILL it; its daemons would then reparent
// to the machine's init and outlive the run. So reprokit itself becomes a
// subreaper for those runs: orphans of a dead sandbox init are adopted by
// reprokit, which kills them at the end of the run. They are told apart
// from reprokit's other children by their session: every sandbox init
// starts a session of its own, and a daemon that calls setsid() starts
// another, never reprokit's.

var adoptOnce sync.Once

func adoptOrphans() {
	adoptOnce.Do(func() { unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) })
}

// liveInits are the sandbox inits still running: their trees are theirs
// to clean up.
var liveInits = pidSet{m: map[int]bool{}}

type pidSet struct {
	mu sync.Mutex
	m  map[int]bool
}

func (s *pidSet) add(pid int)    { s.mu.Lock(); s.m[pid] = true; s.mu.Unlock() }
func (s *pidSet) remove(pid int) { s.mu.Lock(); delete(s.m, pid); s.mu.Unlock() }
func (s *pidSet) has(pid int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[pid]
}

// killAdopted kills every process reprokit adopted from a sandbox (a child
// of ours in a session not ours, not a live init) and all below it. The
// scan repeats: a process killed before its children hands them to us, and
// they are adopted in turn (a daemon below an interpreter shim, say).
func killAdopted() {
	self := os.Getpid()
	mySid, _ := unix.Getsid(0)
	for round := 0; round < 50; round++ {
		var adopted []int
		for pid, st := range processTable() {
			if st.ppid == self && st.sid != mySid && !liveInits.has(pid) {
				adopted = append(adopted, pid)
			}
		}
		if len(adopted) == 0 {
			return
		}
		for _, pid := range adopted {
			killTree(pid, func(int) bool { return true })
			unix.Kill(pid, unix.SIGKILL)
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, 0, nil)
		}
	}
}
