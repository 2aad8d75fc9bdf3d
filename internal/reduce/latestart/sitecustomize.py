# reprokit's late-start check (internal/reduce/latestart.go), loaded
# through PYTHONPATH in the minimizer's own runs only: every
# threading.Thread.start() returns 0.2 s late. A reduced repro whose bug
# needs a thread still alive then has to keep it alive itself, instead of
# winning a race that the next run may lose. Python 2.7 and 3.
import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or _os.curdir) != _here]
# The interpreter's own sitecustomize.py, if it has one, runs too.
for _p in _sys.path:
    _f = _os.path.join(_p or _os.curdir, "sitecustomize.py")
    if _os.path.isfile(_f):
        with open(_f) as _src:
            exec(compile(_src.read(), _f, "exec"), {"__name__": "sitecustomize", "__file__": _f})
        break

import threading as _threading
import time as _time

_start = _threading.Thread.start


def _late_start(self):
    _start(self)
    _time.sleep(0.2)


_threading.Thread.start = _late_start
