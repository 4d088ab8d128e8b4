"""``import carya`` is warning-free: ``python -W error`` passes (scripts/test-pythons runs
the same check on every other supported Python)."""

from __future__ import annotations

import subprocess
import sys

MODULES = "carya, carya.api, carya.cli, carya.middleware, carya.notify, carya.openapi"


def test_import_under_warnings_as_errors():
    done = subprocess.run([sys.executable, "-W", "error", "-c", f"import {MODULES}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_cgi_filter_does_not_outlive_the_import():
    """carya silences WebOb's one warning while importing it, and leaves no filter behind."""
    code = ("import warnings, carya\n"
            "assert not any(\"'cgi' is deprecated\" in str(f[1]) for f in warnings.filters), "
            "warnings.filters\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
