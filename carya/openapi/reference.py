"""Serve an application's OpenAPI document and a reference page, opt-in.

:class:`OpenAPIMiddleware` wraps a WSGI application (an App, a Paste pipeline,
a URL map) and answers two more paths: the JSON document (``/openapi.json``)
and a reference page (``/api-ref/``) rendered in the browser by a small
script that ships in ``carya/openapi/assets``. Both are built once, when the
middleware is created, from the application it wraps; per request it compares
the path and answers from bytes in memory. Every other request goes on to the
application unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from typing import Any

from .document import build_document

__all__ = ["OpenAPIMiddleware", "filter_factory", "ASSETS"]

#: The files of the reference page: name -> content type.
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "reference.js": "text/javascript; charset=utf-8",
    "reference.css": "text/css; charset=utf-8",
}


def _asset(name: str) -> bytes:
    return resources.files(__package__).joinpath("assets", name).read_bytes()


class OpenAPIMiddleware:
    """``spec_path`` and ``page_path`` answered here; everything else by ``app``."""

    def __init__(self, app: Any, title: str = "API", version: str = "1.0",
                 spec_path: str = "/openapi.json", page_path: str = "/api-ref/",
                 description: str | None = None):
        if not spec_path.startswith("/") or not page_path.startswith("/"):
            raise ValueError("OpenAPIMiddleware: spec_path and page_path start with '/'")
        self.app = app  # the listing (and so the document) follows .app
        self.document = build_document(app, title=title, version=version,
                                       description=description)
        self.spec_path = spec_path
        self.page_path = page_path if page_path.endswith("/") else page_path + "/"
        spec = json.dumps(self.document, indent=1).encode()
        self.files: dict[str, tuple[bytes, str]] = {spec_path: (spec, "application/json")}
        for name, ctype in ASSETS.items():
            body = _asset(name)
            if name == "index.html":
                body = body.replace(b"{{title}}", _html(title).encode())
            self.files[self.page_path + ("" if name == "index.html" else name)] = (body, ctype)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        hit = self.files.get(path)
        if hit is None:
            if path == self.page_path.rstrip("/"):
                return self._redirect(environ, start_response)
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"),
                                                      ("Content-Length", "0")])
            return [b""]
        body, ctype = hit
        start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-cache")])
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _redirect(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        location = (environ.get("SCRIPT_NAME") or "") + self.page_path
        start_response("302 Found", [("Location", location), ("Content-Length", "0")])
        return [b""]


def _html(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def filter_factory(global_conf: Mapping[str, Any], **local_conf: str) -> Callable:
    """Paste Deploy: ``[filter:openapi] use = egg:carya#openapi`` (title, version,
    spec_path, page_path may be set in the section)."""
    options = {key: local_conf[key] for key in ("title", "version", "spec_path", "page_path",
                                                "description") if key in local_conf}
    return lambda app: OpenAPIMiddleware(app, **options)
