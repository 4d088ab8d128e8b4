"""Renderers: how a handler's result becomes a response body.

A template name is resolved to a renderer once, when the handler is built:
``'json'`` is the JSON renderer, ``'jinja:page.html'`` or ``'mako:page.html'``
name an engine, a bare ``'page.html'`` uses the application's default engine.
Engines are optional dependencies, imported on first use with a clear error
when missing. Projects add engines with ``custom_renderers={'name': Class}``:
a class taking ``(path, extra_vars)`` with ``render(template, namespace)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from . import jsonify

__all__ = [
    "Renderer",
    "JsonRenderer",
    "MakoRenderer",
    "JinjaRenderer",
    "RendererFactory",
    "render",
]


class Renderer:
    """Base class: ``render(template, namespace) -> str``."""

    def __init__(self, path: str | list[str] | None = None, extra_vars: Mapping | None = None):
        self.path = path
        self.extra_vars = dict(extra_vars or {})

    def namespace(self, ns: Any) -> Any:
        if self.extra_vars and isinstance(ns, dict):
            merged = dict(self.extra_vars)
            merged.update(ns)
            return merged
        return ns

    def render(self, template: str, namespace: Any) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class JsonRenderer(Renderer):
    def render(self, template: str, namespace: Any) -> str:
        return jsonify.encode(namespace)


def _search_path(path: str | list[str] | None) -> list[str]:
    if path is None:
        return ["templates"]
    if isinstance(path, str):
        return [path]
    return list(path)


class MakoRenderer(Renderer):
    """Mako templates, looked up in ``template_path``; compiled once and cached."""

    def __init__(self, path=None, extra_vars=None):
        super().__init__(path, extra_vars)
        try:
            from mako.lookup import TemplateLookup
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "Mako templates need Mako: pip install 'carya[templates]'"
            ) from exc
        self.loader = TemplateLookup(
            directories=_search_path(path), default_filters=["h"], input_encoding="utf-8"
        )

    def render(self, template: str, namespace: Any) -> str:
        return self.loader.get_template(template).render(**self.namespace(namespace))


class JinjaRenderer(Renderer):
    """Jinja2 templates with autoescaping on, looked up in ``template_path``."""

    def __init__(self, path=None, extra_vars=None):
        super().__init__(path, extra_vars)
        try:
            import jinja2
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "Jinja2 templates need Jinja2: pip install 'carya[templates]'"
            ) from exc
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(_search_path(path)),
            autoescape=True,
            auto_reload=False,
        )

    def render(self, template: str, namespace: Any) -> str:
        return self.env.get_template(template).render(self.namespace(namespace))


BUILTIN: dict[str, type[Renderer]] = {
    "json": JsonRenderer,
    "mako": MakoRenderer,
    "jinja": JinjaRenderer,
    "jinja2": JinjaRenderer,
}


class RendererFactory:
    """The application's renderers, each built on first use and kept."""

    def __init__(
        self,
        custom: Mapping[str, type[Renderer]] | None = None,
        template_path: str | list[str] | None = "templates",
        extra_vars: Mapping | None = None,
        default: str = "mako",
    ):
        self.classes = dict(BUILTIN)
        self.classes.update(custom or {})
        self.template_path = template_path
        self.extra_vars = dict(extra_vars or {})
        self.default = default
        self._built: dict[str, Renderer] = {}
        if default not in self.classes:
            raise ValueError(
                f"default_renderer {default!r} is unknown; known: {sorted(self.classes)}"
            )

    def get(self, name: str) -> Renderer:
        renderer = self._built.get(name)
        if renderer is None:
            cls = self.classes.get(name)
            if cls is None:
                raise ValueError(
                    f"no renderer named {name!r}; known renderers: {sorted(self.classes)}"
                )
            renderer = self._built[name] = cls(self.template_path, self.extra_vars)
        return renderer

    def resolve(self, template: str) -> Callable[[Any], str]:
        """Return ``fn(namespace) -> str`` for a template name, decided once."""
        if template == "json":
            return jsonify.encode
        engine, sep, name = template.partition(":")
        if not sep or os.sep in engine or engine not in self.classes:
            engine, name = self.default, template
        factory = self

        def render_template(namespace: Any) -> str:
            return factory.get(engine).render(name, namespace)

        return render_template


def render(template: str, namespace: Any) -> str:
    """Render ``template`` with the current application's renderers (``carya.render``)."""
    from .context import current

    return current().app.renderers.resolve(template)(namespace)
