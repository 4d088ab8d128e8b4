"""carya.middleware.base: the Nova-style Middleware class, Paste glue, error bodies."""

from __future__ import annotations

import json

import pytest
import webob
import webob.dec
import webob.exc
from webtest import TestApp

from carya.middleware import base
from carya.middleware.base import Middleware, paste_filter, send_error, wsgify
from carya.middleware.options import MiddlewareConfigError, Options


@webob.dec.wsgify
def hello(req: webob.Request) -> webob.Response:
    return webob.Response(f"hello {req.path_info}", content_type="text/plain")


class Deny(Middleware):
    """Refuses /admin, tags every other response."""

    def __init__(self, application, **conf):
        super().__init__(application, **conf)
        self.tag = conf.get("tag", "x")

    def process_request(self, req):
        if req.path_info.startswith("/admin"):
            return webob.exc.HTTPForbidden(detail="no admin here")
        return None

    def process_response(self, response):
        response.headers["X-Tag"] = self.tag
        response.headers["X-Path"] = response.request.path_info
        return response


class Raising(Middleware):
    def process_request(self, req):
        raise webob.exc.HTTPBadRequest(detail="bad thing")


def test_wsgify_is_webobs():
    assert wsgify is webob.dec.wsgify


def test_process_request_none_reaches_app_and_process_response_sees_it():
    resp = TestApp(Deny(hello, tag="t1")).get("/books")
    assert resp.text == "hello /books"
    assert resp.headers["X-Tag"] == "t1"
    assert resp.headers["X-Path"] == "/books"


def test_process_request_response_short_circuits():
    called = []

    def app(environ, start_response):
        called.append(environ)
        return hello(environ, start_response)

    resp = TestApp(Deny(app)).get("/admin/x", status=403)
    assert "no admin here" in resp.text
    assert called == []
    assert "X-Tag" not in resp.headers  # process_response is not run on a short circuit


def test_raised_http_exception_becomes_the_response():
    assert TestApp(Raising(hello)).get("/", status=400).status_int == 400


def test_conf_is_kept():
    assert Deny(hello, tag="a", other="b").conf == {"tag": "a", "other": "b"}


def test_factory_is_a_paste_filter_factory():
    make = Deny.factory({"__file__": "/etc/x/api-paste.ini", "here": "/etc/x"}, tag="ini")
    wrapped = make(hello)
    assert isinstance(wrapped, Deny) and wrapped.application is hello
    assert TestApp(wrapped).get("/").headers["X-Tag"] == "ini"


class Strict(Middleware):
    def __init__(self, application, **conf):
        super().__init__(application, **conf)
        opts = Options("strict", conf)
        self.limit = opts.integer("limit", 1)
        opts.finish()


def test_paste_errors_name_the_file_and_key():
    make = Strict.factory({"__file__": "/etc/x/api-paste.ini"}, limit="many")
    with pytest.raises(MiddlewareConfigError) as err:
        make(hello)
    assert str(err.value).startswith("/etc/x/api-paste.ini: strict: option 'limit'")


def test_python_errors_name_the_key():
    with pytest.raises(MiddlewareConfigError, match="^strict: option 'limit'"):
        Strict(hello, limit="many")


def test_paste_filter_wraps_any_builder():
    seen = {}

    def build(app, **conf):
        seen.update(conf)
        return app

    assert paste_filter(build)({}, a="1")(hello) is hello
    assert seen == {"a": "1"}


def test_send_error_is_json_with_length():
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, dict(headers)

    body = b"".join(send_error(start_response, 413, "too big", [("X-A", "b")]))
    assert captured["status"] == "413 Request Entity Too Large"
    assert captured["headers"]["Content-Type"] == "application/json"
    assert captured["headers"]["Content-Length"] == str(len(body))
    assert captured["headers"]["X-A"] == "b"
    assert json.loads(body) == {
        "code": 413, "title": "Request Entity Too Large", "description": "too big",
    }


def test_error_body_titles_from_webob_for_other_codes():
    assert json.loads(base.error_body(409, "x"))["title"] == "Conflict"


def test_declared_option_names_match_what_each_middleware_reads():
    """``option_names`` (what [DEFAULT] may supply) lists exactly the options read."""
    from carya.middleware import (
        CORS,
        AccessLog,
        FaultWrapper,
        HTTPProxyToWSGI,
        NoAuth,
        RequestBodySizeLimiter,
        RequestId,
        StaticToken,
    )

    minimal = {StaticToken: {"token.abcdefgh": "u:p"}}
    for cls in (AccessLog, CORS, FaultWrapper, HTTPProxyToWSGI, NoAuth,
                RequestBodySizeLimiter, RequestId, StaticToken):
        with pytest.raises(MiddlewareConfigError) as err:
            cls(hello, not_an_option="x", **minimal.get(cls, {}))
        known = str(err.value).split("known: ", 1)[1].split(", ")
        read = {name for name in known if name not in ("(none)", "token.*", "tokens")}
        assert read == set(cls.option_names), cls.__name__
