"""Seed 003's Pecan examples, ported to carya, answered by a real server on loopback.

The service is started the way the README starts it (``carya serve config.py``)
in a subprocess; requests go over real sockets.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.parse

import pytest

from tests.support import EXAMPLES, fetch, free_port, wait_for_port

CONFIG = os.path.join(EXAMPLES, "catalog", "config.py")


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "carya", "serve", CONFIG, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, proc)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
    assert code == 0, "SIGTERM should stop the server cleanly"


def test_catalog_redirects_to_canonical(server):
    status, headers, _ = fetch(server, "GET", "/catalog")
    assert status == 302
    assert headers["Location"] == "/catalog/", "relative: never built from the client's Host"


def test_catalog_index(server):
    assert fetch(server, "GET", "/catalog/")[2] == "Welcome to the catalog."


def test_books(server):
    assert fetch(server, "GET", "/catalog/books/")[2] == "Welcome to book section."
    assert fetch(server, "GET", "/catalog/books/bestsellers")[2] == "We have 5 books in the top 10."


def test_basemethod_get_and_post(server):
    status, headers, body = fetch(server, "GET", "/basemethod/")
    assert (status, body) == (200, "{}")
    assert headers["Content-Type"] == "application/json"
    form = urllib.parse.urlencode({"hello": "world"})
    status, _, body = fetch(
        server, "POST", "/basemethod/", form,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (status, body) == (200, '{"hello": "world"}')


def test_lookup(server):
    assert fetch(server, "GET", "/look_test/66/name")[2] == "66"


def test_rest_controller(server):
    assert fetch(server, "GET", "/my_restcontroller/13579")[2] == "13579"


def test_rest_controller_wrong_method(server):
    status, headers, _ = fetch(server, "DELETE", "/my_restcontroller/13579")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"


def test_response_status_403(server):
    status, _, body = fetch(server, "GET", "/forbidden/")
    assert (status, body) == (403, "Not for you.")


def test_root_template_and_search_post(server):
    status, _, body = fetch(server, "GET", "/")
    assert status == 200 and "Welcome to carya" in body
    status, headers, _ = fetch(
        server, "POST", "/", "q=wsgi", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 302
    assert headers["Location"] == "https://pecan.readthedocs.io/en/latest/search.html?q=wsgi"


def test_error_controller_via_errors_map(server):
    status, _, body = fetch(server, "GET", "/no/such/page")
    assert status == 404
    assert "Error 404" in body and "could not be found" in body


def test_bad_input_is_4xx_not_traceback(server):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = fetch(server, "POST", "/", "", form)
    assert status == 400 and "Missing argument 'q'" in body
    assert "Traceback" not in body
