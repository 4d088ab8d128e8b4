"""SQLite files shared by several processes: switching them to WAL safely.

carya's embedded notification transport and its deduplicator, and the example
services' databases, keep their state in SQLite files that several processes
open at once. Each new connection asks for WAL (readers never block the
writer). That switch needs the file alone, and SQLite refuses it at once with
"database is locked", without waiting out the busy timeout, while another
connection holds a write lock (it would otherwise risk a deadlock). Services
started together then failed at start-up; :func:`use_wal` retries instead.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

__all__ = ["use_wal"]

#: how long :func:`use_wal` keeps trying by default (the busy timeout carya uses)
WAL_SECONDS = 30.0
_PAUSE = 0.02


def use_wal(conn: Any, seconds: float = WAL_SECONDS) -> None:
    """``PRAGMA journal_mode=WAL`` on ``conn`` (a DB-API SQLite connection), retried
    while another connection holds the file, for at most ``seconds``.

    Once one connection has switched the file, the others' switch is a no-op.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(_PAUSE)
