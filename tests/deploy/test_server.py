"""``carya.server.serve``: the embedded production server, over real sockets.

The server runs in a subprocess exactly as ``carya serve`` runs it (``serve(app,
host, port, threads)``), and is stopped with SIGTERM.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from carya.server import DEFAULT_HOST, serve
from tests.deploy.conftest import CATALOG, alive, process_group_members, running, stop


def serve_cmd(app: str, port: int, **kw) -> list[str]:
    """``serve(<app>, port=port, **kw)`` in a fresh interpreter; ``app`` is Python."""
    args = ", ".join(f"{key}={value!r}" for key, value in kw.items())
    code = ("import sys; from carya.server import serve; from carya.deploy import deploy; "
            "from tests.deploy import apps; "
            f"serve({app}, port={port}{', ' + args if args else ''}); "
            "print('serve() returned', flush=True)")
    return [sys.executable, "-c", code]


def catalog_cmd(port: int, **kw) -> list[str]:
    return serve_cmd(f"deploy({os.path.join(CATALOG, 'config.py')!r})", port, **kw)


def worker_pids(server, tries: int = 40) -> set[int]:
    """The pids that answer ``/pid`` over fresh connections (connections spread over workers)."""
    return {int(server.get("/pid")[2]) for _ in range(tries)}


def test_catalog_over_http_with_keep_alive(port, workdir):
    with running(catalog_cmd(port), port, workdir, probe="/catalog/") as server:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/catalog/books/bestsellers")
            first = conn.getresponse()
            assert (first.status, first.read()) == (200, b"We have 5 books in the top 10.")
            assert first.getheader("Connection", "").lower() != "close"
            sock = conn.sock
            conn.request("GET", "/my_restcontroller/13579")
            second = conn.getresponse()
            assert (second.status, second.read()) == (200, b"13579")
            assert conn.sock is sock, "the second request should reuse the connection"
        finally:
            conn.close()
        status, _, body = server.request(
            "POST", "/basemethod/", "hello=world",
            {"Content-Type": "application/x-www-form-urlencoded"})
        assert (status, body) == (200, '{"hello": "world"}')
    assert server.returncode == 0
    out = server.output()
    assert f"serving on http://127.0.0.1:{port}/ (workers=2, threads=8)" in out
    assert "serve() returned" in out


def test_sigterm_lets_requests_in_flight_finish(port, workdir):
    with running(serve_cmd("apps.probe", port, workers=2, threads=2), port, workdir) as server:
        answer = {}

        def slow():
            try:
                answer["reply"] = server.get("/slow?s=1.5")
            except OSError as error:  # pragma: no cover - the failure being tested for
                answer["reply"] = error

        client = threading.Thread(target=slow)
        client.start()
        time.sleep(0.5)  # the request is now inside the app
        started = time.monotonic()
        assert stop(server) == 0
        client.join(timeout=10)
        assert answer["reply"][0] == 200 and answer["reply"][2] == "slept 1.5"
        assert time.monotonic() - started >= 0.7, "stop should have waited for the request"
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert "serve() returned" in server.output()


def test_workers_are_processes_and_leave_no_orphans(port, workdir):
    with running(serve_cmd("apps.probe", port, workers=2, threads=2), port, workdir) as server:
        pids = worker_pids(server)
        assert server.proc.pid not in pids, "the master does not serve requests itself"
        assert 1 <= len(pids) <= 2
        assert set(pids) <= set(process_group_members(server.proc.pid))
    # ``running`` already failed the test if any process of the group survived
    assert not [pid for pid in pids if alive(pid)]


def test_killed_master_takes_its_workers_with_it(port, workdir):
    with running(serve_cmd("apps.probe", port, workers=2, threads=2), port, workdir) as server:
        pids = worker_pids(server)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=5)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process_group_members(server.proc.pid):
            time.sleep(0.2)
        left = process_group_members(server.proc.pid)
        assert not left, f"workers {left} (of {pids}) outlived their killed master"


def test_idle_keep_alive_connections_do_not_hold_threads(port, workdir):
    """One worker, one thread: clients holding idle kept-alive connections must not
    starve a new client (they wait in the worker's poller, not in a thread)."""
    cmd = serve_cmd("apps.probe", port, workers=1, threads=1, keepalive=30)
    with running(cmd, port, workdir) as server:
        idle = []
        for _ in range(3):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/pid")
            conn.getresponse().read()
            idle.append(conn)  # open, idle, kept alive
        try:
            started = time.monotonic()
            assert server.get("/pid")[0] == 200
            assert time.monotonic() - started < 1.0
        finally:
            for conn in idle:
                conn.close()


def test_oversized_request_line_and_headers_are_4xx_and_server_survives(port, workdir):
    with running(serve_cmd("apps.probe", port, workers=1, threads=2), port, workdir) as server:
        status, _, body = server.get("/" + "a" * 10000)
        assert 400 <= status < 500 and "Traceback" not in body
        status, _, body = server.get("/pid", headers={"X-Big": "b" * 10000})
        assert 400 <= status < 500 and "Traceback" not in body
        assert server.get("/pid")[0] == 200


def test_port_zero_prints_the_real_port(workdir):
    proc = subprocess.Popen(serve_cmd("apps.probe", 0, workers=1, threads=1),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"serving on http://{DEFAULT_HOST}:")
        port = int(line.split(":")[2].split("/")[0])
        assert port > 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/pid")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        proc.stdout.close()


def test_busy_port_is_an_oserror_before_any_worker_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        with pytest.raises(OSError):
            serve(lambda environ, start_response: [], port=busy)


def test_unknown_option_is_named():
    with pytest.raises(ValueError, match="unknown server option 'bogus'"):
        serve(lambda environ, start_response: [], port=0, bogus=1)


def test_bad_option_value_is_named():
    with pytest.raises(ValueError, match="keepalive='soon'"):
        serve(lambda environ, start_response: [], port=0, keepalive="soon")


def test_threads_must_be_positive():
    with pytest.raises(ValueError, match="threads=0"):
        serve(lambda environ, start_response: [], port=0, threads=0)
