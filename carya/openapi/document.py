"""An OpenAPI 3.1 document for every route an application serves, read from its routing.

:func:`build_document` does not walk controllers itself: it takes the route
listing of :mod:`carya.routing.listing` (the same rows ``carya routes``
prints, whichever way the routes were declared) and documents each row from
the handler the row carries, once, when it is called:

* path parameters come from the path template (a Routes requirement becomes
  the parameter's ``pattern``); query parameters from the handler's
  signature (object dispatch, RestController) or from ``@validate(query=)``;
* the request body from ``@validate(body=)`` (draft 4 rewritten as 2020-12);
  a body-keyed action route (``POST .../action``) is one operation whose body
  is ``oneOf`` the actions, and each action is listed in ``x-carya-actions``
  with its own handler, status, policy and versions;
* responses from ``@response`` (the success status) and
  ``@expected_errors``, plus the refusals carya itself makes before a
  handler runs (400 for a bad body or argument, 404 for an unknown id, 406
  for a microversion out of range, 401/403 when a policy or a secured
  controller may refuse);
* ``x-policy`` names the ``@policy`` rules; ``x-carya-versions`` gives each
  ``@api_version`` range of a versioned route, and ``x-min-version`` /
  ``x-max-version`` their span; ``info.x-carya-microversions`` the API's.

Dynamic places (``_lookup``, ``_default``, ``_route``) are documented as
``/prefix/{path}`` with ``x-carya-dynamic: true``: what lies below them is
decided per request. A handler that answers any method is documented as GET
with ``x-carya-methods: ANY``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..handler import Handler
from ..routing.listing import RouteInfo, list_routes, mounted_apps
from .schema import from_draft4

__all__ = ["build_document", "operations", "openapi_path"]

OPENAPI_VERSION = "3.1.0"
_PLACEHOLDER = re.compile(r"\{(\*?)([A-Za-z_]\w*|\.\.\.)\}")
_BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))
_REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently",
    302: "Found", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    409: "Conflict", 413: "Request Entity Too Large", 414: "URI Too Long",
    415: "Unsupported Media Type",
    500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
}
_FAULT = {
    "type": "object",
    "description": "An OpenStack fault: one key (``itemNotFound``, ``badRequest``...) "
                   "holding the status code and a message.",
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
        "required": ["code", "message"],
    },
}


def build_document(app: Any, title: str = "API", version: str = "1.0",
                   description: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app`` (an App or a WSGI stack around some)."""
    info: dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    paths: dict[str, dict[str, Any]] = {}
    ids: set[str] = set()
    uses_faults = False
    apps = mounted_apps(app)
    if not apps:
        raise ValueError(f"{type(app).__name__} is not a carya application and wraps none")
    for prefix, mounted in apps:
        api = _ApiFacts(mounted)
        if api.microversions is not None:
            info.setdefault("x-carya-microversions", {})[prefix or "/"] = api.describe()
        uses_faults = uses_faults or api.faults
        for route in list_routes(mounted):
            route = route.prefixed(prefix)
            for method, operation in _operations_of(route, api, prefix):
                operation["operationId"] = _unique(operation.pop("_id"), ids)
                path = openapi_path(route.path)
                paths.setdefault(path, {})[method.lower()] = operation
    document: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": info,
                                "paths": dict(sorted(paths.items()))}
    if uses_faults:
        document["components"] = {"schemas": {"Fault": _FAULT}}
    return document


def openapi_path(template: str) -> str:
    """A listing template as an OpenAPI path: ``{*ids}`` -> ``{ids}``, ``{...}`` -> ``{path}``."""
    return _PLACEHOLDER.sub(lambda m: "{path}" if m.group(2) == "..." else "{" + m.group(2) + "}",
                            template)


def operations(document: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """``(METHOD, path, operation)`` for every operation of a document."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield method.upper(), path, operation


class _ApiFacts:
    """What one mounted application contributes to every operation it serves."""

    def __init__(self, app: Any):
        from ..api.mapper_router import MapperRouter

        router = getattr(app, "router", None)
        self.router = router if isinstance(router, MapperRouter) else None
        self.faults = self.router is not None
        self.microversions = getattr(app, "microversions", None) if self.faults else None
        self.routes = {}
        if self.router is not None:
            self.routes = {id(entry): route for route, entry in self.router.entries.items()}

    def describe(self) -> dict[str, Any]:
        mv = self.microversions
        out = {"service": mv.service, "min": str(mv.min), "max": str(mv.max),
               "header": "OpenStack-API-Version"}
        if mv.legacy_header:
            out["legacy_header"] = mv.legacy_header
        return out

    def version_header(self) -> dict[str, Any]:
        mv = self.microversions
        return {
            "name": "OpenStack-API-Version", "in": "header", "required": False,
            "description": f"The microversion wanted: '{mv.service} X.Y' from {mv.min} to "
                           f"{mv.max}, or '{mv.service} latest'; without it, {mv.min}.",
            "schema": {"type": "string"},
        }

    def requirements(self, entry: Any) -> dict[str, str]:
        route = self.routes.get(id(entry))
        return dict(getattr(route, "reqs", None) or {}) if route is not None else {}


# --- one route ---------------------------------------------------------------------------


def _operations_of(route: RouteInfo, api: _ApiFacts, prefix: str
                   ) -> Iterable[tuple[str, dict[str, Any]]]:
    methods = [m for m in route.methods if not (m == "HEAD" and "GET" in route.methods)]
    any_method = not methods
    for method in methods or ["GET"]:
        if route.kind == "redirect":
            operation = _redirect(route)
        elif route.dynamic:
            operation = _dynamic(route)
        elif isinstance(route.target, Handler):
            operation = _handler_operation(route, route.target, method)
        else:
            operation = _api_operation(route, route.target, method, api)
        operation.setdefault("tags", [_tag(route.path, prefix)])
        operation["x-carya-handler"] = route.handler
        operation["x-carya-kind"] = route.kind
        if any_method:
            operation["x-carya-methods"] = "ANY"
        operation["_id"] = _operation_id(route, method)
        yield method, operation


def _path_parameters(route: RouteInfo, requirements: dict[str, str] | None = None
                     ) -> list[dict[str, Any]]:
    params = []
    for star, name in _PLACEHOLDER.findall(route.path):
        schema: dict[str, Any] = {"type": "string"}
        description = None
        if name == "...":
            name, description = "path", "The rest of the path, routed at request time."
        elif star:
            description = "One or more path segments."
        pattern = (requirements or {}).get(name)
        if pattern:
            schema["pattern"] = f"^(?:{pattern})$"
        param = {"name": name, "in": "path", "required": True, "schema": schema}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _redirect(route: RouteInfo) -> dict[str, Any]:
    location = route.handler[3:] if route.handler.startswith("-> ") else route.handler
    return {
        "summary": f"Redirects to {location}",
        "parameters": _path_parameters(route),
        "responses": {
            "302": {"description": f"Found: the canonical URL is {location}",
                    "headers": {"Location": {"schema": {"type": "string"}}}},
        },
        "x-carya-redirect": location,
    }


def _dynamic(route: RouteInfo) -> dict[str, Any]:
    kind = {"lookup": "_lookup", "default": "_default"}.get(route.kind, "_route")
    return {
        "summary": f"Routed at request time by {kind}",
        "parameters": _path_parameters(route),
        "responses": _responses({200: None, 404: None, 414: None}, None),
        "x-carya-dynamic": True,
    }


def _handler_operation(route: RouteInfo, handler: Handler, method: str) -> dict[str, Any]:
    """An object-dispatch or RestController handler."""
    path_names = {p["name"] for p in _path_parameters(route)}
    params = _path_parameters(route)
    binder = handler.binder
    for name in binder.names:
        if name in path_names:
            continue
        param: dict[str, Any] = {"name": name, "in": "query", "schema": {"type": "string"}}
        if name in binder.defaults:
            param["required"] = False
        else:
            param["required"] = True
        params.append(param)
    operation = _common(handler)
    body, query = _validation(handler)
    declared = {p["name"]: p for p in query}  # a @validate query schema says more
    params = [declared.pop(p["name"], p) if p["in"] == "query" else p for p in params]
    params.extend(declared.values())
    operation["parameters"] = params
    if body is not None and method in _BODY_METHODS:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": body}}}
    errors = _errors(handler, bool(path_names) or binder.varargs,
                     bool(params) or body is not None, api=False)
    if binder.varargs:
        operation["x-carya-extra-segments"] = True
    if binder.varkw:
        operation["x-carya-extra-parameters"] = True
    if handler.secured is not None:
        errors.update({401: None, 403: None})
    success_types = [t for t in handler.content_types] or [handler.content_type]
    statuses: dict[Any, Any] = {handler.status: success_types, **errors}
    if "status" not in handler.extra:
        # Undeclared: 200 unless the handler sets ``response.status`` itself.
        statuses["2XX"] = success_types
    operation["responses"] = _responses(statuses, None)
    return operation


def _api_operation(route: RouteInfo, entry: Any, method: str, api: _ApiFacts) -> dict[str, Any]:
    """A mapper route: one handler, a version table or a body-action table."""
    from ..api.dispatch import BodyAction, Versioned, targets_of

    params = _path_parameters(route, api.requirements(entry))
    if api.microversions is not None:
        params.append(api.version_header())
    operation: dict[str, Any] = {}
    statuses: dict[int, Any] = {}
    if isinstance(entry, BodyAction):
        actions, branches = [], []
        for key, sub in sorted(entry.entries.items()):
            action, schema = _action(key, sub, statuses)
            actions.append(action)
            branches.append(schema)
        operation["summary"] = "Actions: " + ", ".join(a["action"] for a in actions)
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"oneOf": branches}}}}
        operation["x-carya-actions"] = actions
        statuses[400] = "fault"  # a body that names no action, or an unknown one
    else:
        handlers = [h for h, _ in targets_of(entry)]
        first = handlers[0]
        operation.update(_common(first))
        if isinstance(entry, Versioned):
            _versions(operation, entry)
            statuses[404] = "fault"  # no method for the request's version
        body, query = _merged_validation(handlers)
        params.extend(query)
        policies = sorted({p for h in handlers for p in h.extra.get("policies", ())})
        if policies:
            operation["x-policy"] = policies
        for handler in handlers:
            statuses.update(_errors(handler, bool(route.params), bool(query) or body is not None,
                                    api=True))
            statuses[handler.status] = None if handler.status == 204 else "json"
            takes_body = getattr(handler.binder, "takes_body", False)
            if takes_body and method in _BODY_METHODS and "requestBody" not in operation:
                required = bool(getattr(handler.binder, "body_required", False))
                operation["requestBody"] = {"required": required, "content": {
                    "application/json": {"schema": body if body is not None else {}}}}
                statuses[400] = "fault"
    if api.microversions is not None:
        statuses[400] = "fault"  # a malformed version
        statuses[406] = "fault"  # a version out of range
    operation["parameters"] = params
    operation["responses"] = _responses(statuses, "fault")
    return operation


def _action(key: str, entry: Any, statuses: dict[int, Any]) -> tuple[dict, dict]:
    """One body-keyed action: its listing row and its ``oneOf`` branch."""
    from ..api.dispatch import Versioned, targets_of

    handlers = [h for h, _ in targets_of(entry)]
    first = handlers[0]
    action: dict[str, Any] = {"action": key, "handler": first.name, "status": first.status}
    summary = _summary(first)
    if summary:
        action["summary"] = summary
    policies = sorted({p for h in handlers for p in h.extra.get("policies", ())})
    if policies:
        action["x-policy"] = policies
    if isinstance(entry, Versioned):
        _versions(action, entry)
    codes: set[int] = set()
    for handler in handlers:
        found = _errors(handler, True, True, api=True)
        codes.update(found)
        statuses.update(found)
        statuses[handler.status] = None if handler.status == 204 else "json"
    action["responses"] = sorted([first.status, *codes])
    body, _query = _merged_validation(handlers)
    if body is None:
        body = {"type": "object", "properties": {key: {}}, "required": [key],
                "additionalProperties": False}
    schema = dict(body)
    schema.setdefault("title", key)
    return action, schema


def _common(handler: Handler) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    summary = _summary(handler)
    if summary:
        operation["summary"] = summary
    doc = _docstring(handler)
    if doc and "\n" in doc:
        operation["description"] = doc.split("\n", 1)[1].strip()
    policies = list(handler.extra.get("policies", ()))
    if policies:
        operation["x-policy"] = policies
    rng = handler.extra.get("api_version")
    if rng is not None:
        operation["x-min-version"] = str(rng[0])
        if rng[1] is not None:
            operation["x-max-version"] = str(rng[1])
    return operation


def _versions(target: dict[str, Any], entry: Any) -> None:
    rows = []
    for low, high, (handler, _node) in entry.table.entries:
        rows.append({"min": str(low), "max": str(high) if high is not None else "latest",
                     "handler": handler.name})
    target["x-carya-versions"] = rows
    target["x-min-version"] = rows[0]["min"]
    target["x-max-version"] = rows[-1]["max"]


def _docstring(handler: Handler) -> str:
    import inspect

    return inspect.getdoc(handler.func) or ""


def _summary(handler: Handler) -> str:
    doc = _docstring(handler)
    return doc.split("\n", 1)[0].strip() if doc else ""


def _validation(handler: Handler) -> tuple[dict | None, list[dict[str, Any]]]:
    return _merged_validation([handler])


def _merged_validation(handlers: list[Handler]) -> tuple[dict | None, list[dict[str, Any]]]:
    """The request body schema and the query parameters ``@validate`` declares.

    Several schemas (by microversion, or several version-selected methods)
    are offered as ``anyOf``: the request's version picks the one enforced.
    """
    bodies: list[dict] = []
    queries: dict[str, dict[str, Any]] = {}
    for handler in handlers:
        for spec in handler.extra.get("validation", ()):
            if spec.body is not None:
                converted = from_draft4(spec.body)
                if converted not in bodies:
                    bodies.append(converted)
            if spec.query is not None:
                for name, param in _query_parameters(from_draft4(spec.query)).items():
                    queries.setdefault(name, param)
    body = None if not bodies else bodies[0] if len(bodies) == 1 else {"anyOf": bodies}
    return body, list(queries.values())


def _query_parameters(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A query schema (Nova's: a dict of lists) as one parameter per property."""
    required = set(schema.get("required", ()))
    out = {}
    for name, sub in (schema.get("properties") or {}).items():
        out[name] = {"name": name, "in": "query", "required": name in required,
                     "schema": sub, "style": "form", "explode": True}
    return out


def _errors(handler: Handler, has_ids: bool, has_input: bool, api: bool) -> dict[int, Any]:
    """Error statuses a handler's request can get, with what carya itself may refuse."""
    kind = "fault" if api else None
    codes: dict[int, Any] = {}
    for code in handler.extra.get("expected_errors", ()):
        codes[code] = kind
    if handler.extra.get("validation") or has_input:
        codes[400] = kind
    if has_ids:
        codes[404] = kind
    if handler.extra.get("policies"):
        codes[401] = kind
        codes[403] = kind
    if "expected_errors" in handler.extra:
        codes[500] = kind  # an unexpected error: a logged 500 without internals
    if has_ids or has_input:
        codes[414] = None  # the server's request-line limit (carya serve: 4094 bytes)
    return codes


def _responses(statuses: dict[Any, Any], error_kind: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status in sorted(statuses, key=str):
        what = statuses[status]
        if status == "2XX":
            response: dict[str, Any] = {"description": "Another success status the handler "
                                                       "sets itself (response.status)"}
        else:
            response = {"description": _REASONS.get(status, str(status))}
        if status == 204:
            pass
        elif what == "fault":
            response["content"] = {"application/json": {
                "schema": {"$ref": "#/components/schemas/Fault"}}}
        elif what == "json":
            response["content"] = {"application/json": {"schema": {}}}
        elif isinstance(what, list):
            response["content"] = {ctype: {"schema": {}} for ctype in what}
        out[str(status)] = response
    return out


def _tag(path: str, prefix: str) -> str:
    rest = path[len(prefix):] if prefix and path.startswith(prefix) else path
    for segment in rest.split("/"):
        word = segment.split(".", 1)[0]
        if word and "{" not in word and not re.fullmatch(r"v\d+(\.\d+)?", word):
            return word
    return (prefix.strip("/") or "root")


def _operation_id(route: RouteInfo, method: str) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", route.path).strip("_") or "root"
    return f"{method.lower()}_{words}"


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate
