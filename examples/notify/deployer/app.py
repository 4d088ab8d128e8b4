"""The deployer: a carya REST service that publishes notifications.

``POST /deployments`` with ``{"app": "wordpress"}`` records a deployment in a
SQLite database inside a transaction (TransactionHook) and announces
``deployment.created``; NotificationHook adds ``deployments.create.start/.end``
around it. Both wait in the request's outbox and go out only after the
commit. A deployment of ``"doomed"`` fails after writing: the transaction
rolls back and only ``deployments.create.error`` is announced (the hook's
``announce_rollbacks``), which the alarm service turns into an alarm.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from carya import abort, expose, make_app, request
from carya.hooks import TransactionHook
from carya.notify import NotificationHook
from carya.notify.config import from_mapping
from carya.rest import RestController


class Store:
    """One SQLite connection per request thread; TransactionHook drives it."""

    def __init__(self, path: str):
        self.path = path
        self.local = threading.local()
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS deployments ("
                       "id INTEGER PRIMARY KEY, app TEXT NOT NULL)")

    @property
    def db(self) -> sqlite3.Connection:
        return self.local.db

    def start(self) -> None:
        self.local.db = sqlite3.connect(self.path, timeout=10)

    def commit(self) -> None:
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()

    def clear(self) -> None:
        db = getattr(self.local, "db", None)
        if db is not None:
            db.close()
            self.local.db = None

    def hook(self) -> TransactionHook:
        return TransactionHook(self.start, self.start, self.commit, self.rollback, self.clear)


class DeploymentsController(RestController):
    def __init__(self, store: Store, notifier):
        self.store = store
        self.notifier = notifier

    @expose("json")
    def get_all(self):
        rows = self.store.db.execute("SELECT id, app FROM deployments ORDER BY id").fetchall()
        return {"deployments": [{"id": i, "app": a} for i, a in rows]}

    @expose("json")
    def post(self):
        app = request.json.get("app") if isinstance(request.json, dict) else None
        if not isinstance(app, str) or not app:
            abort(400, detail='send {"app": "<name>"}')
        cursor = self.store.db.execute("INSERT INTO deployments (app) VALUES (?)", (app,))
        deployment = {"id": cursor.lastrowid, "app": app}
        ctxt = {"request_id": request.environ.get("openstack.request_id")}
        self.notifier.info(ctxt, "deployment.created", deployment)  # held until commit
        if app == "doomed":
            raise RuntimeError(f"deployment of {app!r} failed half-way")
        return deployment


class RootController:
    def __init__(self, store: Store, notifier):
        self.deployments = DeploymentsController(store, notifier)

    @expose("json")
    def index(self):
        return {"service": "deployer", "deployments": "/deployments"}


def setup_app(conf):
    """Pecan's convention: ``load_app`` calls this with the loaded config."""
    notifications = from_mapping(conf["notifications"].to_dict(), "deployer config")
    notifier = notifications.notifier()
    store = Store(os.environ.get("DEPLOYER_DB") or conf.app.get("db_path"))
    hooks = [NotificationHook(notifier, announce_rollbacks=True), store.hook()]
    return make_app(RootController(store, notifier), hooks=hooks)
