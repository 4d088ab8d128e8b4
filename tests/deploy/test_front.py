"""carya's front (the embedded server's worker) over real sockets: slow and idle
clients, smuggling probes, handlers that raise anything or hang.

Every server is ``serve(apps.probe, ...)`` in a subprocess (as ``carya serve``
runs it), on a loopback port, stopped with SIGTERM; every client socket has a
timeout and is closed by the test.
"""

from __future__ import annotations

import re
import selectors
import socket
import time
from contextlib import ExitStack

import pytest

from tests.deploy.conftest import running
from tests.deploy.test_server import serve_cmd
from tests.support import free_port


def exchange(port: int, raw: bytes, timeout: float = 5.0) -> tuple[int, bytes, bool]:
    """Send ``raw``; read until the server closes (or ``timeout``): (status, data, closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        data, closed = b"", False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else 0
    return status, data, closed


STATUS_LINE = re.compile(rb"HTTP/1\.1 \d{3} ")
HOST = b"Host: 127.0.0.1\r\n"
POST = b"POST /upload HTTP/1.1\r\n" + HOST

SMUGGLING = {
    "cl-and-te": POST + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"0\r\n\r\nGET /pid HTTP/1.1\r\n\r\n",
    "te-and-cl": POST + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    "two-cl-same": POST + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "two-cl-differ": POST + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "cl-list": POST + b"Content-Length: 5, 5\r\n\r\nhello",
    "cl-signed": POST + b"Content-Length: +5\r\n\r\nhello",
    "te-identity-chunked": POST + b"Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
    "te-chunked-identity": POST + b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    "te-twice": POST + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                       b"0\r\n\r\n",
    "te-xchunked": POST + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "te-vtab": POST + b"Transfer-Encoding: chunked\x0b\r\n\r\n0\r\n\r\n",
    "te-space-before-colon": POST + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "te-http10": b"POST /upload HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "obs-fold": b"GET /pid HTTP/1.1\r\n" + HOST + b"X-Folded: a\r\n b\r\n\r\n",
    "obs-fold-te": POST + b"Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
    "no-host-http11": b"GET /pid HTTP/1.1\r\n\r\n",
    "two-hosts": b"GET /pid HTTP/1.1\r\n" + HOST + b"Host: evil.example\r\n\r\n",
    "bare-lf": b"GET /pid HTTP/1.1\n" + HOST + b"\r\n",
    "bare-cr-in-value": b"GET /pid HTTP/1.1\r\n" + HOST + b"X-A: a\rb\r\n\r\n",
    "nul-in-value": b"GET /pid HTTP/1.1\r\n" + HOST + b"X-A: a\x00b\r\n\r\n",
    "space-in-target": b"GET /p id HTTP/1.1\r\n" + HOST + b"\r\n",
}
BAD_CHUNK_SIZES = ["0x5", "-5", "+5", " 5", "5 ", "5g", "", "fffffffffffffffffffff"]


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    """One server for the probes: they must not disturb it, and it is checked after each."""
    port = free_port()
    workdir = str(tmp_path_factory.mktemp("front"))
    with running(serve_cmd("apps.probe", port, workers=1, threads=2), port, workdir,
                 probe="/pid") as server:
        yield server


@pytest.mark.parametrize("name", sorted(SMUGGLING))
def test_smuggling_probes_are_400_and_the_connection_closes(front, name):
    status, data, closed = exchange(front.port, SMUGGLING[name])
    assert status == 400, data
    assert len(STATUS_LINE.findall(data)) == 1, "nothing after the refusal may be answered"
    assert closed, "the connection must be closed after a refused request"
    assert front.get("/pid")[0] == 200


@pytest.mark.parametrize("size", BAD_CHUNK_SIZES)
def test_bad_chunk_sizes_are_400_and_the_connection_closes(front, size):
    raw = POST + b"Transfer-Encoding: chunked\r\n\r\n" + size.encode() + b"\r\nhello\r\n0\r\n\r\n"
    status, data, closed = exchange(front.port, raw)
    assert (status, closed) == (400, True), data
    assert b"Traceback" not in data


def test_chunk_data_without_crlf_is_400(front):
    raw = POST + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"
    assert exchange(front.port, raw)[::2] == (400, True)


def test_a_good_chunked_body_reaches_the_app_whole(front):
    raw = (POST + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
    status, data, _ = exchange(front.port, raw)
    assert status == 200 and data.endswith(b"read 11")


def test_pipelined_requests_on_one_connection_are_answered_in_order(front):
    raw = (b"GET /pid HTTP/1.1\r\n" + HOST + b"\r\n"
           + POST + b"Content-Length: 3\r\n\r\nabc"
           + b"GET /upload HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
    status, data, closed = exchange(front.port, raw)
    assert STATUS_LINE.findall(data) == [b"HTTP/1.1 200 "] * 3 and b"read 3" in data and closed


ECHO_SIZES = (10, 1000, 15000, 40000)  # held for the loop to send up to 16 KiB; 40 KB is not


def test_pipelining_clients_get_every_response_whole_and_in_order(front):
    """Eight connections pipeline 40 requests each, so requests wait for the two threads
    and small responses are left for the loop to send (about 120 of the 320 here); four
    clients read only after a pause, through a small receive buffer. Every response
    arrives whole, in order. (The loop's write stopping part way, and a thread sending
    the rest, is tests/front/test_pool.py's.)"""
    count, clients = 40, []
    with ExitStack() as stack:
        for c in range(8):
            sock = stack.enter_context(socket.socket())
            if c >= 4:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(10)
            sock.connect(("127.0.0.1", front.port))
            raw = b"".join(
                f"GET /echo?i={c}.{k}&n={_size(c, k)} HTTP/1.1\r\n".encode() + HOST
                + b"\r\n" for k in range(count))
            sock.sendall(raw)
            clients.append(sock)
        time.sleep(0.3)  # the slow readers' buffers fill meanwhile
        received = _read_all(clients, count)
    for c, data in enumerate(received):
        bodies = _bodies(data)
        assert len(bodies) == count, f"client {c}: {len(bodies)} responses of {count}"
        for k, body in enumerate(bodies):
            assert body == f"{c}.{k}:".encode() + b"x" * _size(c, k), (c, k, body[:20])


def _size(client: int, k: int) -> int:
    return ECHO_SIZES[k % 4] if client < 4 else 15000


def _read_all(socks: list[socket.socket], count: int, timeout: float = 20.0) -> list[bytes]:
    """Read every socket at once until each holds ``count`` responses (or ``timeout``)."""
    data = {sock: b"" for sock in socks}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        waiting = set(socks)
        while waiting and time.monotonic() < deadline:
            for key, _ in selector.select(0.5):
                sock = key.fileobj
                chunk = sock.recv(262144)
                data[sock] += chunk
                if not chunk or len(_bodies(data[sock])) >= count:
                    selector.unregister(sock)
                    waiting.discard(sock)
    return [data[sock] for sock in socks]


def _bodies(data: bytes) -> list[bytes]:
    """The complete responses' bodies in ``data`` (each framed by Content-Length)."""
    bodies = []
    while True:
        head, found, rest = data.partition(b"\r\n\r\n")
        if not found:
            return bodies
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        if len(rest) < length:
            return bodies
        bodies.append(rest[:length])
        data = rest[length:]


def test_a_streamed_response_goes_out_block_by_block(front):
    """Only a response given whole waits for the loop's writes: a stream's first block
    reaches the client while the application is still producing the next (PEP 3333)."""
    with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
        data = b""
        while b"first block;" not in data:
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
        assert b"second block" not in data, "the stream was held until its end"
        while chunk:
            chunk = sock.recv(65536)
            data += chunk
        assert b"second block" in data


def test_a_204_goes_out_without_body_or_length_and_keeps_the_connection(front):
    """An app (Pecan's JSON null) may give a 204 a body and its length: the wire gets
    neither (RFC 9110), and the next request on the connection is answered."""
    raw = (b"GET /nocontent HTTP/1.1\r\n" + HOST + b"\r\n"
           + b"GET /pid HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
    status, data, closed = exchange(front.port, raw)
    first, _, rest = data.partition(b"\r\n\r\n")
    assert status == 204 and b"content-length" not in first.lower()
    assert rest.startswith(b"HTTP/1.1 200 ") and closed


def test_expect_100_continue_is_answered_before_the_body(front):
    with socket.create_connection(("127.0.0.1", front.port), timeout=5) as sock:
        sock.sendall(POST + b"Content-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(b"abcd")
        assert sock.recv(1000).endswith(b"read 4")


@pytest.mark.parametrize("name", ["exit3", "exit4", "interrupt", "base"])
def test_any_exception_from_a_handler_is_a_500_for_that_request_only(front, name):
    pid = front.get("/pid")[2]
    status, _, body = front.get(f"/raise?e={name}")
    assert status == 500 and "Traceback" not in body
    assert front.get("/pid")[::2] == (200, pid), "the worker process must survive"


def test_a_hung_handler_gets_503_and_the_pool_recovers(port, workdir):
    cmd = serve_cmd("apps.probe", port, workers=1, threads=1, request_timeout=1)
    with running(cmd, port, workdir, probe="/pid") as server:
        started = time.monotonic()
        status, _, body = server.get("/slow?s=30")
        assert status == 503 and time.monotonic() - started < 5
        # its only thread is stuck for 29 s more, yet the next request is answered
        assert server.get("/pid")[0] == 200
    assert "/slow?s=30 took longer than request_timeout (1s)" in server.output()


def test_slow_and_idle_clients_do_not_starve_a_normal_client(port, workdir):
    """One process with one thread; 60 connections trickle heads, 20 trickle bodies
    and 60 sit idle: a normal client is still answered at once. (The full-scale
    figure is ``python -m benchmarks.http.slowloris``.)"""
    cmd = serve_cmd("apps.probe", port, workers=1, threads=1, header_timeout=3)
    with running(cmd, port, workdir, probe="/pid") as server, ExitStack() as stack:
        attackers = []
        for i in range(140):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
            if i < 60:
                sock.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            elif i < 80:
                sock.sendall(POST + b"Content-Length: 1000\r\n\r\nab")
            attackers.append(sock)
        worst = 0.0
        for _ in range(20):
            started = time.monotonic()
            assert server.get("/pid")[0] == 200
            worst = max(worst, time.monotonic() - started)
        assert worst < 1.0, f"a normal request took {worst:.2f}s"
        # the heads never finished: after header_timeout (3 s) they get a 408 and are closed
        assert exchange_existing(attackers[0]) == 408


def exchange_existing(sock: socket.socket, timeout: float = 10.0) -> int:
    sock.settimeout(timeout)
    data = sock.recv(1000)
    return int(data.split(b" ", 2)[1]) if data else 0


def test_gunicorns_keepalive_option_sets_the_fronts_keepalive_timeout(port, workdir):
    with running(serve_cmd("apps.probe", port, workers=1, threads=1, keepalive=1), port,
                 workdir, probe="/pid") as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET /pid HTTP/1.1\r\n" + HOST + b"\r\n")
            assert sock.recv(1000).startswith(b"HTTP/1.1 200 ")
            started = time.monotonic()
            assert sock.recv(1000) == b"", "an idle kept-alive connection is closed"
            assert 0.5 < time.monotonic() - started < 5
