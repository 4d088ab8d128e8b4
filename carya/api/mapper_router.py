"""The App's router over a Routes-style mapper: every route resolved once, at build time.

:class:`MapperRouter` answers the App's router protocol (``static``,
``find(state, path, method)``, ``authorize(handler, node)``) from a
:class:`carya.mapper.Mapper` (or a ``routes.Mapper``). When the App is built
(:meth:`MapperRouter.bind`) every route is resolved once to what it calls:
the controller instance, the method for its action as a carya
:class:`~carya.handler.Handler` (JSON out, Nova-style arguments in, checks
built), and a node carrying the hook chain (:mod:`carya.api.dispatch`). A route
whose method is missing, or whose method needs an argument the route cannot
supply, stops start-up with a message naming the route. Per request, ``find``
is the mapper's segment-tree match plus one dict lookup; only
``POST .../action`` (the body's key picks the method) and ``@api_version``
methods (the request's version picks) do a second small lookup.

It is separate from :class:`~carya.api.router.APIRouter` because it serves any
mapper, filled by hand or by the API application's resources and extensions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import MethodNotAllowed, NotFound
from ..handler import Handler
from ..routing.spec import class_hooks
from ..secure import handler_unlocked, run_check
from . import enforcer as policy_engine
from .binding import resource_handler
from .dispatch import ApiNode, BodyAction, ByName, Versioned, targets_of
from .resource import Resource, _class_attr, _functions, controller_actions
from .versions import Microversions, VersionedMethods, VersionTable, version_range

__all__ = ["MapperRouter", "RouteConfigError", "unwrap"]

_JSON = "application/json"
#: What ``Mapper.resource`` maps for every resource; a controller may lack some.
_STANDARD_ACTIONS = frozenset(("index", "create", "new", "show", "update", "delete", "edit"))


class RouteConfigError(ValueError):
    """A route that cannot be served (names the route)."""


def _route_label(route: Any) -> str:
    methods = (getattr(route, "conditions", None) or {}).get("method")
    shown = ",".join(methods) if isinstance(methods, (list, tuple)) else (methods or "ANY")
    return f"route {route.routepath!r} ({shown})"


def _route_methods(route: Any) -> tuple[str, ...]:
    """The HTTP methods a route's ``conditions`` allow, as written (empty: any)."""
    wanted = (getattr(route, "conditions", None) or {}).get("method")
    return tuple([wanted] if isinstance(wanted, str) else wanted or ())


class MapperRouter:
    """The App's router over a Routes-style mapper (see the module docstring)."""

    def __init__(
        self,
        mapper: Any,
        controllers: Mapping[str, Any] | None = None,
        microversions: Microversions | None = None,
        enforcer: Any = None,
        check_project_id: bool = True,
    ):
        self.mapper = mapper
        self.controllers = dict(controllers or {})
        self.microversions = microversions
        self.enforcer = enforcer
        self.check_project_id = check_project_id
        self.static: dict = {}  # every request goes through the mapper's tree
        self.entries: dict[Any, Any] = {}
        self.extensions: dict[int, list[Any]] = {}
        self._handlers: dict[Any, Handler] = {}
        self._nodes: dict[int, ApiNode] = {}
        self._methods: tuple[str, ...] = ()
        self._match: Callable[[str | None, str], Any] | None = None
        self._app: Any = None

    def add_controller_extension(self, controller: Any, extension_controller: Any) -> None:
        """Serve ``extension_controller``'s ``@action`` methods on ``controller``'s resource."""
        self.extensions.setdefault(id(unwrap(controller)), []).append(extension_controller)

    # --- build time ---------------------------------------------------------------------

    def bind(self, app: Any) -> None:
        """Resolve every route once, with the App's renderers and hooks (App calls this)."""
        self._app = app
        compile_mapper = getattr(self.mapper, "compile", None)
        if compile_mapper is not None:
            compile_mapper()
        elif hasattr(self.mapper, "create_regs"):
            self.mapper.create_regs()
        self._match = _matcher(self.mapper)
        methods: set[str] = set()
        with policy_engine.building(self.enforcer):
            for route in self.mapper.matchlist:
                if getattr(route, "static", False):
                    continue  # generation-only routes
                entry = self._entry(route)
                if entry is None:
                    continue  # e.g. resource()'s ``new``/``edit`` for a controller without them
                self.entries[route] = entry
                methods.update(m.upper() for m in _route_methods(route))
        self._methods = tuple(sorted(methods))

    def _entry(self, route: Any) -> Any:
        label = _route_label(route)
        controller = self._controller(route, label)
        action = route.defaults.get("action") if route.defaults else None
        variables = set(getattr(route, "minkeys", ()) or ()) | set(route.defaults or {})
        if action is None or "action" in (getattr(route, "minkeys", ()) or ()):
            entries = {}
            for name in _public_methods(controller):
                try:
                    entries[name] = self._action_entry(controller, name, route, label, variables)
                except RouteConfigError:
                    continue  # this route cannot supply its arguments: not reachable here
            return ByName(entries)
        if (
            action in _STANDARD_ACTIONS
            and getattr(route, "collection_name", None)
            and not hasattr(controller, action)
        ):
            return None  # resource() maps all seven; a controller implements what it has
        return self._action_entry(controller, action, route, label, variables)

    def _controller(self, route: Any, label: str) -> Any:
        value = route.defaults.get("controller") if route.defaults else None
        if isinstance(value, str):
            if value not in self.controllers:
                raise RouteConfigError(
                    f"{label}: controller {value!r} is a name, and no controller of that name "
                    "was given (pass controllers={name: obj}, or connect a carya.api.Resource)"
                )
            value = self.controllers[value]
        if value is None:
            raise RouteConfigError(f"{label}: the route names no controller")
        return unwrap(value)

    def _action_entry(self, controller: Any, action: str, route: Any, label: str,
                      variables: set[str]) -> Any:
        if action == "action":
            body_actions = self._body_actions(controller, route, label, variables)
            if body_actions is not None:
                return body_actions
        try:
            value = _class_attr(controller, action)
        except AttributeError:
            raise RouteConfigError(
                f"{label}: {type(controller).__qualname__} has no method {action!r}"
            ) from None
        return self._functions_entry(controller, _functions(value), action, route, label,
                                     variables)

    def _body_actions(self, controller: Any, route: Any, label: str,
                      variables: set[str]) -> BodyAction | None:
        sources = [controller, *self.extensions.get(id(controller), ())]
        actions: dict[str, Any] = {}
        owners: dict[str, str] = {}
        for owner in sources:
            for key, funcs in controller_actions(owner).items():
                if key in actions:
                    raise RouteConfigError(
                        f"{label}: action {key!r} is defined by both {owners[key]} and "
                        f"{type(owner).__qualname__}"
                    )
                owners[key] = type(owner).__qualname__
                actions[key] = self._functions_entry(owner, funcs, key, route, label, variables)
        if not actions:
            return None  # a controller with a method literally named 'action'
        return BodyAction(actions)

    def _functions_entry(self, owner: Any, funcs: list[Callable], action: str, route: Any,
                         label: str, variables: set[str]) -> Any:
        if not funcs:
            raise RouteConfigError(
                f"{label}: {type(owner).__qualname__}.{action} is not a method it can call"
            )
        node = self._node(owner)
        targets = []
        for func in funcs:
            handler = self._handler(func)
            missing = handler.binder.required - variables
            if missing:
                raise RouteConfigError(
                    f"{label}: {handler.name} needs {', '.join(sorted(map(repr, missing)))}, "
                    "which the route does not provide"
                )
            targets.append((version_range(func), (handler, node)))
        if len(targets) == 1 and targets[0][0] is None:
            return targets[0][1]
        if any(rng is None for rng, _ in targets):
            raise RouteConfigError(f"{label}: {action} mixes versioned and unversioned methods")
        if self.microversions is None:
            raise RouteConfigError(
                f"{label}: {targets[0][1][0].name} uses @api_version, but the API declares no "
                "microversions (pass microversions=Microversions(...))"
            )
        name = f"{type(owner).__qualname__}.{action}"
        table = VersionTable(name, [(rng[0], rng[1], target) for rng, target in targets])
        return Versioned(table, self.microversions.min)

    def _handler(self, func: Callable) -> Handler:
        handler = self._handlers.get(func)
        if handler is None:
            handler = self._handlers[func] = resource_handler(
                func, self._app.renderers, self.check_project_id
            )
        return handler

    def _node(self, controller: Any) -> ApiNode:
        node = self._nodes.get(id(controller))
        if node is None:
            chain = self._app.hooks.extended(class_hooks(type(controller)))
            node = self._nodes[id(controller)] = ApiNode(controller, chain)
        return node

    # --- per request ----------------------------------------------------------------------

    def find(self, state: Any, path: str, method: str) -> tuple[Handler, ApiNode, dict]:
        hit = self._match(method, path)
        if hit is None:
            if method == "HEAD":
                hit = self._match("GET", path)
            if hit is None:
                raise self.miss(path)
        route, match = hit
        state.environ["wsgiorg.routing_args"] = ((), match)
        state.content_type = _JSON  # an OpenStack API answers JSON: no negotiation
        entry = self.entries.get(route)
        if entry is None:
            raise self.miss(path)
        if type(entry) is tuple:
            return entry[0], entry[1], match
        handler, node = entry.resolve(state, match)
        return handler, node, match

    def miss(self, path: str) -> Exception:
        """404, or 405 with ``Allow`` when the path exists for other methods."""
        allowed = []
        for method in self._methods:
            hit = self._match(method, path)
            if hit is not None and hit[0] in self.entries:
                allowed.append(method)
        if allowed:
            if "GET" in allowed:
                allowed.append("HEAD")
            return MethodNotAllowed(", ".join(sorted(allowed)))
        return NotFound()

    def authorize(self, handler: Handler, node: ApiNode) -> None:
        if handler.secured is not None:
            run_check(handler.secured, node.obj)  # replaces the controller's (Pecan's rule)
        elif node.guard is not None and not handler_unlocked(handler.func):
            run_check(node.guard, node.obj)

    # --- inspection (``carya routes``) -----------------------------------------------------

    def describe(self) -> list[dict[str, Any]]:
        """Each route with what it calls, for listings."""
        rows = []
        for route, entry in self.entries.items():
            handlers = [handler.name for handler, _ in targets_of(entry)]
            rows.append({
                "route": route,
                "methods": _route_methods(route),
                "path": _template(route),
                "name": getattr(route, "name", None),
                "params": tuple(sorted(getattr(route, "minkeys", ()) or ())),
                "handlers": handlers,
                "entry": entry,
            })
        return rows


def unwrap(value: Any) -> Any:
    """The controller of a :class:`Resource`, anything else as it is."""
    return value.controller if isinstance(value, Resource) else value


def _public_methods(controller: Any) -> list[str]:
    names = []
    for klass in type(controller).__mro__:
        if klass is object:
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") and name not in names and (
                isinstance(value, VersionedMethods) or callable(value)
            ) and not isinstance(value, (type, staticmethod, classmethod)):
                names.append(name)
    return names


def _matcher(mapper: Any) -> Callable[[str | None, str], Any]:
    """``(method, path) -> (route, match) | None`` for carya's Mapper or a Routes one."""
    fast = getattr(mapper, "match_path", None)
    if fast is not None:
        return fast

    def routes_match(method: str | None, path: str) -> Any:
        found = mapper.routematch(url=path, environ={"REQUEST_METHOD": method or "GET",
                                                     "PATH_INFO": path})
        return None if not found else (found[1], found[0])

    return routes_match


def _template(route: Any) -> str:
    parts = []
    for token in getattr(route, "routelist", None) or [route.routepath]:
        if isinstance(token, str):
            parts.append(token)
        elif token.get("type") == ".":
            parts.append("{." + token["name"] + "}")
        elif token.get("type") == "*":
            parts.append("{*" + token["name"] + "}")
        else:
            parts.append("{" + token["name"] + "}")
    return "".join(parts) or "/"
