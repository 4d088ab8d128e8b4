"""Profile one framework on one shape: ``python -m benchmarks.profile carya create``.

Where the time of a slow shape goes, with the same app, environ and WSGI call
as the timed suite. ``--tool cprofile`` (default) prints the functions with the
most own time; ``--tool pyinstrument`` prints a call tree (if installed);
``--tool opcodes`` counts the bytecodes one request executes, by function. That
count has no timing noise, and it is what grows under a server: there every
instruction costs two to four times its in-process time (README, "Over HTTP").
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import importlib
import io
import os
import pstats
import sys

from benchmarks.driver import APP_MODULES, make_caller, verify
from benchmarks.shapes import SHAPES, api_shapes


def find(framework, name):
    """``(app, shape)`` for a shape name, building the API app for ``api_*`` shapes."""
    module = importlib.import_module(APP_MODULES[framework])
    if name.startswith("api_"):
        shape = next(s for s in api_shapes() if s.name == name)
        return module.build_api(), shape
    shape = next(s for s in SHAPES if s.name == name)
    return module.build().app, shape


def opcodes(call, top: int) -> str:
    """The bytecodes one call of ``call`` executes, in all and by function (most first)."""
    counts: collections.Counter = collections.Counter()

    def local(frame, event, arg):
        if event == "opcode":
            code = frame.f_code
            counts[(code.co_filename, code.co_firstlineno, code.co_name)] += 1
        return local

    def start(frame, event, arg):
        frame.f_trace_opcodes = True
        return local

    sys.settrace(start)
    try:
        call()
    finally:
        sys.settrace(None)
    lines = [f"{sum(counts.values())} bytecodes in one request"]
    for (filename, line, name), count in counts.most_common(top):
        lines.append(f"{count:6d}  {_short(filename)}:{line} {name}")
    return "\n".join(lines)


def _short(filename: str) -> str:
    """A path relative to the repository or to site-packages, for reading."""
    for marker in ("site-packages" + os.sep, os.getcwd() + os.sep):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("framework", choices=sorted(APP_MODULES))
    parser.add_argument("shape", help="a shape name: " + ", ".join(s.name for s in SHAPES)
                        + ", api_create, api_action, api_show")
    parser.add_argument("-n", type=int, default=20000, help="requests to profile (20000)")
    parser.add_argument("--tool", choices=("cprofile", "pyinstrument", "opcodes"),
                        default="cprofile")
    parser.add_argument("--top", type=int, default=30, help="rows to print (30)")
    opts = parser.parse_args(argv)
    app, shape = find(opts.framework, opts.shape)
    _, problems = verify(app, shape)
    if problems:
        print("wrong answer, not profiled:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    call = make_caller(app, shape)
    for _ in range(min(1000, opts.n)):
        call()
    if opts.tool == "opcodes":
        print(opcodes(call, opts.top))
        return 0
    if opts.tool == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0001)
        profiler.start()
        for _ in range(opts.n):
            call()
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        return 0
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(opts.n):
        call()
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(opts.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
