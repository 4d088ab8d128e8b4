"""carya's standard WSGI middleware: plain WSGI, in front of any application.

Each works from Python (``RequestId(app)``) and from a Paste Deploy INI
(``use = egg:carya#request_id``). A typical pipeline, outermost first::

    [pipeline:api]
    pipeline = access_log request_id faultwrap http_proxy_to_wsgi cors sizelimit
               static_token myapp

- ``access_log`` outside ``request_id`` so the line carries the id, and
  outside ``faultwrap`` so a fault is logged with its real status;
- ``request_id`` outside ``faultwrap`` so fault bodies and headers carry the id;
- ``http_proxy_to_wsgi`` before anything that reads the scheme, host or
  client address;
- ``cors`` before authentication, so browser preflights (which carry no
  credentials) are answered;
- ``sizelimit`` before anything reads the body.

Modules: :mod:`.base` (``Middleware``, ``wsgify``), :mod:`.request_id`,
:mod:`.faultwrap`, :mod:`.sizelimit`, :mod:`.cors`, :mod:`.proxy`,
:mod:`.access_log`, :mod:`.auth`; :mod:`.options` reads settings.
"""

from __future__ import annotations

from .access_log import AccessLog
from .auth import ENV_AUTH_CONTEXT, NoAuth, RequestContext, StaticToken, get_context
from .base import Middleware, wsgify
from .cors import CORS
from .faultwrap import FaultWrapper
from .options import MiddlewareConfigError
from .proxy import HTTPProxyToWSGI
from .request_id import ENV_REQUEST_ID, RequestId, RequestIdFilter, current_request_id
from .sizelimit import RequestBodySizeLimiter

__all__ = [
    "AccessLog",
    "CORS",
    "ENV_AUTH_CONTEXT",
    "ENV_REQUEST_ID",
    "FaultWrapper",
    "HTTPProxyToWSGI",
    "Middleware",
    "MiddlewareConfigError",
    "NoAuth",
    "RequestBodySizeLimiter",
    "RequestContext",
    "RequestId",
    "RequestIdFilter",
    "StaticToken",
    "current_request_id",
    "get_context",
    "wsgify",
]
