package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/reprokit/reprokit/internal/cli"
	fakegithub "github.com/reprokit/reprokit/internal/fake/github"
	"github.com/reprokit/reprokit/internal/fake/pyindex"
)

var sharedGoCache = filepath.Join(os.TempDir(), fmt.Sprintf("reprokit-spec-gocache-%d", os.Getuid()))

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"reprokit": func() { os.Exit(cli.Main(os.Args[1:])) },
	})
}

// TestSpecs runs reprokit's own end-to-end specs in txtar/ against the real
// binary.
func TestSpecs(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "txtar"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".cache"))
			env.Setenv("REPO", filepath.Join(mustGetwd(), "..", ".."))
			// Specs that need several interpreters (bisect across
			// releases) opt in to the host's pyenv builds with
			// `env PYENV_ROOT=$HOST_PYENV_ROOT`; the others see python3 only.
			env.Setenv("HOST_PYENV_ROOT", hostPyenv())
			// One warm Go build cache for every script: it is keyed by
			// toolchain, and warming costs seconds per script otherwise.
			env.Setenv("REPROKIT_GOCACHE", sharedGoCache)
			// A fake GitHub per script, on loopback, under a base path.
			srv := fakegithub.New("reprokit-bot", fakeToken)
			env.Defer(srv.Close)
			env.Values["fakegh"] = srv
			env.Setenv("GH_FAKE_API", srv.URL)
			env.Setenv("GH_FAKE_TOKEN", fakeToken)
			// A package index on loopback (PEP 503), with wheels built
			// here, for the PEP 723 specs.
			idx, err := pyindex.New(specPackages...)
			if err != nil {
				return err
			}
			env.Defer(idx.Close)
			env.Setenv("PYINDEX", idx.IndexURL())
			// A Python downloads mirror on loopback, empty until a spec
			// adds builds to it (pymirror add): uv, where a spec finds it
			// on PATH, never reaches past loopback for an interpreter.
			mirror := pyindex.NewMirror()
			env.Defer(mirror.Close)
			env.Values["pymirror"] = mirror
			env.Setenv("UV_PYTHON_DOWNLOADS_JSON_URL", mirror.JSONURL())
			env.Setenv("HOST_PYENV_ROOT", hostPyenvRoot())
			return nil
		},
		// [pyenv:3.9] holds when a pyenv build of that minor version is on
		// this machine; $HOST_PYENV_ROOT names where (HOME is hidden).
		Condition: func(cond string) (bool, error) {
			if cond == "venv" {
				// python3 can make virtual environments with pip (Debian:
				// python3-venv): the PEP 723 specs need it.
				return exec.Command("python3", "-c", "import venv, ensurepip").Run() == nil, nil
			}
			minor, ok := strings.CutPrefix(cond, "pyenv:")
			if !ok {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			found, _ := filepath.Glob(filepath.Join(hostPyenvRoot(), "versions", minor+".*", "bin", "python3"))
			return len(found) > 0, nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"noprocs":  cmdNoProcs,
			"nowrite":  cmdNoWrite,
			"within":   cmdWithin,
			"fakegh":   cmdFakeGH,
			"pymirror": cmdPyMirror,
		},
	})
}

// specPackages are served by every spec's package index: tinydep's
// answer changed in 2.0.0, the way a real library's behaviour changes.
var specPackages = []pyindex.Project{
	{Name: "tinydep", Version: "1.0.0", Files: map[string]string{"tinydep/__init__.py": "def answer():\n    return 'old answer'\n"}},
	{Name: "tinydep", Version: "2.0.0", Files: map[string]string{"tinydep/__init__.py": "def answer():\n    return 'new answer'\n"}},
}

// hostPyenvRoot is where this machine's pyenv builds are.
func hostPyenvRoot() string {
	if r := os.Getenv("PYENV_ROOT"); r != "" {
		return r
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".pyenv")
}

const fakeToken = "ghp_SpecToken0123456789abcdefABCDEF012345"

// fakegh drives the script's fake GitHub:
//
//	fakegh fault ENDPOINT KIND [N]   inject N failures (see fakegithub.Fault)
//	fakegh seed STATE TITLE BODY     add an issue by someone else
//	fakegh droplabels                creates ignore labels (no push access)
//	fakegh issues                    print the issues: number, state, labels, body size, comments, title
//	fakegh requests                  print method, path, query and body of every request
func cmdFakeGH(ts *testscript.TestScript, neg bool, args []string) {
	srv := ts.Value("fakegh").(*fakegithub.Server)
	if neg || len(args) == 0 {
		ts.Fatalf("usage: fakegh fault|seed|droplabels|issues|requests ...")
	}
	switch args[0] {
	case "fault":
		n := 1
		if len(args) == 4 {
			fmt.Sscan(args[3], &n)
		} else if len(args) != 3 {
			ts.Fatalf("usage: fakegh fault ENDPOINT KIND [N]")
		}
		srv.Fault(args[1], args[2], n)
	case "seed":
		if len(args) != 4 {
			ts.Fatalf("usage: fakegh seed STATE TITLE BODY")
		}
		srv.Seed(args[1], args[2], args[3])
	case "droplabels":
		srv.DropLabels = true
	case "issues":
		issues := srv.Issues()
		fmt.Fprintf(ts.Stdout(), "issues: %d\n", len(issues))
		for _, i := range issues {
			fmt.Fprintf(ts.Stdout(), "#%d %s by %s labels=[%s] body=%d comments=%d %s\n", i.Number, i.State, i.User, strings.Join(i.Labels, ","), len([]rune(i.Body)), len(i.Comments), i.Title)
		}
	case "requests":
		fmt.Fprintf(ts.Stdout(), "requests: %d\n", len(srv.Requests()))
		for _, r := range srv.Requests() {
			fmt.Fprintf(ts.Stdout(), "%s %s?%s %s\n", r.Method, r.Path, r.Query, r.Body)
		}
	default:
		ts.Fatalf("unknown fakegh command %q", args[0])
	}
}

// pymirror drives the script's Python downloads mirror:
//
//	pymirror add MINOR|PREFIX   list the pyenv build of MINOR (3.12), or the
//	                            interpreter installed at PREFIX, under its own version
//	pymirror corrupt VERSION    the list gives VERSION (or a minor's releases) a wrong sha256
//	pymirror down               stop serving (connections are refused)
//	pymirror fetched            print the archives downloaded so far, one a line
func cmdPyMirror(ts *testscript.TestScript, neg bool, args []string) {
	m := ts.Value("pymirror").(*pyindex.Mirror)
	if neg || len(args) == 0 {
		ts.Fatalf("usage: pymirror add|corrupt|down|fetched ...")
	}
	switch args[0] {
	case "add":
		if len(args) != 2 {
			ts.Fatalf("usage: pymirror add MINOR|PREFIX")
		}
		prefix := args[1]
		if !strings.Contains(prefix, "/") {
			found, _ := filepath.Glob(filepath.Join(hostPyenvRoot(), "versions", prefix+".*"))
			if len(found) == 0 {
				ts.Fatalf("no pyenv build of %s in %s", prefix, hostPyenvRoot())
			}
			prefix = found[len(found)-1]
		}
		out, err := exec.Command(filepath.Join(prefix, "bin", "python3"), "-c", `import sys, sysconfig; print("%d.%d.%d" % sys.version_info[:3] + ("t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""))`).Output()
		ts.Check(err)
		version := strings.TrimSpace(string(out))
		ts.Check(m.Add(version, prefix))
		fmt.Fprintf(ts.Stdout(), "listed %s from %s\n", version, prefix)
	case "corrupt":
		if len(args) != 2 {
			ts.Fatalf("usage: pymirror corrupt VERSION")
		}
		ts.Check(m.Corrupt(args[1]))
	case "down":
		m.Close()
	case "fetched":
		for _, p := range m.Requests() {
			if strings.HasSuffix(p, ".tar.gz") {
				fmt.Fprintln(ts.Stdout(), p)
			}
		}
	default:
		ts.Fatalf("unknown pymirror command %q", args[0])
	}
}

func hostPyenv() string {
	if root := os.Getenv("PYENV_ROOT"); root != "" {
		return root
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".pyenv")
	}
	return ""
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return wd
}

// noprocs MARKER…: no process on the machine has any MARKER as a word of
// its command line (what `ps` would show).
// within MAX PROG ARGS... runs PROG like exec and fails when it takes
// longer than MAX: the time bound of a hostile repro, asserted.
func cmdWithin(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: within DURATION PROG [ARGS...]")
	}
	limit, err := time.ParseDuration(args[0])
	ts.Check(err)
	start := time.Now()
	err = ts.Exec(args[1], args[2:]...)
	took := time.Since(start)
	ts.Logf("took %v (bound %v)", took.Round(time.Millisecond), limit)
	if took > limit {
		ts.Fatalf("%s took %v, more than %v", args[1], took.Round(time.Millisecond), limit)
	}
	switch {
	case err != nil && !neg:
		ts.Fatalf("unexpected failure: %v", err)
	case err == nil && neg:
		ts.Fatalf("unexpected success")
	}
}

func cmdNoProcs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: noprocs MARKER...")
	}
	self := fmt.Sprint(os.Getpid())
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if e.Name() == self {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(data) == 0 {
			continue
		}
		words := bytes.Split(bytes.TrimRight(data, "\x00"), []byte{0})
		for _, w := range words {
			for _, m := range args {
				if string(w) == m {
					ts.Fatalf("process %s still running: %s", e.Name(), strings.Join(strings.Fields(string(bytes.ReplaceAll(data, []byte{0}, []byte{' '}))), " "))
				}
			}
		}
	}
}

// nowrite MARKER: no file or directory whose name holds MARKER is in any
// place a repro must not write: the host's /tmp, /var/tmp and /dev/shm,
// the real home directory, $TMPDIR, and the script's $WORK (where the
// archives are), each searched two levels deep.
func cmdNoWrite(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: nowrite MARKER")
	}
	places := []string{"/tmp", "/var/tmp", "/dev/shm", ts.Getenv("TMPDIR"), ts.Getenv("WORK")}
	if home, err := os.UserHomeDir(); err == nil {
		places = append(places, home)
	}
	if u, err := user.Current(); err == nil {
		places = append(places, u.HomeDir)
	}
	for _, p := range places {
		if p == "" {
			continue
		}
		for _, pattern := range []string{"*", "*/*"} {
			found, _ := filepath.Glob(filepath.Join(p, pattern))
			for _, f := range found {
				if strings.Contains(filepath.Base(f), args[0]) {
					ts.Fatalf("written outside the work dir: %s", f)
				}
			}
		}
	}
}
