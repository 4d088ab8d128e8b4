"""Object dispatch: Pecan's routing, compiled.

When the application is built, the controller tree is walked once from the
root: every path that ends at a handler by plain attribute traversal goes into
one dict, ``static``, so most requests are routed by a single lookup. The walk
stops at controllers whose routing is dynamic (``_route``, RestController,
security checks); requests below them, and requests no static entry answers
(positional arguments in the path, ``_lookup``, ``_default``), are routed by
:meth:`Router.walk` with Pecan's rules, starting from the compiled tree.
"""

from __future__ import annotations

from typing import Any

import webob.exc as exc

from ..errors import NotFound, RouteError, redirect_to, request_path
from ..expose import is_exposed
from ..handler import Generic, Handler, Target
from ..hooks import HookChain
from ..secure import handler_unlocked, instance_check, run_check
from .rest import MEMBER_METHODS, collection_targets, member_target, plain_verb, route_rest
from .spec import ControllerSpec, SpecCache, is_controller_object

__all__ = ["Node", "Router", "Walk", "NonCanonical"]

MAX_DEPTH = 64


class Node:
    """One controller instance in the tree, with its spec and inherited hooks."""

    __slots__ = ("obj", "spec", "children", "chain", "guard", "instance_guard")

    def __init__(self, obj: Any, spec: ControllerSpec, chain: HookChain, children=None):
        self.obj = obj
        self.spec = spec
        self.chain = chain
        self.children: dict[str, Node] | None = children
        self.guard = spec.check
        self.instance_guard = instance_check(obj)

    @property
    def dynamic(self) -> bool:
        """True where the walk must run per request (not precompiled)."""
        return (
            self.spec.route is not None
            or self.spec.rest is not None
            or self.guard is not None
            or self.instance_guard is not None
        )


class NonCanonical(Exception):
    """A GET reached an ``index`` without the trailing slash (see force_canonical)."""


#: ``call_lookup``: the lookup answered for an empty segment (not an id): not served
_NO_ID = object()


class Walk:
    """Per-request routing context for the dynamic part of the walk."""

    __slots__ = ("state", "method", "routing_args")

    def __init__(self, state: Any, method: str):
        self.state = state
        self.method = method
        self.routing_args: list[str] = []


class Router:
    """Routes a path to ``(target, node, remainder)`` for one controller tree."""

    def __init__(self, root: Any, specs: SpecCache, chain: HookChain, force_canonical: bool):
        self.specs = specs
        self.force_canonical = force_canonical
        self._chains: dict[tuple[int, type], HookChain] = {}
        self.root = self._build(root, chain, depth=0, ancestors=())
        # path -> (target, node) for paths answered without walking.
        self.static: dict[str, tuple[Target, Node]] = {}
        # paths that need a trailing slash: path -> (target, node)
        self.noncanonical: dict[str, tuple[Target, Node]] = {}
        # path prefix -> dynamic node, where the walk may start directly
        self.mounts: dict[str, Node] = {}
        self._compile(self.root, "", fallbacks=False)
        # RestController path -> {method: (target, node, [])} for GET/POST on the path itself
        self.collections: dict[str, dict[str, tuple]] = {}
        # method -> RestController path -> ((get_one/put/delete, node, []), segments that
        # take the walk) for ``GET``/``PUT``/``DELETE <path>/<id>``
        self.members: dict[str, dict[str, tuple[tuple, frozenset[str]]]] = {}
        for path, node in self.mounts.items():
            targets = collection_targets(node)
            if targets:
                self.collections[path] = targets
            for method in MEMBER_METHODS:
                member = member_target(node, method)
                if member is not None:
                    found, walked = member
                    self.members.setdefault(method, {})[path] = (
                        found, walked | self._special_children(path))

    def _special_children(self, path: str) -> frozenset[str]:
        """The segments ``seg`` for which ``<path>/<seg>`` is itself a mount or needs a
        trailing slash: such a request takes the walk, and folding them into the member
        table's set (the tables are final here) spares two lookups per request."""
        prefix = path + "/"
        return frozenset(key[len(prefix):] for table in (self.mounts, self.noncanonical)
                         for key in table
                         if key.startswith(prefix) and "/" not in key[len(prefix):])

    # --- build time -------------------------------------------------------------

    def chain_for(self, parent: HookChain, cls: type, spec: ControllerSpec) -> HookChain:
        if not spec.hooks:
            return parent
        key = (id(parent), cls)
        chain = self._chains.get(key)
        if chain is None:
            chain = self._chains[key] = parent.extended(spec.hooks)
        return chain

    def _build(self, obj: Any, parent_chain: HookChain, depth: int, ancestors: tuple) -> Node:
        spec = self.specs.get(type(obj))
        chain = self.chain_for(parent_chain, type(obj), spec)
        node = Node(obj, spec, chain, children={})
        if depth >= MAX_DEPTH or node.spec.route is not None:
            node.children = None  # resolved per request
            return node
        ancestors = (*ancestors, id(obj))
        for name in _attribute_names(obj):
            if name.startswith("_") or name in spec.methods:
                continue
            try:
                value = getattr(obj, name)
            except Exception:  # noqa: BLE001 - a property that fails is not a child
                continue
            if is_controller_object(value) and id(value) not in ancestors:
                node.children[name] = self._build(value, chain, depth + 1, ancestors)
        return node

    def _compile(self, node: Node, path: str, fallbacks: bool) -> None:
        if node.dynamic:
            # A secured instance is checked on the way in, so the walk must pass its parent.
            if path and not fallbacks and node.instance_guard is None:
                self.mounts[path] = node
            return
        spec = node.spec
        fallbacks = fallbacks or spec.default is not None or spec.lookup is not None
        if spec.index is not None and _static_ok(spec.index):
            self.static[path + "/"] = (spec.index, node)
            if path:
                self.noncanonical[path] = (spec.index, node)
        for name, target in spec.methods.items():
            if _static_ok(target):
                self.static[f"{path}/{name}"] = (target, node)
                self.static[f"{path}/{name}/"] = (target, node)
        for name, child in (node.children or {}).items():
            self._compile(child, f"{path}/{name}", fallbacks)

    # --- per request ------------------------------------------------------------

    def find(self, state: Any, path: str, method: str) -> tuple[Target, Node, list[str]]:
        """Route what the static table does not answer, with Pecan's rules."""
        collection = self.collections.get(path)
        if collection is not None:
            found = collection.get(method)
            if found is not None and plain_verb(state.environ, method):
                return found[0], found[1], []
        else:
            # ``GET /things/7`` (or PUT, DELETE) from the table (rest.member_target)
            members = self.members.get(method)
            if members is not None:
                cut = path.rfind("/")
                entry = members.get(path[:cut])
                if entry is not None:
                    seg = path[cut + 1:]
                    # plain_verb() for GET, PUT and DELETE (no form override but POST's)
                    if (seg and seg not in entry[1]
                            and "_method" not in state.environ.get("QUERY_STRING", "")):
                        target, node, _ = entry[0]
                        return target, node, [seg]
        w = Walk(state, method)
        try:
            nc = self.noncanonical.get(path)
            if nc is not None:
                target, node, remainder = self.canonical(nc[0], nc[1], w)
            else:
                mount, remainder = self.mount_for(path)
                if mount is not None:
                    target, node, remainder = self.walk(mount, remainder, w)
                else:
                    target, node, remainder = self.walk(self.root, path.split("/")[1:], w)
        except NonCanonical:
            raise self.add_slash(state) from None
        remainder = [part for part in remainder if part]
        if w.routing_args:
            remainder = w.routing_args + remainder
        return target, node, remainder

    def mount_for(self, path: str) -> tuple[Any, list[str]]:
        """The dynamic controller (RestController, ``_route``) owning ``path``, if any."""
        mounts = self.mounts
        if mounts:
            node = mounts.get(path)
            if node is not None:
                # the collection itself (``POST /servers``): the walk from the root would
                # reach this node with nothing left, as it does for the longer paths below
                return node, []
            prefix = path
            while True:
                cut = prefix.rfind("/")
                if cut <= 0:
                    break
                prefix = prefix[:cut]
                node = mounts.get(prefix)
                if node is not None:
                    return node, path[cut + 1:].split("/")
        return None, []

    @staticmethod
    def add_slash(state: Any) -> exc.HTTPException:
        """The redirect for ``/catalog`` -> ``/catalog/`` (308 keeps a POST body)."""
        environ = state.environ
        location = request_path(environ) + "/"
        if environ.get("QUERY_STRING"):
            location += "?" + environ["QUERY_STRING"]
        code = 302 if environ["REQUEST_METHOD"] in ("GET", "HEAD") else 308
        return redirect_to(code, location, environ)

    def node_for(self, obj: Any, parent_chain: HookChain) -> Node:
        """A node for a controller met at request time (from ``_lookup``/``_route``)."""
        cls = type(obj)
        spec = self.specs.get(cls)
        return Node(obj, spec, self.chain_for(parent_chain, cls, spec))

    def reached(self, parent: Node, obj: Any) -> Node:
        """Enter a controller that ``parent``'s ``_lookup``/``_route`` handed over.

        The same boundary rule as an attribute: a ``secure(obj, check)``
        instance runs its check (a method name is looked up on ``parent``), so
        no dynamic path reaches a secured controller unchecked.
        """
        child = self.node_for(obj, parent.chain)
        if child.instance_guard is not None:
            run_check(child.instance_guard, parent.obj)
        return child

    def child(self, node: Node, name: str) -> Node | None:
        """The sub-controller ``name`` of ``node``, entered (its guards passed)."""
        children = node.children
        if children is not None:
            child = children.get(name)
        elif name.startswith("_"):
            return None
        else:
            value = getattr(node.obj, name, None)
            if value is None or not is_controller_object(value):
                return None
            child = self.node_for(value, node.chain)
        if child is not None and (child.instance_guard is not None or node.guard is not None):
            self.enter(node, child)
        return child

    @staticmethod
    def enter(parent: Node, child: Node) -> None:
        """Pecan's boundary rule: a secured instance runs its own check (a method
        name is looked up on the parent); otherwise a SecureController parent's
        check applies unless the child is unlocked."""
        if child.instance_guard is not None:
            run_check(child.instance_guard, parent.obj)
        elif parent.guard is not None and not getattr(child.obj, "_carya_unlocked", False):
            run_check(parent.guard, parent.obj)

    def walk(self, node: Node, remainder: list[str], w: Walk) -> tuple[Target, Node, list[str]]:
        """Pecan's ``lookup_controller``: walk, then fall back to _default/_lookup."""
        notfound: list[tuple[str, Node, list[str]]] = []
        while True:
            spec = node.spec
            if spec.route is not None or spec.rest is not None:
                if spec.lookup is not None:
                    # Pecan files the controller's own _lookup before its routing runs:
                    # tried, with the path as it is, when that routing finds nothing
                    notfound.append(("_lookup", node, remainder))
                try:
                    return self.route_dynamic(node, remainder, w)
                except (RouteError, exc.HTTPNotFound, exc.HTTPMethodNotAllowed) as error:
                    if not notfound:
                        raise
                    return self.not_found(notfound, w, error)
            if remainder:
                seg = remainder[0]
                if seg == "":
                    if spec.index is not None:
                        return spec.index, node, remainder[1:]
                else:
                    target = spec.methods.get(seg)
                    if target is not None:
                        return target, node, remainder[1:]
            elif spec.index is not None:
                return self.canonical(spec.index, node, w)
            if spec.default is not None:
                notfound.append(("_default", node, remainder))
            if spec.lookup is not None and remainder:
                notfound.append(("_lookup", node, remainder))
            if not remainder:
                break
            child = self.child(node, remainder[0])
            if child is None:
                index = spec.index
                if not notfound and isinstance(index, Generic) and w.method in index.by_method:
                    return index, node, remainder
                break
            node, remainder = child, remainder[1:]
        return self.not_found(notfound, w)

    def route_dynamic(self, node: Node, remainder: list[str], w: Walk) -> tuple:
        """Routing owned by the controller: a custom ``_route`` or RestController."""
        if node.spec.route is not None:
            return self.follow(node.spec.route(node.obj, remainder, w.state.request), node, w)
        return route_rest(self, node, remainder, w)

    def not_found(self, notfound: list, w: Walk,
                  error: Exception | None = None) -> tuple[Target, Node, list[str]]:
        """Try the ``_default``/``_lookup`` handlers met on the way, innermost first; when
        none answers, the error that sent us here (a 405 stays a 405), else a 404."""
        while notfound:
            kind, node, remainder = notfound.pop()
            if kind == "_default":
                return node.spec.default, node, remainder
            if node.guard is not None and not handler_unlocked(node.spec.lookup):
                run_check(node.guard, node.obj)  # what _lookup returns is behind the guard
            found = self.call_lookup(node, remainder)
            if found is _NO_ID:
                break  # Pecan: the lookup ran, but the request's own error stands
            if found is not None:
                obj, rest = found
                return self.walk(self.reached(node, obj), list(rest), w)
        raise error if error is not None else NotFound()

    def call_lookup(self, node: Node, remainder: list[str]) -> Any:
        """``_lookup``'s ``(controller, remainder)``; None when it has no answer (or cannot
        take these arguments); ``_NO_ID`` when it answered for an empty segment, which
        Pecan calls (its redirect or abort stands) but does not serve."""
        binder = node.spec.lookup_binder
        if len(remainder) < binder.required:
            return None
        if len(remainder) > binder.arity and not binder.varargs:
            return None
        result = node.spec.lookup(node.obj, *remainder)
        if not result:
            return None
        if remainder == [""] and binder.arity:
            return _NO_ID
        obj, rest = result
        return obj, rest

    def follow(self, result: Any, node: Node, w: Walk) -> tuple[Target, Node, list[str]]:
        """Continue from what a ``_route`` returned: ``(controller, remainder)``."""
        if isinstance(result, tuple) and len(result) == 3 and isinstance(result[1], Node):
            return result  # native result (RestController routing)
        obj, remainder = result
        remainder = list(remainder)
        owner = getattr(obj, "__self__", None)
        if owner is not None and callable(obj):
            target = self.specs.target_for_callable(obj)
            if target is None:
                raise NotFound()
            return target, self.reached(node, owner), remainder
        if callable(obj) and is_exposed(obj):
            # A plain function: a @staticmethod handler of this controller.
            target = node.spec.target_for(obj)
            if target is None:
                raise NotFound()
            return target, node, remainder
        return self.walk(self.reached(node, obj), remainder, w)

    def canonical(self, index: Target, node: Node, w: Walk) -> tuple[Target, Node, list[str]]:
        """``/catalog`` reached ``index``: redirect to ``/catalog/`` when canonical."""
        if self.force_canonical and not _accepts_noncanonical(index):
            raise NonCanonical()
        return index, node, []

    def authorize(self, handler: Handler, node: Node) -> None:
        """Run the checks that guard ``handler`` on ``node`` (after routing)."""
        if handler.secured is not None:
            # A handler's own @secure check replaces its SecureController's (Pecan's rule).
            run_check(handler.secured, node.obj)
        elif node.guard is not None and not handler_unlocked(handler.func):
            run_check(node.guard, node.obj)


def _static_ok(target: Target) -> bool:
    handlers = target.by_method.values() if isinstance(target, Generic) else (target,)
    return all(h.secured is None for h in handlers)


def _accepts_noncanonical(target: Target) -> bool:
    handlers = target.by_method.values() if isinstance(target, Generic) else (target,)
    return any(h.extra.get("accept_noncanonical") for h in handlers)


def _attribute_names(obj: Any) -> list[str]:
    names = set(getattr(obj, "__dict__", {}))
    for klass in type(obj).__mro__:
        names.update(vars(klass))
    return sorted(names)
