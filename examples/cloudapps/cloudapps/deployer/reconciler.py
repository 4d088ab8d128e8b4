"""The reconciler: re-reads the cloud for deployments that stayed busy too long.

Notifications move deployments along (the tracker), but any process can die at
any moment: the deployer API between recording an intent and calling the cloud,
the cloud API after committing a server but before answering, a tracker with a
notification in hand. Every ``interval`` seconds (in each tracker process) the
reconciler looks for

- deployments ``creating``/``updating``/``deleting`` untouched for ``after``
  seconds, and deployments holding ``REQUESTED`` intents that old,

claims each (a conditional UPDATE of ``updated_at``, so of several trackers one
works on it), and makes its rows agree with the cloud's ``GET /servers/detail``:

- an intent whose server the cloud has (its ``intent`` metadata) is adopted;
  an intent the cloud never got is sent now (creating/updating) or dropped;
- a server the cloud no longer has is ``DELETED``; a known one takes the cloud's
  status; a ``deleting`` deployment's servers are deleted (again if need be);

then :func:`.service.settle` moves the deployment on and announces it. Last, it
deletes *orphans*: servers carrying a ``deployment_id`` of this deployer that no
row knows (a deployment that never committed, or one already deleted), once
they are ``after`` seconds old. So after any single kill, every deployment ends
``active``, ``error`` or ``deleted``, and the cloud keeps no server nobody owns.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

from carya.notify import deferred

from . import db, service
from .cloud import CloudClient, CloudError

__all__ = ["Reconciler"]

LOG = logging.getLogger("cloudapps.deployer.reconciler")
_BUSY = ("creating", "updating", "deleting")


def _cloud_time(text: str | None) -> float:
    """The cloud's ``created`` (``2026-01-01T00:00:00Z``) as a timestamp; 0 if unreadable."""
    try:
        return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return 0.0


class Reconciler:
    """Converges stale deployments with the cloud; :meth:`run_once` is one pass."""

    def __init__(self, engine: Any, cloud: CloudClient, notifier: Any, after: float = 15.0,
                 interval: float = 2.0):
        self.engine = engine
        self.cloud = cloud
        self.notifier = notifier
        self.after = after
        self.interval = interval
        self.stats = {"passes": 0, "reconciled": 0, "adopted": 0, "resent": 0, "dropped": 0,
                      "orphans_deleted": 0, "errors": 0}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- running ------------------------------------------------------------------------

    def start(self) -> Reconciler:
        self._thread = threading.Thread(target=self._loop, name="deployer-reconciler",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except CloudError as error:  # the cloud is down or restarting: next pass
                LOG.debug("reconciler: the cloud is not answering (%s)", error)
            except Exception:  # noqa: BLE001 - a pass must never kill the tracker
                self.stats["errors"] += 1
                LOG.exception("reconciler pass failed")

    # --- one pass -----------------------------------------------------------------------

    def stale(self, conn: Any, now: float) -> list[Any]:
        old = now - self.after
        intents = select(db.servers.c.deployment_id).where(
            db.servers.c.status == service.REQUESTED, db.servers.c.updated_at < old)
        return list(conn.execute(select(db.deployments).where(
            db.deployments.c.updated_at < old,
            or_(db.deployments.c.state.in_(_BUSY), db.deployments.c.id.in_(intents)))))

    def run_once(self) -> int:
        """Reconcile every stale deployment, then sweep orphans; how many were reconciled."""
        self.stats["passes"] += 1
        now = time.time()
        with self.engine.connect() as conn:
            stale = self.stale(conn, now)
        cloud_servers = self.cloud.servers()
        done = 0
        for row in stale:
            if self._claim(row):
                self._reconcile(row.id, cloud_servers, now)
                done += 1
        self._sweep_orphans(cloud_servers, now)
        self.stats["reconciled"] += done
        return done

    def _claim(self, row: Any) -> bool:
        """Take ``row`` for this pass (one tracker of a pool wins)."""
        with self.engine.begin() as conn:
            return conn.execute(update(db.deployments).where(
                db.deployments.c.id == row.id, db.deployments.c.updated_at == row.updated_at
            ).values(updated_at=time.time())).rowcount == 1

    def _reconcile(self, deployment_id: str, cloud_servers: list[dict], now: float) -> None:
        mine = [s for s in cloud_servers
                if (s.get("metadata") or {}).get("deployment_id") == deployment_id]
        by_id = {s["id"]: s for s in mine}
        by_intent = {(s.get("metadata") or {}).get("intent"): s for s in mine}
        with deferred(), self.engine.connect() as conn:
            row = service.get(conn, deployment_id)
            for server in service.servers_of(conn, deployment_id):
                self._one_server(conn, row, server, by_id, by_intent, now)
                service.checkpoint(conn)
            moved = service.settle(conn, self.notifier, deployment_id, {})
            service.checkpoint(conn)
        LOG.info("reconciled deployment %s (%s)%s", deployment_id, row.state,
                 f" -> {moved}" if moved else "")

    def _one_server(self, conn: Any, row: Any, server: Any, by_id: dict, by_intent: dict,
                    now: float) -> None:
        if server.status == service.REQUESTED:
            found = by_intent.get(server.id)
            if found is not None:
                service.adopt(conn, server.id, found["id"], found["status"],
                              (found.get("fault") or {}).get("message"))
                self.stats["adopted"] += 1
                if row.state == "deleting":
                    self.cloud.delete_server(found["id"])
                    self._mark(conn, found["id"], "DELETING")
            elif row.state in ("creating", "updating"):
                service.request_server(conn, self.cloud, row, server)
                self.stats["resent"] += 1
            else:  # never reached the cloud, and nobody wants it any more
                self._mark(conn, server.id, "DELETED")
                self.stats["dropped"] += 1
            return
        if server.status == "DELETED":
            return
        found = by_id.get(server.id)
        if found is None:
            self._mark(conn, server.id, "DELETED")  # the cloud no longer has it
            return
        deleting = found.get("OS-EXT-STS:task_state") == "deleting"
        if row.state == "deleting" or server.status == "DELETING":
            if not deleting:
                self.cloud.delete_server(server.id)
            self._mark(conn, server.id, "DELETING")
            return
        status = found.get("status", server.status)
        if status != server.status:
            fault = (found.get("fault") or {}).get("message")
            conn.execute(update(db.servers).where(db.servers.c.id == server.id).values(
                status=status, fault=fault or server.fault, updated_at=time.time()))

    @staticmethod
    def _mark(conn: Any, server_id: str, status: str) -> None:
        conn.execute(update(db.servers).where(db.servers.c.id == server_id).values(
            status=status, updated_at=time.time()))

    def _sweep_orphans(self, cloud_servers: list[dict], now: float) -> None:
        """Delete servers tagged with a deployment that does not own them (after ``after``)."""
        tagged = [s for s in cloud_servers if (s.get("metadata") or {}).get("deployment_id")]
        if not tagged:
            return
        with self.engine.connect() as conn:
            known = {r.id: r.deployment_id for r in conn.execute(select(
                db.servers.c.id, db.servers.c.deployment_id).where(
                db.servers.c.status != "DELETED"))}
            intents = set(conn.execute(select(db.servers.c.id).where(
                db.servers.c.status == service.REQUESTED)).scalars())
        for server in tagged:
            if server["id"] in known or server.get("OS-EXT-STS:task_state") == "deleting":
                continue
            if (server.get("metadata") or {}).get("intent") in intents:
                continue  # its intent will adopt it
            if now - _cloud_time(server.get("created")) < self.after:
                continue  # its creator may still be recording it
            LOG.warning("deleting orphan server %s (%s) of deployment %s", server["id"],
                        server.get("name"), server["metadata"]["deployment_id"])
            self.cloud.delete_server(server["id"])
            self.stats["orphans_deleted"] += 1
