"""Request body limits of a ``config.py`` app on the embedded server, over real sockets.

A config.py application gets a 1 MiB body limit unless its ``server`` section
says otherwise (``max_body``, ``max_body_by_path`` for upload routes); an
oversized body is a 413 before it is read, and memory stays flat while clients
push 100 MB bodies (declared or chunked).
"""

from __future__ import annotations

import select
import socket
import threading
import time

import pytest

from tests.deploy.conftest import CATALOG, process_group_members, running
from tests.deploy.test_server import serve_cmd

MiB = 2**20


@pytest.fixture
def catalog_with_limits(port, workdir):
    """The seed-003 catalog with the default limit, and 4 MiB on ``/basemethod``."""
    config = f"{workdir}/config.py"
    with open(config, "w") as handle:
        handle.write(
            f"exec(open({CATALOG + '/config.py'!r}).read())\n"
            "app['template_path'] = " + repr(CATALOG + "/catalog/templates") + "\n"
            "server['max_body_by_path'] = {'/basemethod': 4 * 2**20}\n")
    # graceful_timeout well under stop()'s 30 s wait: a refused upload's client may still
    # be pushing bytes when the server is told to stop
    with running(serve_cmd(f"deploy({config!r})", port, workers=2, graceful_timeout=10),
                 port, workdir,
                 probe="/catalog/", cwd=CATALOG) as server:
        yield server


def post_head(path: str, length: int | None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            f"application/x-www-form-urlencoded\r\n{framing}\r\n\r\n").encode()


def push(port: int, path: str, total: int, chunked: bool, deadline: float) -> tuple[int, int]:
    """Send up to ``total`` body bytes, stopping as soon as an answer arrives:
    (status, bytes of body sent)."""
    piece = b"a" * MiB
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(post_head(path, None if chunked else total))
        try:
            while sent < total and time.monotonic() < deadline:
                if select.select([sock], [], [], 0)[0]:
                    break
                sock.sendall(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: read what it said
        try:
            answer = sock.recv(1000)
        except ConnectionResetError:
            answer = b""
    return (int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0), sent


def rss_bytes(pgid: int) -> int:
    total = 0
    for pid in process_group_members(pgid):
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def test_a_body_over_the_default_limit_is_413_before_it_is_sent(catalog_with_limits):
    with socket.create_connection(("127.0.0.1", catalog_with_limits.port), timeout=10) as sock:
        sock.sendall(post_head("/basemethod/", 5 * MiB))  # the head only: no body byte
        answer = sock.recv(1000)
        assert answer.startswith(b"HTTP/1.1 413 ")
        assert b"limit of 4194304 bytes" in answer
        sock.sendall(post_head("/catalog/", 2 * MiB))
        assert sock.recv(1000) == b"", "the connection is closed after a 413"
    status, _, body = catalog_with_limits.request("POST", "/catalog/", "a=" + "b" * (MiB + 1))
    assert status == 413 and "limit of 1048576 bytes" in body


def test_a_route_with_its_own_limit_takes_a_larger_upload(catalog_with_limits):
    body = "hello=" + "w" * (3 * MiB)
    status, _, answer = catalog_with_limits.request(
        "POST", "/basemethod/", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and len(answer) > 3 * MiB


def test_memory_stays_flat_while_8_clients_send_100_MB_each(catalog_with_limits):
    server = catalog_with_limits
    before = rss_bytes(server.proc.pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes(server.proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    results: list = [None] * 8
    deadline = time.monotonic() + 60

    def client(i: int) -> None:
        path = "/basemethod/" if i % 2 else "/catalog/"
        results[i] = push(server.port, path, 100 * MiB, chunked=i >= 4, deadline=deadline)

    clients = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    try:
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=90)
    finally:
        done.set()
        sampler.join()
    assert [status for status, _ in results] == [413] * 8, results
    assert peak[0] - before < 50 * MiB, f"RSS grew by {(peak[0] - before) / MiB:.0f} MiB"
    assert server.get("/catalog/")[0] == 200
