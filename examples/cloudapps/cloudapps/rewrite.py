"""Rewriting the body of some error responses, the way OpenStack's filters do.

Aodh's ``ParsableErrorMiddleware`` and keystonemiddleware's 401 both replace the
body of an error that the application below produced with a document of their
own. :func:`rewrite_response` is that wrapping once: it holds back the
``start_response`` of the statuses it is asked to rewrite, reads (and closes)
the body the application returned, and sends what ``rewrite`` makes of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["rewrite_response", "replace_body_headers"]

#: ``rewrite(status, headers, body) -> (status, headers, body)``
Rewrite = Callable[[str, list, bytes], tuple[str, list, bytes]]


def rewrite_response(application: Callable, environ: dict, start_response: Callable,
                     wanted: Callable[[str], bool], rewrite: Rewrite) -> Iterable[bytes]:
    """Call ``application``; a response whose status line ``wanted`` accepts is sent
    as ``rewrite`` returns it, any other passes through untouched (streamed)."""
    captured: dict[str, Any] = {}

    def start(status: str, headers: list, exc_info: Any = None) -> Callable:
        if wanted(status):
            captured.update(status=status, headers=headers)
            return lambda data: None
        if exc_info is not None:
            return start_response(status, headers, exc_info)
        return start_response(status, headers)

    result = application(environ, start)
    if "status" not in captured:
        return result
    try:
        original = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers, body = rewrite(captured["status"], captured["headers"], original)
    start_response(status, headers)
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def replace_body_headers(headers: list, body: bytes, *extra: tuple[str, str],
                         drop: tuple[str, ...] = ()) -> list:
    """``headers`` with Content-Type/Length (and ``drop``) replaced for a JSON ``body``."""
    gone = {"content-type", "content-length", *(name.lower() for name in drop)}
    kept = [(k, v) for k, v in headers if k.lower() not in gone]
    return [*kept, ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
            *extra]
