"""``expose`` and ``when``: mark callables as reachable and record what they want.

Nothing here runs per request. The decorators only record an :class:`Exposed`
record on the function; the router turns it into a
:class:`carya.handler.Handler` when the application is built.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["Exposed", "expose", "exposed_info", "is_exposed", "route", "when_for"]

F = TypeVar("F", bound=Callable[..., Any])

JSON = "application/json"
HTML = "text/html"


def _key(name: str) -> property:
    """An attribute of :class:`Exposed` kept under ``name`` in the dict itself."""
    return property(lambda self: self[name], lambda self, value: self.__setitem__(name, value))


class Exposed(dict):
    """What ``@expose`` learned about one function: Pecan's ``func._pecan`` dict.

    It is a dict with Pecan's keys, because Pecan-era code (WSME's adapter,
    ``pecan.util._cfg``) reads and writes it, and it has attributes for
    carya's own code. ``content_types`` maps a content type to the template
    that renders it (``None`` for a body the function returns itself,
    ``'json'`` for JSON). ``generic_handlers`` maps an HTTP method to the
    function that answers it, for ``expose(generic=True)`` functions;
    ``'DEFAULT'`` is the function itself. Other decorators (secure,
    transactional, validators...) record their facts as further keys
    (``extra`` is the dict itself).
    """

    exposed = _key("exposed")
    content_types = _key("content_types")
    content_type = _key("content_type")
    explicit_content_type = _key("explicit_content_type")
    generic = _key("generic")
    generic_handlers = _key("generic_handlers")
    is_generic_handler = _key("generic_handler")
    route = _key("route")

    def __init__(self) -> None:
        super().__init__(
            # False while only other decorators (secure, transactional) recorded facts.
            exposed=False,
            content_types={},
            content_type=None,
            explicit_content_type=False,
            generic=False,
            generic_handlers={},
            generic_handler=False,
            route=None,
        )
        self.__dict__["func"] = None

    @property
    def extra(self) -> Exposed:
        return self

    @extra.setter
    def extra(self, value: dict) -> None:
        """Replace what other decorators recorded (``@expose``'s own keys stay)."""
        for key in [k for k in self if k not in _CORE]:
            del self[key]
        self.update((k, v) for k, v in value.items() if k not in _CORE)

    def __missing__(self, key: str) -> Any:
        if key == "argspec" and self.__dict__["func"] is not None:
            # Pecan's: the signature of the function under any decorators.
            return inspect.getfullargspec(innermost(self.__dict__["func"]))
        raise KeyError(key)

    def __hash__(self) -> int:  # type: ignore[override]
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


_CORE = frozenset(Exposed().keys())


def innermost(func: Any) -> Any:
    """The function under decorators: the one whose first parameter is ``self``.

    Follows ``__wrapped__`` and, for decorators that do not set it, the
    functions a wrapper closes over (Pecan's ``util.getargspec`` rule).
    """
    seen = 0
    while seen < 32:
        seen += 1
        func = getattr(func, "__func__", func)
        code = getattr(func, "__code__", None)
        if code is not None and code.co_argcount and code.co_varnames[0] == "self":
            return func
        wrapped = getattr(func, "__wrapped__", None)
        if wrapped is not None:
            func = wrapped
            continue
        cells = [
            c.cell_contents for c in (getattr(func, "__closure__", None) or ())
            if callable(getattr(c, "cell_contents", None))
            and hasattr(c.cell_contents, "__code__")
        ]
        if not cells:
            return func
        cells.sort(key=lambda fn: "self" in fn.__code__.co_varnames, reverse=True)
        func = cells[0]
    return func


def exposed_info(func: Any) -> Exposed | None:
    """The :class:`Exposed` record of an exposed ``func`` (or bound method), else None."""
    info = getattr(func, "_carya", None)
    return info if isinstance(info, Exposed) and info.exposed else None


def is_exposed(obj: Any) -> bool:
    return exposed_info(obj) is not None


def _info_for(func: Any) -> Exposed:
    info = getattr(func, "_carya", None)
    if not isinstance(info, Exposed):
        info = Exposed()
        info.__dict__["func"] = func
        func._carya = info
        func._pecan = info  # Pecan's name: the same dict
    return info


_UNSET: Any = object()


def expose(
    template: str | None = None,
    generic: bool = False,
    route: str | None = None,
    content_type: str | None = _UNSET,
    **kw: Any,
) -> Callable[[F], F]:
    """Make a controller method reachable over HTTP, as Pecan's ``expose`` does.

    ``template`` is ``'json'``, a template file name (optionally prefixed with
    an engine, ``'jinja:page.html'``) or ``None`` for a body returned as text or
    bytes. Stack several ``@expose`` to offer several content types; the last
    one applied (the outermost, as in Pecan) is the default; ``content_type=None``
    serves whatever type the URL's extension names. ``generic=True`` lets
    ``@index.when(method='POST')`` add per-method handlers. ``route`` names the
    path segment when it is not the function's name (``route='some-path'``).
    """
    template = template or kw.pop("template", None)
    if "generic" in kw:  # pragma: no cover - defensive, Pecan allowed both spellings
        generic = kw.pop("generic")
    if kw:
        raise TypeError(f"expose() got unexpected arguments: {sorted(kw)}")
    if route is not None:
        _check_route_segment(route)

    def decorate(func: F) -> F:
        if generic and getattr(func, "__name__", "") in _SPECIAL:
            raise ValueError(f"{func.__name__} cannot be a generic controller")
        if route is not None and getattr(func, "__name__", "") in _SPECIAL:
            raise ValueError(
                f"{func.__name__} is a special method in pecan and cannot be used in "
                "combination with custom path segments."
            )
        info = _info_for(func)
        info.exposed = True
        ctype = content_type
        if ctype is _UNSET:
            ctype = JSON if template == "json" else HTML
        info.explicit_content_type = content_type is not _UNSET  # Pecan: 'content_type' in kw
        info.content_types[ctype] = template
        # Pecan's rule: the last ``@expose`` applied (the outermost) names the
        # default, so a wrapper that re-exposes a function (WSME) picks it.
        info.content_type = ctype
        if generic:
            info.generic = True
            info.generic_handlers.setdefault("DEFAULT", func)
            func.when = _make_when(func, info)  # type: ignore[attr-defined]
        if route is not None:
            info.route = route
        return func

    return decorate


def _check_route_segment(route: str) -> None:
    if not route or "/" in route or route in (".", ".."):
        raise ValueError(
            f"expose(route={route!r}): a route is one path segment, not empty and without '/'"
        )


_SPECIAL = ("_lookup", "_default", "_route")
_SEGMENT = re.compile(r"^[0-9a-zA-Z\-_$().~!,;:*+@=]+$")


def route(*args: Any) -> None:
    """Serve a path segment that is not a Python name (Pecan's ``pecan.route``).

    ``route(Parent, 'with-dashes', SubController())`` adds a sub-controller;
    ``route('some-path', handler)`` renames an exposed handler's segment.
    """
    if len(args) == 3:
        parent, segment, value = args
        _check_segment(segment)
        if hasattr(parent, segment):
            raise RuntimeError(
                f'{parent.__module__}.{parent.__name__} already has an existing attribute '
                f'named "{segment}".'
            )
        setattr(parent, segment, value)
        return
    if len(args) != 2:
        raise TypeError(
            'pecan.route should be called in the format '
            'route(ParentController, "path-segment", SubController())'
        )
    segment, handler = args
    handler = getattr(handler, "__func__", handler)
    if not is_exposed(handler):
        raise TypeError(f"{handler} must be a callable decorated with @pecan.expose")
    if handler.__name__ in ("_lookup", "_default", "_route"):
        raise ValueError(
            f"{handler.__name__} is a special method in pecan and cannot be used in "
            "combination with custom path segments."
        )
    _check_segment(segment)
    _info_for(handler).route = segment


def _check_segment(segment: Any) -> None:
    if not isinstance(segment, str):
        raise TypeError(f"{segment} must be a string")
    if segment in (".", "..") or not _SEGMENT.match(segment):
        raise ValueError(
            f"{segment} must be a valid path segment.  Keep in mind that path segments "
            "should not contain path separators (e.g., /) "
        )


def when_for(controller: Callable[..., Any]) -> Callable[..., Any]:
    """The ``when`` decorator of a generic controller (Pecan's ``decorators.when_for``)."""
    return _make_when(controller, _info_for(controller))


def _make_when(generic_func: Callable[..., Any], generic_info: Exposed) -> Callable[..., Any]:
    """Build ``func.when(method=..., **expose_kw)`` for a generic function."""

    def when(method: str | None = None, **expose_kw: Any) -> Callable[[F], F]:
        if not method:
            raise TypeError(f"{generic_func.__qualname__}.when() needs method='GET'/'POST'/...")
        verb = method.upper()
        if expose_kw.get("route") is not None:
            raise ValueError("generic controllers cannot be used with a custom path segment")

        def decorate(func: F) -> F:
            expose(**expose_kw)(func)
            _info_for(func).is_generic_handler = True
            if verb in generic_info.generic_handlers:
                raise ValueError(
                    f"{generic_func.__qualname__}: method {verb} already has a handler "
                    f"({generic_info.generic_handlers[verb].__qualname__})"
                )
            generic_info.generic_handlers[verb] = func
            return func

        return decorate

    return when
