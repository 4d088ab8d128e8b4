"""Seed 002's Router/API/versions example, rebuilt on carya.api, served at /v1/test.

Through WebTest (the API alone and behind Paste Deploy's urlmap), and over real
HTTP with ``carya serve`` on the seed's INI.
"""

from __future__ import annotations

import json
import os
import sys

import pytest
from paste.deploy import loadapp
from webtest import TestApp

from tests.api.seed002.router import API
from tests.support import ROOT, fetch, free_port, running

INI = os.path.join(os.path.dirname(__file__), "seed002", "test-paste.ini")


def test_api_answers_test_with_300(capsys):
    app = TestApp(API())
    printed = capsys.readouterr().out.split()
    assert printed == ["API.__init__", "create_resource", "Controller.__init__"]
    resp = app.get("/test", status=300)
    assert resp.json == {"versions": "0.1"}
    assert resp.content_type == "application/json"
    assert capsys.readouterr().out.split() == ["Controller.index"]
    assert app.get("/other", status=404).json["itemNotFound"]["code"] == 404


@pytest.mark.parametrize("name", ["test_composite", "carya_composite"])
def test_mounted_at_v1_by_paste_deploy(name):
    app = TestApp(loadapp(f"config:{INI}", name=name))
    assert app.get("/v1/test", status=300).json == {"versions": "0.1"}
    app.get("/v1/other", status=404)
    app.get("/test", status=404)


def test_served_over_http():
    port = free_port()
    cmd = [sys.executable, "-m", "carya", "serve", f"{INI}#test_composite",
           "--port", str(port)]
    with running(cmd, port, cwd=ROOT):
        status, headers, body = fetch(port, "GET", "/v1/test")
        assert status == 300 and json.loads(body) == {"versions": "0.1"}
        assert headers["Content-Type"].startswith("application/json")
        status, _, body = fetch(port, "GET", "/v1/nothing")
        assert status == 404 and json.loads(body)["itemNotFound"]["code"] == 404
        status, headers, body = fetch(port, "HEAD", "/v1/test")
        assert status == 300 and body == "", "the route has no method condition, as in the seed"
