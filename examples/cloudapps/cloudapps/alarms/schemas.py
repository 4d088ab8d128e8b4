"""JSON schemas of the alarm API's bodies and query strings (checked by ``carya.api.validation``).

What a schema says badly (a query field's form, an action's URL scheme) is
checked again by :func:`problems` with a message naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .rules import OPS, check_field
from .store import STATES

__all__ = ["ALARM_CREATE", "ALARM_UPDATE", "STATE_PUT", "LIST_QUERY", "problems"]

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
}
ALARM_CREATE = {"type": "object", "required": ["name", "type", "event_rule"],
                "additionalProperties": False, "properties": _PROPERTIES}
ALARM_UPDATE = {"type": "object", "minProperties": 1, "additionalProperties": False,
                "properties": _PROPERTIES}
STATE_PUT = {
    "oneOf": [
        {"enum": list(STATES)},
        {"type": "object", "required": ["state"], "additionalProperties": False,
         "properties": {"state": {"enum": list(STATES)},
                        "reason": {"type": "string", "maxLength": 1024}}},
    ],
}
LIST_QUERY = {
    "type": "object",
    "properties": {
        "state": {"type": "array", "maxItems": 1, "items": {"enum": list(STATES)}},
        "name": {"type": "array", "maxItems": 1, "items": {"type": "string"}},
        "enabled": {"type": "array", "maxItems": 1, "items": {"enum": ["true", "false"]}},
    },
    "additionalProperties": False,
}


def problems(body: Mapping[str, Any]) -> list[str]:
    """What the schema cannot say well: query fields and action URL schemes."""
    out = []
    for n, condition in enumerate((body.get("event_rule") or {}).get("query") or ()):
        why = check_field(condition["field"])
        if why:
            out.append(f"event_rule/query/{n}/field: {why}")
    for key in ("alarm_actions", "ok_actions", "insufficient_data_actions"):
        for n, url in enumerate(body.get(key) or ()):
            scheme, sep, rest = url.partition("://")
            if not sep or scheme not in ("http", "https", "log") or \
                    (scheme != "log" and not rest.split("/")[0]):
                out.append(f"{key}/{n}: {url!r} is not an http://, https:// or log:// URL")
    return out
