"""The tracker: follows the cloud's ``compute.instance.*`` notifications for our servers.

Declared in ``etc/deployer/config.py`` (``notifications.listeners.tracker``,
pool ``deployer``) and run by ``carya listen etc/deployer/config.py``; several
trackers in the pool share the work. Each notification is applied in one
database transaction (the server's status, then the deployment's state, see
:mod:`.service`), and the deployment events it causes are held in an outbox
(:func:`carya.notify.deferred`) until that transaction commits.

A notification can arrive before the API's transaction that recorded the
server has committed (the create request is still running): it is put back
(``REQUEUE``) for up to ``wait_unknown`` seconds, then dropped with a log
line (a server whose deployment never committed).

Each tracker also runs a :class:`~.reconciler.Reconciler` thread, which re-reads
the cloud for deployments busy longer than ``CLOUDAPPS_RECONCILE_AFTER`` seconds
(whatever process died meanwhile) and deletes servers no deployment owns.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from carya.notify import REQUEUE, NotificationFilter, Notifier, deferred

from .. import settings
from . import db, service
from .cloud import CloudClient, CloudError
from .reconciler import Reconciler

__all__ = ["Tracker"]

LOG = logging.getLogger("cloudapps.deployer.tracker")


class Tracker:
    """A notification endpoint (``info``/``error``) for ``compute.instance.*`` events."""

    filter_rule = NotificationFilter(event_type=r"^compute\.instance\.")

    def __init__(self, engine: Any = None, notifier: Notifier | None = None,
                 cloud: CloudClient | None = None, wait_unknown: float = 30.0,
                 reconcile_after: float | None = None):
        self.engine = engine if engine is not None else db.engine_for(settings.db_url("deployer"))
        db.migrate(self.engine)
        self.notifier = notifier or Notifier(settings.transport_url(), service.publisher_id(),
                                             topics=["notifications"])
        self.cloud = cloud or CloudClient(settings.cloud_url(), timeout=5.0, retries=1)
        self.wait_unknown = wait_unknown
        self._unknown: dict[str, float] = {}
        self._lock = threading.Lock()
        after = settings.reconcile_after() if reconcile_after is None else reconcile_after
        #: re-reads the cloud for deployments busy too long (None when turned off)
        self.reconciler = Reconciler(self.engine, self.cloud, self.notifier,
                                     after=after).start() if after > 0 else None

    def info(self, ctxt: Any, publisher_id: str, event_type: str, payload: Any,
             metadata: Any) -> Any:
        return self._handle(ctxt, event_type, payload, metadata)

    def error(self, ctxt: Any, publisher_id: str, event_type: str, payload: Any,
              metadata: Any) -> Any:
        return self._handle(ctxt, event_type, payload, metadata)

    def _fault(self, event_type: str, payload: dict) -> str | None:
        """Why a server failed: the cloud's fault message if it has one (best effort)."""
        if payload.get("state") != "error":
            return None
        try:
            fault = self.cloud.server(str(payload.get("instance_id"))).get("fault") or {}
        except CloudError:
            fault = {}
        return fault.get("message") or f"the cloud reported {event_type}"

    def _handle(self, ctxt: Any, event_type: str, payload: Any, metadata: Any) -> Any:
        if not isinstance(payload, dict):
            return None
        meta = payload.get("metadata")
        if not isinstance(meta, dict) or not meta.get("deployment_id"):
            return None  # not one of ours
        fault = self._fault(event_type, payload)
        context = {"request_id": (ctxt or {}).get("request_id") if isinstance(ctxt, dict)
                   else None}
        with deferred(), self.engine.begin() as conn:
            known = service.server_event(conn, self.notifier, context, event_type, payload,
                                         fault)
        message_id = str((metadata or {}).get("message_id"))
        if known:
            with self._lock:
                self._unknown.pop(message_id, None)
            return None
        return self._not_yet(message_id, event_type, payload)

    def _not_yet(self, message_id: str, event_type: str, payload: dict) -> Any:
        now = time.monotonic()
        with self._lock:
            first = self._unknown.setdefault(message_id, now)
            if now - first > self.wait_unknown:
                del self._unknown[message_id]
                LOG.warning("dropping %s for server %s: deployment %s never recorded it",
                            event_type, payload.get("instance_id"),
                            payload["metadata"]["deployment_id"])
                return None
        time.sleep(0.1)  # the API's transaction is about to commit: do not spin
        return REQUEUE
