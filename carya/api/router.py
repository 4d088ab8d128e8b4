"""The OpenStack API router: a Routes-style mapper driving carya's request pipeline.

:class:`MapperRouter` answers the App's router protocol (``static``,
``find(state, path, method)``, ``authorize(handler, node)``) from a
:class:`carya.mapper.Mapper` (or a ``routes.Mapper``). When the App is built
(:meth:`MapperRouter.bind`) every route is resolved once to what it calls:
the controller instance, the method for its action as a carya
:class:`~carya.handler.Handler` (JSON out, Nova-style arguments in, checks
built), and a node carrying the hook chain. A route whose method is missing,
or whose method needs an argument the route cannot supply, stops start-up with
a message naming the route. Per request, ``find`` is the mapper's segment-tree
match plus one dict lookup; only ``POST .../action`` (the body's key picks the
method) and ``@api_version`` methods (the request's version picks) do a second
small lookup.

:class:`APIRouter` is Nova's ``APIRouterV21`` on carya: it builds the mapper
from resources and from extensions found through entry points, adds the
versions document and ``/extensions``, registers the extensions' policies, and
is itself the carya :class:`~carya.app.App` to serve (``APIRouter.factory`` for
Paste Deploy). Errors leave as OpenStack faults; microversions are negotiated
before routing and echoed on every response.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import webob.exc as exc

from ..app import App
from ..errors import MethodNotAllowed, NotFound
from ..handler import Handler
from ..hooks import HookChain, PecanHook
from ..secure import run_check
from . import policy as policy_engine
from .binding import ROUTING_KEYS, APIRequest, request_body, resource_handler
from .extensions import (
    ExtensionInfo,
    ExtensionsController,
    add_extensions,
    load_extensions,
)
from .faults import FaultFormatter, send_fault
from .resource import (
    ControllerExtension,
    Resource,
    ResourceExtension,
    _class_attr,
    _functions,
    controller_actions,
)
from .versions import (
    API_VERSION_KEY,
    APIVersionInfo,
    Microversions,
    VersionedMethods,
    VersionsController,
    VersionTable,
    version_range,
)

__all__ = ["MapperRouter", "APIRouter", "ApiNode"]

log = logging.getLogger("carya.api")
_SHOWN_KEY_LENGTH = 64
_JSON = "application/json"
#: What ``Mapper.resource`` maps for every resource; a controller may lack some.
_STANDARD_ACTIONS = frozenset(("index", "create", "new", "show", "update", "delete", "edit"))


class ApiNode:
    """What the App needs of a routing node: the controller, its hooks, no guard."""

    __slots__ = ("obj", "chain", "guard")

    def __init__(self, obj: Any, chain: HookChain):
        self.obj = obj
        self.chain = chain
        self.guard = None

    def __repr__(self) -> str:
        return f"<ApiNode {type(self.obj).__qualname__}>"


# --- what a route resolves to -----------------------------------------------------
# A plain ``(handler, node)`` tuple for the common case; these classes otherwise.


class _Versioned:
    """An action answered by different methods by microversion."""

    __slots__ = ("table", "default")

    def __init__(self, table: VersionTable, default: Any):
        self.table = table
        self.default = default

    def resolve(self, state: Any, match: dict) -> tuple[Handler, ApiNode]:
        version = state.environ.get(API_VERSION_KEY) or self.default
        return self.table.select(version)

    def targets(self) -> list[tuple[Handler, ApiNode]]:
        return [entry[2] for entry in self.table.entries]


class _BodyAction:
    """``POST .../action``: the request body's only key names the method."""

    __slots__ = ("actions",)

    def __init__(self, actions: dict[str, Any]):
        self.actions = actions

    def resolve(self, state: Any, match: dict) -> tuple[Handler, ApiNode]:
        body = request_body(state, required=True)
        if not isinstance(body, dict) or len(body) != 1:
            raise exc.HTTPBadRequest(
                detail="Malformed request body: an action body is a JSON object with exactly "
                'one key, the action name (e.g. {"reboot": {"type": "SOFT"}}).'
            )
        key = next(iter(body))
        entry = self.actions.get(key)
        if entry is None:
            shown = key if len(key) <= _SHOWN_KEY_LENGTH else key[:_SHOWN_KEY_LENGTH] + "..."
            raise exc.HTTPBadRequest(detail=f"There is no such action: {shown}")
        if type(entry) is tuple:
            return entry
        return entry.resolve(state, match)

    def targets(self) -> list[tuple[Handler, ApiNode]]:
        return [t for entry in self.actions.values() for t in _targets(entry)]


class _ByName:
    """A route with ``{action}`` in its path: the action is chosen per request."""

    __slots__ = ("entries",)

    def __init__(self, entries: dict[str, Any]):
        self.entries = entries

    def resolve(self, state: Any, match: dict) -> tuple[Handler, ApiNode]:
        entry = self.entries.get(match.get("action"))
        if entry is None:
            raise NotFound()
        if type(entry) is tuple:
            return entry
        return entry.resolve(state, match)

    def targets(self) -> list[tuple[Handler, ApiNode]]:
        return [t for entry in self.entries.values() for t in _targets(entry)]


def _targets(entry: Any) -> list[tuple[Handler, ApiNode]]:
    return [entry] if type(entry) is tuple else entry.targets()


class RouteConfigError(ValueError):
    """A route that cannot be served (names the route)."""


def _route_label(route: Any) -> str:
    methods = (getattr(route, "conditions", None) or {}).get("method")
    shown = ",".join(methods) if isinstance(methods, (list, tuple)) else (methods or "ANY")
    return f"route {route.routepath!r} ({shown})"


# --- the router -------------------------------------------------------------------------


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
        self.extensions.setdefault(id(_unwrap(controller)), []).append(extension_controller)

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
                wanted = (getattr(route, "conditions", None) or {}).get("method")
                if isinstance(wanted, str):
                    wanted = [wanted]
                methods.update(m.upper() for m in wanted or ())
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
            return _ByName(entries)
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
        return _unwrap(value)

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
                      variables: set[str]) -> _BodyAction | None:
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
        return _BodyAction(actions)

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
        return _Versioned(table, self.microversions.min)

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
            chain = self._app.hooks.extended(getattr(type(controller), "__hooks__", ()) or ())
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
            run_check(handler.secured, node.obj)

    # --- inspection (``carya routes``) -----------------------------------------------------

    def describe(self) -> list[dict[str, Any]]:
        """Each route with what it calls, for listings."""
        rows = []
        for route, entry in self.entries.items():
            wanted = (getattr(route, "conditions", None) or {}).get("method")
            methods = tuple([wanted] if isinstance(wanted, str) else wanted or ())
            handlers = [handler.name for handler, _ in _targets(entry)]
            rows.append({
                "route": route,
                "methods": methods,
                "path": _template(route),
                "name": getattr(route, "name", None),
                "params": tuple(sorted(getattr(route, "minkeys", ()) or ())),
                "handlers": handlers,
                "entry": entry,
            })
        return rows


def _unwrap(value: Any) -> Any:
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


# --- the API application ------------------------------------------------------------------


class APIRouter(App):
    """An OpenStack-style API: resources, extensions, policy, microversions, faults.

    ``mapper`` may come pre-filled (seed 002's ``API`` connects its own routes,
    then calls ``super().__init__(mapper)``). ``resources`` are
    :class:`ResourceExtension` objects; extensions come from the entry-point
    group ``extension_namespace`` (or the class attribute
    ``api_extension_namespace``) and/or ``extensions`` (classes or instances).
    ``project_id``: ``'none'`` maps ``/servers``, ``'required'``
    ``/{project_id}/servers``, ``'optional'`` both (Nova's ProjectMapper).
    Other keyword arguments go to :class:`~carya.app.App` (``hooks``, ``debug``...).
    """

    api_extension_namespace: str | None = None

    def __init__(
        self,
        mapper: Any = None,
        *,
        resources: Iterable[ResourceExtension] = (),
        extension_namespace: str | None = None,
        extensions: Sequence[Any] = (),
        enabled_extensions: Iterable[str] | None = None,
        disabled_extensions: Iterable[str] = (),
        microversions: Microversions | None = None,
        versions: Sequence[APIVersionInfo] | bool | None = None,
        enforcer: Any = None,
        policies: Iterable[Any] = (),
        policy_file: str | None = None,
        project_id: str = "none",
        check_project_id: bool = True,
        list_extensions: bool = True,
        controllers: Mapping[str, Any] | None = None,
        hooks: Iterable[PecanHook] = (),
        fault_formatter: FaultFormatter | None = None,
        **app_options: Any,
    ):
        if project_id not in ("none", "required", "optional"):
            raise ValueError(f"APIRouter: project_id={project_id!r}; use none/required/optional")
        if mapper is None:
            from ..mapper import Mapper

            mapper = Mapper()
        self.mapper = mapper
        self.project_id_mode = project_id
        self.microversions = microversions
        self.extension_info = info = ExtensionInfo()
        namespace = extension_namespace or self.api_extension_namespace
        if namespace:
            load_extensions(namespace, enabled_extensions, disabled_extensions, info)
        add_extensions(info, extensions)
        self.enforcer = enforcer if enforcer is not None else policy_engine.Enforcer()
        register = getattr(self.enforcer, "register_defaults", None)
        all_resources = list(resources)
        controller_extensions: list[ControllerExtension] = []
        for extension in info:
            if register is not None:
                register(list(extension.get_policies()))
            all_resources.extend(extension.get_resources())
            controller_extensions.extend(extension.get_controller_extensions())
        if register is not None:
            register(list(policies))
        if policy_file is not None:
            self.enforcer.load_file(policy_file)
        self.resources: dict[str, Any] = {}
        for resource in all_resources:
            self._register_resource(mapper, resource)
        self._add_versions(mapper, versions)
        if list_extensions:
            self._connect(mapper, "/extensions", ExtensionsController(info), "index", "GET")
            self._connect(mapper, "/extensions/{id}", ExtensionsController(info), "show", "GET")
        log.info("Loaded extensions: %s", sorted(ext.alias for ext in info))
        router = MapperRouter(mapper, controllers, microversions, self.enforcer, check_project_id)
        for ext in controller_extensions:
            target = self.resources.get(ext.collection)
            if target is None:
                raise RouteConfigError(
                    f"extension {getattr(ext.extension, 'alias', ext.extension)!r}: controller "
                    f"extension for {ext.collection!r}, but no resource of that name is mapped"
                )
            router.add_controller_extension(target, ext.controller)
        app_options.setdefault("guess_content_type_from_ext", False)
        app_options.setdefault("request_cls", APIRequest)
        super().__init__(
            None,
            hooks=hooks,
            router=router,
            error_formatter=fault_formatter or FaultFormatter(),
            **app_options,
        )

    @classmethod
    def factory(cls, global_config: Mapping[str, Any] | None = None, **local_config: Any
                ) -> APIRouter:
        """Paste Deploy ``paste.app_factory`` (Nova's ``Router.factory``)."""
        return cls(**local_config) if local_config else cls()

    # --- building the mapper ------------------------------------------------------------

    def _prefixes(self, parent: Mapping[str, str] | None) -> list[str | None]:
        nested = f"/{parent['collection_name']}/{{{parent['member_name']}_id}}" if parent else ""
        with_project = "/{project_id}" + nested
        without = nested or None
        return {
            "none": [without],
            "required": [with_project],
            "optional": [with_project, without],
        }[self.project_id_mode]

    def _register_resource(self, mapper: Any, resource: ResourceExtension) -> None:
        if resource.controller is None:
            raise RouteConfigError(f"{resource!r}: it has no controller")
        if resource.collection in self.resources:
            raise RouteConfigError(f"resource {resource.collection!r} is mapped twice")
        wrapped = Resource(_unwrap(resource.controller), resource.inherits)
        self.resources[resource.collection] = _unwrap(resource.controller)
        member = resource.member_name or resource.collection
        for prefix in self._prefixes(resource.parent):
            options: dict[str, Any] = {
                "controller": wrapped,
                "collection": resource.collection_actions,
                "member": resource.member_actions,
            }
            if resource.parent:
                options["parent_resource"] = dict(resource.parent)
            if prefix is not None:
                options["path_prefix"] = prefix
            mapper.resource(member, resource.collection, **options)
        if resource.custom_routes_fn is not None:
            resource.custom_routes_fn(mapper, wrapped)

    def _connect(self, mapper: Any, path: str, controller: Any, action: str, method: str
                 ) -> None:
        wrapped = Resource(controller)
        prefixes = {"none": [""], "required": ["/{project_id}"],
                    "optional": ["/{project_id}", ""]}[self.project_id_mode]
        for prefix in prefixes:
            mapper.connect(prefix + path, controller=wrapped, action=action,
                           conditions={"method": [method]})

    def _add_versions(self, mapper: Any, versions: Any) -> None:
        if versions is False or (versions is None and self.microversions is None):
            return
        if versions is None or versions is True:
            mv = self.microversions
            if mv is None:
                raise ValueError("APIRouter: versions=True needs microversions or a list")
            versions = [APIVersionInfo(f"v{mv.min}", "CURRENT", str(mv.min), str(mv.max))]
        controller = Resource(VersionsController(list(versions)))
        mapper.connect("/", controller=controller, action="index",
                       conditions={"method": ["GET"]})

    # --- per request -------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        environ[policy_engine.ENFORCER_KEY] = self.enforcer
        mv = self.microversions
        if mv is None or "carya.forwards" in environ:
            return App.__call__(self, environ, start_response)
        try:
            version, headers = mv.negotiate(environ)
        except exc.HTTPException as error:
            return send_fault(self.error_formatter, error, environ, start_response, [mv.vary])
        environ[API_VERSION_KEY] = version

        def start(status: str, response_headers: list, exc_info: Any = None) -> Any:
            if exc_info is None:
                return start_response(status, [*response_headers, *headers])
            return start_response(status, [*response_headers, *headers], exc_info)

        return App.__call__(self, environ, start)


# --- ``carya routes`` -------------------------------------------------------------------------


def _register_listing() -> None:
    try:
        from ..routing import listing
    except ImportError:  # pragma: no cover - listing is optional
        return

    def list_api(router: MapperRouter) -> Iterable[Any]:
        for row in router.describe():
            entry = row["entry"]
            notes: list[str] = []
            if isinstance(entry, _BodyAction):
                notes.append("body actions: " + ", ".join(sorted(entry.actions)))
            if isinstance(entry, _Versioned):
                notes.append("versions: " + ", ".join(
                    f"{lo}-{hi or 'latest'}" for lo, hi, _ in entry.table.entries))
            handler = row["handlers"][0] if len(row["handlers"]) == 1 else " | ".join(
                dict.fromkeys(row["handlers"]))
            first = _targets(entry)[0][0] if _targets(entry) else None
            yield listing.RouteInfo(
                methods=row["methods"],
                path=row["path"],
                handler=listing.dotted_name(first) if len(row["handlers"]) == 1 else handler,
                kind="mapper",
                params=row["params"],
                name=row["name"],
                notes=tuple(notes),
            )

    def match_api(router: MapperRouter, method: str, path: str, headers: dict) -> Any:
        hit = router._match(method, path)
        if hit is None:
            miss = router.miss(path)
            allow = getattr(miss, "allow", None)
            return listing.MatchInfo(method, path, 405 if allow else 404, allow=allow)
        route, match = hit
        entry = router.entries.get(route)
        if entry is None:
            return listing.MatchInfo(method, path, 404)
        targets = _targets(entry)
        kwargs = {k: v for k, v in match.items() if k not in ROUTING_KEYS}
        return listing.MatchInfo(
            method, path, 200,
            handler=" | ".join(dict.fromkeys(listing.dotted_name(h) for h, _ in targets)),
            controller=type(targets[0][1].obj).__qualname__ if targets else None,
            kwargs=kwargs, content_type="application/json", via="mapper",
        )

    listing.register(MapperRouter, list_api, match_api)


_register_listing()
