"""Handler facts decided once: declared success status and per-request checks."""

from __future__ import annotations

import webob.exc

from carya import expose, response
from carya.expose import _info_for


def accepted(func):
    """A decorator like Nova's ``@response(202)``, recorded for the handler."""
    _info_for(func).extra["status"] = 202
    return func


def only_even(func):
    """A check built once per handler, run per request after argument binding."""
    built = []

    def factory(handler):
        built.append(handler.name)

        def check(state, args, kwargs):
            if int(args[0]) % 2:
                raise webob.exc.HTTPBadRequest(detail=f"{args[0]} is odd")

        return check

    _info_for(func).extra.setdefault("checks", []).append(factory)
    func.built = built
    return func


class Root:
    @expose("json")
    @accepted
    def queue(self):
        return {"queued": True}

    @expose()
    @accepted
    def nothing(self):
        return None

    @expose("json")
    @accepted
    def overridden(self):
        response.status = 201
        return {}

    @expose()
    @only_even
    def even(self, n):
        return f"{n} is even"


def test_declared_status_on_fast_path(client):
    resp = client(Root()).get("/queue", status=202)
    assert resp.json == {"queued": True}


def test_declared_status_with_empty_body_is_not_204(client):
    resp = client(Root()).get("/nothing", status=202)
    assert resp.body == b""


def test_handler_set_status_wins(client):
    client(Root()).get("/overridden", status=201)


def test_checks_built_once_and_run_per_request(client):
    before = len(Root.even.built)
    app = client(Root())
    assert app.get("/even/4").text == "4 is even"
    assert "3 is odd" in app.get("/even/3", status=400).text
    assert app.get("/even/6").text == "6 is even"
    assert Root.even.built[before:] == ["Root.even"]  # one build for one app
