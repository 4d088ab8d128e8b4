"""Real servers and raw sockets for the middleware tests (loopback only)."""

from __future__ import annotations

import http.client
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support import ROOT, free_port, running


@contextmanager
def waitress(target: str) -> Iterator[tuple[int, object]]:
    """``target`` (``module:attr`` or ``config:...ini#name``) served by ``carya.server``."""
    port = free_port()
    cmd = [sys.executable, "-m", "tests.middleware.serve", target, str(port)]
    with running(cmd, port, cwd=ROOT) as proc:
        yield port, proc


@contextmanager
def gunicorn(target: str) -> Iterator[tuple[int, object]]:
    """``target`` served by gunicorn's sync worker, which streams request bodies."""
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
           target]
    with running(cmd, port, cwd=ROOT) as proc:
        yield port, proc


def chunked(body: bytes, size: int = 300) -> bytes:
    """``body`` in HTTP/1.1 chunked transfer coding, ``size`` bytes a chunk."""
    out = b""
    for start in range(0, len(body), size):
        piece = body[start:start + size]
        out += b"%x\r\n%s\r\n" % (len(piece), piece)
    return out + b"0\r\n\r\n"


def raw_request(port: int, head: str, body: bytes = b"") -> tuple[int, dict, bytes]:
    """Send ``head`` (request line and headers, no blank line) and ``body`` as bytes on a
    fresh socket; parse the response. (status, headers with lower-case names, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode("latin-1") + b"\r\n\r\n" + body)
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        data = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return resp.status, headers, data


class Output:
    """Collects a server's output lines in a thread, so a test can wait for a log line
    (servers write some lines after the response has gone out, e.g. on ``close()``)."""

    def __init__(self, proc):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line)

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 10.0) -> list[re.Match]:
        """The first ``count`` matches of ``pattern``; fails after ``timeout`` seconds."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in map(regex.search, list(self.lines)) if m]
            if len(found) >= count:
                return found[:count]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{count} line(s) matching {pattern!r} not seen in {timeout}s; "
                    f"output:\n{''.join(self.lines)}"
                )
            time.sleep(0.02)

    @property
    def text(self) -> str:
        return "".join(self.lines)
