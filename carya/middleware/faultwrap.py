"""Faultwrap: an exception that escapes the application becomes a JSON fault, not a crash.

The body has Nova's fault shape: one key naming the kind of fault, holding
the status code, a message and (when the request_id middleware runs further
out) the request id::

    HTTP/1.1 500 Internal Server Error
    Content-Type: application/json

    {"computeFault": {"code": 500,
                      "message": "The server has either erred or is incapable of
                                  performing the requested operation.",
                      "request_id": "req-0b4c..."}}

- Any exception other than a WebOb HTTP exception is a 500 with that fixed
  message; the exception's text and traceback go to the log (logger
  ``carya.middleware.faultwrap``, with the request id), never to the client.
  The 500 key is ``computeFault`` unless ``fault_name`` says otherwise.
- A ``webob.exc`` HTTP error that escapes keeps its status and headers
  (``Allow``, ``WWW-Authenticate`` ...) and its detail becomes the message,
  under Nova's names: 400 ``badRequest``, 401 ``unauthorized``, 403
  ``forbidden``, 404 ``itemNotFound``, 405 ``badMethod``, 409
  ``conflictingRequest``, 413 and 429 ``overLimit``, 415 ``badMediaType``, 501
  ``notImplemented``, 503 ``serviceUnavailable``, others the ``fault_name``.
  A raised redirect (3xx) is sent as the redirect it is.

Exceptions are caught when raised by the call itself, between
``start_response`` and the return, and while producing the first non-empty
chunk of the body (a generator application runs its code then). After the
first chunk the status line may be on the wire: such an error is logged and
re-raised, so the server cuts the connection rather than send a body that
looks complete.

Paste: ``[filter:faultwrap] use = egg:carya#faultwrap`` (option ``fault_name``).
"""

from __future__ import annotations

import itertools
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import webob.exc

from .base import WSGIApp, close_iterable, paste_filter
from .options import Options
from .request_id import ENV_REQUEST_ID

__all__ = ["FaultWrapper", "fault_body", "filter_factory", "INTERNAL_MESSAGE"]

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = (
    "The server has either erred or is incapable of performing the requested operation."
)
FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}
_BODY_HEADERS = frozenset({"content-type", "content-length"})


def fault_body(code: int, message: str, request_id: str | None, name: str) -> bytes:
    """The JSON fault document (see the module docstring for its shape)."""
    fault: dict[str, Any] = {"code": code, "message": message}
    if request_id:
        fault["request_id"] = request_id
    return json.dumps({name: fault}).encode()


class FaultWrapper:
    """Turn exceptions escaping ``application`` into JSON faults (see the module docstring)."""

    option_names = frozenset({"fault_name"})

    def __init__(self, application: WSGIApp, **conf: Any):
        opts = Options("faultwrap", conf)
        self.fault_name = opts.string("fault_name", "computeFault")
        opts.finish()
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            result = self.application(environ, start_response)
            if isinstance(result, (list, tuple)):
                return result
            return self.first_chunk(result, environ, start_response)
        except Exception as error:  # noqa: BLE001 - the point of this middleware
            return self.fault(error, environ, start_response)

    def first_chunk(self, result: Iterable[bytes], environ: dict,
                    start_response: Callable) -> Iterable[bytes]:
        """Run the app's iterable up to its first non-empty chunk, where errors still can
        become a fault; hand back the rest unchanged, guarded by :class:`_LogErrors`."""
        try:
            chunks = iter(result)
            for chunk in chunks:
                if chunk:
                    rest = itertools.chain((chunk,), chunks)
                    return _LogErrors(rest, result, environ)
        except Exception:
            close_iterable(result)
            raise
        close_iterable(result)
        return []

    def fault(self, error: Exception, environ: dict, start_response: Callable) -> list[bytes]:
        rid = environ.get(ENV_REQUEST_ID)
        if isinstance(error, webob.exc.HTTPException):
            return self.http_fault(error, rid, environ, start_response)
        log.error(
            "%s %s [%s] failed: %s: %s",
            environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), rid or "-",
            type(error).__name__, error,
            exc_info=(type(error), error, error.__traceback__),
        )
        body = fault_body(500, INTERNAL_MESSAGE, rid, self.fault_name)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response("500 Internal Server Error", headers, sys.exc_info())
        return [body]

    def http_fault(self, error: webob.exc.HTTPException, rid: str | None, environ: dict,
                   start_response: Callable) -> Iterable[bytes]:
        response: webob.Response = error  # webob's HTTP exceptions are responses
        code = response.status_int
        if code < 400:
            return response(environ, start_response)
        detail = getattr(error, "detail", None) or getattr(error, "explanation", None)
        message = str(detail or response.status)
        name = FAULT_NAMES.get(code, self.fault_name)
        body = fault_body(code, message, rid, name)
        headers = [(k, v) for k, v in response.headerlist if k.lower() not in _BODY_HEADERS]
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response(response.status, headers, sys.exc_info())
        return [body]


class _LogErrors:
    """The rest of a response body; an error in it is logged with the request id, then
    re-raised (headers may be sent, so only the server can still react: it drops the
    connection)."""

    __slots__ = ("_chunks", "_result", "_environ")

    def __init__(self, chunks: Iterator[bytes], result: Iterable[bytes], environ: dict):
        self._chunks = chunks
        self._result = result
        self._environ = environ

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except StopIteration:
            raise
        except Exception:
            env = self._environ
            log.error(
                "%s %s [%s] failed after the response started; the connection will be cut",
                env.get("REQUEST_METHOD"), env.get("PATH_INFO"), env.get(ENV_REQUEST_ID) or "-",
                exc_info=True,
            )
            raise

    def close(self) -> None:
        close_iterable(self._result)


filter_factory = paste_filter(FaultWrapper)
