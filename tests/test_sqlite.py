"""carya.sqlite: switching a shared SQLite file to WAL while others hold it."""

from __future__ import annotations

import sqlite3

import pytest

from carya.sqlite import use_wal
from tests.support import sqlite_write_lock


def test_the_switch_waits_for_a_write_lock_to_go(tmp_path):
    """Without the retry SQLite answers "database is locked" at once here: it does not
    wait out the busy timeout for a switch that needs the file alone."""
    path = tmp_path / "shared.sqlite"
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        with sqlite_write_lock(path, 0.3):
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                conn.execute("PRAGMA journal_mode=WAL")  # what each caller did before
            use_wal(conn)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_the_wait_is_bounded(tmp_path):
    path = tmp_path / "shared.sqlite"
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        with sqlite_write_lock(path, 1.5):
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                use_wal(conn, seconds=0.2)
    finally:
        conn.close()
