package passes

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/txtar"
)

var (
	//go:embed helper.py
	helperSource string
	//go:embed pyanalyze.py
	analystSource string
)

// Helper is one long-lived Python process that reads candidates without
// running them, one request per line: starting an interpreter per
// candidate would cost more than the answer. On any interpreter (2.7 on)
// it compiles candidates, the cheap syntax check, with the grammar of the
// interpreter under test. Started to analyse (Python 3.9 or newer, not
// necessarily a toolchain under test), the same process lists the names a
// source loads that nothing binds and the semantic edits (computed on the
// tree) that could shrink it. A candidate costs it a millisecond, against
// a sandboxed run's hundreds.
type Helper struct {
	mu       sync.Mutex
	cmd      *exec.Cmd
	in       io.WriteCloser
	out      *bufio.Reader
	dead     bool
	analyses bool
	compiled map[[32]byte]bool
	undef    map[[32]byte][]string
	edits    map[[32]byte][]unit
}

// StartHelper starts the helper on python; with analyse it also loads
// the analyst, and fails when python cannot run it (older than 3.9).
// The helper runs outside the sandbox and reads archive text (it
// compiles and parses it, never runs it): -E and -s and a working
// directory of / keep the caller's directory, PYTHON* variables and user
// site-packages off sys.path, so a file the user saved from an archive
// (ast.py next to where they run reprokit) is never imported in their
// place.
func StartHelper(python string, analyse bool) (*Helper, error) {
	cmd := exec.Command(python, "-E", "-s", "-c", helperSource)
	cmd.Dir = "/"
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s for syntax checks: %w", python, err)
	}
	h := &Helper{cmd: cmd, in: in, out: bufio.NewReader(out),
		compiled: map[[32]byte]bool{}, undef: map[[32]byte][]string{}, edits: map[[32]byte][]unit{}}
	if analyse {
		var loaded bool
		if !h.ask("L", []byte(analystSource), &loaded) || !loaded {
			h.Close()
			return nil, fmt.Errorf("%s cannot run the source analyst (it needs Python 3.9 or newer)", python)
		}
		h.analyses = true
	}
	return h, nil
}

// ask sends one request (op may carry arguments after the length: "U"
// with versions); false when the server is gone (then every answer is
// "nothing known", and the oracle decides alone). The caller holds mu,
// or owns h alone.
func (h *Helper) ask(op string, src []byte, answer any, args ...string) bool {
	if h == nil || h.dead {
		return false
	}
	header := fmt.Sprintf("%s %d", op, len(src))
	if len(args) > 0 {
		header += " " + strings.Join(args, " ")
	}
	if _, err := fmt.Fprintf(h.in, "%s\n%s", header, src); err != nil {
		h.dead = true
		return false
	}
	line, err := h.out.ReadString('\n')
	if err != nil {
		h.dead = true
		return false
	}
	return json.Unmarshal([]byte(line), answer) == nil
}

// Valid reports whether every .py member of the archive compiles. If the
// server has died it says yes: the oracle will decide.
func (h *Helper) Valid(candidate []byte) bool {
	for _, f := range txtar.Parse(candidate).Files {
		if strings.HasSuffix(f.Name, ".py") && !h.compiles(f.Data) {
			return false
		}
	}
	return true
}

func (h *Helper) compiles(src []byte) bool {
	key := sha256.Sum256(src)
	h.mu.Lock()
	defer h.mu.Unlock()
	if v, ok := h.compiled[key]; ok {
		return v
	}
	var ok bool
	if !h.ask("C", src, &ok) {
		return true
	}
	h.compiled[key] = ok
	return ok
}

// Undefined returns the names src loads that nothing binds (sorted), and
// false when it cannot tell (a syntax error, a star import, no analyst).
// With Python versions ("3.12.1"), each `if sys.version_info ...` takes
// that version's branch, and a name bound only in another version's
// branch counts as undefined.
func (h *Helper) Undefined(src []byte, versions ...string) ([]string, bool) {
	if h == nil || !h.analyses {
		return nil, false
	}
	vs := strings.Join(versions, ",")
	key := sha256.Sum256(append([]byte(vs+"\x00"), src...))
	h.mu.Lock()
	defer h.mu.Unlock()
	if v, ok := h.undef[key]; ok {
		return v, v != nil
	}
	var args []string
	if vs != "" {
		args = []string{vs}
	}
	var names *[]string
	if !h.ask("U", src, &names, args...) || names == nil {
		h.undef[key] = nil
		return nil, false
	}
	if *names == nil {
		*names = []string{}
	}
	h.undef[key] = *names
	return *names, true
}

// UndefinedIn returns, per .py member of an archive, the undefined names
// (on any of versions, when given).
func (h *Helper) UndefinedIn(archive []byte, versions ...string) map[string][]string {
	out := map[string][]string{}
	for _, f := range txtar.Parse(archive).Files {
		if strings.HasSuffix(f.Name, ".py") {
			if names, ok := h.Undefined(f.Data, versions...); ok && len(names) > 0 {
				out[f.Name] = names
			}
		}
	}
	return out
}

// NoNewUndefined returns a validity check: a candidate is valid only if no
// .py member loads a name that nothing binds and that the input did not
// already leave unbound (a repro that relies on a NameError keeps it),
// on each of the Python versions kept (see Undefined).
func (h *Helper) NoNewUndefined(input []byte, versions ...string) func([]byte) bool {
	base := h.UndefinedIn(input, versions...)
	return func(cand []byte) bool {
		for name, names := range h.UndefinedIn(cand, versions...) {
			allowed := map[string]bool{}
			for _, n := range base[name] {
				allowed[n] = true
			}
			for _, n := range names {
				if !allowed[n] {
					return false
				}
			}
		}
		return true
	}
}

// editsOf returns the semantic edits the analyst offers for src, which
// the script runs with argv (nil: not known).
func (h *Helper) editsOf(src []byte, argv []string) []unit {
	if h == nil || !h.analyses {
		return nil
	}
	var args []string
	if argv != nil {
		j, _ := json.Marshal(argv)
		args = []string{hex.EncodeToString(j)}
	}
	key := sha256.Sum256(append([]byte(strings.Join(args, "")+"\x00"), src...))
	h.mu.Lock()
	defer h.mu.Unlock()
	if v, ok := h.edits[key]; ok {
		return v
	}
	var units []unit
	if !h.ask("E", src, &units, args...) {
		units = nil
	}
	h.edits[key] = units
	return units
}

// Close stops the server.
func (h *Helper) Close() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.in.Close()
	h.cmd.Wait()
}

// Analyses reports whether the helper loaded the analyst.
func (h *Helper) Analyses() bool { return h != nil && h.analyses }
