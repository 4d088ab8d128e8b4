"""CORS: let listed browser origins call the API; closed unless configured.

With no ``allowed_origin`` the middleware passes everything through untouched
and adds no header at all. With a list, an ``Origin`` that matches an entry
exactly (scheme, host and port, as browsers send it) gets CORS headers; any
other origin gets none, so the browser keeps the response from its page.
``*`` allows every origin, but only if listed explicitly, and never together
with ``allow_credentials`` (that would let any site act with the user's
cookies; list the origins instead).

Preflights (``OPTIONS`` with ``Access-Control-Request-Method``, from an
allowed origin) are answered here without calling the application: 200 with
``Access-Control-Allow-Methods``/``-Headers`` (and ``-Max-Age``,
``-Allow-Credentials`` if set) when the method and every requested header are
allowed; otherwise 403 with a JSON explanation and no CORS headers. Headers a
browser may send anyway (``Accept``, ``Accept-Language``, ``Content-Language``,
``Content-Type``) are always allowed. A preflight from an origin that is not
allowed goes to the application like any ``OPTIONS`` request.

Responses whose CORS headers depend on the ``Origin`` carry ``Vary: Origin``,
so a shared cache never hands one origin's answer to another.

Options (oslo.middleware's names; lists are comma-separated in an INI)::

    [filter:cors]
    use = egg:carya#cors
    allowed_origin = https://dashboard.example.com, https://admin.example.com
    allow_methods = GET, HEAD, POST, PUT, PATCH, DELETE    # the default
    allow_headers = X-Auth-Token, X-Openstack-Request-Id
    expose_headers = X-Openstack-Request-Id
    max_age = 3600
    allow_credentials = false                               # the default
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from .base import WSGIApp, paste_filter, send_error
from .options import MiddlewareConfigError, Options

__all__ = ["CORS", "filter_factory", "DEFAULT_METHODS", "SAFELISTED_HEADERS"]

DEFAULT_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language", "content-type"})
_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[0-9]{1,5})?\Z")
_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}\Z")
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}
_CORS_HEADERS = frozenset({
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
})


def _origin(value: str, opts: Options) -> str:
    """A configured origin, checked and in the form browsers send (lower case)."""
    origin = value.lower()
    if origin in ("*", "null"):
        return origin
    match = _ORIGIN.match(origin)
    if match is None:
        raise opts.error(
            "allowed_origin", "origins like 'https://host[:port]' (no path, no trailing "
            "slash), 'null' or '*'", value,
        )
    scheme = origin.split(":", 1)[0]
    if match.group(2) and match.group(2) == _DEFAULT_PORTS.get(scheme):
        raise opts.error(
            "allowed_origin", f"no default port (browsers send {origin[:match.start(2)]!r})",
            value,
        )
    return origin


class CORS:
    """Cross-origin resource sharing for the listed origins (see the module docstring)."""

    option_names = frozenset({
        "allowed_origin", "allow_credentials", "allow_methods", "allow_headers",
        "expose_headers", "max_age",
    })

    def __init__(self, application: WSGIApp, **conf: Any):
        opts = Options("cors", conf)
        origins = [_origin(o, opts) for o in opts.strings("allowed_origin")]
        credentials = opts.boolean("allow_credentials", False)
        methods = [m.upper() for m in opts.strings("allow_methods", DEFAULT_METHODS)]
        headers = opts.strings("allow_headers")
        expose = opts.strings("expose_headers")
        max_age = opts.integer("max_age", None, minimum=0)
        opts.finish()
        for name in methods + headers + expose:
            if not _TOKEN.match(name):
                raise MiddlewareConfigError(f"cors: {name!r} is not a valid HTTP token")
        if "*" in origins and credentials:
            raise MiddlewareConfigError(
                "cors: allowed_origin '*' with allow_credentials = true would let any site "
                "send credentialed requests; list the allowed origins instead"
            )
        self.application = application
        self.origins = frozenset(origins)
        self.any_origin = "*" in self.origins
        self.enabled = bool(self.origins)
        self.methods = frozenset(methods)
        self.allowed_headers = SAFELISTED_HEADERS | {h.lower() for h in headers}
        # Headers added to every allowed actual response, built once.
        self.extra: list[tuple[str, str]] = []
        if credentials:
            self.extra.append(("Access-Control-Allow-Credentials", "true"))
        if expose:
            self.extra.append(("Access-Control-Expose-Headers", ", ".join(expose)))
        self.preflight_extra = [("Access-Control-Allow-Methods", ", ".join(methods))]
        if max_age is not None:
            self.preflight_extra.append(("Access-Control-Max-Age", str(max_age)))
        if credentials:
            self.preflight_extra.append(("Access-Control-Allow-Credentials", "true"))

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self.enabled:
            return self.application(environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        if origin is None or not (self.any_origin or origin in self.origins):
            if self.any_origin:  # the answer does not depend on Origin
                return self.application(environ, start_response)
            return self.application(environ, _adding(start_response, [], vary=True))
        if environ["REQUEST_METHOD"] == "OPTIONS" and (
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        ):
            return self.preflight(environ, origin, start_response)
        added = [("Access-Control-Allow-Origin", self.allow_origin(origin)), *self.extra]
        vary = not self.any_origin
        return self.application(environ, _adding(start_response, added, vary))

    def allow_origin(self, origin: str) -> str:
        return "*" if self.any_origin else origin

    def preflight(self, environ: dict, origin: str,
                  start_response: Callable) -> list[bytes]:
        """Answer a preflight: may this origin send this method with these headers?"""
        vary = [("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")]
        method = environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"].strip()
        if method not in self.methods:
            shown = repr(method) if _TOKEN.match(method) else "the requested method"
            return send_error(
                start_response, 403,
                f"CORS preflight refused: {shown} is not an allowed method "
                f"(allowed: {', '.join(sorted(self.methods))})", vary,
            )
        requested = [
            h.strip().lower()
            for h in environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",")
            if h.strip()
        ]
        refused = [h for h in requested if h not in self.allowed_headers]
        if refused:
            shown = ", ".join(repr(h) for h in refused if _TOKEN.match(h)) or "some"
            return send_error(
                start_response, 403, f"CORS preflight refused: header(s) {shown} not allowed",
                vary,
            )
        headers = [("Access-Control-Allow-Origin", self.allow_origin(origin))]
        headers += self.preflight_extra
        if requested:
            headers.append(("Access-Control-Allow-Headers", ", ".join(requested)))
        headers += vary
        headers += [("Content-Type", "text/plain; charset=UTF-8"), ("Content-Length", "0")]
        start_response("200 OK", headers)
        return []


def _adding(start_response: Callable, added: list[tuple[str, str]], vary: bool) -> Callable:
    """A ``start_response`` that adds CORS headers (replacing the app's own) and Vary."""

    def start(status: str, headers: list, exc_info: Any = None) -> Callable:
        if added:
            headers = [h for h in headers if h[0].lower() not in _CORS_HEADERS]
            headers.extend(added)
        if vary:
            headers = _vary_origin(headers)
        if exc_info is not None:
            return start_response(status, headers, exc_info)
        return start_response(status, headers)

    return start


def _vary_origin(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Add ``Origin`` to the response's ``Vary`` (merged into one the app set)."""
    for i, (name, value) in enumerate(headers):
        if name.lower() == "vary":
            fields = {f.strip().lower() for f in value.split(",")}
            if "origin" in fields or "*" in fields:
                return headers
            headers = list(headers)
            headers[i] = (name, f"{value}, Origin")
            return headers
    return [*headers, ("Vary", "Origin")]


filter_factory = paste_filter(CORS)
