"""carya: Pecan's programming model, compiled for speed, for OpenStack-grade REST APIs.

The public names follow Pecan's, so ``from pecan import expose`` becomes
``from carya import expose``.
"""

from __future__ import annotations

from . import _webob  # noqa: F401 - first: WebOb imported without its 'cgi' warning
from .app import App, make_app, override_template
from .configuration import conf, set_config
from .context import Request
from .decorators import accept_noncanonical, after_commit, after_rollback, transactional
from .errors import abort, redirect
from .expose import expose, route
from .proxies import request, response, state
from .render import render
from .responses import Response
from .server import serve

__version__ = "0.1.0"

Pecan = App

__all__ = [
    "App",
    "Pecan",
    "Request",
    "Response",
    "abort",
    "accept_noncanonical",
    "after_commit",
    "after_rollback",
    "conf",
    "expose",
    "make_app",
    "override_template",
    "redirect",
    "render",
    "request",
    "response",
    "route",
    "serve",
    "set_config",
    "state",
    "transactional",
]
