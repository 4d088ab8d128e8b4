"""The WSGI apps the HTTP benchmarks serve, by name, for every server.

gunicorn loads ``benchmarks.http.entry:build("carya")`` (its factory-call
syntax); mod_wsgi loads ``benchmarks/http/wsgi/<name>.wsgi``, which calls
:func:`build`; the embedded runner calls :func:`build` directly. One builder
means every server serves byte-for-byte the same app.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATALOG_CONFIG = os.path.join(ROOT, "examples", "catalog", "config.py")
APPS = ("raw", "falcon", "pecan", "carya", "catalog")


def build(name: str) -> Callable:
    """The WSGI callable for ``name``: a benchmarks/apps app, or the seed-003 catalog."""
    if name == "catalog":
        from carya.deploy import deploy

        return deploy(CATALOG_CONFIG)
    if name not in APPS:
        raise ValueError(f"unknown app {name!r}; choose one of {', '.join(APPS)}")
    module = {"falcon": "falcon_app", "pecan": "pecan_app", "carya": "carya_app"}.get(name, name)
    return importlib.import_module(f"benchmarks.apps.{module}").build().app
