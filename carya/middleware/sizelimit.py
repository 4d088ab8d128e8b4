"""Size limit: refuse request bodies larger than ``max_request_body_size`` with a 413.

- A declared ``Content-Length`` over the limit is answered with 413 at once;
  the application is not called and nothing of the body is read.
- A body of unknown length (``Transfer-Encoding: chunked``, or no
  ``Content-Length``) reaches the application through :class:`LimitedInput`,
  which reads at most one byte past the limit and then raises
  :class:`RequestBodyTooLarge`. That is a ``webob.exc`` 413, so an
  application that lets it escape (or a carya app, which renders HTTP
  exceptions) answers 413; this middleware also catches it on the way out.
- A ``Content-Length`` that is not a number is a 400.

Some servers turn a chunked upload into a sized one before the application
sees it (waitress buffers the whole body and sets ``Content-Length``); then the
first rule applies. Others (gunicorn) pass the stream through; then the second.

The default, 114688 bytes (112 KiB), is oslo.middleware's. Paste::

    [filter:sizelimit]
    use = egg:carya#sizelimit
    max_request_body_size = 1048576

An application built from a ``config.py`` (``carya serve``, ``deploy()`` under
mod_wsgi or gunicorn) gets this filter by default (:func:`limit_body`): 1 MiB
for every path, ``server.max_body`` to change it (0: no limit), and
``server.max_body_by_path`` for the routes that take uploads, by path prefix,
the longest prefix winning::

    server = {
        'max_body': 1048576,
        'max_body_by_path': {'/v2/images': 10 * 2**30},
    }
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import webob.exc

from .base import WSGIApp, paste_filter, send_error
from .options import Options

__all__ = [
    "DEFAULT_MAX_REQUEST_BODY_SIZE",
    "DEFAULT_APP_MAX_BODY",
    "limit_body",
    "LimitedInput",
    "RequestBodyTooLarge",
    "RequestBodySizeLimiter",
    "filter_factory",
]

DEFAULT_MAX_REQUEST_BODY_SIZE = 114688
#: The limit a ``config.py`` application gets when its config sets none.
DEFAULT_APP_MAX_BODY = 1048576


def too_large_message(limit: int) -> str:
    return f"Request body is larger than the limit of {limit} bytes"


class RequestBodyTooLarge(webob.exc.HTTPRequestEntityTooLarge):
    """More than the allowed number of bytes was read from the request body."""


class LimitedInput:
    """A ``wsgi.input`` that raises :class:`RequestBodyTooLarge` past ``limit`` bytes.

    Reads are capped so that at most ``limit + 1`` bytes are ever taken from the
    underlying stream: enough to know the body is too large, no more.
    """

    def __init__(self, stream: Any, limit: int):
        self.stream = stream
        self.limit = limit
        self.consumed = 0

    def _room(self, size: int | None) -> int:
        room = self.limit - self.consumed + 1
        if room <= 0:
            raise RequestBodyTooLarge(detail=too_large_message(self.limit))
        if size is None or size < 0 or size > room:
            return room
        return size

    def _count(self, data: bytes) -> bytes:
        self.consumed += len(data)
        if self.consumed > self.limit:
            raise RequestBodyTooLarge(detail=too_large_message(self.limit))
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size == 0:
            return b""
        if size is not None and size > 0:
            return self._count(self.stream.read(self._room(size)))
        # read-all: keep reading until EOF (a short read is not EOF on every stream)
        parts = []
        while True:
            data = self._count(self.stream.read(self._room(None)))
            if not data:
                return b"".join(parts)
            parts.append(data)

    def readline(self, size: int | None = -1) -> bytes:
        return self._count(self.stream.readline(self._room(size)))

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        lines = []
        total = 0
        for line in self:
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line


class RequestBodySizeLimiter:
    """Enforce ``max_request_body_size`` (see the module docstring).

    ``by_path`` maps path prefixes to their own limits (uploads); it is sorted
    once here, longest prefix first, so a request tries the fewest prefixes.
    """

    option_names = frozenset({"max_request_body_size"})

    def __init__(self, application: WSGIApp, by_path: Mapping[str, int] | None = None,
                 **conf: Any):
        opts = Options("sizelimit", conf)
        self.limit: int = opts.integer(
            "max_request_body_size", DEFAULT_MAX_REQUEST_BODY_SIZE, minimum=0
        )
        opts.finish()
        self.application = application
        self.message = too_large_message(self.limit)
        self.by_path = sorted(((prefix, int(limit)) for prefix, limit in (by_path or {}).items()),
                              key=lambda item: -len(item[0]))

    def __getattr__(self, name: str) -> Any:
        # deploy() callers reach the application's attributes (config, router) through us
        return getattr(self.__dict__["application"], name)

    def _limit(self, environ: dict) -> tuple[int, str]:
        if self.by_path:
            path = environ.get("PATH_INFO", "")
            for prefix, limit in self.by_path:
                if path.startswith(prefix):
                    return limit, too_large_message(limit)
        return self.limit, self.message

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        limit, message = self._limit(environ)
        if not limit:
            return self.application(environ, start_response)
        length = environ.get("CONTENT_LENGTH")
        if length and "HTTP_TRANSFER_ENCODING" not in environ:
            if not (length.isascii() and length.isdigit()):
                return send_error(
                    start_response, 400, "Content-Length must be a whole number of bytes"
                )
            if int(length) > limit:
                return send_error(start_response, 413, message)
            return self.application(environ, start_response)
        environ["wsgi.input"] = LimitedInput(environ["wsgi.input"], limit)
        try:
            return self.application(environ, start_response)
        except RequestBodyTooLarge:
            return send_error(start_response, 413, message, exc_info=sys.exc_info())


def limit_body(application: WSGIApp, server: Any) -> WSGIApp:
    """``application`` behind the body limit a config's ``server`` section asks for.

    ``server.max_body`` (default :data:`DEFAULT_APP_MAX_BODY`; 0 with no
    ``max_body_by_path``: no filter at all) and ``server.max_body_by_path``.
    """
    server = server if server is not None else {}
    limit = server.get("max_body")
    limit = DEFAULT_APP_MAX_BODY if limit is None else limit
    by_path = server.get("max_body_by_path") or {}
    if not limit and not by_path:
        return application
    return RequestBodySizeLimiter(application, by_path=dict(by_path.items()),
                                  max_request_body_size=limit)


filter_factory = paste_filter(RequestBodySizeLimiter)
