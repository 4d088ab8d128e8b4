"""``pecan.core``: the application class and the request-time helpers."""

from __future__ import annotations

from carya.app import App, make_app, override_template
from carya.context import Request, Response, request, response, state
from carya.deploy import load_app
from carya.errors import abort, redirect
from carya.render import render

Pecan = App
PecanBase = App
ExplicitPecan = App

__all__ = [
    "Pecan", "PecanBase", "ExplicitPecan", "Request", "Response", "abort", "load_app",
    "make_app", "override_template", "redirect", "render", "request", "response", "state",
]
