package signature

import "testing"

// FuzzExtract: any output and status yields a signature without panicking,
// a signature always matches itself, and normalization is idempotent.
func FuzzExtract(f *testing.F) {
	f.Add("Fatal Python error: _PyInterpreterState_DeleteExceptMain: not main interpreter\nPython runtime state: initialized\n", "exit 0")
	f.Add("Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\n    f()\nValueError: bad 0x7f00deadbeef pid=123\n", "exit 1")
	f.Add("panic: runtime error: index out of range [5] with length 3\n\ngoroutine 1 [running]:\nmain.main()\n\t/tmp/x/main.go:8 +0x1d\n", "exit 2")
	f.Add("a.py:3: DeprecationWarning: This process (pid=13) is multi-threaded\n", "SIGSEGV")
	f.Add("\x00\xff\xfe", "")
	f.Fuzz(func(t *testing.T, output, status string) {
		s := Extract(output, status)
		if !Match(s, s) {
			t.Fatalf("signature does not match itself: %+v", s)
		}
		_ = s.String()
		n := Normalize(output)
		if Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent on %q", output)
		}
	})
}
