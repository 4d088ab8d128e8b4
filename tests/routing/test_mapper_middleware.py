"""``RoutesMiddleware``: the environ it hands to the app is the one Routes' middleware sets.

The same requests go through ``routes.middleware.RoutesMiddleware`` and
carya's, each wrapping an app that records what it was given; then a
Nova-style router is served by waitress on loopback and driven over HTTP.
"""

from __future__ import annotations

import json
import sys

import pytest
import routes
import routes.middleware
import webob
import webob.dec
import webob.exc

import carya.mapper
from tests.support import ROOT, fetch, free_port, running

MIDDLEWARE = {"routes": routes.middleware.RoutesMiddleware,
              "carya": carya.mapper.RoutesMiddleware}


def build(M):
    m = M()
    m.resource("message", "messages", member={"mark": "POST"})
    m.connect("mount", "/app/*path_info", controller="app", action="mount")
    m.redirect("/old/{id}", "/messages/{id}", _redirect_code="301 Moved Permanently")
    return m


def recorder(seen: list):
    def app(environ, start_response):
        url_gen, match = environ["wsgiorg.routing_args"]
        route = environ["routes.route"]
        seen.append({
            "match": match,
            "route": route.routepath if route else None,
            "method": environ["REQUEST_METHOD"],
            "path_info": environ["PATH_INFO"],
            "script_name": environ["SCRIPT_NAME"],
            "url": url_gen("message", id=7),
            "same_url": environ["routes.url"] is url_gen,
            "current": environ["routes.url"].current() if match else None,
        })
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    return app


REQUESTS = [
    ("GET", "/messages/1", None, None),
    ("GET", "/messages", None, None),
    ("POST", "/messages/1?_method=PUT", None, None),
    ("POST", "/messages/1", "_method=delete", "application/x-www-form-urlencoded"),
    ("POST", "/messages/1/mark", "a=1", "application/x-www-form-urlencoded"),
    ("GET", "/nothing/here", None, None),
    ("GET", "/app/some/where", None, None),
    ("GET", "/app/", None, None),
    ("GET", "/old/5", None, None),
]


def drive(kind: str, singleton: bool, script_name: str = "") -> list:
    seen: list = []
    M = routes.Mapper if kind == "routes" else carya.mapper.Mapper
    app = MIDDLEWARE[kind](recorder(seen), build(M), singleton=singleton)
    answers = []
    for method, path, body, ctype in REQUESTS:
        req = webob.Request.blank(path, method=method, script_name=script_name)
        if body is not None:
            req.body = body.encode()
            req.content_type = ctype
        resp = req.get_response(app)
        answers.append((resp.status, resp.headers.get("Location"), resp.body))
    return [answers, seen]


@pytest.mark.parametrize("singleton", [True, False])
@pytest.mark.parametrize("script_name", ["", "/v2"])
def test_environ_is_routes(singleton, script_name):
    expected = drive("routes", singleton, script_name)
    got = drive("carya", singleton, script_name)
    assert got == expected
    answers, seen = got
    assert answers[-1][0] == "301 Moved Permanently"
    assert answers[-1][1] == f"{script_name}/messages/5"
    assert seen[0]["match"] == {"id": "1", "controller": "messages", "action": "show"}
    assert seen[2]["match"]["action"] == "update" and seen[2]["method"] == "POST"
    assert seen[5]["match"] == {} and seen[5]["route"] is None
    assert seen[6]["path_info"] == "/some/where"
    assert seen[6]["script_name"] == script_name + "/app"


def test_routing_args_holds_the_url_generator():
    """Routes puts its URLGenerator first in ``wsgiorg.routing_args`` (not ``()``)."""
    seen: list = []
    inner = recorder(seen)
    captured = {}

    def spy(environ, start_response):
        captured.update(environ)
        return inner(environ, start_response)

    app = carya.mapper.RoutesMiddleware(spy, build(carya.mapper.Mapper))
    webob.Request.blank("/messages/3").get_response(app)
    args = captured["wsgiorg.routing_args"]
    assert isinstance(args[0], carya.mapper.URLGenerator)
    assert args[0]("messages") == "/messages"
    assert args[1]["id"] == "3"


# --- over real HTTP ------------------------------------------------------------------------


class ServersController:
    """Actions by name, as a Nova controller has them. Callable, like Nova's
    ``wsgi.Resource``: Routes (and carya) turn non-callable defaults into text."""

    def __call__(self, environ, start_response):  # pragma: no cover - dispatch calls actions
        raise AssertionError("dispatch calls the action methods")

    def index(self, req):
        return {"servers": []}

    def detail(self, req):
        return {"servers": [], "detail": True}

    def show(self, req, id):
        return {"server": {"id": id}}

    def delete(self, req, id):
        return {"deleted": id}

    def action(self, req, id):
        return {"action": json.loads(req.body or b"{}"), "id": id}


class Router:
    """Seed-002's Router: RoutesMiddleware in front of a dispatcher."""

    def __init__(self):
        mapper = carya.mapper.Mapper()
        controller = ServersController()
        mapper.resource("server", "servers", controller=controller,
                        collection={"detail": "GET"}, member={"action": "POST"})
        self.router = carya.mapper.RoutesMiddleware(self.dispatch, mapper)

    def __call__(self, environ, start_response):
        return self.router(environ, start_response)

    @staticmethod
    @webob.dec.wsgify
    def dispatch(req):
        match = dict(req.environ["wsgiorg.routing_args"][1])
        if not match:
            return webob.exc.HTTPNotFound(json_formatter=None)
        controller = match.pop("controller")
        action = match.pop("action")
        match.pop("format", None)
        body = getattr(controller, action)(req, **match)
        return webob.Response(json=body)


def serve(port: int) -> None:
    from waitress import serve as waitress_serve
    waitress_serve(Router(), host="127.0.0.1", port=port, threads=2, _quiet=True)


def test_nova_style_router_over_http():
    port = free_port()
    cmd = [sys.executable, "-c",
           f"import tests.routing.test_mapper_middleware as t; t.serve({port})"]
    with running(cmd, port, cwd=ROOT):
        status, _, body = fetch(port, "GET", "/servers/42")
        assert (status, json.loads(body)) == (200, {"server": {"id": "42"}})
        status, _, body = fetch(port, "GET", "/servers/detail.json")
        assert (status, json.loads(body)) == (200, {"servers": [], "detail": True})
        status, _, body = fetch(port, "POST", "/servers/42/action", body='{"reboot": {}}')
        assert (status, json.loads(body)) == (200, {"action": {"reboot": {}}, "id": "42"})
        status, _, body = fetch(port, "DELETE", "/servers/42")
        assert (status, json.loads(body)) == (200, {"deleted": "42"})
        status, _, _ = fetch(port, "GET", "/nothing")
        assert status == 404
        status, _, _ = fetch(port, "PUT", "/servers")
        assert status == 404
