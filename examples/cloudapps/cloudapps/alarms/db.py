"""The alarm service's database: alarms, their history, and the action outbox.

SQLAlchemy Core, SQLite by default and PostgreSQL by URL (``CLOUDAPPS_ALARMS_DB``).
:func:`migrate` applies the ordered :data:`MIGRATIONS` and records each in
``schema_version`` (forward-only, idempotent, safe when several processes start
at once: the migrating transaction holds a lock, then re-reads what is applied).

Why an ``alarm_events`` table: delivery is at least once, so an event can come
twice (to the same evaluator after a crash, or to the other one of its pool).
Its primary key ``(alarm_id, message_id)`` is written in the same transaction as
the state change, so an event moves an alarm at most once, whatever process
sees it and whenever it dies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Engine

from .. import storage
from ..storage import schema_version_table

__all__ = ["metadata", "alarms", "history", "alarm_events", "actions", "schema_version",
           "MIGRATIONS", "migrate", "engine_for", "READONLY"]

metadata = MetaData()
#: Execution option for connections that only read (SQLite: a deferred BEGIN).
READONLY = "alarms_readonly"

schema_version = schema_version_table(metadata)

alarms = Table(
    "alarms", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False, index=True),
    Column("description", Text, nullable=False, default=""),
    Column("type", String(32), nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("severity", String(16), nullable=False),
    Column("state", String(32), nullable=False, index=True),
    Column("state_reason", Text, nullable=False, default=""),
    Column("state_timestamp", Float, nullable=False),
    Column("rule", Text, nullable=False),  # the event_rule, JSON
    Column("alarm_actions", Text, nullable=False),  # JSON lists of URLs
    Column("ok_actions", Text, nullable=False),
    Column("insufficient_data_actions", Text, nullable=False),
    Column("repeat_actions", Boolean, nullable=False, default=False),
    Column("project_id", String(255), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    # migration 2: Aodh's user_id and time_constraints (JSON list)
    Column("user_id", String(255), nullable=True),
    Column("time_constraints", Text, nullable=True),
)

history = Table(
    "alarm_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alarm_id", String(36), nullable=False, index=True),  # kept after a delete
    # creation, rule change, state transition, action, deletion
    Column("type", String(32), nullable=False),
    Column("previous", String(32), nullable=True),
    Column("current", String(32), nullable=True),
    Column("reason", Text, nullable=False, default=""),
    Column("detail", Text, nullable=True),  # JSON: the triggering event, or what changed
    Column("message_id", String(64), nullable=True),
    Column("timestamp", Float, nullable=False),
)

alarm_events = Table(
    "alarm_events", metadata,
    Column("alarm_id", String(36), primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("at", Float, nullable=False, index=True),
)

actions = Table(
    "alarm_actions_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alarm_id", String(36), nullable=False),
    Column("history_id", Integer, ForeignKey("alarm_history.id"), nullable=True),
    Column("url", Text, nullable=False),
    Column("body", Text, nullable=False),  # JSON, as DESIGN.md's webhook body
    # pending -> done | failed
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_at", Float, nullable=True),
    Column("claimed_by", String(128), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("done_at", Float, nullable=True),
)


# --- migrations ------------------------------------------------------------------------


def _m001_initial(conn: Connection) -> None:
    for table in (alarms, history, alarm_events, actions):
        table.create(conn, checkfirst=True)


def _m002_user_time_constraints(conn: Connection) -> None:
    """``alarms.user_id`` and ``alarms.time_constraints`` (absent in version-1 tables)."""
    have = {column["name"] for column in inspect(conn).get_columns("alarms")}
    if "user_id" not in have:
        conn.execute(text("ALTER TABLE alarms ADD COLUMN user_id VARCHAR(255)"))
    if "time_constraints" not in have:
        conn.execute(text("ALTER TABLE alarms ADD COLUMN time_constraints TEXT"))


#: (version, name, function), in order; append, never edit an applied one.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "alarms, history, processed events, action outbox", _m001_initial),
    (2, "alarms: user_id, time_constraints", _m002_user_time_constraints),
]



def migrate(engine: Engine) -> list[int]:
    """Apply the migrations this database lacks; return the versions applied now."""
    return storage.migrate(engine, schema_version, MIGRATIONS, lock_key=8042001)

# --- engines ----------------------------------------------------------------------------


def engine_for(url: str) -> Engine:
    """An engine for ``url``.

    SQLite: WAL, a busy timeout (cloudapps.storage), and ``BEGIN IMMEDIATE`` for
    every transaction, so two evaluators reading then updating one alarm queue
    up instead of failing with "database is locked" on the upgrade from read
    to write. PostgreSQL: the store locks the alarm row (``SELECT ... FOR UPDATE``).
    """
    if not url.startswith("sqlite"):
        return storage.engine_for(url)

    def _own_transactions(dbapi_conn: Any) -> None:
        dbapi_conn.isolation_level = None  # we say when transactions begin

    engine = storage.engine_for(url, on_connect=_own_transactions)

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # a read-only request (READONLY) does not need to queue behind writers
        readonly = conn.get_execution_options().get(READONLY)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine
