"""The request shapes every app answers, and what a correct answer looks like.

This module is imported by the driver subprocess of every framework, so it must
not import any framework: it only uses the standard library.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ECHO_PAYLOAD = {"a": 1, "b": [1, 2, 3]}
TOKEN = "gAAAAABk-token-7f3a"
CREATE_PAYLOAD = {"name": "web-1", "flavor": "m1.small", "metadata": {"tier": "web"}}
CREATED_ID = "3f1c9e2a"
REQUEST_ID = "req-5d1e0c2b"
BOOK_PAYLOAD = {"id": "9", "title": "Dune", "year": 1965}
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
    headers: tuple[tuple[str, str], ...] = ()
    location: str | None = None
    response_headers: tuple[tuple[str, str], ...] = ()  # each must be in the answer
    only: tuple[str, ...] | None = None
    group: str = "core"
    extra_environ: tuple[tuple[str, Any], ...] = ()

    def serves(self, framework: str) -> bool:
        """Whether ``framework`` has an app for this shape (WSME: Pecan and carya only)."""
        return self.only is None or framework in self.only


@dataclass
class BuiltApp:
    """A WSGI callable plus the lookup routes it serves, in the order they were added.

    The order matters: shape 6 times the *last* added route, which is the worst
    case for any router that scans its table linearly.
    """

    app: Any
    routes: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # shape name -> why not served


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
    # What OpenStack handlers actually do: read a header, parse the body, set a
    # status and a Location (issue 12). All RestController methods.
    Shape(
        "header_read",
        "GET",
        "/tokens/7",
        headers=(("X-Auth-Token", TOKEN),),
        json_body={"id": "7", "token": TOKEN},
    ),
    Shape(
        "hooks",
        "GET",
        "/hooked/7",  # a context hook (before) and a request-id hook (after), per controller
        headers=(("X-Auth-Token", TOKEN),),
        json_body={"id": "7", "token": TOKEN},
        response_headers=(("X-OpenStack-Request-Id", REQUEST_ID),),
    ),
    Shape(
        "abort_404",
        "GET",
        "/gone/7",  # a deleted server: clients poll until they see this
        status=404,
        headers=(("Accept", "application/json"),),
    ),
    Shape("rest_delete", "DELETE", "/volumes/7", status=204),
    Shape(
        "list_query",
        "GET",
        "/flavors?limit=10&marker=m1.small",  # a paginated list, as Nova's clients ask
        json_body={"flavors": [], "limit": "10", "marker": "m1.small"},
    ),
    Shape(
        "rest_post",
        "POST",
        "/items",
        status=201,
        body=json.dumps(ECHO_PAYLOAD).encode(),
        content_type="application/json",
        json_body=ECHO_PAYLOAD,
    ),
    Shape(
        "create",
        "POST",
        "/servers",
        status=201,
        body=json.dumps(CREATE_PAYLOAD).encode(),
        content_type="application/json",
        # what OpenStack's clients send with every request (python-novaclient, keystoneauth)
        headers=(("X-Auth-Token", TOKEN), ("Accept", "application/json")),
        location="http://localhost/servers/" + CREATED_ID,
        json_body={"server": {"id": CREATED_ID, "name": "web-1", "owner": TOKEN}},
    ),
    # WSME's wsexpose on RestController methods: Pecan, and carya through its
    # ``pecan`` import alias (carya.compat.alias) when that is available.
    Shape(
        "wsme_get",
        "GET",
        "/books/9",
        json_body=BOOK_PAYLOAD,
        only=("pecan", "carya"),
        group="wsme",
    ),
    Shape(
        "wsme_create",
        "POST",
        "/books",
        status=201,
        body=json.dumps(BOOK_PAYLOAD).encode(),
        content_type="application/json",
        json_body=BOOK_PAYLOAD,
        only=("pecan", "carya"),
        group="wsme",
    ),
)

#: Shapes whose Pecan handler is a RestController method: carya >= 50x Pecan there.
REST_SHAPES = ("rest_get_one", "header_read", "hooks", "abort_404", "rest_delete", "list_query",
               "rest_post", "create", "wsme_get", "wsme_create")


def created_server(token: str | None, body: dict) -> dict:
    """The "create" shape's answer, written once for every app."""
    return {"server": {"id": CREATED_ID, "name": body["name"], "owner": token}}


API_SHAPES = ("api_create", "api_action", "api_show")


def api_shapes() -> tuple[Shape, ...]:
    """carya.api vs hand-written Falcon: the served shapes of ``benchmarks.api``.

    Built on demand because the scenario imports carya (the caller's identity
    object); only the Falcon and carya drivers call this.
    """
    from benchmarks.api import scenario

    by_name = {"create": "api_create", "action": "api_action", "show": "api_show"}
    shapes = []
    for shape in scenario.SHAPES:
        name = by_name.get(shape.name.split()[0])
        if name is None:
            continue
        shapes.append(Shape(
            name, shape.method, shape.path, status=shape.status, body=shape.body,
            content_type="application/json" if shape.body else None,
            headers=(("Accept", "application/json"),),
            json_body=shape.expected,
            text="" if shape.expected is None else None,
            only=("falcon", "carya"),
            group="api",
            extra_environ=((scenario.CONTEXT_KEY, scenario.CONTEXT),),
        ))
    return tuple(shapes)


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
