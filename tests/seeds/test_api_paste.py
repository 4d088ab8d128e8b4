"""A Nova-shaped ``api-paste.ini`` (seed 003): urlmap + auth-strategy pipelines, over HTTP.

``/`` is the versions app, ``/v2.1`` the API, whose pipeline (noauth2 or
keystone) is chosen by ``auth_strategy`` as Nova's ``pipeline_factory_v21``
does. The filters are carya's middleware, loaded by their ``egg:carya#`` names.
"""

from __future__ import annotations

import json
import os

import pytest

from carya.configuration import ConfigError
from carya.paste import loadapp
from tests.seeds.serving import LAB, lower_keys, serving
from tests.support import fetch

API_PASTE = os.path.join(LAB, "api-paste.ini")
DASHBOARD = "https://dashboard.example.org"


@pytest.fixture(autouse=True)
def _no_strategy_env(monkeypatch):
    monkeypatch.delenv("CARYA_AUTH_STRATEGY", raising=False)


def served(**global_conf):
    # behind a trusted proxy: waitress passes X-Forwarded-* on to http_proxy_to_wsgi
    app = loadapp(API_PASTE, "osapi", global_conf=global_conf)
    return serving(app, clear_untrusted_proxy_headers=False)


def get_json(port: int, path: str, **headers: str):
    status, got_headers, body = fetch(port, "GET", path, headers=headers)
    return status, lower_keys(got_headers), json.loads(body)


def test_versions_at_root():
    with served() as port:
        status, headers, body = get_json(port, "/")
        proxied = get_json(port, "/", **{"X-Forwarded-Proto": "https"})[2]
    assert status == 200
    assert body["versions"][0]["id"] == "v2.1"
    assert body["versions"][0]["links"][0]["href"] == f"http://127.0.0.1:{port}/v2.1/"
    assert proxied["versions"][0]["links"][0]["href"] == f"https://127.0.0.1:{port}/v2.1/"
    assert headers["x-openstack-request-id"].startswith("req-")


def test_v21_is_mounted_at_its_prefix():
    with served(auth_strategy="noauth2") as port:
        _, _, body = get_json(port, "/v2.1/")
        status, headers, _ = fetch(port, "GET", "/v2.1/servers")
        not_mounted = fetch(port, "GET", "/v2.10/servers/")
    assert (body["script_name"], body["path_info"]) == ("/v2.1", "/")
    assert status == 302, "carya's canonical-URL redirect, as Pecan does"
    assert headers["Location"] == "/v2.1/servers/", \
        "the redirect keeps the mount prefix"
    assert not_mounted[0] == 404, "/v2.10 belongs to the versions app, which has no 'v2.10'"


def test_noauth2_pipeline():
    with served(auth_strategy="noauth2") as port:
        status, headers, body = get_json(port, "/v2.1/servers/", **{"X-Auth-Token": "bob:blue"})
        anonymous = get_json(port, "/v2.1/servers/")[2]
    assert status == 200
    assert body == {"servers": [],
                    "context": {"user_id": "bob", "project_id": "blue", "roles": ["member"]}}
    assert headers["x-openstack-request-id"].startswith("req-")
    assert anonymous["context"]["user_id"] == "admin"


def test_keystone_pipeline_is_the_default():
    with served() as port:
        denied = get_json(port, "/v2.1/servers/")
        wrong = get_json(port, "/v2.1/servers/", **{"X-Auth-Token": "bob:blue"})
        status, _, body = get_json(port, "/v2.1/servers/", **{"X-Auth-Token": "s3cret"})
    assert denied[0] == 401
    assert denied[1]["www-authenticate"] == 'Token realm="novalab"'
    assert wrong[0] == 401, "noauth2's tokens mean nothing to the keystone pipeline"
    assert status == 200
    assert body["context"] == {"user_id": "alice", "project_id": "wonderland",
                               "roles": ["member", "reader"]}


def test_strategy_from_environment(monkeypatch):
    monkeypatch.setenv("CARYA_AUTH_STRATEGY", "noauth2")
    with served() as port:
        assert get_json(port, "/v2.1/servers/")[2]["context"]["user_id"] == "admin"


def test_sizelimit_and_cors_run_before_the_app():
    with served(auth_strategy="noauth2") as port:
        small = fetch(port, "POST", "/v2.1/upload", body=b"x" * 100)
        big = fetch(port, "POST", "/v2.1/upload", body=b"x" * 2048,
                    headers={"Origin": DASHBOARD})
    assert (small[0], json.loads(small[2])) == (200, {"size": 100})
    assert big[0] == 413
    assert "1024 bytes" in json.loads(big[2])["description"]
    assert lower_keys(big[1])["access-control-allow-origin"] == DASHBOARD


def test_unknown_strategy_is_a_start_up_error():
    with pytest.raises(ConfigError) as error:
        loadapp(API_PASTE, "osapi", global_conf={"auth_strategy": "ldap"})
    message = str(error.value)
    assert API_PASTE in message
    assert "'ldap' has no pipeline; available: keystone, noauth2" in message
