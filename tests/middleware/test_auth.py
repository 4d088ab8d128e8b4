"""carya.middleware.auth: RequestContext, NoAuth (noauth2 semantics), StaticToken."""

from __future__ import annotations

import logging

import pytest
from webtest import TestApp

from carya.middleware.auth import (
    ENV_AUTH_CONTEXT,
    NoAuth,
    RequestContext,
    StaticToken,
    get_context,
)
from carya.middleware.options import MiddlewareConfigError
from carya.middleware.request_id import HEADER, RequestId
from tests.middleware.apps import environ_app

TOKEN = "5f0c2d8e-alice-token"
OPS_TOKEN = "9a7b1c3d-ops-token"


def context_of(resp) -> dict:
    return resp.json["context"]


# --- RequestContext ----------------------------------------------------------------------


def test_context_to_dict_and_back():
    ctx = RequestContext("alice", "p1", ["member"], False, "req-1", "tok")
    data = ctx.to_dict()
    assert data == {"user_id": "alice", "project_id": "p1", "roles": ["member"],
                    "is_admin": False, "request_id": "req-1", "auth_token": "tok"}
    assert RequestContext.from_dict({**data, "unrelated": 1}) == ctx


def test_redacted_copy_has_no_token_and_is_independent():
    ctx = RequestContext("alice", "p1", ["member"], auth_token="tok")
    safe = ctx.redacted_copy()
    assert safe.auth_token is None and safe.to_dict()["auth_token"] is None
    assert ctx.auth_token == "tok"  # the original keeps it
    safe.roles.append("admin")
    assert ctx.roles == ["member"]


def test_repr_never_shows_the_token():
    assert "tok-secret" not in repr(RequestContext("a", "p", auth_token="tok-secret"))


def test_get_context_absent():
    assert get_context({}) is None


# --- NoAuth ------------------------------------------------------------------------------


@pytest.fixture
def noauth():
    return TestApp(RequestId(NoAuth(environ_app)))


def test_noauth_defaults_to_admin(noauth):
    resp = noauth.get("/")
    assert context_of(resp) == {
        "user_id": "admin", "project_id": "admin", "roles": ["admin", "member"],
        "is_admin": True, "request_id": resp.headers[HEADER], "auth_token": None,
    }


def test_noauth_other_user_is_a_member(noauth):
    ctx = context_of(noauth.get("/", headers={"X-Auth-User": "bob",
                                              "X-Auth-Project-Id": "proj-9"}))
    assert (ctx["user_id"], ctx["project_id"], ctx["roles"], ctx["is_admin"]) == (
        "bob", "proj-9", ["member"], False)


def test_noauth_project_defaults_to_user(noauth):
    assert context_of(noauth.get("/", headers={"X-Auth-User": "bob"}))["project_id"] == "bob"


@pytest.mark.parametrize("user", ["Admin", "admin ", "administrator"])
def test_noauth_only_literal_admin_is_admin(noauth, user):
    resp = noauth.get("/", headers={"X-Auth-User": user}, expect_errors=True)
    if resp.status_int == 200:
        assert context_of(resp)["roles"] == ["member"]
        assert context_of(resp)["is_admin"] is False
    else:  # "admin " with a space is not a valid name at all
        assert resp.status_int == 400


def test_noauth_token_form_user_colon_project(noauth):
    resp = noauth.get("/", headers={"X-Auth-Token": "carol:proj-3"})
    ctx = context_of(resp)
    assert (ctx["user_id"], ctx["project_id"], ctx["is_admin"]) == ("carol", "proj-3", False)
    assert ctx["auth_token"] is None  # the app saw the redacted copy
    resp = noauth.get("/", headers={"X-Auth-Token": "admin"})
    assert context_of(resp)["project_id"] == "admin" and context_of(resp)["is_admin"]


def test_noauth_context_keeps_the_token_in_environ():
    seen = {}

    def app(environ, start_response):
        seen["ctx"] = environ[ENV_AUTH_CONTEXT]
        start_response("204 No Content", [])
        return []

    TestApp(NoAuth(app)).get("/", headers={"X-Auth-Token": "dave:p"}, status=204)
    assert seen["ctx"].auth_token == "dave:p"


@pytest.mark.parametrize("headers", [
    {"X-Auth-User": ""},
    {"X-Auth-User": "a b"},
    {"X-Auth-User": "x" * 256},
    {"X-Auth-User": "bob", "X-Auth-Project-Id": "p\tq"},
    {"X-Auth-Token": ":proj"},
    {"X-Auth-User": "caf\u00e9"},
])
def test_noauth_bad_headers_are_400(noauth, headers):
    resp = noauth.get("/", headers=headers, status=400)
    assert "X-Auth-User" in resp.json["description"]


def test_noauth_warns_when_built(caplog):
    caplog.set_level(logging.WARNING, logger="carya.middleware.auth")
    NoAuth(environ_app)
    assert "every request is trusted" in caplog.text


def test_noauth_takes_no_options():
    with pytest.raises(MiddlewareConfigError, match="noauth: unknown option"):
        NoAuth(environ_app, default_user="root")


# --- StaticToken -------------------------------------------------------------------------


@pytest.fixture
def static():
    conf = {f"token.{TOKEN}": "alice:project-a:member,reader",
            f"token.{OPS_TOKEN}": "ops:admin-project:admin"}
    return TestApp(RequestId(StaticToken(environ_app, realm="compute", **conf)))


def test_static_token_valid(static):
    resp = static.get("/", headers={"X-Auth-Token": TOKEN})
    assert context_of(resp) == {
        "user_id": "alice", "project_id": "project-a", "roles": ["member", "reader"],
        "is_admin": False, "request_id": resp.headers[HEADER], "auth_token": None,
    }


def test_static_token_admin_role(static):
    ctx = context_of(static.get("/", headers={"X-Auth-Token": OPS_TOKEN}))
    assert (ctx["user_id"], ctx["roles"], ctx["is_admin"]) == ("ops", ["admin"], True)


def test_static_token_missing_is_401_with_challenge(static):
    resp = static.get("/", status=401)
    assert resp.headers["WWW-Authenticate"] == 'Token realm="compute"'
    assert resp.json == {"code": 401, "title": "Unauthorized",
                         "description": "Authentication required: send an X-Auth-Token header"}


@pytest.mark.parametrize("token", [TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "alice",
                                   "\u00e9" * 10, "x" * 10000])
def test_static_token_wrong_is_401(static, token):
    resp = static.get("/", headers={"X-Auth-Token": token}, status=401)
    assert resp.json["description"] == "The X-Auth-Token is not valid"
    assert resp.headers["WWW-Authenticate"] == 'Token realm="compute"'
    assert token not in resp.text


def test_static_token_from_python_mapping():
    client = TestApp(StaticToken(environ_app, tokens={"py-token-1": "u1:p1:"}))
    ctx = context_of(client.get("/", headers={"X-Auth-Token": "py-token-1"}))
    assert (ctx["user_id"], ctx["project_id"], ctx["roles"]) == ("u1", "p1", [])


def test_static_token_roles_may_be_omitted():
    client = TestApp(StaticToken(environ_app, **{"token.abcdefgh": "u2:p2"}))
    assert context_of(client.get("/", headers={"X-Auth-Token": "abcdefgh"}))["roles"] == []


def test_static_token_lookup_checks_every_entry():
    mw = StaticToken(environ_app, tokens={f"tok-{i}": f"user{i}:p" for i in range(5)})
    assert [mw.lookup(f"tok-{i}")[0] for i in range(5)] == [f"user{i}" for i in range(5)]
    assert mw.lookup("tok-5") is None
    assert all(len(digest) == 32 for digest, _ in mw.table)  # only digests are kept


@pytest.mark.parametrize("conf,message", [
    ({}, "no tokens configured"),
    ({"token.abc": "alice"}, "option 'token.<TOKEN>'"),
    ({"token.abc": "alice::member"}, "user and project required"),
    ({"token.abc": "al ice:p:member"}, "option 'token.<TOKEN>'"),
    ({"token.abc": "alice:p:mem ber"}, "option 'token.<TOKEN>'"),
    ({"token.abc": "a:p", "realm": 'bad"realm'}, "option 'realm'"),
    ({"tokens": "abc=a:p"}, "option 'tokens'"),
    ({"token.abc": "a:p", "tokn.def": "b:q"}, "unknown option(s) 'tokn.def'"),
])
def test_static_token_bad_config(conf, message):
    with pytest.raises(MiddlewareConfigError) as err:
        StaticToken(environ_app, **conf)
    assert message in str(err.value)
    assert "abc" not in str(err.value)  # tokens are secrets, never in messages


def test_static_token_bad_token_characters():
    with pytest.raises(MiddlewareConfigError, match="visible ASCII"):
        StaticToken(environ_app, tokens={"has space": "a:p"})
