"""The evaluator: a ``carya.notify`` endpoint that turns events into alarm state changes.

``carya listen etc/alarms/config.py`` instantiates :class:`Evaluator` (no
arguments: everything comes from :mod:`cloudapps.settings`) and calls one of
its priority methods per notification. For each enabled event alarm whose
rule matches (:mod:`.rules`) it commits, in one transaction per alarm, the
state change, its history entry, the record that this ``message_id`` was
applied and the actions to run (:func:`.store.fire`); the
:class:`~.actions.ActionRunner` then delivers the actions.

Exactly once, on top of at-least-once delivery:

* the alarms database is the authority: ``(alarm_id, message_id)`` is stored
  with the state change, so an event redelivered after a crash, or to the
  other evaluator of the pool, changes nothing (it works across machines on
  PostgreSQL);
* :class:`carya.notify.Deduplicator` (a SQLite file in the state directory)
  skips an event this machine already finished without touching the database;
* actions live in the outbox until run, so a crash between the commit and the
  webhook call delays the call rather than losing it.

An exception (the database away) propagates: the listener retries the message
and dead-letters it after ``max_retries``; it never stops the listener.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Engine

from carya.notify import PRIORITIES, Deduplicator

from .. import settings
from . import db, rules, store
from .actions import ActionRunner

__all__ = ["Evaluator"]

LOG = logging.getLogger("cloudapps.alarms.evaluator")


class Evaluator:
    """Matches events against enabled event alarms; see the module docstring."""

    def __init__(self, engine: Engine | None = None, runner: ActionRunner | None = None,
                 dedup: Deduplicator | None = None, inline_actions: bool = False):
        if engine is None:
            engine = db.engine_for(settings.db_url("alarms"))
            db.migrate(engine)
        self.engine = engine
        if dedup is None:
            dedup = Deduplicator(path=os.path.join(settings.state_dir(),
                                                   "alarms-evaluator-seen.sqlite"))
        self.dedup = dedup
        self.inline_actions = inline_actions
        if runner is None:
            runner = ActionRunner(engine)
            if not inline_actions:
                runner.start()
        self.runner = runner
        self._rules: dict[str, tuple[float, Callable[[Mapping[str, Any]], bool]]] = {}
        self.stats = dict.fromkeys(("events", "duplicates", "matched", "fired"), 0)

    def _matches(self, row: Any, event: Mapping[str, Any]) -> bool:
        cached = self._rules.get(row.id)
        if cached is None or cached[0] != row.updated_at:
            cached = self._rules[row.id] = (row.updated_at,
                                            rules.compile_rule(json.loads(row.rule)))
        return cached[1](event)

    def evaluate(self, event: Mapping[str, Any]) -> list[int]:
        """Apply one event to every alarm it matches; the ids of the actions queued."""
        self.stats["events"] += 1
        message_id = event.get("message_id")
        if message_id and self.dedup.seen(message_id):
            self.stats["duplicates"] += 1
            return []
        with self.engine.connect().execution_options(**{db.READONLY: True}) as conn:
            candidates = store.enabled_event_alarms(conn)
        matched = [row.id for row in candidates if self._matches(row, event)]
        queued: list[int] = []
        for alarm_id in matched:
            self.stats["matched"] += 1
            with self.engine.begin() as conn:
                ids = store.fire(conn, alarm_id, event)
            if ids or not event.get("message_id"):
                self.stats["fired"] += 1
            queued += ids
        if message_id:
            self.dedup.mark(message_id)
        if queued:
            if self.inline_actions:
                self.runner.run_pending(queued)
            else:
                self.runner.wake()
        return queued

    def close(self) -> None:
        self.runner.stop()
        self.dedup.close()


def _priority_method(priority: str) -> Callable[..., None]:
    def method(self: Evaluator, ctxt: Any, publisher_id: str, event_type: str, payload: Any,
               metadata: Mapping[str, Any] | None) -> None:
        self.evaluate(rules.event_of(priority, publisher_id, event_type, payload, metadata))

    method.__name__ = priority
    method.__doc__ = f"A notification of priority {priority!r}: evaluate it."
    return method


# every priority is an event: a deployment.create.error comes with priority "error"
for _priority in PRIORITIES:
    setattr(Evaluator, _priority, _priority_method(_priority))
