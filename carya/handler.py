"""Handler: an exposed function with everything about calling it decided once.

A :class:`Handler` is built the first time the router meets an exposed
function (for the static controller tree, when the application is built).
It holds the argument binder (from the signature, read once with
:mod:`inspect`), the content types with their resolved renderers, and the
extra data other decorators recorded. Per request it only binds values to
names and calls the function.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import webob.exc as exc

from .errors import MethodNotAllowed, NotFound
from .expose import HTML, Exposed, exposed_info
from .render import RendererFactory

__all__ = ["ADAPTERS", "Binder", "Handler", "Generic", "build_target"]

_EMPTY: tuple = ()

#: Functions called with every :class:`Handler` once it is built, which may
#: replace its ``func`` or renderers: how a compatibility package compiles the
#: calls of another project's decorator (``carya.compat.wsexpose`` for WSME's)
#: without the core naming that project. An adapter leaves handlers that are not
#: its own untouched.
ADAPTERS: list[Callable[[Handler], None]] = []


class Binder:
    """Maps path remainder and request parameters onto a function's arguments.

    Pecan's rules: the path remainder fills positional parameters in order,
    extra path parts go to ``*args`` (a 404 when there is none); parameters not
    filled from the path come from the query string, form or JSON body, then
    from defaults; ``**kwargs`` receives the parameters no name took.

    The names come from the routing signature: the one a wrapper declares
    (Pecan's ``_cfg(f)['argspec']``, as WSME's ``wsexpose`` sets it) or the
    signature ``functools.wraps`` exposes. A required parameter left without a
    value is a 400 that names it only when the function really called would
    refuse the call without it; a wrapper taking ``*args, **kwargs`` (WSME
    fills the body argument itself) is called with what there is, as Pecan does.
    """

    __slots__ = (
        "names", "required", "defaults", "varargs", "varkw", "qualname", "leading", "strict",
        "params", "exact", "arity",
    )

    def __init__(self, func: Callable[..., Any], leading: int):
        sig = _routing_signature(func)
        params = list(sig.parameters.values())
        positional = [
            p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if len(positional) < leading:
            raise TypeError(
                f"{func.__qualname__} must accept {leading} leading argument(s) "
                "(self, and req, resp when use_context_locals=False)"
            )
        names = positional[leading:]
        self.leading = leading
        self.names: tuple[str, ...] = tuple(p.name for p in names)
        #: the named parameters after the leading ones (``state.arguments`` splits the call
        #: with it on every request that has hooks)
        self.arity = len(self.names)
        self.defaults: dict[str, Any] = {
            p.name: p.default for p in names if p.default is not p.empty
        }
        self.required = sum(1 for p in names if p.default is p.empty)
        self.varargs = any(p.kind is p.VAR_POSITIONAL for p in params)
        self.varkw = any(p.kind is p.VAR_KEYWORD for p in params)
        #: the path parts that bind every named argument with nothing left to look up
        #: (the usual ``get_one(self, id)``); -1: none does (``**kwargs`` takes the rest)
        self.exact = -1 if self.varkw else len(self.names)
        self.qualname = func.__qualname__
        self.strict = _required_by_callee(func, leading)
        #: ``params(app, state)``: the request's parameters by name (an adapter may
        #: read them more cheaply where it knows the case is plain).
        self.params: Callable[[Any, Any], dict] = _app_params

    def bind(self, remainder: list[str], app: Any, state: Any) -> tuple[list, dict]:
        """Return ``(args, kwargs)``; request parameters are parsed only when needed."""
        if len(remainder) == self.exact:
            return list(remainder), {}
        names = self.names
        n = len(names)
        if len(remainder) > n:
            if not self.varargs:
                raise NotFound()
            return list(remainder), (self._extra(self.params(app, state), ()) if self.varkw else {})
        args = list(remainder)
        if len(args) == n and not self.varkw:
            return args, {}
        values = self.params(app, state)
        for name in names[len(args):]:
            if name in values:
                args.append(values[name])
            elif name in self.defaults:
                args.append(self.defaults[name])
            elif name in self.strict:
                raise exc.HTTPBadRequest(
                    detail=f"Missing argument '{name}'",
                )
            else:
                break  # the wrapper fills it (Pecan stops at the first missing name)
        kwargs = self._extra(values, names) if self.varkw else {}
        return args, kwargs

    @staticmethod
    def _extra(values: dict, names: tuple[str, ...]) -> dict:
        return {k: v for k, v in values.items() if k not in names}


def _app_params(app: Any, state: Any) -> dict:
    return app.params(state)


def _routing_signature(func: Callable[..., Any]) -> inspect.Signature:
    """The signature routing binds to: a declared argspec, else the wrapped one.

    A wrapper declares it in its expose record's ``extra['argspec']`` (what
    Pecan's ``_cfg(f)['argspec']`` writes through the pecan alias), or in a
    plain ``_pecan`` dict.
    """
    info = getattr(func, "_carya", None)
    spec = info.extra.get("argspec") if isinstance(info, Exposed) else None
    cfg = getattr(func, "_pecan", None)
    if spec is None and isinstance(cfg, dict):
        spec = cfg.get("argspec")
    if spec is None:
        return inspect.signature(func)
    return _signature_of_argspec(spec)


def _signature_of_argspec(spec: Any) -> inspect.Signature:
    kind = inspect.Parameter
    defaults = spec.defaults or ()
    first_default = len(spec.args) - len(defaults)
    params = [
        kind(name, kind.POSITIONAL_OR_KEYWORD,
             default=defaults[i - first_default] if i >= first_default else kind.empty)
        for i, name in enumerate(spec.args)
    ]
    if spec.varargs:
        params.append(kind(spec.varargs, kind.VAR_POSITIONAL))
    varkw = getattr(spec, "varkw", None) or getattr(spec, "keywords", None)  # 4-field ArgSpec
    if varkw:
        params.append(kind(varkw, kind.VAR_KEYWORD))
    return inspect.Signature(params)


def _required_by_callee(func: Callable[..., Any], leading: int) -> frozenset[str]:
    """Names the function actually called cannot do without (its own signature)."""
    params = list(inspect.signature(func, follow_wrapped=False).parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return frozenset(p.name for p in positional[leading:] if p.default is p.empty)


class Handler:
    """One exposed function, ready to call.

    ``content_types`` maps each offered content type to a render function
    (``None`` when the function returns the body itself); ``content_type`` is
    the default one.
    """

    __slots__ = (
        "func",
        "info",
        "binder",
        "content_types",
        "templates",
        "content_type",
        "explicit_content_type",
        "single",
        "extra",
        "name",
        "secured",
        "allowed_methods",
        "status",
        "status_line",
        "checks",
        "retype",
        "accepted",
    )

    def __init__(self, func: Callable[..., Any], info: Exposed, renderers: RendererFactory,
                 leading: int, static: bool = False):
        self.name = func.__qualname__
        if static:
            # A @staticmethod handler: bind its own signature, call it without the controller.
            self.binder = Binder(func, max(leading - 1, 0))
            self.func = _drop_controller(func)
        else:
            try:
                self.binder = Binder(func, leading)
                self.func = func
            except TypeError as error:
                # Explicit mode and no (req, resp) parameters: Pecan's TypeError, when
                # the handler is called, so the rest of the application still serves.
                self.binder = Binder(func, min(leading, _positional_count(func)))
                self.func = _refuse(error)
        self.info = info
        self.templates = dict(info.content_types)
        self.content_types = {
            ctype: (renderers.resolve(tpl) if tpl else None)
            for ctype, tpl in info.content_types.items()
        }
        self.content_type = info.content_type
        if self.content_type is None and not info.explicit_content_type:
            self.content_type = HTML
        # default_renderer='json': a handler without a template or content type of its
        # own answers JSON (Pecan's rule); ``retype`` is the content type it answers with.
        self.retype: str | None = None
        if renderers.default == "json" and not info.explicit_content_type:
            for ctype, tpl in info.content_types.items():
                if tpl is None:
                    self.content_types[ctype] = renderers.resolve("json")
                    self.retype = "application/json"
        self.explicit_content_type = info.explicit_content_type
        #: Accept header -> the content type chosen for it (None: 406), filled by
        #: ``App.negotiate``: clients send the same few headers on every request.
        self.accepted: dict[str, str | None] = {}
        self.single = len(self.content_types) == 1
        self.extra = info.extra
        self.secured = info.extra.get("secured")
        self.allowed_methods: tuple[str, ...] = ()
        # The success status (``@response(202)``-style decorators set it).
        self.status: int = info.extra.get("status", 200)
        self.status_line = f"{self.status} {HTTPStatus(self.status).phrase}"
        # Per-request checks run after binding (validation, policy...). Decorators
        # record factories in ``extra['checks']``; each builds its check once, here.
        self.checks: tuple[Callable[[Any, list, dict], None], ...] = tuple(
            factory(self) for factory in info.extra.get("checks", ())
        )
        for adapt in ADAPTERS:
            adapt(self)

    def __repr__(self) -> str:
        return f"<Handler {self.name}>"


def _positional_count(func: Callable[..., Any]) -> int:
    params = inspect.signature(func).parameters.values()
    return sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _refuse(error: TypeError) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise TypeError(str(error))

    return call


def _drop_controller(func: Callable[..., Any]) -> Callable[..., Any]:
    def call(_controller: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    call.__qualname__ = func.__qualname__
    call.__wrapped__ = func  # type: ignore[attr-defined]
    return call


class Generic:
    """An ``expose(generic=True)`` function: one handler per HTTP method.

    The decorated function answers GET and HEAD; ``@f.when(method=...)`` adds
    the others. Any other method is a 405 whose ``Allow`` header lists these.
    """

    __slots__ = ("by_method", "allow", "name")

    def __init__(self, by_method: dict[str, Handler]):
        self.by_method = by_method
        self.allow = ", ".join(sorted(by_method))
        self.name = by_method["GET"].name
        for handler in by_method.values():
            handler.allowed_methods = tuple(sorted(by_method))

    def for_method(self, method: str) -> Handler:
        handler = self.by_method.get(method)
        if handler is None:
            raise MethodNotAllowed(self.allow)
        return handler

    def __repr__(self) -> str:
        return f"<Generic {self.name} {self.allow}>"


Target = Handler | Generic


def build_target(func: Any, renderers: RendererFactory, leading: int,
                 static: bool = False) -> Target | None:
    """Build the Handler (or Generic) for an exposed function, else ``None``."""
    func = getattr(func, "__func__", func)
    info = exposed_info(func)
    if info is None or info.is_generic_handler:
        return None
    if not info.generic:
        return Handler(func, info, renderers, leading, static)
    by_method: dict[str, Handler] = {}
    for method, fn in info.generic_handlers.items():
        handler = Handler(fn, exposed_info(fn), renderers, leading)
        if method == "DEFAULT":
            by_method.setdefault("GET", handler)
            by_method.setdefault("HEAD", handler)
        else:
            by_method[method] = handler
    return Generic(by_method)
