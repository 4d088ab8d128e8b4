"""De-duplication by ``message_id``: at-least-once delivery, handled once.

A message can arrive twice (a consumer died before its ack, a publisher
resent after losing the broker's confirm). :class:`Deduplicator` remembers
the ids of messages *handled*; :func:`deduplicated` wraps an endpoint so a
message already handled is acknowledged without calling it again.

An id is recorded only after the endpoint returned (not when it raised or
asked for ``REQUEUE``), so a failed first attempt is still retried. The
memory is bounded (the oldest ids are forgotten first). With ``path`` it is a
SQLite file, shared by the processes of a pool on one machine and kept
across restarts.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import OrderedDict
from typing import Any

from ..sqlite import use_wal
from .listener import REQUEUE
from .message import PRIORITIES

__all__ = ["Deduplicator", "deduplicated"]


class Deduplicator:
    """The last ``capacity`` handled message ids, in memory or in a SQLite file."""

    def __init__(self, capacity: int = 100_000, path: str | None = None):
        if capacity < 1:
            raise ValueError("Deduplicator capacity must be at least 1")
        self.capacity = capacity
        self._lock = threading.Lock()
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._db: sqlite3.Connection | None = None
        self._added = 0
        if path is not None:
            path = os.path.abspath(os.path.expanduser(path))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None,
                                       check_same_thread=False)
            use_wal(self._db)
            self._db.execute("CREATE TABLE IF NOT EXISTS seen ("
                             "message_id TEXT PRIMARY KEY, at REAL NOT NULL)")
            self._db.execute("CREATE INDEX IF NOT EXISTS seen_by_age ON seen (at)")

    def seen(self, message_id: str) -> bool:
        """True when ``message_id`` was marked handled (and not yet forgotten)."""
        if not message_id:
            return False
        with self._lock:
            if self._db is None:
                return message_id in self._ids
            row = self._db.execute("SELECT 1 FROM seen WHERE message_id = ?",
                                   (message_id,)).fetchone()
            return row is not None

    __contains__ = seen

    def mark(self, message_id: str) -> None:
        """Record ``message_id`` as handled."""
        if not message_id:
            return
        with self._lock:
            if self._db is None:
                self._ids[message_id] = None
                self._ids.move_to_end(message_id)
                while len(self._ids) > self.capacity:
                    self._ids.popitem(last=False)
                return
            self._db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?)",
                             (message_id, time.time()))
            self._added += 1
            if self._added % 1000 == 0 or self.capacity < 1000:
                self._db.execute(
                    "DELETE FROM seen WHERE message_id IN (SELECT message_id FROM seen "
                    "ORDER BY at DESC LIMIT -1 OFFSET ?)", (self.capacity,))

    def forget(self, message_id: str) -> None:
        with self._lock:
            if self._db is None:
                self._ids.pop(message_id, None)
            else:
                self._db.execute("DELETE FROM seen WHERE message_id = ?", (message_id,))

    def __len__(self) -> int:
        with self._lock:
            if self._db is None:
                return len(self._ids)
            return self._db.execute("SELECT COUNT(*) FROM seen").fetchone()[0]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class _Deduplicated:
    """An endpoint whose priority methods skip messages already handled."""

    def __init__(self, endpoint: Any, dedup: Deduplicator):
        self.endpoint = endpoint
        self.dedup = dedup
        self.duplicates = 0
        self.filter_rule = getattr(endpoint, "filter_rule", None)
        for priority in PRIORITIES:
            method = getattr(endpoint, priority, None)
            if method is None and priority == "warn":
                method = getattr(endpoint, "warning", None)
            if callable(method):
                setattr(self, priority, self._wrap(method))

    def _wrap(self, method: Any) -> Any:
        dedup = self.dedup
        # one Deduplicator may serve several endpoints: each keeps its own record
        scope = f"{type(self.endpoint).__qualname__}:"

        def once(ctxt: Any, publisher_id: Any, event_type: Any, payload: Any,
                 metadata: Any) -> Any:
            message_id = (metadata or {}).get("message_id")
            key = scope + message_id if message_id else ""
            if dedup.seen(key):
                self.duplicates += 1
                return None
            result = method(ctxt, publisher_id, event_type, payload, metadata)
            if result != REQUEUE:
                dedup.mark(key)
            return result

        once.__name__ = getattr(method, "__name__", "endpoint")
        return once


def deduplicated(endpoint: Any, dedup: Deduplicator | None = None) -> Any:
    """``endpoint`` wrapped so each ``message_id`` is handled once (``dedup`` shared if given)."""
    return _Deduplicated(endpoint, dedup if dedup is not None else Deduplicator())
