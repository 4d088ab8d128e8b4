"""The cloud's notifications: Nova-style legacy payloads, sent through a DB outbox.

A state change and the notifications describing it are written in one
transaction (:func:`cloudapps.cloud.db.add_events`); after the commit,
:meth:`Publisher.flush` sends them and deletes them from the outbox. So a
notification never announces a change that was rolled back, and a process that
dies between commit and send leaves its rows for :meth:`Publisher.sweep` (run
by every compute worker) to send later: at least once, never lost.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Engine

from carya.notify import Notifier

from . import db

__all__ = ["STATES", "payload", "Publisher", "publisher_id"]

log = logging.getLogger("cloudapps.cloud.events")

#: API status -> the ``state`` of notification payloads (Nova's vm_state names).
STATES = {"BUILD": "building", "ACTIVE": "active", "ERROR": "error",
          "SHUTOFF": "stopped", "DELETED": "deleted"}
#: Rows older than this whose sender vanished are sent by the sweeper.
ORPHAN_AFTER = 5.0


def publisher_id() -> str:
    return f"compute.{socket.gethostname()}"


def payload(row: Any, status: str | None = None, old_status: str | None = None) -> dict:
    """The payload for server ``row`` (as of ``status``; the row's by default)."""
    status = status or row.status
    return {
        "instance_id": row.id,
        "display_name": row.name,
        "state": STATES.get(status, status.lower()),
        "old_state": STATES.get(old_status, old_status.lower()) if old_status else None,
        "flavor_id": row.flavor_id,
        "image_id": row.image_id,
        "tenant_id": row.project_id,
        "user_id": row.user_id,
        "metadata": db.load_metadata(row),
    }


class Publisher:
    """Sends outbox rows through a :class:`~carya.notify.Notifier`, oldest first."""

    def __init__(self, engine: Engine, notifier: Notifier):
        self.engine = engine
        self.notifier = notifier

    def flush(self, ids: Sequence[int]) -> int:
        """Send the rows ``ids`` (just committed by this process); how many were sent."""
        sent = 0
        for row_id in ids:
            sent += self._send(row_id, None)
        return sent

    def sweep(self, older_than: float = ORPHAN_AFTER) -> int:
        """Send rows left behind by a process that died between commit and send."""
        limit = time.time() - older_than
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(db.outbox.c.id, db.outbox.c.claimed_at)
                .where(db.outbox.c.created_at < limit)
                .where(or_(db.outbox.c.claimed_at.is_(None),
                           db.outbox.c.claimed_at < limit - 30))
                .order_by(db.outbox.c.id).limit(100)
            ).all()
        return sum(self._send(row.id, row.claimed_at) for row in rows)

    def _send(self, row_id: int, claimed_at: float | None) -> int:
        now = time.time()
        same_claim = (db.outbox.c.claimed_at.is_(None) if claimed_at is None
                      else db.outbox.c.claimed_at == claimed_at)
        with self.engine.begin() as conn:
            won = conn.execute(update(db.outbox)
                               .where(and_(db.outbox.c.id == row_id, same_claim))
                               .values(claimed_at=now)).rowcount
            if won != 1:
                return 0
            row = conn.execute(select(db.outbox).where(db.outbox.c.id == row_id)).one()
        try:
            self.notifier.notify(json.loads(row.context), row.event_type,
                                 json.loads(row.payload), row.priority)
        except Exception:  # noqa: BLE001 - keep the row: the sweeper sends it later
            log.exception("could not send %s for server %s; it stays in the outbox",
                          row.event_type, row.server_id)
            with self.engine.begin() as conn:
                conn.execute(update(db.outbox).where(db.outbox.c.id == row_id)
                             .values(claimed_at=None))
            return 0
        with self.engine.begin() as conn:
            conn.execute(delete(db.outbox).where(db.outbox.c.id == row_id))
        return 1

    def pending(self) -> list[int]:
        with self.engine.connect() as conn:
            return list(conn.scalars(select(db.outbox.c.id).order_by(db.outbox.c.id)))


def events_for(row: Any, transitions: Iterable[tuple[str, str]], old: str, new: str
               ) -> list[tuple[str, str, dict]]:
    """``compute.instance.update`` then the named events, with the payload after the change."""
    body = payload(row, new, old)
    out = [("compute.instance.update", "info", body)]
    out += [(event_type, priority, body) for event_type, priority in transitions]
    return out
