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

Rules are parsed and compiled once (:mod:`carya.api.check_strings`), when
registered or when the policy file is loaded; a syntax error or a ``rule:``
cycle is an error at that moment naming the rule and the file. Per request,
``@policy`` builds the credentials from the request context that
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
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import webob.exc as exc

from ..expose import _info_for
from .binding import ROUTING_KEYS, request_body
from .check_strings import (
    Check,
    CheckSyntaxError,
    Credentials,
    compile_check,
    parse,
    rule_references,
    target_keys,
)
from .credentials import _CREDS_KEY, AUTH_CONTEXT_KEY, credentials, request_credentials

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

#: Where an API puts its enforcer for in-handler :func:`authorize` calls.
ENFORCER_KEY = "carya.policy.enforcer"


class PolicyError(ValueError):
    """A rule that cannot be used: bad syntax, a cycle, a duplicate, a bad file."""


class PolicyNotRegistered(PolicyError, KeyError):
    """A handler or ``authorize`` names a rule no one registered."""

    def __str__(self) -> str:
        return str(self.args[0])


class RuleDefault:
    """A rule's name and default check string, with what it is for.

    ``operations`` lists ``{"method": ..., "path": ...}`` dicts (the API calls
    it guards), shown by :func:`dump`.
    """

    def __init__(
        self,
        name: str,
        check_str: str,
        description: str | None = None,
        operations: Sequence[Mapping[str, str]] | None = None,
        scope_types: Sequence[str] | None = None,
    ):
        if not name or not isinstance(name, str):
            raise PolicyError(f"RuleDefault: name {name!r} must be a non-empty string")
        try:
            self.check: Check = parse(check_str)
        except CheckSyntaxError as error:
            raise PolicyError(f"policy rule {name!r}: {error}") from None
        self.name = name
        self.check_str = check_str
        self.description = description
        self.operations = [dict(op) for op in operations or ()]
        for op in self.operations:
            if set(op) != {"method", "path"}:
                raise PolicyError(
                    f"policy rule {name!r}: each operation is {{'method': ..., 'path': ...}}, "
                    f"got {op!r}"
                )
        self.scope_types = list(scope_types) if scope_types else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.check_str!r})"


class DocumentedRuleDefault(RuleDefault):
    """A :class:`RuleDefault` whose description and operations are required."""

    def __init__(self, name: str, check_str: str, description: str,
                 operations: Sequence[Mapping[str, str]], scope_types: Sequence[str] | None = None):
        if not description:
            raise PolicyError(f"policy rule {name!r}: a DocumentedRuleDefault needs a description")
        if not operations:
            raise PolicyError(f"policy rule {name!r}: a DocumentedRuleDefault needs operations")
        super().__init__(name, check_str, description, operations, scope_types)


class PolicyEngine(Protocol):
    """What ``@policy`` needs from an enforcer (carya's or the oslo.policy adapter)."""

    def is_registered(self, name: str) -> bool: ...

    def enforce(self, name: str, target: Mapping[str, Any], creds: Credentials) -> bool: ...


class Enforcer:
    """Registered rule defaults, file overrides, and the compiled effective rules."""

    def __init__(
        self,
        defaults: Iterable[RuleDefault] = (),
        policy_file: str | os.PathLike | None = None,
        default_rule: str | None = "default",
    ):
        self.defaults: dict[str, RuleDefault] = {}
        self.overrides: dict[str, Check] = {}
        self.override_text: dict[str, str] = {}
        self.policy_file: str | None = None
        self.default_rule = default_rule
        # name -> compiled rule; the same dict is updated in place, so compiled
        # ``rule:`` references always see the current rules.
        self.compiled: dict[str, Callable[[Mapping, Credentials], bool]] = {}
        # name -> the target keys its rule can read (None: any), kept with ``compiled``.
        self.target_keys: dict[str, frozenset[str] | None] = {}
        self.register_defaults(defaults)
        if policy_file is not None:
            self.load_file(policy_file)

    # --- registration and overrides -------------------------------------------------

    def register_default(self, rule: RuleDefault) -> None:
        self.register_defaults([rule])

    def register_defaults(self, rules: Iterable[RuleDefault]) -> None:
        added: dict[str, RuleDefault] = {}
        for rule in rules:
            if not isinstance(rule, RuleDefault):
                raise PolicyError(f"register_defaults: {rule!r} is not a RuleDefault")
            known = added.get(rule.name) or self.defaults.get(rule.name)
            if known is not None and known.check_str != rule.check_str:
                raise PolicyError(
                    f"policy rule {rule.name!r} is registered twice with different defaults "
                    f"({known.check_str!r} and {rule.check_str!r})"
                )
            added[rule.name] = rule
        if not added:
            return
        previous = dict(self.defaults)
        self.defaults.update(added)
        try:
            self._rebuild(source="the registered defaults")
        except PolicyError:
            self.defaults = previous
            self._rebuild(source="the previous rules")
            raise

    def load_file(self, path: str | os.PathLike) -> None:
        """Replace the overrides with a YAML or JSON file of ``"rule": "check string"``."""
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as error:
            raise PolicyError(f"policy file {path}: {error.strerror or error}") from None
        data = _load_mapping(text, path)
        self.set_overrides(data, source=f"policy file {path}")
        self.policy_file = path

    def set_overrides(self, rules: Mapping[str, str], source: str = "overrides") -> None:
        parsed: dict[str, Check] = {}
        for name, check_str in rules.items():
            if not isinstance(name, str) or not isinstance(check_str, str):
                raise PolicyError(f"{source}: rule {name!r} must map a name to a check string")
            try:
                parsed[name] = parse(check_str)
            except CheckSyntaxError as error:
                raise PolicyError(f"{source}: rule {name!r}: {error}") from None
        previous = (self.overrides, self.override_text)
        self.overrides, self.override_text = parsed, dict(rules)
        try:
            self._rebuild(source=source)
        except PolicyError:
            self.overrides, self.override_text = previous
            self._rebuild(source="the previous rules")
            raise

    def reload(self) -> None:
        """Read the policy file again (after an edit)."""
        if self.policy_file is not None:
            self.load_file(self.policy_file)

    def _rebuild(self, source: str) -> None:
        effective = self.effective_checks()
        _check_cycles(effective, source, self.default_rule)
        compiled = _compile_rules(effective, self.compiled, self.default_rule)
        keys = _rule_target_keys(effective, self.default_rule)
        self.compiled.clear()
        self.compiled.update(compiled)
        self.target_keys.clear()
        self.target_keys.update(keys)

    # --- reading ----------------------------------------------------------------------

    def effective_checks(self) -> dict[str, Check]:
        checks = {name: rule.check for name, rule in self.defaults.items()}
        checks.update(self.overrides)
        return checks

    def is_registered(self, name: str) -> bool:
        return name in self.defaults

    def enforce(self, name: str, target: Mapping[str, Any], creds: Credentials | Any) -> bool:
        """Whether ``creds`` may do ``name`` on ``target``; unknown rules use the default rule."""
        if not isinstance(creds, Credentials):
            creds = credentials(creds)
        evaluate = self.compiled.get(name)
        if evaluate is None and self.default_rule is not None:
            evaluate = self.compiled.get(self.default_rule)
        return evaluate is not None and bool(evaluate(target, creds))

    def authorize(self, name: str, target: Mapping[str, Any], creds: Credentials | Any) -> bool:
        """:meth:`enforce` for a registered rule (a typo in a rule name is an error)."""
        if name not in self.defaults:
            raise PolicyNotRegistered(f"policy rule {name!r} is not registered")
        return self.enforce(name, target, creds)

    def rows(self) -> list[dict[str, Any]]:
        """The effective policy, rule by rule, for :func:`dump` and tools."""
        out = []
        for name in sorted(set(self.defaults) | set(self.overrides)):
            default = self.defaults.get(name)
            out.append({
                "name": name,
                "check_str": self.override_text.get(
                    name, default.check_str if default is not None else ""
                ),
                "default": default.check_str if default is not None else None,
                "overridden": name in self.overrides,
                "description": default.description if default is not None else None,
                "operations": default.operations if default is not None else [],
            })
        return out


def _load_mapping(text: str, path: str) -> dict:
    if path.endswith(".json"):
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError as error:
            raise PolicyError(f"policy file {path}: not valid JSON: {error}") from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise PolicyError(f"policy file {path}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"policy file {path}: must hold a mapping of rule names to checks")
    return data


def _compile_rules(checks: Mapping[str, Check], table: Mapping[str, Callable],
                   default: str | None) -> dict[str, Callable]:
    """Every rule compiled, referenced rules first, so that ``rule:NAME`` is bound to
    NAME's evaluator (or the default rule's, for an unknown NAME) when it is compiled.

    Loops were refused before (:func:`_check_cycles`); an unknown name with no default
    rule keeps ``table``'s lookup when evaluated (it denies).
    """
    compiled: dict[str, Callable] = {}

    def resolve(name: str) -> Callable | None:
        target = name if name in checks else default
        if target is None or target not in checks:
            return None
        if target not in compiled:
            build(target)
        return compiled[target]

    def build(name: str) -> None:
        compiled[name] = compile_check(checks[name], table, default, resolve)

    for name in checks:
        if name not in compiled:
            build(name)
    return compiled


def _rule_target_keys(checks: Mapping[str, Check], default: str | None
                      ) -> dict[str, frozenset[str] | None]:
    """Each rule's readable target keys, following ``rule:`` references (and the
    default rule for unknown names; loops were refused before)."""
    found: dict[str, frozenset[str] | None] = {}

    def keys_of(name: str) -> frozenset[str] | None:
        if name not in checks:
            return keys_of(default) if default is not None and default in checks \
                else frozenset()
        if name not in found:
            found[name] = target_keys(checks[name], keys_of)
        return found[name]

    for name in checks:
        keys_of(name)
    return found


def _check_cycles(checks: Mapping[str, Check], source: str, default: str | None = None
                  ) -> None:
    """Refuse rules that refer to each other in a loop (an unknown name means the
    default rule, so ``default: rule:missing`` is a loop too)."""
    refs = {name: rule_references(check) for name, check in checks.items()}
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            loop = " -> ".join([*trail[trail.index(name):], name])
            raise PolicyError(f"{source}: policy rules refer to each other in a loop: {loop}")
        if name in done:
            return
        if name not in refs:
            if default is not None and default in refs and trail:
                visit(default, [*trail, name])
            return
        for ref in refs[name]:
            visit(ref, [*trail, name])
        done.add(name)

    for name in refs:
        visit(name, [])


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


# --- choosing the enforcer ------------------------------------------------------------

_DEFAULT: Enforcer | None = None
_BUILDING: contextvars.ContextVar[Any] = contextvars.ContextVar("carya_policy_building",
                                                                default=None)


def default_enforcer() -> Enforcer:
    """The process-wide enforcer used when none is given (Nova's global ``ENFORCER``)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Enforcer()
    return _DEFAULT


@contextlib.contextmanager
def building(enforcer: Any) -> Iterator[None]:
    """While an API builds its handlers, ``@policy`` checks bind to its enforcer."""
    token = _BUILDING.set(enforcer)
    try:
        yield
    finally:
        _BUILDING.reset(token)


def _current_enforcer(explicit: Any) -> Any:
    return explicit or _BUILDING.get() or default_enforcer()


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
    :class:`Enforcer`'s compiled rules are read from its table (updated in place when
    the policy changes), and the target holds only the keys the rule can read (most
    rules read one, ``project_id``); another enforcer gets the whole target.
    """
    carya_engine = isinstance(engine, Enforcer)
    rules = engine.compiled if carya_engine else None
    reads = engine.target_keys if carya_engine else None

    def check(state: Any, args: list, kwargs: dict) -> None:
        environ = state.environ
        creds = environ.get(_CREDS_KEY)
        if creds is None:  # request_credentials, inline: this runs on every API request
            creds = environ[_CREDS_KEY] = credentials(environ.get(AUTH_CONTEXT_KEY))
        evaluate = rules.get(rule) if rules is not None else None
        if evaluate is not None:
            keys = reads.get(rule)
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


# --- the effective policy ------------------------------------------------------------


def enforcers_in(wsgi: Any) -> list[tuple[str, Any]]:
    """``(mount prefix, enforcer)`` of each carya API in a WSGI stack (for ``carya policy``).

    Follows middleware and URL maps the way ``carya routes`` does; an object
    with an ``enforcer`` (an :class:`~carya.api.APIRouter`) is an API.
    """
    from ..routing.listing import mounted_apps

    found = []
    seen: set[int] = set()
    for prefix, app in mounted_apps(wsgi):
        enforcer = getattr(app, "enforcer", None)
        if enforcer is not None and id(enforcer) not in seen:
            seen.add(id(enforcer))
            found.append((prefix or "/", enforcer))
    return found


def dump(enforcer: Enforcer, fmt: str = "yaml") -> str:
    """The effective policy as YAML (commented, like oslo's generator) or JSON."""
    rows = enforcer.rows()
    if fmt == "json":
        return json.dumps({row["name"]: row["check_str"] for row in rows}, indent=4,
                          sort_keys=True) + "\n"
    if fmt != "yaml":
        raise ValueError(f"dump: format {fmt!r} is not 'yaml' or 'json'")
    lines: list[str] = []
    for row in rows:
        if row["description"]:
            lines.extend(f"# {text}".rstrip() for text in row["description"].splitlines())
        for op in row["operations"]:
            lines.append(f"# {op['method']:<7} {op['path']}")
        if row["overridden"]:
            origin = (f"default: {row['default']!r}" if row["default"] is not None
                      else "not a registered rule")
            lines.append(f"# overridden ({origin})")
        lines.append(f"{json.dumps(row['name'])}: {json.dumps(row['check_str'])}")
        lines.append("")
    return "\n".join(lines)
