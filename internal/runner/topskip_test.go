package runner

import "testing"

func TestTopSkip(t *testing.T) {
	py311 := map[string]string{"python": "3.11.2"}
	go120 := map[string]string{"go": "1.20.14"}
	for _, tt := range []struct {
		script   string
		versions map[string]string
		skip     bool
		reason   string
	}{
		{"[!python:3.12] skip 'needs 3.12'\nexec python3 r.py\n", py311, true, "needs 3.12"},
		{"# comment\n\n[!python:3.12] skip\nexec python3 r.py\n", py311, true, ""},
		{"[python:3.11] [!python:3.12] skip 'only 3.11'\n", py311, true, "only 3.11"},
		{"[!python:3.8] skip 'old'\n[python:3.11] skip 'broken on 3.11'\n", py311, true, "broken on 3.11"},
		{"[!python:3.11] skip 'needs 3.11'\nexec python3 r.py\n", py311, false, ""},
		// Anything before the skip, or any condition not reprokit's: the sandbox decides.
		{"env X=1\n[!python:3.12] skip\n", py311, false, ""},
		{"[!python:3.12] [linux] skip\n", py311, false, ""},
		{"[!python:3.12] skip 'needs $X'\n", py311, false, ""},
		{"[!go:1.22] skip\n", py311, false, ""},
		{"[!go1.21] skip 'needs go1.21'\ngo run .\n", go120, true, "needs go1.21"},
		{"[go1.20] skip 'not on go1.20+'\n", go120, true, "not on go1.20+"},
		{"[!go1.20] skip\n", go120, false, ""},
		{"[!go1.21] skip\n", py311, false, ""}, // the host's release tags: testscript's to judge
		{"[!python:3.12] skip 'a' 'b'\n", py311, false, ""},
	} {
		reason, _, skip := topSkip(tt.script, tt.versions)
		if skip != tt.skip || reason != tt.reason {
			t.Errorf("topSkip(%q, %v) = %q, %v; want %q, %v", tt.script, tt.versions, reason, skip, tt.reason, tt.skip)
		}
	}
}
