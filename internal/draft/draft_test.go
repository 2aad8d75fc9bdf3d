package draft

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/repro"
	"github.com/reprokit/reprokit/internal/signature"
)

var update = flag.Bool("update", false, "rewrite the golden files (never the inputs)")

var crash = &signature.Signature{Status: "SIGSEGV", Fatal: "Fatal Python error: Segmentation fault", Frames: []string{"$WORK/deep.py:2 in <module>"}}

const crashOutput = `Fatal Python error: Segmentation fault

Current thread 0x00007f6d83e53b80 (most recent call first):
  File "/home/alice/.pyenv/versions/3.12.1/lib/python3.12/json/decoder.py", line 353 in raw_decode
  File "$WORK/deep.py", line 2 in <module>
`

func pyInput(t *testing.T) Input {
	return Input{
		Repro: load(t, "pyrepro.txtar"),
		Cells: []Cell{
			{Name: "cpython-3.13.0", Version: "3.13.0", Verdict: repro.Reproduces, Rate: "3/3", Signature: crash, Output: crashOutput, Source: "fetched"},
			{Name: "cpython-3.11.7", Version: "3.11.7", Verdict: repro.FailsCleanly, Rate: "0/3", Source: "PATH", Signature: &signature.Signature{Status: "exit 1", Exception: "RecursionError: maximum recursion depth exceeded while decoding a JSON array from a unicode string"}},
			{Name: "cpython-3.12.1", Version: "3.12.1", Verdict: repro.Reproduces, Rate: "7/10", Signature: crash, Output: crashOutput, Source: "pyenv"},
			{Name: "cpython-3.10.13", Version: "3.10.13", Verdict: repro.FailsCleanly, Rate: "0/3", Source: "pyenv", Signature: &signature.Signature{Status: "exit 1", Exception: "RecursionError: maximum recursion depth exceeded while decoding a JSON array from a unicode string"}},
		},
		Env: Environment{
			OS: "Debian GNU/Linux 12 (bookworm)", Kernel: "Linux 6.1.0", Arch: "x86_64", Libc: "glibc 2.36",
			VV: map[string]string{
				"3.13.0": "Python 3.13.0 (main, Oct 10 2024, 12:00:00) [GCC 12.2.0]",
				"3.12.1": "Python 3.12.1 (main, Jan 10 2024, 12:00:00) [GCC 12.2.0]",
				"3.11.7": "Python 3.11.7 (main, Dec 10 2023, 12:00:00) [GCC 12.2.0]",
			},
		},
		Related: []Related{{Number: 101437, Title: "os.fork() in subinterpreters", URL: "https://github.com/python/cpython/issues/101437", State: "open"}},
	}
}

func goInput(t *testing.T) Input {
	return Input{
		Repro: load(t, "gorepro.txtar"),
		Cells: []Cell{{Name: "go1.26.8", Version: "1.26.8", Verdict: repro.Reproduces, Rate: "3/3",
			Signature: &signature.Signature{Status: "exit 1", Fatal: "panic: assignment to entry in nil map"},
			Output:    "panic: assignment to entry in nil map\n\ngoroutine 1 [running]:\nmain.init.0()\n\t/home/alice/m/main.go:5 +0x2c\nexit status 2\n"}},
		Env: Environment{OS: "Debian GNU/Linux 12 (bookworm)", Kernel: "Linux 6.1.0", Arch: "x86_64",
			GoVersion: "go version go1.26.8 linux/amd64",
			GoEnv:     "GOARCH='amd64'\nGOCACHE='/home/alice/.cache/go-build'\nGOPATH='/home/alice/go'\nGITHUB_TOKEN='ghp_16C7e42F292c6912E7710c838347Ae178B4a'"},
	}
}

func load(t *testing.T, name string) *repro.Repro {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	r, err := repro.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var testRedactor = &redact.Redactor{Home: "/home/alice", User: "alice", Host: "buildbox", TempDirs: []string{"/tmp"}}

// Each built-in profile renders its golden file.
func TestGolden(t *testing.T) {
	for _, tt := range []struct {
		profile string
		in      func(*testing.T) Input
		golden  string // default: the profile's name
	}{{"cpython", pyInput, ""}, {"go", goInput, ""}, {"github", pyInput, ""}, {"cpython", hangInput, "cpython_hang"}} {
		if tt.golden == "" {
			tt.golden = tt.profile
		}
		t.Run(tt.golden, func(t *testing.T) {
			p, err := LoadProfile(tt.profile, "", Funcs())
			if err != nil {
				t.Fatal(err)
			}
			d, err := Render(tt.in(t), p, testRedactor)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			d.Write(&got)
			golden := filepath.Join("testdata", tt.golden+".golden")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/draft -update to create it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("draft differs from %s (go test ./internal/draft -update rewrites it):\n%s", golden, lineDiff(string(want), got.String()))
			}
			for _, leak := range []string{"/home/alice", "alice", "buildbox", "ghp_", "0x00007f"} {
				if strings.Contains(got.String(), leak) {
					t.Errorf("draft leaks %q", leak)
				}
			}
		})
	}
}

func TestBoundary(t *testing.T) {
	c := func(v string, verdict repro.Verdict) Cell { return Cell{Version: v, Verdict: verdict} }
	got := Boundary([]Cell{c("3.9.0", repro.Fixed), c("3.10.0", repro.Fixed), c("3.11.0", repro.Reproduces), c("3.12.0", repro.Reproduces), c("3.13.0", repro.FailsCleanly)})
	want := "Reproduces on 3.11.0–3.12.0; 3.9.0–3.10.0 work as the make-it-work tier asks; 3.13.0 fails cleanly instead."
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestLabels(t *testing.T) {
	p, _ := LoadProfile("cpython", "", Funcs())
	in := pyInput(t)
	d, _ := Render(in, p, testRedactor)
	if strings.Join(d.Labels, ",") != "type-crash" {
		t.Errorf("crash labels: %v", d.Labels)
	}
	for i := range in.Cells {
		in.Cells[i].Signature = &signature.Signature{Status: "exit 1", Exception: "ValueError: x"}
		in.Cells[i].Verdict = repro.Reproduces
	}
	d, _ = Render(in, p, testRedactor)
	if strings.Join(d.Labels, ",") != "type-bug" {
		t.Errorf("bug labels: %v", d.Labels)
	}
}

// lineDiff shows the first differing lines.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n- " + a + "\n+ " + b
		}
	}
	return ""
}

func TestCompareStated(t *testing.T) {
	cells := []Cell{{Version: "3.12.1", Verdict: repro.Reproduces}, {Version: "3.13.0", Verdict: repro.Changed}}
	for _, tt := range []struct {
		affected, unaffected []string
		comparable, agrees   bool
	}{
		{[]string{"3.12"}, nil, true, true},
		{[]string{"3.12.4"}, nil, true, true},            // a patch release not here: its minor
		{[]string{"3.13.0a5"}, nil, false, false},        // a pre-release: nothing here is it
		{[]string{"3.12", "3.13"}, nil, true, false},     // 3.13.0 does not reproduce
		{[]string{"3.12"}, []string{"3.13"}, true, true}, // and the issue says so
		{[]string{"3.9"}, nil, false, false},             // not here
	} {
		c := Compare(repro.Stated{Affected: tt.affected, Unaffected: tt.unaffected}, cells)
		if c.Comparable != tt.comparable || c.Agrees != tt.agrees {
			t.Errorf("Compare(%v, not %v) = comparable %v, agrees %v (%s); want %v, %v", tt.affected, tt.unaffected, c.Comparable, c.Agrees, c.Sentence, tt.comparable, tt.agrees)
		}
	}
}
