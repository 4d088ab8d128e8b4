"""carya applications under the real ``gunicorn`` command, over real HTTP.

The entry is gunicorn's factory-call syntax on carya's own ``deploy``::

    gunicorn 'carya.deploy:deploy("/srv/catalog/config.py")'

(gunicorn >= 20.1 calls ``module:function(literal args)`` to get the app), so
no per-project ``wsgi.py`` is needed; the path should be absolute, or relative
to gunicorn's ``--chdir``.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time

import pytest

from tests.deploy.conftest import APACHE_EXAMPLES, CATALOG, gunicorn_cmd, running, stop


def deploy_entry(config: str) -> str:
    return f'carya.deploy:deploy("{config}")'


def test_catalog_under_gunicorn_gthread(port, workdir):
    cmd = gunicorn_cmd(deploy_entry(os.path.join(CATALOG, "config.py")), port,
                       "--workers", "2", "--worker-class", "gthread", "--threads", "4")
    with running(cmd, port, workdir, probe="/catalog/", cwd=workdir) as server:
        assert server.get("/catalog/books/bestsellers")[2] == "We have 5 books in the top 10."
        assert server.get("/my_restcontroller/13579")[2] == "13579"
        status, headers, _ = server.get("/catalog")
        assert status == 302 and headers["Location"] == "/catalog/"
        status, _, body = server.request(
            "POST", "/basemethod/", "hello=world",
            {"Content-Type": "application/x-www-form-urlencoded"})
        assert (status, body) == (200, '{"hello": "world"}')
        status, _, body = server.get("/no/such/page")
        assert status == 404 and "Error 404" in body
        status, data = bad_chunked_post(port)
        assert status == 400 and b"Traceback" not in data, data
    assert server.returncode == 0
    assert "Traceback" not in server.output(), "a client's bad framing is not a server error"
    assert "Shutting down: Master" in server.output()


def bad_chunked_post(port: int) -> tuple[int, bytes]:
    """A chunked form whose chunk size is not hex: gunicorn raises InvalidChunkSize
    from wsgi.input.read() inside the application."""
    raw = (b"POST /basemethod/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           b"Content-Type: application/x-www-form-urlencoded\r\n"
           b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0, data


@pytest.mark.parametrize("worker", ["sync", "gthread"])
def test_a_handlers_sys_exit_is_a_500_under_gunicorn(port, workdir, worker):
    """SystemExit(3) would make gunicorn halt the whole server ("Worker failed to boot")."""
    cmd = gunicorn_cmd("tests.deploy.apps:carya_raiser()", port, "--workers", "1",
                       "--worker-class", worker)
    with running(cmd, port, workdir, probe="/pid", cwd=workdir) as server:
        pid = server.get("/pid")[2]
        for name in ("exit3", "exit4", "interrupt"):
            status, _, body = server.get(f"/fail/{name}")
            assert status == 500 and "Traceback" not in body
        assert server.get("/pid")[::2] == (200, pid), "the same worker still serves"


def test_pecan_test_rest_controller_under_gunicorn_sync(port, workdir):
    config = os.path.join(APACHE_EXAMPLES, "pecan_test", "config.py")
    cmd = gunicorn_cmd(deploy_entry(config), port, "--workers", "1")
    json_type = {"Content-Type": "application/json"}
    with running(cmd, port, workdir, cwd=workdir) as server:
        status, _, body = server.request("POST", "/tasks", json.dumps({"name": "g"}), json_type)
        assert status == 201
        task = json.loads(body)
        status, _, body = server.request("PUT", f"/tasks/{task['id']}",
                                         json.dumps({"done": True}), json_type)
        assert (status, json.loads(body)["done"]) == (200, True)
        assert json.loads(server.get(f"/tasks/{task['id']}")[2]) == {**task, "done": True}
        status, _, body = server.request("POST", "/tasks", "{not json", json_type)
        assert status == 400 and "must be JSON" in body and "Traceback" not in body


def test_gunicorn_sigterm_finishes_the_request_in_flight(port, workdir):
    cmd = gunicorn_cmd("tests.deploy.apps:probe", port, "--workers", "1",
                       "--worker-class", "gthread", "--threads", "2")
    with running(cmd, port, workdir) as server:
        answer = {}
        client = threading.Thread(target=lambda: answer.update(reply=server.get("/slow?s=1.5")))
        client.start()
        time.sleep(0.5)
        assert stop(server) == 0
        client.join(timeout=10)
        assert answer["reply"][0] == 200 and answer["reply"][2] == "slept 1.5"
