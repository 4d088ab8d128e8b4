"""JSON Schema draft 4 (what ``@validate`` schemas are written in) as OpenAPI 3.1 schemas.

OpenAPI 3.1 schemas are JSON Schema 2020-12. The few draft-4 spellings that
changed meaning are rewritten: boolean ``exclusiveMinimum``/``exclusiveMaximum``
become the numeric bound, a list-valued ``items`` becomes ``prefixItems``, and
``$schema``/``id`` (which would rebase references inside a document) are
dropped. Everything else is copied as it is, so the document describes exactly
what the validator enforces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["from_draft4"]

_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependencies")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_VALUES = ("additionalProperties", "additionalItems", "not", "contains",
                  "propertyNames", "if", "then", "else")


def from_draft4(schema: Any) -> Any:
    """A copy of ``schema`` in JSON Schema 2020-12 terms (inputs are never modified)."""
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("$schema", "id"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {name: _maybe(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [from_draft4(sub) for sub in value]
        elif key in _SCHEMA_VALUES:
            out[key] = from_draft4(value)
        elif key == "items":
            if isinstance(value, list):
                out["prefixItems"] = [from_draft4(sub) for sub in value]
            else:
                out["items"] = from_draft4(value)
        else:
            out[key] = value
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(flag), bool):
            if out.pop(flag) and bound in out:
                out[flag] = out.pop(bound)
    if "additionalItems" in out and "prefixItems" in out:
        out["items"] = out.pop("additionalItems")
    return out


def _maybe(value: Any) -> Any:
    """A ``dependencies`` value may be a list of names, not a schema."""
    return from_draft4(value) if isinstance(value, Mapping) else value
