"""The deployer's database: deployments, their servers, and the schema version.

``migrate(engine)`` applies an ordered list of forward-only migrations and
records each in ``schema_version`` (DESIGN.md's Alembic equivalent); every
process of the service runs it at start-up, so it is idempotent and two
running at once serialize on a lock.
"""

from __future__ import annotations

from collections.abc import Callable

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
)

from .. import storage
from ..storage import schema_version_table

__all__ = ["metadata", "deployments", "servers", "schema_version", "MIGRATIONS", "migrate",
           "engine_for"]

metadata = MetaData()

schema_version = schema_version_table(metadata)

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



def migrate(engine: Engine) -> list[int]:
    """Apply the migrations this database lacks; return the versions applied now."""
    return storage.migrate(engine, schema_version, MIGRATIONS, lock_key=8080001)

def engine_for(url: str) -> Engine:
    """An engine for ``url`` (SQLite: WAL and a busy timeout, see cloudapps.storage)."""
    return storage.engine_for(url)
