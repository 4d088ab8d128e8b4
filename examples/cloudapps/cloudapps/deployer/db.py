"""The deployer's database: deployments, their servers, and the schema version.

``migrate(engine)`` applies an ordered list of forward-only migrations and
records each in ``schema_version`` (DESIGN.md's Alembic equivalent); every
process of the service runs it at start-up, so it is idempotent and two
running at once serialize on a lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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
    Text,
    create_engine,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.pool import StaticPool

__all__ = ["metadata", "deployments", "servers", "schema_version", "MIGRATIONS", "migrate",
           "engine_for"]

metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", Float, nullable=False),
)

deployments = Table(
    "deployments", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("template", String(32), nullable=False),
    Column("image_id", String(64), nullable=False),
    Column("image_name", String(255), nullable=False),
    Column("flavor_id", String(64), nullable=False),
    Column("flavor_name", String(255), nullable=False),
    Column("instances", Integer, nullable=False),
    # creating, active, error, updating, deleting, deleted
    Column("state", String(16), nullable=False),
    Column("error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

servers = Table(
    "deployment_servers", metadata,
    Column("id", String(36), primary_key=True),  # the cloud's server id
    Column("deployment_id", String(36), nullable=False, index=True),
    Column("role", String(16), nullable=False),  # web, db
    Column("name", String(255), nullable=False),
    # the cloud's status: BUILD, ACTIVE, ERROR, SHUTOFF; DELETING, DELETED (ours)
    Column("status", String(16), nullable=False),
    Column("fault", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)


def _m001_initial(conn: Connection) -> None:
    for table in (deployments, servers):
        table.create(conn, checkfirst=True)


#: (version, name, function), in order; append, never edit an applied one.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "deployments and their servers", _m001_initial),
]


def _lock(conn: Connection) -> None:
    """Serialize migrators: a PostgreSQL advisory lock, SQLite's write lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(8080001)"))
    else:
        conn.execute(text("UPDATE schema_version SET version = version WHERE 1 = 0"))


def migrate(engine: Engine) -> list[int]:
    """Apply the migrations this database lacks; return the versions applied now."""
    try:
        schema_version.create(engine, checkfirst=True)
    except Exception:  # noqa: BLE001 - another process created it between check and create
        schema_version.create(engine, checkfirst=True)
    applied: list[int] = []
    with engine.begin() as conn:
        _lock(conn)
        done = set(conn.scalars(select(schema_version.c.version)))
        for version, name, apply in MIGRATIONS:
            if version not in done:
                apply(conn)
                conn.execute(insert(schema_version).values(
                    version=version, name=name, applied_at=time.time()))
                applied.append(version)
    return applied


def engine_for(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout so API and tracker share it."""
    if url in ("sqlite://", "sqlite:///:memory:"):
        return create_engine(url, connect_args={"check_same_thread": False},
                             poolclass=StaticPool)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)
