"""Pecan's public names and module layout, mapped onto carya (``import pecan``).

With the alias installed (``carya pecan-alias enable``, or :func:`install` in a
test harness), ``import pecan`` gives this package and ``pecan.X`` the module
``carya.compat.pecan.X``. Each module re-exports carya's piece under Pecan's
name, or adapts it where Pecan's internals differ; the core stays free of them.
"""

from __future__ import annotations

from carya.compat import wsexpose as _wsexpose
from carya.compat.alias import install, installed, uninstall

from . import middleware, templating, util  # noqa: F401 - pecan.templating, as in Pecan
from .configuration import Config, set_config
from .core import (
    Pecan,
    Request,
    Response,
    abort,
    load_app,
    make_app,
    override_template,
    redirect,
    render,
    request,
    response,
)
from .decorators import expose
from .hooks import RequestViewerHook
from .middleware.debug import DebugMiddleware
from .middleware.errordocument import ErrorDocumentMiddleware
from .middleware.recursive import RecursiveMiddleware
from .middleware.static import StaticFileMiddleware
from .routing import route

# WSME's wsexpose (wsmeext.pecan imports this package) gets its plain cases compiled.
_wsexpose.enable()

__all__ = [
    "make_app", "load_app", "Pecan", "Request", "Response", "request", "response",
    "override_template", "expose", "conf", "set_config", "render", "abort", "redirect", "route",
    "Config", "RequestViewerHook", "DebugMiddleware", "ErrorDocumentMiddleware",
    "RecursiveMiddleware", "StaticFileMiddleware", "middleware",
    "install", "uninstall", "installed",
]


def __getattr__(name: str):
    # ``pecan.conf`` is always the configuration set last, as in Pecan.
    if name == "conf":
        from carya import configuration

        return configuration._runtime_conf
    raise AttributeError(f"module 'pecan' has no attribute {name!r}")
