"""carya.middleware.cors: closed by default, exact origins, preflights answered here."""

from __future__ import annotations

import json

import pytest
from webtest import TestApp

from carya.middleware.cors import CORS
from carya.middleware.options import MiddlewareConfigError
from tests.middleware.apps import environ_app
from tests.middleware.wire import raw_request, waitress

DASH = "https://dashboard.example.com"
EVIL = "https://evil.example.net"


def cors_headers(resp) -> dict:
    return {k: v for k, v in resp.headers.items() if k.lower().startswith("access-control-")}


def preflight(client, origin, method="PUT", headers=None, **kw):
    env = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        env["Access-Control-Request-Headers"] = headers
    return client.options("/servers", headers=env, **kw)


@pytest.fixture
def client():
    return TestApp(CORS(environ_app, allowed_origin=f"{DASH}, https://admin.example.com:8443",
                        allow_headers="X-Auth-Token, X-Openstack-Request-Id",
                        expose_headers="X-Openstack-Request-Id", max_age="600"))


def test_closed_by_default_adds_nothing():
    client = TestApp(CORS(environ_app))
    resp = client.get("/", headers={"Origin": DASH})
    assert cors_headers(resp) == {}
    assert "Vary" not in resp.headers
    resp = preflight(client, DASH, expect_errors=True)
    assert cors_headers(resp) == {}
    assert resp.json["method"] == "OPTIONS"  # the application answered it


def test_allowed_origin_on_actual_request(client):
    resp = client.get("/", headers={"Origin": DASH})
    assert cors_headers(resp) == {
        "Access-Control-Allow-Origin": DASH,
        "Access-Control-Expose-Headers": "X-Openstack-Request-Id",
    }
    assert resp.headers["Vary"] == "Origin"


def test_second_allowed_origin_with_port(client):
    origin = "https://admin.example.com:8443"
    assert client.get("/", headers={"Origin": origin}).headers[
        "Access-Control-Allow-Origin"] == origin


@pytest.mark.parametrize("origin", [
    EVIL,
    "https://dashboard.example.com.evil.net",
    "http://dashboard.example.com",
    "https://dashboard.example.com:444",
    "https://DASHBOARD.example.com/",
    "null",
])
def test_disallowed_origin_gets_no_cors_headers(client, origin):
    resp = client.get("/", headers={"Origin": origin})
    assert cors_headers(resp) == {}
    assert resp.headers["Vary"] == "Origin"  # the answer still depends on Origin
    assert resp.json["method"] == "GET"


def test_no_origin_is_untouched_apart_from_vary(client):
    resp = client.get("/")
    assert cors_headers(resp) == {}
    assert resp.headers["Vary"] == "Origin"


def test_preflight_is_answered_by_the_middleware(client):
    resp = preflight(client, DASH, "PUT", "X-Auth-Token, content-type")
    assert resp.status_int == 200
    assert resp.body == b""  # the application was not called
    assert cors_headers(resp) == {
        "Access-Control-Allow-Origin": DASH,
        "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
        "Access-Control-Allow-Headers": "x-auth-token, content-type",
        "Access-Control-Max-Age": "600",
    }
    assert "Origin" in resp.headers["Vary"]


def test_preflight_without_requested_headers(client):
    resp = preflight(client, DASH, "DELETE")
    assert resp.status_int == 200
    assert "Access-Control-Allow-Headers" not in resp.headers


def test_preflight_with_disallowed_method_is_refused(client):
    resp = preflight(client, DASH, "PURGE", status=403)
    assert cors_headers(resp) == {}
    assert "'PURGE' is not an allowed method" in resp.json["description"]


def test_preflight_with_disallowed_header_is_refused(client):
    resp = preflight(client, DASH, "POST", "X-Auth-Token, X-Secret-Thing", status=403)
    assert cors_headers(resp) == {}
    assert "'x-secret-thing'" in resp.json["description"]


def test_preflight_refusal_never_echoes_junk(client):
    resp = preflight(client, DASH, "P<script>", status=403)
    assert "<script>" not in resp.text
    assert "the requested method" in resp.json["description"]


def test_preflight_from_disallowed_origin_goes_to_the_app(client):
    resp = preflight(client, EVIL)
    assert cors_headers(resp) == {}
    assert resp.json["method"] == "OPTIONS"


def test_plain_options_from_allowed_origin_reaches_the_app(client):
    resp = client.options("/", headers={"Origin": DASH})
    assert resp.json["method"] == "OPTIONS"
    assert resp.headers["Access-Control-Allow-Origin"] == DASH


def test_credentials():
    client = TestApp(CORS(environ_app, allowed_origin=DASH, allow_credentials="true"))
    resp = client.get("/", headers={"Origin": DASH})
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"
    assert resp.headers["Access-Control-Allow-Origin"] == DASH
    resp = preflight(client, DASH, "GET")
    assert resp.headers["Access-Control-Allow-Credentials"] == "true"


def test_wildcard_only_when_configured():
    client = TestApp(CORS(environ_app, allowed_origin="*"))
    resp = client.get("/", headers={"Origin": EVIL})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "Vary" not in resp.headers  # the same answer for every origin
    assert preflight(client, EVIL, "PATCH").headers["Access-Control-Allow-Origin"] == "*"


def test_wildcard_with_credentials_is_refused():
    with pytest.raises(MiddlewareConfigError, match="with allow_credentials = true"):
        CORS(environ_app, allowed_origin="*", allow_credentials=True)


def test_apps_vary_is_merged():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Vary", "Accept")])
        return [b"x"]

    resp = TestApp(CORS(app, allowed_origin=DASH)).get("/", headers={"Origin": DASH})
    assert resp.headers["Vary"] == "Accept, Origin"


def test_apps_own_allow_origin_is_replaced():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Access-Control-Allow-Origin", "*")])
        return [b"x"]

    resp = TestApp(CORS(app, allowed_origin=DASH)).get("/", headers={"Origin": DASH})
    assert [v for k, v in resp.headerlist if k == "Access-Control-Allow-Origin"] == [DASH]


def test_configured_methods():
    client = TestApp(CORS(environ_app, allowed_origin=DASH, allow_methods="get, post"))
    assert preflight(client, DASH, "POST").headers["Access-Control-Allow-Methods"] == "GET, POST"
    preflight(client, DASH, "DELETE", status=403)


def test_origins_are_matched_in_browser_form():
    client = TestApp(CORS(environ_app, allowed_origin="HTTPS://Dashboard.Example.com"))
    assert client.get("/", headers={"Origin": DASH}).headers[
        "Access-Control-Allow-Origin"] == DASH


@pytest.mark.parametrize("conf,key", [
    ({"allowed_origin": "https://a.example.com/"}, "allowed_origin"),
    ({"allowed_origin": "a.example.com"}, "allowed_origin"),
    ({"allowed_origin": "https://a.example.com/path"}, "allowed_origin"),
    ({"allowed_origin": "https://a.example.com:443"}, "allowed_origin"),
    ({"allowed_origin": DASH, "max_age": "an hour"}, "max_age"),
    ({"allowed_origin": DASH, "allow_credentials": "sometimes"}, "allow_credentials"),
    ({"allowed_origins": DASH}, "allowed_origins"),
])
def test_bad_settings_name_the_key(conf, key):
    with pytest.raises(MiddlewareConfigError) as err:
        CORS(environ_app, **conf)
    assert repr(key) in str(err.value)


def test_bad_header_name_is_refused():
    with pytest.raises(MiddlewareConfigError, match="not a valid HTTP token"):
        CORS(environ_app, allowed_origin=DASH, allow_headers="X Auth")


# --- over the wire -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def port():
    with waitress("tests.middleware.apps:cors") as (port, _):
        yield port


def test_wire_preflight(port):
    status, headers, body = raw_request(
        port,
        f"OPTIONS /v2/servers HTTP/1.1\nHost: api.example.com\nOrigin: {DASH}\n"
        "Access-Control-Request-Method: POST\n"
        "Access-Control-Request-Headers: X-Auth-Token, Content-Type\nConnection: close",
    )
    assert status == 200
    assert body == b""
    assert headers["access-control-allow-origin"] == DASH
    assert headers["access-control-allow-methods"] == "GET, HEAD, POST, PUT, PATCH, DELETE"
    assert headers["access-control-allow-headers"] == "x-auth-token, content-type"
    assert headers["access-control-max-age"] == "600"
    assert "Origin" in headers["vary"]


def test_wire_actual_request_and_disallowed_origin(port):
    status, headers, body = raw_request(
        port, f"GET /v2/servers HTTP/1.1\nHost: a\nOrigin: {DASH}\nConnection: close")
    assert status == 200
    assert headers["access-control-allow-origin"] == DASH
    assert headers["access-control-expose-headers"] == "X-Openstack-Request-Id"
    assert json.loads(body)["path_info"] == "/v2/servers"
    status, headers, _ = raw_request(
        port, f"GET /v2/servers HTTP/1.1\nHost: a\nOrigin: {EVIL}\nConnection: close")
    assert status == 200
    assert not [h for h in headers if h.startswith("access-control-")]
    assert headers["vary"] == "Origin"


def test_wire_refused_preflight(port):
    status, headers, body = raw_request(
        port,
        f"OPTIONS /v2/servers HTTP/1.1\nHost: a\nOrigin: {DASH}\n"
        "Access-Control-Request-Method: TRACE\nConnection: close",
    )
    assert status == 403
    assert not [h for h in headers if h.startswith("access-control-")]
    assert "not an allowed method" in json.loads(body)["description"]
