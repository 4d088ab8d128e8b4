"""Handler facts decided once: declared success status and per-request checks."""

from __future__ import annotations

import functools
import inspect

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


# --- wrappers that fill arguments themselves (WSME's wsexpose) ----------------------------


def fills_body(func):
    """A wrapper like WSME's: takes what routing gives and fills ``body`` itself."""

    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        if len(args) < 2 and "body" not in kwargs:
            kwargs["body"] = "from-wrapper"
        return func(self, *args, **kwargs)

    return wrapper


class Wrapped:
    @expose()
    @fills_body
    def item(self, ident, body):
        return f"{ident}:{body}"

    @expose()
    def plain(self, ident, body):
        return f"{ident}:{body}"


def test_wrapper_filling_a_required_argument_is_called(client):
    app = client(Wrapped())
    assert app.get("/item/7").text == "7:from-wrapper"
    assert app.get("/item/7?body=q").text == "7:q"
    app.get("/item/7/8/9", status=404)  # routing still follows the wrapped signature


def test_missing_argument_of_a_plain_handler_is_still_400(client):
    resp = client(Wrapped()).get("/plain/7", status=400)
    assert "Missing argument 'body'" in resp.text


def test_declared_argspec_drives_routing(client):
    """Pecan's ``_cfg(f)['argspec']`` (the record's ``extra``): a wrapper declares it."""

    def target(self, ident, limit=10):
        return None

    class Root:
        @expose()
        def things(self, *args, **kwargs):
            return f"{args}|{sorted(kwargs.items())}"

    _info_for(Root.things).extra["argspec"] = inspect.getfullargspec(target)
    app = client(Root())
    assert app.get("/things/5").text == "('5', 10)|[]"
    assert app.get("/things?limit=3").text == "()|[]"  # stops at the first missing name
    app.get("/things/5/6/7", status=404)


def test_adapters_see_every_handler_built_and_may_replace_its_call(client, monkeypatch):
    """``ADAPTERS``: how a compatibility package compiles another project's decorator."""
    from carya import handler as handler_module

    seen = []

    def shout(handler):
        seen.append(handler.name)
        if handler.name.endswith("hello"):
            original = handler.func
            handler.func = lambda controller, *a, **kw: original(controller, *a, **kw).upper()

    class Root:
        @expose()
        def hello(self):
            return "hi"

        @expose()
        def other(self):
            return "as is"

    monkeypatch.setattr(handler_module, "ADAPTERS", [shout])
    app = client(Root())
    assert app.get("/hello").text == "HI"
    assert app.get("/other").text == "as is"
    assert sorted(seen) == ["test_adapters_see_every_handler_built_and_may_replace_its_call"
                            ".<locals>.Root.hello",
                            "test_adapters_see_every_handler_built_and_may_replace_its_call"
                            ".<locals>.Root.other"]


def test_a_binder_takes_parameters_from_its_params_function(client, monkeypatch):
    """``Binder.params`` (default: the app's parameters) is what names are filled from."""
    from carya import handler as handler_module

    def fixed(handler):
        handler.binder.params = lambda app, state: {"who": "from-params"}

    class Root:
        @expose()
        def greet(self, who):
            return f"hi {who}"

    assert client(Root()).get("/greet?who=ann").text == "hi ann"
    monkeypatch.setattr(handler_module, "ADAPTERS", [fixed])
    assert client(Root()).get("/greet?who=ann").text == "hi from-params"


def test_a_json_body_that_is_not_utf8_is_a_400_before_the_handler(client):
    """Pecan answers 400 when the body it reads for arguments is not text; carya says why."""
    called = []

    class Root:
        @expose("json")
        def echo(self, **kw):
            called.append(kw)
            return kw

    app = client(Root())
    resp = app.post("/echo", b'{"name": "\xff"}', content_type="application/json", status=400)
    assert "The JSON body is not valid UTF-8" in resp.text
    assert "Traceback" not in resp.text
    assert called == []
    resp = app.post("/echo", b'{"name": ', content_type="application/json")
    assert resp.json == {} and called == [{}]  # bad JSON that is text: the handler decides
