package reduce

import (
	"context"
	"os"
	"testing"

	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/sandbox"
	"github.com/reprokit/reprokit/internal/toolchain"
)

// TestMain lets the test binary be the sandbox's own helpers, as the
// reprokit binary is (cli.Main's internal entry points).
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "__shim" {
		os.Exit(sandbox.ShimMain(os.Args[2:]))
	}
	if len(os.Args) == 3 && os.Args[1] == "__sandbox" {
		os.Exit(sandbox.ChildMain(os.Args[2]))
	}
	os.Exit(m.Run())
}

// threadCount is an archive whose bug is the number of threads alive
// when the script exits with it: exit 2 while the thread started before
// is still alive.
func threadCount(body string) []byte {
	return []byte("# threads alive\n! exec python3 a.py\n-- a.py --\nimport sys, threading, time\n" + body + "sys.exit(threading.active_count())\n")
}

func hostPython(t *testing.T) toolchain.Toolchain {
	t.Helper()
	all, err := toolchain.Discover(context.Background(), os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	tcs, err := toolchain.Select(all, toolchain.Python, "")
	if err != nil || len(tcs) == 0 {
		t.Skipf("needs python3, which toolchain discovery did not find: %v", err)
	}
	return tcs[0]
}

func startOn(t *testing.T, archive []byte, tc toolchain.Toolchain) *Session {
	t.Helper()
	r, err := repro.Parse("threads.txtar", archive)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), r, Choice{Toolchains: []toolchain.Toolchain{tc}}, Options{Confirm: 2})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A candidate whose thread ends after 0.05 s keeps "two threads alive"
// plainly, by winning a race that a busy machine can make it lose; with
// the late-start check it never keeps it, so the oracle rejects it every
// time, while the input (a thread that sleeps a second) passes.
func TestLateStartRejectsAThreadThatEndsSoon(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3 in the sandbox a dozen times")
	}
	tc := hostPython(t)
	input := threadCount("threading.Thread(target=time.sleep, args=(1,)).start()\n")
	s := startOn(t, input, tc)
	if !s.Targets[0].LateStart {
		t.Fatal("the input keeps its exit status with late starts, but the check was not calibrated on")
	}
	oracle := s.Oracle()
	if !oracle(context.Background(), input) {
		t.Fatal("the input itself does not pass the oracle")
	}
	racy := threadCount("threading.Thread(target=time.sleep, args=(0.05,)).start()\n")
	if !s.oracle(false)(context.Background(), racy) {
		t.Fatal("the racy candidate does not pass the plain oracle: the test's premise does not hold here")
	}
	for i := 0; i < 5; i++ {
		if oracle(context.Background(), racy) {
			t.Fatalf("run %d: a thread that ends after 0.05 s passed the oracle", i+1)
		}
	}
}

// An input whose bug needs the thread to be alive just after start()
// (it sleeps 0.1 s) loses it with late starts: the check stays off and
// the oracle is the plain one, which it passes.
func TestLateStartStaysOffWhenTheInputNeedsTheRace(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3 in the sandbox a few times")
	}
	tc := hostPython(t)
	input := threadCount("threading.Thread(target=time.sleep, args=(0.1,)).start()\n")
	s := startOn(t, input, tc)
	if s.Targets[0].LateStart {
		t.Fatal("the input loses its exit status with late starts, yet the check is on")
	}
	if !s.Oracle()(context.Background(), input) {
		t.Fatal("the input does not pass the plain oracle")
	}
}
