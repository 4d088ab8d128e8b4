"""Policy: named rules with defaults in code, overridable from a file, enforced per handler.

The model is oslo.policy's (and Nova's use of it)::

    groups_policies = [
        RuleDefault("os_compute_api:groups", "rule:admin_api"),
        DocumentedRuleDefault("os_compute_api:groups:create", "@", "Create a group",
                              [{"method": "POST", "path": "/groups"}]),
    ]
    enforcer = Enforcer(groups_policies, policy_file="policy.yaml")

    class GroupsController(Controller):
        @policy("os_compute_api:groups:create")
        def create(self, req, body): ...

The rule table is :mod:`carya.api.enforcer`: rules are parsed and compiled once
(:mod:`carya.api.check_strings`), when registered or when the policy file is
loaded; a syntax error or a ``rule:`` cycle is an error at that moment naming
the rule and the file. This module is what runs per request, on handlers and in
them: ``@policy`` builds the credentials from the request context that
authentication middleware left at ``environ['carya.auth_context']`` (a
:class:`carya.middleware.auth.RequestContext`, any object with
``user_id``/``project_id``/``roles``/``is_admin``, an oslo.context
``RequestContext`` or a dict) and a target made of the caller's
``project_id``/``user_id``, the optional request body (flattened to dotted
keys, ``group.name``) and the path variables (which win), then evaluates the
compiled rule. A denial is a 403 (``Policy doesn't allow X to be performed.``);
when no authentication middleware ran at all, it is a 401.

:class:`carya.api.oslo_policy.OsloEnforcer` evaluates the same rules with
oslo.policy itself, for deployments that need its extras.

The rule table's names (:class:`~carya.api.enforcer.RuleDefault`,
:class:`~carya.api.enforcer.Enforcer`, :func:`~carya.api.enforcer.dump`...) are
importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import webob.exc as exc

from ..expose import _info_for
from .binding import ROUTING_KEYS, request_body
from .check_strings import Credentials
from .credentials import _CREDS_KEY, AUTH_CONTEXT_KEY, credentials, request_credentials
from .enforcer import (
    ENFORCER_KEY,
    DocumentedRuleDefault,
    Enforcer,
    PolicyError,
    PolicyNotRegistered,
    RuleDefault,
    _current_enforcer,
    building,
    default_enforcer,
    dump,
    enforcers_in,
)
from .enforcer import PolicyEngine as PolicyEngine  # importable from here, as it was

__all__ = [
    "RuleDefault",
    "DocumentedRuleDefault",
    "Enforcer",
    "PolicyError",
    "PolicyNotRegistered",
    "policy",
    "authorize",
    "credentials",
    "default_enforcer",
    "building",
    "dump",
    "enforcers_in",
    "AUTH_CONTEXT_KEY",
    "ENFORCER_KEY",
]


def deny(name: str, environ: dict) -> exc.HTTPException:
    """The error for a denied rule: 403, or 401 when no authentication ran."""
    if environ.get(AUTH_CONTEXT_KEY) is None:
        return exc.HTTPUnauthorized(
            detail=f"Authentication required: {name} needs an authenticated caller "
            "(no authentication middleware provided a request context).",
            headers={"WWW-Authenticate": "Token"},
        )
    return exc.HTTPForbidden(detail=f"Policy doesn't allow {name} to be performed.")


def _flatten(data: Mapping[str, Any], into: dict, prefix: str = "") -> dict:
    for key, value in data.items():
        name = f"{prefix}{key}"
        into[name] = value
        if isinstance(value, Mapping):
            _flatten(value, into, name + ".")
    return into


def default_target(creds: Credentials) -> dict[str, Any]:
    """Nova's default target: the caller's own project and user."""
    data = creds.data
    return {"project_id": data.get("project_id"), "user_id": data.get("user_id")}


# --- on handlers and in handlers ------------------------------------------------------


def policy(
    rule: str,
    target: Callable[[Any, dict], Mapping[str, Any]] | None = None,
    with_body: bool = False,
    enforcer: Any = None,
) -> Callable:
    """Check ``rule`` before the handler runs (a per-request check built once).

    ``target(request, arguments) -> dict`` replaces the default target (the
    caller's project/user, the body with ``with_body=True``, and the path
    variables). The rule must be registered when the application is built.
    """
    if not isinstance(rule, str) or not rule:
        raise TypeError(f"policy({rule!r}): the rule name must be a non-empty string")

    def factory(handler: Any) -> Callable[[Any, list, dict], None]:
        engine = _current_enforcer(enforcer)
        if not engine.is_registered(rule):
            raise PolicyNotRegistered(
                f"{handler.name}: policy rule {rule!r} is not registered "
                "(register its RuleDefault before building the application)"
            )
        if target is None and not with_body and getattr(handler.binder, "nova_style", False):
            return _resource_check(engine, rule)
        arguments = _argument_reader(handler)

        def check(state: Any, args: list, kwargs: dict) -> None:
            environ = state.environ
            creds = request_credentials(environ)
            named = arguments(state, args, kwargs)
            if target is not None:
                goal = target(state.request, named)
            else:
                goal = default_target(creds)
                if with_body:
                    body = named.get("body")
                    if body is None:
                        body = request_body(state, required=False)
                    if isinstance(body, Mapping):
                        _flatten(body, goal)
                for name, value in named.items():
                    if name != "body":
                        goal[name] = value
            if not engine.enforce(rule, goal, creds):
                raise deny(rule, environ)

        return check

    def decorate(func: Callable) -> Callable:
        info = _info_for(func)
        info.extra.setdefault("checks", []).append(factory)
        info.extra.setdefault("policies", []).append(rule)
        return func

    return decorate


_NOT_TARGET = ROUTING_KEYS | {"body"}


def _resource_check(engine: Any, rule: str) -> Callable[[Any, list, dict], None]:
    """The usual resource-method check, in one function: the caller's project and user,
    then the route's variables, then the method's arguments (not the body), as target.

    What the general ``check`` in :func:`policy` computes for a Nova-style method with
    no ``target``/``with_body``, without its intermediate dicts and calls. A carya
    :class:`Enforcer`'s compiled rule and its target keys are read from its ``plans``
    (updated in place when the policy changes), and the target holds only the keys the
    rule can read (most rules read one, ``project_id``); another enforcer gets the
    whole target.
    """
    plans = engine.plans if isinstance(engine, Enforcer) else None

    def check(state: Any, args: list, kwargs: dict) -> None:
        environ = state.environ
        creds = environ.get(_CREDS_KEY)
        if creds is None:  # request_credentials, inline: this runs on every API request
            creds = environ[_CREDS_KEY] = credentials(environ.get(AUTH_CONTEXT_KEY))
        plan = plans.get(rule) if plans is not None else None
        if plan is not None:
            evaluate, keys = plan
            if keys is None:
                goal = _whole_target(environ, creds, kwargs)
            else:
                read = _TARGET_READERS.get(keys)
                if read is None:
                    read = _TARGET_READERS[keys] = _target_reader(keys)
                goal = read(environ, creds, kwargs)
            allowed = evaluate(goal, creds)
        else:
            allowed = engine.enforce(rule, _whole_target(environ, creds, kwargs), creds)
        if not allowed:
            raise deny(rule, environ)

    return check


def _whole_target(environ: dict, creds: Credentials, kwargs: dict) -> dict:
    """The resource target: project and user, the route's variables, the arguments."""
    data = creds.data
    routing = environ.get("wsgiorg.routing_args")
    if routing:
        goal = dict(routing[1])  # the route's variables win over the caller's own
        for name in _NOT_TARGET:
            goal.pop(name, None)
        if "project_id" not in goal:
            goal["project_id"] = data.get("project_id")
        if "user_id" not in goal:
            goal["user_id"] = data.get("user_id")
    else:
        goal = {"project_id": data.get("project_id"), "user_id": data.get("user_id")}
    if kwargs:
        goal.update(kwargs)
        goal.pop("body", None)
    return goal


def _target_of(keys: frozenset[str], environ: dict, creds: Credentials, kwargs: dict
               ) -> dict:
    """Just ``keys`` of :func:`_whole_target` (same values, same precedence)."""
    goal = {}
    if not keys:
        return goal
    routing = environ.get("wsgiorg.routing_args")
    match = routing[1] if routing else _NO_VARIABLES
    for key in keys:
        if key in kwargs and key != "body":
            goal[key] = kwargs[key]
        elif key in match and key not in _NOT_TARGET:
            goal[key] = match[key]
        elif key == "project_id" or key == "user_id":
            goal[key] = creds.data.get(key)
    return goal


_NO_VARIABLES: dict = {}

#: the target reader for each set of keys a rule reads (few distinct sets per process)
_TARGET_READERS: dict[frozenset[str], Callable[[dict, Credentials, dict], dict]] = {}


def _target_reader(keys: frozenset[str]) -> Callable[[dict, Credentials, dict], dict]:
    """:func:`_target_of` for one set of keys, decided once per set.

    Most rules read one key (``project_id``); that reader looks it up directly,
    in the same order: the method's arguments, the route's variables, the caller's own.
    """
    if len(keys) != 1:
        return lambda environ, creds, kwargs: _target_of(keys, environ, creds, kwargs)
    (key,) = keys
    from_arguments = key != "body"
    from_route = key not in _NOT_TARGET
    own = key == "project_id" or key == "user_id"

    def read_one(environ: dict, creds: Credentials, kwargs: dict) -> dict:
        if from_arguments and key in kwargs:
            return {key: kwargs[key]}
        if from_route:
            routing = environ.get("wsgiorg.routing_args")
            if routing and key in routing[1]:
                return {key: routing[1][key]}
        return {key: creds.data.get(key)} if own else {}

    return read_one


def _argument_reader(handler: Any) -> Callable[[Any, list, dict], dict]:
    """How to name a handler's arguments, decided once from its binder.

    For resource methods, every path variable of the route counts (also those
    the method does not take, such as the URL's ``project_id``).
    """
    binder = handler.binder
    if getattr(binder, "nova_style", False):  # (self, req, **path variables, body)

        def route_variables(state: Any, args: list, kwargs: dict) -> dict:
            routing = state.environ.get("wsgiorg.routing_args")
            match = routing[1] if routing else {}
            out = {k: v for k, v in match.items() if k not in ROUTING_KEYS}
            out.update(kwargs)
            return out

        return route_variables
    names = tuple(getattr(binder, "names", ()))

    def named(state: Any, args: list, kwargs: dict) -> dict:
        out = dict(zip(names, args, strict=False))
        out.update(kwargs)
        return out

    return named


def authorize(req: Any, rule: str, target: Mapping[str, Any] | None = None,
              enforcer: Any = None) -> None:
    """Nova's ``context.can(rule, target)`` inside a handler: raise 403 (401) on denial."""
    environ = req.environ if hasattr(req, "environ") else req
    engine = enforcer or environ.get(ENFORCER_KEY) or default_enforcer()
    creds = request_credentials(environ)
    goal = default_target(creds) if target is None else target
    if hasattr(engine, "authorize"):
        allowed = engine.authorize(rule, goal, creds)
    else:
        allowed = engine.enforce(rule, goal, creds)
    if not allowed:
        raise deny(rule, environ)
