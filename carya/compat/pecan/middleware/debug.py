"""``pecan.middleware.debug``: show a traceback page for an uncaught error (development only).

carya's application already answers 500 itself (with the traceback when
``debug=True``); this middleware catches what escapes other WSGI apps.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from html import escape
from typing import Any

__all__ = ["DebugMiddleware"]


class DebugMiddleware:
    def __init__(self, app: Callable, *args: Any, **kwargs: Any):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            return self.app(environ, start_response)
        except Exception:  # noqa: BLE001 - shown to the developer, as Pecan's does
            text = traceback.format_exc()
            environ["wsgi.errors"].write(text)
            body = f"<html><body><h1>Server Error</h1><pre>{escape(text)}</pre></body></html>"
            start_response("500 Internal Server Error", [("Content-Type", "text/html")])
            return [body.encode("utf-8")]
