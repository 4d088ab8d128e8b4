"""``pecan.templating``: the renderer registry under Pecan's names.

``_builtin_renderers`` is carya's own registry, so a renderer class added
there (as WSME's Pecan adapter does) is known to every application built after.
"""

from __future__ import annotations

import linecache
from html import escape
from typing import Any

from carya.render import BUILTIN as _builtin_renderers
from carya.render import JinjaRenderer, JsonRenderer, MakoRenderer, Renderer, RendererFactory

__all__ = [
    "_builtin_renderers", "RendererFactory", "JsonRenderer", "MakoRenderer", "JinjaRenderer",
    "Renderer", "format_line_context", "ExtraNamespace", "error_formatters",
]

error_formatters: list = []


def format_line_context(filename: str, lineno: int, context: int = 10) -> str:
    """The lines around ``lineno`` of ``filename`` as HTML, the line itself marked."""
    lines = linecache.getlines(filename)
    start = max(0, lineno - context - 1)
    out = []
    for number, line in enumerate(lines[start:lineno + context], start + 1):
        text = escape(line.rstrip("\n"))
        out.append(f"<strong>{text}</strong>" if number == lineno else text)
    return "<pre>" + "\n".join(out) + "</pre>"


class ExtraNamespace:
    """Extra template variables, merged under each render's namespace."""

    def __init__(self, extras: dict | None = None):
        self.namespace = dict(extras or {})

    def update(self, d: dict) -> None:
        self.namespace.update(d)

    def make_ns(self, ns: Any) -> Any:
        if not self.namespace:
            return ns
        merged = dict(self.namespace)
        merged.update(ns)
        return merged
