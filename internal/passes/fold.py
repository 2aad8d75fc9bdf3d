# reprokit's constant folder: computes the value of pure expressions over
# literals (found by the analyst, from its whitelist) with the interpreter
# under test, inside the sandbox, each in a child process with a time
# limit of its own. It reads
# folds.json ([{"expr": TEXT, "env": {NAME: "module" or "module.func"}}])
# and prints one line per expression: "FOLD " and the value's literal as
# JSON, or null when the value has no literal that means the same (an
# object, a set, a NaN), took too long, or raised.
import ast
import importlib
import json
import os
import select
import signal
import sys
import time

PLAIN = (type(None), bool, int, float, str, bytes, list, tuple, dict)


def plain(v, depth=0):
    """Whether v is made of values whose repr reads back as the same
    value, in the same order every run (no sets: their order follows the
    hash of their elements)."""
    if depth > 50 or type(v) not in PLAIN:
        return False
    if type(v) is float:
        return v == v and v not in (float("inf"), float("-inf"))
    if type(v) in (list, tuple):
        return all(plain(x, depth + 1) for x in v)
    if type(v) is dict:
        return all(plain(k, depth + 1) and plain(x, depth + 1) for k, x in v.items())
    return True


def literal(v):
    """A literal for v: a multi-line string triple-quoted (the line passes
    can still cut code kept in it), else its repr."""
    if not plain(v):
        return None
    if type(v) is str and "\n" in v and '"""' not in v and "\\" not in v and not v.endswith('"') \
            and all(c.isprintable() or c in "\n\t" for c in v):
        return '"""' + v + '"""'
    r = repr(v)
    if len(r) > 10000:
        return None
    try:
        back = ast.literal_eval(r)
    except Exception:
        return None
    return r if back == v and type(back) is type(v) else None


# Each expression runs in a child process of its own, killed at this many
# seconds: a computation in C (a huge power, a regular expression that
# backtracks) does not stop for a signal.
LIMIT = 2.0


def compute(req):
    ns = {}
    for name, path in sorted((req.get("env") or {}).items()):
        mod, _, attr = path.partition(".")
        m = importlib.import_module(mod)
        ns[name] = getattr(m, attr) if attr else m
    return eval(compile("(\n" + req["expr"] + "\n)", "<fold>", "eval"), ns)


def evaluate(req):
    """The literal of req's value, computed in a child with LIMIT."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = literal(compute(req))
        except BaseException:
            out = None
        data = json.dumps(out).encode()
        while data:
            data = data[os.write(w, data):]
        os._exit(0)
    os.close(w)
    deadline = time.monotonic() + LIMIT
    chunks = []
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                return None
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks).decode())
    except ValueError:
        return None


def main():
    with open("folds.json") as f:
        requests = json.load(f)
    for req in requests:
        sys.stdout.write("FOLD " + json.dumps(evaluate(req)) + "\n")
        sys.stdout.flush()


main()
