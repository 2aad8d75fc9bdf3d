package draft

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/reprokit/reprokit/internal/toolchain"
)

// Probe collects the environment, best effort: a probe that fails is left
// out, never fatal (like `go bug`).
func Probe(ctx context.Context, tcs []toolchain.Toolchain) Environment {
	env := Environment{VV: map[string]string{}}
	env.OS = osRelease()
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		env.Kernel = unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
		env.Arch = unix.ByteSliceToString(u.Machine[:])
	}
	if out := run(ctx, "ldd", "--version"); out != "" {
		first := strings.SplitN(out, "\n", 2)[0]
		if f := strings.Fields(first); len(f) > 0 {
			env.Libc = "glibc " + f[len(f)-1]
		}
	}
	// Go's version and env are measured in the sandbox: GoEnv.
	for _, tc := range tcs {
		switch tc.Kind {
		case toolchain.Python:
			out := run(ctx, tc.Path, "-VV")
			if out == "" {
				out = run(ctx, tc.Path, "-V") // Python 2
			}
			// Older versions break the line before the compiler.
			env.VV[tc.Version] = strings.Join(strings.Fields(out), " ")
		}
	}
	return env
}

func run(ctx context.Context, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return ""
	}
	return string(out)
}

func osRelease() string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
