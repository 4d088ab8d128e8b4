"""Alarms, their history and their queued actions, read and written in the caller's transaction.

The API and the evaluator share these functions; both pass a
:class:`~sqlalchemy.engine.Connection` inside a transaction, so a state change,
its history entry, the record that an event was handled and the actions to
run are committed together or not at all.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Connection, Row

from . import db

__all__ = ["STATES", "ALARM", "OK", "INSUFFICIENT", "iso", "to_doc", "create", "get",
           "list_alarms", "enabled_event_alarms", "change", "remove", "set_state",
           "history_of", "fire", "queue_actions", "handled", "webhook_body"]

OK, ALARM, INSUFFICIENT = "ok", "alarm", "insufficient data"
STATES = (OK, ALARM, INSUFFICIENT)
_ACTION_KEYS = {OK: "ok_actions", ALARM: "alarm_actions",
                INSUFFICIENT: "insufficient_data_actions"}
#: Document keys stored as JSON text, with their column.
_JSON_COLUMNS = {"event_rule": "rule", "alarm_actions": "alarm_actions",
                 "ok_actions": "ok_actions",
                 "insufficient_data_actions": "insufficient_data_actions",
                 "time_constraints": "time_constraints"}
_PLAIN_COLUMNS = ("name", "description", "type", "enabled", "severity", "repeat_actions")
#: What a whole-document PUT resets a key it omits to (Aodh's defaults).
DEFAULTS = {"description": "", "enabled": True, "severity": "low", "repeat_actions": False,
            "alarm_actions": [], "ok_actions": [], "insufficient_data_actions": [],
            "time_constraints": []}
#: Namespace of history ``event_id``s (a UUID per history entry, as Aodh's).
_EVENT_NS = uuid.UUID("6c1f3b52-8f0e-4a55-9a43-2d3f1c0b7e11")


def iso(ts: float | None) -> str | None:
    """A timestamp as Aodh writes them (ISO 8601, UTC)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat()


def to_doc(row: Row) -> dict[str, Any]:
    """The alarm document of DESIGN.md (Aodh's field names; ``id`` and ``alarm_id`` alike)."""
    doc = {"id": row.id, "alarm_id": row.id, "name": row.name, "description": row.description,
           "type": row.type, "enabled": bool(row.enabled), "severity": row.severity,
           "state": row.state, "state_reason": row.state_reason,
           "state_timestamp": iso(row.state_timestamp),
           "repeat_actions": bool(row.repeat_actions), "project_id": row.project_id,
           "user_id": row.user_id,
           "timestamp": iso(row.updated_at), "created_at": iso(row.created_at)}
    for key, column in _JSON_COLUMNS.items():
        raw = getattr(row, column)
        doc[key] = json.loads(raw) if raw else []
    return doc


def _columns(body: Mapping[str, Any]) -> dict[str, Any]:
    values = {key: body[key] for key in _PLAIN_COLUMNS if key in body}
    for key, column in _JSON_COLUMNS.items():
        if key in body:
            values[column] = json.dumps(body[key])
    return values


def _add_history(conn: Connection, alarm_id: str, kind: str, reason: str,
                 previous: str | None = None, current: str | None = None,
                 detail: Any = None, message_id: str | None = None) -> int:
    result = conn.execute(insert(db.history).values(
        alarm_id=alarm_id, type=kind, previous=previous, current=current, reason=reason,
        detail=None if detail is None else json.dumps(detail, default=str),
        message_id=message_id, timestamp=time.time()))
    return result.inserted_primary_key[0]


def create(conn: Connection, body: Mapping[str, Any], project_id: str | None = None,
           user_id: str | None = None) -> Row:
    """A new alarm from a validated body; its ``creation`` history entry."""
    now = time.time()
    values = _columns({**DEFAULTS, **body})
    state = body.get("state", INSUFFICIENT)
    alarm_id = str(uuid.uuid4())
    conn.execute(insert(db.alarms).values(
        id=alarm_id, state=state, state_reason="Alarm created", state_timestamp=now,
        project_id=project_id, user_id=user_id, created_at=now, updated_at=now, **values))
    row = get(conn, alarm_id)
    _add_history(conn, alarm_id, "creation", "Alarm created", current=state, detail=to_doc(row))
    return row


def get(conn: Connection, alarm_id: str, lock: bool = False) -> Row | None:
    """The alarm ``alarm_id``; ``lock`` holds its row until the transaction ends."""
    query = select(db.alarms).where(db.alarms.c.id == alarm_id)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).first()


def list_alarms(conn: Connection, state: str | None = None, name: str | None = None,
                enabled: bool | None = None, where: Iterable[Any] = (),
                order: Iterable[Any] = (), limit: int | None = None) -> list[Row]:
    """Alarms matching every condition (``where``: SQL expressions), oldest first by default."""
    query = select(db.alarms).order_by(*order, db.alarms.c.created_at, db.alarms.c.id)
    if state is not None:
        query = query.where(db.alarms.c.state == state)
    if name is not None:
        query = query.where(db.alarms.c.name == name)
    if enabled is not None:
        query = query.where(db.alarms.c.enabled == enabled)
    for condition in where:
        query = query.where(condition)
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query))


def enabled_event_alarms(conn: Connection) -> list[Row]:
    return list(conn.execute(select(db.alarms).where(
        and_(db.alarms.c.enabled.is_(True), db.alarms.c.type == "event"))
        .order_by(db.alarms.c.id)))


def change(conn: Connection, row: Row, body: Mapping[str, Any]) -> Row:
    """Apply a validated update; a ``rule change`` entry lists what changed."""
    before = to_doc(row)
    values = _columns(body)
    changed = {key: body[key] for key in body if key != "state" and before.get(key) != body[key]}
    if values:
        conn.execute(update(db.alarms).where(db.alarms.c.id == row.id)
                     .values(updated_at=time.time(), **values))
    if changed:
        _add_history(conn, row.id, "rule change", "Alarm updated: " + ", ".join(sorted(changed)),
                     detail=changed)
    if "state" in body and body["state"] != row.state:
        set_state(conn, get(conn, row.id), body["state"], "State set by an update")
    return get(conn, row.id)


def replace(conn: Connection, row: Row, body: Mapping[str, Any]) -> Row:
    """Aodh's ``PUT``: the body is the whole alarm; an omitted optional key gets its default.

    Read-only keys of the document (``alarm_id``, timestamps, ``project_id``...)
    may come back as the client read them: they are ignored here.
    """
    writable = {key: body[key] for key in (*_PLAIN_COLUMNS, *_JSON_COLUMNS, "state")
                if key in body}
    return change(conn, row, {**DEFAULTS, **writable})


def remove(conn: Connection, row: Row) -> None:
    conn.execute(delete(db.alarms).where(db.alarms.c.id == row.id))
    conn.execute(delete(db.alarm_events).where(db.alarm_events.c.alarm_id == row.id))
    _add_history(conn, row.id, "deletion", "Alarm deleted", previous=row.state,
                 detail=to_doc(row))


def set_state(conn: Connection, row: Row, state: str, reason: str, event: Any = None,
              kind: str = "state transition") -> int:
    """Move ``row`` to ``state`` (or repeat it) with a history entry; its id."""
    now = time.time()
    conn.execute(update(db.alarms).where(db.alarms.c.id == row.id).values(
        state=state, state_reason=reason, state_timestamp=now, updated_at=now))
    message_id = event.get("message_id") if isinstance(event, Mapping) else None
    return _add_history(conn, row.id, kind, reason, previous=row.state, current=state,
                        detail={"event": event} if event is not None else None,
                        message_id=message_id)


def history_of(conn: Connection, alarm_id: str | None = None, where: Iterable[Any] = (),
               order: Iterable[Any] = (), limit: int | None = None) -> list[dict[str, Any]]:
    """History entries (of ``alarm_id``, or all), in ``order``, then newest first.

    Each is Aodh's entry (``event_id``, ``alarm_id``, ``type``, ``detail`` as JSON
    text, ``timestamp``) plus what the GUI reads (``previous``, ``current``,
    ``reason``, the triggering ``event``).
    """
    query = select(db.history)
    if alarm_id is not None:
        query = query.where(db.history.c.alarm_id == alarm_id)
    for condition in where:
        query = query.where(condition)
    query = query.order_by(*order, db.history.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    out = []
    for row in conn.execute(query):
        detail = json.loads(row.detail) if row.detail else None
        out.append({"id": row.id, "event_id": event_id(row.alarm_id, row.id),
                    "alarm_id": row.alarm_id, "type": row.type,
                    "previous": row.previous, "current": row.current, "reason": row.reason,
                    "timestamp": iso(row.timestamp), "message_id": row.message_id,
                    "event": (detail or {}).get("event") if row.type in (
                        "state transition", "repeat") else None,
                    "detail": json.dumps(detail if detail is not None else {},
                                         default=str, sort_keys=True)})
    return out


def event_id(alarm_id: str, history_id: int) -> str:
    """The stable UUID of one history entry (derived, so no column is needed)."""
    return str(uuid.uuid5(_EVENT_NS, f"{alarm_id}/{history_id}"))


def handled(conn: Connection, alarm_id: str, message_id: str | None) -> bool:
    """Was this event already applied to this alarm? Records it if not (call under lock)."""
    if not message_id:
        return False
    key = and_(db.alarm_events.c.alarm_id == alarm_id,
               db.alarm_events.c.message_id == message_id)
    if conn.execute(select(db.alarm_events.c.at).where(key)).first() is not None:
        return True
    conn.execute(insert(db.alarm_events).values(alarm_id=alarm_id, message_id=message_id,
                                                at=time.time()))
    return False


def webhook_body(row: Row, previous: str, current: str, reason: str,
                 event: Any) -> dict[str, Any]:
    """What an action receives (DESIGN.md), plus Aodh's ``severity`` and ``reason_data``."""
    return {"alarm_id": row.id, "alarm_name": row.name, "severity": row.severity,
            "previous": previous, "current": current, "reason": reason,
            "reason_data": {"type": "event", "event": event}, "event": event}


def queue_actions(conn: Connection, row: Row, history_id: int, urls: Iterable[str],
                  body: Mapping[str, Any]) -> list[int]:
    """Put one outbox row per action URL, in the caller's transaction; their ids."""
    now, text, ids = time.time(), json.dumps(body, default=str), []
    for url in dict.fromkeys(urls):
        result = conn.execute(insert(db.actions).values(
            alarm_id=row.id, history_id=history_id, url=url, body=text, status="pending",
            attempts=0, created_at=now))
        ids.append(result.inserted_primary_key[0])
    return ids


def fire(conn: Connection, alarm_id: str, event: Mapping[str, Any]) -> list[int]:
    """An event matched ``alarm_id``'s rule: move it to ``alarm`` once; the actions queued.

    Locks the alarm row first, so of two evaluators seeing events for one alarm
    one waits; an event already applied (same ``message_id``) changes nothing.
    Already in ``alarm``: a ``repeat`` entry and the actions again only with
    ``repeat_actions``.
    """
    row = get(conn, alarm_id, lock=True)
    if row is None or not row.enabled or handled(conn, alarm_id, event.get("message_id")):
        return []
    reason = (f"Event {event.get('event_type')} (message {event.get('message_id')}) "
              f"from {event.get('publisher_id')} matched the alarm's rule")
    if row.state != ALARM:
        kind = "state transition"
    elif row.repeat_actions:
        kind = "repeat"
    else:
        return []
    history_id = set_state(conn, row, ALARM, reason, event, kind)
    urls = json.loads(row.alarm_actions)
    return queue_actions(conn, row, history_id, urls,
                         webhook_body(row, row.state, ALARM, reason, event))


def action_failed(conn: Connection, alarm_id: str, url: str, error: str,
                  attempts: int) -> None:
    """History entry for an action that could not be run."""
    _add_history(conn, alarm_id, "action", f"action {url} failed after {attempts} "
                 f"attempt(s): {error}", detail={"url": url, "error": error,
                                                 "attempts": attempts})
