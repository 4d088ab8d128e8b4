"""Seed 002: the "Paste Deploy LAB" and the OpenStack WSGI prototype, served for real.

Each INI is run the way the seed runs it (its script, in its folder) behind
Paste's own ``egg:Paste#urlmap`` and behind ``egg:carya#urlmap``.
"""

from __future__ import annotations

import json
import sys

import pytest

from tests.seeds.serving import LAB, lower_keys
from tests.support import fetch, free_port, running

COMPOSITES = ["test_composite", "carya_composite"]  # egg:Paste#urlmap, egg:carya#urlmap


def run_script(script: str, name: str, *requests: tuple[str, str]):
    """Start ``script --name name`` in the lab folder, make ``requests``; (answers, output)."""
    port = free_port()
    cmd = [sys.executable, script, "--name", name, "--port", str(port)]
    with running(cmd, port, cwd=LAB) as proc:
        answers = [fetch(port, method, path) for method, path in requests]
    return answers, proc.stdout.read()


@pytest.mark.parametrize("name", COMPOSITES)
def test_lab_shows_version(name):
    answers, output = run_script("pastedeploylab.py", name, ("GET", "/"), ("GET", "/any/path"))
    for status, headers, body in answers:
        assert (status, body) == (200, "Paste Deploy LAB: Version = 1.0.0")
        assert lower_keys(headers)["content-type"] == "text/plain"
    assert output.count("filter:LogFilter is called.") == 2, "each request went through the filter"
    assert "in LogFilter.factory" in output
    assert "'username': 'root', 'password': 'root123'" in output, "the filter got its INI keys"
    assert "in ShowVersion.factory" in output and "{'version': '1.0.0'}" in output


@pytest.mark.parametrize("name", COMPOSITES)
def test_prototype_routes_v1_test(name):
    answers, output = run_script(
        "server.py", name, ("GET", "/v1/test"), ("GET", "/v1/other"), ("GET", "/v10/test"),
        ("GET", "/"),
    )
    (status, headers, body), other, v10, root = answers
    assert status == 300
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"versions": "0.1"}
    assert other[0] == 404, "the router has no /other"
    assert v10[0] == 404 and root[0] == 404, "nothing is mounted there"
    startup = ["server", "load_paste_app", "Router.__factory__", "API.__init__",
               "create_resource", "Controller.__init__", "Router.__init__"]
    lines = output.splitlines()
    assert [line for line in lines if line in startup] == startup, "the seed's start-up order"
    first_request = ["Router.__call__", "Router._dispatch", "Controller.__call__",
                     "Controller.index"]
    calls = [line for line in lines if line in first_request]
    assert calls[:4] == first_request
    assert calls[4:] == ["Router.__call__", "Router._dispatch"], "/v1/other stops at the router"


def test_prototype_bad_app_name_is_a_clear_error():
    port = free_port()
    cmd = [sys.executable, "server.py", "--name", "no_such_composite", "--port", str(port)]
    with pytest.raises(RuntimeError) as error:
        with running(cmd, port, cwd=LAB):
            pass
    message = str(error.value)
    assert "cannot load 'no_such_composite'" in message
    assert "test-paste.ini" in message
    assert "Traceback" in message, "the script fails at start-up, before serving"
