"""One request through the WSGI application, in a pool thread, and its response on the wire.

Whatever the handler raises, ``SystemExit`` and ``KeyboardInterrupt`` included,
ends as a 500 for that request only (or a closed connection if the response
had started): a worker process never stops because of one handler.

A response given whole (one block, as nearly every application returns) of at
most ``coalesce_bytes`` is held rather than written, and :func:`serve_request`
leaves it on ``job.unsent``: the pool decides who sends it
(:mod:`carya.front.pool`). A response in several blocks, or written through
``write()``, goes out block by block as it is produced, as PEP 3333 requires
(a stream must not wait for its end).
"""

from __future__ import annotations

import io
import logging
import sys
import time
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

__all__ = ["Abandoned", "serve_request", "simple_response", "StreamedBody"]

log = logging.getLogger("carya.server")

KEEP, CLOSE, DRAIN = "keep", "close", "drain"
_NO_BODY = {204, 304}
_FRAMING = ("content-length", "transfer-encoding")
_date = [0, ""]


class Abandoned(Exception):
    """The request passed its deadline; the loop already answered 503 and closed it."""


class _ClientGone(Exception):
    """Writing the response failed: the client closed, or stopped reading."""


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def simple_response(status: int, message: str, keep_alive: bool = False) -> bytes:
    """A short text answer written by the server itself (bad framing, deadlines)."""
    body = f"{status} {_reason(status)}\n\n{message}\n".encode()
    connection = "keep-alive" if keep_alive else "close"
    return (f"HTTP/1.1 {status} {_reason(status)}\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: {connection}\r\n\r\n").encode() + body


def _http_date() -> str:
    now = int(time.time())
    if _date[0] != now:
        _date[0], _date[1] = now, formatdate(now, usegmt=True)
    return _date[1]


class StreamedBody:
    """``wsgi.input`` for a body too large to buffer: read from the socket on demand.

    Reads wait at most ``body_timeout`` for the next bytes; a client that stops
    sending, or closes, simply ends the body early (the application sees a short
    body, as a client disconnect).
    """

    def __init__(self, conn: Any, length: int, expect_continue: bool):
        self.conn = conn
        self.remaining = length
        self.pending = bytearray(conn.buf)
        conn.buf.clear()
        self.expect_continue = expect_continue
        self.failed = False

    def _fill(self) -> bool:
        """Read more from the socket into ``pending``; False at EOF or on timeout."""
        if self.expect_continue:
            self.expect_continue = False
            self.conn.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        want = self.remaining - len(self.pending)
        if want <= 0 or self.failed:
            return False
        try:
            data = self.conn.sock.recv(min(want, 262144))
        except OSError:
            data = b""
        if not data:
            self.failed = True
            return False
        self.pending += data
        return True

    def _take(self, size: int) -> bytes:
        data = bytes(self.pending[:size])
        del self.pending[:size]
        self.remaining -= len(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        while len(self.pending) < size and self._fill():
            pass
        return self._take(size)

    def readline(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        while True:
            end = self.pending.find(b"\n", 0, size)
            if end >= 0:
                return self._take(end + 1)
            if len(self.pending) >= size or not self._fill():
                return self._take(size)

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self):
        return iter(self.readline, b"")

    @property
    def complete(self) -> bool:
        return self.remaining == 0


def environ_for(job: Any, server: tuple[str, str, bool]) -> dict:
    conn, head = job.conn, job.conn.head
    if job.body is None:
        body = StreamedBody(conn, head.content_length, head.expect_continue)
    else:
        body = io.BytesIO(job.body)
    addr = conn.addr if isinstance(conn.addr, tuple) else ("", 0)
    environ = {
        "REQUEST_METHOD": head.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": head.path.decode("latin-1"),
        "QUERY_STRING": head.query,
        "RAW_URI": head.target,
        "REQUEST_URI": head.target,
        "SERVER_NAME": server[0],
        "SERVER_PORT": server[1],
        "SERVER_PROTOCOL": "HTTP/1.1" if head.version == (1, 1) else "HTTP/1.0",
        "REMOTE_ADDR": str(addr[0]),
        "REMOTE_PORT": str(addr[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": server[2],
        "wsgi.run_once": False,
    }
    for name, value in head.headers:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE" or key == "CONTENT_LENGTH":
            environ[key] = value
            continue
        if key == "TRANSFER_ENCODING":
            continue
        key = "HTTP_" + key
        environ[key] = environ[key] + "," + value if key in environ else value
    if job.body is not None and (head.chunked or job.body):
        environ["CONTENT_LENGTH"] = str(len(job.body))
    return environ


class _Response:
    """The response of one request: start_response's status and headers, then the wire."""

    __slots__ = ("job", "sock", "head", "status", "headers", "sent", "chunked", "keep",
                 "length", "bodyless", "held", "hold")

    def __init__(self, job: Any, keep: bool, hold: int = 0):
        self.job = job
        self.sock = job.conn.sock
        self.head = job.conn.head
        self.status = None
        self.headers = None
        self.sent = False
        self.chunked = False
        self.keep = keep
        self.length = None
        self.bodyless = False
        #: a whole response held while it fits in ``hold`` (None: writing directly)
        self.held: bytearray | None = None
        self.hold = hold

    def start_response(self, status: str, headers: list, exc_info: Any = None):
        if exc_info is not None:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response called twice without exc_info")
        if not isinstance(status, str) or len(status) < 4 or not status[:3].isdigit():
            raise ValueError(f"invalid status {status!r}")
        self.status = status
        self.headers = headers
        return self.write

    def _head(self, total: int | None) -> bytes:
        """The status line and headers; decides the framing of the body."""
        code = int(self.status[:3])
        self.bodyless = self.head.method == "HEAD" or code in _NO_BODY or code < 200
        lines = [f"HTTP/1.1 {self.status}\r\n"]
        has_date = False
        unframed = code == 204 or code < 200  # RFC 9110 8.6/6.1: no length, no encoding
        for name, value in self.headers:
            if "\n" in name or "\r" in name or "\n" in value or "\r" in value:
                raise ValueError(f"header {name!r} contains a line break")
            lower = name.lower()
            if unframed and lower in _FRAMING:
                continue
            if lower == "content-length":
                self.length = value
            elif lower == "date":
                has_date = True
            elif lower == "connection":
                if value.lower() == "close":
                    self.keep = False
                continue
            elif lower == "transfer-encoding":
                self.keep = False  # the application frames its own body: end it by closing
                self.length = ""
            lines.append(f"{name}: {value}\r\n")
        if self.length is None and not self.bodyless:
            if total is not None:
                self.length = str(total)
                lines.append(f"Content-Length: {total}\r\n")
            elif self.head.version == (1, 1):
                self.chunked = True
                lines.append("Transfer-Encoding: chunked\r\n")
            else:
                self.keep = False
        if not has_date:
            lines.append(f"Date: {_http_date()}\r\n")
        if not self.keep:
            lines.append("Connection: close\r\n")
        elif self.head.version == (1, 0):
            lines.append("Connection: keep-alive\r\n")
        lines.append("\r\n")
        return "".join(lines).encode("latin-1")

    def write(self, data: bytes, total: int | None = None) -> None:
        if self.status is None:
            raise AssertionError("write() before start_response()")
        out = b""
        if not self.sent:
            self.job.claim()
            out = self._head(total)
            self.sent = True
        if data and not self.bodyless:
            out += b"%x\r\n%b\r\n" % (len(data), data) if self.chunked else data
        if out:
            self._send(out)

    def _send(self, data: bytes) -> None:
        held = self.held
        if held is not None:
            if len(held) + len(data) <= self.hold:
                held += data
                return
            self.held = None  # too large to hold: what is held goes first, then directly
            if held:
                data = bytes(held) + data
        try:
            self.sock.sendall(data)
        except OSError as error:
            raise _ClientGone() from error

    def finish(self) -> None:
        if not self.sent:
            self.write(b"", total=0)
        if self.chunked:
            self._send(b"0\r\n\r\n")


def serve_request(job: Any, app: Any, settings: Any, server: tuple[str, str, bool],
                  alive: bool) -> str:
    """Run ``app`` for ``job`` and write the response; what to do with the connection next."""
    conn = job.conn
    conn.sock.settimeout(settings.body_timeout)
    environ = environ_for(job, server)
    keep = alive and conn.head.keep_alive and conn.served < settings.keepalive_requests
    response = _Response(job, keep, settings.coalesce_bytes)
    try:
        result = app(environ, response.start_response)
        try:
            if isinstance(result, (list, tuple)) and len(result) == 1:
                if response.hold:  # the whole response: it may wait for the loop's writes
                    response.held = bytearray()
                response.write(result[0], total=len(result[0]))
            else:
                for chunk in result:
                    response.write(chunk)
            response.finish()
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except Abandoned:
        raise
    except _ClientGone:
        return CLOSE  # the client went away or stopped reading
    except BaseException as error:  # noqa: BLE001 - no handler may stop the worker
        return _failed(response, environ, error)
    job.unsent = response.held or None
    body = environ["wsgi.input"]
    if isinstance(body, StreamedBody) and not body.complete:
        return DRAIN if not body.failed else CLOSE
    return KEEP if response.keep else CLOSE


def _failed(response: _Response, environ: dict, error: BaseException) -> str:
    log.error("%s %s: the application raised %s", environ["REQUEST_METHOD"],
              environ.get("RAW_URI"), type(error).__name__,
              exc_info=(type(error), error, error.__traceback__))
    if response.sent:  # part of it went out (or is held whole: close() failed): only
        # closing the connection can end it
        if response.held:
            try:
                response.sock.sendall(response.held)
            except OSError:
                pass
        return CLOSE
    try:
        response.job.claim()
        response.sock.sendall(simple_response(
            500, "The server could not complete the request because of an internal error."))
    except (OSError, Abandoned):
        pass
    return CLOSE
