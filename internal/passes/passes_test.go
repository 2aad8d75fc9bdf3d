package passes

import (
	"strings"
	"testing"
)

// A statement spread over lines is one node of the tree, so block passes
// remove it whole: a dict literal, a docstring, a backslash continuation.
func TestTreeKeepsStatementsWhole(t *testing.T) {
	src := `DEFAULTS = {
    "a": 1,
}
"""Doc
  string (with a bracket"""
x = 1 + \
    2
def f():
    s = '''
not a block:
'''
    return s
`
	lines := splitLines(src)
	var got []string
	for _, n := range tree(lines, true) {
		got = append(got, strings.TrimSpace(lines[n.line])+" "+string(rune('0'+n.end-n.line)))
	}
	// The line inside the string is a node of its own (code handed to
	// exec reduces too); the closing quote's line is not.
	want := []string{"DEFAULTS = { 3", `"""Doc 2`, `x = 1 + \ 2`, "def f(): 5", "s = ''' 3", "not a block: 1", "return s 1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("nodes (first line, length):\n got %q\nwant %q", got, want)
	}
	// Not Python: every indented line is its own node.
	if n := len(tree(lines, false)); n != len(lines) {
		t.Errorf("non-Python tree has %d nodes, want one per line (%d)", n, len(lines))
	}
}

func archive(script string, files ...string) []byte {
	var b strings.Builder
	b.WriteString(script)
	for i := 0; i+1 < len(files); i += 2 {
		b.WriteString("-- " + files[i] + " --\n" + files[i+1])
	}
	return []byte(b.String())
}

// Blank's units are blank lines anywhere and comment lines of Python files
// and of the script, never the script's title.
func TestBlankUnits(t *testing.T) {
	in := archive("# title\n\n# note\nexec python3 a.py\nstderr 'x'\n",
		"a.py", "# comment\nimport os\n\n    # indented comment\nprint(1)  # trailing\n",
		"data.txt", "# not a comment here\n\nrow\n")
	n, build := Blank{}.Split(in)
	if n != 6 {
		t.Fatalf("%d units, want 6: 2 in the script, 3 in a.py, 1 in data.txt", n)
	}
	got := string(build(make([]bool, n)))
	want := string(archive("# title\nexec python3 a.py\nstderr 'x'\n",
		"a.py", "import os\nprint(1)  # trailing\n",
		"data.txt", "# not a comment here\nrow\n"))
	if got != want {
		t.Errorf("all removed:\n%s\nwant:\n%s", got, want)
	}
}

// applyAll builds the candidate with every unit of p switched off.
func applyAll(t *testing.T, p interface {
	Split([]byte) (int, func([]bool) []byte)
}, in []byte) string {
	t.Helper()
	n, build := p.Split(in)
	return string(build(make([]bool, n)))
}

func TestRename(t *testing.T) {
	in := archive("exec python3 app.py\nstderr 'coroutine ''refresh_cache'' was never awaited: not main'\n",
		"app.py", `import sys
from collections import namedtuple
Record = namedtuple("Record", "name total")
class Worker(threading.Thread):
    def run(self):
        helper(self)
def helper(record, total=0):
    return record.total / sys.argv[1]
async def refresh_cache():
    pass
def main(argv):
    for row in argv:
        helper(row)
`,
		"data.csv", "name,total\n")
	got := applyAll(t, Rename{}, in)
	for _, want := range []string{
		"class A(threading.Thread):", // a class
		"    def run(self):",         // overrides Thread.run: kept
		"sys.argv[1]",                // a module's attribute: not our argv
		"refresh_cache",              // the assertion names it
		"-- data.csv --\nname,",      // not a name the code defines
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	// total goes in the CSV header too, and main although the assertion
	// says "not main" (a plain word there, not code).
	for _, gone := range []string{"Record", "Worker", "helper", "total", "argv)", "row", "def main"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q not renamed:\n%s", gone, got)
		}
	}
}

func TestReindentAndSpaces(t *testing.T) {
	in := archive("exec python3 a.py\n", "a.py", `def f(a, b = 1):
    if a == b :
        return {"k": a  ,  "s": 'x = y'}
    code = """
    keep   this
    """
    return 1 if a else 2
`)
	got := applyAll(t, Spaces{}, []byte(applyAll(t, Reindent{}, in)))
	want := string(archive("exec python3 a.py\n", "a.py", `def f(a,b=1):
 if a==b:
  return{"k":a,"s":'x = y'}
 code = """
    keep   this
    """
 return 1 if a else 2
`))
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestUnwrapToElse(t *testing.T) {
	in := archive("exec python3 a.py\n", "a.py", `if new:
    import b
else:
    import c as b
b.run()
`)
	n, build := Unwrap{}.Split(in)
	var outs []string
	for u := 0; u < n; u++ {
		keep := make([]bool, n)
		for k := range keep {
			keep[k] = k != u
		}
		outs = append(outs, string(build(keep)))
	}
	joined := strings.Join(outs, "\n=====\n")
	for _, want := range []string{"-- a.py --\nimport b\nb.run()\n", "-- a.py --\nimport c as b\nb.run()\n"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no unit gives %q; got:\n%s", want, joined)
		}
	}
}

func TestImportNamesAndAnnotations(t *testing.T) {
	if got := importNames("from typing import Any, Dict\n"); len(got) != 2 {
		t.Errorf("importNames: %v, want 2 spans", got)
	}
	if got := importNames("import os\n"); got != nil {
		t.Errorf("a single import is left to the line passes: %v", got)
	}
	l := "    self._subs: Dict[str, int] = {}\n"
	if got := annotations(l); len(got) != 1 || l[:got[0].from]+l[got[0].to:] != "    self._subs = {}\n" {
		t.Errorf("annotations(%q) = %v", l, got)
	}
	if got := annotations("    payload: Dict\n"); got != nil {
		t.Errorf("a bare field annotation must stay: %v", got)
	}
}
