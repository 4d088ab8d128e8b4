"""The WSGI apps the HTTP benchmarks serve, by name, for every server.

gunicorn loads ``benchmarks.http.entry:build("carya")`` (its factory-call
syntax); mod_wsgi loads ``benchmarks/http/wsgi/<name>.wsgi``, which calls
:func:`build`; the embedded runner calls :func:`build` directly. One builder
means every server serves byte-for-byte the same app.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATALOG_CONFIG = os.path.join(ROOT, "examples", "catalog", "config.py")
APPS = ("raw", "falcon", "pecan", "carya", "catalog", "slow")
#: how long the ``slow`` app waits before answering: a database round trip, during
#: which its thread holds no GIL (``benchmarks.http.concurrency --apps slow``)
SLOW_SECONDS = 0.002


def build(name: str) -> Callable:
    """The WSGI callable for ``name``: a benchmarks/apps app, or the seed-003 catalog."""
    if name == "catalog":
        from carya.deploy import deploy

        return deploy(CATALOG_CONFIG)
    if name == "slow":
        return _slow(build("raw"))
    if name not in APPS:
        raise ValueError(f"unknown app {name!r}; choose one of {', '.join(APPS)}")
    module = {"falcon": "falcon_app", "pecan": "pecan_app", "carya": "carya_app"}.get(name, name)
    return importlib.import_module(f"benchmarks.apps.{module}").build().app


def _slow(app: Callable) -> Callable:
    """``app``, answering each request after a :data:`SLOW_SECONDS` wait (a handler
    waiting on its database): the server's threads, not its CPU, run out first."""

    def slow(environ: dict, start_response: Callable):
        time.sleep(SLOW_SECONDS)
        return app(environ, start_response)

    return slow
