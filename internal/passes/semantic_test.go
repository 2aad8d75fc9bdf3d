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

// localEval computes folds with fold.py on python3 from PATH, outside
// the sandbox (reprokit runs the same program inside it, see
// reduce.Session.Evaluator).
func localEval(t *testing.T) Evaluator {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH")
	}
	return func(exprs []FoldExpr) []string {
		dir := t.TempDir()
		ar := txtar.Parse(FoldArchive(exprs))
		for _, f := range ar.Files {
			if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(py, "fold.py")
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "PYTHONHASHSEED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("fold.py: %v", err)
		}
		return FoldResults(string(out), len(exprs))
	}
}

// oneEdit returns what each single unit of pass p makes of src, which
// the script runs as `python3 a.py` and the arguments args.
func oneEdit(p Semantic, src string, args ...string) []string {
	cur := archive("exec python3 a.py "+strings.Join(args, " ")+"\n", "a.py", src)
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
	eval := localEval(t)
	pass := func(kinds ...string) Semantic { return Semantic{Label: kinds[0], Kinds: kinds, An: a, Eval: eval} }
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
			"class A:\n    pass\nself = A()\nx = 1\nprint(x)\n"},
		{"inline a coroutine where it is awaited", pass("inline-func"),
			"async def h(b):\n    await g(b)\nasync def j():\n    await h(1)\n",
			"async def j():\n    b = 1\n    await g(b)\n"},
		{"a function body the bug does not need becomes pass", pass("hollow"),
			"async def refresh(d):\n    d.h.get()\n    return 1\nrefresh(1)\n",
			"async def refresh(d):\n    pass\nrefresh(1)\n"},
		{"a loop body the bug does not need becomes pass", pass("hollow"),
			"import threading\ndef run(m):\n    while not threading.Event().wait(0):\n        m.sample()\n",
			"import threading\ndef run(m):\n    while not threading.Event().wait(0):\n        pass\n"},
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
		{"a dataclass field read where it is built", pass("inline-func", "holder"),
			"@dataclass\nclass P:\n    name: str\n    day: int\nf(P('pro', day=30).day)\n",
			"@dataclass\nclass P:\n    name: str\n    day: int\nf(30)\n"},
		{"drop a class used as a namespace", pass("namespace-class"),
			"class Config:\n    SIZE = 2\n    @staticmethod\n    def twice(x):\n        return 2 * x\nprint(Config.twice(Config.SIZE))\n",
			"SIZE = 2\ndef twice(x):\n    return 2 * x\nprint(twice(SIZE))\n"},
		{"replace an expression by a simpler one of its kind", pass("expressions"),
			"print(textwrap.dedent(\"\"\"\n    x\n\"\"\"))\n",
			"print(\"\"\"\n    x\n\"\"\")\n"},
		{"a format of a constant is computed", pass("fold"),
			"run('import os'.format(c=0))\n",
			"run('import os')\n"},
		{"a call wrapped in another becomes the inner call", pass("expressions"),
			"async def m():\n    await asyncio.wait_for(load(u), 0.5)\n",
			"async def m():\n    await load(u)\n"},
		{"a string the bug needs keeps half of it", pass("expressions"),
			"stats = {'bytes_out.count': 1}\n",
			"stats = {'ut.count': 1}\n"},
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

		// Constant folding: computed by fold.py, replaced by the literal.
		{"fold a JSON literal parsed and indexed", pass("fold"),
			"import json\nprint(json.loads('{\"a\": [1, 2], \"b\": 3}')[\"a\"])\n",
			"import json\nprint([1, 2])\n"},
		{"fold a regular-expression match on a constant", pass("fold"),
			"import re\nf(re.match(r'([0-9]+)(ms|s)', '30s').group(2))\n",
			"import re\nf('s')\n"},
		{"fold an f-string around a computed value", pass("fold"),
			"import json\nf(f\"{json.loads('[1, 2]')[1]}-{len('abc')}\")\n",
			"import json\nf('2-3')\n"},
		{"fold a function imported from a whitelisted module", pass("fold"),
			"from json import dumps\nf(dumps({'k': [1, 2]}, sort_keys=True))\n",
			"from json import dumps\nf('{\"k\": [1, 2]}')\n"},
		{"fold str methods, .get and int", pass("fold"),
			"f(int({'n': ' 42 '}.get('n').strip()))\n",
			"f(42)\n"},
		{"fold what does not raise inside what does", pass("fold"),
			"import json\nfloat(json.loads('{\"r\": \"1,5\"}')['r'])\n",
			"import json\nfloat('1,5')\n"},
		{"fold textwrap.dedent of a literal", pass("fold"),
			"import textwrap\nrun(textwrap.dedent(\"\"\"\n    import os\n    os.fork()\n    \"\"\"))\n",
			"import textwrap\nrun(\"\"\"\nimport os\nos.fork()\n\"\"\")\n"},

		// Methods as functions.
		{"a method's unused parameter goes, with its argument", pass("unused-param"),
			"class A:\n    def m(self, x, y):\n        print(y)\nA().m(1, 2)\n",
			"class A:\n    def m(self, y):\n        print(y)\nA().m(2)\n"},
		{"an unused parameter of __init__ goes, with its argument at each build", pass("unused-param"),
			"class B:\n    def __init__(self, c, q):\n        self.q = q\nB(0, q=1)\nB(2, 3)\n",
			"class B:\n    def __init__(self, q):\n        self.q = q\nB(q=1)\nB(3)\n"},
		{"an unused parameter with a default goes, with its keyword", pass("unused-param"),
			"def f(a, verbose=False):\n    print(a)\nf(1, verbose=True)\n",
			"def f(a):\n    print(a)\nf(1)\n"},
		{"self.attr stored from a parameter reads the argument", pass("self-attr"),
			"class T:\n    def __init__(self, n):\n        self.n = n\n    def run(self):\n        print(self.n, self.n)\nT(3).run()\n",
			"class T:\n    def __init__(self, n):\n        pass\n    def run(self):\n        print(3, 3)\nT(3).run()\n"},
		{"self.attr stored from an expression, read once, reads the expression", pass("self-attr"),
			"class T:\n    def __init__(self):\n        self.x = 1\n        self.e = threading.Event()\n    def run(self):\n        self.e.wait(self.x)\nT().run()\n",
			"class T:\n    def __init__(self):\n        self.x = 1\n    def run(self):\n        threading.Event().wait(self.x)\nT().run()\n"},
		{"a class built once whose methods are called once is flattened", pass("flatten-class"),
			"class Job:\n    def __init__(self, n, verbose):\n        self.n = n\n        self.done = 0\n    def run(self, k):\n        self.done = k\n        return self.n + self.done\nj = Job(2, False)\nr = j.run(1)\nprint(r)\n",
			"n = 2\nverbose = False\ndone = 0\nk = 1\ndone = k\nr = n + done\nprint(r)\n"},

		{"a flattened method reads the module's names as before", pass("flatten-class"),
			"import json\nK = '[1]'\nclass B:\n    def load(self, k):\n        return json.loads(K)[k]\nt = B()\nv = t.load(0)\n",
			"import json\nK = '[1]'\nk = 0\nv = json.loads(K)[k]\n"},
		{"fold through names bound once to a constant value and only read", pass("fold"),
			"import json, re\nh = '{\"since\": \"2024-01\"}'\nu = json.loads(h)\nm = re.match(r'(\\d+)-(\\d+)', u['since'])\nf(int(m.group(2)))\n",
			"import json, re\nh = '{\"since\": \"2024-01\"}'\nu = json.loads(h)\nm = re.match(r'(\\d+)-(\\d+)', u['since'])\nf(1)\n"},
		{"fold a comprehension over literals", pass("fold"),
			"stats = {f'{n}.count': 0 for n in ('a', 'b')}\n",
			"stats = {'a.count': 0, 'b.count': 0}\n"},

		// Loops and comprehensions: one iteration, then the body.
		{"gather over a comprehension becomes its first call", pass("wrapper"),
			"async def m():\n    await asyncio.gather(*[work(x) for x in [3, 4]])\n",
			"async def m():\n    await work(3)\n"},
		{"a comprehension over a comprehension, on its first value", pass("loop"),
			"r = [g(q) for q in [h(i) for i in range(3)]]\n",
			"r = g(h(0))\n"},
		{"a short constant read several times is inlined everywhere", pass("inline-var"),
			"y = 2\nprint(y, y + 1)\n",
			"print(2, 2 + 1)\n"},
		{"self.attr computed from a parameter reads the expression on the argument", pass("self-attr"),
			"class C:\n    def __init__(self, text):\n        self.data = json.loads(text)\n    def a(self):\n        return self.data['a']\n    def b(self):\n        return self.data['b']\nc = C(CONFIG)\n",
			"class C:\n    def __init__(self, text):\n        pass\n    def a(self):\n        return json.loads(CONFIG)['a']\n    def b(self):\n        return json.loads(CONFIG)['b']\nc = C(CONFIG)\n"},
		{"a comprehension reduced to one iteration", pass("loop"),
			"x = [fetch(i) for i in range(5)]\n",
			"x = [fetch(0)]\n"},
		{"a comprehension reduced to its body", pass("loop"),
			"[fetch(i, u) for i, u in enumerate(us)]\n[fetch(u) for u in ['a', 'b']]\n",
			"[fetch(i, u) for i, u in enumerate(us)]\nfetch('a')\n"},
		{"a generator argument reduced to one iteration", pass("loop"),
			"total = sum(len(s) for s in ('ab', 'c'))\n",
			"total = sum((len('ab'),))\n"},
		{"a for loop run once on its first value", pass("hoist"),
			"for x in [3, 4]:\n    f(x)\n",
			"x = 3\nf(x)\n"},
		{"a for loop run once on its second value", pass("hoist"),
			"for x in range(1, 9):\n    f(x)\n",
			"x = 2\nf(x)\n"},
		{"a comprehension reduced to its body on another iteration", pass("loop"),
			"[due(i) for i in range(6)]\n",
			"due(2)\n"},
		{"a tuple assignment becomes one assignment per name", pass("inline-var"),
			"y, m = (2024, 1)\n",
			"y = 2024\nm = 1\n"},
		{"an assignment and the augmented one after it become one", pass("inline-var"),
			"c = 1\nc += y\n",
			"c = 1 + y\n"},
		{"a for loop whose body ignores its target becomes its body", pass("hoist"),
			"for _ in range(3):\n    f()\n",
			"f()\n"},
		{"a while loop whose body the bug never reaches becomes its test", pass("hoist"),
			"while not stop.wait(1):\n    sample()\n",
			"stop.wait(1)\n"},

		// Wrappers: the call itself, when the bug does not need them.
		{"asyncio.run(X) becomes X", pass("wrapper"),
			"import asyncio\nasyncio.run(main())\n",
			"import asyncio\nmain()\n"},
		{"run_until_complete(X) becomes X", pass("wrapper"),
			"loop.run_until_complete(work(1))\n",
			"work(1)\n"},
		{"create_task(X) becomes X", pass("wrapper"),
			"async def m():\n    await asyncio.create_task(work(1))\n",
			"async def m():\n    await work(1)\n"},
		{"gather(X, Y) becomes one of them", pass("wrapper"),
			"async def m():\n    await asyncio.gather(a(), b())\n",
			"async def m():\n    await b()\n"},
		{"Thread(target=f, args=...).start() becomes f(...)", pass("wrapper"),
			"import threading\nthreading.Thread(target=work, args=(1, 2), kwargs={'k': 3}).start()\n",
			"import threading\nwork(1, 2, k=3)\n"},
		{"a thread started and joined by name becomes the call", pass("wrapper"),
			"t = threading.Thread(target=work, args=(q,))\nt.daemon = True\nt.start()\nt.join()\n",
			"work(q)\n"},
		{"executor.submit(f, x) and run_in_executor(None, f, x) become f(x)", pass("wrapper"),
			"async def m(loop):\n    await loop.run_in_executor(None, work, 1)\n",
			"async def m(loop):\n    await work(1)\n"},
		{"a coroutine that awaits nothing runs as a function", pass("de-async"),
			"import asyncio\nasync def f(x):\n    print(x)\nasyncio.run(f(1))\n",
			"import asyncio\ndef f(x):\n    print(x)\nf(1)\n"},
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

// argparse plumbing: the values are what the parser makes of the
// script's command line, computed by the folder; a flag the script
// passes is not its default.
func TestPlumbingReadsTheCommandLine(t *testing.T) {
	p := Semantic{Label: "plumbing", Kinds: []string{"plumbing"}, An: analyst(t), Eval: localEval(t)}
	src := "import argparse\np = argparse.ArgumentParser(description=__doc__)\np.add_argument('--customer', default='globex')\np.add_argument('--count', type=int, default=6)\nargs = p.parse_args()\nrun(args.customer, args.count)\n"
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--customer", "acme", "--count", "2"}, []string{"import argparse\nrun('acme', 2)\n"}},
		{nil, []string{"import argparse\nrun('globex', 6)\n"}},
		{[]string{"--unknown"}, nil}, // the parser refuses it: no value to fold
	} {
		if got := oneEdit(p, src, tc.args...); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("with %q: got %q, want %q", tc.args, got, tc.want)
		}
	}
	if got := ScriptArgs([]byte("exec python3 -W always app.py --workers 2\n! exec python3 b.py $WORK/x\n")); len(got) != 1 || strings.Join(got["app.py"], " ") != "--workers 2" {
		t.Errorf("ScriptArgs = %q", got)
	}
}

// Edits that would break the program are not offered: a recursive
// function is not inlined, a class that is instantiated is not a
// namespace, a variable used twice is not inlined.
func TestSemanticPassesRefuse(t *testing.T) {
	a := analyst(t)
	eval := localEval(t)
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

		// An impure call is never folded, whatever it returns.
		{"fold", "import time\nprint(int(time.time()))\n"},
		{"fold", "import os\nprint(str(os.getpid()))\n"},
		{"fold", "import random\nprint(random.random())\n"},
		{"fold", "print(open('data.txt').read().strip())\n"},
		{"fold", "import json\nprint(json.load(open('c.json'))['a'])\n"},
		{"fold", "print(input().strip())\n"},
		// A name the source rebinds is not the builtin or the module.
		{"fold", "def str(x):\n    return x\nprint(str(1).upper())\n"},
		{"fold", "import json\njson = Fake()\nprint(json.loads('[1]'))\n"},
		// A name changed after it is bound, or passed where it could be,
		// is not its value.
		{"fold", "u = {}\nu['a'] = 1\nprint(len(u))\n"},
		{"fold", "u = {}\nfill(u)\nprint(len(u))\n"},
		{"fold", "u = []\nu.append(1)\nprint(len(u))\n"},
		{"fold", "n = 1\nn += 1\nprint(str(n))\n"},
		// A value without a literal (a set's order, a range) is not folded.
		{"fold", "print(set([3, 1, 2]) | {4})\n"},
		{"fold", "print(range(0, 3))\n"},
		// An expression that fails or takes too long is not folded.
		{"fold", "print(int('x1'))\n"},
		{"fold", "print(len(str(10 ** 10 ** 9)))\n"},

		// A class with state read later is never flattened; nor one whose
		// method is called twice, nor a subclass.
		{"flatten-class", "class C:\n    def __init__(self):\n        self.n = 0\n    def add(self):\n        self.n += 1\nc = C()\nc.add()\nprint(c.n)\n"},
		{"flatten-class", "class C:\n    def add(self, k):\n        print(k)\nc = C()\nc.add(1)\nc.add(2)\n"},
		{"flatten-class", "class C(Base):\n    def add(self, k):\n        print(k)\nc = C()\nc.add(1)\n"},
		{"flatten-class", "class C:\n    def a(self):\n        self.b()\n    def b(self):\n        print(1)\nc = C()\nc.a()\n"},
		// A dataclass whose __init__ is its own does not take its fields.
		{"holder", "@dataclass(init=False)\nclass P:\n    day: int\nf(P(30).day)\n"},
		// An attribute set elsewhere is state, not a stored value.
		{"self-attr", "class C:\n    def __init__(self, n):\n        self.n = n\n    def add(self):\n        self.n += 1\n        print(self.n)\nC(1).add()\n"},
		// A parameter read through getattr, or a method passed around,
		// keeps its callers unknown.
		{"unused-param", "class C:\n    def m(self, x):\n        pass\nC().m(1)\ncb = C().m\n"},
		// A value built by a call that is not known to be steady is read
		// once at most, and a long constant is not copied to each read.
		{"self-attr", "class C:\n    def __init__(self):\n        self.q = queue.Queue()\n    def a(self):\n        self.q.put(1)\n        self.q.get()\nC().a()\n"},
		{"inline-var", "x = 'a rather long constant string'\nprint(x, x)\n"},
		{"unused-param", "class C:\n    def __init__(self, x):\n        pass\nC(1)\nmake(C)\n"},
		// Not a wrapper: subprocess.run runs a program; a thread subclass
		// does more than call its target.
		{"wrapper", "import subprocess\nsubprocess.run(cmd())\n"},
		{"wrapper", "Worker(target=f).start()\n"},
		// A coroutine that awaits something needs its loop.
		{"de-async", "async def f():\n    await g()\nasyncio.run(f())\n"},
	} {
		if got := oneEdit(Semantic{Label: tc.kind, Kinds: []string{tc.kind}, An: a, Eval: eval}, tc.src); len(got) != 0 {
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
