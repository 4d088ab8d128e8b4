"""Aodh's query languages over the alarm and history tables, as SQLAlchemy expressions.

- **Simple queries** (``GET /v2/alarms?q.field=state&q.op=eq&q.value=ok``,
  repeated triples AND-ed; ``op`` defaults to ``eq``), with ``limit`` and
  ``sort=<key>[:asc|desc]`` (repeatable), as aodhclient's ``alarm list
  --filter/--limit/--sort`` sends them.
- **Complex queries** (``POST /v2/query/alarms`` with ``{"filter": "<JSON>",
  "orderby": "<JSON>", "limit": N}``), what ``aodh alarm list --query`` and the
  name look-up of ``aodh alarm show <name>`` send: ``{"=": {"name": "x"}}``,
  ``{"and": [...]}``, ``{"or": [...]}``, ``{"not": {...}}``, ``{"in": {"state":
  [...]}}``, comparisons ``= != < <= =< > >= =>``.

A :class:`Fields` table says which document keys are queryable and how their
text converts; anything else is a :class:`QueryError`, which the API turns into
a 400 naming the key, never a database error.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, not_, or_
from sqlalchemy.sql import ColumnElement

from . import db

__all__ = ["QueryError", "Fields", "ALARM_FIELDS", "HISTORY_FIELDS", "simple_filters",
           "sort_order", "parse_limit", "complex_filter", "complex_order"]

_SIMPLE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt,
    "le": operator.le, "gt": operator.gt, "ge": operator.ge,
}
_COMPLEX_OPS = {"=": "eq", "!=": "ne", "<": "lt", "<=": "le", "=<": "le", ">": "gt",
                ">=": "ge", "=>": "ge"}
_MAX_LIMIT = 1000


class QueryError(ValueError):
    """A query the API refuses (the message says why, for the 400)."""


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise QueryError(f"{value!r} is not a boolean (true or false)")


@dataclass(frozen=True)
class Fields:
    """Queryable keys of one document: key -> (column, converter); sortable keys."""

    what: str
    columns: Mapping[str, tuple[Any, Callable[[Any], Any]]]
    sortable: Mapping[str, Any]
    ignored: frozenset[str] = frozenset()

    def column(self, key: str) -> tuple[Any, Callable[[Any], Any]]:
        try:
            return self.columns[key]
        except KeyError:
            raise QueryError(f"Unknown argument: {key!r} is not a queryable {self.what} "
                             f"field (one of {', '.join(sorted(self.columns))})") from None


_a = db.alarms.c
ALARM_FIELDS = Fields(
    "alarm",
    {"alarm_id": (_a.id, str), "id": (_a.id, str), "name": (_a.name, str),
     "description": (_a.description, str), "type": (_a.type, str),
     "state": (_a.state, str), "severity": (_a.severity, str),
     "enabled": (_a.enabled, _boolean), "repeat_actions": (_a.repeat_actions, _boolean),
     "project_id": (_a.project_id, str), "user_id": (_a.user_id, str)},
    {"alarm_id": _a.id, "name": _a.name, "type": _a.type, "state": _a.state,
     "severity": _a.severity, "enabled": _a.enabled, "project_id": _a.project_id,
     "user_id": _a.user_id, "timestamp": _a.updated_at,
     "state_timestamp": _a.state_timestamp},
    # aodhclient's --filter all_projects=true: every project is visible here anyway
    frozenset({"all_projects"}),
)
_h = db.history.c
HISTORY_FIELDS = Fields(
    "alarm history",
    {"alarm_id": (_h.alarm_id, str), "type": (_h.type, str)},
    {"timestamp": _h.id, "type": _h.type},
)


def _condition(fields: Fields, key: str, op: str, value: Any) -> ColumnElement:
    column, convert = fields.column(key)
    try:
        converted = convert(value)
    except (TypeError, ValueError) as error:
        raise QueryError(f"{key}: {error}") from None
    return _SIMPLE_OPS[op](column, converted)


def simple_filters(params: Any, fields: Fields) -> list[ColumnElement]:
    """The ``q.field/q.op/q.value`` triples of a query string (a WebOb MultiDict)."""
    names, ops, values = (params.getall(f"q.{part}") for part in ("field", "op", "value"))
    if len(values) != len(names) or (ops and len(ops) != len(names)):
        raise QueryError("q.field, q.op and q.value must come in complete sets "
                         f"(got {len(names)} fields, {len(ops)} ops, {len(values)} values)")
    out = []
    for n, (key, value) in enumerate(zip(names, values, strict=True)):
        op = ops[n] if ops else "eq"
        if op not in _SIMPLE_OPS:
            raise QueryError(f"q.op {op!r} is not one of {', '.join(_SIMPLE_OPS)}")
        if key in fields.ignored:
            continue
        out.append(_condition(fields, key, op, value))
    return out


def sort_order(params: Any, fields: Fields) -> list[Any]:
    """``sort=<key>[:asc|desc]`` (repeatable) as ORDER BY terms."""
    out = []
    for text in params.getall("sort"):
        key, _, direction = text.partition(":")
        direction = direction or "asc"
        if key not in fields.sortable:
            raise QueryError(f"sort key {key!r} is not one of "
                             f"{', '.join(sorted(fields.sortable))}")
        if direction not in ("asc", "desc"):
            raise QueryError(f"sort direction {direction!r} is not asc or desc")
        column = fields.sortable[key]
        out.append(column.desc() if direction == "desc" else column.asc())
    return out


def parse_limit(value: Any) -> int | None:
    """A positive ``limit`` (capped at 1000), or ``None`` when absent."""
    if value is None or value == "":
        return None
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise QueryError(f"limit {value!r} is not an integer") from None
    if limit < 1:
        raise QueryError(f"limit must be a positive integer, not {limit}")
    return min(limit, _MAX_LIMIT)


def _load(text: Any, what: str) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError as error:
        raise QueryError(f"{what} is not valid JSON: {error}") from None


def complex_filter(text: Any, fields: Fields) -> ColumnElement | None:
    """A complex query's ``filter`` (JSON text or already decoded) as one condition."""
    if text is None or text == "" or text == {}:
        return None
    return _expression(_load(text, "filter"), fields)


def _expression(node: Any, fields: Fields) -> ColumnElement:
    if not isinstance(node, Mapping) or len(node) != 1:
        raise QueryError(f"a filter expression is an object with one operator, not {node!r}")
    (op, arg), = node.items()
    op = op.lower()
    if op in ("and", "or"):
        if not isinstance(arg, Sequence) or isinstance(arg, str) or len(arg) < 2:
            raise QueryError(f"{op!r} takes a list of at least two expressions")
        parts = [_expression(item, fields) for item in arg]
        return and_(*parts) if op == "and" else or_(*parts)
    if op == "not":
        return not_(_expression(arg, fields))
    if not isinstance(arg, Mapping) or len(arg) != 1:
        raise QueryError(f"{op!r} takes an object with one field, not {arg!r}")
    (key, value), = arg.items()
    if op == "in":
        if not isinstance(value, list) or not value:
            raise QueryError(f"'in' takes a non-empty list of values for {key!r}")
        column, convert = fields.column(key)
        try:
            return column.in_([convert(v) for v in value])
        except (TypeError, ValueError) as error:
            raise QueryError(f"{key}: {error}") from None
    if op not in _COMPLEX_OPS:
        raise QueryError(f"operator {op!r} is not one of and, or, not, in, "
                         + ", ".join(_COMPLEX_OPS))
    return _condition(fields, key, _COMPLEX_OPS[op], value)


def complex_order(text: Any, fields: Fields) -> list[Any]:
    """A complex query's ``orderby``: a JSON list of ``{"<key>": "asc"|"desc"}``."""
    if text is None or text == "":
        return []
    items = _load(text, "orderby")
    if not isinstance(items, list):
        raise QueryError("orderby is a list of {\"<field>\": \"asc\"|\"desc\"} objects")
    out = []
    for item in items:
        if not isinstance(item, Mapping) or len(item) != 1:
            raise QueryError(f"orderby item {item!r} is not a one-key object")
        (key, direction), = item.items()
        if key not in fields.sortable:
            raise QueryError(f"orderby field {key!r} is not one of "
                             f"{', '.join(sorted(fields.sortable))}")
        if str(direction).lower() not in ("asc", "desc"):
            raise QueryError(f"orderby direction {direction!r} is not asc or desc")
        column = fields.sortable[key]
        out.append(column.desc() if str(direction).lower() == "desc" else column.asc())
    return out
