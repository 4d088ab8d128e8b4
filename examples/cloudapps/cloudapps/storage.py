"""What every cloudapps service's database layer shares: migrations and engines.

Each service owns its tables and its list of migrations (``<service>/db.py``);
this module runs them and makes engines, so the three services cannot drift
apart in how they do it:

- :func:`migrate` applies the migrations a database lacks, in order, recording
  each in a ``schema_version`` table (our forward-only Alembic equivalent). It
  is run at start-up by every process of a service, so concurrent runs are
  serialised (a PostgreSQL advisory lock, SQLite's write lock) and apply once.
- :func:`engine_for` makes an engine; SQLite files get WAL and a busy timeout
  so a service's API and its workers (separate processes) share the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateTable

from carya.sqlite import use_wal

__all__ = ["Migration", "schema_version_table", "migrate", "engine_for", "MEMORY_URLS"]

#: ``(version, name, apply(conn))``; append new ones, never edit an applied one.
Migration = tuple[int, str, Callable[[Connection], None]]

MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")


def schema_version_table(metadata: MetaData) -> Table:
    """The table recording which migrations a database has."""
    return Table(
        "schema_version", metadata,
        Column("version", Integer, primary_key=True),
        Column("name", String(200), nullable=False),
        Column("applied_at", Float, nullable=False),
    )


def _lock(conn: Connection, key: int) -> None:
    """Serialise migrators: a PostgreSQL advisory lock, SQLite's write lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        # Any write takes SQLite's database lock until the transaction ends.
        conn.execute(text("UPDATE schema_version SET version = version WHERE 1 = 0"))


def migrate(engine: Engine, schema_version: Table, migrations: Sequence[Migration],
            lock_key: int) -> list[int]:
    """Apply the migrations this database lacks; return the versions applied now."""
    _create_if_missing(engine, schema_version)
    applied: list[int] = []
    with engine.begin() as conn:
        _lock(conn, lock_key)
        done = set(conn.scalars(select(schema_version.c.version)))
        for version, name, apply in migrations:
            if version in done:
                continue
            apply(conn)
            conn.execute(insert(schema_version).values(
                version=version, name=name, applied_at=time.time()))
            applied.append(version)
    return applied


def _create_if_missing(engine: Engine, table: Table, attempts: int = 3) -> None:
    """``CREATE TABLE IF NOT EXISTS``, safe with other migrators starting at once.

    SQLite decides "if not exists" under its write lock, so racing creators cannot
    collide (a separate existence check could: another process's table appears in
    between, and the create fails). On PostgreSQL two racing creators can still
    collide on the catalog; the loser's next attempt finds the table.
    """
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                conn.execute(CreateTable(table, if_not_exists=True))
            return
        except Exception:  # noqa: BLE001 - another migrator created it at the same moment
            if attempt == attempts - 1:
                raise


def engine_for(url: str, on_connect: Callable[[Any], None] | None = None) -> Engine:
    """An engine for ``url``: SQLite with WAL and a busy timeout, else pre-pinged pools.

    ``on_connect(dbapi_connection)`` runs after those pragmas on each new
    SQLite connection, for a service that needs more (see alarms.db).
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if url in MEMORY_URLS:
        engine = create_engine(url, connect_args={"check_same_thread": False},
                               poolclass=StaticPool)
    else:
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, record: Any) -> None:
        if on_connect is not None:
            on_connect(dbapi_conn)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        if url not in MEMORY_URLS:
            use_wal(dbapi_conn)  # retried while another process holds the file

    return engine
