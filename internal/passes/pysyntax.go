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

// startHelper starts python running source; purpose names it in errors.
func startHelper(python, source, purpose string) (pyHelper, error) {
	cmd := exec.Command(python, "-c", source)
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
