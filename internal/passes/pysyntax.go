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
	mu    sync.Mutex
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
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
	cmd := exec.Command(python, "-c", compileServer)
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
	return &PythonSyntax{cmd: cmd, in: in, out: bufio.NewReader(out), cache: map[[32]byte]bool{}}, nil
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
