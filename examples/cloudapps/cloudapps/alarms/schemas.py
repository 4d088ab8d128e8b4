"""JSON schemas of the alarm API's bodies and query strings (checked by ``carya.api.validation``).

What a schema says badly (a query field's form, an action's URL scheme) is
checked again by :func:`problems` with a message naming the field.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from typing import Any

from .rules import OPS, check_field
from .store import STATES

__all__ = ["ALARM_CREATE", "ALARM_UPDATE", "STATE_PUT", "LIST_QUERY", "HISTORY_QUERY",
           "COMPLEX_QUERY", "problems", "with_defaults"]

_ACTIONS = {"type": "array", "maxItems": 10, "items": {"type": "string", "minLength": 1,
                                                       "maxLength": 2048}}
_QUERY_ITEM = {
    "type": "object",
    "required": ["field", "value"],
    "additionalProperties": False,
    "properties": {
        "field": {"type": "string", "minLength": 1, "maxLength": 255},
        "op": {"enum": sorted(OPS)},
        "value": {"type": ["string", "number", "boolean", "null"]},
        "type": {"enum": ["string", "integer", "float", "boolean", ""]},  # Aodh's; informative
    },
}
_EVENT_RULE = {
    "type": "object",
    "required": ["event_type"],
    "additionalProperties": False,
    "properties": {
        "event_type": {"type": "string", "minLength": 1, "maxLength": 255},
        "query": {"type": "array", "maxItems": 50, "items": _QUERY_ITEM},
    },
}
#: Aodh's time constraint; ``start`` is a cron expression (5 or 6 fields).
_TIME_CONSTRAINT = {
    "type": "object",
    "required": ["name", "start", "duration"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": {"type": "string", "maxLength": 1024},
        "start": {"type": "string", "pattern": r"^\s*\S+(\s+\S+){4,5}\s*$", "maxLength": 255},
        # an integer; the aodh CLI sends its text (WSME converts it in Aodh)
        "duration": {"type": ["integer", "string"], "minimum": 0, "pattern": "^[0-9]+$",
                     "maxLength": 10},
        "timezone": {"type": "string", "maxLength": 255},
    },
}
_PROPERTIES = {
    "name": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": {"type": "string", "maxLength": 4096},
    "type": {"enum": ["event"]},
    "enabled": {"type": "boolean"},
    "severity": {"enum": ["low", "moderate", "critical"]},
    "state": {"enum": list(STATES)},
    "event_rule": _EVENT_RULE,
    "alarm_actions": _ACTIONS,
    "ok_actions": _ACTIONS,
    "insufficient_data_actions": _ACTIONS,
    "repeat_actions": {"type": "boolean"},
    "time_constraints": {"type": "array", "maxItems": 20, "items": _TIME_CONSTRAINT},
}
#: Keys of the alarm document a client may send back unchanged in a PUT (ignored there).
_READ_ONLY = {key: {"type": ["string", "null"], "maxLength": 255} for key in (
    "id", "alarm_id", "state_reason", "state_timestamp", "timestamp", "created_at",
    "project_id", "user_id")}
_READ_ONLY["state_reason"] = {"type": ["string", "null"], "maxLength": 4096}
ALARM_CREATE = {"type": "object", "required": ["name", "type", "event_rule"],
                "additionalProperties": False, "properties": _PROPERTIES}
#: ``PUT /v2/alarms/{id}``: the whole document, as aodhclient sends it back (Aodh's PUT).
ALARM_UPDATE = {"type": "object", "required": ["name", "type", "event_rule"],
                "additionalProperties": False, "properties": {**_PROPERTIES, **_READ_ONLY}}
STATE_PUT = {
    "oneOf": [
        {"enum": list(STATES)},
        {"type": "object", "required": ["state"], "additionalProperties": False,
         "properties": {"state": {"enum": list(STATES)},
                        "reason": {"type": "string", "maxLength": 1024}}},
    ],
}
_TEXTS = {"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 255}}
_ONE_NUMBER = {"type": "array", "maxItems": 1, "items": {"type": "string", "pattern": "^[0-9]+$"}}
_PAGING = {"q.field": _TEXTS, "q.op": _TEXTS, "q.value": _TEXTS, "q.type": _TEXTS,
           "limit": _ONE_NUMBER, "sort": _TEXTS,
           "marker": {"type": "array", "maxItems": 1, "items": {"type": "string"}}}
LIST_QUERY = {
    "type": "object",
    "properties": {
        "state": {"type": "array", "maxItems": 1, "items": {"enum": list(STATES)}},
        "name": {"type": "array", "maxItems": 1, "items": {"type": "string"}},
        "enabled": {"type": "array", "maxItems": 1, "items": {"enum": ["true", "false"]}},
        **_PAGING,
    },
    "additionalProperties": False,
}
HISTORY_QUERY = {"type": "object", "properties": _PAGING, "additionalProperties": False}
#: ``POST /v2/query/alarms``: Aodh's complex query (``filter``/``orderby`` are JSON text).
COMPLEX_QUERY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "filter": {"type": ["string", "object", "null"], "maxLength": 10000},
        "orderby": {"type": ["string", "array", "null"], "maxLength": 2000},
        "limit": {"type": ["integer", "null"], "minimum": 1},
    },
}


def problems(body: Mapping[str, Any]) -> list[str]:
    """What the schema cannot say well: query fields and action URL schemes."""
    out = []
    for n, condition in enumerate((body.get("event_rule") or {}).get("query") or ()):
        why = check_field(condition["field"])
        if why:
            out.append(f"event_rule/query/{n}/field: {why}")
    names = [tc["name"] for tc in body.get("time_constraints") or ()]
    if len(set(names)) != len(names):
        out.append("time_constraints: names must be unique")
    for n, constraint in enumerate(body.get("time_constraints") or ()):
        zone = constraint.get("timezone")
        if zone:
            try:
                zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                out.append(f"time_constraints/{n}/timezone: {zone!r} is not a known timezone")
    for key in ("alarm_actions", "ok_actions", "insufficient_data_actions"):
        for n, url in enumerate(body.get(key) or ()):
            scheme, sep, rest = url.partition("://")
            if not sep or scheme not in ("http", "https", "log") or \
                    (scheme != "log" and not rest.split("/")[0]):
                out.append(f"{key}/{n}: {url!r} is not an http://, https:// or log:// URL")
    return out


def with_defaults(body: dict) -> dict:
    """The body with Aodh's defaults in each time constraint (description, timezone) and
    each ``duration`` an integer."""
    constraints = body.get("time_constraints")
    if not constraints:
        return body
    filled = [{"description": f"Time constraint at {tc['start']} lasting for "
               f"{tc['duration']} seconds", "timezone": "", **tc,
               "duration": int(tc["duration"])} for tc in constraints]
    return {**body, "time_constraints": filled}
