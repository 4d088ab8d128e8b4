"""``pecan.middleware.recursive``: forward a request to another path of the same app.

An application (or middleware below this one) raises
:class:`ForwardRequestException`; :class:`RecursiveMiddleware` runs the
request again at the new location and answers with that response. A forward
to a path already visited in this request is a loop, and an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["RecursiveMiddleware", "ForwardRequestException", "RecursionLoop"]

_VISITED = "pecan.recursive.old_path_info"


class RecursionLoop(AssertionError):
    """A forward went back to a path this request already visited."""


class ForwardRequestException(Exception):
    """Forward to ``url`` (a path, optionally ``?query``), a whole ``environ``, or
    through ``factory(app) -> wsgi_app``; ``path_info`` changes only the path."""

    def __init__(self, url: str | None = None, environ: dict | None = None,
                 factory: Callable | None = None, path_info: str | None = None):
        given = [x for x in (url, environ, factory) if x]
        if len(given) > 1:
            raise TypeError("ForwardRequestException takes one of url, environ, factory")
        super().__init__(url or path_info or "")
        self.path_info = path_info
        if factory is not None:
            self.factory = factory
        elif environ:
            self.factory = _replace_environ(environ)
        elif url is not None and "?" in url:
            path, query = url.split("?", 1)
            self.factory = _move(path, query)
        else:
            self.factory = _move(path_info or url or "/", None)


def _move(path: str, query: str | None) -> Callable:
    def factory(app: Callable) -> Callable:
        def forwarded(environ: dict, start_response: Callable) -> Iterable[bytes]:
            environ["PATH_INFO"] = path
            if query is not None:
                environ["QUERY_STRING"] = query
            return app(environ, start_response)
        return forwarded
    return factory


def _replace_environ(new: dict) -> Callable:
    def factory(app: Callable) -> Callable:
        def forwarded(environ: dict, start_response: Callable) -> Iterable[bytes]:
            return app(new, start_response)
        return forwarded
    return factory


class _LoopGuard:
    """Run the forwarded app, refusing a path this request has already been to."""

    def __init__(self, app: Callable, env: dict):
        self.app = app
        self.env = env

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        visited = self.env.setdefault(_VISITED, [])
        if path in visited:
            raise RecursionLoop(
                f"Forwarding loop detected; {path!r} visited twice (internal redirect path: "
                f"{visited})"
            )
        visited.append(self.env.get("PATH_INFO", ""))
        return self.app(environ, start_response)


class RecursiveMiddleware:
    """Catch :class:`ForwardRequestException` and serve the forwarded request."""

    def __init__(self, application: Callable, global_conf: Any = None):
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        environ["pecan.recursive.script_name"] = environ.get("SCRIPT_NAME", "")
        try:
            return self.application(environ, start_response)
        except ForwardRequestException as forward:
            return _LoopGuard(forward.factory(self), environ)(environ, start_response)
