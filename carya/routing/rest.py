"""RestController routing, with Pecan's rules, from facts read once per class.

``GET /things`` -> ``get_all`` (or ``get``), ``GET /things/1`` -> ``get_one``
(or ``get``), ``POST`` -> ``post``, ``PUT /things/1`` -> ``put``, ``DELETE
/things/1`` -> ``delete``; ``GET /things/new``, ``/things/1/edit`` and
``/things/1/delete`` -> ``new``, ``edit``, ``get_delete``; ``_custom_actions``;
nested controllers (``/authors/1/books/2`` passes ``1`` on to the books
controller); ``_method`` in a form overrides the verb; a verb the controller
lacks is a 405 with ``Allow``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import webob.exc as exc

from ..errors import MethodNotAllowed, NotFound, RouteError
from ..handler import Handler, Target
from ..secure import handler_unlocked, run_check

if TYPE_CHECKING:
    from .objects import Node, Router, Walk

__all__ = ["route_rest", "collection_targets"]

Found = tuple  # (target, node, remainder)

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_FORM_PAGES = ("new", "edit", "delete")


def request_verb(w: Walk) -> str:
    """The verb to route by: the request method, or a form's ``_method`` field."""
    method = w.method
    environ = w.state.environ
    if "_method" in environ.get("QUERY_STRING", "") or (
        method == "POST" and environ.get("CONTENT_TYPE", "").startswith(_FORM_TYPES)
    ):
        try:
            override = w.state.request.params.get("_method")
        except ValueError as error:  # undecodable, or multipart without a boundary
            raise exc.HTTPBadRequest(detail=f"Malformed form data: {error}") from None
        if override:
            verb = override.lower()
            if method == "GET" and verb in ("delete", "put"):
                raise MethodNotAllowed()
            return verb
    return method.lower()


def collection_targets(node: Node) -> dict[str, Found]:
    """What ``GET``/``POST`` on a RestController's own path reach, decided at build time.

    With nothing after the controller's path, :func:`route_rest` reaches no
    sub-controller, custom action or ``_lookup``, so for a controller without
    ``_handle_<verb>``, ``_route`` or a guard the answer depends on the method
    alone: ``post`` for POST, ``get_all`` (or ``get``) for GET when it needs no
    id. Anything else (HEAD, a ``_method`` override, a missing method) is left
    to :func:`route_rest`.
    """
    spec = node.spec
    rest = spec.rest
    if rest is None or spec.route is not None or node.guard is not None:
        return {}
    out: dict[str, Found] = {}
    if "post" not in rest.user_handlers:
        target = _find(node, "post")
        if target is not None:
            out["POST"] = (target, node, [])
    if "get" not in rest.user_handlers:
        target = _find(node, "get_all", "get")
        if target is not None and not (isinstance(target, Handler)
                                       and target.binder.required > 0):
            out["GET"] = (target, node, [])
    return out


#: method -> (its verb, the methods answering ``<method> <controller path>/<id>``)
MEMBER_METHODS = {
    "GET": ("get", ("get_one", "get")),
    "PUT": ("put", ("put",)),
    "DELETE": ("delete", ("post_delete", "delete")),
}


def member_target(node: Node, method: str = "GET") -> tuple[Found, frozenset[str]] | None:
    """What ``<method> <controller path>/<id>`` reaches (GET, PUT or DELETE), decided at
    build time, and the segments that must still take the walk.

    With one segment after the controller's path, :func:`route_rest` reaches a
    sub-controller or a custom action of that name (for GET, also a form page:
    ``new``/``edit``/``delete``), else the verb's method (``get_one``, ``put``,
    ``delete``...) with the segment as its id. For a controller without
    ``_handle_<verb>``, ``_route`` or a guard whose children are known at build
    time, and a method that takes exactly that one id, the answer is that method
    for every segment except those names.
    """
    spec = node.spec
    rest = spec.rest
    verb, names = MEMBER_METHODS[method]
    if (rest is None or spec.route is not None or node.guard is not None
            or node.children is None or verb in rest.user_handlers):
        return None
    target = _find(node, *names)
    if not isinstance(target, Handler):
        return None
    binder = target.binder
    if binder.required > 1 or not (binder.arity >= 1 or binder.varargs):
        return None
    walked = set(node.children) | set(rest.custom_actions)
    if rest.form_pages and method == "GET":
        walked.update(_FORM_PAGES)
    return (target, node, []), frozenset(walked)


def plain_verb(environ: dict, method: str) -> bool:
    """Whether the request routes by its own method (no ``_method`` override possible)."""
    return "_method" not in environ.get("QUERY_STRING", "") and not (
        method == "POST"
        and environ.get("CONTENT_TYPE", "").startswith(_FORM_TYPES)
    )


def route_rest(router: Router, node: Node, remainder: list[str], w: Walk) -> Found:
    spec = node.spec.rest
    verb = request_verb(w)
    if node.children is None or node.children:
        found = _sub_controller(router, node, remainder, w)
        if found is not None:
            return found
    user = spec.user_handlers.get(verb)
    try:
        if user is not None:
            result = user(node.obj, verb, remainder, w.state.request)
            found = router.follow(result, node, w)
        else:
            found = _HANDLERS.get(verb, _handle_unknown)(router, node, verb, remainder, w)
        target = found[0]
        if isinstance(target, Handler) and target.binder.arity < len(remainder) \
                and not target.binder.varargs and found[1] is node:
            looked = _lookup(router, node, remainder, w)
            if looked is not None:
                return looked
        return found
    except (RouteError, exc.HTTPClientError) as error:
        looked = _lookup(router, node, remainder, w)
        if looked is not None:
            return looked
        if node.spec.default is not None:
            return node.spec.default, node, remainder  # nothing else answers: _default
        if isinstance(error, MethodNotAllowed) and spec.allow:
            error.allow = spec.allow
        elif isinstance(error, exc.HTTPMethodNotAllowed) and spec.allow:
            error.headers["Allow"] = spec.allow
        raise


def _find(node: Node, *names: str) -> Target | None:
    methods = node.spec.methods
    for name in names:
        target = methods.get(name)
        if target is not None:
            return target
    return None


def _child(router: Router, node: Node, name: str) -> Node | None:
    if name in node.spec.methods:
        return None
    return router.child(node, name)


def _lookup(router: Router, node: Node, remainder: list[str], w: Walk) -> Found | None:
    if node.spec.lookup is None:
        return None
    args = [a for a in remainder if a]
    if not args:
        return None
    if node.guard is not None and not handler_unlocked(node.spec.lookup):
        run_check(node.guard, node.obj)  # what _lookup returns is behind the guard
    found = router.call_lookup(node, args)
    if not isinstance(found, tuple):  # no answer (args are never empty here)
        return None
    obj, rest = found
    return router.walk(router.reached(node, obj), list(rest), w)


def _sub_controller(router: Router, node: Node, remainder: list[str], w: Walk) -> Found | None:
    """Nested controllers: chop the parent's ids off and route into the child."""
    spec = node.spec.rest
    if spec.id_arity is None:
        return None
    fixed = spec.id_arity - len(w.routing_args)
    if spec.id_varargs:
        for i, item in enumerate(remainder):
            child = _child(router, node, item)
            if child is not None:
                w.routing_args.extend(remainder[:i])
                return router.walk(child, remainder[i + 1:], w)
        return None
    if 0 <= fixed < len(remainder):
        child = _child(router, node, remainder[fixed])
        if child is not None:
            w.routing_args.extend(remainder[:fixed])
            return router.walk(child, remainder[fixed + 1:], w)
    return None


def _check_arity(target: Target, remainder: list[str], w: Walk) -> None:
    """``/authors/books`` (an id missing in the middle) is a 404, as in Pecan."""
    if isinstance(target, Handler):
        fixed = target.binder.required - len(w.routing_args)
        if len(remainder) < fixed:
            raise NotFound()


def _custom_action(node: Node, verb: str, remainder: list[str]) -> Found | None:
    if not node.spec.rest.custom_actions:
        return None
    parts = [r for r in remainder if r]
    if not parts:
        return None
    if verb in ("put", "delete"):
        name, rest = parts[0], parts[1:]
    else:
        name, rest = parts[-1], parts[:-1]
    if verb.upper() in node.spec.rest.custom_actions.get(name, ()):
        target = _find(node, f"{verb}_{name}", name)
        if target is not None:
            return target, node, rest
    return None


def _handle_get(router: Router, node: Node, verb: str, remainder: list[str], w: Walk) -> Found:
    if not remainder or remainder == [""]:
        target = _find(node, "get_all", "get")
        if target is None:
            raise MethodNotAllowed()
        _check_arity(target, [], w)
        return target, node, []
    last = remainder[-1]
    if last in _FORM_PAGES and node.spec.rest.form_pages:
        target = _find(node, "get_delete" if last == "delete" else last)
        if target is not None:
            return target, node, remainder[:-1]
    found = _custom_action(node, verb, remainder)
    if found is not None:
        return found
    if node.children is None or node.children:
        child = _child(router, node, remainder[0])
        if child is not None:
            return router.walk(child, remainder[1:], w)
    target = _find(node, "get_one", "get")
    if target is None:
        raise MethodNotAllowed()
    _check_arity(target, remainder, w)
    return target, node, remainder


def _action_or_child(router: Router, node: Node, verb: str, remainder: list[str],
                     w: Walk) -> Found | None:
    """What a write verb reaches before the controller's own method: a custom
    action named in the path, or a sub-controller."""
    if not remainder:
        return None
    found = _custom_action(node, verb, remainder)
    if found is not None:
        return found
    child = _child(router, node, remainder[0])
    if child is not None:
        return router.walk(child, remainder[1:], w)
    return None


def _handle_write(*names: str):
    """POST/PUT (``names`` = the verb) and DELETE (``post_delete``, ``delete``)."""

    def handle(router: Router, node: Node, verb: str, remainder: list[str], w: Walk) -> Found:
        found = _action_or_child(router, node, verb, remainder, w)
        if found is not None:
            return found
        target = _find(node, *(names or (verb,)))
        if target is None:
            raise MethodNotAllowed()
        return target, node, remainder

    return handle


_handle_post = _handle_write()
_handle_delete = _handle_write("post_delete", "delete")


def _handle_unknown(router: Router, node: Node, verb: str, remainder: list[str], w: Walk) -> Found:
    target = _find(node, f"post_{verb}", verb)
    if target is not None:
        return target, node, remainder
    if remainder:
        if _find(node, remainder[0]) is not None:
            raise MethodNotAllowed()
        child = _child(router, node, remainder[0])
        if child is not None:
            return router.walk(child, remainder[1:], w)
    raise MethodNotAllowed()


_HANDLERS = {
    "get": _handle_get,
    "head": _handle_get,
    "post": _handle_post,
    "put": _handle_post,
    "delete": _handle_delete,
}
