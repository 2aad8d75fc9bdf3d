# The minimizer's Python helper: one long-lived process per interpreter
# that reads candidates without running them. This loop runs on every
# Python from 2.7 on and compiles candidates with the grammar of the
# interpreter under test (the syntax check). Sent the analyst
# (pyanalyze.py, Python 3.9 or newer) with "L", the same process also
# answers the analyst's questions.
#
# Protocol: a line "OP LEN [ARG]\n", then LEN bytes; the answer is one
# line of JSON.
#   C  does the source compile? true or false
#   L  load the analyst from the source sent: true, or false when it
#      cannot run on this interpreter
#   other ops go to the analyst's answer(op, data, arg); null when no
#      analyst is loaded
import json
import sys

# Bounded the way the sandbox bounds a repro's processes (4 GiB of
# address space): the helper reads archive text outside the sandbox, and
# a candidate built to make the compiler blow up must cost the helper,
# not the host.
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
except Exception:
    pass


def main():
    inp = getattr(sys.stdin, "buffer", sys.stdin)
    answer = None
    while True:
        line = inp.readline()
        if not line:
            break
        head = line.split()
        op, n = head[0], int(head[1])
        arg = head[2] if len(head) > 2 else None
        data = inp.read(n)
        if op == b"C":
            try:
                compile(data, "<candidate>", "exec")
                ans = True
            except Exception:
                ans = False
        elif op == b"L":
            ns = {"__name__": "pyanalyze"}
            try:
                exec(compile(data, "pyanalyze.py", "exec"), ns)
                answer = ns["answer"]
                ans = True
            except Exception:
                ans = False
        elif answer is not None:
            ans = answer(op, data, arg)
        else:
            ans = None
        sys.stdout.write(json.dumps(ans) + "\n")
        sys.stdout.flush()


main()
