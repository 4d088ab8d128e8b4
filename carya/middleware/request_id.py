"""Request ids: every request gets one, the response and the logs carry it.

The id looks like ``req-<uuid4>`` (OpenStack's form). A client may send its own
in ``X-Openstack-Request-Id`` to follow one call across services; it is used
only if it has exactly that form (``req-`` and a UUID), otherwise a fresh id
is made, so arbitrary client text never reaches the response or the logs.

Where the id goes:

- ``environ['openstack.request_id']`` (the key oslo.middleware uses), for the
  application and for middleware further in (faultwrap, access_log, auth);
- the ``X-Openstack-Request-Id`` response header;
- :func:`current_request_id`, a context variable set while the application is
  called and while its response is iterated, which :class:`RequestIdFilter`
  copies into log records as ``%(request_id)s``::

      handler.addFilter(RequestIdFilter())
      handler.setFormatter(logging.Formatter("%(levelname)s [%(request_id)s] %(message)s"))

  (put the filter on handlers: a logger's filters do not see records that
  propagate to it from child loggers).

Paste: ``[filter:request_id] use = egg:carya#request_id`` (no options).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from .base import WSGIApp, close_iterable, paste_filter
from .options import Options

__all__ = [
    "ENV_REQUEST_ID",
    "HEADER",
    "RequestId",
    "RequestIdFilter",
    "current_request_id",
    "new_request_id",
    "filter_factory",
]

ENV_REQUEST_ID = "openstack.request_id"
HEADER = "X-Openstack-Request-Id"
_ENV_HEADER = "HTTP_X_OPENSTACK_REQUEST_ID"
_HEADER_LOWER = HEADER.lower()
_VALID = re.compile(
    r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z", re.IGNORECASE
)

_request_id: ContextVar[str | None] = ContextVar("carya_request_id", default=None)


def new_request_id() -> str:
    return f"req-{uuid.uuid4()}"


def current_request_id() -> str | None:
    """The id of the request being handled in this context, or ``None``."""
    return _request_id.get()


def accepted_request_id(value: str | None) -> str | None:
    """A client's id if it has the ``req-<uuid>`` form (lower-cased), else ``None``."""
    if value and len(value) == 40 and _VALID.match(value):
        return value.lower()
    return None


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current request's id, or ``default``) to log records."""

    def __init__(self, name: str = "", default: str = "-"):
        super().__init__(name)
        self.default = default

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get() or self.default
        return True


class RequestId:
    """Give each request an id; see the module docstring for where it goes."""

    option_names: frozenset[str] = frozenset()

    def __init__(self, application: WSGIApp, **conf: Any):
        Options("request_id", conf).finish()
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        rid = accepted_request_id(environ.get(_ENV_HEADER)) or new_request_id()
        environ[ENV_REQUEST_ID] = rid
        header = (HEADER, rid)

        def start(status: str, headers: list, exc_info: Any = None) -> Callable:
            headers = [h for h in headers if h[0].lower() != _HEADER_LOWER]
            headers.append(header)
            if exc_info is not None:
                return start_response(status, headers, exc_info)
            return start_response(status, headers)

        token = _request_id.set(rid)
        try:
            result = self.application(environ, start)
        finally:
            _request_id.reset(token)
        if isinstance(result, (list, tuple)):
            return result  # nothing runs while a list is sent, so no id to carry
        return _WithRequestId(result, rid)


class _WithRequestId:
    """A response iterable that sets the request id while the app's code runs in it."""

    __slots__ = ("_result", "_iter", "_rid")

    def __init__(self, result: Iterable[bytes], rid: str):
        self._result = result
        self._iter: Iterator[bytes] | None = None
        self._rid = rid

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        token = _request_id.set(self._rid)
        try:
            if self._iter is None:
                self._iter = iter(self._result)
            return next(self._iter)
        finally:
            _request_id.reset(token)

    def close(self) -> None:
        token = _request_id.set(self._rid)
        try:
            close_iterable(self._result)
        finally:
            _request_id.reset(token)


filter_factory = paste_filter(RequestId)
