"""Access log: one line per request, written when the response is finished.

The line is logged at INFO on the logger ``carya.access`` (``logger_name`` to
change it) once the server closes the response iterable, so the duration and
the byte count cover sending the body, not just building it::

    127.0.0.1 "GET /v2/servers" status: 200 len: 1834 time: 4.2ms request_id: req-5f0c...

Method and path are percent-escaped, so a request cannot write control
characters or fake lines into the log; the query string is left out (it may
carry secrets). The request id is the one the request_id middleware stored in
the environ, so put this filter outside (before) request_id to have it. The
same facts are on the record as attributes for structured formatters:
``remote_addr``, ``method``, ``path``, ``status``, ``length``, ``duration_ms``,
``request_id``.

An application that raises instead of answering is logged as status 500 (what
the server will send) and the exception goes on.

Paste::

    [filter:access_log]
    use = egg:carya#access_log
    logger_name = myservice.access
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

from .base import WSGIApp, close_iterable, paste_filter
from .options import Options
from .request_id import ENV_REQUEST_ID

__all__ = ["AccessLog", "filter_factory", "DEFAULT_LOGGER"]

DEFAULT_LOGGER = "carya.access"
_FORMAT = '%s "%s %s" status: %s len: %d time: %.1fms request_id: %s'
_SAFE = "/:@!$&'()*+,;=-._~"


def _escaped(text: str) -> str:
    """WSGI strings hold bytes as latin-1; show them percent-escaped where not plain."""
    return quote(text.encode("latin-1", "replace"), safe=_SAFE)


class _Entry:
    """What one request's line needs, filled in as the response goes out."""

    __slots__ = ("environ", "start", "status", "length", "logged")

    def __init__(self, environ: dict):
        self.environ = environ
        self.start = time.perf_counter()
        self.status = "-"
        self.length = 0
        self.logged = False


class AccessLog:
    """Log one line per request (see the module docstring)."""

    option_names = frozenset({"logger_name"})

    def __init__(self, application: WSGIApp, **conf: Any):
        opts = Options("access_log", conf)
        self.logger = logging.getLogger(opts.string("logger_name", DEFAULT_LOGGER))
        opts.finish()
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        entry = _Entry(environ)

        def start(status: str, headers: list, exc_info: Any = None) -> Callable:
            entry.status = status.split(" ", 1)[0]
            if exc_info is not None:
                write = start_response(status, headers, exc_info)
            else:
                write = start_response(status, headers)

            def counting_write(data: bytes) -> Any:
                entry.length += len(data)
                return write(data)

            return counting_write

        try:
            result = self.application(environ, start)
        except BaseException:
            entry.status = "500"
            self.log(entry)
            raise
        return _Logged(result, entry, self)

    def log(self, entry: _Entry) -> None:
        if entry.logged:
            return
        entry.logged = True
        if not self.logger.isEnabledFor(logging.INFO):
            return
        env = entry.environ
        ms = (time.perf_counter() - entry.start) * 1000.0
        remote = env.get("REMOTE_ADDR") or "-"
        method = _escaped(env.get("REQUEST_METHOD", "-"))
        path = _escaped(env.get("SCRIPT_NAME", "") + env.get("PATH_INFO", "")) or "/"
        rid = env.get(ENV_REQUEST_ID) or "-"
        self.logger.info(
            _FORMAT, remote, method, path, entry.status, entry.length, ms, rid,
            extra={
                "remote_addr": remote, "method": method, "path": path,
                "status": entry.status, "length": entry.length,
                "duration_ms": round(ms, 3), "request_id": rid,
            },
        )


class _Logged:
    """The response iterable: counts bytes as they go out, logs the line on ``close()``."""

    __slots__ = ("_result", "_entry", "_owner")

    def __init__(self, result: Iterable[bytes], entry: _Entry, owner: AccessLog):
        self._result = result
        self._entry = entry
        self._owner = owner

    def __iter__(self) -> Iterator[bytes]:
        entry = self._entry
        for chunk in self._result:
            entry.length += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close_iterable(self._result)
        finally:
            self._owner.log(self._entry)


filter_factory = paste_filter(AccessLog)
