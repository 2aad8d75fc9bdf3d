package signature

import (
	"cmp"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"
)

// StatusHang is the status of a script that was still running at its hang
// deadline.
const StatusHang = "hang"

// HangProcess is what one process was doing at the hang deadline: its
// faulthandler dump (all threads, most recent call first), if it gave one.
type HangProcess struct {
	PID, PPID int
	Command   string
	Dump      string
	Top       bool // started by the script itself, not by another process
}

// Hang builds the signature of a hang from the processes' dumps, syzbot's
// "task hung in <frame>" for Python: one entry per thread of the deciding
// process, "innermost repro frame ← the stdlib call it blocks in", e.g.
// "repro.py:14 in <module> ← threading.py in join". The deciding process is
// the newest command the script started, or, when it waits for a child of
// its own that never finishes, that child (Process says so).
func Hang(procs []HangProcess) Signature {
	sig := Signature{Status: StatusHang}
	p := decidingProcess(procs)
	if p == nil {
		return sig
	}
	if !p.Top {
		sig.Process = Child
	}
	sig.Frames = blockedFrames(p.Dump)
	return sig
}

func decidingProcess(procs []HangProcess) *HangProcess {
	var cur *HangProcess
	for i := range procs {
		if procs[i].Top && procs[i].Dump != "" && (cur == nil || procs[i].PID > cur.PID) {
			cur = &procs[i]
		}
	}
	for cur != nil {
		var next *HangProcess
		for i := range procs {
			if procs[i].PPID == cur.PID && procs[i].Dump != "" && (next == nil || procs[i].PID > next.PID) {
				next = &procs[i]
			}
		}
		if next == nil {
			break
		}
		cur = next
	}
	return cur
}

var (
	threadRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:Current thread|Thread) 0x[0-9a-fA-F]+`) })
	dumpLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s+File "([^"]+)", line (\d+) in (.+)$`) })
	timesRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(` \(×\d+\)$`) })
	lineNoRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`:\d+ in `) })
)

type frame struct{ file, line, fn string }

func splitThreads(dump string) [][]frame {
	var threads [][]frame
	for _, l := range strings.Split(dump, "\n") {
		l = strings.TrimRight(l, " \r")
		if threadRE().MatchString(l) {
			threads = append(threads, nil)
			continue
		}
		if m := dumpLineRE().FindStringSubmatch(l); m != nil && len(threads) > 0 {
			threads[len(threads)-1] = append(threads[len(threads)-1], frame{m[1], m[2], m[3]})
		}
	}
	// faulthandler lists the newest thread first.
	for i, j := 0, len(threads)-1; i < j; i, j = i+1, j-1 {
		threads[i], threads[j] = threads[j], threads[i]
	}
	return threads
}

// blockedFrames is one entry per distinct blocked place, in thread order,
// with a count when several threads block in the same place.
func blockedFrames(dump string) []string {
	var order []string
	count := map[string]int{}
	for _, t := range splitThreads(dump) {
		e := blockedAt(t)
		if e == "" {
			continue
		}
		if count[e] == 0 {
			order = append(order, e)
		}
		count[e]++
	}
	for i, e := range order {
		if n := count[e]; n > 1 {
			order[i] = fmt.Sprintf("%s (×%d)", e, n)
		}
	}
	return order
}

// blockedAt names where one thread is stuck: its innermost frame in the
// repro's own code and the library call that frame is waiting in.
func blockedAt(fs []frame) string {
	for i, f := range fs {
		if !isReproFile(f.file) {
			continue
		}
		e := fmt.Sprintf("%s:%s in %s", reproName(f.file), f.line, f.fn)
		if i > 0 {
			e += " ← " + libFrame(fs[i-1])
		}
		return e
	}
	if len(fs) > 0 {
		return libFrame(fs[0])
	}
	return ""
}

// isReproFile: the repro's files live in the work directory (shown as
// $WORK; before 3.9 the main script's path is as typed, relative); code run
// from a string (exec, a sub-interpreter) is the repro's too.
func isReproFile(f string) bool {
	return strings.HasPrefix(f, "$WORK/") || strings.HasPrefix(f, "<string") ||
		!strings.HasPrefix(f, "/") && !strings.HasPrefix(f, "<")
}

func reproName(f string) string { return strings.TrimPrefix(f, "$WORK/") }

// libFrame drops the directory and line of a library frame: both differ
// between installations and versions, the function does not.
func libFrame(f frame) string {
	name := path.Base(f.file)
	if name == "__init__.py" { // a package: logging/__init__.py
		name = path.Join(path.Base(path.Dir(f.file)), name)
	}
	return name + " in " + f.fn
}

// HangString is the one-line summary of a hang signature.
func (s Signature) HangString() string {
	if len(s.Frames) == 0 {
		return "hangs (no stacks: the process had no faulthandler)"
	}
	out := "hangs in " + s.Frames[0]
	if s.Process == Child {
		out += " (in a child process)"
	}
	if n := len(s.Frames) - 1; n > 0 {
		out += fmt.Sprintf(" (+%d more blocked places)", n)
	}
	return out
}

// normHangFrame compares blocked places across edits and versions: repro
// line numbers move when the source is edited, and thread counts vary.
func normHangFrame(f string) string {
	return lineNoRE().ReplaceAllString(timesRE().ReplaceAllString(f, ""), " in ")
}

// missingHangFrames are the recorded blocked places got does not block in.
func missingHangFrames(want, got Signature) []string {
	have := map[string]bool{}
	for _, f := range got.Frames {
		have[normHangFrame(f)] = true
	}
	var out []string
	for _, f := range want.Frames {
		if !have[normHangFrame(f)] {
			out = append(out, f)
		}
	}
	return out
}

// matchHang: a recorded hang matches a hang that still blocks in every
// recorded place (in the same process: the script's or a child). A hang
// without stacks (Python 2 has no faulthandler) can only be compared by
// its status.
func matchHang(want, got Signature) bool {
	if got.Status != StatusHang {
		return false
	}
	if len(got.Frames) == 0 {
		return true
	}
	return want.Process == got.Process && len(missingHangFrames(want, got)) == 0
}

func diffHang(want, got Signature) string {
	if got.Status != StatusHang {
		return fmt.Sprintf("status %q, recorded %q", got.Status, want.Status)
	}
	var out []string
	if want.Process != got.Process {
		out = append(out, fmt.Sprintf("hangs in process %q, recorded %q", cmp.Or(got.Process, "script"), cmp.Or(want.Process, "script")))
	}
	if m := missingHangFrames(want, got); len(m) > 0 {
		out = append(out, fmt.Sprintf("no longer blocked in %s; now in %s", strings.Join(m, ", "), strings.Join(got.Frames, ", ")))
	}
	return strings.Join(out, "; ")
}

var (
	goroutineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^goroutine \d+ .*\[(.+?)(?:, \d+ minutes)?\]:$`) })
	goCallRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([\w./*()\-]+)\(.*\)$`) })
	goFileRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\t(\S+\.go):(\d+)`) })
)

// GoHang builds a hang signature from a Go goroutine dump (SIGQUIT's, in
// the program's stderr): one entry per goroutine that waits in the repro's
// own code (its files are in $WORK), "main.go:9 in main.main ←
// sync.(*Mutex).Lock"; goroutines only in the runtime (the scheduler, the
// GC) are skipped, as syzkaller skips scheduler frames.
func GoHang(output string) Signature {
	sig := Signature{Status: StatusHang}
	var order []string
	count := map[string]int{}
	var fs []frame
	flush := func() {
		e := ""
		for i, f := range fs {
			if strings.HasPrefix(f.file, "$WORK/") {
				e = fmt.Sprintf("%s:%s in %s", reproName(f.file), f.line, f.fn)
				if i > 0 {
					e += " ← " + fs[i-1].fn
				}
				break
			}
		}
		fs = nil
		if e == "" {
			return
		}
		if count[e] == 0 {
			order = append(order, e)
		}
		count[e]++
	}
	fn := ""
	for _, l := range strings.Split(output, "\n") {
		switch {
		case goroutineRE().MatchString(l):
			flush()
		case goCallRE().MatchString(l):
			fn = goCallRE().FindStringSubmatch(l)[1]
		case goFileRE().MatchString(l) && fn != "":
			m := goFileRE().FindStringSubmatch(l)
			fs = append(fs, frame{m[1], m[2], fn})
			fn = ""
		}
	}
	flush()
	for i, e := range order {
		if n := count[e]; n > 1 {
			order[i] = fmt.Sprintf("%s (×%d)", e, n)
		}
	}
	sig.Frames = order
	return sig
}
