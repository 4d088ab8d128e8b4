"""cloudapps.storage: the engines every service of the example opens."""

from __future__ import annotations

import sqlite3
import threading

from cloudapps.storage import engine_for
from sqlalchemy import text


def test_a_new_sqlite_connection_waits_while_another_holds_the_file(tmp_path):
    """Switching to WAL needs the file alone, and SQLite refuses at once, without its
    busy timeout, while another connection holds a write lock: services started
    together (the launcher's trackers) met "database is locked" at start-up. The
    switch is retried until the other connection is done."""
    path = tmp_path / "state.sqlite"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE things (x)")
    other.execute("BEGIN IMMEDIATE")  # a write lock, as another process's migration
    release = threading.Timer(0.3, other.execute, args=("COMMIT",))
    release.start()
    engine = engine_for(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("SELECT count(*) FROM things")).scalar() == 0
    finally:
        release.join(10)
        engine.dispose()
        other.close()
