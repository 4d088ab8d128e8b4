"""``pecan.templating``: the renderer registry under Pecan's names.

``_builtin_renderers`` is carya's own registry, so a renderer class added
there (as WSME's Pecan adapter does) is known to every application built after.
"""

from __future__ import annotations

import linecache
from html import escape
from typing import Any

from carya.render import BUILTIN as _builtin_renderers
from carya.render import JinjaRenderer, JsonRenderer, MakoRenderer, Renderer

__all__ = [
    "_builtin_renderers", "RendererFactory", "JsonRenderer", "MakoRenderer", "JinjaRenderer",
    "Renderer", "format_line_context", "ExtraNamespace", "error_formatters",
]



def format_mako_error(exc_value: BaseException) -> str | None:
    """Mako's own HTML report of a template error, else None."""
    try:
        from mako import exceptions
    except ImportError:  # pragma: no cover - Mako is optional
        return None
    if isinstance(exc_value, (exceptions.CompileException, exceptions.SyntaxException)):
        return exceptions.html_error_template().render(full=False, css=False)
    return None


def format_jinja_error(exc_value: BaseException) -> str | None:
    """The template lines around a Jinja2 syntax error, else None."""
    try:
        from jinja2.exceptions import TemplateSyntaxError
    except ImportError:  # pragma: no cover - Jinja2 is optional
        return None
    if isinstance(exc_value, TemplateSyntaxError) and exc_value.filename:
        return format_line_context(exc_value.filename, exc_value.lineno)
    return None


error_formatters: list = [format_mako_error, format_jinja_error]


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


class RendererFactory:
    """Pecan's renderer registry API (``available``, ``get(name, path)``, ``extra_vars``)
    over carya's renderer classes; applications build carya's own factory."""

    def __init__(self, custom_renderers: dict | None = None, extra_vars: dict | None = None):
        self._renderers: dict[str, Any] = {}
        self._renderer_classes = dict(_builtin_renderers)
        self.add_renderers(custom_renderers or {})
        self.extra_vars = ExtraNamespace(extra_vars)

    def add_renderers(self, custom_dict: dict) -> None:
        self._renderer_classes.update(custom_dict)

    def available(self, name: str) -> bool:
        return name in self._renderer_classes

    def get(self, name: str, template_path: Any) -> Any:
        """The renderer ``name`` (built once), or None when there is no such renderer."""
        if name not in self._renderers:
            cls = self._renderer_classes.get(name)
            if cls is None:
                return None
            self._renderers[name] = cls(template_path, self.extra_vars.namespace)
        return self._renderers[name]

    def keys(self) -> Any:
        return self._renderer_classes.keys()
