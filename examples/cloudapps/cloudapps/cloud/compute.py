"""The compute worker: an emulated hypervisor (``python -m cloudapps.cloud.compute``).

Every ``poll_interval`` it looks for servers whose pending task is due
(``due_at <= now``) and finishes it: a build becomes ACTIVE (or ERROR for
flavor ``m1.fail`` or by ``CLOUDAPPS_FAIL_RATE``), a reboot/stop/start/
snapshot/delete completes. Each transition is a claim (``UPDATE ... WHERE
id = :id AND version = :version``, one row or nothing), so with several
workers each transition happens exactly once; its notifications go into the
outbox in the same transaction and are sent after the commit. SIGTERM/SIGINT
stop the loop after the transition in hand.
"""

from __future__ import annotations

import argparse
import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from carya.notify import Notifier

from .. import settings
from . import db, events

__all__ = ["Worker", "main"]

log = logging.getLogger("cloudapps.cloud.compute")
BATCH = 50

#: task_state -> (new status, events after ``compute.instance.update``)
_TASKS: dict[str, tuple[str | None, list[tuple[str, str]]]] = {
    "rebooting": ("ACTIVE", [("compute.instance.reboot.end", "info")]),
    "powering-off": ("SHUTOFF", [("compute.instance.power_off.end", "info")]),
    "powering-on": ("ACTIVE", [("compute.instance.power_on.end", "info")]),
    "image_snapshot": (None, [("compute.instance.snapshot.end", "info")]),
    "deleting": ("DELETED", [("compute.instance.delete.end", "info")]),
}


class Worker:
    """Finishes due server tasks; :meth:`run_once` is one poll, :meth:`run` the loop."""

    def __init__(self, engine: Engine, notifier: Notifier, *, poll_interval: float = 0.2,
                 fail_rate: float = 0.0, rng: Callable[[], float] | None = None):
        self.engine = engine
        self.publisher = events.Publisher(engine, notifier)
        self.poll_interval = max(0.01, min(poll_interval, 5.0))
        self.fail_rate = fail_rate
        self.rng = rng or random.random
        self.stopping = threading.Event()
        self.applied = 0

    def run(self) -> None:
        log.info("compute worker polling every %.2fs", self.poll_interval)
        last_sweep = 0.0
        while not self.stopping.is_set():
            try:
                self.run_once()
                if time.monotonic() - last_sweep > 1.0:
                    self.publisher.sweep()
                    last_sweep = time.monotonic()
            except Exception:  # noqa: BLE001 - a DB hiccup must not end the worker
                log.exception("compute worker: poll failed; trying again")
            self.stopping.wait(self.poll_interval)
        log.info("compute worker stopped after %d transitions", self.applied)

    def stop(self, *_: Any) -> None:
        self.stopping.set()

    def run_once(self) -> int:
        """Apply every due transition once; how many this worker won."""
        now = time.time()
        with self.engine.connect() as conn:
            due = conn.execute(
                select(db.servers).where(db.servers.c.task_state.is_not(None))
                .where(db.servers.c.due_at <= now)
                .order_by(db.servers.c.due_at).limit(BATCH)
            ).all()
        won = 0
        for row in due:
            if self.stopping.is_set():
                break
            won += self.apply(row)
        return won

    def apply(self, row: Any) -> int:
        """Claim and finish ``row``'s task; 1 if this worker did it, 0 if another did."""
        new_status, named = self._outcome(row)
        fault = None
        if new_status == "ERROR":
            fault = "Build failed: flavor m1.fail" if row.flavor_id == db.FAIL_FLAVOR_ID \
                else "Build failed: injected fault (CLOUDAPPS_FAIL_RATE)"
        now = time.time()
        launched = now if row.task_state == "spawning" and new_status == "ACTIVE" \
            else row.launched_at
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(db.servers)
                .where(db.servers.c.id == row.id)
                .where(db.servers.c.version == row.version)
                .where(db.servers.c.task_state == row.task_state)
                .values(status=new_status, task_state=None, task_arg=None, due_at=None,
                        version=row.version + 1, fault=fault, updated_at=now,
                        launched_at=launched)
            ).rowcount
            if claimed != 1:
                return 0
            if row.task_state == "image_snapshot" and row.task_arg:
                conn.execute(update(db.images).where(db.images.c.id == row.task_arg)
                             .values(status="ACTIVE", updated_at=now))
            ctxt = {"project_id": row.project_id, "user_id": row.user_id}
            if row.task_state == "image_snapshot":  # no state change: just the event
                notes = [(t, p, events.payload(row)) for t, p in named]
            else:
                notes = events.events_for(row, named, row.status, new_status)
            ids = db.add_events(conn, row.id, ctxt, notes)
        self.applied += 1
        log.info("server %s: %s -> %s (%s)", row.id, row.status, new_status, row.task_state)
        self.publisher.flush(ids)
        return 1

    def _outcome(self, row: Any) -> tuple[str, list[tuple[str, str]]]:
        if row.task_state == "spawning":
            if row.flavor_id == db.FAIL_FLAVOR_ID or self.rng() < self.fail_rate:
                return "ERROR", [("compute.instance.create.error", "error")]
            return "ACTIVE", [("compute.instance.create.end", "info")]
        status, named = _TASKS.get(row.task_state, (None, []))
        return status or row.status, named


def build_worker(poll_interval: float = 0.2) -> Worker:
    """A worker from the environment (settings.py), with its database migrated."""
    engine = db.engine_for(settings.db_url("cloud"))
    db.migrate(engine)
    notifier = Notifier(settings.transport_url(), events.publisher_id(), outbox=False)
    return Worker(engine, notifier, poll_interval=poll_interval,
                  fail_rate=settings.fail_rate())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cloudapps.cloud.compute",
                                     description="The cloud's emulated hypervisor.")
    parser.add_argument("--poll-interval", type=float, default=0.2,
                        help="seconds between polls (bounded to 0.01..5; default 0.2)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    worker = build_worker(args.poll_interval)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    print("cloud compute worker ready", flush=True)
    worker.run()
    worker.publisher.notifier.flush(5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
