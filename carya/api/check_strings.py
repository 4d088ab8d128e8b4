"""oslo.policy's check-string language, parsed once and compiled to closures.

A check string such as ``role:admin or (project_id:%(project_id)s and not
role:reader)`` is parsed when a rule is registered or loaded, into a small tree
(:class:`Check`), then compiled into nested Python closures, so evaluating a
rule per request is a few calls and set lookups with no parsing or dispatch.

The semantics are oslo.policy's, checked against it by the test suite:

- ``@`` (or an empty string) allows, ``!`` denies;
- ``rule:NAME`` evaluates another rule; an unknown name falls back to the
  ``default`` rule when there is one, else denies;
- ``role:NAME`` is true when the credentials' ``roles`` hold NAME, compared
  case-insensitively (``NAME`` may be ``%(key)s`` from the target);
- any other ``KIND:MATCH`` is generic: MATCH is formatted with the target
  (``%(project_id)s``; a missing key makes the check false) and compared as a
  string with the credential found at KIND (dotted paths go into nested
  dicts, lists match if any item does). A KIND that is a Python literal
  (``True``, ``'member'``, ``42``) is compared with MATCH instead, so
  ``True:%(user.enabled)s`` reads the target;
- ``not`` binds tightest, then ``and``, then ``or``; parentheses group.

One deliberate difference: where oslo.policy logs a malformed string and
denies everything, carya refuses it when the rule is loaded, with a message
naming the rule (and the policy file), so a typo cannot silently lock users
out. ``http:``/``https:`` remote checks are not supported (use the oslo.policy
adapter for them).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "CheckSyntaxError",
    "Check",
    "Credentials",
    "parse",
    "compile_check",
    "rule_references",
    "target_keys",
]

Evaluator = Callable[[Mapping[str, Any], "Credentials"], bool]
_OPERATORS = ("and", "or", "not")


class CheckSyntaxError(ValueError):
    """A check string that is not valid policy language."""


class Credentials:
    """The caller's credentials for one request, with roles lowercased once."""

    __slots__ = ("data", "roles")

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        roles = data.get("roles")
        self.roles = (
            frozenset([role.lower() if role.__class__ is str else str(role).lower()
                       for role in roles]) if roles is not None else None
        )


class Check:
    """A parsed check: ``kind`` is ``@ ! rule role generic not and or``."""

    __slots__ = ("kind", "name", "match", "children")

    def __init__(self, kind: str, name: str = "", match: str = "", children: tuple = ()):
        self.kind = kind
        self.name = name
        self.match = match
        self.children = children

    def __str__(self) -> str:
        kind = self.kind
        if kind in ("@", "!"):
            return kind
        if kind == "not":
            return f"not {self.children[0]}"
        if kind in ("and", "or"):
            return "(" + f" {kind} ".join(str(c) for c in self.children) + ")"
        return f"{self.name}:{self.match}"

    def __repr__(self) -> str:
        return f"<Check {self}>"


# --- parsing -------------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, str]]:
    """Words split on whitespace; parentheses only at a word's ends (``%(x)s`` stays whole)."""
    out: list[tuple[str, str]] = []
    for word in text.split():
        stripped = word.lstrip("(")
        out.extend([("(", "(")] * (len(word) - len(stripped)))
        core = stripped.rstrip(")")
        if core:
            lowered = core.lower()
            out.append((lowered, core) if lowered in _OPERATORS else ("check", core))
        out.extend([(")", ")")] * (len(stripped) - len(core)))
    return out


class _Parser:
    """Recursive descent over the tokens: or > and > not > atom."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0

    def fail(self, problem: str) -> CheckSyntaxError:
        return CheckSyntaxError(f"check string {self.text!r}: {problem}")

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Check:
        if not self.tokens:
            return Check("@")
        check = self.expr()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected {self.tokens[self.pos][1]!r} (missing 'and'/'or'?)")
        return check

    def expr(self) -> Check:
        parts = [self.conjunction()]
        while self.peek() == "or":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Check("or", children=tuple(parts))

    def conjunction(self) -> Check:
        parts = [self.unary()]
        while self.peek() == "and":
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else Check("and", children=tuple(parts))

    def unary(self) -> Check:
        if self.peek() == "not":
            self.take()
            return Check("not", children=(self.unary(),))
        return self.atom()

    def atom(self) -> Check:
        kind = self.peek()
        if kind is None:
            raise self.fail("ends where a check was expected")
        _, text = self.take()
        if kind == "(":
            inner = self.expr()
            if self.peek() != ")":
                raise self.fail("a '(' is not closed")
            self.take()
            return inner
        if kind != "check":
            raise self.fail(f"{text!r} where a check was expected")
        return _single(text, self)


def _single(text: str, parser: _Parser) -> Check:
    if text in ("@", "!"):
        return Check(text)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        raise parser.fail(f"{text!r}: a quoted string is not a check")
    kind, sep, match = text.partition(":")
    if not sep or not kind:
        raise parser.fail(f"{text!r} is not a check (write kind:match, e.g. role:admin)")
    if kind in ("http", "https"):
        raise parser.fail(f"{text!r}: remote http checks need the oslo.policy adapter")
    if kind == "rule" and not match:
        raise parser.fail("'rule:' needs a rule name")
    if kind in ("rule", "role"):
        return Check(kind, kind, match)
    return Check("generic", kind, match)


def parse(text: str) -> Check:
    """Parse a check string; :class:`CheckSyntaxError` says what is wrong."""
    if not isinstance(text, str):
        raise CheckSyntaxError(f"check string {text!r}: must be a string")
    return _Parser(text).parse()


def rule_references(check: Check) -> set[str]:
    """The rule names a check refers to with ``rule:``."""
    if check.kind == "rule":
        return {check.match}
    found: set[str] = set()
    for child in check.children:
        found |= rule_references(child)
    return found


_KEY_REFERENCE = re.compile(r"%\(([^)]*)\)")


def _match_keys(match: str) -> frozenset[str] | None:
    """The target keys a MATCH formats; ``None`` when it may read the whole target.

    ``%(name)s`` references read one key each; any other ``%`` (``%s`` formats the
    target mapping itself, ``%%`` is an escape) gives up and says ``None``.
    """
    if "%" not in match:
        return frozenset()
    names = _KEY_REFERENCE.findall(match)
    if "%" in _KEY_REFERENCE.sub("", match):
        return None
    return frozenset(names)


def target_keys(check: Check, rule_keys: Callable[[str], frozenset[str] | None]
                ) -> frozenset[str] | None:
    """The target keys evaluating ``check`` can read, or ``None`` for "any of them".

    ``rule_keys(name)`` answers for a ``rule:NAME`` reference. Callers that build a
    target per request use this to build only what the rule looks at.
    """
    kind = check.kind
    if kind in ("@", "!"):
        return frozenset()
    if kind == "rule":
        return rule_keys(check.match)
    if check.children:
        found: set[str] = set()
        for child in check.children:
            keys = target_keys(child, rule_keys)
            if keys is None:
                return None
            found |= keys
        return frozenset(found)
    return _match_keys(check.match)


# --- compiling ---------------------------------------------------------------------------


def compile_check(check: Check, rules: Mapping[str, Evaluator], default: str | None = None,
                  resolve: Callable[[str], Evaluator | None] | None = None) -> Evaluator:
    """A closure ``(target, creds) -> bool``; ``rules`` is read at call time (overrides).

    ``resolve(name)``, when given, may answer a ``rule:NAME`` reference now, with the
    evaluator it will always mean (an :class:`~carya.api.enforcer.Enforcer` compiles every
    rule again on any change, so it can): the reference then costs no lookup per call.
    """
    kind = check.kind
    if kind == "@":
        return _allow
    if kind == "!":
        return _deny
    if kind == "not":
        inner = compile_check(check.children[0], rules, default, resolve)
        return lambda target, creds: not inner(target, creds)
    if kind in ("and", "or"):
        parts = tuple(compile_check(c, rules, default, resolve) for c in check.children)
        return _conjunction(parts) if kind == "and" else _disjunction(parts)
    if kind == "rule":
        known = resolve(check.match) if resolve is not None else None
        return known if known is not None else _rule_check(check.match, rules, default)
    if kind == "role":
        return _role_check(check.match)
    return _generic_check(check.name, check.match)


def _conjunction(parts: tuple[Evaluator, ...]) -> Evaluator:
    if len(parts) == 2:
        first, second = parts
        return lambda target, creds: first(target, creds) and second(target, creds)

    def every(target: Mapping, creds: Credentials) -> bool:
        for part in parts:
            if not part(target, creds):
                return False
        return True

    return every


def _disjunction(parts: tuple[Evaluator, ...]) -> Evaluator:
    if len(parts) == 2:
        first, second = parts
        return lambda target, creds: first(target, creds) or second(target, creds)

    def some(target: Mapping, creds: Credentials) -> bool:
        for part in parts:
            if part(target, creds):
                return True
        return False

    return some


def _allow(target: Mapping, creds: Credentials) -> bool:
    return True


def _deny(target: Mapping, creds: Credentials) -> bool:
    return False


def _rule_check(name: str, rules: Mapping[str, Evaluator], default: str | None) -> Evaluator:
    def check(target: Mapping, creds: Credentials) -> bool:
        evaluate = rules.get(name)
        if evaluate is None and default is not None:
            evaluate = rules.get(default)
        return evaluate is not None and evaluate(target, creds)

    return check


_MISSING = object()


def _formatter(match: str) -> Callable[[Mapping], Any]:
    """``target -> str`` for a MATCH, or ``_MISSING`` when the target lacks a key."""
    if "%" not in match:
        return lambda target: match

    def format_match(target: Mapping) -> Any:
        try:
            return match % target
        except (KeyError, TypeError, ValueError):
            return _MISSING

    return format_match


def _role_check(match: str) -> Evaluator:
    if "%" not in match:
        wanted = match.lower()

        def role(target: Mapping, creds: Credentials) -> bool:
            roles = creds.roles
            return roles is not None and wanted in roles

        return role
    fmt = _formatter(match)

    def role_from_target(target: Mapping, creds: Credentials) -> bool:
        value = fmt(target)
        roles = creds.roles
        return value is not _MISSING and roles is not None and value.lower() in roles

    return role_from_target


def _literal(kind: str) -> Any:
    try:
        return ast.literal_eval(kind)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _MISSING


def _generic_check(kind: str, match: str) -> Evaluator:
    fmt = _formatter(match)
    literal = _literal(kind)
    if literal is not _MISSING:
        text = str(literal)

        def literal_check(target: Mapping, creds: Credentials) -> bool:
            value = fmt(target)
            return value is not _MISSING and value == text

        return literal_check
    path = tuple(kind.split("."))
    if len(path) == 1 and "%" not in match:  # e.g. is_admin:True, the common case
        key = path[0]

        def constant(target: Mapping, creds: Credentials) -> bool:
            value = creds.data.get(key, _MISSING)
            if value is _MISSING:
                return False
            if isinstance(value, list):
                return any(match == str(item) for item in value)
            return match == str(value)

        return constant

    if len(path) == 1 and _is_key_reference(match):  # project_id:%(project_id)s
        return _same_value(path[0], match[2:-2])

    def generic(target: Mapping, creds: Credentials) -> bool:
        value = fmt(target)
        return value is not _MISSING and _found(creds.data, path, value)

    return generic


def _is_key_reference(match: str) -> bool:
    """``%(name)s`` alone: the target's value, formatted as ``str`` does."""
    return (match.startswith("%(") and match.endswith(")s") and len(match) > 4
            and all(c not in match[2:-2] for c in "%()"))


def _same_value(key: str, target_key: str) -> Evaluator:
    """``key:%(target_key)s`` without building the format string per call (same answers)."""

    def same(target: Mapping, creds: Credentials) -> bool:
        try:
            wanted = str(target[target_key])
        except (KeyError, TypeError, ValueError):
            return False
        try:
            value = creds.data[key]
        except (KeyError, TypeError, IndexError):
            return False
        if isinstance(value, list):
            return any(wanted == str(item) for item in value)
        return wanted == str(value)

    return same


def _found(value: Any, path: tuple[str, ...], match: str) -> bool:
    """oslo's lookup: walk ``path`` into ``value``; lists match when any item does."""
    if not path:
        return match == str(value)
    try:
        value = value[path[0]]
    except (KeyError, TypeError, IndexError):
        return False
    rest = path[1:]
    if isinstance(value, list):
        return any(_found(item, rest, match) for item in value)
    return _found(value, rest, match)
