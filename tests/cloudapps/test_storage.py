"""cloudapps.storage: the engines every service of the example opens."""

from __future__ import annotations

from cloudapps.storage import engine_for
from sqlalchemy import text

from tests.support import sqlite_write_lock


def test_a_new_sqlite_connection_waits_while_another_holds_the_file(tmp_path):
    """Services started together (the launcher's trackers) met "database is locked"
    at start-up: a new connection's switch to WAL is now retried (carya.sqlite)."""
    path = tmp_path / "state.sqlite"
    engine = engine_for(f"sqlite:///{path}")
    try:
        with sqlite_write_lock(path, 0.3), engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        engine.dispose()
