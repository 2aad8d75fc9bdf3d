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
import textwrap

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


def block_text(src, body, indent):
    """The statements of body as source lines re-indented to indent."""
    first = min([body[0].lineno] + [d.lineno for d in getattr(body[0], "decorator_list", [])])
    a, b = src.lines(first, body[-1].end_lineno)
    old = src.indent_of(body[0])
    out = []
    for line in src.data[a:b].decode().splitlines(True):
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
        out.append({"kind": "inline-func", "edits": [[da, db, ""], [sa, sb, text]]})
    return out


def list_cut(src, items, i):
    """The byte span that removes items[i] from a comma-separated list,
    with one of its commas."""
    a, b = src.span(items[i])
    if i > 0:
        return src.span(items[i - 1])[1], b
    if len(items) > 1:
        return a, src.span(items[1])[0]
    return a, b


def unused_parameters(tree, src):
    """A parameter its function never reads goes, with the argument the one
    call passes for it: `j(d, c)` called as `j(x, 0)` becomes `j(d)`."""
    out = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or fn.decorator_list or not simple_args(fn) \
                or isinstance(fn._parent, ast.ClassDef):
            continue
        owner = fn._parent if isinstance(fn._parent, SCOPES + (ast.Module,)) else scope_of(fn._parent)
        ms, other = mentions(owner, fn.name)
        if other != 1 or len(ms) != 1 or not isinstance(ms[0]._parent, ast.Call) or ms[0]._parent.func is not ms[0]:
            continue
        call = ms[0]._parent
        if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
            continue
        params = fn.args.args
        required = len(params) - len(fn.args.defaults)
        loaded = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
        for i, p in enumerate(params[:min(required, len(call.args))]):
            if p.arg in loaded:
                continue
            out.append({"kind": "unused-param", "edits": [list(list_cut(src, params, i)) + [""],
                                                          list(list_cut(src, call.args, i)) + [""]]})
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
        if cls is None or call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
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


def inline_variables(tree, src, wc):
    """NAME = EXPR with NAME loaded exactly once (in its scope, or a nested
    one that does not rebind it): the load becomes EXPR."""
    out = []
    for st in ast.walk(tree):
        if not (isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name)):
            continue
        if isinstance(st._parent, ast.ClassDef):
            continue
        name = st.targets[0].id
        ms, other = mentions(scope_of(st), name)
        uses = [n for n in ms if isinstance(n.ctx, ast.Load)]
        if other or len(ms) != 2 or len(uses) != 1:
            continue
        use = uses[0]
        if (use.lineno, use.col_offset) < (st.lineno, st.col_offset):
            continue
        a, b = src.span(use)
        out.append({"kind": "inline-var", "edits": [list(src.stmt_lines(st)) + [""], [a, b, wrap(src.text(st.value))]]})
    return out


def hollow_bodies(tree, src):
    """A function body that does nothing the bug needs becomes `pass`
    (shrinkray's "replace with ..."): a coroutine never awaited, a callback
    never called, a method the bug only needs to exist."""
    out = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
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
        body, pre, pre_after = None, "", ""
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
        elif isinstance(st, ast.For):
            body = st.body
            pre = " " * indent + "%s = next(iter(%s))\n" % (src.text(st.target), src.text(st.iter))
        if not body:
            continue
        if any(isinstance(n, (ast.Break, ast.Continue)) for b in body for n in ast.walk(b)):
            continue
        a, b = src.stmt_lines(st)
        kind = "hoist-main" if isinstance(st, ast.If) and is_main_guard(st) else "hoist"
        out.append({"kind": kind, "edits": [[a, b, pre + block_text(src, body, indent) + pre_after]]})
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


def plumbing(tree, src):
    """argparse and configuration plumbing: every `args.x` becomes the
    value it would have (the default), the parser statements go; a
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
        defaults, stmts, nsnames = {}, [pst], set()
        for st in ast.walk(tree):
            if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) and isinstance(st.value.func, ast.Attribute) \
                    and isinstance(st.value.func.value, ast.Name) and st.value.func.value.id == pname:
                call = st.value
                stmts.append(st)
                if call.func.attr != "add_argument":
                    continue
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
        for node in ast.walk(tree):
            if is_parse(node) and not any(node is n.value for n in direct) and not any(node is s.value for s in stmts if isinstance(s, ast.Assign)):
                ok = False  # the namespace escapes: its uses are not all seen
                break
            if isinstance(node, ast.Attribute) and (isinstance(node.value, ast.Name) and node.value.id in nsnames or is_parse(node.value)):
                if node.attr not in defaults or not isinstance(node.ctx, ast.Load):
                    ok = False
                    break
                a, b = src.span(node)
                edits.append([a, b, defaults[node.attr]])
        if ok:
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


PURE_STR_METHODS = {"format", "strip", "lstrip", "rstrip", "lower", "upper", "replace", "expandtabs"}


def folded(node):
    """The value of a pure string call on constants (textwrap.dedent of a
    literal, "...".format(c=0), " x ".strip()), or None."""
    if not isinstance(node, ast.Call) or not all(isinstance(a, ast.Constant) for a in node.args) \
            or not all(k.arg and isinstance(k.value, ast.Constant) for k in node.keywords):
        return None
    args = [a.value for a in node.args]
    kwargs = {k.arg: k.value.value for k in node.keywords}
    f = node.func
    textwrap_fn = f.attr if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "textwrap" \
        and f.attr in ("dedent", "indent") else "dedent" if isinstance(f, ast.Name) and f.id == "dedent" else None
    try:
        if textwrap_fn and args and isinstance(args[0], str):
            value = getattr(textwrap, textwrap_fn)(*args, **kwargs)
        elif isinstance(f, ast.Attribute) and f.attr in PURE_STR_METHODS and isinstance(f.value, ast.Constant) \
                and isinstance(f.value.value, str) and all(isinstance(a, (str, int)) for a in args + list(kwargs.values())):
            value = getattr(f.value.value, f.attr)(*args, **kwargs)
        else:
            return None
    except Exception:
        return None
    return value if isinstance(value, str) and len(value) < 10000 else None


def literal(value):
    """A string literal for value: triple-quoted when it spans lines, so
    the line passes can still cut the code inside it."""
    if "\n" in value and '"""' not in value and "\\" not in value and not value.endswith('"'):
        return '"""' + value + '"""'
    return repr(value)


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
        value = folded(node)
        if value is not None and len(literal(value)) < len(old):
            # Computed here: a pure string call on constants.
            out.append({"kind": "expressions", "edits": [[a, b, literal(value)]]})
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
    return out


def edits(data, strict=False):
    """Every edit of every kind; with strict, a kind that fails raises (the
    tests' check that no shape of real code makes a kind give up)."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return []
    parents(tree)
    src = Source(data)
    wc = words(tree)
    out = []
    for fn in (lambda: sys_exits(tree, src), lambda: plumbing(tree, src),
               lambda: namespace_classes(tree, src, wc), lambda: inline_functions(tree, src, wc),
               lambda: hoists(tree, src), lambda: hollow_bodies(tree, src),
               lambda: inline_variables(tree, src, wc), lambda: unused_parameters(tree, src),
               lambda: holder_reads(tree, src),
               lambda: simpler_expressions(tree, src)):
        try:
            out += fn()
        except Exception:
            if strict:
                raise
            # A shape this analyst does not know yields no edit of that kind.
    return out


def answer(op, data, arg):
    """The answer to one request of the helper's protocol."""
    try:
        if op == b"U":
            return undefined_for(data, arg.decode().split(",") if arg else [])
        if op == b"S":
            try:
                return edits(data, strict=True)
            except Exception as e:
                return {"error": "%s: %s" % (type(e).__name__, e)}
        return edits(data)
    except (RecursionError, MemoryError):
        # A candidate nested past the tree walkers' depth: "cannot tell"
        # for this one, and the server stays up for the rest of the run.
        return None if op == b"U" else []
