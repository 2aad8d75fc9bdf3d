package passes

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/txtar"
)

// PythonSyntax is a cheap validity check for candidates: every .py member
// must compile. One long-lived interpreter compiles (never runs) the
// sources, so a candidate with a syntax error costs a millisecond instead
// of a sandboxed run.
type PythonSyntax struct {
	mu sync.Mutex
	pyHelper
	cache map[[32]byte]bool
	dead  bool
}

const compileServer = `
import sys
inp = getattr(sys.stdin, "buffer", sys.stdin)
while True:
    line = inp.readline()
    if not line:
        break
    src = inp.read(int(line))
    try:
        compile(src, "<candidate>", "exec")
        ok = 1
    except Exception:
        ok = 0
    sys.stdout.write("%d\n" % ok)
    sys.stdout.flush()
`

// NewPythonSyntax starts the compile server with python.
func NewPythonSyntax(python string) (*PythonSyntax, error) {
	h, err := startHelper(python, compileServer, "syntax checks")
	if err != nil {
		return nil, err
	}
	return &PythonSyntax{pyHelper: h, cache: map[[32]byte]bool{}}, nil
}

// pyHelper is a long-lived Python process that answers one request per
// line: starting an interpreter per candidate would cost more than the
// check.
type pyHelper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// helperPrelude bounds a helper the way the sandbox bounds a repro's
// processes (4 GiB of address space): it reads archive text outside the
// sandbox, and a candidate built to make the compiler blow up must cost
// the helper, not the host.
const helperPrelude = `
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
except Exception:
    pass
`

// startHelper starts python running source; purpose names it in errors.
// The helpers run outside the sandbox and read archive text (they compile
// and parse it, never run it): -E and -s and a working directory of /
// keep the caller's directory, PYTHON* variables and user site-packages
// off sys.path, so a file the user saved from an archive (ast.py next to
// where they run reprokit) is never imported in their place.
func startHelper(python, source, purpose string) (pyHelper, error) {
	cmd := exec.Command(python, "-E", "-s", "-c", helperPrelude+source)
	cmd.Dir = "/"
	in, err := cmd.StdinPipe()
	if err != nil {
		return pyHelper{}, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return pyHelper{}, err
	}
	if err := cmd.Start(); err != nil {
		return pyHelper{}, fmt.Errorf("starting %s for %s: %w", python, purpose, err)
	}
	return pyHelper{cmd: cmd, in: in, out: bufio.NewReader(out)}, nil
}

// Valid reports whether every .py member of the archive compiles. If the
// server has died it says yes: the oracle will decide.
func (p *PythonSyntax) Valid(candidate []byte) bool {
	for _, f := range txtar.Parse(candidate).Files {
		if strings.HasSuffix(f.Name, ".py") && !p.compiles(f.Data) {
			return false
		}
	}
	return true
}

func (p *PythonSyntax) compiles(src []byte) bool {
	key := sha256.Sum256(src)
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.cache[key]; ok {
		return v
	}
	if p.dead {
		return true
	}
	if _, err := fmt.Fprintf(p.in, "%d\n%s", len(src), src); err != nil {
		p.dead = true
		return true
	}
	line, err := p.out.ReadString('\n')
	if err != nil {
		p.dead = true
		return true
	}
	ok := strings.TrimSpace(line) == "1"
	p.cache[key] = ok
	return ok
}

// Close stops the server.
func (p *PythonSyntax) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.in.Close()
	p.cmd.Wait()
}
