package repro

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/reprokit/reprokit/internal/signature"
)

// Every archive in the corpus and the specs round-trips exactly.
func TestFormatRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("../../repros/*.txtar")
	specs, _ := filepath.Glob("../../txtar/*.txtar")
	files = append(files, specs...)
	if len(files) == 0 {
		t.Fatal("no archives found")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(filepath.Base(f), "run_") || strings.Contains(f, "txtar/") {
			// Specs are testscript files, not repros: only the format is checked.
			if got := Format(txtar.Parse(data)); string(got) != string(data) {
				t.Errorf("%s: Format(Parse(x)) != x", f)
			}
			continue
		}
		r, err := Parse(f, data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got := Format(r.Archive); string(got) != string(data) {
			t.Errorf("%s: Format(Parse(x)) != x", f)
		}
		r2, err := Parse(f, Format(r.Archive))
		if err != nil || r2.Title() != r.Title() || len(r2.Archive.Files) != len(r.Archive.Files) {
			t.Errorf("%s: re-parse differs: %v", f, err)
		}
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		in    string
		conds []string
		neg   bool
		words []string
	}{
		{"exec python3 repro.py", nil, false, []string{"exec", "python3", "repro.py"}},
		{"! exec python3 -c 'print(1)'", nil, true, []string{"exec", "python3", "-c", "print(1)"}},
		{"[!python:3.8] skip 'too old'", []string{"!python:3.8"}, false, []string{"skip", "too old"}},
		{"stderr 'it''s # not a comment' # a comment", nil, false, []string{"stderr", "it's # not a comment"}},
		{"  # only a comment", nil, false, nil},
	}
	for _, tt := range tests {
		lines, err := Lines(tt.in)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if tt.words == nil {
			if len(lines) != 0 {
				t.Errorf("%q: got %v, want no lines", tt.in, lines)
			}
			continue
		}
		l := lines[0]
		if strings.Join(l.Words, "|") != strings.Join(tt.words, "|") || l.Neg != tt.neg || strings.Join(l.Conds, "|") != strings.Join(tt.conds, "|") {
			t.Errorf("%q: got conds=%q neg=%v words=%q", tt.in, l.Conds, l.Neg, l.Words)
		}
	}
	if _, err := Lines("stdout 'unterminated"); err == nil {
		t.Error("unterminated quote: no error")
	}
}

func TestExpected(t *testing.T) {
	m := Meta{Expect: map[string]Verdict{"3": Fixed, "3.12": Reproduces, "3.12.1": Slipped}}
	for ver, want := range map[string]Verdict{"3.11.7": Fixed, "3.12.4": Reproduces, "3.12.1": Slipped, "3.1": Fixed} {
		if got, _ := m.Expected(ver); got != want {
			t.Errorf("Expected(%s) = %q, want %q", ver, got, want)
		}
	}
	if _, ok := m.Expected("2.7.18"); ok {
		t.Error("2.7.18 matched an expectation")
	}
	if _, ok := (Meta{Expect: map[string]Verdict{"3.1": Fixed}}).Expected("3.12.0"); ok {
		t.Error(`"3.1" must not match 3.12.0`)
	}
}

// Recording a signature changes only the signature block.
func TestWithSignature(t *testing.T) {
	in := "# t\nexec python3 a.py\n-- a.py --\nprint(1)\n-- .reprokit.yaml --\n# c\nsignature:\n  status: exit 3\n\n# next\nexpect:\n  \"3\": fixed\n-- z.txt --\nz\n"
	r, err := Parse("a.txtar", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.WithSignature(signature.Signature{Status: "SIGSEGV"})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, "signature:\n  status: exit 3\n\n", "signature:\n  status: SIGSEGV\n", 1)
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

// Updating expectations changes only the expect block, keys in version
// order and quoted (3.10 must not become the float 3.1).
func TestWithExpect(t *testing.T) {
	in := "# t\nexec python3 a.py\n-- a.py --\nprint(1)\n-- .reprokit.yaml --\nexpect:\n  \"3\": fixed\n# sig\nsignature:\n  status: exit 3\n-- z.txt --\nz\n"
	r, err := Parse("a.txtar", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.WithExpect(map[string]Verdict{"3.10": Reproduces, "3.9": Fixed})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, "expect:\n  \"3\": fixed\n", "expect:\n  \"3.9\": fixed\n  \"3.10\": reproduces\n", 1)
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	back, err := Parse("a.txtar", out)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := back.Meta.Expected("3.10.13"); v != Reproduces {
		t.Errorf("3.10.13 expects %q after the round trip", v)
	}
}

func TestConflictMarkers(t *testing.T) {
	in := "# t\nexec python3 a.py\n-- a.py --\n\"\"\"\n=======\ndocs\n\"\"\"\n-- .reprokit.yaml --\nexpect:\n<<<<<<< HEAD\n  \"3\": fixed\n=======\n  \"3\": reproduces\n>>>>>>> other\n"
	_, err := Parse("a.txtar", []byte(in))
	if err == nil || !strings.Contains(err.Error(), "a.txtar:10: unresolved merge conflict marker") {
		t.Errorf("got %v", err)
	}
	// A lone ======= (a docstring underline) is not a conflict.
	if _, err := Parse("a.txtar", []byte("# t\nexec python3 a.py\n-- a.py --\n\"\"\"\n=======\n\"\"\"\n")); err != nil {
		t.Errorf("docstring underline taken for a conflict: %v", err)
	}
}

// A bisection result replaces the earlier one over the same kind of range
// and keeps the other; the most precise one answers Bisected.
func TestWithBisection(t *testing.T) {
	in := "# t\nexec python3 a.py\n-- a.py --\nprint(1)\n-- .reprokit.yaml --\nsignature:\n  status: exit 3\n"
	r, err := Parse("a.txtar", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []Bisection{
		{Direction: "fixed", Over: "releases", By: "3.12.1", Before: "3.12.0"},
		{Direction: "fixed", Over: "commits", By: "aaaa", Before: "bbbb"},
		{Direction: "fixed", Over: "commits", By: "cccc", Subject: "gh-1: fix it", Before: "dddd"},
	} {
		out, err := r.WithBisection(b)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(out), in) {
			t.Fatalf("the rest of the archive changed:\n%s", out)
		}
		if r, err = Parse("a.txtar", out); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.Meta.Bisect) != 2 {
		t.Fatalf("got %+v, want one result per kind of range", r.Meta.Bisect)
	}
	if b := r.Meta.Bisected("fixed"); b == nil || b.By != "cccc" || b.Subject != "gh-1: fix it" {
		t.Errorf("Bisected(fixed) = %+v, want the commit", b)
	}
	if b := r.Meta.Bisected("introduced"); b != nil {
		t.Errorf("Bisected(introduced) = %+v, want none", b)
	}
}
