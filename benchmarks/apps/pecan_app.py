"""The Pecan-idiom app on Pecan itself (see :mod:`benchmarks.apps.pecan_style`)."""

from __future__ import annotations

from benchmarks.apps import pecan_style


def build(n_routes=None, wsme=True):
    return pecan_style.build("pecan", n_routes, wsme)
