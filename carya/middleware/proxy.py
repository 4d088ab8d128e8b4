"""HTTPProxyToWSGI: make the environ describe the client's request, not the proxy's.

Behind a TLS-terminating proxy the application sees ``http``, the proxy's
address and the internal host name. With ``enable_proxy_headers_parsing =
true`` (default **false**, as in oslo.middleware: headers a client can forge
must not be trusted unless a proxy you run sets them) this middleware reads

- RFC 7239 ``Forwarded`` (``proto=``, ``host=``, ``for=``), or, when that is
  absent, ``X-Forwarded-Proto``, ``X-Forwarded-Host``, ``X-Forwarded-For``,
- ``X-Forwarded-Prefix`` (the path the proxy mounts the service under),

and sets ``wsgi.url_scheme``, ``HTTP_HOST``, ``REMOTE_ADDR`` and prepends the
prefix to ``SCRIPT_NAME`` (so generated URLs carry it).

Which entry counts: proxies append to these lists, so the first entries are
whatever the client sent. The entry used is the one added by the outermost
proxy you trust: ``trusted_proxy_count`` entries from the right (default 1,
the proxy right in front of the service). A list shorter than that is
ignored. oslo.middleware takes the first entry instead, which a client can
choose; that is deliberately not copied.

A header that is present but malformed (a scheme other than http/https, a
host or address that is not one) is answered 400 with a JSON explanation,
rather than guessed at. ``for=unknown`` and obfuscated ``for=_name`` values
leave ``REMOTE_ADDR`` as it is.

Note: waitress (``carya serve``) drops ``X-Forwarded-*``/``Forwarded``
headers itself unless told otherwise (``clear_untrusted_proxy_headers``); this
middleware only sees what the server passes on.

Paste::

    [filter:http_proxy_to_wsgi]
    use = egg:carya#http_proxy_to_wsgi
    enable_proxy_headers_parsing = true
    trusted_proxy_count = 1
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from .base import WSGIApp, paste_filter, send_error
from .options import Options

__all__ = ["HTTPProxyToWSGI", "BadProxyHeader", "parse_forwarded", "filter_factory"]

_PAIR = re.compile(
    r"\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)=(\"(?:[^\"\\]|\\.)*\"|[^\",;\s]*)\s*"
)
_QUOTED_PAIR = re.compile(r"\\(.)")
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:[0-9]{1,5})?\Z")
_PREFIX = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*\Z")
_SCHEMES = {"http": "http", "https": "https"}


class BadProxyHeader(ValueError):
    """A proxy header that is present but malformed; the message names the header."""


def parse_forwarded(value: str) -> list[dict[str, str]]:
    """RFC 7239 ``Forwarded`` -> one dict per proxy (lower-case parameter names)."""
    elements: list[dict[str, str]] = []
    current: dict[str, str] = {}
    pos = 0
    while True:
        match = _PAIR.match(value, pos)
        if match is None or not match.group(2):
            raise BadProxyHeader("Forwarded: expected name=value pairs separated by ; and ,")
        name, val = match.group(1).lower(), match.group(2)
        if val.startswith('"'):
            val = _QUOTED_PAIR.sub(r"\1", val[1:-1])
        if name in current:
            raise BadProxyHeader(f"Forwarded: parameter {name!r} repeated in one element")
        current[name] = val
        pos = match.end()
        if pos == len(value):
            elements.append(current)
            return elements
        if value[pos] == ",":
            elements.append(current)
            current = {}
        elif value[pos] != ";":
            raise BadProxyHeader("Forwarded: expected ';' or ',' between parameters")
        pos += 1


def _scheme(value: str, header: str) -> str:
    scheme = _SCHEMES.get(value.strip().lower())
    if scheme is None:
        raise BadProxyHeader(f"{header}: the scheme must be http or https")
    return scheme


def _host(value: str, header: str) -> str:
    host = value.strip()
    if not _HOST.match(host):
        raise BadProxyHeader(f"{header}: expected a host name or address, optionally with :port")
    return host


def _address(value: str, header: str) -> str | None:
    """The client IP in a ``for`` value; ``None`` for ``unknown``/obfuscated identifiers."""
    node = value.strip()
    if node.lower() == "unknown" or node.startswith("_"):
        return None
    if node.startswith("["):  # "[2001:db8::1]:4711"
        end = node.find("]")
        host = node[1:end] if end > 0 else ""
    elif node.count(":") == 1:  # "192.0.2.1:4711"
        host = node.split(":", 1)[0]
    else:
        host = node
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise BadProxyHeader(f"{header}: expected an IP address") from None


def _prefix(value: str) -> str:
    prefix = value.strip()
    if not _PREFIX.match(prefix):
        raise BadProxyHeader("X-Forwarded-Prefix: expected a URL path starting with '/'")
    return unquote_to_bytes(prefix.rstrip("/")).decode("latin-1")


class HTTPProxyToWSGI:
    """Apply trusted proxy headers to the environ (see the module docstring)."""

    option_names = frozenset({"enable_proxy_headers_parsing", "trusted_proxy_count"})

    def __init__(self, application: WSGIApp, **conf: Any):
        opts = Options("http_proxy_to_wsgi", conf)
        self.enabled = opts.boolean("enable_proxy_headers_parsing", False)
        self.count: int = opts.integer("trusted_proxy_count", 1, minimum=1)
        opts.finish()
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.enabled:
            try:
                self.apply(environ)
            except BadProxyHeader as error:
                return send_error(start_response, 400, f"Malformed proxy header: {error}")
        return self.application(environ, start_response)

    def pick(self, items: list) -> Any:
        """The entry the trusted proxy added, or ``None`` if the list is too short."""
        return items[-self.count] if len(items) >= self.count else None

    def apply(self, environ: dict) -> None:
        forwarded = environ.get("HTTP_FORWARDED")
        if forwarded:
            self.apply_forwarded(environ, forwarded)
        else:
            self.apply_x_forwarded(environ)
        prefix = environ.get("HTTP_X_FORWARDED_PREFIX")
        if prefix:
            environ["SCRIPT_NAME"] = _prefix(prefix) + environ.get("SCRIPT_NAME", "")

    def apply_forwarded(self, environ: dict, value: str) -> None:
        proxy = self.pick(parse_forwarded(value))
        if proxy is None:
            return
        if "proto" in proxy:
            environ["wsgi.url_scheme"] = _scheme(proxy["proto"], "Forwarded proto")
        if "host" in proxy:
            environ["HTTP_HOST"] = _host(proxy["host"], "Forwarded host")
        if "for" in proxy:
            addr = _address(proxy["for"], "Forwarded for")
            if addr is not None:
                environ["REMOTE_ADDR"] = addr

    def apply_x_forwarded(self, environ: dict) -> None:
        proto = self.last("HTTP_X_FORWARDED_PROTO", environ)
        if proto is not None:
            environ["wsgi.url_scheme"] = _scheme(proto, "X-Forwarded-Proto")
        host = self.last("HTTP_X_FORWARDED_HOST", environ)
        if host is not None:
            environ["HTTP_HOST"] = _host(host, "X-Forwarded-Host")
        client = self.last("HTTP_X_FORWARDED_FOR", environ)
        if client is not None:
            addr = _address(client, "X-Forwarded-For")
            if addr is not None:
                environ["REMOTE_ADDR"] = addr

    def last(self, key: str, environ: dict) -> str | None:
        value = environ.get(key)
        if not value:
            return None
        return self.pick(value.split(","))


filter_factory = paste_filter(HTTPProxyToWSGI)
