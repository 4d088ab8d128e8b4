"""What every carya middleware shares: the Nova-style base class, Paste glue, error bodies.

:class:`Middleware` is for writing middleware the way OpenStack services do
(``process_request`` / ``process_response`` over WebOb objects)::

    class Deny(Middleware):
        def process_request(self, req):
            if req.path.startswith("/admin"):
                return webob.exc.HTTPForbidden()

    # Python:      app = Deny(app)
    # Paste INI:   [filter:deny]
    #              paste.filter_factory = mypkg.deny:Deny.factory

carya's own middleware (request id, size limit, CORS ...) is written as plain
WSGI instead: it sits in front of every request, and skipping WebOb's request
and response objects keeps it cheap. It still parses its settings once, in
``__init__``, and is built by :func:`paste_filter` for Paste Deploy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import webob
import webob.dec
from webob.dec import wsgify

from ..configuration import ConfigError
from .options import MiddlewareConfigError

__all__ = [
    "Middleware",
    "wsgify",
    "Request",
    "Response",
    "WSGIApp",
    "paste_filter",
    "error_body",
    "send_error",
    "close_iterable",
]

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
Request = webob.Request
Response = webob.Response


class Middleware:
    """Base class for WebOb-style WSGI middleware (the shape of Nova's ``wsgi.Middleware``).

    Subclasses override :meth:`process_request` (return ``None`` to go on to
    the wrapped application, or a response to answer without it) and/or
    :meth:`process_response`. Settings given to the constructor (from Python or
    from the INI section) are kept in ``self.conf``; parse them in ``__init__``
    so a wrong value fails at start-up, not on the first request. Names listed
    in ``option_names`` may also come from an INI's ``[DEFAULT]`` section.
    """

    option_names: frozenset[str] = frozenset()

    def __init__(self, application: WSGIApp, **conf: Any):
        self.application = application
        self.conf = conf

    @classmethod
    def factory(cls, global_conf: dict, **local_conf: Any) -> Callable[[WSGIApp], WSGIApp]:
        """Paste's filter factory: ``[filter:x] paste.filter_factory = pkg:Cls.factory``."""
        return paste_filter(cls)(global_conf, **local_conf)

    def process_request(self, req: webob.Request) -> webob.Response | None:
        """Inspect or change the request; a response returned here short-circuits."""
        return None

    def process_response(self, response: webob.Response) -> webob.Response:
        """Inspect or change the response (``response.request`` is the request)."""
        return response

    @wsgify
    def __call__(self, req: webob.Request) -> webob.Response:
        response = self.process_request(req)
        if response is not None:
            return response
        response = req.get_response(self.application)
        response.request = req  # so process_response can see what was asked
        return self.process_response(response)


def paste_filter(build: Callable[..., WSGIApp]) -> Callable[..., Callable[[WSGIApp], WSGIApp]]:
    """A Paste ``filter_factory(global_conf, **local_conf)`` for ``build(app, **conf)``.

    The filter's section configures it. ``[DEFAULT]`` values (Paste's
    ``global_conf``) are used only for the names ``build.option_names``
    declares, as Paste means them: defaults for every section. Note Paste's
    rule that a section's own line for a name ``[DEFAULT]`` also sets is
    dropped (write ``set name = value`` to override a default in one section).
    A wrong value raises :class:`MiddlewareConfigError` naming the INI file
    and the key.
    """
    names = getattr(build, "option_names", frozenset())

    def filter_factory(global_conf: dict, **local_conf: Any) -> Callable[[WSGIApp], WSGIApp]:
        global_conf = global_conf or {}
        where = global_conf.get("__file__")
        conf = {name: global_conf[name] for name in names if name in global_conf}
        conf.update(local_conf)

        def make_filter(app: WSGIApp) -> WSGIApp:
            try:
                return build(app, **conf)
            except ConfigError as error:
                if not where:
                    raise
                raise MiddlewareConfigError(f"{where}: {error}") from None

        return make_filter

    return filter_factory


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
}


def error_body(code: int, description: str, title: str | None = None) -> bytes:
    """``{"code": 413, "title": "...", "description": "..."}``: carya's error shape."""
    title = title or _TITLES.get(code) or webob.exc.status_map[code].title
    return json.dumps({"code": code, "title": title, "description": description}).encode()


def send_error(start_response: Callable, code: int, description: str,
               headers: Iterable[tuple[str, str]] = (), exc_info: Any = None) -> list[bytes]:
    """Answer with a JSON error made here (no WebOb objects, no templates)."""
    body = error_body(code, description)
    title = _TITLES.get(code) or webob.exc.status_map[code].title
    headerlist = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    headerlist.extend(headers)
    if exc_info is not None:
        start_response(f"{code} {title}", headerlist, exc_info)
    else:
        start_response(f"{code} {title}", headerlist)
    return [body]


def close_iterable(iterable: Any) -> None:
    """Call ``close()`` on a WSGI response iterable if it has one (PEP 3333 requires it)."""
    close = getattr(iterable, "close", None)
    if close is not None:
        close()
