"""What every implementation serves: one Nova-style ``servers`` resource.

Each request goes through routing (``/{project_id}/servers...``), the JSON body,
a JSON Schema, a policy rule (``rule:admin_or_owner``) and a JSON response,
with the caller's identity already in the environ (as keystonemiddleware and a
context middleware would leave it). The controller logic is trivial and the
same everywhere, so the figures compare the API machinery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from carya.middleware.auth import RequestContext

CONTEXT = RequestContext(user_id="u1", project_id="p1", roles=["member"], is_admin=False)
CONTEXT_KEY = "carya.auth_context"

RULES = {
    "admin_or_owner": "is_admin:True or project_id:%(project_id)s",
    "os_compute_api:servers:create": "rule:admin_or_owner",
    "os_compute_api:servers:show": "rule:admin_or_owner",
    "os_compute_api:servers:reboot": "rule:admin_or_owner",
}

CREATE = {
    "type": "object",
    "properties": {
        "server": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255},
                "flavorRef": {"type": ["string", "integer"], "minLength": 1},
                "imageRef": {"type": "string", "maxLength": 36},
                "metadata": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "maxLength": 255},
                },
                "min_count": {"type": "integer", "minimum": 1},
            },
            "required": ["name", "flavorRef"],
            "additionalProperties": False,
        },
    },
    "required": ["server"],
    "additionalProperties": False,
}

REBOOT = {
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


def created(body: dict) -> dict:
    server = body["server"]
    return {"server": {"id": "3f1c9e2a", "name": server["name"],
                       "links": [{"rel": "self", "href": "/servers/3f1c9e2a"}]}}


def shown(server_id: str) -> dict:
    return {"server": {"id": server_id, "name": "web-1", "status": "ACTIVE",
                       "flavor": {"id": "1"}, "metadata": {"tier": "web"}}}


@dataclass(frozen=True)
class Shape:
    name: str
    method: str
    path: str
    body: bytes
    status: int
    expected: dict | None  # the JSON answer, or None for an empty body / error


CREATE_BODY = {"server": {"name": "web-1", "flavorRef": "1",
                          "imageRef": "70a599e0-31e7-49b7-b260-868f441e862b",
                          "metadata": {"tier": "web"}, "min_count": 1}}

SHAPES = [
    Shape("create (POST + body)", "POST", "/p1/servers", json.dumps(CREATE_BODY).encode(),
          202, created(CREATE_BODY)),
    Shape("action (body-keyed)", "POST", "/p1/servers/abc/action",
          json.dumps({"reboot": {"type": "SOFT"}}).encode(), 202, None),
    Shape("show (GET)", "GET", "/p1/servers/abc", b"", 200, shown("abc")),
    Shape("invalid body (400)", "POST", "/p1/servers",
          json.dumps({"server": {"name": 5, "flavorRef": "1"}}).encode(), 400, None),
]
