"""The request shapes every app answers, and what a correct answer looks like.

This module is imported by the driver subprocess of every framework, so it must
not import any framework: it only uses the standard library.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ECHO_PAYLOAD = {"a": 1, "b": [1, 2, 3]}
LOOKUP_SIZES = (10, 100, 1000)
FRAMEWORKS = ("raw", "falcon", "pecan", "carya")


@dataclass(frozen=True)
class Shape:
    """One request and the answer that proves the app routed it correctly.

    ``text`` is compared byte-for-byte, ``json_body`` after parsing (frameworks
    disagree on JSON whitespace, which is not a correctness issue), and
    ``json_body``/``text`` of ``None`` means only the status is checked.
    """

    name: str
    method: str
    path: str
    status: int = 200
    body: bytes = b""
    content_type: str | None = None
    text: str | None = None
    json_body: Any = None


@dataclass
class BuiltApp:
    """A WSGI callable plus the lookup routes it serves, in the order they were added.

    The order matters: shape 6 times the *last* added route, which is the worst
    case for any router that scans its table linearly.
    """

    app: Any
    routes: list[str] = field(default_factory=list)


SHAPES = (
    Shape("static", "GET", "/hello", text="Hello, World!"),
    Shape("param_json", "GET", "/user/42", json_body={"id": "42", "name": "user42"}),
    Shape("rest_get_one", "GET", "/things/7", json_body={"id": "7"}),
    Shape(
        "post_echo",
        "POST",
        "/echo",
        body=json.dumps(ECHO_PAYLOAD).encode(),
        content_type="application/json",
        json_body=ECHO_PAYLOAD,
    ),
    Shape("not_found", "GET", "/does/not/exist", status=404),
)


def route_name(index: int) -> str:
    """Name of the index-th generated lookup route; also the body it answers with."""
    return f"r{index}"


def lookup_shape(path: str) -> Shape:
    """A shape for one generated lookup route: ``GET /rI`` answers ``rI`` as text."""
    name = path.lstrip("/")
    return Shape(f"lookup {name}", "GET", path, text=name)


# Edge requests that are never timed nor required to give a particular answer:
# their responses are only compared between carya and Pecan, because carya
# promises Pecan's behaviour and not just its happy paths.
PROBES = (
    Shape("HEAD /hello", "HEAD", "/hello"),
    Shape("GET /hello/", "GET", "/hello/"),
    Shape("GET /user (missing arg)", "GET", "/user"),
    Shape("GET /user/42/extra", "GET", "/user/42/extra"),
    Shape("GET /things/7.json", "GET", "/things/7.json"),
    Shape("GET /things (no get_all)", "GET", "/things"),
    Shape("POST /things (no post)", "POST", "/things", body=b"{}", content_type="application/json"),
    Shape("DELETE /things/7 (no delete)", "DELETE", "/things/7"),
    Shape("GET /echo (no body)", "GET", "/echo"),
    Shape("POST /echo bad JSON", "POST", "/echo", body=b"{nope", content_type="application/json"),
)
