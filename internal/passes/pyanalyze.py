# The minimizer's Python analyst (Python >= 3.9), loaded into the helper
# process (helper.py) of one interpreter: it answers questions about a
# candidate source without running it.
#
#   U  which names does it load that nothing binds? (a pyflakes-like check
#      on symtable: a candidate that reproduces only by running an error
#      path, NameError and all, is not what a maintainer wants)
#   E  which semantic edits could shrink it? Each edit is a list of byte
#      spans of the source and their replacement, computed on the tree
#      (inline a function called once, hoist a block, drop argparse ...).
#
#   S  E, strict: {"error": ...} when a kind of edit fails (the tests ask
#      this of real sources: no shape may make a kind silently give up)
#
# The helper calls answer(op, data, arg) with the request's bytes; for U,
# arg is "3.12.1,3.13.0": each version's branches of `if sys.version_info
# ...` are checked. Nothing here runs the candidate.
import ast
import builtins
import json
import symtable
import sys

if sys.version_info < (3, 9):
    raise ImportError("the analyst needs Python 3.9 or newer (end positions, ast.unparse)")

MODULE_NAMES = {"__name__", "__file__", "__doc__", "__builtins__", "__spec__",
                "__loader__", "__package__", "__path__", "__annotations__",
                "__dict__", "__class__", "__debug__", "__qualname__", "__module__"}
BUILTINS = set(dir(builtins)) | MODULE_NAMES


# ---------------------------------------------------------------- names

def version_test(test, version):
    """The value of an `if` test on sys.version_info for version (a tuple
    of ints), or None when the test is about something else."""
    if isinstance(test, ast.BoolOp):
        vals = [version_test(v, version) for v in test.values]
        if None in vals:
            return None
        return all(vals) if isinstance(test.op, ast.And) else any(vals)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        v = version_test(test.operand, version)
        return None if v is None else not v
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left, right = test.left, test.comparators[0]
    if isinstance(left, ast.Subscript):
        left = left.value  # sys.version_info[:2] compares the same way
    is_vi = isinstance(left, ast.Attribute) and left.attr == "version_info" and isinstance(left.value, ast.Name) and left.value.id == "sys" \
        or isinstance(left, ast.Name) and left.id == "version_info"
    if not is_vi or not isinstance(right, ast.Tuple) or not all(isinstance(e, ast.Constant) and isinstance(e.value, int) for e in right.elts):
        return None
    want = tuple(e.value for e in right.elts)
    have = version[:len(want)]
    op = type(test.ops[0])
    ops = {ast.Lt: have < want, ast.LtE: have <= want, ast.Gt: have > want, ast.GtE: have >= want,
           ast.Eq: have == want, ast.NotEq: have != want}
    return ops.get(op)


class VersionPruner(ast.NodeTransformer):
    """The tree as one Python version runs it: each `if` on
    sys.version_info replaced by the branch that version takes."""

    def __init__(self, version):
        self.version = version

    def visit_If(self, node):
        self.generic_visit(node)
        taken = version_test(node.test, self.version)
        if taken is None:
            return node
        body = node.body if taken else node.orelse
        return body or ast.Pass()


def undefined_for(src, versions):
    """Names undefined on any of versions ("3.12.1"), each `if` on
    sys.version_info taking that version's branch: a name bound only in
    the branch of another version is undefined where it is loaded."""
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError):
        return None
    # Any version tells whether a test is about the version at all.
    if not any(isinstance(n, ast.If) and version_test(n.test, (3, 12)) is not None for n in ast.walk(tree)):
        return undefined(src)  # no version test: one source for every version
    out = set()
    for source in {prune(src, v) for v in versions}:
        names = undefined(source)
        if names is None:
            return None
        out.update(names)
    return sorted(out)


def prune(src, version):
    """The source as Python version ("3.12.1") runs it (see VersionPruner)."""
    v = tuple(int(x) for x in version.split(".")[:3] if x.isdigit())
    return ast.unparse(ast.fix_missing_locations(VersionPruner(v).visit(ast.parse(src))))


def undefined(src):
    """Names loaded but bound nowhere a lookup would find them."""
    try:
        tree = ast.parse(src)
        top = symtable.symtable(src, "<candidate>", "exec")
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return None  # a star import binds what we cannot see
    module = set()
    for sym in top.get_symbols():
        if sym.is_assigned() or sym.is_imported() or sym.is_namespace() or sym.is_parameter():
            module.add(sym.get_name())
    # `global x; x = 1` inside a function binds x in the module.
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            module.update(node.names)
    out = set()

    def visit(t, top_level):
        for sym in t.get_symbols():
            name = sym.get_name()
            if not sym.is_referenced() or name in BUILTINS:
                continue
            if top_level:
                if name not in module:
                    out.add(name)
            elif sym.is_global() and not sym.is_local() and name not in module:
                out.add(name)
        for child in t.get_children():
            visit(child, False)

    visit(top, True)
    return sorted(out)


# ---------------------------------------------------------------- edits

class Source:
    def __init__(self, data):
        self.data = data
        self.starts = [0]
        for i, b in enumerate(data):
            if b == 10:
                self.starts.append(i + 1)

    def off(self, line, col):
        return self.starts[line - 1] + col

    def span(self, node):
        return self.off(node.lineno, node.col_offset), self.off(node.end_lineno, node.end_col_offset)

    def text(self, node):
        a, b = self.span(node)
        return self.data[a:b].decode()

    def lines(self, first, last):
        """Byte span of whole lines first..last (1-based, inclusive)."""
        end = self.starts[last] if last < len(self.starts) else len(self.data)
        return self.starts[first - 1], end

    def stmt_lines(self, node):
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return self.lines(first, node.end_lineno)

    def indent_of(self, node):
        a = self.starts[node.lineno - 1]
        line = self.data[a:self.starts[node.lineno] if node.lineno < len(self.starts) else len(self.data)]
        return len(line) - len(line.lstrip(b" \t"))


def block_text(src, body, indent, subs=()):
    """The statements of body as source lines re-indented to indent, with
    subs (byte spans of the source inside one line, and their
    replacements) applied."""
    first = min([body[0].lineno] + [d.lineno for d in getattr(body[0], "decorator_list", [])])
    a, b = src.lines(first, body[-1].end_lineno)
    old = src.indent_of(body[0])
    data = src.data[a:b]
    for x, y, t in sorted(subs, reverse=True):
        if a <= x <= y <= b:
            data = data[:x - a] + t.encode() + data[y - a:]
    out = []
    for line in data.decode().splitlines(True):
        stripped = line[old:] if line[:old].strip() == "" else line.lstrip()
        out.append(" " * indent + stripped if line.strip() else line)
    text = "".join(out)
    return text if text.endswith("\n") else text + "\n"


def parents(tree):
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child._parent = node


def name_loads(tree):
    counts = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            counts.setdefault(node.id, []).append(node)
        elif isinstance(node, ast.Attribute):
            counts.setdefault("." + node.attr, []).append(node)
    return counts


def words(tree):
    """How often each identifier is mentioned anywhere in the tree: as a
    name, a parameter, an attribute, a definition, an import, or a string
    that could be getattr's. Conservative across scopes on purpose: an
    edit is offered only for a name mentioned exactly as often as the edit
    expects."""
    counts = {}

    def add(n):
        counts[n] = counts.get(n, 0) + 1

    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            add(node.id)
        elif isinstance(node, ast.arg):
            add(node.arg)
        elif isinstance(node, ast.Attribute):
            add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            add(node.name)
        elif isinstance(node, ast.alias):
            add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for n in node.names:
                add(n)
        elif isinstance(node, ast.keyword) and node.arg:
            add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            add(node.value)
    return counts


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def walk_own(scope):
    """The nodes of scope, not descending into nested scopes (which are
    yielded themselves)."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        n = todo.pop()
        yield n
        if not isinstance(n, SCOPES):
            todo.extend(ast.iter_child_nodes(n))


def binds(scope, name):
    """Whether scope has its own binding of name (so a use inside it is
    not a use of the enclosing scope's)."""
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = scope.args
        if any(x.arg == name for x in a.args + a.kwonlyargs + getattr(a, "posonlyargs", []) + [v for v in (a.vararg, a.kwarg) if v]):
            return True
    for n in walk_own(scope):
        if isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names:
            return False
    for n in walk_own(scope):
        if isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load):
            return True
        if isinstance(n, SCOPES[:2] + (ast.ClassDef,)) and n.name == name:
            return True
        if isinstance(n, ast.alias) and (n.asname or n.name).split(".")[0] == name:
            return True
    return False


def mentions(scope, name):
    """Every mention of scope's binding of name: its Name nodes, and those
    of nested scopes that do not bind name themselves; plus a count of
    other bindings (parameters, defs, imports) in scope."""
    out, other = [], 0
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = scope.args
        other += sum(1 for x in a.args + a.kwonlyargs if x.arg == name)
    for n in walk_own(scope):
        if isinstance(n, ast.Name) and n.id == name:
            out.append(n)
        elif isinstance(n, ast.alias) and (n.asname or n.name).split(".")[0] == name:
            other += 1
        elif isinstance(n, SCOPES):
            if getattr(n, "name", None) == name:
                other += 1
            if not binds(n, name):
                o, k = mentions(n, name)
                out += o
                other += k
        elif isinstance(n, ast.Constant) and n.value == name:
            other += 1  # getattr(x, "name"), __all__
    return out, other


def scope_of(node):
    while not isinstance(node, SCOPES + (ast.Module,)):
        node = node._parent
    return node


def stmt_of(node):
    while not isinstance(node, ast.stmt):
        node = node._parent
    return node


def simple_args(fn):
    a = fn.args
    return not (a.vararg or a.kwarg or a.kwonlyargs or getattr(a, "posonlyargs", []))


def contains(node, kinds):
    return any(isinstance(n, kinds) for n in ast.walk(node))


def inline_functions(tree, src, wc):
    """A function or method called exactly once: its body replaces the
    call statement, its parameters become assignments (the inline-var
    pass then folds them). A coroutine function is inlined where it is
    awaited, inside another coroutine."""
    out = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or fn.decorator_list or not simple_args(fn):
            continue
        if contains(fn, (ast.Yield, ast.YieldFrom, ast.Global, ast.Nonlocal)):
            continue
        method = isinstance(fn._parent, ast.ClassDef)
        if method:
            if wc.get(fn.name, 0) != 2:
                continue
        else:
            ms, other = mentions(scope_of(fn._parent) if not isinstance(fn._parent, SCOPES + (ast.Module,)) else fn._parent, fn.name)
            if other != 1 or len(ms) != 1:
                continue
        call = None
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                if (not method and isinstance(f, ast.Name) and f.id == fn.name) or \
                        (method and isinstance(f, ast.Attribute) and f.attr == fn.name):
                    call = node
        if call is None or call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        site = call  # the expression the body's result replaces
        if isinstance(fn, ast.AsyncFunctionDef):
            if not isinstance(call._parent, ast.Await):
                continue
            site = call._parent
            outer = call._parent
            while outer is not None and not isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
                outer = getattr(outer, "_parent", None)
            if not isinstance(outer, ast.AsyncFunctionDef):
                continue
        elif contains(fn, (ast.Await,)):
            continue
        st = stmt_of(call)
        if st is fn or any(st is n for n in ast.walk(fn)):
            continue  # recursive
        returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
        body = fn.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body = body[1:]
        last = body[-1] if body else None
        if any(r is not last for r in returns):
            continue
        params = [a.arg for a in fn.args.args]
        values = [src.text(a) for a in call.args]
        if method:
            values = [src.text(call.func.value)] + values
        defaults = [src.text(d) for d in fn.args.defaults]
        missing = len(params) - len(values)
        if missing < 0 or missing > len(defaults):
            continue
        values += defaults[len(defaults) - missing:]
        indent = src.indent_of(st)
        pre = "".join(" " * indent + "%s = %s\n" % (p, v) for p, v in zip(params, values) if p != v)
        # What the call statement becomes.
        if isinstance(last, ast.Return):
            stmts, result = body[:-1], (src.text(last.value) if last.value else "None")
        else:
            stmts, result = body, "None"
        text = pre + (block_text(src, stmts, indent) if stmts else "")
        a, b = src.span(site)
        sa, sb = src.stmt_lines(st)
        if isinstance(st, ast.Expr) and st.value is site:
            if result != "None":
                text += " " * indent + result + "\n"
        elif isinstance(st, (ast.Assign, ast.Return, ast.Expr, ast.AugAssign)) and st.lineno == st.end_lineno:
            line = src.data[sa:sb].decode()
            line = line[:a - sa] + wrap(result) + line[b - sa:]
            text += line
        else:
            continue
        if not text.strip():
            text = " " * indent + "pass\n"
        da, db = src.stmt_lines(fn)
        # The def goes; `pass` keeps a class whose only method it was.
        left = " " * src.indent_of(fn) + "pass\n" if method and len(fn._parent.body) == 1 else ""
        out.append({"kind": "inline-func", "edits": [[da, db, left], [sa, sb, text]]})
    return out


def list_cut(src, items, i):
    """The byte span that removes items[i] from a comma-separated list,
    with one of its commas."""
    return span_cut([src.span(x) for x in items], i)


def span_cut(spans, i):
    """The byte span that removes spans[i] from a comma-separated list of
    spans, with one of its commas."""
    a, b = spans[i]
    if i > 0:
        return spans[i - 1][1], b
    if len(spans) > 1:
        return a, spans[1][0]
    return a, b


def param_spans(src, fn):
    """The span of each positional parameter of fn, with its default."""
    params, defaults = fn.args.args, fn.args.defaults
    out = []
    for i, p in enumerate(params):
        a, b = src.span(p)
        j = i - (len(params) - len(defaults))
        if j >= 0:
            b = src.span(defaults[j])[1]
        out.append((a, b))
    return out


def class_calls(tree, cls, wc):
    """Every call that builds cls, when every mention of its name is one:
    nothing subclasses it, passes it around or names it otherwise. None
    otherwise."""
    if cls.decorator_list:
        return None
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == cls.name]
    if wc.get(cls.name, 0) != 1 + len(uses):
        return None
    calls = []
    for u in uses:
        if not (isinstance(u._parent, ast.Call) and u._parent.func is u):
            return None
        calls.append(u._parent)
    return calls


def call_sites(tree, fn, wc):
    """Every call of fn, and how many leading parameters the calls do not
    pass (self), when every mention of fn is one of these calls: a
    function called by its name, a method called as X.name(...) (its name
    mentioned nowhere else), __init__ through its class's name (see
    class_calls). None otherwise."""
    parent = fn._parent
    if isinstance(parent, ast.ClassDef):
        if fn.name == "__init__":
            calls = class_calls(tree, parent, wc)
            return None if calls is None else (calls, 1)
        if fn.name.startswith("__"):
            return None  # called by Python itself
        attrs = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == fn.name]
        if wc.get(fn.name, 0) != 1 + len(attrs):
            return None
        calls = []
        for at in attrs:
            if not (isinstance(at._parent, ast.Call) and at._parent.func is at):
                return None
            calls.append(at._parent)
        return calls, 1
    owner = parent if isinstance(parent, SCOPES + (ast.Module,)) else scope_of(parent)
    ms, other = mentions(owner, fn.name)
    if other != 1:
        return None
    calls = []
    for m in ms:
        if not (isinstance(m._parent, ast.Call) and m._parent.func is m):
            return None
        calls.append(m._parent)
    return calls, 0


def plain_call(call):
    """Whether call passes its arguments one by one (no *args, no **kw)."""
    return not any(isinstance(a, ast.Starred) for a in call.args) and all(k.arg for k in call.keywords)


def argument(src, fn, call, i):
    """The text of what call passes for fn's parameter i (by position, by
    keyword, or its default), or None."""
    params = fn.args.args
    skip = 1 if isinstance(fn._parent, ast.ClassDef) else 0
    k = i - skip
    if 0 <= k < len(call.args):
        return src.text(call.args[k])
    for kw in call.keywords:
        if kw.arg == params[i].arg:
            return src.text(kw.value)
    j = i - (len(params) - len(fn.args.defaults))
    if j >= 0:
        return src.text(fn.args.defaults[j])
    return None


def unused_parameters(tree, src, wc):
    """A parameter its function never reads goes, with the argument every
    call passes for it: `j(d, c)` called as `j(x, 0)` becomes `j(d)`.
    Methods and __init__ too (`C(0, q)` builds `C` whose __init__ reads
    only its second parameter: `C(q)`), when every call is known."""
    out = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or fn.decorator_list or not simple_args(fn):
            continue
        sites = call_sites(tree, fn, wc)
        if sites is None or not sites[0] or not all(plain_call(c) for c in sites[0]):
            continue
        calls, skip = sites
        params = fn.args.args
        spans = param_spans(src, fn)
        loaded = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
        for i in range(skip, len(params)):
            if params[i].arg in loaded:
                continue
            edits = [list(span_cut(spans, i)) + [""]]
            for c in calls:
                items = [src.span(x) for x in list(c.args) + list(c.keywords)]
                k = i - skip
                if k < len(c.args):
                    edits.append(list(span_cut(items, k)) + [""])
                    continue
                for j, kw in enumerate(c.keywords):
                    if kw.arg == params[i].arg:
                        edits.append(list(span_cut(items, len(c.args) + j)) + [""])
            out.append({"kind": "unused-param", "edits": edits})
    return out


def holder_reads(tree, src):
    """A class whose __init__ stores a parameter as an attribute, read
    right where it is built: `Box(q).q` becomes `q`'s argument. Holder
    classes that only carry a value to its one use are a common wrapper
    around a bug; once nothing builds the class, dead removes it."""
    out = []
    classes = {c.name: c for c in ast.walk(tree) if isinstance(c, ast.ClassDef)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        cls = classes.get(call.func.id) if isinstance(call.func, ast.Name) else None
        if cls is None or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        fields = record_fields(cls)
        if fields is not None:
            # A dataclass or NamedTuple: the fields in order, as its
            # generated __init__ takes them.
            if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
                continue
            given = dict(zip(fields, call.args))
            given.update((k.arg, k.value) for k in call.keywords)
            if node.attr in fields and node.attr in given:
                a, b = src.span(node)
                out.append({"kind": "holder", "edits": [[a, b, wrap(src.text(given[node.attr]))]]})
            continue
        if call.keywords:
            continue
        init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
        if init is None or not simple_args(init) or len(init.args.args) < 1:
            continue
        params = [a.arg for a in init.args.args[1:]]
        selfname = init.args.args[0].arg
        stored = {}
        for st in init.body:
            if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Attribute) \
                    and isinstance(st.targets[0].value, ast.Name) and st.targets[0].value.id == selfname \
                    and isinstance(st.value, ast.Name) and st.value.id in params:
                stored[st.targets[0].attr] = params.index(st.value.id)
        i = stored.get(node.attr)
        if i is None or i >= len(call.args):
            continue
        a, b = src.span(node)
        out.append({"kind": "holder", "edits": [[a, b, wrap(src.text(call.args[i]))]]})
    return out


def record_fields(cls):
    """The fields of a class whose __init__ Python generates from its
    annotations, in order (a @dataclass, a typing.NamedTuple subclass), or
    None for another class."""
    deco = [dotted(d.func if isinstance(d, ast.Call) else d) for d in cls.decorator_list]
    named = any(dotted(b) in ("NamedTuple", "typing.NamedTuple") for b in cls.bases)
    if not (named or deco in (["dataclass"], ["dataclasses.dataclass"])):
        return None
    for d in cls.decorator_list:
        if isinstance(d, ast.Call) and any(k.arg == "init" for k in d.keywords):
            return None
    if any(isinstance(st, ast.FunctionDef) and st.name == "__init__" for st in cls.body):
        return None
    return [st.target.id for st in cls.body if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name)
            and not (st.annotation and "ClassVar" in ast.unparse(st.annotation))]


def split_assignments(tree, src):
    """`a, b = x, y` becomes `a = x` and `b = y` (no target read by the
    values); `n = a` right before `n += b` becomes `n = a + b`: the
    variables then inline and fold one by one."""
    out = []
    for st in ast.walk(tree):
        if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Tuple) \
                and isinstance(st.value, ast.Tuple) and len(st.targets[0].elts) == len(st.value.elts) \
                and all(isinstance(t, ast.Name) for t in st.targets[0].elts) \
                and not any(isinstance(v, ast.Starred) for v in st.value.elts) and st.lineno == st.end_lineno:
            names = {t.id for t in st.targets[0].elts}
            if any(isinstance(n, ast.Name) and n.id in names for v in st.value.elts for n in ast.walk(v)):
                continue
            indent = " " * src.indent_of(st)
            text = "".join("%s%s = %s\n" % (indent, t.id, src.text(v)) for t, v in zip(st.targets[0].elts, st.value.elts))
            out.append({"kind": "inline-var", "edits": [[*src.stmt_lines(st), text]]})
    for parent in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(parent, field, None)
            if not isinstance(block, list):
                continue
            for first, second in zip(block, block[1:]):
                if isinstance(first, ast.Assign) and len(first.targets) == 1 and isinstance(first.targets[0], ast.Name) \
                        and isinstance(second, ast.AugAssign) and isinstance(second.target, ast.Name) \
                        and second.target.id == first.targets[0].id and first.lineno == first.end_lineno \
                        and second.lineno == second.end_lineno:
                    op = src.data[src.span(second.target)[1]:src.span(second.value)[0]].decode().strip().rstrip("=")
                    a, _ = src.stmt_lines(first)
                    _, b = src.stmt_lines(second)
                    text = "%s%s = %s %s %s\n" % (" " * src.indent_of(first), first.targets[0].id,
                                                 wrap(src.text(first.value)), op, wrap(src.text(second.value)))
                    out.append({"kind": "inline-var", "edits": [[a, b, text]]})
    return out


def inline_variables(tree, src, wc):
    """NAME = EXPR with NAME loaded exactly once (in its scope, or a nested
    one that does not rebind it): the load becomes EXPR."""
    out = split_assignments(tree, src)
    for st in ast.walk(tree):
        if not (isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name)):
            continue
        if isinstance(st._parent, ast.ClassDef):
            continue
        name = st.targets[0].id
        ms, other = mentions(scope_of(st), name)
        uses = [n for n in ms if isinstance(n.ctx, ast.Load)]
        # Loaded once; or a short constant, loaded any number of times
        # (the constant is the same wherever it is read).
        if other or len(ms) != len(uses) + 1 or not uses or len(uses) > 1 and not (
                trivial(st.value) and len(src.text(st.value)) <= 20):
            continue
        if any((u.lineno, u.col_offset) < (st.lineno, st.col_offset) for u in uses):
            continue
        text = wrap(src.text(st.value))
        out.append({"kind": "inline-var", "edits": [list(src.stmt_lines(st)) + [""]] +
                    [[*src.span(u), text] for u in uses]})
    return out


def hollow_bodies(tree, src):
    """A function body that does nothing the bug needs becomes `pass`
    (shrinkray's "replace with ..."): a coroutine never awaited, a callback
    never called, a method the bug only needs to exist. So does a loop's
    body, where the bug needs only the looping: a thread kept alive by
    `while not stop.wait(0): sample()`."""
    out = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.While, ast.For, ast.AsyncFor)):
            continue
        body = fn.body
        if len(body) == 1 and isinstance(body[0], (ast.Pass, ast.Expr)) and isinstance(getattr(body[0], "value", None), (ast.Constant, type(None))):
            continue
        if body[0].lineno == fn.lineno:
            a, b = src.span(body[0])
            _, b = src.span(body[-1])
            out.append({"kind": "hollow", "edits": [[a, b, "pass"]]})
            continue
        a, b = src.lines(body[0].lineno, body[-1].end_lineno)
        out.append({"kind": "hollow", "edits": [[a, b, " " * src.indent_of(body[0]) + "pass\n"]]})
    return out


def is_main_guard(node):
    t = node.test
    return isinstance(t, ast.Compare) and isinstance(t.left, ast.Name) and t.left.id == "__name__"


def hoists(tree, src):
    """A block whose wrapper does nothing the bug needs: the body of an
    `if __name__ == "__main__"`, a try, a with (its `as` name bound by an
    assignment), a for or while run once, in place of the block."""
    out = []
    for st in ast.walk(tree):
        body, pre, pre_after, later = None, "", "", []
        indent = src.indent_of(st) if isinstance(st, ast.stmt) else 0
        if isinstance(st, ast.If):
            body = st.body
        elif isinstance(st, ast.Try):
            body = st.body
            if st.finalbody:
                pre_after = block_text(src, st.finalbody, indent)
        elif isinstance(st, (ast.With, ast.AsyncWith)):
            body = st.body
            for item in st.items:
                if item.optional_vars is not None:
                    pre += " " * indent + "%s = %s\n" % (src.text(item.optional_vars), src.text(item.context_expr))
        elif isinstance(st, ast.While):
            body = st.body
            test = st.test.operand if isinstance(st.test, ast.UnaryOp) and isinstance(st.test.op, ast.Not) else st.test
            if not isinstance(test, ast.Constant):
                # A loop whose body the bug never reaches: its test, once.
                out.append({"kind": "hoist", "edits": [[*src.stmt_lines(st), " " * indent + wrap(src.text(test)) + "\n"]]})
        elif isinstance(st, ast.For):
            # One iteration: the target bound to the first value when the
            # source shows it, not at all when the body does not read it.
            body = st.body
            values = items(st.iter, src, 3) if isinstance(st.target, ast.Name) else []
            if isinstance(st.target, ast.Name) and not loads_name(body, st.target.id):
                pre = ""
            elif values:
                pre = " " * indent + "%s = %s\n" % (st.target.id, values[0])
                if not any(isinstance(n, (ast.Break, ast.Continue)) for b in body for n in ast.walk(b)):
                    # The bug may need another iteration than the first.
                    for v in values[1:]:
                        later.append({"kind": "hoist", "edits": [[*src.stmt_lines(st), " " * indent + "%s = %s\n" % (
                            st.target.id, v) + block_text(src, body, indent)]]})
            else:
                pre = " " * indent + "%s = next(iter(%s))\n" % (src.text(st.target), src.text(st.iter))
        if not body:
            continue
        if any(isinstance(n, (ast.Break, ast.Continue)) for b in body for n in ast.walk(b)):
            continue
        a, b = src.stmt_lines(st)
        kind = "hoist-main" if isinstance(st, ast.If) and is_main_guard(st) else "hoist"
        out.append({"kind": kind, "edits": [[a, b, pre + block_text(src, body, indent) + pre_after]]})
        out += later
    return out + hoist_definitions(tree, src)


def hoist_definitions(tree, src):
    """A def or class whose body can run where the definition stands: the
    body replaces the definition (pysource-minimize's "a node by its
    children"). A bug raised in a method then happens at definition time,
    and what only led there goes. Offered only when the body would mean
    the same out there: no return, yield, await or global of its own, and
    no parameter of a def loaded by it (that would read another binding)."""
    out = []
    for st in ast.walk(tree):
        if not isinstance(st, (ast.FunctionDef, ast.ClassDef)) or st.body[0].lineno == st.lineno:
            continue
        own = list(walk_own(st))
        if any(isinstance(n, (ast.Return, ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal)) for n in own):
            continue
        if isinstance(st, ast.FunctionDef):
            a = st.args
            params = {x.arg for x in a.args + a.kwonlyargs + getattr(a, "posonlyargs", []) + [v for v in (a.vararg, a.kwarg) if v]}
            if any(isinstance(n, ast.Name) and n.id in params for n in ast.walk(st)):
                continue  # nested scopes too: a closure over a parameter
        body = st.body
        if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str) and len(body) > 1:
            body = body[1:]  # a docstring stays behind
        a, b = src.stmt_lines(st)
        out.append({"kind": "hoist-def", "edits": [[a, b, block_text(src, body, src.indent_of(st))]]})
    return out


def namespace_classes(tree, src, wc):
    """A class never instantiated nor subclassed, used only as C.attr: its
    body moves to the class's level and C.attr becomes attr."""
    out = []
    names = name_loads(tree)
    module_names = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    module_names |= {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef) or cls.bases or cls.keywords or cls.decorator_list:
            continue
        uses = [n for n in names.get(cls.name, []) if isinstance(n, ast.Name)]
        if not uses or not all(isinstance(u._parent, ast.Attribute) and u._parent.value is u for u in uses):
            continue
        members = set()
        ok = True
        edits = []
        for st in cls.body:
            if isinstance(st, ast.Assign) and all(isinstance(t, ast.Name) for t in st.targets):
                members.update(t.id for t in st.targets)
            elif isinstance(st, ast.FunctionDef):
                decos = [d for d in st.decorator_list]
                if len(decos) != 1 or not (isinstance(decos[0], ast.Name) and decos[0].id == "staticmethod"):
                    ok = False
                    break
                members.add(st.name)
                edits.append(list(src.lines(decos[0].lineno, decos[0].end_lineno)) + [""])
            elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant):
                pass
            elif isinstance(st, ast.Pass):
                pass
            else:
                ok = False
                break
        if not ok or members & (module_names - {cls.name}) or any(u._parent.attr not in members for u in uses):
            continue
        if any(isinstance(n, ast.Name) and n.id == cls.name for st in cls.body for n in ast.walk(st)):
            continue
        indent = src.indent_of(cls)
        a, _ = src.lines(cls.lineno, cls.lineno)
        if cls.body[0].lineno == cls.lineno:
            continue
        # The header goes; the body is re-indented statement by statement.
        edits.append([a, src.starts[cls.lineno], ""])
        for st in cls.body:
            if isinstance(st, ast.FunctionDef):
                sa, sb = src.lines(st.lineno, st.end_lineno)
                edits.append([sa, sb, block_text(src, [st], indent)[:0] + reindent_def(src, st, indent)])
            else:
                sa, sb = src.stmt_lines(st)
                edits.append([sa, sb, block_text(src, [st], indent)])
        for u in uses:
            ua, ub = src.span(u._parent)
            edits.append([ua, ub, u._parent.attr])
        out.append({"kind": "namespace-class", "edits": edits})
    return out


def reindent_def(src, st, indent):
    a, b = src.lines(st.lineno, st.end_lineno)
    old = src.indent_of(st)
    lines = src.data[a:b].decode().splitlines(True)
    return "".join(" " * indent + l[old:] if l.strip() else l for l in lines)


def sys_exits(tree, src):
    """sys.exit(main()) / raise SystemExit(main()) / exit(main()) -> main()."""
    out = []
    for st in ast.walk(tree):
        call = None
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            f = st.value.func
            if (isinstance(f, ast.Attribute) and f.attr == "exit" and isinstance(f.value, ast.Name) and f.value.id == "sys") or \
                    (isinstance(f, ast.Name) and f.id in ("exit", "quit")):
                call = st.value
        elif isinstance(st, ast.Raise) and isinstance(st.exc, ast.Call) and isinstance(st.exc.func, ast.Name) and st.exc.func.id == "SystemExit":
            call = st.exc
        if call is None or len(call.args) != 1 or call.keywords:
            continue
        a, b = src.span(st)
        out.append({"kind": "sys-exit", "edits": [[a, b, src.text(call.args[0])]]})
    return out


def argv_of(call, tree, argv):
    """The command line a parse_args call parses, as source text: the
    script's (argv, when the reducer knows it) for parse_args() or
    parse_args(None) (or a name bound only to None), a literal list as it
    is; None when it cannot tell."""
    if not call.args or isinstance(call.args[0], ast.Constant) and call.args[0].value is None:
        return None if argv is None else repr(list(argv))
    a = call.args[0]
    if isinstance(a, (ast.List, ast.Tuple)) and trivial(a):
        return "[%s]" % ", ".join(ast.unparse(e) for e in a.elts)
    if isinstance(a, ast.Name) and argv is not None:
        values = []
        for n in ast.walk(tree):
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == a.id for t in n.targets):
                values.append(n.value)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = n.args.args
                for p, d in zip(args[len(args) - len(n.args.defaults):], n.args.defaults):
                    if p.arg == a.id:
                        values.append(d)
            elif isinstance(n, ast.Name) and n.id == a.id and not isinstance(n.ctx, (ast.Load, ast.Store)):
                return None
        if values and all(isinstance(v, ast.Constant) and v.value is None for v in values):
            return repr(list(argv))
    return None


def parser_expr(tree, src, pst, adds, how, argv_text):
    """An expression that builds the parser as the source does and parses
    argv_text: `(lambda p: (p.add_argument(...), ..., vars(ns))[-1])(
    argparse.ArgumentParser())`, computed by the folder; None when an
    argument of the parser is not a literal (a type that is a function
    of the repro's, a default read from a class)."""
    env, builtins_ok = fold_names(tree)
    ctor = pst.value
    keep = [k for k in ctor.keywords if k.arg in ("prefix_chars", "allow_abbrev", "add_help")]
    if not all(pure(k.value, env, builtins_ok, {}) for k in keep):
        return None
    parts = []
    for call in adds:
        if not plain_call(call) or not all(pure(x, env, builtins_ok, {}) for x in call.args) \
                or not all(pure(k.value, env, builtins_ok, {}) for k in call.keywords):
            return None
        a, b = src.span(call)
        f0, f1 = src.span(call.func)
        parts.append("p.add_argument" + src.data[f1:b].decode())
    ns = "p.parse_known_args(%s)[0]" % argv_text if how == "parse_known_args" else "p.parse_args(%s)" % argv_text
    return "(lambda p: (%s)[-1])(argparse.ArgumentParser(%s))" % (
        "".join(x + ", " for x in parts) + "vars(%s)" % ns,
        ", ".join(src.text(k) for k in keep))


def plumbing(tree, src, argv=None):
    """argparse and configuration plumbing: every `args.x` becomes the
    value it would have, the parser statements go. With the script's
    command line (argv), the values are what the parser makes of it,
    computed by the folder in the sandbox; without, the defaults. A
    constant-keyed lookup in a dict literal (CONFIG["x"], a one-entry
    dispatch table) becomes the value."""
    out = []
    parsers = {}
    for st in ast.walk(tree):
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
            f = st.value.func
            if isinstance(f, ast.Attribute) and f.attr == "ArgumentParser" or isinstance(f, ast.Name) and f.id == "ArgumentParser":
                parsers[st.targets[0].id] = st
    for pname, pst in parsers.items():
        defaults, stmts, nsnames, adds, parses = {}, [pst], set(), [], []
        for st in ast.walk(tree):
            if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) and isinstance(st.value.func, ast.Attribute) \
                    and isinstance(st.value.func.value, ast.Name) and st.value.func.value.id == pname:
                call = st.value
                stmts.append(st)
                if call.func.attr != "add_argument":
                    continue
                adds.append(call)
                flags = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                kw = {k.arg: k.value for k in call.keywords}
                dest = kw["dest"].value if "dest" in kw and isinstance(kw["dest"], ast.Constant) else None
                if dest is None and flags:
                    longs = [f for f in flags if f.startswith("--")]
                    dest = (longs or flags)[0].lstrip("-").replace("-", "_")
                action = kw.get("action")
                action = action.value if isinstance(action, ast.Constant) else None
                if "default" in kw:
                    value = src.text(kw["default"])
                elif action == "store_true":
                    value = "False"
                elif action == "store_false":
                    value = "True"
                elif "nargs" in kw and isinstance(kw["nargs"], ast.Constant) and kw["nargs"].value in ("*", "+"):
                    value = "[]"
                else:
                    value = "None"
                if dest:
                    defaults[dest] = value
            elif isinstance(st, ast.Assign) and isinstance(st.value, ast.Call) and isinstance(st.value.func, ast.Attribute) \
                    and st.value.func.attr in ("parse_args", "parse_known_args") and isinstance(st.value.func.value, ast.Name) \
                    and st.value.func.value.id == pname and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
                nsnames.add(st.targets[0].id)
                stmts.append(st)
        def is_parse(node):
            return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("parse_args", "parse_known_args") \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == pname
        # p.parse_args(argv).x, once a wrapper returning the namespace was inlined.
        direct = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and is_parse(n.value)]
        if not nsnames and not direct:
            continue
        edits = [list(src.stmt_lines(s)) + [""] for s in stmts]
        ok = True
        uses = []
        for node in ast.walk(tree):
            if is_parse(node):
                parses.append(node)
                if not any(node is n.value for n in direct) and not any(node is s.value for s in stmts if isinstance(s, ast.Assign)):
                    ok = False  # the namespace escapes: its uses are not all seen
                    break
            if isinstance(node, ast.Attribute) and (isinstance(node.value, ast.Name) and node.value.id in nsnames or is_parse(node.value)):
                if node.attr not in defaults or not isinstance(node.ctx, ast.Load):
                    ok = False
                    break
                uses.append(node)
        if not ok:
            continue
        # What the parser makes of the command line, when one parse
        # reads it: computed, so flags the script passes count.
        argv_texts = {argv_of(c, tree, argv) for c in parses}
        how = {c.func.attr for c in parses}
        expr = None
        if len(argv_texts) == 1 and None not in argv_texts and len(how) == 1:
            expr = parser_expr(tree, src, pst, adds, how.pop(), argv_texts.pop())
        if expr is not None:
            folds = []
            for node in uses:
                folds.append(len(edits))
                edits.append([*src.span(node), "(%s)[%r]" % (expr, node.attr)])
            out.append({"kind": "plumbing", "edits": edits, "env": {"argparse": "argparse"}, "fold": folds})
        elif argv is None or all(argv_of(c, tree, None) is not None for c in parses):
            # The defaults: right when nothing on the command line sets
            # these flags (the oracle tells).
            for node in uses:
                edits.append([*src.span(node), defaults[node.attr]])
            out.append({"kind": "plumbing", "edits": edits})
    # Constant-keyed lookups in a dict literal.
    dicts = {}
    for st in tree.body:
        if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name) and isinstance(st.value, ast.Dict):
            dicts[st.targets[0].id] = st.value
    for node in ast.walk(tree):
        if not isinstance(node, ast.Subscript) or not isinstance(node.ctx, ast.Load):
            continue
        key = node.slice.value if isinstance(node.slice, ast.Index) else node.slice
        if not isinstance(key, ast.Constant):
            continue
        d = node.value
        if isinstance(d, ast.Name):
            d = dicts.get(d.id)
        if not isinstance(d, ast.Dict):
            continue
        for k, v in zip(d.keys, d.values):
            if isinstance(k, ast.Constant) and k.value == key.value:
                a, b = src.span(node)
                text = wrap(src.text(v))
                out.append({"kind": "plumbing", "edits": [[a, b, text]]})
    return out


ATOMS = (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Subscript,
         ast.List, ast.Dict, ast.Tuple, ast.Set, ast.JoinedStr)


def wrap(text):
    """text as an operand: parenthesized unless it is an atom (so a
    spliced-in `a + b` keeps its meaning, and a string stays bare)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return "(" + text + ")"
    return text if isinstance(node, ATOMS) and not isinstance(node, ast.Tuple) else "(" + text + ")"


WRAPPERS = {"dedent", "str", "list", "tuple", "dict", "set", "frozenset", "int", "float", "bool",
            "sorted", "repr", "format", "strip", "iter", "next"}


def simpler_expressions(tree, src):
    """An expression replaced by a constant or a simpler expression of the
    same kind: a long string by '', a display by an empty one, a
    conditional by a branch, a wrapper call by its argument."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.expr) or not hasattr(node, "end_lineno"):
            continue
        parent = getattr(node, "_parent", None)
        if isinstance(parent, (ast.JoinedStr, ast.FormattedValue)):
            continue
        if isinstance(parent, ast.Call) and node is parent.func:
            continue
        old = src.text(node)
        cands = []
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 1:
            cands.append("''")
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool) and node.value not in (0, 1):
            cands.append("1")
        elif isinstance(node, ast.JoinedStr):
            cands.append("''")
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)) and (getattr(node, "elts", None) or getattr(node, "keys", None)) \
                and isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            cands.append({ast.List: "[]", ast.Tuple: "()", ast.Set: "set()", ast.Dict: "{}"}[type(node)])
        elif isinstance(node, ast.IfExp):
            cands += [src.text(node.body), src.text(node.orelse)]
        elif isinstance(node, ast.BoolOp):
            cands += [src.text(v) for v in node.values]
        elif isinstance(node, ast.BinOp):
            cands += [src.text(node.left), src.text(node.right)]
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and isinstance(parent, (ast.Call, ast.keyword)) \
                and len(node.id) > 0 and node.id not in ("None", "True", "False"):
            cands.append("0")  # an argument that only has to be there
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Load) \
                and isinstance(node.value, ast.Name) and isinstance(parent, (ast.Call, ast.keyword, ast.BinOp)):
            cands.append("0")  # a value read from an object, where any number would do
        elif isinstance(node, ast.Call) and node.args and (len(node.args) > 1 or not node.keywords):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            # A wrapper of one argument (dedent(s), list(x)) by that argument;
            # a call around a call (asyncio.wait_for(load(u), 1)) by the inner one.
            if len(node.args) == 1 and name in WRAPPERS or isinstance(node.args[0], ast.Call):
                cands.append(src.text(node.args[0]))
        a, b = src.span(node)
        if isinstance(parent, ast.Expr) and src.text(parent) != old:
            # (expr) as a statement: the parentheses go.
            pa, pb = src.span(parent)
            out.append({"kind": "expressions", "edits": [[pa, pb, old]]})
        for c in cands:
            if len(c) < len(old) or isinstance(node, ast.Name) and len(c) <= len(old):
                if "\n" in c:
                    c = wrap(c)
                out.append({"kind": "expressions", "edits": [[a, b, c]]})
                break
        if isinstance(node, ast.Constant) and type(node.value) is str and 1 < len(node.value) <= 64 \
                and not isinstance(parent, ast.Expr):
            # A string the bug needs, but not all of: its second half, or
            # its first (shrinkray's halving of string contents).
            v = node.value
            for half in (v[len(v) // 2:], v[:len(v) // 2]):
                if len(repr(half)) < len(old):
                    out.append({"kind": "expressions", "edits": [[a, b, repr(half)]]})
    return out


# ---------------------------------------------------------------- methods as functions

def init_of(cls):
    return next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)


def self_reads(cls, attr):
    """Every read of self.attr in the methods of cls (self being each
    method's first parameter), or None when a method rebinds its self."""
    reads = []
    for m in cls.body:
        if not isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) or m.decorator_list or not m.args.args:
            continue
        me = m.args.args[0].arg
        for n in ast.walk(m):
            if isinstance(n, ast.Name) and n.id == me and not isinstance(n.ctx, ast.Load):
                return None
            if isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.value, ast.Name) and n.value.id == me \
                    and isinstance(n.ctx, ast.Load):
                reads.append(n)
    return reads


def attribute_mentions(tree, attr):
    """How often attr is mentioned as an attribute, or as a string that
    getattr could take."""
    return sum(1 for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == attr or
               isinstance(n, ast.Constant) and n.value == attr)


def simple_value(node):
    """A value that reading twice does not build twice: a constant, a
    name, a dotted name."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, (ast.Constant, ast.Name)) or \
        isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)


def attribute_reads(tree, src, wc):
    """self.x, stored once by __init__ and read in the class's methods,
    read like the holder reads: each read becomes the value stored (the
    argument the one place that builds the class passes, or the stored
    expression itself, read once), and the store goes."""
    out = []
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        init = init_of(cls)
        if init is None or init.decorator_list or not simple_args(init) or not init.args.args:
            continue
        me = init.args.args[0].arg
        params = [a.arg for a in init.args.args]
        calls = class_calls(tree, cls, wc)
        for st in init.body:
            if not (isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Attribute)
                    and isinstance(st.targets[0].value, ast.Name) and st.targets[0].value.id == me):
                continue
            attr = st.targets[0].attr
            reads = self_reads(cls, attr)
            # Every mention of the attribute is the store or one of these
            # reads: nothing else sets it, reads it from outside or names
            # it in a getattr.
            if not reads or attribute_mentions(tree, attr) != 1 + len(reads):
                continue
            v = st.value
            if isinstance(v, ast.Name) and v.id in params[1:]:
                # A parameter: what the one call that builds the class passes.
                if calls is None or len(calls) != 1 or not plain_call(calls[0]):
                    continue
                if any(isinstance(n, ast.Name) and n.id == v.id and not isinstance(n.ctx, ast.Load) for n in ast.walk(init)):
                    continue
                text = argument(src, init, calls[0], params.index(v.id))
                if text is None:
                    continue
                value = ast.parse(text.strip(), mode="eval").body if "\n" not in text else None
            else:
                # An expression: its parameters become what the one build
                # passes, when that is a constant or a name.
                text, value, v0, ok = src.text(v), v, src.span(v)[0], True
                for n in sorted((n for n in ast.walk(v) if isinstance(n, ast.Name) and n.id in params),
                                key=lambda n: -src.span(n)[0]):
                    arg = None
                    if n.id != me and calls is not None and len(calls) == 1 and plain_call(calls[0]):
                        arg = argument(src, init, calls[0], params.index(n.id))
                    if arg is None or "\n" in arg or not simple_value(ast.parse(arg.strip(), mode="eval").body):
                        ok = False
                        break
                    a, b = src.span(n)
                    text = text[:a - v0] + arg + text[b - v0:]
                if not ok:
                    continue
            if len(reads) > 1 and not (value is not None and (simple_value(value) or steady(value))):
                continue
            edits = [[*src.span(r), wrap(text)] for r in reads]
            sa, sb = src.stmt_lines(st)
            body = [b for b in init.body if not (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant))]
            edits.append([sa, sb, " " * src.indent_of(st) + "pass\n" if body == [st] else ""])
            out.append({"kind": "self-attr", "edits": edits})
    return out


def steady(node):
    """An expression that gives an equal value each time it is computed:
    names, constants and the calls folding may compute (see FOLD_*)."""
    funcs = set().union(*FOLD_MODULES.values())
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            f = n.func
            if not (isinstance(f, ast.Name) and f.id in FOLD_BUILTINS or
                    isinstance(f, ast.Attribute) and (f.attr in FOLD_METHODS or f.attr in funcs)):
                return False
        elif isinstance(n, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)):
            return False
    return True


def body_of(fn):
    """fn's statements without its docstring."""
    body = fn.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def flatten_classes(tree, src, wc):
    """A class built once, as `obj = C(...)`, whose instance is used only
    to call its methods, each at most once, in the same block: the class
    goes, __init__'s body runs where the instance was built and each
    method's body where it is called, with `self.x` as a plain name `x`.
    Never offered when anything reads the instance's state from outside
    (`obj.count`), when a method calls another through self, or when a
    name would clash."""
    out = []
    all_names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
        {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef) or cls.keywords or \
                any(not (isinstance(b, ast.Name) and b.id == "object") for b in cls.bases):
            continue
        methods, ok = {}, True
        for st in cls.body:
            if isinstance(st, ast.FunctionDef) and not st.decorator_list and simple_args(st) and st.args.args \
                    and (st.name == "__init__" or not st.name.startswith("__")):
                methods[st.name] = st
            elif not (isinstance(st, ast.Pass) or isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant)):
                ok = False
        calls = class_calls(tree, cls, wc)
        if not ok or not methods or calls is None or len(calls) != 1 or not plain_call(calls[0]):
            continue
        make = calls[0]
        st0 = make._parent
        if not (isinstance(st0, ast.Assign) and len(st0.targets) == 1 and isinstance(st0.targets[0], ast.Name) and st0.value is make):
            continue
        obj = st0.targets[0].id
        scope = scope_of(st0)
        block = st0._parent
        siblings = next((getattr(block, f) for f in ("body", "orelse", "finalbody") if any(st0 is b for b in getattr(block, f, []))), [])
        ms, other = mentions(scope, obj)
        if other:
            continue
        steps, called = [], set()
        for u in ms:
            if u is st0.targets[0]:
                continue
            at = u._parent
            call = getattr(at, "_parent", None)
            st = getattr(call, "_parent", None)
            if not (isinstance(at, ast.Attribute) and at.value is u and at.attr in methods and at.attr != "__init__"
                    and isinstance(call, ast.Call) and call.func is at and plain_call(call)
                    and (isinstance(st, ast.Expr) or isinstance(st, ast.Assign) and len(st.targets) == 1
                         and isinstance(st.targets[0], ast.Name)) and st.value is call
                    and any(st is b for b in siblings) and st.lineno > st0.end_lineno and at.attr not in called):
                ok = False
                break
            called.add(at.attr)
            steps.append((st, call, methods[at.attr]))
        if not ok:
            continue
        # Inside the methods, self only as self.x, x an attribute.
        attrs, own = set(), set()
        for m in methods.values():
            me = m.args.args[0].arg
            if contains(m, (ast.Yield, ast.YieldFrom, ast.Global, ast.Nonlocal, ast.Lambda, ast.FunctionDef,
                            ast.AsyncFunctionDef, ast.ClassDef)) and any(n is not m for n in ast.walk(m) if isinstance(n, SCOPES)):
                ok = False
            returns = [n for n in ast.walk(m) if isinstance(n, ast.Return)]
            body = body_of(m)
            if any(r is not body[-1] for r in returns):
                ok = False
            for n in ast.walk(m):
                if isinstance(n, ast.Name) and n.id == me:
                    p = n._parent
                    if not (isinstance(p, ast.Attribute) and p.value is n and p.attr not in methods):
                        ok = False
                    else:
                        attrs.add(p.attr)
                elif isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
                    own.add(n.id)  # a local of the method
            own.update(a.arg for a in m.args.args[1:])
        if not ok:
            continue
        # self.x becomes x: no other x may exist, but the parameter of
        # __init__ it is stored from as is (`self.x = x`, nothing else).
        init = methods.get("__init__")
        clash = set(attrs & BUILTINS)
        for x in attrs & all_names:
            stores = [b for b in (init.body if init else []) if isinstance(b, ast.Assign) and len(b.targets) == 1
                      and isinstance(b.targets[0], ast.Attribute) and b.targets[0].attr == x
                      and isinstance(b.value, ast.Name) and b.value.id == x]
            outside = sum(1 for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == x) - len(stores)
            if not (init and len(stores) == 1 and outside == 0 and any(a.arg == x for a in init.args.args)
                    and sum(1 for a in ast.walk(tree) if isinstance(a, ast.arg) and a.arg == x) == 1):
                clash.add(x)
        if clash:
            continue
        # The methods' locals must not be names of the scope they move to,
        # nor, in a function, may it bind a name the methods read as a
        # global.
        theirs = {n.id for n in walk_own(scope) if isinstance(n, ast.Name) and n.id != obj}
        if own & theirs:
            continue
        if not isinstance(scope, ast.Module):
            free = {n.id for m in methods.values() for n in ast.walk(m) if isinstance(n, ast.Name)} - own
            if any(binds(scope, x) for x in free):
                continue

        def inlined(m, call, st):
            me = m.args.args[0].arg
            subs = [(*src.span(n._parent), n._parent.attr) for n in ast.walk(m)
                    if isinstance(n, ast.Name) and n.id == me]
            indent = src.indent_of(st)
            pre = ""
            for i, p in enumerate(m.args.args[1:], 1):
                v = argument(src, m, call, i)
                if v is None:
                    return None
                if v != p.arg:
                    pre += " " * indent + "%s = %s\n" % (p.arg, v)
            # `self.x = x` in __init__ would become `x = x`.
            body = [b for b in body_of(m) if not (
                isinstance(b, ast.Assign) and len(b.targets) == 1 and isinstance(b.targets[0], ast.Attribute)
                and isinstance(b.targets[0].value, ast.Name) and b.targets[0].value.id == me
                and isinstance(b.value, ast.Name) and b.value.id == b.targets[0].attr)]
            result = "None"
            if body and isinstance(body[-1], ast.Return):
                last = body[-1].value
                result = src.text(last) if last else "None"
                selfs = [n for n in ast.walk(last) if isinstance(n, ast.Name) and n.id == me] if last else []
                for n in sorted(selfs, key=lambda n: -src.span(n)[0]):
                    a, b = src.span(n._parent)
                    r0 = src.span(last)[0]
                    result = result[:a - r0] + n._parent.attr + result[b - r0:]
                body = body[:-1]
            text = pre + "".join(block_text(src, [b], indent, subs) for b in body)
            if m.name == "__init__":
                pass  # the instance itself is not needed
            elif isinstance(st, ast.Assign):
                text += " " * indent + "%s = %s\n" % (st.targets[0].id, result)
            elif result != "None":
                text += " " * indent + result + "\n"
            return text or " " * indent + "pass\n"

        edits = [list(src.stmt_lines(cls)) + [""]]
        text = inlined(init, make, st0) if init else ""
        if text is None or "\n" in src.text(st0).strip():
            continue
        edits.append([*src.stmt_lines(st0), text])
        for st, call, m in steps:
            text = inlined(m, call, st)
            if text is None:
                ok = False
                break
            edits.append([*src.stmt_lines(st), text])
        if ok:
            out.append({"kind": "flatten-class", "edits": edits})
    return out


# ---------------------------------------------------------------- loops

def first_item(it, src):
    """The text of the first value a loop over it takes, when the source
    shows it: a display's first element, range's start."""
    values = items(it, src, 1)
    return values[0] if values else None


def items(it, src, k):
    """The texts of the first k values (at most) a loop over it takes,
    when the source shows them."""
    if isinstance(it, (ast.List, ast.Tuple)):
        out = []
        for e in it.elts[:k]:
            if isinstance(e, ast.Starred):
                break
            out.append(src.text(e))
        return out
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" and it.args and not it.keywords \
            and len(it.args) <= 2:
        start = it.args[0] if len(it.args) == 2 else None
        if start is None:
            return [str(i) for i in range(k)]
        if isinstance(start, ast.Constant) and type(start.value) is int:
            return [str(start.value + i) for i in range(k)]
        return [src.text(start)] + ["%s + %d" % (wrap(src.text(start)), i) for i in range(1, k)]
    if isinstance(it, ast.Constant) and isinstance(it.value, (str, bytes)):
        return [repr(it.value[i:i + 1]) for i in range(min(k, len(it.value)))]
    if isinstance(it, (ast.ListComp, ast.GeneratorExp)):
        out = []
        for i in range(k):
            one = one_iteration(it, src, i)
            if not one:
                break
            out.append(one[0])
        return out
    return []


def one_iteration(node, src, index=0):
    """The texts of a comprehension's element(s) on its iteration index
    (the target replaced by that value), or None when the source does
    not show it."""
    if len(node.generators) != 1:
        return None
    g = node.generators[0]
    if g.ifs or g.is_async or not isinstance(g.target, ast.Name):
        return None
    elts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
    first = None
    if loads_name(elts, g.target.id):
        values = items(g.iter, src, index + 1)
        if len(values) <= index:
            return None
        first = values[index]
    elif index > 0:
        return None  # every iteration is the same
    texts = []
    for e in elts:
        t = src.text(e)
        e0 = src.span(e)[0]
        for n in sorted((n for n in ast.walk(e) if isinstance(n, ast.Name) and n.id == g.target.id), key=lambda n: -src.span(n)[0]):
            a, b = src.span(n)
            t = t[:a - e0] + wrap(first) + t[b - e0:]
        texts.append(t)
    return texts


def loads_name(nodes, name):
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for b in nodes for n in ast.walk(b))


def comprehensions(tree, src):
    """A comprehension reduced to one iteration, then to its body: `[f(i)
    for i in range(5)]` becomes `[f(0)]`, then `f(0)` (or `f(1)`, `f(2)`:
    the bug may need another iteration than the first)."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)) or len(node.generators) != 1:
            continue
        a, b = src.span(node)
        for index in range(3):
            texts = one_iteration(node, src, index)
            if texts is None:
                break
            if isinstance(node, ast.DictComp):
                one = "{%s: %s}" % tuple(texts)
            elif isinstance(node, ast.ListComp):
                one = "[%s]" % texts[0]
            elif isinstance(node, ast.SetComp):
                one = "{%s}" % texts[0]
            else:
                # A generator, perhaps sharing a call's parentheses.
                one = "((%s,))" % texts[0] if src.text(node).startswith("(") else "(%s,)" % texts[0]
            body = wrap(texts[-1])
            if isinstance(node._parent, ast.Expr):
                body = texts[-1]
            elif isinstance(node, ast.GeneratorExp) and src.text(node).startswith("("):
                body = "(" + body + ")"
            if not isinstance(node._parent, ast.Starred):
                out.append({"kind": "loop", "edits": [[a, b, body]]})
            if index == 0:
                out.append({"kind": "loop", "edits": [[a, b, one]]})
    return out


# ---------------------------------------------------------------- wrappers

def dotted(node):
    """`a.b.c` for a chain of names and attributes, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


# Calls that only schedule or wait for the awaitable (or the function)
# they are given: replaced by it, the bug may still happen without the
# event loop, the task or the thread.
AWAIT_WRAPPERS = {"run_until_complete", "create_task", "ensure_future", "shield", "wait_for"}
CALL_WRAPPERS = {"submit": 0, "call_soon": 0, "call_soon_threadsafe": 0, "run_in_executor": 1, "to_thread": 0}


def direct_call(src, f, args, kwargs):
    """`f(a, b, k=v)` from a callable and the args tuple and kwargs dict
    a wrapper would pass, or None when they are not displays."""
    parts = []
    if args is not None:
        if not isinstance(args, (ast.Tuple, ast.List)) or any(isinstance(e, ast.Starred) for e in args.elts):
            return None
        parts += [src.text(e) for e in args.elts]
    if kwargs is not None:
        if not isinstance(kwargs, ast.Dict) or not all(isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value.isidentifier() for k in kwargs.keys):
            return None
        parts += ["%s=%s" % (k.value, src.text(v)) for k, v in zip(kwargs.keys, kwargs.values)]
    return "%s(%s)" % (wrap(src.text(f)), ", ".join(parts))


def thread_call(src, node):
    """For `threading.Thread(target=f, args=(a,))` (or Timer), the direct
    call `f(a)`; else None."""
    if not isinstance(node, ast.Call) or not plain_call(node):
        return None
    name = dotted(node.func) or ""
    kind = name.split(".")[-1]
    if kind not in ("Thread", "Timer") or "." in name and not name.startswith("threading."):
        return None
    pos = ["group", "target", "name", "args", "kwargs"] if kind == "Thread" else ["interval", "function", "args", "kwargs"]
    got = dict(zip(pos, node.args))
    got.update((k.arg, k.value) for k in node.keywords)
    f = got.get("target" if kind == "Thread" else "function")
    if f is None:
        return None
    return direct_call(src, f, got.get("args"), got.get("kwargs"))


def wrappers(tree, src, wc):
    """Event-loop and thread scaffolding around a call: asyncio.run(X),
    loop.run_until_complete(X), create_task(X), gather(X, ...) become X;
    Thread(target=f, args=(a,)).start(), executor.submit(f, a),
    loop.run_in_executor(None, f, a) become f(a). The oracle keeps such an
    edit only when the bug stays the same: same warning text, same
    exception type."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
        a, b = src.span(node)
        cands = []
        if name == "gather" and len(node.args) == 1 and isinstance(node.args[0], ast.Starred) and not node.keywords:
            # gather(*[a(), b()]), gather(*[f(x) for x in xs]): one of them.
            seq = node.args[0].value
            if isinstance(seq, (ast.List, ast.Tuple)):
                cands += [src.text(e) for e in seq.elts if not isinstance(e, ast.Starred)]
            elif isinstance(seq, (ast.ListComp, ast.GeneratorExp)):
                cands += (one_iteration(seq, src) or [])[:1]
        elif not plain_call(node):
            continue
        if name == "run" and dotted(f) == "asyncio.run" and node.args:
            cands.append(src.text(node.args[0]))
        elif name in AWAIT_WRAPPERS and node.args:
            cands.append(src.text(node.args[0]))
        elif name == "gather":
            cands += [src.text(x) for x in node.args if not isinstance(x, ast.Starred)]

        elif name in CALL_WRAPPERS and len(node.args) > CALL_WRAPPERS[name]:
            k = CALL_WRAPPERS[name]
            cands.append("%s(%s)" % (wrap(src.text(node.args[k])), ", ".join(src.text(x) for x in node.args[k + 1:])))
        elif name == "start" and isinstance(f, ast.Attribute) and not node.args and not node.keywords:
            direct = thread_call(src, f.value)
            if direct:
                cands.append(direct)
        for c in cands:
            out.append({"kind": "wrapper", "edits": [[a, b, wrap(c) if "\n" in c else c]]})
    # t = Thread(target=f); t.start(); t.join(): the start becomes f(),
    # the rest goes.
    for st in ast.walk(tree):
        if not (isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name)):
            continue
        direct = thread_call(src, st.value)
        if direct is None:
            continue
        ms, other = mentions(scope_of(st), st.targets[0].id)
        edits, starts = [list(src.stmt_lines(st)) + [""]], 0
        for m in ms:
            if m is st.targets[0]:
                continue
            at = m._parent
            use = stmt_of(m)
            if isinstance(at, ast.Attribute) and isinstance(at._parent, ast.Call) and at._parent.func is at \
                    and isinstance(use, ast.Expr) and use.value is at._parent and at.attr in ("start", "join"):
                if at.attr == "start":
                    starts += 1
                    edits.append([*src.stmt_lines(use), " " * src.indent_of(use) + direct + "\n"])
                else:
                    edits.append(list(src.stmt_lines(use)) + [""])
            elif isinstance(at, ast.Attribute) and at.attr in ("daemon", "name") and isinstance(use, ast.Assign) and use.targets[0] is at:
                edits.append(list(src.stmt_lines(use)) + [""])
            else:
                starts = -1
                break
        if not other and starts == 1:
            out.append({"kind": "wrapper", "edits": edits})
    return out + de_async(tree, src, wc)


def de_async(tree, src, wc):
    """A coroutine function that awaits nothing becomes a plain function,
    and every wrapper around its calls (await, asyncio.run, create_task
    ...) goes: its body then runs where it is called, without the loop."""
    out = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.AsyncFunctionDef) or fn.decorator_list:
            continue
        if any(isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith, ast.Yield, ast.YieldFrom)) for n in walk_own(fn)):
            continue
        sites = call_sites(tree, fn, wc)
        if not sites or not sites[0]:
            continue
        a = src.off(fn.lineno, fn.col_offset)
        d = src.data.find(b"def", a)
        edits = [[a, d, ""]]
        for c in sites[0]:
            p = c._parent
            w = p.func if isinstance(p, ast.Call) else None
            wname = w.attr if isinstance(w, ast.Attribute) else w.id if isinstance(w, ast.Name) else None
            if isinstance(p, ast.Await) or isinstance(p, ast.Call) and p.args and p.args[0] is c and \
                    (wname in AWAIT_WRAPPERS or dotted(w) == "asyncio.run" or wname == "gather" and len(p.args) == 1):
                edits.append([*src.span(p), src.text(c)])
            else:
                edits = None
                break
        if edits:
            out.append({"kind": "de-async", "edits": edits})
    return out


# ---------------------------------------------------------------- folding

# What folding may compute: functions and methods that only compute a
# value from their arguments. The analyst only finds the expressions made
# of these over literals; their values are computed by the interpreter
# under test, in the sandbox, with a time limit (reprokit's fold.py), and
# a fold is kept only through the oracle.
FOLD_BUILTINS = {"int", "float", "str", "repr", "bool", "len", "abs", "min", "max", "sorted", "list", "tuple",
                 "dict", "set", "frozenset", "ord", "chr", "hex", "oct", "bin", "round", "sum", "any", "all",
                 "bytes", "range", "reversed", "enumerate", "zip", "divmod", "ascii", "format"}
FOLD_MODULES = {
    "json": {"loads", "dumps"},
    "re": {"match", "search", "fullmatch", "findall", "sub", "subn", "split", "escape", "compile"},
    "textwrap": {"dedent", "indent", "fill", "shorten"},
    "base64": {"b64encode", "b64decode", "urlsafe_b64encode", "urlsafe_b64decode"},
    "math": {"floor", "ceil", "sqrt", "isqrt", "gcd", "log2", "log10", "fabs", "trunc"},
}
FOLD_METHODS = {
    # str and bytes
    "format", "strip", "lstrip", "rstrip", "lower", "upper", "replace", "split", "rsplit", "splitlines", "join",
    "encode", "decode", "startswith", "endswith", "find", "rfind", "index", "count", "partition", "rpartition",
    "title", "capitalize", "casefold", "swapcase", "zfill", "ljust", "rjust", "center", "expandtabs",
    "removeprefix", "removesuffix", "isdigit", "isalpha", "isalnum", "isspace", "isidentifier", "hex",
    # dict, list
    "get", "keys", "values", "items", "copy",
    # re.Match and re.Pattern
    "group", "groups", "groupdict", "start", "end", "span", "match", "search", "fullmatch", "findall", "sub",
}


def fold_names(tree):
    """The names a folded expression may use: builtins nothing rebinds,
    and modules (or their functions) bound only by their import."""
    bound, imported = {}, {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            bound[n.id] = bound.get(n.id, 0) + 1
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound[n.name] = bound.get(n.name, 0) + 1
        elif isinstance(n, ast.arg):
            bound[n.arg] = bound.get(n.arg, 0) + 1
        elif isinstance(n, ast.Import):
            for a in n.names:
                if a.name in FOLD_MODULES and (a.asname or "." not in a.name):
                    imported[a.asname or a.name] = a.name
                bound[a.asname or a.name.split(".")[0]] = bound.get(a.asname or a.name.split(".")[0], 0) + 1
        elif isinstance(n, ast.ImportFrom):
            for a in n.names:
                if n.module in FOLD_MODULES and a.name in FOLD_MODULES[n.module]:
                    imported[a.asname or a.name] = n.module + "." + a.name
                bound[a.asname or a.name] = bound.get(a.asname or a.name, 0) + 1
    env = {k: v for k, v in imported.items() if bound.get(k) == 1}
    builtins_ok = {b for b in FOLD_BUILTINS if b not in bound}
    return env, builtins_ok


def pure(node, env, builtins_ok, used, bound=frozenset(), fixed=None):
    """Whether node computes a value from literals alone, through the
    whitelist; the module names it uses go into used. bound are the
    names of the comprehensions node is in; fixed, names bound once to
    such a value and only read (see fixed_names), count as their value."""
    fixed = fixed or {}
    p = lambda n: n is None or pure(n, env, builtins_ok, used, bound, fixed)
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        if node.id in fixed and node.id not in bound:
            used.update(fixed[node.id][1])
            return True
        return node.id in bound or node.id in builtins_ok and node.id not in env  # type=int
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        inner = set(bound)
        for g in node.generators:
            if g.is_async or not pure(g.iter, env, builtins_ok, used, frozenset(inner), fixed):
                return False
            targets = [g.target] + (list(g.target.elts) if isinstance(g.target, ast.Tuple) else [])
            if not all(isinstance(t, ast.Name) or t is g.target and isinstance(t, ast.Tuple) for t in targets):
                return False
            inner.update(t.id for t in targets if isinstance(t, ast.Name))
            if not all(pure(c, env, builtins_ok, used, frozenset(inner), fixed) for c in g.ifs):
                return False
        elts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        return all(pure(e, env, builtins_ok, used, frozenset(inner), fixed) for e in elts)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(not isinstance(e, ast.Starred) and p(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None for k in node.keys) and all(p(k) for k in node.keys) and all(p(v) for v in node.values)
    if isinstance(node, ast.JoinedStr):
        return all(p(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return p(node.value) and p(node.format_spec)
    if isinstance(node, ast.BinOp):
        return p(node.left) and p(node.right)
    if isinstance(node, ast.UnaryOp):
        return p(node.operand)
    if isinstance(node, ast.BoolOp):
        return all(p(v) for v in node.values)
    if isinstance(node, ast.Compare):
        return p(node.left) and all(p(c) for c in node.comparators)
    if isinstance(node, ast.IfExp):
        return p(node.test) and p(node.body) and p(node.orelse)
    if isinstance(node, ast.Subscript):
        return isinstance(node.ctx, ast.Load) and p(node.value) and p(node.slice)
    if isinstance(node, ast.Slice):
        return p(node.lower) and p(node.upper) and p(node.step)
    if isinstance(node, ast.Call):
        if not plain_call(node) or not all(p(a) for a in node.args) or not all(p(k.value) for k in node.keywords):
            return False
        f = node.func
        if isinstance(f, ast.Name):
            if f.id in builtins_ok:
                return True
            if f.id in env and "." in env[f.id]:
                used[f.id] = env[f.id]
                return True
            return False
        if isinstance(f, ast.Attribute):
            if isinstance(f.value, ast.Name) and f.value.id in env and "." not in env[f.value.id]:
                if f.attr in FOLD_MODULES[env[f.value.id]]:
                    used[f.value.id] = env[f.value.id]
                    return True
                return False
            return f.attr in FOLD_METHODS and p(f.value)
    return False


def trivial(node):
    """A literal already: nothing to compute."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(trivial(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(trivial(k) and trivial(v) for k, v in zip(node.keys, node.values))
    return False


def calls_pure(call, env, builtins_ok):
    """Whether call's function is one folding may compute."""
    f = call.func
    if isinstance(f, ast.Name):
        return f.id in builtins_ok or f.id in env and "." in env[f.id]
    if isinstance(f, ast.Attribute):
        if isinstance(f.value, ast.Name) and f.value.id in env and "." not in env[f.value.id]:
            return f.attr in FOLD_MODULES[env[f.value.id]]
        return f.attr in FOLD_METHODS
    return False


def only_read(n, env, builtins_ok):
    """Whether the value of the name n is only read where it stands: an
    index, a whitelisted method's receiver, an argument of a computation
    folding may do, an operand. Not a store into it, not an argument of
    a call that might change it, not put in a container it escapes in."""
    p = n._parent
    if isinstance(p, ast.Subscript):
        return p.value is not n or isinstance(p.ctx, ast.Load)
    if isinstance(p, ast.Attribute):
        return p.attr in FOLD_METHODS and isinstance(p._parent, ast.Call) and p._parent.func is p
    if isinstance(p, ast.keyword):
        p = p._parent
    if isinstance(p, ast.Call):
        return p.func is not n and calls_pure(p, env, builtins_ok)
    return isinstance(p, (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.FormattedValue, ast.Slice))


def fixed_names(tree, src, env, builtins_ok):
    """Names bound once, by `NAME = EXPR` with EXPR pure (over literals
    and other such names), and only read: for folding they stand for
    their value. Each maps to the text of EXPR (its own fixed names
    replaced by theirs, parenthesized) and the modules it uses."""
    bound, assigns, loads = {}, {}, {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            if isinstance(n.ctx, ast.Load):
                loads.setdefault(n.id, []).append(n)
            else:
                bound[n.id] = bound.get(n.id, 0) + 1
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound[n.name] = bound.get(n.name, 0) + 1
        elif isinstance(n, ast.arg):
            bound[n.arg] = bound.get(n.arg, 0) + 1
        elif isinstance(n, ast.alias):
            k = (n.asname or n.name).split(".")[0]
            bound[k] = bound.get(k, 0) + 1
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            for k in n.names:
                bound[k] = bound.get(k, 0) + 2
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            assigns[n.targets[0].id] = n
    fixed = {}
    grew = True
    while grew:
        grew = False
        for name, st in assigns.items():
            if name in fixed or bound.get(name) != 1 or name in env:
                continue
            used = {}
            if not pure(st.value, env, builtins_ok, used, fixed=fixed) or \
                    not all(only_read(n, env, builtins_ok) for n in loads.get(name, [])):
                continue
            fixed[name] = (wrap(fold_text(src, st.value, fixed)), used)
            grew = True
    return fixed


def fold_text(src, node, fixed):
    """node's source with each fixed name read in it replaced by its
    value's expression."""
    text = src.text(node)
    n0 = src.span(node)[0]
    for n in sorted((n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in fixed and isinstance(n.ctx, ast.Load)),
                    key=lambda n: -src.span(n)[0]):
        a, b = src.span(n)
        text = text[:a - n0] + fixed[n.id][0] + text[b - n0:]
    return text


def folds(tree, src):
    """Pure expressions over literals (see FOLD_*), and over names bound
    once to such values: each, with the expressions under it, is a
    candidate to replace by its value. The value is computed elsewhere
    (in the sandbox); the edit carries the expression's text, names
    replaced by their values, and the modules it uses."""
    env, builtins_ok = fold_names(tree)
    fixed = fixed_names(tree, src, env, builtins_ok)
    out = []

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if len(out) >= 300:
                return
            if isinstance(child, ast.expr) and not isinstance(child, (ast.Slice, ast.Starred)) \
                    and not (isinstance(node, ast.Call) and child is node.func) \
                    and not isinstance(child, ast.Name):
                used = {}
                if not trivial(child) and pure(child, env, builtins_ok, used, fixed=fixed):
                    a, b = src.span(child)
                    out.append({"kind": "fold", "edits": [[a, b, fold_text(src, child, fixed)]], "env": used, "fold": [0]})
            # Positions inside an f-string are not reliable before 3.12:
            # an f-string folds whole.
            if not isinstance(child, ast.JoinedStr):
                visit(child)

    visit(tree)
    return out


def edits(data, strict=False, argv=None):
    """Every edit of every kind; with strict, a kind that fails raises (the
    tests' check that no shape of real code makes a kind give up). argv is
    the command line the script runs the source with, when known."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return []
    parents(tree)
    src = Source(data)
    wc = words(tree)
    out = []
    for fn in (lambda: sys_exits(tree, src), lambda: plumbing(tree, src, argv),
               lambda: namespace_classes(tree, src, wc), lambda: inline_functions(tree, src, wc),
               lambda: hoists(tree, src), lambda: hollow_bodies(tree, src),
               lambda: inline_variables(tree, src, wc), lambda: unused_parameters(tree, src, wc),
               lambda: holder_reads(tree, src), lambda: attribute_reads(tree, src, wc),
               lambda: flatten_classes(tree, src, wc), lambda: comprehensions(tree, src),
               lambda: wrappers(tree, src, wc), lambda: folds(tree, src),
               lambda: simpler_expressions(tree, src)):
        try:
            out += fn()
        except Exception:
            if strict:
                raise
            # A shape this analyst does not know yields no edit of that kind.
    return out


def answer(op, data, arg):
    """The answer to one request of the helper's protocol. For E and S,
    arg is the command line the script runs the source with, as
    hex-encoded JSON (absent: not known)."""
    try:
        if op == b"U":
            return undefined_for(data, arg.decode().split(",") if arg else [])
        argv = json.loads(bytes.fromhex(arg.decode())) if arg else None
        if op == b"S":
            try:
                return edits(data, strict=True, argv=argv)
            except Exception as e:
                return {"error": "%s: %s" % (type(e).__name__, e)}
        return edits(data, argv=argv)
    except (RecursionError, MemoryError):
        # A candidate nested past the tree walkers' depth: "cannot tell"
        # for this one, and the server stays up for the rest of the run.
        return None if op == b"U" else []
