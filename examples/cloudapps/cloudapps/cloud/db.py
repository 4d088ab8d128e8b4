"""The cloud's database: servers, flavors, images and the notification outbox.

SQLAlchemy Core tables, one engine per process (:func:`engine_for`), SQLite by
default and PostgreSQL by URL (``CLOUDAPPS_CLOUD_DB``). :func:`migrate`
applies the ordered :data:`MIGRATIONS` and records each in ``schema_version``
(forward-only, idempotent, safe when several processes start at once: the
migrating transaction holds a lock, then re-reads what is applied).

State changes are *claims*: ``UPDATE servers ... WHERE id = :id AND version =
:version`` and a check that one row changed, so of two API requests or two
compute workers racing for the same server exactly one wins.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Engine

from .. import storage
from ..storage import schema_version_table

__all__ = [
    "metadata", "servers", "flavors", "images", "outbox", "schema_version",
    "MIGRATIONS", "migrate", "engine_for", "FLAVORS", "IMAGES", "FAIL_FLAVOR_ID",
]

metadata = MetaData()

schema_version = schema_version_table(metadata)

flavors = Table(
    "flavors", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("vcpus", Integer, nullable=False),
    Column("ram", Integer, nullable=False),
    Column("disk", Integer, nullable=False),
)

images = Table(
    "images", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("status", String(16), nullable=False),  # ACTIVE, SAVING
    Column("project_id", String(255), nullable=True),  # NULL: public (seeded)
    Column("server_id", String(36), nullable=True),  # set for createImage snapshots
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

servers = Table(
    "servers", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("project_id", String(255), nullable=False, index=True),
    Column("user_id", String(255), nullable=False),
    Column("flavor_id", String(36), nullable=False),
    Column("image_id", String(36), nullable=False),
    Column("metadata", Text, nullable=False, default="{}"),
    # BUILD, ACTIVE, ERROR, SHUTOFF, DELETED
    Column("status", String(16), nullable=False, index=True),
    # NULL, spawning, rebooting, powering-off, powering-on, image_snapshot, deleting
    Column("task_state", String(32), nullable=True),
    Column("task_arg", String(36), nullable=True),  # e.g. the image a snapshot fills
    Column("due_at", Float, nullable=True, index=True),  # when the task completes
    Column("version", Integer, nullable=False, default=0),  # the claim counter
    Column("fault", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    # migration 2: Nova's OS-SRV-USG:launched_at and the create request's reservation id
    Column("launched_at", Float, nullable=True),
    Column("reservation_id", String(36), nullable=True, index=True),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("server_id", String(36), nullable=True),
    Column("event_type", String(255), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("context", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("claimed_at", Float, nullable=True),
)

FAIL_FLAVOR_ID = "99"
FLAVORS = [
    {"id": "1", "name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1},
    {"id": "2", "name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20},
    {"id": "3", "name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40},
    {"id": FAIL_FLAVOR_ID, "name": "m1.fail", "vcpus": 1, "ram": 256, "disk": 1},
]
IMAGES = [
    {"id": "70a599e0-31e7-49b7-b260-868f441e862b", "name": "cirros-0.6.2"},
    {"id": "c2a4d0a8-7d2b-4e0b-9d0e-0c7c5a1a9d01", "name": "ubuntu-22.04"},
    {"id": "5b3f7c61-2d9e-4c1e-8f4a-7f0e9a1b2c3d", "name": "debian-12"},
]


# --- migrations ------------------------------------------------------------------------


def _m001_initial(conn: Connection) -> None:
    for table in (flavors, images, servers, outbox):
        table.create(conn, checkfirst=True)
    now = time.time()
    conn.execute(insert(flavors), FLAVORS)
    conn.execute(insert(images), [
        {**image, "status": "ACTIVE", "project_id": None, "server_id": None,
         "created_at": now, "updated_at": now} for image in IMAGES
    ])


def _m002_launched_reservation(conn: Connection) -> None:
    """``servers.launched_at`` and ``servers.reservation_id`` (absent in version-1 tables)."""
    have = {column["name"] for column in inspect(conn).get_columns("servers")}
    if "launched_at" not in have:
        conn.execute(text("ALTER TABLE servers ADD COLUMN launched_at FLOAT"))
    if "reservation_id" not in have:
        conn.execute(text("ALTER TABLE servers ADD COLUMN reservation_id VARCHAR(36)"))


#: (version, name, function), in order; append, never edit an applied one.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial tables and seed flavors/images", _m001_initial),
    (2, "servers: launched_at, reservation_id", _m002_launched_reservation),
]



def migrate(engine: Engine) -> list[int]:
    """Apply the migrations this database lacks; return the versions applied now."""
    return storage.migrate(engine, schema_version, MIGRATIONS, lock_key=7740001)

# --- engines ----------------------------------------------------------------------------


def engine_for(url: str) -> Engine:
    """An engine for ``url`` (SQLite: WAL and a busy timeout, see cloudapps.storage)."""
    return storage.engine_for(url)

# --- helpers shared by the API and the worker ------------------------------------------------


def load_metadata(row: Any) -> dict:
    try:
        value = json.loads(row.metadata or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def add_events(conn: Connection, server_id: str | None, ctxt: dict,
               events: Iterable[tuple[str, str, dict]]) -> list[int]:
    """Queue notifications in the caller's transaction; their outbox ids, in order."""
    ids = []
    now = time.time()
    for event_type, priority, payload in events:
        result = conn.execute(insert(outbox).values(
            server_id=server_id, event_type=event_type, priority=priority,
            context=json.dumps(ctxt), payload=json.dumps(payload), created_at=now))
        ids.append(result.inserted_primary_key[0])
    return ids
