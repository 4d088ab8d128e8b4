"""Request bodies of the cloud API (JSON Schema draft 4, as Nova's ``schemas/``)."""

from __future__ import annotations

name = {"type": "string", "minLength": 1, "maxLength": 255,
        "pattern": "^(?! )[^\\x00-\\x1f]*(?<! )$"}
ref = {"type": ["string", "integer"], "minLength": 1, "maxLength": 255}
metadata = {
    "type": "object",
    "patternProperties": {"^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
    "maxProperties": 128,
}

#: Nova's positive integer: a JSON integer or a string of digits, at least 1.
count = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1, "minLength": 1}
#: Nova's boolean parameter: JSON booleans and the strings oslo's strutils accepts.
boolean = {"enum": [True, False, "true", "false", "True", "False", "TRUE", "FALSE",
                    "1", "0", "yes", "no", "on", "off", "y", "n", "t", "f"]}

create = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": name,
                "imageRef": ref,
                "flavorRef": ref,
                "metadata": metadata,
                # what python-novaclient always sends, and Nova's multi-create
                "min_count": count,
                "max_count": count,
                "return_reservation_id": boolean,
                "adminPass": {"type": "string", "maxLength": 255},
                "availability_zone": {"type": "string", "minLength": 1, "maxLength": 255},
                "OS-DCF:diskConfig": {"enum": ["AUTO", "MANUAL"]},
            },
            "required": ["name", "imageRef", "flavorRef"],
            "additionalProperties": False,
        },
    },
    "required": ["server"],
    "additionalProperties": False,
}

reboot = {
    "type": "object",
    "properties": {
        "reboot": {
            "type": "object",
            "properties": {"type": {"enum": ["HARD", "Hard", "hard", "SOFT", "Soft", "soft"]}},
            "required": ["type"],
            "additionalProperties": False,
        },
    },
    "required": ["reboot"],
    "additionalProperties": False,
}


def _no_argument(key: str) -> dict:
    return {
        "type": "object",
        "properties": {key: {"type": "null"}},
        "required": [key],
        "additionalProperties": False,
    }


stop = _no_argument("os-stop")
start = _no_argument("os-start")

create_image = {
    "type": "object",
    "properties": {
        "createImage": {
            "type": "object",
            "properties": {"name": name, "metadata": metadata},
            "required": ["name"],
            "additionalProperties": False,
        },
    },
    "required": ["createImage"],
    "additionalProperties": False,
}
