"""Import time of carya, Falcon and Pecan under a given interpreter.

    python -m benchmarks.import_time [PYTHON]

Give the Python of a clean virtualenv (``python3 -m venv /tmp/v && /tmp/v/bin/pip
install . falcon pecan``) to measure what users get; the default is the current
interpreter (the development venv, where test-only packages such as Paste hook
into WebOb's imports). Each figure is the minimum over fresh interpreters,
minus the minimum of ``python -c pass``.
"""

from __future__ import annotations

import subprocess
import sys
import time

IMPORTS = {
    "falcon": "import falcon",
    "pecan": "import pecan",
    "carya": "from carya import expose, make_app, request; from carya.rest import RestController",
}


def best_of(python: str, code: str, runs: int = 7) -> float | None:
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([python, "-c", code], capture_output=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            return None
        best = elapsed if best is None else min(best, elapsed)
    return best


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    python = args[0] if args else sys.executable
    base = best_of(python, "pass") or 0.0
    print(f"import time under {python} (min of 7, minus `python -c pass`)")
    for name, code in IMPORTS.items():
        took = best_of(python, code)
        shown = "not installed" if took is None else f"{1000 * (took - base):6.1f} ms"
        print(f"  {name:8s} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
