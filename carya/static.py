"""Static files for development, as Pecan serves ``static_root`` when ``debug`` is on.

Files are served by WebOb's ``DirectoryApp`` (which refuses paths outside the
directory); anything it does not find goes on to the application. In
production a web server (Apache, a CDN) serves these files instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from webob import Request
from webob.static import DirectoryApp

__all__ = ["StaticCascade"]


class StaticCascade:
    """Serve GET/HEAD requests from ``root`` when the file exists, else call ``app``."""

    def __init__(self, app: Callable, root: str):
        if not os.path.isdir(root):
            raise ValueError(f"static_root {root!r} is not a directory")
        self.app = app
        self.root = os.path.abspath(root)
        self.files = DirectoryApp(self.root, index_page=None)

    def __getattr__(self, name: str):
        # Keep the wrapped application's attributes reachable (router, config...).
        return getattr(self.app, name)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and self._exists(environ):
            return Request(environ).get_response(self.files)(environ, start_response)
        return self.app(environ, start_response)

    def _exists(self, environ: dict) -> bool:
        path = environ.get("PATH_INFO", "")
        if not path or path.endswith("/"):
            return False
        full = os.path.abspath(os.path.join(self.root, path.lstrip("/")))
        return full.startswith(self.root + os.sep) and os.path.isfile(full)
