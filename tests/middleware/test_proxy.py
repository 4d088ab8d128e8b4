"""carya.middleware.proxy: proxy headers honoured only when enabled, and only the trusted entry."""

from __future__ import annotations

import json

import pytest
import webob
from webtest import TestApp

from carya.middleware.options import MiddlewareConfigError
from carya.middleware.proxy import BadProxyHeader, HTTPProxyToWSGI, parse_forwarded
from tests.middleware.apps import environ_app
from tests.middleware.wire import raw_request, waitress

BASE = {"REMOTE_ADDR": "10.0.0.5", "HTTP_HOST": "internal:8080"}


def facts(app, headers: dict, status: int = 200, path: str = "/v2/servers") -> dict:
    resp = TestApp(app, extra_environ=BASE).get(path, headers=headers, status=status)
    return resp.json


@pytest.fixture
def enabled():
    return HTTPProxyToWSGI(environ_app, enable_proxy_headers_parsing="true")


X_HEADERS = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "api.example.com",
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Prefix": "/compute",
}


def test_disabled_by_default_ignores_everything():
    got = facts(HTTPProxyToWSGI(environ_app), {**X_HEADERS, "Forwarded": "proto=https"})
    assert got["url_scheme"] == "http"
    assert got["host"] == "internal:8080"
    assert got["remote_addr"] == "10.0.0.5"
    assert got["script_name"] == ""


def test_x_forwarded_headers(enabled):
    got = facts(enabled, X_HEADERS)
    assert got["url_scheme"] == "https"
    assert got["host"] == "api.example.com"
    assert got["remote_addr"] == "203.0.113.7"
    assert got["script_name"] == "/compute"
    assert got["path_info"] == "/v2/servers"


def test_generated_urls_use_the_proxied_view():
    def app(environ, start_response):
        body = webob.Request(environ).application_url.encode()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]

    client = TestApp(HTTPProxyToWSGI(app, enable_proxy_headers_parsing=True),
                     extra_environ=BASE)
    assert client.get("/", headers=X_HEADERS).text == "https://api.example.com/compute"


def test_rightmost_entry_is_the_trusted_one(enabled):
    got = facts(enabled, {"X-Forwarded-For": "1.2.3.4, 198.51.100.9",
                          "X-Forwarded-Proto": "http, https"})
    assert got["remote_addr"] == "198.51.100.9"  # 1.2.3.4 is what the client claimed
    assert got["url_scheme"] == "https"


def test_trusted_proxy_count():
    app = HTTPProxyToWSGI(environ_app, enable_proxy_headers_parsing=True,
                          trusted_proxy_count="2")
    got = facts(app, {"X-Forwarded-For": "6.6.6.6, 203.0.113.7, 10.1.1.1"})
    assert got["remote_addr"] == "203.0.113.7"
    got = facts(app, {"X-Forwarded-For": "203.0.113.7"})  # shorter than the count: ignored
    assert got["remote_addr"] == "10.0.0.5"


def test_forwarded_header(enabled):
    got = facts(enabled, {
        "Forwarded": 'for=192.0.2.60;proto=http;by=203.0.113.43, '
                     'for="[2001:db8:cafe::17]:4711";proto=https;host="api.example.com:8774"',
        "X-Forwarded-Proto": "http",  # ignored: Forwarded wins
    })
    assert got["url_scheme"] == "https"
    assert got["host"] == "api.example.com:8774"
    assert got["remote_addr"] == "2001:db8:cafe::17"


def test_forwarded_unknown_and_obfuscated_for_keep_remote_addr(enabled):
    assert facts(enabled, {"Forwarded": "for=unknown"})["remote_addr"] == "10.0.0.5"
    assert facts(enabled, {"Forwarded": "for=_hidden;proto=https"})["remote_addr"] == "10.0.0.5"


def test_forwarded_ipv4_with_port(enabled):
    assert facts(enabled, {"Forwarded": 'for="192.0.2.43:47011"'})["remote_addr"] == "192.0.2.43"


def test_prefix_is_prepended_and_unquoted():
    app = HTTPProxyToWSGI(environ_app, enable_proxy_headers_parsing=True)
    resp = TestApp(app, extra_environ={**BASE, "SCRIPT_NAME": "/app"}).get(
        "/x", headers={"X-Forwarded-Prefix": "/my%20api/"})
    assert resp.json["script_name"] == "/my api/app"


@pytest.mark.parametrize("headers,fragment", [
    ({"X-Forwarded-Proto": "gopher"}, "X-Forwarded-Proto: the scheme must be http or https"),
    ({"X-Forwarded-Host": "evil.com/path"}, "X-Forwarded-Host: expected a host name"),
    ({"X-Forwarded-Host": "a b"}, "X-Forwarded-Host"),
    ({"X-Forwarded-For": "not-an-ip"}, "X-Forwarded-For: expected an IP address"),
    ({"X-Forwarded-For": "1.2.3.4, "}, "X-Forwarded-For"),
    ({"X-Forwarded-Prefix": "compute"}, "X-Forwarded-Prefix: expected a URL path"),
    ({"X-Forwarded-Prefix": "/a\"b"}, "X-Forwarded-Prefix"),
    ({"Forwarded": "for"}, "Forwarded: expected name=value"),
    ({"Forwarded": 'for="1.2.3.4'}, "Forwarded"),
    ({"Forwarded": "for=1.2.3.4 proto=https"}, "Forwarded: expected ';' or ','"),
    ({"Forwarded": "for=1.2.3.4;for=5.6.7.8"}, "repeated"),
    ({"Forwarded": "proto=ftp"}, "Forwarded proto: the scheme must be http or https"),
    ({"Forwarded": "host=\"a/b\""}, "Forwarded host"),
    ({"Forwarded": "for=300.1.1.1"}, "Forwarded for: expected an IP address"),
])
def test_malformed_headers_are_a_400(enabled, headers, fragment):
    resp = TestApp(enabled, extra_environ=BASE).get("/", headers=headers, status=400)
    assert resp.content_type == "application/json"
    assert fragment in resp.json["description"]


def test_parse_forwarded():
    assert parse_forwarded('For="[2001:db8::1]";Proto=HTTPS, for=1.2.3.4') == [
        {"for": "[2001:db8::1]", "proto": "HTTPS"}, {"for": "1.2.3.4"},
    ]
    assert parse_forwarded(r'host="a\"b"') == [{"host": 'a"b'}]
    with pytest.raises(BadProxyHeader):
        parse_forwarded("")


def test_bad_options():
    with pytest.raises(MiddlewareConfigError, match="'enable_proxy_headers_parsing'"):
        HTTPProxyToWSGI(environ_app, enable_proxy_headers_parsing="maybe")
    with pytest.raises(MiddlewareConfigError, match="'trusted_proxy_count'"):
        HTTPProxyToWSGI(environ_app, trusted_proxy_count="0")


# --- over the wire -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ports():
    with waitress("tests.middleware.apps:proxied") as (on, _):
        with waitress("tests.middleware.apps:not_proxied") as (off, _):
            yield on, off


WIRE_REQUEST = (
    "GET /v2.1/servers HTTP/1.1\nHost: 127.0.0.1\nX-Forwarded-Proto: https\n"
    "X-Forwarded-Host: compute.example.com\nX-Forwarded-For: 6.6.6.6, 203.0.113.7\n"
    "X-Forwarded-Prefix: /compute\nConnection: close"
)


def test_wire_enabled(ports):
    status, _, body = raw_request(ports[0], WIRE_REQUEST)
    got = json.loads(body)
    assert status == 200
    assert (got["url_scheme"], got["host"], got["remote_addr"], got["script_name"]) == (
        "https", "compute.example.com", "203.0.113.7", "/compute")


def test_wire_disabled(ports):
    status, _, body = raw_request(ports[1], WIRE_REQUEST)
    got = json.loads(body)
    assert status == 200
    assert (got["url_scheme"], got["host"], got["remote_addr"], got["script_name"]) == (
        "http", "127.0.0.1", "127.0.0.1", "")


def test_wire_forwarded_and_malformed(ports):
    status, _, body = raw_request(
        ports[0], 'GET / HTTP/1.1\nHost: 127.0.0.1\nForwarded: for="[::1]:80";proto=https\n'
                  "Connection: close")
    assert status == 200
    assert json.loads(body)["remote_addr"] == "::1"
    status, _, body = raw_request(
        ports[0], "GET / HTTP/1.1\nHost: 127.0.0.1\nX-Forwarded-Proto: javascript\n"
                  "Connection: close")
    assert status == 400
    assert "X-Forwarded-Proto" in json.loads(body)["description"]
