"""Malformed HTTP framing against ``carya serve``'s front, over a real socket: never a 5xx.

Content-Length and Transfer-Encoding, alone, together, repeated or malformed;
chunk sizes in any spelling; bodies shorter or longer than announced; missing
or repeated Host; pipelined leftovers. Every answer on the connection must be
below 500 with no traceback, and the server must log none.
"""

from __future__ import annotations

import os
import re
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.deploy.conftest import CATALOG, running, shared_tempdir
from tests.deploy.test_server import serve_cmd
from tests.fuzz.conftest import FUZZ
from tests.support import free_port

STATUS = re.compile(rb"HTTP/1\.1 (\d{3}) ")
TARGETS = ["/basemethod/", "/catalog/", "/my_restcontroller/1", "/catalog", "/%ff", "/x?%zz"]
SIZE_TOKENS = ["0x5", "-1", "+1", " 1", "1 ", "g", "", "fffffffffffffffffffff", "1;a=b",
               "1;\x01", "01", "A"]
TE_VALUES = ["chunked", "Chunked", "identity", "gzip, chunked", "chunked, gzip", "chunked\t",
             "identity, chunked", " chunked", "chunked, chunked", "x"]


@pytest.fixture(scope="module")
def front():
    port = free_port()
    with shared_tempdir() as workdir:
        with running(serve_cmd(f"deploy({os.path.join(CATALOG, 'config.py')!r})", port,
                               workers=1, threads=4, body_timeout=2),
                     port, workdir, probe="/catalog/", cwd=CATALOG) as server:
            yield server
            log = server.output()
    assert "Traceback" not in log, log[-3000:]


@st.composite
def chunked_body(draw) -> bytes:
    parts = []
    for data in draw(st.lists(st.binary(min_size=1, max_size=20), max_size=3)):
        size = draw(st.sampled_from([format(len(data), "x")] * 3 + SIZE_TOKENS))
        parts.append(size.encode() + b"\r\n" + data
                     + draw(st.sampled_from([b"\r\n", b"\r\n", b"", b"\n"])))
    parts.append(draw(st.sampled_from([b"0\r\n\r\n", b"0\r\n\r\n", b"0\r\nX-T: 1\r\n\r\n",
                                       b"0\r\n", b""])))
    return b"".join(parts)


@st.composite
def request(draw) -> bytes:
    method = draw(st.sampled_from(["POST", "PUT", "GET", "DELETE"]))
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0"]))
    lines = [f"{method} {draw(st.sampled_from(TARGETS))} {version}".encode()]
    hosts = draw(st.sampled_from([1, 1, 1, 0, 2]))  # mostly valid, so bodies get parsed
    lines += [b"Host: 127.0.0.1"] * hosts
    lines.append(b"Content-Type: " + draw(st.sampled_from(
        [b"application/x-www-form-urlencoded", b"application/json", b"multipart/form-data"])))
    body = draw(st.binary(max_size=40))
    framing = draw(st.sampled_from(["cl", "cl", "te", "te", "both", "cl-twice", "none",
                                    "cl-bad"]))
    if framing in ("te", "both"):
        te = draw(st.one_of(st.just("chunked"), st.sampled_from(TE_VALUES)))
        lines.append(b"Transfer-Encoding: " + te.encode())
        body = draw(chunked_body())
    if framing in ("cl", "both", "cl-twice"):
        length = max(0, len(body) + draw(st.sampled_from([0, 0, 0, -3, -1, 1, 3])))
        lines += [f"Content-Length: {length}".encode()] * (2 if framing == "cl-twice" else 1)
    if framing == "cl-bad":
        lines.append(b"Content-Length: " + draw(st.sampled_from([b"abc", b"1,1", b"-1", b""])))
    if draw(st.integers(0, 3)) == 0:
        lines.append(draw(st.sampled_from([b" folded", b"Bad Name: x", b"X: a\rb", b"X:\x00"])))
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def exchange(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)  # nothing more is coming: no waiting on a short body
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    return data


@FUZZ
@given(raw=request())
def test_no_framing_makes_the_server_answer_5xx(front, raw):
    data = exchange(front.port, raw)
    statuses = [int(code) for code in STATUS.findall(data)]
    assert all(status < 500 for status in statuses), (raw, data[:500])
    assert b"Traceback" not in data
