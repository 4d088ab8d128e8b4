"""The rule table: named rules with defaults in code, overridable from a file.

An API declares its rules as :class:`RuleDefault` objects (oslo.policy's model,
as Nova uses it); an :class:`Enforcer` holds them, lets a YAML or JSON policy
file (or :meth:`Enforcer.set_overrides`) replace any of them or add rules, and
keeps the effective rules compiled (:mod:`carya.api.check_strings`). Rules are
parsed, checked for ``rule:`` cycles and compiled once, when registered or when
the policy file is loaded: a syntax error or a cycle is an error at that moment
naming the rule and the file, and a request only calls a compiled function.
The compiled table is updated in place, so checks built earlier follow later
changes, and ``Enforcer.target_keys`` says which target keys each rule can
read, so the per-request check builds only those; ``Enforcer.plans`` holds the
two together, one entry per rule, so a check reading it during a reload sees a
rule and its keys from the same policy.

It is a module apart from :mod:`carya.api.policy` (``@policy`` and
:func:`~carya.api.policy.authorize`, what runs per request) because the table
is built once and is read by tools as well: :func:`dump` prints the effective
policy and :func:`enforcers_in` finds the enforcers of a WSGI stack (for
``carya policy``). :func:`default_enforcer`, :func:`building` and
:data:`ENFORCER_KEY` decide which enforcer a check uses. Every public name here
is also importable from :mod:`carya.api.policy`.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from .check_strings import (
    Check,
    CheckSyntaxError,
    Credentials,
    compile_check,
    parse,
    rule_references,
    target_keys,
)
from .credentials import credentials

__all__ = [
    "RuleDefault",
    "DocumentedRuleDefault",
    "Enforcer",
    "PolicyError",
    "PolicyNotRegistered",
    "default_enforcer",
    "building",
    "dump",
    "enforcers_in",
    "ENFORCER_KEY",
]


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
        # name -> (compiled rule, its target keys): what a per-request check reads. One
        # entry replaces both at once: read from the two tables above during a reload,
        # a rule could meet the keys of the policy before it (and deny).
        self.plans: dict[str, tuple[Callable[[Mapping, Credentials], bool],
                                    frozenset[str] | None]] = {}
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
        _replace(self.plans, {name: (rule, keys.get(name)) for name, rule in compiled.items()})
        _replace(self.target_keys, keys)
        _replace(self.compiled, compiled)

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


def _replace(table: dict, new: Mapping[str, Any]) -> None:
    """Make ``table`` equal ``new`` in place without ever emptying it: requests in other
    threads read the tables while a reload runs, and a rule missing for that moment
    would deny them (a cleared table reads as "no such rule")."""
    table.update(new)
    for name in [name for name in table if name not in new]:
        del table[name]


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


# --- choosing the enforcer ------------------------------------------------------------

#: Where an API puts its enforcer for in-handler :func:`~carya.api.policy.authorize` calls.
ENFORCER_KEY = "carya.policy.enforcer"

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
