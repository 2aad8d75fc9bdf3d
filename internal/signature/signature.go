// Package signature captures what identifies a bug in a run's output: how
// the process ended, the fatal line, the last exception and the top frames.
// Two runs show the same bug when their signatures Match.
package signature

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Signature identifies a bug. Status, Fatal and Exception take part in
// matching; Frames are kept for reports only, since they move whenever the
// source is edited (which minimization does all the time).
type Signature struct {
	// Status is how the process that showed the bug ended: "exit 1", or a
	// signal by name ("SIGSEGV", "SIGABRT"). That is the deciding exec's
	// own status, unless another process is seen dying: a forked child or
	// a grandchild whose fatal error or faulthandler dump is in the
	// output, one that crashed and was reaped by the repro's own code or
	// by the sandbox (WithDeaths), or a background exec. Empty when that
	// process's end was not seen (a child whose fatal line is in the
	// output, reaped where the recorder does not reach: os.system, a
	// program that is not Python).
	Status string `yaml:"status,omitempty" json:"status,omitempty"`
	// Process names the process that showed the bug when it is not the
	// deciding exec: Child or Background ("" for the deciding exec).
	Process Process `yaml:"process,omitempty" json:"process,omitempty"`
	// Exec is the deciding exec's own status, kept beside Status when the
	// bug showed in another process (a parent that exits 0 while its child
	// aborts). Not compared: it describes the harness's view, not the bug.
	Exec string `yaml:"exec,omitempty" json:"exec,omitempty"`
	// Command names the process that showed the bug when it is not the
	// deciding exec and its name was seen (an orphan the sandbox reaped:
	// the kernel's name for it, "python3"). Not compared.
	Command string `yaml:"command,omitempty" json:"command,omitempty"`
	// Fatal is the first `Fatal Python error:`, `panic:`, `fatal error:` or
	// signal line, if any.
	Fatal string `yaml:"fatal,omitempty" json:"fatal,omitempty"`
	// Exception is the last exception or warning as "Type: message".
	Exception string `yaml:"exception,omitempty" json:"exception,omitempty"`
	// Frames are the innermost frames, innermost first, as "file:line in func".
	Frames []string `yaml:"frames,omitempty" json:"frames,omitempty"`
	// Seen are all the exception and warning lines of the output, in order:
	// a recorded exception matches if any of them is it (a thread may print
	// an unrelated traceback after the bug's warning, in either order).
	Seen []string `yaml:"-" json:"-"`
}

// Process is the process that showed the bug, when it is not the
// deciding exec.
type Process string

// The processes other than the deciding exec that can show the bug.
const (
	Child      Process = "child"      // a forked child or grandchild
	Background Process = "background" // a background exec (`exec … &`)
)

// IsZero reports whether nothing was captured.
func (s Signature) IsZero() bool {
	return s.Status == "" && s.Fatal == "" && s.Exception == "" && len(s.Frames) == 0
}

// IsCrash reports whether the signature is a crash: a fatal error or a signal.
func (s Signature) IsCrash() bool {
	return s.Fatal != "" || strings.HasPrefix(s.Status, "SIG")
}

// String is a one-line summary: "SIGABRT · Fatal Python error: …".
func (s Signature) String() string {
	if s.Status == StatusHang {
		return s.HangString()
	}
	var parts []string
	status := s.Status
	if s.Process != "" {
		status = string(s.Process)
		if s.Command != "" {
			status += " (" + s.Command + ")"
		}
		status = strings.TrimSpace(status + " " + s.Status)
		if s.Exec != "" {
			status += " (exec " + s.Exec + ")"
		}
	}
	for _, p := range []string{status, s.Fatal, s.Exception} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " · ")
}

// Match reports whether got shows the same bug as the recorded want: every
// field recorded in want must be equal in got once numbers and addresses
// (pids, thread ids, line numbers) are normalized away.
func Match(want, got Signature) bool {
	if want.Status == StatusHang {
		return matchHang(want, got)
	}
	if want.Status != "" && want.Status != got.Status {
		return false // exit codes and signals compare exactly
	}
	if want.Fatal != "" && Normalize(want.Fatal) != Normalize(got.Fatal) {
		return false
	}
	return want.Exception == "" || sawException(want.Exception, got)
}

func sawException(want string, got Signature) bool {
	w := Normalize(want)
	if w == Normalize(got.Exception) {
		return true
	}
	for _, e := range got.Seen {
		if w == Normalize(e) {
			return true
		}
	}
	return false
}

// Diff says how got differs from want, for "slipped" messages.
func Diff(want, got Signature) string {
	if want.Status == StatusHang {
		return diffHang(want, got)
	}
	var out []string
	if want.Status != "" && want.Status != got.Status {
		out = append(out, fmt.Sprintf("status %q, recorded %q", got.Status, want.Status))
	}
	if want.Fatal != "" && Normalize(want.Fatal) != Normalize(got.Fatal) {
		out = append(out, fmt.Sprintf("fatal %q, recorded %q", got.Fatal, want.Fatal))
	}
	if want.Exception != "" && !sawException(want.Exception, got) {
		out = append(out, fmt.Sprintf("exception %q, recorded %q", got.Exception, want.Exception))
	}
	return strings.Join(out, "; ")
}

// Regexps and templates here are built on first use (sync.OnceValue), not
// at init: every start of reprokit, four per sandboxed run, paid for all of
// them (bench/run/RESULTS.md).
var (
	hexRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`0x[0-9a-fA-F]+`) })
	numRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\d+`) })
)

// Normalize replaces addresses (ADDR) and numbers (N) so that pids, thread
// ids and line numbers compare equal.
func Normalize(s string) string {
	s = numRE().ReplaceAllString(hexRE().ReplaceAllString(s, "ADDR"), "N")
	return s
}

var (
	fatalRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(Fatal Python error: .*|panic: .*|fatal error: .*|Segmentation fault.*|SIG[A-Z]+: .*)$`)
	})
	iceRE       = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`internal compiler error: .*$`) })
	exceptionRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|Iteration|Failure)\b(?:: .*)?)$`)
	})
	warningRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^.*:\d+: ([A-Za-z_][\w.]*Warning: .*)$`) })
	pyFrameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*File "([^"]+)", line (\d+)(?:, in | in )(.+)$`) })
	goFrameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\t(\S+\.go):(\d+)`) })
	goFuncRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([\w./*()\-]+)\(.*\)$`) })
	goRunRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(exit status (\d+)|signal: (.+))$`) })
)

// faultSignals are the signals faulthandler names in its "Fatal Python
// error: <name>" line; it re-raises the signal after the dump, so the
// process that printed the line died of it.
var faultSignals = map[string]string{
	"Segmentation fault": "SIGSEGV", "Aborted": "SIGABRT", "Bus error": "SIGBUS",
	"Floating point exception": "SIGFPE", "Illegal instruction": "SIGILL",
}

// goSignals are the names `go run` prints after "signal: " for a program
// killed by a signal.
var goSignals = map[string]string{
	"segmentation fault": "SIGSEGV", "aborted": "SIGABRT", "killed": "SIGKILL",
	"bus error": "SIGBUS", "floating point exception": "SIGFPE", "illegal instruction": "SIGILL",
	"trace/breakpoint trap": "SIGTRAP", "quit": "SIGQUIT",
}

// hintLines look like exceptions but are hints printed after the real one.
var hintLines = map[string]bool{
	"RuntimeWarning: Enable tracemalloc to get the object allocation traceback": true,
}

// block is one stack dump: a traceback, a faulthandler thread or a goroutine.
type block struct {
	kind   blockKind
	frames []string
}

// blockKind is what printed a stack dump.
type blockKind string

const (
	tracebackBlock blockKind = "traceback" // a Python traceback
	currentBlock   blockKind = "current"   // faulthandler's current thread
	threadBlock    blockKind = "thread"    // faulthandler's other threads
	goroutineBlock blockKind = "goroutine" // a Go goroutine
)

// Extract reads a signature from a command's combined output and its end
// status ("exit N" or a signal name).
func Extract(output, status string) Signature {
	return ExtractCommand("", output, status)
}

// ExtractCommand is Extract for a known command line: for `go run`, the
// program's own status (the "exit status N" / "signal: …" line go run
// prints) is the status, and go run's is kept as Exec.
func ExtractCommand(command, output, status string) Signature {
	sig := Signature{Status: status}
	lines := strings.Split(strings.ReplaceAll(output, "\r\n", "\n"), "\n")
	var blocks []block
	cur := func() *block {
		if len(blocks) == 0 {
			blocks = append(blocks, block{kind: tracebackBlock})
		}
		return &blocks[len(blocks)-1]
	}
	goFunc, lastLine := "", ""
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l != "" {
			lastLine = l
		}
		if hintLines[l] {
			continue
		}
		switch {
		case sig.Fatal == "" && fatalRE().MatchString(l):
			sig.Fatal = l
		case sig.Fatal == "" && iceRE().MatchString(l):
			// "./x.go:3:2: internal compiler error: …": the position moves
			// with every edit, the message is the bug.
			sig.Fatal = iceRE().FindString(l)
		case exceptionRE().MatchString(l) && !strings.HasPrefix(l, " "):
			sig.Exception = l
			sig.Seen = append(sig.Seen, l)
		case warningRE().MatchString(l):
			sig.Exception = warningRE().FindStringSubmatch(l)[1]
			sig.Seen = append(sig.Seen, sig.Exception)
		}
		switch {
		case strings.HasPrefix(l, "Traceback (most recent call last)"):
			blocks = append(blocks, block{kind: tracebackBlock})
		case strings.HasPrefix(l, "Current thread"):
			blocks = append(blocks, block{kind: currentBlock})
		case strings.HasPrefix(l, "Thread 0x"):
			blocks = append(blocks, block{kind: threadBlock})
		case strings.HasPrefix(l, "goroutine "):
			blocks = append(blocks, block{kind: goroutineBlock})
		}
		if m := pyFrameRE().FindStringSubmatch(l); m != nil && !strings.HasSuffix(m[1], "/_reprokit_reaps.py") {
			// (The reap recorder's frame shows under a wait call that
			// raised; it is reprokit's, not the repro's.)
			b := cur()
			b.frames = append(b.frames, fmt.Sprintf("%s:%s in %s", m[1], m[2], m[3]))
		}
		if m := goFuncRE().FindStringSubmatch(l); m != nil {
			goFunc = m[1]
		} else if m := goFrameRE().FindStringSubmatch(l); m != nil && goFunc != "" {
			b := cur()
			b.frames = append(b.frames, fmt.Sprintf("%s:%s in %s", m[1], m[2], goFunc))
			goFunc = ""
		}
	}
	sig.Frames = crashFrames(blocks, output)
	sig.Fatal = strings.Replace(sig.Fatal, " [recovered]", "", 1)
	if strings.HasPrefix(strings.TrimSpace(command), "go run") || strings.HasPrefix(strings.TrimSpace(command), "exec go run") {
		if m := goRunRE().FindStringSubmatch(lastLine); m != nil && status != "exit 0" {
			prog := "exit " + m[2]
			if m[3] != "" {
				prog = goSignals[m[3]]
				if prog == "" {
					prog = "signal " + m[3]
				}
			}
			sig.Status, sig.Exec = prog, status
			return sig
		}
	}
	sig.attribute()
	return sig
}

// attribute decides which process the fatal line belongs to. The deciding
// exec's status stays the signature's unless the output proves another
// process died: faulthandler's signal dump while the exec was not killed by
// that signal, or a Python fatal error while the exec exited 0 (a fatal
// error never exits 0, so it was a child's).
func (s *Signature) attribute() {
	name := strings.TrimPrefix(s.Fatal, "Fatal Python error: ")
	if name == s.Fatal {
		return
	}
	if sig, ok := faultSignals[name]; ok {
		if s.Status != sig {
			s.Process, s.Exec, s.Status = Child, s.Status, sig
		}
		return
	}
	if s.Status == "exit 0" {
		// The child's end was not seen: its parent reaped it.
		s.Process, s.Exec, s.Status = Child, s.Status, ""
	}
}

// crashFrames are the frames of the thread that crashed: faulthandler's
// "Current thread" block (the other threads' blocks come before or after
// it), else the first goroutine (Go prints the panicking one first), else
// the last traceback.
func crashFrames(blocks []block, output string) []string {
	for _, b := range blocks {
		if b.kind == currentBlock {
			return firstN(b.frames, 5)
		}
	}
	for _, b := range blocks {
		if b.kind == goroutineBlock {
			return firstN(b.frames, 5)
		}
	}
	for i := len(blocks) - 1; i >= 0; i-- {
		b := blocks[i]
		if len(b.frames) == 0 {
			continue
		}
		if b.kind == threadBlock || strings.Contains(output, "most recent call first") {
			return firstN(b.frames, 5)
		}
		// Python tracebacks print innermost last.
		return firstN(reverse(b.frames), 5)
	}
	return nil
}

// IsWarning reports whether an exception line is a warning.
func IsWarning(line string) bool {
	typ, _, _ := strings.Cut(line, ":")
	return strings.HasSuffix(typ, "Warning")
}

// Unasserted drops a warning from the identity unless asserted says the
// script checks for it: a warning a run happens to print (a
// DeprecationWarning on newer versions) is not the bug, and recording it
// would make every version without it "slipped". The last non-warning
// exception seen takes its place.
func (s Signature) Unasserted(asserted func(line string) bool) Signature {
	if s.Exception == "" || !IsWarning(s.Exception) || asserted(s.Exception) {
		return s
	}
	s.Exception = ""
	for i := len(s.Seen) - 1; i >= 0; i-- {
		if !IsWarning(s.Seen[i]) {
			s.Exception = s.Seen[i]
			break
		}
	}
	return s
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Death is how a process of the run ended that the output alone does not
// show: a child the repro's own code reaped (a parent's os.waitpid,
// subprocess, multiprocessing) or an orphan the sandbox reaped.
type Death struct {
	Status  string // "exit N" or a signal name
	Command string // its name, when it was seen ("" otherwise)
}

// crashSignals are the signals by which a process crashes, rather than
// is told to end (SIGTERM, SIGKILL, SIGINT: a repro ends its helpers so).
var crashSignals = map[string]bool{
	"SIGSEGV": true, "SIGABRT": true, "SIGBUS": true, "SIGFPE": true,
	"SIGILL": true, "SIGTRAP": true, "SIGSYS": true,
}

// WithDeaths completes a signature with the deaths seen while its command
// ran, in the order they happened. The command's own death by a signal
// stays the signature. A child whose fatal error is in the output but
// whose end was not seen gets the status it ended with (a crash first);
// otherwise the first child that crashed becomes the process that showed
// the bug, its command's own status kept as Exec. Other deaths (a child
// that exits 1, one its parent terminated) change nothing.
func (s Signature) WithDeaths(deaths []Death) Signature {
	if s.Status == StatusHang || (s.Process == "" && strings.HasPrefix(s.Status, "SIG")) {
		return s
	}
	var crash, failed *Death
	for i := range deaths {
		d := &deaths[i]
		if crash == nil && crashSignals[d.Status] {
			crash = d
		}
		if failed == nil && d.Status != "" && d.Status != "exit 0" {
			failed = d
		}
	}
	switch {
	case s.Process == "child" && s.Status == "":
		if crash == nil {
			crash = failed
		}
		if crash != nil {
			s.Status, s.Command = crash.Status, crash.Command
		}
	case s.Process == "" && crash != nil:
		s.Process, s.Exec, s.Status, s.Command = "child", s.Status, crash.Status, crash.Command
	}
	return s
}
