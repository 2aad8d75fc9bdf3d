package runner

import (
	"fmt"
	"strings"
	"time"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/signature"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// hangVsTimeout says when the harness's limit cannot be longer than the
// repro's hang deadline: it would always hit first, and a hang would be
// reported as a harness error.
func hangVsTimeout(r *repro.Repro, opts Options) string {
	h := r.Meta.HangAfter()
	limit := opts.Limits.Timeout
	if limit <= 0 {
		limit = 60 * time.Second // sandbox.Limits' default
	}
	if h > 0 && h >= limit {
		return fmt.Sprintf("%s: the time limit %s is not longer than hang: %s, so it would hit first: raise --timeout above %s", r.Path, limit, r.Meta.Hang, r.Meta.Hang)
	}
	return ""
}

// judgeHang decides a run that was still going at its hang deadline: the
// bug, unless a recorded hang signature blocks elsewhere.
func judgeHang(r *repro.Repro, main sandbox.Result, res Result) Result {
	sig := signature.Hang(hangProcesses(main.Stacks))
	res.Output = pick(Execs(main.Log, main.Execs)).Output
	if len(sig.Frames) == 0 && hasGo(main.Stacks) {
		sig = signature.GoHang(res.Output)
	}
	res.Signature = &sig
	if want := r.Meta.Signature; want != nil && !signature.Match(*want, sig) {
		res.Verdict = repro.Slipped
		res.Reason = "different signature: " + signature.Diff(*want, sig)
		return res
	}
	res.Verdict = repro.Reproduces
	return res
}

func hangProcesses(stacks []sandbox.Stack) []signature.HangProcess {
	var out []signature.HangProcess
	for _, s := range stacks {
		out = append(out, signature.HangProcess{PID: s.PID, PPID: s.PPID, Command: s.Command, Dump: s.Dump, Top: s.Top})
	}
	return out
}

// StacksText shows every process's stacks, parent before child: what a
// triager reads to see where each thread waits.
func StacksText(stacks []sandbox.Stack) string {
	var b strings.Builder
	for _, s := range stacks {
		cmd := s.Command
		if r := []rune(cmd); len(r) > 200 { // a compiler's file list says nothing here
			cmd = string(r[:200]) + "…"
		}
		fmt.Fprintf(&b, "process %d (parent %d): %s\n", s.PID, s.PPID, cmd)
		switch {
		case s.Dump != "":
			b.WriteString(strings.TrimRight(s.Dump, "\n") + "\n")
		case s.Kind == toolchain.Go:
			b.WriteString("  (sent SIGQUIT: its goroutines are in its stderr)\n")
		default:
			b.WriteString("  (not asked: neither a Python 3 process with reprokit's faulthandler nor a Go program)\n")
		}
	}
	return b.String()
}

// TestLimit is the harness limit for one minimization test of r: for a
// hang repro, long enough past the hang deadline for the stacks and the
// kill, so that a hanging candidate is judged (interesting) at the deadline
// and never holds a worker longer; perTest otherwise.
func TestLimit(r *repro.Repro, perTest time.Duration) time.Duration {
	h := r.Meta.HangAfter()
	if h == 0 {
		return perTest
	}
	return max(perTest, h+h/2+2*time.Second)
}

func hasGo(stacks []sandbox.Stack) bool {
	for _, s := range stacks {
		if s.Kind == toolchain.Go {
			return true
		}
	}
	return false
}
