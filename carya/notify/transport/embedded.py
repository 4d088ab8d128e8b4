"""``embedded://PATH``: the brokerless default, a queue in a local SQLite file.

Publisher and subscriber processes on one machine open the same file; what
is in it survives a restart of either. Chosen over the alternatives by
measurement (``python -m benchmarks.notify --embedded-choice``, numbers in
the README): SQLite in WAL mode commits a small row in tens of microseconds
(about 29,000 publishes/s on the reference machine), gives atomic
claim/ack/dead-letter in one statement each, and ships with Python; a spool
directory with one file per message published about 8x slower, and without
a portable file watch in the standard library its consumers must poll.

How it works:

* ``bindings(exchange, routing_key, queue)`` plays the broker's bindings; a
  publish inserts one row per bound queue in one statement, creating the
  default queue ``<routing_key>`` first, as oslo's rabbit driver does.
* a consumer *leases* rows (``UPDATE ... RETURNING``) under an owner id that
  names its process; ack deletes the row, requeue clears the lease, retry
  moves it to the tail with ``attempts + 1``, dead-letter moves it to
  ``dead``. A consumer that dies with rows leased is noticed by the others
  (its pid is gone) and its rows are handed out again; a lease also expires.
* waiting is cheap and quick: each consumer binds a Unix datagram socket in a
  per-database directory and a publisher sends it one byte after each
  commit; without a wake-up a consumer still looks every ``poll_interval``.

Durability: ``sync=normal`` (the default) survives a crash of any process;
``sync=full`` also survives power loss, at an fsync per publish.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import select
import socket
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from ...sqlite import use_wal
from ..errors import TransportURLError
from ..url import TransportURL
from .base import (
    Consumer,
    DeadLetter,
    Delivery,
    QueueSpec,
    Transport,
    as_bool,
    as_float,
)

__all__ = ["EmbeddedTransport", "default_path"]

LOG = logging.getLogger("carya.notify.embedded")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS bindings (
        exchange TEXT NOT NULL, routing_key TEXT NOT NULL, queue TEXT NOT NULL,
        PRIMARY KEY (exchange, routing_key, queue)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL,
        body BLOB NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        redelivered INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until REAL)""",
    "CREATE INDEX IF NOT EXISTS messages_by_queue ON messages (queue, id)",
    "CREATE INDEX IF NOT EXISTS messages_by_owner ON messages (lease_owner)",
    """CREATE TABLE IF NOT EXISTS dead (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL, body BLOB NOT NULL, attempts INTEGER NOT NULL,
        reason TEXT NOT NULL, dead_at REAL NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS dead_by_queue ON dead (queue, id)",
    """CREATE TABLE IF NOT EXISTS consumers (
        owner TEXT PRIMARY KEY, pid INTEGER NOT NULL, started TEXT NOT NULL)""",
)
_SYNC = {"off": "OFF", "normal": "NORMAL", "full": "FULL"}


def default_path() -> str:
    """``$CARYA_NOTIFY_DB``, else ``$XDG_STATE_HOME/carya/notify.sqlite3``."""
    explicit = os.environ.get("CARYA_NOTIFY_DB")
    if explicit:
        return explicit
    state = os.environ.get("XDG_STATE_HOME") or os.path.join("~", ".local", "state")
    return os.path.join(state, "carya", "notify.sqlite3")


def _sync_mode(value: Any) -> str:
    text = str(value).lower()
    if text not in _SYNC:
        raise ValueError(f"sync must be one of {', '.join(_SYNC)}")
    return text


def _process_started(pid: int) -> str:
    """The kernel's start time of ``pid`` (tells a live process from a reused pid)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return ""
    return stat.rsplit(b")", 1)[-1].split()[19].decode()


def _alive(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not started or _process_started(pid) in ("", started)


class _Waker:
    """Wake-ups between processes: one Unix datagram socket per consumer."""

    def __init__(self, db_path: str):
        digest = hashlib.sha1(db_path.encode()).hexdigest()[:16]
        self.dir = os.path.join(tempfile.gettempdir(), f"carya-notify-{os.getuid()}", digest)
        self._sender: socket.socket | None = None
        self._mtime = -1
        self._targets: list[str] = []
        self._lock = threading.Lock()

    def listen(self, name: str) -> socket.socket | None:
        """A socket that becomes readable when something is published (None: poll only)."""
        path = os.path.join(self.dir, name + ".sock")
        if len(path) > 100:
            return None
        try:
            os.makedirs(self.dir, mode=0o700, exist_ok=True)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(path)
        except OSError as error:
            LOG.warning("embedded transport: no wake-up socket (%s); polling instead", error)
            return None
        sock.setblocking(False)
        return sock

    def wake(self) -> None:
        try:
            mtime = os.stat(self.dir).st_mtime_ns
        except FileNotFoundError:
            return
        with self._lock:
            if mtime != self._mtime:
                self._targets = [os.path.join(self.dir, n) for n in os.listdir(self.dir)
                                 if n.endswith(".sock")]
                self._mtime = mtime
            targets = self._targets
            if self._sender is None:
                self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._sender.setblocking(False)
            sender = self._sender
        for path in targets:
            try:
                sender.sendto(b"!", path)
            except BlockingIOError:
                pass  # its buffer is full of wake-ups already
            except OSError as error:
                if error.errno in (errno.ECONNREFUSED, errno.ENOENT):
                    with contextlib.suppress(OSError):
                        os.unlink(path)  # a consumer that died without closing

    def close(self) -> None:
        if self._sender is not None:
            self._sender.close()
            self._sender = None


class _EmbeddedDelivery(Delivery):
    __slots__ = ("_consumer", "_id")

    def __init__(self, consumer: _EmbeddedConsumer, row: tuple):
        msg_id, queue, body, attempts, redelivered = row
        super().__init__(bytes(body), attempts, bool(redelivered), queue)
        self._consumer = consumer
        self._id = msg_id

    def ack(self) -> None:
        c = self._consumer
        c.db.execute("DELETE FROM messages WHERE id = ? AND lease_owner = ?", (self._id, c.owner))

    def requeue(self) -> None:
        c = self._consumer
        c.db.execute(
            "UPDATE messages SET lease_owner = NULL, lease_until = NULL, redelivered = 1 "
            "WHERE id = ? AND lease_owner = ?", (self._id, c.owner))
        c.transport.waker.wake()

    def retry(self) -> None:
        c = self._consumer
        with c.transaction():
            c.db.execute(
                "INSERT INTO messages (queue, body, attempts, redelivered) "
                "SELECT queue, body, attempts + 1, 1 FROM messages "
                "WHERE id = ? AND lease_owner = ?",
                (self._id, c.owner))
            c.db.execute("DELETE FROM messages WHERE id = ? AND lease_owner = ?",
                         (self._id, c.owner))
        c.transport.waker.wake()

    def dead_letter(self, reason: str) -> None:
        c = self._consumer
        with c.transaction():
            c.db.execute(
                "INSERT INTO dead (queue, body, attempts, reason, dead_at) "
                "SELECT queue, body, attempts, ?, ? FROM messages WHERE id = ? AND lease_owner = ?",
                (reason, time.time(), self._id, c.owner))
            c.db.execute("DELETE FROM messages WHERE id = ? AND lease_owner = ?",
                         (self._id, c.owner))


class _EmbeddedConsumer(Consumer):
    LIVENESS_EVERY = 2.0

    def __init__(self, transport: EmbeddedTransport, queues: Sequence[QueueSpec],
                 prefetch: int):
        self.transport = transport
        self.db = transport.connect_db()
        self.names = tuple(dict.fromkeys(q.name for q in queues))
        self.prefetch = max(1, prefetch)
        token = uuid.uuid4().hex[:12]
        pid = os.getpid()
        self.owner = f"{pid}-{token}"
        self.lease = transport.options["lease"]
        marks = ",".join("?" * len(self.names))
        self._claim_sql = (
            "UPDATE messages SET lease_owner = ?, lease_until = ? WHERE id IN ("
            f"SELECT id FROM messages WHERE queue IN ({marks}) "
            "AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?) "
            "RETURNING id, queue, body, attempts, redelivered")
        with self.transaction():
            for spec in queues:
                for exchange, key in spec.bindings:
                    self.db.execute("INSERT OR IGNORE INTO bindings VALUES (?, ?, ?)",
                                    (exchange, key, spec.name))
            self.db.execute("INSERT INTO consumers VALUES (?, ?, ?)",
                            (self.owner, pid, _process_started(pid)))
        self.sock = transport.waker.listen(self.owner) if transport.options["wake"] else None
        self._checked = 0.0
        self._renewed = time.monotonic()
        self.reclaim()

    @contextlib.contextmanager
    def transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def reclaim(self) -> int:
        """Hand out again the rows leased by consumers whose process is gone."""
        self._checked = time.monotonic()
        freed = 0
        for owner, pid, started in self.db.execute("SELECT * FROM consumers").fetchall():
            if owner == self.owner or _alive(pid, started):
                continue
            with self.transaction():
                freed += self.db.execute(
                    "UPDATE messages SET lease_owner = NULL, lease_until = NULL, "
                    "redelivered = 1 WHERE lease_owner = ?", (owner,)).rowcount
                self.db.execute("DELETE FROM consumers WHERE owner = ?", (owner,))
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self.transport.waker.dir, owner + ".sock"))
            LOG.warning("embedded transport: consumer %s (pid %s) died; %d message(s) it "
                        "held are back in their queues", owner, pid, freed)
        return freed

    def _claim(self) -> list[Delivery]:
        now = time.time()
        rows = self.db.execute(
            self._claim_sql, (self.owner, now + self.lease, *self.names, now, self.prefetch)
        ).fetchall()
        rows.sort()
        return [_EmbeddedDelivery(self, row) for row in rows]

    def poll(self, timeout: float) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        interval = self.transport.options["poll_interval"]
        while True:
            now = time.monotonic()
            if now - self._checked > self.LIVENESS_EVERY:
                self.reclaim()
            if now - self._renewed > self.lease / 3:
                self._renew()
            taken = self._claim()
            if taken:
                return taken
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            self._sleep(min(left, interval))

    def _renew(self) -> None:
        self._renewed = time.monotonic()
        self.db.execute("UPDATE messages SET lease_until = ? WHERE lease_owner = ?",
                        (time.time() + self.lease, self.owner))

    def _sleep(self, seconds: float) -> None:
        if self.sock is None:
            time.sleep(seconds)
            return
        readable, _, _ = select.select([self.sock], [], [], seconds)
        if readable:
            with contextlib.suppress(BlockingIOError):
                while self.sock.recv(64):
                    pass

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            with self.transaction():
                self.db.execute(
                    "UPDATE messages SET lease_owner = NULL, lease_until = NULL, "
                    "redelivered = 1 WHERE lease_owner = ?", (self.owner,))
                self.db.execute("DELETE FROM consumers WHERE owner = ?", (self.owner,))
        if self.sock is not None:
            path = self.sock.getsockname()
            self.sock.close()
            with contextlib.suppress(OSError):
                os.unlink(path)
            self.sock = None
        self.transport.waker.wake()
        self.db.close()


class EmbeddedTransport(Transport):
    """The SQLite-backed transport (see the module docstring)."""

    OPTIONS = {
        "exchange": str,
        "sync": _sync_mode,
        "lease": as_float,
        "poll_interval": as_float,
        "default_queues": as_bool,
        "wake": as_bool,
    }
    DEFAULTS = {
        "exchange": "openstack",
        "sync": "normal",
        "lease": 300.0,
        "poll_interval": 0.5,
        "default_queues": True,
        "wake": True,
    }

    def __init__(self, url: TransportURL, options: Mapping[str, Any] | None = None):
        super().__init__(url, options)
        raw = url.path or default_path()
        self.path = os.path.abspath(os.path.expanduser(raw))
        self._local = threading.local()
        self._declared: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._dbs: list[sqlite3.Connection] = []
        self._pid = os.getpid()
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                db.execute(statement)
            db.execute("COMMIT")
        except (OSError, sqlite3.Error) as error:
            raise TransportURLError(
                f"embedded transport: cannot use {self.path!r} as its queue file: {error}"
            ) from None
        self.waker = _Waker(self.path)

    def connect_db(self) -> sqlite3.Connection:
        """A new connection, set up for many processes sharing the file."""
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None,
                             check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 30000")
        use_wal(db)
        db.execute(f"PRAGMA synchronous = {_SYNC[self.options['sync']]}")
        return db

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (a forked child opens its own)."""
        if self._pid != os.getpid():
            self._local = threading.local()
            self._declared = set()
            self._dbs = []
            self._pid = os.getpid()
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self.connect_db()
            with self._lock:
                self._dbs.append(db)
        return db

    def send(self, exchange: str, routing_key: str, body: bytes) -> None:
        db = self._db()
        key = (exchange, routing_key)
        if key not in self._declared and self.options["default_queues"]:
            db.execute("INSERT OR IGNORE INTO bindings VALUES (?, ?, ?)",
                       (exchange, routing_key, routing_key))
            self._declared.add(key)
        db.execute(
            "INSERT INTO messages (queue, body) SELECT queue, ? FROM bindings "
            "WHERE exchange = ? AND routing_key = ?", (body, exchange, routing_key))
        if self.options["wake"]:
            self.waker.wake()

    def consumer(self, queues: Sequence[QueueSpec], prefetch: int = 64) -> Consumer:
        return _EmbeddedConsumer(self, queues, prefetch)

    def dead_letters(self, queue: str, limit: int = 1000) -> list[DeadLetter]:
        rows = self._db().execute(
            "SELECT id, queue, body, reason, attempts, dead_at FROM dead WHERE queue = ? "
            "ORDER BY id LIMIT ?", (queue, limit)).fetchall()
        return [DeadLetter(str(i), q, bytes(b), r, a, t) for i, q, b, r, a, t in rows]

    def replay(self, queue: str, ids: Sequence[str] | None = None) -> int:
        db = self._db()
        where = "queue = ?"
        params: list[Any] = [queue]
        if ids is not None:
            where += f" AND id IN ({','.join('?' * len(ids))})"
            params += [int(i) for i in ids]
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(f"INSERT INTO messages (queue, body) SELECT queue, body FROM dead "
                       f"WHERE {where} ORDER BY id", params)
            count = db.execute(f"DELETE FROM dead WHERE {where}", params).rowcount
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        self.waker.wake()
        return count

    def pending(self, queue: str) -> int:
        (count,) = self._db().execute(
            "SELECT COUNT(*) FROM messages WHERE queue = ? "
            "AND (lease_until IS NULL OR lease_until < ?)", (queue, time.time())).fetchone()
        return count

    def purge(self, queue: str) -> int:
        return self._db().execute(
            "DELETE FROM messages WHERE queue = ? AND lease_until IS NULL", (queue,)).rowcount

    def close(self, timeout: float | None = 10.0) -> None:
        with self._lock:
            dbs, self._dbs = self._dbs, []
        for db in dbs:
            with contextlib.suppress(sqlite3.Error):
                db.close()
        self._local = threading.local()
        self.waker.close()


TRANSPORT = EmbeddedTransport
