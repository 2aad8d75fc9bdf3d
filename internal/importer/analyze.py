# reprokit import's analysis: reads issue code as data and never runs it.
# For each source it says whether it parses as Python (ast.parse on a str,
# so no coding cookie picks a codec), whether it is one expression (a
# `>>>` line the REPL would echo), and which top-level modules it imports.
# It runs inside the sandbox, like a repro; its only output is one line.
import ast
import json
import sys


def imports(tree):
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for n in names:
            top = n.split(".")[0]
            if top not in found:
                found.append(top)
    return found


def one(src, want_expr):
    out = {"parses": False, "expr": False, "imports": []}
    try:
        tree = ast.parse(src, "<issue>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as e:
        out["error"] = "%s: %s" % (type(e).__name__, getattr(e, "msg", e))
        return out
    out["parses"] = True
    out["imports"] = imports(tree)
    if want_expr:
        out["expr"] = len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        req = json.load(f)
    res = [one(s["src"], s.get("expr", False)) for s in req["sources"]]
    names = sorted(getattr(sys, "stdlib_module_names", ()))
    print("REPROKIT-ANALYSIS " + json.dumps({"results": res, "stdlib": names, "version": "%d.%d" % sys.version_info[:2]}))


main()
