"""The URL map of an application: every route it answers, and where one request goes.

``list_routes(app)`` reads the routing structures carya built when the
application was created (the compiled controller tree, its static table,
RestController verbs) and describes each routable path as a
:class:`RouteInfo`: a path is listed because the router holds it, and a
RestController's verbs are spelled out by the rules of
:mod:`carya.routing.rest` from the verbs its spec found. Places where routing
is decided per request
(``_lookup``, ``_default``, a custom ``_route``) are listed as ``/prefix/{...}``
with ``dynamic=True``, since what lies below them is only known at run time.

``match(app, method, path)`` answers "where does this request go?" by running
the application's real router on a synthetic request, with its security
checks, content negotiation and argument binding, but no hooks and no handler
call, so it can never disagree with what a server would do.

``app`` may be a carya :class:`~carya.app.App` or any WSGI stack around one
(middleware that keeps the next app in ``.app``/``.application``, and URL maps
of carya or Paste, whose mount prefixes are added to the paths). Other route
declarations (a Routes-style mapper) join with :func:`register`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import webob
import webob.exc as exc

__all__ = [
    "RouteInfo",
    "MatchInfo",
    "list_routes",
    "match",
    "mounted_apps",
    "register",
    "unregister",
    "dotted_name",
    "iter_rows",
]

#: Display order of HTTP methods; others sort after these, alphabetically.
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
_WRAPPER_ATTRS = ("app", "application", "wrapped", "wrap_app", "_app", "next_app", "__wrapped__")
_MAX_DEPTH = 64


@dataclass(frozen=True)
class RouteInfo:
    """One routable path of an application.

    ``methods`` is empty when any method is accepted (a plain ``@expose``);
    ``path`` is a template: ``{name}`` is one path segment bound to the handler
    argument ``name``, ``{*name}`` any number of segments, ``{...}`` whatever a
    dynamic router decides at request time. ``handler`` is the dotted name of
    the code that answers (``pkg.module.Class.method``); ``kind`` says which
    routing declared it: ``static`` (object dispatch, precompiled table),
    ``walk`` (object dispatch, walked per request, e.g. under a secured
    controller), ``redirect`` (adds the trailing slash), ``rest`` (a
    RestController verb), ``action`` (a RestController custom action),
    ``lookup``/``default``/``route`` (dynamic), ``mapper`` (a Routes-style
    mapper route, whose ``name`` is the route name). ``target`` is the routing
    object that answers (a :class:`~carya.handler.Handler`, or an API route's
    entry table), kept for tools that document routes (:mod:`carya.openapi`);
    it is neither compared nor serialized.
    """

    methods: tuple[str, ...]
    path: str
    handler: str
    kind: str
    params: tuple[str, ...] = ()
    dynamic: bool = False
    name: str | None = None
    notes: tuple[str, ...] = ()
    target: Any = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "methods": list(self.methods), "path": self.path, "handler": self.handler,
            "kind": self.kind, "params": list(self.params), "dynamic": self.dynamic,
            "name": self.name, "notes": list(self.notes),
        }

    def prefixed(self, prefix: str) -> RouteInfo:
        """The same route, mounted below ``prefix`` (a URL map entry)."""
        if not prefix:
            return self
        handler = self.handler
        if self.kind == "redirect" and handler.startswith("-> /"):
            handler = "-> " + prefix + handler[3:]
        return RouteInfo(self.methods, prefix + self.path, handler, self.kind, self.params,
                         self.dynamic, self.name, self.notes, self.target)


@dataclass
class MatchInfo:
    """Where one request goes: the handler and how it would be called, or why not.

    ``status`` is 200 when a handler was found and its arguments bind; a
    redirect status with ``location``; 404/405 (with ``allow``), 406 or 400
    (with ``detail``) when the request would be refused before the handler ran.
    """

    method: str
    path: str
    status: int
    handler: str | None = None
    controller: str | None = None
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    content_type: str | None = None
    hooks: list[str] = field(default_factory=list)
    via: str | None = None
    location: str | None = None
    allow: str | None = None
    detail: str | None = None
    mount: str = ""

    @property
    def found(self) -> bool:
        """True when the request reaches a handler."""
        return self.status < 300

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- extension point -------------------------------------------------------------

Lister = Callable[[Any], Iterable[RouteInfo]]
Matcher = Callable[[Any, str, str, dict], MatchInfo]
_registry: list[tuple[type, Lister, Matcher | None]] = []


def register(cls: type, lister: Lister, matcher: Matcher | None = None) -> None:
    """Teach listing about another kind of router or WSGI app.

    ``lister(obj)`` yields the :class:`RouteInfo` of an instance of ``cls``;
    ``matcher(obj, method, path, headers)`` returns its :class:`MatchInfo`.
    ``cls`` is checked both against objects met in the WSGI stack and against
    ``App.router``, so a mapper can be a standalone app or an App's router.
    """
    _registry.insert(0, (cls, lister, matcher))


def unregister(cls: type) -> None:
    """Forget what :func:`register` was told about ``cls``."""
    _registry[:] = [entry for entry in _registry if entry[0] is not cls]


def _registered(obj: Any) -> tuple[Lister, Matcher | None] | None:
    for cls, lister, matcher in _registry:
        if isinstance(obj, cls):
            return lister, matcher
    return None


# --- finding the applications in a WSGI stack ----------------------------------------


def mounted_apps(wsgi: Any) -> list[tuple[str, Any]]:
    """``(prefix, app)`` for each carya App (or registered router app) in a WSGI stack.

    Follows middleware through the attributes middleware conventionally keeps
    the next application in, and URL maps through their mount tables.
    """
    found: list[tuple[str, Any]] = []
    _collect(wsgi, "", found, set(), 0)
    return found


def _collect(obj: Any, prefix: str, found: list, seen: set[int], depth: int) -> None:
    if obj is None or id(obj) in seen or depth > _MAX_DEPTH:
        return
    seen.add(id(obj))
    from ..app import App

    if isinstance(obj, App) or _registered(obj) is not None:
        found.append((prefix, obj))
        return
    for mount, inner in _url_map_entries(obj):
        _collect(inner, prefix + mount, found, seen, depth + 1)
    if isinstance(obj, type):
        return
    for attr in _WRAPPER_ATTRS:
        try:
            inner = getattr(obj, attr, None)
        except Exception:  # noqa: BLE001 - a property that fails holds no app
            continue
        if inner is not None and callable(inner) and not inspect.ismethod(inner):
            _collect(inner, prefix, found, seen, depth + 1)


def _url_map_entries(obj: Any) -> list[tuple[str, Any]]:
    """Mount table of a URL map: carya's (``.mounts``) or Paste's (``.applications``)."""
    mounts = getattr(obj, "mounts", None)
    if isinstance(mounts, dict):
        return [(p.rstrip("/"), a) for p, a in mounts.items() if isinstance(p, str)]
    applications = getattr(obj, "applications", None)
    if isinstance(applications, list):
        entries = []
        for item in applications:
            try:
                (_domain, path), app = item
            except (TypeError, ValueError):
                continue
            entries.append((str(path).rstrip("/"), app))
        return entries
    return []


# --- listing ---------------------------------------------------------------------------


def list_routes(app: Any) -> list[RouteInfo]:
    """Every route of ``app`` (an App or a WSGI stack around some), sorted by path."""
    apps = mounted_apps(app)
    if not apps:
        raise ValueError(
            f"{type(app).__name__} is not a carya application and wraps none that "
            "listing can find (through .app/.application or a URL map)"
        )
    routes = [route.prefixed(prefix) for prefix, obj in apps for route in _routes_of(obj)]
    return sorted(routes, key=_sort_key)


def _routes_of(obj: Any) -> Iterable[RouteInfo]:
    hit = _registered(obj)
    if hit is not None:
        return hit[0](obj)
    from .objects import Router

    router = obj.router
    hit = _registered(router)
    if hit is not None:
        return hit[0](router)
    if isinstance(router, Router):
        return _ObjectLister(router).routes()
    return _static_table_routes(router)


def _static_table_routes(router: Any) -> list[RouteInfo]:
    """A router nobody registered a lister for: at least its static table."""
    routes = []
    note = (f"{type(router).__name__} has no lister; only its static table is shown",)
    for path, entry in getattr(router, "static", {}).items():
        target = entry[0] if isinstance(entry, tuple) else entry
        for methods, handler in _by_handler(target):
            routes.append(RouteInfo(methods, path, dotted_name(handler), "static",
                                    _params(handler), notes=note, target=handler))
    return routes


def _sort_key(route: RouteInfo) -> tuple:
    first = route.methods[0] if route.methods else ""
    order = METHOD_ORDER.index(first) if first in METHOD_ORDER else len(METHOD_ORDER)
    return (route.path.rstrip("/").split("/"), route.path, order, first, route.handler)


def dotted_name(func: Any) -> str:
    """``pkg.module.Class.method`` for a function (or a Handler / Generic's)."""
    func = getattr(func, "func", func)
    func = getattr(func, "__func__", func)
    module = getattr(func, "__module__", None) or "?"
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func))
    return f"{module}.{name}"


def _params(handler: Any) -> tuple[str, ...]:
    """The handler's arguments after ``self`` (and ``req, resp`` in explicit mode)."""
    func = getattr(handler, "func", handler)
    leading = getattr(getattr(handler, "binder", None), "leading", 1)
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return ()
    out = []
    for i, p in enumerate(params):
        if i < leading and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            continue
        if p.kind is p.VAR_POSITIONAL:
            out.append("*" + p.name)
        elif p.kind is p.VAR_KEYWORD:
            out.append("**" + p.name)
        else:
            out.append(p.name)
    return tuple(out)


def _varargs_name(handler: Any) -> str:
    return next((p[1:] for p in _params(handler) if p.startswith("*") and p[1] != "*"), "args")


def _by_handler(target: Any) -> list[tuple[tuple[str, ...], Any]]:
    """``[(methods, handler)]`` for a target: a Generic's methods grouped by handler."""
    by_method = getattr(target, "by_method", None)
    if by_method is None:
        return [((), target)]
    groups: dict[int, tuple[list[str], Any]] = {}
    for method in sorted(by_method, key=_method_rank):
        handler = by_method[method]
        groups.setdefault(id(handler), ([], handler))[0].append(method)
    return [(tuple(methods), handler) for methods, handler in groups.values()]


def _method_rank(method: str) -> tuple[int, str]:
    return (METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER), method)


def _handler_of(target: Any) -> Any:
    """The Handler answering GET for a target (a Generic's), else the target."""
    by_method = getattr(target, "by_method", None)
    return by_method.get("GET") if by_method is not None else target


class _ObjectLister:
    """Routes of an object-dispatch Router, read from its compiled node tree."""

    def __init__(self, router: Any):
        self.router = router
        self.static = router.static
        self.out: list[RouteInfo] = []

    def routes(self) -> list[RouteInfo]:
        self.node(self.router.root, "", 0)
        return self.out

    def add(self, methods: tuple[str, ...], path: str, handler: Any, kind: str,
            dynamic: bool = False, notes: tuple[str, ...] = ()) -> None:
        params = () if dynamic else _params(handler)
        self.out.append(RouteInfo(tuple(methods), path, dotted_name(handler), kind, params,
                                  dynamic, None, notes, handler))

    def kind_of(self, path: str, target: Any) -> str:
        hit = self.static.get(path)
        return "static" if hit is not None and hit[0] is target else "walk"

    def target(self, path: str, target: Any, notes: tuple[str, ...]) -> None:
        kind = self.kind_of(path, target)
        for methods, handler in _by_handler(target):
            self.add(methods, path, handler, kind, notes=notes)

    def node(self, node: Any, path: str, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        spec = node.spec
        if spec.route is not None:
            self.add((), path + "/{...}", spec.route, "route", dynamic=True)
            return
        if spec.rest is not None:
            self.rest(node, path, (), depth)
            return
        notes = ("secured",) if node.guard is not None or node.instance_guard is not None else ()
        if spec.index is not None:
            self.target(path + "/", spec.index, notes)
            if path:
                self.noncanonical(path, spec.index, notes)
        for name, target in spec.methods.items():
            if name == "index" and target is spec.index:
                continue  # /index also reaches index (Pecan's rule); listed once, as /
            self.target(f"{path}/{name}", target, notes)
        self.fallbacks(node, path)
        for name, child in sorted((node.children or {}).items()):
            self.node(child, f"{path}/{name}", depth + 1)

    def noncanonical(self, path: str, index: Any, notes: tuple[str, ...]) -> None:
        """``/catalog`` (no slash): redirected to ``/catalog/`` unless the index accepts it."""
        handlers = [h for _m, h in _by_handler(index)]
        accepts = any(h.extra.get("accept_noncanonical") for h in handlers)
        if self.router.force_canonical and not accepts:
            self.out.append(RouteInfo((), path, f"-> {path}/", "redirect", notes=notes))
        else:
            self.target(path, index, notes)

    def fallbacks(self, node: Any, path: str) -> None:
        spec = node.spec
        if spec.lookup is not None:
            self.add((), path + "/{...}", spec.lookup, "lookup", dynamic=True)
        if spec.default is not None:
            self.add((), path + "/{...}", spec.default, "default", dynamic=True)

    # --- RestController ---------------------------------------------------------

    def rest(self, node: Any, path: str, parent_ids: tuple[str, ...], depth: int) -> None:
        """The verbs of a RestController at ``path``, below parents whose ids it receives."""
        spec = node.spec
        rest = spec.rest
        methods = spec.methods
        n = len(parent_ids)

        def find(*names: str) -> Any:
            for name in names:
                if name in methods:
                    return _handler_of(methods[name])
            return None

        def ids(handler: Any) -> str:
            """Placeholders for the arguments the path must fill (required, after the
            parents' ids); optional ones come from the query or body."""
            binder = handler.binder
            own = list(binder.names[n:binder.required]) if binder.required > n else []
            if binder.varargs and not own:
                own = ["*" + _varargs_name(handler)]
            return "".join(f"/{{{p}}}" for p in own)

        def verb(method_names: tuple[str, ...], suffix: str, handler: Any) -> None:
            self.add(method_names, path + suffix, handler, "rest")

        collection = find("get_all", "get")
        if collection is not None and collection.binder.required <= n:
            verb(("GET", "HEAD"), "", collection)
        member = find("get_one", "get")
        if member is not None and ids(member):
            verb(("GET", "HEAD"), ids(member), member)
        if rest.form_pages:
            for name, suffix in (("new", "/new"), ("edit", "/edit"), ("get_delete", "/delete")):
                handler = find(name)
                if handler is not None:
                    verb(("GET", "HEAD"), ids(handler) + suffix, handler)
        post = find("post")
        if post is not None:
            verb(("POST",), "", post)
        for method, names in (("PUT", ("put",)), ("PATCH", ("post_patch", "patch")),
                              ("DELETE", ("post_delete", "delete"))):
            handler = find(*names)
            if handler is not None:
                verb((method,), ids(handler), handler)
        self.actions(node, path, n, ids)
        for name, impl in sorted(rest.user_handlers.items()):
            self.add((name.upper(),), path + "/{...}", impl, "route", dynamic=True)
        self.fallbacks(node, path)
        self.rest_children(node, path, parent_ids, member, depth)

    def actions(self, node: Any, path: str, n: int, ids: Callable[[Any], str]) -> None:
        """``_custom_actions``: ``POST /things/{id}/mark``, ``PUT /things/mark/{id}``."""
        methods = node.spec.methods
        for name, verbs in sorted(node.spec.rest.custom_actions.items()):
            for method in verbs:
                target = methods.get(f"{method.lower()}_{name}") or methods.get(name)
                if target is None:
                    continue
                handler = _handler_of(target)
                if method in ("PUT", "DELETE"):
                    suffix = f"/{name}" + ids(handler)
                else:
                    suffix = ids(handler) + f"/{name}"
                self.add((method,), path + suffix, handler, "action")

    def rest_children(self, node: Any, path: str, parent_ids: tuple[str, ...], member: Any,
                      depth: int) -> None:
        """Nested controllers: ``/authors/{author_id}/books/...`` pass the parent's id on."""
        rest = node.spec.rest
        own: tuple[str, ...] = ()
        if rest.id_arity is not None and member is not None:
            names = [p for p in _params(member) if not p.startswith("*")]
            own = tuple(names[len(parent_ids):rest.id_arity])
        for name, child in sorted((node.children or {}).items()):
            if name in node.spec.methods:
                continue
            if rest.id_varargs:
                child_path, ids = f"{path}/{{*ids}}/{name}", (*parent_ids, "*ids")
            else:
                child_path = path + "".join(f"/{{{p}}}" for p in own) + f"/{name}"
                ids = (*parent_ids, *own)
            if child.spec.rest is not None:
                self.rest(child, child_path, ids, depth + 1)
            else:
                self.node(child, child_path, depth + 1)


# --- matching ------------------------------------------------------------------------


def match(app: Any, method: str, path: str, headers: dict[str, str] | None = None) -> MatchInfo:
    """Where ``method path`` goes in ``app``, found by the application's own router.

    A synthetic request is routed exactly as :meth:`carya.app.App.route` routes
    one, then authorized, negotiated and bound as ``App.respond`` does; the
    handler is not called and no hook runs (``on_route`` hooks that rewrite the
    path are therefore not applied), nor do per-handler checks (validation,
    policy). Arguments come from the path and the query string.
    """
    method = method.upper()
    apps = mounted_apps(app)
    if not apps:
        raise ValueError(f"{type(app).__name__} is not a carya application and wraps none")
    url_path = path.partition("?")[0] or "/"
    prefix, target = _mount_for(apps, url_path)
    if prefix is None:
        return MatchInfo(method, path, 404, detail="no application is mounted at this path")
    request = webob.Request.blank(path, method=method, headers=headers or {})
    request.environ["SCRIPT_NAME"] = prefix
    request.environ["PATH_INFO"] = request.environ["PATH_INFO"][len(prefix):] or "/"
    hit = _registered(target) or _registered(getattr(target, "router", None))
    if hit is not None and hit[1] is not None:
        subject = target if _registered(target) else target.router
        info = hit[1](subject, method, request.environ["PATH_INFO"], dict(request.headers))
        info.path, info.mount = path, prefix
        return info
    info = _match_app(target, request)
    info.path, info.mount = path, prefix
    return info


def _mount_for(apps: list[tuple[str, Any]], path: str) -> tuple[str | None, Any]:
    for prefix, app in sorted(apps, key=lambda item: len(item[0]), reverse=True):
        if not prefix or path == prefix or path.startswith(prefix + "/"):
            return prefix, app
    return None, None


def _match_app(app: Any, request: webob.Request) -> MatchInfo:
    from ..context import State, activated
    from ..errors import RouteError

    environ = request.environ
    method = environ["REQUEST_METHOD"]
    info = MatchInfo(method, environ["PATH_INFO"], 200)
    with activated(State(environ, app)) as state:
        try:
            handler, node, remainder = app.route(state)
        except RouteError as error:
            return _refused(info, error.status_int, allow=error.allow)
        except exc.HTTPException as error:
            return _http_error(info, error)
        except Exception as error:  # noqa: BLE001 - a _lookup/_route that fails is a 500
            return _refused(info, 500, detail=f"routing raised {type(error).__name__}: {error}")
        info.handler = dotted_name(handler)
        info.controller = dotted_name(type(node.obj))
        info.hooks = [dotted_name(type(hook)) for hook in node.chain.hooks]
        info.via = "static table" if not remainder and _static_hit(app, state) else "router"
        try:
            if handler.secured is not None or getattr(node, "guard", None) is not None:
                app.router.authorize(handler, node)
            info.content_type = app.negotiate(state, handler)
            args, kwargs = handler.binder.bind(list(remainder), app, state)
        except RouteError as error:
            info.args = list(remainder)
            detail = None
            if error.status_int == 404 and len(remainder) > handler.binder.arity:
                detail = "the path has more segments than the handler takes"
            return _refused(info, error.status_int, allow=error.allow, detail=detail)
        except exc.HTTPException as error:
            info.args = list(remainder)
            return _http_error(info, error)
        except Exception as error:  # noqa: BLE001 - a failing check is reported, not raised
            info.args = list(remainder)
            return _refused(info, 500, detail=f"{type(error).__name__}: {error}")
        info.args, info.kwargs = list(args), dict(kwargs)
        return info


def _static_hit(app: Any, state: Any) -> bool:
    path = state.environ.get("PATH_INFO") or "/"
    if state.extension and path.rstrip("/").endswith(state.extension):
        stem = path.rstrip("/")
        path = stem[: -len(state.extension)] + path[len(stem):]
    return path in app.static


def _refused(info: MatchInfo, status: int, allow: str | None = None,
             detail: str | None = None) -> MatchInfo:
    info.status = status
    info.allow = allow
    info.detail = detail
    return info


def _http_error(info: MatchInfo, error: exc.HTTPException) -> MatchInfo:
    info.status = error.status_int
    if 300 <= error.status_int < 400:
        info.location = error.location
        return info
    detail = getattr(error, "detail", None) or None
    return _refused(info, error.status_int, allow=error.headers.get("Allow"), detail=detail)


def iter_rows(routes: Iterable[RouteInfo]) -> Iterator[tuple[str, str, str, str]]:
    """``(methods, path, handler, kind)`` display strings for a table."""
    for route in routes:
        methods = [m for m in route.methods if not (m == "HEAD" and "GET" in route.methods)]
        shown = ",".join(methods) if methods else "ANY"
        handler = route.handler
        if route.params and route.kind != "redirect":
            handler += f"({', '.join(route.params)})"
        if route.dynamic:
            handler += " (dynamic)"
        kind = route.kind + (f" ({', '.join(route.notes)})" if route.notes else "")
        yield shown, route.path, handler, kind
