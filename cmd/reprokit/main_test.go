package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/goproxytest"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/reprokit/reprokit/internal/cli"
	fakegithub "github.com/reprokit/reprokit/internal/fake/github"
	"github.com/reprokit/reprokit/internal/fake/pyindex"
	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/toolchain"
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
			idx, err := pyindex.New(append(specPackages, hostilePackages...)...)
			if err != nil {
				return err
			}
			env.Defer(idx.Close)
			env.Setenv("PYINDEX", idx.IndexURL())
			env.Values["pyindex"] = idx
			// What an isolated build installs first (setuptools, wheel),
			// as found on this machine: the [buildtools] specs need them.
			for _, f := range buildTools() {
				data, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				if err := idx.AddFile(filepath.Base(f), data); err != nil {
					return err
				}
			}
			// An index an archive names: nothing may ever ask it.
			evil, err := pyindex.New(evilPackages...)
			if err != nil {
				return err
			}
			env.Defer(evil.Close)
			env.Setenv("EVILINDEX", evil.IndexURL())
			env.Values["evilindex"] = evil
			// A Python downloads mirror on loopback, empty until a spec
			// adds builds to it (pymirror add): uv, where a spec finds it
			// on PATH, never reaches past loopback for an interpreter.
			mirror := pyindex.NewMirror()
			env.Defer(mirror.Close)
			env.Values["pymirror"] = mirror
			env.Setenv("UV_PYTHON_DOWNLOADS_JSON_URL", mirror.JSONURL())
			env.Setenv("HOST_PYENV_ROOT", hostPyenvRoot())
			// Specs that run real Go releases opt in to the host's
			// module cache with `env GOMODCACHE=$HOST_GOMODCACHE`.
			env.Setenv("HOST_GOMODCACHE", toolchain.ModCache(os.Getenv))
			return nil
		},
		// [pyenv:3.9] holds when a pyenv build of that minor version is on
		// this machine; $HOST_PYENV_ROOT names where (HOME is hidden).
		Condition: func(cond string) (bool, error) {
			if cond == "buildtools" {
				// setuptools and wheel to publish on the loopback index,
				// for builds of setup.py projects (--allow-build).
				return len(buildTools()) == 2, nil
			}
			if cond == "venv" {
				// python3 can make virtual environments with pip (Debian:
				// python3-venv): the PEP 723 specs need it.
				return exec.Command("python3", "-c", "import venv, ensurepip").Run() == nil, nil
			}
			if v, ok := strings.CutPrefix(cond, "gorelease:"); ok {
				// [gorelease:1.21.13] holds when the host's module cache
				// has that release (the go command downloaded it): a
				// spec never fetches one.
				found, _ := filepath.Glob(filepath.Join(toolchain.ModCache(os.Getenv), "golang.org", "toolchain@v0.0.1-go"+v+".*", "bin", "go"))
				return len(found) > 0, nil
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
			"pyindex":  cmdPyindex,
			"pymirror": cmdPyMirror,
			"ghstep":   cmdGHStep,
			"goproxy":  cmdGoproxy,
			"inert":    cmdInert,
		},
	})
}

// specPackages are served by every spec's package index: tinydep's
// answer changed in 2.0.0, the way a real library's behaviour changes.
var specPackages = []pyindex.Project{
	{Name: "tinydep", Version: "1.0.0", Files: map[string]string{"tinydep/__init__.py": "def answer():\n    return 'old answer'\n"}},
	{Name: "tinydep", Version: "2.0.0", Files: map[string]string{"tinydep/__init__.py": "def answer():\n    return 'new answer'\n"}},
}

// markPy is Python that writes a marker file in every place a repro must
// not write, and in the current directory; errors are ignored. A hostile
// package runs it from its build or at interpreter start.
const markPy = `import os
def mark(name):
    for d in ("/tmp", "/var/tmp", "/dev/shm", os.environ.get("HOME"), os.environ.get("TMPDIR"), os.path.expanduser("~"), os.getcwd()):
        if d:
            try:
                with open(os.path.join(d, name), "w") as f:
                    f.write("written by a dependency")
            except OSError:
                pass
`

// daemonPy starts a process that outlives the build (its own session,
// no shared pipe) with the marker as a word of its command line: nothing
// of a build may be left running.
const daemonPy = `import subprocess, sys
def daemon(word):
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", word], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
`

// hostilePackages are the dependencies of the hostile3 specs, each
// writing its marker when its code runs: from setup.py of an sdist (only
// an sdist is published), from a PEP 517 backend in the sdist's own tree
// (backend-path) when it is imported, and from a .pth file of a wheel at
// every start of an interpreter that has it installed.
var hostilePackages = []pyindex.Project{
	{Name: "sdonly", Version: "1.0", Sdist: true, Files: map[string]string{
		"setup.py":  markPy + "mark(\"hostile3sdist434343\")\n" + daemonPy + "daemon(\"hostile3daemon434343\")\nfrom setuptools import setup\nsetup(name=\"sdonly\", version=\"1.0\", py_modules=[\"sdonly\"])\n",
		"sdonly.py": "ANSWER = 'built from the sdist'\n",
	}},
	{Name: "backendpkg", Version: "1.0", Sdist: true, Files: map[string]string{
		"pyproject.toml":              "[build-system]\nrequires = []\nbuild-backend = \"hostile_backend\"\nbackend-path = [\"_backend\"]\n",
		"_backend/hostile_backend.py": markPy + "mark(\"hostile3backend454545\")\n" + daemonPy + "daemon(\"hostile3daemon454545\")\n" + inTreeBackend,
	}},
	{Name: "pthpkg", Version: "1.0", Files: map[string]string{
		"pthpkg.pth":         "import pthpkg_mark\n",
		"pthpkg_mark.py":     markPy + "mark(\"hostile3pth464646\")\n",
		"pthpkg/__init__.py": "ANSWER = 'a .pth ran first'\n",
	}},
}

// inTreeBackend is a PEP 517 backend that needs nothing from the index:
// it writes the wheel itself.
const inTreeBackend = `import base64, hashlib, zipfile
def get_requires_for_build_wheel(config_settings=None):
    return []
def get_requires_for_build_sdist(config_settings=None):
    return []
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = "backendpkg-1.0-py3-none-any.whl"
    info = "backendpkg-1.0.dist-info"
    files = {
        "backendpkg.py": "ANSWER = 'built by the in-tree backend'\n",
        info + "/METADATA": "Metadata-Version: 2.1\nName: backendpkg\nVersion: 1.0\n",
        info + "/WHEEL": "Wheel-Version: 1.0\nGenerator: hostile\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data.encode()).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (n, digest, len(data)))
        record.append(info + "/RECORD,,")
        z.writestr(info + "/RECORD", "\n".join(record) + "\n")
    return name
`

// evilPackages are served by the index an archive tries to choose: its
// tinydep gives another answer, and it is asserted never asked.
var evilPackages = []pyindex.Project{
	{Name: "tinydep", Version: "1.0.0", Files: map[string]string{"tinydep/__init__.py": "def answer():\n    return 'evil answer'\n"}},
}

var (
	buildToolsOnce sync.Once
	buildToolFiles []string
)

// buildTools finds the setuptools and wheel wheels an isolated build of a
// setup.py project installs: those bundled with python3 (ensurepip, in
// builds from python.org sources), else Debian's (python3-setuptools-whl,
// python3-wheel-whl). Debian's setuptools is patched for Debian's Python
// and fails on another, so the bundled one comes first.
func buildTools() []string {
	buildToolsOnce.Do(func() {
		var dirs []string
		if out, err := exec.Command("python3", "-c", "import ensurepip, os; print(os.path.join(os.path.dirname(ensurepip.__file__), '_bundled'))").Output(); err == nil {
			dirs = append(dirs, strings.TrimSpace(string(out)))
		}
		dirs = append(dirs, "/usr/share/python-wheels")
		for _, tool := range []string{"setuptools", "wheel"} {
			for _, d := range dirs {
				if found, _ := filepath.Glob(filepath.Join(d, tool+"-*-py3-none-any.whl")); len(found) > 0 {
					buildToolFiles = append(buildToolFiles, found[len(found)-1])
					break
				}
			}
		}
	})
	return buildToolFiles
}

// pyindex drives the script's package indexes:
//
//	pyindex asked user|evil            print how many requests that index answered
//	pyindex publish NAME VERSION DIR [yanked] [sdist]
//	                                   publish the files under DIR (relative paths) as a
//	                                   release of NAME on the user's index: a wheel, or
//	                                   an sdist only; yanked marks it yanked (PEP 592)
//	pyindex html-only                  the user's index answers in HTML (PEP 503) only
//	pyindex json-asked                 print how many project pages it served as JSON (PEP 691)
func cmdPyindex(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: pyindex asked|publish|html-only|json-asked ...")
	}
	idx := ts.Value("pyindex").(*pyindex.Server)
	switch args[0] {
	case "asked":
		if len(args) != 2 || (args[1] != "user" && args[1] != "evil") {
			ts.Fatalf("usage: pyindex asked user|evil")
		}
		key := map[string]string{"user": "pyindex", "evil": "evilindex"}[args[1]]
		fmt.Fprintf(ts.Stdout(), "asked: %d\n", ts.Value(key).(*pyindex.Server).Asked())
	case "publish":
		if len(args) < 4 {
			ts.Fatalf("usage: pyindex publish NAME VERSION DIR [yanked] [sdist]")
		}
		p := pyindex.Project{Name: args[1], Version: args[2], Files: map[string]string{}}
		for _, opt := range args[4:] {
			switch opt {
			case "yanked":
				p.Yanked = "broken release"
			case "sdist":
				p.Sdist = true
			default:
				ts.Fatalf("pyindex publish: unknown option %q", opt)
			}
		}
		root := ts.MkAbs(args[3])
		ts.Check(filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			p.Files[filepath.ToSlash(rel)] = string(data)
			return nil
		}))
		ts.Check(idx.Add(p))
	case "html-only":
		idx.HTMLOnly()
	case "json-asked":
		fmt.Fprintf(ts.Stdout(), "json: %d\n", idx.JSONAsked())
	default:
		ts.Fatalf("unknown pyindex command %q", args[0])
	}
}

// goproxy DIR starts a Go module proxy on loopback serving the modules
// under DIR (go-internal's goproxytest: one directory or txtar per
// PATH_VERSION, slashes as underscores) and points GOPROXY at it, with
// no checksum database.
func cmdGoproxy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: goproxy DIR")
	}
	srv, err := goproxytest.NewServer(ts.MkAbs(args[0]), "127.0.0.1:0")
	ts.Check(err)
	ts.Defer(srv.Close)
	ts.Setenv("GOPROXY", srv.URL)
	ts.Setenv("GOSUMDB", "off")
	ts.Setenv("GONOSUMDB", "*")
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
//	fakegh issue REPO N STATE FILE [LABELS]  serve FILE (`# Title` then the body) as REPO#N
//	fakegh body N                    print issue N's body
//	fakegh comments N                print the comments on issue N
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
	case "issue":
		if len(args) != 5 && len(args) != 6 {
			ts.Fatalf("usage: fakegh issue OWNER/NAME N STATE FILE [LABEL,...]")
		}
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		title, body, _ := strings.Cut(ts.ReadFile(args[4]), "\n")
		var labels []string
		if len(args) == 6 {
			labels = strings.Split(args[5], ",")
		}
		srv.Put(args[1], n, args[3], strings.TrimSpace(strings.TrimPrefix(title, "# ")), body, labels)
	case "body", "comments":
		for _, i := range srv.Issues() {
			if len(args) == 2 && fmt.Sprint(i.Number) == args[1] {
				if args[0] == "body" {
					fmt.Fprintln(ts.Stdout(), i.Body)
				}
				for _, c := range i.Comments {
					if args[0] == "comments" {
						fmt.Fprintln(ts.Stdout(), c)
					}
				}
			}
		}
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

// inert FILE… fails when any FILE (Markdown) holds a live @mention, issue
// reference or bare URL outside code: where redact.Inert would change it,
// showing the lines it would change.
func cmdInert(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: inert FILE...")
	}
	live := false
	for _, f := range args {
		text := ts.ReadFile(f)
		if fixed := redact.Inert(text); fixed != text {
			live = true
			got, want := strings.Split(text, "\n"), strings.Split(fixed, "\n")
			for i := range got {
				if i < len(want) && got[i] != want[i] {
					ts.Logf("%s:%d: live: %s", f, i+1, got[i])
				}
			}
		}
	}
	if live != neg {
		ts.Fatalf("inert: live mentions, references or links found (or none, under !)")
	}
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
					ts.Fatalf("process %s still running: %s (%s)", e.Name(), strings.Join(strings.Fields(string(bytes.ReplaceAll(data, []byte{0}, []byte{' '}))), " "), procAncestry(e.Name()))
				}
			}
		}
	}
}

// procAncestry says where a process that should not be running is: its
// PIDs in each namespace, its PID namespace, and its parents' commands.
func procAncestry(pid string) string {
	var parts []string
	for i := 0; i < 6 && pid != "" && pid != "0"; i++ {
		status, _ := os.ReadFile(filepath.Join("/proc", pid, "status"))
		ns, _ := os.Readlink(filepath.Join("/proc", pid, "ns", "pid"))
		cmd, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		var nspid, ppid string
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "NSpid:"); ok {
				nspid = strings.Join(strings.Fields(v), "/")
			}
			if v, ok := strings.CutPrefix(l, "PPid:"); ok {
				ppid = strings.TrimSpace(v)
			}
		}
		c := strings.Join(strings.Fields(string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}))), " ")
		if len(c) > 80 {
			c = c[:80] + "…"
		}
		parts = append(parts, fmt.Sprintf("pid %s nspid %s %s: %s", pid, nspid, ns, c))
		pid = ppid
	}
	return strings.Join(parts, " <- ")
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
