"""Who writes a response (carya.front.pool): the thread at once, or the loop with its
other writes when requests are waiting; and the rest of a write the loop could not
finish. Real sockets (a socket pair) and a real front worker object; the pool has no
threads of its own here, so each step runs in the test."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest
from gunicorn.config import Config

from carya.front.http11 import Limits, parse_head
from carya.front.pool import BACKLOG, Job, Pool
from carya.front.settings import FrontSettings
from carya.front.worker import Connection, _send_some, worker_class
from carya.front.wsgi import KEEP

LIMITS = Limits(8190, 100, 8190)


def sized(environ, start_response):
    """``/<n>``: a body of n bytes."""
    body = b"x" * int(environ["PATH_INFO"][1:])
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def make_pool():
    """``make_pool(**settings)``: a thread-less Pool on a real (unstarted) front worker."""
    pipes = []

    def make(**settings) -> Pool:
        front = FrontSettings(**settings)
        worker = worker_class(front)(0, 1, [], sized, 30, Config(), None)
        worker.PIPE = os.pipe()
        pipes.extend(worker.PIPE)
        return Pool(worker, sized, 0, front, LIMITS)

    yield make
    for fd in pipes:
        os.close(fd)


@pytest.fixture
def pair():
    """``(server side, client side)`` of a connected socket pair, closed afterwards."""
    server, client = socket.socketpair()
    client.settimeout(5)
    yield server, client
    server.close()
    client.close()


def job_for(sock: socket.socket, size: int) -> Job:
    conn = Connection(sock, ("127.0.0.1", 40000), time.monotonic() + 10)
    conn.head = parse_head(f"GET /{size} HTTP/1.1\r\nHost: a".encode(), LIMITS)
    conn.served = 1
    return Job(conn, b"")


def response_of(client: socket.socket, size: int) -> bytes:
    """Read until the response with a body of ``size`` bytes is complete."""
    data = b""
    while not data.endswith(b"\r\n\r\n" + b"x" * size):
        chunk = client.recv(65536)
        assert chunk, "the server side closed"
        data += chunk
    return data


def nothing_sent(client: socket.socket) -> bool:
    client.setblocking(False)
    try:
        client.recv(1)
    except BlockingIOError:
        return True
    finally:
        client.settimeout(5)
    return False


def test_with_a_request_waiting_a_small_response_is_left_for_the_loop(make_pool, pair):
    pool = make_pool()
    server, client = pair
    job = job_for(server, 100)
    for _ in range(BACKLOG):  # other requests wait for a thread
        pool.submit(job_for(server, 1))
    assert pool._serve(job) == KEEP
    unsent = bytes(job.conn.unsent)
    assert unsent.startswith(b"HTTP/1.1 200 OK\r\n") and unsent.endswith(b"\r\n\r\n" + b"x" * 100)
    assert nothing_sent(client), "the thread must not have written it"


@pytest.mark.parametrize("waiting", [0, BACKLOG - 1])
def test_with_few_waiting_the_thread_writes_at_once(make_pool, pair, waiting):
    pool = make_pool()
    server, client = pair
    job = job_for(server, 100)
    for _ in range(waiting):
        pool.submit(job_for(server, 1))
    assert pool._serve(job) == KEEP
    assert job.conn.unsent is None
    assert response_of(client, 100).startswith(b"HTTP/1.1 200 OK\r\n")


@pytest.mark.parametrize(("size", "coalesce"), [(20000, 16384), (100, 0)])
def test_too_large_to_hold_or_coalescing_off_the_thread_writes_at_once(make_pool, pair, size,
                                                                       coalesce):
    pool = make_pool(coalesce_bytes=coalesce)
    server, client = pair
    job = job_for(server, size)
    for _ in range(BACKLOG):
        pool.submit(job_for(server, 1))
    assert pool._serve(job) == KEEP
    assert job.conn.unsent is None
    assert response_of(client, size).startswith(b"HTTP/1.1 200 OK\r\n")


def test_what_the_loop_cannot_send_at_once_a_thread_sends_after_it(make_pool, pair):
    """The loop's write never waits: on a client slow to read it stops part way, and a
    :class:`Job` with the rest finishes it, in order, from a thread."""
    pool = make_pool()
    server, client = pair
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    server.setblocking(False)
    data = bytes(range(256)) * 4096  # 1 MiB: more than the socket buffers hold
    rest = _send_some(server, data)
    assert rest and len(rest) < len(data) and data.endswith(rest)
    job = Job(job_for(server, 0).conn, None, rest=rest)
    assert job.responding, "a write-only job is never abandoned as a hung handler"
    received = bytearray()

    def read_all():
        while len(received) < len(data):
            chunk = client.recv(65536)
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    try:
        assert pool._finish(job) == KEEP
    finally:
        reader.join(10)
    assert bytes(received) == data


def test_the_loop_reports_a_client_that_is_gone(pair):
    server, client = pair
    client.close()
    server.setblocking(False)
    assert _send_some(server, b"x" * 100) is None
