"""``FrontWorker``: a gunicorn worker that reads whole requests before a thread sees them.

gunicorn's ``gthread`` worker hands a connection to a thread as soon as it is
accepted; the thread then waits, without a deadline, for the client's head and
body, so a few dozen slow clients hold every thread. This worker keeps
gunicorn's arbiter (processes, signals, graceful stop, heartbeats) and changes
only that: one event loop per process (epoll, or poll elsewhere) accepts
connections and reads each request head and body under deadlines
(:class:`~carya.front.settings.FrontSettings`), validates it strictly
(:mod:`carya.front.http11`), and only then queues it for the thread pool
(:mod:`carya.front.pool`). Idle, trickling and half-sent connections cost a
buffer in the loop, never a thread. After the response, a kept-alive connection
comes back to the loop, sometimes with its response still to send (the pool
says when): the loop writes what the socket takes at once, and a thread the rest.
"""

from __future__ import annotations

import errno
import os
import queue
import select
import signal
import socket
import time
from typing import Any

from gunicorn.workers.base import Worker

from .http11 import BadRequest, ChunkedDecoder, Limits, parse_head
from .pool import Job, Pool
from .settings import FrontSettings
from .wsgi import simple_response

__all__ = ["FrontWorker", "worker_class"]

IDLE, HEAD, BODY, DRAIN = "idle", "head", "body", "drain"
TICK = 0.2
READ_SIZE = 65536
DRAIN_SECONDS = 2.0


class Connection:
    """A client connection while the loop owns it (between requests, or reading one)."""

    __slots__ = ("sock", "fd", "addr", "buf", "state", "deadline", "served", "head",
                 "decoder", "scanned", "draining", "unsent")

    def __init__(self, sock: socket.socket, addr: Any, deadline: float):
        self.sock = sock
        self.fd = sock.fileno()
        self.addr = addr
        self.buf = bytearray()
        self.state = HEAD
        self.deadline = deadline
        self.served = 0
        self.head = None
        self.decoder = None
        self.scanned = 0  # bytes of buf already searched for the end of the head
        self.draining = False  # answered, but the client is still sending a body
        self.unsent: bytearray | None = None  # a response a thread left for the loop to send


class FrontWorker(Worker):
    """See the module docstring. ``settings`` is set on the subclass :func:`worker_class` makes."""

    settings = FrontSettings()

    def init_signals(self) -> None:
        """Install the worker's handlers, then honour a stop that came before them.

        Until this runs, the forked worker still has the arbiter's handler, which only
        queues the signal in the worker's copy of the arbiter: a SIGTERM sent while the
        worker was booting (a server stopped right after it started) was lost, and the
        worker served on until the arbiter killed it after ``graceful_timeout``.
        """
        inherited = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
        super().init_signals()
        queued = getattr(inherited, "SIG_QUEUE", None)
        while queued is not None and hasattr(queued, "get_nowait"):
            try:
                sig = queued.get_nowait()
            except queue.Empty:
                break
            if sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
                self.alive = False

    def run(self) -> None:
        cfg = self.cfg
        self.limits = Limits(cfg.limit_request_line or 8190, cfg.limit_request_fields or 32768,
                             cfg.limit_request_field_size or 8190)
        self.poller = _Poller()
        self.conns: dict[int, Connection] = {}
        self.listeners = {}
        for listener in self.sockets:
            listener.setblocking(False)
            self.listeners[listener.fileno()] = listener
            self.poller.register(listener.fileno(), exclusive=True)
        self.poller.register(self.PIPE[0])
        self.pool = Pool(self, self.wsgi, cfg.threads, self.settings, self.limits)
        try:
            self._loop()
        finally:
            self._shutdown()

    # -- the loop -----------------------------------------------------------------------

    def _loop(self) -> None:
        next_tick = 0.0
        wake, listeners, conns = self.PIPE[0], self.listeners, self.conns
        while self.alive:
            for fd in self.poller.poll(TICK):
                if fd in listeners:
                    self._accept(listeners[fd])
                elif fd == wake:
                    self._woken()
                else:
                    conn = conns.get(fd)
                    if conn is not None:
                        try:
                            self._readable(conn)
                        except Exception:  # noqa: BLE001 - one connection, not the worker
                            self.log.exception("front: dropped a connection from %s",
                                               conn.addr)
                            self._close(conn)
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + TICK
                self._tick(now)

    def _woken(self) -> None:
        try:
            while os.read(self.PIPE[0], 4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        for conn in self.pool.returned():
            self._resume(conn)

    def _accept(self, listener: Any) -> None:
        for _ in range(64):
            try:
                sock, addr = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self._evict()
                    return
                if error.errno in (errno.ECONNABORTED, errno.EPROTO):
                    continue
                raise
            sock.setblocking(False)
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if len(self.conns) >= self.settings.max_connections:
                self._evict()
            conn = Connection(sock, addr, time.monotonic() + self.settings.header_timeout)
            self.conns[conn.fd] = conn
            self.poller.register(conn.fd)

    def _evict(self) -> None:
        """Make room: close the oldest connection that is not sending a body."""
        for conn in self.conns.values():
            if conn.state != BODY:
                self._close(conn)
                return

    def _resume(self, conn: Connection) -> None:
        """A kept-alive connection back from a thread: send what it left, then wait
        for the next request."""
        conn.sock.settimeout(0.0)
        unsent = conn.unsent
        if unsent is not None:
            conn.unsent = None
            rest = _send_some(conn.sock, unsent)
            if rest is None:  # the client is gone
                conn.sock.close()
                return
            if rest:  # the client reads slowly: a thread sends the rest, then it is back
                self.pool.submit(Job(conn, None, rest=rest))
                return
        if not self.alive:
            conn.sock.close()
            return
        conn.state, conn.head, conn.decoder, conn.scanned = IDLE, None, None, 0
        conn.deadline = time.monotonic() + self.settings.keepalive_timeout
        self.conns[conn.fd] = conn
        self.poller.register(conn.fd)
        if conn.draining:
            self._drain(conn)
            return
        if conn.buf:  # a pipelined request arrived with the previous one
            self._advance(conn)

    def _readable(self, conn: Connection) -> None:
        try:
            data = conn.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._close(conn)
            return
        if conn.state == DRAIN:
            return
        conn.buf += data
        self._advance(conn)

    def _advance(self, conn: Connection) -> None:
        try:
            if conn.state in (IDLE, HEAD):
                self._read_head(conn)
            if conn.state == BODY:
                self._read_body(conn)
        except BadRequest as error:
            self._refuse(conn, error.status, error.message)

    def _read_head(self, conn: Connection) -> None:
        buf = conn.buf
        if conn.state == IDLE:
            conn.state = HEAD
            conn.deadline = time.monotonic() + self.settings.header_timeout
        while buf[:2] == b"\r\n":  # RFC 9112 2.2: ignore blank lines before a request
            del buf[:2]
        end = buf.find(b"\r\n\r\n", max(0, conn.scanned - 3))
        if end < 0:
            conn.scanned = len(buf)
            if len(buf) > self.limits.head:
                raise BadRequest("request head too large", 431)
            return
        head = parse_head(bytes(buf[:end]), self.limits)
        del buf[:end + 4]
        conn.head = head
        settings = self.settings
        if head.chunked:
            conn.decoder = ChunkedDecoder(settings.buffer_body, self.limits)
        elif not head.content_length:
            self._dispatch(conn, b"")
            return
        elif head.content_length > settings.buffer_body:
            self._dispatch(conn, None)  # streamed: the application decides (and may 413)
            return
        conn.state = BODY
        conn.deadline = time.monotonic() + settings.body_timeout
        if head.expect_continue and not buf:
            _send_now(conn.sock, b"HTTP/1.1 100 Continue\r\n\r\n")

    def _read_body(self, conn: Connection) -> None:
        buf = conn.buf
        if conn.decoder is not None:
            if conn.decoder.feed(buf):
                self._dispatch(conn, bytes(conn.decoder.body))
            return
        length = conn.head.content_length
        if len(buf) >= length:
            body = bytes(buf[:length])
            del buf[:length]
            self._dispatch(conn, body)

    def _dispatch(self, conn: Connection, body: bytes | None) -> None:
        """Hand a complete request (``body=None``: a body still to stream) to the pool."""
        self.poller.unregister(conn.fd)
        del self.conns[conn.fd]
        conn.served += 1
        self.pool.submit(Job(conn, body))

    def _refuse(self, conn: Connection, status: int, message: str) -> None:
        """Answer a client's fault, then read and drop what it still sends, briefly.

        Closing at once with unread data makes the kernel send a reset, and the
        client may never see the answer; a short drain lets it arrive.
        """
        self.log.debug("refused a request from %s: %d %s", conn.addr, status, message)
        _send_now(conn.sock, simple_response(status, message, keep_alive=False))
        self._drain(conn)

    def _drain(self, conn: Connection) -> None:
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        conn.state, conn.buf = DRAIN, bytearray()
        conn.deadline = time.monotonic() + DRAIN_SECONDS

    def _close(self, conn: Connection) -> None:
        self.poller.unregister(conn.fd)
        self.conns.pop(conn.fd, None)
        conn.sock.close()

    def _tick(self, now: float) -> None:
        self.notify()
        if self.ppid != os.getppid():
            self.log.info("parent changed, shutting down: %s", self)
            self.alive = False
            return
        expired = [conn for conn in self.conns.values() if conn.deadline <= now]
        for conn in expired:
            if conn.state == HEAD and (conn.buf or conn.served == 0 and conn.scanned):
                self._refuse(conn, 408, "the request head did not arrive in time")
            elif conn.state == BODY:
                self._refuse(conn, 408, "the request body did not arrive in time")
            else:
                self._close(conn)
        self.pool.check_deadlines(now)

    def _shutdown(self) -> None:
        """Stop accepting, close idle connections, let requests in flight finish."""
        for fd, listener in self.listeners.items():
            self.poller.unregister(fd)
            listener.close()
        for conn in list(self.conns.values()):
            self._close(conn)
        deadline = time.monotonic() + self.cfg.graceful_timeout
        # (connections threads gave back hold responses the loop still has to send)
        while (self.pool.busy() or self.pool.back) and time.monotonic() < deadline:
            self.notify()
            self.poller.poll(TICK)
            self._woken()
        self.pool.stop()


def _send_some(sock: socket.socket, data: bytes) -> bytes | None:
    """What a non-blocking ``send`` leaves of ``data`` (b"": all sent); None: the client
    is gone."""
    try:
        sent = sock.send(data)
    except (BlockingIOError, InterruptedError):
        sent = 0
    except OSError:
        return None
    return bytes(data[sent:])


def _send_now(sock: socket.socket, data: bytes) -> None:
    """Best effort, never blocking: a small answer to a client the loop is done with."""
    try:
        sock.send(data)
    except OSError:
        pass


class _Poller:
    """Level-triggered readiness for read: epoll where there is one, else poll."""

    def __init__(self):
        self.epoll = hasattr(select, "epoll")
        self.impl = select.epoll() if self.epoll else select.poll()

    def register(self, fd: int, exclusive: bool = False) -> None:
        if self.epoll:
            flags = select.EPOLLIN
            if exclusive and hasattr(select, "EPOLLEXCLUSIVE"):
                flags |= select.EPOLLEXCLUSIVE  # one worker wakes per new connection
            self.impl.register(fd, flags)
        else:
            self.impl.register(fd, select.POLLIN)

    def unregister(self, fd: int) -> None:
        try:
            self.impl.unregister(fd)
        except (KeyError, OSError, ValueError):
            pass

    def poll(self, timeout: float) -> list[int]:
        if self.epoll:
            return [fd for fd, _ in self.impl.poll(timeout)]
        return [fd for fd, _ in self.impl.poll(timeout * 1000)]


def worker_class(settings: FrontSettings) -> type[FrontWorker]:
    """A :class:`FrontWorker` subclass bound to ``settings`` (gunicorn takes a class)."""
    return type("CaryaFrontWorker", (FrontWorker,), {"settings": settings,
                                                     "__module__": __name__})
