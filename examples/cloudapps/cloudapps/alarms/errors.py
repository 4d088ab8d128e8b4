"""Aodh's error bodies: every 4xx/5xx leaves as ``{"error_message": {"faultstring": ...}}``.

Aodh wraps its API in a middleware (``ParsableErrorMiddleware``) that turns each
error into that document, and aodhclient reads the message from
``error_message.faultstring`` (its exception carries it; the ``aodh`` CLI
prints it). :class:`AodhErrors` does the same for whatever error the carya app
or its validation produced, JSON (``{"description"}``) or WebOb's plain text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from ..rewrite import replace_body_headers, rewrite_response

__all__ = ["AodhErrors", "faultstring"]


class AodhErrors:
    """Rewrite error responses of ``application`` into Aodh's JSON error document."""

    def __init__(self, application: Callable):
        self.application = application

    def __getattr__(self, name: str) -> Any:  # the app's attributes (``engine``...)
        return getattr(self.application, name)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        # the API speaks JSON only: its errors then come as JSON whatever the client accepts
        # (curl's */*, a browser's text/html), never as an HTML page to scrape
        environ["HTTP_ACCEPT"] = "application/json"
        return rewrite_response(self.application, environ, start_response,
                                lambda status: int(status[:3]) >= 400, _aodh_document)


def _aodh_document(status: str, headers: list, original: bytes) -> tuple[str, list, bytes]:
    content_type = dict((k.lower(), v) for k, v in headers).get("content-type", "")
    body = json.dumps({"error_message": {
        "faultcode": "Server" if status.startswith("5") else "Client",
        "faultstring": faultstring(original, content_type) or status[4:],
        "debuginfo": None}}).encode()
    return status, replace_body_headers(headers, body), body


def faultstring(body: bytes, content_type: str) -> str:
    """The explanation inside an error body: JSON ``description``/``message``, or the
    detail paragraph of WebOb's plain-text page (its explanation when there is none)."""
    text = body.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            doc = json.loads(text)
        except ValueError:
            return text.strip()[:1000]
        if isinstance(doc, dict):
            for key in ("description", "message", "faultstring", "detail"):
                if isinstance(doc.get(key), str):
                    return doc[key]
        return text.strip()[:1000]
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) >= 3:
        return paragraphs[-1]
    return paragraphs[-1] if paragraphs else ""
