// Package signature captures what identifies a bug in a run's output: how
// the process ended, the fatal line, the last exception and the top frames.
// Two runs show the same bug when their signatures Match.
package signature

import (
	"fmt"
	"regexp"
	"strings"
)

// Signature identifies a bug. Status, Fatal and Exception take part in
// matching; Frames are kept for reports only, since they move whenever the
// source is edited (which minimization does all the time).
type Signature struct {
	// Status is how the last command ended: "exit 0", "exit 1", or a signal
	// by name ("SIGSEGV", "SIGABRT").
	Status string `yaml:"status,omitempty" json:"status,omitempty"`
	// Fatal is the first `Fatal Python error:`, `panic:`, `fatal error:` or
	// signal line, if any.
	Fatal string `yaml:"fatal,omitempty" json:"fatal,omitempty"`
	// Exception is the last exception or warning as "Type: message".
	Exception string `yaml:"exception,omitempty" json:"exception,omitempty"`
	// Frames are the innermost frames, innermost first, as "file:line in func".
	Frames []string `yaml:"frames,omitempty" json:"frames,omitempty"`
	// Process is "child" when the process that hangs is a child of the
	// script's command (a fork that never completes); empty otherwise.
	Process string `yaml:"process,omitempty" json:"process,omitempty"`
	// Seen are all the exception and warning lines of the output, in order:
	// a recorded exception matches if any of them is it (a thread may print
	// an unrelated traceback after the bug's warning, in either order).
	Seen []string `yaml:"-" json:"-"`
}

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
	for _, p := range []string{s.Status, s.Fatal, s.Exception} {
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

var (
	hexRE = regexp.MustCompile(`0x[0-9a-fA-F]+`)
	numRE = regexp.MustCompile(`\d+`)
)

// Normalize replaces addresses (ADDR) and numbers (N) so that pids, thread
// ids and line numbers compare equal.
func Normalize(s string) string {
	s = numRE.ReplaceAllString(hexRE.ReplaceAllString(s, "ADDR"), "N")
	return s
}

var (
	fatalRE     = regexp.MustCompile(`^(Fatal Python error: .*|panic: .*|fatal error: .*|Segmentation fault.*|SIG[A-Z]+: .*)$`)
	exceptionRE = regexp.MustCompile(`^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|Iteration|Failure)\b(?:: .*)?)$`)
	warningRE   = regexp.MustCompile(`^.*:\d+: ([A-Za-z_][\w.]*Warning: .*)$`)
	pyFrameRE   = regexp.MustCompile(`^\s*File "([^"]+)", line (\d+)(?:, in | in )(.+)$`)
	goFrameRE   = regexp.MustCompile(`^\t(\S+\.go):(\d+)`)
	goFuncRE    = regexp.MustCompile(`^([\w./*()\-]+)\(.*\)$`)
)

// hintLines look like exceptions but are hints printed after the real one.
var hintLines = map[string]bool{
	"RuntimeWarning: Enable tracemalloc to get the object allocation traceback": true,
}

// Extract reads a signature from a command's combined output and its end
// status ("exit N" or a signal name).
func Extract(output, status string) Signature {
	sig := Signature{Status: status}
	lines := strings.Split(strings.ReplaceAll(output, "\r\n", "\n"), "\n")
	var frames []string
	goFunc := ""
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if hintLines[l] {
			continue
		}
		switch {
		case sig.Fatal == "" && fatalRE.MatchString(l):
			sig.Fatal = l
		case exceptionRE.MatchString(l) && !strings.HasPrefix(l, " "):
			sig.Exception = l
			sig.Seen = append(sig.Seen, l)
		case warningRE.MatchString(l):
			sig.Exception = warningRE.FindStringSubmatch(l)[1]
			sig.Seen = append(sig.Seen, sig.Exception)
		}
		if strings.HasPrefix(l, "Traceback (most recent call last)") || strings.HasPrefix(l, "Current thread") || strings.HasPrefix(l, "Thread 0x") || strings.HasPrefix(l, "goroutine ") {
			frames = nil
		}
		if m := pyFrameRE.FindStringSubmatch(l); m != nil {
			frames = append(frames, fmt.Sprintf("%s:%s in %s", m[1], m[2], m[3]))
		}
		if m := goFuncRE.FindStringSubmatch(l); m != nil {
			goFunc = m[1]
		} else if m := goFrameRE.FindStringSubmatch(l); m != nil && goFunc != "" {
			frames = append([]string{}, frames...)
			frames = append(frames, fmt.Sprintf("%s:%s in %s", m[1], m[2], goFunc))
			goFunc = ""
		}
	}
	if strings.Contains(output, "goroutine ") {
		// Go prints innermost first already.
		sig.Frames = firstN(frames, 5)
	} else {
		// Python tracebacks print innermost last; faulthandler's "most recent call first".
		if strings.Contains(output, "most recent call first") {
			sig.Frames = firstN(frames, 5)
		} else {
			sig.Frames = firstN(reverse(frames), 5)
		}
	}
	return sig
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
