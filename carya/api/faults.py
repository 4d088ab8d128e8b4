"""OpenStack fault bodies: ``{"itemNotFound": {"code": 404, "message": "..."}}``.

Every error an API built with :class:`carya.api.APIRouter` answers goes out in
this shape, whatever raised it (routing, body parsing, validation, policy,
microversions, the handler, an unexpected exception). The App calls
:class:`FaultFormatter` from its one error path (``carya.errors``), so an error
costs a dict and a ``json.dumps``, and object-dispatch applications, which do
not install a formatter, pay nothing.

The fault names are Nova's (what python-novaclient and other clients read):
400 ``badRequest``, 401 ``unauthorized``, 403 ``forbidden``, 404
``itemNotFound``, 405 ``badMethod``, 409 ``conflictingRequest``, 413 and 429
``overLimit``, 415 ``badMediaType``, 501 ``notImplemented``, 503
``serviceUnavailable``; any other status is ``computeFault``. A service with
other names passes its own table. The request id (``openstack.request_id``, set
by :mod:`carya.middleware.request_id`) is added as ``request_id`` when present.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import webob.exc as exc

from ..middleware.faultwrap import FAULT_NAMES
from ..middleware.faultwrap import fault_body as _wire_body

__all__ = ["FAULT_NAMES", "FaultFormatter", "fault_body", "send_fault"]

REQUEST_ID_KEY = "openstack.request_id"
JSON = "application/json"


def fault_body(name: str, code: int, message: str, request_id: str | None = None) -> bytes:
    """The fault document, as the faultwrap middleware writes it (one shape for both)."""
    return _wire_body(code, message, request_id, name)


class FaultFormatter:
    """``(code, title, message, environ) -> (body, content_type)`` for ``App(error_formatter=)``.

    Bodies without a request id are cached per (code, message): the common
    404/405/406 answers are then one dict lookup.
    """

    __slots__ = ("names", "default", "_cache")

    def __init__(self, names: Mapping[int, str] | None = None, default: str = "computeFault"):
        self.names = dict(FAULT_NAMES if names is None else names)
        self.default = default
        self._cache: dict[tuple[int, str], bytes] = {}

    def name_for(self, code: int) -> str:
        return self.names.get(code, self.default)

    def __call__(self, code: int, title: str, message: str, environ: dict) -> tuple[bytes, str]:
        request_id = environ.get(REQUEST_ID_KEY)
        if request_id is None:
            key = (code, message)
            body = self._cache.get(key)
            if body is None:
                body = fault_body(self.name_for(code), code, message or title)
                if len(self._cache) < 256:  # messages may carry client input: stay bounded
                    self._cache[key] = body
            return body, JSON
        return fault_body(self.name_for(code), code, message or title, request_id), JSON


def send_fault(
    formatter: FaultFormatter,
    error: exc.HTTPException,
    environ: dict,
    start_response: Callable,
    headers: Iterable[tuple[str, str]] = (),
) -> list[bytes]:
    """Answer a WSGI request with ``error`` as a fault, outside an App's pipeline.

    For the few errors decided before routing (a bad microversion header).
    """
    message = str(error.detail or error.explanation or error.title)
    body, ctype = formatter(error.status_int, error.title, message, environ)
    start_response(
        f"{error.status_int} {error.title}",
        [("Content-Type", ctype), ("Content-Length", str(len(body))), *headers],
    )
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]
