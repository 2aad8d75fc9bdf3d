package sandbox

import (
	"os"
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
