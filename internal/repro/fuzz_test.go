package repro

import (
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the archive and metadata parser: it
// must never panic, must reject with a positioned *Error, and what it
// accepts must survive recording a signature and expectations.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"# t\nexec python3 repro.py\nstderr 'Fatal'\n-- repro.py --\nimport os\n",
		"# t\nexec python3 a.py\n-- .reprokit.yaml --\ntracker: cpython\nexpect:\n  \"3.12\": reproduces\nsignature:\n  status: exit 0\n",
		"# t\n[!python:3.8] skip 'old'\nexec python3 a.py\n-- .reprokit.yaml --\ntiers:\n  make-it-work:\n    ask: x\n    check: |\n      exec python3 a.py\n",
		"# t\r\nexec python3 a.py\r\n-- a.py --\r\nprint(1)\r\n",
		"-- a.py --\nx\n",
		"# t\nexec python3 a.py\n-- ../x --\n",
		"# t\nexec python3 a.py\n-- .reprokit.yaml --\n<<<<<<< a\nx: 1\n=======\n>>>>>>> b\n",
		"# t\nstdout '['\n",
		"# t\nexec python3 a.py\n-- .reprokit.yaml --\nexpect: [1, 2\n",
		"\xff\xfe# t\nexec python3 \xc3\x28\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("f.txtar", data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error without a position: %T %v", err, err)
			}
			return
		}
		_ = r.Title()
		_ = r.Kind()
		if _, err := r.WithExpect(map[string]Verdict{"3.12": Reproduces}); err != nil {
			t.Logf("WithExpect: %v", err) // refusing is fine; breaking the archive is not
		}
	})
}
