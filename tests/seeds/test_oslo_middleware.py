"""oslo.middleware filters in front of a carya app (``egg:carya#main``), over real HTTP.

``oslo-paste.ini``: oslo's RequestId, HTTPProxyToWSGI and CORS, as OpenStack
services configure them, then a carya app that echoes what it saw.
"""

from __future__ import annotations

import json
import os

import pytest

from carya.paste import loadapp
from tests.seeds.serving import LAB, lower_keys, serving
from tests.support import fetch

OSLO_PASTE = os.path.join(LAB, "oslo-paste.ini")
DASHBOARD = "https://dashboard.example.org"


@pytest.fixture(scope="module")
def behind_proxy():
    """Served as behind a trusted proxy: waitress keeps the X-Forwarded-* headers."""
    with serving(loadapp(OSLO_PASTE), clear_untrusted_proxy_headers=False) as port:
        yield port


def test_request_id(behind_proxy):
    status, headers, body = fetch(behind_proxy, "GET", "/")
    assert status == 200
    req_id = lower_keys(headers)["x-openstack-request-id"]
    assert req_id.startswith("req-")
    assert json.loads(body)["request_id"] == req_id, "the app saw the id oslo generated"
    assert lower_keys(fetch(behind_proxy, "GET", "/")[1])["x-openstack-request-id"] != req_id


def test_http_proxy_to_wsgi_sets_scheme_and_host(behind_proxy):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.org"}
    body = json.loads(fetch(behind_proxy, "GET", "/", headers=headers)[2])
    assert body["scheme"] == "https"
    assert body["host_url"] == "https://api.example.org"
    plain = json.loads(fetch(behind_proxy, "GET", "/")[2])
    assert plain["scheme"] == "http"


def test_rfc7239_forwarded_header(behind_proxy):
    headers = {"Forwarded": "for=10.0.0.1;proto=https;host=cloud.example.org"}
    body = json.loads(fetch(behind_proxy, "GET", "/", headers=headers)[2])
    assert body["host_url"] == "https://cloud.example.org"


def test_cors_allowed_origin(behind_proxy):
    _, headers, _ = fetch(behind_proxy, "GET", "/", headers={"Origin": DASHBOARD})
    assert headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert headers["Access-Control-Expose-Headers"] == "X-OpenStack-Request-Id"


def test_cors_other_origin_gets_no_grant(behind_proxy):
    _, headers, _ = fetch(behind_proxy, "GET", "/", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers


def test_cors_preflight(behind_proxy):
    _, headers, _ = fetch(behind_proxy, "OPTIONS", "/", headers={
        "Origin": DASHBOARD, "Access-Control-Request-Method": "POST",
    })
    assert headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert headers["Access-Control-Allow-Methods"] == "POST"


def test_carya_server_defaults_drop_untrusted_proxy_headers():
    """With carya's default server settings the header never reaches oslo's filter."""
    with serving(loadapp(OSLO_PASTE)) as port:
        body = json.loads(fetch(port, "GET", "/", headers={"X-Forwarded-Proto": "https"})[2])
    assert body["scheme"] == "http"
