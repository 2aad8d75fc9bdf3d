package passes

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// analyst starts the helper with the analyst on python3 from PATH, or
// skips.
func analyst(t *testing.T) *Helper {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH")
	}
	if out, err := exec.Command(py, "-c", "import sys; sys.exit(sys.version_info < (3, 9))").CombinedOutput(); err != nil {
		t.Skipf("python3 is older than 3.9 (%s): the analyst needs end positions", out)
	}
	a, err := StartHelper(py, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// oneEdit returns what each single unit of pass p makes of src.
func oneEdit(p Semantic, src string) []string {
	cur := archive("exec python3 a.py\n", "a.py", src)
	n, build := p.Split(cur)
	var out []string
	for u := 0; u < n; u++ {
		keep := make([]bool, n)
		for k := range keep {
			keep[k] = k != u
		}
		out = append(out, memberText(build(keep), "a.py"))
	}
	return out
}

func memberText(ar []byte, name string) string {
	d := parse(ar)
	for _, f := range d.files {
		if f.name == name {
			return strings.Join(f.lines, "")
		}
	}
	return ""
}

// Each semantic pass, on snippets: one of its single edits gives want.
func TestSemanticPasses(t *testing.T) {
	a := analyst(t)
	pass := func(kinds ...string) Semantic { return Semantic{Label: kinds[0], Kinds: kinds, An: a} }
	for _, tc := range []struct {
		name string
		p    Semantic
		src  string
		want string
	}{
		{"inline a function called once", pass("inline-func"),
			"def f(a, b=2):\n    c = a * b\n    return c\nprint(f(3))\n",
			"a = 3\nb = 2\nc = a * b\nprint(c)\n"},
		{"inline a function called once, as a statement", pass("inline-func"),
			"import os\ndef main():\n    os.fork()\nmain()\n",
			"import os\nos.fork()\n"},
		{"inline a method called once", pass("inline-func"),
			"class A:\n    def run(self, x):\n        print(x)\nA().run(1)\n",
			"class A:\nself = A()\nx = 1\nprint(x)\n"},
		{"inline a coroutine where it is awaited", pass("inline-func"),
			"async def h(b):\n    await g(b)\nasync def j():\n    await h(1)\n",
			"async def j():\n    b = 1\n    await g(b)\n"},
		{"a function body the bug does not need becomes pass", pass("hollow"),
			"async def refresh(d):\n    d.h.get()\n    return 1\nrefresh(1)\n",
			"async def refresh(d):\n    pass\nrefresh(1)\n"},
		{"inline a variable used once", pass("inline-var"),
			"x = compute()\nprint(x)\n",
			"print(compute())\n"},
		{"inline a variable: a parameter of the same name elsewhere is another variable", pass("inline-var"),
			"self = A()\ndef f(self):\n    return self\nprint(self)\n",
			"def f(self):\n    return self\nprint(A())\n"},
		{"inline a variable: parenthesized when needed", pass("inline-var"),
			"x = 1 + 2\nprint(x * 3)\n",
			"print((1 + 2) * 3)\n"},
		{"hoist the body of if __name__ == '__main__'", pass("hoist-main", "hoist"),
			"def main():\n    pass\nif __name__ == \"__main__\":\n    main()\n",
			"def main():\n    pass\nmain()\n"},
		{"hoist the body of a try", pass("hoist-main", "hoist"),
			"try:\n    f()\nexcept ValueError:\n    pass\n",
			"f()\n"},
		{"hoist the body of a with, binding its name", pass("hoist-main", "hoist"),
			"with open(p) as fh:\n    fh.read()\n",
			"fh = open(p)\nfh.read()\n"},
		{"hoist a method's body to where the method is defined", pass("hoist-main", "hoist", "hoist-def"),
			"class E:\n    def e(self, b):\n        (float(0) / 0)\nE().e(1)\n",
			"class E:\n    (float(0) / 0)\nE().e(1)\n"},
		{"hoist a class body", pass("hoist-main", "hoist", "hoist-def"),
			"class E(A):\n    x = 1 / 0\n",
			"x = 1 / 0\n"},
		{"a value read from an object becomes a constant", pass("expressions"),
			"print(float(row.total) / row.quantity)\n",
			"print(float(0) / row.quantity)\n"},
		{"a keyword argument read from an object becomes a constant", pass("expressions"),
			"Thread(target=self.run).start()\n",
			"Thread(target=0).start()\n"},
		{"an operand read from an object becomes a constant", pass("expressions"),
			"print(float(row.total) / row.quantity)\n",
			"print(float(row.total) / 0)\n"},
		{"parentheses around a statement go", pass("expressions"),
			"(f(1) / 0)\n",
			"f(1) / 0\n"},
		{"a parameter never read goes, with its argument", pass("expressions", "unused-param"),
			"async def j(d, c):\n    await d\nrun(j(x, 0))\n",
			"async def j(d):\n    await d\nrun(j(x))\n"},
		{"the first parameter never read goes", pass("expressions", "unused-param"),
			"def f(a, b):\n    return b\nf(1, 2)\n",
			"def f(b):\n    return b\nf(2)\n"},
		{"a value read back from the holder that stores it", pass("inline-func", "holder"),
			"class B:\n    def __init__(self, g, c):\n        self.c = c\nB(0, refresh)(0)\nB(0, q).c.put(1)\n",
			"class B:\n    def __init__(self, g, c):\n        self.c = c\nB(0, refresh)(0)\nq.put(1)\n"},
		{"drop a class used as a namespace", pass("namespace-class"),
			"class Config:\n    SIZE = 2\n    @staticmethod\n    def twice(x):\n        return 2 * x\nprint(Config.twice(Config.SIZE))\n",
			"SIZE = 2\ndef twice(x):\n    return 2 * x\nprint(twice(SIZE))\n"},
		{"replace an expression by a simpler one of its kind", pass("expressions"),
			"print(textwrap.dedent(\"\"\"\n    x\n\"\"\"))\n",
			"print(\"\"\"\n    x\n\"\"\")\n"},
		{"a pure string call on constants is computed", pass("expressions"),
			"run(textwrap.dedent(\"\"\"\n    import os\n    os.fork()\n    \"\"\"))\n",
			"run(\"\"\"\nimport os\nos.fork()\n\"\"\")\n"},
		{"a format of a constant is computed", pass("expressions"),
			"run('import os'.format(c=0))\n",
			"run('import os')\n"},
		{"a call wrapped in another becomes the inner call", pass("expressions"),
			"async def m():\n    await asyncio.wait_for(load(u), 0.5)\n",
			"async def m():\n    await load(u)\n"},
		{"a long string becomes empty", pass("expressions"),
			"run('a long command line')\n",
			"run('')\n"},
		{"a conditional becomes a branch", pass("expressions"),
			"x = a if cond else b\n",
			"x = a\n"},
		{"argparse plumbing: the values used, inlined", pass("plumbing"),
			"import argparse\np = argparse.ArgumentParser()\np.add_argument('--workers', type=int, default=2)\np.add_argument('--dry-run', action='store_true')\nargs = p.parse_args()\nrun(args.workers, args.dry_run)\n",
			"import argparse\nrun(2, False)\n"},
		{"argparse plumbing: a namespace used where it is parsed", pass("plumbing"),
			"import argparse\np = argparse.ArgumentParser()\np.add_argument('uids', nargs='*', default=['u1'])\nrun(p.parse_args(None).uids)\n",
			"import argparse\nrun(['u1'])\n"},
		{"a one-entry dispatch table", pass("plumbing"),
			"TABLE = {'fork': do_fork}\nTABLE['fork']()\n",
			"TABLE = {'fork': do_fork}\ndo_fork()\n"},
		{"collapse sys.exit(main())", pass("sys-exit"),
			"import sys\nsys.exit(main())\n",
			"import sys\nmain()\n"},
		{"collapse raise SystemExit(main())", pass("sys-exit"),
			"raise SystemExit(main())\n",
			"main()\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := oneEdit(tc.p, tc.src)
			for _, g := range got {
				if g == tc.want {
					return
				}
			}
			t.Errorf("no single %s edit of\n%s\ngives\n%s\ngot %q", tc.p.Label, tc.src, tc.want, got)
		})
	}
}

// Edits that would break the program are not offered: a recursive
// function is not inlined, a class that is instantiated is not a
// namespace, a variable used twice is not inlined.
func TestSemanticPassesRefuse(t *testing.T) {
	a := analyst(t)
	for _, tc := range []struct {
		kind, src string
	}{
		{"inline-func", "def f(n):\n    return f(n - 1) if n else 0\nprint(f(3))\n"},
		{"namespace-class", "class C:\n    X = 1\nc = C()\nprint(C.X)\n"},
		{"inline-var", "x = f()\nprint(x, x)\n"},
		{"inline-var", "x = f()\ndef g():\n    return x\nprint(x)\n"},
		{"sys-exit", "sys.exit(1, 2)\n"},
		{"hoist-def", "def f(x):\n    print(x)\nf(1)\n"},
		{"unused-param", "def f(a):\n    print(a)\nf(1)\n"},
		{"unused-param", "def f(a):\n    pass\nf(1)\ng = f\n"},
		{"hoist-def", "def f():\n    return 1\nf()\n"},
		{"hoist-def", "def f(x):\n    def g():\n        return x\n    print(g())\nf(1)\n"},
	} {
		if got := oneEdit(Semantic{Label: tc.kind, Kinds: []string{tc.kind}, An: a}, tc.src); len(got) != 0 {
			t.Errorf("%s offered on\n%s\ngot %q", tc.kind, tc.src, got)
		}
	}
}

// The undefined-name check: names that nothing binds, in any scope.
func TestUndefined(t *testing.T) {
	a := analyst(t)
	for _, tc := range []struct {
		src  string
		want string
	}{
		{"print(x)\n", "x"},
		{"x = 1\nprint(x)\n", ""},
		{"def f():\n    return CACHE.put\n", "CACHE"},
		{"def f(p):\n    def g():\n        return p\n    return g\n", ""},
		{"class A:\n    k = 1\n    def m(self):\n        return k\n", "k"},
		{"import os\nfor k in os.environ:\n    by_name.append(k)\n", "by_name"},
		{"def f():\n    global G\n    G = 1\nprint(G)\n", ""},
		{"try:\n    pass\nexcept ValueError as e:\n    print(e)\n", ""},
		{"print(__file__, __name__, len([]))\n", ""},
		{"[y for y in range(3)]\n", ""},
	} {
		names, ok := a.Undefined([]byte(tc.src))
		if !ok {
			t.Errorf("cannot tell for\n%s", tc.src)
			continue
		}
		if got := strings.Join(names, ","); got != tc.want {
			t.Errorf("undefined in\n%s= %q, want %q", tc.src, got, tc.want)
		}
	}
	// A name bound only in another version's branch is undefined on the
	// versions that take the other branch.
	gated := []byte("import sys\nif sys.version_info >= (3, 13):\n    import _interpreters as I\nelse:\n    pass\nI.create()\n")
	for _, tc := range []struct {
		versions []string
		want     string
	}{{nil, ""}, {[]string{"3.13.0"}, ""}, {[]string{"3.12.1"}, "I"}, {[]string{"3.12.1", "3.13.0"}, "I"}} {
		names, ok := a.Undefined(gated, tc.versions...)
		if got := strings.Join(names, ","); !ok || got != tc.want {
			t.Errorf("undefined on %v = %q (%v), want %q", tc.versions, got, ok, tc.want)
		}
	}
	// A candidate nested past the tree walkers' depth gets "cannot tell",
	// and the analyst still answers the next one.
	deep := []byte("x = a" + strings.Repeat(".b", 100000) + "\n")
	if _, ok := a.Undefined(deep, "3.12.1"); ok {
		t.Error("a source too deep to walk must make the check say it cannot tell")
	}
	if names, ok := a.Undefined([]byte("print(after)\n")); !ok || strings.Join(names, ",") != "after" {
		t.Errorf("after a too-deep source the analyst answered %q (%v): it must stay up", names, ok)
	}
	if _, ok := a.Undefined([]byte("from os import *\nprint(x)\n")); ok {
		t.Error("a star import must make the check say it cannot tell")
	}
	valid := a.NoNewUndefined(archive("exec python3 a.py\n", "a.py", "print(LEGACY)\n"))
	if !valid(archive("exec python3 a.py\n", "a.py", "print(LEGACY)\n")) {
		t.Error("an undefined name the input already had is not new")
	}
	if valid(archive("exec python3 a.py\n", "a.py", "print(LEGACY, k)\n")) {
		t.Error("a new undefined name must make the candidate invalid")
	}
}

// No kind of edit gives up on real code: every .py member of the bench
// inputs, their hand-minimal and minimized forms, and the corpus goes
// through the analyst in strict mode (a kind that raises would silently
// offer nothing, as one did on `f(k=a.b)`).
func TestEditsOnRealSources(t *testing.T) {
	a := analyst(t)
	var archives []string
	for _, pat := range []string{"../../bench/minimize/*/*.txtar", "../../repros/*.txtar", "../../txtar/*.txtar"} {
		m, _ := filepath.Glob(pat)
		archives = append(archives, m...)
	}
	if len(archives) < 10 {
		t.Fatalf("found only %d archives: run from internal/passes", len(archives))
	}
	sources := 0
	for _, path := range archives {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range txtar.Parse(data).Files {
			if !strings.HasSuffix(f.Name, ".py") {
				continue
			}
			sources++
			var answer json.RawMessage
			if !a.ask("S", f.Data, &answer) {
				t.Fatalf("%s: %s: the analyst did not answer", path, f.Name)
			}
			var failed struct{ Error string }
			if json.Unmarshal(answer, &failed) == nil && failed.Error != "" {
				t.Errorf("%s: %s: %s", path, f.Name, failed.Error)
			}
		}
	}
	t.Logf("%d sources from %d archives", sources, len(archives))
}
