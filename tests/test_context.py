"""request/response as context-local proxies, and the explicit (req, resp) mode."""

from __future__ import annotations

import threading

import pytest
from webtest import TestApp

from carya import expose, make_app, request, response, state
from carya.rest import RestController


def test_proxies_outside_a_request_say_so():
    with pytest.raises(RuntimeError, match="outside a request"):
        request.path  # noqa: B018
    assert not request
    assert "no request" in repr(response)


class Locals:
    @expose("json")
    def index(self):
        request.context["seen"] = True
        response.headers["X-Where"] = "handler"
        return {"path": request.path, "ctx": request.context, "app": state.app is not None}


def test_proxies_inside_a_request(client):
    resp = client(Locals()).get("/")
    assert resp.json == {"path": "/", "ctx": {"seen": True}, "app": True}
    assert resp.headers["X-Where"] == "handler"


class Things(RestController):
    @expose("json")
    def get_one(self, req, resp, thing_id):
        resp.status = 202
        return {"id": thing_id, "path": req.path}


class Explicit:
    things = Things()

    @expose()
    def index(self, req, resp):
        resp.headers["X-Explicit"] = "yes"
        return f"explicit {req.method}"

    @expose("json")
    def echo(self, req, resp, word, times="1"):
        return {"word": word * int(times)}


@pytest.fixture
def explicit():
    return TestApp(make_app(Explicit(), use_context_locals=False))


def test_explicit_mode_passes_req_resp(explicit):
    resp = explicit.get("/")
    assert resp.text == "explicit GET"
    assert resp.headers["X-Explicit"] == "yes"


def test_explicit_mode_binds_remaining_args(explicit):
    assert explicit.get("/echo/ab?times=2").json == {"word": "abab"}


def test_explicit_mode_rest_controller(explicit):
    resp = explicit.get("/things/9", status=202)
    assert resp.json == {"id": "9", "path": "/things/9"}


def test_explicit_mode_short_signature_fails_when_called():
    """Pecan's rule: a handler without (req, resp) in explicit mode is a TypeError
    when it is called; the rest of the application still serves."""
    class Root:
        @expose()
        def index(self, req, resp):
            return "ok"

        @expose()
        def bad(self):
            return ""

    app = make_app(Root(), use_context_locals=False)
    resp = TestApp(app).get("/bad", expect_errors=True)
    assert resp.status_int == 500
    assert TestApp(app).get("/").text == "ok"
    pecan_style = make_app(Root(), use_context_locals=False, propagate_exceptions=True)
    with pytest.raises(TypeError, match="leading argument"):
        TestApp(pecan_style).get("/bad")


def test_state_is_isolated_between_threads(client):
    barrier = threading.Barrier(2)

    class Slow:
        @expose()
        def index(self, tag):
            barrier.wait(timeout=5)
            return request.params["tag"]

    app = client(Slow())
    results = {}

    def call(tag):
        results[tag] = app.get("/", {"tag": tag}).text

    threads = [threading.Thread(target=call, args=(t,)) for t in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert results == {"a": "a", "b": "b"}
