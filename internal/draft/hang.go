package draft

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/signature"
)

// isHang reports whether a signature is a hang (the script was still
// running at its hang deadline).
func isHang(sig *signature.Signature) bool {
	return sig != nil && sig.Status == signature.StatusHang
}

// hangHappens says what a triager needs of a hang first: that it never
// finishes, and where every thread of the deciding process waits (syzbot's
// "task hung in" with the blocked frames), then what it printed before.
func hangHappens(c Cell, r *repro.Repro) string {
	after := r.Meta.Hang
	var b strings.Builder
	who := "the process"
	if c.Signature.Process == signature.Child {
		who = "a child process it forks"
	}
	fmt.Fprintf(&b, "On %s %s never finishes", c.named(), who)
	if after != "" {
		fmt.Fprintf(&b, " (still running after %s)", after)
	}
	if len(c.Signature.Frames) == 0 {
		b.WriteString("; it had no stacks to show.")
	} else {
		b.WriteString(". Where its threads are blocked (innermost repro frame ← the call it waits in):\n\n")
		for _, f := range c.Signature.Frames {
			fmt.Fprintf(&b, "- `%s`", f)
			if src := sourceLine(r, f); src != "" {
				fmt.Fprintf(&b, ": `%s`", src)
			}
			b.WriteString("\n")
		}
	}
	if out := trim(c.Output); strings.TrimSpace(out) != "" {
		b.WriteString("\nBefore that it printed:\n\n")
		b.WriteString(fence("", stable(out)))
	}
	return strings.TrimRight(b.String(), "\n")
}

var reproFrameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([^:\s]+):(\d+) in `) })

// sourceLine is the repro's own line a blocked-frame entry starts with
// ("repro.py:16 in <module>" → "pid = os.fork()"), so that the reader
// sees the call without counting lines.
func sourceLine(r *repro.Repro, entry string) string {
	m := reproFrameRE().FindStringSubmatch(entry)
	if m == nil {
		return ""
	}
	n, _ := strconv.Atoi(m[2])
	for _, f := range r.Files() {
		if f.Name != m[1] {
			continue
		}
		lines := strings.Split(string(f.Data), "\n")
		if n >= 1 && n <= len(lines) {
			return strings.TrimSpace(lines[n-1])
		}
	}
	return ""
}

// hangStacks is the details block with every process's threads, as
// faulthandler dumped them at the deadline.
func hangStacks(c Cell) string {
	if strings.TrimSpace(c.Stacks) == "" {
		return ""
	}
	return details(fmt.Sprintf("All threads' stacks at the deadline on %s (faulthandler, every process)", c.named()), fence("", stable(c.Stacks)))
}

// withStacks puts the stacks block before the full output, which a hang
// that printed nothing does without.
func withStacks(stacks, output, full string) string {
	if strings.TrimSpace(output) == "" {
		return stacks
	}
	return stacks + "\n\n" + full
}

// hangTitle puts where it hangs into the title, shortening the repro's own
// title to make room: "…: hangs in threading.py in join". The place is the
// library call the first blocked thread waits in, else its source line.
func hangTitle(r *repro.Repro, sig *signature.Signature) string {
	where := "hangs"
	if len(sig.Frames) > 0 {
		f := sig.Frames[0]
		if _, lib, ok := strings.Cut(f, " ← "); ok {
			where += " in " + lib
		} else if src := sourceLine(r, f); src != "" {
			where += " in `" + src + "`"
		} else {
			where += " in " + f
		}
		if sig.Process == signature.Child {
			where += " (forked child)"
		}
	}
	where = ": " + where
	t, room := r.Title(), MaxTitle-len([]rune(where))
	if i := strings.LastIndex(t, ": "); len([]rune(t)) > room && i > 0 {
		t = t[:i] // "X: the child never finishes" says what "hangs in" will
	}
	if len([]rune(t)) <= room {
		return t + where
	}
	// The repro's own title, whole, reads better than a cut one with the
	// place after it; the body says where it hangs.
	return shorten(r.Title(), MaxTitle)
}

// bgRE is testscript's background marker, `&name&`.
var bgRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^&(\w+)&$`) })

// signalCommand renders testscript's kill and wait for a shell: the
// SIGINT pattern (`kill -INT v`, `wait v`) as a maintainer types it.
func signalCommand(verb string, args []string) string {
	out := []string{verb}
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			a = "$" + a // the name given by &name&
		}
		out = append(out, a)
	}
	return strings.Join(out, " ")
}
