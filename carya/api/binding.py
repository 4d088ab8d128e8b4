"""Calling a resource method Nova's way: ``method(req, <path variables>, body=...)``.

A :class:`RequestBinder` is built once per method, from its signature: which
path variables it takes, whether it takes ``body`` and whether the body is
required. Per request it picks those names out of the route's match dict and
parses the JSON body (once per request, shared with validation and with
body-keyed action dispatch through :func:`request_body`).

:func:`resource_handler` wraps a method into a carya
:class:`~carya.handler.Handler` with this binder and a JSON renderer, so the
App's pipeline (hooks, checks, rendering, errors) runs unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import webob.exc as exc

from ..context import Request, loads_utf8
from ..expose import JSON, Exposed
from ..handler import Handler
from ..render import RendererFactory
from .versions import API_VERSION_KEY, APIVersion

__all__ = ["APIRequest", "RequestBinder", "request_body", "resource_handler", "ROUTING_KEYS"]

#: Match-dict keys that are routing data, never handler arguments.
ROUTING_KEYS = frozenset(("controller", "action", "format"))
_UNSET = object()
_AUTH_CONTEXT_KEY = "carya.auth_context"


class APIRequest(Request):
    """The request resource methods receive: carya's, plus Nova's ``api_version_request``."""

    @property
    def api_version_request(self) -> APIVersion:
        """The negotiated microversion (the null version 0.0 when the API has none)."""
        return self.environ.get(API_VERSION_KEY) or APIVersion()


def _is_json(ctype: str) -> bool:
    base = ctype.partition(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def request_body(state: Any, required: bool) -> Any:
    """The request's JSON body, parsed once per request; ``None`` when there is none.

    A body in another content type is a 415; malformed JSON, or no body where
    one is ``required``, is a 400 that says so.
    """
    cache = state.__dict__
    body = cache.get("api_body", _UNSET)
    if body is _UNSET:
        body = cache["api_body"] = _parse_body(state)
    if body is None and required:
        environ = state.environ
        raise exc.HTTPBadRequest(
            detail=f"This request needs a JSON body: {environ.get('REQUEST_METHOD')} "
            f"{environ.get('PATH_INFO') or '/'} was sent without one."
        )
    return body


def _parse_body(state: Any) -> Any:
    environ = state.environ
    length = environ.get("CONTENT_LENGTH")
    if (not length or length == "0") and "chunked" not in environ.get(
        "HTTP_TRANSFER_ENCODING", ""
    ).lower():
        return None
    raw = state.request.body
    if not raw or raw.isspace():  # what ``not raw.strip()`` says, without copying the body
        return None
    ctype = environ.get("CONTENT_TYPE", "")
    if ctype and ctype != "application/json" and not _is_json(ctype):
        raise exc.HTTPUnsupportedMediaType(
            detail=f"Unsupported Content-Type {ctype!r}: this API reads JSON (application/json)."
        )
    try:
        return loads_utf8(raw)  # JSON on the wire is UTF-8 (RFC 8259)
    except UnicodeDecodeError:
        raise exc.HTTPBadRequest(detail="Malformed request body: it is not UTF-8") from None
    except ValueError as error:
        raise exc.HTTPBadRequest(detail=f"Malformed request body: {error}") from None


class RequestBinder:
    """Binds ``(self, req, <path variables>, body)`` from the match dict and the body."""

    nova_style = True  # tells check factories that arguments arrive by name
    arity = 1  # one positional argument: the request
    __slots__ = ("names", "required", "takes_all", "takes_body", "body_required",
                 "check_project", "qualname")

    def __init__(self, func: Callable[..., Any], check_project: bool = False):
        self.qualname = func.__qualname__
        params = list(inspect.signature(func).parameters.values())
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(positional) < 2:
            raise TypeError(
                f"{self.qualname}: a resource method takes (self, req, ...) "
                "(the request, then path variables by name, then body)"
            )
        named = [p for p in params[2:] if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        body = next((p for p in named if p.name == "body"), None)
        self.takes_body = body is not None
        self.body_required = body is not None and body.default is body.empty
        self.names = tuple(p.name for p in named if p.name != "body")
        self.required = frozenset(
            p.name for p in named if p.name != "body" and p.default is p.empty
        )
        self.takes_all = any(p.kind is p.VAR_KEYWORD for p in params)
        self.check_project = check_project

    def bind(self, match: dict, app: Any, state: Any) -> tuple[list, dict]:
        if self.takes_all:
            kwargs = {k: v for k, v in match.items() if k not in ROUTING_KEYS}
        else:
            kwargs = {k: match[k] for k in self.names if k in match}
        if self.check_project:
            project = match.get("project_id")
            if project is not None:
                _check_project(project, state.environ)
        if self.takes_body:
            kwargs["body"] = request_body(state, self.body_required)
        return [state.request], kwargs


def _check_project(project: str, environ: dict) -> None:
    """Nova's rule: the URL's project must be the caller's (when a caller is known)."""
    context = environ.get(_AUTH_CONTEXT_KEY)
    if context is None:
        return
    own = context.get("project_id") if isinstance(context, dict) else getattr(
        context, "project_id", None
    )
    if own is not None and own != project:
        raise exc.HTTPBadRequest(
            detail=f"Malformed request URL: URL's project_id '{project}' doesn't match "
            f"Context's project_id '{own}'"
        )


def _json_or_nothing(encode: Callable[[Any], str]) -> Callable[[Any], Any]:
    """JSON, except that ``None`` is no body at all (a 202/204 says it all)."""

    def render(result: Any) -> Any:
        return b"" if result is None else encode(result)

    return render


def resource_handler(func: Callable[..., Any], renderers: RendererFactory,
                     check_project: bool = False) -> Handler:
    """A :class:`Handler` for a resource method: JSON out, :class:`RequestBinder` in.

    Decorators on ``func`` (``@response``, ``@validate``, ``@policy``...)
    recorded their facts in its ``extra``; checks are built after the binder is
    in place, so each check knows how arguments arrive.
    """
    func = getattr(func, "__func__", func)
    source = getattr(func, "_carya", None)
    extra: dict = dict(source.extra) if isinstance(source, Exposed) else {}
    info = Exposed()
    info.exposed = True
    info.content_types = {JSON: "json"}
    info.content_type = JSON
    info.extra = {k: v for k, v in extra.items() if k != "checks"}
    handler = Handler(func, info, renderers, leading=1)
    handler.content_types = {JSON: _json_or_nothing(renderers.resolve("json"))}
    handler.extra = info.extra = extra
    handler.binder = RequestBinder(func, check_project)
    handler.checks = tuple(factory(handler) for factory in extra.get("checks", ()))
    return handler
