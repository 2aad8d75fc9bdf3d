package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// Every exec line of the script, whatever its prefixes, runs under the
// cap; nothing else changes, line numbers included.
func TestWriteArchiveCapsEveryExec(t *testing.T) {
	in := "# title\n" +
		"exec python3 a.py\n" +
		"! exec sh -c 'yes'\n" +
		"[linux] [!short] ? exec\tcat big &\n" +
		"  exec echo indented\n" +
		"stdout exec\n" +
		"execs are words\n" +
		"[exec:python3] grep x f\n" +
		"-- a.py --\n" +
		"exec not a script line\n"
	want := "# title\n" +
		"exec CAP:0 python3 a.py\n" +
		"! exec CAP:1 sh -c 'yes'\n" +
		"[linux] [!short] ? exec CAP:2\tcat big &\n" +
		"  exec CAP:3 echo indented\n" +
		"stdout exec\n" +
		"execs are words\n" +
		"[exec:python3] grep x f\n" +
		"-- a.py --\n" +
		"exec not a script line\n"
	p := filepath.Join(t.TempDir(), "repro.txtar")
	if err := writeArchive(p, []byte(in), "CAP"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A capped log keeps its head and its tail, says what it dropped, and is
// valid UTF-8 whatever bytes went in.
func TestCapLog(t *testing.T) {
	log := "HEAD" + strings.Repeat("\xff\x00é", 1<<20) + "TAIL"
	got := capLog(log, 1<<16)
	if len(got) > 1<<16+200 || !strings.HasPrefix(got, "HEAD") || !strings.HasSuffix(got, "TAIL") || !strings.Contains(got, "bytes of log dropped here") {
		t.Errorf("capLog: %d bytes, head %q, tail %q", len(got), got[:8], got[len(got)-8:])
	}
	if !utf8.ValidString(got) {
		t.Error("capLog returned invalid UTF-8")
	}
	if small := "short\n"; capLog(small, 1<<16) != small {
		t.Error("a short log changed")
	}
}

// A tool's shim puts the sitecustomize on PYTHONPATH exactly as the exec
// shim's shimEnv does, whatever PYTHONPATH the repro left, and runs its
// target with the arguments unchanged.
func TestToolShimEnvMatchesShimEnv(t *testing.T) {
	dir := t.TempDir()
	shim := filepath.Join(dir, "tool")
	if err := os.WriteFile(shim, []byte(toolShim("/usr/bin/env")), 0o755); err != nil {
		t.Fatal(err)
	}
	site := "/run dir/site"
	for _, tc := range []struct {
		name string
		site string
		env  []string // PYTHONPATH, if any
	}{
		{"unset", site, nil},
		{"empty", site, []string{"PYTHONPATH="}},
		{"other", site, []string{"PYTHONPATH=/a:/b"}},
		{"site first", site, []string{"PYTHONPATH=" + site + ":/a"}},
		{"site only", site, []string{"PYTHONPATH=" + site}},
		{"site later", site, []string{"PYTHONPATH=/a:" + site}},
		{"no site", "", []string{"PYTHONPATH=/a"}},
		{"no site, unset", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("REPROKIT_SITE", tc.site)
			env := append([]string{"PATH=/usr/bin:/bin", "REPROKIT_SITE=" + tc.site}, tc.env...)
			cmd := exec.Command(shim)
			cmd.Env = env
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			got, want := pythonPath(strings.Split(string(out), "\n")), pythonPath(shimEnv(append([]string{}, env...)))
			if got != want {
				t.Errorf("tool shim: PYTHONPATH %q, shimEnv: %q", got, want)
			}
		})
	}
}

func pythonPath(env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PYTHONPATH="); ok {
			return "=" + v
		}
	}
	return "(unset)"
}

// Commands quotes every word: no archive-chosen word can become a second
// word, a variable, a comment or a second line of the script.
func TestCommandsQuoting(t *testing.T) {
	got, err := Commands("t", []string{"/bin/echo", "a b", "it's", "$HOME", "#x", ""})
	if err != nil {
		t.Fatal(err)
	}
	if want := "# t\nexec '/bin/echo' 'a b' 'it''s' '$HOME' '#x' ''\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{"x\nexec sh", "x\r", "x\x00"} {
		if _, err := Commands("t", []string{"/bin/echo", bad}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
