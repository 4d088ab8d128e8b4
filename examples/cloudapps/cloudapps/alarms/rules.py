"""Event rules: does a notification match an alarm's ``event_rule``?

An event rule (Aodh's ``event_rule``) is ``{"event_type": <glob>, "query":
[{"field", "op", "value"}, ...]}``: the event type matches the glob
(:func:`fnmatch.fnmatchcase`, so ``deployment.*.error``), and every query
condition holds (AND). A rule is compiled once (:func:`compile_rule`) into a
predicate over the event dict the evaluator builds (:func:`event_of`).

Fields: ``event_type``, ``publisher_id``, ``priority``, ``message_id``,
``timestamp``, ``payload.<key>[.<key>...]``, and ``traits.<name>`` (Aodh's
traits; here the payload's top-level keys, as Ceilometer's default event
definitions map them). A field the event lacks makes its condition false,
``ne`` included: an alarm never fires on what it cannot see.

Comparisons: numbers compare as numbers (a numeric string in the event
compares with a number in the query), otherwise as strings; ``eq``/``ne``
between a string and a number compare their text. Values that cannot be
ordered (a word against a number) make ``lt``/``le``/``gt``/``ge`` false
rather than an error.
"""

from __future__ import annotations

import fnmatch
import operator
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["OPS", "FIELD_ROOTS", "compile_rule", "event_of", "field_value", "check_field"]

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt,
    "le": operator.le, "gt": operator.gt, "ge": operator.ge,
}
#: Fields that are the event's own; anything else must start with ``payload.``/``traits.``.
FIELD_ROOTS = ("event_type", "publisher_id", "priority", "message_id", "timestamp")
_MISSING = object()


def check_field(field: str) -> str | None:
    """Why ``field`` cannot be queried (None when it can)."""
    if field in FIELD_ROOTS:
        return None
    head, dot, rest = field.partition(".")
    if head in ("payload", "traits") and dot and rest and "" not in rest.split("."):
        return None
    return (f"query field {field!r} is not one of {', '.join(FIELD_ROOTS)}, "
            "payload.<key>[.<key>...] or traits.<name>")


def event_of(priority: str, publisher_id: str, event_type: str, payload: Any,
             metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """The event as alarms see it (and as a webhook receives it)."""
    metadata = metadata or {}
    return {"message_id": metadata.get("message_id"), "event_type": event_type,
            "publisher_id": publisher_id, "priority": priority,
            "timestamp": metadata.get("timestamp"), "payload": payload}


def field_value(event: Mapping[str, Any], field: str) -> Any:
    """The value of ``field`` in ``event``, or ``_MISSING``."""
    if field in FIELD_ROOTS:
        return event.get(field, _MISSING)
    head, _, rest = field.partition(".")
    value: Any = event.get("payload")
    for key in rest.split(".") if head == "payload" else [rest]:
        if not isinstance(value, Mapping) or key not in value:
            return _MISSING
        value = value[key]
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if actual is _MISSING:
        return False
    compare = OPS[op]
    if isinstance(expected, bool) or isinstance(actual, bool) or actual is None \
            or expected is None:
        return op in ("eq", "ne") and compare(actual, expected)
    if isinstance(expected, (int, float)) or isinstance(actual, (int, float)):
        a, b = _number(actual), _number(expected)
        if a is not None and b is not None:
            return compare(a, b)
        if op not in ("eq", "ne"):
            return False  # "error" > 1 is no answer, not a match
    if isinstance(actual, (dict, list)) or isinstance(expected, (dict, list)):
        return op in ("eq", "ne") and compare(actual, expected)
    return compare(str(actual), str(expected))


def compile_rule(rule: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate over an event for ``rule`` (already validated by the API)."""
    pattern = rule.get("event_type") or "*"
    conditions = [(q["field"], q.get("op") or "eq", q.get("value"))
                  for q in rule.get("query") or ()]

    def matches(event: Mapping[str, Any]) -> bool:
        if not fnmatch.fnmatchcase(str(event.get("event_type", "")), pattern):
            return False
        return all(_compare(op, field_value(event, field), value)
                   for field, op, value in conditions)

    return matches
