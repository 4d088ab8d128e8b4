"""``RoutesMiddleware``: match each request and hand the result to the wrapped app.

As ``routes.middleware.RoutesMiddleware`` does, it sets

- ``environ['wsgiorg.routing_args'] = (url, match)`` -- Routes puts the
  ``URLGenerator`` (not a tuple of positional arguments) first, and ``{}``
  as the match when nothing matched;
- ``environ['routes.route']``: the matched Route or None;
- ``environ['routes.url']``: a :class:`URLGenerator` for this request;

and honours ``_method`` overrides (query string, or form field of a POSTed
form) while matching, answers redirect routes itself, and moves a matched
``path_info`` variable from ``PATH_INFO`` to ``SCRIPT_NAME``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from webob import Request

from .generation import URLGenerator, request_config

__all__ = ["RoutesMiddleware", "is_form_post"]

log = logging.getLogger(__name__)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_form_post(environ: dict) -> bool:
    """True when the request body is an HTML form."""
    content_type = environ.get("CONTENT_TYPE", "").lower().split(";", 1)[0]
    return content_type in _FORM_TYPES


class RoutesMiddleware:
    """WSGI middleware that routes with a mapper (Routes' constructor and environ keys)."""

    def __init__(self, wsgi_app: Callable, mapper: Any, use_method_override: bool = True,
                 path_info: bool = True, singleton: bool = True):
        self.app = wsgi_app
        self.mapper = mapper
        self.singleton = singleton
        self.use_method_override = use_method_override
        self.path_info = path_info

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        old_method = self._override_method(environ) if self.use_method_override else None
        if self.singleton:
            config = request_config()
            config.mapper = self.mapper
            config.environ = environ
            match, route = config.mapper_dict, config.route
        else:
            found = self.mapper.routematch(environ=environ)
            match, route = found if found else (None, None)
        if old_method:
            environ["REQUEST_METHOD"] = old_method
        if not match:
            match = {}
            log.debug("No route matched for %s %s", environ["REQUEST_METHOD"],
                      environ.get("PATH_INFO"))
        url = URLGenerator(self.mapper, environ)
        environ["wsgiorg.routing_args"] = (url, match)
        environ["routes.route"] = route
        environ["routes.url"] = url
        if route is not None and route.redirect:
            location = url(f"_redirect_{id(route)}", **match)
            start_response(route.redirect_status,
                           [("Content-Type", "text/plain; charset=utf8"), ("Location", location)])
            return []
        if self.path_info and "path_info" in match:
            self._shift_path(environ, match)
        try:
            return self.app(environ, start_response)
        finally:
            try:
                del self.mapper.environ
            except AttributeError:
                pass

    @staticmethod
    def _override_method(environ: dict) -> str | None:
        """Apply a ``_method`` override for matching; return the real method to restore."""
        method = None
        if "_method" in environ.get("QUERY_STRING", ""):
            req = Request(environ)
            req.errors = "ignore"
            try:
                method = req.GET.get("_method")
            except UnicodeDecodeError:
                method = None
        elif environ["REQUEST_METHOD"] == "POST" and is_form_post(environ):
            req = Request(environ)
            req.errors = "ignore"
            try:
                method = req.POST.get("_method")
            except UnicodeDecodeError:
                method = None
        if not method:
            return None
        old = environ["REQUEST_METHOD"]
        environ["REQUEST_METHOD"] = method.upper()
        return old

    @staticmethod
    def _shift_path(environ: dict, match: dict) -> None:
        old_path = environ["PATH_INFO"]
        new_path = match.get("path_info") or ""
        environ["PATH_INFO"] = new_path if new_path.startswith("/") else "/" + new_path
        consumed = re.sub(r"^(.*?)/" + re.escape(new_path) + "$", r"\1", old_path)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + consumed
