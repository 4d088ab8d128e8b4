"""``pecan.core``: the application class and the request-time helpers.

``pecan.Pecan`` and ``pecan.make_app`` are carya's, with Pecan's positional
arguments and Pecan's error rule: an unexpected exception leaves the
application once the hooks have run (``propagate_exceptions=True``), where
carya's own ``make_app`` answers 500 itself.
"""

from __future__ import annotations

import os
from typing import Any

import carya.app
from carya import configuration as _carya_conf
from carya.app import App, override_template
from carya.context import Request
from carya.deploy import load_app as _load_app
from carya.errors import abort, redirect
from carya.proxies import request, response, state
from carya.render import render
from carya.responses import Response

__all__ = [
    "Pecan", "PecanBase", "ExplicitPecan", "Request", "Response", "abort", "load_app",
    "make_app", "override_template", "redirect", "render", "request", "response", "state",
]


class Pecan(App):
    """carya's App with Pecan's constructor signature and error rule."""

    def __init__(self, root: Any, default_renderer: str = "mako",
                 template_path: str = "templates", hooks: Any = (),
                 custom_renderers: Any = None, extra_template_vars: Any = None,
                 force_canonical: bool = True, guess_content_type_from_ext: bool = True,
                 context_local_factory: Any = None, request_cls: type = Request,
                 response_cls: type = Response, **kw: Any):
        kw.setdefault("propagate_exceptions", True)
        super().__init__(
            root, hooks=hooks, default_renderer=default_renderer, template_path=template_path,
            custom_renderers=custom_renderers, extra_template_vars=extra_template_vars,
            force_canonical=force_canonical,
            guess_content_type_from_ext=guess_content_type_from_ext,
            request_cls=request_cls, response_cls=response_cls, **kw,
        )


def load_app(config: Any, **kwargs: Any) -> Any:
    """Pecan's ``load_app``: a config path that is not a file is a ``RuntimeError``."""
    if isinstance(config, str):
        path = os.path.abspath(os.path.expanduser(config))
        if not os.path.isfile(path):
            raise RuntimeError(f"`{path}` is not a file.")
    return _load_app(config, **kwargs)


PecanBase = Pecan
ExplicitPecan = Pecan


def make_app(root: Any, **kw: Any) -> Any:
    """Pecan's ``make_app``: carya's, building a :class:`Pecan`.

    As in Pecan, ``errors`` defaults to the configuration's ``app.errors``
    (Designate sets its error pages there, then calls ``make_app`` without them),
    and only its integer keys name statuses: Pecan's error middleware compares
    the status code with the keys, so ``'404': '/error/404'`` (a string key, as
    WSME's test app writes it) never serves a page there, and does not here.
    """
    kw.setdefault("propagate_exceptions", True)
    errors = kw.get("errors")
    if errors is None:
        app_conf = _carya_conf._runtime_conf.get("app")
        errors = app_conf.get("errors") if app_conf is not None else None
    if errors:
        kw["errors"] = {code: path for code, path in errors.items() if isinstance(code, int)}
    return carya.app.make_app(root, **kw)
