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
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import webob.exc

from .base import WSGIApp, paste_filter, send_error
from .options import Options

__all__ = [
    "DEFAULT_MAX_REQUEST_BODY_SIZE",
    "LimitedInput",
    "RequestBodyTooLarge",
    "RequestBodySizeLimiter",
    "filter_factory",
]

DEFAULT_MAX_REQUEST_BODY_SIZE = 114688


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
    """Enforce ``max_request_body_size`` (see the module docstring)."""

    option_names = frozenset({"max_request_body_size"})

    def __init__(self, application: WSGIApp, **conf: Any):
        opts = Options("sizelimit", conf)
        self.limit: int = opts.integer(
            "max_request_body_size", DEFAULT_MAX_REQUEST_BODY_SIZE, minimum=0
        )
        opts.finish()
        self.application = application
        self.message = too_large_message(self.limit)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH")
        if length and "HTTP_TRANSFER_ENCODING" not in environ:
            if not (length.isascii() and length.isdigit()):
                return send_error(
                    start_response, 400, "Content-Length must be a whole number of bytes"
                )
            if int(length) > self.limit:
                return send_error(start_response, 413, self.message)
            return self.application(environ, start_response)
        environ["wsgi.input"] = LimitedInput(environ["wsgi.input"], self.limit)
        try:
            return self.application(environ, start_response)
        except RequestBodyTooLarge:
            return send_error(start_response, 413, self.message, exc_info=sys.exc_info())


filter_factory = paste_filter(RequestBodySizeLimiter)
