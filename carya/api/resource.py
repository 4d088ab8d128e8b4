"""Resources: Nova's ``wsgi.Controller`` model on carya.

A controller is a class whose methods are called ``(self, req, <path
variables>, body)``: ``index``/``create`` on the collection, ``show``/
``update``/``delete`` on a member, plus the custom actions a
:class:`ResourceExtension` maps (``collection_actions``/``member_actions``).
Methods return a dict (rendered as JSON) or a WebOb response, and raise
``webob.exc`` errors; decorators say the rest, once:

- ``@response(202)``: the success status;
- ``@action('reboot')``: answers ``POST /servers/{id}/action`` with a body
  ``{"reboot": {...}}`` (the body's only key picks the method; an unknown key or
  a body that is not a one-key object is a 400 saying so);
- ``@expected_errors(404, 409)``: those statuses pass; any other exception is
  logged with its traceback and becomes a 500 fault without internals;
- ``@api_version('2.1', '2.37')``: the method serves that microversion range;
  same-named methods with disjoint ranges are collected by the class;
- ``@validate(...)`` and ``@policy(...)`` (their own modules).

:class:`ResourceExtension` and :class:`ControllerExtension` are what extensions
return to add a resource, or actions on an existing one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import webob.exc as exc

from ..expose import _info_for
from .versions import VersionedMethods, api_version, version_range

__all__ = [
    "Controller",
    "Resource",
    "ResourceExtension",
    "ControllerExtension",
    "action",
    "response",
    "expected_errors",
    "controller_actions",
    "create_resource",
]

log = logging.getLogger("carya.api")

#: Statuses ``@expected_errors`` always lets through: authentication and policy refusals.
ALWAYS_EXPECTED = frozenset((401, 403))
UNEXPECTED = ("Unexpected API Error. Please report this to the service operator and attach "
              "the API log if possible. {}")


def action(name: str) -> Callable:
    """Answer the body-keyed action ``name`` (``POST .../action`` with ``{name: {...}}``)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"action({name!r}): the action name is a non-empty string")

    def decorate(func: Callable) -> Callable:
        _info_for(func).extra["wsgi_action"] = name
        return func

    return decorate


def response(code: int) -> Callable:
    """The success status of a method (Nova's ``@wsgi.response(202)``)."""
    if not isinstance(code, int) or not 100 <= code < 400:
        raise ValueError(f"response({code!r}): a success status is an int from 100 to 399")

    def decorate(func: Callable) -> Callable:
        _info_for(func).extra["status"] = code
        return func

    return decorate


def expected_errors(*errors: int | Iterable[int]) -> Callable:
    """Let these error statuses through; turn anything else into a logged 500.

    Accepts ``expected_errors(404)``, ``expected_errors(404, 409)`` and Nova's
    ``expected_errors((400, 404))``. An exception that is not a ``webob.exc``
    error but has an integer ``code`` (Nova's exceptions) becomes that error
    when the code is expected.
    """
    codes: set[int] = set()
    for item in errors:
        for code in (item,) if isinstance(item, int) else item:
            if not isinstance(code, int) or not 400 <= code < 600:
                raise ValueError(f"expected_errors: {code!r} is not an HTTP error status")
            codes.add(code)
    allowed = frozenset(codes) | ALWAYS_EXPECTED

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except exc.HTTPException as error:
                if error.code < 400 or error.code in allowed:
                    raise
                return _unexpected(func, error)
            except Exception as error:  # noqa: BLE001 - the point: nothing unexpected leaks
                code = getattr(error, "code", None)
                if isinstance(code, int) and code in allowed and code in exc.status_map:
                    raise exc.status_map[code](detail=str(error)) from None
                return _unexpected(func, error)

        _info_for(guarded).extra["expected_errors"] = tuple(sorted(allowed))  # for documents
        return guarded

    return decorate


def _unexpected(func: Callable, error: BaseException) -> Any:
    log.error("Unexpected exception in API method %s", func.__qualname__,
              exc_info=(type(error), error, error.__traceback__))
    raise exc.HTTPInternalServerError(detail=UNEXPECTED.format(type(error))) from None


# --- the controller class -------------------------------------------------------------


class _ClassBody(dict):
    """A class body where same-named ``@api_version`` methods accumulate."""

    def __setitem__(self, key: str, value: Any) -> None:
        if version_range(value) is not None and key in self:
            previous = dict.__getitem__(self, key)
            if isinstance(previous, VersionedMethods):
                previous.add(value)
                return
            if version_range(previous) is not None:
                value = VersionedMethods(key, [previous, value])
        dict.__setitem__(self, key, value)


def _functions(value: Any) -> list[Callable]:
    if isinstance(value, VersionedMethods):
        return list(value.funcs)
    if callable(value) and not isinstance(value, (type, staticmethod, classmethod)):
        return [value]
    return []


def _action_key(func: Callable) -> str | None:
    info = getattr(func, "_carya", None)
    extra = getattr(info, "extra", None)
    return extra.get("wsgi_action") if extra else None


class ControllerMeta(type):
    """Collects ``@action`` methods into ``wsgi_actions`` and versioned methods by name."""

    @classmethod
    def __prepare__(mcs, name: str, bases: tuple, **kw: Any) -> dict:
        return _ClassBody()

    def __new__(mcs, name: str, bases: tuple, body: dict, **kw: Any) -> ControllerMeta:
        body = dict(body)
        for attr, value in body.items():
            if not isinstance(value, VersionedMethods) and version_range(value) is not None:
                body[attr] = VersionedMethods(attr, [value])  # direct calls check the version
        cls = super().__new__(mcs, name, bases, body, **kw)
        actions: dict[str, tuple[str, ...]] = {}
        for base in reversed(cls.__mro__[1:]):
            actions.update(getattr(base, "wsgi_actions", {}) or {})
        mine: dict[str, list[str]] = {}
        for attr, value in body.items():
            for func in _functions(value):
                key = _action_key(func)
                if key is not None and attr not in mine.setdefault(key, []):
                    mine[key].append(attr)
        for key, attrs in mine.items():
            funcs = [f for a in attrs for f in _functions(body[a]) if _action_key(f) == key]
            unversioned = [f for f in funcs if version_range(f) is None]
            if len(funcs) > 1 and unversioned:
                names = ", ".join(f.__qualname__ for f in funcs)
                raise TypeError(
                    f"{name}: action {key!r} is answered by several methods ({names}); "
                    "give them disjoint @api_version ranges"
                )
            actions[key] = tuple(attrs)
        cls.wsgi_actions = actions
        return cls


class Controller(metaclass=ControllerMeta):
    """Base class of resource controllers (Nova's ``wsgi.Controller``).

    Subclasses define any of ``index``, ``show``, ``create``, ``update``,
    ``delete``, custom collection/member actions, and ``@action`` methods.
    """

    wsgi_actions: dict[str, tuple[str, ...]] = {}
    api_version = staticmethod(api_version)


def controller_actions(controller: Any) -> dict[str, list[Callable]]:
    """Body-keyed actions of a controller: key -> the functions answering it.

    Works for :class:`Controller` subclasses and for Nova-style objects whose
    ``wsgi_actions`` maps a key to a method name.
    """
    found: dict[str, list[Callable]] = {}
    for key, attrs in (getattr(controller, "wsgi_actions", None) or {}).items():
        for attr in (attrs,) if isinstance(attrs, str) else attrs:
            value = _class_attr(controller, attr)
            found.setdefault(key, []).extend(
                f for f in _functions(value) if _action_key(f) in (key, None)
            )
    return found


def _class_attr(controller: Any, attr: str) -> Any:
    for klass in type(controller).__mro__:
        if attr in vars(klass):
            return vars(klass)[attr]
    return getattr(controller, attr)


# --- registration objects ---------------------------------------------------------------


class Resource:
    """A controller as the mapper's ``controller=`` value (Nova's ``wsgi.Resource``).

    Routes keeps only callables (or strings) as controllers, so Nova wraps each
    controller in a callable Resource; carya's router unwraps it.
    """

    def __init__(self, controller: Any, inherits: Any = None):
        self.controller = controller
        self.inherits = inherits

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        raise RuntimeError(
            f"{type(self.controller).__name__} is routed by carya.api.MapperRouter; "
            "a Resource is not a WSGI application by itself"
        )

    def __repr__(self) -> str:
        return f"<Resource {type(self.controller).__qualname__}>"


def create_resource(controller: Any) -> Resource:
    return Resource(controller)


class ResourceExtension:
    """A resource to map: collection name, controller, and its custom actions.

    ``collection_actions``/``member_actions`` map an action name to its HTTP
    method (``{'add_group': 'POST'}``): ``POST /groups/add_group`` and
    ``POST /groups/{id}/update`` call the method of that name. ``parent``
    (``{'member_name': 'server', 'collection_name': 'servers'}``) nests the
    resource; ``custom_routes_fn(mapper, resource)`` adds routes by hand.
    """

    def __init__(
        self,
        collection: str,
        controller: Any = None,
        parent: Mapping[str, str] | None = None,
        collection_actions: Mapping[str, str] | None = None,
        member_actions: Mapping[str, str] | None = None,
        custom_routes_fn: Callable | None = None,
        inherits: str | None = None,
        member_name: str | None = None,
    ):
        if not collection or "/" in collection:
            raise ValueError(f"ResourceExtension: collection {collection!r} must be one word")
        self.collection = collection
        self.controller = controller
        self.parent = dict(parent) if parent else None
        self.collection_actions = dict(collection_actions or {})
        self.member_actions = dict(member_actions or {})
        self.custom_routes_fn = custom_routes_fn
        self.inherits = inherits
        self.member_name = member_name

    def __repr__(self) -> str:
        return f"<ResourceExtension {self.collection}>"


class ControllerExtension:
    """``@action`` methods of ``controller`` added to the existing resource ``collection``."""

    def __init__(self, extension: Any, collection: str, controller: Any):
        self.extension = extension
        self.collection = collection
        self.controller = controller

    def __repr__(self) -> str:
        return f"<ControllerExtension {self.collection} {type(self.controller).__qualname__}>"
