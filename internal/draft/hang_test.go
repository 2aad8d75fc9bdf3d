package draft

import (
	"testing"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/signature"
)

// hangInput is the SIGINT starvation repro as `draft` saw it: hanging on
// 3.12.1 with two threads' stacks, fixed on 3.13.0.
func hangInput(t *testing.T) Input {
	hang := &signature.Signature{Status: signature.StatusHang, Frames: []string{
		"victim.py:19 in <module> ← threading.py in join",
		"victim.py:15 in worker",
	}}
	stacks := `process 15 (parent 8): /home/alice/.pyenv/versions/3.12.1/bin/python3 victim.py
Thread 0x00007f1d2e1ff6c0 (most recent call first):
  File "$WORK/victim.py", line 15 in worker
  File "/home/alice/.pyenv/versions/3.12.1/lib/python3.12/threading.py", line 1010 in run
  File "/home/alice/.pyenv/versions/3.12.1/lib/python3.12/threading.py", line 1073 in _bootstrap_inner
  File "/home/alice/.pyenv/versions/3.12.1/lib/python3.12/threading.py", line 1030 in _bootstrap

Current thread 0x00007f1d2f4a5740 (most recent call first):
  File "/home/alice/.pyenv/versions/3.12.1/lib/python3.12/threading.py", line 1153 in _wait_for_tstate_lock
  File "/home/alice/.pyenv/versions/3.12.1/lib/python3.12/threading.py", line 1133 in join
  File "$WORK/victim.py", line 19 in <module>
`
	return Input{
		Repro: load(t, "hangrepro.txtar"),
		Cells: []Cell{
			{Name: "cpython-3.12.1", Version: "3.12.1", Verdict: repro.Reproduces, Rate: "3/3", Signature: hang, Stacks: stacks},
			{Name: "cpython-3.13.0", Version: "3.13.0", Verdict: repro.Fixed, Rate: "0/3", Signature: &signature.Signature{Status: "exit 0"}},
		},
		Env: Environment{OS: "Debian GNU/Linux 12 (bookworm)", Kernel: "Linux 6.1.0", Arch: "x86_64", Libc: "glibc 2.36",
			VV: map[string]string{"3.12.1": "Python 3.12.1 (main, Jan 10 2024, 12:00:00) [GCC 12.2.0]", "3.13.0": "Python 3.13.0 (main, Oct 10 2024, 12:00:00) [GCC 12.2.0]"}},
	}
}
