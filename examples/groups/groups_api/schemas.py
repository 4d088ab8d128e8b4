"""Request bodies of the groups API (seed 003's ``schemas/groups.py``, plus add/update)."""

from __future__ import annotations

# Nova's parameter_types.hostname.
hostname = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": "^[a-zA-Z0-9-._]*$",
}

name = {"type": "string", "minLength": 1, "maxLength": 255}
description = {"type": ["string", "null"], "maxLength": 255}

create = {
    "type": "object",
    "properties": {
        "MyTest": {
            "type": "object",
            "properties": {
                "myhost": hostname,
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}

add_group = {
    "type": "object",
    "properties": {
        "group": {
            "type": "object",
            "properties": {
                "group_id": {"type": "string", "maxLength": 36},
                "name": name,
                "description": description,
            },
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["group"],
    "additionalProperties": False,
}

update = {
    "type": "object",
    "properties": {
        "group": {
            "type": "object",
            "properties": {"name": name, "description": description},
            "additionalProperties": False,
            "minProperties": 1,
        },
    },
    "required": ["group"],
    "additionalProperties": False,
}
