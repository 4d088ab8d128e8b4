"""abort, redirect, webob.exc from controllers, the errors map, and what a 500 shows."""

from __future__ import annotations

import io
import logging

import pytest
import webob.exc

from carya import abort, expose, redirect, request


class ErrorPages:
    @expose("json")
    def _default(self, status):
        original = request.environ.get("carya.original_response")
        return {"page": int(status), "was": original.status_int if original else None}


class Root:
    error = ErrorPages()

    @expose()
    def aborts(self):
        abort(409, "the thing is locked")

    @expose("json")
    def api_abort(self):
        abort(409, "the thing is locked")

    @expose("json")
    def api_boom(self):
        raise RuntimeError("secret internal detail")

    @expose()
    def raises_webob(self):
        raise webob.exc.HTTPGone()

    @expose()
    def boom(self):
        raise RuntimeError("secret internal detail")

    @expose()
    def moved(self):
        redirect("/target", code=301)

    @expose()
    def found(self):
        redirect("/target")

    @expose()
    def inside(self):
        redirect("/target", internal=True)

    @expose()
    def target(self):
        return "target reached via " + request.path

    @expose()
    def loop(self):
        redirect("/loop", internal=True)

    @expose()
    def relative(self):
        redirect("sibling?x=1")

    @expose()
    def slash(self):
        redirect(add_slash=True)

    @expose()
    def needs(self, arg):
        return arg

    @expose("json")
    def body(self, **kw):
        return kw

    @expose("json")
    def json_body(self):
        return request.json

    @expose()
    def with_headers(self):
        abort(429, "slow down", headers={"Retry-After": "30"})


@pytest.fixture
def app(client):
    return client(Root())


def test_abort_status_and_detail(app):
    resp = app.get("/aborts", status=409)
    assert "the thing is locked" in resp.text


def test_abort_json_when_client_prefers_json(app):
    resp = app.get("/api_abort", headers={"Accept": "application/json"}, status=409)
    assert resp.json == {"code": 409, "title": "Conflict", "description": "the thing is locked"}


def test_html_only_handler_refuses_json_only_client(app):
    app.get("/aborts", headers={"Accept": "application/json"}, status=406)


def test_abort_keeps_headers(app):
    resp = app.get("/with_headers", status=429)
    assert resp.headers["Retry-After"] == "30"


def test_abort_unknown_status():
    with pytest.raises(ValueError):
        abort(299)



def _raised(code, *args, **kw):
    with pytest.raises(webob.exc.HTTPException) as caught:
        abort(code, *args, **kw)
    return caught.value


@pytest.mark.parametrize("code", sorted(c for c in webob.exc.status_map if c >= 300))
def test_abort_makes_webobs_exception(code):
    """abort() copies the state webob.exc's constructor leaves (made once per class):
    the same class, fields, args and WSGI answer as ``cls(detail=..., comment=...)``."""
    cls = webob.exc.status_map[code]
    for _ in range(2):  # the second one from the remembered state
        ours = _raised(code, "Server 7 could not be found.", comment="c")
        theirs = cls(detail="Server 7 could not be found.", comment="c")
        assert type(ours) is cls
        assert vars(ours) == vars(theirs) and ours.args == theirs.args
        env = webob.Request.blank("/", headers={"Accept": "application/json"}).environ
        mine, other = (webob.Request(dict(env)).get_response(e) for e in (ours, theirs))
        assert (mine.status, mine.headerlist, mine.body) == (other.status, other.headerlist,
                                                             other.body)
    first, second = _raised(code, "a"), _raised(code, "b")
    first.headers["X-Mine"] = "1"  # each error has its own header list
    assert "X-Mine" not in second.headers and second.detail == "b"


def test_abort_with_headers_or_options_uses_webobs_constructor():
    error = _raised(429, "slow down", headers={"Retry-After": "30"})
    assert error.headers["Retry-After"] == "30"
    moved = _raised(301, location="/elsewhere")
    assert moved.location.endswith("/elsewhere")

def test_webob_exception_becomes_response(app):
    app.get("/raises_webob", status=410)


def test_uncaught_exception_is_500_without_traceback(app, caplog):
    with caplog.at_level(logging.ERROR, logger="carya"):
        resp = app.get("/boom", status=500)
    assert "secret internal detail" not in resp.text
    assert "Traceback" not in resp.text
    assert "secret internal detail" in caplog.text  # but it is logged


def test_500_as_json(app):
    resp = app.get("/api_boom", headers={"Accept": "application/json"}, status=500)
    assert resp.json["code"] == 500
    assert "secret" not in resp.text


def test_debug_shows_traceback_as_text(client):
    app = client(Root(), debug=True)
    resp = app.get("/boom", status=500)
    assert "Traceback" in resp.text and "secret internal detail" in resp.text
    assert resp.content_type == "text/plain"


def test_redirect_codes(app):
    assert app.get("/moved", status=301).headers["Location"] == "/target"
    assert app.get("/found", status=302).headers["Location"] == "/target"


def test_redirects_never_use_the_clients_host(app):
    evil = {"Host": "evil.example"}
    assert app.get("/found", headers=evil, status=302).headers["Location"] == "/target"
    assert app.get("/relative", headers=evil, status=302).headers["Location"] == "/sibling?x=1"
    resp = app.get("/slash", headers=evil, status=302)
    assert resp.headers["Location"] == "/slash/"
    assert resp.content_type == "text/plain" and len(resp.body) < 100


def test_a_path_that_is_not_utf8_redirects_without_failing(app):
    resp = app.get("/slash", extra_environ={"PATH_INFO": "/slash\xff"}, expect_errors=True)
    assert resp.status_int < 500


def test_with_hooks_an_error_body_is_still_short_text_or_json(client):
    """The full error path (a hook sees the error) must not fall back to WebOb's HTML."""
    from carya.hooks import PecanHook

    app = client(Root(), hooks=[PecanHook()])
    resp = app.get("/needs", headers={"Accept": "*/*"}, status=400)
    assert resp.content_type == "text/plain" and b"<html" not in resp.body.lower()
    assert b"Missing argument" in resp.body
    resp = app.get("/needs", headers={"Accept": "application/json"}, status=400)
    assert resp.json["code"] == 400
    resp = app.get("/slash", headers={"Host": "evil.example"}, status=302)
    assert resp.headers["Location"] == "/slash/"


def test_an_error_is_never_a_406_and_follows_accept(app):
    json_only = {"Accept": "application/json"}
    resp = app.get("/needs", headers=json_only, status=400)
    assert resp.json["description"] == "Missing argument 'arg'"
    resp = app.get("/needs/1/2/3", headers=json_only, status=404)
    assert resp.content_type == "application/json"
    resp = app.get("/needs", headers={"Accept": "*/*"}, status=400)
    assert resp.content_type == "text/plain" and b"<html" not in resp.body


@pytest.mark.parametrize("path, environ", [
    ("/body", {"CONTENT_LENGTH": "100", "wsgi.input": io.BytesIO(b"a=b"),
               "CONTENT_TYPE": "application/x-www-form-urlencoded"}),
    ("/body", {"CONTENT_TYPE": "multipart/form-data", "CONTENT_LENGTH": "3",
               "wsgi.input": io.BytesIO(b"a=b")}),
    ("/json_body", {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "100000",
                    "wsgi.input": io.BytesIO(b"[" * 100000)}),
])
def test_bad_bodies_are_400_logged_in_one_line(app, caplog, path, environ):
    with caplog.at_level(logging.INFO, logger="carya"):
        req = webob.Request.blank(path, environ={"REQUEST_METHOD": "POST", **environ})
        resp = req.get_response(app.app)
    assert resp.status_int == 400, resp.text
    assert "Traceback" not in resp.text
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_internal_redirect(app):
    assert app.get("/inside").text == "target reached via /target"


def test_internal_redirect_loop_is_bounded(app):
    app.get("/loop", status=500)


def test_errors_map_renders_error_page_with_original_status(client):
    app = client(Root(), errors={404: "/error/404", 409: "/error/409", "__force_dict__": True})
    resp = app.get("/nowhere", status=404)
    assert resp.json == {"page": 404, "was": 404}
    resp = app.get("/aborts", status=409)
    assert resp.json == {"page": 409, "was": 409}


def test_errors_map_ignores_unmapped(client):
    app = client(Root(), errors={404: "/error/404"})
    app.get("/raises_webob", status=410)


def test_errors_map_validated_at_build(client):
    with pytest.raises(ValueError, match="must be a path"):
        client(Root(), errors={404: "error/404"})
    with pytest.raises(ValueError, match="not an HTTP status"):
        client(Root(), errors={"oops": "/error"})


def test_broken_error_page_falls_back_to_original(client):
    app = client(Root(), errors={404: "/boom"})
    resp = app.get("/nowhere", status=404)
    assert "secret" not in resp.text


def test_failing_after_hook_is_a_500_not_a_crash(client):
    from carya.hooks import PecanHook

    class Broken(PecanHook):
        def after(self, state):
            raise RuntimeError("hook bug")

    resp = client(Root(), hooks=[Broken()]).get("/target", status=500)
    assert "hook bug" not in resp.text
