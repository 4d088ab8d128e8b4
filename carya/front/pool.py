"""The front's thread pool: runs complete requests, and enforces the request deadline.

A handler that hangs must not keep its thread, nor its client waiting, forever.
The loop calls :meth:`Pool.check_deadlines` a few times a second: a request
past ``request_timeout`` that has not started its response gets a 503 and its
connection is closed; its thread is *abandoned* (Python cannot stop a thread)
and a fresh one takes its place, so the pool keeps its size. If abandoned
threads pile up (handlers that never return), the worker asks gunicorn's
arbiter for a clean replacement process.

Who writes a response: a thread writes its own, unless the response was small
enough to be held (``coalesce_bytes``), the connection stays open, and other
requests are already waiting for a thread. Then the thread hands it to the loop
with the connection and goes on to the next request; the loop sends it with its
other writes. Keeping the socket writes out of the run of handlers is about a
fifth more requests per second under load (``benchmarks/http/README.md``);
with nothing waiting, the thread writes at once, so a lone request is not
delayed. What the loop cannot send without waiting comes back to a thread as a
:class:`Job` with ``rest``.
"""

from __future__ import annotations

import collections
import logging
import os
import queue
import socket
import threading
import time
from typing import Any

from .wsgi import CLOSE, DRAIN, KEEP, Abandoned, serve_request, simple_response

__all__ = ["Job", "Pool"]

log = logging.getLogger("carya.server")

#: Abandoned threads per pool thread before the worker process is replaced.
ABANDONED_PER_THREAD = 4
#: Requests waiting for a thread before a thread leaves a held response to the loop.
#: Fewer waiting, the loop's turn to write comes too late to pay for itself: at 4
#: concurrent clients, 1 cost a few percent of requests per second and 3 nothing,
#: while under load both gave the same fifth more.
BACKLOG = 3


class Job:
    """One request handed to the pool: its connection and its body (``None``: streamed)."""

    __slots__ = ("conn", "body", "started", "lock", "abandoned", "responding", "unsent",
                 "rest")

    def __init__(self, conn: Any, body: bytes | None, rest: bytes | None = None):
        self.conn = conn
        self.body = body
        self.started = 0.0
        self.lock = threading.Lock()
        self.abandoned = False
        #: a job with ``rest`` only writes (the end of a response the loop started)
        self.responding = rest is not None
        self.unsent: bytearray | None = None  # the held response serve_request left
        self.rest = rest

    def claim(self) -> None:
        """Called before the first byte of the response: from now on the thread owns it."""
        with self.lock:
            if self.abandoned:
                raise Abandoned()
            self.responding = True


class _Slot:
    __slots__ = ("job", "retired", "thread")

    def __init__(self):
        self.job: Job | None = None
        self.retired = False


class Pool:
    def __init__(self, worker: Any, app: Any, threads: int, settings: Any, limits: Any):
        self.worker = worker
        self.app = app
        self.settings = settings
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.back: collections.deque = collections.deque()
        self.slots: list[_Slot] = []
        self.abandoned = 0
        listener = worker.sockets[0] if worker.sockets else None
        name = listener.getsockname() if listener is not None else ("localhost", 0)
        if not isinstance(name, tuple):
            name = ("localhost", 0)  # a Unix socket
        self.server = (str(name[0]), str(name[1]), worker.cfg.workers > 1)
        for _ in range(threads):
            self._spawn()

    def _spawn(self) -> None:
        slot = _Slot()
        slot.thread = threading.Thread(target=self._run, args=(slot,), daemon=True,
                                       name="carya-request")
        self.slots.append(slot)
        slot.thread.start()

    def _run(self, slot: _Slot) -> None:
        while not slot.retired:
            job = self.queue.get()
            if job is None:
                return
            job.started = time.monotonic()
            slot.job = job
            try:
                after = self._serve(job) if job.rest is None else self._finish(job)
            finally:
                slot.job = None
            if job.abandoned:
                return
            if after == CLOSE:
                _close(job.conn.sock)
            else:  # the loop waits for its next request, or drains an unread body
                job.conn.draining = after == DRAIN
                self.back.append(job.conn)
                os.write(self.worker.PIPE[1], b".")

    def _serve(self, job: Job) -> str:
        """Run the request; its response goes out now, or with the loop's writes."""
        try:
            after = serve_request(job, self.app, self.settings, self.server,
                                  self.worker.alive)
        except Abandoned:
            after = CLOSE
        self.worker.nr += 1
        if self.worker.nr >= self.worker.max_requests:
            self.worker.alive = False
        unsent = job.unsent
        if unsent is not None and not job.abandoned:
            job.unsent = None
            if after == KEEP and self.queue.qsize() >= BACKLOG:
                job.conn.unsent = unsent  # others wait for a thread: the loop sends it
            elif not _send_all(job.conn.sock, unsent):
                after = CLOSE
        return after

    def _finish(self, job: Job) -> str:
        """The rest of a response the loop could not send at once (a client slow to read)."""
        sock = job.conn.sock
        sock.settimeout(self.settings.body_timeout)
        return KEEP if _send_all(sock, job.rest) else CLOSE

    def submit(self, job: Job) -> None:
        self.queue.put(job)

    def returned(self) -> list:
        """Connections threads gave back for their next request."""
        out = []
        while self.back:
            out.append(self.back.popleft())
        return out

    def busy(self) -> bool:
        return any(slot.job is not None for slot in self.slots if not slot.retired) \
            or not self.queue.empty()

    def check_deadlines(self, now: float) -> None:
        limit = self.settings.request_timeout
        if not limit:
            return
        for slot in list(self.slots):
            job = slot.job
            if job is None or slot.retired or now - job.started < limit:
                continue
            with job.lock:
                if job.responding:
                    continue
                job.abandoned = True
            self._abandon(slot, job)

    def _abandon(self, slot: _Slot, job: Job) -> None:
        environ_line = f"{job.conn.head.method} {job.conn.head.target}"
        log.warning("%s took longer than request_timeout (%gs): answered 503, its thread is "
                    "abandoned and replaced", environ_line, self.settings.request_timeout)
        sock = job.conn.sock
        try:
            sock.settimeout(1.0)
            sock.sendall(simple_response(503, "The request took too long to handle.",
                                         keep_alive=False))
        except OSError:
            pass
        _close(sock)
        slot.retired = True
        self.slots.remove(slot)
        self.abandoned += 1
        self._spawn()
        if self.abandoned > ABANDONED_PER_THREAD * max(1, len(self.slots)):
            log.error("%d handlers never returned: replacing this worker process",
                      self.abandoned)
            self.worker.alive = False

    def stop(self) -> None:
        for _ in self.slots:
            self.queue.put(None)


def _send_all(sock: socket.socket, data: bytes) -> bool:
    """Write ``data`` (the socket's timeout bounds it); False: the client is gone."""
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
