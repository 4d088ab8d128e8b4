"""Every carya filter loaded from a Paste Deploy INI with ``use = egg:carya#<name>``.

The pipeline is driven with WebTest, then served by a real server (waitress,
``carya.server.make_server``) and called over a socket.
"""

from __future__ import annotations

import json
import textwrap
from importlib.metadata import entry_points

import pytest
from paste.deploy import loadapp
from webtest import TestApp

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
from carya.middleware.faultwrap import INTERNAL_MESSAGE
from carya.middleware.options import MiddlewareConfigError
from carya.middleware.request_id import HEADER
from tests.middleware.apps import environ_app
from tests.middleware.wire import Output, raw_request, waitress

TOKEN = "S3cr3t-Token_1"
DASH = "https://dashboard.example.com"

INI = textwrap.dedent(f"""\
    [DEFAULT]
    debug = true
    max_request_body_size = 1

    [pipeline:main]
    pipeline = access_log request_id faultwrap proxy cors sizelimit static_token echo

    [pipeline:dev]
    pipeline = request_id faultwrap noauth echo

    [filter:access_log]
    use = egg:carya#access_log
    logger_name = tests.paste.access

    [filter:request_id]
    use = egg:carya#request_id

    [filter:faultwrap]
    use = egg:carya#faultwrap

    [filter:proxy]
    use = egg:carya#http_proxy_to_wsgi
    enable_proxy_headers_parsing = true

    [filter:cors]
    use = egg:carya#cors
    allowed_origin = {DASH}
    allow_headers = X-Auth-Token
    max_age = 600

    [filter:sizelimit]
    use = egg:carya#sizelimit
    set max_request_body_size = 2048

    [filter:static_token]
    use = egg:carya#static_token
    realm = compute
    token.{TOKEN} = alice:project-a:member,reader

    [filter:noauth]
    use = egg:carya#noauth

    [app:echo]
    paste.app_factory = tests.middleware.apps:app_factory
""")

FILTERS = {
    "request_id": "carya.middleware.request_id:filter_factory",
    "faultwrap": "carya.middleware.faultwrap:filter_factory",
    "sizelimit": "carya.middleware.sizelimit:filter_factory",
    "cors": "carya.middleware.cors:filter_factory",
    "http_proxy_to_wsgi": "carya.middleware.proxy:filter_factory",
    "access_log": "carya.middleware.access_log:filter_factory",
    "noauth": "carya.middleware.auth:noauth_filter_factory",
    "static_token": "carya.middleware.auth:static_token_filter_factory",
    "openapi": "carya.openapi:filter_factory",
}


@pytest.fixture(scope="module")
def ini(tmp_path_factory):
    path = tmp_path_factory.mktemp("paste") / "api-paste.ini"
    path.write_text(INI)
    return str(path)


def chain(app) -> list:
    out = [app]
    while hasattr(out[-1], "application"):
        out.append(out[-1].application)
    return out


def test_entry_points_are_the_declared_callables():
    found = {ep.name: ep for ep in entry_points(group="paste.filter_factory")
             if ep.value.startswith("carya.")}
    assert {name: ep.value for name, ep in found.items()} == FILTERS
    for ep in found.values():
        factory = ep.load()
        assert callable(factory({"__file__": "x.ini"}, **_minimal_conf(ep.name)))


def _minimal_conf(name: str) -> dict:
    return {"token.abcdefgh": "u:p"} if name == "static_token" else {}


def test_pipeline_uses_every_filter_with_its_settings(ini):
    app = loadapp("config:" + ini)
    layers = chain(app)
    assert [type(layer) for layer in layers[:-1]] == [
        AccessLog, RequestId, FaultWrapper, HTTPProxyToWSGI, CORS, RequestBodySizeLimiter,
        StaticToken,
    ]
    assert layers[-1] is environ_app
    access, _, _, proxy, cors, size, static = layers[:-1]
    assert access.logger.name == "tests.paste.access"
    assert proxy.enabled is True
    assert cors.origins == {DASH}
    assert size.limit == 2048  # [DEFAULT]'s 1, overridden for this section with "set"
    assert static.realm == "compute"
    assert static.lookup(TOKEN)[:2] == ("alice", "project-a")


def test_pipeline_answers(ini):
    client = TestApp(loadapp("config:" + ini))
    resp = client.get("/v2/servers", headers={"X-Auth-Token": TOKEN, "Origin": DASH,
                                              "X-Forwarded-Proto": "https"})
    facts = resp.json
    assert facts["context"]["user_id"] == "alice"
    assert facts["context"]["request_id"] == resp.headers[HEADER]
    assert facts["url_scheme"] == "https"
    assert resp.headers["Access-Control-Allow-Origin"] == DASH

    resp = client.get("/v2/servers", headers={"Origin": DASH}, status=401)
    assert resp.headers["WWW-Authenticate"] == 'Token realm="compute"'
    assert resp.headers["Access-Control-Allow-Origin"] == DASH  # the page can read why

    resp = client.options("/v2/servers", headers={
        "Origin": DASH, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "X-Auth-Token"})
    assert resp.status_int == 200  # preflights carry no token and are not refused for it

    resp = client.post("/v2/servers", b"x" * 4096, headers={"X-Auth-Token": TOKEN}, status=413)
    assert resp.json["code"] == 413

    resp = client.get("/boom", headers={"X-Auth-Token": TOKEN}, status=500)
    assert resp.json == {"computeFault": {"code": 500, "message": INTERNAL_MESSAGE,
                                          "request_id": resp.headers[HEADER]}}


def test_dev_pipeline_with_noauth(ini):
    app = loadapp("config:" + ini, name="dev")
    assert [type(layer) for layer in chain(app)[:-1]] == [RequestId, FaultWrapper, NoAuth]
    resp = TestApp(app).get("/", headers={"X-Auth-User": "bob", "X-Auth-Project-Id": "p2"})
    ctx = resp.json["context"]
    assert (ctx["user_id"], ctx["project_id"], ctx["roles"]) == ("bob", "p2", ["member"])


def test_default_section_supplies_declared_options_only(tmp_path):
    """[DEFAULT] values are defaults for the options a filter has; other globals
    (``debug``) are not mistaken for misspelt options."""
    path = tmp_path / "defaults.ini"
    path.write_text(INI.replace("set max_request_body_size = 2048\n", ""))
    size = chain(loadapp(f"config:{path}"))[5]
    assert isinstance(size, RequestBodySizeLimiter) and size.limit == 1


@pytest.mark.parametrize("old,new,key", [
    ("set max_request_body_size = 2048", "set max_request_body_size = 100KB",
     "max_request_body_size"),
    ("max_age = 600", "max_age = -3", "max_age"),
    ("max_age = 600", "allow_credentials = perhaps", "allow_credentials"),
    ("enable_proxy_headers_parsing = true", "enable_proxy_headers_parsing = yes please",
     "enable_proxy_headers_parsing"),
    ("logger_name = tests.paste.access", "loger_name = x", "loger_name"),
    ("max_request_body_size = 1\n", "max_request_body_size = 1\nfault_name =\n",
     "fault_name"),
])
def test_bad_ini_value_names_file_and_key(tmp_path, old, new, key):
    assert old in INI
    text = INI.replace(old, new)
    path = tmp_path / "bad-paste.ini"
    path.write_text(text)
    with pytest.raises(MiddlewareConfigError) as err:
        loadapp(f"config:{path}")
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    assert repr(key) in message


def test_static_token_without_tokens_fails_at_load(tmp_path):
    path = tmp_path / "no-tokens.ini"
    path.write_text(INI.replace(f"token.{TOKEN} = alice:project-a:member,reader\n", ""))
    with pytest.raises(MiddlewareConfigError, match="no tokens configured"):
        loadapp(f"config:{path}")


# --- over the wire -----------------------------------------------------------------------


def test_pipeline_over_a_real_server(ini):
    with waitress(f"config:{ini}#main") as (port, proc):
        output = Output(proc)
        ok = raw_request(port, f"GET /v2/servers HTTP/1.1\nHost: a\nX-Auth-Token: {TOKEN}\n"
                               "Connection: close")
        boom = raw_request(port, f"GET /boom HTTP/1.1\nHost: a\nX-Auth-Token: {TOKEN}\n"
                                 "Connection: close")
        denied = raw_request(port, "GET /v2/servers HTTP/1.1\nHost: a\nConnection: close")
        # The server's log: one access line per request, each with its id, written
        # when the server closes the response (so possibly after the client has it).
        access = output.wait_for(
            r"LOG tests\.paste\.access INFO \[(\S+)\] .*\"GET (\S+)\" status: (\d+)", count=3)
        fault = output.wait_for(r"LOG carya\.middleware\.faultwrap ERROR \[(\S+)\] GET /boom "
                                r"\[(\S+)\] failed: RuntimeError")

    status, headers, body = ok
    rid = headers[HEADER.lower()]
    assert status == 200 and json.loads(body)["context"]["request_id"] == rid

    status, headers, body = boom
    boom_rid = headers[HEADER.lower()]
    assert status == 500
    assert json.loads(body)["computeFault"]["request_id"] == boom_rid
    assert b"secret internal detail" not in body and b"Traceback" not in body

    status, headers, body = denied
    denied_rid = headers[HEADER.lower()]
    assert status == 401 and json.loads(body)["code"] == 401

    assert sorted(m.groups() for m in access) == sorted([
        (rid, "/v2/servers", "200"), (boom_rid, "/boom", "500"),
        (denied_rid, "/v2/servers", "401"),
    ])
    # the fault's traceback is in the server's log under the failing request's id
    assert fault[0].groups() == (boom_rid, boom_rid)
    assert "Traceback" in output.text and "secret internal detail" in output.text
