"""OpenStack fault bodies, and the App's error formatter hook they plug into."""

from __future__ import annotations

import json

import pytest
import webob.exc
from webtest import TestApp

from carya import expose, make_app
from carya.api.faults import FaultFormatter, send_fault


def test_names_follow_nova():
    fmt = FaultFormatter()
    for code, name in [(400, "badRequest"), (403, "forbidden"), (404, "itemNotFound"),
                       (409, "conflictingRequest"), (413, "overLimit"), (500, "computeFault"),
                       (418, "computeFault")]:
        body, ctype = fmt(code, "Title", "why", {})
        assert ctype == "application/json"
        assert json.loads(body) == {name: {"code": code, "message": "why"}}


def test_request_id_is_added_when_present():
    body, _ = FaultFormatter()(404, "Not Found", "gone", {"openstack.request_id": "req-1"})
    assert json.loads(body) == {"itemNotFound": {"code": 404, "message": "gone",
                                                 "request_id": "req-1"}}


def test_message_falls_back_to_title_and_custom_names():
    fmt = FaultFormatter(names={404: "notThere"}, default="volumeFault")
    assert json.loads(fmt(404, "Not Found", "", {})[0]) == {
        "notThere": {"code": 404, "message": "Not Found"}}
    assert "volumeFault" in json.loads(fmt(500, "Internal Server Error", "x", {})[0])


def test_cache_is_bounded():
    fmt = FaultFormatter()
    for i in range(1000):
        fmt(400, "Bad Request", f"message {i}", {})
    assert len(fmt._cache) <= 256


def test_send_fault_outside_the_pipeline():
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = send_fault(FaultFormatter(), webob.exc.HTTPNotAcceptable(detail="no"),
                      {"REQUEST_METHOD": "GET"}, start_response, [("Vary", "X")])
    assert seen["status"] == "406 Not Acceptable"
    assert seen["headers"]["Vary"] == "X"
    assert json.loads(b"".join(body)) == {"computeFault": {"code": 406, "message": "no"}}
    assert send_fault(FaultFormatter(), webob.exc.HTTPNotFound(), {"REQUEST_METHOD": "HEAD"},
                      start_response) == []


# --- the App hook (carya.app / carya.errors), on an object-dispatch app ---------------


class Root:
    @expose("json")
    def ok(self):
        return {"ok": True}

    @expose("json")
    def conflict(self):
        raise webob.exc.HTTPConflict(detail="already there")

    @expose("json")
    def explained(self):
        raise webob.exc.HTTPNotFound(explanation="Nova style")

    @expose("json")
    def boom(self):
        raise RuntimeError("secret internals")

    @expose("json")
    def with_body(self):
        raise webob.exc.HTTPBadRequest(json_body={"mine": 1})


@pytest.fixture
def faulty():
    return TestApp(make_app(Root(), error_formatter=FaultFormatter()))


def test_formatter_writes_http_errors(faulty):
    resp = faulty.get("/conflict", status=409)
    assert resp.json == {"conflictingRequest": {"code": 409, "message": "already there"}}
    assert faulty.get("/explained", status=404).json["itemNotFound"]["message"] == "Nova style"


def test_formatter_writes_routing_misses_with_allow(faulty):
    assert faulty.get("/nowhere", status=404).json == {
        "itemNotFound": {"code": 404, "message": "The resource could not be found."}}


def test_formatter_writes_500_without_internals(faulty, caplog):
    resp = faulty.get("/boom", status=500)
    assert list(resp.json) == ["computeFault"]
    assert "secret internals" not in resp.text and "Traceback" not in resp.text
    assert "secret internals" in caplog.text, "the traceback goes to the log"


def test_errors_with_their_own_body_are_kept(faulty):
    assert faulty.get("/with_body", status=400).json == {"mine": 1}


def test_formatter_also_used_when_hooks_need_a_response():
    from carya.hooks import PecanHook

    class Seen(PecanHook):
        statuses = []

        def after(self, state):
            self.statuses.append(state.response.status_int)

    app = TestApp(make_app(Root(), hooks=[Seen()], error_formatter=FaultFormatter()))
    resp = app.get("/conflict", status=409)
    assert resp.json["conflictingRequest"]["message"] == "already there"
    assert Seen.statuses == [409]


def test_without_formatter_nothing_changes():
    app = TestApp(make_app(Root()))
    resp = app.get("/conflict", status=409, headers={"Accept": "application/json"})
    assert resp.json == {"code": 409, "title": "Conflict", "description": "already there"}
