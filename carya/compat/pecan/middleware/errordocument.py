"""``pecan.middleware.errordocument``: answer an error status with another page's body.

``ErrorDocumentMiddleware(app, {404: '/error/404'})``: when ``app`` answers
404, the body of ``/error/404`` (fetched through the same app, with
:mod:`.recursive`) is sent with the original status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .recursive import ForwardRequestException, RecursionLoop

__all__ = ["ErrorDocumentMiddleware", "StatusPersist"]


class StatusPersist:
    """Run the error page at ``url`` and keep the original ``status``."""

    def __init__(self, app: Callable, status: str, url: str):
        self.app = app
        self.status = status
        self.url = url

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def keep_status(status: str, headers: list, exc_info: Any = None):
            return start_response(self.status, headers, exc_info)

        path, _, query = self.url.partition("?")
        environ["PATH_INFO"] = path
        environ["QUERY_STRING"] = query
        environ["REQUEST_METHOD"] = "GET"
        try:
            return self.app(environ, keep_status)
        except RecursionLoop as loop:
            environ["wsgi.errors"].write(f"Recursion error getting error page: {loop}\n")
            start_response(self.status, [("Content-type", "text/plain")])
            return [f"Error: {self.status}.  (Error page could not be fetched)".encode()]


class ErrorDocumentMiddleware:
    def __init__(self, app: Callable, error_map: dict):
        self.app = app
        self.error_map = {int(code): url for code, url in error_map.items()
                          if code != "__force_dict__"}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        forward: list[str] = []

        def replace_start_response(status: str, headers: list, exc_info: Any = None):
            code = int(status.split(None, 1)[0])
            url = self.error_map.get(code)
            if url is not None:
                forward.append(status)
                forward.append(url)
                return lambda data: None
            return start_response(status, headers, exc_info)

        body = self.app(environ, replace_start_response)
        if forward:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            status, url = forward

            def factory(app: Callable) -> Callable:
                return StatusPersist(app, status, url)

            raise ForwardRequestException(factory=factory)
        return body
