"""The Pecan-idiom app on carya: the same code as ``pecan_app``, other imports."""

from __future__ import annotations

from benchmarks.apps import pecan_style


def build(n_routes=None, wsme=True):
    return pecan_style.build("carya", n_routes, wsme)


def build_api():
    """The Nova-style servers resource on carya.api (benchmarks.api)."""
    from benchmarks.api import impl_carya

    return impl_carya.build()
