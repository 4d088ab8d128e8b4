"""carya.responses.Response: WebOb's answers on every path it writes directly."""

from __future__ import annotations

import pytest
import webob
import webob.headers

from carya.responses import Response, ResponseHeaders


def _environ(extra: dict) -> dict:
    """A request environ with no Host header (WebOb then uses SERVER_NAME and port)."""
    env = webob.Request.blank("/").environ
    env.pop("HTTP_HOST", None)
    env.update(extra)
    return env


def test_new_response_is_webobs_default():
    ours, theirs = Response(), webob.Response()
    assert isinstance(ours, webob.Response)
    assert (ours.status, ours.body, ours.app_iter) == (theirs.status, theirs.body, theirs.app_iter)
    assert ours.headerlist == theirs.headerlist
    ours.headers["X-A"] = "1"
    assert Response().headerlist == theirs.headerlist  # no shared list between responses


def test_response_subclass_defaults_follow_its_class():
    class JSONResponse(Response):
        default_content_type = "application/json"

    class WebObJSON(webob.Response):
        default_content_type = "application/json"

    assert JSONResponse().headerlist == WebObJSON().headerlist
    assert Response().content_type == "text/html"


@pytest.mark.parametrize("value", [201, 202, 204, 299, 404, 599, "201 Created",
                                   "418 I'm a teapot", b"200 OK"])
def test_response_status_is_webobs(value):
    ours, theirs = Response(), webob.Response()
    ours.status = theirs.status = value
    assert (ours.status, ours.status_int) == (theirs.status, theirs.status_int)


@pytest.mark.parametrize("value", ["nope", 3.5, None])
def test_response_bad_status_raises_as_webob(value):
    with pytest.raises(Exception) as theirs:  # noqa: PT011 - whatever WebOb raises
        webob.Response().status = value
    with pytest.raises(theirs.type):
        Response().status = value


def test_response_location_is_webobs():
    ours, theirs = Response(), webob.Response()
    for resp in (ours, theirs):
        resp.headers.add("location", "/old")
        resp.location = "/servers/1"
    assert ours.headerlist == theirs.headerlist and ours.location == "/servers/1"
    del ours.location
    del theirs.location
    assert ours.headerlist == theirs.headerlist and ours.location is None
    with pytest.raises(ValueError, match="control characters"):
        ours.location = "/a\r\nSet-Cookie: x=1"


@pytest.mark.parametrize("location", ["/servers/1", "servers/1", "http://elsewhere/x",
                                      "//evil.example/x", "/\tx"])
def test_response_call_makes_location_absolute_as_webob(location):
    env = _environ({"PATH_INFO": "/v2/servers", "REQUEST_METHOD": "POST"})
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen.setdefault("runs", []).append((status, headers))

    for resp in (Response(status=201, location=location), webob.Response(status=201,
                                                                          location=location)):
        resp.body = b"{}"
        assert list(resp(dict(env), start_response)) == [b"{}"]
    ours, theirs = seen["runs"]
    assert ours == theirs


def test_response_subclass_keeps_its_location_rule():
    class AsGiven(Response):
        def _abs_headerlist(self, environ):
            return list(self._headerlist)

    seen = {}
    resp = AsGiven(status=302, location="/elsewhere")
    resp(_environ({}), lambda status, headers, exc_info=None: seen.update(headers))
    assert seen["Location"] == "/elsewhere"


@pytest.mark.parametrize("extra", [
    [],
    [("Location", "/x")],
    [("Content-MD5", "abc"), ("X-A", "1")],
    [("content-type", "text/plain"), ("content-length", "9")],
])
def test_one_pass_render_leaves_webobs_headers(extra):
    ours, theirs = Response(), webob.Response()
    for resp in (ours, theirs):
        resp.headerlist.extend(extra)
    ours._carya_render(b'{"a":1}', "application/json")
    theirs.body = b'{"a":1}'
    theirs.content_type = "application/json"
    assert sorted(ours.headerlist) == sorted(theirs.headerlist)
    assert ours.body == theirs.body


@pytest.mark.parametrize("status", ["200 OK", "201 Created", "204 No Content",
                                    "304 Not Modified"])
@pytest.mark.parametrize("location", [None, "http://h/servers/1", "/servers/1"])
def test_made_at_once_is_what_the_steps_leave(status, location):
    ours = Response._carya_made(status, b"null", "application/json", location)
    steps = Response()
    steps.status = status
    if location is not None:
        steps.location = location
    steps._carya_render(b"null", "application/json")
    if status[:3] in ("204", "304"):  # what App.materialize does after the render
        steps.headerlist[:] = [h for h in steps.headerlist if h[0] != "Content-Type"]
    assert type(ours) is Response
    assert (ours.status, ours.headerlist, ours.body) == (
        steps.status, steps.headerlist, steps.body)
    assert ours.conditional_response is steps.conditional_response
    assert ours.headers["Content-Length"] == "4"
    env = _environ({})
    sent = []
    assert list(ours(env, lambda s, h, exc_info=None: sent.append((s, h)))) == [b"null"]
    assert sent == [(steps.status, steps._abs_headerlist(env))]


def test_response_head_has_no_body():
    env = _environ({"REQUEST_METHOD": "HEAD"})
    resp = Response(body=b"abc")
    assert list(resp(env, lambda status, headers, exc_info=None: None)) == []


@pytest.mark.parametrize("value", [200, 201, 204, 404, 599, "299 Odd", "418 I'm a teapot",
                                   "1000 Too long a code"])
def test_response_status_code_is_webobs(value):
    ours, theirs = Response(), webob.Response()
    ours.status = theirs.status = value
    assert (ours.status_code, ours.status_int) == (theirs.status_code, theirs.status_int)
    ours.status_code = theirs.status_code = 202
    assert (ours.status, ours.status_int) == (theirs.status, theirs.status_int)


def test_response_headers_view_is_webobs():
    ours, theirs = Response(), webob.Response()
    assert isinstance(ours.headers, webob.headers.ResponseHeaders)
    assert type(ours.headers) is ResponseHeaders
    assert type(ours.headers).__name__ == type(theirs.headers).__name__
    assert ours.headers is ours.headers  # one view per response, over its header list
    for resp in (ours, theirs):
        resp.headers["X-Request-Id"] = "req-1"  # absent so far: appended
        resp.headers.add("Set-Cookie", "a=1")
        resp.headers.add("set-cookie", "b=2")
        resp.headers["SET-COOKIE"] = "c=3"  # present twice, any case: both replaced
        resp.headers["x-request-id"] = "req-2"
    assert ours.headerlist == theirs.headerlist
    assert repr(ours.headers) == repr(theirs.headers)
    ours.headers = theirs.headers = {"X-Only": "1"}
    assert ours.headerlist == theirs.headerlist
