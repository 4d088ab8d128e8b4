"""ControllerSpec: what routing needs to know about a controller class, read once.

Object dispatch in Pecan walks attributes and inspects methods on every
request. carya reads each controller class once per application: its exposed
methods (keyed by path segment), ``index``, ``_default``, ``_lookup``,
``_route``, hooks, security checks and, for RestControllers, the REST verbs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..expose import exposed_info
from ..handler import Binder, Handler, Target, build_target
from ..render import RendererFactory

__all__ = ["ControllerSpec", "SpecCache", "is_controller_object"]

_PLAIN_TYPES = (str, bytes, int, float, bool, list, tuple, dict, set, frozenset, type(None))


def is_controller_object(value: Any) -> bool:
    """Whether an attribute value can be walked into as a sub-controller."""
    if isinstance(value, _PLAIN_TYPES) or inspect.isroutine(value):
        return False
    if inspect.isclass(value) or inspect.ismodule(value):
        return False
    return getattr(type(value), "__module__", "builtins") != "builtins"


class RestSpec:
    """The REST verbs a RestController class answers, found once."""

    __slots__ = (
        "verbs", "custom_actions", "id_arity", "id_varargs", "allow", "user_handlers", "form_pages",
    )

    def __init__(self, cls: type, targets: dict[str, Target], leading: int):
        self.verbs = targets  # name -> target, for the REST method names present
        self.custom_actions: dict[str, list[str]] = {
            name: [m.upper() for m in methods]
            for name, methods in getattr(cls, "_custom_actions", {}).items()
        }
        getter = targets.get("get_one") or targets.get("get")
        if isinstance(getter, Handler):
            self.id_arity: int | None = getter.binder.arity
            self.id_varargs = getter.binder.varargs
        else:
            self.id_arity, self.id_varargs = None, False
        self.allow = self._allow()
        self.form_pages = any(n in targets for n in ("new", "edit", "get_delete"))
        self.user_handlers: dict[str, Callable[..., Any]] = {}
        from ..rest import RestController  # local: carya.rest builds on this module

        for name in dir(cls):
            if name.startswith("_handle_"):
                impl = getattr(cls, name)
                if getattr(RestController, name, None) is not impl:
                    self.user_handlers[name[len("_handle_"):]] = impl

    def _allow(self) -> str:
        methods = set()
        if any(n in self.verbs for n in ("get", "get_one", "get_all", "new", "edit", "get_delete")):
            methods.update(("GET", "HEAD"))
        for verb in ("post", "put", "delete", "patch", "trace"):
            if verb in self.verbs:
                methods.add(verb.upper())
        return ", ".join(sorted(methods))


REST_NAMES = (
    "get_all", "get_one", "get", "post", "put", "delete", "post_delete", "patch",
    "new", "edit", "get_delete", "trace",
)


class ControllerSpec:
    """Routing facts of one controller class, for one application."""

    __slots__ = (
        "cls",
        "methods",
        "index",
        "default",
        "lookup",
        "lookup_binder",
        "route",
        "rest",
        "hooks",
        "check",
        "targets_by_func",
    )

    def __init__(self, cls: type, renderers: RendererFactory, leading: int):
        self.cls = cls
        self.methods: dict[str, Target] = {}
        self.targets_by_func: dict[Any, Target] = {}
        self.index: Target | None = None
        self.default: Target | None = None
        self.lookup: Callable[..., Any] | None = None
        self.lookup_binder: Binder | None = None
        self.route: Callable[..., Any] | None = None
        self.rest: RestSpec | None = None
        self.hooks = class_hooks(cls)
        self.check = _class_check(cls)
        renamed: set[str] = set()
        for name, value, static in _class_members(cls):
            info = exposed_info(value)
            if info is None or name in _ROUTERS:
                continue  # _lookup/_route route, they are never called as handlers
            target = build_target(value, renderers, leading, static)
            if target is None:
                continue
            self.targets_by_func[getattr(value, "__func__", value)] = target
            if name == "index":
                self.index = target
                # Pecan serves index at /index (and /x/index/arg) too, or at its route.
                self.methods.setdefault(info.route or "index", target)
            elif name == "_default":
                self.default = target
            elif info.route is not None:
                self._add_route(info.route, target)
                renamed.add(name)
            elif not name.startswith("_"):
                self.methods.setdefault(name, target)
        for name in renamed:
            if self.methods.get(name) is self.targets_by_func.get(getattr(cls, name)):
                self.methods.pop(name, None)
        self._find_special(cls, leading)
        self._find_rest(cls, leading)

    def _add_route(self, segment: str, target: Target) -> None:
        if segment in self.methods and self.methods[segment] is not target:
            raise ValueError(
                f"{self.cls.__qualname__}: path segment {segment!r} is claimed twice "
                f"(by {self.methods[segment]!r} and {target!r})"
            )
        self.methods[segment] = target

    def _find_special(self, cls: type, leading: int) -> None:
        lookup = getattr(cls, "_lookup", None)
        if lookup is not None and callable(lookup):
            self.lookup = lookup
            self.lookup_binder = Binder(lookup, 1)
        route = getattr(cls, "_route", None)
        if route is not None and callable(route):
            from ..rest import RestController

            if getattr(RestController, "_route", None) is not route:
                self.route = route

    def _find_rest(self, cls: type, leading: int) -> None:
        from ..rest import RestController

        if not issubclass(cls, RestController):
            return
        verbs = {}
        for name in REST_NAMES:
            target = self.methods.get(name)
            if target is not None:
                verbs[name] = target
        self.rest = RestSpec(cls, verbs, leading)

    def target_for(self, func: Any) -> Target | None:
        return self.targets_by_func.get(getattr(func, "__func__", func))


_ROUTERS = ("_lookup", "_route")


def class_hooks(cls: type) -> tuple:
    """The class's ``__hooks__`` and those of its bases and mixins, each hook once."""
    hooks: list = []
    for klass in cls.__mro__:
        for hook in vars(klass).get("__hooks__", ()) or ():
            if not any(h is hook for h in hooks):
                hooks.append(hook)
    return tuple(hooks)


def _class_members(cls: type):
    """(name, value, is_static) of the class attributes that could be exposed, MRO-aware."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        for name, value in vars(klass).items():
            if name in seen:
                continue
            seen.add(name)
            static = isinstance(value, staticmethod)
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if callable(value):
                yield name, value, static


def _class_check(cls: type) -> Any:
    from ..secure import class_check

    return class_check(cls)


class SpecCache:
    """ControllerSpecs of one application, built on first sight of each class."""

    def __init__(self, renderers: RendererFactory, leading: int):
        self.renderers = renderers
        self.leading = leading
        self._specs: dict[type, ControllerSpec] = {}

    def get(self, cls: type) -> ControllerSpec:
        spec = self._specs.get(cls)
        if spec is None:
            spec = self._specs[cls] = ControllerSpec(cls, self.renderers, self.leading)
        return spec

    def target_for_callable(self, func: Any) -> Target | None:
        """The target of a bound exposed method returned by ``_route``/``_lookup``."""
        owner = getattr(func, "__self__", None)
        if owner is not None:
            target = self.get(type(owner)).target_for(func)
            if target is not None:
                return target
        return build_target(func, self.renderers, self.leading)
