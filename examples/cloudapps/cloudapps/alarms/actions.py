"""Alarm actions, delivered from the outbox: webhook POSTs and log lines.

The evaluator queues one ``alarm_actions_outbox`` row per action in the same
transaction as the state change (:func:`~.store.queue_actions`), so a crash
after the commit loses no action: the :class:`ActionRunner` of any evaluator
finds the row still pending and runs it. A runner *claims* a row before
running it (an ``UPDATE ... WHERE claimed_at IS NULL OR claimed_at < lease``
that must change one row), so two evaluators never run the same row at once;
a claim left by a killed process expires after ``lease`` seconds, or at once
when that process ran on this machine and is gone (:meth:`release_dead_claims`).

* ``http://`` / ``https://``: POST the JSON body (DESIGN.md). 2xx is done;
  connection errors, timeouts, 408/425/429 and 5xx are retried up to
  ``attempts`` times with exponential backoff; other answers are final. A
  failure is recorded in the alarm's history and the row marked ``failed``;
  nothing is raised, so a bad receiver never stops the listener. Each POST
  carries ``X-Alarm-Action-Id`` (the outbox row), for receivers that want to
  drop the rare repeat (a process killed between the POST and marking it done).
* ``log://``: one WARNING line on ``cloudapps.alarms.actions``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine

from . import db, store

__all__ = ["ActionRunner", "Outcome", "post_webhook", "RETRYABLE"]

LOG = logging.getLogger("cloudapps.alarms.actions")
RETRYABLE = frozenset({408, 425, 429})


@dataclass
class Outcome:
    ok: bool
    attempts: int
    error: str = ""


def post_webhook(url: str, body: bytes, headers: dict[str, str], attempts: int = 4,
                 backoff: float = 0.2, timeout: float = 5.0) -> Outcome:
    """POST ``body`` to ``url``, retrying what may succeed later; never raises."""
    error = ""
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "cloudapps-alarms", **headers})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read()
                return Outcome(True, attempt)
        except urllib.error.HTTPError as answer:
            error = f"HTTP {answer.code} {answer.reason}"
            if answer.code < 500 and answer.code not in RETRYABLE:
                return Outcome(False, attempt, error)
        except (TimeoutError, urllib.error.URLError, OSError) as failure:
            reason = getattr(failure, "reason", failure)
            error = f"{type(reason).__name__}: {reason}"
        except ValueError as failure:  # a URL urllib cannot use
            return Outcome(False, attempt, f"bad URL: {failure}")
        if attempt < attempts:
            LOG.info("webhook %s: attempt %d of %d failed (%s); retrying", url, attempt,
                     attempts, error)
            time.sleep(backoff * 2 ** (attempt - 1))
    return Outcome(False, attempts, error)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ActionRunner:
    """Claims pending outbox rows and runs them; optionally on a thread of its own."""

    def __init__(self, engine: Engine, attempts: int = 4, backoff: float = 0.2,
                 timeout: float = 5.0, lease: float = 60.0, interval: float = 1.0):
        self.engine = engine
        self.attempts, self.backoff, self.timeout = attempts, backoff, timeout
        self.lease = lease  # longer than the worst delivery (attempts * timeout + backoffs)
        self.interval = interval
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.host = socket.gethostname()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered = 0

    # --- the outbox --------------------------------------------------------------------

    def _claim(self, ids: list[int] | None) -> list[Any]:
        now = time.time()
        free = or_(db.actions.c.claimed_at.is_(None), db.actions.c.claimed_at < now - self.lease)
        query = select(db.actions.c.id).where(db.actions.c.status == "pending", free) \
            .order_by(db.actions.c.id).limit(100)
        if ids is not None:
            query = query.where(db.actions.c.id.in_(ids))
        claimed = []
        with self.engine.begin() as conn:
            for action_id in conn.scalars(query).all():
                done = conn.execute(update(db.actions).where(
                    db.actions.c.id == action_id, db.actions.c.status == "pending", free)
                    .values(claimed_at=now, claimed_by=self.owner))
                if done.rowcount == 1:
                    claimed.append(action_id)
            if not claimed:
                return []
            return list(conn.execute(select(db.actions).where(db.actions.c.id.in_(claimed))
                                     .order_by(db.actions.c.id)))

    def release_dead_claims(self) -> int:
        """Free pending rows claimed by a process of this host that no longer runs."""
        query = select(db.actions.c.id, db.actions.c.claimed_by).where(
            db.actions.c.status == "pending", db.actions.c.claimed_at.is_not(None),
            db.actions.c.claimed_by.like(f"{self.host}:%"))
        freed = 0
        with self.engine.begin() as conn:
            for action_id, owner in conn.execute(query).all():
                pid = owner.split(":")[1]
                if not pid.isdigit() or _alive(int(pid)):
                    continue
                freed += conn.execute(update(db.actions).where(
                    db.actions.c.id == action_id, db.actions.c.claimed_by == owner)
                    .values(claimed_at=None, claimed_by=None)).rowcount
        return freed

    def run_pending(self, ids: list[int] | None = None) -> int:
        """Run the pending actions (only ``ids`` if given) this runner can claim; how many."""
        count = 0
        while True:
            rows = self._claim(ids)
            if not rows:
                return count
            for row in rows:
                self._run(row)
                count += 1
            if ids is not None:
                return count

    def _run(self, row: Any) -> None:
        if row.url.startswith("log://"):
            body = json.loads(row.body)
            LOG.warning("alarm %s (%s): %s -> %s: %s", body.get("alarm_name"),
                        body.get("alarm_id"), body.get("previous"), body.get("current"),
                        body.get("reason"))
            outcome = Outcome(True, 1)
        else:
            outcome = post_webhook(row.url, row.body.encode(), {"X-Alarm-Action-Id": str(row.id)},
                                   self.attempts, self.backoff, self.timeout)
        with self.engine.begin() as conn:
            conn.execute(update(db.actions).where(db.actions.c.id == row.id).values(
                status="done" if outcome.ok else "failed", attempts=outcome.attempts,
                last_error=outcome.error or None, done_at=time.time()))
            if not outcome.ok:
                store.action_failed(conn, row.alarm_id, row.url, outcome.error,
                                    outcome.attempts)
        if outcome.ok:
            self.delivered += 1
        else:
            LOG.error("alarm %s: action %s failed after %d attempt(s): %s", row.alarm_id,
                      row.url, outcome.attempts, outcome.error)

    # --- the thread ----------------------------------------------------------------------

    def wake(self) -> None:
        """New rows were queued: run them now rather than at the next interval."""
        self._wake.set()

    def start(self) -> ActionRunner:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="alarm-actions",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        ticks = 0
        while not self._stop.is_set():
            if ticks % 10 == 0:
                try:
                    self.release_dead_claims()
                except Exception:  # noqa: BLE001
                    LOG.exception("alarm actions: releasing dead claims failed")
            ticks += 1
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.run_pending()
            except Exception:  # noqa: BLE001 - the database is away: try again later
                LOG.exception("alarm actions: running the outbox failed; will retry")
